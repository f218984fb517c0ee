"""The game review: every decision of a run priced in expected points, like a chess engine's review.

For each decision of a verified log, each option offered there is played out: the run is replayed
exactly up to that decision (the trainee's own choices, the log's seed), the option is chosen, and
the rest is played by the expert policy (the author's advice) in ``rollouts`` other worlds: from
the decision on, the dice are those of another seed (:meth:`sim.engine.dice.Dice.reseed`), the same
worlds for every option of every decision (common random numbers), so differences between options
are differences between choices, not between dice. An option's *expected score* is the mean
score of its rollouts (with a 95% interval), its *win chance* the share of them won.

What the trainee's choice gave up is the expected score of the best option less that of the
choice (0 when the choice is the best). Each decision gets a class by that loss, in points of the
0-100 score, as chess reviews class moves by the expected points they give up:

============  ==================
class         points given up
============  ==================
best          under 1 (the best option, or as good)
excellent     under 3
good          under 6
inaccuracy    under 12
mistake       under 25
blunder       25 or more
============  ==================

A decision's *accuracy* is where the choice sits between the worst and the best option (100: the
best; 0: the worst); the run's accuracy is their mean. *Luck* is the run's actual score less the
expected score of the choices made (the expected score of the last choice): positive when the dice
were kind. The decisive moments are the costliest decisions, and the scripted event whose
happening moved the expected score most (estimated from the rollouts of the trainee's first
choice: the mean score of those where it happened, less those where it did not).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

from scoring.scorecard import score_run
from sim.engine.decisions import DecisionPoint, RunOutcome
from sim.engine.dice import splitmix64
from sim.engine.loader import LoadedScenario
from sim.engine.session import Session
from sim.engine.trace import Scripted
from sim.runs.policies import ExpertPolicy
from sim.runs.sessionlog import ParsedLog, player_of

__all__ = [
    "CLASSES",
    "CUTS",
    "DEFAULT_ROLLOUTS",
    "MAX_ROLLOUTS_FACTOR",
    "TIE",
    "DecisionReview",
    "OptionValue",
    "Review",
    "classify",
    "review_choices",
    "review_log",
    "world_seeds",
]

#: Worlds per batch of rollouts by default, and the most batches a decision may get while its class
#: is in doubt.
DEFAULT_ROLLOUTS = 8
MAX_ROLLOUTS_FACTOR = 8
#: Batches every decision gets (a rare world needs a few batches to show up at all).
MIN_BATCHES = 2
#: Options within this many expected points of the best are as good as the best.
TIE = 1.0
#: The classes, best first, and the points given up below which each applies (the last: no limit).
CLASSES = ("best", "excellent", "good", "inaccuracy", "mistake", "blunder")
CUTS = (TIE, 3.0, 6.0, 12.0, 25.0)


def classify(lost: float) -> str:
    """The class of a decision that gave up ``lost`` expected points."""
    for name, cut in zip(CLASSES, CUTS, strict=False):
        if lost < cut:
            return name
    return CLASSES[-1]


def world_seeds(seed: int, rollouts: int, salt: int = 0, start: int = 0) -> list[int]:
    """The seeds of the other worlds a review plays out (distinct from the run's, the same for every
    option): worlds ``start`` to ``start + rollouts - 1`` of the series ``salt`` picks."""
    return [splitmix64((seed * 1_000_003 + 0x5E71E5 + salt * 7919 + r) & ((1 << 64) - 1))
            for r in range(start, start + rollouts)]


@dataclass
class OptionValue:
    """One option of a decision, played out: expected score with its 95% interval, win chance."""

    option: str
    expected: float
    ci95: tuple[float, float]
    win: float
    scores: list[float] = field(default_factory=list, repr=False)  # one per world, in world order


@dataclass
class DecisionReview:
    """One decision of the run, priced."""

    number: int
    kind: str  # action | agenda | focus
    key: str
    account: str
    touchpoint: str
    day: float
    chosen: str
    options: list[OptionValue]  # in the order shown
    best: str
    lost: float  # expected points the choice gave up (0 for the best)
    lost_win: float  # win chance it gave up
    klass: str
    accuracy: float  # 0-100

    def value(self, option: str) -> OptionValue:
        return next(o for o in self.options if o.option == option)


@dataclass
class Review:
    """A whole run's review."""

    scenario: str
    seed: int
    trainee: str
    rollouts: int
    actual: float  # the run's score
    expected: float  # expected score of the choices made
    luck: float  # actual - expected
    accuracy: float
    decisions: list[DecisionReview]
    decisive: list[int]  # numbers of the costliest decisions (mistakes and blunders first)
    event: str = ""  # the scripted event that moved the expected score most, if any
    event_day: float = 0.0
    event_effect: float = 0.0  # its mean effect on the score, in points
    won: bool = False

    def counts(self) -> dict[str, int]:
        return {c: sum(d.klass == c for d in self.decisions) for c in CLASSES}

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for d in out["decisions"]:
            for o in d["options"]:
                o.pop("scores", None)
        out["counts"] = self.counts()
        return out


