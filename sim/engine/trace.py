"""The trace: what a run did, event by event, in order. Scoring, the UI and the debrief read it.

A trace is the complete, deterministic record of a run: the same scenario, seed and choices give
the same trace in any process on any machine. It is a list of events, each a named tuple of one of
the classes below, whose last field ``kind`` names the class (``"effect"`` for an :class:`Effect`).
Readers use the field names (``event.account``, ``event.var``); the tuples are what the engine
appends a hundred or more times a run, and what :func:`trace_hash` digests.

The events, in the order a run usually meets them:

* :class:`Start`: the seed, who plays, and every account's buying center as it starts;
* :class:`StageChange`: an account enters a roadmap stage;
* :class:`Focus` (pipelines), :class:`Agenda` and :class:`Decision`: the trainee's choices (which
  account, which touchpoint next, which action), each with the options in the order shown;
* :class:`Response`: which variants of the buyer's reaction and the coach's feedback were shown;
* :class:`Effect`: a hidden number changed (trust, satisfaction, info, fit, competitor, patience,
  price), with its cause: an action, a scripted event, ``drift`` or ``competitor``;
* :class:`FlagChange`, :class:`Presence`, :class:`Reveal`, :class:`Term`: milestones reached or
  lost, people joining or leaving, a person or fact discovered, a term of the deal agreed;
* :class:`Scripted`: an author's event happened;
* :class:`Outcome`, :class:`Finished`: a deal won (with its revenue and margin) or lost, an
  account's journey over;
* :class:`End`: the run is over.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, overload

__all__ = [
    "KINDS",
    "AccountStart",
    "Agenda",
    "Decision",
    "Effect",
    "End",
    "Finished",
    "FlagChange",
    "Focus",
    "Outcome",
    "PersonStart",
    "Presence",
    "Response",
    "Reveal",
    "Scripted",
    "StageChange",
    "Start",
    "Term",
    "Trace",
    "TraceEvent",
    "to_dict",
    "trace_hash",
]


class PersonStart(NamedTuple):
    """A stakeholder's hidden state at the start (for scoring and the debrief)."""

    id: str
    role: str
    influence: float
    trust: float
    satisfaction: float
    present: bool


class AccountStart(NamedTuple):
    """An account at the start: its buying center, and what its deal is worth: its list price, and
    the best margin it can bring (at list price, with every term that is worth something to the
    seller); 0 for an account without a deal."""

    account: str
    people: tuple[PersonStart, ...]
    list_price: float = 0.0
    best_margin: float = 0.0


class Start(NamedTuple):
    """The run begins: seed, who plays ("" for a person, ``bot:<policy>`` for a bot), and every
    account's buying center."""

    t: float
    scenario: str
    seed: int
    player: str
    accounts: tuple[AccountStart, ...]
    kind: str = "start"


class StageChange(NamedTuple):
    """An account entered a roadmap stage."""

    t: float
    account: str
    stage: str
    kind: str = "stage"


class Focus(NamedTuple):
    """In a pipeline, the trainee chose which account to work on next (``account``)."""

    t: float
    account: str
    offered: tuple[str, ...]
    kind: str = "focus"


class Agenda(NamedTuple):
    """The trainee chose which agenda touchpoint to do next (``move_on``: none of the rest)."""

    t: float
    account: str
    block: str  # the decision key of the agenda
    chosen: str
    offered: tuple[str, ...]  # in the order shown
    recommended: tuple[str, ...]
    kind: str = "agenda"


class Decision(NamedTuple):
    """The trainee chose an action at a touchpoint, shown the ``situation`` variant and the
    ``offered`` actions in that order."""

    t: float
    account: str
    touchpoint: str
    stage: str
    action: str
    offered: tuple[str, ...]
    recommended: tuple[str, ...]
    days: float
    situation: int
    kind: str = "decision"


class Response(NamedTuple):
    """After a decision's effects: the variants of the buyer's reaction and the coach's feedback shown."""

    t: float
    account: str
    touchpoint: str
    action: str
    reaction: int
    feedback: int
    kind: str = "response"


class Effect(NamedTuple):
    """A hidden number changed by ``delta`` to ``value``: a stakeholder's trust or satisfaction
    (``target`` is the stakeholder), or the account's own (``target`` is ""). A ``delayed`` change
    is not called out in the feedback at once."""

    t: float
    account: str
    target: str
    var: str
    delta: float
    value: float
    cause: str
    delayed: bool = False
    kind: str = "effect"


