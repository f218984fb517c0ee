"""Session logs: what a trainee hands in. JSON Lines, one choice per line, synced as it is written.

::

    {"type": "header", "format": "touchpoint-log/4", "scenario": "tutorial", "scenario_hash": "sha256:…",
     "seed": 7, "engine": "0.4.0", "trainee": "alice", "locale": "zh", "started": "2026-11-28T09:00:00Z"}
    {"type": "choice", "n": 1, "decision": "huadong/first_meeting", "choice": "ask_cost", "t": 0.0,
     "shown": ["fact_finding", "ask_cost", "pitch_product"], "think_s": 12.4}
    …
    {"type": "end", "t": 41.0, "decisions": 6, "result": "won", "score": 81.37, "grade": "B",
     "trace_hash": "sha256:…"}

A log is proof only through replay: :func:`replay` re-runs the scenario with the log's seed and
choices and checks every line against what the engine does; the ``end`` line's claims are compared
with the recomputed scorecard, never trusted. Each choice line names the options in the order the
trainee saw them (``shown``), which the replay must show in the same order; a bot's log names its
``policy`` in the header, which the replayed run records as its player. Wall-clock fields
(``started``, ``think_s``) are kept for instructors and never enter the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sim.engine.decisions import DecisionPoint, InvalidChoice, RunOutcome
from sim.engine.session import Session
from sim.engine.trace import trace_hash
from sim.version import __version__

__all__ = [
    "LOG_FORMAT",
    "MAX_LINES",
    "MAX_LOG_BYTES",
    "LogError",
    "LogWriter",
    "ParsedLog",
    "check_end",
    "parse_bytes",
    "parse_lines",
    "player_of",
    "read_bytes",
    "read_log",
    "replay",
    "write_log",
]

LOG_FORMAT = "touchpoint-log/4"
#: Formats of earlier engines, which this one cannot verify: in 0.1 the random streams differ, in
#: 0.2 the encoding of the trace digest, in 0.3 the random streams, the trace's events and the
#: choice lines (no ``shown``).
_OLD_FORMATS = {"touchpoint-log/1": "0.1", "touchpoint-log/2": "0.2", "touchpoint-log/3": "0.3"}
MAX_LOG_BYTES = 16 * 1024 * 1024
MAX_LINES = 100_000

_HEADER_KEYS = {"type", "format", "scenario", "scenario_hash", "seed", "engine", "trainee", "locale", "started",
                "policy"}
_CHOICE_KEYS = {"type", "n", "decision", "choice", "t", "shown", "think_s"}
_CHOICE_REQUIRED = {"type", "n", "decision", "choice", "t", "shown"}
_END_KEYS = {"type", "t", "decisions", "result", "score", "grade", "trace_hash", "wall_s"}


class LogError(ValueError):
    """A log that cannot be used: unreadable, malformed, or not a true record of a run."""


@dataclass
class ParsedLog:
    header: dict[str, Any]
    choices: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    dropped_tail: bool = False  # a partial last line was ignored (resume only)

    @property
    def complete(self) -> bool:
        return self.end is not None


def _check_keys(record: dict, allowed: set[str], required: set[str], lineno: int) -> None:
    keys = record.keys()
    if keys <= allowed and keys >= required:  # the usual case: two comparisons of key sets
        return
    extra = set(record) - allowed
    if extra:
        raise LogError(f"line {lineno}: unexpected field {sorted(extra)[0]!r}")
    missing = required - set(record)
    if missing:
        raise LogError(f"line {lineno}: missing field {sorted(missing)[0]!r}")


def _is_num(x: Any) -> bool:
    """A finite JSON number (not a bool). Exact classes only: that is all ``json`` makes."""
    cls = x.__class__
    return cls is int or (cls is float and x - x == 0.0)  # inf - inf and nan - nan are nan


_NOT_JSON = object()


def _loads(line: str) -> Any:
    """One line's JSON value, or _NOT_JSON."""
    try:
        return json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return _NOT_JSON


