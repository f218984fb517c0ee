"""Feedback after a choice: the buyer's reaction, what visibly changed, events, and the coach.

It reads the action's ``reaction`` and ``feedback`` texts and the difference between the signals
before and after (``Game.choose`` returns them); it says nothing the trainee could not observe.
"""

from __future__ import annotations

from typing import Any

import pygame

from sim.engine.signals import COMPETITION, MOODS, TRUST
from sim.ui.game import SignalChange, Turn
from sim.ui.scenes.base import ENTER_KEYS, Scene, key_event, wheel_scroll
from sim.ui.scenes.flow import Item, draw_flow
from sim.ui.strings import colon, fmt_days
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["FeedbackScene"]


class FeedbackScene(Scene):
    name = "feedback"
    opaque = False

    def __init__(self, app: Any, below: Any, turn: Turn) -> None:
        super().__init__(app)
        self.below = below
        self.turn = turn
        self.scroll = Scroll()

    def shot_key(self) -> Any:
        return ("feedback", self.turn.point.number)

    def shot_name(self) -> str:
        return f"feedback-{self.turn.point.number:02d}"

    def change_text(self, ch: SignalChange) -> str:
        c = self.below.content
        if ch.kind in ("mood", "trust"):
            names = MOODS if ch.kind == "mood" else TRUST
            a = self.t(f"{ch.kind}_{names[ch.before or 0]}")
            b = self.t(f"{ch.kind}_{names[ch.after or 0]}")
            return self.t("ch_" + ch.kind, name=c.person_name(ch.account, ch.subject), a=a, b=b)
        if ch.kind in ("join", "leave"):
            return self.t("ch_" + ch.kind, name=c.person_name(ch.account, ch.subject))
        if ch.kind == "stage":
            return self.t("ch_stage", company=c.company(ch.account), stage=self.t("stage_" + ch.subject))
        if ch.kind in ("milestone", "milestone_lost"):
            return self.t("ch_" + ch.kind, label=c.flag_label(ch.account, ch.subject))
        if ch.kind == "competition":
            return self.t("ch_competition", a=self.t("comp_" + COMPETITION[ch.before or 0]),
                          b=self.t("comp_" + COMPETITION[ch.after or 0]))
        return self.t("ch_" + ch.kind, company=c.company(ch.account))

    def rows(self) -> list[tuple[int, str]]:
        """(direction, text) for each change and each event, in the order they matter."""
        c = self.below.content
        out = []
        for ev in self.turn.new_events:  # events first: they often explain the changes below them
            text = c.event_text(ev.account, ev.event)
            if c.pipeline:
                text = c.company(ev.account) + colon(self.locale) + text
            out.append((0, self.t("ch_event", day=fmt_days(ev.t), text=text)))
        return out + [(ch.direction, self.change_text(ch)) for ch in self.turn.changes]

    # --- input ----------------------------------------------------------------------------------------
    def done(self) -> None:
        self.app.close_feedback(self)

    def act(self, action: Any) -> None:
        if action[0] == "continue":
            self.done()

    def key(self, event: pygame.event.Event) -> None:
        if event.key in ENTER_KEYS or event.key == pygame.K_SPACE:
            self.done()
        elif event.key == pygame.K_ESCAPE:
            self.app.open_menu()
        elif event.key in (pygame.K_DOWN, pygame.K_PAGEDOWN):
            self.scroll.by(self.scroll.rect.height // 2)
        elif event.key in (pygame.K_UP, pygame.K_PAGEUP):
            self.scroll.by(-self.scroll.rect.height // 2)

    def wheel(self, dy: int) -> None:
        wheel_scroll(self.app.ui, [self.scroll], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        return [key_event(pygame.K_RETURN)]

    # --- drawing ----------------------------------------------------------------------------------------
    def draw(self, ui: Ui) -> None:
        c = self.below.content
        turn = self.turn
        p = turn.point
        w, h = ui.size
        ui.alpha_rect(Rect(0, 0, w, h), tuple(ui.theme.colors["overlay"]))
        pad, gap = ui.s("pad"), ui.s("gap")
        mw = min(w - 4 * pad, round(920 * ui.scale))
        mh = h - 4 * pad
        modal = Rect((w - mw) // 2, (h - mh) // 2, mw, mh)
        ui.panel("feedback", modal)
        x, width = modal.x + 2 * pad, modal.width - 4 * pad
        y = modal.y + pad
        action = c.action(p.account, p.touchpoint, turn.choice)
        head = self.t("you_chose") + (f" · {c.company(p.account)}" if c.pipeline else "")
        span = self.t("time_passed", a=fmt_days(turn.before.day), b=fmt_days(turn.after.day))
        sw = ui.text_width(span, "label", True)
        ui.label(head, (x, y), "feedback", "label", True, "muted", max_w=width - sw - pad)
        ui.label(span, (x + width, y), "feedback", "label", True, "muted", anchor="topright")
        y += ui.glyph_height(ui.fs("label"), True)
        y += ui.block(c.text(action.label), Rect(x, y, width, modal.bottom - y), "feedback", "title", True) + gap
        bh = round(ui.s("topbar") * 0.75)
        area = Rect(x, y, width, modal.bottom - pad - bh - gap - y)
        pygame.draw.line(ui.surface, ui.c("border"), (modal.x + pad, y - gap // 2), (modal.right - pad, y - gap // 2))
        items: list[Item] = []
        reaction = c.text(action.reaction)
        if reaction:
            items += [Item("heading", self.t("reaction")), Item("quote", reaction), Item("gap")]
        items.append(Item("heading", self.t("changes")))
        rows = self.rows()
        if not rows:
            items.append(Item("muted", self.t("no_changes")))
        feedback = c.text(action.feedback)
        coach = [Item("gap"), Item("heading", self.t("coach")), Item("quote", feedback, "good")] if feedback else []
        with ui.scroll_area(self.scroll, area) as y0:
            inner = width - ui.s("scrollbar") * 2
            yy = draw_flow(ui, items, x, y0, inner, "feedback")
            for direction, text in rows:
                yy = self._row(ui, x, yy, inner, direction, text)
            yy = draw_flow(ui, coach, x, yy, inner, "feedback")
            self.scroll.content = yy - y0
        label = self.t("continue")
        bw = ui.button_width(label, "Enter")
        ui.button(Rect(modal.right - 2 * pad - bw, modal.bottom - pad - bh, bw, bh), label, ("continue",), "feedback",
                  "btn_continue", primary=True, key="Enter")

    def _row(self, ui: Ui, x: int, y: int, width: int, direction: int, text: str) -> int:
        """One change: an arrow (▲ better, ▼ worse, ● neutral) and words; the words carry the meaning."""
        px = ui.fs("body")
        icon = ui.fs("body")
        gh = ui.glyph_height(px)
        cy = y + gh // 2
        if direction > 0:
            ui.arrow((x + icon // 2, cy), icon // 2 + 2, True, "good")
        elif direction < 0:
            ui.arrow((x + icon // 2, cy), icon // 2 + 2, False, "bad")
        else:
            pygame.draw.circle(ui.surface, ui.c("warn"), (x + icon // 2, cy), max(3, icon // 4))
        tx = x + icon + ui.s("pad", 0.6)
        hgt = ui.block(text, Rect(tx, y, width - (tx - x), 10_000), "feedback", "body", False, "text")
        return y + hgt + ui.s("gap", 0.5)

