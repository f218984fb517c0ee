"""Does the case teach judgment? Measured with bots through the stepping API, as a trainee plays.

A case teaches judgment only if skill, not surface cues or dice, decides it. Three measurements:

* **Answer leaks** (no runs): the recommended action is the longest text in many touchpoints, is the
  only one with a detail line, or names the technique it stands for (SPIN, 痛点...). A trainee soon
  learns to read such cues instead of the buyer.
* **Surface bots**: players that follow a cue instead of judgment (always the longest text, the
  first option shown, the most days, the fewest days) must not do much better than random play;
  beside them, the expert (the author's advice) and random play give how much of the variance of
  the score skill explains (an equal pool of expert and random runs: the share of the score's
  variance between the two groups), and how often random play beats the expert on the same seed.
* **One deviation**: expert play except one choice, on the same seeds as expert play. No action
  the author does not recommend may beat the recommended one by more than a margin (the model
  would then contradict the coach), and a consequence the coach promises for an action (a veto, a
  lost deal) must happen at least sometimes when it is chosen.

Runs go through :func:`sim.runs.policies.play` and :func:`scoring.score_run`, run ``i`` uses seed
``seed + i``, and the deviation runs use the very seeds of the expert runs, so differences between
them are paired (common random numbers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring import score_run
from sim.engine.decisions import DecisionPoint
from sim.engine.loader import LoadedScenario
from sim.engine.rules import MOVE_ON, AgendaBlock, PriceChange, flatten
from sim.engine.session import Session
from sim.lang.schema import TECHNIQUE_TERMS, Action, Touchpoint
from sim.lang.text import resolve
from sim.runs.policies import ExpertPolicy, Policy, RandomPolicy, play

__all__ = [
    "LONGEST_SHARE",
    "SURFACE_BOTS",
    "Deviation",
    "DeviationPolicy",
    "Leak",
    "SkillReport",
    "SurfacePolicy",
    "TypicalSeller",
    "alternatives",
    "deviations",
    "leaks",
    "promise_broken",
    "skill_report",
    "variance_explained",
]

#: The recommended option may be the strictly longest text in at most this share of touchpoints.
LONGEST_SHARE = 1 / 3
#: Players that follow a surface cue; each picks the option with the highest key (ties: first shown).
SURFACE_BOTS = ("longest", "first", "most_days", "fewest_days")


# --- answer leaks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    """A cue that gives the answer away: ``kind`` is ``longest`` (the recommended option is the
    longest text in ``count`` of ``of`` touchpoints), ``detail`` (some options of a touchpoint
    have a detail line and others not) or ``term`` (a recommended option names a technique)."""

    kind: str
    account: int  # index in the scenario's accounts
    touchpoint: int  # index in the account's touchpoints
    action: int | None = None  # index in the touchpoint's actions (term)
    term: str = ""
    count: int = 0
    of: int = 0


def _texts(value: Any) -> list[str]:
    """Every language's text of a text field (or of its variants)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return [t for v in value for t in _texts(v.text)]
    return []


def _length(action: Action, locale: str | None = None) -> int:
    label = action.label
    if isinstance(label, dict):
        return len(label.get(locale or "", next(iter(label.values()))))
    return len(label)


def _strictly_longest(tp: Touchpoint, locale: str) -> bool:
    """Whether a recommended action's label is longer than every other action's, in ``locale``."""
    recommended = [a for a in tp.actions if a.recommended]
    others = [a for a in tp.actions if not a.recommended]
    if not recommended or not others:
        return False
    return max(_length(a, locale) for a in recommended) > max(_length(a, locale) for a in others)


