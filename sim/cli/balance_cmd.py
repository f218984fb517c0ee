"""``touchpoint balance SCENARIO``: is the case fair, and does skill decide it?

Three bots play the scenario with the same seeds (run ``i`` uses seed ``S + i``): random (the
floor: a trainee who guesses), expert (follows the recommended actions) and lookahead (tries every
option with short rollouts: it finds better paths than the recommended one, if any). For each:
conversion with its 95% interval, satisfaction, cycle time and score; for every touchpoint, each
action's pick rate and how the runs that picked it ended; the stage funnel; and a verdict in plain
words. ``--json`` prints the numbers (the random and expert summaries are exactly those of
``touchpoint run --json`` for the same seeds); ``--html FILE`` writes a self-contained report.

Exit 0 when the report was made, 2 for a usage error or a scenario that cannot be loaded.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import sys
import unicodedata
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, load, positive_int, print_json, seed_int
from sim.lang.text import pick

POLICIES = ("random", "expert", "lookahead")

SAY: dict[str, tuple[str, str]] = {
    "title": ("Balance report: {title}", "平衡性报告：{title}"),
    "runs_line": ("{runs} runs per policy (seeds {first}..{last}); lookahead: {la} runs, {k} rollouts per option",
                  "每个策略{runs}次运行（种子{first}..{last}）；前瞻策略：{la}次运行，每个选项{k}次推演"),
    "policy": ("policy", "策略"),
    "random": ("random", "随机"),
    "expert": ("expert", "专家"),
    "lookahead": ("lookahead", "前瞻"),
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
    "wrote": ("wrote {path}", "已写入 {path}"),
    "cannot": ("cannot write {path}: {why}", "无法写入 {path}：{why}"),
    "progress": ("{policy} runs", "{policy}运行"),
    "none": ("none", "无"),
}


def say(key: str, locale: str, **params: Any) -> str:
    return pick(SAY[key], locale).format(**params)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("balance", help="is the case fair, and does skill decide it? (random, expert, lookahead bots)",
                       description="Play the scenario with random, expert and lookahead bots on the same seeds and "
                                   "report conversion, satisfaction, cycle time, score, per-touchpoint choices, the "
                                   "stage funnel and a verdict.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--runs", type=positive_int, default=200, help="runs per policy (default 200)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the first run (default 0)")
    p.add_argument("--lookahead-runs", type=seed_int, default=None, metavar="M",
                   help="runs of the (slower) lookahead bot (default: the smaller of --runs and 20; 0 skips it)")
    p.add_argument("--rollouts", type=positive_int, default=4, metavar="K",
                   help="lookahead rollouts per option and decision (default 4)")
    p.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report with charts")
    p.add_argument("--locale", choices=("en", "zh"), default="en", help="language of the report (en, zh)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.authoring.analysis import balance

    scenario = load(args.scenario)
    progress = _progress(args.locale) if sys.stderr.isatty() else None
    try:
        report = balance(scenario, args.runs, args.seed, args.lookahead_runs, args.rollouts, progress)
    finally:
        if progress is not None:
            progress.close()  # type: ignore[attr-defined]
    report["verdict"]["text"] = verdict_lines(report, scenario, args.locale)
    if args.html is not None:
        try:
            args.html.write_text(render_html(report, scenario, args.locale), encoding="utf-8")
        except OSError as err:
            raise CliError(say("cannot", args.locale, path=args.html, why=err.strerror or err)) from None
        print(say("wrote", args.locale, path=args.html), file=sys.stderr)
    if args.json:
        print_json(report)
    elif args.html is None:
        print(render_text(report, scenario, args.locale))
    return 0


def _progress(locale: str) -> Any:
    """A tqdm bar per policy on a terminal (the lookahead can take a while)."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def tick(policy: str, done: int, total: int) -> None:
        if policy not in bars:
            for bar in bars.values():
                bar.close()
            bars[policy] = tqdm(total=total, desc=say("progress", locale, policy=say(policy, locale)),
                                file=sys.stderr, leave=False)
        bars[policy].update(1)

    tick.close = lambda: [b.close() for b in bars.values()]  # type: ignore[attr-defined]
    return tick


