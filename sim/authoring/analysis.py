"""Bot exploration of a scenario: what seeded headless runs reveal about its design.

``touchpoint check`` and ``touchpoint balance`` both need the same facts from many runs: which
touchpoints are reached and which actions offered, which stage gates are passed, how runs that
picked an action ended, where a buyer reached a touchpoint that offered nothing. A :class:`Tally`
gathers them for one policy, run by run, from the trace alone (plus one probe, below).

Runs go through the same path as ``touchpoint run`` (:func:`sim.runs.policies.play`, then
:func:`scoring.score_run` and :class:`scoring.Summary`), and run ``i`` uses seed ``S + i``, so
every number here agrees with ``touchpoint run`` for the same policy and seeds.

Soft-locks (a touchpoint reached while none of its actions is offered) leave no trace: the engine
quietly skips such a touchpoint. :class:`SoftLockProbe` finds them without touching the engine by
wrapping the ``when`` of the touchpoints at risk (those whose every action has a ``when`` or may
be chosen once only) in a copy of the compiled rules; the wrapper returns exactly what the
original returns and draws nothing from the run's dice, so the runs are unchanged.

The same probe watches the author's events with a condition: an event tests its ``when`` only on
its own day, so the probe notes whether it held then, and, when it did not, whether it became true
later in the run (reading the condition again at each later decision and at the end, which
changes nothing).

A big scenario makes long runs: ``explore`` can hold its runs to a budget of decisions
(``max_decisions``), stopping each bot's runs once its share is spent, so ``check`` keeps to
seconds whatever the size; the findings then say how many runs they rest on.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring import AccountCard, Scorecard, Summary, score_run
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.engine.rules import AccountRules, AgendaBlock, Rules, Step, TouchpointRule
from sim.engine.session import Session
from sim.runs.policies import POLICY_STREAM, ExpertPolicy, Policy, play, policy_factory

__all__ = [
    "EXPERT_SHARE",
    "RANDOM_SHARE",
    "ActionTally",
    "EventTally",
    "Example",
    "Exploration",
    "ExplorerPolicy",
    "Outcomes",
    "SoftLockHit",
    "SoftLockProbe",
    "StageKey",
    "Tally",
    "TouchpointTally",
    "TpKey",
    "explore",
    "run_policy",
    "split_runs",
]

#: Share of the check's runs given to each bot (the rest go to the explorer).
RANDOM_SHARE = 0.5
EXPERT_SHARE = 1 / 6

TpKey = tuple[str, str]  # (account id, touchpoint id)
StageKey = tuple[str, str]  # (account id, stage key)


# --- the explorer bot ---------------------------------------------------------------------------------


class ExplorerPolicy:
    """Follows the author's recommended actions but, with probability ``epsilon``, tries another.

    Random play rarely gets deep into a hard case and the expert always walks the same road; an
    expert that sometimes strays reaches the later touchpoints *and* their alternative actions.
    """

    name = "explorer"

    def __init__(self, seed: int, epsilon: float = 0.3) -> None:
        self.rng = np.random.default_rng([seed, POLICY_STREAM, 0xE7])
        self.epsilon = epsilon
        self.expert = ExpertPolicy()

    def choose(self, point: DecisionPoint, session: Session) -> str:
        if self.rng.random() < self.epsilon:
            return point.options[int(self.rng.integers(len(point.options)))].id
        return self.expert.choose(point, session)


# --- the soft-lock probe ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoftLockHit:
    account: str
    touchpoint: str
    day: float


@dataclass
class EventTally:
    """An event with a condition over a policy's runs: runs that reached its day (its chance
    drawn, its deal open), those where its condition held then, and those where it did not hold
    then but became true later in the run."""

    reached: int = 0
    held: int = 0
    true_later: int = 0


class SoftLockProbe:
    """A copy of the rules that notes when a touchpoint is reached with no action offered, and how
    events with a condition fare on their day (:class:`EventTally`).

    The engine evaluates a touchpoint's ``when`` first in the stage's first pass, as a step of the
    stage (then again only when choosing a repeat, where an empty touchpoint is simply not
    picked). A stage is entered once per run, so the first evaluation per deal and touchpoint is
    the first pass: that is where an empty touchpoint is a soft-lock. Touchpoints of an agenda
    are not watched: one that offers nothing is left off the agenda, which is no soft-lock.
    """

    def __init__(self, rules: Rules) -> None:
        self.hits: list[SoftLockHit] = []
        self._seen: set[tuple[int, str]] = set()
        self.watched: set[TpKey] = set()
        #: (account, event) -> its condition, for the events that have one
        self.conditions: dict[tuple[str, str], Callable[[Any], bool]] = {}
        self.on_day: dict[tuple[str, str], bool] = {}  # this run: did the condition hold on the day
        self.true_later: set[tuple[str, str]] = set()  # this run: false on the day, true at a later decision
        self.rules = dataclasses.replace(rules, accounts=tuple(self._events(self._account(a)) for a in rules.accounts))

    def reset(self) -> None:
        """Forget the last run (call before each run)."""
        self.hits = []
        self._seen = set()
        self.on_day = {}
        self.true_later = set()

    def sample(self, deals: Iterable[Any]) -> None:
        """Read again, now (at a decision, or at the end of a run), the condition of each watched
        event that did not hold on its day."""
        waiting = [key for key, held in self.on_day.items() if not held and key not in self.true_later]
        if not waiting:
            return
        by_id = {deal.id: deal for deal in deals}
        for key in waiting:
            deal = by_id.get(key[0])
            if deal is not None and self.conditions[key](deal):
                self.true_later.add(key)

    def _events(self, acc: AccountRules) -> AccountRules:
        if not any(ev.when is not None for ev in (*acc.events_start, *acc.events_close)):
            return acc

        def watch(ev: Any) -> Any:
            if ev.when is None:
                return ev
            key = (acc.id, ev.id)
            original = ev.when
            self.conditions[key] = original

            def when(deal: Any) -> bool:
                holds = bool(original(deal))
                self.on_day.setdefault(key, holds)
                return holds

            return dataclasses.replace(ev, when=when)

        return dataclasses.replace(acc, events_start=tuple(watch(e) for e in acc.events_start),
                                   events_close=tuple(watch(e) for e in acc.events_close))

    def _account(self, acc: AccountRules) -> AccountRules:
        swap: dict[str, TouchpointRule] = {}
        for tp in acc.touchpoints.values():
            # at risk: every action may be left out (by its 'when', or once it was chosen)
            if tp.actions and not tp.agenda and all(a.when is not None or a.once for a in tp.actions):
                swap[tp.id] = dataclasses.replace(tp, when=self._watch(acc.id, tp))
                self.watched.add((acc.id, tp.id))
        if not swap:
            return acc

        def step(s: Step) -> Step:  # the engine walks a stage's steps: swap them too
            if isinstance(s, AgendaBlock):
                return dataclasses.replace(s, touchpoints=tuple(swap.get(t.id, t) for t in s.touchpoints))
            return swap.get(s.id, s)

        stages = tuple(
            dataclasses.replace(st, touchpoints=tuple(swap.get(t.id, t) for t in st.touchpoints),
                                steps=tuple(step(s) for s in st.steps))
            for st in acc.stages
        )
        return dataclasses.replace(acc, stages=stages, touchpoints={k: swap.get(k, v) for k, v in
                                                                   acc.touchpoints.items()})

    def _watch(self, account: str, tp: TouchpointRule) -> Callable[[Any], bool]:
        original = tp.when
        tp_id = tp.id

        def when(deal: Any) -> bool:
            holds = True if original is None else original(deal)
            key = (id(deal), tp_id)
            if key not in self._seen:
                self._seen.add(key)
                if holds and tp.offer(deal) is None:  # offer reads conditions only: it draws nothing
                    self.hits.append(SoftLockHit(account, tp_id, deal.world.env.now))
            return holds

        return when


# --- tallies ------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """Runs counted, won, and their scores: the outcome of a group of runs."""

    runs: int = 0
    wins: int = 0
    score_sum: float = 0.0

    def add(self, won: bool, score: float) -> None:
        self.runs += 1
        self.wins += won
        self.score_sum += score

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.runs if self.runs else None

    @property
    def score_mean(self) -> float | None:
        return self.score_sum / self.runs if self.runs else None

    def minus(self, other: Outcomes) -> Outcomes:
        """The runs in ``self`` that are not in ``other`` (``other`` must be a subset)."""
        return Outcomes(self.runs - other.runs, self.wins - other.wins, self.score_sum - other.score_sum)


@dataclass
class ActionTally:
    picks: int = 0  # decisions that chose it
    offered_runs: int = 0  # runs in which it was offered at least once
    picked: Outcomes = field(default_factory=Outcomes)  # runs that chose it at least once


@dataclass
class TouchpointTally:
    decisions: int = 0
    reached: Outcomes = field(default_factory=Outcomes)  # runs that reached it at least once
    actions: dict[str, ActionTally] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """A run that shows a finding, so an author can reproduce it."""

    policy: str
    seed: int
    day: float = 0.0


class Tally:
    """Everything counted over the runs of one policy."""

    def __init__(self, scenario: Any, policy: str, seed: int) -> None:
        self.scenario_id: str = scenario.id
        self.policy = policy
        self.seed = seed
        self.summary = Summary()
        self.stage_reached: Counter[StageKey] = Counter()
        self.gate_passed: Counter[StageKey] = Counter()
        self.softlocks: Counter[TpKey] = Counter()
        self.softlock_example: dict[TpKey, Example] = {}
        self.vetoes: Counter[tuple[str, str]] = Counter()  # (account, stakeholder)
        self.losses: Counter[tuple[str, str]] = Counter()  # (account, reason)
        self.losses_at: Counter[tuple[str, str, str]] = Counter()  # (account, stage lost in, reason)
        self.account_wins: Counter[str] = Counter()
        self.best_wins = 0  # most accounts won in one run (a pipeline)
        self.first_win: Example | None = None
        self.decisions = 0  # over all the runs
        self.events: dict[tuple[str, str], EventTally] = {}
        self._presale = {a.id: [s.key for s in a.stages if s.key != "after_sales"] for a in scenario.rules.accounts}
        self.touchpoints: _Touchpoints = _Touchpoints(scenario.rules)

    @property
    def runs(self) -> int:
        return self.summary.runs

    @property
    def wins(self) -> int:
        return self.summary.wins

    def add(self, session: Session, card: Scorecard, seed: int, hits: Iterable[SoftLockHit] = (),
            probe: SoftLockProbe | None = None) -> None:
        """Count one finished run (with the probe's notes on it)."""
        if probe is not None:
            self._count_events(probe)
        self.summary.add(card)
        if card.won and self.first_win is None:
            self.first_win = Example(self.policy, seed)
        self._count_decisions(session.trace, card)
        for acc in card.accounts:
            self._count_account(acc)
        self.best_wins = max(self.best_wins, sum(a.result == "won" for a in card.accounts))
        for deal in session.deals:
            if deal.status == "lost" and deal.reason == "veto":
                for p in deal.people.values():
                    if p.vetoes:
                        self.vetoes[(deal.id, p.id)] += 1
        for hit in hits:
            key = (hit.account, hit.touchpoint)
            self.softlocks[key] += 1
            self.softlock_example.setdefault(key, Example(self.policy, seed, hit.day))

    def _count_events(self, probe: SoftLockProbe) -> None:
        for key, held in probe.on_day.items():
            t = self.events.setdefault(key, EventTally())
            t.reached += 1
            t.held += held
            t.true_later += (not held) and key in probe.true_later

    def _count_decisions(self, trace: Iterable[tr.TraceEvent], card: Scorecard) -> None:
        """Touchpoints reached, actions picked and offered in one run, and how the run ended."""
        reached: set[TpKey] = set()
        picked: set[tuple[str, str, str]] = set()
        offered: set[tuple[str, str, str]] = set()
        for e in trace:
            if not isinstance(e, tr.Decision):
                continue
            key = (e.account, e.touchpoint)
            tally = self.touchpoints.tally(key)
            tally.decisions += 1
            self.decisions += 1
            tally.actions[e.action].picks += 1
            reached.add(key)
            picked.add((e.account, e.touchpoint, e.action))
            offered.update((e.account, e.touchpoint, a) for a in e.offered)
        for key in reached:
            self.touchpoints[key].reached.add(card.won, card.score)
        for acc, tp, action in picked:
            self.touchpoints[(acc, tp)].actions[action].picked.add(card.won, card.score)
        for acc, tp, action in offered:
            self.touchpoints[(acc, tp)].actions[action].offered_runs += 1

    def _count_account(self, acc: AccountCard) -> None:
        """Stages an account reached, gates it passed, and how its deal ended."""
        presale = self._presale[acc.account]
        entered = set(acc.stages)
        for i, stage in enumerate(presale):
            if stage not in entered:
                break
            self.stage_reached[(acc.account, stage)] += 1
            if i + 1 < len(presale):
                passed = presale[i + 1] in entered
            else:  # the last gate before after-sales is the close: won, or vetoed at it
                passed = acc.result == "won" or (acc.result == "lost" and acc.reason == "veto")
            if passed:
                self.gate_passed[(acc.account, stage)] += 1
        if acc.result == "lost":
            self.losses[(acc.account, acc.reason)] += 1
            self.losses_at[(acc.account, acc.stages[-1] if acc.stages else "", acc.reason)] += 1
        elif acc.result == "won":
            self.account_wins[acc.account] += 1

    def summary_dict(self) -> dict[str, Any]:
        """The same JSON as ``touchpoint run --json`` for this policy and seeds."""
        return {"scenario": self.scenario_id, "policy": self.policy, "seed": self.seed, **self.summary.as_dict()}

    def touchpoint_report(self) -> list[dict[str, Any]]:
        """Per touchpoint: how often each action was picked and how the runs that picked it ended."""
        out = []
        for acc, tp in self.touchpoints.keys_in_order():
            t = self.touchpoints[(acc, tp)]
            actions = []
            for aid, a in t.actions.items():
                other = t.reached.minus(a.picked)
                actions.append({
                    "action": aid,
                    "picks": a.picks,
                    "pick_rate": _r(a.picks / t.decisions) if t.decisions else None,
                    "runs": a.picked.runs,
                    "win_rate": _r(a.picked.win_rate),
                    "score_mean": _r(a.picked.score_mean, 2),
                    "others_win_rate": _r(other.win_rate),
                    "others_score_mean": _r(other.score_mean, 2),
                })
            out.append({"account": acc, "touchpoint": tp, "runs_reached": t.reached.runs,
                        "decisions": t.decisions, "actions": actions})
        return out


class _Touchpoints(dict[TpKey, TouchpointTally]):
    """Each touchpoint's tally, made when a run first reaches it: reading one no run reached
    gives an empty tally without storing it, so a scenario of 20,000 touchpoints costs memory
    only for those its runs reach."""

    def __init__(self, rules: Rules) -> None:
        super().__init__()
        self._actions = {(a.id, tp.id): tuple(x.id for x in tp.actions)
                         for a in rules.accounts for tp in a.touchpoints.values()}

    def __missing__(self, key: TpKey) -> TouchpointTally:
        if key not in self._actions:
            raise KeyError(key)
        return TouchpointTally(actions={x: ActionTally() for x in self._actions[key]})

    def tally(self, key: TpKey) -> TouchpointTally:
        """The tally of ``key``, stored (to count into)."""
        t = self.get(key)
        if t is None:
            t = self[key] = self.__missing__(key)
        return t

    def keys_in_order(self) -> list[TpKey]:
        """Every touchpoint of the scenario, reached or not, in the order written."""
        return list(self._actions)

    def __contains__(self, key: object) -> bool:
        return key in self._actions

    def items(self) -> list[tuple[TpKey, TouchpointTally]]:  # type: ignore[override]
        """The touchpoints some run reached, in the order written."""
        return [(k, dict.__getitem__(self, k)) for k in self._actions if dict.__contains__(self, k)]


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


# --- running ------------------------------------------------------------------------------------------


class _Sampling:
    """A policy that lets the probe read the events' conditions at each decision, then chooses as
    the policy it wraps (reading conditions changes nothing in the run)."""

    def __init__(self, inner: Policy, probe: SoftLockProbe) -> None:
        self.inner = inner
        self.name = inner.name
        self.probe = probe

    def choose(self, point: DecisionPoint, session: Session) -> str:
        self.probe.sample(session.deals)
        return self.inner.choose(point, session)


def run_policy(scenario: Any, policy: str | Callable[[int], Policy], runs: int, seed: int = 0,
               name: str | None = None, probe: SoftLockProbe | None = None,
               progress: Callable[[int], None] | None = None, max_decisions: int | None = None) -> Tally:
    """Play ``runs`` seeded runs (run ``i`` with seed ``seed + i``) and tally them; with
    ``max_decisions``, stop after the run that brings the decisions made to that many.

    ``policy`` is a spec for :func:`sim.runs.policies.policy_factory` (``random``, ``expert``, a file) or a
    factory ``seed -> Policy``. With a probe, runs use the probe's instrumented rules.
    """
    make = policy_factory(policy) if isinstance(policy, str) else policy
    label = name or (policy if isinstance(policy, str) else "custom")
    tally = Tally(scenario, label, seed)
    target = probe.rules if probe is not None else scenario
    rubric = scenario.rubric
    for i in range(runs):
        s = seed + i
        chooser: Policy = make(s)
        if probe is not None:
            probe.reset()
            if probe.conditions:
                chooser = _Sampling(chooser, probe)
        session = play(target, chooser, s)
        if probe is not None:
            probe.sample(session.deals)
        tally.add(session, score_run(session.trace, rubric), s, probe.hits if probe is not None else (), probe)
        if progress is not None:
            progress(i + 1)
        if max_decisions is not None and tally.decisions >= max_decisions:
            break
    return tally


@dataclass
class Exploration:
    """Seeded bot runs of several policies (random, expert, explorer) over one scenario."""

    tallies: dict[str, Tally]
    watched: set[TpKey]  # where a soft-lock is possible (every action has a 'when' or is once-only)
    split: dict[str, int] = field(default_factory=dict)  # the runs asked of each policy

    @property
    def runs(self) -> int:
        return sum(t.runs for t in self.tallies.values())

    def total(self, get: Callable[[Tally], Counter]) -> Counter:
        out: Counter = Counter()
        for t in self.tallies.values():
            out.update(get(t))
        return out

    @property
    def requested(self) -> int:
        """The runs asked for (more than :attr:`runs` when a decision budget cut them short)."""
        return sum(self.split.values()) if self.split else self.runs

    @property
    def decisions(self) -> int:
        return sum(t.decisions for t in self.tallies.values())

    def events(self) -> dict[tuple[str, str], EventTally]:
        """Each watched event's tally over every policy's runs."""
        out: dict[tuple[str, str], EventTally] = {}
        for t in self.tallies.values():
            for key, e in t.events.items():
                total = out.setdefault(key, EventTally())
                total.reached += e.reached
                total.held += e.held
                total.true_later += e.true_later
        return out

    def reached(self, key: TpKey) -> int:
        return sum(t.touchpoints[key].reached.runs for t in self.tallies.values())

    def offered(self, key: TpKey, action: str) -> int:
        return sum(t.touchpoints[key].actions[action].offered_runs for t in self.tallies.values())

    def softlock_example(self, key: TpKey) -> Example | None:
        for t in self.tallies.values():
            if key in t.softlock_example:
                return t.softlock_example[key]
        return None

    def first_win(self) -> Example | None:
        return next((t.first_win for t in self.tallies.values() if t.first_win is not None), None)


def split_runs(runs: int) -> dict[str, int]:
    """How many of the check's runs each bot plays: half random, a sixth expert, the rest explorer."""
    if runs <= 0:
        return {"random": 0, "expert": 0, "explorer": 0}
    n_random = max(1, math.ceil(runs * RANDOM_SHARE))
    n_expert = max(1, round(runs * EXPERT_SHARE)) if runs > 1 else 0
    n_explorer = max(0, runs - n_random - n_expert)
    return {"random": n_random, "expert": n_expert, "explorer": n_explorer}


def explore(scenario: Any, runs: int, seed: int = 0, max_decisions: int | None = None) -> Exploration:
    """Seeded runs for the checks: random runs use seeds ``seed..`` exactly as ``touchpoint run
    --policy random`` does (so its win rate can be reproduced), then expert and explorer runs.

    With ``max_decisions``, each policy stops once it has made its share of that many decisions
    (its share of the runs), so a scenario of very long runs is explored with fewer of them."""
    probe = SoftLockProbe(scenario.rules)
    split = split_runs(runs)
    factories: dict[str, Callable[[int], Policy]] = {
        "random": policy_factory("random"),
        "expert": policy_factory("expert"),
        "explorer": lambda s: ExplorerPolicy(s, epsilon=0.15 + 0.1 * (s % 4)),
    }
    def budget(n: int) -> int | None:
        return None if max_decisions is None else max(1, max_decisions * n // max(1, runs))

    tallies = {name: run_policy(scenario, factories[name], n, seed, name=name, probe=probe,
                                max_decisions=budget(n))
               for name, n in split.items() if n > 0}
    return Exploration(tallies, probe.watched, split)
