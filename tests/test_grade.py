"""``touchpoint grade``: verified grading of a class's logs, tampering caught, LMS files, xAPI, report."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import grade, rows_of

from scoring.scorecard import score_run
from sim.authoring.cohort import CohortSpec, generate
from sim.engine.decisions import RunOutcome
from sim.engine.loader import load_file
from sim.engine.session import Session
from sim.lang import bundled
from sim.lang.text import resolve
from sim.lang.yamlsource import load_yaml
from sim.runs.policies import play, policy_factory
from sim.runs.sessionlog import LogWriter, player_of, read_log

SIZE = 12


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic class: 12 trainees, two attempts each, experts and random clickers."""
    out = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec("tutorial", SIZE, (("expert", 0.3), ("random", 0.7)), 11, str(out), attempts=2))
    return out


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8")


# --- graded results are the engine's own -----------------------------------------------------------------


def test_grades_equal_the_engines_scores(cohort: Path, tmp_path: Path, tutorial: Any) -> None:
    out = tmp_path / "grades.csv"
    assert grade(str(cohort), "--attempts", "all", "--out", str(out), "--workers", "1") == 0
    rows = rows_of(out)
    assert len(rows) == 2 * SIZE
    for row in rows:
        header = read_log(Path(row["log"])).header
        # play the same trainee again, with the policy and seed the log names, and score it
        session = play(tutorial, policy_factory(header["policy"])(header["seed"]), header["seed"])
        card = score_run(session.trace, tutorial.rubric)
        assert row["status"] == "complete"
        assert row["trainee"] == header["trainee"]
        assert row["score"] == f"{card.score:.2f}"
        assert row["grade"] == card.grade
        assert row["satisfaction"] == f"{card.satisfaction:.2f}"
        assert row["conversion"] == f"{card.conversion:.4f}"
        assert row["retention"] == f"{card.retention:.4f}"
        assert row["cycle_days"] == ("" if card.cycle_days is None else f"{card.cycle_days:.2f}")
        assert row["decisions"] == str(card.decisions)
        assert row["sim_days"] == f"{card.sim_days:.2f}"
        assert row["result"] == ("won" if card.won else "lost")
        assert row["passed"] == ("true" if card.passed else "false")
        log = read_log(Path(row["log"]))
        assert float(row["wall_minutes"]) == pytest.approx(log.end["wall_s"] / 60, abs=0.006)


# --- tampering -------------------------------------------------------------------------------------------


def _other_offered(tutorial: Any, log_path: Path, n: int) -> str:
    """An action that *was* offered at choice ``n`` but not the one the log shows."""
    log = read_log(log_path)
    session = Session(tutorial, log.header["seed"])
    for rec in log.choices[: n - 1]:
        session.advance()
        session.choose(rec["choice"])
    point = session.advance()
    return next(o.id for o in point.options if o.id != log.choices[n - 1]["choice"])


def _edit(lines: list[str], i: int, **changes: Any) -> list[str]:
    i %= len(lines)
    rec = json.loads(lines[i])
    rec.update(changes)
    return [*lines[:i], json.dumps(rec, ensure_ascii=False) + "\n", *lines[i + 1:]]


