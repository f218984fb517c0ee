"""Session logs: written line by line, replayed exactly, and rejected when they do not fit."""

from __future__ import annotations

import json

import pytest
from conftest import MINIMAL, load_text

from scoring import score_run
from sim.engine import trace as tr
from sim.runs.policies import RandomPolicy, play
from sim.runs.sessionlog import LOG_FORMAT, LogError, LogWriter, check_end, parse_lines, read_log, replay, write_log


@pytest.fixture
def played(tutorial, tmp_path):
    session = play(tutorial, RandomPolicy(21), 21)
    card = score_run(session.trace, tutorial.rubric)
    path = tmp_path / "run.jsonl"
    write_log(path, session, card, trainee="t1", scenario=tutorial)
    return session, card, path


def verify(path, scenario):
    log = read_log(path)
    session = replay(log, scenario)
    card = score_run(session.trace, scenario.rubric)
    check_end(log, session, card)
    return log, session, card


def test_log_shape(played, tutorial):
    session, _, path = played
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["scenario"] == "tutorial" and header["seed"] == 21 and header["trainee"] == "t1"
    assert header["scenario_hash"] == tutorial.content_hash and header["engine"]
    choices = [json.loads(x) for x in lines[1:-1]]
    assert [c["n"] for c in choices] == list(range(1, len(session.history) + 1))
    assert [c["choice"] for c in choices] == [c for _, c in session.history]
    assert json.loads(lines[-1])["type"] == "end"


def test_replay_reproduces_the_run_exactly(played, tutorial):
    session, card, path = played
    log, again, card2 = verify(path, tutorial)
    assert log.complete
    assert tr.trace_hash(again.trace) == tr.trace_hash(session.trace)
    assert card2 == card


def _edit(path, lineno, fn):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(lines[lineno])
    fn(rec)
    lines[lineno] = json.dumps(rec) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_changed_action_is_caught(played, tutorial):
    _, _, path = played
    log = read_log(path)
    first = log.choices[0]
    other = next(a.id for a in tutorial.spec.accounts[0].touchpoints[0].actions if a.id != first["choice"])
    _edit(path, 1, lambda r: r.update(choice=other))
    with pytest.raises(LogError):
        verify(path, tutorial)


def test_action_not_offered_is_caught(played, tutorial):
    _, _, path = played
    _edit(path, 1, lambda r: r.update(choice="bribe"))
    with pytest.raises(LogError, match="'bribe' was not offered"):
        verify(path, tutorial)


def test_changed_seed_is_caught(played, tutorial):
    _, _, path = played
    _edit(path, 0, lambda r: r.update(seed=r["seed"] + 1))
    with pytest.raises(LogError):
        verify(path, tutorial)


def test_edited_score_is_caught(played, tutorial):
    _, _, path = played
    n = len(path.read_text(encoding="utf-8").splitlines())
    _edit(path, n - 1, lambda r: r.update(score=99.0, grade="A"))
    with pytest.raises(LogError, match="end line: score"):
        verify(path, tutorial)


def test_truncated_and_garbage_lines(played, tutorial):
    _, _, path = played
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-20], encoding="utf-8")
    with pytest.raises(LogError, match=r"truncated|not JSON"):
        read_log(path)
    path.write_text(text + "garbage\n", encoding="utf-8")
    with pytest.raises(LogError, match="not JSON"):
        read_log(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LogError, match="not UTF-8"):
        read_log(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(LogError, match="empty"):
        read_log(path)


def test_log_for_another_version_of_the_scenario(played):
    _, _, path = played
    other = load_text(MINIMAL)
    with pytest.raises(LogError, match="for scenario 'tutorial', not 'mini'"):
        replay(read_log(path), other)


def test_incomplete_log_replays_to_the_next_decision(played, tutorial):
    session, _, path = played
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]), encoding="utf-8")  # header + two choices: the trainee quit
    log = read_log(path)
    assert not log.complete
    resumed = replay(log, tutorial)
    point = resumed.pending
    assert point is not None and point.number == 3
    assert point.key == session.history[2][0].key


def test_partial_tail_is_dropped_only_when_resuming(played):
    _, _, path = played
    text = path.read_text(encoding="utf-8")
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 1] + '{"type": "cho'
    with pytest.raises(LogError):
        parse_lines(cut.splitlines(keepends=True))
    log = parse_lines(cut.splitlines(keepends=True), allow_partial_tail=True)
    assert log.dropped_tail and not log.complete


def test_writer_syncs_each_line(tmp_path, tutorial):
    path = tmp_path / "live.jsonl"
    from sim.engine.session import Session

    s = Session(tutorial, 3)
    with LogWriter(path, LogWriter.header(tutorial, 3, trainee="x")) as w:
        p = s.advance()
        w.choice(p, 1, p.options[0].id, think_s=1.5)
        # readable by another process before the writer closes
        assert len(read_log(path).choices) == 1


def test_unicode_line_separators_in_text_fields_do_not_split_lines(tmp_path, tutorial):
    session = play(tutorial, RandomPolicy(2), 2)
    card = score_run(session.trace, tutorial.rubric)
    path = tmp_path / "odd.jsonl"
    write_log(path, session, card, trainee="Li\u2028Na\u0085", scenario=tutorial)
    log = read_log(path)
    assert log.header["trainee"] == "Li\u2028Na\u0085" and log.complete


_HEADER = {"type": "header", "format": LOG_FORMAT, "scenario": "tutorial", "scenario_hash": "x", "seed": 1}
_CHOICE = {"type": "choice", "n": 1, "decision": "a/b", "choice": "c", "t": 0.0, "think_s": 1.5}


@pytest.mark.parametrize(("change", "reason"), [
    ({}, None),
    ({"think_s": None}, "think_s must be a number"),
    ({"think_s": float("nan")}, "not JSON|think_s must be a number"),
    ({"t": "0"}, "malformed choice"),
    ({"t": True}, "malformed choice"),
    ({"t": 1}, None),
    ({"decision": 3}, "malformed choice"),
    ({"choice": None}, "malformed choice"),
    ({"n": 2}, "choice number 2, expected 1"),
    ({"extra": 1}, "unexpected field 'extra'"),
    ({"t": ...}, "missing field 't'"),
    ({"think_s": ...}, None),
])
def test_choice_lines_are_shape_checked(change, reason):
    rec = {k: v for k, v in {**_CHOICE, **change}.items() if v is not ...}
    lines = [json.dumps(_HEADER) + "\n", json.dumps(rec) + "\n"]
    if reason is None:
        assert parse_lines(lines).choices == [rec]
    else:
        with pytest.raises(LogError, match=reason):
            parse_lines(lines)
