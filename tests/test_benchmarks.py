"""Smoke tests of the benchmark scripts: they run, on small inputs, and report what they claim to.

They assert shapes and sanity, never times (the machines are shared and noisy): a benchmark that
breaks silently would leave the README's figures without a way to check them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_engine  # noqa: E402
import bench_grade  # noqa: E402


def test_bare_simpy_model_is_calibrated_to_the_engines_event_count():
    assert bench_engine._bare_run(3, 0) == bench_engine._bare_run(3, 0)  # deterministic
    assert bench_engine._bare_run(6, 3) > bench_engine._bare_run(3, 0)
    for target in (20.0, 53.5, 60.0, 62.1):  # the events matched, with a tick for about every touchpoint
        tps, ticks, steps = bench_engine._calibrate_bare(target)
        assert abs(steps - target) <= 1 and steps == bench_engine._bare_run(tps, ticks) and abs(ticks - tps) <= 2
    # A pipeline's floor has its shape: a buyer and a clock per account, one seller. The same work
    # in seven processes instead of three takes more events (each process starts and ends).
    assert bench_engine._bare_run(6, 3, 3) > bench_engine._bare_run(6, 3, 1)
    tps, ticks, steps = bench_engine._calibrate_bare(90.0, accounts=3)
    assert abs(steps - 90) <= 3 and steps == bench_engine._bare_run(tps, ticks, 3)


def test_engine_benchmark_reports_runs_events_and_ratio():
    out = bench_engine.bench_scenario("tutorial", seconds=0.0)
    for policy in ("expert", "random"):
        f = out[policy]
        assert f["runs_per_s"] >= f["runs_per_s_median"] > 0
        assert f["events_per_run"] > 10 and 1 <= f["decisions_per_run"] <= 8  # the tutorial's size
        lo, hi = f["ratio_quartiles"]
        assert 0 < lo <= f["ratio_to_bare_simpy"] <= hi and f["blocks"] >= 20
        assert abs(f["bare_simpy_events_per_run"] - f["events_per_run"]) <= 3
    assert out["expert"]["decisions_per_run"] >= 5  # the expert plays the whole case


@pytest.mark.parametrize("sid", ["tutorial"])
def test_grading_stages_add_up_on_a_small_class(tmp_path, sid):
    bench_grade.make_class(sid, 12, tmp_path)
    items = bench_grade.log_items(tmp_path)
    assert len(items) == 12
    out = bench_grade.stages(items, sid)
    parts = ("read_and_parse", "replay", "score_run", "trace_hash", "check_end", "grade_log_total")
    assert all(out[p] > 0 for p in parts)
    assert out["decisions_per_log"] > 0 and out["events_per_log"] > out["decisions_per_log"]