# --- words ---------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, nd: int = 1) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _labels(scenario: Any, locale: str) -> tuple[dict, dict]:
    """Touchpoint titles and action labels in the locale, by (account, touchpoint[, action])."""
    from sim.lang.text import resolve

    tps, actions = {}, {}
    for acc in scenario.spec.accounts:
        for tp in acc.touchpoints:
            tps[(acc.id, tp.id)] = resolve(tp.title, locale)
            for a in tp.actions:
                actions[(acc.id, tp.id, a.id)] = resolve(a.label, locale)
    return tps, actions


def verdict_lines(report: dict, scenario: Any, locale: str) -> list[str]:
    """The verdict in plain words: too easy, fair or too hard, and which choices decide the case."""
    from sim.authoring.analysis import TOO_EASY_RANDOM

    v = report["verdict"]
    tps, actions = _labels(scenario, locale)
    best = say(v["best_policy"], locale)
    lines = [say(v["level"], locale, r=_pct(v["random_win_rate"]), b=_pct(v["best_win_rate"]), best=best,
                 limit=_pct(TOO_EASY_RANDOM))]
    if not v["skill_matters"] and v["level"] != "too_easy":
        lines.append(say("little_skill", locale, gap=f"{100 * v['skill_gap']:.0f}"))
    pol = report["policies"]
    if not v["expert_is_best"]:
        lines.append(say("not_best", locale, la=_num(pol["lookahead"]["score_mean"]),
                         ex=_num(pol["expert"]["score_mean"])))
        if v["lookahead_departs"]:
            lines.append(say("departs", locale))
            for d in v["lookahead_departs"]:
                where = (d["account"], d["touchpoint"])
                lines.append("  - " + say("departs_item", locale, action=actions[(*where, d["action"])],
                                          touchpoint=tps[where], rate=_pct(d["pick_rate"])))
    if v["deciding"]:
        lines.append(say("deciding", locale))
        for d in v["deciding"]:
            where = (d["account"], d["touchpoint"])
            lines.append("  - " + say("deciding_item", locale, action=actions[(*where, d["action"])],
                                      touchpoint=tps[where], win=_pct(d["win_rate"]),
                                      other=_pct(d["others_win_rate"])))
    return lines


def _policy_rows(report: dict, locale: str) -> list[list[str]]:
    rows = []
    for name in POLICIES:
        r = report["policies"].get(name)
        if r is None:
            continue
        lo, hi = r["conversion_ci95"]
        rows.append([say(name, locale), str(r["runs"]), _pct(r["conversion_rate"]), f"{_pct(lo)}-{_pct(hi)}",
                     _num(r["satisfaction_mean"]), _num(r["cycle_days_median"]), _num(r["score_mean"]),
                     _pct(r["pass_rate"])])
    return rows


def _policy_head(locale: str) -> list[str]:
    return [say(k, locale) for k in ("policy",)] + ["runs" if not locale.startswith("zh") else "运行数"] + [
        say(k, locale) for k in ("conversion", "ci", "satisfaction", "cycle", "score", "pass_rate")]


