"""A synthetic class: session logs as if N trainees had played a scenario, and their roster.

For demos, tests and benchmarks of ``touchpoint grade``, ``touchpoint cohort`` writes what a real class
hands in: one log per attempt (written with :class:`sim.runs.sessionlog.LogWriter`, the same writer the game
uses, so the logs are indistinguishable from played ones) and a ``roster.csv``. Trainees are
``t0001``, ``t0002``, ...; each plays with a policy drawn from the mix (exact counts by largest
remainder, assigned in a seeded shuffle); the wall-clock fields a person would leave (``started``,
``think_s``, ``wall_s``) are drawn from the seed too. Everything is a pure function of the arguments:
trainee ``i`` depends only on ``(seed, i)``, so the cohort is the same in one process or many.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from scoring.scorecard import score_run
from sim.engine.decisions import RunOutcome
from sim.engine.session import Session
from sim.runs.policies import PolicyError, policy_factory
from sim.runs.sessionlog import LogWriter, player_of

__all__ = [
    "DEFAULT_START",
    "SECTION_SIZE",
    "STREAM_ASSIGN",
    "STREAM_NAME",
    "STREAM_SEED",
    "STREAM_TIME",
    "CohortError",
    "CohortSpec",
    "allocate",
    "assignment",
    "generate",
    "log_name",
    "parse_mix",
    "parse_start",
    "roster_entries",
    "run_seed",
    "trainee_id",
    "trainee_name",
    "write_trainee",
]

#: Streams of the cohort's own random draws (independent of the engine's and the policies').
STREAM_ASSIGN = 0xC0
STREAM_SEED = 0xC1
STREAM_TIME = 0xC2
STREAM_NAME = 0xC3
DEFAULT_START = "2026-03-02T01:30:00Z"  # a Monday class at 09:30 in Shanghai
SECTION_SIZE = 30

_ZH_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐"
                "许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈")
_ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
             "超", "秀兰", "霞", "平", "刚", "桂英", "浩", "婷", "宇", "欣怡", "子涵", "晨", "佳", "思远",
             "雨桐", "俊杰")
_EN_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew",
             "Robin", "Chris", "Pat", "Lee", "Dana", "Kim", "Jesse", "Cameron", "Reese", "Emma", "Noah",
             "Olivia", "Liam", "Sofia", "Lucas", "Mia", "Ethan", "Ava", "Mason", "Zoe", "Omar")
_EN_LAST = ("Smith", "Chen", "Garcia", "Nguyen", "Müller", "Rossi", "Kowalski", "Silva", "Okafor", "Patel",
            "Johnson", "Brown", "Dubois", "Tanaka", "Kim", "Larsen", "Novak", "Haddad", "Murphy", "Schmidt",
            "Lopez", "Wang", "Ivanova", "Costa", "Walker", "Singh", "Berg", "Moreau", "Hughes", "Sato")


class CohortError(ValueError):
    """Arguments that cannot make a cohort, with a one-line reason."""


def parse_mix(text: str) -> dict[str, float]:
    """``expert=0.3,random=0.7`` -> shares by policy (normalised). A policy is ``expert``, ``random`` or
    a policy file (YAML) path."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, share = part.rpartition("=")
        if not sep or not name.strip():
            raise CohortError(f"--mix: expected policy=share, got {part!r} (e.g. expert=0.3,random=0.7)")
        try:
            value = float(share)
        except ValueError:
            raise CohortError(f"--mix: share of {name.strip()!r} is not a number: {share!r}") from None
        if not math.isfinite(value) or value < 0:
            raise CohortError(f"--mix: share of {name.strip()!r} must be 0 or more, got {share}")
        name = name.strip()
        if name in mix:
            raise CohortError(f"--mix: {name!r} is listed twice")
        mix[name] = value
    total = sum(mix.values())
    if not mix or total <= 0:
        raise CohortError("--mix: give at least one policy with a share above 0 (e.g. expert=0.3,random=0.7)")
    for name in mix:
        try:
            policy_factory(name)
        except (PolicyError, ValueError) as err:
            raise CohortError(f"--mix: {err}") from None
    return {k: v / total for k, v in mix.items()}


def allocate(mix: dict[str, float], size: int) -> dict[str, int]:
    """Whole numbers of trainees per policy summing to ``size`` (largest remainder, ties in mix order)."""
    exact = {k: v * size for k, v in mix.items()}
    counts = {k: math.floor(x) for k, x in exact.items()}
    left = size - sum(counts.values())
    order = sorted(mix, key=lambda k: (-(exact[k] - counts[k]), list(mix).index(k)))
    for k in order[:left]:
        counts[k] += 1
    return counts


def assignment(mix: dict[str, float], size: int, seed: int) -> list[str]:
    """The policy of each trainee (index 0 is t0001): exact counts, in a seeded shuffle."""
    labels: list[str] = []
    for name, n in allocate(mix, size).items():
        labels += [name] * n
    order = np.random.default_rng([seed, STREAM_ASSIGN]).permutation(size)
    return [labels[int(i)] for i in order]


def trainee_id(i: int, size: int) -> str:
    """``t0001`` style ids (1-based), wide enough for the class."""
    return f"t{i:0{max(4, len(str(size)))}d}"


def _section(i: int) -> str:
    k = (i - 1) // SECTION_SIZE
    label = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        label = chr(65 + r) + label
    return label


