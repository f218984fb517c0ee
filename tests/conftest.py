"""Shared test setup: headless SDL for pygame tests, and small scenarios built in code."""

from __future__ import annotations

import os
import textwrap
from typing import Any

# Before anything imports pygame: no window, no audio device, no banner.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest

from sim.engine.loader import LoadedScenario, load_bytes, load_scenario
from sim.lang import bundled

MINIMAL = """\
version: 1
id: mini
title: Mini
objective: Win it
rubric:
  weights: {conversion: 0.4, satisfaction: 0.3, cycle_time: 0.1, retention: 0.2}
  target_days: 20
  max_days: 60
accounts:
  - id: acme
    persona: {company: Acme, industry: Widgets, size: small}
    patience_days: 90
    stakeholders:
      - {id: boss, name: Boss, role: economic_buyer, influence: 0.6, trust: 50, satisfaction: 50}
      - {id: user, name: User, role: user, influence: 0.4, trust: 50, satisfaction: 50}
    flags:
      - {id: pain, label: Pain}
    stages:
      need_identification: {gate: pain}
      negotiation: {gate: consensus >= 50}
      after_sales: {}
    touchpoints:
      - id: meet
        stage: need_identification
        title: Meet
        situation: First meeting
        with: [boss]
        actions:
          - {id: good, label: Good, days: 2, recommended: true, effects: [{set: pain}, {who: boss, trust: 10}]}
          - {id: bad, label: Bad, days: 1, effects: [{who: boss, trust: -10}]}
      - id: close
        stage: negotiation
        title: Close
        situation: Ask for the order
        actions:
          - {id: value, label: Value, days: 3, recommended: true, effects: [{who: all, satisfaction: 10}]}
          - {id: push, label: Push, days: 1, effects: [{who: all, trust: -30}]}
      - id: follow
        stage: after_sales
        title: Follow up
        situation: After go-live
        actions:
          - {id: review, label: Review, days: 2, recommended: true, effects: [{who: all, satisfaction: 20}]}
          - {id: silence, label: Silence, days: 0, effects: [{who: all, satisfaction: -20}]}
"""


def minimal_yaml(replace: dict[str, str] | None = None) -> str:
    """The minimal scenario's YAML with exact substrings replaced (each ``old`` must occur)."""
    text = MINIMAL
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def load_text(text: str, name: str = "test.yaml") -> LoadedScenario:
    return load_bytes(textwrap.dedent(text).encode("utf-8"), name)


@pytest.fixture(scope="session")
def tutorial() -> LoadedScenario:
    return load_scenario("tutorial")


@pytest.fixture(scope="session")
def mini() -> LoadedScenario:
    return load_text(MINIMAL)


def bundled_ids() -> list[str]:
    return bundled.scenario_ids()


def written_order(session: Any, point: Any) -> list[str]:
    """The ids a decision offers in the order the scenario writes them (the engine shows them
    shuffled): an action's touchpoint's actions, or the options as shown for other decisions."""
    offered = [o.id for o in point.options]
    if point.kind != "action":
        return offered
    rules = next(a for a in session.rules.accounts if a.id == point.account)
    return [a.id for a in rules.touchpoints[point.touchpoint].actions if a.id in offered]


def run_choices(scenario: Any, seed: int, picks: list[int]) -> Any:
    """Play choosing, at decision i, the offered option picks[i] (mod the number offered) in the
    order the scenario writes them; returns the session."""
    from sim.engine.decisions import RunOutcome
    from sim.engine.session import Session

    session = Session(scenario, seed)
    point = session.advance()
    i = 0
    while not isinstance(point, RunOutcome):
        k = picks[i % len(picks)] if picks else 0
        ids = written_order(session, point)
        session.choose(ids[k % len(ids)])
        i += 1
        point = session.advance()
    return session


# --- grading: the command, its CSV, and a log as a person's game writes it -------------------------------


def grade(*args: str) -> int:
    """Run ``touchpoint grade --quiet ARGS`` and return its exit code (argparse's usage errors included)."""
    from sim.cli import main

    try:
        return main(["grade", "--quiet", *args])
    except SystemExit as stop:
        return int(stop.code or 0)


def rows_of(path: Any) -> list[dict[str, str]]:
    """The rows of a grades CSV."""
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def person_log(path: Any, scenario: Any, seed: int, trainee: str, policy: str = "expert", think: float = 20.0,
               started: str = "2026-03-02T01:00:00Z") -> None:
    """A log as a person's game writes it: no policy in the header (the player is a person), a think
    time for each choice; the choices are a policy's."""
    from scoring.scorecard import score_run
    from sim.engine.decisions import RunOutcome
    from sim.engine.session import Session
    from sim.runs.policies import policy_factory
    from sim.runs.sessionlog import LogWriter

    bot = policy_factory(policy)(seed)
    session = Session(scenario, seed)
    with LogWriter(path, LogWriter.header(scenario, seed, trainee=trainee, started=started), sync=False) as w:
        point = session.advance()
        n = 0
        while not isinstance(point, RunOutcome):
            choice = bot.choose(point, session)
            n += 1
            w.choice(point, n, choice, think_s=think)
            session.choose(choice)
            point = session.advance()
        w.end(session, score_run(session.trace, scenario.rubric), wall_s=think * n + 60)
