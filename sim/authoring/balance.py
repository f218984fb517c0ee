"""Is the case fair, and does skill decide it? The instructor's balance report (``touchpoint balance``).

Three bots play the scenario with the same seeds (run ``i`` uses seed ``S + i``): random (the
floor: a trainee who guesses), expert (follows the recommended actions) and lookahead (tries every
option with short rollouts: it finds better paths than the recommended one, if any).
:func:`balance` runs them and returns the report as JSON-ready numbers: for each bot, exactly the
summary ``touchpoint run --json`` prints for the same policy and seeds (conversion with its 95%
interval, satisfaction, cycle time, score, the stage funnel); for every touchpoint, each action's
pick rate and how the runs that picked it ended; and the verdict.

The verdict (:func:`verdict`) rests on these rules:

* the level: *too easy* when random play wins more than :data:`TOO_EASY_RANDOM` of its runs, else
  *too hard* when even the best bot wins less than :data:`TOO_HARD_BEST`, else *fair*;
* skill matters when the best bot's win rate is at least :data:`SMALL_SKILL_GAP` above random play's;
* the recommended path is the best one unless the lookahead's mean score beats the expert's by
  more than :data:`BETTER_PATH_POINTS`; the touchpoints where the lookahead leaves it (it picks an
  action that is not recommended in at least half of at least :data:`DEPART_MIN_DECISIONS`
  decisions there) are listed;
* the choices that decide the case: the actions whose random runs that picked them win most (or
  least) often compared with the random runs that reached their touchpoint without picking them,
  with at least :data:`DECIDING_MIN_RUNS` runs on each side; the five largest gaps.

The judgment section (:func:`judgment`, from :mod:`sim.authoring.judgment`) asks whether skill,
not a surface cue or the dice, decides the case: the surface bots (longest text, first shown, most
and fewest days) and a typical seller on the same seeds as random play, with the limit
:data:`sim.authoring.lint.SURFACE_SLACK`; the share of the score's variance that skill explains in
an equal expert/random pool (at least :data:`SKILL_SHARE_TARGET`); and the one-deviation table:
expert play with one choice changed, paired with expert play on the same seeds, so that the
author's advice can be checked against the model (no change may score better beyond noise).

:func:`verdict_lines` says the verdict in words (English or Chinese); :func:`render_text` lays the
report out for a terminal and :func:`render_html` as one self-contained web page with SVG charts.
"""

from __future__ import annotations

import base64
import html
import io
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from sim.authoring.analysis import Tally, run_policy
from sim.authoring.graph import condition_text
from sim.authoring.lint import stage_name
from sim.authoring.lookahead import lookahead_factory
from sim.lang.schema import STAGES
from sim.lang.text import pick, resolve
from sim.runs.policies import Policy

__all__ = [
    "BETTER_PATH_POINTS",
    "CSS",
    "DECIDING_MIN_RUNS",
    "DEPART_MIN_DECISIONS",
    "POLICIES",
    "SKILL_SHARE_TARGET",
    "SMALL_SKILL_GAP",
    "TOO_EASY_RANDOM",
    "TOO_HARD_BEST",
    "TWIN_CONDITION_CHARS",
    "WORDS",
    "DecidingChoice",
    "Departure",
    "balance",
    "deciding_choices",
    "deviation_labels",
    "judgment",
    "labels",
    "lookahead_departures",
    "render_html",
    "render_text",
    "say",
    "touchpoint_reports",
    "verdict",
    "verdict_lines",
]

#: The bots, in the order the report lists them.
POLICIES = ("random", "expert", "lookahead")

#: Verdict thresholds: random play should rarely win; the best bot should usually win.
TOO_EASY_RANDOM = 0.35
TOO_HARD_BEST = 0.5
SMALL_SKILL_GAP = 0.3
#: Actions need this many runs on each side (picked / not picked) to count as deciding.
DECIDING_MIN_RUNS = 10
#: A lookahead "departure" needs this many decisions at the touchpoint, most of them for a non-recommended action.
DEPART_MIN_DECISIONS = 3
#: The lookahead "beats" the recommended path when its mean score is higher by more than this.
BETTER_PATH_POINTS = 2.0
#: How many deciding choices the verdict lists.
DECIDING_SHOWN = 5
#: Skill should explain at least this share of the score's variance in an expert/random pool.
SKILL_SHARE_TARGET = 0.6
#: How many entries of the one-deviation table the terminal shows (JSON and HTML have them all).
DEVIATIONS_SHOWN = 12

