"""touchpoint balance and the lookahead bot: same numbers as touchpoint run, honest verdicts."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim.authoring.analysis import run_policy
from sim.authoring.balance import balance
from sim.authoring.lookahead import LookaheadPolicy, lookahead_factory
from sim.cli import main
from sim.engine.loader import load_scenario
from sim.engine.trace import trace_hash
from sim.runs.policies import ExpertPolicy, play

BROKEN = Path(__file__).parent / "data" / "broken"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("ref", ["tutorial", str(BROKEN / "clean.yaml")])
def test_balance_json_agrees_with_touchpoint_run(ref: str, capsys: pytest.CaptureFixture[str]):
    report = run_json(capsys, "balance", ref, "--runs", "25", "--seed", "11", "--lookahead-runs", "2", "--json")
    for policy in ("random", "expert"):
        alone = run_json(capsys, "run", ref, "--policy", policy, "--runs", "25", "--seed", "11", "--json")
        assert report["policies"][policy] == alone
    assert report["policies"]["lookahead"]["runs"] == 2
    assert report["policies"]["lookahead"]["seed"] == 11


def test_balance_reports_every_touchpoint_and_action(capsys: pytest.CaptureFixture[str]):
    report = run_json(capsys, "balance", "tutorial", "--runs", "40", "--lookahead-runs", "0", "--json")
    sc = load_scenario("tutorial")
    assert set(report["policies"]) == {"random", "expert"}
    tps = {(t["account"], t["touchpoint"]): t for t in report["touchpoints"]}
    assert set(tps) == {(a.id, tp.id) for a in sc.spec.accounts for tp in a.touchpoints}
    for (_acc, tid), tp in tps.items():
        spec = next(t for t in sc.spec.accounts[0].touchpoints if t.id == tid)
        assert [a["action"] for a in tp["policies"]["random"]["actions"]] == [a.id for a in spec.actions]
        assert tp["recommended"] == [a.id for a in spec.actions if a.recommended]
        expert = tp["policies"]["expert"]
        always = all(a.when is None and not a.once for a in spec.actions if a.recommended)
        if expert["decisions"] and always:  # a recommended action is always offered: the expert picks one
            picked = {a["action"] for a in expert["actions"] if a["picks"]}
            assert picked <= set(tp["recommended"])
        rnd = tp["policies"]["random"]
        if rnd["decisions"]:
            assert sum(a["pick_rate"] for a in rnd["actions"]) == pytest.approx(1.0, abs=1e-3)
    funnel = report["policies"]["random"]["funnel"]
    assert funnel["need_identification"] == 40 >= funnel["negotiation"] >= funnel["won"]
    # where a recommended action is offered (it may not be: 'when', or chosen once already), the
    # expert picks one, whatever order the options are shown in
    for seed in range(40):
        for point, choice in play(sc, ExpertPolicy(), seed).history:
            if any(o.recommended for o in point.options):
                assert point.option(choice).recommended, (seed, point.key, choice)


@pytest.mark.parametrize(("name", "level"), [("random_wins_often", "too_easy"), ("gate_never_passed", "too_hard"),
                                             ("clean", "fair")])
def test_verdict_levels(name: str, level: str):
    sc = load_scenario(str(BROKEN / f"{name}.yaml"))
    report = balance(sc, 80, lookahead_runs=0)
    assert report["verdict"]["level"] == level


def test_deciding_choices_are_the_biggest_win_rate_gaps():
    sc = load_scenario(str(BROKEN / "dominant_action.yaml"))
    v = balance(sc, 120, lookahead_runs=0)["verdict"]
    top = v["deciding"][0]
    assert (top["touchpoint"], top["action"]) == ("meet", "listen")
    assert top["win_rate"] == 1.0 and top["others_win_rate"] == 0.0
    gaps = [abs(d["gap"]) for d in v["deciding"]]
    assert gaps == sorted(gaps, reverse=True)


def test_text_report_says_the_verdict_in_both_languages(capsys: pytest.CaptureFixture[str]):
    assert main(["balance", str(BROKEN / "random_wins_often.yaml"), "--runs", "30", "--lookahead-runs", "0"]) == 0
    out = capsys.readouterr().out
    assert "Too easy" in out and "random" in out
    assert main(["balance", str(BROKEN / "random_wins_often.yaml"), "--runs", "30", "--lookahead-runs", "0",
                 "--locale", "zh"]) == 0
    assert "太容易" in capsys.readouterr().out


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_html_report_is_self_contained(tmp_path: Path, locale: str, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "report.html"
    assert main(["balance", "tutorial", "--runs", "30", "--lookahead-runs", "2", "--html", str(out),
                 "--locale", locale]) == 0
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(?:src|href)=["'](?!data:)""", page)  # nothing fetched from elsewhere
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) >= 2
    for data in images:
        root = ET.fromstring(base64.b64decode(data))
        assert root.tag.endswith("svg")
    title = "教程" if locale == "zh" else "Tutorial"
    assert title in page
    assert "warning" not in capsys.readouterr().err


