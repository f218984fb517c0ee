"""The cohort report: one self-contained HTML file for the debrief (works offline, projects well).

What it shows, per scenario, over every verified attempt: the cohort summary, the score histogram,
the sales funnel (where in the roadmap deals were lost, and why), satisfaction against the day each
deal was decided, and for every touchpoint which actions the cohort chose and how those runs ended
(the author's recommended action marked). Then a sortable table of trainees (the graded attempts).

With ``grade --review``, each scenario also shows a heatmap of the points each trainee gave up at each
touchpoint (their graded attempt) and the five costliest decisions across the class with the coach's
text, from the review's priced decisions kept in the gradebook.

It is built only from the merged :class:`scoring.grading.Aggregate` counts and the gradebook's rows,
so it costs the same memory for 100 logs or 100,000. Charts are matplotlib SVG embedded inline, made
deterministic (``svg.hashsalt``, no date) so the same logs give the same file byte for byte. Text is
in the scenario's language; Chinese in charts needs a CJK font, taken from ``assets/fonts/`` when it
is there; without one the charts fall back to English (the page itself stays in Chinese).
"""

from __future__ import annotations

import html
import io
import math
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoring.charts import cjk_family
from scoring.gradebook import LOSS_REASON_NAMES, Gradebook, fmt, ui_locale
from scoring.grading import REJECTED_STATUSES, SAT_BIN, SCORE_BIN, Aggregate, Q, reason_text
from scoring.safe import escape_controls
from sim.lang.schema import STAGES
from sim.lang.text import REVIEW_CLASS_NAMES, STAGE_NAMES, resolve

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["STAGE_NAMES", "STRINGS", "write_report", "write_report_file"]

_STAGES: dict[str, tuple[str, str]] = {
    **{key: (names["en"], names["zh"]) for key, names in STAGE_NAMES.items()},
    "won": ("Won", "赢单"),
}

