"""Speed of ``touchpoint check``: schema and references alone on a big file, with its bot runs, and at scale.

Three figures, each the median of several repeats:

* ``check --no-runs`` on a generated scenario of 200 touchpoints and about 1 MB (loading, the
  schema, references, then the static checks), timed in-process: target under 0.5 s;
* ``check`` with its run-based checks (the default 600 seeded bot runs) on the enterprise software
  scenario (the tutorial if it is missing), timed in-process: target under 5 s;
* ``touchpoint check`` as a user runs it (a process of its own, start-up included, the default 600
  runs) on a generated scenario of 20,000 touchpoints and about 3.7 MB (:func:`generate_scale`):
  wall-clock seconds and peak memory (the process's maximum resident set), target at most 10 s and
  300 MB.

    python benchmarks/bench_check.py [--repeat 5] [--json out.json] [--scale-only] [--touchpoints 20000]

Run it on a quiet machine; figures go in the README.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sim.cli import main
from sim.lang import bundled

STAGES = ("need_identification", "information_gathering", "solution_design", "negotiation", "after_sales")
FILLER_EN = ("The buyer weighs the options carefully and asks about cost, risk and the people who will use the "
             "system every day. ")
FILLER_ZH = "客户仔细权衡各种方案，询问成本、风险以及每天使用它的人。"


def generate(touchpoints: int = 200, target_bytes: int = 1_000_000) -> str:
    """A valid, bilingual scenario of ``touchpoints`` touchpoints padded to about ``target_bytes``."""
    base = len(_generate(touchpoints, 0).encode("utf-8"))
    unit = (len(_generate(touchpoints, 1).encode("utf-8")) - base) or 1
    return _generate(touchpoints, max(0, round((target_bytes - base) / unit)))


def _generate(touchpoints: int, repeats: int) -> str:
    out = [
        "version: 1", "id: generated", "title: {en: A generated case, zh: 生成的案例}",
        "objective: {en: Win the deal, zh: 赢下这单}", "languages: [en, zh]",
        "rubric:", "  weights: {conversion: 0.4, satisfaction: 0.3, cycle_time: 0.1, retention: 0.2}",
        "  target_days: 400", "  max_days: 900",
        "accounts:", "  - id: acme",
        "    persona: {company: {en: Acme, zh: 艾克米}, industry: {en: Tools, zh: 工具}, size: {en: Big, zh: 大型}}",
        "    patience_days: 1000",
        "    stakeholders:",
        "      - {id: boss, name: {en: Boss, zh: 老板}, role: economic_buyer, influence: 0.6, trust: 60}",
        "      - {id: user, name: {en: User, zh: 用户}, role: user, influence: 0.4}",
        "    flags: [{id: ready, label: {en: Ready, zh: 就绪}}]",
        "    stages:",
    ]
    for s in STAGES:
        out.append(f"      {s}: {{gate: 'info >= 0 or ready'}}" if s != "after_sales" else f"      {s}: {{}}")
    out.append("    touchpoints:")
    for i in range(touchpoints):
        out += [
            f"      - id: tp{i}", f"        stage: {STAGES[i * len(STAGES) // touchpoints]}",
            f"        title: {{en: Touchpoint {i}, zh: 接触点{i}}}",
            "        situation:", "          en: >-", "            " + (FILLER_EN * repeats or "A meeting."),
            "          zh: >-", "            " + (FILLER_ZH * repeats or "一次会面。"),
            "        with: [boss]", f"        when: 'info >= 0 or day > {i}'", "        actions:",
        ]
        for j in range(3):
            out += [
                f"          - id: a{j}", f"            label: {{en: Action {j}, zh: 行动{j}}}", "            days: 1",
                f"            recommended: {'true' if j == 0 else 'false'}",
                f"            when: 'trust(boss) >= {j * 5} or ready'",
                f"            effects: [{{who: boss, trust: {2 - j}}}, {{info: {j + 1}}}, {{set: ready, chance: 0.5}}]",
                f"            feedback: {{en: Feedback {j} on the choice., zh: 对选择{j}的反馈。}}",
            ]
    return "\n".join(out) + "\n"


def generate_scale(touchpoints: int = 20_000) -> str:
    """A valid scenario of ``touchpoints`` short touchpoints, about 185 bytes each (3.7 MB for
    20,000): one account, the five stages, two actions per touchpoint, the first recommended."""
    out = [
        "version: 2", "id: generated_scale", "title: A generated case at scale", "objective: Win the deal",
        "rubric:", "  weights: {conversion: 0.4, satisfaction: 0.3, cycle_time: 0.1, retention: 0.2}",
        "  target_days: 400", "  max_days: 900",
        "accounts:", "- id: acme",
        "  persona: {company: Acme, industry: Tools, size: Big}",
        "  patience_days: 1000",
        "  stakeholders:",
        "  - {id: boss, name: Boss, role: economic_buyer, influence: 0.6, trust: 60}",
        "  - {id: user, name: User, role: user, influence: 0.4}",
        "  stages:",
        *(f"    {s}: {{}}" for s in STAGES),
        "  touchpoints:",
    ]
    for i in range(touchpoints):
        out += [
            f"  - id: tp{i}", f"    stage: {STAGES[i * len(STAGES) // touchpoints]}", f"    title: Call {i}",
            "    situation: A call.",
            "    actions: [{id: a, label: Ask, days: 1, recommended: true}, {id: b, label: Wait, days: 2}]",
        ]
    return "\n".join(out) + "\n"


def time_scale(touchpoints: int = 20_000, repeat: int = 1, runs: int | None = None) -> dict[str, Any]:
    """``touchpoint check`` of :func:`generate_scale` in a process of its own, ``repeat`` times: the
    median wall-clock seconds and the peak resident memory (the largest of the runs), with the
    command, the number of lines printed and the summary line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"generated_{touchpoints}.yaml"
        path.write_text(generate_scale(touchpoints), encoding="utf-8")
        cmd = [sys.executable, "-m", "sim", "check", str(path)]
        if runs is not None:
            cmd += ["--runs", str(runs)]
        walls, cpus = [], []
        done = subprocess.CompletedProcess(cmd, 0, "", "")
        for _ in range(max(1, repeat)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - wall)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode not in (0, 1):
                raise SystemExit(f"check failed (exit {done.returncode}): {done.stderr}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest of any child so far
        err = done.stderr.strip().splitlines()
        return {"touchpoints": touchpoints, "file_bytes": path.stat().st_size,
                "command": "touchpoint check " + " ".join(cmd[4:]).replace(str(path), path.name),
                "median_s": round(statistics.median(walls), 3), "all_s": [round(t, 3) for t in walls],
                "median_cpu_s": round(statistics.median(cpus), 3),
                "peak_mb": round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1),
                "target_s": 10.0, "target_mb": 300, "lines": len(done.stdout.splitlines()),
                "summary": err[-1] if err else ""}