def _cells(text: str) -> int:
    """Terminal cells a text takes (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(head: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns for a terminal."""
    widths = [max(_cells(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c + " " * (widths[i] - _cells(c)) for i, c in enumerate(r)).rstrip()
                     for r in [head, *rows])


def _runs_line(report: dict, locale: str) -> str:
    return say("runs_line", locale, runs=report["runs"], first=report["seed"], last=report["seed"] + report["runs"] - 1,
               la=report["lookahead_runs"], k=report["lookahead_rollouts"])


def render_text(report: dict, scenario: Any, locale: str) -> str:
    """The report for a terminal."""
    from sim.lang.text import resolve

    tps, actions = _labels(scenario, locale)
    lines = [say("title", locale, title=resolve(scenario.spec.title, locale)), _runs_line(report, locale), ""]
    lines += [_table(_policy_head(locale), _policy_rows(report, locale)), ""]
    lines.append(say("funnel", locale))
    lines += _funnel_text(report, locale)
    lines += ["", say("verdict", locale)]
    lines += ["  " + x for x in report["verdict"]["text"]]
    lines += ["", say("touchpoints", locale)]
    names = [n for n in POLICIES if n in report["policies"]]
    for tp in report["touchpoints"]:
        rnd = tp["policies"]["random"]
        lines.append("  " + say("tp_line", locale, title=tps[(tp["account"], tp["touchpoint"])],
                                reached=say("reached", locale, n=rnd["runs_reached"])))
        head = [say("action", locale)] + [f"{say(n, locale)} {say('pick', locale)}" for n in names] + [
            say("win_if", locale), say("score_if", locale)]
        rows = []
        for i, a in enumerate(rnd["actions"]):
            label = ("★ " if a["action"] in tp["recommended"] else "  ") + _short(
                actions[(tp["account"], tp["touchpoint"], a["action"])], 44)
            picks = [_pct(tp["policies"][n]["actions"][i]["pick_rate"]) for n in names]
            rows.append([label, *picks, _pct(a["win_rate"]), _num(a["score_mean"])])
        lines += ["    " + x for x in _table(head, rows).splitlines()]
    return "\n".join(lines)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _funnel_text(report: dict, locale: str) -> list[str]:
    from sim.authoring.lint import stage_name
    from sim.lang.schema import STAGES

    head = [say("policy", locale)] + [stage_name(s, locale) for s in STAGES] + [say("won", locale)]
    rows = []
    for name in POLICIES:
        r = report["policies"].get(name)
        if r is None:
            continue
        total = max(1, r["funnel"][STAGES[0]] or r["runs"])
        rows.append([say(name, locale)] + [_pct(r["funnel"][k] / total) for k in (*STAGES, "won")])
    return ["  " + x for x in _table(head, rows).splitlines()]


# --- HTML ----------------------------------------------------------------------------------------------

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


def _fig_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(report: dict, scenario: Any, locale: str) -> list[tuple[str, str]]:
    """The report's charts as (title, data URI of an SVG)."""
    from matplotlib.figure import Figure

    from scoring.charts import chart_style
    from sim.authoring.lint import stage_name
    from sim.lang.schema import STAGES

    _, actions = _labels(scenario, locale)
    names = [n for n in POLICIES if n in report["policies"]]
    colours = {"random": "#9e9e9e", "expert": "#1d7a3a", "lookahead": "#4a7fb5"}
    out = []
    with chart_style(lambda m: print(f"touchpoint balance: warning: {m}", file=sys.stderr)):
        fig = Figure(figsize=(6.5, 3.2))
        ax = fig.add_subplot()
        rates = [report["policies"][n]["conversion_rate"] for n in names]
        los = [r - report["policies"][n]["conversion_ci95"][0] for r, n in zip(rates, names, strict=True)]
        his = [report["policies"][n]["conversion_ci95"][1] - r for r, n in zip(rates, names, strict=True)]
        ax.bar([say(n, locale) for n in names], rates, color=[colours[n] for n in names], yerr=[los, his],
               capsize=6)
        for i, (r, up) in enumerate(zip(rates, his, strict=True)):
            ax.text(i + 0.08, r + up + 0.02, _pct(r), ha="left", fontsize=9)
        ax.set_ylim(0, 1.15)
        ax.set_ylabel(say("win_rate", locale))
        ax.set_title(say("chart_conversion", locale))
        fig.tight_layout()
        out.append((say("chart_conversion", locale), _fig_uri(fig)))

        fig = Figure(figsize=(8, 3.4))
        ax = fig.add_subplot()
        keys = [*STAGES, "won"]
        for n in names:
            r = report["policies"][n]
            total = max(1, r["funnel"][STAGES[0]] or r["runs"])
            ax.plot(range(len(keys)), [r["funnel"][k] / total for k in keys], marker="o", color=colours[n],
                    label=say(n, locale))
        ax.set_xticks(range(len(keys)), [stage_name(k, locale) if k != "won" else say("won", locale) for k in keys],
                      fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(say("share", locale))
        ax.legend(fontsize=8)
        ax.set_title(say("chart_funnel", locale))
        fig.tight_layout()
        out.append((say("chart_funnel", locale), _fig_uri(fig)))

        deciding = report["verdict"]["deciding"]
        if deciding:
            fig = Figure(figsize=(8, 0.55 * len(deciding) + 1.2))
            ax = fig.add_subplot()
            ys = range(len(deciding))
            ax.barh([y + 0.2 for y in ys], [d["win_rate"] for d in deciding], height=0.4, color="#4a7fb5",
                    label=say("picked", locale))
            ax.barh([y - 0.2 for y in ys], [d["others_win_rate"] for d in deciding], height=0.4, color="#cfcfcf",
                    label=say("not_picked", locale))
            ax.set_yticks(list(ys), [_short(actions[(d["account"], d["touchpoint"], d["action"])], 38)
                                     for d in deciding], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, 1)
            ax.set_xlabel(say("win_rate", locale))
            ax.legend(fontsize=8, loc="lower right")
            ax.set_title(say("chart_deciding", locale))
            fig.tight_layout()
            out.append((say("chart_deciding", locale), _fig_uri(fig)))
    return out


def render_html(report: dict, scenario: Any, locale: str) -> str:
    """One self-contained HTML page: tables, the verdict, and SVG charts embedded as data URIs."""
    from sim.lang.text import resolve

    e = html.escape
    tps, actions = _labels(scenario, locale)
    title = say("title", locale, title=resolve(scenario.spec.title, locale))
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if locale.startswith('zh') else 'en'}\"><head>"
             f"<meta charset=\"utf-8\"><title>{e(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p class=\"sub\">{e(_runs_line(report, locale))}</p>",
             f"<h2>{e(say('verdict', locale))}</h2><div class=\"verdict\">"]
    in_list = False
    for line in report["verdict"]["text"]:
        if line.startswith("  - "):
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{e(line[4:])}</li>")
        else:
            if in_list:
                parts.append("</ul>")
                in_list = False
            parts.append(f"<p>{e(line)}</p>")
    if in_list:
        parts.append("</ul>")
    parts.append("</div>")
    parts.append(_html_table(_policy_head(locale), _policy_rows(report, locale)))
    parts.append("<div class=\"charts\">")
    for alt, uri in _charts(report, scenario, locale):
        parts.append(f"<img alt=\"{e(alt)}\" src=\"{uri}\">")
    parts.append("</div>")
    parts.append(f"<h2>{e(say('touchpoints', locale))}</h2>")
    names = [n for n in POLICIES if n in report["policies"]]
    for tp in report["touchpoints"]:
        rnd = tp["policies"]["random"]
        parts.append(f"<div class=\"tp\"><h3>{e(tps[(tp['account'], tp['touchpoint'])])}</h3>"
                     f"<span class=\"sub\">{e(say('reached', locale, n=rnd['runs_reached']))}</span>")
        head = [say("action", locale)] + [say("pick_of", locale, policy=say(n, locale)) for n in names] + [
            say("win_if", locale), say("score_if", locale)]
        rows = []
        for i, a in enumerate(rnd["actions"]):
            rec = a["action"] in tp["recommended"]
            label = actions[(tp["account"], tp["touchpoint"], a["action"])]
            rows.append([(("★ " if rec else "") + label, rec)] + [
                _pct(tp["policies"][n]["actions"][i]["pick_rate"]) for n in names] + [
                _pct(a["win_rate"]), _num(a["score_mean"])])
        parts.append(_html_table(head, rows) + "</div>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _html_table(head: list[str], rows: list[list[Any]]) -> str:
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
