"""Session logs: written line by line, replayed exactly, and rejected when they do not fit."""

from __future__ import annotations

import json

import pytest
from conftest import MINIMAL, load_text

from scoring import score_run
from sim.engine import trace as tr
from sim.engine.decisions import RunOutcome
from sim.runs.policies import RandomPolicy, play
from sim.runs.sessionlog import LOG_FORMAT, LogError, LogWriter, check_end, parse_lines, read_log, replay, write_log


@pytest.fixture
def played(tutorial, tmp_path):
    # a random run long enough to cut short (the first seed from 21 on with four decisions or more)
    session = next(s for s in (play(tutorial, RandomPolicy(seed), seed) for seed in range(21, 200))
                   if len(s.history) >= 4)
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
    assert header["scenario"] == "tutorial" and header["seed"] == session.seed and header["trainee"] == "t1"
    assert header["scenario_hash"] == tutorial.content_hash and header["engine"]
    assert header["format"] == LOG_FORMAT == "touchpoint-log/4"
    assert header["policy"] == "random"  # the bot that played: the replay records it as the player
    choices = [json.loads(x) for x in lines[1:-1]]
    assert [c["n"] for c in choices] == list(range(1, len(session.history) + 1))
    assert [c["choice"] for c in choices] == [c for _, c in session.history]
    # every choice line names the options in the order the run showed them
    assert [c["shown"] for c in choices] == [[o.id for o in p.options] for p, _ in session.history]
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


def _reordered(shown):
    """Another order of the same ids (the reverse, or a rotation for a palindrome)."""
    other = shown[::-1]
    return other if other != shown else shown[1:] + shown[:1]


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert text and "\n" not in text
    return text


def test_a_choice_shown_in_another_order_is_refused(played, tutorial):
    """The replay shows each decision's options in the run's own order; a log that claims the
    trainee saw them in another order (the same ids, or one missing) is refused, at that choice."""
    session, _, path = played
    n = next(i for i, (p, _) in enumerate(session.history, 1) if len(p.options) > 1)
    text = path.read_text(encoding="utf-8")
    for change in (_reordered, lambda shown: shown[:-1], lambda shown: [*shown, "bribe"]):
        path.write_text(text, encoding="utf-8")
        _edit(path, n, lambda r, change=change: r.update(shown=change(r["shown"])))
        with pytest.raises(LogError) as err:
            verify(path, tutorial)
        assert _one_line(err) == f"choice {n}: the options were shown in another order than the run shows them"
    path.write_text(text, encoding="utf-8")
    verify(path, tutorial)  # the untouched log still verifies


def test_a_choice_without_shown_is_refused(played):
    _, _, path = played
    _edit(path, 2, lambda r: r.pop("shown"))
    with pytest.raises(LogError) as err:
        read_log(path)
    assert _one_line(err) == "line 3: missing field 'shown'"


def test_a_log_of_format_3_names_the_version_to_grade_it_with(played):
    _, _, path = played
    _edit(path, 0, lambda r: r.update(format="touchpoint-log/3"))
    with pytest.raises(LogError) as err:
        read_log(path)
    assert "written by Touchpoint 0.3" in _one_line(err) and _one_line(err).startswith("line 1:")


def test_a_bot_log_without_its_policy_no_longer_verifies(played, tutorial):
    """The player is part of the replayed trace: deleting (or changing) the header's ``policy``
    of a bot's log changes the digest, so the end line no longer matches."""
    _, _, path = played
    text = path.read_text(encoding="utf-8")
    verify(path, tutorial)
    for edit in (lambda r: r.pop("policy"), lambda r: r.update(policy="expert")):
        path.write_text(text, encoding="utf-8")
        _edit(path, 0, edit)
        with pytest.raises(LogError) as err:
            verify(path, tutorial)
        assert _one_line(err).startswith("end line: trace_hash is ")


@pytest.mark.parametrize("policy", [None, 5, ["random"]])
def test_a_policy_that_is_not_a_string_is_refused(policy):
    header = {**_HEADER, "policy": policy}
    with pytest.raises(LogError, match="line 1: policy must be a string"):
        parse_lines([json.dumps(header) + "\n"])


def test_a_persons_log_given_a_policy_no_longer_verifies(tmp_path, tutorial):
    """The other way round: a person's log (no policy) that claims a bot played does not verify."""
    from sim.engine.session import Session

    session = Session(tutorial, 4)
    point = session.advance()
    while not isinstance(point, RunOutcome):
        session.choose(point.options[0].id)
        point = session.advance()
    assert session.player == ""
    path = tmp_path / "person.jsonl"
    write_log(path, session, score_run(session.trace, tutorial.rubric), trainee="p", scenario=tutorial)
    assert "policy" not in json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    verify(path, tutorial)
    _edit(path, 0, lambda r: r.update(policy="expert"))
    with pytest.raises(LogError, match="end line: trace_hash"):
        verify(path, tutorial)


def test_a_policy_file_without_a_name_still_logs_as_a_bot(tmp_path, tutorial):
    """A policy file with an empty name plays under its file's name, so its logs never pass for a
    person's (a log without ``policy`` is a person's)."""
    from sim.runs.policies import load_policy_file

    plan = tmp_path / "plan.yaml"
    plan.write_text('name: ""\nchoices: {first_meeting: ask_cost}\n', encoding="utf-8")
    policy = load_policy_file(plan, 0)
    assert policy.name == "plan"
    session = play(tutorial, policy, 6)
    path = tmp_path / "plan.jsonl"
    write_log(path, session, score_run(session.trace, tutorial.rubric), scenario=tutorial)
    log, _, _ = verify(path, tutorial)
    assert log.header["policy"] == "plan" and session.player == "bot:plan"


def test_write_log_refuses_a_policy_that_did_not_play(tmp_path, tutorial):
    session = play(tutorial, RandomPolicy(3), 3)
    card = score_run(session.trace, tutorial.rubric)
    with pytest.raises(ValueError, match="would not verify"):
        write_log(tmp_path / "x.jsonl", session, card, policy="expert", scenario=tutorial)
    write_log(tmp_path / "y.jsonl", session, card, policy="random", scenario=tutorial)
    verify(tmp_path / "y.jsonl", tutorial)


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
_CHOICE = {"type": "choice", "n": 1, "decision": "a/b", "choice": "c", "t": 0.0, "shown": ["d", "c"], "think_s": 1.5}


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
    ({"shown": ...}, "missing field 'shown'"),
    ({"shown": "c"}, "malformed choice"),
    ({"shown": None}, "malformed choice"),
    ({"shown": []}, None),  # the shape only: the replay compares it with the run
])
def test_choice_lines_are_shape_checked(change, reason):
    rec = {k: v for k, v in {**_CHOICE, **change}.items() if v is not ...}
    lines = [json.dumps(_HEADER) + "\n", json.dumps(rec) + "\n"]
    if reason is None:
        assert parse_lines(lines).choices == [rec]
    else:
        with pytest.raises(LogError, match=reason):
            parse_lines(lines)
