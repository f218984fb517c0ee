"""The front end's format-2 features, through its real event loop (posted keys and clicks, SDL's dummy
video driver), on tests/data/v2_features.yaml: agenda decisions, stakeholders and facts the seller has
not found out yet, the price and terms of a deal, text variants, the hidden moves called out after a
choice; and the fixes seen in a real window (the touchpoint heading, restart asks first, money in
Chinese, full-width punctuation, a label said once), the bot's log of ``--autoplay``, and money
formatting.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import pygame
import pytest
import yaml
from conftest import load_text, minimal_yaml
from test_ui_app import assert_log_replays, click, make_app, press

from scoring import score_run
from sim.cli import main
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.engine.loader import load_bytes, load_scenario
from sim.engine.rules import MOVE_ON
from sim.engine.session import Session
from sim.engine.signals import TRUST
from sim.runs.policies import ExpertPolicy
from sim.runs.sessionlog import read_log
from sim.ui.app import App
from sim.ui.content import Content, variant
from sim.ui.report import build_report
from sim.ui.scenes.briefing import BriefingScene
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.feedback import FeedbackScene
from sim.ui.scenes.menu import ConfirmScene, MenuScene
from sim.ui.scenes.play import PlayScene
from sim.ui.strings import STRINGS, fmt_money, fmt_percent
from sim.ui.strings import tr as ui_tr

V2 = Path(__file__).parent / "data" / "v2_features.yaml"
#: The author's path through the case (every choice recommended) and the touchpoint of each action.
EXPERT = ["meet_cfo", "ask_cost", "plant_tour", "ask_who", MOVE_ON, "tailored", "trade_terms", "review_data"]


@pytest.fixture(scope="module")
def v2():
    return load_scenario(V2)


@pytest.fixture(autouse=True)
def _no_review_left_running():
    """A debrief starts its game review on a worker thread; one left running would slow the next test."""
    yield
    from sim.ui.review import Reviewer

    Reviewer.cancel_all()


# --- driving ------------------------------------------------------------------------------------------

def settle(app: App, frames: int = 2) -> None:
    for _ in range(frames):
        app.step()


def start(tmp_path: Path, scenario, **kw) -> App:
    """An app on the briefing, then Enter: the first decision on screen."""
    app = make_app(tmp_path, scenario, **kw)
    settle(app)
    assert isinstance(app.top, BriefingScene)
    press(pygame.K_RETURN)
    settle(app)
    assert isinstance(app.top, PlayScene)
    return app


def choose(app: App, option_id: str, mouse: bool = False) -> None:
    """Choose an option of the decision on screen as a person would: its number key and Enter, or a
    click on its card and a second click."""
    top = app.top
    assert isinstance(top, PlayScene), app.top.name
    ids = [o.id for o in top.point.options]
    assert option_id in ids, (option_id, ids)
    i = ids.index(option_id)
    if mouse:
        click(app, ("option", i))
        app.step()
        click(app, ("option", i))
    else:
        press(pygame.K_1 + i)
        press(pygame.K_RETURN)
    settle(app)


def carry_on(app: App) -> None:
    """Close the feedback with Enter."""
    assert isinstance(app.top, FeedbackScene), app.top.name
    press(pygame.K_RETURN)
    settle(app)


def texts(app: App, *panels: str) -> list[str]:
    """The texts drawn in the last frame (in these panels, or panels whose name starts so)."""
    return [t.text for t in app.ui.layout.texts
            if not panels or any(t.panel == p or t.panel.startswith(p + "_") for p in panels)]


def shows(app: App, text: str, *panels: str) -> bool:
    """Whether ``text`` is on screen, also when it was wrapped over several lines."""
    lines = texts(app, *panels)
    return any(text in line for line in lines) or text in " ".join(lines) or text in "".join(lines)


def play_expert_until(app: App, stop: str) -> None:
    """Play the author's path, closing each feedback, until the option ``stop`` is offered."""
    for choice in EXPERT:
        if isinstance(app.top, PlayScene) and choice == stop:
            return
        choose(app, choice)
        if isinstance(app.top, FeedbackScene):
            carry_on(app)
    raise AssertionError(f"{stop} was never offered")


