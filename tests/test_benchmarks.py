"""Smoke tests of the benchmark scripts: they run, on small inputs, and report what they claim to.

They assert shapes and sanity, never times (the machines are shared and noisy): a benchmark that
breaks silently would leave the README's figures without a way to check them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import bundled_ids

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bare_simpy  # noqa: E402
import bench_check  # noqa: E402
import bench_compare  # noqa: E402
import bench_engine  # noqa: E402
import bench_grade  # noqa: E402
import bench_instructions  # noqa: E402
import bench_ui  # noqa: E402
import profile_summary  # noqa: E402
import skill_figures  # noqa: E402


def test_bare_simpy_model_is_calibrated_to_the_engines_event_count():
    assert bare_simpy.run(3, 0) == bare_simpy.run(3, 0)  # deterministic
    assert bare_simpy.run(6, 3) > bare_simpy.run(3, 0)
    for target in (20.0, 53.5, 60.0, 62.1):  # the events matched, with a tick for about every touchpoint
        tps, ticks, steps = bare_simpy.calibrate(target)
        assert abs(steps - target) <= 1 and steps == bare_simpy.run(tps, ticks) and abs(ticks - tps) <= 2
    # A pipeline's floor has its shape: a buyer and a clock per account, one seller. The same work
    # in seven processes instead of three takes more events (each process starts and ends).
    assert bare_simpy.run(6, 3, 3) > bare_simpy.run(6, 3, 1)
    tps, ticks, steps = bare_simpy.calibrate(90.0, accounts=3)
    assert abs(steps - 90) <= 3 and steps == bare_simpy.run(tps, ticks, 3)


def test_engine_benchmark_reports_runs_events_and_ratio():
    from sim.engine.loader import load_scenario
    from sim.engine.rules import AgendaBlock

    out = bench_engine.bench_scenario("tutorial", seconds=0.0)
    # the tutorial's size: at most 8 actions, and a choice for each meeting of its agendas
    agenda = sum(len(step.touchpoints) for acc in load_scenario("tutorial").rules.accounts for st in acc.stages
                 for step in st.steps if isinstance(step, AgendaBlock))
    assert agenda >= 1
    for policy in ("expert", "random"):
        f = out[policy]
        assert f["runs_per_s"] >= f["runs_per_s_median"] > 0
        assert f["events_per_run"] > 10 and 1 <= f["decisions_per_run"] <= 8 + agenda
        lo, hi = f["ratio_quartiles"]
        assert 0 < lo <= f["ratio_to_bare_simpy"] <= hi and f["blocks"] >= 20
        assert abs(f["bare_simpy_events_per_run"] - f["events_per_run"]) <= 3
    assert out["expert"]["decisions_per_run"] >= 5  # the expert plays the whole case


def test_profile_summary_counts_only_engine_runs_and_charges_the_innermost_frame():
    run = "<module> (bench_engine.py:9);play (sim/runs/policies.py:141);Session.advance (sim/engine/session.py:101)"
    lines = [
        f"{run};Environment.step (simpy/core.py:189) 6\n",
        f"{run};Environment.step (simpy/core.py:189);Process._resume (simpy/events.py:399) 2\n",
        f"{run};Environment.step (simpy/core.py:189);Deal.apply (sim/engine/state.py:187) 3\n",
        "<module> (bench_engine.py:9);run (benchmarks/bare_simpy.py:60) 50\n",  # the bare floor: not a run
        "<module> (bench_engine.py:3);_find_and_load (<frozen importlib._bootstrap>:1) 40\n",  # importing
    ]
    total, places = profile_summary.summarise(lines)
    assert total == 11
    assert places == {"simpy (its own code)": 8, "sim/engine/state.py Deal": 3}


def test_counts_are_read_from_callgrind_output():
    header = "version: 1\ncreator: callgrind-3.19.0\ncmd: python\n"
    assert bench_instructions.callgrind_counts(header + "events: Ir\nsummary: 5822541\n") == {"Ir": 5822541}
    with_cache = header + "events: Ir Dr Dw D1mr\nfn=main\n0 7 3 2 1\ntotals: 42 20 10 3\n"
    assert bench_instructions.callgrind_counts(with_cache) == {"Ir": 42, "Dr": 20, "Dw": 10, "D1mr": 3}
    with pytest.raises(ValueError):
        bench_instructions.callgrind_counts(header + "events: Ir\n")


def test_counted_runs_are_the_benchmarks_runs():
    """What a counted child plays: the engine's runs over the counted seeds (their SimPy events are
    what instructions are divided by), and the bare floor's runs."""
    from sim import load_scenario

    scenario = load_scenario("tutorial")
    seeds = range(bench_instructions.FIRST_SEED, bench_instructions.FIRST_SEED + 3)
    events = sum(bench_engine.play(scenario, "random", s).steps for s in seeds)
    assert bench_instructions.child_engine("tutorial", "random", 3) == events
    assert bench_instructions.child_bare(4, 3, 1, 5) == 5 * bare_simpy.run(4, 3, 1)


