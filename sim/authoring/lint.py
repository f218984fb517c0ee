"""Semantic checks of a scenario, beyond the schema: is the case playable, fair, and finished?

The loader already refuses what cannot run (bad YAML, the schema, dangling references, duplicate
ids, a stage with no touchpoint, rubric weights that do not add up to 1). This module looks for
what runs but is wrong, in two ways:

* **static** checks read the scenario only (fast, certain): a condition that can never hold, a
  gate that can never open, a veto that always falls, a stakeholder who never matters, a text
  missing a language;
* **run** checks read seeded bot runs (:func:`sim.authoring.analysis.explore`): soft-locks, gates no run
  passes, cases no run wins, touchpoints never reached, actions never offered, a case random play
  wins too often, a dominant action. Their messages say how many runs they rest on.

Each finding has a code (printed in parentheses, as yamllint prints its rule names), a severity
and the path of the field at fault; ``touchpoint check`` turns the path into ``line:column``.

When can a condition "never hold"? Every number has a range over any run: flags start false and
can become true only if some effect sets them; ``info`` and ``fit`` start at 0 and can reach at
most the sum of the largest gain of every visit (a touchpoint is visited at most ``1 + repeat``
times) and of every event; ``trust(x)`` and ``satisfaction(x)`` likewise from the person's
starting value (a normal distribution has no upper limit); ``consensus`` and ``satisfaction``
lie within their people's ranges; all are clamped to 0-100. With a deal, ``price`` stays between
the floor and the list price, ``walk_away`` is never below 0 and ``discount`` (percent off the list
price) lies between 0 and ``100 * (list_price - floor) / list_price``; without one they are 0. A
condition is rewritten as an "or" of "and"s; it can never hold when every "and" contradicts itself
or these ranges. The ranges are generous, so a condition reported impossible really is (no false
alarms), while some impossible conditions go unnoticed: the runs catch most of those.

A **dominant action** (a choice that makes the rest of the case irrelevant) is an action A at a
touchpoint T such that, in the random-play runs (with at least 20 runs picking A and 20 reaching T
without picking it):

1. T is reached in at least 90% of the runs, whatever was chosen before it;
2. the runs that picked A have the best mean score of T's actions;
3. they win at least ``max(50%, 90% of the expert's win rate)`` and score within 5 points of the
   expert: random choices everywhere else do about as well as expert play once A is picked;
4. they win at least 25 percentage points more often than the runs that reached T without A.

Then one choice decides the case and skill elsewhere hardly matters. A recommended action that
is merely the best choice at its touchpoint is *not* dominant: that is a well-written case.

A **stakeholder who never matters**: no effect targets them (by id, by role or with ``all``),
no condition names them, no effect makes them join or leave, they cannot veto, and their
influence is under 15% of the buying center's total.

An **event whose condition rarely holds on its day**: an event tests its ``when`` once, on its
day. When the runs that reached that day (its chance drawn, the deal open; at least
:data:`EVENT_MIN_REACHED` of them) found it true in under :data:`EVENT_RARE_SHARE` of them, while in
at least that share it became true later (read at each later decision), the author probably meant
"once this holds": the event almost never happens. (A condition that was true before the day and
no longer is, such as ``not budget_approved`` at a deadline, is the event working as meant.)

A file with schema or reference errors is still checked, on the parts that are valid
(:func:`sim.engine.loader.inspect_bytes`). For an account with a part left out (``incomplete``)
the static checks cannot know what the missing effects do, so they assume the worst: every flag
may be set, every number may reach 0 to 100, every stakeholder may come and go; only what is
impossible whatever the effects (a condition that contradicts itself) is reported, and the
checks that need the whole account (a stakeholder who never matters, a certain veto, answer
leaks) wait for the file to be mended.
"""

from __future__ import annotations

import contextlib
import re
import types
import typing
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from pydantic import BaseModel

from scoring import wilson_interval
from scoring.review import TIE
from sim.authoring.analysis import Exploration, Tally
from sim.engine.dice import Amount, Fixed, Normal, Triangular, Uniform
from sim.engine.rules import (
    AccountChange,
    AccountRules,
    Join,
    Leave,
    Operation,
    PersonChange,
    Rules,
    SetFlag,
    flatten,
)
from sim.lang import expr
from sim.lang.schema import ACCOUNT_NUMBERS, DEAL_NUMBERS, DERIVED_NUMBERS
from sim.lang.text import STAGE_NAMES as TEXT_STAGE_NAMES
from sim.lang.text import pick

__all__ = [
    "DOMINANT_MIN_RUNS",
    "DOMINANT_REACH",
    "DOMINANT_SCORE_SLACK",
    "DOMINANT_WIN_GAP",
    "EVENT_MIN_REACHED",
    "EVENT_RARE_SHARE",
    "GATE_MIN_REACHED",
    "INF",
    "LITTLE_INFLUENCE",
    "MAX_CONJUNCTS",
    "MESSAGES",
    "NUM_NAMES",
    "POLICY_NAMES",
    "RANDOM_WIN_LIMIT",
    "REASON_NAMES",
    "STAGE_NAMES",
    "Finding",
    "Msg",
    "Path",
    "Ranges",
    "StaticResult",
    "account_ranges",
    "judgment_findings",
    "language_findings",
    "leak_findings",
    "msg",
    "never_holds",
    "run_checks",
    "say",
    "stage_name",
    "static_checks",
    "texts",
]

Path = tuple[str | int, ...]

#: Random play may win at most this share of runs before the case is "too easy".
RANDOM_WIN_LIMIT = 0.35
#: A stakeholder with less than this share of the total influence has "little influence".
LITTLE_INFLUENCE = 0.15
#: Dominant action: minimum runs on each side, and the margins described in the module docstring.
DOMINANT_MIN_RUNS = 20
DOMINANT_WIN_GAP = 0.25
DOMINANT_SCORE_SLACK = 5.0
DOMINANT_REACH = 0.9
#: A gate no run passes is an error when its stage was reached at least this often (else a warning:
#: too few runs got there to be sure), or when no run wins at all. In a pipeline, one account never
#: won is a warning while runs still win the scenario (an account may be meant to be turned down).
GATE_MIN_REACHED = 20
#: Largest "or of ands" examined; beyond it a condition is assumed satisfiable.
MAX_CONJUNCTS = 256
#: An event's condition "rarely holds on its day" when it held in under this share of the runs
#: that reached the day, but became true later in at least this share (and at least
#: EVENT_MIN_REACHED runs reached the day).
EVENT_RARE_SHARE = 0.10
EVENT_MIN_REACHED = 20

# --- messages (English and Chinese) -------------------------------------------------------------------

#: Stage names as they read inside a sentence.
STAGE_NAMES = {key: (names["en"].lower(), names["zh"]) for key, names in TEXT_STAGE_NAMES.items()}
REASON_NAMES = {
    "patience": ("patience ran out", "客户耐心耗尽"),
    "competitor": ("competitor", "竞争对手胜出"),
    "veto": ("veto", "否决"),
    "stalled": ("stalled", "停滞"),
    "disqualified": ("disqualified", "被淘汰"),
    "cancelled": ("cancelled", "取消"),
    "price": ("price above the buyer's walk-away", "价格高于客户的心理底线"),
}
POLICY_NAMES = {"random": ("random", "随机"), "expert": ("expert", "专家"), "explorer": ("explorer", "探索"),
                "lookahead": ("lookahead", "前瞻")}

