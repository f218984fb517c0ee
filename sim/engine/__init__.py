"""The engine: a scenario's compiled rules run as a SimPy simulation, one decision at a time.

The buyer runs on its own clock (:mod:`~sim.engine.buyer`: the decision process through the roadmap
stages, drift, the competitor, deadlines and scripted events); the seller is the trainee, whose
time every account competes for (:mod:`~sim.engine.seller`); :mod:`~sim.engine.state` holds the
hidden numbers and records every change in the trace (:mod:`~sim.engine.trace`);
:mod:`~sim.engine.signals` is what the trainee may see of them. :class:`~sim.engine.session.Session`
is the stepping API every front end and tool drives. :mod:`~sim.engine.loader` reads a scenario
and :mod:`~sim.engine.rules` compiles it; :mod:`~sim.engine.dice` is the run's seeded randomness.

May import: :mod:`sim.lang` (the scenario language), SimPy and numpy; nothing above it.
"""