# --- agenda ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mouse", [False, True], ids=["keys", "mouse"])
def test_an_agenda_shows_each_meeting_with_who_is_there_its_days_and_where_moving_on_leads(tmp_path, v2, mouse):
    app = start(tmp_path, v2)
    point = app.top.point
    assert point.kind == "agenda"
    assert shows(app, "What do you do next?", "centre")
    option_texts = {o.id: " ".join(texts(app, f"option{i}")) for i, o in enumerate(point.options)}
    assert "Budget meeting with the CFO" in option_texts["meet_cfo"]
    assert "With: Wang Fang (Chief Financial Officer)" in option_texts["meet_cfo"]
    assert "1–2 days" in option_texts["meet_cfo"]  # its actions take one or two days (Option.days, days_max)
    assert "With: Liu Qiang (Plant manager)" in option_texts["plant_tour"] and "1 day" in option_texts["plant_tour"]
    # Zhao's part in the decision is still to find out, but the seller knows who he is
    assert "With: Zhao Lei (IT director)" in option_texts["it_check"]
    assert "2 days" in option_texts["it_check"]
    assert "Move on" in option_texts[MOVE_ON] and "on to Solution design" in option_texts[MOVE_ON]  # Option.then: ""
    assert "no time" in option_texts[MOVE_ON]
    # the cards are in the order the engine gives, numbered as shown
    assert [texts(app, f"option{i}")[0] for i in range(len(point.options))] == [str(i + 1) for i in
                                                                                  range(len(point.options))]
    choose(app, "meet_cfo", mouse=mouse)
    top = app.top
    assert isinstance(top, PlayScene), "an agenda choice goes straight on to the meeting, without feedback"
    assert (top.point.kind, top.point.touchpoint) == ("action", "meet_cfo")
    assert shows(app, "Budget meeting with the CFO", "centre")
    choose(app, "ask_cost")
    carry_on(app)
    assert app.top.point.kind == "agenda"
    assert shows(app, "Done so far: Budget meeting with the CFO", "centre")
    assert "meet_cfo" not in [o.id for o in app.top.point.options]
    log = read_log(app.game.log_path)
    assert [c["choice"] for c in log.choices] == ["meet_cfo", "ask_cost"]
    assert log.choices[0]["shown"] == [o.id for o in point.options]


def test_the_touchpoint_heading_is_its_title_not_the_last_attendees_job_title(tmp_path, v2):
    app = start(tmp_path, v2)
    choose(app, "meet_cfo")
    centre = texts(app, "centre")
    assert "Budget meeting with the CFO" in centre
    assert "Chief Financial Officer" not in centre  # only inside "With: Wang Fang (Chief Financial Officer)"
    assert shows(app, "With: Wang Fang (Chief Financial Officer)", "centre")


# --- what the seller does not know yet -------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_briefing_shows_only_what_the_seller_knows(tmp_path, v2, locale):
    app = make_app(tmp_path, v2, locale=locale)
    settle(app)
    assert shows(app, ui_tr("w_revenue", locale), "brief_right")
    brief: list[str] = []
    for _ in range(12):  # read the whole customer column, scrolling down with the keyboard
        brief += texts(app, "customer")
        press(pygame.K_PAGEDOWN)
        settle(app)
    zh = locale == "zh"
    whole = " ".join(brief)
    assert ("赵磊 — IT总监" if zh else "Zhao Lei — IT director") in whole  # name and job title are no secret
    assert ui_tr("role_unknown", locale) in whole and ui_tr("influence_unknown", locale) in whole
    assert ui_tr("role_technical_buyer", locale) not in whole  # his part in the decision is
    assert ui_tr("facts_unknown", locale, n=2) in whole
    assert ("标价：36万元" if zh else "List price: ¥360,000") in whole


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_stakeholder_not_known_yet_shows_name_and_title_but_no_role_influence_or_veto(tmp_path, v2, locale):
    """The seller knows who Zhao is (his name and job title: the tutorial's texts say "Someone called
    Chen..."), not his part in the decision: "? role unknown", "influence unknown", no veto badge."""
    zh = locale == "zh"
    app = start(tmp_path, v2, locale=locale)
    card = "person_lanting_zhao"
    assert shows(app, "赵磊" if zh else "Zhao Lei", card)
    assert shows(app, "？角色未知" if zh else "? role unknown", card)
    assert shows(app, ui_tr("influence_unknown", locale), card)
    assert not shows(app, ui_tr("veto_power", locale), card)
    assert not shows(app, ui_tr("role_technical_buyer", locale))
    assert shows(app, ui_tr("veto_power", locale), "person_lanting_wang")  # a known economic buyer shows the veto


