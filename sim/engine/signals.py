"""What the trainee can observe: the buyer's signals, not the hidden numbers.

A real seller reads moods and trust from how people behave; the simulation does the same by
binning hidden values into a few named levels. The exact numbers are revealed in the debrief.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.engine.state import Deal, Person, World
from sim.engine.trace import Decision, Effect, Scripted, TraceEvent
from sim.lang.schema import ACCOUNT_NUMBERS, PERSON_NUMBERS

__all__ = [
    "COMPETITION",
    "MOODS",
    "MOOD_CUTS",
    "TRUST",
    "TRUST_CUTS",
    "AccountView",
    "DealView",
    "Move",
    "PersonView",
    "View",
    "influence_level",
    "level",
    "moves",
    "observe",
    "surfaced",
]

MOODS: tuple[str, ...] = ("unhappy", "skeptical", "neutral", "positive", "enthusiastic")
MOOD_CUTS: tuple[float, ...] = (25, 45, 60, 75)
TRUST: tuple[str, ...] = ("guarded", "cautious", "open", "trusting", "advocate")
TRUST_CUTS: tuple[float, ...] = (25, 45, 65, 80)
COMPETITION: tuple[str, ...] = ("quiet", "active", "strong")


def level(value: float, cuts: tuple[float, ...]) -> int:
    """Index of the band ``value`` falls in."""
    i = 0
    for cut in cuts:
        if value >= cut:
            i += 1
    return i


def influence_level(weight: float, total: float) -> str:
    share = weight / total if total else 0
    return "high" if share >= 0.3 else "medium" if share >= 0.15 else "low"


@dataclass(frozen=True, slots=True)
class PersonView:
    """A stakeholder as the seller sees them. Until the seller discovers them (``known``), their
    role, influence and veto power are unknown (None); how they behave (mood, trust) shows anyway."""

    id: str
    known: bool
    role: str | None
    influence: str | None  # "high" | "medium" | "low"
    veto: bool | None
    present: bool
    mood: int  # index into MOODS
    trust: int  # index into TRUST


@dataclass(frozen=True, slots=True)
class DealView:
    """The price and terms on the table, as the seller knows them (the buyer's walk-away is hidden)."""

    list_price: float
    floor: float
    price: float
    terms: tuple[str, ...]  # agreed, in declaration order
    margin: float  # the seller's margin at this price and terms
    currency: str = "CNY"  # ISO 4217 code


@dataclass(frozen=True, slots=True)
class AccountView:
    id: str
    stage: str
    status: str  # "open" | "won" | "lost"
    reason: str
    finished: bool
    days_left: float
    milestones: tuple[str, ...]  # visible flags reached, in declaration order
    competition: int | None  # index into COMPETITION, None without a competitor
    people: tuple[PersonView, ...]
    facts: tuple[str, ...]  # facts the seller knows, in declaration order
    deal: DealView | None


@dataclass(frozen=True, slots=True)
class View:
    """Everything the trainee may see at a moment of the run."""

    day: float
    accounts: tuple[AccountView, ...]
    feed: tuple[Scripted, ...]  # scripted events so far, oldest first


def _person(p: Person, known: bool, total: float) -> PersonView:
    return PersonView(
        id=p.id,
        known=known,
        role=p.role if known else None,
        influence=influence_level(p.influence, total) if known else None,
        veto=p.veto if known else None,
        present=p.present,
        mood=level(p.numbers["satisfaction"], MOOD_CUTS),
        trust=level(p.numbers["trust"], TRUST_CUTS),
    )


def _deal(deal: Deal) -> DealView | None:
    rules = deal.rules.deal
    if rules is None:
        return None
    spec = deal.rules.spec.deal
    terms = tuple(t.id for t in spec.terms if t.id in deal.terms) if spec else ()
    return DealView(rules.list_price, rules.floor, deal.price, terms, deal.margin(), spec.currency if spec else "CNY")


def _account(deal: Deal, now: float) -> AccountView:
    spec = deal.rules.spec
    total = sum(p.influence for p in deal.people.values() if p.present)
    people = tuple(_person(p, p.id in deal.known, total) for p in deal.people.values())
    comp = deal.rules.competitor
    competition = None
    if comp is not None:
        competition = level(deal.numbers["competitor"] / comp.wins_at * 100, (40, 70))
    return AccountView(
        id=deal.id,
        stage=deal.stage,
        status=deal.status,
        reason=deal.reason,
        finished=deal.finished,
        days_left=max(0.0, deal.deadline - now),
        milestones=tuple(f.id for f in spec.flags if f.visible and f.id in deal.flags),
        competition=competition,
        people=people,
        facts=tuple(f.id for f in spec.facts if f.id in deal.known),
        deal=_deal(deal),
    )


@dataclass(frozen=True, slots=True)
class Move:
    """A hidden number a choice moved by at least the scenario's ``signal_threshold``: what the
    feedback calls out (a stakeholder's trust or satisfaction, or the account's own number)."""

    account: str
    target: str  # stakeholder id, or "" for the account's number
    var: str
    delta: float


_HIDDEN = frozenset((*PERSON_NUMBERS, *ACCOUNT_NUMBERS))


def moves(events: Iterable[TraceEvent], cause: str, threshold: float) -> tuple[Move, ...]:
    """The moves among ``events`` (those that followed a decision) that ``cause`` made to a hidden
    number (a stakeholder's trust or satisfaction, the account's own numbers), each number once
    with its total change, unless the author marked the change as delayed."""
    total: dict[tuple[str, str, str], float] = {}
    for e in events:
        if isinstance(e, Effect) and e.cause == cause and not e.delayed and e.var in _HIDDEN:
            key = (e.account, e.target, e.var)
            total[key] = total.get(key, 0.0) + e.delta
    return tuple(Move(a, t, v, d) for (a, t, v), d in total.items() if abs(d) >= threshold)


def observe(deals: list[Deal], world: World) -> View:
    """The trainee's view of the deals now."""
    now = float(world.env.now)
    return View(
        day=now,
        accounts=tuple(_account(d, now) for d in deals),
        feed=tuple(e for e in world.trace if isinstance(e, Scripted)),
    )


def surfaced(events: Sequence[TraceEvent], at: int, threshold: float) -> tuple[Move, ...]:
    """The delayed moves that come to light at the action decision ``events[at]``: the changes of
    hidden numbers the author marked as delayed, made in that decision's account since its
    previous action decision (a delayed change is felt the next time the seller deals with the
    account), each number once with its total change."""
    decision = events[at]
    if not isinstance(decision, Decision):
        raise ValueError(f"events[{at}] is not an action decision")
    start = 0
    for i in range(at - 1, -1, -1):
        e = events[i]
        if isinstance(e, Decision) and e.account == decision.account:
            start = i
            break
    total: dict[tuple[str, str, str], float] = {}
    for e in events[start:at]:
        if isinstance(e, Effect) and e.delayed and e.account == decision.account and e.var in _HIDDEN:
            key = (e.account, e.target, e.var)
            total[key] = total.get(key, 0.0) + e.delta
    return tuple(Move(a, t, v, d) for (a, t, v), d in total.items() if abs(d) >= threshold)