MESSAGES: dict[str, tuple[str, str]] = {
    # static
    "softlock_static": (
        "no action can ever be offered here: every action has a 'when' that can never hold ({why}); "
        "the buyer skips this touchpoint",
        "这里永远不会提供任何行动：每个行动的 when 条件都不可能成立（{why}），客户会跳过这个接触点"),
    "dead_touchpoint": ("this touchpoint can never happen: its 'when' can never hold ({why})",
                        "这个接触点永远不会发生：它的 when 条件不可能成立（{why}）"),
    "dead_action": ("this action can never be offered: its 'when' can never hold ({why})",
                    "这个行动永远不会被提供：它的 when 条件不可能成立（{why}）"),
    "dead_event": ("this event can never happen: its 'when' can never hold ({why})",
                   "这个事件永远不会发生：它的 when 条件不可能成立（{why}）"),
    "impossible_gate": ("this gate can never hold ({why}), so no deal gets past {stage} and the case can never be won",
                        "这个关卡条件不可能成立（{why}），交易无法通过{stage}，本案例永远无法赢单"),
    "ignored_gate": ("after-sales has no gate (it cannot lose the deal), so this gate is never checked",
                     "售后阶段没有关卡（不会丢单），这个关卡条件永远不会被检查"),
    "certain_veto": (
        "'{who}' can veto and is always present at the close, but their trust reaches at most {max} "
        "(below veto_below {limit}): every close is vetoed and the case can never be won",
        "“{who}”拥有否决权且成交时一定在场，但其信任度最多只能到{max}（低于 veto_below {limit}）："
        "每次成交都会被否决，本案例永远无法赢单"),
    "idle_stakeholder": (
        "stakeholder '{who}' never matters: no effect targets them, no condition names them, they "
        "cannot veto, and their influence is {share} of the buying center",
        "干系人“{who}”从不起作用：没有效果作用于他/她，没有条件提到他/她，没有否决权，影响力仅占采购决策小组的{share}"),
    "missing_language": ("text missing in {langs} (the scenario's languages are {all})",
                         "文本缺少{langs}版本（本场景的语言为 {all}）"),
    "extra_language": ("text in {langs}, which is not in the scenario's languages ({all})",
                       "文本含有{langs}，但它不在本场景的语言列表（{all}）中"),
    "plain_text": ("plain text is shown as it is in every language; write it as {example}",
                   "纯文本在所有语言中都原样显示；请写成 {example}"),
    "language_unused": ("'{lang}' is listed in languages but no text is written in it",
                        "languages 中列出了“{lang}”，但没有任何文本使用该语言"),
    # runs
    "softlock_runs": (
        "soft-lock: this touchpoint was reached with no action offered in {hits} runs (e.g. {policy} "
        "policy, seed {seed}, day {day}); every action has a 'when' and none held, so the buyer skipped it{runs}",
        "软锁：有{hits}次运行到达这个接触点时没有任何可选行动（例如{policy}策略，种子{seed}，第{day}天）；"
        "每个行动都有 when 条件且都不成立，客户跳过了它{runs}"),
    "gate_never_passed": (
        "no run gets past {stage}: reached in {reached} run(s), its gate never held (lost to: {losses}), "
        "so the deal is never won{runs}",
        "没有任何运行通过{stage}：到达{reached}次，关卡从未满足（丢单原因：{losses}），交易永远无法赢单{runs}"),
    "never_won": ("no run wins the case (lost to: {losses}){runs}",
                  "没有任何运行赢下本案例（丢单原因：{losses}）{runs}"),
    "never_won_account": ("no run wins the deal with '{account}' (lost to: {losses}){runs}",
                          "没有任何运行赢下客户“{account}”（丢单原因：{losses}）{runs}"),
    "never_won_pipeline": ("no run wins {needed} accounts, as wins_needed asks (at most {best} won in one run){runs}",
                           "没有任何运行能赢下 wins_needed 要求的{needed}个客户（单次运行最多赢{best}个）{runs}"),
    "expert_never_wins": (
        "following the recommended actions never wins ({expert} expert runs; lost to: {losses}), though "
        "other bots win ({example}){runs}",
        "按推荐行动走永远赢不了（{expert}次专家运行；丢单原因：{losses}），而其他机器人可以赢（{example}）{runs}"),
    "random_wins_often": (
        "random play wins {rate} of runs (95% interval {lo}-{hi}, {n} random runs; the limit is {limit}): "
        "skill barely decides this case{runs}",
        "随机选择就能赢下{rate}的运行（95%置信区间 {lo}-{hi}，{n}次随机运行；上限{limit}）："
        "这个案例几乎不考验技能{runs}"),
    "unreached_touchpoint": ("no run reaches this touchpoint{runs}", "没有任何运行到达这个接触点{runs}"),
    "unoffered_action": ("this action is never offered (its touchpoint was reached in {reached} run(s)){runs}",
                         "这个行动从未被提供（其接触点被到达{reached}次）{runs}"),
    "event_rare": (
        "this event tests its condition only on its day ({day}): it held then in {held} of the {reached} runs "
        "that reached that day, but became true later in {other} of them; the event almost never happens: "
        "move its day, or make the condition hold by then{runs}",
        "这个事件只在它的那一天（{day}）检查条件：到达那一天的{reached}次运行中只有{held}次成立，"
        "但其中有{other}次在之后才成立；这个事件几乎从不发生：请调整它的日期，或让条件在那天之前成立{runs}"),
    "day_after_start": ("day {day}", "第{day}天"),
    "day_after_close": ("day {day} after the close", "成交后第{day}天"),
    "dominant_action": (
        "dominant action: random play that picks '{action}' wins {win} (expert {expert}), without it {other}; "
        "this one choice decides the case and the others hardly matter{runs}",
        "主导行动：随机选择中选了“{action}”的运行赢单率{win}（专家{expert}），不选则为{other}；"
        "这一个选择就决定了案例，其他选择几乎无关紧要{runs}"),
    # judgment (sim.authoring.judgment)
    "leak_longest": (
        "the recommended action is the longest text in {count} of {of} touchpoints with a choice: trainees learn "
        "to pick the longest option instead of reading the buyer; vary which option is longest",
        "在{of}个可选择的接触点中，有{count}个的推荐行动是最长的文本：学员会学会挑最长的选项，而不是读懂客户；"
        "请让最长的选项有时对、有时错"),
    "leak_detail": (
        "some actions here have a detail line and others not: the detail gives the answer away; give every "
        "action one, or none",
        "这里有的行动有 detail 说明、有的没有：说明本身就泄露了答案；要么每个行动都写，要么都不写"),
    "leak_term": (
        "the recommended action names the technique it stands for ('{term}'): the name gives the answer away; "
        "describe what the seller does instead",
        "推荐行动直接点出了所用的技巧（“{term}”）：名称本身就泄露了答案；请改为描述销售具体做了什么"),
    "coach_contradiction": (
        "the model contradicts the coach: expert play that chooses '{action}' here instead of the recommended "
        "action scores {gain} points more (95% interval {lo} to {hi}, {n} runs; the margin is {margin}); "
        "recommend it, or make it cost what the feedback says",
        "模型与教练意见相矛盾：专家在这里改选“{action}”而不是推荐行动，得分反而高{gain}分（95%区间{lo}到{hi}，"
        "{n}次运行；容差{margin}）；要么推荐它，要么让它真正付出反馈所说的代价"),
    "coach_indifferent": (
        "the model does not tell '{action}' from the recommended play: changed alone from expert play, it {change} "
        "({n} runs; the game review calls a choice less than {tie} behind the best as good as the best): give it "
        "the cost the feedback describes, or recommend it too",
        "模型分不出“{action}”与推荐打法的差别：在专家打法中只改这一步，{change}（{n}次运行；"
        "复盘把与最佳相差{tie}分以内的选择视为最佳）：要么让它付出反馈所说的代价，要么也推荐它"),
    "costs_points": ("costs {n} points", "只损失{n}分"),
    "scores_more": ("scores {n} points more (under the margin of {margin})", "反而多得{n}分（未超过容差{margin}）"),
    "promise_never": (
        "the feedback promises {what} for '{action}', but it never happened in {n} runs that chose it: make the "
        "consequence real, or drop it from promises",
        "反馈对“{action}”承诺了{what}的后果，但在选择它的{n}次运行中从未发生："
        "要么让后果真实发生，要么从 promises 中删除"),
    "surface_bot": (
        "a player who always picks {bot} converts {rate} against random play's {random} (the limit is random + "
        "{limit} points): a surface cue decides this case{runs}",
        "总是选{bot}的玩家赢单率为{rate}，而随机选择为{random}（上限为随机 + {limit}个百分点）："
        "表面线索就能决定这个案例{runs}"),
    "bot_longest": ("the longest text", "最长文本"),
    "bot_first": ("the first option shown", "第一个显示的选项"),
    "bot_most_days": ("the option with the most days", "天数最多的选项"),
    "bot_fewest_days": ("the option with the fewest days", "天数最少的选项"),
    # reasons (the {why} above)
    "why_flag": ("no action or event sets '{flag}'", "没有任何行动或事件会设置“{flag}”"),
    "why_range": ("{var} is always {range}", "{var}始终{range}"),
    "why_conflict": ("the conditions on {var} contradict each other", "关于{var}的条件相互矛盾"),
    "why_both": ("'{name}' would have to be both true and false", "“{name}”必须同时为真和为假"),
    "why_never_present": ("'{who}' is never in the buying center", "“{who}”从不在采购决策小组中"),
    "why_always_present": ("'{who}' never leaves the buying center", "“{who}”从不离开采购决策小组"),
    "why_false": ("it is always false", "它永远为假"),
    "why_compare": ("'{text}' can never hold", "“{text}”永远不成立"),
    "runs_suffix": (" (in {n} seeded bot runs)", "（基于{n}次带种子的机器人运行）"),
    "range_between": ("between {lo} and {hi}", "在{lo}到{hi}之间"),
    "range_most": ("at most {hi}", "不超过{hi}"),
    "range_least": ("at least {lo}", "不低于{lo}"),
    "range_exactly": ("{value}", "为{value}"),
    "none": ("none", "无"),
}


