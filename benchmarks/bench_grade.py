"""Grading speed: verified session logs per second, and peak memory of the whole process tree.

A synthetic class (``sim.authoring.cohort``) of 1,000 trainees plays the enterprise software scenario (the
tutorial if that scenario is not there yet); the logs are then graded:

* in this process, through the same batch code the command uses, with a process pool of 1 and of 2
  workers and a Dask LocalCluster of 2 workers: logs per second (wall clock, best of ``--repeat``)
  and logs per CPU-second of the whole process tree (steadier on a shared machine);
* as the real command (``python -m sim grade``), sampling the memory of the command and all its
  workers (RSS and PSS summed over the tree) every 50 ms;
* where the time goes for one log: reading, replay, scoring, verifying the end line (trace hash).

``--big`` adds a class of 100,000 logs graded by the command, to show that peak memory stays flat in
the size of the class (writing and grading it takes minutes).

    python benchmarks/bench_grade.py --json grade-bench.json [--size 1000] [--big] [--keep DIR] [--scenario ID]

Target: at least 1,000 logs per second per core with the process pool. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from scoring.batch import chunk_size_for, open_executor, run_batch
from scoring.gradebook import Gradebook
from scoring.grading import Aggregate, ChunkResult, grade_log
from scoring.scorecard import score_run
from sim.authoring.cohort import CohortSpec, generate
from sim.engine.loader import load_scenario
from sim.engine.trace import trace_hash
from sim.lang import bundled
from sim.runs import sessionlog

TARGET_PER_CORE = 1000

try:
    import psutil
except ImportError:  # psutil comes with the 'distributed' extra; without it, read /proc
    psutil = None


# --- the process tree -------------------------------------------------------------------------------------


def _tree(pid: int) -> list[Any]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants."""
    total = 0.0
    for p in _tree(pid):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes summed over a process tree; PSS counts shared pages once."""
    rss = pss = 0
    for p in _tree(pid):
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            continue
    return rss, pss


class PeakSampler:
    """Samples a process tree's memory every ``interval`` seconds in a thread; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss, pss = tree_memory(self.pid)
            except psutil.Error:
                break
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the class --------------------------------------------------------------------------------------------


def make_class(sid: str, size: int, folder: Path, seed: int = 2026) -> float:
    """Write a synthetic class (reused when ``folder`` already holds one of this size); returns seconds."""
    if folder.is_dir() and sum(1 for _ in folder.glob("*.jsonl")) == size:
        return 0.0
    start = time.perf_counter()
    spec = CohortSpec(sid, size, (("expert", 0.3), ("random", 0.7)), seed, str(folder))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        generate(spec, pool, chunk=250)
    return time.perf_counter() - start


def log_items(folder: Path) -> list[tuple[str, str]]:
    return [(str(p), p.name) for p in sorted(folder.glob("*.jsonl"))]


# --- throughput in this process ---------------------------------------------------------------------------


def throughput(kind: str, workers: int, items: list[tuple[str, str]], repeat: int) -> dict[str, Any]:
    """Grade ``items`` with one executor, as the command does (rows into a gradebook, aggregates merged)."""
    best: dict[str, Any] = {}
    started = time.perf_counter()
    with open_executor(kind, workers) as executor:
        startup = time.perf_counter() - started
        run_batch(items[: 16 * workers], executor, lambda r: None, {}, 8, 2 * workers)  # warm: imports, scenario
        for _ in range(repeat):
            with Gradebook() as book:
                aggs: dict[str, Aggregate] = {}

                def take(result: ChunkResult, book: Gradebook = book, aggs: dict = aggs) -> None:
                    book.add(result.rows)
                    for sid, agg in result.aggregates.items():
                        aggs.setdefault(sid, Aggregate()).merge(agg)

                cpu0 = tree_cpu(os.getpid())
                t0 = time.perf_counter()
                n = run_batch(items, executor, take, {}, chunk_size_for(len(items), workers), 2 * workers,
                              total=len(items))
                wall = time.perf_counter() - t0
                cpu = tree_cpu(os.getpid()) - cpu0
            if not best or wall < best["wall_s"]:
                best = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "logs": n}
    logs_per_s = best["logs"] / best["wall_s"]
    return {
        "executor": kind, "workers": workers, **best, "startup_s": round(startup, 2),
        "logs_per_s": round(logs_per_s), "logs_per_s_per_worker": round(logs_per_s / workers),
        "logs_per_cpu_s": round(best["logs"] / best["cpu_s"]) if best["cpu_s"] else None,
    }


# --- the command, with memory -----------------------------------------------------------------------------