def leaks(scenario: LoadedScenario) -> list[Leak]:
    """The answer leaks of a scenario (see the module docstring)."""
    spec = scenario.spec
    terms = [t.lower() for t in (*TECHNIQUE_TERMS, *spec.checks.leak_terms)]
    out: list[Leak] = []
    for ai, account in enumerate(spec.accounts):
        for ti, tp in enumerate(account.touchpoints):
            details = [a.detail is not None for a in tp.actions]
            if any(details) and not all(details):
                out.append(Leak("detail", ai, ti))
            for ki, action in enumerate(tp.actions):
                if not action.recommended:
                    continue
                words = " ".join(_texts(action.label) + _texts(action.detail)).lower()
                hit = next((t for t in terms if t in words), None)
                if hit is not None:
                    out.append(Leak("term", ai, ti, ki, term=hit))
    for locale in spec.languages[:1] or ["en"]:
        choices = [(ai, ti, tp) for ai, a in enumerate(spec.accounts) for ti, tp in enumerate(a.touchpoints)
                   if len(tp.actions) > 1 and any(x.recommended for x in tp.actions)]
        longest = [(ai, ti) for ai, ti, tp in choices if _strictly_longest(tp, locale)]
        if choices and len(longest) > LONGEST_SHARE * len(choices):
            ai, ti = longest[0]
            out.append(Leak("longest", ai, ti, count=len(longest), of=len(choices)))
    return out


# --- surface bots and skill ---------------------------------------------------------------------------


class SurfacePolicy:
    """A player who follows a surface cue instead of judgment: the longest label, the first option
    shown, the most seller days or the fewest (ties go to the option shown first)."""

    def __init__(self, cue: str, locale: str = "en") -> None:
        if cue not in SURFACE_BOTS:
            raise ValueError(f"unknown cue {cue!r}")
        self.cue = cue
        self.name = cue
        self.locale = locale

    def _key(self, point: DecisionPoint, session: Session, index: int) -> float:
        option = point.options[index]
        if self.cue == "first":
            return -index
        if self.cue in ("most_days", "fewest_days"):
            return option.days if self.cue == "most_days" else -option.days
        return float(len(_label(session, point, option.id, self.locale)))

    def choose(self, point: DecisionPoint, session: Session) -> str:
        best = max(range(len(point.options)), key=lambda i: (self._key(point, session, i), -i))
        return point.options[best].id


def _label(session: Session, point: DecisionPoint, option: str, locale: str) -> str:
    """The text a trainee reads for an option."""
    if point.kind == "action":
        account = next(a for a in session.rules.accounts if a.id == point.account)
        return resolve(account.touchpoints[point.touchpoint].by_id[option].spec.label, locale)
    if point.kind == "agenda":
        account = next(a for a in session.rules.accounts if a.id == point.account)
        tp = account.touchpoints.get(option)
        return resolve(tp.spec.title, locale) if tp is not None else option
    return option


class TypicalSeller:
    """A typical seller, the one the roadmap is meant to improve on: fast, product-first and
    discount-happy. At each decision it takes an action that lowers the price when one is offered
    (a discount), else the quickest option (fewest seller days; ties: the first shown), and on an
    agenda it moves on at once (no time spent on meetings it need not have). It is the "seller who
    does not use the roadmap" of the seed article's case figures, against the expert's "seller who
    does"."""

    name = "typical"

    def choose(self, point: DecisionPoint, session: Session) -> str:
        if point.kind == "agenda" and point.option(MOVE_ON) is not None:
            return MOVE_ON
        if point.kind == "action":
            account = next(a for a in session.rules.accounts if a.id == point.account)
            actions = account.touchpoints[point.touchpoint].by_id
            for o in point.options:
                if any(isinstance(op, PriceChange) and _lowers(op) for op in flatten(actions[o.id].ops)):
                    return o.id
        return min(point.options, key=lambda o: o.days).id


def _lowers(op: PriceChange) -> bool:
    amount = op.amount
    return getattr(amount, "value", getattr(amount, "mean", getattr(amount, "high", 0.0))) * op.scale < 0


@dataclass
class SkillReport:
    """How much skill decides a case, over ``runs`` seeded runs per player."""

    runs: int
    seed: int
    conversion: dict[str, float]  # player -> share of runs won
    score: dict[str, float]  # player -> mean score
    skill_share: float  # share of the score's variance explained by expert against random
    random_beats_expert: float  # share of seeds on which random play scores above the expert

    def surface_gap(self) -> dict[str, float]:
        """How many conversion points each surface bot gains over random play."""
        return {b: self.conversion[b] - self.conversion["random"] for b in SURFACE_BOTS if b in self.conversion}


