"""The buyer side: SimPy processes that run on the buyer's own clock.

Each account has two processes (three after a won close with events):

* :func:`journey`: the buying-decision process. The buyer moves through the roadmap stages; at each
  touchpoint it asks the seller for time (:meth:`sim.seller.Seller.ask`) and waits for the action.
  A stage is left when its gate holds; if the gate still fails once the touchpoints (and their
  allowed repeats) are used up, the deal is lost for the stage's ``fail_reason``. Passing the gate
  of the last stage before after-sales is the close: a stakeholder with a veto and too little
  trust blocks it, otherwise the deal is won and after-sales begins.
* :func:`buyer_clock`: the author's events (a competitor demo, a budget freeze) at their day;
  every week, trust drifts for people the seller has not met lately (and, after the sale,
  satisfaction too), and the competitor grows stronger until it wins; at the deadline, an open
  deal is lost (the buyer's patience ran out).
* :func:`after_close`: the author's events after the close.
"""

from __future__ import annotations

from collections.abc import Generator
from math import sqrt
from typing import TYPE_CHECKING, Any

from simpy.events import Process, Timeout

from sim.engine.rules import EventRule, StageRule, draw
from sim.engine.state import CONTACT_MEMORY_DAYS, Deal

if TYPE_CHECKING:
    from sim.engine.seller import Seller

WEEK = 7.0
INF = float("inf")
Proc = Generator[Any, Any, Any]


def journey(deal: Deal, seller: Seller) -> Proc:
    """The account's buying-decision process through the roadmap stages."""
    stages = deal.rules.stages
    presale = [s for s in stages if s.key != "after_sales"]
    for stage in presale:
        deal.enter(stage.key)
        passed = yield from _stage(deal, stage, seller, presale=True)
        if deal.status != "open":
            break
        if not passed:
            deal.lose(stage.fail_reason)
            break
    else:
        vetoes = [p for p in deal.people.values() if p.present and p.veto and p.trust < p.veto_below]
        if vetoes:
            deal.lose("veto")
        else:
            deal.win()
            if deal.rules.events_close:
                Process(deal.world.env, after_close(deal, deal.rules.events_close))
            for stage in stages:
                if stage.key == "after_sales":
                    deal.enter(stage.key)
                    yield from _stage(deal, stage, seller, presale=False)
                    rest = (deal.closed_day or 0.0) + stage.lasts_days - deal.world.env._now
                    if rest > 0:  # the follow-up period goes on after the touchpoints
                        yield Timeout(deal.world.env, rest)
    deal.finish()


def _stage(deal: Deal, stage: StageRule, seller: Seller, presale: bool) -> Generator[Any, Any, bool]:
    """Visit the stage's touchpoints in order, then repeat allowed ones until the gate holds.

    A visit asks the seller for time with what the touchpoint offers now, and waits for the action
    (and the buyer's own ``wait_days`` after it). A touchpoint offering nothing is skipped
    (``touchpoint check`` reports it). The visits go on while the deal is open (after the sale:
    while it is won). Written out in one generator: each resume of a nested ``yield from`` costs
    a frame per level, and every decision resumes this one.
    """
    visits: dict[str, int] = {}
    env = deal.world.env
    active = "open" if presale else "won"
    for tp in stage.touchpoints:
        if deal.status != active:
            return False
        when = tp.when  # a callable attribute is called faster from a local
        if when is None or when(deal):
            if tp.repeat:  # visits only matter to touchpoints that may repeat
                visits[tp.id] = visits.get(tp.id, 0) + 1
            offer = tp.offer(deal) if tp.conditional else tp.menu
            if offer is not None:
                action = yield seller.ask(deal, tp, offer)
                if action.wait_days:
                    yield Timeout(env, action.wait_days)
    gate = stage.gate
    while deal.status == active:
        if not presale or gate is None or gate(deal):
            return True
        for tp in stage.touchpoints:  # the first touchpoint that may be visited again, and offers something
            when = tp.when
            if tp.repeat and visits.get(tp.id, 0) <= tp.repeat and (when is None or when(deal)):
                offer = tp.offer(deal) if tp.conditional else tp.menu
                if offer is not None:
                    break
        else:
            return False
        visits[tp.id] = visits.get(tp.id, 0) + 1
        action = yield seller.ask(deal, tp, offer)
        if action.wait_days:
            yield Timeout(env, action.wait_days)
    return False


