"""One command line (issue 23, item 9): the same spelling for the same thing in every command.

``-o/--out`` wherever a file is written, an unknown flag blamed on the subcommand, ``--locale``
checked everywhere, a policy file's unknown ids refused, ``--runs`` bounded with progress on long
runs, and the optional libraries (the game, the charts) asked for by name when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import build_parser, main
from sim.cli.common import MAX_RUNS

ROOT = Path(__file__).resolve().parents[1]

#: Every command that writes a file it is told to write, with the option that names it.
OUTPUT_COMMANDS = ("new", "schema", "graph", "grade", "cohort", "balance", "docs")
#: Arguments each subcommand needs before an unknown flag can be the only problem.
MINIMAL_ARGS: dict[str, list[str]] = {
    "scenarios": [], "check": ["tutorial"], "run": ["tutorial"], "replay": ["x.jsonl"], "docs": [],
    "play": [], "grade": ["logs"], "cohort": ["tutorial", "--size", "1", "--out", "x"], "schema": [],
    "new": ["my_case"], "balance": ["tutorial"], "graph": ["tutorial", "-o", "x.svg"],
}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    assert parser.subcommands, "no subcommands"
    return dict(parser.subcommands)


# --- -o/--out --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_every_output_is_spelt_o_and_out(command: str) -> None:
    parser = subparsers()[command]
    flags = [a.option_strings for a in parser._actions if "--out" in a.option_strings]
    assert flags and "-o" in flags[0], f"touchpoint {command} has no -o/--out"


def test_grade_and_cohort_take_o(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", "tutorial", "--size", "3", "--seed", "1", "-o", str(tmp_path / "class"), "-q"]) == 0
    grades = tmp_path / "grades.csv"
    assert main(["grade", str(tmp_path / "class"), "-o", str(grades), "--executor", "serial", "-q"]) == 0
    assert grades.read_text(encoding="utf-8").count("\n") == 4  # a header and three trainees
    capsys.readouterr()


@pytest.mark.parametrize("flag", ["-o", "--out", "--output"])
def test_new_takes_every_spelling(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "case.yaml"
    assert main(["new", "my_case", flag, str(target)]) == 0 and target.is_file()
    capsys.readouterr()


# --- unknown flags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(MINIMAL_ARGS))
def test_an_unknown_flag_is_blamed_on_its_subcommand(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    if command not in subparsers():
        pytest.skip(f"touchpoint {command} is not installed here")
    with pytest.raises(SystemExit) as exit_:
        main([command, *MINIMAL_ARGS[command], "--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"touchpoint {command}: error: unrecognized arguments: --bogus"), err
    assert f"see 'touchpoint {command} --help'" in err and err.count("\n") == 1


def test_an_unknown_flag_before_the_scenario_is_blamed_on_the_subcommand_too(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--bogus", "tutorial"])
    assert capsys.readouterr().err.startswith("touchpoint run: error: unrecognized arguments: --bogus")


# --- --locale ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["scenarios", "grade", "cohort", "check", "graph", "balance", "new", "docs"])
def test_locale_is_checked_everywhere(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, *MINIMAL_ARGS[command], "--locale", "klingon"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"touchpoint {command}: error: argument --locale") and "klingon" in err


def test_a_regional_variant_is_accepted_where_scenario_languages_are(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--locale", "zh-TW"]) == 0
    assert "教程" in capsys.readouterr().out
    assert main(["cohort", "tutorial", "--size", "1", "-o", str(tmp_path / "c"), "--locale", "zh-TW", "-q"]) == 0
    capsys.readouterr()


# --- policy files ------------------------------------------------------------------------------------------


def test_a_policy_file_with_unknown_ids_is_refused_naming_them(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "plan.yaml"
    policy.write_text("choices:\n  discont_ask: give_discount\n  first_meeting: no_such_action\n"
                      "  nowhere/first_meeting: ask_cost\n  focus: [hengtai]\n", encoding="utf-8")
    assert main(["run", "tutorial", "--policy", str(policy), "--runs", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"touchpoint run: {policy}: ")
    for named in ("unknown touchpoint 'discont_ask'", "did you mean 'discount_ask'?",
                  "unknown action 'no_such_action' at touchpoint 'first_meeting'", "unknown account 'nowhere'",
                  "unknown account 'hengtai' in focus"):
        assert named in err, named


def test_a_correct_policy_file_still_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "plan.yaml"
    policy.write_text("default: expert\nchoices:\n  discount_ask: give_discount\n", encoding="utf-8")
    assert main(["run", "tutorial", "--policy", str(policy), "--runs", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == 2


def test_a_pipeline_plan_names_its_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.engine.loader import load_scenario

    acc = load_scenario("pipeline").spec.accounts[0]
    tp = acc.touchpoints[0]
    good = tmp_path / "good.yaml"
    good.write_text(f"choices:\n  {acc.id}/{tp.id}: {tp.actions[0].id}\n  focus: [{acc.id}]\n", encoding="utf-8")
    assert main(["run", "pipeline", "--policy", str(good), "--runs", "1", "--json"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"choices:\n  {acc.id}/no_such_touchpoint: x\n", encoding="utf-8")
    assert main(["run", "pipeline", "--policy", str(bad), "--runs", "1"]) == 2
    assert "unknown touchpoint 'no_such_touchpoint'" in capsys.readouterr().err


def test_cohort_refuses_a_policy_file_with_unknown_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "plan.yaml"
    policy.write_text("choices:\n  discont_ask: give_discount\n", encoding="utf-8")
    code = main(["cohort", "tutorial", "--size", "2", "--mix", f"{policy}=1", "-o", str(tmp_path / "c"), "-q"])
    assert code == 2 and "unknown touchpoint 'discont_ask'" in capsys.readouterr().err


# --- --runs and progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "check", "balance"])
def test_absurd_runs_are_refused(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused while the command line is read: only parsed here, so where --runs is not bounded
    the test fails at once instead of starting 10**22 runs."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "tutorial", "--runs", "10000000000000000000000"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"touchpoint {command}: error: argument --runs: at most {MAX_RUNS:,} runs" in err


def test_the_maximum_itself_is_allowed() -> None:
    from sim.cli.common import runs_int

    assert runs_int(str(MAX_RUNS)) == MAX_RUNS
    with pytest.raises(argparse.ArgumentTypeError):
        runs_int(str(MAX_RUNS + 1))
    with pytest.raises(argparse.ArgumentTypeError):
        runs_int("0")
    assert runs_int("0", minimum=0) == 0


def test_progress_shows_on_request_and_never_in_a_pipe() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "sim", "run", "tutorial", "--runs", "30", "--json"]
    quiet = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    shown = subprocess.run([*args, "--progress"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert quiet.returncode == shown.returncode == 0
    assert quiet.stderr == ""  # stderr is a pipe: no bar
    assert "/30 [" in shown.stderr and "run/s" in shown.stderr  # tqdm's bar, on stderr only
    assert json.loads(quiet.stdout) == json.loads(shown.stdout)  # the same numbers either way


# --- the optional libraries -------------------------------------------------------------------------------

#: A fresh interpreter in which pygame and matplotlib cannot be imported, as on a lean grading server.
LEAN = (
    "import sys, importlib.abc\n"
    "class Block(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('pygame', 'matplotlib'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, Block())\n"
    "from sim.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


def lean(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy"}
    return subprocess.run([sys.executable, "-c", LEAN, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


@pytest.mark.parametrize(("args", "message"), [
    (["play", "tutorial"], "touchpoint play needs the play extra (pygame is not installed): "
                           "pip install 'touchpoint[play]'"),
    (["graph", "tutorial", "-o", "x.svg"], "touchpoint graph needs the charts extra (matplotlib is not installed): "
                                           "pip install 'touchpoint[charts]'"),
    (["balance", "tutorial", "--runs", "2", "--html", "x.html"], "pip install 'touchpoint[charts]'"),
    (["grade", "logs", "--report", "r.html"], "pip install 'touchpoint[charts]'"),
])
def test_a_missing_extra_is_named_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    out = lean(*args, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr


def test_grading_needs_neither_the_game_nor_the_charts(tmp_path: Path) -> None:
    """What a grading server runs works without pygame and matplotlib."""
    for args in (["new", "my_case"], ["check", "--runs", "20", "my_case.yaml"], ["run", "tutorial", "--runs", "3"],
                 ["cohort", "tutorial", "--size", "3", "-o", "class", "-q"],
                 ["grade", "class", "-o", "grades.csv", "--xapi", "x.jsonl", "--executor", "serial", "-q"],
                 ["schema", "-o", "s.json"], ["docs", "scenario", "-o", "scenario.md"], ["scenarios"]):
        out = lean(*args, cwd=tmp_path)
        assert out.returncode == 0, (args, out.stderr)
    assert (tmp_path / "grades.csv").read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.parametrize(("argv", "english", "chinese"), [
    (["check", "--locale", "zh"], "the following arguments are required: FILE", "缺少必需的参数：FILE"),
    (["grade", "logs", "--locale=zh-TW", "--bogus"], "unrecognized arguments: --bogus", "无法识别的参数：--bogus"),
    (["grade", "logs", "--locale", "zh", "--format", "nope"], "invalid choice", "参数 --format：无效的选项 'nope'"),
    (["run", "tutorial", "--locale", "zh", "--seed"], "expected one argument", "参数 --seed：需要一个值"),
    (["run", "tutorial", "--locale", "zh", "--runs", "many"], "expected a whole number, got 'many'",
     "参数 --runs：需要一个整数，收到 'many'"),
    (["play", "tutorial", "--locale", "zh", "--size", "big"], "expected WIDTHxHEIGHT",
     "参数 --size：需要“宽x高”，例如 1280x720，收到 'big'"),
])
def test_usage_errors_are_in_chinese_when_the_command_line_asks_for_it(
        argv: list[str], english: str, chinese: str, capsys: pytest.CaptureFixture[str]) -> None:
    locale_at = next(i for i, w in enumerate(argv) if w.startswith("--locale"))
    plain = argv[:locale_at] + argv[locale_at + (1 if "=" in argv[locale_at] else 2):]
    for words, want, unwanted in ((argv, chinese, "error:"), (plain, english, "错误")):
        with pytest.raises(SystemExit) as stop:
            main(words)
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and want in err and unwanted not in err, err


def test_every_subcommand_is_known_by_name_with_its_help_line() -> None:
    parser = build_parser()
    assert {"play", "check", "grade", "review", "balance"} <= set(parser.subcommands)
    assert all(parser.summaries[name] for name in parser.subcommands)


def test_every_reason_this_package_gives_for_refusing_an_argument_reads_in_chinese() -> None:
    """Each ``ArgumentTypeError`` that sim.cli's argparse types raise on bad input is turned into
    Chinese whole (no English word left)."""
    import re

    from sim.cli import _zh_usage
    from sim.cli.common import locale_code, positive_int, runs_int, seed_int
    from sim.cli.play_cmd import _size as window_size
    from sim.cli.play_cmd import _trainee as trainee_id

    bad = [(positive_int, "x"), (positive_int, "0"), (runs_int, "-1"), (runs_int, str(MAX_RUNS + 1)),
           (seed_int, "-1"), (seed_int, str(2**63)), (locale_code, "klingon"), (window_size, "big"),
           (window_size, "99999x5"), (trainee_id, "a\x1bb"), (trainee_id, "x" * 201), (trainee_id, " x")]
    for check, value in bad:
        with pytest.raises(argparse.ArgumentTypeError) as refused:
            check(value)
        said = _zh_usage(f"argument --x: {refused.value}")
        assert not re.search(r"\b(expected|must|got|unknown|runs|window|trainee|characters|space)\b", said), said