#: The report's words, in English and Chinese.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Balance report: {title}", "平衡性报告：{title}"),
    "runs_line": ("{runs} runs per policy (seeds {first}..{last}); lookahead: {la} runs, {k} rollouts per option",
                  "每个策略{runs}次运行（种子{first}..{last}）；前瞻策略：{la}次运行，每个选项{k}次推演"),
    "policy": ("policy", "策略"),
    "random": ("random", "随机"),
    "expert": ("expert", "专家"),
    "lookahead": ("lookahead", "前瞻"),
    "runs": ("runs", "运行数"),
    "conversion": ("conversion", "赢单率"),
    "ci": ("95% interval", "95%置信区间"),
    "satisfaction": ("satisfaction", "满意度"),
    "cycle": ("cycle (days, median)", "周期（天，中位数）"),
    "score": ("score", "得分"),
    "pass_rate": ("pass rate", "通过率"),
    "funnel": ("Stage funnel (share of runs reaching each stage)", "阶段漏斗（到达各阶段的运行占比）"),
    "won": ("won", "赢单"),
    "verdict": ("Verdict", "结论"),
    "too_easy": ("Too easy: random play wins {r} of runs (more than {limit}); the case barely rewards skill.",
                 "太容易：随机选择就能赢下{r}的运行（超过{limit}），这个案例几乎不考验技能。"),
    "too_hard": ("Too hard: even the best bot ({best}) wins only {b} of runs.",
                 "太难：即使表现最好的机器人（{best}）也只赢下{b}的运行。"),
    "fair": ("Fair: the best bot ({best}) wins {b} of runs and random play {r}: skill decides this case.",
             "公平：表现最好的机器人（{best}）赢下{b}的运行，随机选择为{r}：技能决定这个案例的结果。"),
    "little_skill": ("Skill matters little: the best bot wins only {gap} points more often than random play.",
                     "技能作用不大：最好的机器人的赢单率只比随机选择高{gap}个百分点。"),
    "not_best": ("The recommended path is not the best: the lookahead scores {la} against the expert's {ex}.",
                 "推荐路线并非最佳：前瞻策略得分{la}，专家策略得分{ex}。"),
    "departs": ("Where the lookahead leaves the recommended path:", "前瞻策略偏离推荐路线的地方："),
    "departs_item": ("'{action}' at '{touchpoint}' (picked in {rate} of its decisions)",
                     "在“{touchpoint}”选择“{action}”（占该处决策的{rate}）"),
    "deciding": ("Choices that decide the case (random play: win rate when picked, and when not):",
                 "决定案例结果的选择（随机选择：选中时与未选时的赢单率）："),
    "deciding_item": ("'{action}' at '{touchpoint}': {win} when picked, {other} when not",
                      "在“{touchpoint}”选择“{action}”：选中时{win}，未选时{other}"),
    "touchpoints": ("Touchpoints: how each action was picked and how those runs ended",
                    "接触点：各行动的选择率，以及选择它的运行结果"),
    "action": ("action", "行动"),
    "pick": ("pick rate", "选择率"),
    "win_if": ("win rate if picked (random play)", "选中时赢单率（随机）"),
    "score_if": ("mean score if picked (random play)", "选中时平均得分（随机）"),
    "pick_of": ("{policy}: pick rate", "{policy}：选择率"),
    "reached": ("reached in {n} random runs", "随机策略中到达{n}次"),
    "tp_line": ("{title}  ({reached})", "{title}（{reached}）"),
    "chart_conversion": ("Conversion by policy (95% interval)", "各策略赢单率（95%置信区间）"),
    "chart_funnel": ("Stage funnel", "阶段漏斗"),
    "chart_deciding": ("Deciding choices (random play)", "决定性选择（随机策略）"),
    "picked": ("picked", "选中"),
    "not_picked": ("not picked", "未选"),
    "share": ("share of runs", "运行占比"),
    "win_rate": ("win rate", "赢单率"),
    "none": ("none", "无"),
    "judgment": ("Judgment: does skill decide the case? (the same {runs} seeds)",
                 "判断力：是技能在决定这个案例吗？（同样的{runs}个种子）"),
    "player": ("player", "玩家"),
    "vs_random": ("vs random", "比随机"),
    "longest": ("always the longest text", "总选最长文本"),
    "first": ("always the first shown", "总选第一个显示的"),
    "most_days": ("always the most days", "总选天数最多的"),
    "fewest_days": ("always the fewest days", "总选天数最少的"),
    "typical": ("typical seller", "典型销售"),
    "skill_share": ("Skill explains {share} of the score's variance (expert against random, target at least {target}); "
                    "random play beats the expert on {beats} of seeds.",
                    "技能解释了得分方差的{share}（专家对随机，目标至少{target}）；随机选择在{beats}的种子上胜过专家。"),
    "skill_share_low": ("Dice, not skill, decide too much: skill explains only {share} of the score's variance "
                        "(target at least {target}).",
                        "运气的作用太大：技能只解释了得分方差的{share}（目标至少{target}）。"),
    "surface_ok": ("No surface cue pays: every surface bot converts at most {limit} points above random play.",
                   "表面线索没有用：每个表面机器人的赢单率最多比随机选择高{limit}个百分点。"),
    "surface_bad": ("A surface cue decides the case: '{bot}' converts {rate} against random play's {random} "
                    "(the limit is random + {limit} points).",
                    "表面线索决定了案例：“{bot}”赢单率为{rate}，"
                    "而随机选择为{random}（上限为随机 + {limit}个百分点）。"),
    "deviations": ("One deviation: expert play with one choice changed ({runs} seeds, paired with the expert)",
                   "单步偏离：专家打法只改变一个选择（{runs}个种子，与专家配对比较）"),
    "decision": ("decision", "决策"),
    "option": ("instead", "改选"),
    "dev_runs": ("runs", "运行数"),
    "score_change": ("score change (95% interval)", "得分变化（95%区间）"),
    "win_vs": ("win rate (expert)", "赢单率（专家）"),
    "dev_more": ("... and {n} more (see --json or --html)", "……另有{n}项（见 --json 或 --html）"),
    "coach_ok": ("The model agrees with the coach: no single change from expert play scores more than {margin} "
                 "points better beyond noise.",
                 "模型与教练一致：偏离专家打法的任何单个改变都没有显著地多得超过{margin}分。"),
    "coach_blind": ("The model cannot tell these from the advice (under {tie} either way from expert play):",
                    "模型分不出这些选择与推荐打法的差别（与专家打法相差不到{tie}分）："),
    "coach_blind_item": ("'{action}' at '{touchpoint}': {gain} points", "在“{touchpoint}”改选“{action}”：{gain}分"),
    "coach_bad": ("The model contradicts the coach: '{action}' at '{touchpoint}' scores {gain} points more than "
                  "the recommended play (95% interval {lo} to {hi}).",
                  "模型与教练意见相矛盾：在“{touchpoint}”改选“{action}”比推荐打法多得{gain}分（95%区间{lo}到{hi}）。"),
    "surface_bots": ("surface bots", "表面机器人"),
    "one_deviation": ("one deviation", "单步偏离"),
    "agenda_of": ("agenda before '{title}'", "“{title}”前的议程"),
    "move_on": ("move on", "继续推进"),
    "never_offered": ("never offered on expert play", "专家打法中从未出现"),
}


