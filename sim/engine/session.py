"""A run of a scenario, stepped one decision at a time: the one API the UI and headless runs share.

::

    session = Session(scenario, seed=7)
    point = session.advance()            # DecisionPoint, or RunOutcome when the run is over
    while isinstance(point, DecisionPoint):
        session.choose(point.options[0].id)
        point = session.advance()

Each run owns one SimPy environment and its own dice seeded from ``seed`` (:mod:`sim.engine.dice`);
nothing reads the wall clock or depends on hash order, so the same scenario, seed and choices give
the same trace in any process. A decision is an event the seller's process waits on: the session
steps the simulation until one is pending, hands it out, and triggers it with the answer. Sim time
stands still while a decision is pending, so a person thinking for a minute and a bot answering at
once produce the same timestamps.
"""

from __future__ import annotations

import simpy

from sim.engine import buyer
from sim.engine.decisions import AccountResult, DecisionPoint, InvalidChoice, RunOutcome
from sim.engine.dice import Dice
from sim.engine.loader import LoadedScenario
from sim.engine.rules import Rules
from sim.engine.seller import Seller
from sim.engine.signals import View, observe
from sim.engine.state import Deal, World
from sim.engine.trace import AccountStart, Trace

__all__ = ["MAX_STEPS", "EngineError", "Session"]

#: Hard cap on SimPy steps in one run: any scenario finishes far below it; it bounds a bad one.
MAX_STEPS = 1_000_000


class EngineError(RuntimeError):
    """The run could not continue (a scenario that never ends, or an engine bug)."""


class Session:
    """One run of a scenario with a given seed."""

    def __init__(self, scenario: LoadedScenario | Rules, seed: int, player: str = "") -> None:
        rules = scenario if isinstance(scenario, Rules) else scenario.rules
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
        self.rules = rules
        self.seed = seed
        self.player = player  # "" for a person; "bot:<policy>" for a bot (recorded in the trace)
        self.env = env = simpy.Environment(initial_time=0.0)  # a float clock: times in the trace are floats
        self.world = world = World(env, Dice(seed, rules.sources))
        self.deals = [Deal(world, a) for a in rules.accounts]
        world.trace.start(0.0, rules.spec.id, seed, player, rules.start)
        self.seller = Seller(world, self.deals)
        for deal in self.deals:
            world.start(buyer.journey(deal, self.seller))
            world.start(buyer.buyer_clock(deal))
        self._over = False  # the seller's process is over, and so is the run
        world.start(self.seller.run()).callbacks.append(self._end)
        self._outcome: RunOutcome | None = None
        self.steps = 0  # SimPy events processed so far
        self.history: list[tuple[DecisionPoint, str]] = []

    # --- the stepping API -------------------------------------------------------------------------
    def advance(self) -> DecisionPoint | RunOutcome:
        """Run the buyer's clock until the next decision, or to the end; return it."""
        world, env = self.world, self.env
        if not world.paused:
            done = self.steps
            try:
                for done in range(self.steps + 1, MAX_STEPS + 1):  # noqa: B007 - the count is kept
                    env.step()
                    if world.paused:
                        break
                else:
                    raise EngineError(f"run exceeded {MAX_STEPS} steps at day {env.now:g}")
            except simpy.core.EmptySchedule:
                raise EngineError(f"the run stalled at day {env.now:g}: nothing left to happen") from None
            finally:
                self.steps = done
        pending = self.seller.pending
        return pending.point if pending is not None else self.outcome()

    def choose(self, option_id: str) -> None:
        """Answer the pending decision with one of its offered options."""
        pending = self.seller.pending
        if pending is None:
            raise InvalidChoice("no decision is pending")
        if option_id not in pending.offered:
            raise InvalidChoice(
                f"'{option_id}' is not offered at {pending.point.key} (offered: {', '.join(pending.offered)})")
        self.seller.pending = None
        self.world.paused = False
        self.history.append((pending.point, option_id))
        pending.answer.succeed(option_id)

    @property
    def pending(self) -> DecisionPoint | None:
        """The decision waiting for an answer, if any."""
        pending = self.seller.pending
        return pending.point if pending is not None else None

    @property
    def finished(self) -> bool:
        return self._over

    @property
    def trace(self) -> Trace:
        """What happened so far, event by event (see :mod:`sim.engine.trace`)."""
        return self.world.trace

    @property
    def start(self) -> tuple[AccountStart, ...]:
        """Every account's buying center as the run started."""
        return self.rules.start

    @property
    def now(self) -> float:
        return float(self.env.now)

    def observe(self) -> View:
        """What the trainee can see now: signals, not the hidden numbers."""
        return observe(self.deals, self.world)

    def outcome(self) -> RunOutcome:
        """The run's result (once :attr:`finished`)."""
        if self._outcome is not None:
            return self._outcome
        if not self.finished:
            raise EngineError("the run is not over")
        now = self.now
        results = tuple(self._result(d, now) for d in self.deals)
        wins = sum(r.result == "won" for r in results)
        self._outcome = RunOutcome(now, len(self.history), wins >= self.rules.spec.rubric.wins_needed, results)
        return self._outcome

    @staticmethod
    def _result(deal: Deal, now: float) -> AccountResult:
        if deal.decided_day is None:
            return AccountResult(deal.id, "lost", "stalled", now)
        if deal.status == "won" and deal.rules.deal is not None:
            return AccountResult(deal.id, "won", "", deal.decided_day, deal.price, deal.margin())
        return AccountResult(deal.id, deal.status, deal.reason, deal.decided_day)

    def _end(self, _: simpy.Event) -> None:
        """The seller's process is over: end the buyers' clocks still waiting, so that the finished
        run holds no suspended generator and is freed as soon as it is dropped."""
        self._over = True
        self.world.paused = True
        self.world.close()
