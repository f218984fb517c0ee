"""``touchpoint run SCENARIO --policy random|expert|FILE --runs N --seed S``: headless runs.

Run ``i`` (0-based) uses seed ``S + i``. The same arguments always print the same output. ``--runs``
is at most :data:`~sim.cli.common.MAX_RUNS`; a progress bar shows on stderr when it is a terminal
(or with ``--progress``). A policy file that names a touchpoint, account or action the scenario does
not have is refused (exit 2), naming them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.cli.common import MAX_RUNS, MAX_SEED, CliError, load, print_json, runs_int, seed_int

__all__ = ["add_parser", "render", "run", "simulate"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="run headless trainees through a scenario and summarise",
                       description="Run a policy through a scenario N times and summarise the scores.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--policy", default="expert",
                   help="random, expert, a policy file (YAML: choices: {touchpoint: action}) or a session log")
    p.add_argument("--runs", type=runs_int, default=100,
                   help=f"number of runs (default 100, at most {MAX_RUNS:,})")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the first run (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--save-logs", metavar="DIR", type=Path, help="write each run's session log to DIR")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal (it shows on a terminal)")
    p.set_defaults(handler=run)


def simulate(scenario: Any, policy_spec: str, runs: int, seed: int, save_logs: Path | None = None,
             progress: Callable[[int], object] | None = None) -> dict:
    """Run and summarise; the shared core of ``run`` (and of anything that needs the same numbers).
    ``progress(1)`` is called after each run."""
    from scoring import Summary, score_run
    from sim.runs.policies import PolicyError, check_policy_file, play, policy_factory
    from sim.runs.sessionlog import write_log

    try:
        make = policy_factory(policy_spec)
        if policy_spec not in ("random", "expert") and Path(policy_spec).suffix != ".jsonl":
            check_policy_file(Path(policy_spec), scenario)
    except (PolicyError, ValueError) as err:
        raise CliError(str(err)) from None
    summary = Summary()
    for i in range(runs):
        s = seed + i
        policy = make(s)
        try:
            session = play(scenario, policy, s)
        except PolicyError as err:
            raise CliError(f"run {i} (seed {s}): {err}", 1) from None
        card = score_run(session.trace, scenario.rubric)
        summary.add(card)
        if save_logs is not None:
            write_log(save_logs / f"{scenario.id}-{policy.name}-{s:06d}.jsonl", session, card,
                      trainee=f"{policy.name}-{s}", policy=policy.name, scenario=scenario)
        if progress is not None:
            progress(1)
    return {"scenario": scenario.id, "policy": policy_spec if policy_spec in ("random", "expert") else "file",
            "seed": seed, **summary.as_dict()}


def run(args: argparse.Namespace) -> int:
    if args.seed + args.runs - 1 > MAX_SEED:
        raise CliError(f"--seed {args.seed} with --runs {args.runs} goes past the largest seed, 2**63 - 1")
    scenario = load(args.scenario)
    if args.save_logs is not None:
        try:
            args.save_logs.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CliError(f"cannot create {args.save_logs}: {err.strerror}") from None
    from tqdm import tqdm

    bar = tqdm(total=args.runs, unit="run", desc=scenario.id, file=sys.stderr, leave=False,
               disable=not (args.progress or sys.stderr.isatty()))
    try:
        result = simulate(scenario, args.policy, args.runs, args.seed, args.save_logs, bar.update)
    finally:
        bar.close()
    if args.json:
        print_json(result)
    else:
        print(render(result))
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, unit: str = "") -> str:
    return "-" if x is None else f"{x:.1f}{unit}"


def render(r: dict) -> str:
    """A readable summary for the terminal."""
    lo, hi = r["conversion_ci95"]
    lines = [
        f"{r['scenario']}: {r['runs']} runs, policy {r['policy']}, seeds {r['seed']}..{r['seed'] + r['runs'] - 1}",
        f"  conversion      {_pct(r['conversion_rate'])}  (95% CI {_pct(lo)} - {_pct(hi)})",
        f"  satisfaction    {_num(r['satisfaction_mean'])} mean"
        + (f", p10 {_num(r['satisfaction_percentiles']['p10'])}, p90 {_num(r['satisfaction_percentiles']['p90'])}"
           if r["satisfaction_percentiles"] else ""),
        f"  cycle time      {_num(r['cycle_days_median'], ' days')} median (won deals)",
        f"  retention       {_pct(r['retention_mean'])} renewal probability (won deals)",
        f"  score           {_num(r['score_mean'])} mean, pass rate {_pct(r['pass_rate'])}",
        "  funnel          " + " > ".join(f"{k} {v}" for k, v in r["funnel"].items()),
    ]
    if r["account_runs"] > r["runs"]:  # a pipeline: the funnel and the losses count deals, not runs
        lines[-1] += f"  ({r['account_runs']} deals: {r['account_runs'] // r['runs']} accounts a run)"
    if r["lost_reasons"]:
        lines.append("  lost because    " + ", ".join(f"{k} {v}" for k, v in r["lost_reasons"].items()))
    return "\n".join(lines)
