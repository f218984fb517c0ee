"""The buyer side: SimPy processes that run on the buyer's own clock.

Each account has two processes (three after a won close with events):

* :func:`journey`: the buying-decision process. The buyer moves through the roadmap stages; at each
  touchpoint it asks the seller for time (:meth:`sim.engine.seller.Seller.ask`) and waits for the
  action. A stage is left when its gate holds; if the gate still fails once the touchpoints (and
  their allowed repeats) are used up, the deal is lost for the stage's ``fail_reason``. Passing
  the gate of the last stage before after-sales is the close: a stakeholder with a veto and too
  little trust blocks it; otherwise the deal is won and after-sales begins.
* :func:`buyer_clock`: the buyer does not wait for the seller. The author's events (a competitor
  demo, a budget freeze) happen on their day; every week, trust drifts for people the seller has
  not met lately (after the sale, satisfaction too) and the competitor grows stronger until it
  wins; at the deadline, an open deal is lost (the buyer's patience ran out: no decision).
* :func:`after_close`: the author's events counted from the close.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import Timeout

from sim.engine.rules import MOVE_ON, AgendaBlock, EventRule, StageRule, TouchpointRule
from sim.engine.state import CONTACT_MEMORY_DAYS, Deal

if TYPE_CHECKING:
    from sim.engine.seller import Seller

__all__ = ["WEEK", "after_close", "buyer_clock", "journey"]

#: The buyer's weekly rhythm: drift and the competitor's growth.
WEEK = 7.0
Proc = Generator[simpy.Event, Any, Any]


def journey(deal: Deal, seller: Seller) -> Proc:
    """The account's buying-decision process through the roadmap stages."""
    stages = deal.rules.stages
    presale = [s for s in stages if s.key != "after_sales"]
    for stage in presale:
        deal.enter(stage.key)
        passed = yield from _stage(deal, stage, seller, presale=True)
        if not deal.open:
            break
        if not passed:
            deal.lose(stage.fail_reason)
            break
    else:
        yield from _close(deal, seller)
    deal.finish()


def _close(deal: Deal, seller: Seller) -> Proc:
    """The close. A stakeholder with a veto and too little trust blocks it (``veto``); a buyer who
    feels the price, less what the agreed terms are worth to them, is above its walk-away takes its
    alternative (``price``). Otherwise the deal is won and after-sales follows."""
    terms = deal.rules.deal
    if any(p.vetoes for p in deal.people.values()):
        deal.lose("veto")
        return
    if terms is not None and deal.felt_price() > deal.walk_away:
        deal.lose("price")
        return
    deal.win()
    env = deal.world.env
    if deal.rules.events_close:
        deal.world.start(after_close(deal, deal.rules.events_close))
    for stage in deal.rules.stages:
        if stage.key == "after_sales":
            deal.enter(stage.key)
            yield from _stage(deal, stage, seller, presale=False)
            rest = (deal.closed_day or 0.0) + stage.lasts_days - env.now
            if rest > 0:  # the follow-up period goes on after the touchpoints
                yield Timeout(env, rest)


def _stage(deal: Deal, stage: StageRule, seller: Seller, presale: bool) -> Generator[simpy.Event, Any, bool]:
    """Go through the stage's steps; return whether its gate was passed.

    Each step in order: a touchpoint is visited if it may be now (its ``when`` holds; a once-only
    one has not happened yet), an agenda block is put in order by the trainee (:func:`_agenda`).
    Then, while the gate fails, the first touchpoint that may come back (``repeat``) and offers
    something is visited again, until none may. The visits go on while the deal is open (after
    the sale: while it is won).
    """
    active = "open" if presale else "won"
    for step in stage.steps:
        if deal.status != active:
            return False
        if isinstance(step, AgendaBlock):
            yield from _agenda(deal, step, seller, active)
        elif step.may_visit(deal):
            yield from _visit(deal, step, seller)
    while deal.status == active:
        if not presale or stage.gate is None or stage.gate(deal):
            return True
        again = _next_repeat(deal, stage)
        if again is None:
            return False
        yield from _visit(deal, again, seller)
    return False


def _visit(deal: Deal, tp: TouchpointRule, seller: Seller) -> Proc:
    """The buyer meets the seller at a touchpoint: it asks for the seller's time with what it
    offers (one offering nothing is skipped: ``touchpoint check`` reports it), and waits for the
    action, then for its own ``wait_days``. The visit counts in ``visits()`` from the start: in
    the conditions of what it offers, its texts and its effects alike."""
    deal.visits[tp.id] = deal.visits.get(tp.id, 0) + 1
    menu = tp.offer(deal)
    if menu is None:  # nothing to offer: the visit does not happen
        deal.visits[tp.id] -= 1
        return
    action = yield seller.ask(deal, tp, menu)
    if action.wait_days:
        yield Timeout(deal.world.env, action.wait_days)