class Reveal(NamedTuple):
    """The seller discovered a stakeholder's role, influence and veto, or a buyer fact."""

    t: float
    account: str
    subject: str
    cause: str
    kind: str = "reveal"


class Term(NamedTuple):
    """A term of the deal was agreed."""

    t: float
    account: str
    term: str
    cause: str
    kind: str = "term"


class FlagChange(NamedTuple):
    """A milestone flag became true or false."""

    t: float
    account: str
    flag: str
    value: bool
    cause: str
    kind: str = "flag"


class Presence(NamedTuple):
    """A stakeholder joined or left the buying center."""

    t: float
    account: str
    stakeholder: str
    present: bool
    cause: str
    kind: str = "presence"


class Scripted(NamedTuple):
    """A scripted event happened on the buyer's clock."""

    t: float
    account: str
    event: str
    kind: str = "event"


class Outcome(NamedTuple):
    """An account's deal was decided: won at the close (at a price: revenue and margin, 0 for an
    account without a deal), or lost and why."""

    t: float
    account: str
    result: str  # "won" | "lost"
    reason: str  # "" when won; a loss reason when lost
    revenue: float
    margin: float
    kind: str = "outcome"


class Finished(NamedTuple):
    """An account's journey is over (after-sales done, or the deal lost)."""

    t: float
    account: str
    kind: str = "finished"


class End(NamedTuple):
    """The run is over."""

    t: float
    kind: str = "end"


TraceEvent = (
    Start | StageChange | Focus | Agenda | Decision | Response | Effect | Reveal | Term | FlagChange | Presence
    | Scripted | Outcome | Finished | End
)

#: Each event class by its ``kind``.
KINDS: dict[str, type[TraceEvent]] = {
    cls._field_defaults["kind"]: cls
    for cls in (Start, StageChange, Focus, Agenda, Decision, Response, Effect, Reveal, Term, FlagChange, Presence,
                Scripted, Outcome, Finished, End)
}


_new = tuple.__new__  # a named tuple from a tuple of all its fields, as its own constructor makes it


