"""Draw a scenario as a roadmap: what an instructor checks before class, on one page.

For each account (one for a case, several for a pipeline) the five roadmap stages are columns;
each stage's touchpoints are cards in the order the buyer meets them, listing their actions
(the recommended ones starred and in green, with their days); chevrons between the columns show
the gate to pass (the one before after-sales is the close). Below, a timeline shows the buyer's
clock: scripted events on their day, the deadline, and the rubric's target and limit days.

Each action shows the seller's days and, when the buyer then takes time of its own (``wait_days``:
a pilot running), the buyer's days too. Conditions (gates, a touchpoint's or an action's ``when``)
are shown in words in Chinese (:func:`condition_text`: 信息 ≥ 40, the flags' own labels, people by
name, facts, actions and terms by their labels, touchpoints by their titles) and as written in
English, but for the deal's numbers and the functions of facts, actions, touchpoints and terms
(``known(lin)`` reads "Lin Hao known", ``chose(x)`` reads 'chose "the action's label"').

Everything is laid out in inches on one matplotlib axes, so card heights follow their text and a
scenario of 60 touchpoints simply makes a taller figure. Text is wrapped at whole words by measured
width (a Chinese character is one em); only a word longer than a whole line is cut, and a gate's
condition is set small enough that its longest word fits. Chinese needs a CJK font: the bundled Noto Sans SC
subset in ``assets/fonts`` if present, else a CJK font matplotlib already knows, else matplotlib's
default with a warning (Chinese then shows as empty boxes).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from scoring.charts import chart_style, cjk_family  # re-exported for callers (see __all__)
from sim.lang.schema import STAGES
from sim.lang.text import STAGE_NAMES, pick, resolve

__all__ = [
    "ACTION_PT",
    "BULLET",
    "COLORS",
    "COL_W",
    "COND_INDENT",
    "COND_PT",
    "COND_WORDS",
    "COND_WORDS_EN",
    "GAP",
    "GREEN",
    "GREY",
    "INK",
    "LABEL_W",
    "LEVEL_H",
    "LINE",
    "MARGIN",
    "META_PT",
    "PAD",
    "STAGE_WORDS",
    "TITLE_PT",
    "WORDS",
    "chart_style",
    "cjk_family",
    "condition_text",
    "figure",
    "fit_size",
    "render",
    "save",
    "stage_title",
    "text_width",
    "word",
    "wrap",
]


def save(fig: Any, path: Path, dpi: int = 110) -> None:
    """Write a figure as SVG or PNG (by suffix), without timestamps so output is reproducible."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        fig.savefig(path, format="svg", metadata={"Date": None})
    elif suffix == ".png":
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    else:
        raise ValueError(f"unsupported image type {path.suffix!r}: use .svg or .png")


# --- text measuring ---------------------------------------------------------------------------------------

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
#: A token: one wide (Chinese) character, a whole word with its trailing spaces (``pain_acknowledged``
#: is one word: lines never break inside it), or spaces.
#: Chinese punctuation that may not begin a line: the character before it goes down with it.
_NO_LINE_START = "，。、；：？！）】」』”’％"
_TOKEN = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+\s*|\s+")


@cache
def _advance(c: str, bold: bool, fonts: tuple[str, ...]) -> float:
    """Advance of one narrow character in ems, measured with the chart font (cached)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=list(fonts), size=100, weight="bold" if bold else "normal")
    if c == " ":  # a lone space measures as nothing: measure it between two letters
        return _advance_pair(prop) / 100
    return TextToPath().get_text_width_height_descent(c, prop, ismath=False)[0] / 100


def _advance_pair(prop: Any) -> float:
    from matplotlib.textpath import TextToPath

    ttp = TextToPath()
    return ttp.get_text_width_height_descent("x x", prop, ismath=False)[0] - 2 * ttp.get_text_width_height_descent(
        "x", prop, ismath=False)[0]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in inches of ``text`` at ``size`` points in the current chart font (wide characters are
    one em; the others are measured once each)."""
    import matplotlib

    fonts = tuple(matplotlib.rcParams["font.sans-serif"])
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else _advance(c, bold, fonts) for c in text)
    return ems * size / 72


