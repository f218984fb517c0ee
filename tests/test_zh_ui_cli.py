"""Chinese text put together at run time, in the window and in the terminal: a button's key hint, a role
the seller never found out, what ``touchpoint play`` prints when the window closes and the listing of
``touchpoint scenarios``. Chinese takes full-width punctuation (（）：？) and its own words; English
stays exactly as it was.

The screens are played through the real event loop (SDL's dummy video driver), as in test_ui_app.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import pygame
import pytest
from test_ui_app import click, make_app, press

from sim.cli import main
from sim.cli.play_cmd import report
from sim.engine.loader import load_scenario
from sim.lang import bundled
from sim.runs.policies import ExpertPolicy, RandomPolicy
from sim.runs.sessionlog import read_log
from sim.ui.content import Entry
from sim.ui.scenes.briefing import BriefingScene
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.feedback import FeedbackScene
from sim.ui.scenes.menu import ConfirmScene, MenuScene
from sim.ui.scenes.picker import PickerScene
from sim.ui.scenes.play import PlayScene
from sim.ui.strings import tr

V2 = Path(__file__).parent / "data" / "v2_features.yaml"

#: A Chinese character.
CJK = "[\u3400-\u4dbf\u4e00-\u9fff]"
#: ASCII punctuation written against Chinese text (spaces between do not make it right): "开始  (Enter)",
#: "? 技术把关人", "记录: ...".
ASCII_BY_CJK = re.compile(rf"{CJK}[ \t]*[():?,;!]|[():?,;!][ \t]*{CJK}")


@pytest.fixture(autouse=True)
def _no_review_left_running():
    """A debrief starts its game review on a worker thread; one left running would slow the next test."""
    yield
    from sim.ui.review import Reviewer

    Reviewer.cancel_all()


def steps(app, n: int = 2) -> None:
    for _ in range(n):
        app.step()


class NeverAsksWho(ExpertPolicy):
    """The coach's choices, except the meeting that finds out the IT director's part (v2_features.yaml): he
    stays a stranger to the end, so the debrief shows a role never found out."""

    def choose(self, point, session):
        choice = super().choose(point, session)
        if choice == "ask_who":
            return next(o.id for o in point.options if o.id != "ask_who")
        return choice


def play_to_the_debrief(app, policy, seen: list[tuple[str, str, str]]) -> None:
    """Play with keys through the briefing, the play screens, the menu and its restart question (answered
    No), the feedback, to the debrief and its game review; every text drawn goes into ``seen`` as (screen,
    panel, text)."""

    def look() -> None:
        seen.extend((app.top.name, t.panel, t.text) for t in app.ui.layout.texts)

    asked = False
    for _ in range(600):
        steps(app, 1)
        look()
        top = app.top
        if isinstance(top, DebriefScene):
            break
        if isinstance(top, BriefingScene):
            press(pygame.K_RETURN)
        elif isinstance(top, PlayScene):
            if not asked:  # the menu (its Resume button has a key) and the question before a restart
                asked = True
                press(pygame.K_ESCAPE)
                steps(app, 1)
                assert isinstance(app.top, MenuScene)
                look()
                click(app, ("item", 1))
                steps(app, 1)
                assert isinstance(app.top, ConfirmScene)
                look()
                press(pygame.K_n)
                steps(app, 1)
                if isinstance(app.top, MenuScene):
                    press(pygame.K_ESCAPE)
                continue
            point = top.point
            choice = policy.choose(point, top.game.session)
            press(pygame.K_1 + next(k for k, o in enumerate(point.options) if o.id == choice))
            press(pygame.K_RETURN)
        elif isinstance(top, FeedbackScene):
            press(pygame.K_RETURN)
    assert isinstance(app.top, DebriefScene), app.top.name
    press(pygame.K_TAB)  # the game review: its Replay button has a key too
    steps(app)
    look()
    press(pygame.K_TAB)
    steps(app)
    look()


def drawn(seen: list[tuple[str, str, str]], panel: str) -> list[str]:
    return [text for _, p, text in seen if p == panel]


# --- in the window ------------------------------------------------------------------------------------------

def test_no_text_drawn_in_chinese_has_ascii_brackets_colons_or_question_marks_against_chinese(tmp_path):
    """Every screen of two games in Chinese (the picker, briefings, play, the menu and its question,
    feedback, debriefs and their reviews): a button's key hint is in full-width brackets and a role never
    found out has a full-width question mark, like every other Chinese text."""
    tutorial = load_scenario(bundled.scenario_path("tutorial"))
    v2 = load_scenario(V2)
    app = make_app(tmp_path, entries=[Entry(str(bundled.scenario_path("tutorial")), tutorial)], locale="zh")
    seen: list[tuple[str, str, str]] = []
    steps(app)
    assert isinstance(app.top, PickerScene)
    press(pygame.K_1)  # a case chosen: its Open button
    steps(app)
    seen += [("picker", t.panel, t.text) for t in app.ui.layout.texts]
    press(pygame.K_RETURN)
    steps(app)
    assert isinstance(app.top, BriefingScene)
    play_to_the_debrief(app, RandomPolicy(3), seen)
    app.config.seed = 8
    app.open_briefing(v2)
    play_to_the_debrief(app, NeverAsksWho(), seen)

    bad = sorted({f"{screen} {panel}: {text}" for screen, panel, text in seen if ASCII_BY_CJK.search(text)})
    assert bad == []
    assert "打开（Enter）" in drawn(seen, "btn_open")
    assert "开始（Enter）" in drawn(seen, "btn_start")
    assert "菜单（Esc）" in drawn(seen, "btn_menu")
    assert "1  继续（Esc）" in drawn(seen, "menu0")
    assert {"是（Y）", "否（N）"} <= set(drawn(seen, "confirm0") + drawn(seen, "confirm1"))
    assert "继续（Enter）" in drawn(seen, "btn_continue")
    assert {"再玩一次（R）", "案例列表（S）", "退出（Q）"} <= set(
        drawn(seen, "btn_again") + drawn(seen, "btn_picker") + drawn(seen, "btn_quit"))
    assert any(text.endswith("（P）") for text in drawn(seen, "btn_replay"))
    assert "？技术把关人 · 有否决权" in drawn(seen, "hidden")  # as the play screen's "？角色未知"


def test_english_buttons_and_a_role_never_found_out_read_as_before(tmp_path):
    app = make_app(tmp_path, load_scenario(V2), locale="en", seed=8)
    seen: list[tuple[str, str, str]] = []
    play_to_the_debrief(app, NeverAsksWho(), seen)
    assert "Start  (Enter)" in drawn(seen, "btn_start")
    assert "1  Resume  (Esc)" in drawn(seen, "menu0")
    assert {"Yes  (Y)", "No  (N)"} <= set(drawn(seen, "confirm0") + drawn(seen, "confirm1"))
    assert "Continue  (Enter)" in drawn(seen, "btn_continue")
    assert {"Play again  (R)", "Quit  (Q)"} <= set(drawn(seen, "btn_again") + drawn(seen, "btn_quit"))
    assert "? Technical buyer · can veto" in drawn(seen, "hidden")


# --- in the terminal: touchpoint play -------------------------------------------------------------------------

def _clear_locale_env(monkeypatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("how", ["--locale zh", "system locale zh_CN"])
def test_play_in_chinese_says_where_the_log_is_and_how_the_game_ended_in_chinese(tmp_path, capsys, monkeypatch,
                                                                                 how):
    _clear_locale_env(monkeypatch)
    log = tmp_path / "x.jsonl"
    argv = ["play", "tutorial", "--autoplay", "random", "--seed", "133", "--log", str(log), "--size", "1024x640"]
    if how == "--locale zh":
        argv += ["--locale", "zh"]
    else:
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # no --locale: the interface follows the system, and so do these
    assert main(argv) == 0
    out = capsys.readouterr().out.strip()
    assert read_log(log).complete
    assert out == f"记录：{log}（已完成：丢单，总分 13.7，等级 F）"
    assert not ASCII_BY_CJK.search(out)


def test_play_in_english_says_where_the_log_is_as_before(tmp_path, capsys, monkeypatch):
    _clear_locale_env(monkeypatch)
    log = tmp_path / "x.jsonl"
    assert main(["play", "tutorial", "--autoplay", "random", "--seed", "133", "--log", str(log),
                 "--size", "1024x640"]) == 0  # no --locale and no system locale: English
    assert capsys.readouterr().out == f"log: {log} (complete: lost, score 13.7, grade F)\n"
    log = tmp_path / "won.jsonl"
    assert main(["play", "tutorial", "--autoplay", "expert", "--seed", "1", "--log", str(log), "--locale", "en",
                 "--size", "1024x640"]) == 0
    assert capsys.readouterr().out == f"log: {log} (complete: won, score 84.8, grade B)\n"


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_an_unfinished_game_says_how_to_continue_it_in_the_interface_language(tmp_path, capsys, locale):
    app = make_app(tmp_path, load_scenario(V2), locale=locale)
    steps(app)
    press(pygame.K_RETURN)
    steps(app)
    assert isinstance(app.top, PlayScene) and not app.game.finished
    path = app.game.log_path
    app.game.close()
    report(app)
    out = capsys.readouterr().out
    if locale == "zh":
        assert out == f"记录：{path}（未完成：运行“touchpoint play --resume {path}”继续）\n"
    else:
        assert out == f"log: {path} (unfinished: continue with 'touchpoint play --resume {path}')\n"
    app.set_locale("zh" if locale == "en" else "en")  # switched in the window: the terminal follows
    report(app)
    assert ("记录：" in capsys.readouterr().out) is (locale == "en")


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_an_assignment_says_which_attempt_in_the_interface_language(tmp_path, capsys, locale):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email,section\ns001,A,,A\n", encoding="utf-8")
    plan = tmp_path / "hw1.yaml"
    assert main(["assign", "tutorial", "--roster", str(roster), "--attempts", "2", "--due", "2026-03-09",
                 "--id", "hw1", "--out", str(plan)]) == 0
    capsys.readouterr()
    log = tmp_path / "mine.jsonl"
    assert main(["play", "--assignment", str(plan), "--trainee", "s001", "--attempt", "2", "--autoplay", "expert",
                 "--log", str(log), "--locale", locale, "--size", "1024x640"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    if locale == "zh":
        assert first == "作业 hw1：第 2 次尝试（共 2 次），截止 2026-03-09"
    else:
        assert first == "assignment hw1: attempt 2 of 2, due 2026-03-09"


# --- in the terminal: touchpoint scenarios --------------------------------------------------------------------

def test_scenarios_in_chinese_names_the_difficulty_and_the_minutes_in_chinese(capsys):
    assert main(["scenarios", "--locale", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    tutorial = next(line for line in lines if line.startswith("tutorial "))
    assert re.fullmatch(r"tutorial +入门 +10 分钟  教程：.+", tutorial), tutorial
    for line in lines:
        assert not re.search(r"\b(intro|easy|medium|hard|min)\b|~", line), line
        assert any(tr("difficulty_" + d, "zh") in line for d in ("intro", "easy", "medium", "hard")), line
        assert not ASCII_BY_CJK.search(line), line


def test_scenarios_in_english_lists_as_before(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    width = max(len(p.stem) for p in bundled.scenario_paths())
    assert lines[0] == f"{'tutorial':<{width}}  intro   ~ 10 min  Tutorial: Your first deal with Huadong Cold Chain"


@pytest.mark.parametrize("size", [(1024, 640), (1280, 720)])
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_debriefs_banner_shows_why_the_deal_was_lost_whole(tmp_path, locale, size):
    """The banner is as tall as its text needs at the width it is drawn at: "lost on day 7, the deal
    stalled, ... lost in Need identification" is not cut short with an ellipsis (it was at 1024x640
    in Chinese: the height was measured for a wider text)."""
    tutorial = load_scenario(bundled.scenario_path("tutorial"))
    app = make_app(tmp_path, scenario=tutorial, size=size, locale=locale, seed=1)
    seen: list[tuple[str, str, str]] = []
    play_to_the_debrief(app, RandomPolicy(1), seen)
    banner = [text for screen, panel, text in seen if screen == "debrief" and panel == "banner"]
    assert banner and not any(text.endswith("…") for text in banner), banner
    stage = tr("stage_need_identification", locale)
    assert any(stage in text for text in banner)  # the last sentence, where the loss happened