def say(key: str, locale: str = "en", **params: Any) -> str:
    """A message in English or Chinese (Chinese for locales starting with zh)."""
    return pick(MESSAGES[key], locale).format(**params)


def stage_name(stage: str, locale: str = "en") -> str:
    return pick(STAGE_NAMES.get(stage, (stage, stage)), locale)


def _num(x: float) -> str:
    if x == float("inf"):
        return "∞"
    return f"{x:.4g}" if abs(x - round(x)) > 1e-9 else str(round(x))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


@dataclass(frozen=True)
class Msg:
    """A message not yet put in words (so it can be said in either language)."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    def text(self, locale: str = "en") -> str:
        params = {k: (v.text(locale) if hasattr(v, "text") else
                      pick(v, locale) if isinstance(v, tuple) else v) for k, v in self.params}
        return say(self.key, locale, **params)


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, tuple(params.items()))


@dataclass(frozen=True)
class Finding:
    """One problem found: a code, a severity, where (a field path) and what (a message)."""

    code: str
    severity: str  # "error" | "warning"
    path: Path
    message: Msg
    prefer: str = "value"  # locate the field's value, or its key

    def text(self, locale: str = "en") -> str:
        return f"{self.message.text(locale)} ({self.code})"


# --- ranges: what each number can be over any run -----------------------------------------------------

INF = float("inf")
NUM_NAMES = ACCOUNT_NUMBERS + DERIVED_NUMBERS + DEAL_NUMBERS


@dataclass
class Ranges:
    """Generous bounds on one account's state over any run (see the module docstring)."""

    num: dict[str, tuple[float, float]]
    settable: set[str]
    can_present: set[str]
    can_absent: set[str]


def _gain(amount: Amount) -> float:
    """The largest value an amount can take (for an upper bound)."""
    match amount:
        case Fixed(value=value):
            return value
        case Normal(mean=mean, sd=sd):
            return mean if sd == 0 else INF
        case Uniform(high=high) | Triangular(high=high):
            return high
    raise TypeError(amount)


def _effect_gains(ops: tuple[Operation, ...]) -> dict[str, float]:
    """The largest total increase each number can get from an action's or event's effects."""
    out: dict[str, float] = {}
    for op in flatten(ops):
        if isinstance(op, AccountChange):
            out[op.number] = out.get(op.number, 0.0) + max(0.0, _gain(op.amount) * op.scale)
        elif isinstance(op, PersonChange):
            for var, amount in (("trust", op.trust), ("satisfaction", op.satisfaction)):
                if amount is not None:
                    key = f"{var}({op.person})"
                    out[key] = out.get(key, 0.0) + max(0.0, _gain(amount) * op.scale)
    return out


def account_ranges(acc: AccountRules, complete: bool = True) -> Ranges:
    """Bounds of every number a condition of this account can read; for an account with parts left
    out (``complete=False``), the widest bounds whatever its effects (see the module docstring)."""
    if not complete:
        people = {p.id for p in acc.spec.stakeholders}
        wide = {n: (0.0, 100.0) for n in ACCOUNT_NUMBERS}
        wide.update({f"{v}({p})": (0.0, 100.0) for p in people for v in ("trust", "satisfaction")})
        wide.update(consensus=(0.0, 100.0), satisfaction=(0.0, 100.0), day=(0.0, INF), days_left=(-INF, INF))
        wide.update(_deal_ranges(acc))
        return Ranges(wide, {f.id for f in acc.spec.flags}, set(people), set(people))
    ops = _operations(acc)
    settable = {op.flag for op in ops if isinstance(op, SetFlag)}
    can_present = {p.id for p in acc.spec.stakeholders if p.present}
    can_present |= {op.person for op in ops if isinstance(op, Join)}
    can_absent = {p.id for p in acc.spec.stakeholders if not p.present}
    can_absent |= {op.person for op in ops if isinstance(op, Leave)}
    gains = _run_gains(acc)
    num: dict[str, tuple[float, float]] = {n: (0.0, min(100.0, gains.get(n, 0.0))) for n in ACCOUNT_NUMBERS}
    num["competitor"] = (0.0, 100.0)  # starts at the competitor's strength and grows on its own
    num["day"] = (0.0, INF)
    num["days_left"] = (-INF, INF)
    num.update(_deal_ranges(acc))
    _people_ranges(acc, gains, can_present, num)
    return Ranges(num, settable, can_present, can_absent)


def _deal_ranges(acc: AccountRules) -> dict[str, tuple[float, float]]:
    """The deal's numbers, whatever the effects: the price stays between the floor and the list price
    (the engine clamps it), the walk-away never goes below 0, and the discount (percent off the list
    price) follows from the price. Without a deal, all are 0."""
    deal = acc.deal
    if deal is None:
        return dict.fromkeys(DEAL_NUMBERS, (0.0, 0.0))
    return {"price": (deal.floor, deal.list_price), "walk_away": (0.0, INF),
            "discount": (0.0, 100.0 * (deal.list_price - deal.floor) / deal.list_price)}


def _operations(acc: AccountRules) -> list[Operation]:
    """Every effect an action or event of this account can have (nested effects flattened)."""
    ops = [op for tp in acc.touchpoints.values() for a in tp.actions for op in flatten(a.ops)]
    ops += [op for ev in (*acc.events_start, *acc.events_close) for op in flatten(ev.ops)]
    return ops


def _run_gains(acc: AccountRules) -> dict[str, float]:
    """The largest total increase of each number over a run: every visit of a touchpoint gains at
    most its best action's gain, and every event may happen once."""
    gains: dict[str, float] = {}
    for tp in acc.touchpoints.values():
        visits = 1 if tp.stage == "after_sales" else 1 + tp.repeat
        best: dict[str, float] = {}
        for a in tp.actions:
            for var, g in _effect_gains(a.ops).items():
                best[var] = max(best.get(var, 0.0), g)
        for var, g in best.items():
            gains[var] = gains.get(var, 0.0) + visits * g
    for ev in (*acc.events_start, *acc.events_close):
        for var, g in _effect_gains(ev.ops).items():
            gains[var] = gains.get(var, 0.0) + g
    return gains


