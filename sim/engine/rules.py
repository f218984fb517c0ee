"""Compiled rules: a validated scenario turned into plain structures the engine runs fast.

Validation (pydantic) happens once at load time; a run then only touches these slotted objects:
conditions are closures from :mod:`sim.lang.expr`, random amounts are tagged tuples, references are
resolved to ids. Compiling is also where references that pydantic cannot see are checked (a
condition naming an unknown flag, an effect on a stakeholder who does not exist), so each problem
is raised as a :class:`RuleError` with the path of the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import sqrt
from typing import Any

from sim.engine.decisions import Option
from sim.engine.trace import PersonStart
from sim.lang import expr
from sim.lang.schema import STAGES, Account, Distribution, Scenario

Path = tuple[str | int, ...]
Cond = Callable[[Any], bool] | None
#: A fixed float, or ("n", mean, sd) / ("u", lo, hi, hi - lo) / ("t", lo, mode, hi, ...) drawn per use.
AmountT = float | tuple


class RuleError(Exception):
    """A reference problem found while compiling, at a field path (and a column offset for conditions)."""

    def __init__(self, path: Path, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class EffectRule:
    chance: float
    who: tuple[str, ...]  # stakeholder ids a trust/satisfaction change applies to
    people: tuple[tuple[str, AmountT], ...]  # ("trust"|"satisfaction", amount)
    account: tuple[tuple[str, AmountT], ...]  # ("info"|"fit"|"competitor"|"patience", amount)
    set_flags: tuple[str, ...]
    clear_flags: tuple[str, ...]
    leave: str | None
    join: str | None
    lose: str | None
    scale: float


@dataclass(frozen=True, slots=True)
class ActionRule:
    id: str
    days: float
    when: Cond
    recommended: bool
    effects: tuple[EffectRule, ...]
    wait_days: float = 0.0
    ops: tuple = ()  # the effects compiled for Deal.apply (see compile_ops)


@dataclass(frozen=True, slots=True)
class TouchpointRule:
    id: str
    index: int
    stage: str
    when: Cond
    repeat: int
    with_: tuple[str, ...]
    actions: tuple[ActionRule, ...]
    key: str = ""  # "account/touchpoint": the decision key in logs
    by_id: dict[str, ActionRule] = field(default_factory=dict)
    conditional: bool = False  # some action has a ``when``: the offer must be computed each visit
    menu: tuple | None = None  # (options, offered ids, recommended ids) of all the actions, built once
    menus: dict[int, tuple] = field(default_factory=dict)  # menus of conditional offers, built on first use

    def offer(self, deal: Any) -> tuple | None:
        """The menu (see :func:`menu`) of the actions offered to ``deal`` now, or None if none is.

        Menus are built once per set of offered actions and shared by every run: they are
        immutable, and building them on each visit was a visible share of a run's time.
        """
        if not self.conditional:
            return self.menu
        key, bit = 0, 1
        for a in self.actions:
            when = a.when  # a callable attribute is called faster from a local
            if when is None or when(deal):
                key |= bit
            bit <<= 1
        if not key:
            return None
        found = self.menus.get(key)
        if found is None:
            found = self.menus[key] = menu(tuple(a for i, a in enumerate(self.actions) if key >> i & 1))
        return found


@dataclass(frozen=True, slots=True)
class StageRule:
    key: str
    gate: Cond
    fail_reason: str
    touchpoints: tuple[TouchpointRule, ...]
    lasts_days: float = 0.0


@dataclass(frozen=True, slots=True)
class EventRule:
    id: str
    day: float
    chance: float
    when: Cond
    effects: tuple[EffectRule, ...]
    ops: tuple = ()  # the effects compiled for Deal.apply (see compile_ops)


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
class AccountRules:
    id: str
    index: int
    spec: Account
    people: tuple[PersonInit, ...]
    stages: tuple[StageRule, ...]
    events_start: tuple[EventRule, ...]
    events_close: tuple[EventRule, ...]
    competitor: tuple[float, AmountT, float] | None  # (strength, growth per week, wins_at)
    patience_days: float
    touchpoints: dict[str, TouchpointRule]


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the engine needs to run a scenario."""

    spec: Scenario
    accounts: tuple[AccountRules, ...]
    start: tuple = ()  # every account's (id, PersonStart...) for the trace's Start event, built once
    #: a pipeline's focus options by (waiting account ids, advised id), built on first use: runs share them
    focus_menus: dict[tuple, tuple] = field(default_factory=dict, compare=False, repr=False)


