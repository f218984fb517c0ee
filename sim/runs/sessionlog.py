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

A practice branch (the debrief's "Replay from here") is a log of its own: its header names the log
it branches from (``branch_of``, a file name) and the decision it was played on from
(``branch_at``); its choices are the original's up to there and the trainee's from there on, on the
same seed. It replays like any log; grading reports it as a branch and does not grade it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine.decisions import DecisionPoint, InvalidChoice, RunOutcome
from sim.engine.session import Session
from sim.engine.trace import trace_hash
from sim.version import __version__

__all__ = [
    "LOG_FORMAT",
    "MAX_LINES",
    "MAX_LOG_BYTES",
    "MAX_SEED",
    "MAX_THINK_S",
    "DiskFull",
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
    "scenario_file",
    "seed_problem",
    "write_log",
]

LOG_FORMAT = "touchpoint-log/4"
#: Formats of earlier engines, which this one cannot verify: in 0.1 the random streams differ, in
#: 0.2 the encoding of the trace digest, in 0.3 the random streams, the trace's events and the
#: choice lines (no ``shown``).
_OLD_FORMATS = {"touchpoint-log/1": "0.1", "touchpoint-log/2": "0.2", "touchpoint-log/3": "0.3"}
MAX_LOG_BYTES = 16 * 1024 * 1024
MAX_LINES = 100_000
#: The engine's seeds: 0 to 2**63 - 1, what a signed 64-bit integer holds (SQLite, most languages'
#: JSON readers). ``run`` and ``play`` refuse others; a log naming one is invalid.
MAX_SEED = 2**63 - 1
#: The longest think time or wall-clock time a log may claim, in seconds (about 115 days).
MAX_THINK_S = 10_000_000
#: A day or time in a log: within this many days of the start (far beyond any scenario's calendar).
_MAX_DAY = 1e9

_HEADER_KEYS = {"type", "format", "scenario", "scenario_hash", "seed", "engine", "trainee", "locale", "started",
                "policy", "scenario_path", "branch_of", "branch_at"}
#: The header's text fields and the longest each may be.
_HEADER_TEXT = {"scenario": 200, "scenario_hash": 200, "engine": 64, "trainee": 200, "locale": 64, "started": 64,
                "policy": 200, "scenario_path": 4096, "branch_of": 255}
_LOCALE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", re.ASCII)
_CHOICE_KEYS = {"type", "n", "decision", "choice", "t", "shown", "think_s"}
_CHOICE_REQUIRED = {"type", "n", "decision", "choice", "t", "shown"}
_END_KEYS = {"type", "t", "decisions", "result", "score", "grade", "trace_hash", "wall_s"}


class LogError(ValueError):
    """A log that cannot be used: unreadable, malformed, or not a true record of a run.

    ``str(err)`` is the one-line reason in English; ``code`` names the kind of fault ("" for one
    without a code) and ``params`` holds the values its message names, so that an output in another
    language can say the same (:func:`scoring.grading.reason_text`)."""

    def __init__(self, message: str = "", code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class DiskFull(OSError):
    """A log line could not be written because the disk is full (or over quota). The log holds
    every earlier line whole; the line is kept by the writer and written by :meth:`LogWriter.retry`."""


def seed_problem(seed: object) -> str:
    """Why ``seed`` is not one of the engine's seeds, or "" when it is (0 to :data:`MAX_SEED`)."""
    if seed.__class__ is not int:
        return "seed must be a non-negative integer"
    if not 0 <= seed <= MAX_SEED:
        return f"seed {_short(seed)} is out of range (0 to 2**63 - 1)"
    return ""


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
        raise LogError(f"line {lineno}: unexpected field {sorted(extra)[0]!r}", "unexpected_field", line=lineno,
                       field=sorted(extra)[0])
    missing = required - set(record)
    if missing:
        raise LogError(f"line {lineno}: missing field {sorted(missing)[0]!r}", "missing_field", line=lineno,
                       field=sorted(missing)[0])


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
        raise LogError(f"log has more than {MAX_LINES} lines", "too_many_lines", limit=MAX_LINES)
    dropped = allow_partial_tail and bool(raw) and not raw[-1].endswith("\n")
    if dropped:
        raw.pop()
    records = _json_objects(raw)
    if not records:
        raise LogError("empty log", "empty_log")
    log = ParsedLog(header=_checked_header(records[0]), dropped_tail=dropped)
    _add_records(log, records)
    return log


def _json_objects(raw: list[str]) -> list[dict[str, Any]]:
    """Each line's JSON object, in order; a blank, unended, non-JSON or non-object line is refused."""
    records: list[dict[str, Any]] = []
    for i, line in enumerate(raw, 1):
        if not line.strip():
            raise LogError(f"line {i}: empty line", "empty_line", line=i)
        if not line.endswith("\n"):
            raise LogError(f"line {i}: truncated (no line end)", "truncated", line=i)
        rec = _loads(line)
        if rec is _NOT_JSON:
            raise LogError(f"line {i}: not JSON (truncated or garbage)", "not_json", line=i)
        if not isinstance(rec, dict):
            raise LogError(f"line {i}: expected a JSON object", "not_object", line=i)
        records.append(rec)
    return records


def _checked_header(header: dict[str, Any]) -> dict[str, Any]:
    """The first line, if it is a header of this log format naming a scenario and a usable seed."""
    if header.get("type") != "header":
        raise LogError("line 1: the first line must be the header", "no_header")
    _check_keys(header, _HEADER_KEYS, {"type", "format", "scenario", "scenario_hash", "seed"}, 1)
    if header["format"] != LOG_FORMAT:
        if header["format"] in _OLD_FORMATS:
            raise LogError(f"line 1: log format {header['format']!r} was written by Touchpoint "
                           f"{_OLD_FORMATS[header['format']]}, whose logs this version cannot verify; "
                           "grade it with that version", "old_format", format=header["format"],
                           version=_OLD_FORMATS[header["format"]])
        raise LogError(f"line 1: unknown log format {header['format']!r} (expected {LOG_FORMAT})", "unknown_format",
                       format=_short(header["format"], 200), expected=LOG_FORMAT)
    problem = seed_problem(header["seed"])
    if problem:
        raise LogError(f"line 1: {problem}", "bad_seed")
    for key, longest in _HEADER_TEXT.items():
        value = header.get(key, "")
        if value.__class__ is not str:
            raise LogError(f"line 1: {key} must be a string", "header_not_text", field=key)
        if len(value) > longest:
            raise LogError(f"line 1: {key} is too long ({len(value)} characters; at most {longest})",
                           "header_too_long", field=key, length=len(value), limit=longest)
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise LogError(f"line 1: {key} is not valid Unicode (a lone surrogate)", "header_not_unicode",
                               field=key) from None
    locale = header.get("locale", "")
    if locale and not _LOCALE.match(locale):
        raise LogError(f"line 1: locale {locale!r} is not a language tag (such as en or zh-CN)", "bad_locale",
                       locale=locale)
    if ("branch_of" in header) != ("branch_at" in header) or (
            "branch_at" in header and not (header["branch_at"].__class__ is int and header["branch_at"] >= 1)):
        raise LogError("line 1: a branch names both the log it branches from (branch_of) and the decision "
                       "(branch_at, a number from 1)", "bad_branch")
    return header


def _add_records(log: ParsedLog, records: list[dict[str, Any]]) -> None:
    """Add the records after the header: numbered choices, then at most one end line, last."""
    choices = log.choices
    for lineno, rec in enumerate(records[1:], 2):
        if log.end is not None:
            raise LogError(f"line {lineno}: data after the end line", "after_end", line=lineno)
        kind = rec.get("type")
        if kind == "choice":
            n = len(choices) + 1
            keys = rec.keys()
            t, think = rec.get("t"), rec.get("think_s", 0)
            # one test for a well-formed choice, numbers in range (a comparison never overflows, and
            # is false for nan); _choice_fault says what is wrong
            if not (keys <= _CHOICE_KEYS and keys >= _CHOICE_REQUIRED and rec["n"].__class__ is int
                    and rec["n"] == n and rec["decision"].__class__ is str and rec["choice"].__class__ is str
                    and rec["shown"].__class__ is list
                    and (t.__class__ is float or t.__class__ is int) and -_MAX_DAY <= t <= _MAX_DAY
                    and (think.__class__ is float or think.__class__ is int) and 0 <= think <= MAX_THINK_S):
                _choice_fault(rec, n, lineno)
            choices.append(rec)
        elif kind == "end":
            _check_keys(rec, _END_KEYS, {"type", "t", "decisions", "result", "score", "grade", "trace_hash"}, lineno)
            wall = rec.get("wall_s", 0)
            if not ((wall.__class__ is float or wall.__class__ is int) and 0 <= wall <= MAX_THINK_S):
                raise LogError(f"line {lineno}: wall_s must be a number of seconds from 0 to {MAX_THINK_S}",
                               "wall_range", line=lineno, limit=MAX_THINK_S)
            log.end = rec
        else:
            raise LogError(f"line {lineno}: unknown record type {kind!r}", "unknown_record", line=lineno)


def _choice_fault(rec: dict, n: int, lineno: int) -> None:
    """Raise the LogError naming what is wrong with a choice line that failed parse_lines' test."""
    _check_keys(rec, _CHOICE_KEYS, _CHOICE_REQUIRED, lineno)
    if rec["n"].__class__ is not int or rec["n"] != n:
        raise LogError(f"line {lineno}: choice number {_short(rec['n'])}, expected {n}", "choice_number", line=lineno,
                       number=_short(rec["n"]), expected=n)
    if (rec["decision"].__class__ is not str or rec["choice"].__class__ is not str or not _is_num(rec["t"])
            or rec["shown"].__class__ is not list):
        raise LogError(f"line {lineno}: malformed choice", "malformed_choice", line=lineno)
    if not -_MAX_DAY <= rec["t"] <= _MAX_DAY:
        raise LogError(f"line {lineno}: time {_short(rec['t'])} is out of range", "time_range", line=lineno,
                       time=_short(rec["t"]))
    raise LogError(f"line {lineno}: think_s must be a number of seconds from 0 to {MAX_THINK_S}", "think_range",
                   line=lineno, limit=MAX_THINK_S)


def _short(value: Any, limit: int = 40) -> str:
    """A value from a log for a message: its repr, cut short (a number may have thousands of digits)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long for repr (Python 3.11's digit limit)
        return "(a huge number)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_bytes(data: bytes, allow_partial_tail: bool = False) -> ParsedLog:
    """Decode and parse a log's bytes. Lines end at ``\n`` only: JSON text may hold U+2028 and
    friends (a trainee's name), which ``str.splitlines`` would wrongly break on."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LogError(f"not UTF-8 text (byte {err.start})", "not_utf8", byte=err.start) from None
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
        # non-blocking: opening a FIFO for reading would wait for a writer (a regular file ignores it)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise LogError(f"not a regular file ({_file_kind(st.st_mode)})", "not_regular")
            size = st.st_size
            if size > MAX_LOG_BYTES:
                raise LogError(f"log is too large ({size} bytes; the limit is {MAX_LOG_BYTES})", "too_large",
                               size=size, limit=MAX_LOG_BYTES)
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


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"


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
        raise LogError(f"log is for scenario {header['scenario']!r}, not {scenario.id!r}", "wrong_scenario",
                       scenario=header["scenario"], expected=scenario.id)
    if header["scenario_hash"] != scenario.content_hash:
        raise LogError(f"log was written for another version of scenario {scenario.id!r} (content hash differs)",
                       "scenario_version", scenario=scenario.id)
    session = Session(scenario, header["seed"], player_of(header.get("policy", "")))
    for rec in log.choices:
        point = session.advance()
        n = rec["n"]
        if isinstance(point, RunOutcome):
            raise LogError(f"choice {n}: the run was already over", "run_over", n=n)
        if rec["decision"] != point.key:
            raise LogError(f"choice {n}: decision {rec['decision']!r} does not match the run (expected {point.key!r})",
                           "diverges", n=n, decision=rec["decision"], expected=point.key)
        if abs(rec["t"] - point.day) > 1e-6:
            raise LogError(f"choice {n}: time {rec['t']:g} does not match the run (day {point.day:g})",
                           "time_diverges", n=n, time=f"{rec['t']:g}", day=f"{point.day:g}")
        if rec["shown"] != [o.id for o in point.options]:
            raise LogError(f"choice {n}: the options were shown in another order than the run shows them",
                           "shown_order", n=n)
        try:
            session.choose(rec["choice"])
        except InvalidChoice:
            raise LogError(f"choice {n}: {rec['choice']!r} was not offered at {point.key}", "not_offered", n=n,
                           choice=rec["choice"], at=point.key) from None
    point = session.advance()
    if log.end is not None and not isinstance(point, RunOutcome):
        raise LogError(f"log ends after {len(log.choices)} choices but the run continues at {point.key}",
                       "ends_early", n=len(log.choices), at=point.key)
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
        try:
            same = abs(claimed - actual) <= 1e-6 if _is_num(claimed) and _is_num(actual) else claimed == actual
        except OverflowError:  # an integer too large to compare with a float: not the replay's number
            same = False
        if not same:
            raise LogError(f"end line: {name} is {_short(claimed)} but the replay gives {actual!r} (edited log?)",
                           "digest_mismatch" if name == "trace_hash" else "end_mismatch", field=name,
                           claimed=_short(claimed), actual=repr(actual))


class LogWriter:
    """Appends records to a log, writing and syncing each line so a crash loses nothing.

    A line is written whole or not at all: when a write fails (a full disk), the file is cut back
    to its last whole line and the record kept; with a full disk (``ENOSPC``, ``EDQUOT``) the
    write raises :class:`DiskFull`, and :meth:`retry` writes the kept records once there is space
    again (later records wait behind them, in order)."""

    def __init__(self, path: str | os.PathLike[str], header: dict[str, Any] | None = None, sync: bool = True) -> None:
        self.path = Path(path)
        self.sync = sync
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        self._fd: int | None = os.open(self.path, flags, 0o666)
        self._size = os.fstat(self._fd).st_size  # the end of the last whole line
        self._pending: list[bytes] = []
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
        where = scenario_file(scenario)
        if where:
            rec["scenario_path"] = where
        return rec

    def choice(self, point: DecisionPoint, n: int, choice: str, think_s: float | None = None) -> None:
        rec: dict[str, Any] = {"type": "choice", "n": n, "decision": point.key, "choice": choice, "t": point.day,
                               "shown": [o.id for o in point.options]}
        if think_s is not None:
            rec["think_s"] = round(min(think_s, MAX_THINK_S), 3)
        self._write(rec)

    def end(self, session: Session, card: Any, wall_s: float | None = None) -> None:
        rec: dict[str, Any] = {"type": "end", "t": session.now, "decisions": len(session.history),
                               "result": "won" if card.won else "lost", "score": round(card.score, 2),
                               "grade": card.grade, "trace_hash": trace_hash(session.trace)}
        if wall_s is not None:
            rec["wall_s"] = round(min(wall_s, MAX_THINK_S), 3)
        self._write(rec)

    def record(self, rec: dict[str, Any]) -> None:
        """Write one record (a header, for a writer opened without one)."""
        self._write(rec)

    @property
    def pending(self) -> int:
        """How many records wait to be written (after a full disk)."""
        return len(self._pending)

    def _write(self, rec: dict[str, Any]) -> None:
        self._pending.append((json.dumps(rec, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode("utf-8"))
        if len(self._pending) == 1:  # else an earlier record waits for space: this one waits behind it
            self.retry()

    def retry(self) -> None:
        """Write the records that wait, in order; raises DiskFull (or another OSError) if it still cannot."""
        if self._fd is None:
            raise ValueError("the log is closed")
        while self._pending:
            data = self._pending[0]
            try:
                written = 0
                while written < len(data):
                    written += os.write(self._fd, data[written:])
                if self.sync:
                    os.fsync(self._fd)
            except OSError as err:
                self._cut_back()
                if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                    raise DiskFull(err.errno, f"{err.strerror or 'no space left on device'}", str(self.path)) from None
                raise
            self._size += len(data)
            self._pending.pop(0)

    def _cut_back(self) -> None:
        """Cut the file back to its last whole line after a failed write (best effort)."""
        try:
            assert self._fd is not None
            os.ftruncate(self._fd, self._size)
        except OSError:
            pass

    def close(self) -> None:
        """Close the file; records still waiting for space are dropped (the log holds the earlier
        lines whole, so a game can be resumed from it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scenario_file(scenario: Any) -> str:
    """Where a scenario that is not bundled was loaded from (an absolute path), for a log's header:
    ``touchpoint grade`` looks there for it. "" for a bundled scenario or one not from a file."""
    path = getattr(scenario, "path", None)
    if path is None:
        return ""
    from sim.lang import bundled

    try:
        full = Path(path).resolve()
        found = bundled.scenario_path(scenario.id)
        if found is not None and Path(found).resolve() == full:
            return ""
    except (OSError, ValueError):
        return ""
    text = str(full)
    return text if len(text) <= _HEADER_TEXT["scenario_path"] else ""


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