def _people_ranges(acc: AccountRules, gains: dict[str, float], can_present: set[str],
                   num: dict[str, tuple[float, float]]) -> None:
    """Each stakeholder's trust and satisfaction range (unbounded above when it drifts), then consensus
    and satisfaction, which lie within the ranges of the people who can be present; added to ``num``."""
    trust_hi = sat_hi = 0.0
    for p in acc.spec.stakeholders:
        for var, start in (("trust", p.trust), ("satisfaction", p.satisfaction)):
            hi = 100.0 if p.drift > 0 else min(100.0, start + gains.get(f"{var}({p.id})", 0.0))
            num[f"{var}({p.id})"] = (0.0, hi)
        if p.id in can_present:
            trust_hi = max(trust_hi, num[f"trust({p.id})"][1])
            sat_hi = max(sat_hi, num[f"satisfaction({p.id})"][1])
    num["consensus"] = (0.0, trust_hi)
    num["satisfaction"] = (0.0, sat_hi)


# --- can a condition ever hold? --------------------------------------------------------------------------

_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _TooBig(Exception):
    pass


def _var(node: expr.Node) -> str | None:
    """The name of a single numeric variable, e.g. 'info' or 'trust(zhou)', else None."""
    if isinstance(node, expr.Name) and node.name in NUM_NAMES:
        return node.name
    if isinstance(node, expr.Call) and node.func in ("trust", "satisfaction"):
        return f"{node.func}({node.arg})"
    return None


def _hull(node: expr.Node, ranges: Ranges) -> tuple[float, float]:
    """Interval arithmetic: the smallest and largest value a numeric expression can take."""
    if isinstance(node, expr.Num):
        return (float(node.value), float(node.value))
    var = _var(node)
    if var is not None:
        return ranges.num.get(var, (-INF, INF))
    if isinstance(node, expr.Neg):
        lo, hi = _hull(node.operand, ranges)
        return (-hi, -lo)
    if isinstance(node, expr.Sum):
        lo, hi = _hull(node.first, ranges)
        for op, term in node.rest:
            a, b = _hull(term, ranges)
            if op == "+":
                lo, hi = lo + a, hi + b
            else:
                lo, hi = lo - b, hi - a
            if lo != lo:  # inf - inf
                lo = -INF
            if hi != hi:
                hi = INF
        return (lo, hi)
    return (-INF, INF)


def _const(node: expr.Node, ranges: Ranges) -> float | None:
    lo, hi = _hull(node, ranges) if _free_of_vars(node) else (None, None)
    return lo if lo is not None and lo == hi else None


def _free_of_vars(node: expr.Node) -> bool:
    if isinstance(node, expr.Num):
        return True
    if isinstance(node, expr.Neg):
        return _free_of_vars(node.operand)
    if isinstance(node, expr.Sum):
        return _free_of_vars(node.first) and all(_free_of_vars(t) for _, t in node.rest)
    return False


def _nnf(node: expr.Node, positive: bool) -> Any:
    """Negation normal form: ('and'|'or', [parts]) or a literal tuple."""
    match node:
        case expr.Not(operand=operand):
            return _nnf(operand, not positive)
        case expr.And(items=items):
            return ("and" if positive else "or", [_nnf(i, positive) for i in items])
        case expr.Or(items=items):
            return ("or" if positive else "and", [_nnf(i, positive) for i in items])
        case expr.Bool(value=value):
            return ("const", value == positive)
        case expr.Name(name=name):
            return ("bool", f"flag:{name}", name, positive)
        case expr.Call(func="present", arg=arg):
            return ("bool", f"present:{arg}", arg, positive)
        case expr.Compare(op=op, left=left, right=right):
            return ("cmp", op if positive else _NEGATE[op], left, right, node)
    return ("unknown",)


def _dnf(tree: Any) -> list[list[Any]]:
    kind = tree[0]
    if kind == "and":
        out: list[list[Any]] = [[]]
        for part in tree[1]:
            sub = _dnf(part)
            out = [a + b for a in out for b in sub]
            if len(out) > MAX_CONJUNCTS:
                raise _TooBig
        return out
    if kind == "or":
        out = []
        for part in tree[1]:
            out.extend(_dnf(part))
            if len(out) > MAX_CONJUNCTS:
                raise _TooBig
        return out
    return [[tree]]


@dataclass
class _Span:
    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    not_equal: set[float] = field(default_factory=set)

    def cut(self, op: str, c: float) -> None:
        if op in ("<", "<="):
            if c < self.hi or (c == self.hi and op == "<"):
                self.hi, self.hi_open = c, op == "<"
        elif op in (">", ">="):
            if c > self.lo or (c == self.lo and op == ">"):
                self.lo, self.lo_open = c, op == ">"
        elif op == "==":
            self.cut("<=", c)
            self.cut(">=", c)
        else:
            self.not_equal.add(c)

    @property
    def empty(self) -> bool:
        if self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open)):
            return True
        return self.lo == self.hi and self.lo in self.not_equal


def _compare_never(op: str, left: tuple[float, float], right: tuple[float, float]) -> bool:
    """Whether ``left op right`` is false for every value in the two intervals."""
    dlo, dhi = left[0] - right[1], left[1] - right[0]
    if dlo != dlo:
        dlo = -INF
    if dhi != dhi:
        dhi = INF
    return {
        "<": dlo >= 0, "<=": dlo > 0, ">": dhi <= 0, ">=": dhi < 0,
        "==": dlo > 0 or dhi < 0, "!=": dlo == dhi == 0,
    }[op]


def _range_text(lo: float, hi: float) -> Msg:
    if hi == INF:
        return msg("range_least", lo=_num(lo))
    if lo == hi:
        return msg("range_exactly", value=_num(lo))
    return msg("range_most", hi=_num(hi)) if lo == 0 else msg("range_between", lo=_num(lo), hi=_num(hi))


def _conjunct_problem(lits: list[Any], ranges: Ranges, text: str) -> Msg | None:
    """Why this "and" of literals can never hold, or None if it may."""
    bools: dict[str, bool] = {}
    spans: dict[str, _Span] = {}
    for lit in lits:
        kind = lit[0]
        problem: Msg | None = None
        if kind == "const":
            problem = None if lit[1] else msg("why_false")
        elif kind == "bool":
            problem = _bool_problem(lit, bools, ranges)
        elif kind == "cmp":
            problem = _compare_problem(lit, spans, ranges, text)
        if problem is not None:
            return problem
    return None


def _bool_problem(lit: tuple[str, str, str, bool], bools: dict[str, bool], ranges: Ranges) -> Msg | None:
    """Why a flag or presence literal cannot hold alongside the ones before it (noted in ``bools``):
    it contradicts one of them, no effect ever sets the flag, or no effect can bring the person in
    (or take them out)."""
    _, key, name, positive = lit
    if bools.get(key, positive) != positive:
        return msg("why_both", name=name if key.startswith("flag:") else f"present({name})")
    bools[key] = positive
    if key.startswith("flag:"):
        return msg("why_flag", flag=name) if positive and name not in ranges.settable else None
    if positive and name not in ranges.can_present:
        return msg("why_never_present", who=name)
    if not positive and name not in ranges.can_absent:
        return msg("why_always_present", who=name)
    return None


def _compare_problem(lit: tuple[str, str, expr.Node, expr.Node, expr.Compare], spans: dict[str, _Span],
                     ranges: Ranges, text: str) -> Msg | None:
    """Why a comparison cannot hold: a bound on one variable falls outside its range or contradicts
    the bounds before it (kept in ``spans``), or the two sides' ranges never meet."""
    _, op, left, right, node = lit
    bound = _bound(op, left, right, ranges)
    if bound is not None:
        return _bound_problem(*bound, spans, ranges)
    if _is_numeric(left) and _compare_never(op, _hull(left, ranges), _hull(right, ranges)):
        return msg("why_compare", text=text[node.offset:node.end])
    return None


