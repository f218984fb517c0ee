"""Game review speed: seconds to review one log, on one core, and how many playouts it took.

    python benchmarks/bench_review.py [--scenario enterprise_software] [--logs 6] [--rollouts 8] [--json OUT]

Logs of expert and random play (alternately, seeds 100..) are written and reviewed in this process
(``scoring.review.review_log``, what ``touchpoint review LOG`` runs, without the interpreter's start-up),
with the default batches of worlds. Target (issue 21): at most 1 s per enterprise_software log.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import scoring.review as review
from scoring import score_run
from sim.engine.loader import load_scenario
from sim.runs.policies import ExpertPolicy, Policy, RandomPolicy, play
from sim.runs.sessionlog import read_log, write_log

TARGET_S = 1.0


def bench(sid: str, logs: int, rollouts: int) -> dict[str, Any]:
    """Review ``logs`` logs of ``sid``; per log: player, decisions, playouts, seconds."""
    sc = load_scenario(sid)
    plays = [0]
    replayed = review._replayed

    def counting(*args: Any, **kwargs: Any) -> Any:
        plays[0] += 1
        return replayed(*args, **kwargs)

    review._replayed = counting
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(logs):
                policy: Policy = ExpertPolicy() if i % 2 == 0 else RandomPolicy(100 + i)
                session = play(sc, policy, 100 + i)
                path = Path(tmp) / f"{sid}-{i}.jsonl"
                write_log(path, session, score_run(session.trace, sc.rubric), policy=policy.name, scenario=sc)
                log = read_log(path)
                plays[0] = 0
                start = time.process_time()
                result = review.review_log(log, sc, rollouts)
                rows.append({"player": policy.name, "decisions": len(result.decisions), "playouts": plays[0],
                             "seconds": round(time.process_time() - start, 3)})
    finally:
        review._replayed = replayed
    return {"scenario": sid, "rollouts": rollouts, "logs": rows,
            "median_s": statistics.median(r["seconds"] for r in rows),
            "max_s": max(r["seconds"] for r in rows)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="enterprise_software")
    ap.add_argument("--logs", type=int, default=6)
    ap.add_argument("--rollouts", type=int, default=review.DEFAULT_ROLLOUTS)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    out = bench(args.scenario, args.logs, args.rollouts)
    for r in out["logs"]:
        print(f"{args.scenario} {r['player']:<7} {r['decisions']:>3} decisions {r['playouts']:>5} playouts "
              f"{r['seconds']:.2f} s (CPU)")
    met = "met" if out["max_s"] <= TARGET_S else "NOT met"
    print(f"review of one log: median {out['median_s']:.2f} s, at most {out['max_s']:.2f} s "
          f"(target {TARGET_S:g} s: {met})")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
