"""Compiled rules: a validated scenario turned into the plain structures a run reads.

Validation (pydantic, :mod:`sim.lang.schema`) happens once at load time. Compiling then resolves
what pydantic cannot see (a condition naming an unknown flag, an effect on a stakeholder who does
not exist): each problem is a :class:`RuleError` with the path of the field at fault, and every one
is found in one pass (:func:`compile_with_errors` leaves the faulty part out and goes on;
:func:`compile_rules` raises the first, carrying them all). It turns the scenario into what the
engine runs:

* conditions become closures over the deal (:mod:`sim.lang.expr`);
* random amounts and chances become :mod:`sim.engine.dice` amounts, each with a *source* of its
  own, so that each has its own stream of draws (same seed, same world);
* each action's and event's effects become a flat tuple of *operations*, each doing one thing
  (:func:`compile_ops`), which :meth:`sim.engine.state.Deal.apply` performs in order;
* a stage's touchpoints become its *steps*: a touchpoint visited in the order written, or an
  :class:`AgendaBlock` of consecutive agenda touchpoints the trainee puts in order;
* texts with variants become the conditions that choose among them (:class:`Variants`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Protocol

from sim.engine.decisions import Option
from sim.engine.dice import Amount, Fixed, Normal, Triangular, Uniform
from sim.engine.trace import AccountStart, PersonStart
from sim.lang import expr
from sim.lang.schema import (
    ACCOUNT_NUMBERS,
    ROLES,
    STAGES,
    Account,
    Action,
    DealTerms,
    Distribution,
    Effect,
    Scenario,
    Touchpoint,
    Variant,
)
from sim.lang.text import Bilingual, bilingual

__all__ = [
    "MOVE_ON",
    "AccountChange",
    "AccountRules",
    "ActionRule",
    "AgendaBlock",
    "AgreeTerm",
    "Chance",
    "ClearFlag",
    "CompetitorRule",
    "Cond",
    "Deadline",
    "Deal",
    "DealRule",
    "EventRule",
    "Join",
    "Leave",
    "Lose",
    "Menu",
    "Operation",
    "PersonChange",
    "PersonInit",
    "PriceChange",
    "Reveal",
    "RuleError",
    "Rules",
    "SetFlag",
    "StageRule",
    "Stakeholder",
    "Step",
    "TouchpointRule",
    "Variants",
    "WalkAwayChange",
    "When",
    "amount",
    "compile_effect",
    "compile_ops",
    "compile_rules",
    "compile_with_errors",
    "flatten",
    "symbols_for",
]

Path = tuple[str | int, ...]
#: The option of an agenda decision that leaves the rest of the agenda undone.
MOVE_ON = "move_on"


class Stakeholder(Protocol):
    """What a condition reads of a stakeholder."""

    numbers: dict[str, float]  # trust, satisfaction
    present: bool


class Deal(Protocol):
    """What compiled rules read of a deal during a run (:class:`sim.engine.state.Deal` is one)."""

    numbers: dict[str, float]
    flags: set[str]
    known: set[str]  # stakeholders and facts the seller knows
    chosen: set[str]  # action ids chosen so far
    used: set[str]  # "touchpoint/action" of once-only actions chosen
    visits: dict[str, int]  # touchpoint id -> times visited
    terms: set[str]  # terms agreed
    price: float
    walk_away: float
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
    """A reference problem found while compiling, at a field path (and a column offset for conditions).

    ``ref`` is the unknown name a reference names (None for other problems) and ``code`` what kind
    of problem it is (``unknown``, ``duplicate``, ``condition``, ``empty-stage``, ...). ``errors``:
    every problem of the compile that raised this one, this one first.
    """

    def __init__(self, path: Path, message: str, offset: int | None = None, *, ref: str | None = None,
                 code: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.offset = offset
        self.ref = ref
        self.code = code
        self.errors: list[RuleError] = [self]


# --- operations: what effects do, one thing each --------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonChange:
    """Change a stakeholder's trust, then satisfaction (None: no change), each by a draw of its
    amount times ``scale``, if the stakeholder is present. With ``met``, the seller met them:
    their drift clock restarts (even if they are not present). ``delayed`` changes are not called
    out in the feedback at once."""

    person: str
    met: bool
    trust: Amount | None
    satisfaction: Amount | None
    scale: float
    delayed: bool = False


@dataclass(frozen=True, slots=True)
class AccountChange:
    """Change one of the account's numbers (:data:`sim.lang.schema.ACCOUNT_NUMBERS`)."""

    number: str
    amount: Amount
    scale: float
    delayed: bool = False


