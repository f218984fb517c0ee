"""What the trainee can observe: the buyer's signals, not the hidden numbers.

A real seller reads moods and trust from how people behave; the simulation does the same by
binning hidden values into a few named levels. The exact numbers are revealed in the debrief.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.state import Deal, World
from sim.engine.trace import Scripted

__all__ = [
    "COMPETITION",
    "MOODS",
    "MOOD_CUTS",
    "TRUST",
    "TRUST_CUTS",
    "AccountView",
    "PersonView",
    "View",
    "influence_level",
    "level",
    "observe",
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
    id: str
    role: str
    influence: str  # "high" | "medium" | "low"
    present: bool
    mood: int  # index into MOODS
    trust: int  # index into TRUST


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


@dataclass(frozen=True, slots=True)
class View:
    """Everything the trainee may see at a moment of the run."""

    day: float
    accounts: tuple[AccountView, ...]
    feed: tuple[Scripted, ...]  # scripted events so far, oldest first


def _account(deal: Deal, now: float) -> AccountView:
    spec = deal.rules.spec
    total = sum(p.influence for p in deal.people.values() if p.present)
    people = tuple(
        PersonView(
            id=p.id,
            role=p.role,
            influence=influence_level(p.influence, total),
            present=p.present,
            mood=level(p.numbers["satisfaction"], MOOD_CUTS),
            trust=level(p.numbers["trust"], TRUST_CUTS),
        )
        for p in deal.people.values()
    )
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
    )


def observe(deals: list[Deal], world: World) -> View:
    """The trainee's view of the deals now."""
    now = float(world.env.now)
    return View(
        day=now,
        accounts=tuple(_account(d, now) for d in deals),
        feed=tuple(e for e in world.trace if isinstance(e, Scripted)),
    )