def parse_lines(lines: Iterable[str], allow_partial_tail: bool = False) -> ParsedLog:
    """Parse and shape-check a log's lines; raises LogError with a one-line reason.

    Every line must be a JSON object before any is read as a record; then the header is checked,
    then the choices and the end line in order.
    """
    raw = list(lines)
    if len(raw) > MAX_LINES:
        raise LogError(f"log has more than {MAX_LINES} lines")
    dropped = allow_partial_tail and bool(raw) and not raw[-1].endswith("\n")
    if dropped:
        raw.pop()
    records = _json_objects(raw)
    if not records:
        raise LogError("empty log")
    log = ParsedLog(header=_checked_header(records[0]), dropped_tail=dropped)
    _add_records(log, records)
    return log


def _json_objects(raw: list[str]) -> list[dict[str, Any]]:
    """Each line's JSON object, in order; a blank, unended, non-JSON or non-object line is refused."""
    records: list[dict[str, Any]] = []
    for i, line in enumerate(raw, 1):
        if not line.strip():
            raise LogError(f"line {i}: empty line")
        if not line.endswith("\n"):
            raise LogError(f"line {i}: truncated (no line end)")
        rec = _loads(line)
        if rec is _NOT_JSON:
            raise LogError(f"line {i}: not JSON (truncated or garbage)")
        if not isinstance(rec, dict):
            raise LogError(f"line {i}: expected a JSON object")
        records.append(rec)
    return records


def _checked_header(header: dict[str, Any]) -> dict[str, Any]:
    """The first line, if it is a header of this log format naming a scenario and a usable seed."""
    if header.get("type") != "header":
        raise LogError("line 1: the first line must be the header")
    _check_keys(header, _HEADER_KEYS, {"type", "format", "scenario", "scenario_hash", "seed"}, 1)
    if header["format"] != LOG_FORMAT:
        if header["format"] in _OLD_FORMATS:
            raise LogError(f"line 1: log format {header['format']!r} was written by Touchpoint "
                           f"{_OLD_FORMATS[header['format']]}, whose logs this version cannot verify; "
                           "grade it with that version")
        raise LogError(f"line 1: unknown log format {header['format']!r} (expected {LOG_FORMAT})")
    if not isinstance(header["seed"], int) or isinstance(header["seed"], bool) or header["seed"] < 0:
        raise LogError("line 1: seed must be a non-negative integer")
    if not isinstance(header["scenario"], str) or not isinstance(header["scenario_hash"], str):
        raise LogError("line 1: scenario and scenario_hash must be strings")
    if not isinstance(header.get("policy", ""), str):  # who played: part of the replayed run
        raise LogError("line 1: policy must be a string")
    return header


def _add_records(log: ParsedLog, records: list[dict[str, Any]]) -> None:
    """Add the records after the header: numbered choices, then at most one end line, last."""
    choices = log.choices
    for lineno, rec in enumerate(records[1:], 2):
        if log.end is not None:
            raise LogError(f"line {lineno}: data after the end line")
        kind = rec.get("type")
        if kind == "choice":
            n = len(choices) + 1
            keys = rec.keys()
            t, think = rec.get("t"), rec.get("think_s", 0)
            # one test for a well-formed choice (numbers as in _is_num); _choice_fault says what is wrong
            if not (keys <= _CHOICE_KEYS and keys >= _CHOICE_REQUIRED and rec["n"] == n
                    and rec["decision"].__class__ is str and rec["choice"].__class__ is str
                    and rec["shown"].__class__ is list
                    and ((t.__class__ is float and t - t == 0.0) or t.__class__ is int)
                    and ((think.__class__ is float and think - think == 0.0) or think.__class__ is int)):
                _choice_fault(rec, n, lineno)
            choices.append(rec)
        elif kind == "end":
            _check_keys(rec, _END_KEYS, {"type", "t", "decisions", "result", "score", "grade", "trace_hash"}, lineno)
            log.end = rec
        else:
            raise LogError(f"line {lineno}: unknown record type {kind!r}")


