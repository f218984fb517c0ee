"""``--help`` in Chinese: ``touchpoint --locale zh --help`` and ``touchpoint COMMAND --locale zh --help``.

Every text the help shows (descriptions, summaries, every argument's help, argparse's headings) has
a Chinese text in :data:`sim.cli.help_zh.HELP_ZH`; a new option without one fails
:func:`test_every_help_text_has_a_chinese_text`, naming it. Without ``--locale zh`` the help is
English, as before (``docs/gen_docs.py`` and the reference pages rely on it).
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from sim.cli import COMMANDS, OPTIONAL_COMMANDS, Parser, build_parser, main
from sim.cli.help_zh import HELP_ZH, lines

#: Every subcommand, the optional ones too (play, grade, cohort, assign, schema, new, balance, graph).
ALL_COMMANDS = [*COMMANDS, *OPTIONAL_COMMANDS]
#: Three English words in a row: what an untranslated help sentence leaves in the Chinese help.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
#: argparse's groups: their titles are headings, shown only when a group has arguments (checked above).
GROUPS = {"positional arguments", "options"}
SPECIFIER = re.compile(r"%\(\w+\)s")
#: What a Chinese text keeps as the English has it: option names, numbers, file names, ids, specifiers.
KEPT = re.compile(r"(?<![\w-])--?[a-z][a-z-]*|\d+|[\w*-]*[._/][\w./*-]*\w|%\(\w+\)s")


@pytest.fixture(autouse=True)
def _usage_errors_in_english_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() sets the class-wide language of usage errors from the command line: put it back."""
    monkeypatch.setattr(Parser, "locale", Parser.locale)


def key(text: str) -> str:
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Without any whitespace: a text laid out in lines still contains the text."""
    return re.sub(r"\s+", "", text)


def parsers(locale: str = "zh") -> dict[str, Parser]:
    """The top-level parser and each subcommand's, by how the help names them."""
    top = build_parser(locale)
    return {"touchpoint": top, **{f"touchpoint {name}": p for name, p in top.subcommands.items()}}


def untranslated() -> list[str]:
    return [f"{where}: {text!r}" for where, parser in parsers().items() for text in parser.help_texts
            if key(text) not in HELP_ZH]


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    assert stop.value.code == 0, argv
    out, err = capsys.readouterr()
    assert out and not err, (argv, err)
    return out


def command_line(command: str, *words: str) -> list[str]:
    return [command, *words] if command else list(words)


def english_left(help_text: str) -> list[str]:
    """Runs of English words in a help below its usage lines (option names and metavars are not words)."""
    return ENGLISH.findall(help_text.split("\n\n", 1)[1])


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# --- the catalog -------------------------------------------------------------------------------------------


def test_every_command_is_registered_for_the_test() -> None:
    assert set(build_parser("zh").subcommands) == set(ALL_COMMANDS)


def test_every_help_text_has_a_chinese_text() -> None:
    missing = untranslated()
    assert not missing, ("help texts without Chinese: add them to HELP_ZH in sim/cli/help_zh.py\n  "
                         + "\n  ".join(missing))


def test_the_catalog_has_no_text_the_help_does_not_show() -> None:
    shown = {key(text) for parser in parsers().values() for text in parser.help_texts}
    stale = sorted(set(HELP_ZH) - shown)
    assert not stale, f"HELP_ZH translates texts no command shows (changed or removed): {stale}"


