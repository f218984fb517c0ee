"""Engine speed: complete headless runs per second per scenario, against bare SimPy.

For each bundled scenario this runs the expert and random policies through the stepping API (the
same path the UI uses) and counts SimPy events per run. Beside it, a bare-SimPy model with the
scenario's shape (:mod:`bare_simpy`: per account a buyer and a clock, one seller, signalling
through ``Event.succeed``) processes the same number of events per run, so the engine's cost per
event can be compared with SimPy's own floor. The two are timed in alternating short blocks, so
that a busy spell on a shared machine slows both sides of a ratio alike. (``bench_instructions.py``
makes the same comparison in instructions, which do not drift.)

    python benchmarks/bench_engine.py [--seconds 2] [--json out.json] [--scenario ID ...]

Targets (issue 2): the engine costs at most 3x bare SimPy per event; the tutorial runs at 5,000 or
more runs per second on one core. Run it on a quiet machine; figures go in the README.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import bare_simpy
import simpy

from sim import load_scenario
from sim.engine.session import Session
from sim.lang import bundled
from sim.runs import policies
from sim.runs.policies import ExpertPolicy, RandomPolicy


def play(scenario: Any, policy: str, seed: int) -> Session:
    """One complete headless run through the stepping API, as a batch plays it: ``policy`` is
    ``expert`` or ``random`` (seeded like the run)."""
    return policies.play(scenario, ExpertPolicy() if policy == "expert" else RandomPolicy(seed), seed)


def _block(fn: Callable[[int], Any], start: int, n: int) -> float:
    """Microseconds of this process's CPU time per call of ``fn`` over ``n`` calls."""
    t0 = time.process_time()
    for i in range(start, start + n):
        fn(i)
    return (time.process_time() - t0) / n * 1e6


def bench_scenario(sid: str, seconds: float) -> dict[str, Any]:
    """Engine and bare-SimPy blocks alternate, and each pair gives a ratio.

    On a shared machine, speed drifts by a factor of two from one second to the next. Timing both
    sides in short alternating blocks exposes them to the same conditions, and the median of the
    pair ratios is steady where two separate long measurements are not. Runs per second are given
    for the fastest block (the machine at its quietest) and the median block.
    """
    scenario = load_scenario(sid)
    accounts = len(scenario.rules.accounts)  # the bare model's shape (see bare_simpy.run)
    out: dict[str, Any] = {"scenario": sid, "accounts": accounts}
    for name in ("expert", "random"):
        steps_total = decisions = runs = 0

        def one(i: int, name: str = name) -> None:
            nonlocal steps_total, decisions, runs
            session = play(scenario, name, i)
            steps_total += session.steps
            decisions += len(session.history)
            runs += 1

        _block(one, 0, 200)  # warm up, and count events per run
        steps = steps_total / runs
        tps, ticks, bare_steps = bare_simpy.calibrate(steps, accounts)
        engine, ratios, seed, spent = [], [], 0, 0.0
        block = 25
        while spent < seconds or len(ratios) < 20:
            e = _block(one, seed, block)
            b = _block(lambda i, t=tps, k=ticks: bare_simpy.run(t, k, accounts), 0, block)
            seed += block
            spent += (e + b) * block / 1e6
            engine.append(e)
            ratios.append((e / steps) / (b / bare_steps))
        steps = steps_total / runs
        best, median = min(engine), statistics.median(engine)
        q = statistics.quantiles(ratios, n=4)
        out[name] = {
            "runs_per_s": round(1e6 / best),
            "runs_per_s_median": round(1e6 / median),
            "us_per_run": round(best, 1),
            "events_per_run": round(steps, 1),
            "decisions_per_run": round(decisions / runs, 1),
            "us_per_event": round(best / steps, 2),
            "bare_simpy_events_per_run": bare_steps,
            "ratio_to_bare_simpy": round(statistics.median(ratios), 2),
            "ratio_quartiles": [round(q[0], 2), round(q[2], 2)],
            "blocks": len(ratios),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--scenario", action="append", help="only these scenario ids")
    args = ap.parse_args()
    ids = args.scenario or bundled.scenario_ids()
    results = {
        "python": platform.python_version(),
        # The ratio depends on how CPython was built (see the README): record which one ran.
        "python_build": f"{platform.python_implementation()} {platform.python_version()} "
                        f"({', '.join(platform.python_build())}) {platform.python_compiler()}",
        "simpy": simpy.__version__ if hasattr(simpy, "__version__") else "",
        "scenarios": [bench_scenario(sid, args.seconds) for sid in ids],
    }
    print(f"{results['python_build']}, SimPy {results['simpy']}")
    print(f"{'scenario':<22}{'policy':<8}{'runs/s':>8}{'median':>8}{'us/run':>8}{'events':>8}{'us/event':>9}"
          f"{'ratio to bare SimPy (quartiles)':>33}")
    for r in results["scenarios"]:
        for name in ("expert", "random"):
            f = r[name]
            q = f["ratio_quartiles"]
            print(f"{r['scenario']:<22}{name:<8}{f['runs_per_s']:>8}{f['runs_per_s_median']:>8}{f['us_per_run']:>8}"
                  f"{f['events_per_run']:>8}{f['us_per_event']:>9}{f['ratio_to_bare_simpy']:>15} ({q[0]}-{q[1]})")
    ratios = [r[p]["ratio_to_bare_simpy"] for r in results["scenarios"] for p in ("expert", "random")]
    print(f"median ratio to bare SimPy per event: {statistics.median(ratios):.2f}; worst {max(ratios):.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