def test_a_stakeholder_not_known_yet_shows_no_role_influence_or_veto_until_revealed(tmp_path, v2):
    app = start(tmp_path, v2)
    assert shows(app, "Zhao Lei", "person_lanting_zhao") and shows(app, "? role unknown", "person_lanting_zhao")
    assert shows(app, "influence unknown", "person_lanting_zhao")
    assert not shows(app, "can veto", "person_lanting_zhao") and not shows(app, "Technical buyer")
    assert shows(app, "can veto", "person_lanting_wang")  # a known economic buyer shows the veto
    choose(app, "plant_tour")
    choose(app, "ask_who")  # reveals Zhao's part
    assert shows(app, "You found out Zhao Lei's part: Technical buyer · can veto", "feedback")
    carry_on(app)
    assert shows(app, "Zhao Lei", "person_lanting_zhao") and shows(app, "Technical buyer", "person_lanting_zhao")
    assert shows(app, "can veto", "person_lanting_zhao")
    option_texts = " ".join(texts(app, "option0") + texts(app, "option1") + texts(app, "option2"))
    assert "With: Zhao Lei (IT director)" in option_texts  # the agenda names him now


def test_the_facts_panel_lists_known_facts_and_counts_the_others(tmp_path, v2):
    app = start(tmp_path, v2)
    assert shows(app, "What you know", "side") and shows(app, "2 facts not yet known", "side")
    choose(app, "meet_cfo")
    choose(app, "ask_cost")  # reveals the budget
    assert shows(app, "New fact: Budget: ¥350,000 approved for this year", "feedback")
    carry_on(app)
    assert shows(app, "Budget:", "side") and shows(app, "¥350,000 approved for this year", "side")
    assert shows(app, "1 fact not yet known", "side")


# --- price and terms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "zh"])
def test_negotiation_shows_the_price_and_terms_and_a_concession_moves_them(tmp_path, v2, locale):
    zh = locale == "zh"
    app = start(tmp_path, v2, locale=locale)
    play_expert_until(app, "trade_terms")
    assert app.top.point.stage == "negotiation"
    assert shows(app, "标价 36万元 · 当前 36万元" if zh else "List ¥360,000 · on the table ¥360,000", "centre")
    assert shows(app, "价格与条款" if zh else "Price and terms", "side")
    assert shows(app, "你的底价：29万元" if zh else "Your floor: ¥290,000", "side")
    choose(app, "discount")
    assert shows(app, "当前价格：36万元 → 32.4万元" if zh else "Price on the table: ¥360,000 → ¥324,000",
                 "feedback")
    carry_on(app)
    assert shows(app, "当前价格：32.4万元（优惠 10%）" if zh else "On the table: ¥324,000 (10% off)", "side")


def test_agreed_terms_are_called_out_and_listed(tmp_path, v2):
    app = start(tmp_path, v2)
    play_expert_until(app, "trade_terms")
    choose(app, "trade_terms")
    assert shows(app, "Agreed: 90-day payment", "feedback")
    assert shows(app, "Agreed: They act as a reference customer", "feedback")
    assert not shows(app, "No visible change.", "feedback")
    carry_on(app)
    assert shows(app, "Agreed: 90-day payment; They act as a reference customer", "side")


