"""Engine cost per event in instructions: bench_engine.py's comparison, counted by callgrind.

On a shared machine the time of a run drifts by a factor of two from one second to the next, so
a change worth 1% cannot be seen in seconds. The instructions a run executes are the same on every
repeat with the same interpreter, scenario and seeds (callgrind runs the program on a simulated
CPU), so this script measures such a change exactly. It compares the engine with the same
bare-SimPy floor as ``bench_engine.py`` (same shape, same mix, same number of events).

It complements the time ratio and does not replace it: the target is in time, and a run of the
engine also touches more memory and takes more hard-to-predict branches per event than the small
floor, which costs time that instructions do not show (the README gives both).

    python benchmarks/bench_instructions.py [--runs 100] [--scenario ID ...] [--cache] [--json out.json]

Needs valgrind (Debian: ``apt-get install valgrind``); a scenario takes about a minute. Each count
runs this script again under ``valgrind --tool=callgrind`` with ``--toggle-collect=functools_reduce``:
the measured runs happen inside ``functools.reduce``, a C function callgrind can name, so the
interpreter's start, the imports, loading the scenario and the warm-up runs are not counted.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import bare_simpy

#: Runs before the counted ones: compiled conditions, focus menus and CPython's specialised
#: instructions are warm, as in a batch.
WARMUP = 50
#: Seeds of the counted runs start here (the warm-up uses 0..WARMUP-1).
FIRST_SEED = 1000
#: With ``--cache``: figures per event, and the callgrind events they add up.
CACHE_FIGURES = {"l1_data_read_misses": ("D1mr",), "branch_mispredictions": ("Bcm", "Bim")}


def child_engine(sid: str, policy: str, runs: int) -> int:
    """Play ``runs`` games inside ``functools.reduce`` (the counted part); return their SimPy events."""
    from bench_engine import play  # the engine's imports, only where the engine is counted

    from sim import load_scenario

    scenario = load_scenario(sid)
    for seed in range(WARMUP):
        play(scenario, policy, seed)
    return functools.reduce(lambda events, seed: events + play(scenario, policy, seed).steps,
                            range(FIRST_SEED, FIRST_SEED + runs), 0)


def child_bare(touchpoints: int, ticks: int, accounts: int, runs: int) -> int:
    """The bare floor's runs, counted the same way; returns their events."""
    for _ in range(WARMUP):
        bare_simpy.run(touchpoints, ticks, accounts)
    return functools.reduce(lambda events, _: events + bare_simpy.run(touchpoints, ticks, accounts), range(runs), 0)


def callgrind_counts(text: str) -> dict[str, int]:
    """What a callgrind output file counted, by event (``Ir`` instructions; with the cache and
    branch simulation also ``D1mr`` data reads missing the L1 cache, ``Bcm``/``Bim`` conditional
    and indirect branches mispredicted), from its ``events:`` and ``summary:`` (or ``totals:``) lines."""
    names: list[str] = []
    for line in text.splitlines():
        if line.startswith("events:"):
            names = line.split()[1:]
        elif line.startswith(("summary:", "totals:")) and names:
            return dict(zip(names, (int(n) for n in line.split()[1:]), strict=False))
    raise ValueError("no events and summary lines in the callgrind output")


def count(child: list[str], cache: bool = False) -> tuple[dict[str, int], int]:
    """Run this script's ``--child`` mode under callgrind; returns (counts by event, SimPy events)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
               *(["--cache-sim=yes", "--branch-sim=yes"] if cache else []),
               sys.executable, str(Path(__file__).resolve()), "--child", *child]
        # String hashes decide dict layouts, and so a few instructions: fix them.
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        if proc.returncode != 0 or not out.exists():
            reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise SystemExit(f"bench_instructions: the counted run failed ({' '.join(child)}): {reason}")
        return callgrind_counts(out.read_text()), int(proc.stdout.split()[-1])


def bench_scenario(sid: str, runs: int, jobs: int, cache: bool = False) -> dict[str, Any]:
    """Instructions per event of the engine (expert and random play) and of its bare floor; with
    ``cache``, L1 data-read misses and mispredicted branches per event too."""
    from sim import load_scenario

    accounts = len(load_scenario(sid).rules.accounts)
    out: dict[str, Any] = {"scenario": sid, "accounts": accounts}
    policies = ("expert", "random")
    with ThreadPoolExecutor(jobs) as pool:
        engine = dict(zip(policies, pool.map(lambda p: count(["engine", sid, p, str(runs)], cache), policies),
                          strict=True))
        shapes = [bare_simpy.calibrate(engine[p][1] / runs, accounts)[:2] for p in policies]  # touchpoints, ticks
        bare = dict(zip(policies, pool.map(
            lambda shape: count(["bare", *(str(n) for n in (*shape, accounts, runs))], cache), shapes), strict=True))
    for policy, (counts, events) in engine.items():
        b_counts, b_events = bare[policy]
        per_event, floor = counts["Ir"] / events, b_counts["Ir"] / b_events
        f = out[policy] = {
            "events_per_run": round(events / runs, 1),
            "instructions_per_run": round(counts["Ir"] / runs),
            "instructions_per_event": round(per_event),
            "bare_simpy_events_per_run": round(b_events / runs, 1),
            "bare_simpy_instructions_per_event": round(floor),
            "ratio_to_bare_simpy": round(per_event / floor, 2),
        }
        if cache:
            for key, names in CACHE_FIGURES.items():
                f[f"{key}_per_event"] = round(sum(counts[n] for n in names) / events)
                f[f"bare_simpy_{key}_per_event"] = round(sum(b_counts[n] for n in names) / b_events)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100, help="counted runs per policy (after a warm-up)")
    ap.add_argument("--scenario", action="append", help="only these scenario ids")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--jobs", type=int, default=2, help="counts run side by side")
    ap.add_argument("--cache", action="store_true",
                    help="also simulate the caches and branch predictor (about twice as slow)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:  # one counted measurement, under callgrind: prints the events it processed
        kind, *rest = args.child
        if kind == "engine":
            print(child_engine(rest[0], rest[1], int(rest[2])))
        else:
            print(child_bare(*(int(x) for x in rest)))
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions: valgrind is not installed (Debian: apt-get install valgrind)")
    from sim.lang import bundled

    ids = args.scenario or bundled.scenario_ids()
    build = (f"{platform.python_implementation()} {platform.python_version()} "
             f"({', '.join(platform.python_build())}) {platform.python_compiler()}")
    results = {
        "python_build": build,
        "runs": args.runs,
        "scenarios": [bench_scenario(sid, args.runs, args.jobs, args.cache) for sid in ids],
    }
    print(f"{results['python_build']}; instructions counted by callgrind over {args.runs} runs per policy")
    cache_head = f"{'L1 misses':>14}{'mispredicted':>14}" if args.cache else ""
    print(f"{'scenario':<22}{'policy':<8}{'events':>8}{'instr/run':>11}{'instr/event':>13}{'bare/event':>12}"
          f"{'ratio':>7}{cache_head}")
    for r in results["scenarios"]:
        for policy in ("expert", "random"):
            f = r[policy]
            line = (f"{r['scenario']:<22}{policy:<8}{f['events_per_run']:>8}{f['instructions_per_run']:>11,}"
                    f"{f['instructions_per_event']:>13,}{f['bare_simpy_instructions_per_event']:>12,}"
                    f"{f['ratio_to_bare_simpy']:>7}")
            for key in CACHE_FIGURES if args.cache else ():  # per event: engine / floor
                line += f"{f[f'{key}_per_event']:>8} /{f[f'bare_simpy_{key}_per_event']:>4}"
            print(line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
