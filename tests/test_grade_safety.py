"""Grades no log or fault can break (issue 22, items 3, 4, 5 and 7): range-checked headers, each log in
isolation, a fuzzed batch that always finishes, safe CSV and terminal text, atomic outputs, a killed
worker, a full disk during play, FIFOs, and set-up mistakes reported as such."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import grade, person_log, rows_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring.batch
import scoring.grading
from scoring.batch import SerialExecutor, run_batch
from scoring.gradebook import Gradebook, write_canvas, write_moodle, write_plain
from scoring.grading import ChunkResult, GradeContext, grade_chunk
from scoring.scorecard import score_run
from scoring.xapi import write_statements
from sim.authoring.cohort import CohortSpec, generate
from sim.cli import main
from sim.engine.loader import load_file
from sim.lang import bundled
from sim.lang.yamlsource import load_yaml
from sim.runs.policies import play, policy_factory
from sim.runs.sessionlog import DiskFull, read_log, write_log

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec("tutorial", 8, (("expert", 0.5), ("random", 0.5)), 3, str(out)))
    return out


# --- item 3: no log can break a batch ----------------------------------------------------------------------


def test_a_seed_out_of_the_engines_range_is_refused_by_run_and_play_and_invalid_in_a_log(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for argv in (["run", "tutorial", "--seed", str(2**63), "--runs", "1"],
                 ["play", "tutorial", "--seed", str(2**64), "--autoplay", "expert"],
                 ["run", "tutorial", "--seed", str(2**63 - 1), "--runs", "2"]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as stop:
            code = main(argv)
            raise SystemExit(code)
        assert stop.value.code == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "2**63" in err, err
    logs = tmp_path / "logs"
    logs.mkdir()
    for i, seed in enumerate((2**63, 2**64 + 5, 10**400)):
        lines = (cohort / "t0001-1.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        header = json.loads(lines[0])
        header["seed"] = seed
        (logs / f"big{i}.jsonl").write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    shutil.copy(cohort / "t0002-1.jsonl", logs / "good.jsonl")
    for executor in ("serial", "process"):
        out = tmp_path / f"{executor}.csv"
        assert grade(str(logs), "--out", str(out), "--executor", executor, "--workers", "2") == 1
        rows = {Path(r["log"]).name: r for r in rows_of(out)}
        assert rows["good.jsonl"]["status"] == "complete"
        for i in range(3):
            assert rows[f"big{i}.jsonl"]["status"] == "invalid"
            assert "out of range" in rows[f"big{i}.jsonl"]["reason"] and rows[f"big{i}.jsonl"]["seed"] == ""


# (line index in the log, field, out-of-range value, words of the reason): each makes its log invalid
_OUT_OF_RANGE = {
    "trainee_long": (0, "trainee", "x" * 201, "trainee is too long"),
    "trainee_surrogate": (0, "trainee", "\ud800", "trainee is not valid Unicode"),
    "started_number": (0, "started", 123, "started must be a string"),
    "locale_not_a_tag": (0, "locale", "en US", "is not a language tag"),
    "branch_half": (0, "branch_at", 2, "a branch names both"),
    "think_negative": (1, "think_s", -1, "think_s must be a number of seconds"),
    "think_huge": (1, "think_s", 1e12, "think_s must be a number of seconds"),
    "day_huge": (1, "t", 1e300, "is out of range"),
    "wall_huge": (-1, "wall_s", 1e12, "wall_s must be a number of seconds"),
}


def test_every_header_and_line_field_out_of_its_range_makes_that_log_invalid_with_a_reason(
        cohort: Path, tmp_path: Path) -> None:
    """Not only the seed: each field is range-checked where the log is read, so a value no game
    writes (a 201-character trainee id, a lone surrogate, a negative or century-long think time, a
    day of 1e300) is one invalid row with a one-line reason, and the class is graded."""
    logs = tmp_path / "logs"
    logs.mkdir()
    source = (cohort / "t0001-1.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    for name, (line, key, value, _) in _OUT_OF_RANGE.items():
        lines = list(source)
        rec = json.loads(lines[line])
        rec[key] = value
        lines[line] = json.dumps(rec) + "\n"
        (logs / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
    shutil.copy(cohort / "t0002-1.jsonl", logs / "good.jsonl")
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out), "--executor", "serial") == 1
    rows = {Path(r["log"]).name: r for r in rows_of(out)}
    assert len(rows) == len(_OUT_OF_RANGE) + 1 and rows["good.jsonl"]["status"] == "complete"
    for name, (_, _, _, words) in _OUT_OF_RANGE.items():
        row = rows[f"{name}.jsonl"]
        assert row["status"] == "invalid" and words in row["reason"], (name, row)
        assert "\n" not in row["reason"] and "\r" not in row["reason"]


def test_an_unexpected_error_in_one_log_makes_that_log_error_and_the_batch_finishes(
        cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = read_log(cohort / "t0003-1.jsonl").header["seed"]
    real = scoring.grading.score_run

    def flaky(trace: Any, rubric: Any) -> Any:
        card = real(trace, rubric)
        if card.seed == doomed:
            raise ZeroDivisionError("a bug only this log meets")
        return card

    monkeypatch.setattr(scoring.grading, "score_run", flaky)
    out = tmp_path / "g.csv"
    assert grade(str(cohort), "--out", str(out), "--executor", "serial") == 1
    rows = {r["trainee"]: r for r in rows_of(out)}
    assert len(rows) == 8
    assert rows["t0003"]["status"] == "error" and "ZeroDivisionError" in rows["t0003"]["reason"]
    assert all(r["status"] == "complete" for t, r in rows.items() if t != "t0003")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62, max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["\x1b[31m", "=HYPERLINK(\"x\")", "\ud800", "a\rb", "zh-CN", "", "-1", "\u2028"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)

#: Header values a hostile student or a broken tool would write.
_HOSTILE = st.sampled_from([2**63, 2**64 + 5, -1, 1.5, True, "\x1b[2J", "a\rt9,99", "=HYPERLINK(\"x\")", "\x00",
                            "\ud800", "x" * 5000])


@st.composite
def mutated(draw: Any, lines: list[str]) -> bytes:
    """A real log with a few changes: a field's value (any JSON), a field removed or added, a header
    field set to what a forger or a broken tool would write (a seed past 2**63, a control character,
    a formula), a line dropped or repeated, bytes cut or inserted, another encoding, or a huge field."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "drop_key", "add_key", "line", "bytes", "huge", "header", "header"]))
        i = draw(st.integers(0, len(out) - 1))
        try:
            rec = json.loads(out[i])
        except ValueError:
            rec = None
        if kind == "header":  # the fields a student would forge: a seed past the engine's, an id that injects
            try:
                rec = json.loads(out[0])
            except ValueError:  # an earlier change left no JSON there
                rec = None
            if isinstance(rec, dict):
                rec[draw(st.sampled_from(["seed", "trainee", "locale", "scenario", "started", "policy"]))] = draw(
                    _HOSTILE)
                out[0] = json.dumps(rec) + "\n"
        elif kind in ("value", "drop_key", "add_key", "huge") and isinstance(rec, dict) and rec:
            key = draw(st.sampled_from(sorted(rec)))
            if kind == "value":
                rec[key] = draw(_JSON)
            elif kind == "drop_key":
                del rec[key]
            elif kind == "add_key":
                rec[draw(st.text(max_size=8))] = draw(_JSON)
            else:
                rec[key] = "x" * draw(st.integers(1000, 200_000)) if draw(st.booleans()) else 10 ** 5000
            try:
                out[i] = json.dumps(rec, ensure_ascii=draw(st.booleans())) + "\n"
            except ValueError:  # an integer too long for json.dumps: write its digits by hand
                out[i] = out[i].replace('"seed": ', '"seed": ' + "9" * 5000 + "0 * ", 1)
        elif kind == "line":
            if draw(st.booleans()) and len(out) > 1:
                del out[i]
            else:
                out.insert(i, out[i])
    data = "".join(out).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(0, 4)):]
    if draw(st.integers(0, 9)) == 0:
        data = data.decode("utf-8", "replace").encode(draw(st.sampled_from(["utf-16", "latin-1", "gb18030"])),
                                                      "replace")
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_fuzzed_batch_always_finishes_with_a_row_per_log(data: Any, cohort: Path, tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    sources = sorted(cohort.glob("t*.jsonl"))
    paths = []
    for k in range(3):
        lines = sources[k].read_text(encoding="utf-8").splitlines(keepends=True)
        path = folder / f"f{k}.jsonl"
        path.write_bytes(data.draw(mutated(lines)))
        paths.append(path)
    shutil.copy(sources[3], folder / "ok.jsonl")
    paths.append(folder / "ok.jsonl")
    items = [(str(p), str(p)) for p in paths]
    with Gradebook() as book:
        results: list[ChunkResult] = []
        run_batch(items, SerialExecutor(), results.append, GradeContext(), chunk_size=2)
        for result in results:
            book.add(result.rows)
        book.flag_shared_runs()
        scenario = load_file(bundled.scenario_path("tutorial"))
        book.set_scenarios(["tutorial"])
        for write in (lambda f: write_plain(book, f, "all"), lambda f: write_moodle(book, f, {"tutorial": "T"}),
                      lambda f: write_canvas(book, f, {"tutorial": "T"}),
                      lambda f: write_statements(book, f, {"tutorial": scenario})):
            buf = io.StringIO()
            write(buf)
            assert "\x1b" not in buf.getvalue() and "\r" not in buf.getvalue()
        plain = io.StringIO()
        write_plain(book, plain, "all")
        rows = list(csv.DictReader(io.StringIO(plain.getvalue())))
    assert sorted(r["log"] for r in rows) == sorted(str(p) for p in paths)  # a row per log, none lost or made up
    assert next(r for r in rows if r["log"].endswith("ok.jsonl"))["status"] == "complete"
    assert {r["status"] for r in rows} <= {"complete", "incomplete", "invalid", "error"}


# --- item 4: safe outputs ----------------------------------------------------------------------------------


def _titled_tutorial(folder: Path, title: str) -> Path:
    data = load_yaml(bundled.scenario_path("tutorial").read_bytes()).data
    data["title"] = title
    data["id"] = "evil_case"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "evil_case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["plain", "moodle", "canvas"])
def test_csv_cells_that_start_a_formula_are_neutralised_and_a_cr_cannot_inject_a_row(fmt: str, tmp_path: Path) -> None:
    scenario = load_file(_titled_tutorial(tmp_path / "cases", '=HYPERLINK("http://evil.example","click")'))
    logs = tmp_path / "logs"
    logs.mkdir()
    ids = ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tTAB", "a\rt9999,99.00,\"forged\""]
    for i, trainee in enumerate(ids):
        session = play(scenario, policy_factory("expert")(i), i)
        write_log(logs / f"s{i}.jsonl", session, score_run(session.trace, scenario.rubric), trainee=trainee,
                  scenario=scenario)
    roster = tmp_path / "roster.csv"
    with open(roster, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "email", "section"])
        w.writerow(["=1+2", "=cmd|' /C calc'!A0", "@evil.example", "-A"])
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--scenarios", str(tmp_path / "cases"), "--roster", str(roster), "--format", fmt,
                 "--out", str(out), "--executor", "serial") == 0
    raw = out.read_bytes()
    assert b"\r" not in raw  # a CR in a trainee id is escaped: it can start no row
    with open(out, encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    expected_rows = len(ids) + 1 + (1 if fmt == "canvas" else 0)
    assert len(table) == expected_rows
    for row in table:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (fmt, cell)
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus (a negative luck)
    if fmt != "plain":  # the scenario's title heads a column of the LMS files
        assert any(cell.startswith("'=HYPERLINK") for cell in table[0])
    assert any(cell == "'=1+2" for row in table for cell in row)
    assert any("\\x0d" in cell for row in table for cell in row)  # the CR, shown as an escape


def test_play_refuses_control_characters_in_a_trainee_id(capsys: pytest.CaptureFixture) -> None:
    for bad in ("ali\x1b[2Jce", "bob\r\n", "nul\x00"):
        with pytest.raises(SystemExit) as stop:
            main(["play", "tutorial", "--trainee", bad, "--autoplay", "expert"])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "control characters" in err and "\x1b" not in err


def test_file_names_and_texts_with_escape_sequences_are_escaped_on_the_terminal(
        cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "evil\x1b[2J\x1b]0;pwned\x07.jsonl").write_text("garbage\n", encoding="utf-8")
    shutil.copy(cohort / "t0001-1.jsonl", logs / "ok.jsonl")
    run = subprocess.run([sys.executable, "-m", "sim", "grade", str(logs), "--executor", "serial", "-o",
                          str(tmp_path / "g.csv")], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07.jsonl" in run.stderr
    for argv in (["replay", str(logs / "missing\x1b[31m.jsonl")], ["replay", str(next(logs.glob("evil*")))]):
        run = subprocess.run([sys.executable, "-m", "sim", *argv], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode in (1, 2) and "\x1b" not in run.stderr and run.stderr.count("\n") == 1
    assert "\x1b" not in (tmp_path / "g.csv").read_text(encoding="utf-8")


def test_a_full_disk_while_writing_grades_leaves_the_previous_file_whole(
        cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    out, report, xapi = tmp_path / "grades.csv", tmp_path / "r.html", tmp_path / "x.jsonl"
    assert grade(str(cohort), "--out", str(out), "--xapi", str(xapi), "--executor", "serial") == 0
    before = {p: p.read_bytes() for p in (out, xapi)}
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    capsys.readouterr()
    assert grade(str(cohort), "--out", str(out), "--xapi", str(xapi), "--executor", "serial", "--attempts",
                 "last") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert {p: p.read_bytes() for p in (out, xapi)} == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind
    assert not report.exists()


def _grade_under_a_file_size_limit(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    """``touchpoint grade`` in a process that may write no file larger than ``limit`` bytes: a write
    past it fails with EFBIG part-way through, as one on a full disk fails with ENOSPC."""
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
            "from sim.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", code, "grade", "--executor", "serial", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(__import__("signal"), "SIGXFSZ"),
                    reason="needs RLIMIT_FSIZE and SIGXFSZ")
def test_a_write_that_fails_part_way_leaves_the_previous_grades_and_report_whole(cohort: Path, tmp_path: Path) -> None:
    """A real write fault, not a patched call: the process may write only half of a file, so a
    grades CSV or an HTML report written in place would be left truncated. Each output is written
    beside its target and renamed, so the files of the last good run stay as they were."""
    pytest.importorskip("matplotlib")
    out, report = tmp_path / "grades.csv", tmp_path / "report.html"
    first = _grade_under_a_file_size_limit(2**40, str(cohort), "--out", str(out), "--report", str(report))
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in (out, report)}
    for argv, cut in (([str(cohort), "--attempts", "last", "--out", str(out), "--report", str(report)], out),
                      ([str(cohort), "--attempts", "last", "--report", str(report)], report)):
        run = _grade_under_a_file_size_limit(len(before[cut]) // 2, *argv)
        assert run.returncode == 2, (argv, run.stderr)
        assert run.stderr.count("\n") == 1 and "cannot write output" in run.stderr, run.stderr
        assert {p: p.read_bytes() for p in (out, report)} == before  # neither file is cut short
        assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "report.html"]  # no temporary left


# --- item 5: faults survived -------------------------------------------------------------------------------


def _kill_once(items: list[tuple[str, str]], files: Any) -> ChunkResult:
    """grade_chunk, except that the first worker to get here dies as the out-of-memory killer would do it."""
    flag = Path(os.environ["TOUCHPOINT_TEST_KILL_FLAG"])
    try:
        flag.unlink()
    except FileNotFoundError:
        return _REAL_GRADE_CHUNK(items, files)
    os.kill(os.getpid(), 9)
    raise AssertionError("unreachable")


_REAL_GRADE_CHUNK = grade_chunk


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork (the patch reaches workers)")
def test_a_killed_process_pool_worker_is_survived_with_the_serial_output(
        cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    if multiprocessing.get_start_method(allow_none=False) != "fork":
        pytest.skip("the patched task reaches workers only when they are forked")
    serial = tmp_path / "serial.csv"
    assert grade(str(cohort), "--out", str(serial), "--executor", "serial") == 0
    flag = tmp_path / "kill-once"
    flag.write_text("1", encoding="utf-8")
    monkeypatch.setenv("TOUCHPOINT_TEST_KILL_FLAG", str(flag))
    _kill_once.__module__, _kill_once.__qualname__ = "scoring.grading", "grade_chunk"
    monkeypatch.setattr(scoring.grading, "grade_chunk", _kill_once)
    monkeypatch.setattr(scoring.batch, "grade_chunk", _kill_once)
    pooled = tmp_path / "pool.csv"
    assert grade(str(cohort), "--out", str(pooled), "--executor", "process", "--workers", "2",
                 "--chunk-size", "2") == 0
    assert not flag.exists()  # a worker did die
    assert pooled.read_bytes() == serial.read_bytes()


def test_a_chunk_lost_twice_becomes_error_rows_and_the_batch_finishes(tmp_path: Path, cohort: Path) -> None:
    class Failing(SerialExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            if any("t0002" in display for _, display in args[0]):
                return super().submit(_raise)
            return super().submit(fn, *args, **kwargs)

    results: list[ChunkResult] = []
    items = [(str(p), str(p)) for p in sorted(cohort.glob("t*.jsonl"))]
    assert run_batch(items, Failing(), results.append, GradeContext(), chunk_size=1) == len(items)
    rows = {Path(r.path).name: r for res in results for r in res.rows}
    assert rows["t0002-1.jsonl"].status == "error" and "MemoryError" in rows["t0002-1.jsonl"].reason
    assert sum(r.status == "complete" for r in rows.values()) == len(items) - 1


def _raise() -> None:
    raise MemoryError("the worker was lost")


def test_a_full_disk_during_play_pauses_the_game_with_the_log_intact(tmp_path: Path, tutorial: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.ui.game import Game

    log = tmp_path / "game.jsonl"
    game = Game.new(tutorial, 11, "t0001", "en", log)
    expert = policy_factory("expert")(0)
    game.choose(expert.choose(game.point, game.session))
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space")))
    game.choose(expert.choose(game.point, game.session))  # this line cannot be written: the game pauses
    assert game.disk_full and "No space" in game.disk_full
    assert len(read_log(log).choices) == 1  # every line in the file is whole: the log is intact
    with pytest.raises(DiskFull):
        game.choose(expert.choose(game.point, game.session))
    assert not game.retry_log()  # still full
    monkeypatch.setattr(os, "write", real_write)  # space is back
    assert game.retry_log() and not game.disk_full
    while not game.finished:
        game.choose(expert.choose(game.point, game.session))
    assert main(["replay", str(log)]) == 0
    played = read_log(log)
    assert played.complete and len(played.choices) == len(game.session.history)


def test_the_app_retries_a_paused_log_and_says_so(tmp_path: Path, tutorial: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.ui.app import App, PlayConfig
    from sim.ui.game import Game

    game = Game.new(tutorial, 5, "t1", "en", tmp_path / "g.jsonl")
    app = App(PlayConfig(locale="en", trainee="t1", seed=5, log=None, autoplay=None, screenshots=None, watch=None,
                         size=(1024, 640)), [], scenario=None, game=game)
    game.disk_full = "No space left on device"
    writer = game.writer
    assert writer is not None
    monkeypatch.setattr(writer, "retry", lambda: (_ for _ in ()).throw(DiskFull(errno.ENOSPC, "full")))
    monkeypatch.setattr(type(writer), "pending", property(lambda self: 1))
    app.step(2.5)
    assert game.disk_full and app._toast is not None and "disk is full" in app._toast[0]
    monkeypatch.setattr(writer, "retry", lambda: None)
    monkeypatch.setattr(type(writer), "pending", property(lambda self: 0))
    app.step(2.5)
    assert not game.disk_full and "Space is back" in app._toast[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifos_and_devices_are_refused_at_once(tmp_path: Path, cohort: Path, capsys: pytest.CaptureFixture) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    start = time.monotonic()
    for argv in (["replay", str(fifo)], ["grade", str(fifo)], ["grade", "/dev/null"], ["review", str(fifo)],
                 ["grade", str(cohort), "--roster", str(fifo)]):
        capsys.readouterr()
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (1, 2) and err.count("\n") >= 1 and "Traceback" not in err, (argv, err)
        assert "regular file" in err, (argv, err)
    logs = tmp_path / "logs"
    logs.mkdir()
    os.mkfifo(logs / "trap.jsonl")  # a FIFO inside a class folder is not a log: skipped
    shutil.copy(cohort / "t0001-1.jsonl", logs / "ok.jsonl")
    assert grade(str(logs), "--out", str(tmp_path / "g.csv")) == 0
    assert time.monotonic() - start < 60  # nothing waited for a writer


# --- item 7: set-up errors are set-up errors ---------------------------------------------------------------


def _own_case(folder: Path) -> Path:
    data = load_yaml(bundled.scenario_path("tutorial").read_bytes()).data
    data["id"] = "acme_deal"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme_deal.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_non_bundled_scenario_is_found_from_the_log_or_beside_the_logs_else_one_exit_2_line(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = _own_case(tmp_path / "cases")
    logs = tmp_path / "class"
    generate(CohortSpec(str(case), 4, (("expert", 1.0),), 1, str(logs)))
    assert read_log(logs / "t0001-1.jsonl").header["scenario_path"] == str(case.resolve())
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out)) == 0  # found where the logs say it was played
    assert {r["status"] for r in rows_of(out)} == {"complete"}
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(str(case), moved / "acme_deal.yaml")
    capsys.readouterr()
    assert grade(str(logs), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "acme_deal" in err and "--scenarios" in err
    assert {r["status"] for r in rows_of(out)} == {"complete"}  # the earlier grades are untouched
    shutil.copy(moved / "acme_deal.yaml", logs / "acme_deal.yaml")  # the case file beside the logs
    assert grade(str(logs), "--out", str(out)) == 0
    assert grade(str(logs / "t0001-1.jsonl"), "--scenarios", str(moved), "--out", str(out)) == 0


def test_one_log_naming_an_unknown_scenario_is_an_invalid_row_not_a_stopped_class(cohort: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(cohort, logs)
    lines = (cohort / "t0001-1.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    header["scenario"] = "no_such_case"
    (logs / "forged.jsonl").write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--out", str(out)) == 1
    forged = next(r for r in rows_of(out) if r["log"].endswith("forged.jsonl"))
    assert forged["status"] == "invalid" and "unknown scenario" in forged["reason"]


def test_logs_without_a_trainee_name_are_reported_and_kept_in_every_format(
        tmp_path: Path, tutorial: Any, capsys: pytest.CaptureFixture) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    person_log(logs / "anon.jsonl", tutorial, 3, "")
    person_log(logs / "named.jsonl", tutorial, 4, "t0007")
    for fmt in ("plain", "moodle", "canvas"):
        out = tmp_path / f"{fmt}.csv"
        capsys.readouterr()
        assert main(["grade", str(logs), "--format", fmt, "--out", str(out), "--executor", "serial"]) == 0
        err = capsys.readouterr().err
        assert "1 log without a trainee name (unnamed)" in err
        text = out.read_text(encoding="utf-8")
        assert ("unnamed:anon.jsonl" in text) if fmt != "plain" else ("unnamed" in text and "anon.jsonl" in text)
        assert "t0007" in text


def test_the_moodle_feedback_names_the_day_the_deal_closed(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    assert grade(str(cohort), "--format", "moodle", "--out", str(out)) == 0
    checked = 0
    for row in rows_of(out):
        log = read_log(cohort / f"{row['ID number']}-1.jsonl")
        scenario = load_file(bundled.scenario_path("tutorial"))
        session = play(scenario, policy_factory(log.header["policy"])(log.header["seed"]), log.header["seed"])
        card = score_run(session.trace, scenario.rubric)
        feedback = next(v for k, v in row.items() if k.startswith("Feedback:"))
        if card.won:
            day = max(a.day for a in card.accounts if a.result == "won")
            assert f"closed on day {day:g};" in feedback
            checked += card.sim_days != day
    assert checked  # the bug: the last simulated day was named, which differs from the close day


def test_the_readme_replay_example_replays_the_log_the_step_before_writes(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [ln.removeprefix("$ ").split("#")[0].strip() for ln in readme.splitlines() if ln.startswith("$ touchpoint")]
    replay = next(i for i, ln in enumerate(lines) if ln.startswith("touchpoint replay "))
    writer = next(ln for ln in reversed(lines[:replay]) if "--save-logs" in ln)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(writer.split()[1:]) == 0
        assert main(lines[replay].split()[1:]) == 0
    finally:
        os.chdir(cwd)


def test_play_without_a_usable_display_exits_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")}
    run = subprocess.run([sys.executable, "-m", "sim", "play", "tutorial", "--log", str(tmp_path / "x.jsonl")],
                         capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "no display" in run.stderr and "SDL_VIDEODRIVER=dummy" in run.stderr


def test_a_gradebook_regrades_logs_whose_scenario_file_changed_where_the_log_says_it_was_played(
        tmp_path: Path) -> None:
    """A scenario found at the path a log records is outside the gradebook's context key (which
    covers --scenarios, the bundled files and the files beside the logs): a result kept for such
    a log is used only while that file is the one it was graded against."""
    case = _own_case(tmp_path / "cases")
    logs = tmp_path / "class"
    generate(CohortSpec(str(case), 3, (("expert", 1.0),), 1, str(logs)))
    (logs / "acme_deal.yaml").unlink(missing_ok=True)  # found only where the logs say it was played
    book = tmp_path / "book.sqlite"
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    assert grade(str(logs), "--gradebook", str(book), "--executor", "serial", "--out", str(first)) == 0
    assert {r["passed"] for r in rows_of(first)} == {"true"}
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    data["rubric"]["pass_mark"] = 100  # edited after the class played it: the logs no longer fit it
    case.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for args in ([str(logs / f"t000{i}-1.jsonl") for i in (1, 2, 3)], [str(logs)]):  # per-log results, whole class
        assert grade(*args, "--gradebook", str(book), "--executor", "serial", "--out", str(again)) == 1
        assert {r["status"] for r in rows_of(again)} == {"invalid"}, rows_of(again)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_an_output_that_is_a_pipe_or_a_device_is_written_to_not_replaced(tmp_path):
    """``--csv /dev/null`` or a named pipe: the output is written into it, and it stays what it was.
    (Writing atomically renamed a file over it: run as root, that replaced /dev/null with a file.)"""
    import stat
    import threading

    from scoring.safe import atomic_output

    pipe = tmp_path / "grades.pipe"
    os.mkfifo(pipe)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    with atomic_output(pipe) as f:
        f.write("trainee,score\nt1,90\n")
    reader.join(10)
    assert got == ["trainee,score\nt1,90\n"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["grades.pipe"]  # no temporary file left beside it
    # the same through the command, into a device
    logs = tmp_path / "logs"
    generate(CohortSpec("tutorial", 2, (("expert", 1.0),), 1, str(logs)))
    assert main(["grade", str(logs), "--quiet", "--executor", "serial", "-o", os.devnull, "--report", os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
