"""Headless trainees: policies that answer decision points through the same stepping API as a person.

* ``random``: picks uniformly among the offered options (its own generator, seeded from the run's
  seed, so the engine's random stream is the same whoever decides).
* ``expert``: follows the author's recommended actions; in a pipeline it works the account closest
  to its deadline.
* a scripted policy file (YAML or JSON) mapping touchpoints to actions.
* replay of a session log (:mod:`sim.runs.sessionlog`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from sim.engine.decisions import DecisionPoint, RunOutcome
from sim.engine.dice import fold, splitmix64
from sim.engine.session import Session
from sim.runs.sessionlog import LogError, read_log

__all__ = [
    "POLICY_STREAM",
    "ExpertPolicy",
    "LogReplayPolicy",
    "Policy",
    "PolicyError",
    "PolicyFactory",
    "RandomPolicy",
    "ScriptedPolicy",
    "load_policy_file",
    "play",
    "policy_factory",
]

#: Offset of the policy's random stream from the engine's (same seed, independent streams).
POLICY_STREAM = 0x5EED


class Policy(Protocol):
    name: str

    def choose(self, point: DecisionPoint, session: Session) -> str: ...


class PolicyError(ValueError):
    """A policy file that cannot be used, with a one-line reason."""


class RandomPolicy:
    """A trainee who picks at random: the baseline a case must beat.

    Its dice are the Park-Miller "minimal standard" generator (``minstd_rand`` of C++), started
    from SplitMix64 of the run's seed (:func:`sim.engine.dice.splitmix64`), offset so the stream differs
    from the engine's: deterministic on every platform, free to seed and cheap to roll, which
    matters when batches play thousands of short games (seeding Python's ``random.Random`` cost
    more than a tenth of a tutorial run). Its quality is ample for picking among a few options;
    the engine's own randomness is numpy's and does not depend on who decides.
    """

    name = "random"

    def __init__(self, seed: int) -> None:
        self.state = splitmix64(fold(seed * 2 + POLICY_STREAM)) % _MINSTD_M or 1

    def choose(self, point: DecisionPoint, session: Session) -> str:
        self.state = x = self.state * 48271 % _MINSTD_M
        options = point.options
        return options[x * len(options) // _MINSTD_M].id


_MINSTD_M = 2**31 - 1


class ExpertPolicy:
    """Follows the author's recommended choice (the first one, if several); else the first offered."""

    name = "expert"

    def choose(self, point: DecisionPoint, session: Session) -> str:
        for o in point.options:
            if o.recommended:
                return o.id
        return point.options[0].id


class ScriptedPolicy:
    """A fixed plan: ``choices`` maps a touchpoint id (or ``account/touchpoint``, or ``focus``) to an
    action id (for ``focus``: a list of account ids in priority order). Where the plan says nothing,
    or names an action not offered there, the ``default`` policy decides."""

    def __init__(self, name: str, choices: Mapping[str, Any], default: Policy) -> None:
        self.name = name
        self.choices = dict(choices)
        self.default = default

    def choose(self, point: DecisionPoint, session: Session) -> str:
        if point.kind == "focus":
            for account in self.choices.get("focus", []):
                if point.option(account) is not None:
                    return account
        else:
            for key in (point.key, point.touchpoint):
                pick = self.choices.get(key)
                if isinstance(pick, str) and point.option(pick) is not None:
                    return pick
        return self.default.choose(point, session)


def load_policy_file(path: Path, seed: int) -> ScriptedPolicy:
    """Read a scripted policy: ``{name: ..., default: expert|random, choices: {touchpoint: action}}``."""
    from sim.lang.yamlsource import SourceError, load_yaml, read_bytes

    try:
        data = load_yaml(read_bytes(path)).data
    except SourceError as err:
        raise PolicyError(f"{path}:{err.line}:{err.column}: {err.message}") from None
    if not isinstance(data, dict) or not isinstance(data.get("choices"), dict):
        raise PolicyError(f"{path}: a policy file needs 'choices:' mapping touchpoint ids to action ids")
    default_name = data.get("default", "expert")
    if default_name not in ("expert", "random"):
        raise PolicyError(f"{path}: default must be expert or random, not {default_name!r}")
    for key, value in data["choices"].items():
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value) if key == "focus" else isinstance(
            value, str)
        if not ok:
            raise PolicyError(f"{path}: choices.{key} must be an action id" + (" list" if key == "focus" else ""))
    default: Policy = ExpertPolicy() if default_name == "expert" else RandomPolicy(seed)
    return ScriptedPolicy(str(data.get("name", path.stem)), data["choices"], default)


PolicyFactory = Callable[[int], Policy]


def policy_factory(spec: str) -> PolicyFactory:
    """``random``, ``expert``, or a path to a policy file (YAML/JSON) or a session log (``.jsonl``)."""
    if spec == "random":
        return RandomPolicy
    if spec == "expert":
        return lambda seed: ExpertPolicy()
    path = Path(spec)
    if not path.is_file():
        raise PolicyError(f"policy must be random, expert or a policy file; {spec!r} is none of these")
    if path.suffix == ".jsonl":
        return LogReplayPolicy.factory(path)
    load_policy_file(path, 0)  # fail early, once, with the file's own message
    return lambda seed: load_policy_file(path, seed)


class LogReplayPolicy:
    """A policy that answers with a log's choices in order (``touchpoint run --policy LOG.jsonl``)."""

    name = "replay"

    def __init__(self, choices: list[dict[str, Any]]) -> None:
        self.choices = choices
        self.i = 0

    @classmethod
    def factory(cls, path: Path) -> PolicyFactory:
        try:
            log = read_log(path)
        except LogError as err:
            raise PolicyError(f"{path}: {err}") from None
        return lambda seed: cls(log.choices)

    def choose(self, point: DecisionPoint, session: Session) -> str:
        if self.i >= len(self.choices):
            raise PolicyError(f"the log has only {len(self.choices)} choices; this run needs more")
        rec = self.choices[self.i]
        self.i += 1
        if rec["decision"] != point.key or point.option(rec["choice"]) is None:
            raise PolicyError(f"the log diverges from this run at choice {rec['n']} ({point.key})")
        return rec["choice"]


def play(scenario: Any, policy: Policy, seed: int) -> Session:
    """Run one whole session with a policy through the stepping API."""
    session = Session(scenario, seed)
    point = session.advance()
    while not isinstance(point, RunOutcome):
        session.choose(policy.choose(point, session))
        point = session.advance()
    return session
