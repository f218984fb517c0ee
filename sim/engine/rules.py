"""Compiled rules: a validated scenario turned into the plain structures a run reads.

Validation (pydantic, :mod:`sim.lang.schema`) happens once at load time. Compiling then resolves
what pydantic cannot see (a condition naming an unknown flag, an effect on a stakeholder who does
not exist), raising a :class:`RuleError` with the path of the field at fault, and turns the
scenario into what the engine runs:

* conditions become closures over the deal (:mod:`sim.lang.expr`);
* random amounts become :mod:`sim.engine.dice` amounts, drawn each time they apply;
* each action's and event's effects become a flat tuple of *operations*, each doing one thing
  (:func:`compile_ops`), which :meth:`sim.engine.state.Deal.apply` performs in order.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.engine.decisions import Option
from sim.engine.dice import Amount, Fixed, Normal, Triangular, Uniform
from sim.engine.trace import AccountStart, PersonStart
from sim.lang import expr
from sim.lang.schema import (
    ACCOUNT_NUMBERS,
    PERSON_NUMBERS,
    STAGES,
    Account,
    Action,
    Distribution,
    Effect,
    Scenario,
    Touchpoint,
)

__all__ = [
    "AccountChange",
    "AccountRules",
    "ActionRule",
    "Chance",
    "ClearFlag",
    "CompetitorRule",
    "Cond",
    "Deadline",
    "Deal",
    "EventRule",
    "Join",
    "Leave",
    "Lose",
    "Menu",
    "Operation",
    "PersonChange",
    "PersonInit",
    "RuleError",
    "Rules",
    "SetFlag",
    "StageRule",
    "Stakeholder",
    "TouchpointRule",
    "amount",
    "compile_effect",
    "compile_ops",
    "compile_rules",
    "flatten",
    "symbols_for",
]

Path = tuple[str | int, ...]


class Stakeholder(Protocol):
    """What a condition reads of a stakeholder."""

    numbers: dict[str, float]  # trust, satisfaction
    present: bool


class Deal(Protocol):
    """What compiled rules read of a deal during a run (:class:`sim.engine.state.Deal` is one)."""

    numbers: dict[str, float]
    flags: set[str]
    deadline: float

    @property
    def people(self) -> Mapping[str, Stakeholder]: ...
    @property
    def now(self) -> float: ...
    def consensus(self) -> float: ...
    def satisfaction(self) -> float: ...


#: A compiled condition: does it hold for this deal now? (None: no condition, always true.)
Cond = Callable[[Deal], bool] | None


class RuleError(Exception):
    """A reference problem found while compiling, at a field path (and a column offset for conditions)."""

    def __init__(self, path: Path, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.offset = offset


# --- operations: what effects do, one thing each --------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonChange:
    """Change a stakeholder's trust, then satisfaction (None: no change), each by a draw of its
    amount times ``scale``, if the stakeholder is present. With ``met``, the seller met them:
    their drift clock restarts (even if they are not present)."""

    person: str
    met: bool
    trust: Amount | None
    satisfaction: Amount | None
    scale: float


@dataclass(frozen=True, slots=True)
class AccountChange:
    """Change one of the account's numbers (:data:`sim.lang.schema.ACCOUNT_NUMBERS`)."""

    number: str
    amount: Amount
    scale: float


@dataclass(frozen=True, slots=True)
class Deadline:
    """Move the buyer's deadline by a number of days (``patience``; never before day 0)."""

    days: Amount
    scale: float


@dataclass(frozen=True, slots=True)
class SetFlag:
    """A milestone is reached."""

    flag: str


@dataclass(frozen=True, slots=True)
class ClearFlag:
    """A milestone is lost."""

    flag: str


@dataclass(frozen=True, slots=True)
class Leave:
    """A stakeholder leaves the buying center."""

    person: str


@dataclass(frozen=True, slots=True)
class Join:
    """A stakeholder joins the buying center."""

    person: str


