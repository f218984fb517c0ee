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

from sim.cli.common import MAX_RUNS, MAX_SEED, CliError, load, locale_code, print_json, runs_int, seed_int

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
    p.add_argument("--locale", type=locale_code, default="en",
                   help="language of the summary (en or zh; the JSON is the same in both)")
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
        print(render(result, args.locale))
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, unit: str = "") -> str:
    return "-" if x is None else f"{x:.1f}{unit}"


#: The summary's lines in English and Chinese (:func:`sim.lang.text.pick`).
_LINES = {
    "head": ("{scenario}: {runs} runs, policy {policy}, seeds {first}..{last}",
             "{scenario}：{runs} 局，策略 {policy}，种子 {first}..{last}"),
    "conversion": ("  conversion      {rate}  (95% CI {lo} - {hi})",
                   "  赢单率          {rate}（95% 置信区间 {lo} - {hi}）"),
    "satisfaction": ("  satisfaction    {mean} mean", "  满意度          平均 {mean}"),
    "spread": (", p10 {p10}, p90 {p90}", "，p10 {p10}，p90 {p90}"),
    "cycle": ("  cycle time      {days} median (won deals)", "  成交周期        中位数 {days}（赢单）"),
    "days": (" days", " 天"),
    "retention": ("  retention       {rate} renewal probability (won deals)", "  续约概率        {rate}（赢单）"),
    "score": ("  score           {mean} mean, pass rate {rate}", "  总分            平均 {mean}，及格率 {rate}"),
    "funnel": ("  funnel          ", "  销售漏斗        "),
    "won": ("won", "赢单"),
    "deals": ("  ({deals} deals: {per} accounts a run)", "（{deals} 个商机：每局 {per} 个客户）"),
    "lost": ("  lost because    ", "  丢单原因        "),
    "sep": (", ", "，"),
}


def render(r: dict, locale: str = "en") -> str:
    """A readable summary for the terminal, in ``locale`` (en or zh): stages and reasons by name."""
    from scoring.gradebook import LOSS_REASON_NAMES, ui_locale
    from sim.lang.text import STAGE_NAMES, pick

    def say(key: str, **values: Any) -> str:
        return pick(_LINES[key], locale).format(**values)

    from sim.authoring.lint import POLICY_NAMES

    ui = ui_locale(locale)
    policy = r["policy"]
    if ui == "zh":
        policy = POLICY_NAMES[policy][1] if policy in POLICY_NAMES else "策略文件" if policy == "file" else policy
    lo, hi = r["conversion_ci95"]
    spread = r["satisfaction_percentiles"]
    stages = {**{k: v[ui] for k, v in STAGE_NAMES.items()}, "won": say("won")} if ui == "zh" else {}
    reasons = LOSS_REASON_NAMES[ui] if ui == "zh" else {}
    lines = [
        say("head", scenario=r["scenario"], runs=r["runs"], policy=policy, first=r["seed"],
            last=r["seed"] + r["runs"] - 1),
        say("conversion", rate=_pct(r["conversion_rate"]), lo=_pct(lo), hi=_pct(hi)),
        say("satisfaction", mean=_num(r["satisfaction_mean"]))
        + (say("spread", p10=_num(spread["p10"]), p90=_num(spread["p90"])) if spread else ""),
        say("cycle", days=_num(r["cycle_days_median"], say("days"))),
        say("retention", rate=_pct(r["retention_mean"])),
        say("score", mean=_num(r["score_mean"]), rate=_pct(r["pass_rate"])),
        say("funnel") + " > ".join(f"{stages.get(k, k)} {v}" for k, v in r["funnel"].items()),
    ]
    if r["account_runs"] > r["runs"]:  # a pipeline: the funnel and the losses count deals, not runs
        lines[-1] += say("deals", deals=r["account_runs"], per=r["account_runs"] // r["runs"])
    if r["lost_reasons"]:
        lines.append(say("lost") + say("sep").join(f"{reasons.get(k, k)} {v}" for k, v in r["lost_reasons"].items()))
    return "\n".join(lines)
