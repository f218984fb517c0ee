"""Hidden run state: the buying center's numbers and each deal's progress.

Every change of state is made here: a number moves by a delta and is clamped to its range
(:func:`clamp`), and each change that happens is recorded as a trace event with its cause, so the
trace always explains the state. The trainee never sees these numbers during play, only signals
derived from them (:mod:`sim.engine.signals`); the debrief reveals them.

The numbers (see ``docs/background/engine-model.md``):

* each stakeholder (:class:`Person`) has trust and satisfaction, 0-100, and an influence weight;
* each account (:class:`Deal`) has its own numbers, 0-100 (:data:`~sim.lang.schema.ACCOUNT_NUMBERS`:
  info, fit, competitor), flags (milestones), a deadline and a place in the roadmap;
* consensus and satisfaction of a deal are influence-weighted means over the people present
  (:func:`weighted_mean`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any, Protocol

import simpy

from sim.engine.dice import Dice
from sim.engine.rules import (
    AccountChange,
    AccountRules,
    AgreeTerm,
    Chance,
    ClearFlag,
    Deadline,
    Join,
    Leave,
    Lose,
    Operation,
    PersonChange,
    PersonInit,
    PriceChange,
    Reveal,
    SetFlag,
    WalkAwayChange,
    When,
)
from sim.engine.trace import Trace
from sim.lang.schema import ACCOUNT_NUMBERS

__all__ = ["CONTACT_MEMORY_DAYS", "HIGH", "LOW", "Deal", "Member", "Person", "World", "weighted_mean"]

#: Without contact for this many days, a stakeholder's trust drifts (see ``sim.engine.buyer``).
CONTACT_MEMORY_DAYS = 14.0
#: The range of every hidden number but the deadline.
LOW, HIGH = 0.0, 100.0


class World:
    """One run's shared context: the SimPy environment, the run's dice and the trace.

    Processes are started through :meth:`start`, which remembers them: when the run is over,
    :meth:`close` ends those still waiting (a buyer's clock sleeps until next week), so that a
    finished run holds no suspended generator and its state is freed as soon as it is dropped.
    """

    __slots__ = ("dice", "env", "idle", "paused", "processes", "trace")

    def __init__(self, env: simpy.Environment, dice: Dice) -> None:
        self.env = env
        self.dice = dice
        self.trace = Trace()
        self.idle: simpy.Event | None = None  # the seller waiting for work, if it is
        self.processes: list[Generator[Any, Any, Any]] = []
        self.paused = False  # the run waits for the trainee, or is over: stepping stops

    def start(self, process: Generator[Any, Any, Any]) -> simpy.Process:
        """Run a generator as a SimPy process of this run."""
        self.processes.append(process)
        return self.env.process(process)

    def close(self) -> None:
        """The run is over: end every process still waiting."""
        for process in self.processes:
            process.close()

    def poke(self) -> None:
        """Wake the seller if it is waiting: an account asked for time or finished."""
        idle = self.idle
        if idle is not None:
            self.idle = None
            idle.succeed()


class Person:
    """A stakeholder's hidden state during a run: trust and satisfaction (``numbers``), influence,
    presence, and the day the seller last met them."""

    __slots__ = ("drift", "id", "influence", "last_contact", "numbers", "present", "role", "veto", "veto_below")

    def __init__(self, init: PersonInit) -> None:
        self.id = init.id
        self.role = init.role
        self.influence = init.influence
        self.numbers: dict[str, float] = {"trust": init.trust, "satisfaction": init.satisfaction}  # PERSON_NUMBERS
        self.present = init.present
        self.drift = init.drift  # trust change per week without contact
        self.veto = init.veto  # can block the close...
        self.veto_below = init.veto_below  # ...when trust is below this
        self.last_contact = 0.0  # day the seller last met them

    @property
    def trust(self) -> float:
        return self.numbers["trust"]

    @property
    def satisfaction(self) -> float:
        return self.numbers["satisfaction"]

    @property
    def vetoes(self) -> bool:
        """Present, able to veto, and with too little trust: blocks the close."""
        return self.present and self.veto and self.numbers["trust"] < self.veto_below


class Member(Protocol):
    """Anyone :func:`weighted_mean` can weigh: a stakeholder in a run, or as scoring follows them."""

    influence: float
    present: bool
    numbers: dict[str, float]


def weighted_mean(people: Iterable[Member], number: str) -> float:
    """The influence-weighted mean of a number (trust, satisfaction) over the people present:
    how the buying center as a whole feels (0 when nobody is present)."""
    total = weights = 0.0
    for p in people:
        if p.present:
            total += p.influence * p.numbers[number]
            weights += p.influence
    return total / weights if weights else 0.0


class Deal:
    """One account's deal: where the buyer is in the roadmap, how the buying center feels, what
    the seller knows, and the price and terms on the table."""

    __slots__ = ("chosen", "closed_day", "deadline", "decided_day", "finished", "flags", "id", "known", "numbers",
                 "open", "people", "price", "reason", "rules", "stage", "status", "terms", "used", "visits",
                 "walk_away", "world")

    def __init__(self, world: World, rules: AccountRules) -> None:
        self.world = world
        self.rules = rules
        self.id = rules.id
        self.people: dict[str, Person] = {p.id: Person(p) for p in rules.people}
        self.flags: set[str] = set()
        self.numbers: dict[str, float] = dict.fromkeys(ACCOUNT_NUMBERS, 0.0)
        if rules.competitor is not None:
            self.numbers["competitor"] = rules.competitor.strength
        self.deadline = rules.patience_days
        self.known: set[str] = set(rules.known)  # stakeholders and facts the seller knows
        self.price = rules.deal.list_price if rules.deal is not None else 0.0
        self.walk_away = rules.deal.walk_away if rules.deal is not None else 0.0  # the most the buyer will pay
        self.terms: set[str] = set()  # terms agreed
        self.chosen: set[str] = set()  # action ids chosen so far
        self.used: set[str] = set()  # "touchpoint/action" of once-only actions chosen
        self.visits: dict[str, int] = {}  # touchpoint id -> times visited
        self.stage = ""
        self.status = "open"  # open -> won | lost
        self.open = True  # the deal is still to be decided (status "open")
        self.reason = ""  # why it was lost
        self.closed_day: float | None = None
        self.decided_day: float | None = None  # day of the win or the loss
        self.finished = False

    # --- derived numbers (what conditions and scoring read) --------------------------------------
    def consensus(self) -> float:
        """Influence-weighted trust of the people present: how aligned the buying center is."""
        return weighted_mean(self.people.values(), "trust")

    def satisfaction(self) -> float:
        """Influence-weighted satisfaction of the people present (0-100)."""
        return weighted_mean(self.people.values(), "satisfaction")

    @property
    def now(self) -> float:
        return self.world.env.now

    def felt_price(self) -> float:
        """The price as the buyer feels it: the price less what the agreed terms are worth to them."""
        deal = self.rules.deal
        return self.price - sum(deal.buyer_worth[t] for t in self.terms) if deal is not None else 0.0

    def margin(self) -> float:
        """The seller's margin at the price and terms on the table."""
        deal = self.rules.deal
        return self.price - deal.cost + sum(deal.seller_worth[t] for t in self.terms) if deal is not None else 0.0

    # --- changes -------------------------------------------------------------------------------------
    def change(self, numbers: dict[str, float], target: str, number: str, delta: float, cause: str,
               now: float, delayed: bool = False) -> float:
        """Move one hidden number by ``delta``, kept within its range (:data:`LOW` to :data:`HIGH`),
        and record the change at ``now``; returns the new value. ``numbers`` is a stakeholder's
        (``target`` is their id) or the account's own (``target`` is ""). Every hidden number
        but the deadline and the price changes here, and only here."""
        before = numbers[number]
        after = before + delta
        after = numbers[number] = LOW if after < LOW else HIGH if after > HIGH else after
        if after != before:
            self.world.trace.effect(now, self.id, target, number, after - before, after, cause, delayed)
        return after

    def move_deadline(self, days: float, cause: str) -> None:
        """Move the buyer's deadline by ``days`` (never before day 0)."""
        before = self.deadline
        after = self.deadline = max(0.0, before + days)
        if after != before:
            self.world.trace.effect(self.now, self.id, "", "patience", after - before, after, cause)

    def move_price(self, delta: float, cause: str, delayed: bool = False) -> None:
        """Move the price on the table by ``delta``, kept between the floor and the list price."""
        deal = self.rules.deal
        if deal is None:
            return
        before = self.price
        after = min(deal.list_price, max(deal.floor, before + delta))
        if after != before:
            self.price = after
            self.world.trace.effect(self.now, self.id, "", "price", after - before, after, cause, delayed)

    def move_walk_away(self, delta: float, cause: str) -> None:
        """Move the most the buyer will pay by ``delta`` (never below 0)."""
        before = self.walk_away
        after = self.walk_away = max(0.0, before + delta)
        if after != before:
            self.world.trace.effect(self.now, self.id, "", "walk_away", after - before, after, cause, True)

    def agree(self, term: str, cause: str) -> None:
        if term not in self.terms:
            self.terms.add(term)
            self.world.trace.term(self.now, self.id, term, cause)

    def reveal(self, subject: str, cause: str) -> None:
        if subject not in self.known:
            self.known.add(subject)
            self.world.trace.reveal(self.now, self.id, subject, cause)

    def set_flag(self, flag: str, value: bool, cause: str) -> None:
        if (flag in self.flags) != value:
            if value:
                self.flags.add(flag)
            else:
                self.flags.discard(flag)
            self.world.trace.flag(self.now, self.id, flag, value, cause)

    def set_present(self, pid: str, present: bool, cause: str) -> None:
        person = self.people[pid]
        if person.present != present:
            person.present = present
            person.last_contact = now = self.now
            self.world.trace.presence(now, self.id, pid, present, cause)

    def lose(self, reason: str) -> None:
        if self.open:
            self.status, self.open = "lost", False
            self.reason = reason
            self.decided_day = now = self.now
            self.world.trace.outcome(now, self.id, "lost", reason)
            self.finish()

    def finish(self) -> None:
        """The account's journey is over: lost, or after-sales done."""
        if not self.finished:
            self.finished = True
            self.world.trace.finished(self.now, self.id)
            self.world.poke()

    def enter(self, stage: str) -> None:
        self.stage = stage
        self.world.trace.stage(self.now, self.id, stage)

    def win(self) -> None:
        """The deal is won at the price and terms on the table."""
        self.status, self.open = "won", False
        self.closed_day = self.decided_day = now = self.now
        revenue = self.price if self.rules.deal is not None else 0.0
        self.world.trace.outcome(now, self.id, "won", "", revenue, self.margin())

    # --- effects ----------------------------------------------------------------------------------------
    def apply(self, ops: tuple[Operation, ...], cause: str) -> None:
        """Perform compiled effects (:func:`sim.engine.rules.compile_ops`) in order; random amounts
        and chances draw from their own streams of the run's dice."""
        now, dice = self.now, self.world.dice
        for op in ops:
            if op.__class__ is PersonChange:  # the commonest: a stakeholder's trust, then satisfaction
                person = self.people[op.person]
                if op.met:
                    person.last_contact = now
                if person.present:
                    if op.trust is not None:
                        delta = op.trust.draw(dice) * op.scale
                        self.change(person.numbers, person.id, "trust", delta, cause, now, op.delayed)
                    if op.satisfaction is not None:
                        delta = op.satisfaction.draw(dice) * op.scale
                        self.change(person.numbers, person.id, "satisfaction", delta, cause, now, op.delayed)
            else:
                _PERFORM[op.__class__](self, op, cause, now)

    def _account_change(self, op: AccountChange, cause: str, now: float) -> None:
        delta = op.amount.draw(self.world.dice) * op.scale
        self.change(self.numbers, "", op.number, delta, cause, now, op.delayed)

    def _deadline(self, op: Deadline, cause: str, now: float) -> None:
        self.move_deadline(op.days.draw(self.world.dice) * op.scale, cause)

    def _price(self, op: PriceChange, cause: str, now: float) -> None:
        self.move_price(op.amount.draw(self.world.dice) * op.scale, cause, op.delayed)

    def _walk_away(self, op: WalkAwayChange, cause: str, now: float) -> None:
        self.move_walk_away(op.amount.draw(self.world.dice) * op.scale, cause)

    def _term(self, op: AgreeTerm, cause: str, now: float) -> None:
        self.agree(op.term, cause)

    def _reveal(self, op: Reveal, cause: str, now: float) -> None:
        self.reveal(op.subject, cause)

    def _set_flag(self, op: SetFlag, cause: str, now: float) -> None:
        self.set_flag(op.flag, True, cause)

    def _clear_flag(self, op: ClearFlag, cause: str, now: float) -> None:
        self.set_flag(op.flag, False, cause)

    def _leave(self, op: Leave, cause: str, now: float) -> None:
        self.set_present(op.person, False, cause)

    def _join(self, op: Join, cause: str, now: float) -> None:
        self.set_present(op.person, True, cause)

    def _lose(self, op: Lose, cause: str, now: float) -> None:
        self.lose(op.reason)

    def _chance(self, op: Chance, cause: str, now: float) -> None:
        if self.world.dice.uniform(op.source) < op.probability:
            self.apply(op.ops, cause)

    def _when(self, op: When, cause: str, now: float) -> None:
        if op.condition(self):
            self.apply(op.ops, cause)


#: How a deal performs each kind of operation (but PersonChange, the commonest, done in place).
_PERFORM: dict[type, Callable[[Deal, Any, str, float], None]] = {
    AccountChange: Deal._account_change,
    Deadline: Deal._deadline,
    PriceChange: Deal._price,
    WalkAwayChange: Deal._walk_away,
    AgreeTerm: Deal._term,
    Reveal: Deal._reveal,
    SetFlag: Deal._set_flag,
    ClearFlag: Deal._clear_flag,
    Leave: Deal._leave,
    Join: Deal._join,
    Lose: Deal._lose,
    Chance: Deal._chance,
    When: Deal._when,
}