# --- conditions -------------------------------------------------------------------------------------

_NUM_NAMES: dict[str, Callable[[Any], float]] = {
    "info": lambda d: d.info,
    "fit": lambda d: d.fit,
    "competitor": lambda d: d.competitor,
    "consensus": lambda d: d.consensus(),
    "satisfaction": lambda d: d.satisfaction(),
    "day": lambda d: d.world.env.now,
    "days_left": lambda d: d.deadline - d.world.env.now,
}


def _flag_getter(flag: str) -> Callable[[Any], bool]:
    return lambda d: flag in d.flags


def symbols_for(account: Account) -> expr.Symbols:
    """What a condition in this account may name (flags, metrics, stakeholder functions)."""
    names: dict[str, tuple[str, Callable[[Any], Any]]] = {n: ("num", g) for n, g in _NUM_NAMES.items()}
    for flag in account.flags:
        names[flag.id] = ("bool", _flag_getter(flag.id))
    people = [s.id for s in account.stakeholders]
    functions = {
        "trust": ("num", people, lambda d, x: d.people[x].trust),
        "satisfaction": ("num", people, lambda d, x: d.people[x].satisfaction),
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


def _amount(value: float | Distribution) -> AmountT:
    if isinstance(value, Distribution):
        if value.normal is not None:
            return ("n", *value.normal)
        if value.uniform is not None:
            lo, hi = value.uniform
            return ("u", lo, hi, hi - lo)
        lo, mode, hi = value.triangular  # type: ignore[misc]
        # numpy's triangular sampler, precomputed (see draw)
        base = hi - lo
        return ("t", lo, mode, hi, (mode - lo) / base, (mode - lo) * base, (hi - mode) * base)
    return float(value)


def draw(amount: AmountT, rng: Any) -> float:
    """A value of an amount: itself if fixed, else one draw from the run's generator.

    Uniform and triangular amounts are computed here from one ``rng.random()`` with the formulas of
    numpy's own samplers (``random_uniform``, ``random_triangular``), which gives the very same
    values as ``rng.uniform``/``rng.triangular`` without their array-argument overhead: a run draws
    often, and those two calls cost more than the rest of an effect.
    """
    if amount.__class__ is float:
        return amount  # type: ignore[return-value]
    kind = amount[0]  # type: ignore[index]
    if kind == "n":
        return amount[1] + amount[2] * rng.standard_normal()  # type: ignore[index]
    if kind == "u":
        return amount[1] + amount[3] * rng.random()  # type: ignore[index]
    u = rng.random()
    if u <= amount[4]:  # type: ignore[index]
        return amount[1] + sqrt(u * amount[5])  # type: ignore[index]
    return amount[3] - sqrt((1.0 - u) * amount[6])  # type: ignore[index]


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _effects(effects: list, account: Account, path: Path) -> tuple[EffectRule, ...]:
    people = {s.id: s for s in account.stakeholders}
    flags = {f.id for f in account.flags}
    traits = account.persona.traits
    out = []
    for i, e in enumerate(effects):
        here = (*path, i)
        who: tuple[str, ...] = ()
        if e.who is not None:
            if e.who == "all":
                who = tuple(people)
            elif e.who.startswith("role:"):
                role = e.who[5:]
                who = tuple(s.id for s in account.stakeholders if s.role == role)
                if not who:
                    raise RuleError((*here, "who"), f"no stakeholder has the role '{role}'")
            elif e.who in people:
                who = (e.who,)
            else:
                raise RuleError((*here, "who"), _unknown("stakeholder", e.who, people))
        for key in ("set", "clear"):
            for j, flag in enumerate(_as_tuple(getattr(e, key))):
                if flag not in flags:
                    sub = (*here, key) if isinstance(getattr(e, key), str) else (*here, key, j)
                    raise RuleError(sub, _unknown("flag", flag, flags) + "; declare it under flags")
        for key in ("leave", "join"):
            ref = getattr(e, key)
            if ref is not None and ref not in people:
                raise RuleError((*here, key), _unknown("stakeholder", ref, people))
        out.append(
            EffectRule(
                chance=e.chance,
                who=who,
                people=tuple(
                    (k, _amount(getattr(e, k))) for k in ("trust", "satisfaction") if getattr(e, k) is not None
                ),
                account=tuple(
                    (k, _amount(getattr(e, k))) for k in ("info", "fit", "competitor", "patience")
                    if getattr(e, k) is not None
                ),
                set_flags=_as_tuple(e.set),
                clear_flags=_as_tuple(e.clear),
                leave=e.leave,
                join=e.join,
                lose=e.lose,
                scale=getattr(traits, e.scale) if e.scale else 1.0,
            )
        )
    return tuple(out)


#: Operation codes of compiled effects (see compile_ops and sim.state.Deal.apply). OP_PERSON must stay 0:
#: Deal.apply tests for it as ``not code``.
(OP_PERSON, OP_INFO, OP_FIT, OP_COMPETITOR, OP_PATIENCE, OP_SET, OP_CHANCE, OP_CLEAR, OP_LEAVE, OP_JOIN,
 OP_LOSE) = range(11)
#: The operation changing each account number (the code says which, so the engine reads it without getattr).
OP_FOR = {"info": OP_INFO, "fit": OP_FIT, "competitor": OP_COMPETITOR, "patience": OP_PATIENCE}


def _change(amount: AmountT | None, scale: float) -> tuple[float | None, AmountT | None]:
    """``(fixed, amount)`` of an operation: the scaled value when the amount is a number, else None."""
    return (amount * scale if amount.__class__ is float else None), amount  # type: ignore[operator]


def compile_ops(effects: tuple[EffectRule, ...]) -> tuple[tuple, ...]:
    """Flatten effects into the operations they perform, in the order they perform them.

    An effect has a dozen optional parts and most are empty; the engine applies effects often, so
    it runs this flat list instead, where each entry does one thing:

    * ``(OP_CHANCE, p, ops)``: with probability ``p`` apply the effect's own operations ``ops``;
    * ``(OP_PERSON, stakeholder, contact, trust_fixed, trust, satisfaction_fixed, satisfaction,
      scale)``: if the stakeholder is present, change their trust, then their satisfaction, each
      by its ``fixed`` value (already scaled) or by a fresh draw of its amount times ``scale``
      (an amount of None: no change); with ``contact`` the seller met them, so their drift clock
      restarts. An effect on one person is one operation (most change trust and satisfaction
      together). An effect on several people is one operation per person and number, in the
      order the effect gives them (trust for each person in ``who`` order, then satisfaction), so
      the draws and rows come in that order; this keeps the innermost loop free of an inner loop;
    * ``(OP_INFO | OP_FIT | OP_COMPETITOR | OP_PATIENCE, var, fixed, amount, scale)``: the same for
      an account number;
    * ``(OP_SET | OP_CLEAR, flag)``, ``(OP_LEAVE | OP_JOIN, stakeholder)``, ``(OP_LOSE, reason)``.
    """
    out: list[tuple] = []
    for e in effects:
        ops: list[tuple] = []
        changes = dict(e.people)
        trust, satisfaction = _change(changes.get("trust"), e.scale), _change(changes.get("satisfaction"), e.scale)
        if len(changes) == 2 and len(e.who) > 1:  # trust for everyone, then satisfaction: met at the last
            ops += [(OP_PERSON, pid, False, *trust, None, None, e.scale) for pid in e.who]
            ops += [(OP_PERSON, pid, True, None, None, *satisfaction, e.scale) for pid in e.who]
        elif changes:  # one operation per person, with all its changes
            ops += [(OP_PERSON, pid, True, *trust, *satisfaction, e.scale) for pid in e.who]
        for var, amount in e.account:
            ops.append((OP_FOR[var], var, *_change(amount, e.scale), e.scale))
        ops += [(OP_SET, f) for f in e.set_flags] + [(OP_CLEAR, f) for f in e.clear_flags]
        if e.leave:
            ops.append((OP_LEAVE, e.leave))
        if e.join:
            ops.append((OP_JOIN, e.join))
        if e.lose:
            ops.append((OP_LOSE, e.lose))
        if e.chance < 1.0:  # one draw decides the effect; its operations are nested, not skipped over
            out.append((OP_CHANCE, e.chance, tuple(ops)))
        else:
            out += ops
    return tuple(out)


def _unknown(what: str, name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{name}'{hint}"


# --- scenario ---------------------------------------------------------------------------------------


def _account(account: Account, index: int) -> AccountRules:
    base: Path = ("accounts", index)
    symbols = symbols_for(account)
    people = {s.id for s in account.stakeholders}
    _unique([s.id for s in account.stakeholders], (*base, "stakeholders"), "stakeholder")
    _unique([f.id for f in account.flags], (*base, "flags"), "flag")
    _unique([t.id for t in account.touchpoints], (*base, "touchpoints"), "touchpoint")
    _unique([e.id for e in account.events], (*base, "events"), "event")
    by_stage: dict[str, list[TouchpointRule]] = {k: [] for k in account.stages}
    touchpoints: dict[str, TouchpointRule] = {}
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
                effects=(effects := _effects(a.effects, account, (*tpath, "actions", ai, "effects"))),
                wait_days=float(a.wait_days),
                ops=compile_ops(effects),
            )
            for ai, a in enumerate(tp.actions)
        )
        rule = TouchpointRule(
            id=tp.id,
            index=ti,
            stage=tp.stage,
            when=_cond(tp.when, symbols, (*tpath, "when")),
            repeat=tp.repeat,
            with_=tuple(tp.with_),
            actions=actions,
            key=f"{account.id}/{tp.id}",
            by_id={a.id: a for a in actions},
            conditional=any(a.when is not None for a in actions),
            menu=menu(actions) if actions else None,
        )
        by_stage[tp.stage].append(rule)
        touchpoints[tp.id] = rule
    stages = []
    for key, stage in account.stages.items():
        if not by_stage[key]:
            raise RuleError((*base, "stages", key), f"stage '{key}' has no touchpoint")
        if stage.lasts_days is not None and key != "after_sales":
            raise RuleError((*base, "stages", key, "lasts_days"), "only after_sales has a follow-up period")
        stages.append(
            StageRule(
                key=key,
                gate=_cond(stage.gate, symbols, (*base, "stages", key, "gate")),
                fail_reason=stage.fail_reason,
                touchpoints=tuple(by_stage[key]),
                lasts_days=float(stage.lasts_days or 0.0),
            )
        )
    events: dict[str, list[EventRule]] = {"start": [], "close": []}
    for ei, ev in enumerate(account.events):
        epath = (*base, "events", ei)
        events[ev.after].append(
            EventRule(
                id=ev.id,
                day=float(ev.day),
                chance=ev.chance,
                when=_cond(ev.when, symbols, (*epath, "when")),
                effects=(effects := _effects(ev.effects, account, (*epath, "effects"))),
                ops=compile_ops(effects),
            )
        )
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
        stages=tuple(sorted(stages, key=lambda s: STAGES.index(s.key))),
        events_start=tuple(sorted(events["start"], key=lambda e: e.day)),
        events_close=tuple(sorted(events["close"], key=lambda e: e.day)),
        competitor=(comp.strength, _amount(comp.growth), comp.wins_at) if comp else None,
        patience_days=float(account.patience_days),
        touchpoints=touchpoints,
    )


def menu(actions: tuple[ActionRule, ...]) -> tuple[tuple[Option, ...], tuple[str, ...], tuple[str, ...]]:
    """What a decision offers: the options, their ids, and the author's recommended ids."""
    return (
        tuple(Option(a.id, a.days, a.recommended) for a in actions),
        tuple(a.id for a in actions),
        tuple(a.id for a in actions if a.recommended),
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
        (a.id, tuple(PersonStart(p.id, p.role, p.influence, p.trust, p.satisfaction, p.present) for p in a.people))
        for a in accounts
    )
    return Rules(spec=spec, accounts=accounts, start=start)
