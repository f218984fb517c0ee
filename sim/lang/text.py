"""Localised text: every string in a scenario is plain or a ``{en: ..., zh: ...}`` mapping.

Plain strings are shown as they are in every language; a mapping is resolved for the player's
locale with a fallback, so a scenario missing one translation still plays.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DEFAULT_LOCALE",
    "REVIEW_CLASS_NAMES",
    "STAGE_NAMES",
    "UI_LOCALES",
    "Bilingual",
    "Text",
    "bilingual",
    "in_locale",
    "languages",
    "pick",
    "resolve",
]

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

#: The decision review's classes (:data:`scoring.review.CLASSES`) by name in each UI language: the one
#: table the game's review screen, the reports and the command summaries use.
REVIEW_CLASS_NAMES: dict[str, dict[str, str]] = {
    "best": {"en": "best", "zh": "最佳"},
    "excellent": {"en": "excellent", "zh": "很好"},
    "good": {"en": "good", "zh": "不错"},
    "inaccuracy": {"en": "inaccuracy", "zh": "欠妥"},
    "mistake": {"en": "mistake", "zh": "失误"},
    "blunder": {"en": "blunder", "zh": "严重失误"},
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


class Bilingual(str):
    """A message in English that also carries its Chinese version (``.zh``).

    It *is* the English string, so code that treats messages as text (logs, tests, ``in``) keeps
    working; :func:`in_locale` picks the Chinese for a ``zh`` locale. Joining two with ``+`` joins
    both languages; joining one with a plain string adds that string to both.
    """

    zh: str

    def __new__(cls, en: str, zh: str) -> Bilingual:
        self = super().__new__(cls, en)
        self.zh = zh
        return self

    def __add__(self, other: str) -> Bilingual:
        return Bilingual(str(self) + str(other), self.zh + (other.zh if isinstance(other, Bilingual) else other))

    def __radd__(self, other: str) -> Bilingual:
        return Bilingual(str(other) + str(self), (other.zh if isinstance(other, Bilingual) else other) + self.zh)

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (Bilingual, (str(self), self.zh))

    def __repr__(self) -> str:
        return f"Bilingual({str(self)!r}, {self.zh!r})"


def bilingual(en: str, zh: str, **params: object) -> Bilingual:
    """Both templates filled in with ``params``; a Bilingual parameter gives each language its own."""
    return Bilingual(
        en.format(**{k: str(v) for k, v in params.items()}),
        zh.format(**{k: (v.zh if isinstance(v, Bilingual) else v) for k, v in params.items()}),
    )


def in_locale(message: str, locale: str) -> str:
    """A message in a UI locale: the Chinese of a :class:`Bilingual` for ``zh``, else the text itself."""
    if isinstance(message, Bilingual) and locale.startswith("zh"):
        return message.zh
    return str(message)