@dataclass(frozen=True, slots=True)
class Lose:
    """The deal is lost at once, for ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class Chance:
    """With ``probability`` (one uniform draw), perform ``ops``."""

    probability: float
    ops: tuple[Operation, ...]


Operation = PersonChange | AccountChange | Deadline | SetFlag | ClearFlag | Leave | Join | Lose | Chance


def flatten(ops: Iterable[Operation]) -> Iterator[Operation]:
    """Every operation that ``ops`` may perform, those inside a :class:`Chance` included (for
    checks that ask what a scenario can do, not what one run does)."""
    for op in ops:
        if isinstance(op, Chance):
            yield from flatten(op.ops)
        else:
            yield op


# --- compiled scenario ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Menu:
    """What a decision offers: the options, their ids, and the author's recommended ids."""

    options: tuple[Option, ...]
    ids: tuple[str, ...]
    recommended: tuple[str, ...]

    @classmethod
    def of(cls, actions: Iterable[ActionRule]) -> Menu:
        offered = tuple(actions)
        return cls(tuple(a.option for a in offered), tuple(a.id for a in offered),
                   tuple(a.id for a in offered if a.recommended))


@dataclass(frozen=True, slots=True)
class ActionRule:
    """One action of a touchpoint: offered when ``when`` holds; costs the seller ``days``; then the
    buyer takes ``wait_days`` on its own; ``ops`` are its compiled effects."""

    id: str
    days: float
    when: Cond
    recommended: bool
    ops: tuple[Operation, ...]
    wait_days: float
    spec: Action = field(compare=False, repr=False)
    option: Option = field(init=False, compare=False, repr=False)  # as a decision offers it

    def __post_init__(self) -> None:
        object.__setattr__(self, "option", Option(self.id, self.days, self.recommended))


@dataclass(frozen=True, slots=True)
class TouchpointRule:
    """A touchpoint of a stage: visited when ``when`` holds, ``repeat`` more times while the
    stage's gate fails; the seller meets the people ``with_``."""

    id: str
    key: str  # "account/touchpoint": the decision key in logs
    stage: str
    when: Cond
    repeat: int
    with_: tuple[str, ...]
    actions: tuple[ActionRule, ...]
    by_id: dict[str, ActionRule]
    spec: Touchpoint = field(compare=False, repr=False)
    menu: Menu | None = field(init=False, compare=False, repr=False)  # when no action has a condition

    def __post_init__(self) -> None:
        unconditional = all(a.when is None for a in self.actions)
        object.__setattr__(self, "menu", Menu.of(self.actions) if unconditional else None)

    def offer(self, deal: Deal) -> Menu | None:
        """The menu of the actions offered to ``deal`` now, or None if none is."""
        if self.menu is not None:
            return self.menu
        offered = [a for a in self.actions if a.when is None or a.when(deal)]
        return Menu.of(offered) if offered else None


@dataclass(frozen=True, slots=True)
class StageRule:
    """A roadmap stage of an account: its touchpoints in order, and the gate that leaves it."""

    key: str
    gate: Cond
    fail_reason: str
    touchpoints: tuple[TouchpointRule, ...]
    lasts_days: float = 0.0


@dataclass(frozen=True, slots=True)
class EventRule:
    """An author's event: on ``day`` (after the start, or after the close), with ``chance``, if
    ``when`` holds."""

    id: str
    day: float
    chance: float
    when: Cond
    ops: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class PersonInit:
    """A stakeholder's starting values, resolved once so each run starts cheaply."""

    id: str
    role: str
    influence: float
    trust: float
    satisfaction: float
    present: bool
    drift: float
    veto: bool
    veto_below: float


@dataclass(frozen=True, slots=True)
class CompetitorRule:
    """A rival vendor: starting ``strength``, weekly ``growth``, and the strength that wins."""

    strength: float
    growth: Amount
    wins_at: float


