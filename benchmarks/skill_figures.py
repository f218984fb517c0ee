"""Does skill decide each bundled case? The teaching measurements, over seeded runs.

    python benchmarks/skill_figures.py [--runs 1000] [--seed 0] [--deviation-runs 300]
        [--lookahead-runs 0] [--json out.json] [--doc docs/background/bundled-cases.md] [ID ...]

For each scenario (all bundled ones by default), through the stepping API (sim.authoring.judgment):

* conversion and mean score of the expert (the author's advice), random play, the surface bots
  (longest text, first shown, most days, fewest days) and the typical seller (fast, product-first,
  discount-happy), and of the lookahead bot if ``--lookahead-runs`` is given;
* the share of the score's variance that skill explains in an equal expert/random pool, and how
  often random play beats the expert on the same seed;
* the seed article's case figures, as the roadmap seller (expert) against the typical seller:
  cycle time, satisfaction, conversion, revenue and churn;
* the one-deviation table (expert play but one choice, on the expert's seeds).

The numbers are those of ``touchpoint balance ID --runs N --json`` (its judgment section) for the
same seeds. It prints two Markdown tables (the README's); ``--doc`` also writes the page with every
case's full evidence, one-deviation table included.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import tempfile
from typing import Any

from scoring import Summary, score_run, wilson_interval
from sim.authoring.balance import SKILL_SHARE_TARGET, deviation_labels, judgment, labels
from sim.authoring.judgment import SURFACE_BOTS, TypicalSeller, leaks
from sim.authoring.lint import SURFACE_SLACK
from sim.authoring.lookahead import lookahead_factory
from sim.engine.loader import LoadedScenario, load_scenario
from sim.lang import bundled
from sim.lang.text import resolve
from sim.runs.policies import ExpertPolicy, Policy, play

#: The targets of issue 20, for every bundled case.
EXPERT_MIN, RANDOM_MAX, BEATS_MAX = 0.60, 0.25, 0.02
#: The seed article's case figures (docs: ../shared/DOMAIN.md), by the case that reproduces them.
ARTICLE = {
    "enterprise_software": "an IT company: buying cycle 20% shorter, satisfaction 30% higher",
    "pipeline": "a software company under competition: conversion +25%, sales +30%",
    "medical_device": "a medical-device company with after-sales touchpoints: churn 15% lower",
    "renewal": "after-sales touchpoints: churn 15% lower, satisfaction clearly higher",
}
PLAYERS = ("expert", "random", *SURFACE_BOTS, "typical")
NAMES = {"expert": "expert (the author's advice)", "random": "random", "longest": "always the longest text",
         "first": "always the first shown", "most_days": "always the most days",
         "fewest_days": "always the fewest days", "typical": "typical seller", "lookahead": "lookahead"}


def summary(sc: LoadedScenario, make: Any, runs: int, seed: int) -> dict[str, Any]:
    """``touchpoint run``'s summary of a player over seeds ``seed``.. (the same numbers)."""
    s = Summary()
    for i in range(seed, seed + runs):
        policy: Policy = make(i)
        s.add(score_run(play(sc, policy, i).trace, sc.rubric))
    return s.as_dict()