#: Every string of the page, in English and Chinese.
_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("Cohort report", "班级报告"),
    "attempts": ("Verified attempts", "已校验的尝试"),
    "trainees": ("Trainees graded", "已评分学员"),
    "pass_rate": ("Pass rate", "通过率"),
    "conversion": ("Conversion rate", "赢单率"),
    "satisfaction": ("Mean satisfaction", "平均满意度"),
    "score": ("Mean score", "平均得分"),
    "cycle": ("Mean cycle time (won)", "平均成交周期（赢单）"),
    "minutes": ("Mean time played", "平均用时"),
    "incomplete": ("Incomplete attempts", "未完成的尝试"),
    "invalid": ("Rejected logs", "未通过校验的日志"),
    "missing": ("Trainees without a log", "未交日志的学员"),
    "days": ("days", "天"),
    "min": ("min", "分钟"),
    "passing": ("{p} of {n} trainees pass (graded attempt)", "{n}名学员中{p}名通过（按计分尝试）"),
    "over": ("Figures over all {n} verified attempts; each trainee is graded on their {mode} attempt.",
             "以下数字统计全部{n}次已校验的尝试；每名学员的成绩取其{mode}一次尝试。"),
    "mode_best": ("best", "最好的"),
    "mode_last": ("last", "最后"),
    "mode_all": ("every", "每"),
    "hist": ("Score distribution", "得分分布"),
    "hist_x": ("score", "得分"),
    "hist_y": ("attempts", "尝试次数"),
    "pass_mark": ("pass mark", "及格线"),
    "funnel": ("Sales funnel: where deals were lost", "销售漏斗：在哪里丢单"),
    "funnel_x": ("deals (account-runs)", "商机数（客户×尝试）"),
    "reached": ("reached", "到达"),
    "lost_here": ("lost here", "在此丢单"),
    "quit_here": ("stopped here (incomplete)", "在此中止（未完成）"),
    "scatter": ("Satisfaction against cycle time", "满意度与成交周期"),
    "scatter_x": ("day the deal was decided", "商机结束的天数"),
    "scatter_y": ("satisfaction", "满意度"),
    "won": ("won", "赢单"),
    "lost": ("lost", "丢单"),
    "target": ("target", "目标"),
    "max": ("limit", "上限"),
    "lost_table": ("Lost deals by stage and reason", "按阶段和原因统计的丢单"),
    "stage": ("Stage", "阶段"),
    "reason": ("Reason", "原因"),
    "deals": ("Deals", "商机数"),
    "touchpoints": ("Touchpoints: what the cohort chose", "关键接触点：学员的选择"),
    "action": ("Action", "行动"),
    "picks": ("Chosen", "选择次数"),
    "share": ("Share", "占比"),
    "outcome_won": ("Won", "赢单"),
    "outcome_lost": ("Lost", "丢单"),
    "outcome_open": ("Incomplete", "未完成"),
    "recommended": ("recommended", "推荐"),
    "paren": ("({x})", "（{x}）"),
    "colon": (": ", "："),
    "unnamed": ("unnamed:", "未署名："),
    "not_reached": ("No attempt reached this touchpoint.", "没有尝试到达这个接触点。"),
    "table": ("Trainees", "学员"),
    "t_trainee": ("Trainee", "学号"),
    "t_name": ("Name", "姓名"),
    "t_section": ("Section", "班级"),
    "t_scenario": ("Scenario", "场景"),
    "t_status": ("Status", "状态"),
    "t_result": ("Result", "结果"),
    "t_score": ("Score", "得分"),
    "t_grade": ("Grade", "等级"),
    "t_sat": ("Satisfaction", "满意度"),
    "t_cycle": ("Cycle days", "成交天数"),
    "t_decisions": ("Decisions", "决策数"),
    "t_attempts": ("Attempts", "尝试次数"),
    "t_minutes": ("Minutes", "用时（分钟）"),
    "t_reason": ("Note", "说明"),
    "sort_hint": ("Click a column heading to sort.", "点击列标题排序。"),
    "none": ("No verified attempts.", "没有已校验的尝试。"),
    "status_complete": ("complete", "完成"),
    "status_incomplete": ("incomplete", "未完成"),
    "status_invalid": ("rejected", "未通过校验"),
    "status_error": ("error", "出错"),
    "status_wrong-seed": ("wrong seed", "种子不符"),
    "review": ("Decision review: where points were lost", "决策复盘：在哪里失分"),
    "review_note": ("Points each trainee's graded attempt gave up at each touchpoint (expected points against "
                    "the best option, played out in other worlds).",
                    "每名学员的计分尝试在各接触点放弃的预期分（与最佳选项相比，在其他世界中推演）。"),
    "review_more": ("The {k} of {n} trainees who gave up the most points.", "放弃预期分最多的{k}名学员（共{n}名）。"),
    "heat_x": ("touchpoint", "接触点"),
    "heat_y": ("trainee", "学员"),
    "heat_bar": ("points given up", "放弃的预期分"),
    "costliest": ("The five costliest decisions in the class", "全班代价最大的五个决策"),
    "c_decision": ("Decision", "决策"),
    "c_chosen": ("Chosen", "所选"),
    "c_lost": ("Points given up", "放弃的预期分"),
    "c_class": ("Class", "评级"),
    "c_best": ("Best option", "最佳选项"),
    "c_coach": ("The coach said", "教练点评"),
    "agenda": ("what to do next", "下一步做什么"),
    "focus": ("which account", "先跟进哪个客户"),
    "move_on": ("Move on", "继续推进"),
    "t_accuracy": ("Accuracy", "决策准确度"),
    "t_expected": ("Expected", "预期得分"),
    "t_luck": ("Luck", "运气"),
    "status_missing": ("missing", "缺交"),
    "result_won": ("won", "赢单"),
    "result_lost": ("lost", "丢单"),
    "result_open": ("open", "进行中"),
}
STAGE_NAMES = {lang: {k: v[i] for k, v in _STAGES.items()} for i, lang in enumerate(("en", "zh"))}
STRINGS = {lang: {k: v[i] for k, v in _STRINGS.items()} for i, lang in enumerate(("en", "zh"))}

