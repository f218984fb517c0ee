"""One trainee's game: a session, its log, and what changed after each choice.

The front end holds no game rules. This controller only calls the stepping API (``advance``,
``choose``, ``observe``), writes every choice to the session log the moment it is made (each line
flushed and synced, so killing the game loses nothing), and compares what the trainee could see
before and after a choice so the feedback screen can say what moved. It does not import pygame.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scoring import Scorecard, score_run
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint, RunOutcome
from sim.engine.session import Session
from sim.engine.signals import AccountView, Move, View, moves, surfaced
from sim.runs.sessionlog import DiskFull, LogWriter, ParsedLog, player_of, read_log, replay

__all__ = [
    "DEFAULT_LOG_DIR",
    "Branch",
    "Game",
    "SignalChange",
    "Turn",
    "autoplay_policy",
    "branch_log_path",
    "default_log_path",
    "diff_views",
    "drop_partial_tail",
    "new_seed",
    "next_free",
    "now_iso",
]

#: Where logs go when no --log is given (relative to the working directory).
DEFAULT_LOG_DIR = Path("touchpoint-logs")


@dataclass(frozen=True, slots=True)
class SignalChange:
    """One visible change between two views.

    ``kind``: mood, trust (person levels), join, leave (presence), reveal_person, reveal_fact (the
    seller found out a stakeholder's role or a buyer fact), stage, milestone, milestone_lost,
    competition, price (``amounts``: before, after), term (agreed), won, lost.
    """

    kind: str
    account: str
    subject: str = ""  # person id, fact id, term id, stage key or flag id
    before: int | None = None
    after: int | None = None
    amounts: tuple[float, float] | None = None  # a price before and after

    @property
    def direction(self) -> int:
        """+1 for a change for the better, -1 for the worse, 0 when neither applies."""
        if self.kind in ("mood", "trust") and self.before is not None and self.after is not None:
            return (self.after > self.before) - (self.after < self.before)
        if self.kind == "competition" and self.before is not None and self.after is not None:
            return (self.after < self.before) - (self.after > self.before)
        return {"join": 0, "leave": 0, "stage": 1, "milestone": 1, "milestone_lost": -1, "reveal_person": 1,
                "reveal_fact": 1, "won": 1, "lost": -1}.get(self.kind, 0)


def diff_views(before: View, after: View) -> list[SignalChange]:
    """What the trainee can see changed between two moments (signals only, never hidden numbers)."""
    out: list[SignalChange] = []
    old = {a.id: a for a in before.accounts}
    for acc in after.accounts:
        prev = old.get(acc.id)
        if prev is not None:
            out += _account_changes(prev, acc)
    return out


def _account_changes(prev: AccountView, acc: AccountView) -> list[SignalChange]:
    """One account's visible changes, in feedback order: stage, people, what the seller found out,
    milestones, competition, price and terms, outcome."""
    out: list[SignalChange] = []
    if acc.stage != prev.stage and acc.stage:
        out.append(SignalChange("stage", acc.id, acc.stage))
    out += _people_changes(prev, acc)
    out += [SignalChange("reveal_fact", acc.id, fact) for fact in acc.facts if fact not in prev.facts]
    out += [SignalChange("milestone", acc.id, flag) for flag in acc.milestones if flag not in prev.milestones]
    out += [SignalChange("milestone_lost", acc.id, flag) for flag in prev.milestones if flag not in acc.milestones]
    if acc.competition is not None and prev.competition is not None and acc.competition != prev.competition:
        out.append(SignalChange("competition", acc.id, "", prev.competition, acc.competition))
    if acc.deal is not None and prev.deal is not None:
        if abs(acc.deal.price - prev.deal.price) > 1e-9:
            out.append(SignalChange("price", acc.id, "", amounts=(prev.deal.price, acc.deal.price)))
        out += [SignalChange("term", acc.id, term) for term in acc.deal.terms if term not in prev.deal.terms]
    if acc.status != prev.status and acc.status in ("won", "lost"):
        out.append(SignalChange(acc.status, acc.id, acc.reason))
    return out


def _people_changes(prev: AccountView, acc: AccountView) -> list[SignalChange]:
    """Who joined or left the buying center, and the mood and trust of those present both times."""
    out: list[SignalChange] = []
    people = {p.id: p for p in prev.people}
    for p in acc.people:
        q = people.get(p.id)
        if q is None:
            continue
        if p.known and not q.known:
            out.append(SignalChange("reveal_person", acc.id, p.id))
        if p.present != q.present:
            out.append(SignalChange("join" if p.present else "leave", acc.id, p.id))
        if p.present and q.present:
            if p.mood != q.mood:
                out.append(SignalChange("mood", acc.id, p.id, q.mood, p.mood))
            if p.trust != q.trust:
                out.append(SignalChange("trust", acc.id, p.id, q.trust, p.trust))
    return out


@dataclass
class Turn:
    """One answered decision and its consequences, for the feedback screen: what visibly changed
    (``changes``), the scripted events that happened (``new_events``), every trace event from the
    choice to the next decision (``events``), the hidden numbers the choice moved by at least the
    scenario's signal threshold (``moves``, :func:`sim.engine.signals.moves`), and the delayed
    changes that came to light at this decision (``surfaced``, :func:`sim.engine.signals.surfaced`:
    what earlier choices did to the account since the seller's last meeting there)."""

    point: DecisionPoint
    choice: str
    before: View
    after: View
    changes: list[SignalChange]
    new_events: tuple[tr.Scripted, ...]
    outcome: RunOutcome | None = None
    events: tuple[tr.TraceEvent, ...] = ()
    moves: tuple[Move, ...] = ()
    surfaced: tuple[Move, ...] = ()

    @property
    def response(self) -> tr.Response | None:
        """Which variants of the buyer's reaction and the coach's feedback the engine chose for this
        choice (None for a choice that is not an action)."""
        p = self.point
        for e in self.events:
            if (isinstance(e, tr.Response) and e.account == p.account and e.touchpoint == p.touchpoint
                    and e.action == self.choice):
                return e
        return None


def autoplay_policy(kind: str) -> str:
    """The policy a game played by ``touchpoint play --autoplay KIND`` writes in its log header
    (its Session's player is ``player_of`` it), so grading can tell a bot from a person."""
    return f"autoplay-{kind}"


def now_iso() -> str:
    """The wall-clock start of a game for the log header (UTC, to the second)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_seed() -> int:
    """A seed for a new human game: from the clock (it is recorded in the log header)."""
    return time.time_ns() // 1000 % 2_000_000_000


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text, flags=re.UNICODE).strip("-")[:40]


def default_log_path(scenario_id: str, trainee: str, folder: Path = DEFAULT_LOG_DIR,
                     stamp: str | None = None) -> Path:
    """``touchpoint-logs/<scenario>-<trainee>-<YYYYmmdd-HHMMSS>.jsonl``, never an existing file."""
    stamp = stamp or datetime.now().strftime("%Y%m%d-%H%M%S")
    who = _slug(trainee) or "trainee"
    base = folder / f"{scenario_id}-{who}-{stamp}"
    path = base.with_suffix(".jsonl")
    i = 2
    while path.exists():
        path = Path(f"{base}-{i}.jsonl")
        i += 1
    return path


def next_free(path: Path) -> Path:
    """``path`` itself if it is free, else ``stem-2.jsonl``, ``stem-3.jsonl``... (a restarted game)."""
    if not path.exists() or path.stat().st_size == 0:
        return path
    i = 2
    while True:
        cand = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not cand.exists():
            return cand
        i += 1


def branch_log_path(parent: Path, number: int) -> Path:
    """Where a practice branch from decision ``number`` of the game logged at ``parent`` is logged:
    ``<parent>-branch-<number>.jsonl`` beside it (``...-branch-<number>-2.jsonl`` and so on for a
    second branch from the same decision), never an existing file."""
    return next_free(parent.with_name(f"{parent.stem}-branch-{number}{parent.suffix or '.jsonl'}"))


@dataclass(frozen=True, slots=True)
class Branch:
    """What makes a game a practice branch: the log it branches from (its file name), the decision it
    was played on from, and that game, when it is still open in this sitting."""

    of: str
    at: int
    parent: Any = None  # the Game it branches from, if known


def _choice_line(point: DecisionPoint, n: int, choice: str) -> Callable[[LogWriter], None]:
    """Write the choice line of a choice replayed into a branch's log (it has no think time)."""
    return lambda w: w.choice(point, n, choice)


def drop_partial_tail(path: Path) -> bool:
    """Cut a half-written last line (the game was killed while writing it); True if one was cut."""
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    with open(path, "r+b") as f:
        f.truncate(data.rfind(b"\n") + 1)
    return True


class Game:
    """A session being played by a person, logged as it goes."""

    def __init__(self, scenario: Any, session: Session, log_path: Path, writer: LogWriter | None,
                 trainee: str, locale: str, clock: Callable[[], float] = time.monotonic,
                 earlier_think_s: float = 0.0, resumed_at: int | None = None, policy: str = "",
                 branch: Branch | None = None) -> None:
        self.scenario = scenario
        self.session = session
        self.log_path = log_path
        self.writer = writer
        self.trainee = trainee
        self.locale = locale
        self.clock = clock
        self.resumed_at = resumed_at  # decision number the game resumed at, if it did
        self.policy = policy  # the bot that plays ("" for a person), as the log's header names it
        self.branch = branch  # a practice branch ("Replay from here"): never graded
        self.reviewer: Any = None  # the game review of the finished run (sim.ui.review.Reviewer), once asked for
        self._started = clock()
        self._earlier = earlier_think_s
        self._shown: tuple[int, float] | None = None
        self.disk_full = ""  # why the log's last lines wait to be written (a full disk); "" when all is written
        self.card: Scorecard | None = None
        self.point: DecisionPoint | RunOutcome = session.advance()
        self.view: View = session.observe()
        if isinstance(self.point, RunOutcome):
            self.card = score_run(session.trace, scenario.rubric)

    # --- starting ---------------------------------------------------------------------------------
    @classmethod
    def new(cls, scenario: Any, seed: int, trainee: str, locale: str, log_path: Path,
            clock: Callable[[], float] = time.monotonic, policy: str = "") -> Game:
        """A fresh game: the header is written before the first decision is shown. ``policy``
        names the bot that plays (:func:`autoplay_policy`), "" for a person: it goes in the header
        and, through :func:`sim.runs.sessionlog.player_of`, into the run's trace."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        header = LogWriter.header(scenario, seed, trainee=trainee, locale=locale, started=now_iso(), policy=policy)
        writer = LogWriter(log_path)
        game = cls(scenario, Session(scenario, seed, player_of(policy)), log_path, writer, trainee, locale, clock,
                   policy=policy)
        game._log(lambda w: w.record(header))  # a full disk pauses the game before its first decision
        return game

    @classmethod
    def branched(cls, parent: Game, number: int, clock: Callable[[], float] = time.monotonic,
                 locale: str | None = None) -> Game:
        """A practice branch of ``parent`` from its decision ``number``: the same scenario, seed and
        player, and the parent's choices before that decision replayed through the stepping API, so
        the trainee meets decision ``number`` in the same state with the same dice and can choose
        another option. It is logged to a file of its own (:func:`branch_log_path`) whose header
        names the parent's log (``branch_of``) and the decision (``branch_at``); every line is
        written as in a game (the replayed choices without a think time), so the log replays and
        verifies, and grading reports it as a branch without grading it."""
        history = parent.session.history
        if not 1 <= number <= len(history) + (0 if parent.finished else 1):
            raise ValueError(f"no decision {number} to branch from (the game has {len(history)})")
        scenario, seed = parent.scenario, parent.session.seed
        path = branch_log_path(parent.log_path, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        loc = locale or parent.locale
        header = LogWriter.header(scenario, seed, trainee=parent.trainee, locale=loc, started=now_iso(),
                                  policy=parent.policy)
        header.update(branch_of=parent.log_path.name, branch_at=number)
        session = Session(scenario, seed, player_of(parent.policy))
        game = cls(scenario, session, path, LogWriter(path), parent.trainee, loc, clock, policy=parent.policy,
                   branch=Branch(parent.log_path.name, number, parent))
        game._log(lambda w: w.record(header))
        for n, (_, choice) in enumerate(history[:number - 1], 1):
            point = game.point
            assert isinstance(point, DecisionPoint)
            session.choose(choice)
            game._log(_choice_line(point, n, choice))
            game.point = session.advance()
        game.view = session.observe()
        game._started = clock()
        return game

    @classmethod
    def resume(cls, log_path: Path, scenario: Any, log: ParsedLog | None = None, locale: str | None = None,
               clock: Callable[[], float] = time.monotonic) -> Game:
        """Continue a game from its log at the same decision with the same state.

        Raises :class:`sim.runs.sessionlog.LogError` (a one-line reason) for a log that does not fit.
        """
        log = log or read_log(log_path, allow_partial_tail=True)
        session = replay(log, scenario)
        think = sum(float(c.get("think_s", 0.0)) for c in log.choices)
        header = log.header
        loc = locale or str(header.get("locale") or "en")
        writer = None
        if not log.complete:
            drop_partial_tail(log_path)
            writer = LogWriter(log_path)
        branch = Branch(header["branch_of"], header["branch_at"]) if "branch_of" in header else None
        game = cls(scenario, session, log_path, writer, str(header.get("trainee", "")), loc, clock,
                   earlier_think_s=think, resumed_at=len(log.choices) + 1, policy=str(header.get("policy", "")),
                   branch=branch)
        if game.finished and game.writer is not None:  # the log's choices end the run: only its end line was lost
            card = game.card
            game._log(lambda w: w.end(session, card, wall_s=think))
            game._close_when_written()
        return game

    # --- playing --------------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return isinstance(self.point, RunOutcome)

    def mark_shown(self) -> None:
        """The current decision is on screen now: think time counts from the first time it is."""
        if isinstance(self.point, DecisionPoint) and (self._shown is None or self._shown[0] != self.point.number):
            self._shown = (self.point.number, self.clock())

    def choose(self, option_id: str) -> Turn:
        """Answer the pending decision, log it at once, and run the buyer to the next decision."""
        point = self.point
        if not isinstance(point, DecisionPoint):
            raise RuntimeError("the run is over")
        before = self.view
        shown = self._shown[1] if self._shown and self._shown[0] == point.number else self.clock()
        think = max(0.0, self.clock() - shown)
        mark = len(self.session.trace)
        if self.disk_full:
            raise DiskFull(self.disk_full)  # the game is paused until the log is written
        self.session.choose(option_id)  # raises InvalidChoice for an option not offered
        if self.writer is not None:
            self._log(lambda w: w.choice(point, len(self.session.history), option_id, think_s=think))
        self.point = self.session.advance()
        self.view = self.session.observe()
        trace = self.session.trace
        events = tuple(trace[mark:])
        threshold = float(self.scenario.spec.signal_threshold)
        called: tuple[Move, ...] = ()
        came: tuple[Move, ...] = ()
        if point.kind == "action":
            called = moves(events, option_id, threshold)
            at = next((mark + i for i, e in enumerate(events) if isinstance(e, tr.Decision)), None)
            came = surfaced(trace, at, threshold) if at is not None else ()
        turn = Turn(point, option_id, before, self.view, diff_views(before, self.view),
                    self.view.feed[len(before.feed):], events=events, moves=called, surfaced=came)
        if isinstance(self.point, RunOutcome):
            turn.outcome = self.point
            self.card = score_run(self.session.trace, self.scenario.rubric)
            if self.writer is not None:
                wall = self.wall_seconds()
                card = self.card
                self._log(lambda w: w.end(self.session, card, wall_s=wall))
                self._close_when_written()
        return turn

    def _log(self, write: Callable[[LogWriter], None]) -> None:
        """Write a log record; with a full disk the record waits in the writer and the game pauses."""
        assert self.writer is not None
        try:
            write(self.writer)
        except DiskFull as err:
            self.disk_full = str(err) or "no space left on device"

    def retry_log(self) -> bool:
        """Write the log lines that wait for space (a full disk); True once everything is written, and
        the game can go on."""
        if self.writer is None or not self.writer.pending:
            self.disk_full = ""
            return True
        try:
            self.writer.retry()
        except DiskFull as err:
            self.disk_full = str(err) or "no space left on device"
            return False
        self.disk_full = ""
        self._close_when_written()
        return True

    def _close_when_written(self) -> None:
        if self.finished and self.writer is not None and not self.writer.pending:
            self.writer.close()
            self.writer = None

    def wall_seconds(self) -> float:
        """Time spent playing: think time recorded before a resume plus this sitting's wall time."""
        return self._earlier + (self.clock() - self._started)

    def close(self) -> None:
        """Stop without an end line (the log stays resumable), and any review under way."""
        if self.reviewer is not None:
            self.reviewer.cancel()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
