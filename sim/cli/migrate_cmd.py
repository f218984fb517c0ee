"""``touchpoint migrate FILE... [--check]``: rewrite version-1 scenario files as version 2.

Version 2 only adds fields (agenda touchpoints, stakeholders to discover, buyer facts, a deal with
price and terms, texts that vary, once-only touchpoints and actions, conditional and delayed
effects, check settings), so a version-1 file means the same as version 2: migrating rewrites its
``version:`` line and nothing else (comments, layout and texts are kept byte for byte), after
checking that the file loads before and after. A version-1 file also loads as it is; migrating
says the file is written for this format, and lets an editor offer the new fields.

``--check`` changes nothing and exits 1 if a file would be rewritten (for CI). Exit 0 when every file
is (now) version 2, 1 with ``--check`` if some are not, 2 if a file cannot be read or loaded.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_PROBLEMS, CliError

__all__ = ["add_parser", "migrate_text", "run"]

_VERSION_LINE = re.compile(r"^version:[ \t]*1[ \t]*(#.*)?$", re.M)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "migrate", help="rewrite version-1 scenario files as version 2",
        description="Rewrite version-1 scenario files as version 2 (only the version line changes: version 2 adds "
                    "fields and changes none). Each file must load before and after.")
    p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="scenario files")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would be rewritten")
    p.set_defaults(handler=run)


def migrate_text(text: str) -> str | None:
    """The text of a version-1 scenario as version 2, or None if it is not version 1."""
    m = _VERSION_LINE.search(text)
    if m is None:
        return None
    comment = f" {m.group(1)}" if m.group(1) else ""
    return text[: m.start()] + f"version: 2{comment}" + text[m.end():]


def _loads(data: bytes, name: str) -> None:
    from sim.engine.loader import ScenarioError, load_bytes

    try:
        load_bytes(data, name)
    except ScenarioError as err:
        raise CliError(err.lines()[0]) from None


def _write(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (:func:`scoring.safe.atomic_output`)."""
    from scoring.safe import atomic_output

    with atomic_output(path, newline="") as f:
        f.write(text)


def run(args: argparse.Namespace) -> int:
    pending = 0
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise CliError(f"cannot read {path}: {err.strerror or err}") from None
        text = raw.decode("utf-8-sig", errors="strict")
        new = migrate_text(text)
        if new is None:
            print(f"{path}: already version 2 (or not a version-1 scenario)")
            continue
        _loads(raw, str(path))
        _loads(new.encode("utf-8"), str(path))
        if args.check:
            pending += 1
            print(f"{path}: version 1 (touchpoint migrate would rewrite it)")
            continue
        try:
            _write(path, new)
        except OSError as err:
            raise CliError(f"cannot write {path}: {err.strerror or err}") from None
        print(f"{path}: migrated to version 2", file=sys.stderr)
    return EXIT_PROBLEMS if pending else 0
