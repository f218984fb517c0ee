"""The seller: the trainee, whose days are the one resource every account competes for.

Accounts ask for the seller's time at each touchpoint (:meth:`Seller.ask`). The seller process
serves one ask at a time: when several accounts are waiting (a pipeline) the trainee first chooses
which account to work on (a *focus* decision), then the action. The action's effects apply at once
and the seller is busy for its ``days``, while every buyer's clock keeps running.

A decision is an event the seller's process waits on: :attr:`Seller.pending` holds it until the
trainee answers (:meth:`sim.engine.session.Session.choose` triggers it), and sim time stands still
meanwhile.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy
from simpy.events import Event, Timeout

from sim.engine.decisions import DecisionPoint, Option
from sim.engine.rules import ActionRule, Menu, TouchpointRule
from sim.engine.state import Deal, World

__all__ = ["Ask", "Pending", "Seller"]


@dataclass(slots=True)
class Ask:
    """An account waiting for the seller at a touchpoint, with what it offers; ``done`` fires with
    the chosen action once the seller has done it."""

    deal: Deal
    touchpoint: TouchpointRule
    menu: Menu
    done: simpy.Event


@dataclass(slots=True)
class Pending:
    """A decision waiting for the trainee: the point, the ids it offers, and the event the answer
    triggers."""

    point: DecisionPoint
    offered: tuple[str, ...]
    answer: simpy.Event


class Seller:
    """Serves the deals' asks one at a time, through the trainee's decisions."""

    def __init__(self, world: World, deals: list[Deal]) -> None:
        self.world = world
        self.deals = deals
        self.asks: dict[str, Ask] = {}  # by account id
        self.decisions = 0
        self.pending: Pending | None = None

    def decide(self, point: DecisionPoint, offered: tuple[str, ...]) -> simpy.Event:
        """Ask the trainee; the event fires with the chosen id. The run pauses until then."""
        answer = Event(self.world.env)
        self.pending = Pending(point, offered, answer)
        self.world.paused = True
        return answer

    def ask(self, deal: Deal, tp: TouchpointRule, menu: Menu) -> simpy.Event:
        """An account wants the seller at touchpoint ``tp``; the event fires with the action once it
        is done."""
        done = Event(self.world.env)
        self.asks[deal.id] = Ask(deal, tp, menu, done)
        self.world.poke()
        return done

    def run(self) -> Generator[simpy.Event, Any, None]:
        """Serve asks until every account's journey is over."""
        world = self.world
        while True:
            working, ready = self._waiting()
            if not working:
                break
            if not ready:  # wait for an account to ask (or finish): World.poke wakes us
                world.idle = Event(world.env)
                yield world.idle
                continue
            ask = ready[0]
            if len(ready) > 1:  # several accounts wait: the trainee picks which to work on
                point, ids = self._focus(ready)
                chosen = yield self.decide(point, ids)
                world.trace.focus(point.day, chosen, ids)
                ask = self.asks[chosen]
            del self.asks[ask.deal.id]
            point = self._point("action", ask.touchpoint.key, ask.deal.id, ask.touchpoint.id, ask.touchpoint.stage,
                                ask.menu.options)
            choice = yield self.decide(point, ask.menu.ids)
            action = self._act(ask, choice, point.day)
            if action.days > 0.0:  # the seller is busy
                yield Timeout(world.env, action.days)
            # Waiting on ``done`` too runs the account's own callback first: it asks again (or
            # finishes) before the seller looks for work, so it is among the next focus options.
            yield ask.done.succeed(action)
        world.trace.end(world.env.now)

    def _waiting(self) -> tuple[bool, list[Ask]]:
        """Whether some account's journey is not over, and the asks of those waiting for the seller."""
        working, ready = False, []
        for d in self.deals:
            if not d.finished:
                working = True
                if d.id in self.asks:
                    ready.append(self.asks[d.id])
        return working, ready

    def _point(self, kind: str, key: str, account: str, touchpoint: str, stage: str,
               options: tuple[Option, ...]) -> DecisionPoint:
        self.decisions += 1
        return DecisionPoint(kind, key, account, touchpoint, stage, self.world.env.now, self.decisions, options)

    def _focus(self, ready: list[Ask]) -> tuple[DecisionPoint, tuple[str, ...]]:
        """The decision which waiting account to work on, and the ids it offers. (The author's
        advice, for bots and the debrief: the one closest to its deadline, the first on a tie.)"""
        ids = tuple(a.deal.id for a in ready)
        soonest = min(ready, key=lambda a: a.deal.deadline).deal.id
        options = tuple(Option(i, 0.0, i == soonest) for i in ids)
        return self._point("focus", "focus", "", "", "", options), ids

    def _act(self, ask: Ask, choice: str, now: float) -> ActionRule:
        """The trainee chose an action at the touchpoint: record it; the seller meets the people
        present; its effects apply at once."""
        deal, tp, menu = ask.deal, ask.touchpoint, ask.menu
        action = tp.by_id[choice]
        self.world.trace.decision(now, deal.id, tp.id, tp.stage, action.id, menu.ids, menu.recommended, action.days)
        for pid in tp.with_:  # the seller met them: their drift clocks restart
            deal.people[pid].last_contact = now
        deal.apply(action.ops, action.id)
        return action