def _choice_fault(rec: dict, n: int, lineno: int) -> None:
    """Raise the LogError naming what is wrong with a choice line that failed parse_lines' test."""
    _check_keys(rec, _CHOICE_KEYS, _CHOICE_REQUIRED, lineno)
    if rec["n"] != n:
        raise LogError(f"line {lineno}: choice number {rec['n']!r}, expected {n}")
    if (rec["decision"].__class__ is not str or rec["choice"].__class__ is not str or not _is_num(rec["t"])
            or rec["shown"].__class__ is not list):
        raise LogError(f"line {lineno}: malformed choice")
    raise LogError(f"line {lineno}: think_s must be a number")


def parse_bytes(data: bytes, allow_partial_tail: bool = False) -> ParsedLog:
    """Decode and parse a log's bytes. Lines end at ``\n`` only: JSON text may hold U+2028 and
    friends (a trainee's name), which ``str.splitlines`` would wrongly break on."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LogError(f"not UTF-8 text (byte {err.start})") from None
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])  # a last line without its line end
    return parse_lines(lines, allow_partial_tail=allow_partial_tail)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A log file's bytes; a LogError if it cannot be read or is over MAX_LOG_BYTES (then it is
    not read). Plain file descriptors: one open gives both the size and the bytes, and a Python
    file object costs more to make than a small log takes to read (grading reads thousands)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            size = os.fstat(fd).st_size
            if size > MAX_LOG_BYTES:
                raise LogError(f"log is too large ({size} bytes; the limit is {MAX_LOG_BYTES})")
            data = os.read(fd, size) if size else b""
            while len(data) < size:  # a short read (rare for a regular file)
                chunk = os.read(fd, size - len(data))
                if not chunk:
                    break
                data += chunk
            return data
        finally:
            os.close(fd)
    except OSError as err:
        raise LogError(f"cannot read log: {err.strerror or err}") from None


def read_log(path: str | os.PathLike[str], allow_partial_tail: bool = False) -> ParsedLog:
    """Read and shape-check a log file; every failure is a LogError with a one-line reason."""
    return parse_bytes(read_bytes(path), allow_partial_tail=allow_partial_tail)


def replay(log: ParsedLog, scenario: Any) -> Session:
    """Re-run a log's choices on ``scenario``, checking each line; returns the session.

    The session is finished for a complete log, or paused at the next decision for an incomplete
    one (the trainee quit, or a game to resume). Raises LogError where the log does not fit.
    """
    header = log.header
    if header["scenario"] != scenario.id:
        raise LogError(f"log is for scenario {header['scenario']!r}, not {scenario.id!r}")
    if header["scenario_hash"] != scenario.content_hash:
        raise LogError(f"log was written for another version of scenario {scenario.id!r} (content hash differs)")
    session = Session(scenario, header["seed"], player_of(header.get("policy", "")))
    for rec in log.choices:
        point = session.advance()
        n = rec["n"]
        if isinstance(point, RunOutcome):
            raise LogError(f"choice {n}: the run was already over")
        if rec["decision"] != point.key:
            raise LogError(f"choice {n}: decision {rec['decision']!r} does not match the run (expected {point.key!r})")
        if abs(rec["t"] - point.day) > 1e-6:
            raise LogError(f"choice {n}: time {rec['t']:g} does not match the run (day {point.day:g})")
        if rec["shown"] != [o.id for o in point.options]:
            raise LogError(f"choice {n}: the options were shown in another order than the run shows them")
        try:
            session.choose(rec["choice"])
        except InvalidChoice:
            raise LogError(f"choice {n}: {rec['choice']!r} was not offered at {point.key}") from None
    point = session.advance()
    if log.end is not None and not isinstance(point, RunOutcome):
        raise LogError(f"log ends after {len(log.choices)} choices but the run continues at {point.key}")
    return session


def player_of(policy: str) -> str:
    """Who plays, as a run records it (in its trace, and so in the digest of its log): "" for a
    person, ``bot:<policy>`` for a bot. A log's header names the bot's policy; deleting that name
    from a bot's log changes the replayed trace, so the log no longer verifies."""
    return f"bot:{policy}" if policy else ""


