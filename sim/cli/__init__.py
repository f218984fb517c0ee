"""The ``touchpoint`` command: one module per subcommand, registered in :data:`COMMANDS`.

Exit codes (the same for every subcommand):

====  ==========================================================================
0     success
1     the command ran and found problems (invalid scenario, invalid logs, ...)
2     usage error, or an input that cannot be read at all
3     an internal error (a bug: please report it)
====  ==========================================================================

Errors are one line on stderr, never a traceback (set ``TOUCHPOINT_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from sim.cli.common import EXIT_INTERNAL, EXIT_USAGE, CliError, locale_code, require_extra
from sim.version import __version__

__all__ = ["COMMANDS", "EXTRAS", "OPTIONAL_COMMANDS", "Parser", "build_parser", "main"]

#: Subcommand name -> module under sim.cli that defines ``add_parser(subparsers)`` and ``run(args)``.
COMMANDS: dict[str, str] = {
    "scenarios": "sim.cli.scenarios_cmd",
    "check": "sim.cli.check_cmd",
    "run": "sim.cli.run_cmd",
    "replay": "sim.cli.replay_cmd",
    "docs": "sim.cli.docs_cmd",
    "migrate": "sim.cli.migrate_cmd",
    "review": "sim.cli.review_cmd",
}
#: Commands that need an optional library, from an extra: command -> (module, extra). Without it the
#: command stops with one line naming the extra to install (the other commands never import it).
EXTRAS: dict[str, tuple[str, str]] = {
    "play": ("pygame", "play"),
}
#: Commands added by other parts of the project, registered only if their module is present.
OPTIONAL_COMMANDS: dict[str, str] = {
    "play": "sim.cli.play_cmd",
    "grade": "sim.cli.grade_cmd",
    "cohort": "sim.cli.cohort_cmd",
    "assign": "sim.cli.assign_cmd",
    "schema": "sim.cli.schema_cmd",
    "new": "sim.cli.new_cmd",
    "balance": "sim.cli.balance_cmd",
    "graph": "sim.cli.graph_cmd",
}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2, in Chinese when the command line
    asks for ``--locale zh`` (argparse's own phrases that :data:`_ZH_USAGE` knows; the rest as is).

    The top-level parser knows its subcommands' parsers by name (``subcommands``) and their
    one-line help (``summaries``), as the modules registered them.

    ``help_locale`` is the language of ``--help``: with ``zh`` every text of it (description,
    argument help, the subcommands' summaries, argparse's own headings) is shown from the catalog
    :mod:`sim.cli.help_zh`, laid out for the terminal by display width. ``help_texts`` lists the
    English texts, as registered, that the help shows (what the catalog must translate)."""

    locale = "en"  # set by :func:`main` from the command line, before it is parsed

    def __init__(self, *args: Any, help_locale: str = "en", **kwargs: Any) -> None:
        self.help_locale = help_locale  # before argparse's __init__: it adds -h and the groups through us
        self.help_texts: list[str] = []
        self.headings: list[str] = []  # the groups' titles, as shown
        self.subcommands: dict[str, Parser] = {}
        self.summaries: dict[str, str] = {}
        if self.in_chinese:
            from sim.cli.help_zh import Formatter

            kwargs.setdefault("formatter_class", Formatter)
        if kwargs.get("description"):
            kwargs["description"] = self.shown(kwargs["description"], indent=0)
        super().__init__(*args, **kwargs)

    @property
    def in_chinese(self) -> bool:
        return self.help_locale.split("-")[0] == "zh"

    def shown(self, text: str, indent: int | None = None, params: dict[str, Any] | None = None) -> str:
        """A text of the help as it is shown: recorded in ``help_texts``; in Chinese help, the
        catalog's text, broken into lines that fit from column ``indent`` (None: a help column;
        ``params`` are the values of its ``%(name)s`` specifiers, for measuring)."""
        if text == argparse.SUPPRESS:
            return text
        self.help_texts.append(text)
        if not self.in_chinese:
            return text
        from sim.cli import help_zh

        return help_zh.lay_out(help_zh.chinese(text), indent, params)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = self.shown(kwargs["help"], params={**kwargs, "prog": self.prog})
        return super().add_argument(*args, **kwargs)

    def add_argument_group(self, *args: Any, **kwargs: Any) -> Any:
        """A group (argparse's own "positional arguments" and "options" too): its title and
        description in the help's language."""
        if args and isinstance(args[0], str):
            args = (self.shown(args[0], indent=0), *args[1:])
        for key in ("title", "description"):
            if isinstance(kwargs.get(key), str):
                kwargs[key] = self.shown(kwargs[key], indent=0)
        title = args[0] if args else kwargs.get("title")
        if isinstance(title, str):
            self.headings.append(title)
        return super().add_argument_group(*args, **kwargs)

    def format_usage(self) -> str:
        return self._headed(super().format_usage())

    def format_help(self) -> str:
        return self._headed(super().format_help())

    def _headed(self, text: str) -> str:
        """In Chinese help, argparse's own punctuation of the headings: "usage: " (replaced by a
        heading of the same width, so wrapped usage lines stay aligned) and the colon after a
        group's title (full-width)."""
        if not self.in_chinese:
            return text
        from sim.cli.help_zh import USAGE_EN, USAGE_ZH

        if text.startswith(USAGE_EN):
            text = USAGE_ZH + text[len(USAGE_EN):]
        lines = text.split("\n")
        colons = {f"{heading}:" for heading in self.headings}
        return "\n".join(line[:-1] + "：" if line.lstrip() in colons else line for line in lines)

    def error(self, message: str) -> NoReturn:
        if Parser.locale.split("-")[0] == "zh":
            self.exit(EXIT_USAGE, f"{self.prog}：错误：{_zh_usage(message)}（见 '{self.prog} --help'）\n")
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


