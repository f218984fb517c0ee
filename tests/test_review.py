"""The game review (scoring.review, ``touchpoint review``): priced decisions, stable and honest."""

from __future__ import annotations

import json

import pytest

from scoring import score_run
from scoring.review import CLASSES, CUTS, classify, review_log, world_seeds
from sim.cli import main
from sim.engine.loader import load_scenario
from sim.runs.policies import ExpertPolicy, RandomPolicy, play
from sim.runs.sessionlog import read_log, write_log


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


def _log(scenario, policy, seed, folder):
    session = play(scenario, policy, seed)
    path = folder / f"{policy.name}-{seed}.jsonl"
    write_log(path, session, score_run(session.trace, scenario.rubric), policy=policy.name, scenario=scenario)
    return path


def test_classes_follow_the_documented_cut_offs():
    assert [classify(x) for x in (0.0, 0.9, 1.0, 2.9, 3.0, 5.9, 6.0, 11.9, 12.0, 24.9, 25.0, 80.0)] == [
        "best", "best", "excellent", "excellent", "good", "good", "inaccuracy", "inaccuracy", "mistake", "mistake",
        "blunder", "blunder"]
    assert len(CUTS) == len(CLASSES) - 1 and list(CUTS) == sorted(CUTS)


def test_the_worlds_differ_from_the_run_and_between_salts_but_not_between_calls():
    a, b = world_seeds(7, 5), world_seeds(7, 5, salt=1)
    assert a == world_seeds(7, 5) and len(set(a)) == 5 and not set(a) & set(b) and 7 not in a
    assert world_seeds(7, 3, start=2) == a[2:5]


def test_an_expert_log_reviews_at_90_percent_accuracy_or_more_without_mistakes(tutorial, tmp_path):
    for seed in (1, 2, 3):
        review = review_log(read_log(_log(tutorial, ExpertPolicy(), seed, tmp_path)), tutorial, 12)
        counts = review.counts()
        assert review.accuracy >= 90 and counts["mistake"] == 0 and counts["blunder"] == 0, (seed, counts)


def test_a_random_log_shows_its_blunders_and_the_expected_score_explains_the_actual(tutorial, tmp_path):
    blunders = 0
    for seed in range(4, 10):
        review = review_log(read_log(_log(tutorial, RandomPolicy(seed), seed, tmp_path)), tutorial, 12)
        blunders += review.counts()["blunder"] + review.counts()["mistake"]
        assert review.luck == pytest.approx(review.actual - review.expected)
        assert review.accuracy < 90 or review.won
        for d in review.decisions:  # what is given up is the best option's expected score less the choice's
            assert d.lost == 0 or d.lost == pytest.approx(d.value(d.best).expected - d.value(d.chosen).expected)
    assert blunders >= 3


def test_two_sets_of_worlds_give_the_same_class_for_95_percent_of_decisions(tutorial, tmp_path):
    same = total = 0
    for seed in range(20):
        policy = ExpertPolicy() if seed % 3 == 0 else RandomPolicy(seed)
        log = read_log(_log(tutorial, policy, seed, tmp_path))
        a, b = review_log(log, tutorial, 24, salt=1), review_log(log, tutorial, 24, salt=2)
        for x, y in zip(a.decisions, b.decisions, strict=True):
            total += 1
            same += x.klass == y.klass
    assert total > 60 and same / total >= 0.95, (same, total)


def test_the_review_command_prints_json_and_html_and_refuses_an_edited_log(tutorial, tmp_path, capsys):
    path = _log(tutorial, RandomPolicy(5), 5, tmp_path)
    assert main(["review", str(path), "--json", "--rollouts", "6", "--html", str(tmp_path / "r.html")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["decisions"] and {"accuracy", "luck", "luck_line", "counts"} <= set(data[0])
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")
    edited = tmp_path / "edited.jsonl"
    edited.write_text(path.read_text(encoding="utf-8").replace('"seed": 5', '"seed": 6'), encoding="utf-8")
    assert main(["review", str(edited), "--rollouts", "4"]) == 1
    assert "invalid" in capsys.readouterr().err


def test_the_review_reads_in_chinese_with_locale_zh(tutorial, tmp_path, capsys):
    """``review --locale zh``: the text and the HTML page in Chinese, with full-width punctuation;
    the same figures as in English."""
    import re

    path = _log(tutorial, RandomPolicy(5), 5, tmp_path)
    assert main(["review", str(path), "--rollouts", "6", "--html", str(tmp_path / "en.html")]) == 0
    en = capsys.readouterr().out
    assert main(["review", str(path), "--rollouts", "6", "--locale", "zh", "--html", str(tmp_path / "zh.html")]) == 0
    zh = capsys.readouterr().out
    assert "得分" in zh and "决策准确度" in zh and "第0天" in zh and "少得" in zh and "最佳：" in zh
    body = zh.replace(str(path), "")
    for english in ("score", "expected", "accuracy", "day ", "points", "win;", "best:", "seed"):
        assert english not in body and english in en
    assert not re.search(r"[\u4e00-\u9fff][(:?]|[(:?][\u4e00-\u9fff]", body)  # no ASCII mark next to Chinese
    assert re.findall(r"\d+\.\d", en) == re.findall(r"\d+\.\d", zh)  # the same figures, in order
    page = (tmp_path / "zh.html").read_text(encoding="utf-8")
    assert "lang='zh'" in page and "<title>Touchpoint 决策评析</title>" in page and "<th>少得的分</th>" in page
    assert "points given up" not in page and "points given up" in (tmp_path / "en.html").read_text(encoding="utf-8")


def test_a_long_event_is_quoted_cut_not_named_by_its_id():
    from sim.cli.review_cmd import EVENT_CHARS, _event_text

    scenario = load_scenario("medical_device")
    events = [ev for a in scenario.spec.accounts for ev in a.events]
    for locale in ("en", "zh"):
        long = next(ev for ev in events if len(ev.text[locale] if isinstance(ev.text, dict) else ev.text) > EVENT_CHARS)
        text = long.text[locale] if isinstance(long.text, dict) else long.text
        quoted = _event_text(scenario, long.id, locale)
        assert quoted.endswith("…") and len(quoted) == EVENT_CHARS and text.startswith(quoted[:-1])


def test_the_grading_guide_gives_the_cut_offs_the_review_uses():
    """The class table in the how-to is what an instructor reads: it must be the review's own cut-offs."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "how-to" / "grade-a-cohort.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \([^)]*\) \| (?:under ([\d.]+)|([\d.]+) or more)", page, re.MULTILINE)
    assert [name for name, _, _ in rows] == list(CLASSES)
    assert [float(under) for _, under, _ in rows[:-1]] == list(CUTS)
    assert float(rows[-1][2]) == CUTS[-1]
