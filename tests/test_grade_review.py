"""``touchpoint grade --review`` (issue 21, item 4): accuracy, expected score and luck in every output, grading
on the expected score, a rubric weight for decision quality, the report's heatmap and costliest decisions,
and the same bytes on every executor."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import grade, rows_of

from scoring.review import review_log
from sim.authoring.cohort import CohortSpec, generate
from sim.engine.loader import load_file
from sim.lang import bundled
from sim.lang.yamlsource import load_yaml
from sim.runs.sessionlog import read_log

ROLLOUTS = "4"  # few worlds: these tests check the plumbing, test_review.py the review itself


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class")
    generate(CohortSpec("tutorial", 6, (("expert", 0.5), ("random", 0.5)), 21, str(out)))
    return out


def test_review_columns_in_every_output_equal_the_review(klass: Path, tmp_path: Path, tutorial: Any) -> None:
    plain, moodle, canvas, xapi = (tmp_path / n for n in ("p.csv", "m.csv", "c.csv", "x.jsonl"))
    assert grade(str(klass), "--review", "--rollouts", ROLLOUTS, "--out", str(plain), "--xapi", str(xapi),
                 "--executor", "serial") == 0
    rows = rows_of(plain)
    assert len(rows) == 6
    with open(plain, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header[header.index("score") + 1:header.index("grade")] == ["accuracy", "expected_score", "luck"]
    for row in rows:
        log = read_log(Path(row["log"]))
        review = review_log(log, tutorial, int(ROLLOUTS))
        assert row["accuracy"] == f"{review.accuracy:.2f}"
        assert row["expected_score"] == f"{review.expected:.2f}"
        assert row["luck"] == f"{review.luck:.2f}"
        assert float(row["luck"]) == pytest.approx(float(row["score"]) - float(row["expected_score"]), abs=0.011)
    by_trainee = {r["trainee"]: r for r in rows}
    assert grade(str(klass), "--review", "--rollouts", ROLLOUTS, "--format", "moodle", "--out", str(moodle),
                 "--executor", "serial") == 0
    title = "Tutorial: Your first deal with Huadong Cold Chain"
    for row in rows_of(moodle):
        mine = by_trainee[row["ID number"]]
        assert row[f"{title}: accuracy (Real)"] == mine["accuracy"]
        assert row[f"{title}: expected score (Real)"] == mine["expected_score"]
        assert row[f"{title}: luck (Real)"] == mine["luck"]
        assert "accuracy" in row[f"Feedback: {title}"]
    assert grade(str(klass), "--review", "--rollouts", ROLLOUTS, "--format", "canvas", "--out", str(canvas),
                 "--executor", "serial") == 0
    with open(canvas, encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][5:] == [title, f"{title}: accuracy", f"{title}: expected score", f"{title}: luck"]
    for row in table[2:]:
        assert row[6:9] == [by_trainee[row[2]][k] for k in ("accuracy", "expected_score", "luck")]
    for line in xapi.read_text(encoding="utf-8").splitlines():
        st = json.loads(line)
        ext = st["result"]["extensions"]
        mine = next(r for r in rows if r["trainee"] == st["actor"]["account"]["name"])
        assert ext["urn:touchpoint:result:accuracy"] == pytest.approx(float(mine["accuracy"]), abs=0.006)
        assert ext["urn:touchpoint:result:expected-score"] == pytest.approx(float(mine["expected_score"]), abs=0.006)
        assert ext["urn:touchpoint:result:luck"] == pytest.approx(float(mine["luck"]), abs=0.006)


def test_without_review_there_are_no_review_columns(klass: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    assert grade(str(klass), "--out", str(out), "--executor", "serial") == 0
    assert "accuracy" not in out.read_text(encoding="utf-8").splitlines()[0]


def test_grading_on_expected_score_takes_luck_out(klass: Path, tmp_path: Path, tutorial: Any) -> None:
    out = tmp_path / "g.csv"
    assert grade(str(klass), "--on", "expected", "--rollouts", ROLLOUTS, "--out", str(out),
                 "--executor", "serial") == 0
    for row in rows_of(out):
        assert row["score"] == row["expected_score"]
        assert row["grade"] == tutorial.rubric.grade(float(row["expected_score"]))
        assert row["passed"] == ("true" if float(row["expected_score"]) >= tutorial.rubric.pass_mark else "false")


def _quality_case(folder: Path, quality: float) -> Path:
    data = load_yaml(bundled.scenario_path("tutorial").read_bytes()).data
    data["id"] = "quality_case"
    data["rubric"]["weights"]["quality"] = quality
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "quality_case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_rubric_that_weights_decision_quality_is_graded_with_the_review(tmp_path: Path) -> None:
    case = _quality_case(tmp_path / "cases", 0.4)
    scenario = load_file(case)
    assert scenario.rubric.weights.quality == 0.4
    assert scenario.content_hash != load_file(bundled.scenario_path("tutorial")).content_hash
    logs = tmp_path / "logs"
    generate(CohortSpec(str(case), 4, (("expert", 0.5), ("random", 0.5)), 2, str(logs)))
    out = tmp_path / "g.csv"
    assert grade(str(logs), "--scenarios", str(tmp_path / "cases"), "--out", str(out), "--executor", "serial") == 0
    for row in rows_of(out):  # the review ran without --review: the rubric needs it
        log = read_log(Path(row["log"]))
        outcome = log.end["score"]
        blended = 0.6 * outcome + 0.4 * float(row["accuracy"])
        assert float(row["score"]) == pytest.approx(blended, abs=0.02)
        assert row["grade"] == scenario.rubric.grade(float(row["score"]))
    with pytest.raises(Exception, match=r"less than or equal to 0\.9"):
        load_file(_quality_case(tmp_path / "bad", 0.95))


def test_the_report_shows_where_points_were_lost_and_the_costliest_decisions(klass: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    report = tmp_path / "r.html"
    assert grade(str(klass), "--review", "--rollouts", ROLLOUTS, "--report", str(report), "--out",
                 str(tmp_path / "g.csv"), "--executor", "serial", "--locale", "en") == 0
    page = report.read_text(encoding="utf-8")
    assert "Decision review: where points were lost" in page
    assert page.count("<svg") == 4  # histogram, funnel, scatter, and the heatmap
    section = page[page.index("The five costliest decisions"):]
    table = section[:section.index("</table>")]
    assert 1 <= table.count("<tr><td>") <= 5
    lost = [float(x) for x in re.findall(r"<td class=n>(\d+\.\d)</td>", table)]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0
    coach = re.findall(r"<td>([^<]*)</td></tr>", table)
    assert any(len(text) > 10 for text in coach)  # the coach's feedback on the choice


def test_review_grading_is_byte_identical_serial_and_process(klass: Path, tmp_path: Path) -> None:
    outputs = {}
    for name, extra in (("serial", ["--executor", "serial"]), ("process", ["--executor", "process", "--workers", "2"])):
        d = tmp_path / name
        d.mkdir()
        assert grade(str(klass), "--review", "--rollouts", ROLLOUTS, "--out", str(d / "g.csv"), "--xapi",
                     str(d / "x.jsonl"), "--format", "moodle", *extra) == 0
        outputs[name] = {p.name: p.read_bytes() for p in d.iterdir()}
    assert outputs["serial"] == outputs["process"]


def test_rollouts_without_review_is_a_usage_error(klass: Path, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    assert grade(str(klass), "--rollouts", "8") == 2
    assert "--rollouts needs --review" in capsys.readouterr().err