#: argparse's usage phrases (Python 3.10 to 3.13) and how they read in Chinese.
_ZH_USAGE = [
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"ambiguous option: (\S+) could match (.*)", "有歧义的选项：{0} 可以是 {1}"),
    (r"argument (\S+): (.*)", "参数 {0}：{1}"),  # then the reason, below
]
#: Why an argument was refused: argparse's reasons, and this package's own (sim.cli's argparse types).
_ZH_REASON = [
    (r"invalid choice: (.*?) \(choose from (.*)\)", "无效的选项 {0}（可选：{1}）"),
    (r"expected one argument", "需要一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"not allowed with argument (\S+)", "不能与参数 {0} 同时使用"),
    (r"ignored explicit argument (.*)", "不接受值 {0}"),
    (r"invalid \S+ value: (.*)", "无效的值 {0}"),
    (r"expected a whole number, got (.*)", "需要一个整数，收到 {0}"),
    (r"must be at least 1, got (.*)", "至少为 1，收到 {0}"),
    (r"must be 0 or more, got (.*)", "不能小于 0，收到 {0}"),
    (r"must be at most 2\*\*63 - 1 \((\d+)\), got (.*)", "最大为 2**63 - 1（{0}），收到 {1}"),
    (r"at most ([\d,]+) runs, got ([\d,]+) \(split a larger batch: (.*)\)",
     "最多 {0} 次运行，收到 {1}（把更大的批次拆开：{2}）"),
    (r"unknown language (.*): use en or zh \(or a variant such as zh-TW\)",
     "未知的语言 {0}：请用 en 或 zh（或 zh-TW 之类的变体）"),
    (r"expected WIDTHxHEIGHT such as 1280x720, got (.*)", "需要“宽x高”，例如 1280x720，收到 {0}"),
    (r"window size (\S+) is out of range", "窗口尺寸 {0} 超出范围"),
    (r"a trainee id cannot hold control characters \(CR, LF, ESC, NUL, \.\.\.\)",
     "学员编号不能包含控制字符（CR、LF、ESC、NUL 等）"),
    (r"a trainee id has at most 200 characters, got (\d+)", "学员编号最多 200 个字符，收到 {0} 个"),
    (r"a trainee id cannot start or end with a space: (.*)", "学员编号不能以空格开头或结尾：{0}"),
    (r"put it after the command name \((.*)\)", "请写在命令名之后（{0}）"),
]


def _zh_usage(message: str) -> str:
    """A usage error in Chinese: the phrase, then the reason an argument was refused (a phrase this
    does not know stays as argparse wrote it)."""
    import re

    for pattern, text in _ZH_USAGE:
        found = re.fullmatch(pattern, message)
        if found:
            parts = list(found.groups())
            if pattern.startswith("argument"):
                parts[1] = _translated(parts[1], _ZH_REASON)
            return text.format(*parts)
    return message


def _translated(text: str, table: list[tuple[str, str]]) -> str:
    import re

    for pattern, out in table:
        found = re.fullmatch(pattern, text)
        if found:
            return out.format(*found.groups())
    return text


class _Registry:
    """What the subcommands' modules register through (``sub.add_parser(name, help=...)``): it keeps
    each subcommand's parser and help line for :class:`Parser` (argparse's own record is private)."""

    def __init__(self, sub: Any, top: Parser) -> None:
        self._sub = sub
        self._top = top

    def add_parser(self, name: str, **kwargs: Any) -> Parser:
        summary = kwargs.get("help") or ""
        if summary:
            kwargs["help"] = self._top.shown(summary)
        made: Parser = self._sub.add_parser(name, help_locale=self._top.help_locale, **kwargs)
        self._top.subcommands[name] = made
        self._top.summaries[name] = summary
        return made


def build_parser(locale: str = "en") -> Parser:
    """The ``touchpoint`` parser, its ``--help`` texts in ``locale`` (en, or zh and its variants)."""
    parser = Parser(prog="touchpoint", description="Touchpoint: play and grade the customer sales roadmap.",
                    help_locale=locale)
    parser.add_argument("--version", action="version", version=f"touchpoint {__version__}",
                        help="show program's version number and exit")  # argparse's words, for the catalog
    # Only for this help's language (`touchpoint --locale zh --help`): a command's --locale is its own.
    parser.add_argument("--locale", dest="help_locale", type=locale_code, default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    sub = _Registry(parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser), parser)
    for name, module in {**COMMANDS, **OPTIONAL_COMMANDS}.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if name in OPTIONAL_COMMANDS and err.name == module:
                continue
            raise
        mod.add_parser(sub)
    return parser


def _parse(parser: Parser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, blaming an unknown argument on the subcommand it was given to
    (``touchpoint run: error: unrecognized arguments: --bogus``), as its own --help explains it."""
    Parser.locale = _asked_locale(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    command = getattr(args, "command", None)
    if command and "help_locale" in vars(args):  # `touchpoint --locale zh check ...`
        parser.error(f"argument --locale: put it after the command name "
                     f"(touchpoint {command} --locale {args.help_locale} ...)")
    if extra:
        blamed = parser.subcommands.get(getattr(args, "command", None) or "", parser)
        blamed.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _asked_locale(argv: Sequence[str]) -> str:
    """The ``--locale`` the command line gives (``--locale zh`` or ``--locale=zh``), else en: usage
    errors come before the arguments are parsed, so they read it from the words themselves."""
    words = list(argv)
    for i, word in enumerate(words):
        if word == "--locale" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--locale="):
            return word.split("=", 1)[1]
    return "en"


def _printable(text: str) -> str:
    """A message for the terminal: control characters and line breaks escaped (one line, no escape codes)."""
    from scoring.safe import escape_controls

    return escape_controls(text)


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_asked_locale(words))
    args = _parse(parser, words)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command in EXTRAS:
            require_extra(*EXTRAS[args.command], f"touchpoint {args.command}")
        return int(args.handler(args) or 0)
    except CliError as err:  # control characters (a file name with ESC) are shown escaped, never raw
        print(f"touchpoint {args.command}: {_printable(str(err))}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print(f"touchpoint {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # the promise is: never a traceback
        if os.environ.get("TOUCHPOINT_DEBUG"):
            raise
        print(f"touchpoint {args.command}: internal error: {type(err).__name__}: {_printable(str(err))} "
              "(set TOUCHPOINT_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
