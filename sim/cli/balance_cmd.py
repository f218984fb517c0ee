"""``touchpoint balance SCENARIO``: is the case fair, and does skill decide it?

Three bots play the scenario with the same seeds (run ``i`` uses seed ``S + i``): random (the
floor: a trainee who guesses), expert (follows the recommended actions) and lookahead (tries every
option with short rollouts: it finds better paths than the recommended one, if any). For each:
conversion with its 95% interval, satisfaction, cycle time and score; for every touchpoint, each
action's pick rate and how the runs that picked it ended; the stage funnel; and a verdict in plain
words. ``--json`` prints the numbers (the random and expert summaries are exactly those of
``touchpoint run --json`` for the same seeds); ``--html FILE`` writes a self-contained report.

The runs, the verdict and the report's layout are :mod:`sim.authoring.balance`; this module reads
the arguments, shows progress on a terminal, and prints or writes the report.

Exit 0 when the report was made, 2 for a usage error or a scenario that cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import MAX_RUNS, CliError, load, positive_int, print_json, require_extra, runs_int, seed_int
from sim.lang.text import pick

__all__ = ["SAY", "add_parser", "run"]

#: The command's own messages (the report's words are :data:`sim.authoring.balance.WORDS`).
SAY: dict[str, tuple[str, str]] = {
    "wrote": ("wrote {path}", "已写入 {path}"),
    "cannot": ("cannot write {path}: {why}", "无法写入 {path}：{why}"),
    "progress": ("{policy} runs", "{policy}运行"),
}


def _say(key: str, locale: str, **params: Any) -> str:
    return pick(SAY[key], locale).format(**params)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("balance", help="is the case fair, and does skill decide it? (random, expert, lookahead bots)",
                       description="Play the scenario with random, expert and lookahead bots on the same seeds and "
                                   "report conversion, satisfaction, cycle time, score, per-touchpoint choices, the "
                                   "stage funnel and a verdict.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--runs", type=runs_int, default=200, help=f"runs per policy (default 200, at most {MAX_RUNS:,})")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the first run (default 0)")
    p.add_argument("--lookahead-runs", type=_lookahead_runs, default=None, metavar="M",
                   help="runs of the (slower) lookahead bot (default: the smaller of --runs and 20; 0 skips it)")
    p.add_argument("--rollouts", type=positive_int, default=4, metavar="K",
                   help="lookahead rollouts per option and decision (default 4)")
    p.add_argument("--deviation-runs", type=_lookahead_runs, default=None, metavar="N",
                   help="seeds of the one-deviation table (default: --runs, at most the scenario's "
                        "checks.deviation_runs; 0 skips it)")
    p.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    p.add_argument("--html", "-o", "--out", dest="html", type=Path, metavar="FILE",
                   help="write a self-contained HTML report with charts (needs the charts extra)")
    p.add_argument("--locale", choices=("en", "zh"), default="en", help="language of the report (en, zh)")
    p.set_defaults(handler=run)


def _lookahead_runs(text: str) -> int:
    """argparse type: runs of the lookahead bot, 0 (skip it) to MAX_RUNS."""
    return runs_int(text, minimum=0)


def run(args: argparse.Namespace) -> int:
    from sim.authoring import balance as bal

    if args.html is not None:
        require_extra("matplotlib", "charts", "touchpoint balance --html")
    scenario = load(args.scenario)
    bars = _Bars(args.locale) if sys.stderr.isatty() else None
    try:
        report = bal.balance(scenario, args.runs, args.seed, args.lookahead_runs, args.rollouts, bars,
                             deviation_runs=args.deviation_runs)
    finally:
        if bars is not None:
            bars.close()
    report["verdict"]["text"] = bal.verdict_lines(report, scenario, args.locale)
    if args.html is not None:
        try:
            args.html.write_text(bal.render_html(report, scenario, args.locale, _warn), encoding="utf-8")
        except OSError as err:
            raise CliError(_say("cannot", args.locale, path=args.html, why=err.strerror or err)) from None
        print(_say("wrote", args.locale, path=args.html), file=sys.stderr)
    if args.json:
        print_json(report)
    elif args.html is None:
        print(bal.render_text(report, scenario, args.locale))
    return 0


def _warn(message: str) -> None:
    print(f"touchpoint balance: warning: {message}", file=sys.stderr)


class _Bars:
    """A tqdm bar per policy on a terminal (the lookahead can take a while); called after each run."""

    def __init__(self, locale: str) -> None:
        from tqdm import tqdm

        self.tqdm = tqdm
        self.locale = locale
        self.bars: dict[str, Any] = {}

    def __call__(self, policy: str, done: int, total: int) -> None:
        from sim.authoring.balance import say

        if policy not in self.bars:
            self.close()
            self.bars[policy] = self.tqdm(total=total, file=sys.stderr, leave=False,
                                          desc=_say("progress", self.locale, policy=say(policy, self.locale)))
        bar = self.bars[policy]
        bar.update(done - bar.n)

    def close(self) -> None:
        """Close every bar (the last one stays open until the runs are over)."""
        for bar in self.bars.values():
            bar.close()
