"""The bundled scenarios: valid, fully bilingual, shaped as the issue asks, and skill decides them."""

from __future__ import annotations

import re
from statistics import median

import pytest
from conftest import bundled_ids

from scoring import Summary, score_run
from sim.engine.loader import load_file, load_scenario
from sim.lang import bundled
from sim.runs.policies import ExpertPolicy, RandomPolicy, play

IDS = bundled_ids()
TEXT_FIELDS = {"title", "summary", "objective", "label", "situation", "reaction", "feedback", "text", "name",
               "company", "industry", "size", "goal", "fail_text", "detail", "deadline_label"}
TEXT_LISTS = {"cares_about", "needs", "pain_points"}


def test_the_tutorial_comes_first_and_files_are_named_by_id():
    assert IDS[0] == "tutorial"
    for path in bundled.scenario_paths():
        sc = load_file(path)
        assert sc.id == path.stem
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")


def _texts(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else k
            if k in TEXT_FIELDS and isinstance(v, list):  # variants of a text: each has its own text
                yield from _texts(v, here)
            elif k in TEXT_FIELDS and not isinstance(v, (bool, int, float)) and v is not None:
                yield here, v
            elif k in TEXT_LISTS:
                for i, item in enumerate(v):
                    yield f"{here}[{i}]", item
            else:
                yield from _texts(v, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _texts(item, f"{path}[{i}]")


@pytest.mark.parametrize("sid", IDS)
def test_every_text_is_in_english_and_chinese(sid):
    sc = load_scenario(sid)
    assert set(sc.spec.languages) >= {"en", "zh"}
    missing = [p for p, t in _texts(sc.source.data) if not (isinstance(t, dict) and t.get("en") and t.get("zh"))]
    assert not missing, f"{sid}: texts without both languages: {missing[:5]}"


def _figures(sid: str, runs: int, seed: int = 100_000) -> dict[str, dict]:
    sc = load_scenario(sid)
    out = {}
    for name in ("expert", "random"):
        summary, decisions, won = Summary(), [], []
        for i in range(runs):
            policy = ExpertPolicy() if name == "expert" else RandomPolicy(seed + i)
            session = play(sc, policy, seed + i)
            card = score_run(session.trace, sc.rubric)
            summary.add(card)
            decisions.append(len([p for p, _ in session.history if p.kind == "action"]))
            won.append(card.won)
        out[name] = {**summary.as_dict(), "decisions": decisions, "won": won}
    return out


@pytest.mark.parametrize("sid", IDS)
def test_skill_decides_the_case(sid):
    """Over 1,000 runs the README's figures hold; here 300 runs each, seeds unlike the README's."""
    f = _figures(sid, 300)
    expert, rnd = f["expert"], f["random"]
    assert expert["conversion_rate"] >= 0.60, expert
    assert rnd["conversion_rate"] <= 0.35, rnd
    assert expert["satisfaction_mean"] >= rnd["satisfaction_mean"] + 15


def test_issue_shapes_of_the_cases():
    present = set(IDS)
    tut = _figures("tutorial", 50)
    # A full play of the tutorial (to a won deal and its follow-up) is 5-9 meetings, 6 on the
    # recommended path; a trainee who loses early sees fewer, and none sees more than its twelve
    # (nine touchpoints, three of which may come back once).
    assert set(tut["expert"]["decisions"]) <= {6, 7}
    for f in (tut["expert"], tut["random"]):
        assert all(5 <= d <= 9 for d, w in zip(f["decisions"], f["won"], strict=True) if w)
        assert all(1 <= d <= 12 for d in f["decisions"])
    assert any(tut["random"]["won"]) and any(tut["expert"]["won"])
    if "enterprise_software" in present:
        acc = load_scenario("enterprise_software").spec.accounts[0]
        assert len(acc.stakeholders) >= 4 and acc.competitor is not None
        cyc = _figures("enterprise_software", 100)["expert"]["cycle_days_median"]
        assert 60 <= cyc <= 120
    if "medical_device" in present:
        acc = load_scenario("medical_device").spec.accounts[0]
        after = [t for t in acc.touchpoints if t.stage == "after_sales"]
        assert len(after) >= 2
        f = _figures("medical_device", 200)
        assert f["expert"]["churn_mean"] < f["random"]["churn_mean"] - 0.08
    if "pipeline" in present:
        sc = load_scenario("pipeline")
        assert len(sc.spec.accounts) == 3


def test_median_decisions_reported_sanely():
    tut = _figures("tutorial", 30)
    assert median(tut["expert"]["decisions"]) >= 5


_CJK_GAP = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("sid", IDS)
def test_chinese_text_has_no_stray_spaces(sid):
    """Folded YAML blocks join lines with a space, which Chinese must not have."""
    data = load_scenario(sid).source.data
    bad = [s for s in _strings(data) if _CJK_GAP.search(s)]
    assert not bad, f"{sid}: a space between Chinese characters in: {bad[0][:60]!r}"