def test_a_new_text_without_chinese_is_named(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delitem(HELP_ZH, "exit 1 on warnings too")
    assert untranslated() == ["touchpoint check: 'exit 1 on warnings too'"]
    out = help_of(capsys, "check", "--locale", "zh", "--help")
    assert "exit 1 on warnings too" in out and "on warnings too" in english_left(out)


@pytest.mark.parametrize("english", list(HELP_ZH))
def test_a_chinese_text_keeps_names_numbers_and_specifiers_and_full_width_punctuation(english: str) -> None:
    text = HELP_ZH[english]
    assert english == key(english) and text == key(text)
    kept = [word for word in KEPT.findall(english) if word != "e.g"]
    assert [word for word in kept if word not in text] == [], text
    assert SPECIFIER.findall(text) == SPECIFIER.findall(english)
    assert "%" not in SPECIFIER.sub("", text)  # argparse would take a lone % for a specifier
    bare = re.sub(r"“[^”]*”", "", SPECIFIER.sub("", text))  # a quoted format is shown as it is written
    assert not re.search(r"[()]|[\u3400-\u9fff][,;:.!?]|[,;:!?][\u3400-\u9fff]", bare), text
    assert re.search(r"[\u3400-\u9fff]", text), text


# --- the help, in Chinese ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", *ALL_COMMANDS])
def test_the_help_of_every_command_is_in_chinese(command: str, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    english = help_of(capsys, *command_line(command, "--help"))
    out = help_of(capsys, *command_line(command, "--locale", "zh", "--help"))
    prog = f"touchpoint {command}".strip()
    assert out.startswith(f"用法： {prog} "), out
    # argparse's headings: each English one has its Chinese, with a full-width colon
    headings = [line[:-1] for line in english.splitlines() if re.fullmatch(r"[a-z ]+:", line)]
    assert "options" in headings
    for heading in headings:
        assert f"\n{HELP_ZH[heading]}：\n" in out and f"\n{heading}:" not in out
    assert "显示此帮助信息并退出" in out and "show this help message" not in out
    # every text of this command's help, in Chinese, and none left in English
    parser = parsers()[prog]
    assert parser.help_texts
    for text in set(parser.help_texts) - GROUPS:
        chinese = HELP_ZH[key(text)]
        assert all(squeezed(part) in squeezed(out) for part in SPECIFIER.split(chinese)), chinese
        if " " in key(text):
            assert squeezed(text) not in squeezed(out), text
    assert english_left(out) == [], out
    assert english_left(english), "the check for English words finds none in the English help"


@pytest.mark.parametrize("argv", [
    ["--locale=zh", "--help"], ["--help", "--locale", "zh"], ["--locale", "zh-TW", "--help"],
    ["check", "--help", "--locale", "zh"], ["check", "--locale=zh", "--help"],
    ["run", "--locale", "zh", "--help"],  # run has no --locale of its own
    ["schema", "--locale", "zh", "--help"], ["migrate", "--locale=zh", "--help"],
])
def test_locale_zh_anywhere_on_the_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(capsys, *argv)
    assert out.startswith("用法： touchpoint") and "\n选项：\n" in out, out


def test_touchpoint_alone_with_locale_zh_shows_the_chinese_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--locale", "zh"]) == 2
    assert capsys.readouterr().out.startswith("用法： touchpoint [-h] [--version] COMMAND ...")


def test_the_default_of_an_option_is_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(capsys, "cohort", "--locale", "zh", "--help")
    assert "默认expert=0.3,random=0.7）" in squeezed(out) and "%(default)s" not in out


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("command", ["", *ALL_COMMANDS])
def test_chinese_lines_fit_the_terminal(command: str, width: int, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Chinese character takes two columns: the lines are broken by display width, not characters."""
    monkeypatch.setenv("COLUMNS", str(width))
    out = help_of(capsys, *command_line(command, "--locale", "zh", "--help"))
    wide = [line for line in out.splitlines() if re.search(r"[\u3400-\u9fff]", line)]
    assert wide
    too_long = [line for line in wide if columns(line) > width - 2]
    assert not too_long, too_long


def test_usage_lines_stay_aligned_under_the_chinese_heading(capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    usage = help_of(capsys, "grade", "--locale", "zh", "--help").split("\n\n")[0].splitlines()
    assert len(usage) > 2
    first = usage[0].index("[-h]")
    assert columns(usage[0][:first]) == columns("usage: touchpoint grade ")
    assert all(columns(line) - len(line.lstrip()) == columns(usage[0][:first]) for line in usage[1:])


def test_lines_break_by_display_width_and_chinese_rules() -> None:
    text = "基于运行的检查所用的带种子机器人运行次数（默认 600，最多 1,000,000；0 表示跳过）"
    for width in range(12, 40):  # 1,000,000； takes 11 columns
        broken = lines(text, width)
        assert all(columns(line) <= width for line in broken), (width, broken)
        assert squeezed("".join(broken)) == squeezed(text)
        assert not any(line[0] in "，。；：）" or line[-1] == "（" for line in broken), broken
    assert lines("a-very-long-unbreakable-word 和", 10) == ["a-very-long-unbreakable-word", "和"]


# --- in English, as before ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", *ALL_COMMANDS])
def test_the_english_help_is_unchanged(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = help_of(capsys, *command_line(command, "--help"))
    help_of(capsys, *command_line(command, "--locale", "zh", "--help"))
    after = help_of(capsys, *command_line(command, "--help"))
    assert after == before  # nothing of the Chinese help stays behind
    assert before.startswith(f"usage: {f'touchpoint {command}'.strip()} ") and "\noptions:\n" in before
    assert not re.search(r"[\u3400-\u9fff]", before), before
    parser = parsers("en")[f"touchpoint {command}".strip()]
    for text in parser.help_texts:  # shown as registered (argparse may break a line after a hyphen)
        if text not in GROUPS:
            assert all(squeezed(part) in squeezed(before) for part in SPECIFIER.split(text)), text


def test_build_parser_is_english_by_default() -> None:
    """What docs/gen_docs.py reads: the registered English texts, as before."""
    top = build_parser()
    assert top.description == "Touchpoint: play and grade the customer sales roadmap."
    assert top.subcommands["check"].description.startswith("Check scenario files: YAML")
    assert top.summaries["check"] == "find problems in scenario files (schema, references, fairness)"
    assert build_parser("zh").summaries == top.summaries


@pytest.mark.parametrize(("argv", "said"), [
    (["--locale", "zh", "check", "x.yaml"],
     "touchpoint：错误：参数 --locale：请写在命令名之后（touchpoint check --locale zh ...）"),
    (["--locale=en", "run", "tutorial"], "touchpoint: error: argument --locale: put it after the command name "
                                         "(touchpoint run --locale en ...)"),
])
def test_locale_before_the_command_is_a_usage_error(argv: list[str], said: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1, err
