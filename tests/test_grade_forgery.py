"""Grades a teacher can trust (issue 22, items 1, 2 and 8): assignments and wrong seeds, bot logs marked in
the replayed content, suspect logs flagged for the teacher, and xAPI statements an LRS accepts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import grade, person_log, rows_of

from scoring.assignment import derive_seed, read_assignment
from sim.cli import main
from sim.engine.decisions import RunOutcome
from sim.engine.session import Session
from sim.runs.policies import policy_factory
from sim.runs.sessionlog import read_log


def _roster(path: Path, ids: list[str]) -> Path:
    path.write_text("id,name,email,section\n" + "".join(f"{i},Name {i},,A\n" for i in ids), encoding="utf-8")
    return path


# --- item 1: assignments -----------------------------------------------------------------------------------


@pytest.fixture
def assignment(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    roster = _roster(tmp_path / "roster.csv", ["s001", "s002", "s003"])
    out = tmp_path / "hw1.yaml"
    assert main(["assign", "tutorial", "--roster", str(roster), "--attempts", "2", "--keep", "last",
                 "--due", "2026-03-09", "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_assign_writes_seeds_derived_from_a_secret_kept_apart(assignment: Path, tmp_path: Path,
                                                              tutorial: Any) -> None:
    plan = read_assignment(assignment)
    secret = bytes.fromhex((tmp_path / "hw1.secret").read_text(encoding="ascii").strip())
    assert secret.hex() not in assignment.read_text(encoding="utf-8")  # the secret stays with the teacher
    assert (tmp_path / "hw1.secret").stat().st_mode & 0o077 == 0
    assert plan.scenario_hash == tutorial.content_hash and plan.attempts == 2 and plan.keep == "last"
    assert plan.due == "2026-03-09"
    for trainee, seeds in plan.seeds.items():
        assert seeds == tuple(derive_seed(secret, plan.id, plan.scenario_hash, trainee, k) for k in (1, 2))
        assert all(0 <= s < 2**63 for s in seeds)
    assert len({s for seeds in plan.seeds.values() for s in seeds}) == 6
    again = tmp_path / "again.yaml"  # the same secret gives the same assignment
    assert main(["assign", "tutorial", "--roster", str(tmp_path / "roster.csv"), "--attempts", "2", "--keep", "last",
                 "--due", "2026-03-09", "--secret", str(tmp_path / "hw1.secret"), "--out", str(again)]) == 0
    assert read_assignment(again) == plan


def test_grade_with_an_assignment_accepts_only_its_seeds(assignment: Path, tmp_path: Path, tutorial: Any) -> None:
    plan = read_assignment(assignment)
    logs = tmp_path / "logs"
    logs.mkdir()
    person_log(logs / "s001-a1.jsonl", tutorial, plan.seeds["s001"][0], "s001", "random",
               started="2026-03-02T01:00:00Z")
    person_log(logs / "s001-a2.jsonl", tutorial, plan.seeds["s001"][1], "s001", "expert",
               started="2026-03-02T02:00:00Z")
    person_log(logs / "s002-lucky.jsonl", tutorial, 12345, "s002")  # a farmed seed
    person_log(logs / "s003-stolen.jsonl", tutorial, plan.seeds["s002"][0], "s003")  # a friend's seed
    person_log(logs / "s999.jsonl", tutorial, plan.seeds["s001"][0], "s999")  # not in the assignment
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--assignment", str(assignment), "--out", str(out), "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert rows["s001-a2.jsonl"]["status"] == "complete"  # keep: last, from the assignment
    assert "s001-a1.jsonl" not in rows
    for name, words in (("s002-lucky.jsonl", "seed 12345 is not a seed"), ("s003-stolen.jsonl", "is not a seed"),
                        ("s999.jsonl", "not in assignment")):
        assert rows[name]["status"] == "wrong-seed" and words in rows[name]["reason"], rows[name]
        assert "\n" not in rows[name]["reason"]
    edited = logs / "s001-a2.jsonl"  # someone else's log with the trainee id edited
    header, *rest = edited.read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(header)
    rec["trainee"] = "s003"
    (logs / "s003-edited.jsonl").write_text(json.dumps(rec) + "\n" + "".join(rest), encoding="utf-8")
    assert grade(str(logs), "--assignment", str(assignment), "--out", str(out), "--executor", "serial") == 1
    assert {Path(r["log"]).name: r for r in rows_of(out)}["s003-edited.jsonl"]["status"] == "wrong-seed"


def test_play_with_an_assignment_plays_the_trainees_seed(assignment: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    plan = read_assignment(assignment)
    log = tmp_path / "mine.jsonl"
    assert main(["play", "--assignment", str(assignment), "--trainee", "s002", "--attempt", "2", "--autoplay",
                 "expert", "--log", str(log), "--locale", "en", "--size", "1024x640"]) == 0
    header = read_log(log).header
    assert header["seed"] == plan.seeds["s002"][1] and header["trainee"] == "s002"
    assert "due 2026-03-09" in capsys.readouterr().out
    for argv, words in ((["--trainee", "nobody"], "not in assignment"), (["--trainee", "s001", "--attempt", "3"],
                                                                          "has 2 attempts"),
                        (["--trainee", "s001", "--seed", "4"], "--seed cannot be used")):
        assert main(["play", "--assignment", str(assignment), "--autoplay", "expert", *argv]) == 2
        assert words in capsys.readouterr().err


# --- item 2: signs of forgery ------------------------------------------------------------------------------


def test_run_cohort_and_autoplay_logs_are_marked_as_bots_in_the_replayed_content(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    assert main(["run", "tutorial", "--runs", "2", "--save-logs", str(logs / "run")]) == 0
    assert main(["cohort", "tutorial", "--size", "2", "--out", str(logs / "cohort"), "-q"]) == 0
    assert main(["play", "tutorial", "--autoplay", "expert", "--seed", "3", "--trainee", "s001", "--log",
                 str(logs / "auto.jsonl"), "--locale", "en", "--size", "1024x640"]) == 0
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out), "--executor", "serial", "--attempts", "all") == 0
    rows = rows_of(out)
    assert len(rows) == 5 and all(r["flags"] == "bot" and "not a person" in r["reason"] for r in rows)
    # deleting the marker changes the replayed trace: the log no longer verifies
    auto = logs / "auto.jsonl"
    header, *rest = auto.read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(header)
    assert rec["policy"] == "autoplay-expert"
    del rec["policy"]
    auto.write_text(json.dumps(rec) + "\n" + "".join(rest), encoding="utf-8")
    assert grade(str(logs), "--out", str(out), "--executor", "serial", "--attempts", "all") == 1
    stripped = next(r for r in rows_of(out) if r["log"].endswith("auto.jsonl"))
    assert stripped["status"] == "invalid" and "trace_hash" in stripped["reason"]


def test_a_seed_or_a_choice_sequence_under_two_trainees_and_impossible_think_times_are_suspect(
        tmp_path: Path, tutorial: Any, capsys: pytest.CaptureFixture) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    person_log(logs / "a.jsonl", tutorial, 77, "alice", "random")
    person_log(logs / "b.jsonl", tutorial, 77, "bob", "random")  # the same seed as alice
    random_seeds = []
    for seed in range(100, 400):  # a random player's run off the coach's path, played twice on other seeds
        session = Session(tutorial, seed)
        bot = policy_factory("random")(seed)
        point = session.advance()
        while not isinstance(point, RunOutcome):
            session.choose(bot.choose(point, session))
            point = session.advance()
        if len(session.history) >= 3 and any(c not in p.recommended for p, c in session.history if p.recommended):
            random_seeds.append(seed)
        if len(random_seeds) == 1:
            break
    seed = random_seeds[0]
    person_log(logs / "c.jsonl", tutorial, seed, "carol", "random")
    lines = (logs / "c.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(lines[0])
    rec["trainee"] = "dave"
    (logs / "d.jsonl").write_text(json.dumps(rec) + "\n" + "".join(lines[1:]), encoding="utf-8")
    person_log(logs / "e.jsonl", tutorial, 5, "erin", think=0.2)  # faster than anyone reads
    person_log(logs / "f.jsonl", tutorial, 6, "frank")  # honest
    out = tmp_path / "g.csv"
    capsys.readouterr()
    assert main(["grade", str(logs), "--out", str(out), "--executor", "serial"]) == 0  # flagged, not rejected
    err = capsys.readouterr().err
    rows = {r["trainee"]: r for r in rows_of(out)}
    assert rows["alice"]["flags"] == rows["bob"]["flags"] == "suspect"
    assert "seed 77 also played by bob" in rows["alice"]["reason"]
    assert "suspect" in rows["carol"]["flags"] and "suspect" in rows["dave"]["flags"]
    assert f"seed {seed} also played by dave" in rows["carol"]["reason"]
    assert "implausibly fast" in rows["erin"]["reason"] and rows["erin"]["flags"] == "suspect"
    assert rows["frank"]["flags"] == "" and rows["frank"]["status"] == "complete"
    assert "5 suspect logs" in err and "suspect: " in err


def test_the_how_to_says_what_an_offline_log_can_and_cannot_prove() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "how-to" / "grade-a-cohort.md").read_text(encoding="utf-8")
    assert "What a log can and cannot prove" in page
    for words in ("cannot prove who", "wrong-seed", "bot", "suspect"):
        assert words in page


# --- item 8: xAPI an LRS accepts ---------------------------------------------------------------------------


def test_xapi_statements_parse_with_adls_library_and_carry_version_time_and_parent(
        assignment: Path, tmp_path: Path, tutorial: Any) -> None:
    tincan = pytest.importorskip("tincan")
    plan = read_assignment(assignment)
    logs = tmp_path / "logs"
    logs.mkdir()
    person_log(logs / "s001.jsonl", tutorial, plan.seeds["s001"][0], "s001", think=30.0,
               started="2026-03-02T01:00:00Z")
    person_log(logs / "s002.jsonl", tutorial, plan.seeds["s002"][1], "s002", started="2026-03-03T09:30:00+08:00")
    roster = _roster(tmp_path / "r.csv", ["s001", "s002"])
    for base in ("", "https://lms.example.edu/xapi/"):
        out = tmp_path / "x.jsonl"
        extra = ["--xapi-base", base] if base else []
        assert grade(str(logs), "--assignment", str(assignment), "--roster", str(roster), "--xapi", str(out),
                     "--out", str(tmp_path / "g.csv"), "--review", "--rollouts", "4", *extra) == 0
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2
        for line in lines:
            raw = json.loads(line)
            st = tincan.Statement.from_json(line)
            assert st.version == "1.0.3" and raw["version"] == "1.0.3"
            parent = st.context.context_activities.parent[0]
            assert parent.definition.type == "http://adlnet.gov/expapi/activities/assessment"
            if base:
                assert raw["actor"]["account"]["homePage"] == "https://lms.example.edu/xapi"
                assert st.object.id == "https://lms.example.edu/xapi/scenarios/tutorial"
                assert parent.id == f"https://lms.example.edu/xapi/assignments/{plan.id}"
            else:
                assert raw["actor"]["account"]["homePage"] == "urn:touchpoint:trainees"
                assert st.object.id == "urn:touchpoint:scenario:tutorial"
                assert parent.id == f"urn:touchpoint:assignment:{plan.id}"
            log = read_log(logs / f"{raw['actor']['account']['name']}.jsonl")
            assert st.timestamp is not None and st.result.duration is not None
            from datetime import datetime, timedelta

            started = datetime.fromisoformat(log.header["started"].replace("Z", "+00:00"))
            assert st.timestamp == started + timedelta(seconds=log.end["wall_s"])  # completed, not started
            assert "urn:touchpoint:result:luck" in raw["result"]["extensions"]
    capsys_free = grade(str(logs), "--xapi", str(tmp_path / "y.jsonl"), "--xapi-base", "ftp://nope")
    assert capsys_free == 2


def test_language_tags_that_are_not_bcp47_are_left_out(tmp_path: Path, tutorial: Any) -> None:
    from scoring.safe import is_language_tag
    from scoring.xapi import language_map

    assert all(is_language_tag(t) for t in ("en", "zh-CN", "zh-Hant-TW", "en-US", "x-klingon", "de-CH-1996"))
    assert not any(is_language_tag(t) for t in ("", "en_US", "zh CN", "e", "en-", "-en", "toolonglanguage"))
    assert language_map({"en": "A", "bad tag": "B"}, "en") == {"en": "A"}
    assert language_map("A", "not a tag") == {"und": "A"}
    logs = tmp_path / "logs"
    logs.mkdir()
    person_log(logs / "a.jsonl", tutorial, 3, "s1")
    header, *rest = (logs / "a.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(header)
    rec["locale"] = "en US\x1b"
    (logs / "b.jsonl").write_text(json.dumps(rec) + "\n" + "".join(rest), encoding="utf-8")
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out), "--xapi", str(tmp_path / "x.jsonl")) == 1
    bad = next(r for r in rows_of(out) if r["log"].endswith("b.jsonl"))
    assert bad["status"] == "invalid" and "not a language tag" in bad["reason"] and "\x1b" not in bad["reason"]
    shutil.rmtree(logs)


# --- item 6: incremental grading ---------------------------------------------------------------------------


def test_an_incremental_gradebook_grades_each_log_once_and_gives_the_same_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    import scoring.grading
    from sim.authoring.cohort import CohortSpec, generate

    logs = tmp_path / "class"
    generate(CohortSpec("tutorial", 10, (("expert", 0.5), ("random", 0.5)), 4, str(logs)))
    calls: list[str] = []
    real = scoring.grading._grade_bytes

    def counting(data: bytes, digest: str, display: str, *rest: Any) -> Any:
        calls.append(Path(display).name)
        return real(data, digest, display, *rest)

    monkeypatch.setattr(scoring.grading, "_grade_bytes", counting)
    book = tmp_path / "book.sqlite"

    def run(name: str, *logs_args: str, code: int = 0) -> dict[str, bytes]:
        out = tmp_path / name
        out.mkdir(exist_ok=True)
        calls.clear()
        assert grade(*(logs_args or (str(logs),)), "--gradebook", str(book), "--executor", "serial",
                     "--out", str(out / "g.csv"), "--report", str(out / "r.html"), "--xapi", str(out / "x.jsonl"),
                     "--roster", str(logs / "roster.csv")) == code
        return {p.name: p.read_bytes() for p in out.iterdir()}

    plain = tmp_path / "plain"
    plain.mkdir()
    assert grade(str(logs), "--executor", "serial", "--out", str(plain / "g.csv"), "--report", str(plain / "r.html"),
                 "--xapi", str(plain / "x.jsonl"), "--roster", str(logs / "roster.csv")) == 0
    first = run("first", str(logs / "t000[1-4]-1.jsonl"))  # in pieces: four logs first...
    assert sorted(calls) == [f"t000{i}-1.jsonl" for i in range(1, 5)]
    whole = run("whole")  # ...then the whole class: only the other six are graded
    assert len(calls) == 6 and not set(calls) & {f"t000{i}-1.jsonl" for i in range(1, 5)}
    again = run("again")  # nothing changed: nothing graded, the same bytes
    assert calls == []
    assert again == whole == {p.name: p.read_bytes() for p in plain.iterdir()}
    assert first["g.csv"] != whole["g.csv"]
    shutil.move(str(logs / "t0005-1.jsonl"), logs / "renamed.jsonl")  # moved: the same content, a new name
    moved = run("moved")
    assert calls == [] and b"renamed.jsonl" in moved["g.csv"]
    (logs / "t0006-1.jsonl").write_text((logs / "t0006-1.jsonl").read_text(encoding="utf-8") + "junk\n",
                                        encoding="utf-8")
    run("changed", code=1)
    assert calls == ["t0006-1.jsonl"]  # a changed log is graded again (and is invalid now)
    calls.clear()
    assert grade(str(logs), "--gradebook", str(book), "--executor", "serial", "--review", "--rollouts", "2",
                 "--out", str(tmp_path / "r.csv")) == 1
    assert len(calls) == 10  # another context (a review): graded again


def test_an_unchanged_class_replays_the_outputs_and_summary_of_its_last_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from scoring.cache import GradeCache
    from sim.authoring.cohort import CohortSpec, generate

    logs = tmp_path / "class"
    generate(CohortSpec("tutorial", 6, (("expert", 0.5), ("random", 0.5)), 5, str(logs)))
    roster = _roster(tmp_path / "roster.csv", ["t0001", "t0002", "t0003", "t0004", "t0005", "t0006", "t0099"])
    book = tmp_path / "book.sqlite"
    lookups: list[int] = []
    real = GradeCache.lookup_many

    def counting(self: GradeCache, digests: list[str]) -> Any:
        lookups.append(len(digests))
        return real(self, digests)

    monkeypatch.setattr(GradeCache, "lookup_many", counting)

    def run(name: str, *extra: str) -> tuple[dict[str, bytes], list[str]]:
        out = tmp_path / name
        out.mkdir()
        lookups.clear()
        capsys.readouterr()
        try:
            code = main(["grade", str(logs), "--gradebook", str(book), "--executor", "serial", "--roster", str(roster),
                         "--out", str(out / "g.csv"), "--xapi", str(out / "x.jsonl"), *extra])
        except SystemExit as stop:
            code = int(stop.code or 0)
        assert code == 0
        said = [line.replace(str(out), "OUT") for line in capsys.readouterr().err.splitlines()]
        return {p.name: p.read_bytes() for p in out.iterdir()}, said

    first, first_said = run("first")
    assert lookups  # the first run looks each log up (and grades them all)
    again, again_said = run("again")
    assert lookups == []  # nothing changed: the last run's outputs, not one log looked up
    assert again == first and again_said == first_said
    assert any("1 roster trainee without a log" in line for line in again_said)
    assert any("wrote OUT/g.csv (plain)" in line for line in again_said)
    run("last", "--attempts", "last")  # another option: graded through the per-log results
    assert lookups
    _roster(roster, ["t0001", "t0002", "t0003", "t0004", "t0005", "t0006"])
    _, said = run("roster")  # another roster: no trainee missing now
    assert lookups and not any("without a log" in line for line in said)
    (logs / "extra.jsonl").write_bytes((logs / "t0001-1.jsonl").read_bytes())
    more, _ = run("more")  # a new log
    assert lookups and b"extra.jsonl" in more["g.csv"] and b"extra.jsonl" not in first["g.csv"]
