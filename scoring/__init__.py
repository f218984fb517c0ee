"""Scoring: grades recomputed from runs' traces, for one run and for a class's logs.

The pure part, re-exported here, is :mod:`~scoring.scorecard` (a run's scorecard from its trace and
the scenario's rubric), :mod:`~scoring.summary` (statistics over many scorecards) and
:mod:`~scoring.stats`: they read no files, clocks or claimed scores, and a scorecard is always
recomputed from the trace, never taken from what a log says about itself.

The grading of a class reads and writes files: :mod:`~scoring.grading` reads a session log and the
scenario it names, replays and scores it; :mod:`~scoring.batch` finds the logs in folders and grades
them in parallel; :mod:`~scoring.roster` reads (and writes) a roster CSV; :mod:`~scoring.gradebook`
collects the rows in a temporary database and writes the grades CSV; :mod:`~scoring.report` writes
the HTML cohort report, with charts from :mod:`~scoring.charts` (which looks for a CJK font on disk);
:mod:`~scoring.xapi` writes xAPI statements.

May import: :mod:`sim.lang`, :mod:`sim.engine` and :mod:`sim.runs`; nothing above them.
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
