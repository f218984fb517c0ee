"""``touchpoint grade --review`` of a class: how long the review of every log takes, serial and on 2 workers.

A 40-trainee class plays two scenarios, the tutorial and enterprise_software (each trainee one log of
each, experts and random clickers mixed: ``touchpoint cohort``), so the class hands in 80 logs; the
command grades them with ``--review`` at the default rollouts, as a teacher would, on a process pool
of 2 workers (and, with ``--serial``, in one process too), and checks that the outputs are the same
bytes. Target: at most 30 s on 2 cores.

    python benchmarks/bench_grade_review.py [--size 40] [--serial] [--dask] [--json OUT]
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

TARGET_S = 30.0


def grade(folder: Path, out: Path, extra: list[str]) -> float:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "sim", "grade", str(folder), "--review", "--quiet",
                          "--scenarios", str(folder.parent / "cases"),
                          "--out", str(out / "g.csv"), "--xapi", str(out / "x.jsonl"), *extra],
                         capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"grade failed ({run.returncode}): {run.stderr}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=40, help="trainees (default 40)")
    ap.add_argument("--serial", action="store_true", help="also grade in one process and compare the bytes")
    ap.add_argument("--dask", action="store_true", help="also grade on a Dask LocalCluster of 2 workers")
    ap.add_argument("--json", metavar="PATH", help="write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        base = Path(tmp)
        klass = base / "class"
        cases = base / "cases"  # a copy of the scenarios: the class is graded against what it played
        cases.mkdir()
        for sid, seed in (("tutorial", 1), ("enterprise_software", 2)):
            case = cases / f"{sid}.yaml"
            shutil.copy(bundled.scenario_path(sid), case)
            generate(CohortSpec(str(case), args.size, (("expert", 0.4), ("random", 0.6)), seed, str(klass / sid)))
        logs = sum(1 for _ in klass.rglob("*.jsonl"))
        figures = {"trainees": args.size, "logs": logs, "cores": os.cpu_count(), "load": os.getloadavg()[0]}
        figures["process_2_s"] = round(grade(klass, base / "process", ["--workers", "2"]), 1)
        same = True
        if args.serial:
            figures["serial_s"] = round(grade(klass, base / "serial", ["--executor", "serial"]), 1)
            same = all((base / "serial" / n).read_bytes() == (base / "process" / n).read_bytes()
                       for n in ("g.csv", "x.jsonl"))
        if args.dask:
            figures["dask_2_s"] = round(grade(klass, base / "dask", ["--executor", "dask", "--workers", "2"]), 1)
            same = same and all((base / "dask" / n).read_bytes() == (base / "process" / n).read_bytes()
                                for n in ("g.csv", "x.jsonl"))
        figures["identical_outputs"] = same
        figures["meets_target"] = figures["process_2_s"] <= TARGET_S
    print(f"grade --review of {args.size} trainees ({logs} logs, tutorial and enterprise_software): "
          f"{figures['process_2_s']} s on 2 workers (target {TARGET_S:g} s: "
          f"{'met' if figures['meets_target'] else 'NOT met'})"
          + (f"; serial {figures['serial_s']} s" if "serial_s" in figures else "")
          + (f"; Dask {figures['dask_2_s']} s" if "dask_2_s" in figures else "")
          + f"; outputs identical: {same}; load average at start {figures['load']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
