"""``touchpoint schema [--strict] [-o FILE]``: the JSON Schema of scenario files, for editors and validators.

The schema is generated from the models that validate scenarios (:mod:`sim.lang.jsonschema`), so an
editor that reads it (yaml-language-server: VS Code's YAML extension and others) completes and
explains exactly the fields ``touchpoint check`` accepts. It carries yaml-language-server's own
keywords (``enumDescriptions``, ``patternErrorMessage``, ``defaultSnippets``), which lenient
validators such as check-jsonschema ignore; ``--strict`` leaves them out for validators that reject
unknown keywords (ajv in its default strict mode). Exit 0, or 2 if FILE cannot be written.
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
                    "'# yaml-language-server: $schema=PATH/scenario.schema.json'. The editor keywords "
                    "(enumDescriptions, patternErrorMessage, defaultSnippets) are left out with --strict, for "
                    "validators that reject unknown keywords such as ajv in strict mode.")
    p.add_argument("-o", "--out", "--output", dest="output", metavar="FILE", type=Path,
                   help="write the schema to FILE (replacing it) instead of printing it")
    p.add_argument("--strict", action="store_true",
                   help="leave out the editor keywords, for strict validators (ajv); accepts the same files")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.lang.jsonschema import schema_text

    text = schema_text(strict=args.strict)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8", newline="\n")
    except OSError as err:
        raise CliError(f"cannot write {args.output}: {err.strerror or err}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
