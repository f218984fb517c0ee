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

__all__ = ["Content", "Entry", "load_entries", "scenario_card"]


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
        return resolve(value, self.locale)

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
