"""Hidden run state: the buying center's numbers and each deal's progress.

Everything that changes is changed here (and by the buyer's weekly drift), clamped to range and
recorded as a trace event, so the trace always explains the state. The trainee never sees these
numbers during play, only signals derived from them (:mod:`sim.engine.signals`); the debrief reveals them.
"""

from __future__ import annotations

from typing import Any

import simpy

from sim.engine import trace as tr
from sim.engine.rules import (
    OP_CHANCE,
    OP_CLEAR,
    OP_COMPETITOR,
    OP_FIT,
    OP_INFO,
    OP_JOIN,
    OP_LEAVE,
    OP_PATIENCE,
    OP_SET,
    AccountRules,
    PersonInit,
    draw,
)

#: Without contact for this many days, a stakeholder's trust drifts (see Stakeholder.drift).
CONTACT_MEMORY_DAYS = 14.0


class World:
    """One run's shared context: the SimPy environment, the seeded generator and the trace.

    The engine reads the sim time as ``env._now``: the session's environment
    (:class:`sim.session._Environment`) sets that attribute itself, and reading it costs a
    fraction of the ``env.now`` property's call, which a run makes about seventy times.
    """

    __slots__ = ("deals", "env", "idle", "rng", "trace")

    def __init__(self, env: simpy.Environment, rng: Any) -> None:
        self.env = env
        self.rng = rng
        self.trace: list[tr.Row] = []  # rows: see sim.engine.trace
        self.deals: list[Deal] = []
        self.idle: simpy.Event | None = None  # the seller waiting for work, if it is

    def poke(self) -> None:
        """Wake the seller if it is waiting: an account asked for time or finished. (``idle`` is
        the seller's wait, dropped here once it is woken.)"""
        idle = self.idle
        if idle is not None:
            self.idle = None
            idle.succeed()


class Person:
    """A stakeholder's hidden state during a run."""

    __slots__ = ("drift", "id", "influence", "last_contact", "present", "role", "satisfaction", "trust",
                 "veto", "veto_below")

    def __init__(self, init: PersonInit) -> None:
        self.id = init.id
        self.role = init.role
        self.influence = init.influence
        self.trust = init.trust
        self.satisfaction = init.satisfaction
        self.present = init.present
        self.drift = init.drift
        self.veto = init.veto
        self.veto_below = init.veto_below
        self.last_contact = 0.0