@dataclass(frozen=True, slots=True)
class Deadline:
    """Move the buyer's deadline by a number of days (``patience``; never before day 0)."""

    days: Amount
    scale: float


@dataclass(frozen=True, slots=True)
class PriceChange:
    """Change the price on the table by an amount of money (kept between the floor and the list price)."""

    amount: Amount
    scale: float
    delayed: bool = False


@dataclass(frozen=True, slots=True)
class WalkAwayChange:
    """Change the most the buyer will pay by an amount of money (never below 0)."""

    amount: Amount
    scale: float


@dataclass(frozen=True, slots=True)
class AgreeTerm:
    """A term of the deal is agreed (a concession given, or something the buyer gives in return)."""

    term: str


@dataclass(frozen=True, slots=True)
class Reveal:
    """The seller now knows a stakeholder's role, influence and veto, or a buyer fact."""

    subject: str


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
    """With ``probability`` (one draw of its own ``source``), perform ``ops``."""

    probability: float
    source: int
    ops: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class When:
    """If ``condition`` holds at that moment, perform ``ops``."""

    condition: Callable[[Deal], bool]
    ops: tuple[Operation, ...]


Operation = (
    PersonChange | AccountChange | Deadline | PriceChange | WalkAwayChange | AgreeTerm | Reveal | SetFlag | ClearFlag
    | Leave | Join | Lose | Chance | When
)


def flatten(ops: Iterable[Operation]) -> Iterator[Operation]:
    """Every operation that ``ops`` may perform, those inside a :class:`Chance` or :class:`When`
    included (for checks that ask what a scenario can do, not what one run does)."""
    for op in ops:
        if isinstance(op, Chance | When):
            yield from flatten(op.ops)
        else:
            yield op


# --- texts that vary --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Variants:
    """The conditions of a text's variants, in order (None: always): the first that holds is shown."""

    conditions: tuple[Cond, ...] = ()

    def pick(self, deal: Deal) -> int:
        """The index of the variant shown now (0 for a plain text)."""
        for i, cond in enumerate(self.conditions):
            if cond is None or cond(deal):
                return i
        return len(self.conditions) - 1 if self.conditions else 0


PLAIN = Variants()


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
    """One action of a touchpoint: offered when ``when`` holds (and, if ``once``, not yet chosen);
    costs the seller ``days``; then the buyer takes ``wait_days`` on its own; ``ops`` are its
    compiled effects; ``reaction`` and ``feedback`` choose their variants after the effects."""

    id: str
    days: float
    when: Cond
    recommended: bool
    ops: tuple[Operation, ...]
    wait_days: float
    spec: Action = field(compare=False, repr=False)
    once: bool = False
    reaction: Variants = PLAIN
    feedback: Variants = PLAIN
    option: Option = field(init=False, compare=False, repr=False)  # as a decision offers it

    def __post_init__(self) -> None:
        object.__setattr__(self, "option", Option(self.id, self.days, self.recommended))


@dataclass(frozen=True, slots=True)
class TouchpointRule:
    """A touchpoint of a stage: visited when ``when`` holds, ``repeat`` more times while the
    stage's gate fails (never again if ``once``); the seller meets the people ``with_``."""

    id: str
    key: str  # "account/touchpoint": the decision key in logs
    stage: str
    when: Cond
    repeat: int
    with_: tuple[str, ...]
    actions: tuple[ActionRule, ...]
    by_id: dict[str, ActionRule]
    spec: Touchpoint = field(compare=False, repr=False)
    once: bool = False
    agenda: bool = False
    recommended: bool = True
    shuffle: bool = True
    situation: Variants = PLAIN
    menu: Menu | None = field(init=False, compare=False, repr=False)  # when every action is always offered

    def __post_init__(self) -> None:
        always = all(a.when is None and not a.once for a in self.actions)
        object.__setattr__(self, "menu", Menu.of(self.actions) if always else None)

    def may_visit(self, deal: Deal) -> bool:
        """Whether the buyer may meet the seller here now: its condition holds, and a once-only
        touchpoint has not happened yet."""
        return (self.when is None or self.when(deal)) and not (self.once and self.id in deal.visits)

    def offer(self, deal: Deal) -> Menu | None:
        """The menu of the actions offered to ``deal`` now, or None if none is."""
        if self.menu is not None:
            return self.menu
        offered = [a for a in self.actions
                   if (a.when is None or a.when(deal)) and not (a.once and f"{self.id}/{a.id}" in deal.used)]
        return Menu.of(offered) if offered else None