def _agenda(deal: Deal, block: AgendaBlock, seller: Seller, active: str) -> Proc:
    """The trainee chooses which of the block's touchpoints to do next, one at a time, or moves on;
    each is done at most once here. It ends when nothing is left that may be visited and offers
    something, or the trainee moves on."""
    done: set[str] = set()
    while deal.status == active:
        offers = [(tp, tp.offer(deal)) for tp in block.touchpoints if tp.id not in done and tp.may_visit(deal)]
        left = tuple(tp for tp, menu in offers if menu is not None)
        if not left:
            return
        chosen = yield seller.plan(deal, block, left, tuple(menu for _, menu in offers if menu is not None))
        if chosen == MOVE_ON:
            return
        tp = next(t for t in left if t.id == chosen)
        done.add(tp.id)
        yield from _visit(deal, tp, seller)


def _next_repeat(deal: Deal, stage: StageRule) -> TouchpointRule | None:
    """The first touchpoint of the stage that may come back (``repeat``: visited at most ``repeat``
    times more) and offers something now."""
    for tp in stage.touchpoints:
        if (tp.repeat and deal.visits.get(tp.id, 0) <= tp.repeat and tp.may_visit(deal)
                and tp.offer(deal) is not None):
            return tp
    return None


def buyer_clock(deal: Deal) -> Proc:
    """The buyer's own clock: the author's events, the deadline, and the weeks.

    It sleeps until whichever comes first: the next event, the deadline (both only while the deal
    is open) and the end of the week. On one day, events come first, then the deadline, then the
    week. The deadline can move (``patience`` effects), so each wait is worked out afresh.
    """
    env = deal.world.env
    events = list(deal.rules.events_start)  # still to come, by day
    week = WEEK  # the end of the current week
    while True:
        now, wake = env.now, week
        if deal.open:
            wake = min(wake, deal.deadline, events[0].day if events else wake)
        if wake > now:
            yield Timeout(env, wake - now)
            now = env.now
        if deal.finished:
            return
        if deal.open:
            while events and events[0].day <= now and deal.open:
                _happen(deal, events.pop(0))
            if deal.open and now >= deal.deadline:
                deal.lose("patience")
            if deal.finished:
                return
        if now < week:
            continue
        week += WEEK
        _drift(deal, now)
        if deal.open:
            _competitor_grows(deal, now)


def _drift(deal: Deal, now: float) -> None:
    """A week passed: a present stakeholder the seller has not met for CONTACT_MEMORY_DAYS loses
    ``drift`` trust (after the sale, satisfaction too)."""
    stale = now - CONTACT_MEMORY_DAYS  # last met on or before this day: drifts
    won = deal.status == "won"
    for p in deal.people.values():
        if p.drift and p.present and p.last_contact <= stale:
            deal.change(p.numbers, p.id, "trust", p.drift, "drift", now)
            if won:
                deal.change(p.numbers, p.id, "satisfaction", p.drift, "drift", now)


def _competitor_grows(deal: Deal, now: float) -> None:
    """A week passed with the deal open: the competitor grows; at ``wins_at`` the buyer signs with it."""
    comp = deal.rules.competitor
    if comp is None:
        return
    strength = deal.change(deal.numbers, "", "competitor", comp.growth.draw(deal.world.dice), "competitor", now)
    if strength >= comp.wins_at:
        deal.lose("competitor")


def after_close(deal: Deal, events: tuple[EventRule, ...]) -> Proc:
    """The author's ``after: close`` events, each at its day after the close, while the deal is won."""
    env = deal.world.env
    t0 = env.now
    for ev in events:
        wait = t0 + ev.day - env.now
        if wait > 0:
            yield Timeout(env, wait)
        if deal.status != "won" or deal.finished:
            return
        _happen(deal, ev)


def _happen(deal: Deal, ev: EventRule) -> None:
    """One of the author's events, if its chance and condition allow."""
    if ev.chance < 1.0 and deal.world.dice.uniform(ev.source) >= ev.chance:
        return
    if ev.when is not None and not ev.when(deal):
        return
    deal.world.trace.scripted(deal.now, deal.id, ev.id)
    deal.apply(ev.ops, ev.id)