def variance_explained(a: Sequence[float], b: Sequence[float]) -> float:
    """The share of the variance of an equal pool of two groups of scores that lies between the
    groups (the correlation ratio squared); 0 when every score is the same."""
    pool = [*a, *b]
    mean = statistics.fmean(pool)
    total = sum((x - mean) ** 2 for x in pool)
    if total == 0:
        return 0.0
    between = len(a) * (statistics.fmean(a) - mean) ** 2 + len(b) * (statistics.fmean(b) - mean) ** 2
    return between / total


def _scores(scenario: LoadedScenario, make: Callable[[int], Policy], runs: int, seed: int) -> list[tuple[bool, float]]:
    out = []
    for s in range(seed, seed + runs):
        card = score_run(play(scenario, make(s), s).trace, scenario.rubric)
        out.append((card.won, card.score))
    return out


def skill_report(scenario: LoadedScenario, runs: int, seed: int = 0, locale: str | None = None,
                 progress: Callable[[int], None] | None = None) -> SkillReport:
    """Expert, random and each surface bot over the same ``runs`` seeds."""
    locale = locale or (scenario.spec.languages[0] if scenario.spec.languages else "en")
    makers: dict[str, Callable[[int], Policy]] = {"expert": lambda s: ExpertPolicy(), "random": RandomPolicy,
                                                  "typical": lambda s: TypicalSeller()}
    for cue in SURFACE_BOTS:
        makers[cue] = lambda s, cue=cue: SurfacePolicy(cue, locale)  # type: ignore[misc]
    results: dict[str, list[tuple[bool, float]]] = {}
    for name, make in makers.items():
        results[name] = _scores(scenario, make, runs, seed)
        if progress is not None:
            progress(runs)
    expert = [s for _, s in results["expert"]]
    rnd = [s for _, s in results["random"]]
    return SkillReport(
        runs=runs,
        seed=seed,
        conversion={n: sum(w for w, _ in r) / runs for n, r in results.items()},
        score={n: statistics.fmean(s for _, s in r) for n, r in results.items()},
        skill_share=variance_explained(expert, rnd),
        random_beats_expert=sum(r > e for r, e in zip(rnd, expert, strict=True)) / runs,
    )


# --- one deviation ------------------------------------------------------------------------------------


class DeviationPolicy:
    """Expert play, except the first time ``action`` is offered at ``touchpoint`` (an
    ``account/touchpoint`` key): then it is chosen."""

    name = "deviation"

    def __init__(self, touchpoint: str, action: str) -> None:
        self.touchpoint = touchpoint
        self.action = action
        self.done = False  # the deviation was made
        self.expert = ExpertPolicy()

    def choose(self, point: DecisionPoint, session: Session) -> str:
        if not self.done and point.key == self.touchpoint and point.option(self.action) is not None:
            self.done = True
            return self.action
        return self.expert.choose(point, session)


@dataclass
class Deviation:
    """What choosing ``action`` once at a touchpoint, instead of following the author, does to the
    runs where it was offered: the paired difference in score (deviation minus expert) with its
    95% interval, the win rates, and how its deals were lost."""

    account: str
    touchpoint: str
    action: str
    runs: int  # runs in which the action was offered and chosen
    score_gain: float  # mean of the paired score differences
    ci95: tuple[float, float]
    win_rate: float
    expert_win_rate: float  # of the expert on the same seeds
    losses: dict[str, int] = field(default_factory=dict)  # loss reason -> runs
    promises: tuple[str, ...] = ()

    @property
    def beats_coach(self) -> bool:
        """Whether the deviation scores better than expert play beyond noise."""
        return self.runs > 1 and self.ci95[0] > 0


def _mean_ci(diffs: list[float]) -> tuple[float, tuple[float, float]]:
    n = len(diffs)
    if n == 0:
        return 0.0, (0.0, 0.0)
    mean = statistics.fmean(diffs)
    if n == 1:
        return mean, (mean, mean)
    half = 1.96 * statistics.stdev(diffs) / math.sqrt(n)
    return mean, (mean - half, mean + half)


