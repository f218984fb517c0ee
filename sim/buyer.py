"""The buyer side: SimPy processes that run on the buyer's own clock.

Each account has three processes:

* :func:`journey`: the buying-decision process. The buyer moves through the roadmap stages; at each
  touchpoint it asks the seller for time (:meth:`sim.seller.Seller.ask`) and waits for the action.
  A stage is left when its gate holds; if the gate still fails once the touchpoints (and their
  allowed repeats) are used up, the deal is lost for the stage's ``fail_reason``. Passing the gate
  of the last stage before after-sales is the close: a stakeholder with a veto and too little
  trust blocks it, otherwise the deal is won and after-sales begins.
* :func:`buyer_clock`: every week, trust drifts for people the seller has not met lately (and,
  after the sale, satisfaction too), and the competitor grows stronger until it wins; at the
  deadline, an open deal is lost (the buyer's patience ran out).
* :func:`scripted`: the author's events (a competitor demo, a budget freeze) at their day.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim import trace as tr
from sim.rules import EventRule, StageRule, TouchpointRule, draw
from sim.state import CONTACT_MEMORY_DAYS, Deal

if TYPE_CHECKING:
    from sim.seller import Seller

WEEK = 7.0
Proc = Generator[Any, Any, Any]


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
        vetoes = [p for p in deal.people.values() if p.present and p.veto and p.trust < p.veto_below]
        if vetoes:
            deal.lose("veto")
        else:
            deal.win()
            if deal.rules.events_close:
                deal.world.env.process(scripted(deal, deal.rules.events_close, after="close"))
            for stage in stages:
                if stage.key == "after_sales":
                    deal.enter(stage.key)
                    yield from _stage(deal, stage, seller, presale=False)
                    rest = (deal.closed_day or 0.0) + stage.lasts_days - deal.world.env.now
                    if rest > 0:  # the follow-up period goes on after the touchpoints
                        yield deal.world.env.timeout(rest)
    deal.finish()


def _active(deal: Deal, presale: bool) -> bool:
    return deal.open if presale else deal.status == "won"


def _stage(deal: Deal, stage: StageRule, seller: Seller, presale: bool) -> Generator[Any, Any, bool]:
    visits: dict[str, int] = {}
    for tp in stage.touchpoints:
        if not _active(deal, presale):
            return False
        if tp.when is None or tp.when(deal):
            yield from _visit(deal, tp, seller, visits)
    while _active(deal, presale):
        if not presale or stage.gate is None or stage.gate(deal):
            return True
        again = [
            tp for tp in stage.touchpoints
            if visits.get(tp.id, 0) <= tp.repeat and tp.repeat and (tp.when is None or tp.when(deal))
            and _offered(deal, tp)
        ]
        if not again:
            return False
        yield from _visit(deal, again[0], seller, visits)
    return False


def _offered(deal: Deal, tp: TouchpointRule) -> tuple:
    if not tp.conditional:
        return tp.actions
    return tuple(a for a in tp.actions if a.when is None or a.when(deal))


def _visit(deal: Deal, tp: TouchpointRule, seller: Seller, visits: dict[str, int]) -> Proc:
    visits[tp.id] = visits.get(tp.id, 0) + 1
    options = _offered(deal, tp)
    if options:  # a touchpoint offering nothing is skipped (``touchpoint check`` reports it)
        action = yield seller.ask(deal, tp, options)
        if action.wait_days:
            yield deal.world.env.timeout(action.wait_days)


def buyer_clock(deal: Deal) -> Proc:
    """The buyer's own clock. Weekly, trust drifts without contact and the competitor grows; and at
    the deadline an open deal is lost (the buyer's patience ran out: no decision). The deadline can
    move (``patience`` effects), so each wait is to whichever comes first."""
    world = deal.world
    env, rng = world.env, world.rng
    comp = deal.rules.competitor
    tick = WEEK
    while True:
        wait = tick - env.now
        if deal.open and deal.deadline - env.now < wait:
            wait = deal.deadline - env.now
        if wait > 0:
            yield env.timeout(wait)
        if deal.finished:
            return
        now = env.now
        if deal.open and now >= deal.deadline:
            deal.lose("patience")
            return
        if now < tick:
            continue
        tick += WEEK
        won = deal.status == "won"
        for p in deal.people.values():
            if p.present and p.drift and now - p.last_contact >= CONTACT_MEMORY_DAYS:
                deal.change_person(p, "trust", p.drift, "drift")
                if won:
                    deal.change_person(p, "satisfaction", p.drift, "drift")
        if comp is not None and deal.open:
            deal.change("competitor", draw(comp[1], rng), "competitor")
            if deal.competitor >= comp[2]:
                deal.lose("competitor")


def scripted(deal: Deal, events: tuple[EventRule, ...], after: str = "start") -> Proc:
    """The author's events, each at its day after the start (while open) or the close (after sale)."""
    world = deal.world
    env, rng = world.env, world.rng
    t0 = env.now
    for ev in events:
        wait = t0 + ev.day - env.now
        if wait > 0:
            yield env.timeout(wait)
        if not _active(deal, after == "start") or deal.finished:
            return
        if ev.chance < 1.0 and rng.random() >= ev.chance:
            continue
        if ev.when is not None and not ev.when(deal):
            continue
        world.trace.append(tr.Scripted(env.now, deal.id, ev.id))
        deal.apply(ev.effects, ev.id)
