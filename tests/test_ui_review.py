"""The debrief's game review and "Replay from here", and the play screen's use of the stepping API
(delayed changes that come to light, compact agenda cards), through the real event loop with posted
keys and clicks (SDL's dummy video driver).

The review is :func:`scoring.review.review_choices` on a worker thread: the debrief says it is
reviewing while the loop goes on taking input; then each decision shows its class (colour and word)
and what it cost, with a graph of the win chance. A practice branch replays the earlier choices on
the same seed into a log of its own, marked as a branch, which ``touchpoint replay`` verifies and
``touchpoint grade`` reports as a branch without grading it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import pygame
import pytest
from test_ui_app import SCENARIOS, click, make_app, press
from test_ui_v2 import EXPERT, V2, carry_on, choose, settle, shows, start, texts

from scoring.grading import BRANCH_STATUS, grade_log
from scoring.review import review_choices
from sim.cli import main
from sim.engine.decisions import DecisionPoint
from sim.engine.loader import load_scenario
from sim.runs.policies import ExpertPolicy
from sim.runs.sessionlog import read_log
from sim.ui import review as ui_review
from sim.ui.app import App
from sim.ui.content import Content
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.feedback import FeedbackScene
from sim.ui.scenes.play import PlayScene
from sim.ui.strings import tr as ui_tr

#: A run of tests/data/v2_features.yaml on seed 8 that the review finds two blunders in.
BLUNDERS = ["meet_cfo", "pitch", "it_check", "check_network", "move_on", "generic", "trade_terms"]


@pytest.fixture(scope="module")
def v2():
    return load_scenario(V2)


@pytest.fixture(autouse=True)
def _no_review_left_running():
    yield
    ui_review.Reviewer.cancel_all()  # a debrief left open must not keep a core busy for the next test


def play(app: App, choices: list[str]) -> None:
    """Choose these options in turn (keys, and the mouse every other decision), closing the feedback."""
    for n, choice in enumerate(choices):
        choose(app, choice, mouse=n % 2 == 1)
        if isinstance(app.top, FeedbackScene):
            carry_on(app)
    assert isinstance(app.top, DebriefScene), app.top.name


def reviewed(app: App) -> DebriefScene:
    """Open the game review (Tab) and wait for the worker thread to finish it."""
    top = app.top
    assert isinstance(top, DebriefScene)
    if top.view != "review":
        press(pygame.K_TAB)
        settle(app)
    assert top.view == "review"
    assert top.review.reviewer.wait(60), "the review did not finish"
    settle(app)
    assert top.review.reviewer.state == "done", top.review.reviewer.error
    return top


def test_review_classes_every_decision_and_draws_the_win_chance_graph(tmp_path, v2):
    app = start(tmp_path, v2, seed=8)
    play(app, BLUNDERS)
    debrief = reviewed(app)
    review = debrief.review.reviewer.review
    # the review is scoring.review's, on the game's own seed and choices
    same = review_choices(v2, 8, BLUNDERS)
    assert [(d.klass, round(d.lost, 6)) for d in review.decisions] == [(d.klass, round(d.lost, 6))
                                                                       for d in same.decisions]
    assert review.counts()["blunder"] == 2
    assert shows(app, f"{review.accuracy:.0f}%", "review_summary") and shows(app, "accuracy", "review_summary")
    assert shows(app, f"luck {review.luck:+.1f}", "review_summary")
    assert shows(app, "Played at 71% accuracy", "review_summary")
    # each decision: its class in words, what it cost in points and win chance, the best option
    for d in review.decisions:
        scroll_to(app, debrief, d.number)
        row = texts(app, f"decision{d.number}")
        assert row, f"decision {d.number} is not listed"
        assert ui_tr("class_" + d.klass, "en") in row
    blunder = next(d for d in review.decisions if d.klass == "blunder")
    scroll_to(app, debrief, blunder.number)
    line = " ".join(texts(app, f"decision{blunder.number}"))
    assert f"-{blunder.lost:.1f} points" in line and "Best: " in line and "win chance" in line
    # the graph: a dot per decision at its win chance, in its class's colour
    markers = debrief.review.markers
    assert sorted(markers) == [d.number for d in review.decisions]
    surface = pygame.display.get_surface()
    for d in review.decisions:
        assert tuple(surface.get_at(markers[d.number]))[:3] == app.theme.color("class_" + d.klass), d.number
    assert shows(app, "Win chance after each decision", "review_summary")
    # a dot picks its decision
    click(app, ("decision", blunder.number))
    settle(app)
    assert debrief.review.selected == blunder.number
    app.set_locale("zh")
    settle(app)
    assert shows(app, ui_tr("class_blunder", "zh"), f"decision{blunder.number}")
    assert shows(app, "每个决策后的赢单概率", "review_summary") and shows(app, "决策准确度", "review_summary")


def scroll_to(app: App, debrief: DebriefScene, number: int) -> None:
    """Pick decision ``number`` with the arrow keys (the list scrolls to it)."""
    now = debrief.review.selected or 0
    for _ in range(abs(number - now)):
        press(pygame.K_DOWN if number > now else pygame.K_UP)
    settle(app)
    assert debrief.review.selected == number


def test_a_perfect_expert_run_says_why_each_choice_was_right(tmp_path, v2):
    app = start(tmp_path, v2)
    play(app, EXPERT)
    debrief = reviewed(app)
    review = debrief.review.reviewer.review
    assert all(d.klass == "best" for d in review.decisions) and review.accuracy == 100
    assert shows(app, "Every choice was the best one", "review_summary")
    content = Content(v2, "en")
    # the reasons: the coach's feedback on each chosen action, as it was shown in the game
    for n, (point, choice) in enumerate(app.game.session.history, 1):
        if point.kind != "action":
            continue
        scroll_to(app, debrief, n)
        feedback = content.action(point.account, point.touchpoint, choice).feedback
        row = " ".join(texts(app, f"decision{n}"))
        assert "Why: " in row, (n, row)
        assert any(content.varied(feedback, i)[:30] in row for i in range(3)), (n, row)


def test_the_review_runs_off_the_main_thread_and_the_loop_keeps_taking_input(tmp_path, v2, monkeypatch):
    gate = threading.Event()
    real = ui_review.review_choices

    def slow(*args, **kw):
        assert threading.current_thread() is not threading.main_thread()
        gate.wait(30)
        return real(*args, **kw)

    monkeypatch.setattr(ui_review, "review_choices", slow)
    app = start(tmp_path, v2)
    play(app, EXPERT)
    debrief = app.top
    assert debrief.review.reviewer.state == "running"  # started as the debrief opened
    press(pygame.K_TAB)
    settle(app)
    assert debrief.view == "review" and debrief.shot_name() == "debrief-reviewing"
    assert shows(app, "Reviewing your game", "review_summary")
    assert shows(app, "0 of 8 decisions", "review_summary")  # the progress, drawn over the kept frame
    # the decisions are listed already; input is taken while the review runs
    assert shows(app, "1 · Day 0 · What to do next", "decision1")
    press(pygame.K_DOWN)
    press(pygame.K_DOWN)
    settle(app)
    assert debrief.review.selected == 2
    press(pygame.K_TAB)
    settle(app)
    assert debrief.view == "result" and shows(app, "Scorecard", "scorecard")
    press(pygame.K_TAB)
    settle(app)
    gate.set()
    assert debrief.review.reviewer.wait(60)
    settle(app)
    assert debrief.shot_name() == "debrief-review" and shows(app, "best", "decision1")


def test_replay_from_here_plays_a_branch_with_the_same_dice_logged_apart_and_never_graded(tmp_path, v2, capsys):
    app = start(tmp_path, v2, seed=8)
    play(app, BLUNDERS)
    game = app.game
    debrief = reviewed(app)
    history = [(p.key, c) for p, c in game.session.history]
    click(app, ("replay",))  # nothing picked yet: nothing happens
    settle(app)
    assert app.top is debrief
    click(app, ("decision", 2))  # the pitch to the CFO: a blunder
    settle(app)
    click(app, ("replay",))
    settle(app)
    top = app.top
    assert isinstance(top, PlayScene) and app.game is not game and app.game.branch is not None
    branch = app.game
    # the same decision in the same state: same seed, the earlier choices replayed
    assert top.point.number == 2 and top.point.key == history[1][0]
    assert branch.session.seed == game.session.seed
    assert [(p.key, c) for p, c in branch.session.history] == history[:1]
    assert shows(app, "Practice branch · not graded", "topbar")
    choose(app, "ask_cost")  # another option this time
    carry_on(app)
    while isinstance(app.top, PlayScene):
        top = app.top
        choose(app, ExpertPolicy().choose(top.point, top.game.session))
        if isinstance(app.top, FeedbackScene):
            carry_on(app)
    assert isinstance(app.top, DebriefScene) and app.top.game is branch
    assert shows(app, "Practice branch from decision 2 of", "banner")
    assert shows(app, "not graded", "debrief_footer") and shows(app, "Practice branch · not graded", "topbar")
    assert app.top.shot_name() == "debrief-branch"
    # its log: a file of its own, marked as a branch of the game's log
    path = branch.log_path
    assert path.name == game.log_path.stem + "-branch-2.jsonl" and path.parent == game.log_path.parent
    log = read_log(path)
    assert log.complete and log.header["branch_of"] == game.log_path.name and log.header["branch_at"] == 2
    assert log.header["seed"] == 8
    original = read_log(game.log_path)
    assert log.choices[0] | {"think_s": 0} == original.choices[0] | {"think_s": 0}
    assert log.choices[1]["choice"] == "ask_cost"
    # it replays and verifies; grading reports it as a branch and grades only the game
    assert main(["replay", str(path)]) == 0
    row, agg = grade_log(str(path), path.name, {})
    assert row.status == BRANCH_STATUS and row.score is None and row.grade == "" and agg is None
    assert "practice branch of " + game.log_path.name + " from decision 2" in row.reason
    out = tmp_path / "grades.csv"
    capsys.readouterr()
    assert main(["grade", str(game.log_path), str(path), "-o", str(out), "--workers", "1", "--quiet"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["log"] for r in rows] == [str(game.log_path)] and rows[0]["status"] == "complete"
    assert main(["grade", str(game.log_path), str(path), "-o", str(out), "--workers", "1"]) == 0
    assert "1 practice branch (the debrief's replay from here), verified and not graded" in capsys.readouterr().err
    # its review is the branch's own; back to the game's debrief (its review kept)
    reviewed(app)
    press(pygame.K_b)
    settle(app)
    assert isinstance(app.top, DebriefScene) and app.game is game and app.top.view == "review"
    assert app.top.review.reviewer.review is debrief.review.reviewer.review


def test_a_branch_log_that_does_not_replay_is_invalid_not_a_branch(tmp_path, v2):
    app = start(tmp_path, v2, seed=8)
    play(app, BLUNDERS)
    reviewed(app)
    click(app, ("decision", 3))
    settle(app)
    press(pygame.K_p)
    settle(app)
    branch = app.game
    assert branch.branch is not None and branch.branch.at == 3
    branch.close()
    lines = branch.log_path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[1])
    first["choice"] = "it_check"  # not what was chosen
    lines[1] = json.dumps(first)
    branch.log_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    row, _ = grade_log(str(branch.log_path), branch.log_path.name, {})
    assert row.status == "invalid"


# --- the stepping API on the play screen ------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_delayed_change_comes_to_light_at_the_next_meeting(tmp_path, tutorial, locale):
    """Preparing the quote before the ops floor upsets Li Na later (delayed: not called out then);
    the next action decision's feedback says so: "Since your last meeting: Li Na's trust fell"."""
    app = start(tmp_path, tutorial, locale=locale)
    choose(app, "ask_cost")
    carry_on(app)
    choose(app, "ops_floor")
    choose(app, "prepare_quote")
    fb = app.top
    assert isinstance(fb, FeedbackScene) and fb.turn.surfaced == ()
    name = Content(tutorial, locale).person_name("huadong", "li")
    trust_fell = ui_tr("surfaced", locale, change=ui_tr("mv_trust_down", locale, name=name))
    assert not shows(app, trust_fell, "feedback")
    carry_on(app)
    while True:
        top = app.top
        assert isinstance(top, PlayScene)
        kind = top.point.kind
        choose(app, top.point.options[0].id)
        if kind == "action":
            break
    fb = app.top
    assert isinstance(fb, FeedbackScene)
    assert {(m.target, m.var) for m in fb.turn.surfaced} == {("li", "trust"), ("li", "satisfaction")}
    assert shows(app, trust_fell, "feedback")
    assert shows(app, ui_tr("surfaced", locale, change=ui_tr("mv_satisfaction_down", locale, name=name)), "feedback")


