"""What the stepping API hands out: decision points to answer, and the run's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "AccountResult",
    "DecisionPoint",
    "InvalidChoice",
    "Option",
    "RunOutcome",
]


@dataclass(slots=True)
class Option:
    """One choice offered. ``recommended`` is the author's advice, for bots and the debrief only:
    a front end must not reveal it during play.

    ``days`` is the seller's time it takes (at an agenda, the fewest days of the touchpoint's
    actions on offer, and ``days_max`` the most); ``then`` says, for an agenda's ``move_on``, the
    touchpoint that comes next in the stage ("" when the stage's gate comes next).
    """

    id: str
    days: float
    recommended: bool
    days_max: float | None = None  # None: the same as ``days``
    then: str = ""


class DecisionPoint(NamedTuple):
    """The run is paused for the trainee.

    ``kind`` is ``"action"`` (choose an action at a touchpoint), ``"agenda"`` (choose which
    touchpoint of an agenda to do next, or ``move_on``; the options are touchpoint ids) or
    ``"focus"`` (in a pipeline, choose which account to work on; the options are account ids).
    ``options`` are in the order every front end shows them. ``situation`` is the variant of the
    touchpoint's situation text to show.
    """

    kind: str
    key: str  # "account/touchpoint", or "focus"
    account: str
    touchpoint: str
    stage: str
    day: float
    number: int  # 1-based count of decisions in this run
    options: tuple[Option, ...]
    situation: int = 0

    def option(self, option_id: str) -> Option | None:
        """The offered option with this id, if any."""
        for o in self.options:
            if o.id == option_id:
                return o
        return None

    @property
    def recommended(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options if o.recommended)


@dataclass(slots=True)
class AccountResult:
    """How one account's deal ended: won or lost (and why), on which day, and what a won deal
    brought in (revenue and margin, 0 for an account without a deal)."""

    account: str
    result: str  # "won" | "lost"
    reason: str
    day: float
    revenue: float = 0.0
    margin: float = 0.0


@dataclass(slots=True)
class RunOutcome:
    """The run is over: the day it ended, how many decisions it took, whether it counts as won,
    and each account's result."""

    day: float
    decisions: int
    won: bool  # at least rubric.wins_needed accounts won
    accounts: tuple[AccountResult, ...]


class InvalidChoice(ValueError):
    """A choice that is not among the options of the pending decision (or none is pending)."""
