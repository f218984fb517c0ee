"""``touchpoint replay LOG``: verify one session log by replaying it, and print its scorecard.

Exit 0 when the log replays; 1 when it is invalid (it does not fit its scenario, or was edited); 2 for
a usage error or a log that cannot be read at all (a missing file, a folder, a FIFO or a device, no
permission), or a scenario that cannot be found.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_PROBLEMS, EXIT_USAGE, CliError, print_json

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("replay", help="verify a session log by replaying it",
                       description="Replay a session log against its scenario and print the recomputed scorecard. "
                                   "Exit 0: the log replays; 1: it is invalid; 2: usage, or a log that cannot be "
                                   "read.")
    p.add_argument("log", type=Path, metavar="LOG", help="a session log (.jsonl)")
    p.add_argument("--scenario", help="scenario file or id to replay against (default: the one the log names)")
    p.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scoring import score_run
    from scoring.safe import escape_controls
    from sim.cli.common import load
    from sim.runs.sessionlog import LogError, check_end, parse_bytes, read_bytes, replay

    shown = escape_controls(str(args.log))
    try:
        data = read_bytes(args.log)  # refuses a FIFO or a device at once (reading one could wait forever)
    except LogError as err:
        raise CliError(f"{shown}: {err}", EXIT_USAGE) from None
    try:
        log = parse_bytes(data)
    except LogError as err:
        raise CliError(f"{shown}: invalid: {err}", EXIT_PROBLEMS) from None
    scenario = load(args.scenario or _scenario_ref(log.header))
    try:
        session = replay(log, scenario)
        card = score_run(session.trace, scenario.rubric)
        check_end(log, session, card)
    except LogError as err:
        raise CliError(f"{shown}: invalid: {err}", EXIT_PROBLEMS) from None
    status = "complete" if log.complete else "incomplete"
    if args.json:
        print_json({"log": str(args.log), "status": status, **asdict(card)})
    else:
        print(f"{shown}: {status}, {'won' if card.won else 'lost'}"
              + (f" ({card.lost_reason})" if card.lost_reason else "")
              + f", score {card.score:.1f} ({card.grade}), satisfaction {card.satisfaction:.1f}, "
              f"{card.decisions} decisions over {card.sim_days:g} days")
    return 0


def _scenario_ref(header: dict[str, Any]) -> str:
    """The scenario a log names: its id when bundled, else the file it records it was played from."""
    from sim.lang import bundled

    sid = str(header["scenario"])
    recorded = header.get("scenario_path", "")
    if bundled.scenario_path(sid) is None and recorded and Path(recorded).is_file():
        return str(recorded)
    return sid
