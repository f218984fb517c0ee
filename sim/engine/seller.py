"""The seller: the trainee, whose days are the one resource every account competes for.

Accounts ask for the seller's time at each touchpoint (:meth:`Seller.ask`), or for a plan at an
agenda (:meth:`Seller.plan`: which touchpoint next). The seller process serves one ask at a time:
when several accounts are waiting (a pipeline) the trainee first chooses which account to work on
(a *focus* decision), then the action or the next touchpoint. An action's effects apply at once
and the seller is busy for its ``days``, while every buyer's clock keeps running; choosing what to
do next takes no time.

A decision is an event the seller's process waits on: :attr:`Seller.pending` holds it until the
trainee answers (:meth:`sim.engine.session.Session.choose` triggers it), and sim time stands still
meanwhile. Options are shown in an order drawn from the decision's own stream of the run's dice
(unless the author fixes it), so that the order never gives the answer away; the trace records it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy
from simpy.events import Event, Timeout

from sim.engine.decisions import DecisionPoint, Option
from sim.engine.rules import MOVE_ON, ActionRule, AgendaBlock, Menu, TouchpointRule
from sim.engine.state import Deal, World

__all__ = ["Ask", "Pending", "Seller"]


@dataclass(slots=True)
class Ask:
    """An account waiting for the seller: at a touchpoint with what it offers, or (``block``) at an
    agenda with the touchpoints left on it. ``done`` fires with the action once the seller has
    done it, or with the chosen touchpoint's id."""

    deal: Deal
    done: simpy.Event
    touchpoint: TouchpointRule | None = None
    menu: Menu | None = None
    block: AgendaBlock | None = None
    left: tuple[TouchpointRule, ...] = ()
    menus: tuple[Menu, ...] = ()  # what each touchpoint left offers
    mark: tuple[float, int] = (0.0, 0)  # the time and the trace's length when it asked


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

    def ask(self, deal: Deal, tp: TouchpointRule, menu: Menu) -> simpy.Event:
        """An account wants the seller at touchpoint ``tp``; the event fires with the action once it
        is done."""
        world = self.world
        return self._wait(Ask(deal, Event(world.env), touchpoint=tp, menu=menu,
                              mark=(world.env.now, len(world.trace))))

    def plan(self, deal: Deal, block: AgendaBlock, left: tuple[TouchpointRule, ...],
             menus: tuple[Menu, ...]) -> simpy.Event:
        """An account is at an agenda with the touchpoints ``left`` on it (and what each offers);
        the event fires with the touchpoint the trainee chose next, or
        :data:`~sim.engine.rules.MOVE_ON`."""
        return self._wait(Ask(deal, Event(self.world.env), block=block, left=left, menus=menus))

    def _wait(self, ask: Ask) -> simpy.Event:
        self.asks[ask.deal.id] = ask
        self.world.poke()
        return ask.done

    def _decide(self, kind: str, key: str, deal: Deal | None, touchpoint: str, stage: str,
                options: tuple[Option, ...], situation: int = 0) -> simpy.Event:
        """Ask the trainee; the event fires with the chosen id. The run pauses until then."""
        self.decisions += 1
        world = self.world
        point = DecisionPoint(kind, key, deal.id if deal is not None else "", touchpoint, stage,
                              world.env.now, self.decisions, options, situation)
        answer = Event(world.env)
        self.pending = Pending(point, tuple([o.id for o in options]), answer)
        world.paused = True
        return answer

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
                options = self._shown(self._focus_options(ready))
                chosen = yield self._decide("focus", "focus", None, "", "", options)
                world.trace.focus(world.env.now, chosen, tuple(o.id for o in options))
                ask = self.asks[chosen]
            del self.asks[ask.deal.id]
            if ask.block is not None:
                chosen = yield from self._agenda(ask)
                yield ask.done.succeed(chosen)
                continue
            action = yield from self._act(ask)
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

    def _shown(self, options: tuple[Option, ...], shuffle: bool = True) -> tuple[Option, ...]:
        """The options in the order the next decision shows them."""
        return self.world.dice.shuffled(options, self.decisions + 1) if shuffle and len(options) > 1 else options

    def _focus_options(self, ready: list[Ask]) -> tuple[Option, ...]:
        """Which waiting account to work on. (The author's advice, for bots and the debrief: the one
        closest to its deadline, the first on a tie.)"""
        soonest = min(ready, key=lambda a: a.deal.deadline).deal.id
        return tuple(Option(a.deal.id, 0.0, a.deal.id == soonest) for a in ready)

    def _agenda(self, ask: Ask) -> Generator[simpy.Event, Any, str]:
        """The trainee chooses which touchpoint of the agenda to do next, or to move on. (The
        author's advice: the first recommended one left, in the order written; moving on once
        none is left.)"""
        deal, block, left = ask.deal, ask.block, ask.left
        assert block is not None
        advised = next((tp.id for tp in left if tp.recommended), MOVE_ON)
        options = tuple(_meeting(tp, menu, tp.id == advised) for tp, menu in zip(left, ask.menus, strict=True))
        shown = self._shown((*options, Option(MOVE_ON, 0.0, advised == MOVE_ON, then=_after(deal, block))))
        chosen = yield self._decide("agenda", block.key, deal, "", block.touchpoints[0].stage, shown)
        self.world.trace.agenda(self.world.env.now, deal.id, block.key, chosen, tuple(o.id for o in shown),
                                (advised,))
        return str(chosen)

    def _act(self, ask: Ask) -> Generator[simpy.Event, Any, ActionRule]:
        """The trainee chooses an action at the touchpoint: the decision is recorded, the seller
        meets the people present, the action's effects apply at once, the buyer's reaction and
        the coach's feedback are chosen for what happened, and the seller is busy for its days."""
        deal, tp = ask.deal, ask.touchpoint
        assert tp is not None and ask.menu is not None
        world = self.world
        # what is offered as things stand when the trainee decides: in a pipeline, time may have
        # passed and events happened since the account asked (then the menu is judged again; the
        # one it asked with stands if nothing would be offered now)
        menu = ask.menu if ask.mark == (world.env.now, len(world.trace)) else tp.offer(deal) or ask.menu
        situation = tp.situation.pick(deal)
        shown = self._shown(menu.options, tp.shuffle)
        answer = self._decide("action", tp.key, deal, tp.id, tp.stage, shown, situation)
        offered = self.pending.offered if self.pending is not None else ()
        choice = yield answer
        now = world.env.now
        action = tp.by_id[choice]
        world.trace.decision(now, deal.id, tp.id, tp.stage, action.id, offered, menu.recommended, action.days,
                             situation)
        deal.chosen.add(action.id)
        if action.once:
            deal.used.add(f"{tp.id}/{action.id}")
        for pid in tp.with_:  # the seller met them: their drift clocks restart
            deal.people[pid].last_contact = now
        deal.apply(action.ops, action.id)
        world.trace.response(now, deal.id, tp.id, action.id, action.reaction.pick(deal), action.feedback.pick(deal))
        if action.days > 0.0:  # the seller is busy
            yield Timeout(world.env, action.days)
        return action


def _meeting(tp: TouchpointRule, menu: Menu, advised: bool) -> Option:
    """An agenda's option to do touchpoint ``tp`` next: the fewest and the most days of the actions
    it offers now (``menu``)."""
    days = [o.days for o in menu.options]
    return Option(tp.id, min(days), advised, days_max=max(days))


def _after(deal: Deal, block: AgendaBlock) -> str:
    """The touchpoint that comes after an agenda in its stage, if the trainee moves on now: the
    first later step that may be visited and offers something ("" when there is none, and the
    stage's gate comes next)."""
    for tp in block.after:
        if tp.may_visit(deal) and tp.offer(deal) is not None:
            return tp.id
    return ""