@dataclass(frozen=True, slots=True)
class AgendaBlock:
    """Consecutive agenda touchpoints of a stage: the trainee chooses which to do next, one at a
    time, or moves on; each is done at most once here."""

    key: str  # "account/agenda:<first touchpoint>": the decision key in logs
    touchpoints: tuple[TouchpointRule, ...]
    after: tuple[TouchpointRule, ...] = ()  # the stage's touchpoints after the block, in order


Step = TouchpointRule | AgendaBlock


@dataclass(frozen=True, slots=True)
class StageRule:
    """A roadmap stage of an account: its steps in order, and the gate that leaves it."""

    key: str
    gate: Cond
    fail_reason: str
    touchpoints: tuple[TouchpointRule, ...]
    steps: tuple[Step, ...] = ()
    lasts_days: float = 0.0


@dataclass(frozen=True, slots=True)
class EventRule:
    """An author's event: on ``day`` (after the start, or after the close), with ``chance`` (a draw
    of its own ``source``), if ``when`` holds."""

    id: str
    day: float
    chance: float
    source: int
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
    known: bool = True


@dataclass(frozen=True, slots=True)
class CompetitorRule:
    """A rival vendor: starting ``strength``, weekly ``growth``, and the strength that wins."""

    strength: float
    growth: Amount
    wins_at: float


@dataclass(frozen=True, slots=True)
class DealRule:
    """The commercial side of a deal (:class:`sim.lang.schema.DealTerms`), with each term's worth to
    the buyer already scaled by the persona's trait."""

    list_price: float
    floor: float
    cost: float
    walk_away: float
    buyer_worth: dict[str, float]  # term -> worth to the buyer
    seller_worth: dict[str, float]  # term -> worth to the seller

    @property
    def best_margin(self) -> float:
        """The most the deal can bring: the list price less the cost, with every term that is worth
        something to the seller (the yardstick of the margin score)."""
        return self.list_price - self.cost + sum(w for w in self.seller_worth.values() if w > 0)


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
    known: frozenset[str] = frozenset()  # stakeholders and facts known from the start
    deal: DealRule | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the engine needs to run a scenario."""

    spec: Scenario
    accounts: tuple[AccountRules, ...]
    start: tuple[AccountStart, ...]  # every buying center as the trace's Start event records it
    sources: int = 0  # random sources given out (each with its own stream of draws)


# --- conditions -------------------------------------------------------------------------------------


def _number(name: str) -> Callable[[Deal], float]:
    return lambda d: d.numbers[name]


_DERIVED: dict[str, Callable[[Deal], float]] = {
    "consensus": lambda d: d.consensus(),
    "satisfaction": lambda d: d.satisfaction(),
    "day": lambda d: d.now,
    "days_left": lambda d: d.deadline - d.now,
    "price": lambda d: d.price,
    "walk_away": lambda d: d.walk_away,
}


def _flag_getter(flag: str) -> Callable[[Deal], bool]:
    return lambda d: flag in d.flags


def symbols_for(account: Account) -> expr.Symbols:
    """What a condition in this account may name: flags and numbers; functions of stakeholders
    (trust, satisfaction, present, known), of facts (known), of actions (chose: chosen earlier
    in the run), of touchpoints (visits) and of terms (agreed)."""
    names: dict[str, tuple[str, Callable[[Any], Any]]] = {n: ("num", _number(n)) for n in ACCOUNT_NUMBERS}
    names.update({n: ("num", g) for n, g in _DERIVED.items()})
    if account.deal is not None:
        list_price = account.deal.list_price
        names["discount"] = ("num", lambda d: 100.0 * (list_price - d.price) / list_price)
    for flag in account.flags:
        names[flag.id] = ("bool", _flag_getter(flag.id))
    people = [s.id for s in account.stakeholders]
    actions = sorted({a.id for tp in account.touchpoints for a in tp.actions})
    terms = [t.id for t in account.deal.terms] if account.deal is not None else []
    functions: dict[str, tuple[str, list[str], Callable[[Any, str], Any]]] = {
        "trust": ("num", people, lambda d, x: d.people[x].numbers["trust"]),
        "satisfaction": ("num", people, lambda d, x: d.people[x].numbers["satisfaction"]),
        "present": ("bool", people, lambda d, x: d.people[x].present),
        "known": ("bool", people + [f.id for f in account.facts], lambda d, x: x in d.known),
        "chose": ("bool", actions, lambda d, x: x in d.chosen),
        "visits": ("num", [t.id for t in account.touchpoints], lambda d, x: float(d.visits.get(x, 0))),
        "agreed": ("bool", terms, lambda d, x: x in d.terms),
    }
    nouns = {"trust": NOUNS["stakeholder"], "satisfaction": NOUNS["stakeholder"], "present": NOUNS["stakeholder"],
             "known": NOUNS["stakeholder or fact"], "chose": NOUNS["action"], "visits": NOUNS["touchpoint"],
             "agreed": NOUNS["term"]}
    return expr.Symbols(names=names, functions=functions, arg_nouns=nouns)


def _cond(text: str | None, symbols: expr.Symbols, path: Path, c: _Compiler) -> Cond:
    """A compiled condition; a faulty one is reported to ``c`` and left out (None)."""
    if text is None:
        return None
    try:
        return expr.compile_condition(text, symbols)
    except expr.ExprError as err:
        c.fail(RuleError(path, err.message, err.offset, code="condition"))
        return None


def _variants(text: Any, symbols: expr.Symbols, path: Path, c: _Compiler) -> Variants:
    """The conditions of a text's variants; a plain text (or none) has one variant, always shown."""
    if not isinstance(text, list):
        return PLAIN
    conditions: list[Cond] = []
    for i, variant in enumerate(text):
        assert isinstance(variant, Variant)
        conditions.append(_cond(variant.when, symbols, (*path, i, "when"), c))
    return Variants(tuple(conditions))