# --- playing out ---------------------------------------------------------------------------------------


def _replayed(scenario: LoadedScenario, seed: int, player: str, choices: Sequence[str]) -> Session:
    """A session replayed through ``choices``, paused at the next decision."""
    session = Session(scenario, seed, player)
    for choice in choices:
        point = session.advance()
        assert isinstance(point, DecisionPoint)
        session.choose(choice)
    return session


def _ci(scores: list[float]) -> tuple[float, tuple[float, float]]:
    mean = statistics.fmean(scores)
    if len(scores) < 2:
        return mean, (mean, mean)
    half = 1.96 * statistics.stdev(scores) / math.sqrt(len(scores))
    return mean, (mean - half, mean + half)


@dataclass
class _Task:
    """The rollouts of one decision: what a worker needs. A task sent to another process carries the
    scenario's file instead of the loaded scenario (compiled conditions do not pickle)."""

    scenario: LoadedScenario | None
    path: str
    seed: int
    player: str
    prefix: list[str]
    options: list[str]
    chosen: str
    rollouts: int
    salt: int


Outcomes = tuple[dict[str, list[float]], dict[str, list[bool]], dict[str, list[frozenset[str]]]]


def _in_doubt(scores: dict[str, list[float]], chosen: str) -> bool:
    """Whether the loss of the choice could lie in another class: the 95% interval of its paired
    difference with the strongest other option crosses a class's cut-off."""
    others = [o for o in scores if o != chosen]
    if not others or len(scores[chosen]) < 2:
        return False
    rival = max(others, key=lambda o: statistics.fmean(scores[o]))
    diffs = [r - c for r, c in zip(scores[rival], scores[chosen], strict=True)]
    mean, half = statistics.fmean(diffs), 1.96 * statistics.stdev(diffs) / math.sqrt(len(diffs))
    return any(mean - half < cut < mean + half for cut in CUTS)


_LOADED: dict[str, LoadedScenario] = {}


def _scenario(task: _Task) -> LoadedScenario:
    """The task's scenario, loaded once per process from its file."""
    if task.scenario is None:
        if task.path not in _LOADED:
            from sim.engine.loader import load_file

            _LOADED[task.path] = load_file(task.path)
        task.scenario = _LOADED[task.path]
    return task.scenario


def _price(task: _Task) -> Outcomes:
    """Each option's scores and wins in each world, and the scripted events each world saw.

    Worlds are played in batches of ``task.rollouts``, the same worlds for every option still in
    play (common random numbers), while the choice's class is in doubt, up to
    :data:`MAX_ROLLOUTS_FACTOR` batches. After each batch, an option other than the choice that is
    surely worse than the best by more than :data:`TIE` points (the 95% interval of its paired
    difference lies beyond) is settled: it cannot be the best, and its estimate stands on the worlds
    it has played. A decision with one option needs one batch (its value, for the luck line)."""
    _scenario(task)
    out: Outcomes = ({o: [] for o in task.options}, {o: [] for o in task.options}, {o: [] for o in task.options})
    live = list(task.options)
    done = 0
    while True:
        _play_worlds(task, world_seeds(task.seed, task.rollouts, task.salt, done), out, live)
        done += task.rollouts
        if done >= task.rollouts * MAX_ROLLOUTS_FACTOR or (done >= task.rollouts * MIN_BATCHES and not _in_doubt(
                {o: out[0][o] for o in live}, task.chosen)):
            return out
        live = _still_in_play(out[0], live, task.chosen)
        if len(live) == 1:  # the choice is the best, every other option surely worse: nothing in doubt
            return out


def _still_in_play(scores: dict[str, list[float]], live: list[str], chosen: str) -> list[str]:
    """The options that may still be the best, and the choice."""
    best = max(live, key=lambda o: statistics.fmean(scores[o]))
    keep = []
    for o in live:
        if o in (best, chosen):
            keep.append(o)
            continue
        diffs = [b - x for b, x in zip(scores[best], scores[o], strict=True)]
        half = 1.96 * statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.inf
        if statistics.fmean(diffs) - half <= TIE:
            keep.append(o)
    return keep


def _play_worlds(task: _Task, worlds: list[int], out: Outcomes, live: list[str]) -> None:
    scenario = _scenario(task)
    scores, wins, events = out
    for option in live:
        for world in worlds:
            session = _replayed(scenario, task.seed, task.player, task.prefix)
            point = session.advance()
            assert isinstance(point, DecisionPoint)
            session.world.dice.reseed(world)
            session.choose(option)
            expert = ExpertPolicy()
            nxt = session.advance()
            while not isinstance(nxt, RunOutcome):
                session.choose(expert.choose(nxt, session))
                nxt = session.advance()
            card = score_run(session.trace, scenario.rubric)
            scores[option].append(card.score)
            wins[option].append(card.won)
            events[option].append(frozenset(e.event for e in session.trace if isinstance(e, Scripted)))