@dataclass(frozen=True, slots=True)
class AccountRules:
    """Everything about one account that a run needs."""

    id: str
    index: int  # its place in the scenario's accounts (for the paths of findings)
    spec: Account
    people: tuple[PersonInit, ...]
    stages: tuple[StageRule, ...]
    events_start: tuple[EventRule, ...]  # by day
    events_close: tuple[EventRule, ...]  # by day after the close
    competitor: CompetitorRule | None
    patience_days: float
    touchpoints: dict[str, TouchpointRule]


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the engine needs to run a scenario."""

    spec: Scenario
    accounts: tuple[AccountRules, ...]
    start: tuple[AccountStart, ...]  # every buying center as the trace's Start event records it


# --- conditions -------------------------------------------------------------------------------------


def _number(name: str) -> Callable[[Deal], float]:
    return lambda d: d.numbers[name]


_DERIVED: dict[str, Callable[[Deal], float]] = {
    "consensus": lambda d: d.consensus(),
    "satisfaction": lambda d: d.satisfaction(),
    "day": lambda d: d.now,
    "days_left": lambda d: d.deadline - d.now,
}


def _flag_getter(flag: str) -> Callable[[Deal], bool]:
    return lambda d: flag in d.flags


def symbols_for(account: Account) -> expr.Symbols:
    """What a condition in this account may name (flags, numbers, stakeholder functions)."""
    names: dict[str, tuple[str, Callable[[Any], Any]]] = {n: ("num", _number(n)) for n in ACCOUNT_NUMBERS}
    names.update({n: ("num", g) for n, g in _DERIVED.items()})
    for flag in account.flags:
        names[flag.id] = ("bool", _flag_getter(flag.id))
    people = [s.id for s in account.stakeholders]
    functions = {
        "trust": ("num", people, lambda d, x: d.people[x].numbers["trust"]),
        "satisfaction": ("num", people, lambda d, x: d.people[x].numbers["satisfaction"]),
        "present": ("bool", people, lambda d, x: d.people[x].present),
    }
    nouns = {"trust": "stakeholder", "satisfaction": "stakeholder", "present": "stakeholder"}
    return expr.Symbols(names=names, functions=functions, arg_nouns=nouns)


def _cond(text: str | None, symbols: expr.Symbols, path: Path) -> Cond:
    if text is None:
        return None
    try:
        return expr.compile_condition(text, symbols)
    except expr.ExprError as err:
        raise RuleError(path, err.message, err.offset) from None


# --- effects ----------------------------------------------------------------------------------------


def amount(value: float | Distribution) -> Amount:
    """The engine's amount for a scenario's number or distribution."""
    if not isinstance(value, Distribution):
        return Fixed(float(value))
    if value.normal is not None:
        return Normal(*value.normal)
    if value.uniform is not None:
        return Uniform(*value.uniform)
    assert value.triangular is not None  # the schema requires exactly one
    return Triangular(*value.triangular)


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _who(effect: Effect, account: Account, here: Path) -> tuple[str, ...]:
    """The stakeholders a trust or satisfaction change applies to."""
    people = [s.id for s in account.stakeholders]
    if effect.who is None:
        return ()
    if effect.who == "all":
        return tuple(people)
    if effect.who.startswith("role:"):
        role = effect.who[5:]
        who = tuple(s.id for s in account.stakeholders if s.role == role)
        if not who:
            raise RuleError((*here, "who"), f"no stakeholder has the role '{role}'")
        return who
    if effect.who in people:
        return (effect.who,)
    raise RuleError((*here, "who"), _unknown("stakeholder", effect.who, people))


def _check_references(effect: Effect, account: Account, here: Path) -> None:
    """Flags and stakeholders an effect names must be declared."""
    people = {s.id for s in account.stakeholders}
    flags = {f.id for f in account.flags}
    for key in ("set", "clear"):
        value = getattr(effect, key)
        for j, flag in enumerate(_as_tuple(value)):
            if flag not in flags:
                sub = (*here, key) if isinstance(value, str) else (*here, key, j)
                raise RuleError(sub, _unknown("flag", flag, flags) + "; declare it under flags")
    for key in ("leave", "join"):
        ref = getattr(effect, key)
        if ref is not None and ref not in people:
            raise RuleError((*here, key), _unknown("stakeholder", ref, people))


def compile_effect(effect: Effect, account: Account, here: Path) -> tuple[Operation, ...]:
    """The operations of one effect, in the order they happen (and draw):

    * people's changes: one :class:`PersonChange` per person with all its changes; but when an
      effect changes both trust and satisfaction of several people, trust for each person first,
      then satisfaction for each (met at the second), so draws and trace events come in that order;
    * the account's numbers in :data:`~sim.lang.schema.ACCOUNT_NUMBERS` order, then the deadline;
    * flags set, flags cleared, a person leaving, a person joining, the deal lost;
    * all of it inside one :class:`Chance` if the effect has a chance below 1.
    """
    who = _who(effect, account, here)
    _check_references(effect, account, here)
    traits = account.persona.traits
    scale = float(getattr(traits, effect.scale)) if effect.scale else 1.0
    trust, satisfaction = (None if getattr(effect, k) is None else amount(getattr(effect, k)) for k in PERSON_NUMBERS)
    ops: list[Operation] = []
    if trust is not None and satisfaction is not None and len(who) > 1:
        ops += [PersonChange(pid, False, trust, None, scale) for pid in who]
        ops += [PersonChange(pid, True, None, satisfaction, scale) for pid in who]
    elif trust is not None or satisfaction is not None:
        ops += [PersonChange(pid, True, trust, satisfaction, scale) for pid in who]
    for number in ACCOUNT_NUMBERS:
        value = getattr(effect, number)
        if value is not None:
            ops.append(AccountChange(number, amount(value), scale))
    if effect.patience is not None:
        ops.append(Deadline(amount(effect.patience), scale))
    ops += [SetFlag(f) for f in _as_tuple(effect.set)]
    ops += [ClearFlag(f) for f in _as_tuple(effect.clear)]
    if effect.leave:
        ops.append(Leave(effect.leave))
    if effect.join:
        ops.append(Join(effect.join))
    if effect.lose:
        ops.append(Lose(effect.lose))
    if effect.chance < 1.0:
        return (Chance(effect.chance, tuple(ops)),)
    return tuple(ops)


def compile_ops(effects: list[Effect], account: Account, path: Path) -> tuple[Operation, ...]:
    """The operations of a list of effects, in order (see :func:`compile_effect`)."""
    return tuple(op for i, e in enumerate(effects) for op in compile_effect(e, account, (*path, i)))


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{name}'{hint}"


# --- scenario ---------------------------------------------------------------------------------------


def _check_unique_ids(account: Account, base: Path) -> None:
    _unique([s.id for s in account.stakeholders], (*base, "stakeholders"), "stakeholder")
    _unique([f.id for f in account.flags], (*base, "flags"), "flag")
    _unique([t.id for t in account.touchpoints], (*base, "touchpoints"), "touchpoint")
    _unique([e.id for e in account.events], (*base, "events"), "event")


def _touchpoints(account: Account, base: Path, symbols: expr.Symbols) -> list[TouchpointRule]:
    people = {s.id for s in account.stakeholders}
    out = []
    for ti, tp in enumerate(account.touchpoints):
        tpath = (*base, "touchpoints", ti)
        if tp.stage not in account.stages:
            raise RuleError((*tpath, "stage"), f"stage '{tp.stage}' is not in this account's stages")
        for wi, who in enumerate(tp.with_):
            if who not in people:
                raise RuleError((*tpath, "with", wi), _unknown("stakeholder", who, people))
        _unique([a.id for a in tp.actions], (*tpath, "actions"), "action")
        actions = tuple(
            ActionRule(
                id=a.id,
                days=float(a.days),
                when=_cond(a.when, symbols, (*tpath, "actions", ai, "when")),
                recommended=a.recommended,
                ops=compile_ops(a.effects, account, (*tpath, "actions", ai, "effects")),
                wait_days=float(a.wait_days),
                spec=a,
            )
            for ai, a in enumerate(tp.actions)
        )
        out.append(TouchpointRule(
            id=tp.id,
            key=f"{account.id}/{tp.id}",
            stage=tp.stage,
            when=_cond(tp.when, symbols, (*tpath, "when")),
            repeat=tp.repeat,
            with_=tuple(tp.with_),
            actions=actions,
            by_id={a.id: a for a in actions},
            spec=tp,
        ))
    return out


def _stages(account: Account, base: Path, symbols: expr.Symbols, touchpoints: list[TouchpointRule]) -> list[StageRule]:
    stages = []
    for key, stage in account.stages.items():
        here = tuple(tp for tp in touchpoints if tp.stage == key)
        if not here:
            raise RuleError((*base, "stages", key), f"stage '{key}' has no touchpoint")
        if stage.lasts_days is not None and key != "after_sales":
            raise RuleError((*base, "stages", key, "lasts_days"), "only after_sales has a follow-up period")
        stages.append(StageRule(
            key=key,
            gate=_cond(stage.gate, symbols, (*base, "stages", key, "gate")),
            fail_reason=stage.fail_reason,
            touchpoints=here,
            lasts_days=float(stage.lasts_days or 0.0),
        ))
    return sorted(stages, key=lambda s: STAGES.index(s.key))


def _events(account: Account, base: Path, symbols: expr.Symbols) -> dict[str, tuple[EventRule, ...]]:
    """The account's events counted from the start and from the close, each by day."""
    events: dict[str, list[EventRule]] = {"start": [], "close": []}
    for ei, ev in enumerate(account.events):
        events[ev.after].append(EventRule(
            id=ev.id,
            day=float(ev.day),
            chance=ev.chance,
            when=_cond(ev.when, symbols, (*base, "events", ei, "when")),
            ops=compile_ops(ev.effects, account, (*base, "events", ei, "effects")),
        ))
    return {after: tuple(sorted(evs, key=lambda e: e.day)) for after, evs in events.items()}


