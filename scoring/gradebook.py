"""The gradebook: graded rows joined to the roster, and the CSV files instructors import.

Rows go into a private temporary SQLite database on disk (``sqlite3.connect("")``) as they stream in
from the workers, so a class of 100,000 logs needs no more memory than a class of 100: attempt
selection (``--attempts best|last|all``), the join with the roster, the trainees who handed in
nothing and the final order are all SQL. Every output is sorted on stable keys (trainee, scenario,
start time, path), so it is the same byte for byte whatever order the rows arrived in.

Formats:

* ``plain``: one row per attempt with every metric;
* ``moodle``: Moodle's grade import shape: identity columns ``ID number`` and ``Email address``, then
  ``<scenario title> (Real)`` and ``Feedback: <scenario title>`` per scenario;
* ``canvas``: Canvas's gradebook import shape: ``Student, ID, SIS User ID, SIS Login ID, Section``, a
  ``Points Possible`` row, then one column per scenario.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any, TextIO

from scoring.grading import Row
from scoring.roster import RosterError, Trainee

__all__ = [
    "ATTEMPTS",
    "FORMATS",
    "LOSS_REASON_NAMES",
    "PLAIN_COLUMNS",
    "Gradebook",
    "feedback",
    "fmt",
    "ui_locale",
    "unique_titles",
    "write_canvas",
    "write_moodle",
    "write_plain",
]

FORMATS = ("plain", "moodle", "canvas")
ATTEMPTS = ("best", "last", "all")

PLAIN_COLUMNS = (
    "trainee", "name", "email", "section", "scenario", "attempt", "attempts", "status", "reason", "result",
    "lost_reason", "conversion", "satisfaction", "cycle_days", "retention", "score", "grade", "passed",
    "decisions", "sim_days", "wall_minutes", "started", "seed", "log",
)

_SCHEMA = """
CREATE TABLE attempts (
    path TEXT PRIMARY KEY, file TEXT, trainee TEXT, scenario TEXT, seed INTEGER, started TEXT,
    started_key TEXT, status TEXT, reason TEXT, result TEXT, lost_reason TEXT, conversion REAL,
    satisfaction REAL, cycle_days REAL, retention REAL, score REAL, grade TEXT, passed INTEGER,
    decisions INTEGER, sim_days REAL, wall_s REAL, registration TEXT, locale TEXT, who TEXT
);
CREATE TABLE roster (id TEXT PRIMARY KEY, name TEXT, email TEXT, section TEXT);
CREATE TABLE scen (id TEXT PRIMARY KEY);
"""

#: Which valid attempt of a trainee counts: the highest score (the earliest of equal ones), or the
#: latest by start time then file name.
_BEST_ORDER = "score DESC, status = 'complete' DESC, started_key, file, path"
_CHRONO_ORDER = "started_key, file, path"

_FEEDBACK = {
    "en": {
        "won": "Won, closed on day {day}",
        "lost": "Lost ({reason}) on day {day}",
        "open": "Incomplete: stopped after {n} decisions",
        "figures": "satisfaction {sat}; score {score} ({grade})",
        "best": "best of {n} attempts",
        "last": "last of {n} attempts",
        "invalid": "Log rejected: {reason}",
        "invalid_more": " ({n} rejected logs)",
        "missing": "No session log received.",
    },
    "zh": {
        "won": "赢单，第{day}天成交",
        "lost": "丢单（{reason}），第{day}天",
        "open": "未完成：做出{n}个决策后中止",
        "figures": "满意度{sat}；得分{score}（{grade}）",
        "best": "{n}次尝试中的最高分",
        "last": "{n}次尝试中的最后一次",
        "invalid": "日志未通过校验：{reason}",
        "invalid_more": "（共{n}份日志未通过校验）",
        "missing": "未收到会话日志。",
    },
}
LOSS_REASON_NAMES = {
    "en": {"patience": "no decision in time", "competitor": "went with a competitor", "veto": "vetoed",
           "stalled": "stalled", "disqualified": "disqualified", "cancelled": "cancelled"},
    "zh": {"patience": "客户未能按时决策", "competitor": "客户选择了竞争对手", "veto": "被否决",
           "stalled": "推进停滞", "disqualified": "被取消资格", "cancelled": "项目取消"},
}


def ui_locale(locale: str) -> str:
    """The interface language for a scenario locale: zh for any Chinese, else English."""
    return "zh" if locale.split("-")[0] == "zh" else "en"


def fmt(x: Any, digits: int = 2) -> str:
    """A number as the CSV files write it: fixed decimals, empty for none."""
    if x is None:
        return ""
    return f"{x:.{digits}f}"


class Gradebook:
    """Graded rows, the roster and the known scenarios, queried in a deterministic order."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "" = private temporary database on disk, deleted on close
        self.db.executescript(_SCHEMA)
        self._indexed = False

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- filling ----------------------------------------------------------------------------------------
    def add(self, rows: Iterable[Row]) -> None:
        """Store graded rows (a log named twice is kept once)."""
        self.db.executemany(
            f"INSERT OR IGNORE INTO attempts VALUES ({', '.join('?' * (len(Row._fields) + 1))})",
            ((*r, r.trainee or f"\x00{r.path}") for r in rows),
        )

    def add_roster(self, entries: Iterable[tuple[int, Trainee]], filename: str) -> int:
        """Load roster entries; a duplicate id is a RosterError naming its line. Returns the count."""
        n = 0
        for line, t in entries:
            try:
                self.db.execute("INSERT INTO roster VALUES (?, ?, ?, ?)", (t.id, t.name, t.email, t.section))
            except sqlite3.IntegrityError:
                raise RosterError(f"{filename}:{line}: trainee id {t.id!r} appears twice") from None
            n += 1
        return n

    def set_scenarios(self, ids: Iterable[str]) -> None:
        """The scenarios the gradebook has columns for (and for which missing trainees are listed)."""
        self.db.executemany("INSERT OR IGNORE INTO scen VALUES (?)", ((s,) for s in ids))

    def _index(self) -> None:
        if not self._indexed:
            self.db.execute("CREATE INDEX IF NOT EXISTS by_trainee ON attempts (trainee, scenario)")
            self._indexed = True

    # --- reading ----------------------------------------------------------------------------------------
    def named_scenarios(self) -> list[str]:
        """Scenario ids named by the logs (valid or not), sorted."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT scenario FROM attempts WHERE scenario != '' ORDER BY scenario")]

    def scenarios(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM scen ORDER BY id")]

    def status_counts(self) -> dict[str, int]:
        counts = dict(self.db.execute("SELECT status, COUNT(*) FROM attempts GROUP BY status").fetchall())
        counts["missing"] = self.db.execute(f"SELECT COUNT(*) FROM ({self._missing_sql()})").fetchone()[0]
        return counts

    def roster_size(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM roster").fetchone()[0]

    def not_on_roster(self) -> int:
        """Trainees with logs whom a non-empty roster does not list."""
        if not self.roster_size():
            return 0
        return self.db.execute("SELECT COUNT(DISTINCT trainee) FROM attempts WHERE trainee != '' "
                               "AND trainee NOT IN (SELECT id FROM roster)").fetchone()[0]

    def invalid(self, limit: int | None = None) -> list[tuple[str, str]]:
        """(path, reason) of the rejected logs, by path."""
        sql = "SELECT path, reason FROM attempts WHERE status = 'invalid' ORDER BY path"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.db.execute(sql).fetchall()

    def _ranked_sql(self) -> str:
        return (
            "SELECT a.*, "
            f"ROW_NUMBER() OVER (PARTITION BY who, scenario ORDER BY {_BEST_ORDER}) AS best_rank, "
            f"ROW_NUMBER() OVER (PARTITION BY who, scenario ORDER BY {_CHRONO_ORDER}) AS attempt, "
            "COUNT(*) OVER (PARTITION BY who, scenario) AS n_attempts "
            "FROM attempts a WHERE status IN ('complete', 'incomplete')"
        )

    @staticmethod
    def _selected_where(attempts: str) -> str:
        if attempts not in ATTEMPTS:
            raise ValueError(f"attempts must be one of {ATTEMPTS}, not {attempts!r}")
        return {"best": "best_rank = 1", "last": "attempt = n_attempts", "all": "1"}[attempts]

    def _missing_sql(self) -> str:
        return ("SELECT r.id AS trainee, s.id AS scenario FROM roster r CROSS JOIN scen s WHERE NOT EXISTS "
                "(SELECT 1 FROM attempts a WHERE a.trainee = r.id AND a.scenario = s.id)")

    def plain_rows(self, attempts: str = "best") -> Iterator[dict[str, Any]]:
        """The rows of the plain CSV (and the report's table): selected valid attempts, every rejected
        log, and each roster trainee without a log for a scenario; by trainee, scenario, start, path."""
        self._index()
        cols = ("scenario, seed, started, started_key, status, reason, result, lost_reason, "
                "conversion, satisfaction, cycle_days, retention, score, grade, passed, decisions, sim_days, "
                "wall_s, path")
        u_cols = "u." + cols.replace(", ", ", u.")
        sql = f"""
            SELECT u.trainee, r.name, r.email, r.section, u.attempt, u.n_attempts, {u_cols}
            FROM (
                SELECT trainee, attempt, n_attempts, {cols}
                    FROM ({self._ranked_sql()}) WHERE {self._selected_where(attempts)}
                UNION ALL
                SELECT trainee, NULL, NULL, {cols} FROM attempts WHERE status = 'invalid'
                UNION ALL
                SELECT m.trainee, NULL, NULL, m.scenario, NULL, '', '', 'missing', 'no log', '', '',
                       NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, ''
                    FROM ({self._missing_sql()}) m
            ) u LEFT JOIN roster r ON r.id = u.trainee
            ORDER BY u.trainee, u.scenario, u.started_key, u.path
        """
        cur = self.db.execute(sql)
        names = [d[0] for d in cur.description]
        for rec in cur:
            yield dict(zip(names, rec, strict=True))

    def valid_attempts(self) -> Iterator[dict[str, Any]]:
        """Every verified attempt (complete or not) with its roster entry: the xAPI statements."""
        self._index()
        cur = self.db.execute(
            "SELECT v.*, r.name AS name, r.email AS email, r.section AS section "
            f"FROM ({self._ranked_sql()}) v LEFT JOIN roster r ON r.id = v.trainee "
            "ORDER BY v.trainee, v.scenario, v.started_key, v.path")
        names = [d[0] for d in cur.description]
        for rec in cur:
            yield dict(zip(names, rec, strict=True))

    def trainee_stats(self, attempts: str) -> dict[str, tuple[int, int]]:
        """Per scenario: how many trainees have a graded attempt, and how many of those pass
        (with ``all``, a trainee counts once, by their best attempt)."""
        sel = self._selected_where("best" if attempts == "all" else attempts)
        rows = self.db.execute(
            f"SELECT scenario, COUNT(*), SUM(passed) FROM ({self._ranked_sql()}) WHERE {sel} "
            "GROUP BY scenario")
        return {sid: (n, int(p or 0)) for sid, n, p in rows}

    def people_cells(self, attempts: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """For each trainee (roster or logs), by id: their roster entry and one cell per scenario with the
        selected attempt, or the count and first reason of rejected logs, or nothing (missing)."""
        if attempts == "all":
            raise ValueError("a gradebook takes one attempt per trainee: use best or last")
        self._index()
        sql = f"""
            WITH people AS (SELECT id FROM roster UNION SELECT trainee FROM attempts WHERE trainee != ''),
            sel AS (SELECT * FROM ({self._ranked_sql()}) WHERE {self._selected_where(attempts)}),
            inv AS (SELECT trainee, scenario, COUNT(*) AS n, MIN(path) AS first FROM attempts
                    WHERE status = 'invalid' GROUP BY trainee, scenario)
            SELECT p.id AS trainee, r.name AS name, r.email AS email, r.section AS section, s.id AS scenario,
                   sel.status AS status, sel.reason AS reason, sel.result AS result,
                   sel.lost_reason AS lost_reason, sel.score AS score, sel.grade AS grade,
                   sel.satisfaction AS satisfaction, sel.sim_days AS sim_days, sel.n_attempts AS n_attempts,
                   sel.decisions AS decisions,
                   inv.n AS invalid_n, (SELECT reason FROM attempts WHERE path = inv.first) AS invalid_reason
            FROM people p CROSS JOIN scen s
            LEFT JOIN roster r ON r.id = p.id
            LEFT JOIN sel ON sel.trainee = p.id AND sel.scenario = s.id
            LEFT JOIN inv ON inv.trainee = p.id AND inv.scenario = s.id
            ORDER BY p.id, s.id
        """
        cur = self.db.execute(sql)
        names = [d[0] for d in cur.description]
        records = (dict(zip(names, rec, strict=True)) for rec in cur)
        for _, group in groupby(records, key=lambda d: d["trainee"]):
            cells = list(group)
            yield cells[0], cells


# --- feedback ---------------------------------------------------------------------------------------------


def feedback(cell: dict[str, Any], attempts: str, locale: str) -> str:
    """One line for the trainee in the gradebook, in the scenario's language."""
    t = _FEEDBACK[ui_locale(locale)]
    if cell["status"] is None:
        if cell["invalid_n"]:
            text = t["invalid"].format(reason=cell["invalid_reason"])
            return text + (t["invalid_more"].format(n=cell["invalid_n"]) if cell["invalid_n"] > 1 else "")
        return t["missing"]
    if cell["status"] == "incomplete":
        head = t["open"].format(n=cell["decisions"])
    elif cell["result"] == "won":
        head = t["won"].format(day=f"{cell['sim_days']:g}")
    else:
        names = LOSS_REASON_NAMES[ui_locale(locale)]
        head = t["lost"].format(reason=names.get(cell["lost_reason"], cell["lost_reason"]),
                                day=f"{cell['sim_days']:g}")
    sep = "；" if ui_locale(locale) == "zh" else "; "
    parts = [head, t["figures"].format(sat=fmt(cell["satisfaction"], 1), score=fmt(cell["score"]),
                                       grade=cell["grade"])]
    if cell["n_attempts"] and cell["n_attempts"] > 1:
        parts.append(t[attempts].format(n=cell["n_attempts"]))
    end = "。" if ui_locale(locale) == "zh" else "."
    return sep.join(parts) + end


# --- writers ----------------------------------------------------------------------------------------------


def _writer(out: TextIO) -> Any:
    return csv.writer(out, lineterminator="\n")


def write_plain(book: Gradebook, out: TextIO, attempts: str = "best") -> int:
    """One row per selected attempt, rejected log and missing trainee; returns the number of rows."""
    w = _writer(out)
    w.writerow(PLAIN_COLUMNS)
    n = 0
    for r in book.plain_rows(attempts):
        w.writerow((
            r["trainee"], r["name"] or "", r["email"] or "", r["section"] or "", r["scenario"],
            r["attempt"] or "", r["n_attempts"] or "", r["status"], r["reason"], r["result"],
            r["lost_reason"],
            fmt(r["conversion"], 4), fmt(r["satisfaction"]), fmt(r["cycle_days"]), fmt(r["retention"], 4),
            fmt(r["score"]), r["grade"], "" if r["passed"] is None else ("true" if r["passed"] else "false"),
            "" if r["decisions"] is None else r["decisions"], fmt(r["sim_days"]),
            fmt(None if r["wall_s"] is None else r["wall_s"] / 60.0), r["started"],
            "" if r["seed"] is None else r["seed"], r["path"],
        ))
        n += 1
    return n


def unique_titles(titles: dict[str, str]) -> dict[str, str]:
    """Column titles per scenario id, made unique (two scenarios with one title get their ids added)."""
    seen: dict[str, int] = {}
    for title in titles.values():
        seen[title] = seen.get(title, 0) + 1
    return {sid: (f"{t} [{sid}]" if seen[t] > 1 else t) for sid, t in titles.items()}


def write_moodle(book: Gradebook, out: TextIO, titles: dict[str, str], attempts: str = "best",
                 locale: str = "en") -> int:
    """Moodle's grade import CSV: map ``ID number`` (or ``Email address``) to the user, and each
    ``(Real)`` column to a grade item, its ``Feedback:`` column to that item's feedback."""
    cols = unique_titles(titles)
    sids = book.scenarios()
    w = _writer(out)
    header = ["ID number", "Email address", "Full name"]
    for sid in sids:
        header += [f"{cols[sid]} (Real)", f"Feedback: {cols[sid]}"]
    w.writerow(header)
    n = 0
    for person, cells in book.people_cells(attempts):
        by_sid = {c["scenario"]: c for c in cells}
        row = [person["trainee"], person["email"] or "", person["name"] or ""]
        for sid in sids:
            cell = by_sid[sid]
            row += [fmt(cell["score"]), feedback(cell, attempts, locale)]
        w.writerow(row)
        n += 1
    return n


def write_canvas(book: Gradebook, out: TextIO, titles: dict[str, str], attempts: str = "best") -> int:
    """Canvas's gradebook import CSV: students matched on ``SIS User ID`` (the trainee id) or
    ``SIS Login ID`` (the roster email), one column per scenario, scored out of 100."""
    cols = unique_titles(titles)
    sids = book.scenarios()
    w = _writer(out)
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(cols[s] for s in sids)])
    w.writerow(["Points Possible", "", "", "", "", *("100.00" for _ in sids)])
    n = 0
    for person, cells in book.people_cells(attempts):
        by_sid = {c["scenario"]: c for c in cells}
        w.writerow([person["name"] or person["trainee"], "", person["trainee"], person["email"] or "",
                    person["section"] or "", *(fmt(by_sid[s]["score"]) for s in sids)])
        n += 1
    return n
