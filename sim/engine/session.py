"""A run of a scenario, stepped one decision at a time: the one API the UI and headless runs share.

::

    session = Session(scenario, seed=7)
    point = session.advance()            # DecisionPoint, or RunOutcome when the run is over
    while isinstance(point, DecisionPoint):
        session.choose(point.options[0].id)
        point = session.advance()

Each run owns one SimPy environment and one numpy generator seeded from ``seed``
(:mod:`sim.engine.dice`); nothing reads the wall clock or depends on hash order, so the same scenario,
seed and choices give the same trace in any process. Sim time stands still while a decision is
pending, so a person thinking for a minute and a bot answering at once produce the same timestamps.
"""

from __future__ import annotations

from itertools import count, repeat
from operator import length_hint
from typing import Any

import simpy
from simpy.core import EmptySchedule
from simpy.events import Event, Process

from sim.engine import buyer
from sim.engine import trace as tr
from sim.engine.decisions import AccountResult, DecisionPoint, InvalidChoice, RunOutcome
from sim.engine.dice import Dice
from sim.engine.rules import Rules
from sim.engine.seller import Seller
from sim.engine.signals import View, observe
from sim.engine.state import Deal, World

#: Hard cap on SimPy steps in one run: any scenario finishes far below it; it bounds a bad one.
MAX_STEPS = 1_000_000


class _Environment(simpy.Environment):
    """SimPy's environment, minus binding its event classes onto each instance.

    ``simpy.Environment.__init__`` binds ``event``/``timeout``/``process``... to the instance for
    speed; that costs more than a short run's events and leaves a reference cycle to break. The
    engine creates events from their classes (``Event(env)``), and ``env.event()`` etc. still work
    through the class's descriptors for anyone else. ``_now`` is set here, so the engine may read
    it directly (see :class:`sim.state.World`).
    """

    def __init__(self) -> None:  # the attributes of simpy.Environment.__init__ (simpy 4), unbound
        self._now = 0.0
        self._queue = []
        self._eid = count()
        self._active_proc = None


class EngineError(RuntimeError):
    """The run could not continue (a scenario that never ends, or an engine bug)."""


class Session:
    """One run of a scenario with a given seed."""

    def __init__(self, scenario: Any, seed: int) -> None:
        rules: Rules = scenario if isinstance(scenario, Rules) else scenario.rules
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
        self.rules = rules
        self.seed = seed
        self.env = env = _Environment()
        self.world = world = World(env, Dice(seed))
        world.deals = [Deal(world, a) for a in rules.accounts]
        world.trace.append((0.0, rules.spec.id, seed, rules.start, "start"))
        self.seller = Seller(world, self._decide, rules.focus_menus)
        for deal in world.deals:
            Process(env, buyer.journey(deal, self.seller))
            Process(env, buyer.buyer_clock(deal))
        self._done_proc = done = Process(env, self.seller.run())
        done.callbacks.append(self._end)
        self._step = env.step  # bound once: a method looked up on each call of advance is made anew
        self._budget = repeat(None, MAX_STEPS)  # one item per step: what is left bounds the run
        self._paused = False  # a decision is pending or the run is over: stepping stops
        self._point: DecisionPoint | None = None  # the pending decision,
        self._offered: tuple[str, ...] = ()  # the ids it offers,
        self._answer: Event | None = None  # and the event its answer triggers
        self._outcome: RunOutcome | None = None
        self.history: list[tuple[DecisionPoint, str]] = []

    # --- the stepping API -------------------------------------------------------------------------
    def advance(self) -> DecisionPoint | RunOutcome:
        """Run the buyer's clock until the next decision, or to the end; return it.

        The loop is the engine's hottest: it only steps, and stops when ``_paused`` is set (by
        the decider, or by the seller process's end). Its budget is an iterator shared by the
        run's calls, so the cap on steps costs nothing per step.
        """
        if not self._paused:
            step = self._step
            try:
                for _ in self._budget:
                    step()
                    if self._paused:
                        break
                else:
                    raise EngineError(f"run exceeded {MAX_STEPS} steps at day {self.env.now:g}")
            except EmptySchedule:
                raise EngineError(f"the run stalled at day {self.env.now:g}: nothing left to happen") from None
        if self._point is not None:
            return self._point
        if self._outcome is None:
            self._outcome = self.outcome()
            self._release()
        return self._outcome

    def choose(self, option_id: str) -> None:
        """Answer the pending decision with one of its offered options."""
        point = self._point
        if point is None:
            raise InvalidChoice("no decision is pending")
        if option_id not in self._offered:
            raise InvalidChoice(f"'{option_id}' is not offered at {point.key} (offered: {', '.join(self._offered)})")
        self._point = None
        self._paused = False
        self.history.append((point, option_id))
        self._answer.succeed(option_id)

    @property
    def pending(self) -> DecisionPoint | None:
        """The decision waiting for an answer, if any."""
        return self._point

    @property
    def finished(self) -> bool:
        return self._done_proc.processed

    @property
    def steps(self) -> int:
        """SimPy events processed so far (what the benchmark counts per run)."""
        return MAX_STEPS - length_hint(self._budget)

    @property
    def rows(self) -> list[tr.Row]:
        """The trace as the engine records it: one row per event (see :mod:`sim.engine.trace`). Scoring,
        hashing and anything else that reads many runs should read this."""
        return self.world.trace

    @property
    def trace(self) -> list[tr.TraceEvent]:
        """The trace as typed events, made from :attr:`rows` on each call (for readable code)."""
        return tr.events(self.world.trace)

    @property
    def now(self) -> float:
        return self.env.now

    def observe(self) -> View:
        """What the trainee can see now: signals, not the hidden numbers."""
        return observe(self.world)

    def outcome(self) -> RunOutcome:
        """The run's result (call once :attr:`finished`)."""
        if self._outcome is not None:
            return self._outcome
        if not self.finished:
            raise EngineError("the run is not over")
        now = self.env.now
        results = tuple([
            AccountResult(d.id, d.status, d.reason, d.decided_day)
            if d.decided_day is not None else AccountResult(d.id, "lost", "stalled", now)
            for d in self.world.deals
        ])
        wins = [r.result for r in results].count("won")
        return RunOutcome(now, len(self.history), wins >= self.rules.spec.rubric.wins_needed, results)

    def _release(self) -> None:
        """Break the engine's reference cycles once the run is over, so memory is freed at once
        instead of by the cycle collector (which otherwise costs a third of a batch's time), and
        give the run's generator back. The trace, history, outcome and final state stay readable."""
        env = self.env
        for *_, event in env._queue:  # timeouts of buyer processes that outlived the run
            event.callbacks = None
        env._queue.clear()
        asks = self.seller.asks
        for *_, done in asks.values():  # accounts lost while they waited for the seller
            done.callbacks = None
        asks.clear()
        self.seller.decide = None  # type: ignore[assignment]
        for deal in self.world.deals:
            deal.world = None  # type: ignore[assignment]
        self.world.rng.release()  # its generator serves a later run (see sim.dice.Dice)

    # --- what the seller process calls -------------------------------------------------------------
    def _decide(self, point: DecisionPoint, offered: tuple[str, ...]) -> Event:
        self._paused = True
        self._point = point
        self._offered = offered
        self._answer = event = Event(self.env)
        return event

    def _end(self, _: Event) -> None:
        """The seller's process is over, and so is the run."""
        self._paused = True