def buyer_clock(deal: Deal) -> Proc:
    """The buyer's own clock: the author's events, the deadline, and the weeks.

    While the deal is open, the author's events (``after: start``) happen on their day, and at the
    deadline the deal is lost (the buyer's patience ran out: no decision). The deadline can move
    (``patience`` effects), so each wait is to whichever comes first. Every week, trust drifts for
    people the seller has not met lately (after the sale, satisfaction too) and, while the deal
    is open, the competitor grows until it wins. On one day, events come first, then the
    deadline, then the week. (The clamped changes are written out as in :meth:`Deal.apply`, and the
    competitor's growth is drawn inline as :func:`sim.rules.draw` draws it, for each kind of amount:
    this runs every week of every run, and each Python call it saves is worth some 350
    instructions.)
    """
    world = deal.world
    env, rng, append = world.env, world.rng, world.trace.append
    comp = deal.rules.competitor
    growth = comp[1] if comp is not None else 0.0
    growth_kind = growth[0] if growth.__class__ is tuple else ""  # type: ignore[index]
    normals, uniforms = rng.normals, rng.uniforms  # the Dice blocks, popped inline (see sim.dice.Dice)
    drifting = [p for p in deal.people.values() if p.drift]
    events = deal.rules.events_start
    next_event = 0
    next_day = events[0].day if events else INF  # the day of events[next_event] (INF: none left)
    did = deal.id
    tick = WEEK
    while True:
        now = env._now
        wake = tick
        if deal.status == "open":
            if deal.deadline < wake:
                wake = deal.deadline
            if next_day < wake:
                wake = next_day
        if wake > now:
            yield Timeout(env, wake - now)
            now = env._now
        if deal.finished:
            return
        if deal.status == "open":
            while next_day <= now:
                _happen(deal, events[next_event])
                next_event += 1
                next_day = events[next_event].day if next_event < len(events) else INF
                if deal.status != "open":
                    break
            if deal.status == "open" and now >= deal.deadline:
                deal.lose("patience")
            if deal.finished:
                return
        if now < tick:
            continue
        tick += WEEK
        won = deal.status == "won"
        stale = now - CONTACT_MEMORY_DAYS  # last met on or before this day: drifts
        for p in drifting:
            if p.last_contact <= stale and p.present:
                drift = p.drift
                before = p.trust
                after = before + drift
                p.trust = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                if after != before:
                    append((now, did, p.id, "trust", after - before, after, "drift", "effect"))
                if won:
                    before = p.satisfaction
                    after = before + drift
                    p.satisfaction = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
                    if after != before:
                        append((now, did, p.id, "satisfaction", after - before, after, "drift", "effect"))
        if comp is not None and deal.status == "open":
            before = deal.competitor
            if growth_kind == "t":  # rules.draw of a triangular amount, inlined
                u = uniforms.pop() if uniforms else rng.random()
                after = before + (growth[1] + sqrt(u * growth[5]) if u <= growth[4]  # type: ignore[index]
                                  else growth[3] - sqrt((1.0 - u) * growth[6]))  # type: ignore[index]
            elif growth_kind == "u":
                after = before + (growth[1] + growth[3] * (uniforms.pop() if uniforms else rng.random()))  # type: ignore[index]
            elif growth_kind == "n":
                after = before + (growth[1] + growth[2] * (normals.pop() if normals else rng.standard_normal()))
            else:
                after = before + draw(growth, rng)
            deal.competitor = after = 0.0 if after < 0.0 else 100.0 if after > 100.0 else after
            if after != before:
                append((now, did, "", "competitor", after - before, after, "competitor", "effect"))
            if after >= comp[2]:
                deal.lose("competitor")


def after_close(deal: Deal, events: tuple[EventRule, ...]) -> Proc:
    """The author's ``after: close`` events, each at its day after the close, while the deal is won."""
    env = deal.world.env
    t0 = env._now
    for ev in events:
        wait = t0 + ev.day - env._now
        if wait > 0:
            yield Timeout(env, wait)
        if deal.status != "won" or deal.finished:
            return
        _happen(deal, ev)


def _happen(deal: Deal, ev: EventRule) -> None:
    """One of the author's events, if its chance and condition allow."""
    world = deal.world
    if ev.chance < 1.0:
        uniforms = world.rng.uniforms  # the Dice block, popped inline
        if (uniforms.pop() if uniforms else world.rng.random()) >= ev.chance:
            return
    when = ev.when
    if when is not None and not when(deal):
        return
    world.trace.append((world.env._now, deal.id, ev.id, "event"))
    deal.apply(ev.ops, ev.id)
