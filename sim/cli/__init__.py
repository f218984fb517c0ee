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
from typing import NoReturn

from sim.cli.common import EXIT_INTERNAL, EXIT_USAGE, CliError, require_extra
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
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> Parser:
    parser = Parser(prog="touchpoint", description="Touchpoint: play and grade the customer sales roadmap.")
    parser.add_argument("--version", action="version", version=f"touchpoint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, module in {**COMMANDS, **OPTIONAL_COMMANDS}.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if name in OPTIONAL_COMMANDS and err.name == module:
                continue
            raise
        mod.add_parser(sub)
    return parser


def _subcommand(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser:
    """The parser of subcommand ``name`` (the top-level one if there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return parser


def _parse(parser: Parser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, blaming an unknown argument on the subcommand it was given to
    (``touchpoint run: error: unrecognized arguments: --bogus``), as its own --help explains it."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        _subcommand(parser, getattr(args, "command", None)).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _printable(text: str) -> str:
    """A message for the terminal: control characters and line breaks escaped (one line, no escape codes)."""
    from scoring.safe import escape_controls

    return escape_controls(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
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