def wrap(text: str, width: float, size: float, max_lines: int = 0, bold: bool = False) -> list[str]:
    """Greedy wrap to ``width`` inches: Latin breaks between whole words, Chinese between any
    characters; only a word longer than a whole line is cut (after a '_' in it if one fits, else
    where the line is full). Beyond ``max_lines`` the last line ends in '…'."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = last = ""  # the line so far, and its last token
        for tok in _TOKEN.findall(" ".join(para.split())):
            if line and text_width(line + tok.rstrip(), size, bold) > width:
                carry = ""
                glued = tok[0] in _NO_LINE_START and last.strip() == last != "" and line.endswith(last)
                if glued and len(last) < len(line):  # a line never starts with '：' or '，': its word goes too
                    line, carry = line[:-len(last)], last
                lines.append(line.rstrip())
                line = carry + tok.lstrip()
            else:
                line += tok
            last = tok
            while text_width(line.rstrip(), size, bold) > width and len(line) > 1:  # a word longer than a line
                cut = len(line) - 1
                while cut > 1 and text_width(line[:cut], size, bold) > width:
                    cut -= 1
                under = line.rfind("_", 0, cut)
                cut = under + 1 if under > 0 else cut
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def fit_size(text: str, width: float, size: float, min_size: float = 5.0, bold: bool = False) -> float:
    """The largest font size, at most ``size`` and at least ``min_size``, at which every word of
    ``text`` fits on a line ``width`` inches wide (so :func:`wrap` never has to cut one)."""
    words = [w for w in _TOKEN.findall(" ".join(text.split())) if w.strip()]
    widest = max((text_width(w.rstrip(), size, bold) for w in words), default=0.0)
    if widest <= width:
        return size
    return max(min_size, size * width / widest * 0.999)


# --- words -------------------------------------------------------------------------------------------------

#: The stages' names, as column titles.
STAGE_WORDS: dict[str, tuple[str, str]] = {s: (names["en"], names["zh"]) for s, names in STAGE_NAMES.items()}
#: Every other text of the roadmap, in English and Chinese.
WORDS: dict[str, tuple[str, str]] = {
    "not_used": ("not used by this buyer", "此客户不经过该阶段"),
    "gate": ("gate", "关卡"),
    "always": ("always", "无条件"),
    "close": ("the close", "成交"),
    "veto": ("vetoes: {who}", "可否决：{who}"),
    "when": ("only if {cond}", "仅当 {cond}"),
    "repeat": ("may repeat ×{n}", "可重复 {n} 次"),
    "with": ("with {who}", "在场：{who}"),
    "days": ("{n}d", "{n}天"),
    "days_wait": ("{n}d + buyer {w}d", "{n}天 + 客户{w}天"),
    "if": ("if {cond}", "条件：{cond}"),
    "timeline": ("The buyer's clock (days)", "客户时间线（天）"),
    "after_close": ("after the close", "成交后"),
    "deadline": ("deadline", "截止"),
    "target": ("target", "目标"),
    "max": ("limit", "上限"),
    "day": ("day {n}", "第{n}天"),
    "plus": ("+{n}d", "+{n}天"),
    "chance": ("{p}% chance", "概率{p}%"),
    "legend": ("★ recommended action   • other action   (Nd) seller days   (+ buyer Nd) the buyer's own wait after it",
               "★ 推荐行动   • 其他行动   （N天）销售投入天数   （+ 客户N天）之后客户自己用的天数"),
    "no_events": ("no scripted events", "没有脚本事件"),
    "patience": ("decides by day {n}", "第{n}天前决策"),
    "competitor": ("competitor: {name}", "竞争对手：{name}"),
}


def word(key: str, locale: str, **params: Any) -> str:
    return pick(WORDS[key], locale).format(**params)


# --- conditions in words ---------------------------------------------------------------------------------

#: What a condition can name, in Chinese: the numbers, and the functions ({who}: a person's name;
#: {what}: a person's name or a fact's label, an action's label, a touchpoint's title, a term's label).
COND_WORDS: dict[str, str] = {
    "info": "信息", "fit": "方案匹配度", "competitor": "竞争对手实力", "consensus": "共识",
    "satisfaction": "满意度", "day": "天数", "days_left": "剩余天数",
    "price": "当前价格", "walk_away": "客户愿付上限", "discount": "折扣（%）",
    "trust()": "{who}的信任度", "satisfaction()": "{who}的满意度", "present()": "{who}在场",
    "known()": "已了解{what}", "chose()": "已选“{what}”", "visits()": "“{what}”的次数",
    "agreed()": "已约定“{what}”",
    "and": "且", "or": "或", "not": "非", "true": "是", "false": "否",
    "<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠",
}
#: In English a condition is shown as written, but for these names, whose ids mean little to a
#: reader: the deal's numbers, and the functions of a fact, an action, a touchpoint or a term.
COND_WORDS_EN: dict[str, str] = {
    "price": "the price", "walk_away": "the buyer's walk-away", "discount": "discount (%)",
    "known()": "{what} known", "chose()": 'chose "{what}"', "visits()": 'visits to "{what}"',
    "agreed()": 'agreed "{what}"',
}
#: How tightly each kind of node binds, to parenthesise only where the grouping needs it.
_BINDS = {"Or": 1, "And": 2, "Not": 3, "Compare": 4, "Sum": 5, "Neg": 6}


def condition_text(cond: str, acc: Any, locale: str) -> str:
    """A condition as the roadmap (and the balance report) shows it. In Chinese, in words: numbers by
    their Chinese names, a flag by its label, a function by what it reads (a person by name, a fact,
    an action or a term by its label, a touchpoint by its title), ≥ and 且/或/非 for the operators.
    In English, as written, but for the names of :data:`COND_WORDS_EN` (``walk_away >= price`` reads
    "the buyer's walk-away >= the price", ``known(lin)`` reads "Lin Wei known"). A condition that does
    not parse, or a name without words, is shown as written."""
    from sim.lang import expr

    try:
        node = expr.parse(cond)
    except expr.ExprError:
        return cond
    zh = locale.startswith("zh")
    flags = {f.id: resolve(f.label, locale) for f in getattr(acc, "flags", None) or []}
    if not zh:
        if not _mentions(node, set(COND_WORDS_EN) - set(flags)):
            return cond
        flags = {f: f for f in flags}  # English: flags as written
    return _say_node(node, _Say(COND_WORDS if zh else COND_WORDS_EN, flags, _arg_words(acc, locale),
                                ("（", "）") if zh else ("(", ")"), zh))


def _mentions(node: Any, words: set[str]) -> bool:
    """Whether the condition names a number or calls a function (``name()``) among ``words``."""
    kind = type(node).__name__
    if kind == "Name":
        return node.name in words
    if kind == "Call":
        return node.func + "()" in words
    children = {"Not": lambda: [node.operand], "Neg": lambda: [node.operand],
                "Sum": lambda: [node.first, *(t for _, t in node.rest)],
                "Compare": lambda: [node.left, node.right],
                "And": lambda: node.items, "Or": lambda: node.items}.get(kind, list)()
    return any(_mentions(child, words) for child in children)


def _arg_words(acc: Any, locale: str) -> dict[str, dict[str, str]]:
    """What each function's argument is called in the locale, by function: a person's name, a
    fact's label, an action's label, a touchpoint's title, a term's label."""
    people = {p.id: resolve(p.name, locale) for p in getattr(acc, "stakeholders", None) or []}
    facts = {f.id: resolve(f.label, locale) for f in getattr(acc, "facts", None) or []}
    touchpoints = getattr(acc, "touchpoints", None) or []
    actions: dict[str, str] = {}
    for tp in touchpoints:
        for a in tp.actions:
            actions.setdefault(a.id, resolve(a.label, locale))
    deal = getattr(acc, "deal", None)
    terms = {t.id: resolve(t.label, locale) for t in (deal.terms if deal is not None else [])}
    return {"trust": people, "satisfaction": people, "present": people, "known": {**facts, **people},
            "chose": actions, "visits": {tp.id: resolve(tp.title, locale) for tp in touchpoints},
            "agreed": terms}


class _Say:
    """How to say a condition: the words, the flags' and the arguments' names, the parentheses, and
    whether the operators are said in Chinese words."""

    def __init__(self, words: dict[str, str], flags: dict[str, str], args: dict[str, dict[str, str]],
                 parens: tuple[str, str], zh: bool) -> None:
        self.words, self.flags, self.args, self.parens, self.zh = words, flags, args, parens, zh

    def op(self, key: str) -> str:
        return COND_WORDS.get(key, key) if self.zh else key


def _say_node(node: Any, say: _Say) -> str:
    kind = type(node).__name__

    def sub(child: Any) -> str:
        text = _say_node(child, say)
        if _BINDS.get(type(child).__name__, 9) <= _BINDS.get(kind, 9):
            return f"{say.parens[0]}{text}{say.parens[1]}"
        return text

    if kind == "Num":
        return _num(node.value)
    if kind == "Bool":
        return say.op("true" if node.value else "false")
    if kind == "Name":
        return say.flags.get(node.name) or say.words.get(node.name, node.name)
    if kind == "Call":
        pattern = say.words.get(node.func + "()")
        arg = say.args.get(node.func, {}).get(node.arg, node.arg)
        return pattern.format(who=arg, what=arg) if pattern else f"{node.func}({node.arg})"
    if kind == "Not":
        return say.op("not") + ("" if say.zh else " ") + sub(node.operand)
    if kind == "Neg":
        return "-" + sub(node.operand)
    if kind == "Sum":
        return " ".join([sub(node.first), *(f"{op} {sub(term)}" for op, term in node.rest)])
    if kind == "Compare":
        return f"{sub(node.left)} {say.op(node.op)} {sub(node.right)}"
    joiner = f" {say.op('and' if kind == 'And' else 'or')} "
    return joiner.join(sub(item) for item in node.items)


def stage_title(stage: str, locale: str) -> str:
    return pick(STAGE_WORDS[stage], locale)


def _num(x: float) -> str:
    return f"{x:g}"


# --- layout ------------------------------------------------------------------------------------------------

MARGIN = 0.35
COL_W = 3.2
GAP = 0.95
PAD = 0.08
LINE = 1.32  # line height, in font sizes
TITLE_PT, META_PT, ACTION_PT, COND_PT = 8.5, 6.8, 7.3, 6.3
COLORS = {
    "need_identification": ("#e8f1fb", "#4a7fb5"),
    "information_gathering": ("#eaf6ee", "#4a9a64"),
    "solution_design": ("#fdf3e3", "#c2892b"),
    "negotiation": ("#fbeaea", "#b94a4a"),
    "after_sales": ("#f0ecf8", "#7a62a8"),
}
GREEN, GREY, INK = "#1d7a3a", "#6b6b6b", "#222222"


def _lh(size: float) -> float:
    return size * LINE / 72


class _Card:
    """A touchpoint card: its lines (text, size, colour, bold, indent in inches) and its height."""

    def __init__(self, lines: list[tuple[str, float, str, bool, float]]) -> None:
        self.lines = lines
        self.height = 2 * PAD + sum(_lh(line[1]) for line in lines)


BULLET = 0.12  # indent of an action's wrapped lines, under its text rather than its bullet
COND_INDENT = 0.2


def _days(action: Any, locale: str) -> str:
    """An action's days: the seller's, and the buyer's own wait after it if it has one."""
    wait = getattr(action, "wait_days", 0) or 0
    if wait:
        return word("days_wait", locale, n=_num(action.days), w=_num(wait))
    return word("days", locale, n=_num(action.days))


