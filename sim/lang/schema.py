"""The scenario format, version 2: what an instructor writes in YAML.

These pydantic models are the single source of truth for the format: the loader validates with
them, ``touchpoint schema`` turns them into a JSON Schema for editors, and the reference docs are
generated from that schema. Every field has a description because editors show it on hover.

A scenario is a set of *accounts* (one for a case study, several for a pipeline). Each account is a
buyer: a persona, a buying center of stakeholders, the decision process (gates between the five
roadmap stages and what loses the deal), touchpoints where the trainee acts, and scripted events on
the buyer's own clock. The rubric says how a run is graded.

Version 2 adds what makes decisions take judgment: agenda touchpoints the trainee orders,
stakeholders and buyer facts the seller must discover, a deal with a price, a floor and terms to
trade, texts that vary with what happened, one-time touchpoints and actions, conditional and
delayed effects, and settings for the checks. A version 1 file is a version 2 file without them
(``touchpoint migrate`` rewrites its version line).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from sim.lang.text import Bilingual, bilingual

__all__ = [
    "ACCOUNT_NUMBERS",
    "CHANGE_LIMITS",
    "DEAL_NUMBERS",
    "DERIVED_NUMBERS",
    "FORMAT_VERSION",
    "FORMAT_VERSIONS",
    "LOSS_REASONS",
    "MONEY_LIMIT",
    "PERSON_NUMBERS",
    "ROLES",
    "STAGES",
    "TECHNIQUE_TERMS",
    "TRAITS",
    "Account",
    "Action",
    "Amount",
    "Checks",
    "Competitor",
    "Condition",
    "DealTerms",
    "Distribution",
    "Effect",
    "Fact",
    "Flag",
    "Fraction",
    "GradeBand",
    "Id",
    "LocaleCode",
    "LossReason",
    "Mode",
    "Model",
    "Param",
    "Persona",
    "Renewal",
    "Role",
    "Rubric",
    "Scenario",
    "Score100",
    "ScriptedEvent",
    "Stage",
    "StageKey",
    "Stakeholder",
    "Term",
    "Text",
    "Touchpoint",
    "Traits",
    "Variant",
    "VariedText",
    "Weights",
]

FORMAT_VERSION = 2
#: Format versions this engine reads.
FORMAT_VERSIONS: tuple[int, ...] = (1, 2)

#: The five stages of the customer sales roadmap, in order.
STAGES: tuple[str, ...] = (
    "need_identification",
    "information_gathering",
    "solution_design",
    "negotiation",
    "after_sales",
)
StageKey = Literal[
    "need_identification", "information_gathering", "solution_design", "negotiation", "after_sales"
]
Role = Literal["economic_buyer", "technical_buyer", "user", "champion", "gatekeeper", "influencer"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
#: Why a deal can be lost (the keys of ``lost_reasons`` in summaries).
LossReason = Literal["patience", "competitor", "veto", "stalled", "disqualified", "cancelled", "price"]
LOSS_REASONS: tuple[str, ...] = LossReason.__args__  # type: ignore[attr-defined]
Mode = Literal["growth", "trouble", "even_keel", "overconfident"]
TRAITS: tuple[str, ...] = ("price_sensitivity", "risk_aversion", "status_quo_bias", "involvement")

#: The account's own hidden numbers (0-100): effects change them and conditions read them. The
#: engine keeps them by these names (``Deal.numbers``); adding one here adds it everywhere but to
#: :class:`Effect`'s fields (written out for their descriptions) and the docs.
ACCOUNT_NUMBERS: tuple[str, ...] = ("info", "fit", "competitor")
#: A stakeholder's hidden numbers (0-100).
PERSON_NUMBERS: tuple[str, ...] = ("trust", "satisfaction")
#: Numbers a condition can also name, derived from the state: the influence-weighted trust and
#: satisfaction of the people present, the day, and the days left before the deadline.
DERIVED_NUMBERS: tuple[str, ...] = ("consensus", "satisfaction", "day", "days_left")
#: Numbers a condition can also name about the deal (:class:`DealTerms`): the price on the table, the
#: buyer's walk-away, and the discount off the list price in percent (only for an account with a deal).
DEAL_NUMBERS: tuple[str, ...] = ("price", "walk_away", "discount")

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64),
    Field(description="An identifier: lower-case letters, digits and _, starting with a letter."),
]
LocaleCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Text = Annotated[
    str | Annotated[dict[LocaleCode, Annotated[str, StringConstraints(max_length=4000)]], Field(min_length=1)],
    Field(description="Text shown to people: a plain string, or one per language, e.g. {en: Hello, zh: 你好}."),
]
Condition = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    Field(
        description=(
            "A condition in Touchpoint's small safe language, e.g. 'pain_acknowledged and info >= 40'. "
            "Names: the account's flags; info, fit, competitor, consensus, satisfaction, day, days_left; "
            "with a deal, price (the price on the table), walk_away (the most the buyer will pay) and "
            "discount (percent off the list price). Functions: trust(id), satisfaction(id), present(id) "
            "of a stakeholder; known(id), a stakeholder or fact the seller knows; chose(id), an action "
            "chosen earlier in the run; visits(id), how many times a touchpoint was visited; agreed(id), "
            "a deal term agreed. And, or, not, comparisons, + and -."
        )
    ),
]
Score100 = Annotated[float, Field(ge=0, le=100)]
#: The largest amount of money (or money's worth) anywhere in a scenario.
MONEY_LIMIT = 1e12
#: A number of a random amount's parameters: no more than any amount can be.
Param = Annotated[float, Field(ge=-MONEY_LIMIT, le=MONEY_LIMIT)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Money = Annotated[float, Field(ge=0, le=1e12, description="An amount of money, in the deal's currency.")]
Trait = Literal["price_sensitivity", "risk_aversion", "status_quo_bias", "involvement"]
#: Technique names that give the answer away when they appear in an option's text: ``check`` warns
#: (a scenario adds its own under ``checks: {leak_terms: [...]}``).
TECHNIQUE_TERMS: tuple[str, ...] = (
    "SPIN", "MEDDIC", "MEDDPICC", "BANT", "Challenger", "Sandler", "Miller Heiman", "solution selling",
    "implication question", "need-payoff", "champion", "economic buyer", "pain point",
    "痛点", "暗示问题", "需求效益", "挑战者", "顾问式销售", "关键人",
)


class Model(BaseModel):
    """Strict, closed models: an unknown key or a wrong type is an error, never ignored; and no
    number is infinite or not a number (``.inf``, ``.nan``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


class Variant(Model):
    """One variant of a text: shown when ``when`` holds (the first that holds wins)."""

    when: Condition | None = Field(None, description="Shown when this holds; leave it out on the last, the default.")
    text: Text = Field(description="The text of this variant.")


VariedText = Annotated[
    Text | Annotated[list[Variant], Field(min_length=1, max_length=20)],
    Field(
        description=(
            "A text, or variants chosen by what happened: [{when: discounted, text: ...}, {text: ...}]. "
            "The first variant whose condition holds is shown; give the last one no condition."
        )
    ),
]


class Distribution(Model):
    """A random amount, drawn from the run's seeded generator each time the effect applies."""

    normal: tuple[Param, Param] | None = Field(None, strict=False, description="[mean, standard deviation].")
    uniform: tuple[Param, Param] | None = Field(
        None, strict=False, description="[low, high], every value equally likely."
    )
    triangular: tuple[Param, Param, Param] | None = Field(None, strict=False, description="[low, most likely, high].")

    @model_validator(mode="after")
    def _exactly_one(self) -> Distribution:
        given = [k for k in ("normal", "uniform", "triangular") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(Bilingual("give exactly one of normal, uniform or triangular",
                                       "normal、uniform、triangular 三者必须且只能给出一个"))
        if self.normal is not None and self.normal[1] < 0:
            raise ValueError(Bilingual("normal: the standard deviation cannot be negative", "normal：标准差不能为负"))
        if self.uniform is not None and self.uniform[0] > self.uniform[1]:
            raise ValueError(Bilingual("uniform: low is above high", "uniform：下限高于上限"))
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if not lo <= mode <= hi or lo == hi:
                raise ValueError(Bilingual("triangular: needs low <= most likely <= high and low < high",
                                           "triangular：需要 下限 <= 最可能值 <= 上限，且下限 < 上限"))
        return self

    def magnitude(self) -> float:
        """The largest size any of its parameters has (how far the amount can reach, roughly)."""
        values = self.normal or self.uniform or self.triangular or (0.0,)
        return max(abs(v) for v in values)


Amount = Annotated[
    float | Distribution,
    Field(description="A change: a fixed number (e.g. 5 or -3.5) or a distribution such as {normal: [5, 2]}."),
]


#: The most an effect may change each number by, either way: the hidden numbers run from 0 to 100,
#: the deadline moves by days, the price and the walk-away by money.
CHANGE_LIMITS: dict[str, float] = {
    "trust": 100, "satisfaction": 100, "info": 100, "fit": 100, "competitor": 100, "patience": 3650,
    "price": MONEY_LIMIT, "walk_away": MONEY_LIMIT,
}


def _magnitude(value: float | Distribution) -> float:
    return value.magnitude() if isinstance(value, Distribution) else abs(value)


class Effect(Model):
    """One consequence of an action or an event. Combine fields freely, e.g. {who: cfo, trust: 5}."""

    who: str | None = Field(
        None,
        description=(
            "Which stakeholders a trust/satisfaction change applies to: a stakeholder id, a role "
            "(e.g. role:economic_buyer), or 'all' (everyone present)."
        ),
    )
    trust: Amount | None = Field(None, description="Change to the stakeholders' trust in the seller (0-100).")
    satisfaction: Amount | None = Field(None, description="Change to the stakeholders' satisfaction (0-100).")
    info: Amount | None = Field(None, description="Change to what the buyer knows to decide with (0-100).")
    fit: Amount | None = Field(None, description="Change to how well the proposed solution fits (0-100).")
    competitor: Amount | None = Field(None, description="Change to the competitor's strength (0-100).")
    patience: Amount | None = Field(None, description="Days added to (or, negative, taken from) the deadline.")
    set: Id | list[Id] | None = Field(None, description="Flags that become true (milestones reached).")
    clear: Id | list[Id] | None = Field(None, description="Flags that become false.")
    leave: Id | None = Field(None, description="A stakeholder who leaves the buying center.")
    join: Id | None = Field(None, description="A stakeholder (declared with present: false) who joins.")
    lose: LossReason | None = Field(None, description="The deal is lost at once, for this reason.")
    reveal: Id | list[Id] | None = Field(
        None, description="Stakeholders (their role, influence and veto) or buyer facts the seller now knows."
    )
    price: Amount | None = Field(
        None, description="Change to the price on the table, in money (e.g. -36000); kept between floor and list."
    )
    walk_away: Amount | None = Field(
        None,
        description=(
            "Change to the most the buyer will pay, in money: value the buyer sees raises it (a pilot "
            "that proves the payback), a cheaper alternative lowers it."
        ),
    )
    terms: Id | list[Id] | None = Field(
        None, description="Terms of the deal agreed (a concession given, or something the buyer gives in return)."
    )
    when: Condition | None = Field(None, description="The effect happens only if this holds at that moment.")
    delayed: bool = Field(
        False, description="Its changes are not called out in the feedback at once (the debrief shows them)."
    )
    chance: Fraction = Field(1.0, description="Probability that this effect happens at all (default 1).")
    scale: Trait | None = Field(None, description="Multiply every change here by this persona trait (0-1).")

    @field_validator(*CHANGE_LIMITS)
    @classmethod
    def _in_range(cls, value: float | Distribution | None, info: ValidationInfo) -> float | Distribution | None:
        limit = CHANGE_LIMITS[info.field_name or ""]
        if value is not None and _magnitude(value) > limit:
            raise ValueError(bilingual(
                "a change of {x} is beyond what the model can use: {name} changes by at most {limit} either way",
                "变化量 {x} 超出了模型能用的范围：{name} 每次最多增减 {limit}",
                x=f"{_magnitude(value):g}", name=info.field_name, limit=f"{limit:g}"))
        return value

    @model_validator(mode="after")
    def _who_goes_with_people(self) -> Effect:
        people = self.trust is not None or self.satisfaction is not None
        if people and self.who is None:
            raise ValueError(Bilingual(
                "trust and satisfaction changes need 'who' (a stakeholder id, role:ROLE or all)",
                "trust 和 satisfaction 的变化需要写明 who（干系人 id、role:角色 或 all）"))
        if self.who is not None and not people:
            raise ValueError(Bilingual("'who' is only used with a trust or satisfaction change",
                                       "who 只和 trust 或 satisfaction 的变化一起使用"))
        fields = (*PERSON_NUMBERS, *ACCOUNT_NUMBERS, "patience", "set", "clear", "leave", "join", "lose", "reveal",
                  "price", "walk_away", "terms")
        if all(getattr(self, f) is None for f in fields):
            raise ValueError(Bilingual("an effect must change something (trust, satisfaction, info, fit, ...)",
                                       "一个效果必须改变点什么（trust、satisfaction、info、fit 等）"))
        return self


class Traits(Model):
    """Persona traits, each 0 (not at all) to 1 (very). Effects can scale by them."""

    price_sensitivity: Fraction = Field(default=0.5, description="How much price and discounts move this buyer.")
    risk_aversion: Fraction = Field(default=0.5, description="How much proof (references, pilots) the buyer needs.")
    status_quo_bias: Fraction = Field(default=0.5, description="How strongly the buyer prefers doing nothing.")
    involvement: Fraction = Field(default=0.5, description="How much the purchase matters to the buyer.")


class Persona(Model):
    """The customer persona (客户画像): who is buying and why."""

    company: Text = Field(description="The customer's name.")
    industry: Text = Field(description="The customer's industry.")
    size: Text = Field(description="Size of the company, e.g. '800 employees, ¥600M revenue'.")
    summary: Text | None = Field(None, description="Two or three sentences about the customer's situation.")
    needs: list[Text] = Field(default_factory=list, description="What the customer needs.")
    pain_points: list[Text] = Field(default_factory=list, description="What hurts today.")
    traits: Traits = Field(default_factory=Traits, description="Buying traits that shape reactions.")
    deal_value: Annotated[float, Field(ge=0, le=MONEY_LIMIT)] | None = Field(
        None, description="Expected contract value.")
    currency: str | None = Field(None, description="Currency of deal_value, e.g. CNY or USD.")


class Stakeholder(Model):
    """A member of the buying center (采购决策小组)."""

    id: Id
    name: Text = Field(description="The person's name.")
    title: Text | None = Field(None, description="Job title, e.g. CFO.")
    role: Role = Field(description="Their role in the buying decision.")
    influence: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Weight in the decision; weights are normalised over the people present."
    )
    trust: Score100 = Field(50, description="Starting trust in the seller (hidden; the trainee sees signals).")
    satisfaction: Score100 = Field(50, description="Starting satisfaction (hidden; the trainee sees mood).")
    cares_about: list[Text] = Field(default_factory=list, description="What this person cares about.")
    mode: Mode | None = Field(None, description="Miller Heiman response mode: growth, trouble, even_keel...")
    veto: bool | None = Field(
        None, description="Can block the close. Default: true for economic and technical buyers."
    )
    veto_below: Score100 = Field(35, description="A veto falls when trust is below this at the close.")
    present: bool = Field(True, description="In the buying center from the start (false: joins by an event).")
    known: bool = Field(
        True,
        description=(
            "The seller knows this person's role, influence and veto power from the start; false: they "
            "show as unknown until an effect reveals them."
        ),
    )
    drift: float = Field(
        -2.0, ge=-100, le=100, description="Trust change per week without contact (the buyer's clock).")

    @property
    def can_veto(self) -> bool:
        """Whether this person can block the close (role default unless set)."""
        if self.veto is not None:
            return self.veto
        return self.role in ("economic_buyer", "technical_buyer")


class Fact(Model):
    """Something the seller may or may not know about the buyer: the budget, the decision criteria,
    the real deadline, the incumbent's terms. Unknown facts are revealed by effects."""

    id: Id
    label: Text = Field(description="What the fact is about, e.g. 'Budget'.")
    value: Text = Field(description="What the seller learns, e.g. '¥2.4M approved for this year'.")
    known: bool = Field(False, description="Known from the start (false: an effect must reveal it).")


class Term(Model):
    """A term of the deal that can be traded: a concession the seller gives (payment terms, a pilot,
    an SLA, extra scope) or something the buyer gives in return (a reference, a longer contract).

    Each is worth money to both sides. ``buyer`` is what it is worth to the buyer (positive: they
    gain; negative: it costs them), ``seller`` what it is worth to the seller (negative: it costs the
    margin). A term the buyer values more than it costs the seller is worth giving for something in
    return; a concession given for nothing only lowers the margin.
    """

    id: Id
    label: Text = Field(description="The term as the trainee sees it, e.g. '90-day payment'.")
    buyer: float = Field(
        0, ge=-1e12, le=1e12, description="Its worth to the buyer, in money (lowers the price they feel they pay)."
    )
    seller: float = Field(0, ge=-1e12, le=1e12, description="Its worth to the seller, in money (adds to the margin).")
    scale: Trait | None = Field(None, description="The buyer's worth is multiplied by this persona trait (0-1).")


class DealTerms(Model):
    """The commercial side of the deal: the price on the table, what it costs to deliver, the
    lowest price the seller may agree and the buyer's walk-away, and the terms that can be traded.

    At the close the buyer compares the price, less what the agreed terms are worth to them, with
    its walk-away (its best alternative, often the competitor's offer): above it, the deal is lost
    (``price``). Revenue is the final price; margin is the price less the cost to deliver, plus
    what the agreed terms are worth to the seller.
    """

    list_price: Annotated[float, Field(gt=0, le=1e12)] = Field(description="The price first on the table.")
    floor: Money = Field(description="The lowest price the seller may agree (company policy).")
    cost: Money = Field(0, description="What delivering the deal costs the seller.")
    walk_away: Money = Field(description="The most the buyer will pay, less the terms' worth to them (hidden).")
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY or USD.")
    terms: list[Term] = Field(default_factory=list, description="Terms that can be agreed.")

    @model_validator(mode="after")
    def _ordered(self) -> DealTerms:
        if self.floor > self.list_price:
            raise ValueError(Bilingual("floor is above list_price", "floor（底价）高于 list_price（报价）"))
        return self


class Flag(Model):
    """A milestone the deal can reach, such as pain_acknowledged; conditions read it."""

    id: Id
    label: Text = Field(description="What the trainee sees when it is reached.")
    visible: bool = Field(True, description="Shown to the trainee as a milestone when reached.")


class Stage(Model):
    """What the buyer must reach to move on from a stage (its gate)."""

    gate: Condition | None = Field(None, description="Condition to leave the stage; none means always.")
    goal: Text | None = Field(None, description="What the seller must achieve here, shown to the trainee.")
    fail_reason: LossReason = Field("stalled", description="Why the deal is lost if the gate is never met.")
    fail_text: Text | None = Field(None, description="What the debrief says when that happens.")
    lasts_days: Annotated[float, Field(ge=0, le=3650)] | None = Field(
        None,
        description=(
            "after_sales only: the follow-up period, in days after the close. The account stays a "
            "customer this long even when its touchpoints are done, so events anchored at the close "
            "happen and trust drifts without contact."
        ),
    )


class Action(Model):
    """One choice at a touchpoint."""

    id: Id
    label: Text = Field(description="The action as shown on its card.")
    detail: Text | None = Field(None, description="A line more about what the seller does.")
    days: Annotated[float, Field(ge=0, le=365)] = Field(description="Seller days it takes (time cost).")
    wait_days: Annotated[float, Field(ge=0, le=365)] = Field(
        0, description="Days the buyer then takes before the next touchpoint (a pilot running); the seller is free."
    )
    when: Condition | None = Field(None, description="Offered only when this holds.")
    recommended: bool = Field(False, description="The author's recommended choice (the expert follows it).")
    effects: list[Effect] = Field(default_factory=list, description="What happens when it is chosen.")
    reaction: VariedText | None = Field(None, description="How the buyer reacts (what the trainee sees at once).")
    feedback: VariedText | None = Field(None, description="The coach's feedback shown after the choice.")
    once: bool = Field(False, description="Offered at most once in a run (a repeated ask does not offer it again).")
    promises: list[LossReason] = Field(
        default_factory=list,
        description=(
            "Consequences the coach warns of for this action (e.g. [veto]); `touchpoint check` warns when "
            "they never happen in its runs."
        ),
    )


class Touchpoint(Model):
    """A key touchpoint (关键接触点): a moment where seller and buyer meet and the trainee acts."""

    id: Id
    stage: StageKey = Field(description="The roadmap stage it belongs to.")
    title: Text = Field(description="Short title, e.g. 'Discovery call with the plant manager'.")
    situation: VariedText = Field(description="What the trainee sees: the situation and what is at stake.")
    with_: list[Id] = Field(default_factory=list, alias="with", description="Stakeholders present.")
    when: Condition | None = Field(None, description="The touchpoint happens only when this holds.")
    repeat: Annotated[int, Field(ge=0, le=10)] = Field(
        0, description="Extra times it may come back while the stage's gate is not met."
    )
    once: bool = Field(False, description="Happens at most once in a run (never comes back).")
    agenda: bool = Field(
        False,
        description=(
            "On the agenda: consecutive agenda touchpoints of a stage are offered together, and the trainee "
            "chooses which to do next (or to move on); the others happen in the order written."
        ),
    )
    recommended: bool = Field(
        True, description="Agenda touchpoints: the author advises doing it (the expert does, in the order written)."
    )
    shuffle: bool = Field(True, description="Show the actions in a shuffled order (false: in the order written).")
    actions: list[Action] = Field(min_length=1, description="The actions to choose from.")


class Competitor(Model):
    """A rival vendor, growing stronger on the buyer's clock."""

    name: Text = Field(description="The competitor's name.")
    strength: Score100 = Field(30, description="Starting strength (0-100).")
    growth: Amount = Field(2.0, description="Strength gained per week while the deal is open.")

    @field_validator("growth")
    @classmethod
    def _growth_in_range(cls, value: float | Distribution) -> float | Distribution:
        if _magnitude(value) > 100:
            raise ValueError(bilingual(
                "a growth of {x} a week is beyond what the model can use: at most 100 either way (strength runs 0-100)",
                "每周增长 {x} 超出了模型能用的范围：最多增减 100（强度范围为 0-100）", x=f"{_magnitude(value):g}"))
        return value
    wins_at: Score100 = Field(80, description="At this strength the buyer signs with the competitor.")


class ScriptedEvent(Model):
    """Something that happens on the buyer's own clock: a competitor demo, a budget freeze..."""

    id: Id
    day: Annotated[float, Field(ge=0, le=3650)] = Field(description="When it happens (days after the anchor).")
    after: Literal["start", "close"] = Field("start", description="Counted from the start or from the close.")
    chance: Fraction = Field(1.0, description="Probability it happens in a run.")
    when: Condition | None = Field(None, description="It happens only if this holds on that day.")
    text: Text = Field(description="What the trainee sees in the event feed.")
    effects: list[Effect] = Field(default_factory=list, description="What it changes.")


class Account(Model):
    """One buyer: persona, buying center, decision process, touchpoints and events."""

    id: Id
    persona: Persona = Field(description="The customer persona: company, industry, size, needs, traits.")
    patience_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        description="The buyer decides by this day; if the deal is not closed then, it is lost (no decision)."
    )
    deadline_label: Text | None = Field(None, description="What the deadline is, e.g. 'budget year ends'.")
    stakeholders: list[Stakeholder] = Field(min_length=1, description="The buying center.")
    flags: list[Flag] = Field(default_factory=list, description="Milestones conditions can test.")
    facts: list[Fact] = Field(default_factory=list, description="Buyer facts the seller may have to discover.")
    deal: DealTerms | None = Field(None, description="Price, cost, floor, walk-away and tradable terms, if any.")
    stages: dict[StageKey, Stage] = Field(description="The decision process: gate of each stage used.")
    touchpoints: list[Touchpoint] = Field(min_length=1, description="Touchpoints, in order within each stage.")
    competitor: Competitor | None = Field(None, description="A rival vendor, if any.")
    events: list[ScriptedEvent] = Field(default_factory=list, description="Scripted events.")

    @model_validator(mode="after")
    def _stages_in_order(self) -> Account:
        keys = list(self.stages)
        if keys != [s for s in STAGES if s in self.stages]:
            raise ValueError(bilingual("stages must be listed in roadmap order: {order}",
                                       "stages 必须按路线图的顺序列出：{order}", order=", ".join(STAGES)))
        return self


