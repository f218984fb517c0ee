"""What numpy's draws cost a run: the engine timed as it is, and with the same values from lists.

A run draws its random numbers from numpy (issue 2 asks for a numpy ``Generator``), 32 at a time
(:class:`sim.dice.Dice`): an enterprise_software run draws two such blocks. In a tight loop a block
costs about 1-1.5 µs, a few tenths of a percent of a run. Inside a run it costs several times as
much, because by then the engine's own work has pushed numpy's code and data out of the CPU's
caches; neither a tight loop nor an instruction count (``bench_instructions.py``) shows that.

So this plays each seed once with a recording :class:`~sim.dice.Dice`, keeping the blocks it drew,
and then times the engine two ways in alternating blocks of runs: as it is, and with a stand-in that
hands out the very same blocks from lists (no numpy call in the run). It checks that the three ways
give the same traces. The difference is what numpy costs a run where it runs; no engine change can
remove it all, since the draws themselves are part of the model.

    python benchmarks/bench_draws.py [--blocks 60] [--scenario ID ...]
"""

from __future__ import annotations

import argparse
from typing import Any
from unittest import mock

from bench_engine import _block, ab_ratios, play

from sim import load_scenario
from sim.engine import session
from sim.engine.dice import Dice
from sim.engine.trace import trace_hash
from sim.lang import bundled

#: Seeds played (and recorded) per scenario and policy; the timed blocks cycle through them.
SEEDS = 200

Blocks = list[tuple[str, list[float]]]  # ("u" | "n", the block in Dice's order: next value last)
#: The blocks each seed's run drew, in order (filled by _Recording, read by _Replaying).
_RECORDED: dict[int, Blocks] = {}


class _Recording(Dice):
    """A Dice that keeps each block it draws, in order, in ``_RECORDED[seed]``."""

    __slots__ = ("blocks",)

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.blocks = _RECORDED.setdefault(seed, [])

    def random(self) -> float:
        if self.uniforms:  # the engine pops its blocks inline, but rules.draw calls this each time
            return self.uniforms.pop()
        value = super().random()  # draws a new block
        self.blocks.append(("u", [*self.uniforms, value]))
        return value

    def standard_normal(self) -> float:
        if self.normals:
            return self.normals.pop()
        value = super().standard_normal()
        self.blocks.append(("n", [*self.normals, value]))
        return value


class _Replaying:
    """Hands out a recorded seed's blocks in order, as :class:`Dice` would have drawn them."""

    __slots__ = ("_blocks", "gen", "normals", "uniforms")

    def __init__(self, seed: int) -> None:
        self._blocks = iter(_RECORDED[seed])
        self.gen = None
        self.uniforms: list[float] = []
        self.normals: list[float] = []

    def release(self) -> None:
        pass

    def _refill(self, kind: str, block: list[float]) -> None:
        drawn, values = next(self._blocks)
        if drawn != kind:
            raise RuntimeError("the run drew in another order than when it was recorded")
        block += values

    def random(self) -> float:
        if not self.uniforms:
            self._refill("u", self.uniforms)
        return self.uniforms.pop()

    def standard_normal(self) -> float:
        if not self.normals:
            self._refill("n", self.normals)
        return self.normals.pop()


def _dice(cls: Any) -> Any:
    """Sessions started inside draw through ``cls``."""
    return mock.patch.object(session, "Dice", cls)


def _runs(scenario: Any, policy: str, cls: Any, start: int, n: int) -> float:
    """Microseconds per run of ``n`` runs, cycling through the recorded seeds from ``start``."""
    with _dice(cls):
        return _block(lambda i: play(scenario, policy, i % SEEDS), start % SEEDS, n)


def bench(sid: str, policy: str, blocks: int) -> dict[str, Any]:
    """Record the seeds' blocks, check the traces, then time lists over numpy per pair of blocks."""
    scenario = load_scenario(sid)
    _RECORDED.clear()
    digests = []
    for cls in (_Recording, _Replaying, Dice):
        with _dice(cls):
            digests.append([trace_hash(play(scenario, policy, s).rows) for s in range(SEEDS)])
    blocks_per_run = sum(map(len, _RECORDED.values())) / SEEDS
    ratios = ab_ratios(lambda start, n: _runs(scenario, policy, _Replaying, start, n),
                       lambda start, n: _runs(scenario, policy, Dice, start, n), blocks)
    return {"scenario": sid, "policy": policy, **ratios,
            "numpy_blocks_per_run": round(blocks_per_run, 2),
            "same_traces": digests[0] == digests[1] == digests[2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=60, help="pairs of blocks of 25 runs")
    ap.add_argument("--scenario", action="append", help="only these scenario ids")
    args = ap.parse_args()
    print(f"{'scenario':<22}{'policy':<8}{'blocks/run':>11}  time with lists / with numpy (quartiles)  same traces")
    for sid in args.scenario or bundled.scenario_ids():
        for policy in ("expert", "random"):
            r = bench(sid, policy, args.blocks)
            q = r["quartiles"]
            print(f"{sid:<22}{policy:<8}{r['numpy_blocks_per_run']:>11}  {r['time_ratio']:<7} ({q[0]}-{q[1]})"
                  f"{'':<19}{r['same_traces']}")


if __name__ == "__main__":
    main()