def command(folder: Path, extra: list[str], out_dir: Path) -> dict[str, Any]:
    """Run ``python -m sim grade`` on a folder and sample its process tree's memory."""
    args = [sys.executable, "-m", "sim", "grade", str(folder), "--quiet", "--out", str(out_dir / "grades.csv"),
            "--report", str(out_dir / "report.html"), "--xapi", str(out_dir / "statements.jsonl"), *extra]
    roster = folder / "roster.csv"
    if roster.is_file():
        args += ["--roster", str(roster)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with PeakSampler(proc.pid) as sampler:
        _, err = proc.communicate()
    wall = time.perf_counter() - t0
    return {"args": " ".join(extra), "exit": proc.returncode, "wall_s": round(wall, 2),
            "peak_rss_mb": round(sampler.peak_rss / 2**20, 1), "peak_pss_mb": round(sampler.peak_pss / 2**20, 1),
            "stderr": err.decode(errors="replace").strip()[-300:]}


# --- where the time goes ----------------------------------------------------------------------------------


def stages(items: list[tuple[str, str]], sid: str) -> dict[str, float]:
    """CPU microseconds per log in each step of verification.

    Each log goes through every step before the next log starts, so that, as in grading, only one
    run is alive at a time (holding a thousand replayed runs would make the garbage collector, not
    the step, the thing measured); the whole of ``grade_log`` is then timed on the same log, so the
    parts and the whole see the same machine.
    """
    scenario = load_scenario(sid)
    clock = time.thread_time  # this thread only: an executor shut down before may leave threads behind
    spent = dict.fromkeys(("read_and_parse", "replay", "score_run", "trace_hash", "check_end", "grade_log_total"), 0.0)
    events = decisions = 0
    for path, _ in items:
        t0 = clock()
        log = sessionlog.read_log(path)
        t1 = clock()
        session = sessionlog.replay(log, scenario)
        t2 = clock()
        card = score_run(session.trace, scenario.rubric)
        t3 = clock()
        trace_hash(session.trace)
        t4 = clock()
        sessionlog.check_end(log, session, card)  # hashes the trace again, and compares
        t5 = clock()
        grade_log(path, path, {})  # the whole thing, on the same log, under the same conditions
        t6 = clock()
        for name, t in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            spent[name] += t
        events += len(session.trace)
        decisions += len(session.history)
    n = len(items)
    out = {name: round(t / n * 1e6, 1) for name, t in spent.items()}
    out["events_per_log"] = round(events / n, 1)
    out["decisions_per_log"] = round(decisions / n, 1)
    # check_end hashes the trace again: what is left of grade_log is reading the header, building
    # the row and the aggregates, and the garbage collector
    out["other"] = round(out["grade_log_total"] - out["read_and_parse"] - out["replay"] - out["score_run"]
                         - out["check_end"], 1)
    return out


def profile(items: list[tuple[str, str]], top: int = 18) -> str:
    """cProfile of grading a few hundred logs in this process: the hottest functions."""
    prof = cProfile.Profile()
    prof.enable()
    for path, name in items:
        grade_log(path, name, {})
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# --- main -------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH", help="write the figures to this file")
    ap.add_argument("--size", type=int, default=1000, help="trainees in the class (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per executor; the best counts (default 3)")
    ap.add_argument("--big", action="store_true", help="also grade a class of --big-size logs (takes minutes)")
    ap.add_argument("--big-size", type=int, default=100_000, help="size of the big class (default 100000)")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster measurement")
    ap.add_argument("--keep", metavar="DIR", help="write (and reuse) the classes here instead of a temp folder")
    ap.add_argument("--scenario", default="enterprise_software",
                    help="bundled scenario to play (default enterprise_software; the tutorial if it is missing)")
    args = ap.parse_args()
    if psutil is None:
        sys.exit("bench_grade needs psutil (pip install psutil, or the 'distributed' extra)")

    sid = args.scenario if bundled.scenario_path(args.scenario) else "tutorial"
    note = "" if sid == args.scenario else f"{args.scenario} is not bundled (yet): using the tutorial"
    if note:
        print(f"note: {note}")
    results: dict[str, Any] = {
        "scenario": sid, "note": note, "python": platform.python_version(), "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "target_logs_per_s_per_core": TARGET_PER_CORE,
    }
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        folder = base / f"{sid}-{args.size}"
        results["class_write_s"] = round(make_class(sid, args.size, folder), 2)
        items = log_items(folder)

        configs = [("process", 1), ("process", 2)] + ([] if args.no_dask else [("dask", 2)])
        results["throughput"] = [throughput(kind, w, items, args.repeat) for kind, w in configs]
        results["stages_us_per_log"] = stages(items[:300], sid)
        out_dir = base / "out"
        out_dir.mkdir(exist_ok=True)
        results["command"] = [command(folder, ["--workers", "2"], out_dir)]
        if args.big:
            big = base / f"{sid}-{args.big_size}"
            print(f"writing a class of {args.big_size} logs ...", flush=True)
            results["big_class_write_s"] = round(make_class(sid, args.big_size, big), 1)
            print("grading it ...", flush=True)
            results["command"].append({"logs": args.big_size, **command(big, ["--workers", "2"], out_dir)})
        results["command"][0] = {"logs": args.size, **results["command"][0]}

        pool = [r for r in results["throughput"] if r["executor"] == "process"]
        per_core = max(r["logs_per_cpu_s"] or 0 for r in pool)
        results["meets_target"] = per_core >= TARGET_PER_CORE
        if not results["meets_target"]:
            results["profile_top"] = profile(items[:300])

    print(f"scenario {sid}, {args.size} logs, {results['cores']} cores, load average "
          f"{results['load_average_at_start']}")
    print(f"{'executor':<10}{'workers':>8}{'logs/s':>9}{'per worker':>12}{'logs/CPU-s':>12}{'startup s':>11}")
    for r in results["throughput"]:
        print(f"{r['executor']:<10}{r['workers']:>8}{r['logs_per_s']:>9}{r['logs_per_s_per_worker']:>12}"
              f"{r['logs_per_cpu_s'] or '-':>12}{r['startup_s']:>11}")
    print("time per log (CPU us): " + ", ".join(f"{k} {v}" for k, v in results["stages_us_per_log"].items()))
    for c in results["command"]:
        print(f"command, {c['logs']} logs ({c['args']}): {c['wall_s']} s, exit {c['exit']}, peak memory of the "
              f"process tree {c['peak_pss_mb']} MB PSS ({c['peak_rss_mb']} MB RSS)")
    print(f"target {TARGET_PER_CORE} logs/s per core: {'met' if results['meets_target'] else 'NOT met'} "
          f"(best {per_core} logs per CPU-second)")
    if "profile_top" in results:
        print(results["profile_top"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
