"""A simple flowing document (headings, paragraphs, bullets) for the briefing and the feedback."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from sim.ui.widgets import Rect, Ui

__all__ = ["Item", "draw_flow", "flow_height", "item_height"]


@dataclass(frozen=True)
class Item:
    """One piece of a flow: ``kind`` is title, heading, text, muted, small, bullet, quote, chip or gap."""

    kind: str
    text: str = ""
    color: str = ""


_STYLE = {
    "title": ("title", True, "text"),
    "heading": ("heading", True, "accent"),
    "text": ("body", False, "text"),
    "strong": ("body", True, "text"),
    "muted": ("label", False, "muted"),
    "small": ("small", False, "muted"),
    "bullet": ("body", False, "text"),
    "quote": ("body", False, "text"),
    "chip": ("small", True, "accent"),
}


def _indent(ui: Ui, kind: str) -> int:
    return ui.s("pad", 1.3) if kind in ("bullet", "quote") else 0


def item_height(ui: Ui, item: Item, width: int) -> int:
    if item.kind == "gap":
        return ui.s("gap")
    size, bold, _ = _STYLE[item.kind]
    pad = ui.s("pad", 0.6) if item.kind == "quote" else 0
    return ui.text_height(item.text, width - _indent(ui, item.kind) - 2 * pad, size, bold) + 2 * pad \
        + ui.s("gap", 0.35)


def flow_height(ui: Ui, items: list[Item], width: int) -> int:
    return sum(item_height(ui, it, width) for it in items)


def draw_flow(ui: Ui, items: list[Item], x: int, y: int, width: int, panel: str) -> int:
    """Draw the items from (x, y) down; returns the y after the last one."""
    for it in items:
        h = item_height(ui, it, width)
        if it.kind == "gap":
            y += h
            continue
        size, bold, color = _STYLE[it.kind]
        ind = _indent(ui, it.kind)
        if it.kind == "bullet":
            r = max(2, ui.fs(size) // 6)
            cy = y + ui.glyph_height(ui.fs(size)) // 2 + 1
            pygame.draw.circle(ui.surface, ui.c("accent"), (x + ind // 2, cy), r)
        if it.kind == "quote":
            box = Rect(x + ind // 2, y, width - ind // 2, h - ui.s("gap", 0.35))
            ui.rect(box, "quote", ui.s("radius") // 2)
            ui.rect(Rect(box.x, box.y, max(3, ui.s("pad") // 4), box.height), it.color or "accent", 2)
            pad = ui.s("pad", 0.6)
            ui.block(it.text, Rect(x + ind + pad, y + pad, width - ind - 2 * pad, 10_000), panel, size, bold,
                     it.color if it.color and it.kind != "quote" else color)
        else:
            ui.block(it.text, Rect(x + ind, y, width - ind, 10_000), panel, size, bold, it.color or color)
        y += h
    return y
