"""Grading outputs in Chinese: reasons, notes, review classes and labels said in Chinese, with Chinese
punctuation; the English outputs as they were."""

from __future__ import annotations

import ast
import csv
import inspect
import json
import re
from pathlib import Path

import pytest
from conftest import grade

from scoring.grading import LOG_ERRORS_ZH, NOTES, reason_text
from sim.authoring.cohort import CohortSpec, generate
from sim.runs import sessionlog
from sim.runs.sessionlog import LogError, parse_bytes

ROLLOUTS = "4"


def _tamper(src: Path, dst: Path) -> str:
    """Copy a log with its first choice replaced by one never offered; returns the decision's key."""
    lines = src.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[1])
    rec["choice"] = "give_discount_early"
    lines[1] = json.dumps(rec, ensure_ascii=False, separators=(", ", ": "))
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(rec["decision"])


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A tutorial class of four bots in Chinese; t0002's only log has a choice that was never offered."""
    out = tmp_path_factory.mktemp("class")
    generate(CohortSpec("tutorial", 4, (("expert", 0.5), ("random", 0.5)), 5, str(out), locale="zh"))
    log = out / "t0002-1.jsonl"
    at = _tamper(log, out / "t0002-bad.jsonl")
    log.unlink()
    return out, at


def _cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_zh_moodle_feedback_of_a_tampered_log_is_all_chinese(klass: tuple[Path, str], tmp_path: Path) -> None:
    folder, at = klass
    out = tmp_path / "m.csv"
    grade(str(folder), "--format", "moodle", "--locale", "zh", "--out", str(out), "--executor", "serial")
    row = next(r for r in _cells(out) if r[0] == "t0002")
    assert row[4] == f"日志未通过校验：第1个决策选了“give_discount_early”，但“{at}”处并未提供这个选项"
    # English: the very message of the log's error, as before
    grade(str(folder), "--format", "moodle", "--locale", "en", "--out", str(out), "--executor", "serial")
    row = next(r for r in _cells(out) if r[0] == "t0002")
    assert row[4] == f"Log rejected: choice 1: 'give_discount_early' was not offered at {at}"


def test_zh_summary_names_rejected_logs_and_notes_in_chinese(klass: tuple[Path, str], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture) -> None:
    folder, _ = klass
    grade(str(folder), "--format", "moodle", "--locale", "zh", "--out", str(tmp_path / "m.csv"),
          "--executor", "serial")
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "t0002-bad.jsonl" in x)
    assert line.strip().startswith("未通过校验：") and "第1个决策选了“give_discount_early”" in line
    assert "invalid" not in line and "was not offered" not in line
    grade(str(folder), "--format", "moodle", "--locale", "en", "--out", str(tmp_path / "m.csv"),
          "--executor", "serial")
    line = next(x for x in capsys.readouterr().err.splitlines() if "t0002-bad.jsonl" in x)
    assert "invalid: " in line and "choice 1: 'give_discount_early' was not offered at" in line