def _time_check(args: list[str], repeat: int) -> dict[str, Any]:
    """Run ``touchpoint check ARGS`` in-process ``repeat`` times after one warm-up (imports)."""
    walls, cpus = [], []
    out = ""
    for i in range(repeat + 1):
        buf, err = io.StringIO(), io.StringIO()
        wall, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            code = main(["check", *args])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        out = buf.getvalue().strip()
        if code not in (0, 1):
            raise SystemExit(f"check failed (exit {code}): {out} {err.getvalue()}")
        if i:  # the first call pays for imports; a user's check pays them once too, but they are not the check
            walls.append(wall)
            cpus.append(cpu)
    return {"median_s": round(statistics.median(walls), 4), "median_cpu_s": round(statistics.median(cpus), 4),
            "all_s": [round(t, 4) for t in walls], "problems": len(out.splitlines()) if out else 0}


def print_scale(r: dict[str, Any]) -> None:
    print(f"touchpoint check, {r['touchpoints']:,} touchpoints, {r['file_bytes'] / 1e6:.2f} MB: {r['median_s']:.2f} s "
          f"({r['median_cpu_s']:.2f} s CPU), {r['peak_mb']:.0f} MB peak (target 10 s, 300 MB)\n"
          f"  command: {r['command']}\n  {r['summary']}")


def run(repeat: int, scale_only: bool = False, touchpoints: int = 20_000) -> dict[str, Any]:
    results: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(), "repeat": repeat}
    results["scale"] = r = time_scale(touchpoints, repeat=min(repeat, 3))
    print_scale(r)
    if scale_only:
        return results
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated_200.yaml"
        big.write_text(generate(), encoding="utf-8")
        size = big.stat().st_size
        r = _time_check([str(big), "--no-runs", "-q"], repeat)
        results["static_200_touchpoints"] = {"file_bytes": size, "touchpoints": 200, "target_s": 0.5, **r}
        print(f"check --no-runs, 200 touchpoints, {size / 1e6:.2f} MB: {r['median_s']:.3f} s "
              f"({r['median_cpu_s']:.3f} s CPU; target 0.5 s)")
    sid = "enterprise_software" if bundled.scenario_path("enterprise_software") else "tutorial"
    r = _time_check([sid, "-q"], repeat)
    results["runs_600"] = {"scenario": sid, "runs": 600, "target_s": 5.0, **r}
    print(f"check with 600 seeded bot runs, {sid}: {r['median_s']:.3f} s ({r['median_cpu_s']:.3f} s CPU; target 5 s)")
    return results


def cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="repeats per figure (median reported)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    p.add_argument("--scale-only", action="store_true", help="only the 20,000-touchpoint figure")
    p.add_argument("--touchpoints", type=int, default=20_000, help="touchpoints of the scale figure (default 20,000)")
    args = p.parse_args(argv)
    results = run(max(1, args.repeat), args.scale_only, args.touchpoints)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
