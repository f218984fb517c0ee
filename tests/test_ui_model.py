"""The front end's logic that needs no window: strings, line wrapping, the logged game, resume,
signal changes and the debrief's content."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from scoring import score_run
from scoring.gradebook import LOSS_REASON_NAMES
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint, RunOutcome
from sim.engine.loader import load_scenario
from sim.engine.session import Session
from sim.lang.schema import LOSS_REASONS
from sim.runs.policies import ExpertPolicy, RandomPolicy, play
from sim.runs.sessionlog import check_end, read_log, replay
from sim.ui.content import Content
from sim.ui.game import Game, default_log_path, diff_views
from sim.ui.report import build_report
from sim.ui.strings import STRINGS, default_locale
from sim.ui.strings import tr as ui_tr
from sim.ui.typeset import CLOSING, OPENING, ellipsize, is_wide, wrap


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


def mono(text: str) -> int:
    """A monospace stand-in for a font: wide (CJK) characters count two."""
    return sum(2 if is_wide(ch) else 1 for ch in text)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


# --- strings -------------------------------------------------------------------------------------------

def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_ui_string_is_in_english_and_chinese_with_the_same_placeholders():
    for key, entry in STRINGS.items():
        assert entry.get("en") and entry.get("zh"), key
        assert _fields(entry["en"]) == _fields(entry["zh"]), key


def test_ui_strings_fall_back_to_english_for_another_language():
    assert ui_tr("quit", "fr") == STRINGS["quit"]["en"]
    assert ui_tr("quit", "zh-Hans") == STRINGS["quit"]["zh"]


@pytest.mark.parametrize(("env", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "zh"),
])
def test_default_locale_follows_the_system(env, expected):
    assert default_locale(env) == expected


# --- wrapping ------------------------------------------------------------------------------------------

ZH = "周敏在两个电话之间给了你30分钟。她看起来很疲惫，不时看手机。她说：“我们用白板管了十年了，你想给我看什么？”"
EN = "Zhou Min gives you 30 minutes between two calls. She looks tired and checks her phone."


@pytest.mark.parametrize("width", range(8, 60, 3))
def test_chinese_wraps_between_characters_but_not_before_closing_punctuation(width):
    lines = wrap(ZH, width, mono)
    assert "".join(lines) == ZH
    assert len(lines) > 1
    for line in lines:
        assert mono(line) <= width
        assert line[0] not in CLOSING
        assert len(line) == 1 or line[-1] not in OPENING


@pytest.mark.parametrize("width", range(12, 60, 4))
def test_english_wraps_at_spaces(width):
    lines = wrap(EN, width, mono)
    assert " ".join(lines) == EN
    assert all(mono(line) <= width for line in lines)
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)


def test_a_word_longer_than_the_line_is_cut_and_paragraphs_are_kept():
    lines = wrap("x" * 25 + "\n\nend", 10, mono)
    assert lines == ["x" * 10, "x" * 10, "x" * 5, "", "end"]


def test_ellipsize_fits_and_keeps_short_text():
    assert ellipsize("short", 10, mono) == "short"
    cut = ellipsize("a rather long label", 10, mono)
    assert cut.endswith("…") and mono(cut) <= 10


# --- the logged game -------------------------------------------------------------------------------------

def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_the_header_and_each_choice_are_on_disk_at_once_with_think_time(tmp_path, tutorial):
    clock = FakeClock()
    path = tmp_path / "game.jsonl"
    game = Game.new(tutorial, 7, "Ana", "zh", path, clock=clock)
    header = _lines(path)[0]
    assert (header["type"], header["seed"], header["trainee"], header["locale"]) == ("header", 7, "Ana", "zh")
    assert header["started"].endswith("Z")
    game.mark_shown()
    clock.t += 12.5
    point = game.point
    game.choose(point.options[1].id)
    rec = _lines(path)[1]
    assert rec == {"type": "choice", "n": 1, "decision": point.key, "choice": point.options[1].id,
                   "t": point.day, "shown": [o.id for o in point.options], "think_s": 12.5}
    assert len(rec["shown"]) > 1  # the options in the order the trainee saw them


def _play(game: Game, policy, n: int | None = None) -> None:
    while not game.finished and (n is None or len(game.session.history) < n):
        game.mark_shown()
        game.choose(policy.choose(game.point, game.session))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_finished_game_writes_an_end_line_that_replays_to_the_same_outcome(tmp_path, tutorial, seed):
    path = tmp_path / "g.jsonl"
    game = Game.new(tutorial, seed, "", "en", path)
    _play(game, RandomPolicy(seed))
    log = read_log(path)
    assert log.complete and len(log.choices) == len(game.session.history)
    session = replay(log, tutorial)
    card = score_run(session.trace, tutorial.rubric)
    check_end(log, session, card)
    assert card == game.card
    assert tr.trace_hash(session.trace) == log.end["trace_hash"]


@pytest.mark.parametrize("partial_tail", [False, True])
def test_resume_continues_at_the_same_decision_with_the_same_state(tmp_path, tutorial, partial_tail):
    path = tmp_path / "r.jsonl"
    # a seed on which the random trainee's game lasts beyond three decisions
    seed = next(s for s in range(11, 200) if len(play(tutorial, RandomPolicy(s), s).history) > 4)
    first = Game.new(tutorial, seed, "Bo", "en", path)
    _play(first, RandomPolicy(seed), n=3)
    assert not first.finished and len(first.session.history) == 3
    first.writer = None  # the game is killed here: no close, no end line, nothing more written
    if partial_tail:
        with open(path, "a", encoding="utf-8") as f:
            f.write('{"type": "choice", "n": 4, "decis')
    resumed = Game.resume(path, tutorial)
    assert resumed.resumed_at == 4
    assert isinstance(resumed.point, DecisionPoint) and resumed.point == first.point
    assert resumed.view == first.view
    assert resumed.session.trace == first.session.trace
    assert path.read_text(encoding="utf-8").endswith("\n")
    policy_a, policy_b = ExpertPolicy(), ExpertPolicy()
    _play(first, policy_a)
    _play(resumed, policy_b)
    assert resumed.session.trace == first.session.trace
    log = read_log(path)
    assert log.complete and [c["n"] for c in log.choices] == list(range(1, len(log.choices) + 1))
    assert sum(1 for r in _lines(path) if r["type"] == "header") == 1
    check_end(log, replay(log, tutorial), resumed.card)


def test_resuming_a_complete_log_shows_its_result_without_writing(tmp_path, tutorial):
    path = tmp_path / "done.jsonl"
    game = Game.new(tutorial, 5, "", "en", path)
    _play(game, ExpertPolicy())
    before = path.read_bytes()
    again = Game.resume(path, tutorial)
    assert again.finished and again.card == game.card and again.writer is None
    assert path.read_bytes() == before


def test_default_log_paths_never_overwrite(tmp_path):
    a = default_log_path("tutorial", "Li Na / 李娜", tmp_path, stamp="20260101-090000")
    a.write_text("x")
    b = default_log_path("tutorial", "Li Na / 李娜", tmp_path, stamp="20260101-090000")
    assert a != b and not b.exists()
    assert a.name == "tutorial-Li-Na-李娜-20260101-090000.jsonl"


# --- what changed, and the debrief ------------------------------------------------------------------------

def test_signal_changes_match_the_observed_levels(tutorial):
    session = Session(tutorial, 3)
    point = session.advance()
    before = session.observe()
    assert diff_views(before, before) == []
    session.choose("ask_cost")
    session.advance()
    after = session.observe()
    changes = diff_views(before, after)
    kinds = {(c.kind, c.subject) for c in changes}
    assert ("milestone", "pain_acknowledged") in kinds
    assert ("stage", "information_gathering") in kinds
    old = {p.id: p for p in before.accounts[0].people}
    for p in after.accounts[0].people:
        moved = {c.kind for c in changes if c.subject == p.id}
        assert ("mood" in moved) == (p.mood != old[p.id].mood)
        assert ("trust" in moved) == (p.trust != old[p.id].trust)
    assert point.kind == "action"


def test_the_debrief_reveals_the_hidden_numbers_and_the_choices_that_differed(tutorial):
    session = Session(tutorial, 4)
    point = session.advance()
    first_other = next(o.id for o in point.options if not o.recommended)
    session.choose(first_other)
    point = session.advance()
    while isinstance(point, DecisionPoint):
        session.choose(ExpertPolicy().choose(point, session))
        point = session.advance()
    assert isinstance(point, RunOutcome)
    card = score_run(session.trace, tutorial.rubric)
    content = Content(tutorial, "en")
    rep = build_report(session.trace, session.history, content, card)
    assert rep.differences and rep.differences[0].chosen == content.action_label("huadong", "first_meeting",
                                                                               first_other)
    assert rep.differences[0].recommended == [content.action_label("huadong", "first_meeting", "ask_cost")]
    assert len(rep.differences) == sum(1 for e in session.trace if isinstance(e, tr.Decision)
                                       and e.recommended and e.action not in e.recommended)
    last = {}
    for e in session.trace:
        if isinstance(e, tr.Effect) and e.target:
            last[(e.target, e.var)] = e.value
    for person in rep.accounts[0].people:
        assert person.trust[1] == last.get((person.id, "trust"), person.trust[0])
        assert person.satisfaction[1] == last.get((person.id, "satisfaction"), person.satisfaction[0])
    assert rep.accounts[0].result == ("won" if card.won else "lost")
    assert any(m.kind == "outcome" for m in rep.moments)


def test_every_reason_for_a_loss_has_its_own_sentence_and_name_in_both_languages():
    """The debrief explains, and the gradebook names, every reason the engine loses a deal for: none
    falls back to the generic "the deal was lost" (a price loss once did)."""
    for reason in LOSS_REASONS:
        assert "loss_" + reason in STRINGS, reason
        for loc in ("en", "zh"):
            assert ui_tr("loss_" + reason, loc) != ui_tr("loss_unknown", loc)
            assert LOSS_REASON_NAMES[loc].get(reason), (loc, reason)


def test_a_deal_lost_on_price_is_explained_as_a_price_loss(tutorial):
    """A buyer who takes its alternative at the close (the felt price above its walk-away): the debrief
    says so in both languages, whichever run it is."""
    for seed in range(400):
        session = play(tutorial, RandomPolicy(seed), seed)
        card = score_run(session.trace, tutorial.rubric)
        if card.lost_reason == "price":
            break
    assert card.lost_reason == "price"
    for loc in ("en", "zh"):
        why = build_report(session.trace, session.history, Content(tutorial, loc), card).accounts[0].why
        assert why[0] == ui_tr("loss_price", loc)
    assert "walk" not in ui_tr("loss_price", "zh") and "price" in ui_tr("loss_price", "en")


def test_an_expert_run_has_no_differences_and_a_loss_says_why_in_both_languages(tutorial):
    session = Session(tutorial, 0)
    point = session.advance()
    while isinstance(point, DecisionPoint):
        session.choose(ExpertPolicy().choose(point, session))
        point = session.advance()
    card = score_run(session.trace, tutorial.rubric)
    assert build_report(session.trace, session.history, Content(tutorial, "en"), card).differences == []
    for seed in range(40):  # find a random run that loses, and check its explanation
        session = Session(tutorial, seed)
        policy = RandomPolicy(seed)
        point = session.advance()
        while isinstance(point, DecisionPoint):
            session.choose(policy.choose(point, session))
            point = session.advance()
        card = score_run(session.trace, tutorial.rubric)
        if not card.won:
            break
    assert not card.won
    for loc in ("en", "zh"):
        why = build_report(session.trace, session.history, Content(tutorial, loc), card).accounts[0].why
        assert why and ui_tr("loss_" + card.lost_reason, loc) == why[0]
