"""``touchpoint cohort``: a synthetic class of session logs and its roster, deterministic from the seed."""

from __future__ import annotations

import csv
import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from scoring.grading import grade_log
from sim.authoring.cohort import CohortError, CohortSpec, allocate, assignment, generate, parse_mix, trainee_id
from sim.cli import main
from sim.runs.sessionlog import read_log


def cohort_cli(*args: str) -> int:
    try:
        return main(["cohort", "--quiet", *args])
    except SystemExit as stop:
        return int(stop.code or 0)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_arguments_write_the_same_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert cohort_cli("tutorial", "--size", "15", "--seed", "9", "--attempts", "2", "--out",
                          str(tmp_path / name)) == 0
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a == b
    assert len(a) == 15 * 2 + 1
    # rerunning into the same folder rewrites the logs instead of appending to them
    assert cohort_cli("tutorial", "--size", "15", "--seed", "9", "--attempts", "2", "--out",
                      str(tmp_path / "a")) == 0
    assert files_of(tmp_path / "a") == b
    assert cohort_cli("tutorial", "--size", "15", "--seed", "10", "--attempts", "2", "--out",
                      str(tmp_path / "c")) == 0
    assert files_of(tmp_path / "c") != a


def test_parallel_writing_gives_the_same_files(tmp_path: Path) -> None:
    spec = dict(scenario_ref="tutorial", size=23, mix=(("expert", 0.4), ("random", 0.6)), seed=2, attempts=1)
    generate(CohortSpec(out_dir=str(tmp_path / "serial"), **spec))
    with ProcessPoolExecutor(max_workers=2) as pool:
        generate(CohortSpec(out_dir=str(tmp_path / "pool"), **spec), pool, chunk=5)
    assert files_of(tmp_path / "serial") == files_of(tmp_path / "pool")


def test_logs_roster_and_mix(tmp_path: Path) -> None:
    out = tmp_path / "class"
    counts = generate(CohortSpec("tutorial", 20, (("expert", 0.3), ("random", 0.7)), 5, str(out), attempts=2))
    assert counts == {"expert": 6, "random": 14}
    with open(out / "roster.csv", encoding="utf-8", newline="") as f:
        roster = list(csv.DictReader(f))
    assert [r["id"] for r in roster] == [f"t{i:04d}" for i in range(1, 21)]
    assert all(r["name"] and r["email"] == f"{r['id']}@example.org" and r["section"] == "A" for r in roster)
    policies: Counter = Counter()
    for r in roster:
        first, second = (read_log(out / f"{r['id']}-{k}.jsonl") for k in (1, 2))
        assert first.header["trainee"] == second.header["trainee"] == r["id"]
        assert first.header["policy"] == second.header["policy"]
        policies[first.header["policy"]] += 1
        assert first.header["seed"] != second.header["seed"]
        t1, t2 = (datetime.fromisoformat(x.header["started"].replace("Z", "+00:00")) for x in (first, second))
        assert t2 > t1  # the second attempt starts after the first ended
        for log in (first, second):
            assert log.complete
            assert all(c["think_s"] > 0 for c in log.choices)
            assert log.end["wall_s"] >= sum(c["think_s"] for c in log.choices)
    assert policies == Counter(counts)
    # every log is a true record: it replays and verifies
    for path in sorted(out.glob("*.jsonl")):
        row, _ = grade_log(str(path), path.name, {})
        assert row.status == "complete", row.reason


def test_sections_and_chinese_names(tmp_path: Path) -> None:
    out = tmp_path / "zh"
    generate(CohortSpec("tutorial", 61, (("expert", 1.0),), 1, str(out), locale="zh"))
    with open(out / "roster.csv", encoding="utf-8", newline="") as f:
        roster = list(csv.DictReader(f))
    assert [r["section"] for r in roster[::30]] == ["A", "B", "C"]
    assert all("\u4e00" <= r["name"][0] <= "\u9fff" for r in roster)
    header = json.loads((out / "t0001-1.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert header["locale"] == "zh"


def test_mix_parsing_and_allocation() -> None:
    assert parse_mix("expert=1,random=3") == {"expert": 0.25, "random": 0.75}
    assert allocate({"expert": 0.3, "random": 0.7}, 7) == {"expert": 2, "random": 5}
    assert sum(allocate({"expert": 1 / 3, "random": 2 / 3}, 100).values()) == 100
    labels = assignment({"expert": 0.5, "random": 0.5}, 10, 3)
    assert Counter(labels) == {"expert": 5, "random": 5}
    assert labels == assignment({"expert": 0.5, "random": 0.5}, 10, 3)
    assert labels != assignment({"expert": 0.5, "random": 0.5}, 10, 4)
    for bad in ("expert", "expert=-1", "expert=x", "=0.5", "expert=0,random=0", "genius=1", "expert=1,expert=2"):
        with pytest.raises(CohortError):
            parse_mix(bad)
    assert trainee_id(7, 50) == "t0007" and trainee_id(7, 123456) == "t000007"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for args in (["tutorial", "--size", "3", "--mix", "guru=1", "--out", str(tmp_path / "o")],
                 ["tutorial", "--size", "0", "--out", str(tmp_path / "o")],
                 ["no_such_scenario", "--size", "3", "--out", str(tmp_path / "o")],
                 ["tutorial", "--size", "3", "--start", "yesterday", "--out", str(tmp_path / "o")],
                 ["tutorial", "--size", "3", "--out", str(tmp_path / "file")]):
        capsys.readouterr()
        assert cohort_cli(*args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_the_summary_names_the_policies_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """With --locale zh the closing line names the mix in Chinese, with Chinese punctuation."""
    assert cohort_cli("tutorial", "--size", "4", "--seed", "2", "--mix", "expert=0.5,random=0.5", "--locale", "zh",
                  "--out", str(tmp_path / "zh")) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("已写入 4 名学员的 4 份会话日志（专家 2，随机 2）") and "expert" not in line
    assert cohort_cli("tutorial", "--size", "4", "--seed", "2", "--mix", "expert=0.5,random=0.5",
                  "--out", str(tmp_path / "en")) == 0
    assert "(expert 2, random 2)" in capsys.readouterr().out
