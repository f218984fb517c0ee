"""``touchpoint check FILE...``: validate scenario files and report every problem found.

Output is ``file:line:column: [error] path: message`` (1-based, as yamllint prints it).
Exit 0 when every file is clean, 1 when problems were found, 2 for a usage error or a file that
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


def add_parser(sub: Any) -> None:
    p = sub.add_parser("check", help="validate scenario files",
                       description="Validate scenario files: YAML, schema, references and conditions.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files (or bundled ids)")
    p.add_argument("--quiet", "-q", action="store_true", help="print problems only, no 'ok' lines")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.loader import ScenarioError, load_scenario

    code = EXIT_OK
    for ref in args.files:
        try:
            load_scenario(ref)
        except ScenarioError as err:
            for line in err.lines():
                print(line)
            code = max(code, EXIT_USAGE if err.unreadable else EXIT_PROBLEMS)
            continue
        if not args.quiet:
            print(f"{ref}: ok", file=sys.stderr)
    return code