_CSS = """
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:2em auto;
max-width:1200px;padding:0 1em;color:#1d2733;line-height:1.45}
h1{font-size:1.8em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #dde3ea;padding-bottom:.2em}
h3{margin:1.2em 0 .3em}.sub{color:#5b6b7c}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{background:#f3f6f9;border-radius:8px;padding:.7em 1em;min-width:10em}
.card b{display:block;font-size:1.6em}.card span{color:#5b6b7c;font-size:.9em}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{flex:1 1 520px}svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:.95em}th,td{padding:.25em .6em;text-align:left;
border-bottom:1px solid #e4e9ef}td.n,th.n{text-align:right}th{background:#f3f6f9}
table.sortable th{cursor:pointer;user-select:none}table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}.rec{color:#1b7f3b;font-weight:bold}
.bar{display:inline-block;height:.8em;background:#4a78b5;vertical-align:middle;margin-right:.4em}
.st-invalid{color:#b3261e}.st-missing{color:#8a6d00}.st-incomplete{color:#5b6b7c}
@media print{.chart{page-break-inside:avoid}}
"""

_JS = """
document.querySelectorAll('table.sortable').forEach(function(table){
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,i){th.addEventListener('click',function(){
    var asc=th.dataset.dir!=='asc';Array.prototype.forEach.call(heads,function(h){h.dataset.dir='';});
    th.dataset.dir=asc?'asc':'desc';var num=th.classList.contains('n');var body=table.tBodies[0];
    var lang=document.documentElement.lang;
    var rows=Array.prototype.slice.call(body.rows).map(function(r,k){var c=r.cells[i];
      var v=c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;
      return {r:r,k:k,v:num?(v===''?-Infinity:parseFloat(v)):v};});
    rows.sort(function(a,b){var d=num?(a.v<b.v?-1:a.v>b.v?1:0):String(a.v).localeCompare(String(b.v),lang);
      return (asc?d:-d)||a.k-b.k;});
    var frag=document.createDocumentFragment();rows.forEach(function(x){frag.appendChild(x.r);});
    body.appendChild(frag);});});
});
"""


def _e(text: Any) -> str:
    return html.escape(escape_controls("" if text is None else str(text)), quote=True)


# --- fonts and charts -------------------------------------------------------------------------------------


