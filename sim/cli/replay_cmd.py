"""``touchpoint replay LOG``: verify one session log by replaying it, and print its scorecard."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, print_json

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("replay", help="verify a session log by replaying it",
                       description="Replay a session log against its scenario and print the recomputed scorecard.")
    p.add_argument("log", type=Path, metavar="LOG", help="a session log (.jsonl)")
    p.add_argument("--scenario", help="scenario file or id to replay against (default: the one the log names)")
    p.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scoring import score_run
    from sim.cli.common import load
    from sim.runs.sessionlog import LogError, check_end, read_log, replay

    try:
        log = read_log(args.log)
    except LogError as err:
        raise CliError(f"{args.log}: invalid: {err}", 1) from None
    scenario = load(args.scenario or log.header["scenario"])
    try:
        session = replay(log, scenario)
        card = score_run(session.trace, scenario.rubric)
        check_end(log, session, card)
    except LogError as err:
        raise CliError(f"{args.log}: invalid: {err}", 1) from None
    status = "complete" if log.complete else "incomplete"
    if args.json:
        print_json({"log": str(args.log), "status": status, **asdict(card)})
    else:
        print(f"{args.log}: {status}, {'won' if card.won else 'lost'}"
              + (f" ({card.lost_reason})" if card.lost_reason else "")
              + f", score {card.score:.1f} ({card.grade}), satisfaction {card.satisfaction:.1f}, "
              f"{card.decisions} decisions over {card.sim_days:g} days")
    return 0