def check_end(log: ParsedLog, session: Session, card: Any) -> None:
    """Compare the end line's claims with the recomputed run; raise LogError on any difference."""
    end = log.end
    if end is None:
        return
    claims = {
        "t": (end["t"], session.now),
        "decisions": (end["decisions"], len(session.history)),
        "result": (end["result"], "won" if card.won else "lost"),
        "score": (end["score"], round(card.score, 2)),
        "grade": (end["grade"], card.grade),
        "trace_hash": (end["trace_hash"], trace_hash(session.trace)),
    }
    for name, (claimed, actual) in claims.items():
        same = abs(claimed - actual) <= 1e-6 if _is_num(claimed) and _is_num(actual) else claimed == actual
        if not same:
            raise LogError(f"end line: {name} is {claimed!r} but the replay gives {actual!r} (edited log?)")


class LogWriter:
    """Appends records to a log, flushing and syncing each line so a crash loses nothing."""

    def __init__(self, path: str | os.PathLike[str], header: dict[str, Any] | None = None, sync: bool = True) -> None:
        self.path = Path(path)
        self.sync = sync
        self._f: TextIO = open(self.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open
        if header is not None:
            self._write(header)

    @staticmethod
    def header(scenario: Any, seed: int, trainee: str = "", locale: str = "en", started: str = "",
               policy: str = "") -> dict[str, Any]:
        rec = {"type": "header", "format": LOG_FORMAT, "scenario": scenario.id,
               "scenario_hash": scenario.content_hash, "seed": seed, "engine": __version__,
               "trainee": trainee, "locale": locale, "started": started}
        if policy:
            rec["policy"] = policy
        return rec

    def choice(self, point: DecisionPoint, n: int, choice: str, think_s: float | None = None) -> None:
        rec: dict[str, Any] = {"type": "choice", "n": n, "decision": point.key, "choice": choice, "t": point.day,
                               "shown": [o.id for o in point.options]}
        if think_s is not None:
            rec["think_s"] = round(think_s, 3)
        self._write(rec)

    def end(self, session: Session, card: Any, wall_s: float | None = None) -> None:
        rec: dict[str, Any] = {"type": "end", "t": session.now, "decisions": len(session.history),
                               "result": "won" if card.won else "lost", "score": round(card.score, 2),
                               "grade": card.grade, "trace_hash": trace_hash(session.trace)}
        if wall_s is not None:
            rec["wall_s"] = round(wall_s, 3)
        self._write(rec)

    def _write(self, rec: dict[str, Any]) -> None:
        self._f.write(json.dumps(rec, ensure_ascii=False, separators=(", ", ": ")) + "\n")
        self._f.flush()
        if self.sync:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_log(path: str | os.PathLike[str], session: Session, card: Any, trainee: str = "",
              policy: str | None = None, scenario: Any = None, sync: bool = False) -> None:
    """Write the log of a finished headless session in one go.

    ``policy`` is the bot's name for the header; by default the one the session records as its
    player (:func:`player_of`), so that the log replays to the very same trace. A policy other than
    the session's player would make a log that never verifies: a ValueError."""
    if policy is None:
        policy = session.player.removeprefix("bot:")
    if player_of(policy) != session.player:
        raise ValueError(f"policy {policy!r} did not play this session (its player is {session.player!r}); "
                         "its log would not verify")
    with LogWriter(path, LogWriter.header(scenario, session.seed, trainee=trainee, policy=policy), sync=sync) as w:
        for n, (point, choice) in enumerate(session.history, 1):
            w.choice(point, n, choice)
        w.end(session, card)