def _pct(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{100 * x:.{nd}f}%"


def figures(sid: str, runs: int, seed: int, deviation_runs: int, lookahead_runs: int = 0) -> dict[str, Any]:
    """Every teaching measurement of one scenario."""
    sc = load_scenario(sid)
    deviation_runs = min(runs, deviation_runs)
    j = judgment(sc, runs, seed, deviation_runs)
    expert = summary(sc, lambda s: ExpertPolicy(), runs, seed)
    typical = summary(sc, lambda s: TypicalSeller(), runs, seed)
    out: dict[str, Any] = {
        "scenario": sid,
        "title": resolve(sc.spec.title, "en"),
        "runs": runs,
        "seed": seed,
        "players": j["players"],
        "skill_share": j["skill_share"],
        "random_beats_expert": j["random_beats_expert"],
        "surface_gap": j["surface_gap"],
        "leaks": [leak.kind for leak in leaks(sc)],
        "roadmap_vs_typical": {k: (expert.get(k), typical.get(k)) for k in
                               ("conversion_rate", "satisfaction_mean", "cycle_days_median", "churn_mean",
                                "revenue_mean", "margin_mean")},
        "deviation_runs": deviation_runs,
        "deviations": j["deviations"],
    }
    if lookahead_runs:
        la = summary(sc, lookahead_factory(sc), lookahead_runs, seed)
        out["players"]["lookahead"] = {"conversion_rate": la["conversion_rate"], "score_mean": la["score_mean"],
                                       "runs": lookahead_runs}
    tps, actions = labels(sc, "en")
    for d in out["deviations"]:
        d["decision_label"], d["option_label"] = deviation_labels(d, tps, actions, "en")
    return out


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _targets(f: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for issue 20's targets."""
    p = f["players"]
    worst_bot = max(SURFACE_BOTS, key=lambda b: f["surface_gap"][b])
    gains = [d["score_gain"] for d in f["deviations"] if d["runs"]]
    return [
        (f"expert converts at least {EXPERT_MIN:.0%}", _pct(p["expert"]["conversion_rate"]),
         p["expert"]["conversion_rate"] >= EXPERT_MIN),
        (f"random converts at most {RANDOM_MAX:.0%}", _pct(p["random"]["conversion_rate"]),
         p["random"]["conversion_rate"] <= RANDOM_MAX),
        (f"no surface bot above random + {SURFACE_SLACK * 100:.0f} points",
         f"{NAMES[worst_bot]}: {100 * f['surface_gap'][worst_bot]:+.1f} points",
         all(g <= SURFACE_SLACK for g in f["surface_gap"].values())),
        (f"skill explains at least {SKILL_SHARE_TARGET} of the score's variance", f"{f['skill_share']:.2f}",
         f["skill_share"] >= SKILL_SHARE_TARGET),
        (f"random beats the expert on at most {BEATS_MAX:.0%} of seeds", _pct(f["random_beats_expert"]),
         f["random_beats_expert"] <= BEATS_MAX),
        ("no non-recommended option raises the expected score by more than 2 points",
         f"largest change {max(gains):+.1f}" if gains else "–", not gains or max(gains) <= 2.0),
    ]


def _pair(r: dict[str, Any], key: str, pct: bool = False, money: bool = False) -> str:
    a, b = r[key]
    if a is None or b is None:
        return "–"
    if pct:
        return f"{_pct(a)} / {_pct(b)}"
    return f"{a:,.0f} / {b:,.0f}" if money else f"{a:,.1f} / {b:,.1f}"


def case_page(f: dict[str, Any]) -> list[str]:
    """One case's section of the evidence page."""
    runs, seed = f["runs"], f["seed"]
    lines = [f"## `{f['scenario']}`: {f['title']}", "",
             f"{runs:,} seeded runs per player (seeds {seed}..{seed + runs - 1}); the one-deviation table on "
             f"{f['deviation_runs']} of them.", "",
             "| target (issue 20) | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {_ok(ok)} |" for t, m, ok in _targets(f)]
    lines += ["", "| player | conversion (95% interval) | mean score |", "|---|---|---|"]
    for name, p in f["players"].items():
        n = p.get("runs", runs)
        lo, hi = wilson_interval(round(p["conversion_rate"] * n), n)
        lines.append(f"| {NAMES[name]}{f' ({n} runs)' if n != runs else ''} | {_pct(p['conversion_rate'])} "
                     f"({_pct(lo)}–{_pct(hi)}) | {p['score_mean']:.1f} |")
    r = f["roadmap_vs_typical"]
    lines += ["", "The roadmap seller (expert) against the typical seller (fast, product-first, discount-happy):", "",
              "| conversion | satisfaction | cycle days (median of won) | churn of won | revenue per run | "
              "margin per run |", "|---|---|---|---|---|---|",
              f"| {_pair(r, 'conversion_rate', pct=True)} | {_pair(r, 'satisfaction_mean')} | "
              f"{_pair(r, 'cycle_days_median')} | {_pair(r, 'churn_mean', pct=True)} | "
              f"{_pair(r, 'revenue_mean', money=True)} | {_pair(r, 'margin_mean', money=True)} |"]
    if f["scenario"] in ARTICLE:
        lines += ["", f"The seed article's figure for this kind of case: {ARTICLE[f['scenario']]}."]
    offered = [d for d in f["deviations"] if d["runs"]]
    offered.sort(key=lambda d: -d["score_gain"])
    lines += ["", f"One deviation: expert play with one choice changed, paired with expert play on the same seeds "
              f"({len(offered)} options the expert's path meets; the least costly first).", "",
              "| decision | instead | runs | score change (95% interval) | win rate (expert's) | lost to |",
              "|---|---|---|---|---|---|"]
    for d in offered:
        losses = ", ".join(f"{k} {v}" for k, v in sorted(d["losses"].items(), key=lambda kv: -kv[1])) or "–"
        lines.append(f"| {d['decision_label']} | {d['option_label']} | {d['runs']} | {d['score_gain']:+.1f} "
                     f"({d['ci95'][0]:+.1f} .. {d['ci95'][1]:+.1f}) | {_pct(d['win_rate'], 0)} "
                     f"({_pct(d['expert_win_rate'], 0)}) | {losses} |")
    return lines


def write_doc(path: str, out: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    """The evidence page, written atomically."""
    ids = " ".join(out)
    lines = ["# The bundled cases: evidence that skill decides them", "",
             "Each bundled case is measured the way `touchpoint balance` and `touchpoint check` measure any case "
             "(the stepping API, seeded runs): whether the author's advice wins, whether random play or a "
             "surface cue (the longest text, the first option shown, the most or fewest days) can do as well, "
             "how much of the score skill explains, and what each single mistake costs. How to read these "
             "figures: [Teach judgment](../how-to/teach-judgment.md) and the instructor tutorial.", "",
             f"Generated on {datetime.date.today().isoformat()} by "
             f"`python benchmarks/skill_figures.py --runs {args.runs} --seed {args.seed} "
             f"--deviation-runs {args.deviation_runs} --lookahead-runs {args.lookahead_runs} --doc {path} {ids}`.", ""]
    for f in out.values():
        lines += [*case_page(f), ""]
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines).rstrip() + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*", help="scenario ids (default: every bundled one)")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deviation-runs", type=int, default=300)
    ap.add_argument("--lookahead-runs", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--doc", help="also write the evidence page (Markdown) to this file")
    args = ap.parse_args(argv)
    out = {}
    print(f"{args.runs} runs per player, seeds {args.seed}..{args.seed + args.runs - 1}\n")
    print("| scenario | expert | random | " + " | ".join(SURFACE_BOTS) + " | typical | skill share | random beats "
          "expert | cheapest deviation |")
    print("|---|---|---|" + "---|" * len(SURFACE_BOTS) + "---|---|---|---|")
    for sid in args.ids or bundled.scenario_ids():
        f = out[sid] = figures(sid, args.runs, args.seed, args.deviation_runs, args.lookahead_runs)
        c = {name: p["conversion_rate"] for name, p in f["players"].items()}
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
        print(f"| `{sid}` | {_pair(r, 'conversion_rate', pct=True)} | {_pair(r, 'satisfaction_mean')} | "
              f"{_pair(r, 'cycle_days_median')} | {_pair(r, 'churn_mean', pct=True)} | "
              f"{_pair(r, 'revenue_mean', money=True)} | {_pair(r, 'margin_mean', money=True)} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2, ensure_ascii=False)
    if args.doc:
        write_doc(args.doc, out, args)


if __name__ == "__main__":
    main()
