"""The game review in the debrief: :func:`scoring.review.review_choices` run off the main thread, and
what the debrief shows of it.

The review plays every option of every decision out in other worlds (:mod:`scoring.review`); that
takes from a fraction of a second to a few seconds, so a :class:`Reviewer` runs it on a worker
thread while the event loop keeps drawing ("Reviewing… 12 of 21 decisions") and taking input.
The review is the one :mod:`scoring.review` computes for a log (``touchpoint review``): the same
function on the game's own seed, player and choices. Nothing here re-implements it; this module
only words it (each decision's title and options, the reasons the coach gave, the luck line).
No pygame.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from scoring.review import CLASSES, DEFAULT_ROLLOUTS, DecisionReview, Review, review_choices
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.engine.rules import MOVE_ON
from sim.ui.content import Content
from sim.ui.strings import colon, fmt_days
from sim.ui.strings import tr as t

__all__ = ["CLASSES", "ReviewRow", "Reviewer", "luck_text", "option_label", "perfect", "review_rows", "reviewer_of"]


class _Cancelled(Exception):
    """The review was no longer wanted (the trainee left the game)."""


class Reviewer:
    """Reviews one finished run on a worker thread. Read :attr:`state`, :attr:`done` (decisions
    priced so far) and, once done, :attr:`review`; :meth:`cancel` stops it after the decision under
    way (a daemon thread: quitting never waits for it)."""

    _live: ClassVar[weakref.WeakSet[Reviewer]] = weakref.WeakSet()

    def __init__(self, scenario: Any, seed: int, choices: Sequence[str], player: str = "", trainee: str = "",
                 rollouts: int = DEFAULT_ROLLOUTS) -> None:
        self.scenario = scenario
        self.seed = seed
        self.choices = list(choices)
        self.player = player
        self.trainee = trainee
        self.rollouts = rollouts
        self.total = len(self.choices)
        self.done = 0
        self.review: Review | None = None
        self.error = ""
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="touchpoint-review", daemon=True)

    def start(self) -> Reviewer:
        Reviewer._live.add(self)
        self._thread.start()
        return self

    @classmethod
    def cancel_all(cls, wait: float | None = 30.0) -> None:
        """Cancel every review under way (and wait for them to stop): the window is closing."""
        live = list(cls._live)
        for reviewer in live:
            reviewer.cancel()
        for reviewer in live:
            reviewer.wait(wait)

    @property
    def state(self) -> str:
        """running, done, failed (``error`` says why) or cancelled."""
        if self.review is not None:
            return "done"
        if self.error:
            return "failed"
        if self._cancel.is_set():
            return "cancelled"
        return "running"

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the review to end (tests, screenshots); True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _tick(self, n: int) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        self.done += n

    def _run(self) -> None:
        try:
            review = review_choices(self.scenario, self.seed, self.choices, player=self.player, trainee=self.trainee,
                                    rollouts=self.rollouts, progress=self._tick)
        except _Cancelled:
            return
        except Exception as err:  # shown in the debrief; the game and its log are not affected
            self.error = f"{type(err).__name__}: {err}"
            return
        self.review = review


def reviewer_of(game: Any, rollouts: int = DEFAULT_ROLLOUTS) -> Reviewer:
    """The review of a finished game, started the first time it is asked for (kept on the game, so a
    trainee who comes back from a practice branch finds it done)."""
    if game.reviewer is None:
        session = game.session
        game.reviewer = Reviewer(game.scenario, session.seed, [c for _, c in session.history], session.player,
                                 game.trainee, rollouts).start()
    reviewer: Reviewer = game.reviewer
    return reviewer


@dataclass
class ReviewRow:
    """One decision as the debrief's review lists it. ``klass`` is "" until the review is done."""

    number: int
    day: float
    account: str
    kind: str  # action | agenda | focus
    title: str
    chosen: str
    best: str = ""  # the best option's label, when the choice gave up points
    klass: str = ""
    lost: float = 0.0  # expected points given up
    lost_win: float = 0.0  # win chance given up (0-1)
    win: float | None = None  # the win chance of the choice made (0-1)
    best_win: float | None = None  # the best option's win chance
    reason: str = ""  # the coach's feedback on the choice, as it was shown
    decisive: bool = False


