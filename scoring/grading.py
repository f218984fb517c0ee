"""Verify and grade one session log: the unit of work of ``touchpoint grade``.

A log proves nothing by itself. It is replayed against the scenario it names and its scorecard is
recomputed (:func:`sim.runs.sessionlog.replay`, :func:`scoring.score_run`); the end line's claims are
then checked against the recomputation (:func:`sim.runs.sessionlog.check_end`). A log that does not
fit becomes an ``invalid`` row with a one-line reason; nothing a log says about its own score is ever
used.

What a graded log gives back is a compact :class:`Row` (a few strings and numbers) and a small
contribution to the cohort's :class:`Aggregate`, never the trace: a batch of 100,000 logs streams in
flat memory, and aggregates hold only integer counts so that merging them in any order (whatever the
executor and the number of workers) gives the same figures, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from scoring.scorecard import Scorecard, score_run
from sim.lang.schema import STAGES
from sim.runs import sessionlog

if TYPE_CHECKING:
    from sim.engine.loader import LoadedScenario
    from sim.engine.session import Session

__all__ = [
    "ATTEMPT_NAMESPACE",
    "SAT_BIN",
    "SCORE_BIN",
    "VALID_STATUSES",
    "Aggregate",
    "ChunkResult",
    "Q",
    "Row",
    "attempt_uuid",
    "grade_chunk",
    "grade_log",
    "scenario_for",
    "started_key",
]

#: Namespace of the attempt UUIDs (``context.registration`` in xAPI): uuid5 of the log's bytes.
ATTEMPT_NAMESPACE = uuid.UUID("6f1c2a2e-3d0b-5b7e-9a57-7c1b8c2d4e10")
#: Fixed-point scale for sums in aggregates (integers add up the same in any order; floats do not).
Q = 1_000_000
#: Width of a score histogram bin, in points.
SCORE_BIN = 5
#: Width of a satisfaction bin in the satisfaction / cycle-time chart.
SAT_BIN = 2

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
VALID_STATUSES = ("complete", "incomplete")


class Row(NamedTuple):
    """One graded log, as the gradebook stores it. ``None`` where a figure does not apply."""

    path: str  # as the instructor named it (display form)
    file: str  # base name, the tie-break of ``--attempts last``
    trainee: str
    scenario: str
    seed: int | None
    started: str  # as written in the log
    started_key: str  # normalised UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, "" if absent or unreadable
    status: str  # complete | incomplete | invalid
    reason: str  # one line: why invalid, or where an incomplete run stopped
    result: str  # won | lost | open (incomplete) | "" (invalid)
    lost_reason: str
    conversion: float | None
    satisfaction: float | None
    cycle_days: float | None
    retention: float | None
    score: float | None
    grade: str
    passed: int | None
    decisions: int | None
    sim_days: float | None
    wall_s: float | None  # wall-clock seconds (end line's wall_s, else the sum of think_s)
    registration: str  # uuid5 of the log's bytes
    locale: str


def _q(x: float) -> int:
    return round(x * Q)


@dataclass
class Aggregate:
    """What the report needs about one scenario's verified attempts, as mergeable integer counts."""

    attempts: int = 0
    complete: int = 0
    won: int = 0
    passed: int = 0
    satisfaction_q: int = 0
    score_q: int = 0
    cycle_q: int = 0
    cycle_n: int = 0
    wall_q: int = 0
    wall_n: int = 0
    account_runs: int = 0
    score_bins: Counter = field(default_factory=Counter)  # bin index -> attempts
    funnel: Counter = field(default_factory=Counter)  # stage or "won" -> account-runs reaching it
    lost_at: Counter = field(default_factory=Counter)  # (last stage reached, reason) -> lost account-runs
    quit_at: Counter = field(default_factory=Counter)  # stage -> account-runs open when the log stopped
    scatter: Counter = field(default_factory=Counter)  # (result, day, satisfaction bin) -> account-runs
    choices: Counter = field(default_factory=Counter)  # (account, touchpoint, action, its result) -> picks

    def add(self, card: Scorecard, history: list[tuple[Any, str]], wall_s: float | None) -> None:
        self.attempts += 1
        self.complete += card.complete
        self.won += card.won
        self.passed += card.passed and card.complete
        self.satisfaction_q += _q(card.satisfaction)
        self.score_q += _q(card.score)
        self.score_bins[min(int(card.score // SCORE_BIN), 100 // SCORE_BIN - 1)] += 1
        if card.cycle_days is not None:
            self.cycle_q += _q(card.cycle_days)
            self.cycle_n += 1
        if wall_s is not None:
            self.wall_q += _q(wall_s)
            self.wall_n += 1
        results = {}
        for acc in card.accounts:
            self.account_runs += 1
            results[acc.account] = acc.result
            for stage in acc.stages:
                self.funnel[stage] += 1
            last = acc.stages[-1] if acc.stages else STAGES[0]
            if acc.result == "won":
                self.funnel["won"] += 1
            elif acc.result == "lost":
                self.lost_at[(last, acc.reason)] += 1
            else:
                self.quit_at[last] += 1
            if acc.result != "open":
                sat_bin = min(int(acc.satisfaction // SAT_BIN) * SAT_BIN, 100 - SAT_BIN)
                self.scatter[(acc.result, round(acc.day), sat_bin)] += 1
        for point, choice in history:
            if point.kind == "action":
                outcome = results.get(point.account, "open")
                self.choices[(point.account, point.touchpoint, choice, outcome)] += 1

    def merge(self, other: Aggregate) -> None:
        for name in ("attempts", "complete", "won", "passed", "satisfaction_q", "score_q", "cycle_q",
                     "cycle_n", "wall_q", "wall_n", "account_runs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("score_bins", "funnel", "lost_at", "quit_at", "scatter", "choices"):
            getattr(self, name).update(getattr(other, name))


# --- scenarios --------------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], Any] = {}


def scenario_for(sid: str, files: dict[str, str]) -> Any:
    """The scenario a log names: from ``--scenarios`` (``files``: id -> path) or bundled; cached per process.

    Returns a LoadedScenario, or a string saying why there is none. ``sid`` comes from an untrusted
    log, so it is only ever looked up as an id, never opened as a path.
    """
    key = (sid, files.get(sid, ""))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    from sim.engine.loader import ScenarioError, load_file
    from sim.lang import bundled

    if not _ID.match(sid):
        return f"the header names no valid scenario id ({sid[:40]!r})"
    path = files.get(sid) or bundled.scenario_path(sid)
    if path is None:
        found: Any = f"unknown scenario {sid!r} (not bundled, and not in --scenarios)"
    else:
        try:
            found = load_file(path)
        except ScenarioError as err:
            found = f"scenario {sid!r} does not load: {err.lines()[0]}"
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = found
    return found


# --- one log ----------------------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


_PLAIN_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def started_key(started: str) -> str:
    """A sortable UTC form of the header's ``started`` ("" when absent or not ISO 8601)."""
    if not started:
        return ""
    if len(started) == 20 and _PLAIN_UTC.fullmatch(started):  # what Touchpoint writes: the same key, faster
        try:
            datetime.fromisoformat(started[:19])  # a real date and time?
        except ValueError:
            return ""
        return started[:19] + ".000000Z"
    try:
        dt = datetime.fromisoformat(started.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_NAMESPACE_BYTES = ATTEMPT_NAMESPACE.bytes


def attempt_uuid(data: bytes) -> str:
    """The attempt's registration UUID: the same log content gives the same UUID on any run.

    It is ``uuid.uuid5(ATTEMPT_NAMESPACE, "sha256:<hex digest of the log>")``, formed here
    directly (RFC 4122 section 4.3: SHA-1 of namespace and name, version 5, variant bits),
    because building a ``uuid.UUID`` costs more than the two hashes; a test checks the two agree.
    """
    name = b"sha256:" + hashlib.sha256(data).hexdigest().encode("ascii")
    h = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _text_field(header: dict[str, Any], key: str) -> str:
    """A header field that should be text, or "" when it is absent or not text."""
    value = header.get(key)
    return value if isinstance(value, str) else ""


def _invalid(path: str, reason: str, registration: str = "", header: dict | None = None) -> Row:
    """The row of a rejected log: why, plus whatever its header (if any) says about whose it is."""
    h = header or {}
    trainee = _text_field(h, "trainee")
    scenario = _text_field(h, "scenario")
    started = _text_field(h, "started")
    seed = h.get("seed") if isinstance(h.get("seed"), int) and not isinstance(h.get("seed"), bool) else None
    return Row(path, os.path.basename(path), trainee, scenario, seed, started, started_key(started), "invalid",
               _one_line(reason), "", "", None, None, None, None, None, "", None, None, None, None,
               registration, "")


def _salvage_header(data: bytes) -> dict | None:
    """The first line of a log that failed further down, so a rejected row still says whose it is."""
    first = data.split(b"\n", 1)[0]
    try:
        rec = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return rec if isinstance(rec, dict) and rec.get("type") == "header" else None


def _wall_seconds(log: sessionlog.ParsedLog) -> float | None:
    if log.end is not None and isinstance(log.end.get("wall_s"), (int, float)):
        return float(log.end["wall_s"])
    thinks = [c["think_s"] for c in log.choices if "think_s" in c]
    return math.fsum(thinks) if thinks else None


def grade_log(read_path: str, display: str, files: dict[str, str],
              into: dict[str, Aggregate] | None = None) -> tuple[Row, Aggregate | None]:
    """Verify and grade one log; never raises for a bad log (it becomes an ``invalid`` row).

    Returns the row and the attempt's aggregate; with ``into`` (scenario id -> aggregate), the
    attempt is added to that scenario's aggregate there instead (and None returned), as a
    chunk does: making and merging an aggregate per log cost more than adding to one.
    """
    try:
        data = sessionlog.read_bytes(read_path)
    except sessionlog.LogError as err:
        return _invalid(display, str(err)), None
    registration = attempt_uuid(data)
    header: dict | None = None
    try:
        log = sessionlog.parse_bytes(data)
        header = log.header
        scenario, session, card = _verify(log, files)
    except sessionlog.LogError as err:
        return _invalid(display, str(err), registration, header or _salvage_header(data)), None
    except Exception as err:  # one bad log never stops the batch
        reason = f"cannot be replayed ({type(err).__name__}: {err})"
        return _invalid(display, reason, registration, header or _salvage_header(data)), None

    wall = _wall_seconds(log)
    status, reason, result = _completion(log, session, card)
    started = header.get("started", "")
    row = Row(
        path=display, file=os.path.basename(display), trainee=header.get("trainee", ""), scenario=scenario.id,
        seed=header["seed"], started=started, started_key=started_key(started), status=status, reason=reason,
        result=result, lost_reason=card.lost_reason, conversion=card.conversion,
        satisfaction=card.satisfaction, cycle_days=card.cycle_days, retention=card.retention,
        score=card.score, grade=card.grade, passed=int(card.passed and card.complete),
        decisions=card.decisions, sim_days=card.sim_days, wall_s=wall, registration=registration,
        locale=header.get("locale", ""),
    )
    aggs = into if into is not None else {}
    agg = aggs.get(scenario.id) or aggs.setdefault(scenario.id, Aggregate())
    agg.add(card, session.history, wall)
    return row, None if into is not None else agg


def _verify(log: sessionlog.ParsedLog, files: dict[str, str]) -> tuple[LoadedScenario, Session, Scorecard]:
    """Replay a log on the scenario it names and recompute its scorecard; a LogError says where it does not fit."""
    header = log.header
    for key in ("trainee", "started", "locale"):
        if key in header and not isinstance(header[key], str):
            raise sessionlog.LogError(f"line 1: {key} must be text")
    scenario = scenario_for(header["scenario"], files)
    if isinstance(scenario, str):
        raise sessionlog.LogError(scenario)
    session = sessionlog.replay(log, scenario)
    card = score_run(session.trace, scenario.rubric)
    sessionlog.check_end(log, session, card)
    return scenario, session, card


def _completion(log: sessionlog.ParsedLog, session: Session, card: Scorecard) -> tuple[str, str, str]:
    """A verified attempt's status, reason and result: finished (won or lost), or incomplete (open)."""
    if not card.complete:
        point = session.pending
        where = f" at {point.key} (day {point.day:g})" if point is not None else ""
        return "incomplete", f"stopped after {len(log.choices)} decisions{where}", "open"
    reason = "" if log.complete else "no end line, but the replay finishes the run"
    policy = log.header.get("policy")
    if isinstance(policy, str) and policy:
        # a bot's log (touchpoint run --save-logs, touchpoint cohort): genuine, but not played by a person
        reason = "; ".join(x for x in (reason, f"written by the {policy!r} policy") if x)
    return "complete", reason, "won" if card.won else "lost"


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk of logs: rows and one aggregate per scenario."""

    rows: list[Row]
    aggregates: dict[str, Aggregate]


def grade_chunk(items: list[tuple[str, str]], files: dict[str, str]) -> ChunkResult:
    """Grade a chunk of ``(read path, display path)`` pairs: the task a worker runs."""
    rows: list[Row] = []
    aggs: dict[str, Aggregate] = {}
    for read_path, display in items:
        rows.append(grade_log(read_path, display, files, aggs)[0])
    return ChunkResult(rows, aggs)
