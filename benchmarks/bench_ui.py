"""Benchmark the pygame front end: frame time on the play screen, launch to first frame, peak memory.

::

    python benchmarks/bench_ui.py RESULT.json [--frames 900] [--launches 5] [--real-display]

* frame time: median and 95th percentile of ``App.step()`` on the play screen at 1280x720, in
  English and Chinese, while playing fast (a choice every 2 s: the frames include the choices,
  the signal animations and new Chinese text to render); target: p95 <= 8 ms;
* launch: wall time from starting ``touchpoint play`` (a new Python process: imports, scenario
  loading, window, fonts) to the first drawn frame; target <= 2 s (median of several launches);
* memory: peak resident set size of a process that plays whole games in both languages; target
  <= 250 MB.

Runs headless (SDL's dummy driver) unless ``--real-display``. Each measurement runs in a fresh
process so one does not warm the caches of the next. Prints the figures and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: A fast player: reads the screen 2 s before choosing, the feedback 1 s before going on.
THINK_FRAMES = 120
READ_FRAMES = 60
TARGETS = {"frame_p95_ms": 8.0, "first_frame_s": 2.0, "peak_memory_mb": 250.0}
HERE = Path(__file__).resolve()


def _env(real_display: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    env["SDL_AUDIODRIVER"] = "dummy"
    if not real_display:
        env["SDL_VIDEODRIVER"] = "dummy"
    return env


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# --- child: frame times and memory ----------------------------------------------------------------------

def child_frames(frames: int, workdir: Path) -> dict:
    """Play on the play screen, timing each frame; returns the figures of this process."""
    import resource

    import pygame

    from sim.engine.loader import load_scenario
    from sim.runs.policies import RandomPolicy
    from sim.ui.app import App, PlayConfig
    from sim.ui.scenes.base import key_event
    from sim.ui.scenes.feedback import FeedbackScene
    from sim.ui.scenes.play import PlayScene

    out: dict = {}
    for locale, sid in (("en", "tutorial"), ("zh", "pipeline" if _bundled("pipeline") else "tutorial")):
        scenario = load_scenario(sid)
        app = App(PlayConfig(locale=locale, size=(1280, 720), seed=7, log_dir=workdir), [], scenario=scenario)
        app.start_game(scenario)
        policy = RandomPolicy(7)
        times: list[float] = []
        n = 0
        while len(times) < frames and n < frames * 4:
            n += 1
            top = app.top
            if isinstance(top, PlayScene) and app.top_frames >= THINK_FRAMES and top.point is not None:
                choice = policy.choose(top.point, top.game.session)
                i = next(k for k, o in enumerate(top.point.options) if o.id == choice)
                pygame.event.post(key_event(pygame.K_1 + min(i, 8)))
                pygame.event.post(key_event(pygame.K_RETURN))
            elif isinstance(top, FeedbackScene) and app.top_frames >= READ_FRAMES:
                pygame.event.post(key_event(pygame.K_RETURN))
            elif not isinstance(top, (PlayScene, FeedbackScene)):  # a run ended: start another
                app.start_game(scenario)
                continue
            t0 = time.perf_counter()
            app.step()
            dt = time.perf_counter() - t0
            if isinstance(app.top, PlayScene):
                times.append(dt * 1000)
        app.quit()
        out[locale] = {"scenario": sid, "frames": len(times), "median_ms": statistics.median(times),
                       "p95_ms": percentile(times, 0.95), "max_ms": max(times)}
    out["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _bundled(sid: str) -> bool:
    from sim.lang import bundled

    return bundled.scenario_path(sid) is not None


# --- child: first frame ---------------------------------------------------------------------------------

def child_first_frame(workdir: Path) -> None:
    """``touchpoint play tutorial`` up to its first drawn frame, then quit."""
    from sim.ui import app as app_module

    original = app_module.App.step

    def step(self, dt=None):  # type: ignore[no-untyped-def]
        result = original(self, dt)
        if self.frame == 1:
            print("FIRST_FRAME", flush=True)
            self.quit()
        return result

    app_module.App.step = step  # type: ignore[method-assign]
    from sim.cli import main

    os.chdir(workdir)
    main(["play", "tutorial", "--locale", "zh"])


# --- parent ---------------------------------------------------------------------------------------------

def launch_time(env: dict[str, str], workdir: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE), "--child", "first-frame", "--workdir", str(workdir)],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("FIRST_FRAME"):
            elapsed = time.perf_counter() - t0
            break
    else:
        raise SystemExit("bench_ui: the child never drew a frame")
    proc.wait()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", type=Path, help="write the figures to this JSON file")
    ap.add_argument("--frames", type=int, default=900, help="play-screen frames timed per language")
    ap.add_argument("--launches", type=int, default=5, help="launches timed for the first frame")
    ap.add_argument("--real-display", action="store_true", help="use a real window instead of SDL's dummy driver")
    ap.add_argument("--child", choices=("frames", "first-frame"), help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "frames":
        print(json.dumps(child_frames(args.frames, args.workdir)))
        return 0
    if args.child == "first-frame":
        child_first_frame(args.workdir)
        return 0
    if args.out is None:
        ap.error("give the JSON file to write the figures to")
    import tempfile

    env = _env(args.real_display)
    with tempfile.TemporaryDirectory(prefix="bench_ui_") as tmp:
        work = Path(tmp)
        res = subprocess.run([sys.executable, str(HERE), "--child", "frames", "--frames", str(args.frames),
                              "--workdir", str(work)], capture_output=True, text=True, env=env, check=True)
        frames = json.loads(res.stdout.strip().splitlines()[-1])
        launches = [launch_time(env, work) for _ in range(args.launches)]
    os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    import pygame

    result = {
        "machine": {"python": platform.python_version(), "pygame": pygame.version.ver,
                    "platform": platform.platform(), "cpus": os.cpu_count(),
                    "video": "real display" if args.real_display else "SDL dummy driver"},
        "window": [1280, 720],
        "frame_time": {k: v for k, v in frames.items() if k in ("en", "zh")},
        "frame_p95_ms": max(frames[k]["p95_ms"] for k in ("en", "zh")),
        "frame_median_ms": max(frames[k]["median_ms"] for k in ("en", "zh")),
        "first_frame_s": statistics.median(launches),
        "first_frame_runs_s": launches,
        "peak_memory_mb": frames["peak_memory_mb"],
        "targets": TARGETS,
    }
    result["meets_targets"] = {k: result[k] <= v for k, v in TARGETS.items()}
    for loc in ("en", "zh"):
        f = frames[loc]
        print(f"play screen {loc} ({f['scenario']}, {f['frames']} frames): median {f['median_ms']:.2f} ms, "
              f"p95 {f['p95_ms']:.2f} ms, max {f['max_ms']:.1f} ms")
    print(f"launch to first frame: {result['first_frame_s']:.2f} s (median of {len(launches)})")
    print(f"peak memory: {result['peak_memory_mb']:.0f} MB")
    print("targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in result["meets_targets"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
