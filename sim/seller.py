"""The seller: the trainee, whose days are the one resource every account competes for.

Accounts ask for the seller's time at each touchpoint (:meth:`Seller.ask`). The seller process
serves one ask at a time: when several accounts are waiting (a pipeline) the trainee first chooses
which account to work on (a *focus* decision), then the action. The action's effects apply at once
and the seller is busy for its ``days``, while every buyer's clock keeps running.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim import trace as tr
from sim.decisions import DecisionPoint, Option
from sim.rules import ActionRule, TouchpointRule, menu
from sim.state import Deal, World

#: Asks for a decision and returns the event its answer will trigger.
Decide = Callable[[DecisionPoint], simpy.Event]


class Seller:
    """Serves the accounts' asks one at a time, through decisions taken by ``decide``."""

    def __init__(self, world: World, decide: Decide) -> None:
        self.world = world
        self.decide = decide
        self.asks: dict[str, tuple[Deal, TouchpointRule, tuple[ActionRule, ...], simpy.Event]] = {}
        self.decisions = 0

    def ask(self, deal: Deal, tp: TouchpointRule, options: tuple[ActionRule, ...]) -> simpy.Event:
        """An account wants the seller at touchpoint ``tp``; the event fires when the action is done."""
        done = self.world.env.event()
        self.asks[deal.id] = (deal, tp, options, done)
        self.world.poke()
        return done

    def run(self) -> Generator[simpy.Event, Any, None]:
        world = self.world
        env = world.env
        deals = world.deals
        asks = self.asks
        while True:
            if len(deals) == 1:  # the common case, kept cheap
                if deals[0].finished:
                    break
                ready = list(asks.values())
            else:
                if all(d.finished for d in deals):
                    break
                ready = [a for d in deals if not d.finished and (a := asks.get(d.id)) is not None]
            if not ready:
                world.idle = env.event()
                yield world.idle
                world.idle = None
                continue
            if len(ready) > 1:
                now = env.now
                soonest = min(ready, key=lambda a: a[0].deadline - now)[0].id
                self.decisions += 1
                chosen = yield self.decide(DecisionPoint(
                    kind="focus", key="focus", account="", touchpoint="", stage="", day=now,
                    number=self.decisions,
                    options=tuple(Option(a[0].id, 0.0, a[0].id == soonest) for a in ready),
                ))
                world.trace.append(tr.Focus(now, chosen, tuple(a[0].id for a in ready)))
                deal, tp, actions, done = self.asks[chosen]
            else:
                deal, tp, actions, done = ready[0]
            self.decisions += 1
            options, offered, recommended = tp.menu if actions is tp.actions else menu(actions)
            choice = yield self.decide(DecisionPoint(
                "action", tp.key, deal.id, tp.id, tp.stage, env.now, self.decisions, options))
            action = tp.by_id[choice]
            world.trace.append(tr.Decision(
                env.now, deal.id, tp.id, tp.stage, action.id, offered, recommended, action.days))
            del self.asks[deal.id]
            deal.contact(tp.with_)
            deal.apply(action.effects, action.id)
            if action.days > 0:
                yield env.timeout(action.days)
            # Waiting on ``done`` too runs the account's own callback first: it asks again (or
            # finishes) before the seller looks for work, so it is among the next focus options.
            yield done.succeed(action)
        world.trace.append(tr.End(env.now))