def alternatives(scenario: LoadedScenario) -> Iterable[tuple[str, str, str, tuple[str, ...]]]:
    """(account, decision key, option, promises) of every option the author advises against: each
    action not recommended at a touchpoint where something is, and at each agenda's first decision,
    each meeting not recommended, and moving on at once while recommended ones remain (the order of
    the recommended meetings is not advice: the expert takes them in the order written)."""
    for account in scenario.rules.accounts:
        for stage in account.stages:
            for step in stage.steps:
                if isinstance(step, AgendaBlock):
                    advised = [tp.id for tp in step.touchpoints if tp.recommended]
                    others = [tp.id for tp in step.touchpoints if not tp.recommended]
                    for option in (*others, MOVE_ON) if advised else others:
                        yield account.id, step.key, option, ()
        for tp in account.touchpoints.values():
            if not any(a.recommended for a in tp.actions):
                continue
            for a in tp.actions:
                if not a.recommended:
                    yield account.id, tp.key, a.id, tuple(a.spec.promises)


#: With ``settle``, the one-deviation table plays each option in batches of this many seeds, and at
#: least :data:`SETTLE_MIN` of them.
SETTLE_BATCH = 10
SETTLE_MIN = 20


def deviations(scenario: LoadedScenario, runs: int, seed: int = 0,
               progress: Callable[[int], None] | None = None,
               settle: tuple[float, float] | None = None) -> list[Deviation]:
    """The one-deviation table: every non-recommended action against expert play, on the same seeds.

    With ``settle = (cost, gain)``, an option stops early, once it has played at least
    :data:`SETTLE_MIN` seeds, when its 95% interval shows it surely costs more than ``cost`` points
    or surely gains more than ``gain`` (what ``touchpoint check`` asks of it is then decided), and
    every consequence it promises has happened; an option the expert's path has not met in its
    first :data:`SETTLE_MIN` seeds stops there. Without it, every option plays all ``runs`` seeds.
    """
    expert: dict[int, tuple[bool, float]] = {}

    def baseline(s: int) -> tuple[bool, float]:
        if s not in expert:
            card = score_run(play(scenario, ExpertPolicy(), s).trace, scenario.rubric)
            expert[s] = (card.won, card.score)
        return expert[s]

    out = []
    for account, key, action, promises in alternatives(scenario):
        diffs: list[float] = []
        wins = expert_wins = played = 0
        losses: dict[str, int] = {}
        for s in range(seed, seed + runs):
            if settle is not None and played >= SETTLE_MIN and played % SETTLE_BATCH == 0 and _settled(
                    diffs, losses, promises, settle):
                break
            played += 1
            policy = DeviationPolicy(key, action)
            session = play(scenario, policy, s)
            if not policy.done:
                continue
            card = score_run(session.trace, scenario.rubric)
            won, score = baseline(s)
            diffs.append(card.score - score)
            wins += card.won
            expert_wins += won
            for acc in card.accounts:
                if acc.result == "lost":
                    losses[acc.reason] = losses.get(acc.reason, 0) + 1
        mean, ci = _mean_ci(diffs)
        n = len(diffs)
        out.append(Deviation(account, key.split("/", 1)[1], action, n, mean, ci,
                             wins / n if n else 0.0, expert_wins / n if n else 0.0, losses, promises))
        if progress is not None:
            progress(runs)
    return out


def _settled(diffs: list[float], losses: dict[str, int], promises: tuple[str, ...],
             settle: tuple[float, float]) -> bool:
    """Whether an option's check is decided (see :func:`deviations`)."""
    if not diffs:
        return True  # the expert's path does not meet it
    if any(losses.get(p, 0) == 0 for p in promises):
        return False
    _, (lo, hi) = _mean_ci(diffs)
    cost, gain = settle
    return hi < -cost or lo > gain


def promise_broken(d: Deviation) -> list[str]:
    """The consequences the coach promises for the action that never happened when it was chosen."""
    return [p for p in d.promises if d.runs > 0 and d.losses.get(p, 0) == 0]