def test_the_debrief_shows_revenue_margin_and_what_was_never_discovered(tmp_path, v2):
    app = start(tmp_path, v2, size=(1920, 1080))
    for choice in EXPERT:
        choose(app, choice)
        if isinstance(app.top, FeedbackScene):
            carry_on(app)
    assert isinstance(app.top, DebriefScene)
    card = app.game.card
    assert card.revenue == 360000 and card.margin == 184000
    assert shows(app, "Signed on day 7 at ¥360,000.", "banner")
    assert shows(app, "Revenue", "scorecard") and shows(app, "Margin", "scorecard")
    assert shows(app, f"¥360,000 · {fmt_percent(card.revenue_score)} of list", "scorecard")
    assert shows(app, f"¥184,000 · {fmt_percent(card.margin_score)} of list", "scorecard")
    rep = app.top.report
    assert rep.accounts[0].unknown_facts == ["incumbent"] and rep.accounts[0].unknown_people == []
    assert shows(app, "Never discovered", "hidden")
    assert shows(app, "The incumbent's terms: Paid yearly, 60-day payment", "hidden")
    assert_log_replays(app)
    app.set_locale("zh")
    settle(app)
    assert shows(app, f"36万元 · 标价的 {fmt_percent(card.revenue_score)}", "scorecard")
    assert shows(app, "18.4万元", "scorecard") and shows(app, "始终没有发现", "hidden")


def test_the_debrief_lists_agenda_choices_the_coach_would_change_and_the_feedback_shown(v2):
    session = Session(v2, 8)
    point = session.advance()
    session.choose("it_check")  # the coach would meet the CFO first
    point = session.advance()
    while isinstance(point, DecisionPoint):
        choice = "discount" if point.touchpoint == "price_talk" else ExpertPolicy().choose(point, session)
        session.choose(choice)
        point = session.advance()
    card = score_run(session.trace, v2.rubric)
    rep = build_report(session.trace, session.history, Content(v2, "en"), card)
    agenda = [d for d in rep.differences if d.title == "What to do next"]
    assert [(d.chosen, d.recommended) for d in agenda] == [("A network check with IT",
                                                             ["Budget meeting with the CFO"])]
    discount = next(d for d in rep.differences if d.chosen.startswith("Take 10% off the price"))
    assert discount.feedback.startswith("They already saw the value")  # the variant shown (after "tailored")
    assert rep.accounts[0].revenue == 324000 and rep.accounts[0].has_deal


