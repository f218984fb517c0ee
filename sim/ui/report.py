"""The debrief's content, read from the trace: outcome and why, key moments, hidden numbers, who and
what the seller never found out, revenue and margin, and where the trainee's choices differed from
the author's recommendation.

Everything here is derived from the run's trace (and the decision history for pipeline focus
choices), the scorecard and the scenario's texts: no game rule is re-implemented. No pygame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scoring import Scorecard
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.engine.rules import MOVE_ON
from sim.engine.signals import View
from sim.lang.schema import LOSS_REASONS
from sim.ui.content import Content
from sim.ui.strings import tr as t

__all__ = ["AccountReport", "Difference", "Moment", "PersonReport", "Report", "build_report"]


@dataclass
class PersonReport:
    id: str
    name: str
    title: str
    role: str
    can_veto: bool
    present: bool
    trust: tuple[float, float]  # start, end
    satisfaction: tuple[float, float]
    known: bool = True  # the seller found out their role, influence and veto (or knew from the start)


@dataclass
class AccountReport:
    id: str
    company: str
    result: str  # won | lost | open
    reason: str
    day: float
    why: list[str]  # sentences explaining a loss (localised)
    stages: list[tuple[float, str]]  # (day entered, stage)
    people: list[PersonReport] = field(default_factory=list)
    finished: float = 0.0  # day the account's journey ended
    revenue: float = 0.0  # what a won deal brought in (0 otherwise, or without a deal)
    margin: float = 0.0
    has_deal: bool = False
    currency: str = "CNY"
    unknown_facts: list[str] = field(default_factory=list)  # ids of the facts never found out

    @property
    def unknown_people(self) -> list[PersonReport]:
        """The stakeholders whose role the seller never found out."""
        return [p for p in self.people if not p.known]


@dataclass
class Moment:
    """A point on the timeline."""

    t: float
    account: str
    kind: str  # stage | decision | event | outcome
    text: str
    good: bool | None = None  # for decisions: chosen as the coach recommends


@dataclass
class Difference:
    t: float
    account: str
    title: str
    chosen: str
    recommended: list[str]
    feedback: str


@dataclass
class Report:
    won: bool
    card: Scorecard
    accounts: list[AccountReport]
    moments: list[Moment]
    differences: list[Difference]
    end_day: float


class _Follow:
    """What the debrief follows while reading the trace: each person's numbers and presence,
    each account's stages, outcome and end."""

    def __init__(self, start: tr.Start) -> None:
        self.start = start
        self.initial = {(a.account, p.id): {"trust": p.trust, "satisfaction": p.satisfaction}
                        for a in start.accounts for p in a.people}
        self.values = {key: dict(v) for key, v in self.initial.items()}
        self.present = {(a.account, p.id): p.present for a in start.accounts for p in a.people}
        self.stages: dict[str, list[tuple[float, str]]] = {a.account: [] for a in start.accounts}
        self.outcomes: dict[str, tr.Outcome] = {}
        self.finished: dict[str, float] = {}
        self.revealed: set[tuple[str, str]] = set()  # (account, person or fact)
        self.end_day = 0.0

    def read(self, e: tr.TraceEvent) -> None:
        self.end_day = max(self.end_day, e.t)
        if isinstance(e, tr.Effect) and e.target:
            self.values[(e.account, e.target)][e.var] = e.value
        elif isinstance(e, tr.Presence):
            self.present[(e.account, e.stakeholder)] = e.present
        elif isinstance(e, tr.StageChange):
            self.stages[e.account].append((e.t, e.stage))
        elif isinstance(e, tr.Finished):
            self.finished[e.account] = e.t
        elif isinstance(e, tr.Outcome):
            self.outcomes[e.account] = e
        elif isinstance(e, tr.Reveal):
            self.revealed.add((e.account, e.subject))


def _moment(e: tr.TraceEvent, content: Content) -> Moment | None:
    """The timeline's entry for an event, if it has one."""
    loc = content.locale
    if isinstance(e, tr.StageChange):
        return Moment(e.t, e.account, "stage", t("stage_" + e.stage, loc))
    if isinstance(e, tr.Decision):
        title = content.text(content.touchpoint(e.account, e.touchpoint).title)
        chosen = content.action_label(e.account, e.touchpoint, e.action)
        good = e.action in e.recommended if e.recommended else None
        return Moment(e.t, e.account, "decision", _title_and(title, chosen, loc), good)
    if isinstance(e, tr.Scripted):
        return Moment(e.t, e.account, "event", content.event_text(e.account, e.event))
    if isinstance(e, tr.Outcome):
        company = content.company(e.account)
        text = t("ch_won", loc, company=company) if e.result == "won" else t("ch_lost", loc, company=company)
        return Moment(e.t, e.account, "outcome", text, e.result == "won")
    return None


def _agenda_label(content: Content, account: str, choice: str) -> str:
    return t("move_on", content.locale) if choice == MOVE_ON else content.touchpoint_title(account, choice)