def _card(tp: Any, people: dict[str, Any], locale: str, acc: Any = None) -> _Card:
    inner = COL_W - 0.12 - 2 * PAD
    lines: list[tuple[str, float, str, bool, float]] = []
    for text in wrap(resolve(tp.title, locale), inner, TITLE_PT, 3, bold=True):
        lines.append((text, TITLE_PT, INK, True, 0.0))
    meta = []
    if tp.when:
        meta.append(word("when", locale, cond=condition_text(tp.when, acc, locale)))
    if tp.repeat:
        meta.append(word("repeat", locale, n=tp.repeat))
    if tp.with_:
        names = [resolve(people[w].name, locale) if w in people else w for w in tp.with_]
        meta.append(word("with", locale, who=_list(names, locale)))
    if meta:
        for text in wrap(" · ".join(meta), inner, META_PT, 3):
            lines.append((text, META_PT, GREY, False, 0.0))
    for a in tp.actions:
        label = resolve(a.label, locale) + _bracket(_days(a, locale), locale)
        colour = GREEN if a.recommended else INK
        for i, text in enumerate(wrap(label, inner - BULLET, ACTION_PT, 3, bold=a.recommended)):
            mark = ("★ " if a.recommended else "• ") if i == 0 else ""
            lines.append((mark + text, ACTION_PT, colour, a.recommended, 0.0 if i == 0 else BULLET))
        if a.when:
            for text in wrap(word("if", locale, cond=condition_text(a.when, acc, locale)), inner - COND_INDENT,
                             COND_PT, 2):
                lines.append((text, COND_PT, GREY, False, COND_INDENT))
    return _Card(lines)