# --- effects ----------------------------------------------------------------------------------------


class _Compiler:
    """What compiling a scenario keeps from one account to the next: the random sources given out,
    and the problems found so far."""

    def __init__(self) -> None:
        self._sources = count()
        self.errors: list[RuleError] = []

    def fail(self, error: RuleError) -> None:
        """Note a problem; the caller leaves the faulty part out and goes on."""
        self.errors.append(error)

    def raise_first(self) -> None:
        """Raise the first problem noted, carrying every one (``errors``)."""
        if self.errors:
            first = self.errors[0]
            first.errors = list(self.errors)
            raise first

    def source(self) -> int:
        """A new source of random draws."""
        return next(self._sources)

    def amount(self, value: float | Distribution) -> Amount:
        """The engine's amount for a scenario's number or distribution (a random one gets a source)."""
        if not isinstance(value, Distribution):
            return Fixed(float(value))
        if value.normal is not None:
            return Normal(*value.normal, source=self.source())
        if value.uniform is not None:
            return Uniform(*value.uniform, source=self.source())
        assert value.triangular is not None  # the schema requires exactly one
        return Triangular(*value.triangular, source=self.source())


def amount(value: float | Distribution, source: int = 0) -> Amount:
    """The engine's amount for a scenario's number or distribution, drawing from ``source``."""
    if not isinstance(value, Distribution):
        return Fixed(float(value))
    if value.normal is not None:
        return Normal(*value.normal, source=source)
    if value.uniform is not None:
        return Uniform(*value.uniform, source=source)
    assert value.triangular is not None
    return Triangular(*value.triangular, source=source)


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _who(effect: Effect, account: Account, here: Path, c: _Compiler) -> tuple[str, ...]:
    """The stakeholders a trust or satisfaction change applies to (none when ``who`` is faulty)."""
    people = [s.id for s in account.stakeholders]
    if effect.who is None:
        return ()
    if effect.who == "all":
        return tuple(people)
    if effect.who.startswith("role:"):
        role = effect.who[5:]
        who = tuple(s.id for s in account.stakeholders if s.role == role)
        if role not in ROLES:
            c.fail(RuleError((*here, "who"), bilingual(
                "'{role}' is not a role{hint}; the roles are {roles}", "“{role}”不是角色{hint}；角色有 {roles}",
                role=role, hint=did_you_mean(role, ROLES), roles=", ".join(ROLES)), ref=effect.who, code="unknown"))
        elif not who:
            c.fail(RuleError((*here, "who"), bilingual("no stakeholder has the role '{role}'",
                                                       "没有哪位干系人的角色是“{role}”", role=role), code="no-role"))
        return who
    if effect.who in people:
        return (effect.who,)
    c.fail(RuleError((*here, "who"), _unknown("stakeholder", effect.who, people), ref=effect.who, code="unknown"))
    return ()


