"""touchpoint check: each check caught on a small broken scenario of its own, at the right line.

Every file in tests/data/broken/ marks the line where a problem must be reported with a trailing
``# expect: CHECK`` comment (``error`` for the loader's own errors, which carry no check name).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import bundled_ids, load_text, minimal_yaml

from sim.authoring import lint
from sim.authoring.analysis import SoftLockProbe, explore, run_policy
from sim.cli import main
from sim.engine.loader import load_scenario
from sim.engine.trace import trace_hash
from sim.runs.policies import RandomPolicy, play

BROKEN = Path(__file__).parent / "data" / "broken"
RUNS = "200"
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<sev>error|warning)\] (?P<msg>.*)$")
CODE = re.compile(r"\(([a-z][a-z-]*)\)$")
EXPECT = re.compile(r"#\s*expect:\s*([a-z][a-z-]*)\s*$")


def expectations(path: Path) -> list[tuple[int, str]]:
    return [(n, m.group(1)) for n, text in enumerate(path.read_text("utf-8").splitlines(), 1)
            if (m := EXPECT.search(text))]


LAST_ERR: list[str] = [""]


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    """Run touchpoint check; return the exit code and the parsed problem lines (stderr in LAST_ERR)."""
    code = main(["check", *args])
    captured = capsys.readouterr()
    out, LAST_ERR[0] = captured.out, captured.err
    found = []
    for text in out.splitlines():
        m = LINE.match(text)
        assert m, f"not a file:line:column line: {text!r}"
        c = CODE.search(m["msg"])
        found.append({"line": int(m["line"]), "col": int(m["col"]), "severity": m["sev"], "message": m["msg"],
                      "code": c.group(1) if c else "error", "file": m["file"]})
    return code, found


BROKEN_FILES = sorted(p for p in BROKEN.glob("*.yaml") if p.name != "clean.yaml")


def test_every_broken_file_marks_what_it_breaks():
    assert len(BROKEN_FILES) >= 15
    for path in BROKEN_FILES:
        assert expectations(path), f"{path.name} has no '# expect: CHECK' marker"


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_broken_scenario_is_reported_at_the_marked_line(path: Path, capsys: pytest.CaptureFixture[str]):
    code, found = check(capsys, str(path), "--runs", RUNS, "-q")
    expected = expectations(path)
    for line, name in expected:
        hits = [f for f in found if f["line"] == line and (f["code"] == name or name == "error")]
        assert hits, f"{path.name}:{line}: expected {name}, got {[(f['line'], f['code']) for f in found]}"
        if name == "error":
            assert all(f["severity"] == "error" for f in hits)
    # no error that the file does not announce
    for f in found:
        if f["severity"] == "error":
            assert (f["line"], f["code"]) in expected or (f["line"], "error") in expected, f
    errors = any(f["severity"] == "error" for f in found)
    assert code == (1 if errors else 0)
    assert code == 1 or main(["check", str(path), "--runs", RUNS, "-q", "--strict"]) == 1


def test_clean_scenario_passes_even_strict(capsys: pytest.CaptureFixture[str]):
    code, found = check(capsys, str(BROKEN / "clean.yaml"), "--runs", RUNS, "--strict")
    assert (code, found) == (0, [])
    assert "clean.yaml: ok (200 seeded bot runs)" in LAST_ERR[0]


@pytest.mark.parametrize("sid", bundled_ids())
def test_bundled_scenarios_have_no_errors(sid: str, capsys: pytest.CaptureFixture[str]):
    code, found = check(capsys, sid, "--runs", "120", "-q")
    assert [f for f in found if f["severity"] == "error"] == []
    assert code == 0


def test_run_checks_say_how_many_runs_they_rest_on(capsys: pytest.CaptureFixture[str]):
    _, found = check(capsys, str(BROKEN / "unreached_touchpoint.yaml"), "--runs", "120", "-q")
    assert any("(in 120 seeded bot runs)" in f["message"] for f in found)


@pytest.mark.parametrize("flag", [("--runs", "0"), ("--no-runs",)])
def test_no_runs_keeps_static_checks_only(flag: tuple[str, ...], capsys: pytest.CaptureFixture[str]):
    _, found = check(capsys, str(BROKEN / "unreached_touchpoint.yaml"), *flag)
    assert found == [] and "ok (no bot runs)" in LAST_ERR[0]
    code, found = check(capsys, str(BROKEN / "impossible_gate.yaml"), *flag, "-q")
    assert code == 1 and [f["code"] for f in found] == ["impossible-gate"]


def test_github_annotations_match_the_text_positions(capsys: pytest.CaptureFixture[str]):
    path = str(BROKEN / "gate_never_passed.yaml")
    _, found = check(capsys, path, "--runs", "120", "-q")
    assert main(["check", path, "--runs", "120", "-q", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(found)
    for text, f in zip(lines, found, strict=True):
        m = re.match(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+)::(.+)$", text)
        assert m, text
        assert (m[1], int(m[3]), int(m[4])) == (f["severity"], f["line"], f["col"])
        assert m[2] == f["file"]
        assert "%25" not in f["message"] and "\n" not in m[5]


def test_github_escapes_percent_signs(capsys: pytest.CaptureFixture[str]):
    main(["check", str(BROKEN / "random_wins_often.yaml"), "--runs", "60", "-q", "--format", "github"])
    out = capsys.readouterr().out
    assert "%25" in out and "100%" not in out.replace("%25", "")


def test_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    # one unreadable file among good ones still exits 2; a broken one alone exits 1
    assert main(["check", str(BROKEN / "clean.yaml"), str(tmp_path / "nope.yaml"), "--runs", "0"]) == 2
    assert main(["check", str(BROKEN / "duplicate_id.yaml")]) == 1
    capsys.readouterr()


def test_bad_runs_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["check", "tutorial", "--runs", "-3"])
    assert exc.value.code == 2
    capsys.readouterr()


def test_output_is_deterministic_and_localised(capsys: pytest.CaptureFixture[str]):
    path = str(BROKEN / "missing_translation.yaml")
    first = check(capsys, path, "--runs", "90", "-q")
    assert check(capsys, path, "--runs", "90", "-q") == first
    _, zh = check(capsys, path, "--runs", "90", "-q", "--locale", "zh")
    assert [(f["line"], f["code"]) for f in zh] == [(f["line"], f["code"]) for f in first[1]]
    assert all(re.search(r"[\u4e00-\u9fff]", f["message"]) for f in zh)


def test_texts_with_variants_are_checked_for_translations():
    """A situation, reaction or feedback may be one text or a list of variants (format 2): each
    variant's text is checked like any other, and a plain text as before."""
    sc = load_text(minimal_yaml({
        "version: 1\n": "version: 2\nlanguages: [en, zh]\n",
        "situation: First meeting\n": (
            "situation:\n"
            "          - {when: pain, text: {en: Again, zh: 再次}}\n"
            "          - {text: {en: First meeting}}\n"),
        "{id: good, label: Good, days: 2, recommended: true,":
            "{id: good, label: Good, days: 2, recommended: true, reaction: {zh: 好}, "
            "feedback: [{when: pain, text: {en: Fine, zh: 好}}, {text: {en: Well done}}],",
    }))
    paths = {f.path for f in lint.language_findings(sc.spec) if f.code == "missing-translation"}
    tp = ("accounts", 0, "touchpoints", 0)
    assert (*tp, "situation", 1, "text") in paths and (*tp, "situation", 0, "text") not in paths
    assert (*tp, "actions", 0, "reaction") in paths
    feedback = (*tp, "actions", 0, "feedback")
    assert (*feedback, 1, "text") in paths and (*feedback, 0, "text") not in paths


