"""``touchpoint graph SCENARIO -o FILE.svg|FILE.png [--locale en|zh]``: draw the scenario as a roadmap.

The five stages as columns, touchpoints and their actions inside them (recommended ones starred,
with the seller's days and the buyer's own wait), gates between the stages (conditions in words
in Chinese), and the scripted events on a timeline below. Needs matplotlib (the ``charts`` extra).
Exit 0 when written, 2 for a usage error, a scenario that cannot be loaded or a file that cannot be
written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, load, require_extra
from sim.lang.text import pick

__all__ = ["SAY", "add_parser", "run"]

SAY = {
    "wrote": ("wrote {path}", "已写入 {path}"),
    "suffix": ("the output must end in .svg or .png, not {name!r}",
               "输出文件必须以 .svg 或 .png 结尾，而不是 {name!r}"),
    "cannot": ("cannot write {path}: {why}", "无法写入 {path}：{why}"),
}


def _say(key: str, locale: str, **params: Any) -> str:
    return pick(SAY[key], locale).format(**params)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("graph", help="draw a scenario as a roadmap picture (SVG or PNG)",
                       description="Draw the scenario as a roadmap: stages as columns, touchpoints and actions "
                                   "(recommended ones starred), gates between stages, events on a timeline.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("-o", "--out", "--output", dest="output", required=True, type=Path, metavar="FILE",
                   help="FILE.svg or FILE.png")
    p.add_argument("--locale", choices=("en", "zh"), default="en",
                   help="language of the texts, conditions included (en, zh)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out: Path = args.output
    if out.suffix.lower() not in (".svg", ".png"):
        raise CliError(_say("suffix", args.locale, name=str(out)))
    require_extra("matplotlib", "charts", "touchpoint graph")
    scenario = load(args.scenario)
    from sim.authoring import graph

    def warn(message: str) -> None:
        print(f"touchpoint graph: warning: {message}", file=sys.stderr)

    try:
        graph.render(scenario, out, args.locale, warn)
    except OSError as err:
        raise CliError(_say("cannot", args.locale, path=out, why=err.strerror or err)) from None
    print(_say("wrote", args.locale, path=out), file=sys.stderr)
    return 0