def _known_references(effect: Effect, account: Account, here: Path, c: _Compiler) -> dict[str, tuple[str, ...]]:
    """The flags, stakeholders, facts and terms an effect names that are declared (per field:
    set, clear, reveal, terms, leave, join); each that is not is reported to ``c``."""
    people = {s.id for s in account.stakeholders}
    declare_flag = Bilingual("; declare it under flags", "；请在 flags 下声明它")
    lists: dict[str, tuple[set[str], str, Bilingual]] = {
        "set": ({f.id for f in account.flags}, "flag", declare_flag),
        "clear": ({f.id for f in account.flags}, "flag", declare_flag),
        "reveal": (people | {f.id for f in account.facts}, "stakeholder or fact", Bilingual("", "")),
        "terms": ({t.id for t in account.deal.terms} if account.deal else set(), "term",
                  Bilingual("; declare it under deal.terms", "；请在 deal.terms 下声明它")),
        "leave": (people, "stakeholder", Bilingual("", "")),
        "join": (people, "stakeholder", Bilingual("", "")),
    }
    out: dict[str, tuple[str, ...]] = {}
    for key, (known, what, hint) in lists.items():
        value = getattr(effect, key)
        good = []
        for j, ref in enumerate(_as_tuple(value)):
            if ref in known:
                good.append(ref)
            elif key != "terms" or account.deal is not None:  # else the missing deal is the problem
                sub = (*here, key) if isinstance(value, str) else (*here, key, j)
                c.fail(RuleError(sub, _unknown(what, ref, known) + hint, ref=ref, code="unknown"))
        out[key] = tuple(good)
    for key in ("price", "walk_away", "terms"):
        if getattr(effect, key) is not None and account.deal is None:
            c.fail(RuleError((*here, key), bilingual(
                "'{key}' needs the account's deal (deal: {{list_price: ...}})",
                "“{key}”需要这个客户有交易条件（deal: {{list_price: ...}}）", key=key), code="no-deal"))
    return out


def _people_ops(effect: Effect, who: tuple[str, ...], scale: float, c: _Compiler) -> list[PersonChange]:
    """Trust and satisfaction changes: one operation per person with all its changes; but when an
    effect changes both numbers of several people, trust for each first, then satisfaction for
    each (met at the second). Each person's random change draws from a source of its own."""
    def amt(key: str) -> Amount | None:
        value = getattr(effect, key)
        return None if value is None else c.amount(value)

    delayed = effect.delayed
    if effect.trust is not None and effect.satisfaction is not None and len(who) > 1:
        return ([PersonChange(p, False, amt("trust"), None, scale, delayed) for p in who]
                + [PersonChange(p, True, None, amt("satisfaction"), scale, delayed) for p in who])
    if effect.trust is not None or effect.satisfaction is not None:
        return [PersonChange(p, True, amt("trust"), amt("satisfaction"), scale, delayed) for p in who]
    return []


def compile_effect(effect: Effect, account: Account, here: Path, c: _Compiler | None = None,
                   symbols: expr.Symbols | None = None) -> tuple[Operation, ...]:
    """The operations of one effect, in the order they happen:

    * people's changes (:func:`_people_ops`);
    * the account's numbers in :data:`~sim.lang.schema.ACCOUNT_NUMBERS` order, the deadline, the price;
    * terms agreed, things revealed, flags set, flags cleared, a person leaving, a person joining,
      the deal lost;
    * all of it inside one :class:`When` if the effect has a condition, and inside one
      :class:`Chance` if it has a chance below 1 (the chance is drawn first).
    """
    own = c is None
    c = c if c is not None else _Compiler()
    who = _who(effect, account, here, c)
    refs = _known_references(effect, account, here, c)
    deal = account.deal is not None
    scale = float(getattr(account.persona.traits, effect.scale)) if effect.scale else 1.0
    ops: list[Operation] = list(_people_ops(effect, who, scale, c))
    for number in ACCOUNT_NUMBERS:
        value = getattr(effect, number)
        if value is not None:
            ops.append(AccountChange(number, c.amount(value), scale, effect.delayed))
    if effect.patience is not None:
        ops.append(Deadline(c.amount(effect.patience), scale))
    if effect.price is not None and deal:
        ops.append(PriceChange(c.amount(effect.price), scale, effect.delayed))
    if effect.walk_away is not None and deal:
        ops.append(WalkAwayChange(c.amount(effect.walk_away), scale))
    ops += [AgreeTerm(t) for t in refs["terms"]]
    ops += [Reveal(x) for x in refs["reveal"]]
    ops += [SetFlag(f) for f in refs["set"]]
    ops += [ClearFlag(f) for f in refs["clear"]]
    ops += [Leave(p) for p in refs["leave"]]
    ops += [Join(p) for p in refs["join"]]
    if effect.lose:
        ops.append(Lose(effect.lose))
    out: tuple[Operation, ...] = tuple(ops)
    if effect.when is not None:
        cond = _cond(effect.when, symbols or symbols_for(account), (*here, "when"), c)
        if cond is not None:
            out = (When(cond, out),)
    if effect.chance < 1.0:
        out = (Chance(effect.chance, c.source(), out),)
    if own:
        c.raise_first()
    return out


