"""One run's scorecard, computed from its trace and the rubric alone.

Satisfaction is influence-weighted over the buying center present at the end of the run; cycle
time is the day each won deal closed; retention is the renewal probability, rising convexly with
post-sale satisfaction (``Renewal`` in the rubric). The composite score weights conversion,
satisfaction, cycle time and retention as the rubric says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from sim.engine.state import weighted_mean
from sim.engine.trace import (
    AccountStart,
    Decision,
    Effect,
    End,
    Outcome,
    PersonStart,
    Presence,
    StageChange,
    Start,
    TraceEvent,
)
from sim.lang.schema import STAGES, Renewal, Rubric

__all__ = ["AccountCard", "Scorecard", "commercial_scores", "cycle_score", "renewal_probability", "score_run"]


@dataclass(frozen=True, slots=True)
class AccountCard:
    account: str
    result: str  # "won" | "lost" | "open" (an incomplete run)
    reason: str  # loss reason, "" otherwise
    day: float  # day of the close or the loss
    satisfaction: float  # 0-100 at the end of the run
    retention: float  # renewal probability (0 unless won)
    stages: tuple[str, ...]  # stages reached, in order
    revenue: float = 0.0  # the price a won deal closed at (0 unless won, or without a deal)
    margin: float = 0.0  # the seller's margin on it
    list_price: float = 0.0  # what the deal is worth at list price (0 without a deal)
    best_margin: float = 0.0  # the most it can bring: list price, every term worth something to the seller


@dataclass(frozen=True, slots=True)
class Scorecard:
    scenario: str
    seed: int
    complete: bool
    won: bool
    conversion: float  # share of accounts won (1 or 0 for a single account)
    satisfaction: float  # 0-100
    cycle_days: float | None  # mean days to close over won accounts
    retention: float  # mean renewal probability over won accounts, 0 if none
    cycle_score: float  # 0-1
    score: float  # composite, 0-100
    grade: str
    passed: bool
    decisions: int
    sim_days: float
    lost_reason: str  # the first lost account's reason, "" if none
    accounts: tuple[AccountCard, ...]
    revenue: float = 0.0  # summed over won deals
    margin: float = 0.0
    revenue_score: float = 0.0  # revenue over the list price of every deal (0-1)
    margin_score: float = 0.0  # margin over the best margin of every deal (0-1)

    @property
    def churn(self) -> float:
        return 1.0 - self.retention


def renewal_probability(satisfaction: float, renewal: Renewal) -> float:
    """Probability the customer renews, convex in satisfaction (Jones & Sasser 1995)."""
    s = min(100.0, max(0.0, satisfaction)) / 100.0
    return renewal.floor + (renewal.ceiling - renewal.floor) * s**renewal.curve


def cycle_score(days: float | None, rubric: Rubric) -> float:
    """1 at or under target_days, falling linearly to 0 at max_days; 0 without a close."""
    if days is None:
        return 0.0
    if days <= rubric.target_days:
        return 1.0
    if days >= rubric.max_days:
        return 0.0
    return (rubric.max_days - days) / (rubric.max_days - rubric.target_days)


@dataclass(slots=True)
class _Account:
    """What scoring follows of one account while reading a trace."""

    people: dict[str, _Person]
    start: AccountStart
    stages: list[str] = field(default_factory=list)
    outcome: Outcome | None = None


def _follow(trace: Iterable[TraceEvent]) -> tuple[Start | None, dict[str, _Account], int, End | None, float]:
    """Read a trace once: the start, each account's buying center as it ends (satisfaction and
    presence), the stages it reached and its outcome; the number of decisions, the end, the last time."""
    start, end, decisions, last_t = None, None, 0, 0.0
    accounts: dict[str, _Account] = {}
    for event in trace:
        last_t = event.t
        kind = event.__class__  # one identity test per kind (a match statement costs an isinstance each)
        if kind is Effect:
            e = cast(Effect, event)
            if e.target and e.var == "satisfaction":
                accounts[e.account].people[e.target].numbers["satisfaction"] = e.value
        elif kind is Decision:
            decisions += 1
        elif kind is StageChange:
            s = cast(StageChange, event)
            accounts[s.account].stages.append(s.stage)
        elif kind is Presence:
            p = cast(Presence, event)
            accounts[p.account].people[p.stakeholder].present = p.present
        elif kind is Outcome:
            o = cast(Outcome, event)
            accounts[o.account].outcome = o
        elif kind is Start:
            start = cast(Start, event)
            accounts = {a.account: _Account({p.id: _Person(p) for p in a.people}, a) for a in start.accounts}
        elif kind is End:
            end = cast(End, event)
    return start, accounts, decisions, end, last_t


class _Person:
    """A stakeholder as scoring follows them: influence, satisfaction and presence."""

    __slots__ = ("influence", "numbers", "present")

    def __init__(self, p: PersonStart) -> None:
        self.influence = p.influence
        self.numbers = {"satisfaction": p.satisfaction}
        self.present = p.present


def _account_card(account: str, followed: _Account, last_t: float, rubric: Rubric) -> AccountCard:
    sat = weighted_mean(followed.people.values(), "satisfaction")
    out = followed.outcome
    result = out.result if out else "open"
    won = result == "won" and out is not None
    return AccountCard(
        account=account,
        result=result,
        reason=out.reason if out else "",
        day=out.t if out else last_t,
        satisfaction=sat,
        retention=renewal_probability(sat, rubric.renewal) if won else 0.0,
        stages=tuple(s for s in STAGES if s in followed.stages),
        revenue=out.revenue if won and out is not None else 0.0,
        margin=out.margin if won and out is not None else 0.0,
        list_price=followed.start.list_price,
        best_margin=followed.start.best_margin,
    )


def commercial_scores(cards: list[AccountCard]) -> tuple[float, float]:
    """Revenue won against the list price of every deal, and margin won against the best margin of
    every deal (list price, with every term worth something to the seller), each 0-1 (0 for a
    scenario without deals)."""
    listed = sum(c.list_price for c in cards)
    possible = sum(c.best_margin for c in cards)
    revenue = sum(c.revenue for c in cards) / listed if listed else 0.0
    margin = sum(c.margin for c in cards) / possible if possible > 0 else 0.0
    return min(1.0, max(0.0, revenue)), min(1.0, max(0.0, margin))


def score_run(trace: Iterable[TraceEvent], rubric: Rubric) -> Scorecard:
    """Grade one run from its trace."""
    start, accounts, decisions, end, last_t = _follow(trace)
    cards = [_account_card(a, followed, last_t, rubric) for a, followed in accounts.items()]
    won_cards = [c for c in cards if c.result == "won"]
    n = max(1, len(cards))
    conversion = len(won_cards) / n
    satisfaction = sum(c.satisfaction for c in cards) / n
    cycle = sum(c.day for c in won_cards) / len(won_cards) if won_cards else None
    retention = sum(c.retention for c in won_cards) / len(won_cards) if won_cards else 0.0
    cs = cycle_score(cycle, rubric)
    revenue_score, margin_score = commercial_scores(cards)
    w = rubric.weights
    score = 100.0 * (w.conversion * conversion + w.satisfaction * satisfaction / 100.0
                     + w.cycle_time * cs + w.retention * retention + w.revenue * revenue_score
                     + w.margin * margin_score)
    score = min(100.0, max(0.0, score))
    lost = next((c.reason for c in cards if c.result == "lost"), "")
    return Scorecard(
        scenario=start.scenario if start else "",
        seed=start.seed if start else 0,
        complete=end is not None,
        won=len(won_cards) >= rubric.wins_needed,
        conversion=conversion,
        satisfaction=satisfaction,
        cycle_days=cycle,
        retention=retention,
        cycle_score=cs,
        score=score,
        grade=rubric.grade(score),
        passed=score >= rubric.pass_mark,
        decisions=decisions,
        sim_days=end.t if end is not None else last_t,
        lost_reason=lost,
        accounts=tuple(cards),
        revenue=sum(c.revenue for c in cards),
        margin=sum(c.margin for c in cards),
        revenue_score=revenue_score,
        margin_score=margin_score,
    )