def _account(account: Account, index: int) -> AccountRules:
    base: Path = ("accounts", index)
    symbols = symbols_for(account)
    _check_unique_ids(account, base)
    touchpoints = _touchpoints(account, base, symbols)
    stages = _stages(account, base, symbols, touchpoints)
    events = _events(account, base, symbols)
    comp = account.competitor
    return AccountRules(
        id=account.id,
        index=index,
        spec=account,
        people=tuple(
            PersonInit(s.id, s.role, s.influence, float(s.trust), float(s.satisfaction), s.present, s.drift,
                       s.can_veto, s.veto_below)
            for s in account.stakeholders
        ),
        stages=tuple(stages),
        events_start=events["start"],
        events_close=events["close"],
        competitor=CompetitorRule(comp.strength, amount(comp.growth), comp.wins_at) if comp else None,
        patience_days=float(account.patience_days),
        touchpoints={tp.id: tp for tp in touchpoints},
    )


def _unique(ids: list[str], path: Path, what: str) -> None:
    seen: dict[str, int] = {}
    for i, x in enumerate(ids):
        if x in seen:
            raise RuleError((*path, i, "id"), f"duplicate {what} id '{x}' (first at index {seen[x]})")
        seen[x] = i


def compile_rules(spec: Scenario) -> Rules:
    """Compile a validated scenario; raises RuleError for the first reference problem."""
    _unique([a.id for a in spec.accounts], ("accounts",), "account")
    if spec.rubric.wins_needed > len(spec.accounts):
        raise RuleError(
            ("rubric", "wins_needed"),
            f"wins_needed is {spec.rubric.wins_needed} but the scenario has {len(spec.accounts)} account(s)",
        )
    accounts = tuple(_account(a, i) for i, a in enumerate(spec.accounts))
    start = tuple(
        AccountStart(a.id, tuple(PersonStart(p.id, p.role, p.influence, p.trust, p.satisfaction, p.present)
                                 for p in a.people))
        for a in accounts
    )
    return Rules(spec=spec, accounts=accounts, start=start)