def trainee_name(seed: int, i: int, locale: str) -> str:
    rng = np.random.default_rng([seed, i, STREAM_NAME])
    if locale.split("-")[0] == "zh":
        surname = _ZH_SURNAMES[int(rng.integers(len(_ZH_SURNAMES)))]
        return surname + _ZH_GIVEN[int(rng.integers(len(_ZH_GIVEN)))]
    return f"{_EN_FIRST[int(rng.integers(len(_EN_FIRST)))]} {_EN_LAST[int(rng.integers(len(_EN_LAST)))]}"


def run_seed(seed: int, i: int, attempt: int) -> int:
    """The engine seed of trainee ``i``'s attempt: spread out, reproducible, independent of the class size."""
    return int(np.random.SeedSequence([seed, i, attempt, STREAM_SEED]).generate_state(1)[0])


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_start(text: str) -> datetime:
    """The class start, ISO 8601 (UTC when no offset is given)."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CohortError(f"--start: not an ISO 8601 time: {text!r} (e.g. 2026-03-02T09:30:00+08:00)"
                          ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class CohortSpec:
    """Everything a cohort is a function of (picklable: workers rebuild trainees from it)."""

    scenario_ref: str
    size: int
    mix: tuple[tuple[str, float], ...]
    seed: int
    out_dir: str
    attempts: int = 1
    start: str = DEFAULT_START
    locale: str = ""


_SCENARIOS: dict[str, Any] = {}


def _scenario(ref: str) -> Any:
    if ref not in _SCENARIOS:
        from sim.engine.loader import load_scenario

        _SCENARIOS[ref] = load_scenario(ref)
    return _SCENARIOS[ref]


def log_name(tid: str, attempt: int) -> str:
    return f"{tid}-{attempt}.jsonl"


def write_trainee(spec: CohortSpec, i: int, policy_name: str, scenario: Any | None = None) -> int:
    """Play and write every attempt of trainee ``i`` (1-based); returns the number of logs written."""
    scenario = scenario or _scenario(spec.scenario_ref)
    locale = spec.locale or (scenario.spec.languages[0] if scenario.spec.languages else "en")
    tid = trainee_id(i, spec.size)
    rng = np.random.default_rng([spec.seed, i, STREAM_TIME])
    make = policy_factory(policy_name)
    pace = float(rng.lognormal(0.0, 0.3))  # some people read slowly, some click fast
    typical = 12.0 if policy_name == "random" else 30.0  # clicking around vs weighing each option
    clock = parse_start(spec.start) + timedelta(seconds=float(rng.uniform(0, 900)))  # arrival in the room
    out = Path(spec.out_dir)
    for attempt in range(1, spec.attempts + 1):
        seed = run_seed(spec.seed, i, attempt)
        policy = make(seed)
        path = out / log_name(tid, attempt)
        path.unlink(missing_ok=True)  # the writer appends; a rerun must not double a log
        briefing = float(rng.uniform(30, 150))
        wall = briefing
        session = Session(scenario, seed, player_of(policy.name))
        header = LogWriter.header(scenario, seed, trainee=tid, locale=locale, started=_iso(clock),
                                  policy=policy.name)
        with LogWriter(path, header, sync=False) as w:
            point = session.advance()
            n = 0
            while not isinstance(point, RunOutcome):
                choice = policy.choose(point, session)
                think = min(900.0, max(2.0, float(rng.lognormal(math.log(typical * pace), 0.6))))
                n += 1
                w.choice(point, n, choice, think_s=think)
                wall += think + 2.0  # and a moment to read the buyer's reaction
                session.choose(choice)
                point = session.advance()
            w.end(session, score_run(session.trace, scenario.rubric), wall_s=wall)
        clock += timedelta(seconds=wall + float(rng.uniform(60, 420)))  # a break, then try again
    return spec.attempts


def _write_range(spec: CohortSpec, start: int, stop: int, labels: list[str]) -> int:
    return sum(write_trainee(spec, i, labels[i - start]) for i in range(start, stop))


def roster_entries(spec: CohortSpec, locale: str) -> Iterable[Any]:
    from scoring.roster import Trainee

    for i in range(1, spec.size + 1):
        tid = trainee_id(i, spec.size)
        yield Trainee(tid, trainee_name(spec.seed, i, locale), f"{tid}@example.org", _section(i))


def generate(spec: CohortSpec, executor: Any = None, on_progress: Callable[[int], None] | None = None,
             chunk: int = 250) -> dict[str, int]:
    """Write the cohort's logs and ``roster.csv`` to ``spec.out_dir``; returns trainees per policy.

    With an executor (a process pool), trainees are written in chunks in parallel; the files are the
    same either way.
    """
    from scoring.roster import write_roster

    scenario = _scenario(spec.scenario_ref)
    locale = spec.locale or (scenario.spec.languages[0] if scenario.spec.languages else "en")
    out = Path(spec.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mix = dict(spec.mix)
    labels = assignment(mix, spec.size, spec.seed)
    if executor is None:
        for i in range(1, spec.size + 1):
            write_trainee(spec, i, labels[i - 1], scenario)
            if on_progress:
                on_progress(1)
    else:
        from concurrent.futures import as_completed

        futures = {}
        for a in range(1, spec.size + 1, chunk):
            b = min(a + chunk, spec.size + 1)
            futures[executor.submit(_write_range, spec, a, b, labels[a - 1:b - 1])] = b - a
        for fut in as_completed(futures):
            fut.result()
            if on_progress:
                on_progress(futures[fut])
    write_roster(out / "roster.csv", list(roster_entries(spec, locale)))
    return allocate(mix, spec.size)