def test_every_message_has_both_languages_with_the_same_fields():
    for key, (en, zh) in lint.MESSAGES.items():
        assert en and zh, key
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", zh)), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key in ("runs_suffix",), key


# --- the static reasoning --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranges() -> lint.Ranges:
    return lint.Ranges(
        num={"info": (0.0, 60.0), "fit": (0.0, 100.0), "competitor": (0.0, 100.0), "consensus": (0.0, 80.0),
             "satisfaction": (0.0, 90.0), "day": (0.0, lint.INF), "days_left": (-lint.INF, lint.INF),
             "trust(a)": (0.0, 70.0), "trust(b)": (0.0, 80.0)},
        settable={"ready"}, can_present={"a"}, can_absent={"b"})


@pytest.mark.parametrize("conditions", [
    ["info >= 61"], ["info < 40 and info >= 40"], ["ready and not ready"], ["never_set"],
    ["trust(a) + trust(b) > 150"], ["present(b) and not present(b)"], ["not present(a) and info > 1"],
    ["info > 60"], ["0 > 1"], ["false"], ["ready", "not ready"], ["info == 30 and info != 30"],
    ["(info > 70 or fit > 120) and ready"], ["not (info <= 60)"], ["50 < info - 10"],
])
def test_never_holds_finds_impossible_conditions(conditions: list[str], ranges: lint.Ranges):
    assert lint.never_holds(conditions, ranges) is not None