def say(key: str, locale: str, **params: Any) -> str:
    """One of the report's :data:`WORDS` in the locale's language, with its ``{placeholders}`` filled."""
    return pick(WORDS[key], locale).format(**params)


# --- the numbers ----------------------------------------------------------------------------------------


class DecidingChoice(TypedDict):
    """An action of random play: how often the runs that picked it won, and the other runs that
    reached its touchpoint; ``gap`` is the difference."""

    account: str
    touchpoint: str
    action: str
    gap: float
    win_rate: float
    others_win_rate: float
    runs: int
    others_runs: int


class Departure(TypedDict):
    """A touchpoint where the lookahead mostly picks an action that is not recommended."""

    account: str
    touchpoint: str
    action: str
    pick_rate: float


def balance(scenario: Any, runs: int, seed: int = 0, lookahead_runs: int | None = None, rollouts: int = 4,
            progress: Callable[[str, int, int], None] | None = None,
            deviation_runs: int | None = None) -> dict[str, Any]:
    """Random, expert and lookahead runs with the same seeds, and what they say about the case.

    The random and expert summaries are exactly ``touchpoint run --json`` for the same seeds. The
    lookahead plays ``lookahead_runs`` runs (default: the smaller of ``runs`` and 20; 0 skips it).
    The judgment section plays the surface bots on the same seeds, and the one-deviation table on
    ``deviation_runs`` of them (default: the smaller of ``runs`` and the scenario's
    ``checks.deviation_runs``; 0 skips the table). ``progress(policy, done, total)`` is called
    after each run (or batch of runs).
    """
    la_runs = min(runs, 20) if lookahead_runs is None else lookahead_runs
    plan: list[tuple[str, str | Callable[[int], Policy], int]] = [("random", "random", runs),
                                                                   ("expert", "expert", runs)]
    if la_runs > 0:
        plan.append(("lookahead", lookahead_factory(scenario, rollouts=rollouts), la_runs))
    tallies: dict[str, Tally] = {}
    for name, policy, n in plan:
        tick = _ticker(progress, name, n) if progress is not None else None
        tallies[name] = run_policy(scenario, policy, n, seed, name=name, progress=tick)
    dev_runs = min(runs, scenario.spec.checks.deviation_runs) if deviation_runs is None else deviation_runs
    return {
        "scenario": scenario.id,
        "seed": seed,
        "runs": runs,
        "lookahead_runs": la_runs,
        "lookahead_rollouts": rollouts,
        "policies": {name: t.summary_dict() for name, t in tallies.items()},
        "touchpoints": touchpoint_reports(scenario, tallies),
        "verdict": verdict(tallies, scenario),
        "judgment": judgment(scenario, runs, seed, dev_runs, progress),
    }


