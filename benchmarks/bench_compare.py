"""This checkout against an earlier commit, side by side: engine runs per second and graded logs per second.

A restructuring must not cost more than a stated share of speed, and machines are shared and
noisy, so the two versions are measured in one run, in alternating short blocks: each block plays
the same seeds (or grades the same logs) in both, the order alternating, and the ratio of the pair
is kept. The median of the ratios, with its quartiles, is the figure.

Each version runs in its own worker process, started with its own tree first on ``sys.path``; the
baseline is checked out with ``git worktree`` into a temporary folder (or given with
``--baseline-path``). Logs to grade are written once, by each version's own ``touchpoint cohort``
command, so each grades logs of its own format.

    python benchmarks/bench_compare.py --baseline 6326d97 [--blocks 30] [--json out.json]

Output: for each measure, the baseline's and this checkout's time per unit in the fastest block,
and "speed kept" = baseline time / this time (1.0: as fast; 0.8: 20% fewer runs per second).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Units per block: engine runs, or graded logs.
BLOCK = {"engine": 400, "grade": 200}
COHORT_SIZE = 400


# --- the worker: runs inside one version's tree ------------------------------------------------------------


def _worker() -> None:  # pragma: no cover - exercised through the subprocess in the smoke test
    """Answer ``engine SID POLICY START N`` and ``grade DIR START N`` with CPU microseconds per unit."""
    from sim import load_scenario

    try:
        from sim.runs.policies import ExpertPolicy, RandomPolicy, play
    except ImportError:  # an older layout
        from sim.policies import ExpertPolicy, RandomPolicy, play  # type: ignore[no-redef]
    from scoring.grading import grade_log

    scenarios: dict[str, Any] = {}
    logs: dict[str, list[str]] = {}
    for line in sys.stdin:
        cmd, *args = line.split()
        t0 = time.process_time()
        if cmd == "engine":
            sid, policy, start, n = args[0], args[1], int(args[2]), int(args[3])
            scenario = scenarios.setdefault(sid, load_scenario(sid))
            for seed in range(start, start + n):
                play(scenario, ExpertPolicy() if policy == "expert" else RandomPolicy(seed), seed)
        elif cmd == "grade":
            folder, start, n = args[0], int(args[1]), int(args[2])
            files = logs.setdefault(folder, sorted(str(p) for p in Path(folder).glob("*.jsonl")))
            for k in range(start, start + n):
                path = files[k % len(files)]
                row, _ = grade_log(path, path, {})
                if row.status not in ("complete", "incomplete"):
                    raise SystemExit(f"{path}: {row.status}: {row.reason}")
        else:
            raise SystemExit(f"unknown command {cmd!r}")
        print((time.process_time() - t0) / int(args[-1]) * 1e6, flush=True)


class Worker:
    """A worker process for one tree."""

    def __init__(self, tree: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
        self.tree = tree
        self.proc = subprocess.Popen([sys.executable, str(HERE / "bench_compare.py"), "--worker"], cwd=tree, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, line: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the worker for {self.tree} stopped (command: {line})")
        return float(answer)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def write_cohort(tree: Path, folder: Path, sid: str, size: int = COHORT_SIZE) -> None:
    """A class of logs written by the tree's own ``touchpoint cohort``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run([sys.executable, "-m", "sim", "cohort", sid, "--size", str(size), "--mix",
                    "expert=0.3,random=0.7", "--seed", "2026", "--out", str(folder), "--workers", "1"],
                   cwd=tree, env=env, check=True, capture_output=True)


def compare(old: Worker, new: Worker, command: str, n: int, blocks: int) -> dict[str, Any]:
    """Alternating blocks of ``command START N`` in both workers; ratios old time / new time."""
    old.ask(f"{command} 0 {n}")  # warm both up
    new.ask(f"{command} 0 {n}")
    kept, t_old, t_new = [], [], []
    for k in range(blocks):
        start = (k + 1) * n
        if k % 2 == 0:
            a, b = old.ask(f"{command} {start} {n}"), new.ask(f"{command} {start} {n}")
        else:
            b, a = new.ask(f"{command} {start} {n}"), old.ask(f"{command} {start} {n}")
        t_old.append(a)
        t_new.append(b)
        kept.append(a / b)
    q = statistics.quantiles(kept, n=4)
    return {"baseline_us": round(min(t_old), 1), "this_us": round(min(t_new), 1),
            "speed_kept": round(statistics.median(kept), 3), "quartiles": [round(q[0], 3), round(q[2], 3)],
            "blocks": blocks}


def checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), rev], check=True,
                   capture_output=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", help="a git revision to compare with")
    ap.add_argument("--baseline-path", type=Path, help="a checkout to compare with, instead of --baseline")
    ap.add_argument("--blocks", type=int, default=30)
    ap.add_argument("--scenario", action="append", help="engine scenarios (default: tutorial, enterprise_software)")
    ap.add_argument("--no-grade", action="store_true", help="skip the grading comparison")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker()
        return
    if not args.baseline and not args.baseline_path:
        ap.error("give --baseline REV or --baseline-path DIR")
    with tempfile.TemporaryDirectory(prefix="tp-compare-") as tmp:
        base = args.baseline_path or checkout(args.baseline, Path(tmp) / "baseline")
        old, new = Worker(base), Worker(ROOT)
        out: dict[str, Any] = {"baseline": args.baseline or str(base), "python": sys.version.split()[0]}
        try:
            for sid in args.scenario or ["tutorial", "enterprise_software"]:
                for policy in ("expert", "random"):
                    key = f"engine {sid} {policy}"
                    out[key] = compare(old, new, f"engine {sid} {policy}", BLOCK["engine"], args.blocks)
                    print(f"{key:<40} {_line(out[key])}", flush=True)
            if not args.no_grade:
                folders = {}
                for name, tree in (("baseline", base), ("this", ROOT)):
                    folders[name] = Path(tmp) / f"class-{name}"
                    write_cohort(tree, folders[name], "enterprise_software")
                key = "grade enterprise_software"
                out[key] = _compare_grading(old, new, folders, args.blocks)
                print(f"{key:<40} {_line(out[key])}", flush=True)
        finally:
            old.close()
            new.close()
            if args.baseline and not args.baseline_path:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False,
                               capture_output=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def _compare_grading(old: Worker, new: Worker, folders: dict[str, Path], blocks: int,
                     n: int = BLOCK["grade"]) -> dict[str, Any]:
    old.ask(f"grade {folders['baseline']} 0 {n}")
    new.ask(f"grade {folders['this']} 0 {n}")
    kept, t_old, t_new = [], [], []
    for k in range(blocks):
        start = (k + 1) * n
        first, second = (old, new) if k % 2 == 0 else (new, old)
        times = {}
        for w in (first, second):
            folder = folders["baseline"] if w is old else folders["this"]
            times[w is old] = w.ask(f"grade {folder} {start} {n}")
        t_old.append(times[True])
        t_new.append(times[False])
        kept.append(times[True] / times[False])
    q = statistics.quantiles(kept, n=4)
    return {"baseline_us": round(min(t_old), 1), "this_us": round(min(t_new), 1),
            "speed_kept": round(statistics.median(kept), 3), "quartiles": [round(q[0], 3), round(q[2], 3)],
            "blocks": blocks}


def _line(r: dict[str, Any]) -> str:
    return (f"baseline {r['baseline_us']:>8.1f} µs  this {r['this_us']:>8.1f} µs  speed kept {r['speed_kept']:.3f} "
            f"(quartiles {r['quartiles'][0]:.3f}-{r['quartiles'][1]:.3f})")


if __name__ == "__main__":
    main()