class _Charts:
    """Deterministic SVG charts in one language (falls back to English without a CJK font)."""

    def __init__(self, locale: str) -> None:
        self.font = cjk_family()
        self.lang = locale if (locale == "en" or self.font) else "en"
        self.t = STRINGS[self.lang]
        families = ["DejaVu Sans"] + ([self.font] if self.font else [])
        # a list of families: matplotlib falls back glyph by glyph (Latin in DejaVu, hanzi in Noto)
        self.rc: dict[RcKeyType, Any] = {
            "svg.hashsalt": "touchpoint-report", "svg.fonttype": "path", "font.family": families,
            "axes.spines.top": False, "axes.spines.right": False, "font.size": 10, "path.simplify": True,
        }

    def _svg(self, fig: Any) -> str:
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
        text = buf.getvalue()
        return text[text.index("<svg"):]

    def _figure(self, w: float, h: float) -> Any:
        from matplotlib.figure import Figure

        return Figure(figsize=(w, h))

    def render(self, draw: Any, *args: Any) -> str:
        import matplotlib

        with matplotlib.rc_context(self.rc), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing glyph must not spam the terminal
            return draw(*args)

    def histogram(self, agg: Aggregate, pass_mark: float) -> str:
        def draw() -> str:
            fig = self._figure(6.4, 3.4)
            ax = fig.add_subplot()
            n_bins = 100 // SCORE_BIN
            xs = [i * SCORE_BIN for i in range(n_bins)]
            ys = [agg.score_bins.get(i, 0) for i in range(n_bins)]
            colors = ["#3f8f5a" if x >= pass_mark else "#9aa8b8" for x in xs]
            ax.bar(xs, ys, width=SCORE_BIN * 0.92, align="edge", color=colors)
            ax.axvline(pass_mark, color="#b3261e", linestyle="--", linewidth=1.2)
            top = max(ys) if any(ys) else 1
            ax.text(pass_mark + 0.8, top * 0.95, self.t["pass_mark"], color="#b3261e", va="top")
            ax.set_xlim(0, 100)
            ax.set_xlabel(self.t["hist_x"])
            ax.set_ylabel(self.t["hist_y"])
            ax.yaxis.get_major_locator().set_params(integer=True)
            return self._svg(fig)

        return self.render(draw)

    def funnel(self, agg: Aggregate, stages: list[str]) -> str:
        def draw() -> str:
            names = STAGE_NAMES[self.lang]
            keys = [*stages, "won"]
            fig = self._figure(6.4, 0.5 * len(keys) + 1.0)
            ax = fig.add_subplot()
            ys = list(range(len(keys)))[::-1]
            reached = [agg.funnel.get(k, 0) for k in keys]
            lost = [sum(v for (s, _), v in agg.lost_at.items() if s == k) for k in keys]
            quit_ = [agg.quit_at.get(k, 0) for k in keys]
            ax.barh(ys, reached, color=["#4a78b5"] * len(stages) + ["#3f8f5a"], label=self.t["reached"])
            # the deals that drop out at a stage: the right-hand end of its bar
            ax.barh(ys, lost, left=[r - lo - q for r, lo, q in zip(reached, lost, quit_, strict=True)],
                    color="#c8553d", label=self.t["lost_here"])
            if any(quit_):
                ax.barh(ys, quit_, left=[r - q for r, q in zip(reached, quit_, strict=True)], color="#b8c2cc",
                        label=self.t["quit_here"])
            total = max(1, agg.account_runs)
            for y, r in zip(ys, reached, strict=True):
                ax.text(r, y, f" {r} ({100 * r / total:.0f}%)", va="center", fontsize=9)
            ax.set_yticks(ys, [names.get(k, k) for k in keys])
            ax.set_xlim(0, max([*reached, 1]) * 1.25)
            ax.set_xlabel(self.t["funnel_x"])
            ax.legend(loc="lower right", frameon=False, fontsize=8)
            return self._svg(fig)

        return self.render(draw)

    def scatter(self, agg: Aggregate, target: float, limit: float) -> str:
        def draw() -> str:
            fig = self._figure(6.4, 3.6)
            ax = fig.add_subplot()
            biggest = max(agg.scatter.values(), default=1)
            for result, color, marker in (("won", "#3f8f5a", "o"), ("lost", "#c8553d", "X")):
                pts = sorted((d, s, n) for (r, d, s), n in agg.scatter.items() if r == result)
                if not pts:
                    continue
                ax.scatter([p[0] for p in pts], [p[1] + SAT_BIN / 2 for p in pts],
                           s=[16 + 260 * math.sqrt(p[2] / biggest) for p in pts], c=color, marker=marker,
                           alpha=0.6, linewidths=0, label=self.t[result])
            ax.axvline(target, color="#5b6b7c", linestyle=":", linewidth=1)
            ax.axvline(limit, color="#5b6b7c", linestyle="--", linewidth=1)
            ax.text(target, 101, self.t["target"], ha="center", fontsize=8, color="#5b6b7c")
            ax.text(limit, 101, self.t["max"], ha="center", fontsize=8, color="#5b6b7c")
            ax.set_ylim(0, 105)
            ax.set_xlim(left=0)
            ax.set_xlabel(self.t["scatter_x"])
            ax.set_ylabel(self.t["scatter_y"])
            if agg.scatter:
                ax.legend(loc="lower right", frameon=False, fontsize=8, markerscale=0.6)
            return self._svg(fig)

        return self.render(draw)


    def heatmap(self, rows: list[str], cols: list[str], values: list[list[float]]) -> str:
        """Points given up: one row per trainee, one column per touchpoint (white: none, dark red: most)."""

        def draw() -> str:
            fig = self._figure(min(16.0, 2.2 + 0.55 * len(cols)), min(24.0, 1.4 + 0.28 * len(rows)))
            ax = fig.add_subplot()
            top = max((v for row in values for v in row), default=0.0) or 1.0
            image = ax.imshow(values, cmap="Reds", vmin=0.0, vmax=top, aspect="auto", interpolation="nearest")
            ax.set_xticks(range(len(cols)), cols, rotation=40, ha="right", fontsize=8)
            ax.set_yticks(range(len(rows)), rows, fontsize=8)
            ax.set_xlabel(self.t["heat_x"])
            ax.set_ylabel(self.t["heat_y"])
            if len(rows) * len(cols) <= 600:
                for i, row in enumerate(values):
                    for j, v in enumerate(row):
                        if v >= 0.5:
                            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7,
                                    color="white" if v > top * 0.6 else "#1d2733")
            fig.colorbar(image, ax=ax, label=self.t["heat_bar"], fraction=0.04, pad=0.02)
            return self._svg(fig)

        return self.render(draw)