class Deal:
    """One account's deal: where the buyer is in the roadmap and how the buying center feels."""

    __slots__ = ("closed_day", "competitor", "deadline", "decided_day", "finished", "fit", "flags", "id", "info",
                 "people", "reason", "rules", "stage", "status", "world")

    def __init__(self, world: World, rules: AccountRules) -> None:
        self.world = world
        self.rules = rules
        self.id = rules.id
        self.people: dict[str, Person] = {p.id: Person(p) for p in rules.people}
        self.flags: set[str] = set()
        self.info = 0.0
        self.fit = 0.0
        self.competitor = rules.competitor[0] if rules.competitor else 0.0
        self.deadline = rules.patience_days
        self.stage = ""
        self.status = "open"  # open -> won | lost
        self.reason = ""
        self.closed_day: float | None = None
        self.decided_day: float | None = None  # day of the win or the loss
        self.finished = False

    # --- derived metrics (what conditions and scoring read) --------------------------------------
    def consensus(self) -> float:
        """Influence-weighted trust of the people present: how aligned the buying center is."""
        num = den = 0.0
        for p in self.people.values():
            if p.present:
                num += p.influence * p.trust
                den += p.influence
        return num / den if den else 0.0

    def satisfaction(self) -> float:
        """Influence-weighted satisfaction of the people present (0-100)."""
        num = den = 0.0
        for p in self.people.values():
            if p.present:
                num += p.influence * p.satisfaction
                den += p.influence
        return num / den if den else 0.0

    @property
    def open(self) -> bool:
        return self.status == "open"

    # --- changes -------------------------------------------------------------------------------------
    def set_flag(self, flag: str, value: bool, cause: str) -> None:
        if (flag in self.flags) != value:
            if value:
                self.flags.add(flag)
            else:
                self.flags.discard(flag)
            self.world.trace.append((self.world.env._now, self.id, flag, value, cause, "flag"))

    def set_present(self, pid: str, present: bool, cause: str) -> None:
        person = self.people[pid]
        if person.present != present:
            person.present = present
            person.last_contact = self.world.env._now
            self.world.trace.append((self.world.env._now, self.id, pid, present, cause, "presence"))

    def lose(self, reason: str) -> None:
        if self.status == "open":
            self.status = "lost"
            self.reason = reason
            self.decided_day = self.world.env._now
            self.world.trace.append((self.world.env._now, self.id, "lost", reason, "outcome"))
            self.finish()

    def finish(self) -> None:
        """The account's journey is over: lost, or after-sales done."""
        if not self.finished:
            self.finished = True
            self.world.trace.append((self.world.env._now, self.id, "finished"))
            self.world.poke()

    def enter(self, stage: str) -> None:
        self.stage = stage
        self.world.trace.append((self.world.env._now, self.id, stage, "stage"))

    def win(self) -> None:
        self.status = "won"
        self.closed_day = self.decided_day = self.world.env._now
        self.world.trace.append((self.world.env._now, self.id, "won", "", "outcome"))

    def apply(self, ops: tuple[tuple, ...], cause: str) -> None:
        """Apply compiled effects (:func:`sim.rules.compile_ops`) in order; random amounts and
        chances draw from the run's generator.

        This is the engine's innermost loop (every action and scripted event comes through it), so
        the clamped change (add, clamp to 0-100, record the change if there is one) is written out
        here for each number, read and written as a plain attribute (several times cheaper than
        ``getattr``/``setattr`` by name). The buyer's weekly drift (:func:`sim.buyer.buyer_clock`)
        does the same arithmetic.

        The commonest operation, ``OP_PERSON``, is code 0 and is tested as ``not code``: CPython 3.11
        specialises a comparison only when a jump follows it directly, and the jump over this long
        branch needs an ``EXTENDED_ARG`` first, so ``code == OP_PERSON`` ran unspecialised for every
        operation (0.6% of a case run's instructions).
        """
        world = self.world
        rng = world.rng
        normals, uniforms = rng.normals, rng.uniforms  # the Dice blocks, popped inline
        now = world.env._now
        append = world.trace.append
        people = self.people
        did = self.id
        for op in ops:
            code = op[0]
            if not code:  # OP_PERSON (see above)
                _, pid, contact, t_fixed, trust, s_fixed, satisfaction, scale = op
                p = people[pid]
                if contact:
                    p.last_contact = now
                if not p.present:
                    continue
                # Trust, then satisfaction: the same clamped change written out for each number, as
                # one operation changes both (an inner loop over them would cost more than it saves).
                if trust is not None:
                    if t_fixed is not None:
                        delta = t_fixed
                    elif trust[0] == "n":  # the common random amount, drawn inline
                        z = normals.pop() if normals else rng.standard_normal()
                        delta = (trust[1] + trust[2] * z) * scale
                    else:
                        delta = draw(trust, rng) * scale
                    before = p.trust
                    after = before + delta
                    after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                    if after != before:
                        p.trust = after
                        append((now, did, pid, "trust", after - before, after, cause, "effect"))
                if satisfaction is not None:
                    if s_fixed is not None:
                        delta = s_fixed
                    elif satisfaction[0] == "n":
                        z = normals.pop() if normals else rng.standard_normal()
                        delta = (satisfaction[1] + satisfaction[2] * z) * scale
                    else:
                        delta = draw(satisfaction, rng) * scale
                    before = p.satisfaction
                    after = before + delta
                    after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                    if after != before:
                        p.satisfaction = after
                        append((now, did, pid, "satisfaction", after - before, after, cause, "effect"))
            elif code <= OP_PATIENCE:
                _, var, fixed, amount, scale = op
                delta = fixed if fixed is not None else draw(amount, rng) * scale
                if code == OP_INFO:
                    before = self.info
                    after = before + delta
                    self.info = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                elif code == OP_FIT:
                    before = self.fit
                    after = before + delta
                    self.fit = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                elif code == OP_COMPETITOR:
                    before = self.competitor
                    after = before + delta
                    self.competitor = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                else:  # patience moves the deadline
                    before = self.deadline
                    self.deadline = after = max(0.0, before + delta)
                if after != before:
                    append((now, did, "", var, after - before, after, cause, "effect"))
            elif code == OP_SET:
                flag = op[1]
                if flag not in self.flags:
                    self.flags.add(flag)
                    append((now, did, flag, True, cause, "flag"))
            elif code == OP_CHANCE:
                if (uniforms.pop() if uniforms else rng.random()) < op[1]:
                    self.apply(op[2], cause)
            elif code == OP_CLEAR:
                self.set_flag(op[1], False, cause)
            elif code == OP_LEAVE:
                self.set_present(op[1], False, cause)
            elif code == OP_JOIN:
                self.set_present(op[1], True, cause)
            else:  # OP_LOSE
                self.lose(op[1])