def _col_x(i: int) -> float:
    return MARGIN + i * (COL_W + GAP)


def figure(scenario: Any, locale: str = "en") -> Any:
    """The roadmap of a loaded scenario as a matplotlib Figure (not yet saved)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Polygon

    spec = scenario.spec
    width = 2 * MARGIN + 5 * COL_W + 4 * GAP
    lanes = []
    for acc in spec.accounts:
        people = {p.id: p for p in acc.stakeholders}
        cols = {s: [_card(tp, people, locale, acc) for tp in acc.touchpoints if tp.stage == s] for s in STAGES}
        header = 0.5 + 0.62
        body = max([sum(c.height + 0.12 for c in cards) for cards in cols.values()] + [0.6])
        lanes.append((acc, cols, header + body + 0.25))
    events = [(acc, ev) for acc in spec.accounts for ev in acc.events]
    timeline_h = _timeline_height(spec, events, width, locale)
    title_h = 0.95
    height = title_h + sum(h for _, _, h in lanes) + timeline_h + 0.3
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")

    # title
    ax.text(MARGIN, 0.42, resolve(spec.title, locale), fontsize=16, fontweight="bold", color=INK, va="baseline")
    sub = resolve(spec.objective, locale)
    ax.text(MARGIN, 0.72, wrap(sub, width - 2 * MARGIN, 9, 1)[0], fontsize=9, color=GREY, va="baseline")
    ax.text(width - MARGIN, 0.72, word("legend", locale), fontsize=8, color=GREY, ha="right", va="baseline")

    y = title_h
    for acc, cols, lane_h in lanes:
        _lane(ax, acc, cols, y, lane_h, locale, FancyBboxPatch, Polygon)
        y += lane_h
    _timeline(ax, spec, events, y, width, locale)
    return fig


def _lane(ax: Any, acc: Any, cols: dict[str, list[_Card]], top: float, lane_h: float, locale: str,
          box: Any, poly: Any) -> None:
    """One account's lane: its heading, then a column per roadmap stage and the gate out of it."""
    _lane_heading(ax, acc, top, locale)
    y0 = top + 0.5
    vetoers = [resolve(p.name, locale) for p in acc.stakeholders if p.can_veto]
    presale = [s for s in STAGES if s in acc.stages and s != "after_sales"]
    for i, stage in enumerate(STAGES):
        _stage_column(ax, acc, stage, cols[stage], _col_x(i), y0, lane_h, locale, box)
        if i < len(STAGES) - 1 and stage in acc.stages and stage != "after_sales":
            is_close = bool(presale) and stage == presale[-1]
            gate = acc.stages[stage].gate
            _gate(ax, condition_text(gate, acc, locale) if gate else None, is_close, vetoers, _col_x(i), y0,
                  locale, poly)


