"""``touchpoint schema [-o FILE]``: the JSON Schema of scenario files, for editors.

The schema is generated from the models that validate scenarios (:mod:`sim.lang.jsonschema`), so an
editor that reads it (yaml-language-server: VS Code's YAML extension and others) completes and
explains exactly the fields ``touchpoint check`` accepts. Exit 0, or 2 if FILE cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "schema", help="print the JSON Schema of scenario files (for editors)",
        description="Print the JSON Schema (draft 2020-12) of scenario files, generated from the models "
                    "that validate them. Editors that use yaml-language-server complete and explain every "
                    "field of a file whose first line is "
                    "'# yaml-language-server: $schema=PATH/scenario.schema.json'.")
    p.add_argument("-o", "--output", metavar="FILE", type=Path,
                   help="write the schema to FILE (replacing it) instead of printing it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.lang.jsonschema import schema_text

    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8", newline="\n")
    except OSError as err:
        raise CliError(f"cannot write {args.output}: {err.strerror or err}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