# --- the page ---------------------------------------------------------------------------------------------


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.1f}%" if den else "-"


def _mean_q(total_q: int, n: int, digits: int = 1) -> str:
    return f"{total_q / Q / n:.{digits}f}" if n else "-"


def _stages_used(scenario: Any) -> list[str]:
    used = {key for acc in scenario.spec.accounts for key in acc.stages}
    return [s for s in STAGES if s in used]


def _touchpoint_tables(out: TextIO, agg: Aggregate, scenario: Any, locale: str, t: dict[str, str]) -> None:
    picks: dict[tuple[str, str], Counter] = {}
    for (account, tp, action, outcome), n in agg.choices.items():
        picks.setdefault((account, tp), Counter())[(action, outcome)] += n
    names = STAGE_NAMES[ui_locale(locale)]
    several = len(scenario.spec.accounts) > 1
    for acc in scenario.spec.accounts:
        if several:
            out.write(f"<h3>{_e(resolve(acc.persona.company, locale))}</h3>\n")
        for tp in acc.touchpoints:
            counts = picks.get((acc.id, tp.id), Counter())
            total = sum(counts.values())
            stage = names.get(tp.stage, tp.stage)
            title = _e(resolve(tp.title, locale))
            out.write(f"<h3>{title} <span class=sub>· {_e(stage)} · {total}</span></h3>\n")
            if not total:
                out.write(f"<p class=sub>{_e(t['not_reached'])}</p>\n")
                continue
            out.write(f"<table><thead><tr><th>{_e(t['action'])}</th><th class=n>{_e(t['picks'])}</th>"
                      f"<th>{_e(t['share'])}</th><th class=n>{_e(t['outcome_won'])}</th>"
                      f"<th class=n>{_e(t['outcome_lost'])}</th><th class=n>{_e(t['outcome_open'])}</th>"
                      "</tr></thead><tbody>\n")
            for action in tp.actions:
                n = sum(v for (a, _), v in counts.items() if a == action.id)
                label = _e(resolve(action.label, locale))
                if action.recommended:
                    label = (f"<span class=rec>★ {label}</span> "
                             f"<span class=sub>{_e(t['paren'].format(x=t['recommended']))}</span>")
                width = round(160 * n / total) if total else 0
                out.write(
                    f"<tr><td>{label}</td><td class=n>{n}</td>"
                    f"<td><span class=bar style=\"width:{width}px\"></span>{_pct(n, total)}</td>"
                    f"<td class=n>{_pct(counts.get((action.id, 'won'), 0), n)}</td>"
                    f"<td class=n>{_pct(counts.get((action.id, 'lost'), 0), n)}</td>"
                    f"<td class=n>{_pct(counts.get((action.id, 'open'), 0), n)}</td></tr>\n")
            out.write("</tbody></table>\n")


#: The most trainees the review heatmap shows (those who gave up the most points).
HEATMAP_ROWS = 40


def _column(key: str) -> str:
    """The heatmap column of a decision: its touchpoint, the account's agenda, or the choice of account."""
    if key == "focus":
        return "focus"
    account, _, rest = key.partition("/")
    return f"{account}/agenda" if rest.startswith("agenda:") else key


def _columns(scenario: Any, locale: str, t: dict[str, str]) -> dict[str, str]:
    """Heatmap columns in the scenario's order, with their labels."""
    several = len(scenario.spec.accounts) > 1
    cols = {"focus": t["focus"]} if several else {}
    for acc in scenario.spec.accounts:
        prefix = resolve(acc.persona.company, locale) + t["colon"] if several else ""
        cols[f"{acc.id}/agenda"] = prefix + t["agenda"]
        for tp in acc.touchpoints:
            cols[f"{acc.id}/{tp.id}"] = prefix + resolve(tp.title, locale)
    return cols


