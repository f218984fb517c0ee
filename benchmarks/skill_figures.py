"""Does skill decide each bundled case? The teaching measurements, over seeded runs.

    python benchmarks/skill_figures.py [--runs 1000] [--seed 0] [--deviation-runs 300] [--json out.json] [ID ...]

For each scenario (all bundled ones by default), through the stepping API (sim.authoring.judgment):

* conversion and mean score of the expert (the author's advice), random play, the surface bots
  (longest text, first shown, most days, fewest days) and the typical seller (fast, product-first,
  discount-happy);
* the share of the score's variance that skill explains in an equal expert/random pool, and how
  often random play beats the expert on the same seed;
* the seed article's case figures, as the roadmap seller (expert) against the typical seller:
  cycle time, satisfaction, conversion, revenue and churn;
* the one-deviation table's worst entries (expert play but one choice, on the expert's seeds).

The numbers are those of ``touchpoint run ID --policy expert|random --runs N --seed S --json`` for
the expert and random rows; the targets (issues 19 and 20) are printed beside them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from scoring import Summary, score_run
from sim.authoring.judgment import SURFACE_BOTS, TypicalSeller, deviations, leaks, skill_report
from sim.engine.loader import LoadedScenario, load_scenario
from sim.lang import bundled
from sim.runs.policies import ExpertPolicy, Policy, play


def summary(sc: LoadedScenario, make: Any, runs: int, seed: int) -> dict[str, Any]:
    """``touchpoint run``'s summary of a player over seeds ``seed``.. (the same numbers)."""
    s = Summary()
    for i in range(seed, seed + runs):
        policy: Policy = make(i)
        s.add(score_run(play(sc, policy, i).trace, sc.rubric))
    return s.as_dict()


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def figures(sid: str, runs: int, seed: int, deviation_runs: int) -> dict[str, Any]:
    """Every teaching measurement of one scenario."""
    sc = load_scenario(sid)
    skill = skill_report(sc, runs, seed)
    expert = summary(sc, lambda s: ExpertPolicy(), runs, seed)
    typical = summary(sc, lambda s: TypicalSeller(), runs, seed)
    devs = sorted(deviations(sc, deviation_runs, seed), key=lambda d: -d.score_gain)
    return {
        "scenario": sid,
        "runs": runs,
        "conversion": skill.conversion,
        "score": skill.score,
        "skill_share": skill.skill_share,
        "random_beats_expert": skill.random_beats_expert,
        "surface_gap": skill.surface_gap(),
        "leaks": [leak.kind for leak in leaks(sc)],
        "roadmap_vs_typical": {k: (expert.get(k), typical.get(k)) for k in
                               ("conversion_rate", "satisfaction_mean", "cycle_days_median", "churn_mean",
                                "revenue_mean", "margin_mean")},
        "deviations": [{"touchpoint": d.touchpoint, "action": d.action, "runs": d.runs,
                        "score_gain": round(d.score_gain, 2), "ci95": [round(x, 2) for x in d.ci95],
                        "win_rate": round(d.win_rate, 3), "expert_win_rate": round(d.expert_win_rate, 3)}
                       for d in devs],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*", help="scenario ids (default: every bundled one)")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deviation-runs", type=int, default=300)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    out = {}
    print(f"{args.runs} runs per player, seeds {args.seed}..{args.seed + args.runs - 1}\n")
    print("| scenario | expert | random | " + " | ".join(SURFACE_BOTS) + " | typical | skill share | random beats "
          "expert | worst deviation |")
    print("|---|---|---|" + "---|" * len(SURFACE_BOTS) + "---|---|---|---|")
    for sid in args.ids or bundled.scenario_ids():
        f = out[sid] = figures(sid, args.runs, args.seed, args.deviation_runs)
        c = f["conversion"]
        offered = [d for d in f["deviations"] if d["runs"]]  # options the expert's path never meets have no row
        worst = offered[0] if offered else None
        dev = f"{worst['touchpoint']}/{worst['action']} {worst['score_gain']:+.1f}" if worst else "–"
        print(f"| `{sid}` | {_pct(c['expert'])} | {_pct(c['random'])} | "
              + " | ".join(_pct(c[b]) for b in SURFACE_BOTS)
              + f" | {_pct(c['typical'])} | {f['skill_share']:.2f} | {_pct(f['random_beats_expert'])} | {dev} |")
    print("\nThe roadmap seller (expert) against a typical seller (fast, product-first, discount-happy):\n")
    print("| scenario | conversion | satisfaction | cycle days (median of won) | churn of won | revenue | margin |")
    print("|---|---|---|---|---|---|---|")
    for sid, f in out.items():
        r = f["roadmap_vs_typical"]

        def pair(key: str, pct: bool = False, r: dict[str, Any] = r) -> str:
            a, b = r[key]
            if a is None or b is None:
                return "–"
            return f"{_pct(a)} / {_pct(b)}" if pct else f"{a:,.1f} / {b:,.1f}"

        print(f"| `{sid}` | {pair('conversion_rate', True)} | {pair('satisfaction_mean')} | "
              f"{pair('cycle_days_median')} | {pair('churn_mean', True)} | {pair('revenue_mean')} | "
              f"{pair('margin_mean')} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