def judgment(scenario: Any, runs: int, seed: int, deviation_runs: int,
             progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Whether skill decides the case: each player's conversion and mean score on the same seeds
    (expert, random, the surface bots, the typical seller), the skill share of the score's
    variance, and the one-deviation table (largest score gain first)."""
    from scoring.review import TIE
    from sim.authoring.judgment import SURFACE_BOTS, deviations, skill_report
    from sim.authoring.lint import SURFACE_SLACK

    players = 3 + len(SURFACE_BOTS)
    skill = skill_report(scenario, runs, seed,
                         progress=_batch_ticker(progress, "surface_bots", runs * players) if progress else None)
    n_alt = max(1, _count_alternatives(scenario))
    devs = deviations(scenario, deviation_runs, seed,
                      progress=_batch_ticker(progress, "one_deviation", deviation_runs * n_alt) if progress else None
                      ) if deviation_runs > 0 else []
    devs.sort(key=lambda d: (-d.score_gain if d.runs else math.inf, d.account, d.touchpoint, d.action))
    gaps = skill.surface_gap()
    return {
        "runs": runs,
        "players": {name: {"conversion_rate": round(skill.conversion[name], 4),
                           "score_mean": round(skill.score[name], 2)}
                    for name in ("expert", "random", *SURFACE_BOTS, "typical")},
        "skill_share": round(skill.skill_share, 4),
        "skill_share_target": SKILL_SHARE_TARGET,
        "random_beats_expert": round(skill.random_beats_expert, 4),
        "surface_gap": {b: round(g, 4) for b, g in gaps.items()},
        "surface_limit": SURFACE_SLACK,
        "surface_ok": all(g <= SURFACE_SLACK for g in gaps.values()),
        "deviation_runs": deviation_runs,
        "deviation_margin": scenario.spec.checks.deviation_margin,
        "tie": TIE,
        "deviations": [{"account": d.account, "touchpoint": d.touchpoint, "action": d.action, "runs": d.runs,
                        "score_gain": round(d.score_gain, 2), "ci95": [round(x, 2) for x in d.ci95],
                        "win_rate": round(d.win_rate, 4), "expert_win_rate": round(d.expert_win_rate, 4),
                        "beats_coach": d.beats_coach and d.score_gain > scenario.spec.checks.deviation_margin,
                        "losses": dict(sorted(d.losses.items()))} for d in devs],
    }


def _count_alternatives(scenario: Any) -> int:
    from sim.authoring.judgment import alternatives

    return sum(1 for _ in alternatives(scenario))


def _batch_ticker(progress: Callable[[str, int, int], None], name: str,
                  total: int) -> Callable[[int], None]:
    """A callback for work done in batches of runs: ``tick(n)`` adds ``n`` runs to the bar."""
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        progress(name, min(done[0], total), total)

    return tick


def _ticker(progress: Callable[[str, int, int], None], policy: str, total: int) -> Callable[[int], None]:
    """The per-run callback of one bot's runs, reporting to ``progress`` under the bot's name."""
    return lambda done: progress(policy, done, total)


def touchpoint_reports(scenario: Any, tallies: dict[str, Tally]) -> list[dict[str, Any]]:
    """Per touchpoint of the scenario (in order): its stage, recommended actions, and per bot how
    often each action was picked and how the runs that picked it ended."""
    reports = {name: {(r["account"], r["touchpoint"]): r for r in t.touchpoint_report()}
               for name, t in tallies.items()}
    out = []
    for acc in scenario.rules.accounts:
        for tp in acc.touchpoints.values():
            key = (acc.id, tp.id)
            out.append({
                "account": acc.id, "touchpoint": tp.id, "stage": tp.stage,
                "recommended": [a.id for a in tp.actions if a.recommended],
                "policies": {name: {k: v for k, v in rep[key].items() if k not in ("account", "touchpoint")}
                             for name, rep in reports.items()},
            })
    return out


def verdict(tallies: dict[str, Tally], scenario: Any) -> dict[str, Any]:
    """Too easy, fair or too hard, how much skill matters, and which choices decide the case."""
    rate = {name: (t.wins / t.runs if t.runs else 0.0) for name, t in tallies.items()}
    rnd = rate.get("random", 0.0)
    best_name = max((n for n in rate if n != "random"), key=lambda n: rate[n], default="random")
    best = rate[best_name]
    la = tallies.get("lookahead")
    return {
        "level": _level(rnd, best),
        "random_win_rate": round(rnd, 4),
        "best_policy": best_name,
        "best_win_rate": round(best, 4),
        "skill_gap": round(best - rnd, 4),
        "skill_matters": best - rnd >= SMALL_SKILL_GAP,
        "expert_is_best": _expert_is_best(tallies),
        "deciding": deciding_choices(tallies.get("random"))[:DECIDING_SHOWN],
        "lookahead_departs": lookahead_departures(la, scenario) if la is not None and la.runs else [],
    }


def _level(random_rate: float, best_rate: float) -> str:
    """``too_easy`` when random play wins too often, else ``too_hard`` when the best bot wins too
    rarely, else ``fair``."""
    if random_rate > TOO_EASY_RANDOM:
        return "too_easy"
    return "too_hard" if best_rate < TOO_HARD_BEST else "fair"


def _expert_is_best(tallies: dict[str, Tally]) -> bool:
    """Whether the recommended path is the best one found: no lookahead runs, or the lookahead's mean
    score is at most :data:`BETTER_PATH_POINTS` above the expert's."""
    la = tallies.get("lookahead")
    if la is None or not la.runs:
        return True
    score = {name: t.summary.as_dict()["score_mean"] for name, t in tallies.items()}
    return (score.get("lookahead") or 0.0) <= (score.get("expert") or 0.0) + BETTER_PATH_POINTS


def deciding_choices(random: Tally | None) -> list[DecidingChoice]:
    """Every action of random play with enough runs on both sides, the largest win-rate gap first
    (ties by account, touchpoint and action)."""
    if random is None:
        return []
    out: list[DecidingChoice] = []
    for (acc, tp), tt in random.touchpoints.items():
        for aid, a in tt.actions.items():
            other = tt.reached.minus(a.picked)
            if a.picked.runs >= DECIDING_MIN_RUNS and other.runs >= DECIDING_MIN_RUNS:
                win, other_win = a.picked.wins / a.picked.runs, other.wins / other.runs
                out.append({"account": acc, "touchpoint": tp, "action": aid, "gap": round(win - other_win, 4),
                            "win_rate": round(win, 4), "others_win_rate": round(other_win, 4),
                            "runs": a.picked.runs, "others_runs": other.runs})
    out.sort(key=lambda d: (-abs(d["gap"]), d["account"], d["touchpoint"], d["action"]))
    return out


def lookahead_departures(lookahead: Tally, scenario: Any) -> list[Departure]:
    """The touchpoints (with enough decisions) where the lookahead picks an action that is not
    recommended in at least half of its decisions."""
    recommended = {(a.id, tp.id, x.id) for a in scenario.rules.accounts for tp in a.touchpoints.values()
                   for x in tp.actions if x.recommended}
    out: list[Departure] = []
    for (acc, tp), tt in lookahead.touchpoints.items():
        if tt.decisions < DEPART_MIN_DECISIONS:
            continue
        for aid, a in tt.actions.items():
            if a.picks / tt.decisions >= 0.5 and (acc, tp, aid) not in recommended:
                out.append({"account": acc, "touchpoint": tp, "action": aid,
                            "pick_rate": round(a.picks / tt.decisions, 4)})
    return out


# --- words ----------------------------------------------------------------------------------------------

TpLabels = dict[tuple[str, str], str]  # (account, touchpoint) -> title
ActionLabels = dict[tuple[str, str, str], str]  # (account, touchpoint, action) -> label


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, nd: int = 1) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