def compile_ops(effects: list[Effect], account: Account, path: Path, c: _Compiler | None = None,
                symbols: expr.Symbols | None = None) -> tuple[Operation, ...]:
    """The operations of a list of effects, in order (see :func:`compile_effect`)."""
    own = c is None
    c = c if c is not None else _Compiler()
    out = tuple(op for i, e in enumerate(effects) for op in compile_effect(e, account, (*path, i), c, symbols))
    if own:
        c.raise_first()
    return out


#: What a reference names, in messages.
NOUNS: dict[str, Bilingual] = {
    "stakeholder": Bilingual("stakeholder", "干系人"),
    "flag": Bilingual("flag", "里程碑标记"),
    "fact": Bilingual("fact", "客户事实"),
    "term": Bilingual("term", "交易条款"),
    "stakeholder or fact": Bilingual("stakeholder or fact", "干系人或客户事实"),
    "action": Bilingual("action", "行动"),
    "touchpoint": Bilingual("touchpoint", "接触点"),
    "event": Bilingual("event", "事件"),
    "account": Bilingual("account", "客户"),
}


def did_you_mean(name: str, known: Iterable[str]) -> Bilingual:
    """`` (did you mean 'x'?)`` for the closest known name (difflib), or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return bilingual(" (did you mean '{x}'?)", "（是不是 '{x}'？）", x=close[0]) if close else Bilingual("", "")


def _unknown(what: str, name: str, known: Iterable[str]) -> Bilingual:
    return bilingual("unknown {what} '{name}'{hint}", "未知的{what}“{name}”{hint}", what=NOUNS[what], name=name,
                     hint=did_you_mean(name, known))


# --- scenario ---------------------------------------------------------------------------------------


def _check_unique_ids(account: Account, base: Path, c: _Compiler) -> None:
    _unique([s.id for s in account.stakeholders], (*base, "stakeholders"), "stakeholder", c)
    _unique([f.id for f in account.flags], (*base, "flags"), "flag", c)
    _unique([f.id for f in account.facts], (*base, "facts"), "fact", c)
    _unique([t.id for t in account.touchpoints], (*base, "touchpoints"), "touchpoint", c)
    _unique([e.id for e in account.events], (*base, "events"), "event", c)
    if account.deal is not None:
        _unique([t.id for t in account.deal.terms], (*base, "deal", "terms"), "term", c)
    people = {s.id for s in account.stakeholders}
    for fi, f in enumerate(account.facts):
        if f.id in people:
            c.fail(RuleError((*base, "facts", fi, "id"), bilingual(
                "'{id}' is a stakeholder's id too", "“{id}”同时也是一位干系人的 id", id=f.id), code="duplicate"))


def _action(a: Action, tpath: Path, ai: int, account: Account, symbols: expr.Symbols, c: _Compiler) -> ActionRule:
    apath = (*tpath, "actions", ai)
    return ActionRule(
        id=a.id,
        days=float(a.days),
        when=_cond(a.when, symbols, (*apath, "when"), c),
        recommended=a.recommended,
        ops=compile_ops(a.effects, account, (*apath, "effects"), c, symbols),
        wait_days=float(a.wait_days),
        spec=a,
        once=a.once,
        reaction=_variants(a.reaction, symbols, (*apath, "reaction"), c),
        feedback=_variants(a.feedback, symbols, (*apath, "feedback"), c),
    )


def _touchpoints(account: Account, base: Path, symbols: expr.Symbols, c: _Compiler) -> list[TouchpointRule]:
    people = {s.id for s in account.stakeholders}
    out = []
    for ti, tp in enumerate(account.touchpoints):
        tpath = (*base, "touchpoints", ti)
        if tp.stage not in account.stages:
            c.fail(RuleError((*tpath, "stage"), bilingual(
                "stage '{stage}' is not in this account's stages", "阶段“{stage}”不在这个客户的 stages 中",
                stage=tp.stage), code="stage-missing"))
        for wi, who in enumerate(tp.with_):
            if who not in people:
                c.fail(RuleError((*tpath, "with", wi), _unknown("stakeholder", who, people), ref=who, code="unknown"))
        _unique([a.id for a in tp.actions], (*tpath, "actions"), "action", c)
        if tp.agenda and tp.id == MOVE_ON:
            c.fail(RuleError((*tpath, "id"), bilingual(
                "'{id}' is the agenda's own option: name the touchpoint otherwise",
                "“{id}”是议程自带的选项：请给这个接触点换个名字", id=MOVE_ON), code="reserved"))
        actions = tuple(_action(a, tpath, ai, account, symbols, c) for ai, a in enumerate(tp.actions))
        out.append(TouchpointRule(
            id=tp.id,
            key=f"{account.id}/{tp.id}",
            stage=tp.stage,
            when=_cond(tp.when, symbols, (*tpath, "when"), c),
            repeat=tp.repeat,
            with_=tuple(w for w in tp.with_ if w in people),
            actions=actions,
            by_id={a.id: a for a in actions},
            spec=tp,
            once=tp.once,
            agenda=tp.agenda,
            recommended=tp.recommended,
            shuffle=tp.shuffle,
            situation=_variants(tp.situation, symbols, (*tpath, "situation"), c),
        ))
    return out


def _steps(account_id: str, touchpoints: tuple[TouchpointRule, ...]) -> tuple[Step, ...]:
    """A stage's steps: each touchpoint in order, consecutive agenda touchpoints as one block."""
    steps: list[Step] = []
    block: list[TouchpointRule] = []
    for i, tp in enumerate((*touchpoints, None)):
        if tp is not None and tp.agenda:
            block.append(tp)
            continue
        if block:
            steps.append(AgendaBlock(f"{account_id}/agenda:{block[0].id}", tuple(block), touchpoints[i:]))
            block = []
        if tp is not None:
            steps.append(tp)
    return tuple(steps)


