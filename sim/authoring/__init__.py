"""The authoring wing: the checks and tools a scenario's author and instructor use before class.

It owns the checks of a scenario and the tools around them, one module each:

* :mod:`~sim.authoring.lint`: the semantic checks behind ``touchpoint check`` (static ones from the
  scenario alone, run ones from seeded bot runs);
* :mod:`~sim.authoring.analysis`: the bot analysis those checks rest on (seeded runs tallied per
  policy, the explorer bot, the soft-lock probe);
* :mod:`~sim.authoring.graph`: the scenario drawn as a roadmap (``touchpoint graph``);
* :mod:`~sim.authoring.lookahead`: the lookahead policy, which looks for paths better than the
  recommended one;
* :mod:`~sim.authoring.balance`: the balance report, its verdict and its layout (``touchpoint balance``);
* :mod:`~sim.authoring.cohort`: the synthetic cohort, session logs as if a class had played
  (``touchpoint cohort``).

It may import the wings below it: :mod:`sim.lang`, :mod:`sim.engine`, :mod:`sim.runs` and
:mod:`scoring`; never :mod:`sim.ui` or :mod:`sim.cli`, which build on it (``lint-imports`` checks
this). Import the modules themselves: this package re-exports nothing.
"""

__all__: list[str] = []
