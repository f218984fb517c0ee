"""Drawing helpers shared by the scenes: panels, text in boxes, buttons, scroll areas, icons.

The scenes are immediate-mode: each frame they compute their layout from the window size, draw,
and register clickable rectangles; input in the next frame is matched against those. Every text
drawn is recorded with its panel in :class:`sim.ui.layout.Layout`, so layout can be tested.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pygame

from sim.ui.layout import Layout
from sim.ui.strings import tr
from sim.ui.theme import Color, Theme
from sim.ui.typeset import Typesetter, is_wide

__all__ = ["Rect", "Scroll", "Ui", "with_key"]

Rect = pygame.Rect

def with_key(text: str, key: str) -> str:
    """A button's label with its key hint: "Start  (Enter)" in English; a Chinese label takes full-width
    brackets and no space, as Chinese text does: "开始（Enter）"."""
    if not key:
        return text
    return tr("key_hint", "zh" if any(is_wide(ch) for ch in text) else "en", text=text, hint=key)


class Scroll:
    """State of a scrollable area, kept by its scene between frames."""

    def __init__(self) -> None:
        self.offset = 0
        self.content = 0
        self.rect = Rect(0, 0, 0, 0)

    @property
    def max_offset(self) -> int:
        return max(0, self.content - self.rect.height)

    def by(self, dy: int) -> None:
        self.offset = max(0, min(self.max_offset, self.offset + dy))

    def reset(self) -> None:
        self.offset = 0


class Ui:
    """The drawing context of one frame."""

    def __init__(self, theme: Theme, typesetter: Typesetter) -> None:
        self.theme = theme
        self.ts = typesetter
        self.layout = Layout()
        self.surface: Any = None
        self.scale = 1.0
        self.mouse = (-1, -1)
        self.now = 0.0
        self.hits: list[tuple[Rect, Any]] = []
        self._clips: list[Rect] = []

    # --- frame --------------------------------------------------------------------------------------
    def begin(self, surface: Any, mouse: tuple[int, int], now: float) -> None:
        self.surface = surface
        w, h = surface.get_size()
        self.scale = self.theme.scale_for(w, h)
        self.layout.begin((w, h))
        self.mouse = mouse
        self.now = now
        self.hits = []
        self._clips = []
        surface.set_clip(None)

    def resume(self, surface: Any, now: float) -> None:
        """Draw over the kept frame: same layout and click targets, new time."""
        self.surface = surface
        self.now = now
        self._clips = []
        surface.set_clip(None)

    def current_clip(self) -> Rect | None:
        return Rect(self._clips[-1]) if self._clips else None

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

    def s(self, name: str, factor: float = 1.0) -> int:
        """A theme size in pixels at this window's scale."""
        return max(1, round(self.theme.sizes[name] * self.scale * factor))

    def fs(self, name: str) -> int:
        """A theme text size in pixels at this window's scale."""
        return max(8, round(self.theme.text[name] * self.scale))

    def c(self, name: str | Color) -> Color:
        return name if isinstance(name, tuple) else self.theme.color(name)

    def line_step(self, px: int) -> int:
        return round(px * self.theme.sizes["line_spacing"] * 1.2)

    def glyph_height(self, px: int, bold: bool = False) -> int:
        """Height a rendered line covers: FreeType's rounding can make it one pixel above get_height()."""
        return self.ts.font(px, bold).get_height() + 1

    # --- clipping -----------------------------------------------------------------------------------
    @contextmanager
    def clip(self, rect: Rect) -> Iterator[None]:
        r = Rect(rect)
        if self._clips:
            r = r.clip(self._clips[-1])
        self._clips.append(r)
        self.surface.set_clip(r)
        try:
            yield
        finally:
            self._clips.pop()
            self.surface.set_clip(self._clips[-1] if self._clips else None)

    def _visible(self, rect: Rect) -> Rect | None:
        if not self._clips:
            return rect
        r = rect.clip(self._clips[-1])
        return r if r.width > 0 and r.height > 0 else None

    def _record(self, rect: Rect, panel: str, text: str) -> None:
        r = self._visible(rect)
        if r is not None:
            self.layout.text((r.x, r.y, r.width, r.height), panel, text)

    # --- shapes -------------------------------------------------------------------------------------
    def rect(self, rect: Rect, color: str | Color, radius: int = 0, width: int = 0) -> None:
        pygame.draw.rect(self.surface, self.c(color), rect, width, border_radius=radius)

    def alpha_rect(self, rect: Rect, rgba: Color, radius: int = 0) -> None:
        r = Rect(rect)
        layer = pygame.Surface(r.size, pygame.SRCALPHA)
        pygame.draw.rect(layer, rgba, layer.get_rect(), border_radius=radius)
        self.surface.blit(layer, r.topleft)

    def panel(self, name: str, rect: Rect, parent: str = "", fill: str | Color = "panel",
              border: str | Color | None = "border", radius: int | None = None, shadow: bool = True,
              border_width: int = 1) -> Rect:
        """A rounded panel, recorded in the layout under ``name``."""
        r = Rect(rect)
        rad = self.s("radius") if radius is None else radius
        self.rect(r, fill, rad)
        if shadow and r.width > 2 * rad:  # a soft line under the panel (cheaper than a second fill)
            off = max(1, round(2 * self.scale))
            pygame.draw.line(self.surface, self.c("shadow"), (r.x + rad, r.bottom + off // 2),
                             (r.right - rad - 1, r.bottom + off // 2), off)
        if border is not None:
            self.rect(r, border, rad, max(1, round(border_width * self.scale)))
        vis = self._visible(r)
        if vis is not None:
            self.layout.panel(name, (vis.x, vis.y, vis.width, vis.height), parent)
        return r

    # --- text ---------------------------------------------------------------------------------------
    def label(self, text: str, pos: tuple[int, int], panel: str, size: str | int = "body", bold: bool = False,
              color: str | Color = "text", max_w: int | None = None, anchor: str = "topleft") -> Rect:
        """One line of text; shortened with an ellipsis when wider than ``max_w``."""
        px = size if isinstance(size, int) else self.fs(size)
        shown = text
        if max_w is not None:
            shown = self.ts.fit(text, px, bold, max(1, max_w))
            if shown != text:
                self.layout.truncated.append(_tb(text, panel))
        surf = self.ts.render(shown, px, bold, self.c(color))
        r = surf.get_rect(**{anchor: pos})
        if self._visible(r) is not None:
            self.surface.blit(surf, r)
        self._record(r, panel, shown)
        return r

    def text_width(self, text: str, size: str | int = "body", bold: bool = False) -> int:
        px = size if isinstance(size, int) else self.fs(size)
        return self.ts.width(text, px, bold)

    def lines(self, text: str, width: int, size: str | int = "body", bold: bool = False) -> tuple[str, ...]:
        px = size if isinstance(size, int) else self.fs(size)
        return self.ts.wrap(text, px, bold, max(1, width))

    def text_height(self, text: str, width: int, size: str | int = "body", bold: bool = False) -> int:
        """Height of ``text`` wrapped to ``width`` as :meth:`block` draws it."""
        if not text:
            return 0
        px = size if isinstance(size, int) else self.fs(size)
        n = len(self.lines(text, width, px, bold))
        return (n - 1) * self.line_step(px) + self.glyph_height(px, bold)

    def block(self, text: str, rect: Rect, panel: str, size: str | int = "body", bold: bool = False,
              color: str | Color = "text", align: str = "left") -> int:
        """Wrapped text inside ``rect``; lines that do not fit are dropped and the last shortened.

        Returns the height used (the full height when inside a scroll area).
        """
        if not text:
            return 0
        px = size if isinstance(size, int) else self.fs(size)
        r = Rect(rect)
        lines = self.lines(text, r.width, px, bold)
        step, gh = self.line_step(px), self.glyph_height(px, bold)
        col = self.c(color)
        scrolling = bool(self._clips)
        y = r.y
        for i, line in enumerate(lines):
            last_fits = y + gh <= r.bottom
            if not scrolling and not last_fits:
                break
            more = i + 1 < len(lines) and y + step + gh > r.bottom and not scrolling
            shown = line
            if more:
                shown = self.ts.fit(line + "…", px, bold, r.width)
                self.layout.truncated.append(_tb(text, panel))
            if line:
                surf = self.ts.render(shown, px, bold, col)
                lr = surf.get_rect(topleft=(r.x, y))
                if align == "center":
                    lr.centerx = r.centerx
                if self._visible(lr) is not None:
                    self.surface.blit(surf, lr)
                self._record(lr, panel, shown)
            y += step
            if more:
                break
        return (len(lines) - 1) * step + gh

    # --- input targets --------------------------------------------------------------------------------
    def hit(self, rect: Rect, action: Any) -> None:
        r = self._visible(Rect(rect))
        if r is not None:
            self.hits.append((r, action))

    def hovered(self, rect: Rect) -> bool:
        r = self._visible(Rect(rect))
        return r is not None and r.collidepoint(self.mouse)

    def action_at(self, pos: tuple[int, int]) -> Any:
        for rect, action in reversed(self.hits):
            if rect.collidepoint(pos):
                return action
        return None

    def button(self, rect: Rect, text: str, action: Any, panel: str, name: str, primary: bool = False,
               key: str = "", size: str = "label") -> Rect:
        """A button with an optional key hint (e.g. "Enter"), recorded as its own panel."""
        r = Rect(rect)
        hover = self.hovered(r)
        fill = ("accent" if primary else "hover" if hover else "panel_alt")
        self.panel(name, r, panel, fill=fill, border="accent" if (primary or hover) else "border",
                   shadow=False, radius=max(4, self.s("radius") // 2))
        color = "accent_text" if primary else "text"
        px = self.fs(size)
        label = with_key(text, key)
        pad = self.s("pad", 0.6)
        self.label(label, r.center, name, px, bold=True, color=color, max_w=r.width - 2 * pad, anchor="center")
        self.hit(r, action)
        return r

    def button_width(self, text: str, key: str = "", size: str = "label") -> int:
        label = with_key(text, key)
        return self.text_width(label, size, True) + 2 * self.s("pad")

    # --- scroll areas ---------------------------------------------------------------------------------
    @contextmanager
    def scroll_area(self, scroll: Scroll, rect: Rect) -> Iterator[int]:
        """Clip to ``rect`` and yield the y where content starts; set ``scroll.content`` after."""
        scroll.rect = Rect(rect)
        scroll.offset = max(0, min(scroll.offset, scroll.max_offset))
        with self.clip(rect):
            yield rect.y - scroll.offset
        self.scrollbar(scroll)

    def scrollbar(self, scroll: Scroll) -> None:
        r = scroll.rect
        if scroll.content <= r.height or r.height <= 0:
            return
        w = self.s("scrollbar")
        track = Rect(r.right - w, r.y, w, r.height)
        self.rect(track, "trust_empty", w // 2)
        h = max(2 * w, round(r.height * r.height / scroll.content))
        y = r.y + round((r.height - h) * scroll.offset / max(1, scroll.max_offset))
        self.rect(Rect(track.x, y, w, h), "faint", w // 2)

    # --- icons ------------------------------------------------------------------------------------------
    def face(self, center: tuple[int, int], radius: int, level: int) -> None:
        """A mood face: level 0 (unhappy) to 4 (enthusiastic); the word is always drawn beside it."""
        color = self.theme.mood_color(level)
        cx, cy = center
        pygame.draw.circle(self.surface, color, center, radius)
        pygame.draw.circle(self.surface, (255, 255, 255), center, max(1, radius - max(2, radius // 6)))
        pygame.draw.circle(self.surface, color, center, max(1, radius - max(2, radius // 6)), max(1, radius // 8))
        eye = max(1, radius // 7)
        pygame.draw.circle(self.surface, color, (cx - radius // 3, cy - radius // 4), eye)
        pygame.draw.circle(self.surface, color, (cx + radius // 3, cy - radius // 4), eye)
        lw = max(2, radius // 7)
        mw = radius
        my = cy + radius // 4
        curve = (level - 2) / 2  # -1 (frown) .. 1 (smile)
        amp = radius * 0.3
        base = my + (amp * 0.6 if curve < 0 else 0)
        pts = [(cx - mw / 2 + mw * i / 8, base + curve * amp * (1 - ((i - 4) / 4) ** 2)) for i in range(9)]
        pygame.draw.lines(self.surface, color, False, pts, lw)

    def meter(self, rect: Rect, level: int, count: int = 5, color: str = "trust_fill") -> None:
        """A segmented meter (trust): ``level + 1`` of ``count`` segments filled."""
        r = Rect(rect)
        gap = max(1, round(2 * self.scale))
        seg = (r.width - gap * (count - 1)) / count
        for i in range(count):
            x = r.x + round(i * (seg + gap))
            pygame.draw.rect(self.surface, self.c(color if i <= level else "trust_empty"),
                             Rect(x, r.y, max(1, round(seg)), r.height), border_radius=max(1, r.height // 3))

    def arrow(self, center: tuple[int, int], size: int, up: bool, color: str | Color) -> None:
        cx, cy = center
        h = size // 2
        pts = [(cx, cy - h), (cx - h, cy + h), (cx + h, cy + h)] if up else \
            [(cx, cy + h), (cx - h, cy - h), (cx + h, cy - h)]
        pygame.draw.polygon(self.surface, self.c(color), pts)

    def check(self, center: tuple[int, int], size: int, color: str | Color) -> None:
        cx, cy = center
        s = size / 2
        pts = [(cx - s, cy), (cx - s / 3, cy + s * 0.7), (cx + s, cy - s * 0.7)]
        pygame.draw.lines(self.surface, self.c(color), False, pts, max(2, size // 5))

    def clock_icon(self, center: tuple[int, int], radius: int, color: str | Color) -> None:
        cx, cy = center
        col = self.c(color)
        pygame.draw.circle(self.surface, col, center, radius, max(1, radius // 4))
        pygame.draw.line(self.surface, col, center, (cx, cy - radius * 0.6), max(1, radius // 4))
        pygame.draw.line(self.surface, col, center, (cx + radius * 0.5, cy), max(1, radius // 4))

    def diamond(self, center: tuple[int, int], r: int, color: str | Color, width: int = 0) -> None:
        cx, cy = center
        pygame.draw.polygon(self.surface, self.c(color), [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)],
                            width)

    def pulse(self, start: float, seconds: float) -> float:
        """1 at ``start`` falling smoothly to 0 after ``seconds`` (an animation's strength now)."""
        x = (self.now - start) / seconds if seconds > 0 else 1.0
        if x < 0 or x >= 1:
            return 0.0
        return 0.5 * (1 + math.cos(math.pi * x))


def _tb(text: str, panel: str) -> Any:
    from sim.ui.layout import TextBox

    return TextBox((0, 0, 0, 0), panel, text)
