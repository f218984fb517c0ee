"""touchpoint check reports every problem in one pass, in plain words, in English and Chinese, at scale.

Issue 23: a file with four errors showed only its two schema errors; a renamed stakeholder took
nine runs of check to find its nine uses; the messages were parser jargon and English only; a
20,000-touchpoint scenario took two minutes and printed 60,000 warnings; control characters and
absurd numbers were accepted. Each of those has a test here that failed before.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import MINIMAL, minimal_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.authoring.analysis import SoftLockProbe, explore, run_policy
from sim.cli import main
from sim.cli.check_cmd import DECISIONS_PER_RUN, MAX_SHOWN, SHOWN_PER_KIND, shown_problems
from sim.engine.loader import Problem, inspect_bytes, load_scenario
from sim.engine.trace import trace_hash
from sim.lang.text import Bilingual

BROKEN = Path(__file__).parent / "data" / "broken"
BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<sev>error|warning)\] (?P<msg>.*)$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def check_lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[re.Match[str]], str]:
    code = main(["check", *args])
    out = capsys.readouterr()
    lines = [LINE.match(t) for t in out.out.splitlines()]
    assert all(lines), out.out
    return code, [m for m in lines if m], out.err


def problems_of(text: str) -> list[Problem]:
    return inspect_bytes(text.encode("utf-8"), "x.yaml").problems


def only(text: str) -> Problem:
    found = problems_of(text)
    assert len(found) == 1, [p.format("x.yaml") for p in found]
    return found[0]


# --- one pass --------------------------------------------------------------------------------------------


def test_one_run_reports_every_problem_each_once_in_file_order(capsys: pytest.CaptureFixture[str]) -> None:
    """Two schema errors, a dangling reference, a condition that does not parse, and nine uses of a
    renamed stakeholder: thirteen errors from one run, and the semantic checks on the rest."""
    path = BROKEN / "many_mistakes.yaml"
    code, lines, err = check_lines(capsys, str(path))
    assert code == 1
    errors = [m for m in lines if m["sev"] == "error"]
    assert len(errors) == 13 and len({(m["line"], m["col"]) for m in errors}) == 13
    positions = [(int(m["line"]), int(m["col"])) for m in lines]
    assert positions == sorted(positions)
    messages = [m["msg"] for m in errors]
    assert sum("unknown stakeholder 'zhou' (did you mean 'zhou_wei'?)" in m for m in messages) == 9
    assert any("influence: expected a number; remove the quotes and the % sign: 0.3" in m for m in messages)
    assert any("stage: must be one of:" in m and "(did you mean 'negotiation'?)" in m for m in messages)
    assert any("unknown flag 'agred' (did you mean 'agreed'?)" in m for m in messages)
    assert any(".when: expected a name, number" in m for m in messages)
    assert [m["msg"] for m in lines if m["sev"] == "warning"] == [
        "accounts[0].touchpoints[2].actions[1].when: this action can never be offered: its 'when' can never hold "
        "(the conditions on info contradict each other) (dead-action)"]
    assert "13 error(s), 1 warning(s) (no bot runs: fix the errors first)" in err


def test_every_problem_is_said_in_chinese_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = check_lines(capsys, str(BROKEN / "many_mistakes.yaml"), "--locale", "zh")
    assert code == 1 and len(lines) == 14
    for m in lines:
        text = m["msg"].split(": ", 1)[1]  # after the field path
        assert CJK.search(text), text
        assert not re.search(r"\b(unknown|expected|remove|must be|did you mean)\b", text), text
    assert "13个错误，1个警告" in err and "请先改正错误" in err


def test_a_part_left_out_raises_no_false_alarm() -> None:
    """An effect that fails the schema is left out; the flag only it sets must not make the gate
    that needs the flag look impossible, nor the stakeholder it names unknown."""
    text = minimal_yaml({"effects: [{set: pain}, {who: boss, trust: 10}]":
                         "effects: [{set: pain, chance: 2}, {who: boss, trust: 10}]"})
    found = inspect_bytes(text.encode(), "x.yaml")
    assert [p.path for p in found.problems] == ["accounts[0].touchpoints[0].actions[0].effects[0].chance"]
    assert found.scenario is not None and found.incomplete == frozenset({0})
    from sim.cli.check_cmd import check_report

    report = check_report(found.scenario, 0, incomplete=found.incomplete, to_file=found.to_file)
    assert report.problems == []  # without the effect, 'pain' is set by nothing: no impossible-gate here


def test_a_left_out_stakeholder_is_not_reported_again_where_it_is_named() -> None:
    """A stakeholder that cannot be mended (its name is a list) is left out: its uses are not
    'unknown stakeholder' errors; the schema error says what is wrong."""
    text = minimal_yaml({"{id: user, name: User, role: user, influence: 0.4, trust: 50, satisfaction: 50}":
                         "{id: user, name: [User], role: user, influence: 0.4, trust: 50, satisfaction: 50, "
                         "mode: growht}"})
    text = text.replace("with: [boss]", "with: [boss, user]")
    found = problems_of(text)
    assert [(p.path, p.message) for p in found] == [
        ("accounts[0].stakeholders[1].name", "expected text"),
        ("accounts[0].stakeholders[1].mode",
         "must be one of: growth, trouble, even_keel, overconfident (did you mean 'growth'?)")]


def test_later_paths_are_the_files_own_after_an_item_is_left_out() -> None:
    """A touchpoint without actions is left out; the errors after it keep the file's indices and lines."""
    text = minimal_yaml({"      - id: meet\n        stage: need_identification\n        title: Meet\n"
                         "        situation: First meeting\n        with: [boss]\n        actions:\n":
                         "      - id: meet\n        stage: need_identification\n        title: Meet\n"
                         "        situation: First meeting\n        with: [boss]\n        actions: []\n"
                         "      - id: meet2\n        stage: need_identification\n        title: Meet\n"
                         "        situation: First meeting\n        with: [bos]\n        actions:\n"})
    found = problems_of(text)
    assert [p.path for p in found] == ["accounts[0].touchpoints[0].actions", "accounts[0].touchpoints[1].with[0]"]
    lines = text.splitlines()
    assert "bos" in lines[found[1].line - 1] and "(did you mean 'boss'?)" in found[1].message