def _bound(op: str, left: expr.Node, right: expr.Node, ranges: Ranges) -> tuple[str, str, float] | None:
    """A comparison of one variable with a constant as ``(variable, op, constant)``, the variable
    on the left whichever side it was written on; None for any other comparison."""
    var, c = _var(left), _const(right, ranges)
    if (var is None or c is None) and _var(right) is not None and _const(left, ranges) is not None:
        var, c, op = _var(right), _const(left, ranges), _FLIP[op]
    if var is not None and c is not None:
        return var, op, c
    return None


def _bound_problem(var: str, op: str, c: float, spans: dict[str, _Span], ranges: Ranges) -> Msg | None:
    """Why ``var op c`` cannot hold: it leaves the variable's range, or together with the earlier
    bounds on the same variable (``spans``, updated) it leaves no value."""
    lo, hi = ranges.num.get(var, (-INF, INF))
    alone = _Span(lo, hi)
    alone.cut(op, c)
    if alone.empty:
        return msg("why_range", var=var, range=_range_text(lo, hi))
    span = spans.setdefault(var, _Span(lo, hi))
    span.cut(op, c)
    if span.empty:
        return msg("why_conflict", var=var)
    return None


def _is_numeric(node: expr.Node) -> bool:
    return isinstance(node, expr.Num | expr.Neg | expr.Sum) or _var(node) is not None


def never_holds(conditions: list[str | None], ranges: Ranges) -> Msg | None:
    """If the "and" of these conditions can never hold, say why; else None (it may hold)."""
    texts = [c for c in conditions if c]
    if not texts:
        return None
    try:
        parts = [(_nnf(expr.parse(t), True), t) for t in texts]
        conjuncts: list[tuple[list[Any], str]] = [([], "")]
        for tree, t in parts:
            conjuncts = [(a + b, t) for a, _ in conjuncts for b in _dnf(tree)]
            if len(conjuncts) > MAX_CONJUNCTS:
                return None
    except (_TooBig, expr.ExprError):
        return None
    first: Msg | None = None
    for lits, t in conjuncts:
        problem = _conjunct_problem(lits, ranges, t)
        if problem is None:
            return None
        first = first or problem
    return first


# --- static checks ------------------------------------------------------------------------------------


@dataclass
class StaticResult:
    findings: list[Finding]
    blocked: set[tuple[str, str]]  # (account, stage) no deal can reach (the cause is already reported)
    dead_touchpoints: set[tuple[str, str]]
    dead_actions: set[tuple[str, str, str]]
    softlocked: set[tuple[str, str]]
    unwinnable: set[str]  # accounts a static error already says can never be won
    gates: set[tuple[str, str]] = field(default_factory=set)  # (account, stage) with an impossible gate


def static_checks(scenario: Any, incomplete: frozenset[int] | set[int] = frozenset()) -> StaticResult:
    """Every check that needs no runs. ``incomplete``: accounts (by index) with parts left out
    because of errors; they get only the checks that hold whatever the missing parts do."""
    rules: Rules = scenario.rules
    res = StaticResult([], set(), set(), set(), set(), set())
    for acc in rules.accounts:
        _account_static(acc, res, acc.index not in incomplete)
    res.findings.extend(language_findings(scenario.spec))
    skip = {a.id for a in rules.accounts if a.index in incomplete}
    res.findings.extend(f for f in leak_findings(scenario) if not (skip and _account_of(f, rules) in skip))
    return res


def _account_of(f: Finding, rules: Rules) -> str | None:
    """The id of the account a finding's path is in (None for the scenario's own fields)."""
    if len(f.path) > 1 and f.path[0] == "accounts":
        part = f.path[1]
        if isinstance(part, int):
            return rules.accounts[part].id if 0 <= part < len(rules.accounts) else None
        return str(part)
    return None


def leak_findings(scenario: Any) -> list[Finding]:
    """Answer leaks (:func:`sim.authoring.judgment.leaks`): cues that give the recommended action away."""
    from sim.authoring.judgment import leaks

    out = []
    for leak in leaks(scenario):
        tpath: Path = ("accounts", leak.account, "touchpoints", leak.touchpoint)
        if leak.kind == "longest":
            out.append(Finding("leak-longest", "warning", (*tpath, "actions"),
                               msg("leak_longest", count=leak.count, of=leak.of), "key"))
        elif leak.kind == "detail":
            out.append(Finding("leak-detail", "error", (*tpath, "actions"), msg("leak_detail"), "key"))
        else:
            out.append(Finding("leak-term", "warning", (*tpath, "actions", leak.action or 0, "label"),
                               msg("leak_term", term=leak.term)))
    return out


#: Surface bots may convert at most this much (a share of runs) above random play.
SURFACE_SLACK = 0.10


def judgment_findings(scenario: Any, runs: int, seed: int = 0) -> list[Finding]:
    """Run-based checks of judgment: surface bots against random play, and the one-deviation table
    (the model must not reward what the coach advises against; promised consequences must happen)."""
    from sim.authoring.judgment import deviations, promise_broken, skill_report

    if runs <= 0:
        return []
    out: list[Finding] = []
    skill = skill_report(scenario, runs, seed)
    for bot, gap in skill.surface_gap().items():
        if gap > SURFACE_SLACK:
            out.append(Finding("surface-bot", "warning", ("accounts",), msg(
                "surface_bot", bot=MESSAGES[f"bot_{bot}"], rate=_pct(skill.conversion[bot]),
                random=_pct(skill.conversion["random"]), limit=round(100 * SURFACE_SLACK),
                runs=msg("runs_suffix", n=runs)), "key"))
    checks = scenario.spec.checks
    paths = _decision_paths(scenario)
    for d in deviations(scenario, min(runs, checks.deviation_runs), seed, settle=(TIE, checks.deviation_margin)):
        path = paths.get((d.account, d.touchpoint, d.action), ("accounts",))
        if d.beats_coach and d.score_gain > checks.deviation_margin:
            out.append(Finding("coach-contradiction", "error", path, msg(
                "coach_contradiction", action=d.action, gain=f"{d.score_gain:.1f}", lo=f"{d.ci95[0]:.1f}",
                hi=f"{d.ci95[1]:.1f}", n=d.runs, margin=_num(checks.deviation_margin))))
        elif d.runs and -d.score_gain < TIE:
            change = (msg("scores_more", n=f"{d.score_gain:.1f}", margin=_num(checks.deviation_margin))
                      if d.score_gain >= 0.05 else msg("costs_points", n=f"{max(0.0, -d.score_gain):.1f}"))
            out.append(Finding("coach-indifferent", "warning", path, msg(
                "coach_indifferent", action=d.action, change=change, n=d.runs, tie=_num(TIE))))
        for what in promise_broken(d):
            out.append(Finding("promise-never", "warning", path, msg(
                "promise_never", what=REASON_NAMES.get(what, (what, what)), action=d.action, n=d.runs)))
    return out


def _decision_paths(scenario: Any) -> dict[tuple[str, str, str], Path]:
    """Where each (account, touchpoint or agenda, option) of the one-deviation table is in the file."""
    out: dict[tuple[str, str, str], Path] = {}
    for ai, account in enumerate(scenario.spec.accounts):
        for ti, tp in enumerate(account.touchpoints):
            for ki, action in enumerate(tp.actions):
                out[(account.id, tp.id, action.id)] = ("accounts", ai, "touchpoints", ti, "actions", ki)
            if tp.agenda:
                for option_ti, option in enumerate(account.touchpoints):
                    out.setdefault((account.id, f"agenda:{tp.id}", option.id),
                                   ("accounts", ai, "touchpoints", option_ti))
                out.setdefault((account.id, f"agenda:{tp.id}", "move_on"), ("accounts", ai, "touchpoints", ti))
    return out


