"""The trace: what a run did, event by event, in order. Scoring, the UI and the debrief read it.

A trace is the complete, deterministic record of a run: the same scenario, seed and choices give the
same trace, byte for byte, in any process.

The engine records each event as a *row*: a plain tuple of the fields of one of the event classes
below, in their order, ending with the event's ``kind`` (``(t, account, target, var, delta, value,
cause, "effect")`` is an :class:`Effect`). A run appends a hundred or more of them, and a tuple
costs a fifth of an object to make, which is a large part of an engine that must run thousands of
games a second; rows are also what :func:`trace_hash` digests and what scoring reads. For
readable code, :func:`event` and :func:`events` turn rows into the typed, slotted dataclasses
(``Session.trace`` does this), and :func:`row` turns one back.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import asdict, dataclass, fields
from operator import attrgetter, itemgetter
from typing import Any


@dataclass(slots=True)
class PersonStart:
    """A stakeholder's hidden state at the start (for scoring and the debrief)."""

    id: str
    role: str
    influence: float
    trust: float
    satisfaction: float
    present: bool


@dataclass(slots=True)
class Start:
    """The run begins: seed and every account's buying center."""

    t: float
    scenario: str
    seed: int
    accounts: tuple[tuple[str, tuple[PersonStart, ...]], ...]
    kind: str = "start"


@dataclass(slots=True)
class StageChange:
    """An account entered a roadmap stage."""

    t: float
    account: str
    stage: str
    kind: str = "stage"


@dataclass(slots=True)
class Focus:
    """In a pipeline, the trainee chose which account to work on next."""

    t: float
    account: str
    offered: tuple[str, ...]
    kind: str = "focus"


@dataclass(slots=True)
class Decision:
    """The trainee chose an action at a touchpoint."""

    t: float
    account: str
    touchpoint: str
    stage: str
    action: str
    offered: tuple[str, ...]
    recommended: tuple[str, ...]
    days: float
    kind: str = "decision"


@dataclass(slots=True)
class Effect:
    """A hidden number changed: a stakeholder's trust/satisfaction ('target' set) or the account's."""

    t: float
    account: str
    target: str
    var: str
    delta: float
    value: float
    cause: str
    kind: str = "effect"


@dataclass(slots=True)
class FlagChange:
    """A milestone flag became true or false."""

    t: float
    account: str
    flag: str
    value: bool
    cause: str
    kind: str = "flag"


@dataclass(slots=True)
class Presence:
    """A stakeholder joined or left the buying center."""

    t: float
    account: str
    stakeholder: str
    present: bool
    cause: str
    kind: str = "presence"


@dataclass(slots=True)
class Scripted:
    """A scripted event happened on the buyer's clock."""

    t: float
    account: str
    event: str
    kind: str = "event"


@dataclass(slots=True)
class Outcome:
    """An account's deal was decided: won at the close, or lost and why."""

    t: float
    account: str
    result: str  # "won" | "lost"
    reason: str  # "" when won; a LossReason when lost
    kind: str = "outcome"


@dataclass(slots=True)
class Finished:
    """An account's journey is over (after-sales done, or the deal lost)."""

    t: float
    account: str
    kind: str = "finished"


@dataclass(slots=True)
class End:
    """The run is over."""

    t: float
    kind: str = "end"


TraceEvent = (
    Start | StageChange | Focus | Decision | Effect | FlagChange | Presence | Scripted | Outcome | Finished | End
)


#: Each event class by its ``kind``, the last field of every row.
CLASSES: dict[str, type] = {
    fields(cls)[-1].default: cls  # type: ignore[misc]
    for cls in (Start, StageChange, Focus, Decision, Effect, FlagChange, Presence, Scripted, Outcome, Finished, End)
}

Row = tuple


def event(row: Row) -> TraceEvent:
    """The typed event of one row."""
    return CLASSES[row[-1]](*row)  # type: ignore[no-any-return]


def events(trace: list[Row] | list[TraceEvent]) -> list[TraceEvent]:
    """The typed events of a trace (rows, or events already typed)."""
    return [event(r) if r.__class__ is tuple else r for r in trace]  # type: ignore[misc]


_GETTERS: dict[type, Any] = {}


def row(item: Row | TraceEvent) -> Row:
    """The row of a typed event (a row is returned as it is)."""
    if item.__class__ is tuple:
        return item  # type: ignore[return-value]
    get = _GETTERS.get(item.__class__)
    if get is None:
        get = _GETTERS[item.__class__] = attrgetter(*(f.name for f in fields(item.__class__)))  # type: ignore[arg-type]
    return get(item)  # type: ignore[no-any-return]


def rows(trace: list[Row] | list[TraceEvent]) -> list[Row]:
    """A trace as rows, whichever form it is in."""
    if not trace or trace[0].__class__ is tuple:
        return trace  # type: ignore[return-value]
    return [row(r) for r in trace]


def to_dict(item: Row | TraceEvent) -> dict[str, Any]:
    """The JSON-ready form of one event."""
    e = event(item) if item.__class__ is tuple else item
    if isinstance(e, Start):
        out = asdict(e)
        out["accounts"] = [[a, [asdict(p) for p in people]] for a, people in e.accounts]
        return out
    return {f.name: _plain(getattr(e, f.name)) for f in fields(e)}  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


_KIND = itemgetter(-1)


_PEOPLE_REPR: dict[int, tuple[Any, str]] = {}


def _people_repr(accounts: tuple) -> str:
    """``repr`` of the Start row's buying centers as tuples; every run of a scenario shares one
    such tuple (``Rules.start``), so it is worked out once per scenario."""
    known = _PEOPLE_REPR.get(id(accounts))
    if known is None or known[0] is not accounts:
        text = repr(tuple((a, tuple(map(row, people))) for a, people in accounts))
        if len(_PEOPLE_REPR) > 64:
            _PEOPLE_REPR.clear()
        known = _PEOPLE_REPR[id(accounts)] = (accounts, text)
    return known[1]


def trace_hash(trace: list[Row] | list[TraceEvent]) -> str:
    """A stable digest of a whole trace: the same run gives the same digest on any machine.

    It is the SHA-256 of an exact encoding of the rows: the Start row as the ``repr`` of its time,
    scenario and seed, then of its buying centers with people as tuples (behind its length); then
    the list of every other row, pickled with protocol 4 in *fast mode*. A row holds only strings,
    floats, ints, bools and tuples of strings, and pickle writes each as its type and exact value
    (a float as its eight IEEE-754 bytes): the encoding is one-to-one. Fast mode turns off the
    memo, which would otherwise write an object met twice as a back-reference; the bytes then
    depend on the values alone, not on which objects happen to be shared.

    Verifying a session log hashes its whole replayed trace, so this is done by the C pickler in
    one call: a Python loop over the rows cost more than replaying the run.
    """
    rs = rows(trace)
    head, body = "", rs
    if rs and rs[0][-1] == "start":
        head, body = _start_repr(rs[0]), rs[1:]
    if "start" in map(_KIND, body):  # not what the engine writes; encoded all the same
        body = [r if r[-1] != "start" else (_start_repr(r), "start") for r in body]
    head_bytes = head.encode("ascii", "backslashreplace")
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=4)
    pickler.fast = True
    pickler.dump(body)
    digest = hashlib.sha256(len(head_bytes).to_bytes(8, "little"))
    digest.update(head_bytes)
    digest.update(buf.getbuffer())
    return "sha256:" + digest.hexdigest()


def _start_repr(r: Row) -> str:
    return repr((r[0], r[1], r[2])) + _people_repr(r[3])
