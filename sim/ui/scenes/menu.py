"""The Esc menu (resume, restart, quit), its confirmation before a restart, and the watch-mode
error screen."""

from __future__ import annotations

from typing import Any

import pygame

from sim.ui.scenes.base import ENTER_KEYS, NUMBER_KEYS, Scene, key_event, top_bar, wheel_scroll
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["ConfirmScene", "ErrorScene", "MenuScene"]


class MenuScene(Scene):
    """A pause menu over the current screen; the log already holds every choice made."""

    name = "menu"
    opaque = False

    def __init__(self, app: Any, items: list[tuple[str, str]]) -> None:
        super().__init__(app)
        self.items = items  # (action, string key)
        self.selected = 0

    def shot_key(self) -> Any:
        return ("menu", id(self))

    def choose(self, i: int) -> None:
        if 0 <= i < len(self.items):
            self.app.menu_action(self, self.items[i][0])

    def act(self, action: Any) -> None:
        self.choose(action[1])

    def key(self, event: pygame.event.Event) -> None:
        if event.key == pygame.K_ESCAPE:
            self.app.menu_action(self, "resume")
        elif event.key in NUMBER_KEYS:
            self.choose(NUMBER_KEYS[event.key] - 1)
        elif event.key in ENTER_KEYS:
            self.choose(self.selected)
        elif event.key in (pygame.K_DOWN, pygame.K_UP):
            self.selected = (self.selected + (1 if event.key == pygame.K_DOWN else -1)) % len(self.items)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        return [key_event(pygame.K_ESCAPE)]

    def draw(self, ui: Ui) -> None:
        w, h = ui.size
        ui.alpha_rect(Rect(0, 0, w, h), tuple(ui.theme.colors["overlay"]))
        pad, gap = ui.s("pad"), ui.s("gap")
        bh = round(ui.s("topbar") * 0.85)
        labels = [f"{i + 1}  {self.t(key)}" for i, (_, key) in enumerate(self.items)]
        hint = self.t("menu_hint")
        mw = min(w - 4 * pad, max(round(380 * ui.scale), max(ui.button_width(x, "Esc") for x in labels) + 2 * pad))
        hint_h = ui.text_height(hint, mw - 2 * pad, "small")
        th = ui.glyph_height(ui.fs("title"), True)
        mh = 2 * pad + th + gap + len(labels) * (bh + gap) + hint_h
        modal = Rect((w - mw) // 2, (h - mh) // 2, mw, mh)
        ui.panel("menu", modal)
        ui.label(self.t("menu_title"), (modal.centerx, modal.y + pad), "menu", "title", True, anchor="midtop",
                 max_w=mw - 2 * pad)
        y = modal.y + pad + th + gap
        for i, label in enumerate(labels):
            r = Rect(modal.x + pad, y, mw - 2 * pad, bh)
            ui.button(r, label, ("item", i), "menu", f"menu{i}", primary=i == self.selected,
                      key="Esc" if self.items[i][0] == "resume" else "")
            y += bh + gap
        ui.block(hint, Rect(modal.x + pad, y, mw - 2 * pad, hint_h), "menu", "small", False, "muted", align="center")


class ConfirmScene(Scene):
    """A question with Yes and No over the current screen (restarting asks first: the current game
    ends, though its log is kept). Y or 1 answers yes; N, 2 or Esc answers no; Enter takes the
    highlighted answer, which starts on No."""

    name = "confirm"
    opaque = False

    def __init__(self, app: Any, question: str, action: str) -> None:
        super().__init__(app)
        self.question = question  # string key
        self.action = action  # the menu action a yes performs
        self.selected = 1  # 0: yes, 1: no

    def shot_key(self) -> Any:
        return ("confirm", id(self))

    def answer(self, yes: bool) -> None:
        self.app.menu_action(self, self.action if yes else "resume")

    def act(self, action: Any) -> None:
        if action[0] == "answer":
            self.answer(action[1])

    def key(self, event: pygame.event.Event) -> None:
        if event.key in (pygame.K_y, pygame.K_1, pygame.K_KP1):
            self.answer(True)
        elif event.key in (pygame.K_n, pygame.K_2, pygame.K_KP2, pygame.K_ESCAPE):
            self.answer(False)
        elif event.key in ENTER_KEYS:
            self.answer(self.selected == 0)
        elif event.key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_TAB, pygame.K_UP, pygame.K_DOWN):
            self.selected = 1 - self.selected

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        return [key_event(pygame.K_n)]

    def draw(self, ui: Ui) -> None:
        w, h = ui.size
        ui.alpha_rect(Rect(0, 0, w, h), tuple(ui.theme.colors["overlay"]))
        pad, gap = ui.s("pad"), ui.s("gap")
        bh = round(ui.s("topbar") * 0.85)
        question = self.t(self.question)
        labels = [(self.t("yes"), "Y"), (self.t("no"), "N")]
        bws = [ui.button_width(text, key) for text, key in labels]
        mw = min(w - 4 * pad, max(round(420 * ui.scale), sum(bws) + gap + 2 * pad))
        qh = ui.text_height(question, mw - 2 * pad, "heading", True)
        mh = 2 * pad + qh + gap + bh
        modal = Rect((w - mw) // 2, (h - mh) // 2, mw, mh)
        ui.panel("confirm", modal)
        ui.block(question, Rect(modal.x + pad, modal.y + pad, mw - 2 * pad, qh), "confirm", "heading", True,
                 align="center")
        y = modal.y + pad + qh + gap
        bw = min(max(bws), (mw - 2 * pad - gap) // 2)
        x = modal.centerx - bw - gap // 2
        for i, (text, key) in enumerate(labels):
            ui.button(Rect(x + i * (bw + gap), y, bw, bh), text, ("answer", i == 0), "confirm", f"confirm{i}",
                      primary=i == self.selected, key=key)


class ErrorScene(Scene):
    """Shown instead of crashing when a watched scenario file does not load (``touchpoint check`` style)."""

    name = "error"

    def __init__(self, app: Any, path: str, lines: list[str]) -> None:
        super().__init__(app)
        self.path = path
        self.lines = lines
        self.scroll = Scroll()

    def shot_key(self) -> Any:
        return ("error", tuple(self.lines))

    def key(self, event: pygame.event.Event) -> None:
        if event.key == pygame.K_ESCAPE:
            self.app.open_menu()

    def wheel(self, dy: int) -> None:
        wheel_scroll(self.app.ui, [self.scroll], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        return [pygame.event.Event(pygame.QUIT)]

    def draw(self, ui: Ui) -> None:
        w, h = ui.size
        ui.surface.fill(ui.c("background"))
        top_bar(ui, self.t("app_title"), self.path)
        pad = ui.s("pad")
        r = Rect(pad, ui.s("topbar") + pad, w - 2 * pad, h - ui.s("topbar") - 2 * pad)
        ui.panel("errors", r, fill="panel", border="bad", border_width=2)
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad
        y += ui.block(self.t("error_title"), Rect(x, y, width, r.bottom - y), "errors", "title", True, "bad")
        y += ui.block(self.t("error_hint"), Rect(x, y, width, r.bottom - y), "errors", "body", False, "muted")
        y += ui.s("gap")
        area = Rect(x, y, width, r.bottom - pad - y)
        with ui.scroll_area(self.scroll, area) as y0:
            yy = y0
            for line in self.lines:
                yy += ui.block(line, Rect(x, yy, width - ui.s("scrollbar") * 2, 10_000), "errors", "label", False,
                               "text") + ui.s("gap", 0.5)
            self.scroll.content = yy - y0
