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
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import Any, TextIO

from scoring.grading import REJECTED_STATUSES, Row, note, reason_codes, reason_known, reason_text
from scoring.roster import RosterError, Trainee
from scoring.safe import csv_cell, escape_controls

__all__ = [
    "ATTEMPTS",
    "FORMATS",
    "LOSS_REASON_NAMES",
    "PLAIN_COLUMNS",
    "REVIEW_COLUMNS",
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
    "trainee", "name", "email", "section", "scenario", "attempt", "attempts", "status", "flags", "reason", "result",
    "lost_reason", "conversion", "satisfaction", "cycle_days", "retention", "score", "grade", "passed",
    "decisions", "sim_days", "wall_minutes", "started", "seed", "log",
)
#: The review's columns (``grade --review``), after ``score`` in the plain CSV.
REVIEW_COLUMNS = ("accuracy", "expected_score", "luck")

def _column_type(annotation: str) -> str:
    for name, sql in (("int", "INTEGER"), ("float", "REAL"), ("str", "TEXT")):
        if annotation.split(" ")[0] == name:
            return sql
    return ""


_ROW_COLUMNS = ", ".join(f"{name} {_column_type(str(Row.__annotations__[name]))}".strip()
                         + (" PRIMARY KEY" if name == "path" else "") for name in Row._fields)
_SCHEMA = f"""
CREATE TABLE attempts ({_ROW_COLUMNS}, who TEXT);
CREATE TABLE roster (id TEXT PRIMARY KEY, name TEXT, email TEXT, section TEXT);
CREATE TABLE scen (id TEXT PRIMARY KEY);
CREATE TABLE costs (path TEXT, number INTEGER, key TEXT, account TEXT, touchpoint TEXT, chosen TEXT, best TEXT,
                    lost REAL, klass TEXT);
"""
_REJECTED = "(" + ", ".join(f"'{s}'" for s in REJECTED_STATUSES) + ")"

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
        "review": "decisions at {acc}% accuracy, expected score {exp} (luck {luck})",
        "bot": "played by a bot (the {policy!r} policy), not by a person",
        "suspect": "flagged for the teacher to check",
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
        "review": "决策准确度{acc}%，预期得分{exp}（运气{luck}）",
        "bot": "由机器人（{policy!r}策略）而非学员完成",
        "suspect": "已标记，待教师核查",
    },
}
LOSS_REASON_NAMES = {
    "en": {"patience": "no decision in time", "competitor": "went with a competitor", "veto": "vetoed",
           "stalled": "stalled", "disqualified": "disqualified", "cancelled": "cancelled",
           "price": "price above what the buyer would pay"},
    "zh": {"patience": "客户未能按时决策", "competitor": "客户选择了竞争对手", "veto": "被否决",
           "stalled": "推进停滞", "disqualified": "被取消资格", "cancelled": "项目取消",
           "price": "价格高于客户愿付的上限"},
}