def _account_static(acc: AccountRules, res: StaticResult, complete: bool = True) -> None:
    spec = acc.spec
    base: Path = ("accounts", acc.index)
    ranges = account_ranges(acc, complete)
    add = res.findings.append
    for ti, tp in enumerate(spec.touchpoints):
        tpath = (*base, "touchpoints", ti)
        why = never_holds([tp.when], ranges)
        if why is not None:
            add(Finding("dead-touchpoint", "warning", (*tpath, "when"), msg("dead_touchpoint", why=why)))
            res.dead_touchpoints.add((acc.id, tp.id))
            continue
        dead = []
        for ai, a in enumerate(tp.actions):
            if a.when is None:
                continue
            why = never_holds([tp.when, a.when], ranges)
            if why is not None:
                dead.append((ai, a, why))
        if dead and len(dead) == len(tp.actions):
            add(Finding("soft-lock", "error", tpath, msg("softlock_static", why=dead[0][2])))
            res.softlocked.add((acc.id, tp.id))
            for _, a, _ in dead:
                res.dead_actions.add((acc.id, tp.id, a.id))
            continue
        for ai, a, why in dead:
            add(Finding("dead-action", "warning", (*tpath, "actions", ai, "when"), msg("dead_action", why=why)))
            res.dead_actions.add((acc.id, tp.id, a.id))
    for ei, ev in enumerate(spec.events):
        why = never_holds([ev.when], ranges)
        if why is not None:
            add(Finding("dead-event", "warning", (*base, "events", ei, "when"), msg("dead_event", why=why)))
    _gates_static(acc, ranges, res)
    if complete:
        _veto_static(acc, ranges, res)
        _idle_static(acc, res)


def _gates_static(acc: AccountRules, ranges: Ranges, res: StaticResult) -> None:
    """A gate that can never hold (the stages after it are blocked), and a gate on after-sales."""
    spec = acc.spec
    base: Path = ("accounts", acc.index)
    add = res.findings.append
    keys = list(spec.stages)
    for i, (key, stage) in enumerate(spec.stages.items()):
        spath = (*base, "stages", key)
        if key == "after_sales":
            if stage.gate is not None:
                add(Finding("ignored-gate", "warning", (*spath, "gate"), msg("ignored_gate")))
            continue
        why = never_holds([stage.gate], ranges)
        if why is not None:
            add(Finding("impossible-gate", "error", (*spath, "gate"),
                        msg("impossible_gate", why=why, stage=STAGE_NAMES[key])))
            res.blocked.update((acc.id, k) for k in keys[i + 1:])
            res.gates.add((acc.id, key))
            res.unwinnable.add(acc.id)
            break


def _veto_static(acc: AccountRules, ranges: Ranges, res: StaticResult) -> None:
    for si, p in enumerate(acc.spec.stakeholders):
        if not p.can_veto or not p.present or p.id in ranges.can_absent:
            continue
        hi = ranges.num[f"trust({p.id})"][1]
        if hi < p.veto_below:
            res.findings.append(Finding(
                "certain-veto", "error", ("accounts", acc.index, "stakeholders", si, "veto_below"),
                msg("certain_veto", who=p.id, max=_num(hi), limit=_num(p.veto_below))))
            res.blocked.add((acc.id, "after_sales"))
            res.unwinnable.add(acc.id)


def _idle_static(acc: AccountRules, res: StaticResult) -> None:
    """Stakeholders who never matter (see the module docstring)."""
    spec = acc.spec
    touched = _named_people(acc)
    total = sum(p.influence for p in spec.stakeholders)
    for si, p in enumerate(spec.stakeholders):
        share = p.influence / total if total else 0.0
        if p.id not in touched and not p.can_veto and share < LITTLE_INFLUENCE:
            res.findings.append(Finding("idle-stakeholder", "warning", ("accounts", acc.index, "stakeholders", si),
                                        msg("idle_stakeholder", who=p.id, share=_pct(share))))


def _named_people(acc: AccountRules) -> set[str]:
    """The stakeholders some effect targets, brings in or takes out, or some condition names."""
    touched = {op.person for op in _operations(acc) if isinstance(op, PersonChange | Join | Leave)}
    spec = acc.spec
    conditions = [tp.when for tp in spec.touchpoints] + [a.when for tp in spec.touchpoints for a in tp.actions]
    conditions += [ev.when for ev in spec.events] + [s.gate for s in spec.stages.values()]
    for c in conditions:
        if c:
            with contextlib.suppress(expr.ExprError):  # the loader compiled it already
                touched.update(_call_args(expr.parse(c)))
    return touched