#: The longest twin condition a label shows (a longer one is cut, with an ellipsis).
TWIN_CONDITION_CHARS = 48


def _clipped(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def labels(scenario: Any, locale: str) -> tuple[TpLabels, ActionLabels]:
    """Touchpoint titles and action labels in the locale, by (account, touchpoint[, action]).

    Twin actions (one label, offered in different states: complementary ``when:``) are one card
    to the trainee but two actions to the model; each label then says which twin it is, by its
    condition (``[when: days_left > 60]``), or by its id when it has none."""
    tps: TpLabels = {}
    actions: ActionLabels = {}
    for acc in scenario.spec.accounts:
        for tp in acc.touchpoints:
            tps[(acc.id, tp.id)] = resolve(tp.title, locale)
            shown = [resolve(a.label, locale) for a in tp.actions]
            for a, label in zip(tp.actions, shown, strict=True):
                if shown.count(label) > 1:
                    label += _twin_tag(a, acc, locale)
                actions[(acc.id, tp.id, a.id)] = label
    return tps, actions


def _twin_tag(action: Any, acc: Any, locale: str) -> str:
    """Which twin an action is: " [when: COND]" as written in English, "［仅当 条件］" in words in
    Chinese (:func:`sim.authoring.graph.condition_text`), cut to :data:`TWIN_CONDITION_CHARS`;
    its id when it has no condition."""
    if not locale.startswith("zh"):
        return f" [when: {_clipped(action.when, TWIN_CONDITION_CHARS)}]" if action.when else f" [{action.id}]"
    if not action.when:
        return f"［{action.id}］"
    return f"［仅当 {_clipped(condition_text(action.when, acc, locale), TWIN_CONDITION_CHARS)}］"


def verdict_lines(report: dict[str, Any], scenario: Any, locale: str) -> list[str]:
    """The verdict in plain words: too easy, fair or too hard, and which choices decide the case.

    Items of a list are lines starting with ``"  - "``."""
    v = report["verdict"]
    tps, actions = labels(scenario, locale)
    best = say(v["best_policy"], locale)
    lines = [say(v["level"], locale, r=_pct(v["random_win_rate"]), b=_pct(v["best_win_rate"]), best=best,
                 limit=_pct(TOO_EASY_RANDOM))]
    if not v["skill_matters"] and v["level"] != "too_easy":
        lines.append(say("little_skill", locale, gap=f"{100 * v['skill_gap']:.0f}"))
    if not v["expert_is_best"]:
        lines += _not_best_lines(report, tps, actions, locale)
    if "judgment" in report:
        lines += _judgment_verdict(report["judgment"], tps, actions, locale)
    if v["deciding"]:
        lines.append(say("deciding", locale))
        for d in v["deciding"]:
            lines.append("  - " + say("deciding_item", locale, action=actions[_action_key(d)],
                                      touchpoint=tps[(d["account"], d["touchpoint"])], win=_pct(d["win_rate"]),
                                      other=_pct(d["others_win_rate"])))
    return lines


def _judgment_verdict(j: dict[str, Any], tps: TpLabels, actions: ActionLabels, locale: str) -> list[str]:
    """Skill share, surface cues and the coach, in words."""
    share, target = _pct(j["skill_share"]), _pct(j["skill_share_target"])
    lines = [say("skill_share", locale, share=share, target=target, beats=_pct(j["random_beats_expert"]))]
    if j["skill_share"] < j["skill_share_target"]:
        lines.append(say("skill_share_low", locale, share=share, target=target))
    limit = f"{100 * j['surface_limit']:.0f}"
    bad = [b for b, g in j["surface_gap"].items() if g > j["surface_limit"]]
    for b in bad:
        lines.append(say("surface_bad", locale, bot=say(b, locale), rate=_pct(j["players"][b]["conversion_rate"]),
                         random=_pct(j["players"]["random"]["conversion_rate"]), limit=limit))
    if not bad:
        lines.append(say("surface_ok", locale, limit=limit))
    if j["deviation_runs"]:
        against = [d for d in j["deviations"] if d["beats_coach"]]
        for d in against:
            decision, option = deviation_labels(d, tps, actions, locale)
            lines.append(say("coach_bad", locale, action=option, touchpoint=decision, gain=f"{d['score_gain']:.1f}",
                             lo=f"{d['ci95'][0]:.1f}", hi=f"{d['ci95'][1]:.1f}"))
        if not against:
            lines.append(say("coach_ok", locale, margin=_num(j["deviation_margin"], 0)))
        blind = [d for d in j["deviations"] if d["runs"] and not d["beats_coach"] and -d["score_gain"] < j["tie"]]
        if blind:
            lines.append(say("coach_blind", locale, tie=_num(j["tie"], 0)))
            for d in blind:
                decision, option = deviation_labels(d, tps, actions, locale)
                lines.append("  - " + say("coach_blind_item", locale, action=option, touchpoint=decision,
                                          gain=f"{d['score_gain']:+.1f}"))
    return lines


def deviation_labels(d: Mapping[str, Any], tps: TpLabels, actions: ActionLabels, locale: str) -> tuple[str, str]:
    """The decision and the option of a one-deviation entry in words: a touchpoint's title and an
    action's label, or for an agenda, the meeting it starts with and the meeting taken first."""
    acc, where, option = d["account"], d["touchpoint"], d["action"]
    if where.startswith("agenda:"):
        first = where.split(":", 1)[1]
        decision = say("agenda_of", locale, title=tps.get((acc, first), first))
        return decision, say("move_on", locale) if option == "move_on" else tps.get((acc, option), option)
    return tps.get((acc, where), where), actions.get((acc, where, option), option)


def _deviation_rows(report: dict[str, Any], scenario: Any, locale: str,
                    limit: int | None = None) -> list[list[str]]:
    """Per one-deviation entry (largest gain first): decision, option, runs, score change with its
    interval, and win rate against the expert's on the same seeds."""
    tps, actions = labels(scenario, locale)
    rows = []
    for d in report["judgment"]["deviations"][:limit]:
        decision, option = deviation_labels(d, tps, actions, locale)
        if d["runs"]:
            change = f"{d['score_gain']:+.1f}" + _paren(f"{d['ci95'][0]:+.1f} .. {d['ci95'][1]:+.1f}", locale)
            wins = _pct(d["win_rate"]) + _paren(_pct(d["expert_win_rate"]), locale)
        else:
            change, wins = say("never_offered", locale), "-"
        rows.append([_short(decision, 34), _short(option, 40), str(d["runs"]), change, wins])
    return rows


def _paren(text: str, locale: str) -> str:
    """A table cell's aside in parentheses: " (text)" in English, "（text）" in Chinese."""
    return f"（{text}）" if locale.startswith("zh") else f" ({text})"


def _deviation_head(locale: str) -> list[str]:
    return [say(k, locale) for k in ("decision", "option", "dev_runs", "score_change", "win_vs")]


def _player_rows(report: dict[str, Any], locale: str) -> list[list[str]]:
    """Per player of the judgment section: conversion, mean score, and conversion against random."""
    players = report["judgment"]["players"]
    rnd = players["random"]["conversion_rate"]
    return [[say(name, locale), _pct(p["conversion_rate"]), _num(p["score_mean"]),
             "" if name == "random" else f"{100 * (p['conversion_rate'] - rnd):+.0f}"]
            for name, p in players.items()]


def _player_head(locale: str) -> list[str]:
    return [say(k, locale) for k in ("player", "conversion", "score", "vs_random")]


def _not_best_lines(report: dict[str, Any], tps: TpLabels, actions: ActionLabels, locale: str) -> list[str]:
    """The lookahead outscores the recommended path: by how much, and where it leaves the path."""
    pol = report["policies"]
    lines = [say("not_best", locale, la=_num(pol["lookahead"]["score_mean"]), ex=_num(pol["expert"]["score_mean"]))]
    departs = report["verdict"]["lookahead_departs"]
    if departs:
        lines.append(say("departs", locale))
        for d in departs:
            lines.append("  - " + say("departs_item", locale, action=actions[_action_key(d)],
                                      touchpoint=tps[(d["account"], d["touchpoint"])], rate=_pct(d["pick_rate"])))
    return lines


def _action_key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(account, touchpoint, action)`` of a deciding choice or a departure."""
    return (entry["account"], entry["touchpoint"], entry["action"])


# --- tables ---------------------------------------------------------------------------------------------


def _policies(report: dict[str, Any]) -> list[str]:
    """The bots that played, in :data:`POLICIES` order."""
    return [n for n in POLICIES if n in report["policies"]]


def _policy_head(locale: str) -> list[str]:
    return [say(k, locale) for k in ("policy", "runs", "conversion", "ci", "satisfaction", "cycle", "score",
                                     "pass_rate")]


def _policy_rows(report: dict[str, Any], locale: str) -> list[list[str]]:
    """Per bot: runs, conversion and its 95% interval, satisfaction, median cycle, score, pass rate."""
    rows = []
    for name in _policies(report):
        r = report["policies"][name]
        lo, hi = r["conversion_ci95"]
        rows.append([say(name, locale), str(r["runs"]), _pct(r["conversion_rate"]), f"{_pct(lo)}-{_pct(hi)}",
                     _num(r["satisfaction_mean"]), _num(r["cycle_days_median"]), _num(r["score_mean"]),
                     _pct(r["pass_rate"])])
    return rows


def _funnel_shares(summary: dict[str, Any]) -> list[float]:
    """The share of a bot's runs that reached each stage, then won (of the runs that started)."""
    total = max(1, summary["funnel"][STAGES[0]] or summary["runs"])
    return [summary["funnel"][k] / total for k in (*STAGES, "won")]


def _funnel_labels(locale: str) -> list[str]:
    return [stage_name(s, locale) for s in STAGES] + [say("won", locale)]


def _action_rows(tp: dict[str, Any], names: list[str]) -> list[tuple[tuple[str, str, str], bool, list[str]]]:
    """Per action of a touchpoint (in random play's order): its ``(account, touchpoint, action)``,
    whether it is recommended, and its cells after the label: each bot's pick rate, then the win
    rate and mean score of the random runs that picked it."""
    out = []
    for i, a in enumerate(tp["policies"]["random"]["actions"]):
        picks = [_pct(tp["policies"][n]["actions"][i]["pick_rate"]) for n in names]
        key = (tp["account"], tp["touchpoint"], a["action"])
        out.append((key, a["action"] in tp["recommended"], [*picks, _pct(a["win_rate"]), _num(a["score_mean"])]))
    return out


def _cells(text: str) -> int:
    """Terminal cells a text takes (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(head: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns for a terminal."""
    widths = [max(_cells(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c + " " * (widths[i] - _cells(c)) for i, c in enumerate(r)).rstrip()
                     for r in [head, *rows])


def _runs_line(report: dict[str, Any], locale: str) -> str:
    return say("runs_line", locale, runs=report["runs"], first=report["seed"], last=report["seed"] + report["runs"] - 1,
               la=report["lookahead_runs"], k=report["lookahead_rollouts"])


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --- the terminal ---------------------------------------------------------------------------------------


def render_text(report: dict[str, Any], scenario: Any, locale: str) -> str:
    """The report for a terminal (the verdict's words must be in ``report["verdict"]["text"]``)."""
    lines = [say("title", locale, title=resolve(scenario.spec.title, locale)), _runs_line(report, locale), ""]
    lines += [_table(_policy_head(locale), _policy_rows(report, locale)), ""]
    lines.append(say("funnel", locale))
    lines += _funnel_text(report, locale)
    lines += ["", say("verdict", locale)]
    lines += ["  " + x for x in report["verdict"]["text"]]
    if "judgment" in report:
        lines += ["", *_judgment_text(report, scenario, locale)]
    lines += ["", say("touchpoints", locale)]
    lines += _touchpoints_text(report, scenario, locale)
    return "\n".join(lines)


def _judgment_text(report: dict[str, Any], scenario: Any, locale: str) -> list[str]:
    """The players' table and the one-deviation table (its :data:`DEVIATIONS_SHOWN` largest gains)."""
    j = report["judgment"]
    lines = [say("judgment", locale, runs=j["runs"])]
    lines += ["  " + x for x in _table(_player_head(locale), _player_rows(report, locale)).splitlines()]
    if j["deviation_runs"] and j["deviations"]:
        lines += ["", say("deviations", locale, runs=j["deviation_runs"])]
        rows = _deviation_rows(report, scenario, locale, DEVIATIONS_SHOWN)
        lines += ["  " + x for x in _table(_deviation_head(locale), rows).splitlines()]
        more = len(j["deviations"]) - len(rows)
        if more > 0:
            lines.append("  " + say("dev_more", locale, n=more))
    return lines


def _funnel_text(report: dict[str, Any], locale: str) -> list[str]:
    head = [say("policy", locale), *_funnel_labels(locale)]
    rows = [[say(name, locale)] + [_pct(x) for x in _funnel_shares(report["policies"][name])]
            for name in _policies(report)]
    return ["  " + x for x in _table(head, rows).splitlines()]


def _touchpoints_text(report: dict[str, Any], scenario: Any, locale: str) -> list[str]:
    """Per touchpoint, a title line and a table of its actions (recommended ones starred)."""
    tps, actions = labels(scenario, locale)
    names = _policies(report)
    head = [say("action", locale)] + [f"{say(n, locale)} {say('pick', locale)}" for n in names] + [
        say("win_if", locale), say("score_if", locale)]
    lines = []
    for tp in report["touchpoints"]:
        where = (tp["account"], tp["touchpoint"])
        lines.append("  " + say("tp_line", locale, title=tps[where],
                                reached=say("reached", locale, n=tp["policies"]["random"]["runs_reached"])))
        rows = [[("★ " if rec else "  ") + _short(actions[key], 44), *cells]
                for key, rec, cells in _action_rows(tp, names)]
        lines += ["    " + x for x in _table(head, rows).splitlines()]
    return lines


# --- the web page ---------------------------------------------------------------------------------------

CSS = """
body{font-family:"Noto Sans SC","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.sub{color:#666}table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #eee;padding:.25em .7em;text-align:right}th{background:#f6f6f6}
td:first-child,th:first-child{text-align:left}.rec{color:#1d7a3a;font-weight:600}
.verdict{background:#fff8d6;border-left:4px solid #b08a1e;padding:.6em 1em}
.charts img{max-width:100%;margin:.4em 0}.tp{margin-top:1em}.tp h3{margin:.2em 0;font-size:1.02em}
"""
#: A cell of an HTML table: a text, or an action's label and whether it is recommended.
Cell = str | tuple[str, bool]
COLOURS = {"random": "#9e9e9e", "expert": "#1d7a3a", "lookahead": "#4a7fb5"}


def render_html(report: dict[str, Any], scenario: Any, locale: str,
                warn: Callable[[str], None] | None = None) -> str:
    """One self-contained HTML page: tables, the verdict, and SVG charts embedded as data URIs.

    ``warn(message)`` hears about charts that may not show right (no Chinese font)."""
    e = html.escape
    title = say("title", locale, title=resolve(scenario.spec.title, locale))
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if locale.startswith('zh') else 'en'}\"><head>"
             f"<meta charset=\"utf-8\"><title>{e(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p class=\"sub\">{e(_runs_line(report, locale))}</p>",
             f"<h2>{e(say('verdict', locale))}</h2><div class=\"verdict\">",
             *_verdict_html(report["verdict"]["text"]),
             "</div>",
             _html_table(_policy_head(locale), _policy_rows(report, locale)),
             "<div class=\"charts\">"]
    parts += [f"<img alt=\"{e(alt)}\" src=\"{uri}\">" for alt, uri in _charts(report, scenario, locale, warn)]
    parts.append("</div>")
    if "judgment" in report:
        j = report["judgment"]
        parts.append(f"<h2>{e(say('judgment', locale, runs=j['runs']))}</h2>")
        parts.append(_html_table(_player_head(locale), _player_rows(report, locale)))
        if j["deviation_runs"] and j["deviations"]:
            parts.append(f"<h3>{e(say('deviations', locale, runs=j['deviation_runs']))}</h3>")
            parts.append(_html_table(_deviation_head(locale), _deviation_rows(report, scenario, locale)))
    parts.append(f"<h2>{e(say('touchpoints', locale))}</h2>")
    parts += _touchpoints_html(report, scenario, locale)
    parts.append("</body></html>\n")
    return "".join(parts)