class Weights(Model):
    """How much each metric counts in the composite score; they must add up to 1."""

    conversion: Fraction = Field(description="Weight of winning the deal.")
    satisfaction: Fraction = Field(description="Weight of the buying center's satisfaction.")
    cycle_time: Fraction = Field(description="Weight of a short sales cycle.")
    retention: Fraction = Field(description="Weight of the renewal probability after the sale.")
    revenue: Fraction = Field(0, description="Weight of the price won, against the list price (needs a deal).")
    margin: Fraction = Field(0, description=(
        "Weight of the margin won, against the best the deal allows (list price, and every term worth "
        "something to the seller)."))
    quality: Annotated[float, Field(ge=0, le=0.9)] = Field(0, description=(
        "Share of the graded score that decision quality makes up (0 to 0.9): touchpoint grade reviews each "
        "log and grades (1 - quality) x the score above + quality x the review's accuracy (0-100). Not part "
        "of the weights above, which still add up to 1; the game and touchpoint run show the score above."))

    @model_serializer(mode="wrap")
    def _without_unused_quality(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out ``quality`` when it is 0, so a scenario's content hash is what it was before the
        weight existed (logs written then still verify)."""
        data: dict[str, Any] = handler(self)
        if not self.quality:
            data.pop("quality", None)
        return data


class GradeBand(Model):
    """A letter grade and the lowest score that earns it."""

    grade: Annotated[str, StringConstraints(min_length=1, max_length=8)] = Field(
        description="The letter or word shown, e.g. A or 优秀."
    )
    min: Score100 = Field(description="The lowest composite score (0-100) that earns this grade.")


class Renewal(Model):
    """Renewal probability as a convex function of post-sale satisfaction s (0-100).

    ``floor + (ceiling - floor) * (s / 100) ** curve``: totally satisfied customers renew far more
    often than merely satisfied ones (Jones & Sasser 1995).
    """

    floor: Fraction = Field(default=0.2, description="Renewal probability at satisfaction 0.")
    ceiling: Fraction = Field(default=0.97, description="Renewal probability at satisfaction 100.")
    curve: Annotated[float, Field(ge=1, le=10)] = Field(default=2.5, description="Convexity (1 = straight line).")


def _default_grades() -> list[GradeBand]:
    return [GradeBand(grade=g, min=m) for g, m in (("A", 85), ("B", 70), ("C", 60), ("D", 45), ("F", 0))]


class Rubric(Model):
    """How a run is graded."""

    weights: Weights = Field(description="How much conversion, satisfaction, cycle time and retention count.")
    target_days: Annotated[float, Field(gt=0, le=10000)] = Field(
        description="A close by this day earns full cycle marks.")
    max_days: Annotated[float, Field(gt=0, le=10000)] = Field(description="A close at or after this day earns none.")
    pass_mark: Score100 = Field(60, description="Lowest composite score that passes.")
    grades: list[GradeBand] = Field(default_factory=_default_grades, description="Grade bands.")
    wins_needed: Annotated[int, Field(ge=1)] = Field(1, description="Accounts to win for a run to count as won.")
    renewal: Renewal = Field(default_factory=Renewal, description="Renewal curve for retention.")

    @model_validator(mode="after")
    def _coherent(self) -> Rubric:
        w = self.weights
        total = w.conversion + w.satisfaction + w.cycle_time + w.retention + w.revenue + w.margin
        if abs(total - 1.0) > 1e-6:
            raise ValueError(bilingual("weights add up to {t}; they must add up to 1", "权重之和为 {t}；必须等于 1",
                                       t=f"{total:g}"))
        if self.max_days <= self.target_days:
            raise ValueError(Bilingual("max_days must be greater than target_days", "max_days 必须大于 target_days"))
        if not any(b.min == 0 for b in self.grades):
            raise ValueError(Bilingual("grades need a band with min: 0 so every score gets a grade",
                                       "grades 需要一个 min: 0 的等级，每个分数才都有等级"))
        if len({b.grade for b in self.grades}) != len(self.grades):
            raise ValueError(Bilingual("grades: each grade may appear once", "grades：每个等级只能出现一次"))
        return self

    def grade(self, score: float) -> str:
        """The letter for a composite score."""
        for band in sorted(self.grades, key=lambda b: -b.min):
            if score >= band.min:
                return band.grade
        return self.grades[-1].grade


class Checks(Model):
    """Settings of `touchpoint check` and `touchpoint balance` for this case."""

    leak_terms: list[Annotated[str, StringConstraints(min_length=2, max_length=60)]] = Field(
        default_factory=list,
        description="More technique names that give the answer away in an option's text (besides the built-in list).",
    )
    deviation_margin: Annotated[float, Field(ge=0, le=100)] = Field(
        default=2.0,
        description=(
            "Points by which a non-recommended action may beat the recommended one before `check` reports "
            "that the model contradicts the coach."
        ),
    )
    deviation_runs: Annotated[int, Field(ge=20, le=5000)] = Field(
        default=200, description="Seeded runs per alternative in the one-deviation analysis."
    )


class Scenario(Model):
    """A Touchpoint scenario: a case (one account) or a pipeline (several)."""

    version: Literal[1, 2] = Field(description="Scenario format version; this is version 2 (1 still loads).")
    id: Id
    title: Text = Field(description="Title shown in the picker.")
    summary: Text | None = Field(None, description="One paragraph for the picker and the briefing.")
    objective: Text = Field(description="What the trainee must achieve, shown in the briefing.")
    difficulty: Literal["intro", "easy", "medium", "hard"] = Field("medium", description="For the picker.")
    estimated_minutes: Annotated[int, Field(ge=1, le=600)] = Field(15, description="Time to play once.")
    languages: list[LocaleCode] = Field(default_factory=lambda: ["en"], description="Languages written.")
    tags: list[str] = Field(default_factory=list, description="Free keywords.")
    rubric: Rubric = Field(description="How a run is graded: weights, cycle-time targets, pass mark, grades.")
    signal_threshold: Annotated[float, Field(gt=0, le=100)] = Field(
        5.0,
        description=(
            "After a choice, the feedback calls out every hidden number the choice moved by at least this "
            "much (unless the effect is delayed)."
        ),
    )
    checks: Checks = Field(default_factory=Checks, description="Settings of the checks for this case.")
    accounts: list[Account] = Field(min_length=1, max_length=20, description="The buyers (several: a pipeline).")