@pytest.mark.parametrize("size", [(1024, 640), (1280, 720)], ids=["1024x640", "1280x720"])
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_agendas_of_five_or_six_cards_fit_without_scrolling(tmp_path, size, locale):
    """The bundled cases' agendas of 5-6 meetings show every card whole at 1024x640 and 1280x720
    (compact cards, or two columns of them), in both languages."""
    app = make_app(tmp_path, size=size, locale=locale)
    seen = []
    for path in SCENARIOS:
        app.start_game(load_scenario(path))
        for _ in range(600):
            app.step()
            top = app.top
            if isinstance(top, DebriefScene):
                break
            if isinstance(top, PlayScene):
                point = top.point
                if point.kind == "agenda" and len(point.options) >= 5:
                    seen.append((path.stem, point.key, len(point.options)))
                    assert top.actions.content <= top.actions.rect.height, (path.stem, point.key)
                    assert app.ui.layout.problems() == []
                choice = ExpertPolicy().choose(point, top.game.session)
                press(pygame.K_1 + [o.id for o in point.options].index(choice))
                press(pygame.K_RETURN)
            elif isinstance(top, FeedbackScene):
                press(pygame.K_RETURN)
    assert any(n >= 6 for _, _, n in seen), seen


def test_a_branch_needs_a_decision_of_the_game(tmp_path, v2):
    from sim.ui.game import Game

    app = start(tmp_path, v2)
    play(app, EXPERT)
    with pytest.raises(ValueError):
        Game.branched(app.game, 0)
    with pytest.raises(ValueError):
        Game.branched(app.game, len(app.game.session.history) + 1)
    branch = Game.branched(app.game, len(app.game.session.history))  # the last decision
    assert isinstance(branch.point, DecisionPoint) and branch.point.number == len(app.game.session.history)
    branch.close()