def _option_text(scenario: Any, key: str, option: str, locale: str, t: dict[str, str]) -> tuple[str, str]:
    """What the trainee read for an option, and the coach's feedback on it (the default variant)."""
    if key == "focus":
        acc = next((a for a in scenario.spec.accounts if a.id == option), None)
        return (resolve(acc.persona.company, locale) if acc is not None else option), ""
    account, _, rest = key.partition("/")
    acc = next((a for a in scenario.spec.accounts if a.id == account), None)
    if acc is None:
        return option, ""
    if rest.startswith("agenda:"):
        if option == "move_on":
            return t["move_on"], ""
        tp = next((x for x in acc.touchpoints if x.id == option), None)
        return (resolve(tp.title, locale) if tp is not None else option), ""
    tp = next((x for x in acc.touchpoints if x.id == rest), None)
    action = next((a for a in tp.actions if a.id == option), None) if tp is not None else None
    if action is None:
        return option, ""
    feedback = action.feedback
    if isinstance(feedback, list):
        feedback = feedback[-1].text if feedback else None
    return resolve(action.label, locale), resolve(feedback, locale) if feedback is not None else ""


def _review_section(out: TextIO, book: Gradebook, sid: str, scenario: Any, charts: _Charts, locale: str,
                    attempts: str) -> None:
    """The heatmap of points given up per trainee and touchpoint, and the class's costliest decisions."""
    t = STRINGS[ui_locale(locale)]
    losses = book.losses(sid, "best" if attempts == "all" else attempts, t["unnamed"])
    classes = {k: names[ui_locale(locale)] for k, names in REVIEW_CLASS_NAMES.items()}
    costly = book.costliest(sid, 5)
    if not losses and not costly:
        return
    out.write(f"<h2>{_e(t['review'])}</h2><p class=sub>{_e(t['review_note'])}</p>\n")
    if losses:
        labels = _columns(scenario, locale, t)
        per: dict[str, dict[str, float]] = {}
        for trainee, key, lost in losses:
            col = _column(key)
            row = per.setdefault(trainee, {})
            row[col] = row.get(col, 0.0) + lost
        used = [c for c in labels if any(c in row for row in per.values())]
        used += sorted({c for row in per.values() for c in row} - set(used))
        people = sorted(per)
        if len(people) > HEATMAP_ROWS:
            out.write(f"<p class=sub>{_e(t['review_more'].format(k=HEATMAP_ROWS, n=len(people)))}</p>\n")
            people = sorted(sorted(people, key=lambda p: (-round(sum(per[p].values()), 6), p))[:HEATMAP_ROWS])
        values = [[round(per[p].get(c, 0.0), 6) for c in used] for p in people]
        out.write("<div class=chart>" + charts.heatmap([escape_controls(p) for p in people],
                                                       [labels.get(c, c) for c in used], values) + "</div>\n")
    if costly:
        out.write(f"<h3>{_e(t['costliest'])}</h3><table><thead><tr><th>{_e(t['t_trainee'])}</th>"
                  f"<th>{_e(t['c_decision'])}</th><th>{_e(t['c_chosen'])}</th><th class=n>{_e(t['c_lost'])}</th>"
                  f"<th>{_e(t['c_class'])}</th><th>{_e(t['c_best'])}</th><th>{_e(t['c_coach'])}</th>"
                  "</tr></thead><tbody>\n")
        labels = _columns(scenario, locale, t)
        for c in costly:
            chosen, coach = _option_text(scenario, c["key"], c["chosen"], locale, t)
            best, _ = _option_text(scenario, c["key"], c["best"], locale, t)
            who = c["trainee"] or t["unnamed"] + c["file"]
            klass = classes.get(c["klass"], c["klass"])
            out.write(f"<tr><td>{_e(who)}</td><td>{_e(labels.get(_column(c['key']), c['key']))}</td>"
                      f"<td>{_e(chosen)}</td><td class=n>{c['lost']:.1f}</td><td>{_e(klass)}</td>"
                      f"<td>{_e(best)}</td><td>{_e(coach)}</td></tr>\n")
        out.write("</tbody></table>\n")