def test_a_misspelt_field_is_reported_once() -> None:
    p = only(minimal_yaml({"patience_days: 90": "patience_dayz: 90"}))
    assert (p.path, p.message) == ("accounts[0].patience_dayz", "unknown field (did you mean 'patience_days'?)")
    assert p.message.zh == "未知字段（是不是 'patience_days'？）"


def test_a_duplicate_key_is_reported_with_the_other_problems() -> None:
    found = problems_of(MINIMAL.replace("title: Mini\n", "title: Mini\ntitle: Again\nsummary: [x]\n"))
    assert [(p.line, p.message) for p in found] == [
        (4, "duplicate key 'title' (first at line 3); the first is kept"), (5, "expected text")]


# --- plain words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "message", "zh"), [
    ("influence: 0.6", 'influence: "35%"', "expected a number; remove the quotes and the % sign: 0.35",
     "这里应当是数字；请去掉引号和百分号，写成 0.35"),
    ("influence: 0.6", "influence: 35%", "expected a number; remove the % sign: 0.35", "请去掉百分号，写成 0.35"),
    ("trust: 50, satisfaction: 50}\n      - {id: user", 'trust: "60", satisfaction: 50}\n      - {id: user',
     "expected a number; remove the quotes: 60", "请去掉引号，写成 60"),
    ("size: small}", 'size: small, deal_value: "¥1,200,000"}',
     "expected a number; remove the quotes, the currency sign and the commas: 1200000", "货币符号"),
    ("patience_days: 90", 'patience_days: "90 days"', "expected a number", "这里应当是数字"),
])
def test_a_number_written_as_text_says_what_to_remove(old: str, new: str, message: str, zh: str) -> None:
    p = only(minimal_yaml({old: new}))
    assert p.message == message and zh in p.message.zh


@pytest.mark.parametrize(("old", "new", "suggestion"), [
    ("stage: need_identification", "stage: negociation", "negotiation"),
    ("need_identification: {gate: pain}", "need_identifcation: {gate: pain}", "need_identification"),
    ("role: user", "role: usr", "user"),
    ("role: economic_buyer", "role: economic_buyr", "economic_buyer"),
    ("title: Mini\n", "title: Mini\ndifficulty: meduim\n", "medium"),
    ("effects: [{who: boss, trust: -10}]}", "effects: [{who: boss, trust: -10}, {lose: vetto}]}", "veto"),
    ("{who: boss, trust: 10}", "{who: boss, trust: 10, scale: risk_averse}", "risk_aversion"),
    ("{who: boss, trust: 10}", "{who: role:econmic_buyer, trust: 10}", "economic_buyer"),
    ("stakeholders:", "stakholders:", "stakeholders"),
    ("{id: boss, name: Boss,", "{id: boss, nmae: Boss, name: Boss,", "name"),
])
def test_did_you_mean_for_every_choice_and_key(old: str, new: str, suggestion: str) -> None:
    p = only(minimal_yaml({old: new}))
    assert f"(did you mean '{suggestion}'?)" in p.message, p.message
    assert f"（是不是 '{suggestion}'？）" in p.message.zh


