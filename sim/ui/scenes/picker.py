"""The scenario picker: bundled cases (tutorial first) and any given on the command line."""

from __future__ import annotations

from typing import Any

import pygame

from sim.ui.content import Entry, scenario_card
from sim.ui.scenes.base import ENTER_KEYS, NUMBER_KEYS, Scene, key_event, lang_toggle, top_bar, wheel_scroll
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["PickerScene"]


class PickerScene(Scene):
    name = "picker"

    def __init__(self, app: Any, entries: list[Entry]) -> None:
        super().__init__(app)
        self.entries = entries
        self.selected: int | None = 0 if entries and entries[0].scenario is not None else None
        self.scroll = Scroll()
        self._cards: list[Rect] = []

    # --- input ----------------------------------------------------------------------------------------
    def act(self, action: Any) -> None:
        kind = action[0]
        if kind == "locale":
            self.app.set_locale(action[1])
        elif kind == "pick":
            if self.selected == action[1]:
                self.open()
            else:
                self.select(action[1])
        elif kind == "open":
            self.open()

    def select(self, i: int) -> None:
        if 0 <= i < len(self.entries) and self.entries[i].scenario is not None:
            self.selected = i
            if i < len(self._cards):
                card = self._cards[i]
                view = self.scroll.rect
                if card.top < view.top:
                    self.scroll.by(card.top - view.top)
                elif card.bottom > view.bottom:
                    self.scroll.by(card.bottom - view.bottom)

    def open(self) -> None:
        if self.selected is not None:
            self.app.open_briefing(self.entries[self.selected].scenario)

    def key(self, event: pygame.event.Event) -> None:
        if event.key in NUMBER_KEYS:
            self.select(NUMBER_KEYS[event.key] - 1)
        elif event.key in ENTER_KEYS:
            self.open()
        elif event.key in (pygame.K_DOWN, pygame.K_UP):
            step = 1 if event.key == pygame.K_DOWN else -1
            i = self.selected if self.selected is not None else -step
            for _ in range(len(self.entries)):
                i = (i + step) % max(1, len(self.entries))
                if self.entries[i].scenario is not None:
                    self.select(i)
                    break
        elif event.key == pygame.K_l:
            self.app.set_locale("en" if self.locale == "zh" else "zh")
        elif event.key == pygame.K_ESCAPE:
            self.app.open_menu()

    def wheel(self, dy: int) -> None:
        wheel_scroll(self.app.ui, [self.scroll], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        first = next((i for i, e in enumerate(self.entries) if e.scenario is not None), None)
        if first is None:
            return [pygame.event.Event(pygame.QUIT)]
        return [key_event(pygame.K_1 + first), key_event(pygame.K_RETURN)]

    # --- drawing ----------------------------------------------------------------------------------------
    def draw(self, ui: Ui) -> None:
        w, h = ui.size
        ui.surface.fill(ui.c("background"))
        toggle_w = ui.button_width(self.t("lang_en")) + ui.button_width(self.t("lang_zh")) + ui.s("pad")
        right = top_bar(ui, self.t("app_title"), self.t("app_subtitle"), toggle_w)
        lang_toggle(ui, right.right, self.locale)
        pad, gap = ui.s("pad"), ui.s("gap")
        y = ui.s("topbar") + pad
        head = Rect(pad, y, w - 2 * pad, ui.glyph_height(ui.fs("heading"), True))
        ui.layout.panel("picker_head", (head.x, head.y, head.width, head.height + ui.glyph_height(ui.fs("label"))))
        ui.label(self.t("picker_heading"), head.topleft, "picker_head", "heading", True, max_w=head.width)
        ui.label(self.t("picker_hint"), (pad, head.bottom), "picker_head", "label", False, "muted",
                 max_w=head.width)
        y = head.bottom + ui.glyph_height(ui.fs("label")) + gap
        bh = round(ui.s("topbar") * 0.8)
        footer = Rect(pad, h - pad - bh, w - 2 * pad, bh)
        area = Rect(pad, y, w - 2 * pad, footer.top - gap - y)
        ui.layout.panel("picker_list", (area.x, area.y, area.width, area.height))
        if not self.entries:
            ui.label(self.t("no_scenarios"), area.topleft, "picker_list", "body", max_w=area.width)
        cols = 2 if w >= 1200 and len(self.entries) > 1 else 1
        cw = (area.width - (cols - 1) * gap - ui.s("scrollbar") * 2) // cols
        self._cards = []
        with ui.scroll_area(self.scroll, area) as y0:
            heights = [self._card_height(ui, e, cw) for e in self.entries]
            row_h = [max(heights[r * cols:(r + 1) * cols]) for r in range((len(heights) + cols - 1) // cols)]
            yy = y0
            for r, rh in enumerate(row_h):
                for c in range(cols):
                    i = r * cols + c
                    if i >= len(self.entries):
                        break
                    card = Rect(area.x + c * (cw + gap), yy, cw, rh)
                    self._cards.append(card)
                    self._draw_card(ui, i, card)
                yy += rh + gap
            self.scroll.content = yy - y0 - gap if row_h else 0
        ui.layout.siblings.append([f"card{i}" for i in range(len(self.entries))])
        label = self.t("open")
        bw = ui.button_width(label, "Enter")
        ui.layout.panel("picker_footer", (footer.x, footer.y, footer.width, footer.height))
        if self.selected is not None:
            ui.button(Rect(footer.right - bw, footer.y, bw, bh), label, ("open",), "picker_footer", "btn_open",
                      primary=True, key="Enter")

    def _card_lines(self, e: Entry) -> tuple[str, str, str]:
        if e.scenario is None:
            return e.ref, e.error, self.t("scenario_broken")
        info = scenario_card(e.scenario, self.locale)
        chips = [info["industry"], self.t("difficulty_" + info["difficulty"]), self.t("minutes", n=info["minutes"]),
                 " / ".join(self.t("lang_" + x) if x in ("en", "zh") else x for x in info["languages"])]
        if info["accounts"] > 1:
            chips.insert(0, self.t("pipeline_badge", n=info["accounts"]))
        return info["title"], info["summary"], "  ·  ".join(chips)

    def _card_height(self, ui: Ui, e: Entry, cw: int) -> int:
        pad = ui.s("pad")
        inner = cw - 3 * pad - ui.s("icon", 1.6)
        title, summary, chips = self._card_lines(e)
        return (2 * pad + ui.text_height(title, inner, "heading", True) + ui.s("gap", 0.4)
                + ui.text_height(summary, inner, "label") + ui.s("gap", 0.6)
                + ui.text_height(chips, inner, "small", True))

    def _draw_card(self, ui: Ui, i: int, card: Rect) -> None:
        e = self.entries[i]
        name = f"card{i}"
        sel = i == self.selected
        hover = ui.hovered(card)
        broken = e.scenario is None
        ui.panel(name, card, "picker_list", fill="accent_soft" if sel else ("hover" if hover else "panel"),
                 border="accent" if sel else ("bad" if broken else "border"), border_width=3 if sel else 1)
        pad = ui.s("pad")
        badge = ui.s("icon", 1.6)
        b = Rect(card.x + pad, card.y + pad, badge, badge)
        ui.rect(b, "bad" if broken else ("accent" if sel else "topbar"), badge // 2)
        ui.label("!" if broken else str(i + 1), b.center, name, "heading", True, "accent_text", anchor="center")
        x = b.right + pad
        inner = card.right - pad - x
        title, summary, chips = self._card_lines(e)
        y = card.y + pad
        y += ui.block(title, Rect(x, y, inner, card.bottom - y), name, "heading", True) + ui.s("gap", 0.4)
        y += ui.block(summary, Rect(x, y, inner, card.bottom - y), name, "label", False,
                      "bad" if broken else "muted") + ui.s("gap", 0.6)
        ui.block(chips, Rect(x, y, inner, card.bottom - y), name, "small", True, "bad" if broken else "accent")
        if not broken:
            ui.hit(card, ("pick", i))