def _lane_heading(ax: Any, acc: Any, top: float, locale: str) -> None:
    """The account's company, industry and size on the left; its deadline and competitor on the right."""
    persona = acc.persona
    comma = "，" if locale.startswith("zh") else ", "
    head = f"{resolve(persona.company, locale)} — {resolve(persona.industry, locale)}{comma}"
    head += resolve(persona.size, locale)
    extra = [word("patience", locale, n=_num(acc.patience_days))]
    if acc.competitor is not None:
        extra.append(word("competitor", locale, name=resolve(acc.competitor.name, locale)))
    ax.text(MARGIN, top + 0.3, head, fontsize=11, fontweight="bold", color=INK, va="baseline")
    ax.text(2 * MARGIN + 5 * COL_W + 4 * GAP - MARGIN, top + 0.3, " · ".join(extra), fontsize=8.5, color=GREY,
            ha="right", va="baseline")


def _stage_column(ax: Any, acc: Any, stage: str, cards: list[_Card], x: float, y0: float, lane_h: float,
                  locale: str, box: Any) -> None:
    """A stage's column: in its colours if this account goes through it (greyed out if not), with
    the stage's goal under its name and its touchpoint cards below."""
    fill, edge = COLORS[stage]
    used = stage in acc.stages
    ax.add_patch(box((x, y0), COL_W, lane_h - 0.62, boxstyle="round,pad=0,rounding_size=0.08",
                     facecolor=fill if used else "#f6f6f6", edgecolor=edge if used else "#cccccc",
                     linewidth=1.0))
    ax.text(x + PAD, y0 + 0.24, stage_title(stage, locale), fontsize=10, fontweight="bold",
            color=edge if used else "#aaaaaa", va="baseline")
    goal = acc.stages[stage].goal if used else None
    sub = resolve(goal, locale) if goal else ("" if used else word("not_used", locale))
    if sub:
        ax.text(x + PAD, y0 + 0.45, wrap(sub, COL_W - 2 * PAD, 7.2, 1)[0], fontsize=7.2, color=GREY,
                va="baseline")
    cy = y0 + 0.62
    for card in cards:
        _draw_card(ax, card, x, cy, edge, box)
        cy += card.height + 0.12