def test_canvas_review_columns_follow_the_locale(klass: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = klass
    out = tmp_path / "c.csv"
    grade(str(folder), "--format", "canvas", "--review", "--rollouts", ROLLOUTS, "--locale", "zh", "--out", str(out),
          "--executor", "serial")
    head = _cells(out)[0]
    assert [h.split("：")[-1] for h in head[-3:]] == ["决策准确度", "预期得分", "运气"]
    assert not any("accuracy" in h or "luck" in h for h in head)
    grade(str(folder), "--format", "canvas", "--review", "--rollouts", ROLLOUTS, "--locale", "en", "--out", str(out),
          "--executor", "serial")
    assert [h.rsplit(": ", 1)[-1] for h in _cells(out)[0][-3:]] == ["accuracy", "expected score", "luck"]


def test_zh_report_says_classes_notes_and_labels_in_chinese(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    folder = tmp_path / "class"
    generate(CohortSpec("pipeline", 3, (("random", 1.0),), 3, str(folder), locale="zh"))
    _tamper(folder / "t0001-1.jsonl", folder / "t0001-bad.jsonl")
    report = tmp_path / "r.html"
    grade(str(folder), "--review", "--rollouts", ROLLOUTS, "--locale", "zh", "--report", str(report),
          "--format", "moodle", "--out", str(tmp_path / "m.csv"), "--executor", "serial")
    page = report.read_text(encoding="utf-8")
    section = page[page.index("全班代价最大的五个决策"):]
    table = section[:section.index("</table>")]
    classes = re.findall(r"<td class=n>\d+\.\d</td><td>([^<]*)</td>", table)
    assert classes and set(classes) <= {"很好", "不错", "欠妥", "失误", "严重失误"}
    labels = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table)
    assert labels and all(":" not in x for x in labels)
    assert any("：" in x for x in labels) or any(x == "先跟进哪个客户" for x in labels)
    assert re.search(r"<h1>班级报告：", page) and "<h1>班级报告:" not in page
    assert "（推荐）" in page and "(推荐)" not in page
    assert "由“random”策略而非学员生成" in page and "written by the" not in page
    assert "第1个决策选了“give_discount_early”" in page and "was not offered" not in page


def test_log_errors_keep_their_english_and_carry_a_code() -> None:
    with pytest.raises(LogError) as info:
        parse_bytes(b"hello\n")
    assert str(info.value) == "line 1: not JSON (truncated or garbage)"
    assert (info.value.code, info.value.params) == ("not_json", {"line": 1})
    assert reason_text(str(info.value), json.dumps([[info.value.code, info.value.params, str(info.value)]]),
                       "zh", "invalid") == "第1行：不是 JSON（不完整或是乱码）"


def test_a_reason_without_chinese_gets_a_chinese_lead_in() -> None:
    english = "cannot read log: Permission denied"
    codes = json.dumps([["", {}, english]])
    assert reason_text(english, codes, "zh", "invalid") == f"日志未通过校验（详情：{english}）"
    assert reason_text(english, "", "zh", "error") == f"评分出错（详情：{english}）"
    assert reason_text(english, codes, "en", "invalid") == english


def test_every_log_error_code_has_chinese_and_chinese_uses_full_width_punctuation() -> None:
    tree = ast.parse(inspect.getsource(sessionlog))
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "LogError" and len(node.args) > 1:
            arg = node.args[1]
            values = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            codes |= {v.value for v in values if isinstance(v, ast.Constant)}
    assert len(codes) > 30 and codes <= set(LOG_ERRORS_ZH)
    for text in [*LOG_ERRORS_ZH.values(), *(zh for _, zh in NOTES.values())]:
        assert not re.search(r"[():?]", re.sub(r"\{[^}]*\}", "", text)), text


def test_zh_notes_on_shared_seeds_are_chinese(klass: tuple[Path, str], tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    folder, _ = klass
    text = (folder / "t0001-1.jsonl").read_text(encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(text, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(text.replace('"trainee": "t0001"', '"trainee": "zz"'), encoding="utf-8")
    out = tmp_path / "m.csv"
    for locale, expected in (("zh", "；可疑：学员zz也用了种子"), ("en", "; suspect: seed ")):
        grade(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--format", "moodle", "--locale", locale,
              "--out", str(out), "--executor", "serial")
        line = next(x for x in capsys.readouterr().err.splitlines() if "a.jsonl" in x)
        assert expected in line, line
    assert line.endswith("also played by zz")


def test_zh_summary_of_plain_grades_is_all_chinese(klass: tuple[Path, str], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    """The plain format (no Moodle, Canvas or report writer): the summary still names the rejected log's
    reason in Chinese, and what was written in full-width brackets."""
    from sim.cli import main

    folder, _ = klass
    assert main(["grade", str(folder), "--locale", "zh", "--out", str(tmp_path / "g.csv"), "--executor", "serial"]) == 1
    err = capsys.readouterr().err
    assert f"已写入 {tmp_path / 'g.csv'}（plain）" in err
    line = next(x for x in err.splitlines() if "t0002-bad.jsonl" in x)
    assert line.strip().startswith("未通过校验：") and "was not offered" not in line
    assert not re.search(r"[\u4e00-\u9fff][(?]|[(?][\u4e00-\u9fff]", err)