def _verdict_html(lines: list[str]) -> list[str]:
    """The verdict's lines as paragraphs, and its ``"  - "`` items as lists."""
    e = html.escape
    parts = []
    in_list = False
    for line in lines:
        item = line.startswith("  - ")
        if item != in_list:
            parts.append("<ul>" if item else "</ul>")
            in_list = item
        parts.append(f"<li>{e(line[4:])}</li>" if item else f"<p>{e(line)}</p>")
    if in_list:
        parts.append("</ul>")
    return parts


def _touchpoints_html(report: dict[str, Any], scenario: Any, locale: str) -> list[str]:
    """Per touchpoint, its title and a table of its actions (recommended ones starred and in green)."""
    e = html.escape
    tps, actions = labels(scenario, locale)
    names = _policies(report)
    head = [say("action", locale)] + [say("pick_of", locale, policy=say(n, locale)) for n in names] + [
        say("win_if", locale), say("score_if", locale)]
    parts = []
    for tp in report["touchpoints"]:
        where = (tp["account"], tp["touchpoint"])
        parts.append(f"<div class=\"tp\"><h3>{e(tps[where])}</h3>"
                     f"<span class=\"sub\">{e(say('reached', locale, n=tp['policies']['random']['runs_reached']))}"
                     "</span>")
        rows: list[list[Cell]] = [[(("★ " if rec else "") + actions[key], rec), *cells]
                                  for key, rec, cells in _action_rows(tp, names)]
        parts.append(_html_table(head, rows) + "</div>")
    return parts