def _draw_card(ax: Any, card: _Card, x: float, cy: float, edge: str, box: Any) -> None:
    """A touchpoint card with its top at ``cy`` in the column at ``x``: a white box, then its lines."""
    ax.add_patch(box((x + 0.06, cy), COL_W - 0.12, card.height, boxstyle="round,pad=0,rounding_size=0.05",
                     facecolor="white", edgecolor=edge, linewidth=0.7))
    ty = cy + PAD
    for text, size, colour, bold, indent in card.lines:
        ty += _lh(size)
        ax.text(x + 0.06 + PAD + indent, ty - 0.25 * size / 72, text, fontsize=size, color=colour,
                fontweight="bold" if bold else "normal", va="baseline")


def _gate(ax: Any, gate: str | None, is_close: bool, vetoers: list[str], x: float, y0: float, locale: str,
          poly: Any) -> None:
    """The gate out of the stage at ``x``, as a chevron in the gap to the next column: its condition
    ("always" if none); the close (the last gate before after-sales) also names who can veto."""
    label = word("close", locale) if is_close else word("gate", locale)
    cond = gate if gate else word("always", locale)
    size = fit_size(cond, GAP - 0.2, 6.5)  # the longest word of the condition fits on one line
    lines = [(label, 6.8), *((text, size) for text in wrap(cond, GAP - 0.2, size, 5))]
    if is_close and vetoers:
        veto = word("veto", locale, who=_list(vetoers, locale))
        veto_size = fit_size(veto, GAP - 0.2, 6.0)
        lines += [(text, veto_size) for text in wrap(veto, GAP - 0.2, veto_size, 3)]
    h = 0.2 + sum(_lh(6.5) for _ in lines)
    gx, gy = x + COL_W + 0.04, y0 + 0.62
    tip = 0.12
    ax.add_patch(poly([(gx, gy), (gx + GAP - 0.08 - tip, gy), (gx + GAP - 0.08, gy + h / 2),
                       (gx + GAP - 0.08 - tip, gy + h), (gx, gy + h)], closed=True,
                      facecolor="#fff8d6" if not is_close else "#ffe2b8", edgecolor="#b08a1e", linewidth=0.8))
    ty = gy + 0.08
    for j, (text, size) in enumerate(lines):
        ty += _lh(6.5)
        ax.text(gx + 0.06, ty - 0.03, text, fontsize=size, color=INK,
                fontweight="bold" if j == 0 else "normal", va="baseline")


