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
import struct
from dataclasses import asdict, dataclass, fields
from itertools import groupby
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


#: For each kind of row: the positions holding numbers (floats; bools count as 1.0 or 0.0), and
#: those holding ids. Every other position holds a tuple of ids (Decision.offered/recommended,
#: Focus.offered).
_LAYOUTS: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {
    # kind: (numbers, ids, tuples of ids)
    "stage": ((0,), (1, 2, 3), ()),
    "focus": ((0,), (1, 3), (2,)),
    "decision": ((0, 7), (1, 2, 3, 4, 8), (5, 6)),
    "effect": ((0, 4, 5), (1, 2, 3, 6, 7), ()),
    "flag": ((0, 3), (1, 2, 4, 5), ()),
    "presence": ((0, 3), (1, 2, 4, 5), ()),
    "event": ((0,), (1, 2, 3), ()),
    "outcome": ((0,), (1, 2, 3, 4), ()),
    "finished": ((0,), (1, 2), ()),
    "end": ((0,), (1,), ()),
}
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

    It is the SHA-256 of an exact encoding of the rows: the Start row (once per trace) as the
    ``repr`` of its time, scenario and seed, then of its buying centers with people as tuples;
    the sequence of kinds; then kind by kind, column by column (rows in order), every number as
    an IEEE-754 double (little-endian; bools as 1.0 or 0.0), and the ids (ASCII by the scenario
    schema), a row's tuple of ids joined with ``\x1f``, all joined with ``\x1e``. Each kind of
    row has a fixed layout, so the encoding is one-to-one.

    Verifying a session log hashes its whole replayed trace, so this runs in C as far as it can:
    rows are sorted by kind (a stable sort) and each kind is turned into columns by ``zip``,
    because a Python loop per row, or ``repr`` of its floats, cost more than replaying the run.
    """
    rs = rows(trace)
    numbers: list[float] = []
    ids: list[str] = []
    head = ""
    for kind, group in groupby(sorted(rs, key=_KIND), key=_KIND):
        if kind == "start":
            head = "".join(repr((r[0], r[1], r[2])) + _people_repr(r[3]) for r in group)
            continue
        columns = tuple(zip(*group, strict=True))
        at_numbers, at_ids, at_lists = _LAYOUTS[kind]
        for i in at_numbers:
            numbers += columns[i]
        for i in at_ids:
            ids += columns[i]
        for i in at_lists:
            ids += map("\x1f".join, columns[i])
    digest = hashlib.sha256(head.encode("ascii", "backslashreplace"))
    digest.update("\x1e".join(map(_KIND, rs)).encode("ascii"))
    digest.update(struct.pack(f"<{len(numbers)}d", *numbers))
    digest.update("\x1e".join(ids).encode("utf-8", "backslashreplace"))
    return "sha256:" + digest.hexdigest()