@pytest.mark.parametrize(("title", "key"), [("{en: Yes, sir, zh: 是}", "sir"), ("{en: a, b, zh: c}", "b")])
def test_a_comma_that_splits_a_text_says_quote_it(title: str, key: str) -> None:
    p = only(minimal_yaml({"title: Mini": f"title: {title}"}))
    assert p.path == f"title.{key}" and "comma" in p.message and "quote" in p.message
    assert "逗号" in p.message.zh and "引号" in p.message.zh


# --- refused: control characters and absurd numbers --------------------------------------------------------


@pytest.mark.parametrize(("escape", "name"), [
    ("\\0", "U+0000, NUL"), ("\\e", "U+001B, ESC"), ("\\x07", "U+0007, BEL"), ("\\x85", "U+0085"),
    ("\\u009b", "U+009B"), ("\\ud800", "U+D800"), ("\\t", None), ("\\n", None), ("\\\\0", None)])
def test_control_characters_in_a_text_are_refused_where_they_are(escape: str, name: str | None) -> None:
    text = minimal_yaml({"title: Mini": f'title: "Mi{escape}ni"'})
    if name is None:  # a tab, a newline, a backslash and a zero: ordinary text
        assert problems_of(text) == []
        return
    p = only(text)
    if p.message.startswith("not valid YAML"):  # libyaml refuses a lone surrogate itself
        assert name == "U+D800" and p.line == 3 and "escape" in p.message and "转义" in p.message.zh
        return
    assert (p.line, p.column, p.path) == (3, 8, "title")
    assert p.message == f"a control character ({name}) in the text: it cannot be shown or printed; remove it"
    assert "控制字符" in p.message.zh


@pytest.mark.parametrize(("old", "new", "path", "words", "at"), [
    ("size: small}", "size: small, deal_value: 1e308}", "accounts[0].persona.deal_value",
     "less than or equal to 1000000000000", "1e308"),
    ("{who: boss, trust: 10}", "{who: boss, trust: 1e308}", "accounts[0].touchpoints[0].actions[0].effects[1].trust",
     "a change of 1e+308 is beyond what the model can use: trust changes by at most 100 either way", "1e308"),
    ("{who: boss, trust: 10}", "{who: boss, trust: {uniform: [0, 500]}}",
     "accounts[0].touchpoints[0].actions[0].effects[1].trust", "trust changes by at most 100", "{uniform"),
    ("{who: boss, trust: 10}", "{who: boss, trust: .nan}", "accounts[0].touchpoints[0].actions[0].effects[1].trust",
     "finite number", ".nan"),
    ("influence: 0.6", "influence: .inf", "accounts[0].stakeholders[0].influence", "finite number", ".inf"),
    ("target_days: 20", "target_days: 20000", "rubric.target_days", "less than or equal to 10000", "20000"),
    ("patience_days: 90", "patience_days: 1e9", "accounts[0].patience_days", "less than or equal to 3650", "1e9"),
    ("{set: pain}", "{set: pain, patience: 99999}", "accounts[0].touchpoints[0].actions[0].effects[0].patience",
     "patience changes by at most 3650", "99999"),
    ("trust: 50, satisfaction: 50}\n      - {id: user", "trust: 50, drift: -1e308}\n      - {id: user",
     "accounts[0].stakeholders[0].drift", "greater than or equal to -100", "-1e308"),
])
def test_absurd_numbers_are_refused_where_they_are(old: str, new: str, path: str, words: str, at: str) -> None:
    text = minimal_yaml({old: new})
    p = only(text)
    assert p.path == path and words in p.message, p.message
    assert CJK.search(p.message.zh)
    assert text.splitlines()[p.line - 1][p.column - 1:].startswith(at)


# --- every message in both languages (fuzzed) ----------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*|\d+(?:\.\d+)?|[{}\[\]:,\-]| {2,}")
_JUNK = st.sampled_from(["", "x", "-1", "1e400", '"5"', "[", "}", "{a: 1}", "[1, 2]", "\t", "?", ": ", "zz",
                         "role:x", "nope(", "trust(x) >", "'", "&a", "*a", "!!int x", "\\0", "."])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_message_from_any_mistake_is_said_in_both_languages(data: st.DataObject) -> None:
    """Mangle the minimal scenario at random: whatever is reported is one line, located, and
    has a Chinese version that is Chinese."""
    text = MINIMAL
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.sampled_from(list(_TOKEN.finditer(text))))
        text = text[:spot.start()] + data.draw(_JUNK) + text[spot.end():]
    found = inspect_bytes(text.encode("utf-8"), "x.yaml")
    for p in found.problems:
        assert isinstance(p.message, Bilingual), p
        assert "\n" not in p.message and "\n" not in p.message.zh
        assert CJK.search(p.message.zh), p.message
        assert p.line >= 1 and p.column >= 1