def _list(names: list[str], locale: str) -> str:
    """Names in a row: "A, B" in English, "A、B" in Chinese."""
    return ("、" if locale.startswith("zh") else ", ").join(names)


def _bracket(text: str, locale: str) -> str:
    """``text`` in parentheses after a word: " (text)" in English, "（text）" in Chinese."""
    return f"（{text}）" if locale.startswith("zh") else f" ({text})"


def _account_tag(acc: Any, locale: str) -> str:
    """Which account an event or a deadline of a pipeline belongs to: its company, in brackets."""
    company = resolve(acc.persona.company, locale)
    return f"［{company}］" if locale.startswith("zh") else f"[{company}] "


def _event_label(acc: Any, ev: Any, spec: Any, locale: str) -> str:
    text = resolve(ev.text, locale)
    when = word("day", locale, n=_num(ev.day)) if ev.after == "start" else word("plus", locale, n=_num(ev.day))
    parts = [when]
    if ev.chance < 1:
        parts.append(word("chance", locale, p=_num(round(ev.chance * 100))))
    prefix = _account_tag(acc, locale) if len(spec.accounts) > 1 else ""
    colon = "：" if locale.startswith("zh") else ": "
    return f"{prefix}{' · '.join(parts)}{colon}{text}"


LABEL_W = 2.7
LEVEL_H = 0.36


def _timeline_geometry(spec: Any, width: float) -> tuple[float, float, float, float]:
    """x of day 0, x where 'after the close' starts, x of the right end, and the days shown."""
    x0, x1 = MARGIN + 0.9, width - MARGIN
    return x0, x0 + (x1 - x0) * 0.7, x1, _span(spec)


def _placed(events: list, spec: Any, width: float) -> list[tuple[Any, Any, float, int]]:
    """Each event with its x (inches) and a label row chosen so labels do not overlap."""
    x0, close_x0, x1, days = _timeline_geometry(spec, width)
    close_days = max([e.day for _, e in events if e.after == "close"] + [1])
    items = []
    for acc, ev in events:
        if ev.after == "start":
            x = x0 + (close_x0 - 0.4 - x0) * min(ev.day, days) / days
        else:
            x = close_x0 + (x1 - LABEL_W - close_x0) * ev.day / close_days
        items.append((x, acc, ev))
    items.sort(key=lambda t: (t[0], t[1].id, t[2].id))
    out = []
    ends: list[float] = []
    for x, acc, ev in items:
        level = next((i for i, end in enumerate(ends) if end < x), len(ends))
        if level == len(ends):
            ends.append(0.0)
        ends[level] = x + LABEL_W + 0.08
        out.append((acc, ev, x, level))
    return out


def _event_levels(events: list, spec: Any, width: float) -> int:
    return max((lvl for *_, lvl in _placed(events, spec, width)), default=-1) + 1


def _span(spec: Any) -> float:
    days = [a.patience_days for a in spec.accounts] + [spec.rubric.max_days]
    days += [e.day for a in spec.accounts for e in a.events if e.after == "start"]
    return max(days) * 1.02


