"""Touchpoint: a discrete-event training simulator for B2B selling along the customer sales roadmap.

The engine never imports pygame; the front end (:mod:`sim.ui`) and headless tools drive the same
stepping API::

    from sim import Session, load_scenario
    scenario = load_scenario("tutorial")
    session = Session(scenario, seed=1)
    point = session.advance()
"""

from sim.engine.decisions import DecisionPoint, InvalidChoice, Option, RunOutcome
from sim.engine.loader import LoadedScenario, ScenarioError, load_scenario
from sim.engine.session import Session
from sim.version import __version__

__all__ = [
    "DecisionPoint",
    "InvalidChoice",
    "LoadedScenario",
    "Option",
    "RunOutcome",
    "ScenarioError",
    "Session",
    "__version__",
    "load_scenario",
]
