"""The seller: the trainee, whose days are the one resource every account competes for.

Accounts ask for the seller's time at each touchpoint (:meth:`Seller.ask`). The seller process
serves one ask at a time: when several accounts are waiting (a pipeline) the trainee first chooses
which account to work on (a *focus* decision), then the action. The action's effects apply at once
and the seller is busy for its ``days``, while every buyer's clock keeps running.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from simpy.events import Event, Timeout

from sim.engine.decisions import DecisionPoint, Option
from sim.engine.rules import TouchpointRule
from sim.engine.state import Deal, World

#: Makes a DecisionPoint from a tuple of its fields, in C (see DecisionPoint).
_point = tuple.__new__

#: Asks for a decision (the point, and the ids it offers) and returns the event its answer will trigger.
Decide = Callable[[DecisionPoint, tuple[str, ...]], Event]


class Seller:
    """Serves the accounts' asks one at a time, through decisions taken by ``decide``."""

    def __init__(self, world: World, decide: Decide, focus_menus: dict[tuple, tuple[Option, ...]]) -> None:
        self.world = world
        self.decide = decide
        #: account id -> (deal, touchpoint, menu offered, event fired when the action is done)
        self.asks: dict[str, tuple[Deal, TouchpointRule, tuple, Event]] = {}
        self.decisions = 0
        self._menus = focus_menus  # focus options by (waiting ids, advised id), shared by the scenario's runs

    def ask(self, deal: Deal, tp: TouchpointRule, offer: tuple) -> Event:
        """An account wants the seller at touchpoint ``tp`` with the menu ``offer``
        (:meth:`TouchpointRule.offer`); the event fires with the action once it is done."""
        done = Event(self.world.env)
        self.asks[deal.id] = (deal, tp, offer, done)
        self.world.poke()
        return done

    def run(self) -> Generator[Event, Any, None]:
        world = self.world
        env = world.env
        deals = world.deals
        asks = self.asks
        append = world.trace.append
        single = deals[0] if len(deals) == 1 else None
        decide = self.decide  # a callable attribute is called faster from a local
        while True:
            if single is not None:  # one account, the common case, kept cheap
                if single.finished:
                    break
                ask = asks.pop(single.id, None)
            else:
                ready = []
                working = False  # some account's journey is not over
                for d in deals:
                    if not d.finished:
                        working = True
                        a = asks.get(d.id)
                        if a is not None:
                            ready.append(a)
                if not ready:
                    if not working:
                        break
                    ask = None
                elif len(ready) == 1:
                    ask = ready[0]
                else:  # several accounts wait: the trainee picks which to work on
                    now = env._now
                    ids, pick = self._focus(ready, now)
                    chosen = yield pick
                    append((now, chosen, ids, "focus"))
                    ask = asks[chosen]
                if ask is not None:
                    del asks[ask[0].id]
            if ask is None:  # wait for an account to ask (or finish): World.poke wakes us
                world.idle = idle = Event(env)
                yield idle
                continue
            deal, tp, (options, offered, recommended), done = ask
            self.decisions += 1
            now = env._now
            choice = yield decide(_point(DecisionPoint, (
                "action", tp.key, deal.id, tp.id, tp.stage, now, self.decisions, options)), offered)
            action = tp.by_id[choice]
            append((now, deal.id, tp.id, tp.stage, action.id, offered, recommended, action.days, "decision"))
            people = deal.people
            for pid in tp.with_:  # the seller met them: their drift clocks restart
                people[pid].last_contact = now
            deal.apply(action.ops, action.id)
            if action.days > 0.0:
                yield Timeout(env, action.days)
            # Waiting on ``done`` too runs the account's own callback first: it asks again (or
            # finishes) before the seller looks for work, so it is among the next focus options.
            yield done.succeed(action)
        append((env._now, "end"))

    def _focus(self, ready: list[tuple], now: float) -> tuple[tuple[str, ...], Event]:
        """Ask which waiting account to work on; returns their ids and the event the answer
        triggers. (The author's advice, for bots and the debrief: the one closest to its deadline.)"""
        soonest, left = None, 0.0
        waiting = []
        for a in ready:
            d = a[0]
            waiting.append(d.id)
            if soonest is None or d.deadline - now < left:
                soonest, left = d.id, d.deadline - now
        ids = tuple(waiting)
        options = self._menus.get((ids, soonest))
        if options is None:
            options = self._menus[(ids, soonest)] = tuple([Option(i, 0.0, i == soonest) for i in ids])
        self.decisions += 1
        decide = self.decide
        return ids, decide(_point(DecisionPoint, ("focus", "focus", "", "", "", now, self.decisions, options)), ids)