TAMPERING = {
    "changed action": lambda lines, other: _edit(lines, 1, choice=other),
    "action not offered": (lambda lines, other: _edit(lines, 1, choice="bribe_the_buyer"), "was not offered"),
    "changed seed": lambda lines, other: _edit(lines, 0, seed=json.loads(lines[0])["seed"] + 1),
    "edited score": (lambda lines, other: _edit(lines, -1, score=99.5), "end line: score"),
    "edited result": (lambda lines, other: _edit(lines, -1, result="lost" if '"won"' in lines[-1] else "won"),
                      "end line: result"),
    "edited decision time": (lambda lines, other: _edit(lines, 2, t=json.loads(lines[2])["t"] + 1), "time"),
    "truncated line": (lambda lines, other: [*lines[:-1], lines[-1][: len(lines[-1]) // 2]], "truncated"),
    "appended garbage": (lambda lines, other: [*lines, "}}not json{{\n"], "not JSON"),
    "appended record": (lambda lines, other: [*lines, lines[1]], "after the end line"),
    "removed choice": lambda lines, other: [lines[0], *lines[2:]],
    "unknown scenario": (lambda lines, other: _edit(lines, 0, scenario="no_such_case"), "unknown scenario"),
    "path as scenario": (lambda lines, other: _edit(lines, 0, scenario="../../etc/passwd"), "no valid scenario id"),
    "options reordered": (lambda lines, other: _edit(lines, 1, shown=json.loads(lines[1])["shown"][::-1]),
                          "shown in another order"),
    "shown removed": (lambda lines, other: [lines[0], _drop(lines[1], "shown"), *lines[2:]], "missing field 'shown'"),
    "policy removed": (lambda lines, other: [_drop(lines[0], "policy"), *lines[1:]], "end line: trace_hash"),
    "format 3": (lambda lines, other: _edit(lines, 0, format="touchpoint-log/3"), "written by Touchpoint 0.3"),
}


def _drop(line: str, key: str) -> str:
    rec = json.loads(line)
    del rec[key]
    return json.dumps(rec, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_each_kind_of_tampering_is_caught(kind: str, cohort: Path, tmp_path: Path, tutorial: Any) -> None:
    entry = TAMPERING[kind]
    mutate, expect = entry if isinstance(entry, tuple) else (entry, "")
    source = cohort / "t0001-1.jsonl"
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(cohort / "t0002-1.jsonl", logs / "good.jsonl")
    write_lines(logs / "bad.jsonl", mutate(lines_of(source), _other_offered(tutorial, source, 1)))
    out = tmp_path / "grades.csv"
    assert grade(str(logs), "--out", str(out), "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert rows["good.jsonl"]["status"] == "complete"
    bad = rows["bad.jsonl"]
    assert bad["status"] == "invalid"
    assert bad["score"] == "" and bad["grade"] == ""
    assert "\n" not in bad["reason"] and bad["reason"]
    assert expect in bad["reason"]


@pytest.mark.parametrize("content,expect", [
    (b"", "empty log"),
    (b"\xff\xfe\x00garbage\n", "not UTF-8"),
    (b"\x00\x01\x02 binary junk", "truncated"),
    (b'{"type": "choice"}\n', "header"),
    (b"[1, 2, 3]\n", "JSON object"),
])
def test_garbage_files_are_invalid_rows(content: bytes, expect: str, cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "junk.jsonl").write_bytes(content)
    shutil.copy(cohort / "t0003-1.jsonl", logs / "ok.jsonl")
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out), "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert rows["junk.jsonl"]["status"] == "invalid"
    assert expect in rows["junk.jsonl"]["reason"]
    assert rows["ok.jsonl"]["status"] == "complete"


def _changed_tutorial(folder: Path) -> Path:
    """The tutorial with one number changed (the buyer's patience): another version of the same id."""
    data = load_yaml(bundled.scenario_path("tutorial").read_bytes()).data  # Touchpoint's own YAML reader
    data["accounts"][0]["patience_days"] += 1
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tutorial.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_log_for_another_version_of_the_scenario(cohort: Path, tmp_path: Path, tutorial: Any) -> None:
    other = load_file(_changed_tutorial(tmp_path / "scenarios"))
    assert other.id == tutorial.id and other.content_hash != tutorial.content_hash
    logs = tmp_path / "logs"
    logs.mkdir()
    # a trainee who played the changed version...
    session = play(other, policy_factory("expert")(5), 5)
    with LogWriter(logs / "changed.jsonl", LogWriter.header(other, 5, trainee="t0042", policy="expert"),
                   sync=False) as w:
        for n, (point, choice) in enumerate(session.history, 1):
            w.choice(point, n, choice)
        w.end(session, score_run(session.trace, other.rubric))
    # ...and one who played the bundled tutorial
    shutil.copy(cohort / "t0004-1.jsonl", logs / "bundled.jsonl")
    out = tmp_path / "g.csv"

    assert grade(str(logs), "--out", str(out), "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert rows["changed.jsonl"]["status"] == "invalid"
    assert "another version" in rows["changed.jsonl"]["reason"]
    assert rows["bundled.jsonl"]["status"] == "complete"

    # with --scenarios, the folder's version is the one logs are checked against
    assert grade(str(logs), "--scenarios", str(tmp_path / "scenarios"), "--out", str(out),
                 "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert rows["changed.jsonl"]["status"] == "complete"
    assert rows["bundled.jsonl"]["status"] == "invalid"
    assert "another version" in rows["bundled.jsonl"]["reason"]


# --- incomplete, missing, attempts -----------------------------------------------------------------------


def test_a_log_that_stops_early_is_graded_incomplete(cohort: Path, tmp_path: Path, tutorial: Any) -> None:
    # the first log of the class whose run has more than two decisions
    source = next(p for p in sorted(cohort.glob("t*-1.jsonl")) if len(read_log(p).choices) > 2)
    lines = lines_of(source)
    kept = lines[:3]  # header and two choices: the trainee quit
    logs = tmp_path / "logs"
    logs.mkdir()
    write_lines(logs / "quit.jsonl", kept)
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out), "--executor", "serial") == 0  # incomplete is not invalid
    (row,) = rows_of(out)
    assert row["status"] == "incomplete"
    assert row["result"] == "open"
    assert row["reason"].startswith("stopped after 2 decisions")
    assert row["passed"] == "false"
    # the score is the engine's own for the part that was played
    log = read_log(logs / "quit.jsonl")
    session = Session(tutorial, log.header["seed"], player_of(log.header.get("policy", "")))
    for rec in log.choices:
        session.advance()
        session.choose(rec["choice"])
    assert not isinstance(session.advance(), RunOutcome)
    card = score_run(session.trace, tutorial.rubric)
    assert row["score"] == f"{card.score:.2f}"
    # the scorecard counts actions chosen (an agenda's choice of the next meeting is not one)
    actions = sum(point.kind == "action" for point, _ in session.history)
    assert len(session.history) == 2 and 1 <= actions <= 2
    assert row["decisions"] == str(card.decisions) == str(actions)


def _roster(path: Path, ids: list[str]) -> Path:
    path.write_text("id,name,email,section\n" + "".join(f"{i},Name {i},{i}@example.org,A\n" for i in ids),
                    encoding="utf-8")
    return path


def test_roster_trainees_without_a_log_are_missing(cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("t0001-1.jsonl", "t0002-1.jsonl"):
        shutil.copy(cohort / name, logs / name)
    roster = _roster(tmp_path / "roster.csv", ["t0001", "t0002", "t0099", "t0100"])
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--roster", str(roster), "--out", str(out), "--executor", "serial") == 0
    rows = rows_of(out)
    assert [(r["trainee"], r["status"]) for r in rows] == [
        ("t0001", "complete"), ("t0002", "complete"), ("t0099", "missing"), ("t0100", "missing")]
    assert rows[2]["name"] == "Name t0099" and rows[2]["email"] == "t0099@example.org"
    assert rows[2]["scenario"] == "tutorial"

    moodle = tmp_path / "m.csv"
    assert grade(str(logs), "--roster", str(roster), "--format", "moodle", "--out", str(moodle),
                 "--executor", "serial") == 0
    by_id = {r["ID number"]: r for r in rows_of(moodle)}
    title = "Tutorial: Your first deal with Huadong Cold Chain"
    assert by_id["t0099"][f"{title} (Real)"] == ""
    assert by_id["t0099"][f"Feedback: {title}"] == "No session log received."
    assert by_id["t0001"][f"{title} (Real)"] != ""


def _log_with(tmp: Path, name: str, tutorial: Any, seed: int, policy: str, trainee: str, started: str) -> float:
    session = play(tutorial, policy_factory(policy)(seed), seed)
    card = score_run(session.trace, tutorial.rubric)
    with LogWriter(tmp / name, LogWriter.header(tutorial, seed, trainee=trainee, started=started, policy=policy),
                   sync=False) as w:
        for n, (point, choice) in enumerate(session.history, 1):
            w.choice(point, n, choice)
        w.end(session, card)
    return round(card.score, 2)


def test_attempts_best_last_and_all(tmp_path: Path, tutorial: Any) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    # file names deliberately out of time order: "last" goes by start time, then file name
    s_expert = _log_with(logs, "z-first.jsonl", tutorial, 3, "expert", "amy", "2026-03-02T09:00:00+08:00")
    random_seed = next(s for s in range(100) if round(score_run(play(tutorial, policy_factory("random")(s), s)
                                                                .trace, tutorial.rubric).score, 2) < s_expert)
    s_random = _log_with(logs, "a-second.jsonl", tutorial, random_seed, "random", "amy", "2026-03-02T02:00:00Z")
    assert s_random < s_expert
    # two attempts by bob at the same time: the file name decides which is last
    s_b1 = _log_with(logs, "b1.jsonl", tutorial, 7, "expert", "bob", "2026-03-02T02:00:00Z")
    s_b2 = _log_with(logs, "b2.jsonl", tutorial, random_seed, "random", "bob", "2026-03-02T02:00:00Z")

    def run(mode: str) -> list[dict[str, str]]:
        out = tmp_path / f"{mode}.csv"
        assert grade(str(logs), "--attempts", mode, "--out", str(out), "--executor", "serial") == 0
        return rows_of(out)

    best = run("best")
    bob_best = "b1.jsonl" if s_b1 >= s_b2 else "b2.jsonl"  # equal scores: the earlier attempt
    assert [(r["trainee"], Path(r["log"]).name, r["attempts"]) for r in best] == [
        ("amy", "z-first.jsonl", "2"), ("bob", bob_best, "2")]
    assert best[0]["score"] == f"{s_expert:.2f}"
    last = run("last")
    assert [(r["trainee"], Path(r["log"]).name) for r in last] == [("amy", "a-second.jsonl"), ("bob", "b2.jsonl")]
    assert last[0]["score"] == f"{s_random:.2f}" and last[1]["score"] == f"{s_b2:.2f}"
    assert last[0]["attempt"] == "2"  # 09:00+08:00 is 01:00Z, before 02:00Z
    every = run("all")
    assert sorted(Path(r["log"]).name for r in every) == ["a-second.jsonl", "b1.jsonl", "b2.jsonl", "z-first.jsonl"]
    assert [r["attempt"] for r in every if r["trainee"] == "amy"] == ["1", "2"]


# --- LMS files -------------------------------------------------------------------------------------------


def test_moodle_and_canvas_files_have_the_import_columns(cohort: Path, tmp_path: Path) -> None:
    roster = cohort / "roster.csv"
    title = "Tutorial: Your first deal with Huadong Cold Chain"
    moodle = tmp_path / "moodle.csv"
    assert grade(str(cohort), "--roster", str(roster), "--format", "moodle", "--out", str(moodle)) == 0
    with open(moodle, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["ID number", "Email address"]
    assert f"{title} (Real)" in header and f"Feedback: {title}" in header
    rows = rows_of(moodle)
    assert len(rows) == SIZE
    plain = tmp_path / "plain.csv"
    assert grade(str(cohort), "--roster", str(roster), "--out", str(plain)) == 0
    best = {r["trainee"]: r for r in rows_of(plain)}
    for r in rows:
        assert r["Email address"] == f"{r['ID number']}@example.org"
        assert r[f"{title} (Real)"] == best[r["ID number"]]["score"]
        assert r[f"Feedback: {title}"]

    canvas = tmp_path / "canvas.csv"
    assert grade(str(cohort), "--roster", str(roster), "--format", "canvas", "--attempts", "last",
                 "--out", str(canvas)) == 0
    with open(canvas, encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]
    assert table[1][0] == "Points Possible" and table[1][-1] == "100.00"
    assert len(table) == SIZE + 2
    assert {r[2] for r in table[2:]} == {f"t{i:04d}" for i in range(1, SIZE + 1)}
    assert all(re.fullmatch(r"\d+\.\d\d", r[-1]) for r in table[2:])


def test_moodle_feedback_follows_the_locale(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    assert grade(str(cohort), "--format", "moodle", "--locale", "zh", "--out", str(out)) == 0
    with open(out, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
        first = next(csv.reader(f))
    assert "教程：与华东冷链的第一单 (Real)" in header
    assert re.search(r"[赢丢]单", first[4])


# --- xAPI ------------------------------------------------------------------------------------------------

_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
_DURATION = re.compile(r"^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?"
                       r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$")
_LANG = re.compile(r"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$")


def validate_statement(st: dict[str, Any]) -> list[str]:
    """Structural checks from the xAPI 1.0.3 statement spec (the parts Touchpoint fills in)."""
    problems = []
    actor = st.get("actor", {})
    ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor]
    if len(ifis) != 1:
        problems.append("actor needs exactly one inverse functional identifier")
    if "mbox" in actor and not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", actor["mbox"]):
        problems.append("actor.mbox must be mailto:address")
    if "account" in actor and not (_IRI.match(actor["account"].get("homePage", ""))
                                   and actor["account"].get("name")):
        problems.append("actor.account needs homePage (IRL) and name")
    verb = st.get("verb", {})
    if not _IRI.match(verb.get("id", "")) or not verb["id"].startswith("http://adlnet.gov/expapi/verbs/"):
        problems.append("verb.id must be an ADL verb IRI")
    display = verb.get("display")
    if not isinstance(display, dict) or not display or not all(_LANG.match(k) for k in display):
        problems.append("verb.display must be a language map")
    obj = st.get("object", {})
    if not _IRI.match(obj.get("id", "")):
        problems.append("object.id must be an IRI")
    if obj.get("definition", {}).get("type") != "http://adlnet.gov/expapi/activities/simulation":
        problems.append("object.definition.type must be the simulation activity type")
    for key in ("name", "description"):
        value = obj.get("definition", {}).get(key)
        if value is not None and not (isinstance(value, dict) and all(_LANG.match(k) for k in value)):
            problems.append(f"object.definition.{key} must be a language map")
    result = st.get("result", {})
    scaled = result.get("score", {}).get("scaled")
    if not isinstance(scaled, (int, float)) or not -1 <= scaled <= 1:
        problems.append("result.score.scaled must be in [-1, 1]")
    for key in ("success", "completion"):
        if not isinstance(result.get(key), bool):
            problems.append(f"result.{key} must be a boolean")
    if "duration" in result and not _DURATION.match(result["duration"]):
        problems.append("result.duration must be ISO 8601")
    if not all(_IRI.match(k) for k in result.get("extensions", {})):
        problems.append("result.extensions keys must be IRIs")
    try:
        uuid.UUID(st.get("context", {}).get("registration", ""))
    except ValueError:
        problems.append("context.registration must be a UUID")
    try:
        uuid.UUID(st.get("id", ""))
    except ValueError:
        problems.append("id must be a UUID")
    return problems


def test_validator_rejects_broken_statements() -> None:
    good = {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:a@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
            "object": {"id": "urn:touchpoint:scenario:x",
                       "definition": {"type": "http://adlnet.gov/expapi/activities/simulation"}},
            "result": {"score": {"scaled": 0.5}, "success": True, "completion": True, "duration": "PT1M2.5S"},
            "context": {"registration": str(uuid.uuid4())}}
    assert validate_statement(good) == []
    bad = json.loads(json.dumps(good))
    bad["result"]["score"]["scaled"] = 1.5
    bad["result"]["duration"] = "62 seconds"
    bad["context"]["registration"] = "attempt-1"
    bad["actor"] = {"name": "nobody"}
    assert len(validate_statement(bad)) == 4


def test_xapi_statements_validate(cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(cohort, logs)
    write_lines(logs / "quit.jsonl", lines_of(cohort / "t0006-1.jsonl")[:3])  # incomplete
    (logs / "bad.jsonl").write_text("nonsense\n", encoding="utf-8")  # invalid: no statement
    roster = _roster(tmp_path / "roster.csv", [f"t{i:04d}" for i in range(1, 7)])  # half with email
    out = tmp_path / "statements.jsonl"
    assert grade(str(logs), "--roster", str(roster), "--xapi", str(out), "--out", str(tmp_path / "g.csv")) == 1
    statements = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(statements) == 2 * SIZE + 1
    for st in statements:
        assert validate_statement(st) == [], st
    regs = [st["context"]["registration"] for st in statements]
    assert len(set(regs)) == len(regs)
    actors = [st["actor"] for st in statements]
    assert any("mbox" in a for a in actors) and any("account" in a for a in actors)
    incomplete = [st for st in statements if st["result"]["completion"] is False]
    assert len(incomplete) == 1 and incomplete[0]["verb"]["id"].endswith("/failed")
    every = tmp_path / "all.csv"
    assert grade(str(logs), "--attempts", "all", "--out", str(every)) == 1
    graded = [r for r in rows_of(every) if r["status"] != "invalid"]
    assert sorted(st["result"]["score"]["raw"] for st in statements) == sorted(float(r["score"]) for r in graded)
    assert sum(st["result"]["success"] for st in statements) == sum(r["passed"] == "true" for r in graded)
    assert {st["verb"]["id"].rsplit("/", 1)[1] for st in statements} <= {"passed", "failed"}


def test_registration_is_the_same_for_the_same_log_content(cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(cohort / "t0001-1.jsonl", logs / "a.jsonl")
    shutil.copy(cohort / "t0001-1.jsonl", logs / "copy.jsonl")
    shutil.copy(cohort / "t0001-2.jsonl", logs / "b.jsonl")
    out = tmp_path / "x.jsonl"
    assert grade(str(logs), "--xapi", str(out), "--out", str(tmp_path / "g.csv")) == 0
    first = out.read_bytes()
    regs = [json.loads(line)["context"]["registration"] for line in first.decode().splitlines()]
    assert len(regs) == 3 and len(set(regs)) == 2
    assert grade(str(logs), "--xapi", str(out), "--out", str(tmp_path / "g.csv"), "--executor", "serial") == 0
    assert out.read_bytes() == first


# --- report ----------------------------------------------------------------------------------------------


def test_report_is_self_contained_and_in_the_scenarios_language(cohort: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert grade(str(cohort), "--roster", str(cohort / "roster.csv"), "--report", str(report),
                 "--out", str(tmp_path / "g.csv"), "--locale", "zh") == 0
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<svg") == 3  # histogram, funnel, satisfaction against cycle time
    assert not re.search(r"(src|href)=\"https?:", page)  # nothing to fetch: it works offline
    assert "教程：与华东冷链的第一单" in page and "销售漏斗" in page
    assert "★" in page  # the recommended actions are marked
    assert page.count("<tr><td>t00") == SIZE  # one graded row per trainee in the sortable table
    assert "table.sortable" in page or "class=sortable" in page
    # the cohort summary agrees with the grades file
    rows = rows_of(tmp_path / "g.csv")
    passing = sum(r["passed"] == "true" for r in rows)
    assert f"{SIZE}名学员中{passing}名通过" in page


def test_outputs_are_byte_identical_serial_and_process(cohort: Path, tmp_path: Path) -> None:
    outputs = {}
    for name, extra in (("serial", ["--executor", "serial"]),
                        ("process", ["--executor", "process", "--workers", "2", "--chunk-size", "5"])):
        d = tmp_path / name
        d.mkdir()
        assert grade(str(cohort), "--roster", str(cohort / "roster.csv"), "--out", str(d / "g.csv"),
                     "--xapi", str(d / "x.jsonl"), "--report", str(d / "r.html"), *extra) == 0
        outputs[name] = {p.name: p.read_bytes() for p in d.iterdir()}
    assert outputs["serial"] == outputs["process"]


# --- exit codes and usage --------------------------------------------------------------------------------


def test_exit_codes_and_one_line_usage_errors(cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture
                                              ) -> None:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(cohort / "t0001-1.jsonl", good / "a.jsonl")
    assert grade(str(good), "--out", str(tmp_path / "g.csv")) == 0
    (good / "b.jsonl").write_text("garbage\n", encoding="utf-8")
    capsys.readouterr()
    assert grade(str(good), "--out", str(tmp_path / "g.csv")) == 1
    err = capsys.readouterr().err
    assert "1 invalid" in err and "b.jsonl" in err

    usage = [
        [str(tmp_path / "nowhere")],
        [str(tmp_path / "nothing-*.jsonl")],
        [str(good), "--format", "moodle", "--attempts", "all"],
        [str(good), "--roster", str(tmp_path / "no-roster.csv")],
        [str(good), "--scenarios", str(tmp_path / "no-folder")],
        [str(good), "--scheduler", "tcp://127.0.0.1:1", "--executor", "process"],
        [str(good), "--out", str(tmp_path / "missing-folder" / "g.csv")],
        [str(good), "--format", "xlsx"],
        [str(good), "--workers", "0"],
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    usage.append([str(empty)])
    bad_roster = tmp_path / "bad-roster.csv"
    bad_roster.write_text("who,what\nx,y\n", encoding="utf-8")
    usage.append([str(good), "--roster", str(bad_roster)])
    dup_roster = _roster(tmp_path / "dup.csv", ["t0001", "t0002", "t0001"])
    usage.append([str(good), "--roster", str(dup_roster)])
    for args in usage:
        capsys.readouterr()
        assert grade(*args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, (args, err)
    assert "dup.csv:4" in err and "twice" in err


def test_roster_accepts_excel_and_chinese_headers(cohort: Path, tmp_path: Path) -> None:
    roster = tmp_path / "花名册.csv"
    roster.write_bytes("\ufeff学号;姓名;邮箱;班级\nt0001;张伟;zw@example.org;一班\n".encode())
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(cohort / "t0001-1.jsonl", logs / "a.jsonl")
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--roster", str(roster), "--out", str(out)) == 0
    (row,) = rows_of(out)
    assert (row["name"], row["email"], row["section"]) == ("张伟", "zw@example.org", "一班")


def test_grades_go_to_stdout_by_default(cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(cohort / "t0001-1.jsonl", logs / "a.jsonl")
    capsys.readouterr()
    assert grade(str(logs / "*.jsonl")) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1 and rows[0]["trainee"] == "t0001"


def test_a_class_that_played_two_scenarios(cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(cohort, logs)
    generate(CohortSpec("enterprise_software", 3, (("expert", 1.0),), 1, str(logs / "enterprise")))
    title_t = "Tutorial: Your first deal with Huadong Cold Chain"
    title_e = resolve(load_file(bundled.scenario_path("enterprise_software")).spec.title, "en")
    moodle, canvas, report = tmp_path / "m.csv", tmp_path / "c.csv", tmp_path / "r.html"
    assert grade(str(logs), "--roster", str(cohort / "roster.csv"), "--format", "moodle", "--out", str(moodle),
                 "--report", str(report), "--locale", "en") == 0
    rows = {r["ID number"]: r for r in rows_of(moodle)}
    assert len(rows) == SIZE
    # t0001..t0003 played both; the others have no enterprise log
    assert rows["t0001"][f"{title_e} (Real)"] != "" and rows["t0001"][f"{title_t} (Real)"] != ""
    assert rows["t0004"][f"{title_e} (Real)"] == ""
    assert rows["t0004"][f"Feedback: {title_e}"] == "No session log received."
    assert grade(str(logs), "--roster", str(cohort / "roster.csv"), "--format", "canvas", "--out", str(canvas)) == 0
    with open(canvas, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header[5:] == [title_e, title_t]  # in order of scenario id: enterprise_software, tutorial
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 6 and title_e in page and title_t in page


def test_dask_missing_is_a_one_line_usage_error(cohort: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    capsys.readouterr()
    assert grade(str(cohort / "t0001-1.jsonl"), "--executor", "dask") == 2
    err = capsys.readouterr().err
    assert "pip install 'touchpoint[distributed]'" in err and err.count("\n") == 1


@pytest.mark.parametrize(("total", "size", "parts"), [(1000, 125, 4), (37, 500, 2), (5, 125, 4), (0, 8, 4)])
def test_chunks_taper_and_cover_every_log_once(total: int, size: int, parts: int) -> None:
    from scoring.batch import MIN_CHUNK, _chunks

    items = [(str(i), str(i)) for i in range(total)]
    chunks = list(_chunks(items, size, total, parts))
    assert [x for c in chunks for x in c] == items
    sizes = [len(c) for c in chunks]
    assert all(s <= size for s in sizes)
    assert all(s >= min(MIN_CHUNK, size) for s in sizes[:-1])
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the last holds what is left
    if total >= 8 * size:  # a long batch ends in small chunks, so the workers finish together
        assert sizes[-2] < size / 4