def test_every_word_of_the_report_has_both_languages():
    from sim.authoring.balance import WORDS

    for key, (en, zh) in WORDS.items():
        assert en and zh and en != zh, key


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["balance", str(tmp_path / "missing.yaml")]) == 2
    assert main(["balance", str(BROKEN / "duplicate_id.yaml")]) == 2
    assert main(["balance", "tutorial", "--runs", "3", "--lookahead-runs", "0", "--html",
                 str(tmp_path / "no" / "such" / "dir.html")]) == 2
    capsys.readouterr()


# --- the lookahead bot -------------------------------------------------------------------------------------


def test_lookahead_finds_a_better_path_than_the_recommended_one():
    sc = load_scenario(str(BROKEN / "expert_never_wins.yaml"))
    expert = run_policy(sc, "expert", 12)
    ahead = run_policy(sc, lookahead_factory(sc), 12, name="lookahead")
    assert expert.wins == 0
    assert ahead.wins >= 9
    picks = ahead.touchpoints[("acme", "close")].actions
    assert picks["cave"].picks > picks["hold"].picks


def test_lookahead_is_deterministic_and_bounded():
    sc = load_scenario("tutorial")
    a = play(sc, LookaheadPolicy(sc, 3), 3)
    b = play(sc, LookaheadPolicy(sc, 3), 3)
    assert [c for _, c in a.history] == [c for _, c in b.history]
    assert trace_hash(a.trace) == trace_hash(b.trace)
    # with no budget left it is exactly the expert: the same choices and the same run, but for
    # who played (the trace's Start names the bot)
    none = play(sc, LookaheadPolicy(sc, 3, budget=0), 3)
    expert = play(sc, ExpertPolicy(), 3)
    assert none.history == expert.history
    assert list(none.trace)[1:] == list(expert.trace)[1:]
    assert (none.trace[0].player, expert.trace[0].player) == ("bot:lookahead", "bot:expert")
    assert none.trace[0]._replace(player="") == expert.trace[0]._replace(player="")


def test_lookahead_spends_at_most_its_budget():
    sc = load_scenario("tutorial")
    policy = LookaheadPolicy(sc, 5, rollouts=2, budget=30)
    play(sc, policy, 5)
    assert 0 < policy.spent <= 30


def test_lookahead_does_not_change_the_run_it_advises():
    """Rollouts replay the run in fresh sessions: the advised run's trace depends only on the choices
    (and on who played, which the replay names alike)."""
    sc = load_scenario("tutorial")
    session = play(sc, LookaheadPolicy(sc, 9), 9)

    class Replay:
        name = LookaheadPolicy.name

        def __init__(self, choices: list[str]) -> None:
            self.choices = iter(choices)

        def choose(self, point, session):  # type: ignore[no-untyped-def]
            return next(self.choices)

    replayed = play(sc, Replay([c for _, c in session.history]), 9)
    assert trace_hash(replayed.trace) == trace_hash(session.trace)


def test_balance_judgment_agrees_with_the_judgment_module(capsys: pytest.CaptureFixture[str]):
    """The judgment section is the stepping API's measurements on the same seeds, not a copy."""
    from sim.authoring.judgment import SURFACE_BOTS, deviations, skill_report

    report = run_json(capsys, "balance", str(BROKEN / "clean.yaml"), "--runs", "30", "--seed", "4",
                      "--lookahead-runs", "0", "--deviation-runs", "25", "--json")
    j = report["judgment"]
    sc = load_scenario(str(BROKEN / "clean.yaml"))
    skill = skill_report(sc, 30, 4)
    assert set(j["players"]) == {"expert", "random", "typical", *SURFACE_BOTS}
    for name, row in j["players"].items():
        assert row["conversion_rate"] == pytest.approx(skill.conversion[name], abs=1e-4)
    assert j["players"]["expert"]["conversion_rate"] == report["policies"]["expert"]["conversion_rate"]
    assert j["skill_share"] == pytest.approx(skill.skill_share, abs=1e-4)
    assert j["surface_ok"] == all(g <= j["surface_limit"] for g in j["surface_gap"].values())
    alone = {(d.touchpoint, d.action): d for d in deviations(sc, 25, 4)}
    assert {(d["touchpoint"], d["action"]) for d in j["deviations"]} == set(alone)
    gains = [d["score_gain"] for d in j["deviations"] if d["runs"]]
    assert gains == sorted(gains, reverse=True)
    for d in j["deviations"]:
        assert d["score_gain"] == pytest.approx(alone[(d["touchpoint"], d["action"])].score_gain, abs=0.01)


