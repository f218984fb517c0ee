"""Rewrite the generated parts of the reference docs, so they cannot drift from the code.

    python docs/gen_docs.py            rewrite them
    python docs/gen_docs.py --check    exit 1 (listing the files) if any is out of date

Generated:

* ``docs/reference/scenario.schema.json``: the JSON Schema (``touchpoint schema`` prints the same);
* ``docs/reference/scenario.md``: the field reference, from that schema;
* in ``docs/reference/cli.md``, the block between ``<!-- BEGIN generated: COMMAND -->`` and
  ``<!-- END generated -->`` under each command (its usage and options, from the argument parser).
  The prose around the blocks is written by hand; a command without a section gets a new one at
  the end, to be explained.

``tests/test_docs_reference.py`` regenerates all of it in memory and fails when a file is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(ROOT))

from sim.lang.jsonschema import REFERENCE_PATH, SCHEMA_PATH, reference_markdown, scenario_schema, schema_text  # noqa: E402

CLI_PATH = "docs/reference/cli.md"
BLOCK_RE = re.compile(r"<!-- BEGIN generated: (?P<name>[a-z_-]+) -->\n.*?<!-- END generated -->", re.S)


# --- the command-line reference -----------------------------------------------------------------


def subcommands() -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Every registered ``touchpoint`` subcommand: name -> (one-line help, parser)."""
    from sim.cli import build_parser

    parser = build_parser()
    return {name: (parser.summaries[name], p) for name, p in parser.subcommands.items()}


def _metavar(action: argparse.Action) -> str:
    if action.metavar is not None:
        return str(action.metavar)
    if action.choices is not None:
        return "{" + ",".join(map(str, action.choices)) + "}"
    return action.dest.upper() if action.option_strings else action.dest


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def usage(name: str, parser: argparse.ArgumentParser) -> str:
    """A usage line built from the parser's actions (argparse's own wraps by terminal width)."""
    options, positionals = [], []
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        if a.option_strings:
            flag = max(a.option_strings, key=len)
            text = f"{flag} {_metavar(a)}" if _takes_value(a) else flag
            options.append(text if a.required else f"[{text}]")
        else:
            mv = _metavar(a)
            positionals.append({"+": f"{mv}...", "*": f"[{mv}...]", "?": f"[{mv}]"}.get(str(a.nargs), mv))
    return " ".join([f"touchpoint {name}", *options, *positionals])


def _help(a: argparse.Action) -> str:
    text = (a.help or "").replace("%(default)s", str(a.default)).replace("%%", "%")
    if a.choices is not None and "{" not in _metavar(a) and a.metavar is not None:
        text += " (one of: " + ", ".join(map(str, a.choices)) + ")"
    return " ".join(text.split()).replace("|", "\\|")


def cli_block(name: str, parser: argparse.ArgumentParser) -> str:
    """The generated part of one command's section: usage, then a table of arguments and options."""
    rows = []
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        if a.option_strings:
            flags = ", ".join(
                f"`{o} {_metavar(a)}`" if _takes_value(a) else f"`{o}`"
                for o in sorted(a.option_strings, key=lambda o: (not o.startswith("--"), o)))
        else:
            flags = f"`{_metavar(a)}`"
        rows.append(f"| {flags} | {_help(a)} |")
    lines = [f"<!-- BEGIN generated: {name} -->", "```text", usage(name, parser), "```", ""]
    description = " ".join((parser.description or "").split())
    if description:
        lines += [description, ""]
    if rows:
        lines += ["| argument | meaning |", "|---|---|", *rows, ""]
    lines.append("<!-- END generated -->")
    return "\n".join(lines)


def cli_markdown(current: str) -> str:
    """cli.md with every generated block refreshed and a section added for any new command."""
    commands = subcommands()
    text = BLOCK_RE.sub(lambda m: cli_block(m["name"], commands[m["name"]][1]) if m["name"] in commands
                        else m[0], current)
    present = {m["name"] for m in BLOCK_RE.finditer(text)}
    for name, (summary, parser) in commands.items():
        if name not in present:
            text = text.rstrip("\n") + f"\n\n## touchpoint {name}\n\n{summary[:1].upper()}{summary[1:]}.\n\n" \
                   + cli_block(name, parser) + "\n"
    return text


# --- all generated files ---------------------------------------------------------------------------


def generated(root: Path = ROOT) -> dict[Path, str]:
    """What every generated file should contain, by path."""
    cli = root / CLI_PATH
    current = cli.read_text(encoding="utf-8") if cli.is_file() else "# Command-line reference\n"
    return {
        root / SCHEMA_PATH: schema_text(),
        root / REFERENCE_PATH: reference_markdown(scenario_schema()),
        cli: cli_markdown(current),
    }


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files whose committed text differs from what the code generates now."""
    out = []
    for path, text in generated(root).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rewrite (or --check) the generated reference docs.")
    ap.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = ap.parse_args(argv)
    if args.check:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT).as_posix()} is out of date: run 'python docs/gen_docs.py'")
        return 1 if old else 0
    for path, text in generated().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path.relative_to(ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
