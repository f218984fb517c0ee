"""``touchpoint new ID [--locale en|zh] [-o FILE]``: write a commented starter scenario.

Instructors are trainers, not programmers: the safest way to write a case is to start from one
that already passes ``check`` and plays, with a comment on every section, and change it step by
step. The starter comes from ``assets/templates/starter.<locale>.yaml``. An existing file is never
overwritten (exit 2): a new case must not cost anyone an old one.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError

__all__ = ["LOCALES", "SCHEMA_NAME", "add_parser", "check_id", "render", "run", "schema_reference", "template_text"]

LOCALES = ("en", "zh")
#: File name of the generated schema, used when no copy is found near the new file.
SCHEMA_NAME = "scenario.schema.json"

_MESSAGES = {
    "en": {
        "wrote": "wrote {file}",
        "next": "next: edit it, then run 'touchpoint check {file}' and 'touchpoint play {file}'",
        "schema": "for help in your editor, also run 'touchpoint schema -o {schema}'",
        "exists": "{file} already exists; not overwriting it (choose another name with -o)",
        "no_folder": "folder {folder} does not exist",
        "bad_id": "'{id}' is not a valid id: use lower-case letters, digits and _, starting with a letter, "
                  "at most 64 characters{hint}",
        "example": " (e.g. {suggestion})",
    },
    "zh": {
        "wrote": "已生成 {file}",
        "next": "下一步：修改它，然后运行 'touchpoint check {file}' 和 'touchpoint play {file} --locale zh'",
        "schema": "想让编辑器提示每个字段，请再运行 'touchpoint schema -o {schema}'",
        "exists": "{file} 已存在，不会覆盖它（请用 -o 换一个文件名）",
        "no_folder": "文件夹 {folder} 不存在",
        "bad_id": "“{id}”不是有效的 id：只能用小写字母、数字和下划线，以字母开头，最多64个字符{hint}",
        "example": "（例如 {suggestion}）",
    },
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "new", help="write a commented starter scenario to edit",
        description="Write a starter scenario: a short, complete case (one customer, three stakeholders, "
                    "the five stages, a deal to negotiate, a rubric) that passes 'touchpoint check' and "
                    "plays, with comments explaining each section. It never overwrites a file.")
    p.add_argument("id", metavar="ID",
                   help="the new scenario's id: lower-case letters, digits and _, starting with a letter")
    p.add_argument("--locale", choices=LOCALES, default="en",
                   help="language of the texts and comments: en (default) or zh")
    p.add_argument("-o", "--out", "--output", dest="output", metavar="FILE",
                   help="where to write it (default: ID.yaml in the current folder; '-' prints it)")
    p.set_defaults(handler=run)


def check_id(text: str, locale: str = "en") -> str:
    """The id if valid (by the same rule as the scenario format), else a CliError with a suggestion."""
    from pydantic import TypeAdapter, ValidationError

    from sim.lang.schema import Id

    try:
        return TypeAdapter(Id).validate_python(text)
    except ValidationError:
        pass
    suggestion = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    if suggestion and not suggestion[0].isalpha():
        suggestion = "case_" + suggestion
    msg = _MESSAGES[locale]
    hint = msg["example"].format(suggestion=suggestion[:64]) if suggestion else ""
    raise CliError(msg["bad_id"].format(id=text, hint=hint))


def template_text(locale: str) -> str:
    """The raw starter template of a locale (with its placeholders)."""
    from sim.lang import bundled

    path = bundled.asset("templates", f"starter.{locale}.yaml")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:  # a broken installation, not the user's fault
        raise CliError(f"cannot read the starter template {path.name}: {err.strerror or err}", 3) from None


def schema_reference(target: Path | None) -> str:
    """What the new file's first line names as its schema.

    Inside a source checkout, the repository's copy (``docs/reference/scenario.schema.json``),
    relative to the file, as the bundled scenarios do. Anywhere else, ``scenario.schema.json``
    beside the file, which ``touchpoint schema -o`` writes.
    """
    from sim.lang.jsonschema import SCHEMA_PATH

    root = Path(__file__).resolve().parents[2]
    repo_copy = root / SCHEMA_PATH
    if target is None or not repo_copy.is_file():
        return SCHEMA_NAME
    folder = target.resolve().parent
    if not folder.is_relative_to(root):
        return SCHEMA_NAME
    return Path(os.path.relpath(repo_copy, folder)).as_posix()


def render(sid: str, locale: str, shown_name: str, schema_ref: str) -> str:
    """The starter scenario for ``sid``: the template with its placeholders filled in."""
    text = template_text(locale)
    for key, value in (("__SCHEMA__", schema_ref), ("__ID__", sid), ("__FILE__", shown_name)):
        text = text.replace(key, value)
    return text


def run(args: argparse.Namespace) -> int:
    msg = _MESSAGES[args.locale]
    sid = check_id(args.id, args.locale)
    if args.output == "-":
        sys.stdout.write(render(sid, args.locale, f"{sid}.yaml", SCHEMA_NAME))
        return 0
    target = Path(args.output) if args.output else Path(f"{sid}.yaml")
    shown = target.as_posix()
    if target.exists():
        raise CliError(msg["exists"].format(file=shown))
    if not target.parent.is_dir():
        raise CliError(msg["no_folder"].format(folder=target.parent.as_posix()))
    schema_ref = schema_reference(target)
    text = render(sid, args.locale, shown, schema_ref)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise CliError(msg["exists"].format(file=shown)) from None
    except OSError as err:
        raise CliError(f"cannot write {shown}: {err.strerror or err}") from None
    print(msg["wrote"].format(file=shown), file=sys.stderr)
    print(msg["next"].format(file=shown), file=sys.stderr)
    if schema_ref == SCHEMA_NAME and not (target.parent / SCHEMA_NAME).exists():
        schema_path = (target.parent / SCHEMA_NAME).as_posix()
        print(msg["schema"].format(schema=schema_path), file=sys.stderr)
    return 0