#: The rejected statuses by name in Chinese (the summary's list of rejected logs).
_STATUS_ZH = {"invalid": "未通过校验", "error": "出错", "wrong-seed": "种子不符"}


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
        #: The UI language of the texts the gradebook hands out (:meth:`invalid`, :meth:`flagged`): set
        #: by the writers given a locale (Moodle, Canvas, the report), English until then.
        self.locale = "en"
        self._loaded: dict[str, Any] = {}  # scenario id -> LoadedScenario, when set_scenarios was given them

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

    def add_costs(self, costs: Iterable[tuple[Any, ...]]) -> None:
        """Store the reviewed decisions that gave up points (:class:`scoring.grading.DecisionCost`)."""
        self.db.executemany("INSERT INTO costs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", costs)

    def add_roster(self, entries: Iterable[tuple[int, Trainee]], filename: str) -> int:
        """Load roster entries; a duplicate id is a RosterError naming its line. Returns the count.
        Every text is stored with control characters escaped."""
        n = 0
        for line, t in entries:
            try:
                self.db.execute("INSERT INTO roster VALUES (?, ?, ?, ?)",
                                tuple(escape_controls(x) for x in (t.id, t.name, t.email, t.section)))
            except sqlite3.IntegrityError:
                raise RosterError(f"{filename}:{line}: trainee id {escape_controls(t.id)!r} appears twice") from None
            n += 1
        return n

    def set_scenarios(self, ids: Iterable[str]) -> None:
        """The scenarios the gradebook has columns for (and for which missing trainees are listed);
        ``ids`` may map them to their loaded scenarios (then a writer not told its locale can tell it
        from the titles it is given)."""
        if isinstance(ids, Mapping):
            self._loaded.update(ids)
        self.db.executemany("INSERT OR IGNORE INTO scen VALUES (?)", ((s,) for s in ids))

    def flag_shared_runs(self) -> None:
        """Flag as ``suspect`` the verified attempts whose seed, or whose whole sequence of choices,
        also appears under another trainee (the teacher decides: a copied log, or a trainee who
        played a friend's seed). The note names one other trainee."""
        for column, code in (("seed", "suspect_seed"), ("choices_key", "suspect_same")):
            extra = " AND a.choices_key != ''" if column == "choices_key" else ""
            rows = self.db.execute(f"""
                SELECT a.path, a.{column}, MIN(b.trainee), a.reason_codes FROM attempts a JOIN attempts b
                  ON b.scenario = a.scenario AND b.{column} = a.{column} AND b.who != a.who
                WHERE a.status IN ('complete', 'incomplete') AND b.status IN ('complete', 'incomplete')
                  AND a.{column} IS NOT NULL{extra}
                GROUP BY a.path ORDER BY a.path""").fetchall()
            for path, value, other, codes in rows:
                params = {"seed": value} if column == "seed" else {}
                text, part = note(code, other=other, **params) if other else note(code + "_anon", **params)
                try:
                    parts = json.loads(codes) if codes else []
                except ValueError:
                    parts = []
                self.db.execute(
                    "UPDATE attempts SET flags = CASE WHEN instr(' ' || flags || ' ', ' suspect ') THEN flags "
                    "WHEN flags = '' THEN 'suspect' ELSE flags || ' suspect' END, "
                    "reason = CASE WHEN reason = '' THEN ? ELSE reason || '; ' || ? END, reason_codes = ? "
                    "WHERE path = ?",
                    (text, text, reason_codes([*parts, part]), path))

    def _index(self) -> None:
        if not self._indexed:
            self.db.execute("CREATE INDEX IF NOT EXISTS by_trainee ON attempts (trainee, scenario)")
            self.db.execute("CREATE INDEX IF NOT EXISTS by_who ON attempts (who, scenario)")
            self._indexed = True

    # --- reading ----------------------------------------------------------------------------------------
    def named_scenarios(self) -> list[str]:
        """Scenario ids named by the logs (valid or not), sorted."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT scenario FROM attempts WHERE scenario != '' ORDER BY scenario")]

    def scenario_sources(self) -> dict[str, str]:
        """For each scenario of the verified attempts, the file most of them were graded against
        ("" for the bundled one); ties go to the first file by name."""
        rows = self.db.execute(
            "SELECT scenario, source, COUNT(*) AS n FROM attempts WHERE status IN ('complete', 'incomplete') "
            "GROUP BY scenario, source ORDER BY scenario, n DESC, source")
        found: dict[str, str] = {}
        for sid, source, _ in rows:
            found.setdefault(sid, source)
        return found

    def unknown_scenarios(self, prefix: str) -> list[tuple[str, int, int, str]]:
        """(scenario, logs, trainees, first log) for the scenarios that rejected logs name but no
        scenario file was found for (their reason starts with ``prefix``)."""
        return self.db.execute(
            "SELECT scenario, COUNT(*), COUNT(DISTINCT who), MIN(path) FROM attempts "
            "WHERE status = 'invalid' AND substr(reason, 1, ?) = ? GROUP BY scenario ORDER BY scenario",
            (len(prefix), prefix)).fetchall()

    def scenarios(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM scen ORDER BY id")]

    def status_counts(self) -> dict[str, int]:
        counts = dict(self.db.execute("SELECT status, COUNT(*) FROM attempts GROUP BY status").fetchall())
        counts["missing"] = self.db.execute(f"SELECT COUNT(*) FROM ({self._missing_sql()})").fetchone()[0]
        return counts

    def flag_counts(self) -> dict[str, int]:
        """How many logs carry each flag (bot, suspect, unnamed)."""
        return {flag: self.db.execute("SELECT COUNT(*) FROM attempts WHERE instr(' ' || flags || ' ', ?)",
                                      (f" {flag} ",)).fetchone()[0] for flag in ("bot", "suspect", "unnamed")}

    def flagged(self, flag: str, limit: int | None = None, locale: str | None = None) -> list[tuple[str, str]]:
        """(path, reason) of the logs with ``flag``, by path; the reason in ``locale`` (by default the
        gradebook's :attr:`locale`)."""
        sql = ("SELECT path, reason, reason_codes, status FROM attempts WHERE instr(' ' || flags || ' ', ?) "
               "ORDER BY path")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        lang = ui_locale(self.locale if locale is None else locale)
        return [(path, reason_text(reason, codes, lang, status))
                for path, reason, codes, status in self.db.execute(sql, (f" {flag} ",))]

    def has_review(self) -> bool:
        """Whether some attempt was reviewed (its accuracy is known)."""
        return self.db.execute("SELECT 1 FROM attempts WHERE accuracy IS NOT NULL LIMIT 1").fetchone() is not None

    def roster_size(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM roster").fetchone()[0]

    def not_on_roster(self) -> int:
        """Trainees with logs whom a non-empty roster does not list."""
        if not self.roster_size():
            return 0
        return self.db.execute("SELECT COUNT(DISTINCT trainee) FROM attempts WHERE trainee != '' "
                               "AND trainee NOT IN (SELECT id FROM roster)").fetchone()[0]

    def invalid(self, limit: int | None = None, locale: str | None = None) -> list[tuple[str, str, str]]:
        """(path, status, reason) of the rejected logs (invalid, error, wrong-seed), by path; in Chinese
        for a zh ``locale`` (by default the gradebook's :attr:`locale`) the status and reason by name."""
        sql = f"SELECT path, status, reason, reason_codes FROM attempts WHERE status IN {_REJECTED} ORDER BY path"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.db.execute(sql).fetchall()
        if ui_locale(self.locale if locale is None else locale) != "zh":
            return [(path, status, reason) for path, status, reason, _ in rows]
        return [(path, _STATUS_ZH.get(status, status), reason_text(reason, codes, "zh", status))
                for path, status, reason, codes in rows]

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
        cols = ("scenario, seed, started, started_key, status, flags, reason, result, lost_reason, "
                "conversion, satisfaction, cycle_days, retention, score, grade, passed, decisions, sim_days, "
                "wall_s, path, accuracy, expected, luck, reason_codes")
        u_cols = "u." + cols.replace(", ", ", u.")
        sql = f"""
            SELECT u.trainee, r.name, r.email, r.section, u.attempt, u.n_attempts, {u_cols}
            FROM (
                SELECT trainee, attempt, n_attempts, {cols}
                    FROM ({self._ranked_sql()}) WHERE {self._selected_where(attempts)}
                UNION ALL
                SELECT trainee, NULL, NULL, {cols} FROM attempts WHERE status IN {_REJECTED}
                UNION ALL
                SELECT m.trainee, NULL, NULL, m.scenario, NULL, '', '', 'missing', '', 'no log', '', '',
                       NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, ''
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

    def losses(self, scenario: str, attempts: str, unnamed: str = "unnamed:") -> list[tuple[str, str, float]]:
        """(trainee, decision key, points given up) summed per trainee and key over the graded attempts
        of a reviewed class (``attempts``: best or last; ``all`` counts every attempt); a log without a
        trainee name is shown as ``unnamed`` followed by its file name."""
        sel = self._selected_where(attempts)
        return self.db.execute(f"""
            SELECT CASE WHEN s.trainee = '' THEN ? || s.file ELSE s.trainee END, c.key, SUM(c.lost)
            FROM ({self._ranked_sql()}) s JOIN costs c ON c.path = s.path
            WHERE s.scenario = ? AND {sel}
            GROUP BY 1, c.key ORDER BY 1, c.key""", (unnamed, scenario)).fetchall()

    def costliest(self, scenario: str, limit: int = 5) -> list[dict[str, Any]]:
        """The decisions that gave up the most points across the class's verified attempts."""
        cur = self.db.execute("""
            SELECT a.trainee, a.file, c.* FROM costs c JOIN attempts a ON a.path = c.path
            WHERE a.scenario = ? AND a.status IN ('complete', 'incomplete')
            ORDER BY c.lost DESC, c.path, c.number LIMIT ?""", (scenario, limit))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, rec, strict=True)) for rec in cur]

    def people_cells(self, attempts: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """For each trainee (roster or logs, and each log without a trainee name, shown as
        ``unnamed:<file>``), by id: their roster entry and one cell per scenario with the selected
        attempt, or the count and first reason of rejected logs, or nothing (missing)."""
        if attempts == "all":
            raise ValueError("a gradebook takes one attempt per trainee: use best or last")
        self._index()
        sql = f"""
            WITH people AS (SELECT id AS who, id AS shown FROM roster
                            UNION SELECT who, CASE WHEN trainee = '' THEN 'unnamed:' || file ELSE trainee END
                            FROM attempts),
            sel AS (SELECT * FROM ({self._ranked_sql()}) WHERE {self._selected_where(attempts)}),
            inv AS (SELECT who, scenario, COUNT(*) AS n, MIN(path) AS first FROM attempts
                    WHERE status IN {_REJECTED} GROUP BY who, scenario)
            SELECT p.who AS who, p.shown AS trainee, r.name AS name, r.email AS email, r.section AS section,
                   s.id AS scenario,
                   sel.status AS status, sel.reason AS reason, sel.result AS result,
                   sel.lost_reason AS lost_reason, sel.score AS score, sel.grade AS grade,
                   sel.satisfaction AS satisfaction, sel.sim_days AS sim_days, sel.n_attempts AS n_attempts,
                   sel.decisions AS decisions, sel.decided_day AS decided_day, sel.flags AS flags,
                   sel.player AS player, sel.accuracy AS accuracy, sel.expected AS expected, sel.luck AS luck,
                   sel.reason_codes AS reason_codes, inv.n AS invalid_n, f.reason AS invalid_reason,
                   f.reason_codes AS invalid_codes, f.status AS invalid_status
            FROM people p CROSS JOIN scen s
            LEFT JOIN roster r ON r.id = p.who
            LEFT JOIN sel ON sel.who = p.who AND sel.scenario = s.id
            LEFT JOIN inv ON inv.who = p.who AND inv.scenario = s.id
            LEFT JOIN attempts f ON f.path = inv.first
            ORDER BY p.shown, p.who, s.id
        """
        cur = self.db.execute(sql)
        names = [d[0] for d in cur.description]
        records = (dict(zip(names, rec, strict=True)) for rec in cur)
        for _, group in groupby(records, key=lambda d: d["who"]):
            cells = list(group)
            yield cells[0], cells


# --- feedback ---------------------------------------------------------------------------------------------


def feedback(cell: dict[str, Any], attempts: str, locale: str) -> str:
    """One line for the trainee in the gradebook, in the scenario's language."""
    t = _FEEDBACK[ui_locale(locale)]
    if cell["status"] is None:
        if cell["invalid_n"]:
            reason = cell["invalid_reason"]
            codes = cell.get("invalid_codes") or ""
            if ui_locale(locale) == "zh":
                reason = reason_text(reason, codes, "zh", cell.get("invalid_status") or "invalid")
            # a reason without a Chinese of its own says so itself ("日志未通过校验（详情：…）")
            text = t["invalid"].format(reason=reason) if ui_locale(locale) != "zh" or reason_known(codes) else reason
            return text + (t["invalid_more"].format(n=cell["invalid_n"]) if cell["invalid_n"] > 1 else "")
        return t["missing"]
    day = cell.get("decided_day")
    day = cell["sim_days"] if day is None else day
    if cell["status"] == "incomplete":
        head = t["open"].format(n=cell["decisions"])
    elif cell["result"] == "won":
        head = t["won"].format(day=f"{day:g}")
    else:
        names = LOSS_REASON_NAMES[ui_locale(locale)]
        head = t["lost"].format(reason=names.get(cell["lost_reason"], cell["lost_reason"]), day=f"{day:g}")
    sep = "；" if ui_locale(locale) == "zh" else "; "
    parts = [head, t["figures"].format(sat=fmt(cell["satisfaction"], 1), score=fmt(cell["score"]),
                                       grade=cell["grade"])]
    if cell.get("accuracy") is not None:
        parts.append(t["review"].format(acc=fmt(cell["accuracy"], 0), exp=fmt(cell["expected"]),
                                        luck=f"{cell['luck']:+.2f}"))
    if cell["n_attempts"] and cell["n_attempts"] > 1:
        parts.append(t[attempts].format(n=cell["n_attempts"]))
    flags = (cell.get("flags") or "").split()
    if "bot" in flags:
        parts.append(t["bot"].format(policy=cell.get("player") or ""))
    if "suspect" in flags:
        parts.append(t["suspect"])
    end = "。" if ui_locale(locale) == "zh" else "."
    return sep.join(parts) + end


# --- writers ----------------------------------------------------------------------------------------------


def _writer(out: TextIO) -> Any:
    return csv.writer(out, lineterminator="\n")


def _luck(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def write_plain(book: Gradebook, out: TextIO, attempts: str = "best", review: bool = False) -> int:
    """One row per selected attempt, rejected log and missing trainee; returns the number of rows.
    With ``review``, the accuracy, expected score and luck columns follow the score."""
    w = _writer(out)
    columns = list(PLAIN_COLUMNS)
    if review:
        at = columns.index("grade")
        columns[at:at] = REVIEW_COLUMNS
    w.writerow(columns)
    n = 0
    c = csv_cell
    for r in book.plain_rows(attempts):
        cells = [
            c(r["trainee"]), c(r["name"] or ""), c(r["email"] or ""), c(r["section"] or ""), c(r["scenario"]),
            r["attempt"] or "", r["n_attempts"] or "", c(r["status"]), c(r["flags"] or ""), c(r["reason"]),
            c(r["result"]), c(r["lost_reason"]),
            fmt(r["conversion"], 4), fmt(r["satisfaction"]), fmt(r["cycle_days"]), fmt(r["retention"], 4),
            fmt(r["score"]), c(r["grade"]), "" if r["passed"] is None else ("true" if r["passed"] else "false"),
            "" if r["decisions"] is None else r["decisions"], fmt(r["sim_days"]),
            fmt(None if r["wall_s"] is None else r["wall_s"] / 60.0), c(r["started"]),
            "" if r["seed"] is None else r["seed"], c(r["path"]),
        ]
        if review:
            at = columns.index("accuracy")
            cells[at:at] = [fmt(r["accuracy"]), fmt(r["expected"]), _luck(r["luck"])]
        w.writerow(cells)
        n += 1
    return n


def unique_titles(titles: dict[str, str]) -> dict[str, str]:
    """Column titles per scenario id, made unique (two scenarios with one title get their ids added)."""
    seen: dict[str, int] = {}
    for title in titles.values():
        seen[title] = seen.get(title, 0) + 1
    return {sid: (f"{t} [{sid}]" if seen[t] > 1 else t) for sid, t in titles.items()}


_REVIEW_TITLES = {"en": ("accuracy", "expected score", "luck"), "zh": ("决策准确度", "预期得分", "运气")}
#: Between a scenario's title and a review column's name.
_TITLE_SEP = {"en": ": ", "zh": "："}


def write_moodle(book: Gradebook, out: TextIO, titles: dict[str, str], attempts: str = "best",
                 locale: str = "en", review: bool = False) -> int:
    """Moodle's grade import CSV: map ``ID number`` (or ``Email address``) to the user, and each
    ``(Real)`` column to a grade item, its ``Feedback:`` column to that item's feedback. With
    ``review``, each scenario also has accuracy, expected score and luck columns (``(Real)`` too,
    for grade items of their own, or left unmapped)."""
    cols = unique_titles(titles)
    sids = book.scenarios()
    lang = book.locale = ui_locale(locale)
    names = _REVIEW_TITLES[lang]
    w = _writer(out)
    header = ["ID number", "Email address", "Full name"]
    for sid in sids:
        header += [csv_cell(f"{cols[sid]} (Real)"), csv_cell(f"Feedback: {cols[sid]}")]
        if review:
            header += [csv_cell(f"{cols[sid]}{_TITLE_SEP[lang]}{name} (Real)") for name in names]
    w.writerow(header)
    n = 0
    for person, cells in book.people_cells(attempts):
        by_sid = {c["scenario"]: c for c in cells}
        row = [csv_cell(person["trainee"]), csv_cell(person["email"] or ""), csv_cell(person["name"] or "")]
        for sid in sids:
            cell = by_sid[sid]
            row += [fmt(cell["score"]), csv_cell(feedback(cell, attempts, locale))]
            if review:
                row += [fmt(cell["accuracy"]), fmt(cell["expected"]), _luck(cell["luck"])]
        w.writerow(row)
        n += 1
    return n


def write_canvas(book: Gradebook, out: TextIO, titles: dict[str, str], attempts: str = "best",
                 review: bool = False, locale: str = "en") -> int:
    """Canvas's gradebook import CSV: students matched on ``SIS User ID`` (the trainee id) or
    ``SIS Login ID`` (the roster email), one column per scenario, scored out of 100. With
    ``review``, each scenario also has accuracy, expected score and luck columns, named in ``locale``."""
    cols = unique_titles(titles)
    sids = book.scenarios()
    lang = book.locale = ui_locale(locale)
    names = _REVIEW_TITLES[lang]
    w = _writer(out)
    heads: list[str] = []
    points: list[str] = []
    for s in sids:
        heads.append(csv_cell(cols[s]))
        points.append("100.00")
        if review:
            heads += [csv_cell(f"{cols[s]}{_TITLE_SEP[lang]}{name}") for name in names]
            points += ["100.00", "100.00", ""]
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *heads])
    w.writerow(["Points Possible", "", "", "", "", *points])
    n = 0
    for person, cells in book.people_cells(attempts):
        by_sid = {c["scenario"]: c for c in cells}
        scores: list[str] = []
        for s in sids:
            cell = by_sid[s]
            scores.append(fmt(cell["score"]))
            if review:
                scores += [fmt(cell["accuracy"]), fmt(cell["expected"]), _luck(cell["luck"])]
        w.writerow([csv_cell(person["name"] or person["trainee"]), "", csv_cell(person["trainee"]),
                    csv_cell(person["email"] or ""), csv_cell(person["section"] or ""), *scores])
        n += 1
    return n