def test_pipeline_account_cards_show_the_deal_value(tmp_path):
    data = yaml.safe_load(V2.read_text(encoding="utf-8"))
    other = copy.deepcopy(data["accounts"][0])
    other["id"] = "lanting_south"
    other["persona"]["company"] = {"en": "Lanting South", "zh": "兰亭南厂"}
    other["deal"]["list_price"] = 1250000
    other["deal"]["walk_away"] = 1240000
    data["accounts"].append(other)
    data["id"] = "v2_pipeline"
    pipeline = load_bytes(yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"), "v2_pipeline.yaml")
    for locale, money in (("en", ("¥360,000", "¥1,250,000")), ("zh", ("36万元", "125万元"))):
        app = start(tmp_path, pipeline, locale=locale)
        point = app.top.point
        assert point.kind == "focus"
        assert shows(app, money[0], "account0") and shows(app, money[1], "account1")
        focus = " ".join(texts(app, "option0") + texts(app, "option1"))
        assert money[0] in focus and money[1] in focus


# --- text variants and the moves called out ---------------------------------------------------------------

def test_the_situation_shown_is_the_variant_the_engine_chose(tmp_path, v2):
    app = start(tmp_path, v2)
    choose(app, "plant_tour")  # first: the plant manager has not heard of you
    point = app.top.point
    assert point.situation == 1
    assert shows(app, "Liu Qiang meets you at the gate in overalls.", "centre")
    app2 = start(tmp_path, v2)
    play_expert_until(app2, "plant_tour")  # after the CFO: Wang told him about you
    choose(app2, "plant_tour")
    assert app2.top.point.situation == 0
    assert shows(app2, "Liu Qiang heard from Wang that you ask good questions.", "centre")
    tp = Content(v2, "en").touchpoint("lanting", "plant_tour")
    assert Content(v2, "en").varied(tp.situation, 1).startswith("Liu Qiang meets you")


@pytest.mark.parametrize(("proposal", "expected"), [
    ("tailored", "They already saw the value in their own data"),
    ("generic", "Without a proposal built on their data, price was all they had to compare."),
])
def test_the_feedback_shown_is_the_variant_the_engine_chose(tmp_path, v2, proposal, expected):
    app = start(tmp_path, v2)
    for choice in ["meet_cfo", "ask_cost", "plant_tour", "ask_who", MOVE_ON, proposal]:
        choose(app, choice)
        if isinstance(app.top, FeedbackScene):
            carry_on(app)
    choose(app, "discount")
    response = app.top.turn.response
    assert isinstance(response, tr.Response) and response.action == "discount"
    assert response.feedback == (0 if proposal == "tailored" else 1)
    assert shows(app, expected, "feedback")


def test_a_move_below_a_level_change_is_called_out_not_no_visible_change(tmp_path):
    """Boss's trust moves 50 -> 56: still "open", and nothing else visible happens; the move is at
    least the signal threshold (5), so the feedback says so, in both languages."""
    sc = load_text(minimal_yaml({
        "{id: bad, label: Bad, days: 1, effects: [{who: boss, trust: -10}]}":
            "{id: bad, label: Bad, days: 1, effects: [{who: boss, trust: 6}]}",
        "        with: [boss]\n": "        with: [boss]\n        repeat: 1\n",
    }))
    for locale, said, nothing in (("en", "Boss's trust rose", "No visible change."),
                                  ("zh", "Boss的信任上升了", "没有明显变化。")):
        app = start(tmp_path, sc, locale=locale)
        choose(app, "bad")
        fb = app.top
        assert isinstance(fb, FeedbackScene)
        assert [(m.target, m.var) for m in fb.turn.moves] == [("boss", "trust")]
        assert fb.turn.changes == []  # no level changed
        assert shows(app, said, "feedback") and not shows(app, nothing, "feedback")


def test_moves_are_called_out_with_their_direction_and_delayed_ones_are_not(tmp_path, v2):
    app = start(tmp_path, v2)
    choose(app, "meet_cfo")
    choose(app, "ask_cost")  # Wang's trust 45 -> 54: "open" before and after
    assert shows(app, "Wang Fang's trust rose", "feedback")
    assert shows(app, "The buyer knows more to decide with", "feedback")
    carry_on(app)
    for choice in ["plant_tour", "ask_who"]:
        choose(app, choice)
    carry_on(app)
    choose(app, MOVE_ON)
    choose(app, "generic")  # Wang's trust -7 (called out); Liu's satisfaction -10 is delayed (not)
    fb = app.top
    assert isinstance(fb, FeedbackScene)
    assert shows(app, "Wang Fang's trust fell", "feedback")
    assert not any(m.target == "liu" for m in fb.turn.moves)
    assert not shows(app, "Liu Qiang's mood worsened", "feedback")
    assert shows(app, "Your solution fits their needs much better", "feedback")  # fit +30: 2x the threshold


# --- the fixes seen in a real window ------------------------------------------------------------------------

def test_restart_in_the_menu_asks_first_and_keeps_the_log(tmp_path, v2):
    app = start(tmp_path, v2)
    choose(app, "meet_cfo")
    first = app.game
    press(pygame.K_ESCAPE)
    settle(app)
    assert isinstance(app.top, MenuScene)
    click(app, ("item", 1))  # Restart this case
    settle(app)
    assert isinstance(app.top, ConfirmScene) and app.game is first
    assert shows(app, "Restart? Your current game's log is kept.", "confirm")
    press(pygame.K_n)  # no: back to the same game, same decision
    settle(app)
    assert isinstance(app.top, PlayScene) and app.game is first and app.top.point.touchpoint == "meet_cfo"
    press(pygame.K_ESCAPE)
    settle(app)
    click(app, ("item", 1))
    settle(app)
    press(pygame.K_ESCAPE)  # Esc is no too
    settle(app)
    assert isinstance(app.top, PlayScene) and app.game is first
    press(pygame.K_ESCAPE)
    settle(app)
    click(app, ("item", 1))
    settle(app)
    click(app, ("answer", True))
    settle(app)
    assert isinstance(app.top, PlayScene) and app.game is not first
    assert app.top.point.kind == "agenda" and app.top.point.number == 1
    kept = read_log(first.log_path, allow_partial_tail=True)
    assert [c["choice"] for c in kept.choices] == ["meet_cfo"]
    assert app.game.log_path != first.log_path


def test_chinese_money_is_written_in_wan_and_yi():
    assert fmt_money(360000, "CNY", "zh") == "36万元"
    assert fmt_money(365000, "CNY", "zh") == "36.5万元"
    assert fmt_money(362500, "CNY", "zh") == "36.25万元"
    assert fmt_money(361234, "CNY", "zh") == "36.12万元"
    assert fmt_money(8000, "CNY", "zh") == "8000元"
    assert fmt_money(120_000_000, "CNY", "zh") == "1.2亿元"
    assert fmt_money(99_999_999, "CNY", "zh") == "1亿元"  # rounds up to 10,000万: written in 亿
    assert fmt_money(360000, "USD", "zh") == "36万美元"
    assert fmt_money(360000, "CHF", "zh") == "36万 CHF"
    assert fmt_money(-36000, "CNY", "zh") == "-3.6万元"  # a hyphen-minus: the font has no U+2212


def test_english_money_has_a_symbol_or_the_currency_code():
    assert fmt_money(360000, "CNY", "en") == "¥360,000"
    assert fmt_money(360000, "USD", "en") == "$360,000"
    assert fmt_money(1250.5, "EUR", "en") == "€1,250.50"
    assert fmt_money(360000, "CHF", "en") == "360,000 CHF"
    assert fmt_money(0, "GBP", "en") == "£0"
    assert fmt_money(-36000, "CNY", "en") == "-¥36,000"
    assert fmt_percent(0.1) == "10%" and fmt_percent(1 / 12) == "8.3%"


def test_chinese_ui_strings_use_full_width_punctuation():
    assert STRINGS["your_move"]["zh"].endswith("？")
    for key, entry in STRINGS.items():
        assert not re.search(r"[\u4e00-\u9fff][?!,;:]", entry["zh"]), key
        assert not re.search(r"[()]", entry["zh"]), key  # （全角括号）



@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_trust_change_says_its_label_once(locale):
    label = ui_tr("trust", locale).lower()
    for level in TRUST:
        word = ui_tr("trust_" + level, locale)
        assert word.lower() != label
        line = ui_tr("ch_trust", locale, name="周敏", a=word, b=ui_tr("trust_advocate", locale))
        assert line.lower().count(label) == 1, line


def test_a_text_variant_is_picked_by_index():
    class V:
        def __init__(self, text):
            self.text = text

    texts_ = [V({"en": "a"}), V({"en": "b"})]
    assert variant(texts_, 1) == {"en": "b"} and variant(texts_, 7) == {"en": "b"}
    assert variant(texts_, -1) == {"en": "a"}
    assert variant({"en": "plain"}, 3) == {"en": "plain"} and variant(None, 0) is None


# --- the bot's log of --autoplay ----------------------------------------------------------------------------

def test_autoplay_writes_a_bots_log(tmp_path, v2):
    app = make_app(tmp_path, v2, autoplay="random", dwell_frames=3, seed=8)
    app.run(max_frames=3000)
    assert app.game.finished
    log = read_log(app.game.log_path)
    assert log.header["policy"] == "autoplay-random"
    start_event = app.game.session.trace[0]
    assert isinstance(start_event, tr.Start) and start_event.player == "bot:autoplay-random"
    assert_log_replays(app)


def test_play_command_marks_autoplay_logs_and_resumes_them_only_with_the_same_bot(tmp_path, capsys):
    log = tmp_path / "bot.jsonl"
    assert main(["play", str(V2), "--autoplay", "expert", "--seed", "2", "--log", str(log), "--locale", "en"]) == 0
    capsys.readouterr()
    assert read_log(log).header["policy"] == "autoplay-expert"
    half = tmp_path / "half.jsonl"
    half.write_text("".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
    assert main(["play", str(V2), "--resume", str(half), "--autoplay", "random"]) == 2
    err = capsys.readouterr().err
    assert "autoplay-expert" in err and "\n" not in err.strip()
    assert main(["play", str(V2), "--resume", str(half), "--autoplay", "expert"]) == 0
    assert read_log(half).complete and read_log(half).header["policy"] == "autoplay-expert"
    person = tmp_path / "person.jsonl"
    app_log = read_log(log)
    header = dict(app_log.header)
    del header["policy"]
    person.write_text(json.dumps(header) + "\n", encoding="utf-8")
    assert main(["play", str(V2), "--resume", str(person), "--autoplay", "expert"]) == 2
    assert "a person" in capsys.readouterr().err
