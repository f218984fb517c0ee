"""Scoring: pure functions from a run's trace and the scenario's rubric to grades.

Nothing here reads files, clocks or claimed scores: a scorecard is always recomputed from the trace.
"""

from scoring.scorecard import AccountCard, Scorecard, renewal_probability, score_run
from scoring.stats import percentile, wilson_interval
from scoring.summary import Summary, summarize

__all__ = [
    "AccountCard",
    "Scorecard",
    "Summary",
    "percentile",
    "renewal_probability",
    "score_run",
    "summarize",
    "wilson_interval",
]
