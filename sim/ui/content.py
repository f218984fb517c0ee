"""Scenario text for the screens: look up the spec behind the engine's ids and resolve the language.

The engine hands out ids (accounts, touchpoints, actions, people, events, flags); the words the
trainee reads live in the pydantic spec. This module is the one place that maps one to the other,
so the scenes never walk the spec themselves. It holds no game rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.lang.text import resolve

__all__ = ["Content", "Entry", "load_entries", "scenario_card", "variant"]


def variant(text: Any, index: int) -> Any:
    """Variant ``index`` of a text that may have variants (a list of ``{when, text}``), as the engine
    chose it (a decision point's ``situation``, a Response event's ``reaction`` and ``feedback``).

    A plain text has one variant: it is returned whatever the index. An index past the end (a
    scenario edited under a running game) gives the last variant, the default.
    """
    if isinstance(text, list | tuple):
        if not text:
            return None
        return text[max(0, min(int(index), len(text) - 1))].text
    return text


@dataclass
class Entry:
    """A scenario in the picker: loaded, or the reason it could not be."""

    ref: str
    scenario: Any = None
    error: str = ""


def load_entries(refs: list[str], loaded: Mapping[str, Any] | None = None) -> list[Entry]:
    """The picker's list: each reference loaded (or its first problem), each scenario id once."""
    from sim.engine.loader import ScenarioError, load_scenario

    loaded = loaded or {}
    out: list[Entry] = []
    seen: set[str] = set()
    for ref in refs:
        try:
            sc = loaded[ref] if ref in loaded else load_scenario(ref)
        except ScenarioError as err:
            out.append(Entry(ref, None, err.lines()[0]))
            continue
        if sc.id not in seen:
            seen.add(sc.id)
            out.append(Entry(ref, sc))
    return out


class Content:
    """A loaded scenario's texts in one locale."""

    def __init__(self, scenario: Any, locale: str) -> None:
        self.scenario = scenario
        self.spec = scenario.spec
        self.locale = locale
        self._accounts = {a.id: (i, a) for i, a in enumerate(self.spec.accounts)}

    def text(self, value: Any) -> str:
        """A scenario text in this locale (a text with variants: its first, default-free variant;
        use :meth:`varied` for the one the engine chose)."""
        return resolve(variant(value, 0), self.locale)

    def varied(self, value: Any, index: int) -> str:
        """Variant ``index`` of a text that may have variants, in this locale."""
        return resolve(variant(value, index), self.locale)

    # --- scenario --------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.text(self.spec.title)

    @property
    def pipeline(self) -> bool:
        return len(self.spec.accounts) > 1

    # --- accounts and people -------------------------------------------------------------------------
    def account(self, account_id: str) -> Any:
        return self._accounts[account_id][1]

    def company(self, account_id: str) -> str:
        return self.text(self.account(account_id).persona.company)

    def person(self, account_id: str, person_id: str) -> Any:
        for s in self.account(account_id).stakeholders:
            if s.id == person_id:
                return s
        raise KeyError(person_id)

    def person_name(self, account_id: str, person_id: str) -> str:
        return self.text(self.person(account_id, person_id).name)

    def person_title(self, account_id: str, person_id: str) -> str:
        return self.text(self.person(account_id, person_id).title)

    def known_at_start(self, account_id: str, subject: str) -> bool:
        """Whether the seller knows this stakeholder (role, influence, veto) or fact from the start."""
        acc = self.account(account_id)
        for s in acc.stakeholders:
            if s.id == subject:
                return bool(s.known)
        return any(f.id == subject and f.known for f in acc.facts)

    def facts(self, account_id: str) -> list[Any]:
        """The account's buyer facts, in declaration order."""
        return list(self.account(account_id).facts)

    def fact(self, account_id: str, fact_id: str) -> Any:
        for f in self.account(account_id).facts:
            if f.id == fact_id:
                return f
        raise KeyError(fact_id)

    # --- the deal ------------------------------------------------------------------------------------
    def deal_spec(self, account_id: str) -> Any:
        """The account's deal (price, floor, terms), or None."""
        return self.account(account_id).deal

    def currency(self, account_id: str) -> str:
        """The currency the account's money is in: its deal's, else its persona's, else CNY."""
        acc = self.account(account_id)
        if acc.deal is not None:
            return str(acc.deal.currency)
        return str(acc.persona.currency or "CNY")

    def term_label(self, account_id: str, term_id: str) -> str:
        deal = self.deal_spec(account_id)
        for t in deal.terms if deal is not None else ():
            if t.id == term_id:
                return self.text(t.label)
        return term_id

    def flag_label(self, account_id: str, flag_id: str) -> str:
        for f in self.account(account_id).flags:
            if f.id == flag_id:
                return self.text(f.label)
        return flag_id

    def event_text(self, account_id: str, event_id: str) -> str:
        for e in self.account(account_id).events:
            if e.id == event_id:
                return self.text(e.text)
        return event_id

    def stage_spec(self, account_id: str, stage: str) -> Any:
        return self.account(account_id).stages.get(stage)

    def competitor_name(self, account_id: str) -> str:
        comp = self.account(account_id).competitor
        return self.text(comp.name) if comp is not None else ""

    # --- touchpoints and actions ---------------------------------------------------------------------
    def touchpoint(self, account_id: str, touchpoint_id: str) -> Any:
        """The touchpoint's spec, found through the compiled rules."""
        i = self._accounts[account_id][0]
        return self.scenario.rules.accounts[i].touchpoints[touchpoint_id].spec

    def action(self, account_id: str, touchpoint_id: str, action_id: str) -> Any:
        for a in self.touchpoint(account_id, touchpoint_id).actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    def action_label(self, account_id: str, touchpoint_id: str, action_id: str) -> str:
        return self.text(self.action(account_id, touchpoint_id, action_id).label)

    def touchpoint_title(self, account_id: str, touchpoint_id: str) -> str:
        return self.text(self.touchpoint(account_id, touchpoint_id).title)

    def stage_after(self, account_id: str, stage: str) -> str | None:
        """The account's next roadmap stage after ``stage``, if any (of the stages its roadmap uses)."""
        from sim.lang.schema import STAGES

        used = [s for s in STAGES if s in self.account(account_id).stages]
        return used[used.index(stage) + 1] if stage in used and used.index(stage) + 1 < len(used) else None


def scenario_card(scenario: Any, locale: str) -> dict[str, Any]:
    """What the picker shows about a scenario."""
    spec = scenario.spec
    industries: list[str] = []
    for a in spec.accounts:
        name = resolve(a.persona.industry, locale)
        if name not in industries:
            industries.append(name)
    return {
        "id": spec.id,
        "title": resolve(spec.title, locale),
        "summary": resolve(spec.summary, locale),
        "industry": " · ".join(industries),
        "difficulty": spec.difficulty,
        "minutes": spec.estimated_minutes,
        "languages": list(spec.languages),
        "accounts": len(spec.accounts),
    }