def _html_table(head: list[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A table; a cell is a text, or ``(text, recommended)`` for an action's label."""
    e = html.escape
    out = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = []
        for c in row:
            if isinstance(c, tuple):
                text, rec = c
                cells.append(f"<td class=\"rec\">{e(text)}</td>" if rec else f"<td>{e(text)}</td>")
            else:
                cells.append(f"<td>{e(str(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


# --- charts ---------------------------------------------------------------------------------------------


def _fig_uri(fig: Any) -> str:
    """A figure as the data URI of an SVG (no timestamp, so the page is reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(report: dict[str, Any], scenario: Any, locale: str,
            warn: Callable[[str], None] | None) -> list[tuple[str, str]]:
    """The report's charts as (title, data URI of an SVG): conversion by bot, the stage funnel, and
    the deciding choices if there are any."""
    from scoring.charts import chart_style

    with chart_style(warn):
        out = [_conversion_chart(report, locale), _funnel_chart(report, locale)]
        if report["verdict"]["deciding"]:
            out.append(_deciding_chart(report, scenario, locale))
    return out


def _conversion_chart(report: dict[str, Any], locale: str) -> tuple[str, str]:
    """Each bot's win rate as a bar, with its 95% interval as error bars."""
    from matplotlib.figure import Figure

    names = _policies(report)
    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.add_subplot()
    rates = [report["policies"][n]["conversion_rate"] for n in names]
    los = [r - report["policies"][n]["conversion_ci95"][0] for r, n in zip(rates, names, strict=True)]
    his = [report["policies"][n]["conversion_ci95"][1] - r for r, n in zip(rates, names, strict=True)]
    ax.bar([say(n, locale) for n in names], rates, color=[COLOURS[n] for n in names], yerr=[los, his], capsize=6)
    for i, (r, up) in enumerate(zip(rates, his, strict=True)):
        ax.text(i + 0.08, r + up + 0.02, _pct(r), ha="left", fontsize=9)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel(say("win_rate", locale))
    ax.set_title(say("chart_conversion", locale))
    fig.tight_layout()
    return say("chart_conversion", locale), _fig_uri(fig)


def _funnel_chart(report: dict[str, Any], locale: str) -> tuple[str, str]:
    """Per bot, a line through the share of runs reaching each stage, then winning."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    labels = _funnel_labels(locale)
    for n in _policies(report):
        ax.plot(range(len(labels)), _funnel_shares(report["policies"][n]), marker="o", color=COLOURS[n],
                label=say(n, locale))
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(say("share", locale))
    ax.legend(fontsize=8)
    ax.set_title(say("chart_funnel", locale))
    fig.tight_layout()
    return say("chart_funnel", locale), _fig_uri(fig)


def _deciding_chart(report: dict[str, Any], scenario: Any, locale: str) -> tuple[str, str]:
    """Per deciding choice, the win rate of the random runs that picked it and of those that did not."""
    from matplotlib.figure import Figure

    _, actions = labels(scenario, locale)
    deciding = report["verdict"]["deciding"]
    fig = Figure(figsize=(8, 0.55 * len(deciding) + 1.2))
    ax = fig.add_subplot()
    ys = range(len(deciding))
    ax.barh([y + 0.2 for y in ys], [d["win_rate"] for d in deciding], height=0.4, color="#4a7fb5",
            label=say("picked", locale))
    ax.barh([y - 0.2 for y in ys], [d["others_win_rate"] for d in deciding], height=0.4, color="#cfcfcf",
            label=say("not_picked", locale))
    ax.set_yticks(list(ys), [_short(actions[_action_key(d)], 38) for d in deciding], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(say("win_rate", locale))
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(say("chart_deciding", locale))
    fig.tight_layout()
    return say("chart_deciding", locale), _fig_uri(fig)
