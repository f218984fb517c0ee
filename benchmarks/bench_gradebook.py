"""Incremental grading: ``touchpoint grade --gradebook FILE.sqlite`` on a class, then again unchanged.

A class of 10,000 logs (``touchpoint cohort`` on a copy of the scenario, so that edits to the bundled
one cannot change the class half-way) is graded by the command with a new gradebook file, then again
with the same file and nothing changed: the second run reads and hashes each log and grades none.
Target: the re-run takes at most a tenth of the first. Both runs write the grades CSV; the outputs
must be the same bytes.

    python benchmarks/bench_gradebook.py [--size 10000] [--scenario enterprise_software] [--workers 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.authoring.cohort import CohortSpec, generate
from sim.lang import bundled

TARGET_RATIO = 0.1


def grade(folder: Path, cases: Path, book: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "sim", "grade", str(folder), "--scenarios", str(cases), "--quiet",
                          "--gradebook", str(book), "--out", str(out), "--workers", str(workers)],
                         capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"grade failed ({run.returncode}): {run.stderr[:2000]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000, help="logs in the class (default 10000)")
    ap.add_argument("--scenario", default="enterprise_software", help="bundled scenario (default enterprise_software)")
    ap.add_argument("--workers", type=int, default=2, help="grading workers (default 2)")
    ap.add_argument("--json", metavar="PATH", help="write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gradebook-") as tmp:
        base = Path(tmp)
        cases = base / "cases"
        cases.mkdir()
        case = cases / f"{args.scenario}.yaml"
        shutil.copy(bundled.scenario_path(args.scenario), case)
        klass = base / "class"
        t0 = time.perf_counter()
        generate(CohortSpec(str(case), args.size, (("expert", 0.3), ("random", 0.7)), 7, str(klass)))
        write_s = time.perf_counter() - t0
        book = base / "book.sqlite"
        first = grade(klass, cases, book, base / "first.csv", args.workers)
        again = grade(klass, cases, book, base / "again.csv", args.workers)
        same = (base / "first.csv").read_bytes() == (base / "again.csv").read_bytes()
        figures = {"logs": args.size, "scenario": args.scenario, "workers": args.workers, "cores": os.cpu_count(),
                   "class_write_s": round(write_s, 1), "first_s": round(first, 2), "again_s": round(again, 2),
                   "ratio": round(again / first, 3), "identical_outputs": same,
                   "gradebook_mb": round(book.stat().st_size / 2**20, 1), "meets_target": again <= TARGET_RATIO * first}
    print(f"{args.size} {args.scenario} logs, {args.workers} workers: first run {figures['first_s']} s, unchanged "
          f"re-run {figures['again_s']} s ({100 * figures['ratio']:.1f}% of the first; target at most "
          f"{100 * TARGET_RATIO:g}%: {'met' if figures['meets_target'] else 'NOT met'}); outputs identical: {same}; "
          f"gradebook {figures['gradebook_mb']} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
