"""Whole sessions run headless, and their logs.

:mod:`~sim.runs.policies` plays a session to the end without a person: the expert (the author's
recommendations), random choices, a scripted policy file, or a replay of a session log's choices;
:mod:`~sim.runs.sessionlog` writes, reads, shape-checks and replays session logs (what a trainee
hands in).

May import: :mod:`sim.lang` and :mod:`sim.engine` (and :mod:`sim.version`); nothing above them.
"""

__all__: list[str] = []
