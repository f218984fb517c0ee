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

from sim.cli.common import EXIT_INTERNAL, EXIT_USAGE, CliError
from sim.version import __version__

__all__ = ["COMMANDS", "OPTIONAL_COMMANDS", "Parser", "build_parser", "main"]

#: Subcommand name -> module under sim.cli that defines ``add_parser(subparsers)`` and ``run(args)``.
COMMANDS: dict[str, str] = {
    "scenarios": "sim.cli.scenarios_cmd",
    "check": "sim.cli.check_cmd",
    "run": "sim.cli.run_cmd",
    "replay": "sim.cli.replay_cmd",
}
#: Commands added by other parts of the project, registered only if their module is present.
OPTIONAL_COMMANDS: dict[str, str] = {
    "play": "sim.cli.play_cmd",
    "grade": "sim.cli.grade_cmd",
    "cohort": "sim.cli.cohort_cmd",
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args) or 0)
    except CliError as err:
        print(f"touchpoint {args.command}: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print(f"touchpoint {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # the promise is: never a traceback
        if os.environ.get("TOUCHPOINT_DEBUG"):
            raise
        print(f"touchpoint {args.command}: internal error: {type(err).__name__}: {err} "
              "(set TOUCHPOINT_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
