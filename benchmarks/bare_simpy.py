"""The bare-SimPy floor the engine benchmarks compare with: SimPy's own cost per event.

A model with the engine's shape (per account a buyer that asks a seller at its touchpoints and a
clock that ticks; one seller serves them all, signalling through ``Event.succeed``) and nothing
else: no state, no randomness, no trace. ``calibrate`` sizes it to the number of events an engine
run processes, so the two can be compared per event (``bench_engine.py`` in time,
``bench_instructions.py`` in instructions). It imports only SimPy, so counting it is quick.
"""

from __future__ import annotations

from typing import Any

import simpy


def run(touchpoints: int, ticks: int, accounts: int = 1) -> int:
    """One bare-SimPy run with the scenario's shape: per account a buyer that asks a seller at its
    touchpoints and a clock that ticks; one seller serves them all. Returns the events processed.

    The shape matters: SimPy's own cost per event grows with the processes alive at once (more
    to start, a deeper event queue), so a floor for a pipeline of three accounts has three
    buyers and three clocks, as the engine has.
    """
    env = simpy.Environment()
    queue: list[simpy.Event] = []
    wake = [env.event()]

    def buyer(asks: int) -> Any:
        for _ in range(asks):
            ev = env.event()
            queue.append(ev)
            if not wake[0].triggered:
                wake[0].succeed()
            yield ev

    def seller() -> Any:
        served = 0
        while served < touchpoints:
            if not queue:
                wake[0] = env.event()
                yield wake[0]
                continue
            ev = queue.pop()
            decided = env.event()
            decided.succeed()
            yield decided
            yield env.timeout(2.0)
            ev.succeed()
            served += 1

    def clock(n: int) -> Any:
        for _ in range(n):
            yield env.timeout(7.0)

    for a in range(accounts):  # touchpoints and ticks shared out as evenly as they go
        env.process(buyer(touchpoints // accounts + (a < touchpoints % accounts)))
        env.process(clock(ticks // accounts + (a < ticks % accounts)))
    env.process(seller())
    steps = 0
    while True:
        try:
            env.step()
        except simpy.core.EmptySchedule:
            return steps
        steps += 1


def calibrate(target_steps: float, accounts: int = 1) -> tuple[int, int, int]:
    """Touchpoints and ticks giving a bare run of about ``target_steps`` events, with a clock tick
    for about every touchpoint.

    The mix matters as the shape does: a tick (one timeout) costs SimPy less than a touchpoint's
    events, so a floor of touchpoints alone is dearer per event. One tick per touchpoint makes
    about a fifth of the floor's events ticks, as the buyer clocks' weekly timeouts are of the
    engine's (11-28% over the bundled scenarios).
    """
    best = (1, 1, run(1, 1, accounts))
    for tps in range(1, 200):
        for ticks in sorted(range(max(0, tps - 2), tps + 3), key=lambda k: abs(k - tps)):
            steps = run(tps, ticks, accounts)
            if abs(steps - target_steps) < abs(best[2] - target_steps):
                best = (tps, ticks, steps)
        if run(tps, max(0, tps - 2), accounts) > target_steps + 2:
            break
    return best
