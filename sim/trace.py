"""The trace: typed events a run produces, in order. Scoring, the UI and the debrief read it.

A trace is the complete, deterministic record of a run: the same scenario, seed and choices give the
same trace, byte for byte, in any process. Events are small slotted dataclasses, treated as
immutable once appended (they are not ``frozen`` only because frozen dataclasses cost five times as
much to create, and a run creates dozens); ``to_dict`` gives the JSON form for export, and
``trace_hash`` a digest that session logs carry.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from operator import attrgetter
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


def to_dict(event: TraceEvent) -> dict[str, Any]:
    """The JSON-ready form of one event."""
    if isinstance(event, Start):
        out = asdict(event)
        out["accounts"] = [[a, [asdict(p) for p in people]] for a, people in event.accounts]
        return out
    return {f.name: _plain(getattr(event, f.name)) for f in fields(event)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


_ROWS: dict[type, Any] = {}


def trace_hash(trace: list[TraceEvent]) -> str:
    """A stable digest of a whole trace: the same run gives the same digest on any machine.

    It is the SHA-256 of ``repr`` of the list of each event's field values (a tuple per event, in
    field order). That is exact and portable because a trace holds only ASCII identifiers (ids,
    stage and cause names), integers, booleans and floats, whose ``repr`` is the shortest
    round-trip form on every platform. It is computed in C (``attrgetter`` rows, one ``repr``):
    hashing is a large part of verifying a session log, so it must be cheap.
    """
    rows = []
    for event in trace:
        row = _ROWS.get(event.__class__)
        if row is None:
            row = _ROWS[event.__class__] = attrgetter(*(f.name for f in fields(event.__class__)))
        rows.append(row(event))
    return "sha256:" + hashlib.sha256(repr(rows).encode("ascii", "backslashreplace")).hexdigest()