def option_label(content: Content, point: DecisionPoint, option: str) -> str:
    """What the trainee read for an option of a decision."""
    if point.kind == "focus":
        return content.company(option)
    if point.kind == "agenda":
        return t("move_on", content.locale) if option == MOVE_ON else content.touchpoint_title(point.account, option)
    return content.action_label(point.account, point.touchpoint, option)


def _title(content: Content, point: DecisionPoint) -> str:
    loc = content.locale
    if point.kind == "focus":
        return t("focus_choice", loc)
    title = t("agenda_choice", loc) if point.kind == "agenda" else content.touchpoint_title(point.account,
                                                                                              point.touchpoint)
    return content.company(point.account) + colon(loc) + title if content.pipeline else title


def _reasons(trace: Sequence[tr.TraceEvent], history: Sequence[tuple[DecisionPoint, str]],
             content: Content) -> dict[int, str]:
    """The coach's feedback on each action decision's choice (the variant shown), by decision number:
    the run's Response events follow its action decisions one for one."""
    responses = iter([e for e in trace if isinstance(e, tr.Response)])
    out: dict[int, str] = {}
    for n, (point, choice) in enumerate(history, 1):
        if point.kind != "action":
            continue
        resp = next(responses, None)
        if resp is None:
            break
        action = content.action(point.account, point.touchpoint, choice)
        out[n] = content.varied(action.feedback, resp.feedback) if action.feedback else ""
    return out


def review_rows(history: Sequence[tuple[DecisionPoint, str]], trace: Sequence[tr.TraceEvent], content: Content,
                review: Review | None) -> list[ReviewRow]:
    """Every decision of the run, with its class, cost and win chance once ``review`` is there."""
    reasons = _reasons(trace, history, content)
    priced: dict[int, DecisionReview] = {d.number: d for d in review.decisions} if review is not None else {}
    decisive = set(review.decisive) if review is not None else set()
    rows = []
    for n, (point, choice) in enumerate(history, 1):
        row = ReviewRow(n, point.day, point.account, point.kind, _title(content, point),
                        option_label(content, point, choice), reason=reasons.get(n, ""), decisive=n in decisive)
        d = priced.get(n)
        if d is not None:
            row.klass, row.lost, row.lost_win = d.klass, d.lost, d.lost_win
            row.win = d.value(d.chosen).win
            row.best_win = d.value(d.best).win
            if d.lost > 0 and d.best != d.chosen:
                row.best = option_label(content, point, d.best)
        rows.append(row)
    return rows


def perfect(review: Review) -> bool:
    """Every choice was the best one (or as good as it)."""
    return bool(review.decisions) and all(d.klass == "best" for d in review.decisions)


def luck_text(review: Review, content: Content) -> str:
    """One sentence: the accuracy, what decided the run (a scripted event, or the costliest
    decision) and luck (the score against the expected score of the choices made)."""
    loc = content.locale
    zh = loc.startswith("zh")
    parts = [t("rv_accuracy_line", loc, pct=f"{review.accuracy:.0f}")]
    if review.event and abs(review.event_effect) >= 5:
        account = next((a.id for a in content.spec.accounts if any(e.id == review.event for e in a.events)), "")
        text = content.event_text(account, review.event) if account else review.event.replace("_", " ")
        parts.append(t("rv_event_decided", loc, text=text, day=fmt_days(review.event_day),
                       points=f"{review.event_effect:+.0f}"))
    elif review.decisive:
        d = review.decisions[review.decisive[0] - 1]
        parts.append(t("rv_costliest", loc, n=d.number, klass=t("class_" + d.klass, loc)))
    luck = review.luck
    key = "rv_lucky" if luck >= 1 else "rv_unlucky" if luck <= -1 else "rv_no_luck"
    parts.append(t(key, loc, actual=f"{review.actual:.1f}", expected=f"{review.expected:.1f}"))
    return ("；" if zh else "; ").join(parts) + ("。" if zh else ".")