class Trace(Sequence[TraceEvent]):
    """A run's trace: its events so far, in order, read as the named tuples above.

    The engine records each event with the method of its kind (``trace.effect(...)``, whose
    parameters are the event's fields). It keeps them as plain rows, the fields in order, ending
    with the kind: making a named tuple costs about six times as much as a plain one, a run
    records a hundred or more events, and many runs are never read event by event (a benchmark,
    a rollout). Reading turns the rows not read yet into named events, once; the digest
    (:func:`trace_hash`) reads the rows themselves.
    """

    __slots__ = ("_events", "_rows")

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []
        self._events: list[TraceEvent] = []

    # --- reading ---------------------------------------------------------------------------------
    def _read(self) -> list[TraceEvent]:
        events, rows = self._events, self._rows
        if len(events) < len(rows):
            events += [_new(KINDS[row[-1]], row) for row in rows[len(events):]]
        return events

    @overload
    def __getitem__(self, index: int) -> TraceEvent: ...
    @overload
    def __getitem__(self, index: slice) -> list[TraceEvent]: ...
    def __getitem__(self, index: int | slice) -> TraceEvent | list[TraceEvent]:
        return self._read()[index]

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self._rows == other._rows
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Trace({self._read()!r})"

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The events as recorded: plain tuples of their fields (for the digest)."""
        return self._rows

    # --- recording (the engine) --------------------------------------------------------------------
    def start(self, t: float, scenario: str, seed: int, player: str, accounts: tuple[AccountStart, ...]) -> None:
        self._rows.append((t, scenario, seed, player, accounts, "start"))

    def stage(self, t: float, account: str, stage: str) -> None:
        self._rows.append((t, account, stage, "stage"))

    def focus(self, t: float, account: str, offered: tuple[str, ...]) -> None:
        self._rows.append((t, account, offered, "focus"))

    def agenda(self, t: float, account: str, block: str, chosen: str, offered: tuple[str, ...],
               recommended: tuple[str, ...]) -> None:
        self._rows.append((t, account, block, chosen, offered, recommended, "agenda"))

    def decision(self, t: float, account: str, touchpoint: str, stage: str, action: str, offered: tuple[str, ...],
                 recommended: tuple[str, ...], days: float, situation: int) -> None:
        self._rows.append((t, account, touchpoint, stage, action, offered, recommended, days, situation, "decision"))

    def response(self, t: float, account: str, touchpoint: str, action: str, reaction: int, feedback: int) -> None:
        self._rows.append((t, account, touchpoint, action, reaction, feedback, "response"))

    def effect(self, t: float, account: str, target: str, var: str, delta: float, value: float, cause: str,
               delayed: bool = False) -> None:
        self._rows.append((t, account, target, var, delta, value, cause, delayed, "effect"))

    def reveal(self, t: float, account: str, subject: str, cause: str) -> None:
        self._rows.append((t, account, subject, cause, "reveal"))

    def term(self, t: float, account: str, term: str, cause: str) -> None:
        self._rows.append((t, account, term, cause, "term"))

    def flag(self, t: float, account: str, flag: str, value: bool, cause: str) -> None:
        self._rows.append((t, account, flag, value, cause, "flag"))

    def presence(self, t: float, account: str, stakeholder: str, present: bool, cause: str) -> None:
        self._rows.append((t, account, stakeholder, present, cause, "presence"))

    def scripted(self, t: float, account: str, event: str) -> None:
        self._rows.append((t, account, event, "event"))

    def outcome(self, t: float, account: str, result: str, reason: str, revenue: float = 0.0,
                margin: float = 0.0) -> None:
        self._rows.append((t, account, result, reason, revenue, margin, "outcome"))

    def finished(self, t: float, account: str) -> None:
        self._rows.append((t, account, "finished"))

    def end(self, t: float) -> None:
        self._rows.append((t, "end"))


def to_dict(event: TraceEvent) -> dict[str, Any]:
    """The JSON-ready form of one event."""
    if isinstance(event, Start):
        out = event._asdict()
        out["accounts"] = [[a.account, [p._asdict() for p in a.people]] for a in event.accounts]
        return out
    return {k: list(v) if isinstance(v, tuple) else v for k, v in event._asdict().items()}


def _start_text(start: Start) -> str:
    """The Start event as the digest encodes it: the ``repr`` of its time, scenario, seed and
    player, then of its buying centers as plain tuples."""
    return repr((start.t, start.scenario, start.seed, start.player)) + _centers_text(start.accounts)


#: The text of the buying centers last encoded, by the id of the tuple that holds them: every run of
#: a scenario starts with the very same tuple (``Rules.start``), and a digest is taken of every run
#: graded.
_CENTERS: dict[int, tuple[tuple[AccountStart, ...], str]] = {}


def _centers_text(accounts: tuple[AccountStart, ...]) -> str:
    known = _CENTERS.get(id(accounts))
    if known is None or known[0] is not accounts:
        text = repr(tuple((a.account, tuple(tuple(p) for p in a.people), a.list_price, a.best_margin)
                          for a in accounts))
        if len(_CENTERS) >= 64:
            _CENTERS.clear()
        known = _CENTERS[id(accounts)] = (accounts, text)
    return known[1]


def trace_hash(trace: Sequence[TraceEvent]) -> str:
    """A stable digest of a whole trace: the same run gives the same digest on any machine.

    It is the SHA-256 of an exact encoding of the events: the Start event as text
    (:func:`_start_text`, behind its length), then the list of every other event as a plain tuple,
    pickled with protocol 4 in *fast mode*. An event holds only strings, floats, ints, bools and
    tuples of strings, and pickle writes each as its type and exact value (a float as its eight
    IEEE-754 bytes): the encoding is one-to-one. Fast mode turns off pickle's memo, so the bytes
    depend on the values alone, not on which objects happen to be shared. Session logs carry
    this digest, so the encoding is part of the log format (``sim.runs.sessionlog``).
    """
    rows = trace.rows if isinstance(trace, Trace) else [tuple(e) for e in trace]
    head, body = "", rows
    if rows and rows[0][-1] == "start":
        head, body = _start_text(_new(Start, rows[0])), rows[1:]
    if "start" in map(_KIND, body):  # not what the engine records; encoded all the same
        body = [(_start_text(_new(Start, row)), "start") if row[-1] == "start" else row for row in body]
    head_bytes = head.encode("ascii", "backslashreplace")
    digest = hashlib.sha256(len(head_bytes).to_bytes(8, "little"))
    digest.update(head_bytes)
    digest.update(_fast_pickle(body))
    return "sha256:" + digest.hexdigest()


_KIND = itemgetter(-1)  # a row's kind: its last field


def _fast_pickle(value: Any) -> bytes:
    """``value`` pickled with protocol 4 and no memo (pickle's documented ``fast`` mode)."""
    import io

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=4)
    pickler.fast = True
    pickler.dump(value)
    return buf.getvalue()
