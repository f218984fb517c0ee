"""Statistics over many runs, accumulated one scorecard at a time (memory stays flat but for the
satisfaction, cycle and score samples that percentiles need: a few floats per run)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from scoring.scorecard import Scorecard
from scoring.stats import percentile, wilson_interval
from sim.lang.schema import LOSS_REASONS, STAGES

__all__ = ["Summary", "summarize"]


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


@dataclass
class Summary:
    """Running totals over scorecards; ``as_dict`` gives the JSON summary of ``touchpoint run``."""

    runs: int = 0
    wins: int = 0
    passes: int = 0
    satisfaction: list[float] = field(default_factory=list)
    cycle_days: list[float] = field(default_factory=list)
    retention_won: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    decisions: int = 0
    grades: Counter = field(default_factory=Counter)
    funnel: Counter = field(default_factory=Counter)
    lost_reasons: Counter = field(default_factory=Counter)
    account_runs: int = 0
    revenue: float = 0.0  # summed over runs (a lost deal brings in 0)
    margin: float = 0.0

    def add(self, card: Scorecard) -> None:
        self.runs += 1
        self.wins += card.won
        self.passes += card.passed
        self.satisfaction.append(card.satisfaction)
        if card.cycle_days is not None:
            self.cycle_days.append(card.cycle_days)
        if card.conversion > 0:
            self.retention_won.append(card.retention)
        self.scores.append(card.score)
        self.decisions += card.decisions
        self.grades[card.grade] += 1
        self.revenue += card.revenue
        self.margin += card.margin
        for acc in card.accounts:
            self.account_runs += 1
            for stage in acc.stages:
                self.funnel[stage] += 1
            if acc.result == "won":
                self.funnel["won"] += 1
            elif acc.result == "lost":
                self.lost_reasons[acc.reason] += 1

    def as_dict(self) -> dict[str, Any]:
        n = self.runs
        sat = sorted(self.satisfaction)
        cyc = sorted(self.cycle_days)
        lo, hi = wilson_interval(self.wins, n)
        return {
            "runs": n,
            "conversion_rate": _r(self.wins / n if n else 0.0),
            "conversion_ci95": [_r(lo), _r(hi)],
            "satisfaction_mean": _r(fmean(sat) if sat else None, 2),
            "satisfaction_percentiles": {f"p{q}": _r(percentile(sat, q), 2) for q in (10, 25, 50, 75, 90)}
            if sat else {},
            "cycle_days_median": _r(percentile(cyc, 50), 2) if cyc else None,
            "cycle_days_mean": _r(fmean(cyc), 2) if cyc else None,
            "retention_mean": _r(fmean(self.retention_won)) if self.retention_won else None,
            "churn_mean": _r(1 - fmean(self.retention_won)) if self.retention_won else None,
            "score_mean": _r(fmean(self.scores), 2) if self.scores else None,
            "revenue_mean": _r(self.revenue / n if n else 0.0, 2),  # per run, a lost deal counting 0
            "margin_mean": _r(self.margin / n if n else 0.0, 2),
            "pass_rate": _r(self.passes / n if n else 0.0),
            "decisions_mean": _r(self.decisions / n if n else 0.0, 2),
            "grades": dict(sorted(self.grades.items())),
            "account_runs": self.account_runs,  # deals: runs x accounts (the funnel counts these)
            "funnel": {s: self.funnel.get(s, 0) for s in (*STAGES, "won")},
            "lost_reasons": {r: self.lost_reasons[r] for r in LOSS_REASONS if self.lost_reasons.get(r)},
        }


def summarize(cards: Iterable[Scorecard]) -> dict[str, Any]:
    """The JSON summary of many runs."""
    s = Summary()
    for c in cards:
        s.add(c)
    return s.as_dict()