def _marks(spec: Any, width: float, locale: str) -> list[tuple[float, str, str, int]]:
    """The day marks (target, limit, deadlines): day, label, colour and a row so labels do not overlap."""
    marks = [(spec.rubric.target_days, word("target", locale), GREEN),
             (spec.rubric.max_days, word("max", locale), "#c2892b")]
    for acc in spec.accounts:
        label = word("deadline", locale)
        if len(spec.accounts) > 1:  # whose deadline: "deadline [Hengtai]", "截止［恒泰］"
            tag = _account_tag(acc, locale)
            label += tag if locale.startswith("zh") else " " + tag.rstrip()
        marks.append((acc.patience_days, label, "#b94a4a"))
    marks.sort(key=lambda m: (m[0], m[1]))
    rows: list[float] = []
    out = []
    for day, label, colour in marks:
        text = f"{label} {_num(day)}"
        x = _day_x(spec, width, day)
        row = next((i for i, end in enumerate(rows) if end < x), len(rows))
        if row == len(rows):
            rows.append(0.0)
        rows[row] = x + text_width(text, 6.8) + 0.1
        out.append((day, text, colour, row))
    return out


def _day_x(spec: Any, width: float, day: float) -> float:
    x0, close_x0, _, days = _timeline_geometry(spec, width)
    return x0 + (close_x0 - 0.4 - x0) * min(day, days) / days


def _timeline(ax: Any, spec: Any, events: list, top: float, width: float, locale: str) -> None:
    x0, close_x0, x1, days = _timeline_geometry(spec, width)
    placed = _marks(spec, width, locale)
    rows = 1 + max(row for *_, row in placed)
    axis_y = top + 0.5 + 0.16 * rows

    def at(day: float) -> float:
        return _day_x(spec, width, day)

    ax.text(MARGIN, top + 0.22, word("timeline", locale), fontsize=10, fontweight="bold", color=INK, va="baseline")
    ax.plot([x0, close_x0 - 0.4], [axis_y, axis_y], color=INK, linewidth=1.2, solid_capstyle="butt")
    step = next(s for s in (7, 14, 30, 60, 90, 180, 365, 730, 3650) if days / s <= 14)
    d = 0.0
    while d <= days:
        ax.plot([at(d), at(d)], [axis_y - 0.04, axis_y + 0.04], color=INK, linewidth=0.8)
        ax.text(at(d), axis_y + 0.2, _num(d), fontsize=7, color=GREY, ha="center", va="baseline")
        d += step
    for day, text, colour, row in placed:
        y = axis_y - 0.12 - 0.16 * row
        ax.plot([at(day), at(day)], [y, axis_y + 0.06], color=colour, linewidth=1.1, linestyle="--")
        ax.text(at(day) + 0.03, y, text, fontsize=6.8, color=colour, va="baseline")
    ax.plot([close_x0, x1], [axis_y, axis_y], color="#7a62a8", linewidth=1.2, linestyle=":")
    ax.text(close_x0, axis_y + 0.2, word("after_close", locale), fontsize=7, color="#7a62a8", va="baseline")
    if not events:
        ax.text(x0, axis_y + 0.55, word("no_events", locale), fontsize=8, color=GREY, va="baseline")
        return
    for acc, ev, x, level in _placed(events, spec, width):
        y = axis_y + 0.45 + LEVEL_H * level
        colour = "#7a62a8" if ev.after == "close" else "#b08a1e"
        ax.plot([x, x], [axis_y, y - 0.1], color=colour, linewidth=0.6, zorder=1)
        ax.plot([x], [axis_y], marker="o", markersize=4, color=colour, zorder=2)
        for j, text in enumerate(wrap(_event_label(acc, ev, spec, locale), LABEL_W, 6.5, 2)):
            ax.text(x + 0.03, y + j * _lh(6.5), text, fontsize=6.5, color=INK, va="baseline", zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})


def _timeline_height(spec: Any, events: list, width: float, locale: str) -> float:
    rows = 1 + max(row for *_, row in _marks(spec, width, locale))
    return 1.0 + 0.16 * rows + LEVEL_H * max(1, _event_levels(events, spec, width))


def render(scenario: Any, path: Path, locale: str = "en", warn: Any = None) -> None:
    """Draw the scenario's roadmap to ``path`` (.svg or .png)."""
    with chart_style(warn):
        fig = figure(scenario, locale)
        save(fig, path)