def _differences(trace: Sequence[tr.TraceEvent], history: Sequence[tuple[DecisionPoint, str]],
                 content: Content) -> list[Difference]:
    """Where the trainee chose otherwise than the author recommends, in time order: actions (with
    the coach's feedback as it was shown), what to do next on an agenda, which account to work on."""
    out = []
    pending: tuple[tr.Decision, Difference] | None = None
    for e in trace:
        if isinstance(e, tr.Decision) and e.recommended and e.action not in e.recommended:
            diff = Difference(
                e.t, e.account, content.text(content.touchpoint(e.account, e.touchpoint).title),
                content.action_label(e.account, e.touchpoint, e.action),
                [content.action_label(e.account, e.touchpoint, r) for r in e.recommended],
                content.text(content.action(e.account, e.touchpoint, e.action).feedback),
            )
            out.append(diff)
            pending = (e, diff)
        elif isinstance(e, tr.Response) and pending is not None:
            d, diff = pending
            if (e.account, e.touchpoint, e.action) == (d.account, d.touchpoint, d.action):
                diff.feedback = content.varied(content.action(e.account, e.touchpoint, e.action).feedback, e.feedback)
            pending = None
        elif isinstance(e, tr.Agenda) and e.recommended and e.chosen not in e.recommended:
            out.append(Difference(e.t, e.account, t("agenda_choice", content.locale),
                                  _agenda_label(content, e.account, e.chosen),
                                  [_agenda_label(content, e.account, r) for r in e.recommended], ""))
    for point, choice in history:
        if point.kind == "focus" and point.recommended and choice not in point.recommended:
            out.append(Difference(
                point.day, "", t("focus_choice", content.locale), content.company(choice),
                [content.company(r) for r in point.recommended], "",
            ))
    return sorted(out, key=lambda d: d.t)


def _why_lost(account: str, reason: str, follow: _Follow, content: Content) -> list[str]:
    """Sentences that explain a loss: the reason, the author's text for it, the stage it happened in."""
    loc = content.locale
    stages = follow.stages[account]
    last_stage = stages[-1][1] if stages else ""
    why = [t("loss_" + reason, loc) if ("loss_" + reason) in _LOSS_KEYS else t("loss_unknown", loc)]
    spec = content.stage_spec(account, last_stage) if last_stage else None
    if spec is not None and spec.fail_text is not None and reason == spec.fail_reason:
        why.append(content.text(spec.fail_text))
    if last_stage:
        why.append(t("lost_in_stage", loc, stage=t("stage_" + last_stage, loc)))
    return why


def _account_report(start: tr.AccountStart, follow: _Follow, content: Content, view: View | None) -> AccountReport:
    account = start.account
    out = follow.outcomes.get(account)
    result = out.result if out else "open"
    reason = out.reason if out else ""
    persons = []
    for p in start.people:
        key = (account, p.id)
        ps = content.person(account, p.id)
        persons.append(PersonReport(
            p.id, content.text(ps.name), content.text(ps.title), p.role, ps.can_veto, follow.present[key],
            (follow.initial[key]["trust"], follow.values[key]["trust"]),
            (follow.initial[key]["satisfaction"], follow.values[key]["satisfaction"]),
            known=content.known_at_start(account, p.id) or key in follow.revealed,
        ))
    why = _why_lost(account, reason, follow, content) if result == "lost" else []
    unknown_facts = [f.id for f in content.facts(account)
                     if not f.known and (account, f.id) not in follow.revealed]
    seen = next((a for a in view.accounts if a.id == account), None) if view is not None else None
    currency = seen.deal.currency if seen is not None and seen.deal is not None else content.currency(account)
    return AccountReport(account, content.company(account), result, reason, out.t if out else follow.end_day, why,
                         follow.stages[account], persons, follow.finished.get(account, follow.end_day),
                         revenue=out.revenue if out and result == "won" else 0.0,
                         margin=out.margin if out and result == "won" else 0.0,
                         has_deal=content.deal_spec(account) is not None, currency=currency,
                         unknown_facts=unknown_facts)


def build_report(trace: Sequence[tr.TraceEvent], history: Sequence[tuple[DecisionPoint, str]], content: Content,
                 card: Scorecard, view: View | None = None) -> Report:
    """Assemble the debrief for a finished (or abandoned) run; ``view`` (what the seller sees at the
    end) gives each deal's currency."""
    start = next(e for e in trace if isinstance(e, tr.Start))
    follow = _Follow(start)
    moments = []
    for e in trace:
        follow.read(e)
        moment = _moment(e, content)
        if moment is not None:
            moments.append(moment)
    accounts = [_account_report(a, follow, content, view) for a in start.accounts]
    return Report(card.won, card, accounts, moments, _differences(trace, history, content), follow.end_day)


def _title_and(title: str, label: str, locale: str) -> str:
    """"Title: label", without a second mark after a title that ends in one (谁来决定？：)."""
    if title[-1:] in "？?！!。.：:…":
        return f"{title} {label}"
    return t("tl_decision", locale, title=title, label=label)


#: A sentence for every reason the engine loses a deal for (sim/ui/strings.py: ``loss_<reason>``).
_LOSS_KEYS = {f"loss_{reason}" for reason in LOSS_REASONS}