def test_balance_names_a_surface_cue_and_a_contradicted_coach(capsys: pytest.CaptureFixture[str]):
    assert main(["balance", str(BROKEN / "surface_bot.yaml"), "--runs", "60", "--lookahead-runs", "0"]) == 0
    out = capsys.readouterr().out
    assert "A surface cue decides the case: 'always the most days'" in out
    assert main(["balance", str(BROKEN / "expert_never_wins.yaml"), "--runs", "60", "--lookahead-runs", "0",
                 "--locale", "zh"]) == 0
    out = capsys.readouterr().out
    assert "模型与教练意见相矛盾" in out and "单步偏离" in out
    assert main(["balance", str(BROKEN / "clean.yaml"), "--runs", "60", "--lookahead-runs", "0"]) == 0
    out = capsys.readouterr().out
    assert "No surface cue pays" in out and "The model agrees with the coach" in out


def test_balance_without_the_deviation_table(capsys: pytest.CaptureFixture[str]):
    report = run_json(capsys, "balance", "tutorial", "--runs", "10", "--lookahead-runs", "0",
                      "--deviation-runs", "0", "--json")
    assert report["judgment"]["deviations"] == [] and report["judgment"]["deviation_runs"] == 0


def test_twin_actions_are_told_apart_by_their_condition():
    """renewal writes state-dependent moves as twins: one label, complementary ``when:``. Balance's
    tables and verdict name each twin by its condition, so the instructor sees which state it is."""
    from sim.authoring.balance import TWIN_CONDITION_CHARS, labels

    scenario = load_scenario("renewal")
    _, actions = labels(scenario, "en")
    twins = 0
    for _acc, a, shown, twin in _labelled(scenario, actions):
        if twin:
            twins += 1
            condition = shown.rsplit(" [when: ", 1)[1][:-1]
            assert a.when and shown.endswith("]") and a.when.startswith(condition.rstrip("…")), shown
            assert len(condition) <= TWIN_CONDITION_CHARS, shown
        else:
            assert "[when:" not in shown
    assert twins >= 2


def _labelled(scenario, actions):
    """Every action as balance labels it: (account, action, label, whether it is a twin: one label, two
    actions); and no two actions of a touchpoint share a label."""
    for acc in scenario.spec.accounts:
        for tp in acc.touchpoints:
            names = [a.label for a in tp.actions]
            assert len({actions[(acc.id, tp.id, a.id)] for a in tp.actions}) == len(tp.actions)
            for a in tp.actions:
                yield acc, a, actions[(acc.id, tp.id, a.id)], names.count(a.label) > 1


@pytest.mark.parametrize("sid", ["pipeline", "renewal"])
def test_twin_labels_in_chinese_say_their_condition_in_words(sid: str):
    """In Chinese a twin is named by its condition in words, in full-width brackets: ［仅当 条件］."""
    from sim.authoring.balance import TWIN_CONDITION_CHARS, labels
    from sim.authoring.graph import condition_text

    scenario = load_scenario(sid)
    _, actions = labels(scenario, "zh")
    twins = 0
    for acc, a, shown, twin in _labelled(scenario, actions):
        if twin and a.when:
            twins += 1
            assert "[when:" not in shown and shown.endswith("］"), shown
            condition = shown.rsplit("［仅当 ", 1)[1][:-1]
            assert len(condition) <= TWIN_CONDITION_CHARS, shown
            assert condition_text(a.when, acc, "zh").startswith(condition.rstrip("…")), shown
            assert not re.search(r"walk_away|price|agreed\(|chose\(|>=|\bnot\b|[()\[\]:]", shown), shown
    assert twins >= 2


def test_deviation_cells_use_full_width_parentheses_in_chinese():
    from sim.authoring.balance import _deviation_rows

    scenario = load_scenario("tutorial")
    acc = scenario.spec.accounts[0]
    tp = acc.touchpoints[0]
    report = {"judgment": {"deviations": [
        {"account": acc.id, "touchpoint": tp.id, "action": tp.actions[-1].id, "runs": 20, "score_gain": -1.1,
         "ci95": [-1.5, -0.6], "win_rate": 1.0, "expert_win_rate": 1.0, "beats_coach": False}]}}
    zh = _deviation_rows(report, scenario, "zh")[0]
    assert zh[3:] == ["-1.1（-1.5 .. -0.6）", "100%（100%）"]
    en = _deviation_rows(report, scenario, "en")[0]
    assert en[3:] == ["-1.1 (-1.5 .. -0.6)", "100% (100%)"]
