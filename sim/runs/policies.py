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
from sim.runs.sessionlog import LogError, player_of, read_log

__all__ = [
    "POLICY_STREAM",
    "ExpertPolicy",
    "LogReplayPolicy",
    "Policy",
    "PolicyError",
    "PolicyFactory",
    "RandomPolicy",
    "ScriptedPolicy",
    "check_policy_file",
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
    # never an empty name: the name goes into the bot's logs, and a log without one is a person's
    return ScriptedPolicy(str(data.get("name") or path.stem), data["choices"], default)


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
    session = Session(scenario, seed, player_of(policy.name))
    point = session.advance()
    while not isinstance(point, RunOutcome):
        session.choose(policy.choose(point, session))
        point = session.advance()
    return session


def check_policy_file(path: Path, scenario: Any) -> None:
    """Refuse a policy file that names ids the scenario does not have (PolicyError, one line).

    A plan's keys are touchpoint ids (or ``account/touchpoint``, or ``focus``) and its values action
    ids (for ``focus``: account ids). An unknown one would be silently ignored by
    :class:`ScriptedPolicy` (the default policy decides there), so a typo would quietly change the
    plan: every unknown id is named, with the closest known one where there is one."""
    import difflib

    plan = load_policy_file(path, 0)
    accounts = {a.id: {tp.id: [x.id for x in tp.actions] for tp in a.touchpoints} for a in scenario.spec.accounts}
    touchpoints = sorted({tp for tps in accounts.values() for tp in tps})

    def hint(word: str, known: list[str]) -> str:
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    problems: list[str] = []
    for key, value in plan.choices.items():
        if key == "focus":
            problems += [f"unknown account {v!r} in focus{hint(v, sorted(accounts))}" for v in value
                         if v not in accounts]
            continue
        account, _, touchpoint = key.rpartition("/")
        if account and account not in accounts:
            problems.append(f"unknown account {account!r} in choices.{key}{hint(account, sorted(accounts))}")
            continue
        pools = [accounts[account]] if account else list(accounts.values())
        actions = sorted({a for pool in pools for a in pool.get(touchpoint, [])})
        if not any(touchpoint in pool for pool in pools):
            known = sorted(accounts[account]) if account else touchpoints
            problems.append(f"unknown touchpoint {touchpoint!r} in choices{hint(touchpoint, known)}")
        elif value not in actions:
            problems.append(f"unknown action {value!r} at touchpoint {key!r}{hint(value, actions)}")
    if problems:
        raise PolicyError(f"{path}: " + "; ".join(problems) + f" (scenario {scenario.spec.id!r})")
