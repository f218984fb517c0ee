"""Text for the screens: line wrapping for Chinese and English, and cached rendering.

Chinese has no spaces, so a line may break between any two hanzi, but not before closing
punctuation (，。」) or after opening punctuation (「“); English breaks at spaces, and a word too long
for a line is cut. Rendering a Chinese line costs ~0.3 ms, so rendered surfaces and wrapped lines
are cached (a frame then only blits).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["CLOSING", "OPENING", "Typesetter", "ellipsize", "is_wide", "tokens", "wrap"]

#: Punctuation that must not start a line (it sticks to the text before it).
CLOSING = set("，。、；：？！）」』”’》〉】〕…‥,.;:?!)]}%")
#: Punctuation that must not end a line (it sticks to the text after it).
OPENING = set("（「『“‘《〈【〔([{")


def is_wide(ch: str) -> bool:
    """A character that may be broken before and after on its own (CJK and full-width)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF  # CJK radicals, punctuation, kana, unified ideographs
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x2FFFF
    )


def tokens(paragraph: str) -> list[str]:
    """Split into unbreakable pieces; spaces stay on the end of the piece before them."""
    raw: list[str] = []
    word = ""
    for ch in paragraph:
        if ch == " ":
            if word:
                raw.append(word + " ")
                word = ""
            elif raw:
                raw[-1] += " "
            else:
                raw.append(" ")
        elif is_wide(ch) or (ch in CLOSING and not word):
            if word:
                raw.append(word)
                word = ""
            raw.append(ch)
        else:
            word += ch
    if word:
        raw.append(word)
    out: list[str] = []
    glue_next = False
    for tok in raw:
        if out and (glue_next or tok[0] in CLOSING):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok.rstrip()[-1:] in OPENING if tok.strip() else False
    return out


def _split_long(piece: str, width: float, measure: Callable[[str], float]) -> tuple[str, str]:
    """The longest head of ``piece`` that fits (at least one character), and the rest."""
    lo, hi = 1, len(piece)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(piece[:mid]) <= width:
            lo = mid
        else:
            hi = mid - 1
    return piece[:lo], piece[lo:]


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (except a single character wider than it)."""
    lines: list[str] = []
    for para in text.split("\n"):
        if not para.strip():
            lines.append("")
            continue
        line = ""
        for tok in tokens(para):
            cand = line + tok
            if line and measure(cand.rstrip()) > width:
                lines.append(line.rstrip())
                line = tok
            else:
                line = cand
            while len(line.rstrip()) > 1 and measure(line.rstrip()) > width:
                head, line = _split_long(line.rstrip(), width, measure)
                lines.append(head)
        lines.append(line.rstrip())
    return lines


def ellipsize(text: str, width: float, measure: Callable[[str], float]) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (unchanged if it fits)."""
    if measure(text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid].rstrip() + "…") <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


class _Lru(OrderedDict):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def get_or(self, key: Any, make: Callable[[], Any]) -> Any:
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = self[key] = make()
            if len(self) > self.limit:
                self.popitem(last=False)
            return value


class Typesetter:
    """Fonts by size and weight, wrapped lines and rendered surfaces, all cached."""

    def __init__(self, regular: Any, bold: Any, surfaces: int = 3000) -> None:
        import pygame

        self._pygame = pygame
        self._paths = {False: str(regular), True: str(bold)}
        self._fonts: dict[tuple[int, bool], Any] = {}
        self._surfaces = _Lru(surfaces)
        self._wraps = _Lru(4000)
        self._widths = _Lru(20000)

    def font(self, px: int, bold: bool = False) -> Any:
        key = (px, bold)
        f = self._fonts.get(key)
        if f is None:
            f = self._fonts[key] = self._pygame.font.Font(self._paths[bold], px)
        return f

    def width(self, text: str, px: int, bold: bool = False) -> int:
        return self._widths.get_or((text, px, bold), lambda: self.font(px, bold).size(text)[0])

    def measurer(self, px: int, bold: bool = False) -> Callable[[str], float]:
        return lambda s: self.width(s, px, bold)

    def wrap(self, text: str, px: int, bold: bool, width: int) -> tuple[str, ...]:
        return self._wraps.get_or((text, px, bold, width),
                                  lambda: tuple(wrap(text, width, self.measurer(px, bold))))

    def fit(self, text: str, px: int, bold: bool, width: int) -> str:
        return self._wraps.get_or(("…", text, px, bold, width),
                                  lambda: ellipsize(text, width, self.measurer(px, bold)))

    def render(self, text: str, px: int, bold: bool, color: tuple[int, ...]) -> Any:
        return self._surfaces.get_or((text, px, bold, color),
                                     lambda: self.font(px, bold).render(text, True, color))

    def missing(self, text: str, px: int = 16) -> set[str]:
        """Characters of ``text`` the font has no glyph for (they would render as the blank box).

        A missing glyph renders exactly like a private-use character the font cannot have, so
        each character's rendering is compared with that one.
        """
        tofu = self._pygame.image.tobytes(self.font(px).render("\ue000", True, (0, 0, 0)), "RGBA")
        out = set()
        for ch in set(text):
            if ch.isspace():
                continue
            surf = self.font(px).render(ch, True, (0, 0, 0))
            if self._pygame.image.tobytes(surf, "RGBA") == tofu:
                out.add(ch)
        return out

