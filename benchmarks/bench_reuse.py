"""What reusing the runs' generators saves: the engine timed with and without, in alternating blocks.

A finished run hands its PCG64 generator on to the next run, which writes its own seed's state into
it (:class:`sim.dice.Dice`); without that, each run makes a new PCG64 and ``Generator``, the way
``sim.dice.generator`` does, which gives the same streams (this script checks that the traces are
the same both ways). Making them costs about 1 µs in a tight loop, but more inside a run, where
numpy's code and data are no longer in the CPU's caches; instructions (``bench_instructions.py``)
do not show that, so this times it. Blocks of each way alternate, in both orders, so that a busy
spell on a shared machine slows both alike; the figure is the median of the paired ratios.

    python benchmarks/bench_reuse.py [--blocks 60] [--scenario ID ...]
"""

from __future__ import annotations

import argparse
from typing import Any
from unittest import mock

from bench_engine import _block, ab_ratios, play

from sim import load_scenario
from sim.engine import dice
from sim.engine.trace import trace_hash
from sim.lang import bundled


def _reusing(reuse: bool) -> Any:
    """Runs started inside reuse generators (or make their own), as ``reuse`` says."""
    return mock.patch.object(dice, "_REUSE", reuse)


def _runs(scenario: Any, policy: str, reuse: bool, start: int, n: int) -> float:
    """Microseconds per run of ``n`` runs from seed ``start``, reusing generators or not."""
    with _reusing(reuse):
        return _block(lambda i: play(scenario, policy, i), start, n)


def same_traces(scenario: Any, policy: str, seeds: range) -> bool:
    """Whether runs give the same traces with and without reuse (they must: same streams)."""
    digests = []
    for reuse in (True, False):
        with _reusing(reuse):
            digests.append([trace_hash(play(scenario, policy, s).rows) for s in seeds])
    return digests[0] == digests[1]


def bench(sid: str, policy: str, blocks: int) -> dict[str, Any]:
    """Time of a run reusing generators over the time without, per pair of blocks."""
    scenario = load_scenario(sid)
    for reuse in (True, False):  # warm both ways up
        _runs(scenario, policy, reuse, 0, 200)
    ratios = ab_ratios(lambda start, n: _runs(scenario, policy, True, start, n),
                       lambda start, n: _runs(scenario, policy, False, start, n), blocks)
    return {"scenario": sid, "policy": policy, **ratios,
            "same_traces": same_traces(scenario, policy, range(20))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=60, help="pairs of blocks of 25 runs")
    ap.add_argument("--scenario", action="append", help="only these scenario ids")
    args = ap.parse_args()
    if not dice._REUSE:
        raise SystemExit("this numpy's PCG64 layout is not the one sim.engine.dice checks: every run makes its generator")
    print(f"{'scenario':<22}{'policy':<8}time with reuse / without (quartiles)  same traces")
    for sid in args.scenario or bundled.scenario_ids():
        for policy in ("expert", "random"):
            r = bench(sid, policy, args.blocks)
            q = r["quartiles"]
            print(f"{sid:<22}{policy:<8}{r['time_ratio']:<7} ({q[0]}-{q[1]}){'':<13}{r['same_traces']}")


if __name__ == "__main__":
    main()
