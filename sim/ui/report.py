"""The debrief's content, read from the trace: outcome and why, key moments, hidden numbers, and
where the trainee's choices differed from the author's recommendation.

Everything here is derived from the run's trace (and the decision history for pipeline focus
choices), the scorecard and the scenario's texts: no game rule is re-implemented. No pygame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoring import Scorecard
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.ui.content import Content
from sim.ui.strings import tr as t


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


def build_report(trace: list[Any], history: list[tuple[DecisionPoint, str]], content: Content,
                 card: Scorecard) -> Report:
    """Assemble the debrief for a finished (or abandoned) run."""
    loc = content.locale
    trace = tr.events(trace)
    start = next(e for e in trace if isinstance(e, tr.Start))
    values: dict[tuple[str, str], dict[str, float]] = {}
    present: dict[tuple[str, str], bool] = {}
    initial: dict[tuple[str, str], dict[str, float]] = {}
    for account, people in start.accounts:
        for p in people:
            initial[(account, p.id)] = {"trust": p.trust, "satisfaction": p.satisfaction}
            values[(account, p.id)] = {"trust": p.trust, "satisfaction": p.satisfaction}
            present[(account, p.id)] = p.present
    stages: dict[str, list[tuple[float, str]]] = {a: [] for a, _ in start.accounts}
    outcomes: dict[str, tr.Outcome] = {}
    finished: dict[str, float] = {}
    moments: list[Moment] = []
    differences: list[Difference] = []
    end_day = 0.0
    for e in trace:
        end_day = max(end_day, e.t)
        if isinstance(e, tr.Effect) and e.target:
            values[(e.account, e.target)][e.var] = e.value
        elif isinstance(e, tr.Presence):
            present[(e.account, e.stakeholder)] = e.present
        elif isinstance(e, tr.StageChange):
            stages[e.account].append((e.t, e.stage))
            moments.append(Moment(e.t, e.account, "stage", t("stage_" + e.stage, loc)))
        elif isinstance(e, tr.Decision):
            title = content.text(content.touchpoint(e.account, e.touchpoint).title)
            chosen = content.action_label(e.account, e.touchpoint, e.action)
            good = e.action in e.recommended if e.recommended else None
            moments.append(Moment(e.t, e.account, "decision", _title_and(title, chosen, loc), good))
            if e.recommended and e.action not in e.recommended:
                differences.append(Difference(
                    e.t, e.account, title, chosen,
                    [content.action_label(e.account, e.touchpoint, r) for r in e.recommended],
                    content.text(content.action(e.account, e.touchpoint, e.action).feedback),
                ))
        elif isinstance(e, tr.Scripted):
            moments.append(Moment(e.t, e.account, "event", content.event_text(e.account, e.event)))
        elif isinstance(e, tr.Finished):
            finished[e.account] = e.t
        elif isinstance(e, tr.Outcome):
            outcomes[e.account] = e
            company = content.company(e.account)
            text = t("ch_won", loc, company=company) if e.result == "won" else t("ch_lost", loc, company=company)
            moments.append(Moment(e.t, e.account, "outcome", text, e.result == "won"))
    for point, choice in history:
        if point.kind == "focus" and point.recommended and choice not in point.recommended:
            differences.append(Difference(
                point.day, "", t("focus_choice", loc), content.company(choice),
                [content.company(r) for r in point.recommended], "",
            ))
    differences.sort(key=lambda d: d.t)
    accounts: list[AccountReport] = []
    for account, people in start.accounts:
        out = outcomes.get(account)
        result = out.result if out else "open"
        reason = out.reason if out else ""
        day = out.t if out else end_day
        why: list[str] = []
        if result == "lost":
            last_stage = stages[account][-1][1] if stages[account] else ""
            why.append(t("loss_" + reason, loc) if ("loss_" + reason) in _LOSS_KEYS else t("loss_unknown", loc))
            spec = content.stage_spec(account, last_stage) if last_stage else None
            if spec is not None and spec.fail_text is not None and reason == spec.fail_reason:
                why.append(content.text(spec.fail_text))
            if last_stage:
                why.append(t("lost_in_stage", loc, stage=t("stage_" + last_stage, loc)))
        persons = []
        for p in people:
            ps = content.person(account, p.id)
            persons.append(PersonReport(
                p.id, content.text(ps.name), content.text(ps.title), p.role, ps.can_veto,
                present[(account, p.id)],
                (initial[(account, p.id)]["trust"], values[(account, p.id)]["trust"]),
                (initial[(account, p.id)]["satisfaction"], values[(account, p.id)]["satisfaction"]),
            ))
        accounts.append(AccountReport(account, content.company(account), result, reason, day, why,
                                      stages[account], persons, finished.get(account, end_day)))
    return Report(card.won, card, accounts, moments, differences, end_day)


def _title_and(title: str, label: str, locale: str) -> str:
    """"Title: label", without a second mark after a title that ends in one (谁来决定？：)."""
    if title[-1:] in "？?！!。.：:…":
        return f"{title} {label}"
    return t("tl_decision", locale, title=title, label=label)


_LOSS_KEYS = {"loss_patience", "loss_competitor", "loss_veto", "loss_stalled", "loss_disqualified",
              "loss_cancelled"}