@pytest.mark.parametrize("conditions", [
    ["info >= 60"], ["info < 40 or info >= 40"], ["ready"], ["not never_set"], ["trust(a) + trust(b) >= 150"],
    ["day > 1000"], ["days_left < -5"], ["present(a)"], ["not present(b)"], ["info == 30"],
    ["info > 70 or ready"], [None], ["competitor >= 100"], ["not present(a) or info > 1"],
])
def test_never_holds_is_silent_when_a_condition_may_hold(conditions: list, ranges: lint.Ranges):
    assert lint.never_holds(conditions, ranges) is None


def test_reasons_name_the_culprit(ranges: lint.Ranges):
    why = lint.never_holds(["info >= 61"], ranges)
    assert why is not None and "info" in why.text() and "60" in why.text()
    assert "never_set" in lint.never_holds(["never_set"], ranges).text()  # type: ignore[union-attr]
    assert re.search(r"[\u4e00-\u9fff]", lint.never_holds(["never_set"], ranges).text("zh"))  # type: ignore[union-attr]


def test_account_ranges_sum_the_largest_gain_of_every_visit():
    sc = load_scenario(str(BROKEN / "impossible_gate.yaml"))
    r = lint.account_ranges(sc.rules.accounts[0])
    assert r.num["fit"] == (0.0, 50.0)
    assert r.settable == {"ready", "agreed"}
    tut = load_scenario("tutorial")
    assert lint.account_ranges(tut.rules.accounts[0]).num["fit"][1] == 100.0  # a normal gain is unbounded


# --- the runs behind the checks --------------------------------------------------------------------------


def test_soft_lock_probe_does_not_change_the_runs():
    sc = load_scenario(str(BROKEN / "softlock_runs.yaml"))
    probe = SoftLockProbe(sc.rules)
    assert probe.watched == {("acme", "close")}
    reached = 0
    for seed in range(20):
        probe.reset()
        watched = play(probe.rules, RandomPolicy(seed), seed)
        plain = play(sc, RandomPolicy(seed), seed)
        assert trace_hash(watched.trace) == trace_hash(plain.trace)
        # every run that gets to the negotiation reaches 'close' with nothing offered (info < 30
        # until after the sale), and the probe notes it there, once
        negotiated = any(e.kind == "stage" and e.stage == "negotiation" for e in plain.trace)
        assert [h.touchpoint for h in probe.hits] == (["close"] if negotiated else [])
        reached += negotiated
    assert reached  # the probe was put to the test


