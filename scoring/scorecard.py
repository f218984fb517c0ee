"""One run's scorecard, computed from its trace and the rubric alone.

Satisfaction is influence-weighted over the buying center present at the end of the run; cycle
time is the day each won deal closed; retention is the renewal probability, rising convexly with
post-sale satisfaction (``Renewal`` in the rubric). The composite score weights conversion,
satisfaction, cycle time and retention as the rubric says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.engine import trace as tr
from sim.lang.schema import STAGES, Renewal, Rubric


@dataclass(frozen=True, slots=True)
class AccountCard:
    account: str
    result: str  # "won" | "lost" | "open" (an incomplete run)
    reason: str  # loss reason, "" otherwise
    day: float  # day of the close or the loss
    satisfaction: float  # 0-100 at the end of the run
    retention: float  # renewal probability (0 unless won)
    stages: tuple[str, ...]  # stages reached, in order


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


class _Person:
    __slots__ = ("influence", "present", "satisfaction")

    def __init__(self, influence: float, satisfaction: float, present: bool) -> None:
        self.influence = influence
        self.satisfaction = satisfaction
        self.present = present


def score_run(trace: Iterable[tr.Row] | Iterable[tr.TraceEvent], rubric: Rubric) -> Scorecard:
    """Grade one run from its trace (rows, as the engine records them, or typed events)."""
    people: dict[str, dict[str, _Person]] = {}
    order: list[str] = []
    outcomes: dict[str, tuple[float, str, str]] = {}  # account -> (day, result, reason)
    stages: dict[str, list[str]] = {}
    scenario, seed, decisions, end, last_t = "", 0, 0, None, 0.0
    rows = tr.rows(list(trace))
    if rows:
        last_t = rows[-1][0]
    for r in rows:  # row layouts: the event classes of sim.engine.trace, fields in order
        kind = r[-1]
        if kind == "effect":  # (t, account, target, var, delta, value, cause, kind)
            if r[2] and r[3] == "satisfaction":
                people[r[1]][r[2]].satisfaction = r[5]
        elif kind == "decision":
            decisions += 1
        elif kind == "stage":  # (t, account, stage, kind)
            stages[r[1]].append(r[2])
        elif kind == "presence":  # (t, account, stakeholder, present, cause, kind)
            people[r[1]][r[2]].present = r[3]
        elif kind == "outcome":  # (t, account, result, reason, kind)
            outcomes[r[1]] = (r[0], r[2], r[3])
        elif kind == "start":  # (t, scenario, seed, accounts, kind)
            scenario, seed = r[1], r[2]
            for account, persons in r[3]:
                order.append(account)
                stages[account] = []
                people[account] = {p.id: _Person(p.influence, p.satisfaction, p.present) for p in persons}
        elif kind == "end":  # (t, kind)
            end = r[0]
    cards = []
    for account in order:
        num = den = 0.0
        for p in people[account].values():
            if p.present:
                num += p.influence * p.satisfaction
                den += p.influence
        sat = num / den if den else 0.0
        out = outcomes.get(account)
        result = out[1] if out else "open"
        cards.append(AccountCard(
            account=account,
            result=result,
            reason=out[2] if out else "",
            day=out[0] if out else last_t,
            satisfaction=sat,
            retention=renewal_probability(sat, rubric.renewal) if result == "won" else 0.0,
            stages=tuple(s for s in STAGES if s in stages[account]),
        ))
    won_cards = [c for c in cards if c.result == "won"]
    n = max(1, len(cards))
    conversion = len(won_cards) / n
    satisfaction = sum(c.satisfaction for c in cards) / n
    cycle = sum(c.day for c in won_cards) / len(won_cards) if won_cards else None
    retention = sum(c.retention for c in won_cards) / len(won_cards) if won_cards else 0.0
    cs = cycle_score(cycle, rubric)
    w = rubric.weights
    score = 100.0 * (w.conversion * conversion + w.satisfaction * satisfaction / 100.0
                     + w.cycle_time * cs + w.retention * retention)
    score = min(100.0, max(0.0, score))
    lost = next((c.reason for c in cards if c.result == "lost"), "")
    return Scorecard(
        scenario=scenario,
        seed=seed,
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
        sim_days=end if end is not None else last_t,
        lost_reason=lost,
        accounts=tuple(cards),
    )