def _call_args(node: expr.Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        match n:
            case expr.Call(arg=arg):
                out.add(arg)
            case expr.Not(operand=o) | expr.Neg(operand=o):
                stack.append(o)
            case expr.Sum(first=first, rest=rest):
                stack.append(first)
                stack.extend(t for _, t in rest)
            case expr.Compare(left=left, right=right):
                stack.extend((left, right))
            case expr.And(items=items) | expr.Or(items=items):
                stack.extend(items)
    return out


# --- languages ----------------------------------------------------------------------------------------

_KIND_CACHE: dict[type, dict[str, tuple[str, str]]] = {}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _strip(ann: Any) -> Any:
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    return ann


def _kind(ann: Any) -> str | None:
    """'text', 'model', or 'list'/'dict' of those, for a field annotation, or 'varied' for a text
    that may be a list of variants; None for anything else."""
    ann = _strip(ann)
    origin = typing.get_origin(ann)
    if origin in (Union, types.UnionType):
        args = [_strip(a) for a in typing.get_args(ann) if a is not type(None)]
        if str in args and any(typing.get_origin(a) is dict for a in args):
            return "text"
        kinds = {_kind(a) for a in args} - {None}
        if kinds == {"text", "list:model"}:  # a text, or its variants (sim.lang.schema.VariedText)
            return "varied"
        return kinds.pop() if len(kinds) == 1 else None
    if origin is list:
        inner = _kind(typing.get_args(ann)[0])
        return f"list:{inner}" if inner else None
    if origin is dict:
        inner = _kind(typing.get_args(ann)[1])
        return f"dict:{inner}" if inner else None
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "model"
    return None


def _fields(cls: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """Field name -> (kind, key in the YAML) for the fields that hold text, at any depth."""
    if cls not in _KIND_CACHE:
        out = {}
        for name, f in cls.model_fields.items():
            kind = _kind(f.annotation)
            if kind:
                out[name] = (kind, f.alias or name)
        _KIND_CACHE[cls] = out
    return _KIND_CACHE[cls]


def texts(model: BaseModel, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every text (plain or per language) in a model, with its path in the YAML."""
    for name, (kind, key) in _fields(type(model)).items():
        value = getattr(model, name)
        if value is None:
            continue
        here = (*path, key)
        yield from _walk(kind, value, here)


def _walk(kind: str, value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if kind == "varied":  # one text, or a list of variants each with its own text
        kind = "list:model" if isinstance(value, list) else "text"
    if kind == "text":
        yield path, value
    elif kind == "model":
        if isinstance(value, BaseModel):  # e.g. an amount: a number or a Distribution
            yield from texts(value, path)
    elif kind.startswith("list:"):
        for i, v in enumerate(value):
            yield from _walk(kind[5:], v, (*path, i))
    elif kind.startswith("dict:"):
        for k, v in value.items():
            yield from _walk(kind[5:], v, (*path, k))


def language_findings(spec: Any) -> list[Finding]:
    """Texts missing one of the scenario's languages (or written in one it does not list)."""
    langs = list(dict.fromkeys(spec.languages))
    listed = set(langs)
    all_text = ", ".join(langs)
    found: list[Finding] = []
    used: set[str] = set()
    entries = list(texts(spec))
    for _, value in entries:
        if isinstance(value, dict):
            used.update(value)
    unused = [lang for lang in langs if lang not in used] if len(langs) > 1 else []
    for lang in unused:
        found.append(Finding("missing-translation", "warning", ("languages",), msg("language_unused", lang=lang)))
    expected = [lang for lang in langs if lang not in unused]
    for path, value in entries:
        if isinstance(value, dict):
            missing = [lang for lang in expected if lang not in value]
            extra = sorted(set(value) - listed)
            if missing:
                found.append(Finding("missing-translation", "warning", path,
                                     msg("missing_language", langs=", ".join(missing), all=all_text)))
            if extra:
                found.append(Finding("missing-translation", "warning", path,
                                     msg("extra_language", langs=", ".join(extra), all=all_text)))
        elif len(expected) > 1 and _prose(value):
            example = "{" + ", ".join(f"{lang}: ..." for lang in expected) + "}"
            found.append(Finding("missing-translation", "warning", path, msg("plain_text", example=example)))
    return found


def _prose(text: str) -> bool:
    """Plain text that reads as words of one language (not a brand name or a number)."""
    return len(_CJK.findall(text)) >= 2 or len(_WORD.findall(text)) >= 2


# --- run checks ---------------------------------------------------------------------------------------


def _losses(counter: Counter, limit: int = 3) -> Msg | _ListMsg:
    items = [(r, n) for r, n in counter.most_common() if n]
    if not items:
        return msg("none")
    return _ListMsg(tuple((REASON_NAMES.get(r, (r, r)), n) for r, n in items[:limit]))


@dataclass(frozen=True)
class _ListMsg:
    """'veto 30, stalled 12' in either language."""

    items: tuple[tuple[tuple[str, str], int], ...]

    def text(self, locale: str = "en") -> str:
        sep = "，" if locale.startswith("zh") else ", "
        return sep.join(f"{pick(name, locale)} {n}" for name, n in self.items)


@dataclass
class _RunFacts:
    """What the run checks share: the runs' totals, and what earlier findings already explain.

    The steps of :func:`run_checks` run in order and add to ``blocked`` (account and stage no run
    gets to, for a reason already reported) and ``explained`` (accounts whose deal is already known
    never to be won), so that a later check does not report the same cause again.
    """

    ex: Exploration
    static: StaticResult
    runs: Msg  # " (in N seeded bot runs)", the suffix of every message
    blocked: set[tuple[str, str]]
    explained: set[str]
    won_any: bool  # some run won (the scenario can be won at all)
    reached_stage: Counter[tuple[str, str]]  # (account, stage) -> runs that entered it
    passed_gate: Counter[tuple[str, str]]  # (account, stage) -> runs that got past its gate
    losses_at: Counter[tuple[str, str, str]]  # (account, stage lost in, reason) -> runs
    softlocks: Counter[tuple[str, str]]  # (account, touchpoint) -> runs that reached it with nothing offered
    account_wins: Counter[str]  # account -> runs that won it

    @classmethod
    def of(cls, ex: Exploration, static: StaticResult) -> _RunFacts:
        """The facts at the start: totals over every policy's runs, and what the static checks explain."""
        return cls(ex=ex, static=static, runs=msg("runs_suffix", n=ex.runs), blocked=set(static.blocked),
                   explained=set(static.unwinnable), won_any=any(t.wins for t in ex.tallies.values()),
                   reached_stage=ex.total(lambda t: t.stage_reached), passed_gate=ex.total(lambda t: t.gate_passed),
                   losses_at=ex.total(lambda t: t.losses_at), softlocks=ex.total(lambda t: t.softlocks),
                   account_wins=ex.total(lambda t: t.account_wins))


def run_checks(scenario: Any, ex: Exploration, static: StaticResult) -> list[Finding]:
    """Every check that rests on seeded bot runs."""
    if ex.runs == 0:
        return []
    facts = _RunFacts.of(ex, static)
    rules: Rules = scenario.rules
    out = _gates_never_passed(rules, facts)
    out += _softlocks_in_runs(rules, facts)
    out += _never_won_findings(scenario, facts)
    out += _expert_never_wins(ex, facts.runs)
    out += _random_wins_often(scenario, ex, facts.runs)
    out += _coverage(rules, ex, static, facts.blocked, facts.softlocks, facts.runs)
    out += _events_rarely_hold(rules, ex, facts.runs)
    rnd, expert = ex.tallies.get("random"), ex.tallies.get("expert")
    if rnd is not None and expert is not None and facts.won_any:
        out += _dominant(scenario, rnd, expert, facts.runs)
    return out


def _gates_never_passed(rules: Rules, facts: _RunFacts) -> list[Finding]:
    """Per account, the first gate runs reached but never passed: the deal gets no further, so the
    later stages are blocked and the account explained (whether or not a soft-lock is the cause)."""
    out: list[Finding] = []
    single = len(rules.accounts) == 1
    for acc in rules.accounts:
        presale = [s.key for s in acc.stages if s.key != "after_sales"]
        i = _first_unpassed_gate(acc, presale, facts)
        if i is None:
            continue
        key = presale[i]
        if _qualified_out(acc.id, facts):  # the advice is to walk away from this deal: nothing to report
            pass
        elif not _stage_softlocked(acc, key, facts):  # else the soft-lock, reported below, is why the gate never holds
            out.append(_gate_finding(acc, key, facts, single))
        facts.blocked.update((acc.id, k) for k in [*presale[i + 1:], "after_sales"])
        facts.explained.add(acc.id)
    return out


def _qualified_out(account: str, facts: _RunFacts) -> bool:
    """Whether the recommended play walks away from this account (it loses it as ``disqualified``
    in most of the expert's runs): a deal meant to be qualified out, whose later gates few bots
    pass by design."""
    expert = facts.ex.tallies.get("expert")
    return expert is not None and expert.runs > 0 and expert.losses[(account, "disqualified")] * 2 > expert.runs


def _first_unpassed_gate(acc: AccountRules, presale: list[str], facts: _RunFacts) -> int | None:
    """Index of the first stage runs reached but never left; None when there is none before a stage
    already blocked or whose gate a static check found impossible."""
    for i, key in enumerate(presale):
        if (acc.id, key) in facts.blocked or (acc.id, key) in facts.static.gates:
            return None
        if facts.reached_stage[(acc.id, key)] and not facts.passed_gate[(acc.id, key)]:
            return i
    return None


def _stage_softlocked(acc: AccountRules, key: str, facts: _RunFacts) -> bool:
    """Whether a touchpoint of this stage is a soft-lock (found statically or in the runs)."""
    return any((acc.id, t.id) in facts.static.softlocked or facts.softlocks[(acc.id, t.id)]
               for st in acc.stages if st.key == key for t in st.touchpoints)


def _gate_finding(acc: AccountRules, key: str, facts: _RunFacts, single: bool) -> Finding:
    """The gate of stage ``key`` never held: an error when nothing wins, or when it is the only
    account's and enough runs got there to be sure; else a warning."""
    got = facts.reached_stage[(acc.id, key)]
    spath: Path = ("accounts", acc.index, "stages", key)
    gates: dict[str, str | None] = {k: stage.gate for k, stage in acc.spec.stages.items()}
    here = Counter({r: c for (a, st, r), c in facts.losses_at.items() if a == acc.id and st == key})
    return Finding(
        "gate-never-passed",
        "error" if not facts.won_any or (single and got >= GATE_MIN_REACHED) else "warning",
        (*spath, "gate") if gates[key] else spath,
        msg("gate_never_passed", stage=STAGE_NAMES[key], reached=got, losses=_losses(here), runs=facts.runs))


def _softlocks_in_runs(rules: Rules, facts: _RunFacts) -> list[Finding]:
    """Touchpoints runs reached with no action offered, unless a static check already said so."""
    out: list[Finding] = []
    for acc in rules.accounts:
        for ti, tp in enumerate(acc.spec.touchpoints):
            key = (acc.id, tp.id)
            example = facts.ex.softlock_example(key)
            if facts.softlocks[key] and key not in facts.static.softlocked and example is not None:
                out.append(Finding("soft-lock", "error", ("accounts", acc.index, "touchpoints", ti), msg(
                    "softlock_runs", hits=facts.softlocks[key], policy=POLICY_NAMES[example.policy],
                    seed=example.seed, day=_num(round(example.day, 1)), runs=facts.runs)))
    return out


def _never_won_findings(scenario: Any, facts: _RunFacts) -> list[Finding]:
    """Accounts no run won (a warning while runs still win the scenario), unless already explained;
    then a pipeline no run wins enough accounts of, when no account explains it."""
    out: list[Finding] = []
    for acc in scenario.rules.accounts:
        if facts.account_wins[acc.id] == 0:
            facts.blocked.add((acc.id, "after_sales"))
            if acc.id not in facts.explained:
                out.append(_never_won(scenario, acc, facts.ex, facts.runs, "warning" if facts.won_any else "error"))
                facts.explained.add(acc.id)
    if not facts.won_any and not facts.explained:
        best = max(t.best_wins for t in facts.ex.tallies.values())
        out.append(Finding("never-won", "error", ("rubric", "wins_needed"),
                           msg("never_won_pipeline", needed=scenario.rubric.wins_needed, best=best, runs=facts.runs)))
    return out


def _expert_never_wins(ex: Exploration, runs: Msg) -> list[Finding]:
    """The recommended actions never win while some other bot does."""
    expert = ex.tallies.get("expert")
    first_win = ex.first_win()
    if expert is None or not expert.runs or expert.wins != 0 or first_win is None:
        return []
    return [Finding("expert-never-wins", "warning", ("rubric",), msg(
        "expert_never_wins", expert=expert.runs, losses=_losses(Counter(_by_reason(expert.losses))),
        example=_ExampleMsg(first_win), runs=runs), prefer="key")]


def _random_wins_often(scenario: Any, ex: Exploration, runs: Msg) -> list[Finding]:
    """Random play wins more than :data:`RANDOM_WIN_LIMIT` of its runs."""
    rnd = ex.tallies.get("random")
    if rnd is None or not rnd.runs or rnd.wins / rnd.runs <= RANDOM_WIN_LIMIT:
        return []
    lo, hi = wilson_interval(rnd.wins, rnd.runs)
    where: Path = ("difficulty",) if "difficulty" in scenario.spec.model_fields_set else ("id",)
    return [Finding("random-wins-often", "warning", where, msg(
        "random_wins_often", rate=_pct(rnd.wins / rnd.runs), lo=_pct(lo), hi=_pct(hi), n=rnd.runs,
        limit=_pct(RANDOM_WIN_LIMIT), runs=runs))]


def _coverage(rules: Rules, ex: Exploration, static: StaticResult, blocked: set[tuple[str, str]],
              softlocks: Counter, runs: Msg) -> list[Finding]:
    """Touchpoints no run reaches and actions no run is offered (where no error explains why)."""
    out = []
    for acc in rules.accounts:
        for ti, tp in enumerate(acc.spec.touchpoints):
            key = (acc.id, tp.id)
            if (key in static.dead_touchpoints or key in static.softlocked or softlocks[key]
                    or (acc.id, tp.stage) in blocked):
                continue
            tpath: Path = ("accounts", acc.index, "touchpoints", ti)
            reached = ex.reached(key)
            if not reached:
                out.append(Finding("unreached-touchpoint", "warning", tpath,
                                   msg("unreached_touchpoint", runs=runs)))
                continue
            for ai, a in enumerate(tp.actions):
                if (acc.id, tp.id, a.id) not in static.dead_actions and not ex.offered(key, a.id):
                    out.append(Finding("unoffered-action", "warning", (*tpath, "actions", ai),
                                       msg("unoffered_action", reached=reached, runs=runs)))
    return out


def _events_rarely_hold(rules: Rules, ex: Exploration, runs: Msg) -> list[Finding]:
    """Events whose condition, tested only on their day, rarely held then though it held at other
    moments (see the module docstring)."""
    tallies = ex.events()
    out: list[Finding] = []
    for acc in rules.accounts:
        for ei, ev in enumerate(acc.spec.events):
            t = tallies.get((acc.id, ev.id))
            if t is None or t.reached < EVENT_MIN_REACHED or t.held >= EVENT_RARE_SHARE * t.reached:
                continue
            if t.true_later < EVENT_RARE_SHARE * t.reached:
                continue
            day = msg("day_after_close" if ev.after == "close" else "day_after_start", day=_num(ev.day))
            out.append(Finding("event-rarely-holds", "warning", ("accounts", acc.index, "events", ei, "when"),
                               msg("event_rare", day=day, held=t.held, reached=t.reached,
                                   other=t.true_later, runs=runs)))
    return out


def _by_reason(losses: Counter) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_acc, reason), c in losses.items():
        out[reason] = out.get(reason, 0) + c
    return out


@dataclass(frozen=True)
class _ExampleMsg:
    """'random policy, seed 17' in either language."""

    example: Any

    def text(self, locale: str = "en") -> str:
        name = pick(POLICY_NAMES[self.example.policy], locale)
        if locale.startswith("zh"):
            return f"例如{name}策略，种子{self.example.seed}"
        return f"e.g. {name} policy, seed {self.example.seed}"


def _never_won(scenario: Any, acc: AccountRules, ex: Exploration, runs: Msg, severity: str) -> Finding:
    """No run won this account: say why, at the field most to blame."""
    losses = Counter({r: c for (a, r), c in ex.total(lambda t: t.losses).items() if a == acc.id})
    vetoes = Counter({p: c for (a, p), c in ex.total(lambda t: t.vetoes).items() if a == acc.id})
    top = losses.most_common(1)[0][0] if losses else ""
    base: Path = ("accounts", acc.index)
    path: Path = base if len(scenario.rules.accounts) > 1 else ("id",)
    if top == "veto" and vetoes:
        pid = vetoes.most_common(1)[0][0]
        path = (*base, "stakeholders", next(i for i, p in enumerate(acc.spec.stakeholders) if p.id == pid))
    elif top == "competitor" and acc.spec.competitor is not None:
        path = (*base, "competitor")
    elif top == "patience":
        path = (*base, "patience_days")
    if len(scenario.rules.accounts) > 1:
        return Finding("never-won", severity, path,
                       msg("never_won_account", account=acc.id, losses=_losses(losses), runs=runs))
    return Finding("never-won", severity, path, msg("never_won", losses=_losses(losses), runs=runs))


def _dominant(scenario: Any, rnd: Tally, expert: Tally, runs: Msg) -> list[Finding]:
    out: list[Finding] = []
    e_win = expert.wins / expert.runs if expert.runs else 0.0
    e_score = expert.summary.as_dict()["score_mean"] or 0.0
    for acc in scenario.rules.accounts:
        for ti, tp in enumerate(acc.spec.touchpoints):
            t = rnd.touchpoints[(acc.id, tp.id)]
            if t.reached.runs < DOMINANT_REACH * rnd.runs:
                continue
            means = {aid: a.picked.score_mean for aid, a in t.actions.items() if a.picked.runs}
            if len(means) < 2:
                continue
            best = max(means, key=lambda k: means[k])  # type: ignore[arg-type, return-value]
            picked = t.actions[best].picked
            other = t.reached.minus(picked)
            if picked.runs < DOMINANT_MIN_RUNS or other.runs < DOMINANT_MIN_RUNS:
                continue
            win, other_win = picked.wins / picked.runs, other.wins / other.runs
            if (win >= max(0.5, 0.9 * e_win) and (picked.score_mean or 0.0) >= e_score - DOMINANT_SCORE_SLACK
                    and win - other_win >= DOMINANT_WIN_GAP):
                ai = next(i for i, a in enumerate(tp.actions) if a.id == best)
                where: Path = ("accounts", acc.index, "touchpoints", ti, "actions", ai)
                out.append(Finding("dominant-action", "warning", where,
                                   msg("dominant_action", action=best, win=_pct(win), expert=_pct(e_win),
                                       other=_pct(other_win), runs=runs)))
    return out