def _decision(number: int, point: DecisionPoint, chosen: str, scores: dict[str, list[float]],
              wins: dict[str, list[bool]]) -> DecisionReview:
    values = []
    for o in point.options:
        mean, ci = _ci(scores[o.id])
        values.append(OptionValue(o.id, mean, ci, sum(wins[o.id]) / len(wins[o.id]), scores[o.id]))
    advised = {o.id for o in point.options if o.recommended}
    best = max(values, key=lambda v: (v.expected, v.option == chosen, v.option in advised))
    mine = next(v for v in values if v.option == chosen)
    worst = min(v.expected for v in values)
    lost = max(0.0, best.expected - mine.expected)
    accuracy = 100.0 if best.expected - worst <= TIE else 100.0 * (mine.expected - worst) / (best.expected - worst)
    return DecisionReview(
        number=number, kind=point.kind, key=point.key, account=point.account, touchpoint=point.touchpoint,
        day=point.day, chosen=chosen, options=values, best=best.option if lost >= TIE else chosen,
        lost=lost if lost >= TIE else 0.0, lost_win=max(0.0, best.win - mine.win), klass=classify(lost),
        accuracy=max(0.0, min(100.0, accuracy)),
    )


def review_log(log: ParsedLog, scenario: LoadedScenario, rollouts: int = DEFAULT_ROLLOUTS, salt: int = 0,
               executor: Executor | None = None, progress: Callable[[int], None] | None = None) -> Review:
    """Review a verified log (see the module docstring); ``salt`` picks another set of worlds."""
    header = log.header
    return review_choices(scenario, header["seed"], [rec["choice"] for rec in log.choices],
                          player=player_of(header.get("policy", "")), trainee=str(header.get("trainee", "")),
                          rollouts=rollouts, salt=salt, executor=executor, progress=progress)


def review_choices(scenario: LoadedScenario, seed: int, choices: Sequence[str], player: str = "", trainee: str = "",
                   rollouts: int = DEFAULT_ROLLOUTS, salt: int = 0, executor: Executor | None = None,
                   progress: Callable[[int], None] | None = None) -> Review:
    """Review the run of ``scenario`` on ``seed`` with these ``choices``, played by ``player`` ("" for
    a person, as :func:`sim.runs.sessionlog.player_of` makes it): what :func:`review_log` does with a
    log, for a run held in memory (the game's own debrief). Each choice must be one offered at its
    decision, as in a verified log."""
    choices = list(choices)
    session = Session(scenario, seed, player)
    points: list[DecisionPoint] = []
    for choice in choices:
        point = session.advance()
        assert isinstance(point, DecisionPoint)
        points.append(point)
        session.choose(choice)
    session.advance()
    actual_card = score_run(session.trace, scenario.rubric)
    here = executor is None or scenario.path is None  # a task for another process carries the file
    tasks = [_Task(scenario if here else None, str(scenario.path or ""), seed, player, choices[:k],
                   [o.id for o in p.options], choices[k], rollouts, salt)
             for k, p in enumerate(points)]
    results: Iterable[Any] = executor.map(_price, tasks) if executor is not None else map(_price, tasks)
    decisions: list[DecisionReview] = []
    first_events: dict[str, list[frozenset[str]]] = {}
    first_scores: dict[str, list[float]] = {}
    for k, (point, (scores, wins, events)) in enumerate(zip(points, results, strict=True)):
        decisions.append(_decision(k + 1, point, choices[k], scores, wins))
        if k == 0:
            first_events, first_scores = events, scores
        if progress is not None:
            progress(1)
    expected = decisions[-1].value(decisions[-1].chosen).expected if decisions else actual_card.score
    review = Review(
        scenario=scenario.id, seed=seed, trainee=trainee, rollouts=rollouts,
        actual=actual_card.score, expected=expected, luck=actual_card.score - expected,
        accuracy=statistics.fmean(d.accuracy for d in decisions) if decisions else 100.0,
        decisions=decisions, won=actual_card.won,
        decisive=[d.number for d in sorted(decisions, key=lambda d: -d.lost)[:3] if d.lost >= CUTS[2]],
    )
    if decisions:
        _decisive_event(review, session, choices[0], first_scores, first_events)
    return review


def _decisive_event(review: Review, session: Session, first: str, scores: dict[str, list[float]],
                    events: dict[str, list[frozenset[str]]]) -> None:
    """The scripted event of the actual run whose happening moved the expected score most, judged
    by the rollouts of the trainee's first choice (worlds where it happened against those where not)."""
    mine, seen = scores.get(first, []), events.get(first, [])
    best, effect, day = "", 0.0, 0.0
    for e in session.trace:
        if not isinstance(e, Scripted):
            continue
        with_it = [s for s, ev in zip(mine, seen, strict=True) if e.event in ev]
        without = [s for s, ev in zip(mine, seen, strict=True) if e.event not in ev]
        if with_it and without:
            delta = statistics.fmean(with_it) - statistics.fmean(without)
            if abs(delta) > abs(effect):
                best, effect, day = e.event, delta, e.t
    review.event, review.event_effect, review.event_day = best, effect, day