def test_callgrind_counts_only_the_measured_runs():
    counts, events = bench_instructions.count(["bare", "4", "3", "1", "20"])
    assert events == 20 * bare_simpy.run(4, 3, 1)
    instructions = counts["Ir"]
    # SimPy's own cost is some thousands of instructions per event (about 11k with CPython 3.11);
    # had start-up and imports been counted, this would be hundreds of times more.
    assert 2_000 < instructions / events < 50_000


@pytest.mark.parametrize("sid", ["tutorial"])
def test_grading_stages_add_up_on_a_small_class(tmp_path, sid):
    bench_grade.make_class(sid, 12, tmp_path)
    items = bench_grade.log_items(tmp_path)
    assert len(items) == 12
    out = bench_grade.stages(items, sid)
    parts = ("read_and_parse", "replay", "score_run", "trace_hash", "check_end", "grade_log_total")
    assert all(out[p] > 0 for p in parts)
    assert out["decisions_per_log"] > 0 and out["events_per_log"] > out["decisions_per_log"]


def test_compare_benchmark_times_two_trees_side_by_side(tmp_path):
    """Both sides are this tree here: the protocol works and the ratios are sane (never timed)."""
    root = bench_compare.ROOT
    old, new = bench_compare.Worker(root), bench_compare.Worker(root)
    try:
        r = bench_compare.compare(old, new, "engine tutorial expert", 3, 4)
        assert r["blocks"] == 4 and r["baseline_us"] > 0 and r["this_us"] > 0
        assert r["quartiles"][0] <= r["speed_kept"] <= r["quartiles"][1]
        bench_compare.write_cohort(root, tmp_path / "class", "tutorial", size=6)
        folders = {"baseline": tmp_path / "class", "this": tmp_path / "class"}
        g = bench_compare._compare_grading(old, new, folders, 4, n=3)
        assert g["blocks"] == 4 and g["this_us"] > 0
    finally:
        old.close()
        new.close()


def test_check_benchmark_generates_a_scenario_that_checks_clean(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(bench_check.generate(touchpoints=12, target_bytes=30_000), encoding="utf-8")
    assert 25_000 < path.stat().st_size < 60_000
    from sim.cli import main

    assert main(["check", str(path), "--no-runs"]) == 0


def test_check_benchmark_at_scale_times_a_separate_process_and_its_peak_memory():
    text = bench_check.generate_scale(20_000)
    assert 3_400_000 < len(text.encode("utf-8")) < 4_000_000  # the 20,000 touchpoints in about 3.7 MB
    r = bench_check.time_scale(300, runs=20)
    assert r["touchpoints"] == 300 and r["file_bytes"] > 50_000
    assert r["median_s"] > 0 and r["median_cpu_s"] > 0 and r["peak_mb"] > 20
    assert r["command"].startswith("touchpoint check generated_300.yaml")
    assert "seeded bot runs" in r["summary"] and r["lines"] > 0


def test_ui_benchmark_times_play_screen_frames(tmp_path):
    out = bench_ui.child_frames(12, tmp_path)
    for locale in ("en", "zh"):
        f = out[locale]
        assert f["frames"] == 12 and 0 < f["median_ms"] <= f["p95_ms"] <= f["max_ms"]
    assert out["peak_memory_mb"] > 0


def test_skill_figures_print_the_readmes_table(capsys, tmp_path):
    doc = tmp_path / "cases.md"
    skill_figures.main(["--runs", "4", "--doc", str(doc)])
    table = capsys.readouterr().out
    page = doc.read_text("utf-8")
    for sid in bundled_ids():
        assert f"## `{sid}`" in page
    assert page.count("| target (issue 20) | measured | met |") == len(bundled_ids())
    assert "| decision | instead | runs | score change (95% interval) |" in page
    assert "| scenario | expert | random | longest | first | most_days | fewest_days | typical | skill share" in table
    assert "| scenario | conversion | satisfaction |" in table  # the roadmap seller against the typical one
    assert table.count("| `") >= 2 * 4  # a row per bundled scenario in each table


@pytest.mark.slow
def test_review_and_gradebook_benchmarks_run_on_a_small_class(tmp_path):
    import json
    import subprocess

    for script, args in (("bench_grade_review.py", ["--size", "2", "--serial"]),
                         ("bench_gradebook.py", ["--size", "30", "--scenario", "tutorial"])):
        out = tmp_path / f"{script}.json"
        run = subprocess.run([sys.executable, str(BENCH / script), *args, "--json", str(out)],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["identical_outputs"] is True
        assert figures["logs"] == (4 if script == "bench_grade_review.py" else 30)


def test_bench_review_times_each_log_and_counts_its_playouts(capsys):
    import bench_review

    out = bench_review.main(["--scenario", "tutorial", "--logs", "2", "--rollouts", "2"])
    assert [r["player"] for r in out["logs"]] == ["expert", "random"]
    assert all(r["playouts"] >= 2 * r["decisions"] and r["seconds"] >= 0 for r in out["logs"])
    assert "review of one log: median" in capsys.readouterr().out
