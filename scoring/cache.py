"""An incremental gradebook (``touchpoint grade --gradebook FILE.sqlite``): graded results kept by log content.

Each graded log's row, its contribution to the class aggregates and (with a review) its priced
decisions are stored under the SHA-256 of the log's bytes and a *context key*: a digest of everything
else a grade depends on (the engine version, the scenario files that could be used, the assignment,
the review's settings). A later run reads each log, hashes it, and grades only the logs it has no
result for in that context; a renamed or moved log keeps its result (the path shown is the new one).
Results are committed as they arrive, so an interrupted run resumes where it stopped, and a large
class can be graded in pieces (``class/a*``, then ``class/b*``, ... then the whole folder, which
grades nothing again). Change a scenario, the assignment or the review settings and every log is
graded again (the context key differs; a scenario found at the path a log records, outside the
folders the key covers, is checked per result: each keeps the digest of the file it was graded
against); the old results stay in the file until ``--gradebook`` is
pointed at a new one.

A whole run is kept too, under its *class key* (:func:`class_key`: the context key, every log's path
and digest, the options and the roster): the same class graded again with the same options writes
the texts the last run wrote and prints its summary, without looking up a single log (an unchanged
class of 10,000 logs re-grades in under a tenth of the first run's time; most of what is left is
starting Python and hashing the logs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scoring.grading import Aggregate, DecisionCost, GradeContext, Row
from scoring.safe import escape_controls
from sim.version import __version__

__all__ = ["CACHE_FORMAT", "GradeCache", "aggregate_from_json", "aggregate_to_json", "class_key", "context_key"]

CACHE_FORMAT = 1
#: Logs looked up in one query.
LOOKUP_BATCH = 500
#: How many whole-class results (:meth:`GradeCache.recall`) a gradebook keeps, newest first.
KEEP_CLASSES = 4
_COUNTERS = ("score_bins", "funnel", "lost_at", "quit_at", "scatter", "choices")
_INTS = ("attempts", "complete", "won", "passed", "satisfaction_q", "score_q", "cycle_q", "cycle_n", "wall_q",
         "wall_n", "account_runs")


def aggregate_to_json(agg: Aggregate | None) -> str:
    if agg is None:
        return ""
    data: dict[str, Any] = {k: getattr(agg, k) for k in _INTS}
    for name in _COUNTERS:
        data[name] = sorted([list(k) if isinstance(k, tuple) else k, v] for k, v in getattr(agg, name).items())
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def aggregate_from_json(text: str) -> Aggregate:
    data = json.loads(text)
    agg = Aggregate(**{k: data[k] for k in _INTS})
    for name in _COUNTERS:
        getattr(agg, name).update(Counter({tuple(k) if isinstance(k, list) else k: v for k, v in data[name]}))
    return agg


def _file_digest(path: str | os.PathLike[str]) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def context_key(ctx: GradeContext) -> str:
    """A digest of what a grade depends on besides the log: the engine, the scenario files that could
    be used (``--scenarios``, the bundled ones, ``*.yaml`` beside the logs), the assignment, the review."""
    from sim.lang import bundled

    parts: list[str] = [f"format {CACHE_FORMAT}", f"engine {__version__}",
                        f"review {ctx.review} {ctx.rollouts} {ctx.on}"]
    parts += [f"file {sid} {_file_digest(path)}" for sid, path in sorted(ctx.files.items())]
    with contextlib.suppress(FileNotFoundError):
        parts += [f"bundled {p.name} {_file_digest(p)}" for p in sorted(bundled.scenario_paths())]
    for folder in ctx.search:
        for p in sorted(Path(folder).glob("*.y*ml")):
            parts.append(f"beside {p.name} {_file_digest(p)}")
    if ctx.assignment:
        parts.append(f"assignment {_file_digest(ctx.assignment)}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def class_key(context: str, logs: Iterable[tuple[str, str | None]], settings: Iterable[str]) -> str:
    """A digest of a whole grading run's inputs: the context key, every log in order (the path shown
    and its content digest, None for a log that could not be read) and the run's settings (every
    option that can change an output, the roster's digest). Two runs with the same class key write
    the same outputs, so the second can replay the first's (:meth:`GradeCache.recall`)."""
    h = hashlib.sha256(f"format {CACHE_FORMAT}\ncontext {context}\n".encode())
    for line in settings:
        h.update(f"setting {line}\n".encode("utf-8", "surrogateescape"))
    for display, digest in logs:
        h.update(f"log {digest or '-'} {display}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


_ROW_FIELDS = [f for f in Row._fields if f not in ("path", "file")]
#: Kept beside a row's fields: the digest of the scenario file it was graded against.
_SOURCE_DIGEST = "source_digest"


class GradeCache:
    """The results file: rows, aggregate contributions and priced decisions by (log digest, context)."""

    def __init__(self, path: str | os.PathLike[str], context: str) -> None:
        self.context = context
        self._sources: dict[str, str] = {}  # scenario file -> its digest, once per run
        self.db = sqlite3.connect(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS graded (digest TEXT, context TEXT, row TEXT, agg TEXT, "
                        "costs TEXT, PRIMARY KEY (digest, context))")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS classes (key TEXT PRIMARY KEY, outputs TEXT)")
        found = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if found is None:
            self.db.execute("INSERT INTO meta VALUES ('format', ?)", (str(CACHE_FORMAT),))
        elif found[0] != str(CACHE_FORMAT):
            raise ValueError(f"{path}: a gradebook of another format ({found[0]}); give a new file")
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def lookup_many(self, digests: list[str]) -> dict[str, tuple[dict[str, Any], str, str]]:
        """(row fields without the path, aggregate JSON, decisions JSON) of each log graded before in
        this context, by digest (one query per :data:`LOOKUP_BATCH`)."""
        out: dict[str, tuple[dict[str, Any], str, str]] = {}
        for i in range(0, len(digests), LOOKUP_BATCH):
            part = digests[i:i + LOOKUP_BATCH]
            marks = ", ".join("?" * len(part))
            for digest, row, agg, costs in self.db.execute(
                    f"SELECT digest, row, agg, costs FROM graded WHERE context = ? AND digest IN ({marks})",
                    (self.context, *part)):
                out[digest] = (json.loads(row), agg, costs)
        return out

    def source_digest(self, path: str) -> str:
        """The digest of a scenario file a log was graded against (read once per run)."""
        found = self._sources.get(path)
        if found is None:
            found = self._sources[path] = _file_digest(path)
        return found

    def still_valid(self, fields: dict[str, Any]) -> bool:
        """Whether a kept row (from :meth:`lookup_many`, which this takes the source's digest out
        of) still holds: the scenario file it was graded against, when that is not a bundled one,
        is the same file now. (Files the context key covers change the key instead; a file found
        at the path a log records is only checked here.)"""
        kept = fields.pop(_SOURCE_DIGEST, None)
        source = fields.get("source")
        return not source or kept == self.source_digest(source)

    def store(self, results: Iterable[tuple[Row, Aggregate | None, list[DecisionCost]]]) -> None:
        """Keep graded logs (those with a digest: a log that could not be read is graded again),
        each with the digest of the scenario file it was graded against."""
        self.db.executemany(
            "INSERT OR REPLACE INTO graded VALUES (?, ?, ?, ?, ?)",
            ((row.digest, self.context, json.dumps(self._fields(row), separators=(",", ":")),
              aggregate_to_json(agg), json.dumps([list(c)[1:] for c in costs], separators=(",", ":")))
             for row, agg, costs in results if row.digest and row.status != "error"))
        self.db.commit()

    def _fields(self, row: Row) -> dict[str, Any]:
        fields = {f: getattr(row, f) for f in _ROW_FIELDS}
        if row.source:
            fields[_SOURCE_DIGEST] = self.source_digest(row.source)
        return fields

    def recall(self, key: str) -> dict[str, Any] | None:
        """The outputs a run with this :func:`class_key` wrote (as :meth:`remember` kept them), or None."""
        hit = self.db.execute("SELECT outputs FROM classes WHERE key = ?", (key,)).fetchone()
        return None if hit is None else dict(json.loads(hit[0]))

    def remember(self, key: str, outputs: dict[str, Any]) -> None:
        """Keep a whole run's outputs under its class key; only the :data:`KEEP_CLASSES` newest stay."""
        self.db.execute("DELETE FROM classes WHERE key = ?", (key,))
        self.db.execute("INSERT INTO classes VALUES (?, ?)", (key, json.dumps(outputs)))
        self.db.execute("DELETE FROM classes WHERE rowid NOT IN "
                        "(SELECT rowid FROM classes ORDER BY rowid DESC LIMIT ?)", (KEEP_CLASSES,))
        self.db.commit()

    @staticmethod
    def row(fields: dict[str, Any], display: str) -> Row:
        return Row(path=escape_controls(display), file=escape_controls(os.path.basename(display)), **fields)

    @staticmethod
    def costs(text: str, display: str) -> Iterator[DecisionCost]:
        for c in json.loads(text or "[]"):
            yield DecisionCost(escape_controls(display), *c)
