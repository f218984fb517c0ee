"""Localised text: every string in a scenario is plain or a ``{en: ..., zh: ...}`` mapping.

Plain strings are shown as they are in every language; a mapping is resolved for the player's
locale with a fallback, so a scenario missing one translation still plays.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_LOCALE", "STAGE_NAMES", "UI_LOCALES", "Text", "languages", "pick", "resolve"]

Text = str | Mapping[str, str]

#: Locales with a full user interface; scenario text may carry others.
UI_LOCALES: tuple[str, ...] = ("en", "zh")
DEFAULT_LOCALE = "en"


#: The roadmap stages' names in each UI language: the one table every screen, report and message uses.
STAGE_NAMES: dict[str, dict[str, str]] = {
    "need_identification": {"en": "Need identification", "zh": "需求识别"},
    "information_gathering": {"en": "Information gathering", "zh": "信息收集"},
    "solution_design": {"en": "Solution design", "zh": "方案制定"},
    "negotiation": {"en": "Negotiation & close", "zh": "谈判成交"},
    "after_sales": {"en": "After-sales follow-up", "zh": "售后跟进"},
}


def resolve(text: Text | None, locale: str = DEFAULT_LOCALE, fallback: str = DEFAULT_LOCALE) -> str:
    """The text to show in ``locale``: that translation, else the fallback, else any."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if locale in text:
        return text[locale]
    base = locale.split("-")[0]
    if base in text:
        return text[base]
    if fallback in text:
        return text[fallback]
    return next(iter(text.values()), "")


def pick(pair: tuple[str, str], locale: str) -> str:
    """The member of an ``(english, chinese)`` pair for a UI locale (Chinese for zh, zh-TW, ...).

    The commands' and reports' own message tables are such pairs; this is the one rule for them.
    """
    return pair[1] if locale.startswith("zh") else pair[0]


def languages(text: Text | None) -> set[str]:
    """The locales a text is written in (empty for a plain string, which serves all)."""
    if text is None or isinstance(text, str):
        return set()
    return set(text)