def _scenario_section(out: TextIO, sid: str, agg: Aggregate, scenario: Any, book_stats: dict[str, Any],
                      charts: _Charts, locale: str, attempts: str, book: Gradebook | None = None) -> None:
    t = STRINGS[ui_locale(locale)]
    spec = scenario.spec
    rubric = spec.rubric
    out.write(f"<section id=\"{_e(sid)}\"><h2>{_e(resolve(spec.title, locale))}</h2>\n")
    mode = t[f"mode_{attempts}"]
    out.write(f"<p class=sub>{_e(t['over'].format(n=agg.attempts, mode=mode))}</p>\n")
    trainees, passing = book_stats.get(sid, (0, 0))
    cards = [
        (str(agg.attempts), t["attempts"]),
        (str(trainees), t["trainees"]),
        (_pct(agg.passed, agg.attempts), t["pass_rate"]),
        (_pct(agg.won, agg.attempts), t["conversion"]),
        (_mean_q(agg.satisfaction_q, agg.attempts), t["satisfaction"]),
        (_mean_q(agg.score_q, agg.attempts), t["score"]),
        (_mean_q(agg.cycle_q, agg.cycle_n) + (" " + t["days"] if agg.cycle_n else ""), t["cycle"]),
        (_mean_q(agg.wall_q, agg.wall_n * 60) + (" " + t["min"] if agg.wall_n else ""), t["minutes"]),
        (str(agg.attempts - agg.complete), t["incomplete"]),
    ]
    out.write("<div class=cards>" + "".join(f"<div class=card><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                                            for v, k in cards) + "</div>\n")
    out.write(f"<p>{_e(t['passing'].format(p=passing, n=trainees))}</p>\n")
    if not agg.attempts:
        out.write(f"<p>{_e(t['none'])}</p></section>\n")
        return
    out.write("<div class=charts>")
    out.write(f"<div class=chart><h3>{_e(t['hist'])}</h3>{charts.histogram(agg, rubric.pass_mark)}</div>")
    funnel = charts.funnel(agg, _stages_used(scenario))
    out.write(f"<div class=chart><h3>{_e(t['funnel'])}</h3>{funnel}</div>")
    out.write(f"<div class=chart><h3>{_e(t['scatter'])}</h3>"
              f"{charts.scatter(agg, rubric.target_days, rubric.max_days)}</div>")
    out.write("</div>\n")
    if agg.lost_at:
        names = STAGE_NAMES[ui_locale(locale)]
        reasons = LOSS_REASON_NAMES[ui_locale(locale)]
        out.write(f"<h3>{_e(t['lost_table'])}</h3><table><thead><tr><th>{_e(t['stage'])}</th>"
                  f"<th>{_e(t['reason'])}</th><th class=n>{_e(t['deals'])}</th></tr></thead><tbody>\n")
        order = {s: i for i, s in enumerate(STAGES)}
        for (stage, reason), n in sorted(agg.lost_at.items(), key=lambda kv: (order.get(kv[0][0], 99), -kv[1],
                                                                              kv[0][1])):
            out.write(f"<tr><td>{_e(names.get(stage, stage))}</td><td>{_e(reasons.get(reason, reason))}</td>"
                      f"<td class=n>{n}</td></tr>\n")
        out.write("</tbody></table>\n")
    if book is not None:
        _review_section(out, book, sid, scenario, charts, locale, attempts)
    out.write(f"<h2>{_e(t['touchpoints'])}</h2>\n")
    _touchpoint_tables(out, agg, scenario, locale, t)
    out.write("</section>\n")


def _table_rows(rows: Iterator[dict[str, Any]], titles: dict[str, str], several: bool, t: dict[str, str],
                review: bool = False, locale: str = "en") -> Iterator[str]:
    for r in rows:
        status = r["status"]
        cells = [
            f"<td>{_e(r['trainee'])}</td>", f"<td>{_e(r['name'])}</td>", f"<td>{_e(r['section'])}</td>",
        ]
        if several:
            cells.append(f"<td>{_e(titles.get(r['scenario'], r['scenario']))}</td>")
        minutes = None if r["wall_s"] is None else r["wall_s"] / 60.0
        result = t.get(f"result_{r['result']}", "") if r["result"] else ""
        cells += [
            f"<td class=\"st-{_e(status)}\">{_e(t.get('status_' + status, status))}</td>",
            f"<td>{_e(result)}</td>",
            f"<td class=n data-v=\"{fmt(r['score'])}\">{fmt(r['score'], 1)}</td>",
            f"<td>{_e(r['grade'])}</td>",
            *([f"<td class=n data-v=\"{fmt(r['accuracy'])}\">{fmt(r['accuracy'], 0)}</td>",
               f"<td class=n data-v=\"{fmt(r['expected'])}\">{fmt(r['expected'], 1)}</td>",
               f"<td class=n data-v=\"{fmt(r['luck'])}\">{fmt(r['luck'], 1)}</td>"] if review else []),
            f"<td class=n data-v=\"{fmt(r['satisfaction'])}\">{fmt(r['satisfaction'], 1)}</td>",
            f"<td class=n data-v=\"{fmt(r['cycle_days'])}\">{fmt(r['cycle_days'], 1)}</td>",
            f"<td class=n>{'' if r['decisions'] is None else r['decisions']}</td>",
            f"<td class=n>{r['n_attempts'] or ''}</td>",
            f"<td class=n data-v=\"{fmt(minutes)}\">{fmt(minutes, 1)}</td>",
            f"<td>{_e(reason_text(r['reason'], r.get('reason_codes') or '', locale, status))}</td>",
        ]
        yield "<tr>" + "".join(cells) + "</tr>\n"


def write_report(out: TextIO, book: Gradebook, aggregates: dict[str, Aggregate], scenarios: dict[str, Any],
                 locale: str, attempts: str = "best", counts: dict[str, int] | None = None) -> None:
    """Write the whole HTML page to ``out`` (the trainee table streams from the gradebook)."""
    ui = ui_locale(locale)
    t = STRINGS[ui]
    book.locale = ui
    counts = counts or {}
    sids = book.scenarios()
    titles = {sid: resolve(scenarios[sid].spec.title, locale) for sid in sids}
    charts = _Charts(ui)
    stats = book.trainee_stats(attempts)
    heading = t["title"] + (t["colon"] + titles[sids[0]] if len(sids) == 1 else "")
    out.write(f"<!DOCTYPE html>\n<html lang=\"{_e(locale)}\"><head><meta charset=\"utf-8\">"
              "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
              f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>\n<h1>{_e(heading)}</h1>\n")
    rejected = sum(counts.get(k, 0) for k in REJECTED_STATUSES)
    extra = [(rejected, t["invalid"]), (counts.get("missing", 0), t["missing"])]
    out.write("<div class=cards>" + "".join(f"<div class=card><b>{n}</b><span>{_e(k)}</span></div>"
                                            for n, k in extra) + "</div>\n")
    for sid in sids:
        agg = aggregates.get(sid, Aggregate())
        _scenario_section(out, sid, agg, scenarios[sid], stats, charts, locale, attempts, book)
    several = len(sids) > 1
    heads = [("t_trainee", ""), ("t_name", ""), ("t_section", "")]
    heads += [("t_scenario", "")] if several else []
    review = book.has_review()
    heads += [("t_status", ""), ("t_result", ""), ("t_score", "n"), ("t_grade", "")]
    heads += [("t_accuracy", "n"), ("t_expected", "n"), ("t_luck", "n")] if review else []
    heads += [("t_sat", "n"),
              ("t_cycle", "n"), ("t_decisions", "n"), ("t_attempts", "n"), ("t_minutes", "n"),
              ("t_reason", "")]
    out.write(f"<h2>{_e(t['table'])}</h2><p class=sub>{_e(t['sort_hint'])}</p>\n"
              "<table class=sortable><thead><tr>"
              + "".join(f"<th class=\"{c}\">{_e(t[k])}</th>" for k, c in heads) + "</tr></thead><tbody>\n")
    for line in _table_rows(book.plain_rows(attempts), titles, several, t, review, ui):
        out.write(line)
    out.write(f"</tbody></table>\n<script>{_JS}</script>\n</body></html>\n")


def write_report_file(path: str | Path, *args: Any, **kwargs: Any) -> None:
    """Write the report to ``path`` atomically (a failure leaves the previous file as it was)."""
    from scoring.safe import atomic_output

    with atomic_output(path) as f:
        write_report(f, *args, **kwargs)

