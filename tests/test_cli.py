"""The touchpoint command: outputs, determinism and exit codes, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tp(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def test_scenarios_json_lists_bundled_files():
    out = tp("scenarios", "--json")
    assert out.returncode == 0
    rows = json.loads(out.stdout)
    assert rows[0]["id"] == "tutorial"
    for row in rows:
        assert {"id", "title", "path"} <= set(row)
        assert Path(row["path"]).is_file() and Path(row["path"]).stem == row["id"]


def test_run_json_is_deterministic_and_complete():
    args = ("run", "tutorial", "--policy", "random", "--runs", "40", "--seed", "7", "--json")
    a, b = tp(*args), tp(*args)
    assert a.returncode == 0 and a.stdout == b.stdout
    data = json.loads(a.stdout)
    for key in ("runs", "conversion_rate", "conversion_ci95", "satisfaction_mean", "cycle_days_median",
                "retention_mean", "score_mean", "funnel", "lost_reasons"):
        assert key in data
    assert data["runs"] == 40 and data["funnel"]["need_identification"] == 40
    lo, hi = data["conversion_ci95"]
    assert lo <= data["conversion_rate"] <= hi


def test_a_pipelines_summary_says_its_funnel_counts_deals():
    data = json.loads(tp("run", "pipeline", "--runs", "5", "--seed", "1", "--json").stdout)
    assert data["account_runs"] == 15 and data["funnel"]["need_identification"] == 15  # three accounts a run
    text = tp("run", "pipeline", "--runs", "5", "--seed", "1").stdout
    assert "(15 deals: 3 accounts a run)" in text
    assert "deals:" not in tp("run", "tutorial", "--runs", "5", "--seed", "1").stdout  # one account: runs


def test_run_summarises_in_chinese_with_locale_zh():
    """``run --locale zh``: every label, stage and reason by its Chinese name; the numbers and the JSON
    are the same as in English."""
    from scoring.gradebook import LOSS_REASON_NAMES
    from sim.lang.text import STAGE_NAMES

    args = ("run", "pipeline", "--policy", "random", "--runs", "20", "--seed", "0")
    en, zh = tp(*args), tp(*args, "--locale", "zh")
    assert en.returncode == zh.returncode == 0
    data = json.loads(tp(*args, "--json").stdout)
    assert tp(*args, "--json", "--locale", "zh").stdout == tp(*args, "--json").stdout
    text = zh.stdout
    for label in ("策略 随机", "赢单率", "满意度", "成交周期", "续约概率", "总分", "销售漏斗", "丢单原因",
                  "（60 个商机：每局 3 个客户）"):
        assert label in text
    for stage, count in data["funnel"].items():
        name = STAGE_NAMES[stage]["zh"] if stage != "won" else "赢单"
        assert f"{name} {count}" in text
    assert data["lost_reasons"]
    for reason, count in data["lost_reasons"].items():
        assert f"{LOSS_REASON_NAMES['zh'][reason]} {count}" in text
    for english in ("conversion", "satisfaction", "funnel", "lost because", "need_identification", "stalled", "runs"):
        assert english not in text and english in en.stdout + "runs"
    # the same figures in both
    numbers = [w for w in en.stdout.replace("%", " ").replace(",", " ").split() if w[0].isdigit()]
    assert all(n in text for n in numbers)


def test_run_plain_summary_and_saved_logs(tmp_path):
    out = tp("run", "tutorial", "--runs", "3", "--seed", "1", "--save-logs", str(tmp_path / "logs"))
    assert out.returncode == 0 and "conversion" in out.stdout
    logs = sorted((tmp_path / "logs").glob("*.jsonl"))
    assert len(logs) == 3
    rep = tp("replay", str(logs[0]))
    assert rep.returncode == 0 and "complete" in rep.stdout


def test_run_with_a_policy_file_and_a_log(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("default: expert\nchoices:\n  first_meeting: pitch_product\n", encoding="utf-8")
    out = tp("run", "tutorial", "--policy", str(policy), "--runs", "5", "--json")
    assert out.returncode == 0, out.stderr
    expert = json.loads(tp("run", "tutorial", "--runs", "5", "--json").stdout)
    assert json.loads(out.stdout)["satisfaction_mean"] < expert["satisfaction_mean"]


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("run", "no_such_scenario"), 2, "no scenario file or bundled scenario"),
        (("run", "tutorial", "--runs", "0"), 2, "must be at least 1"),
        (("run", "tutorial", "--seed", "-3"), 2, "must be 0 or more"),
        (("run", "tutorial", "--policy", "genius"), 2, "policy must be random, expert or a policy file"),
        (("check",), 2, "the following arguments are required"),
        (("frobnicate",), 2, "invalid choice"),
        (("replay", "missing.jsonl"), 2, "cannot read log"),  # unreadable input: a usage error, as documented
    ],
)
def test_errors_are_one_line_with_exit_codes(args, code, text):
    out = tp(*args)
    assert out.returncode == code
    assert text in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_policy_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("choices: [1, 2]\n", encoding="utf-8")
    out = tp("run", "tutorial", "--policy", str(bad))
    assert out.returncode == 2 and "needs 'choices:'" in out.stderr and "Traceback" not in out.stderr


def test_console_script_and_module_agree():
    import shutil

    exe = shutil.which("touchpoint", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("console script not installed")
    a = subprocess.run([exe, "scenarios", "--json"], capture_output=True, text=True)
    assert a.returncode == 0 and a.stdout == tp("scenarios", "--json").stdout