def _stages(account: Account, base: Path, symbols: expr.Symbols, touchpoints: list[TouchpointRule],
            c: _Compiler) -> list[StageRule]:
    by_stage: dict[str, list[TouchpointRule]] = {}
    for tp in touchpoints:
        by_stage.setdefault(tp.stage, []).append(tp)
    stages = []
    for key, stage in account.stages.items():
        here = tuple(by_stage.get(key, ()))
        if not here:
            c.fail(RuleError((*base, "stages", key), bilingual(
                "stage '{key}' has no touchpoint", "阶段“{key}”没有任何接触点", key=key), code="empty-stage"))
        if stage.lasts_days is not None and key != "after_sales":
            c.fail(RuleError((*base, "stages", key, "lasts_days"), Bilingual(
                "only after_sales has a follow-up period", "只有 after_sales（售后跟进）阶段才有跟进期"),
                code="lasts-days"))
        stages.append(StageRule(
            key=key,
            gate=_cond(stage.gate, symbols, (*base, "stages", key, "gate"), c),
            fail_reason=stage.fail_reason,
            touchpoints=here,
            steps=_steps(account.id, here),
            lasts_days=float(stage.lasts_days or 0.0),
        ))
    return sorted(stages, key=lambda s: STAGES.index(s.key))


def _events(account: Account, base: Path, symbols: expr.Symbols, c: _Compiler) -> dict[str, tuple[EventRule, ...]]:
    """The account's events counted from the start and from the close, each by day."""
    events: dict[str, list[EventRule]] = {"start": [], "close": []}
    for ei, ev in enumerate(account.events):
        events[ev.after].append(EventRule(
            id=ev.id,
            day=float(ev.day),
            chance=ev.chance,
            source=c.source(),
            when=_cond(ev.when, symbols, (*base, "events", ei, "when"), c),
            ops=compile_ops(ev.effects, account, (*base, "events", ei, "effects"), c, symbols),
        ))
    return {after: tuple(sorted(evs, key=lambda e: e.day)) for after, evs in events.items()}