def test_exploration_random_runs_match_touchpoint_run(capsys: pytest.CaptureFixture[str]):
    import json

    sc = load_scenario("tutorial")
    ex = explore(sc, 60, seed=5)
    rnd = ex.tallies["random"]
    assert main(["run", "tutorial", "--policy", "random", "--runs", str(rnd.runs), "--seed", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == rnd.summary_dict()
    assert sum(t.runs for t in ex.tallies.values()) == 60


def test_tally_counts_picks_and_reaches_consistently():
    sc = load_scenario("tutorial")
    tally = run_policy(sc, "random", 80)
    for row in tally.touchpoint_report():
        picks = sum(a["picks"] for a in row["actions"])
        assert picks == row["decisions"] >= row["runs_reached"]
        for a in row["actions"]:
            assert a["runs"] <= row["runs_reached"]
            if a["runs"] and row["runs_reached"] > a["runs"]:
                assert a["others_win_rate"] is not None


QUALIFY_OUT = """\
version: 2
id: qualify
title: Two accounts, one to walk away from
objective: Win the good one; qualify the poor fit out.
rubric:
  weights: {conversion: 0.6, satisfaction: 0.2, cycle_time: 0.1, retention: 0.1}
  target_days: 20
  max_days: 60
  wins_needed: 1
accounts:
  - id: good
    persona: {company: Good, industry: x, size: x}
    patience_days: 60
    stakeholders:
      - {id: g, name: G, role: economic_buyer, influence: 1, trust: 50}
    stages:
      negotiation: {}
    touchpoints:
      - id: deal
        stage: negotiation
        title: Deal
        situation: S
        actions:
          - {id: sign, label: Sign it, days: 3, recommended: true, effects: [{who: g, satisfaction: 10}]}
          - {id: stall, label: Wait and see, days: 1, effects: [{who: g, satisfaction: -10}, {lose: stalled}]}
  - id: poor
    persona: {company: Poor, industry: x, size: x}
    patience_days: 60
    stakeholders:
      - {id: p, name: P, role: economic_buyer, influence: 1, trust: 50}
    stages:
      need_identification: {gate: info >= 10}
      negotiation: {gate: consensus >= 58}
    touchpoints:
      - id: call
        stage: need_identification
        title: Call
        situation: S
        actions:
          - {id: walk, label: Say it is not a fit, days: 1, recommended: true, effects: [{lose: disqualified}]}
          - {id: chase, label: Chase the deal, days: 2, effects: [{info: 20}]}
      - id: haggle
        stage: negotiation
        title: Haggle
        situation: S
        actions:
          - {id: push, label: Push for the deal, days: 2, effects: [{who: p, trust: 5}]}
          - {id: give, label: Give it away, days: 1, when: "visits(haggle) >= 2", effects: [{who: p, trust: 10}]}
"""


def test_a_deal_the_advice_walks_away_from_is_not_a_broken_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "qualify.yaml"
    path.write_text(QUALIFY_OUT, encoding="utf-8")
    _code, found = check(capsys, str(path), "--runs", RUNS, "-q")
    assert not [f for f in found if f["code"] in ("gate-never-passed", "never-won", "impossible-gate")], found
    # the same account without the advice to walk away: its gate that never holds is reported
    chase = "{id: chase, label: Chase the deal, days: 2,"
    path.write_text(QUALIFY_OUT.replace("days: 1, recommended: true, effects: [{lose: disqualified}]",
                                        "days: 1, effects: [{lose: disqualified}]").replace(
        chase, chase + " recommended: true,"), encoding="utf-8")
    _code, found = check(capsys, str(path), "--runs", RUNS, "-q")
    assert [f for f in found if f["code"] == "gate-never-passed"], found


# --- the deal's numbers: price, walk_away, discount -----------------------------------------------------


def test_deal_numbers_have_their_ranges():
    """price stays between the floor and the list price, walk_away is never below 0, discount is the
    percent off the list price (at most 20 here): a condition outside these ranges can never hold."""
    text = (BROKEN / "impossible_deal_condition.yaml").read_text("utf-8")
    text = text.replace("agreed and discount > 25", "agreed").replace(", when: walk_away < 0", "")
    text = text.replace("        when: price > 200000  # expect: dead-touchpoint\n", "")
    scenario = load_text(text, "deal.yaml")
    acc = scenario.rules.accounts[0]
    for complete in (True, False):
        ranges = lint.account_ranges(acc, complete)
        assert ranges.num["price"] == (80000, 100000)
        assert ranges.num["walk_away"] == (0, float("inf"))
        assert ranges.num["discount"] == (0, 20)
        assert lint.never_holds(["discount > 25"], ranges).text() == "discount is always at most 20"
        assert lint.never_holds(["price > 200000"], ranges).text() == "price is always between 80000 and 100000"
        assert lint.never_holds(["walk_away < 0"], ranges).text() == "walk_away is always at least 0"
        assert lint.never_holds(["walk_away < 0"], ranges).text("zh") == "walk_away始终不低于0"
        assert lint.never_holds(["price >= 90000 and price < 85000"], ranges).text() == \
            "the conditions on price contradict each other"
        for fine in ("discount >= 20", "price <= 80000", "walk_away + 5000 >= price", "discount < 5 or price > 99000"):
            assert lint.never_holds([fine], ranges) is None, fine


def test_without_a_deal_price_and_walk_away_are_zero():
    acc = load_text(minimal_yaml()).rules.accounts[0]
    assert acc.deal is None
    ranges = lint.account_ranges(acc)
    assert ranges.num["price"] == ranges.num["walk_away"] == (0, 0)
    assert lint.never_holds(["price > 0"], ranges).text() == "price is always 0"
    assert lint.never_holds(["walk_away >= 0 and price == 0"], ranges) is None


@pytest.mark.parametrize("gate", ["fit >= 40 and discount > 150", "walk_away < 0", "price > 2000000"])
def test_starter_scenario_with_an_impossible_deal_gate(gate: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "my_case.yaml"
    assert main(["new", "my_case", "-o", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text("utf-8")
    assert "        gate: fit >= 40\n" in text
    out.write_text(text.replace("        gate: fit >= 40\n", f"        gate: {gate}\n", 1), "utf-8")
    code, found = check(capsys, str(out), "--runs", "0")
    assert code == 1 and [f["code"] for f in found] == ["impossible-gate"], found
    assert found[0]["line"] == text[:text.index("        gate: fit >= 40")].count("\n") + 1
    assert re.search(r"this gate can never hold \((discount|walk_away|price) is always ", found[0]["message"])
