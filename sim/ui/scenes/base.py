"""What every screen shares: the scene protocol, key helpers and the top bar."""

from __future__ import annotations

from typing import Any, Protocol

import pygame

from sim.engine.loader import LoadedScenario
from sim.ui.strings import colon, tr
from sim.ui.theme import Theme
from sim.ui.widgets import Rect, Ui

__all__ = [
    "ENTER_KEYS",
    "NUMBER_KEYS",
    "Host",
    "Scene",
    "click_event",
    "key_event",
    "lang_toggle",
    "top_bar",
    "wheel_scroll",
    "wrapped_height",
]

NUMBER_KEYS = {getattr(pygame, f"K_{i}"): i for i in range(1, 10)}
NUMBER_KEYS.update({getattr(pygame, f"K_KP{i}"): i for i in range(1, 10)})
ENTER_KEYS = (pygame.K_RETURN, pygame.K_KP_ENTER)


def key_event(key: int, unicode: str = "") -> pygame.event.Event:
    """A key press as the keyboard would send it (used by autoplay and tests)."""
    return pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=unicode, scancode=0)


def click_event(pos: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)


class Host(Protocol):
    """What a scene may ask of the application that shows it (:class:`sim.ui.app.App`).

    Scenes never import the application: they call these to move between screens, and the
    application decides which scene comes next.
    """

    locale: str
    trainee: str
    theme: Theme
    ui: Ui
    now: float  # seconds since the window opened (animations)

    def set_locale(self, code: str) -> None: ...
    def has_picker(self) -> bool: ...
    def has_picker_source(self) -> bool: ...
    def open_briefing(self, scenario: LoadedScenario) -> None: ...
    def back_to_picker(self) -> None: ...
    def start_game(self, scenario: LoadedScenario) -> None: ...
    def restart(self) -> None: ...
    def show_feedback(self, play: Any, turn: Any) -> None: ...
    def close_feedback(self, scene: Any) -> None: ...
    def replay_from(self, game: Any, number: int) -> None: ...
    def back_to_parent(self) -> None: ...
    def open_menu(self) -> None: ...
    def menu_action(self, menu: Any, action: str) -> None: ...
    def quit(self) -> None: ...


class Scene:
    """One screen. Scenes lay themselves out every frame (immediate mode) and never hold rules."""

    name = "scene"
    opaque = True  # False: an overlay drawn over the scene below it

    def __init__(self, app: Host) -> None:
        self.app = app
        self.frames = 0  # frames drawn while on top (autoplay and screenshots wait on it)

    @property
    def locale(self) -> str:
        return self.app.locale

    def t(self, key: str, **values: Any) -> str:
        return tr(key, self.app.locale, **values)

    def lbl(self, key: str) -> str:
        """A UI string used as a label, followed by the locale's colon."""
        return tr(key, self.app.locale) + colon(self.app.locale)

    def shot_key(self) -> Any:
        """Identifies what this scene shows, so a screenshot is taken once per distinct screen."""
        return self.name

    def shot_name(self) -> str:
        return self.name

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            action = self.app.ui.action_at(event.pos)
            if action is not None:
                self.act(action)
        elif event.type == pygame.MOUSEWHEEL:
            self.wheel(event.y)
        elif event.type == pygame.KEYDOWN:
            self.key(event)
        elif event.type == pygame.TEXTINPUT:
            self.text_input(event.text)

    def act(self, action: Any) -> None:
        """A clicked target's action (registered with ``ui.hit`` while drawing)."""

    def key(self, event: pygame.event.Event) -> None:
        pass

    def text_input(self, text: str) -> None:
        pass

    def wheel(self, dy: int) -> None:
        pass

    def update(self, dt: float) -> None:
        pass

    def draw(self, ui: Ui) -> None:
        """Draw the still frame (it is kept and reused until something changes)."""
        raise NotImplementedError

    def animating(self, now: float) -> bool:
        """Whether :meth:`draw_overlay` has something moving to draw now."""
        return False

    def draw_overlay(self, ui: Ui) -> None:
        """Draw what moves (pulses, a blinking caret) over the kept still frame."""

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        """The input an automatic player would give this screen now (none by default)."""
        return []

    def busy(self) -> bool:
        """Whether the screen waits for work on another thread (a loop without a display then
        sleeps between frames instead of spinning)."""
        return False


def wheel_scroll(ui: Ui, scrolls: list[Any], dy: int) -> None:
    """Scroll whichever area the mouse is over (the first one if it is over none)."""
    step = ui.line_step(ui.fs("body")) * 2
    for sc in scrolls:
        if sc.rect.collidepoint(ui.mouse):
            sc.by(-dy * step)
            return
    if scrolls:
        scrolls[0].by(-dy * step)


def top_bar(ui: Ui, title: str, subtitle: str = "", right_width: int = 0) -> Rect:
    """The dark bar across the top; returns the free rectangle on its right for scene widgets."""
    w, _ = ui.size
    h = ui.s("topbar")
    bar = Rect(0, 0, w, h)
    ui.rect(bar, "topbar")
    ui.layout.panel("topbar", (0, 0, w, h))
    pad = ui.s("pad")
    avail = w - 2 * pad - right_width
    title_w = min(avail, ui.text_width(title, "title", True))
    y = h // 2
    ui.label(title, (pad, y), "topbar", "title", True, "topbar_text", max_w=avail, anchor="midleft")
    if subtitle and avail - title_w > 3 * pad:
        ui.label(subtitle, (pad + title_w + pad, y), "topbar", "label", False, "topbar_muted",
                 max_w=avail - title_w - 2 * pad, anchor="midleft")
    return Rect(w - pad - right_width, 0, right_width, h)


def lang_toggle(ui: Ui, right: int, locale: str) -> int:
    """The English / 中文 switch in the top bar, ending at x=``right``; returns its left edge."""
    h = ui.s("topbar")
    bh = round(h * 0.6)
    pad = ui.s("pad", 0.5)
    x = right
    for code in ("zh", "en"):
        text = tr("lang_" + code, locale)
        bw = ui.text_width(text, "label", True) + 2 * ui.s("pad")
        x -= bw
        r = Rect(x, (h - bh) // 2, bw, bh)
        active = code == locale
        name = f"lang_{code}"
        ui.panel(name, r, "topbar", fill="accent" if active else "topbar", border="topbar_muted", shadow=False,
                 radius=bh // 2)
        ui.label(text, r.center, name, "label", True, "topbar_text", anchor="center")
        ui.hit(r, ("locale", code))
        x -= pad
    return x


def wrapped_height(ui: Ui, items: list[tuple[str, str, bool]], width: int) -> int:
    """Height of a stack of (text, size, bold) blocks drawn with :func:`stack`."""
    gap = ui.s("gap", 0.5)
    return sum(ui.text_height(text, width, size, bold) + gap for text, size, bold in items if text)