def _deal(terms: DealTerms | None, account: Account) -> DealRule | None:
    if terms is None:
        return None
    traits = account.persona.traits
    return DealRule(
        list_price=terms.list_price,
        floor=terms.floor,
        cost=terms.cost,
        walk_away=terms.walk_away,
        buyer_worth={t.id: t.buyer * (float(getattr(traits, t.scale)) if t.scale else 1.0) for t in terms.terms},
        seller_worth={t.id: t.seller for t in terms.terms},
    )


def _account(account: Account, index: int, c: _Compiler) -> AccountRules:
    base: Path = ("accounts", index)
    symbols = symbols_for(account)
    _check_unique_ids(account, base, c)
    touchpoints = _touchpoints(account, base, symbols, c)
    stages = _stages(account, base, symbols, touchpoints, c)
    events = _events(account, base, symbols, c)
    comp = account.competitor
    return AccountRules(
        id=account.id,
        index=index,
        spec=account,
        people=tuple(
            PersonInit(s.id, s.role, s.influence, float(s.trust), float(s.satisfaction), s.present, s.drift,
                       s.can_veto, s.veto_below, s.known)
            for s in account.stakeholders
        ),
        stages=tuple(stages),
        events_start=events["start"],
        events_close=events["close"],
        competitor=CompetitorRule(comp.strength, c.amount(comp.growth), comp.wins_at) if comp else None,
        patience_days=float(account.patience_days),
        touchpoints={tp.id: tp for tp in touchpoints},
        known=frozenset([s.id for s in account.stakeholders if s.known] + [f.id for f in account.facts if f.known]),
        deal=_deal(account.deal, account),
    )


def _unique(ids: list[str], path: Path, what: str, c: _Compiler) -> None:
    seen: dict[str, int] = {}
    for i, x in enumerate(ids):
        if x in seen:
            c.fail(RuleError((*path, i, "id"), bilingual(
                "duplicate {what} id '{x}' (first at index {first})",
                "{what} id“{x}”重复了（第一次出现在索引 {first}）", what=NOUNS[what], x=x, first=seen[x]),
                code="duplicate"))
        else:
            seen[x] = i


def _check_rubric(spec: Scenario, c: _Compiler) -> None:
    if spec.rubric.wins_needed > len(spec.accounts):
        c.fail(RuleError(("rubric", "wins_needed"), bilingual(
            "wins_needed is {n} but the scenario has {m} account(s)", "wins_needed 为 {n}，但本场景只有 {m} 个客户",
            n=spec.rubric.wins_needed, m=len(spec.accounts)), code="rubric"))
    w = spec.rubric.weights
    for name in ("revenue", "margin"):
        if getattr(w, name) > 0:
            for i, a in enumerate(spec.accounts):
                if a.deal is None:
                    c.fail(RuleError(("rubric", "weights", name), bilingual(
                        "a weight on {name} needs every account's deal; accounts[{i}] has none",
                        "{name} 有权重，就需要每个客户都有交易条件（deal）；accounts[{i}] 没有", name=name, i=i),
                        code="rubric"))
                    break


def compile_rules(spec: Scenario) -> Rules:
    """Compile a validated scenario; raises the first RuleError (its ``errors`` lists them all)."""
    rules, errors = compile_with_errors(spec)
    if errors:
        first = errors[0]
        first.errors = list(errors)
        raise first
    return rules


def compile_with_errors(spec: Scenario) -> tuple[Rules, list[RuleError]]:
    """Compile a validated scenario, finding every reference problem in one pass: each faulty part
    (a condition, a reference, a duplicate) is reported and left out, so the rules returned are
    fit for static checks but not for play when the list is not empty."""
    c = _Compiler()
    _unique([a.id for a in spec.accounts], ("accounts",), "account", c)
    _check_rubric(spec, c)
    accounts = tuple(_account(a, i, c) for i, a in enumerate(spec.accounts))
    start = tuple(
        AccountStart(a.id, tuple(PersonStart(p.id, p.role, p.influence, p.trust, p.satisfaction, p.present)
                                 for p in a.people),
                     a.deal.list_price if a.deal else 0.0, a.deal.best_margin if a.deal else 0.0)
        for a in accounts
    )
    return Rules(spec=spec, accounts=accounts, start=start, sources=c.source()), c.errors