# --- scale --------------------------------------------------------------------------------------------------


def _warning(i: int, code: str) -> Problem:
    return Problem(i, 1, Bilingual(f"w{i}", f"警告{i}"), "warning", f"p[{i}]", code)


def test_repeated_warnings_are_counted_by_kind() -> None:
    problems = [_warning(i, "unreached-touchpoint") for i in range(1, 31)] + [_warning(100, "other")]
    shown = shown_problems(problems)
    assert [p.line for p in shown] == [*range(1, SHOWN_PER_KIND + 2), 100]
    more = shown[SHOWN_PER_KIND]
    assert more.message == "unreached-touchpoint: 20 more like this (--all shows every one)"
    assert more.message.zh == "unreached-touchpoint：还有20个同类问题（--all 可全部显示）"
    assert shown_problems(problems, everything=True) == problems


def test_past_the_cap_one_line_counts_what_is_not_shown() -> None:
    errors = [Problem(i, 1, Bilingual(f"e{i}", f"错误{i}"), "error", "", "") for i in range(1, 251)]
    warnings = [_warning(300 + i, "kind") for i in range(40)]
    shown = shown_problems(errors + warnings)
    assert len(shown) == MAX_SHOWN + 1
    last = shown[-1]
    assert (last.line, last.severity) == (MAX_SHOWN + 1, "error")
    assert last.message == "90 more problem(s) not shown (50 error(s), 40 warning(s)); --all shows every one"


def test_a_long_scenario_is_explored_within_a_decision_budget() -> None:
    sys.path.insert(0, str(BENCH))
    import bench_check

    from sim.engine.loader import load_bytes

    sc = load_bytes(bench_check.generate_scale(600).encode(), "scale.yaml")
    full = explore(sc, 60, 0, max_decisions=None)
    per_run = full.decisions / full.runs
    assert full.runs == 60 and per_run > 100  # a long run: the case has 600 touchpoints
    ex = explore(sc, 60, 0, max_decisions=int(10 * per_run))
    assert ex.requested == 60 and 6 <= ex.runs <= 15  # each bot stops after the run that spends its share
    assert ex.tallies["random"].runs < ex.split["random"]


def test_check_of_a_big_scenario_groups_its_warnings_and_says_the_runs_were_cut(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCH))
    import bench_check

    path = tmp_path / "big.yaml"
    path.write_text(bench_check.generate_scale(2000), encoding="utf-8")
    _, lines, err = check_lines(capsys, str(path), "--runs", "30")
    kinds = [m["msg"] for m in lines if "more like this" in m["msg"]]
    assert any(k.startswith("accounts[0].touchpoints[") and "unreached-touchpoint: " in k for k in kinds), kinds
    assert len(lines) <= MAX_SHOWN + 1
    assert f"seeded bot runs of the 30 asked for: long runs, held to {30 * DECISIONS_PER_RUN:,} decisions" in err
    assert "judgment checks left out" in err


def test_the_event_probe_changes_nothing_in_the_runs() -> None:
    sc = load_scenario(BROKEN / "event_rarely_holds.yaml")
    probe = SoftLockProbe(sc.rules)
    assert probe.conditions
    from sim.runs.policies import RandomPolicy, play

    for seed in range(15):
        plain = play(sc, RandomPolicy(seed), seed)
        probed = run_policy(sc, lambda s: RandomPolicy(s), 1, seed, probe=probe)
        assert probed.runs == 1
        assert trace_hash(play(probe.rules, RandomPolicy(seed), seed).trace) == trace_hash(plain.trace)


def test_an_event_tested_only_on_a_day_when_it_cannot_hold_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    _, lines, _ = check_lines(capsys, str(BROKEN / "event_rarely_holds.yaml"), "--runs", "120", "-q")
    (hit,) = [m for m in lines if "(event-rarely-holds)" in m["msg"]]
    assert hit["sev"] == "warning" and int(hit["line"]) == 27
    assert re.search(r"it held then in \d+ of the \d+ runs that reached that day, but became true later in \d+",
                     hit["msg"])


def test_a_deadline_event_that_rarely_holds_as_meant_is_not_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`not agreed` at day 40: true before the day in every run, false on it in most: a deadline, as meant."""
    text = (BROKEN / "event_rarely_holds.yaml").read_text(encoding="utf-8").replace(
        "{id: kickoff, day: 2, when: agreed,", "{id: kickoff, day: 40, when: not agreed,")
    target = tmp_path / "deadline.yaml"
    target.write_text(text, encoding="utf-8")
    _, lines, _ = check_lines(capsys, str(target), "--runs", "120", "-q")
    assert not [m for m in lines if "(event-rarely-holds)" in m["msg"]]
