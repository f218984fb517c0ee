"""``touchpoint scenarios [--json]``: list the bundled scenarios."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import locale_code, print_json
from sim.lang import bundled
from sim.lang.text import resolve

__all__ = ["add_parser", "describe", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("scenarios", help="list the bundled scenarios",
                       description="List the scenarios that ship with Touchpoint.")
    p.add_argument("--json", action="store_true", help="print a JSON list (id, title, path, ...)")
    p.add_argument("--locale", type=locale_code, default="en",
                   help="language of titles in the plain listing: en or zh (or a variant such as zh-TW)")
    p.set_defaults(handler=run)


def describe(path: Any) -> dict[str, Any]:
    """The listing entry of one scenario file (loaded and validated)."""
    from sim.engine.loader import load_file

    sc = load_file(path)
    spec = sc.spec
    return {
        "id": spec.id,
        "title": resolve(spec.title, "en"),
        "title_zh": resolve(spec.title, "zh"),
        "path": str(path),
        "difficulty": spec.difficulty,
        "estimated_minutes": spec.estimated_minutes,
        "languages": spec.languages,
        "accounts": len(spec.accounts),
        "industry": resolve(spec.accounts[0].persona.industry, "en"),
    }


def run(args: argparse.Namespace) -> int:
    rows = [describe(p) for p in bundled.scenario_paths()]
    if args.json:
        print_json(rows)
        return 0
    width = max(len(r["id"]) for r in rows)
    zh = args.locale.startswith("zh")
    for r in rows:
        if zh:  # the picker's words: 入门 / 简单 / 中等 / 困难 and "10 分钟"
            from sim.ui.strings import STRINGS, tr

            key = "difficulty_" + r["difficulty"]
            level = tr(key, "zh") if key in STRINGS else r["difficulty"]
            minutes = tr("minutes", "zh", n=f"{r['estimated_minutes']:>3}")
            print(f"{r['id']:<{width}}  {level}  {minutes}  {r['title_zh']}")
        else:
            print(f"{r['id']:<{width}}  {r['difficulty']:<6}  ~{r['estimated_minutes']:>3} min  {r['title']}")
    return 0
