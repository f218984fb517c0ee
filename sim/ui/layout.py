"""A record of what each frame drew where: panels, and the text inside them.

Scenes lay themselves out again every frame from the window size. While drawing, they note each
panel's rectangle and each piece of text with the panel it belongs to; a test (or a developer)
can then check that no text spills out of its panel and no panel out of the window, at any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Layout", "Rect", "TextBox", "contains", "overlaps"]

Rect = tuple[int, int, int, int]  # x, y, width, height


def contains(outer: Rect, inner: Rect, slack: int = 0) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ix >= ox - slack and iy >= oy - slack and ix + iw <= ox + ow + slack and iy + ih <= oy + oh + slack


def overlaps(a: Rect, b: Rect) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@dataclass
class TextBox:
    rect: Rect
    panel: str
    text: str


@dataclass
class Layout:
    """What one frame drew. ``panels`` maps a name to (rect, parent name or "")."""

    size: tuple[int, int] = (0, 0)
    panels: dict[str, tuple[Rect, str]] = field(default_factory=dict)
    texts: list[TextBox] = field(default_factory=list)
    truncated: list[TextBox] = field(default_factory=list)  # shortened with an ellipsis to fit
    siblings: list[list[str]] = field(default_factory=list)  # groups of panels that must not overlap

    def begin(self, size: tuple[int, int]) -> None:
        self.size = size
        self.panels.clear()
        self.texts.clear()
        self.truncated.clear()
        self.siblings.clear()

    def freeze(self) -> None:
        """Remember this frame's record; overlays drawn later are dropped by :meth:`thaw`."""
        self._kept = (dict(self.panels), len(self.texts), len(self.truncated))

    def thaw(self) -> None:
        kept = getattr(self, "_kept", None)
        if kept is not None:
            self.panels = dict(kept[0])
            del self.texts[kept[1]:]
            del self.truncated[kept[2]:]

    def panel(self, name: str, rect: Rect, parent: str = "") -> None:
        self.panels[name] = (rect, parent)

    def text(self, rect: Rect, panel: str, text: str) -> None:
        self.texts.append(TextBox(rect, panel, text))

    def problems(self) -> list[str]:
        """Every containment or overlap fault in this frame, as readable lines (empty: all good)."""
        out: list[str] = []
        window: Rect = (0, 0, *self.size)
        for name, (rect, parent) in self.panels.items():
            if not contains(window, rect):
                out.append(f"panel {name} {rect} is outside the window {self.size}")
            if parent:
                if parent not in self.panels:
                    out.append(f"panel {name}: parent {parent} was not drawn")
                elif not contains(self.panels[parent][0], rect):
                    out.append(f"panel {name} {rect} spills out of {parent} {self.panels[parent][0]}")
        for box in self.texts:
            if box.panel not in self.panels:
                out.append(f"text {box.text[:30]!r} names an unknown panel {box.panel}")
            elif not contains(self.panels[box.panel][0], box.rect):
                out.append(f"text {box.text[:30]!r} {box.rect} spills out of {box.panel} "
                           f"{self.panels[box.panel][0]}")
        for group in self.siblings:
            rects = [(n, self.panels[n][0]) for n in group if n in self.panels]
            for i, (a, ra) in enumerate(rects):
                for b, rb in rects[i + 1:]:
                    if overlaps(ra, rb):
                        out.append(f"panels {a} and {b} overlap")
        return out
