"""Feedback after a choice: the buyer's reaction, what visibly changed, events, and the coach.

It reads the action's ``reaction`` and ``feedback`` texts (the variants the engine chose, from the
trace's Response event), the difference between the signals before and after, and the hidden
numbers the choice moved by at least the scenario's signal threshold (``signals.moves``): each is
called out by its direction ("Wang Fang's trust fell") even when the level shown did not change.
Changes an author marked delayed come to light at the account's next action decision
(``signals.surfaced``): "Since your last meeting: Li Na's trust fell". The exact numbers stay
hidden until the debrief.
"""

from __future__ import annotations

from typing import Any

import pygame

from sim.engine.rules import MOVE_ON
from sim.engine.signals import COMPETITION, MOODS, TRUST, Move
from sim.ui.game import SignalChange, Turn
from sim.ui.scenes.base import ENTER_KEYS, Scene, key_event, wheel_scroll
from sim.ui.scenes.flow import Item, draw_flow
from sim.ui.strings import STRINGS, colon, fmt_days, fmt_money
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
            return self.t("ch_" + ch.kind, name=self.below.who(ch.account, ch.subject), a=a, b=b)
        if ch.kind in ("join", "leave"):
            return self.t("ch_" + ch.kind, name=self.below.who(ch.account, ch.subject))
        if ch.kind == "reveal_person":
            p = self.below.person_view(ch.account, ch.subject, self.turn.after)
            role = self.t("role_" + (p.role or "")) + (f" · {self.t('veto_power')}" if p.veto else "")
            return self.t("ch_reveal_person", name=c.person_name(ch.account, ch.subject), role=role)
        if ch.kind == "reveal_fact":
            f = c.fact(ch.account, ch.subject)
            return self.t("ch_reveal_fact", label=c.text(f.label), value=c.text(f.value))
        if ch.kind == "price" and ch.amounts is not None:
            deal = next(a for a in self.turn.after.accounts if a.id == ch.account).deal
            cur = deal.currency if deal is not None else c.currency(ch.account)
            return self.t("ch_price", a=fmt_money(ch.amounts[0], cur, self.locale),
                          b=fmt_money(ch.amounts[1], cur, self.locale))
        if ch.kind == "term":
            return self.t("ch_term", label=c.term_label(ch.account, ch.subject))
        if ch.kind == "stage":
            return self.t("ch_stage", company=c.company(ch.account), stage=self.t("stage_" + ch.subject))
        if ch.kind in ("milestone", "milestone_lost"):
            return self.t("ch_" + ch.kind, label=c.flag_label(ch.account, ch.subject))
        if ch.kind == "competition":
            return self.t("ch_competition", a=self.t("comp_" + COMPETITION[ch.before or 0]),
                          b=self.t("comp_" + COMPETITION[ch.after or 0]))
        return self.t("ch_" + ch.kind, company=c.company(ch.account))

    def move_text(self, move: Move) -> str:
        """A hidden number the choice moved, called out by its direction (and "sharply" for a move of
        twice the threshold or more), never by its amount."""
        threshold = float(self.below.content.spec.signal_threshold)
        way = "up" if move.delta > 0 else "down"
        big = "_big" if abs(move.delta) >= 2 * threshold else ""
        key = f"mv_{move.var}_{way}{big}"
        below = self.below
        name = (below.who(move.account, move.target) if move.target
                else below.content.company(move.account))
        if key in STRINGS:
            return self.t(key, name=name)
        return self.t(f"mv_other_{way}", name=name, var=move.var)

    @staticmethod
    def move_direction(move: Move) -> int:
        """+1 when the move is good for the seller, -1 when it is bad (the competitor growing is bad)."""
        good = move.delta > 0
        return (1 if good else -1) * (-1 if move.var == "competitor" else 1)

    def rows(self) -> list[tuple[int, str]]:
        """(direction, text) for each delayed change that came to light ("Since your last meeting:
        Li Na's trust fell"), each event, each visible change, and each move called out, in the
        order they matter. A move whose level change is already listed (same person, same number,
        same direction) is not repeated."""
        c = self.below.content
        # first what earlier choices did, felt now at the seller's next meeting with the account
        out = [(self.move_direction(mv), self.t("surfaced", change=self.move_text(mv))) for mv in self.turn.surfaced]
        for ev in self.turn.new_events:  # events next: they often explain the changes below them
            text = c.event_text(ev.account, ev.event)
            if c.pipeline:
                text = c.company(ev.account) + colon(self.locale) + text
            out.append((0, self.t("ch_event", day=fmt_days(ev.t), text=text)))
        out += [(ch.direction, self.change_text(ch)) for ch in self.turn.changes]
        shown = {(ch.account, ch.subject, "satisfaction" if ch.kind == "mood" else ch.kind, ch.direction)
                 for ch in self.turn.changes if ch.kind in ("mood", "trust")}
        for mv in self.turn.moves:
            direction = self.move_direction(mv)
            if (mv.account, mv.target, mv.var, direction) not in shown:
                out.append((direction, self.move_text(mv)))
        return out

    def chosen_label(self) -> str:
        """What the trainee chose, in words: the action; or (a choice that ended the run) the account
        or the touchpoint chosen, or "Move on"."""
        c = self.below.content
        p, choice = self.turn.point, self.turn.choice
        if p.kind == "focus":
            return c.company(choice)
        if p.kind == "agenda":
            return self.t("move_on") if choice == MOVE_ON else c.touchpoint_title(p.account, choice)
        return c.action_label(p.account, p.touchpoint, choice)

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
        head = self.t("you_chose") + (f" · {c.company(p.account)}" if c.pipeline and p.account else "")
        span = self.t("time_passed", a=fmt_days(turn.before.day), b=fmt_days(turn.after.day))
        sw = ui.text_width(span, "label", True)
        ui.label(head, (x, y), "feedback", "label", True, "muted", max_w=width - sw - pad)
        ui.label(span, (x + width, y), "feedback", "label", True, "muted", anchor="topright")
        y += ui.glyph_height(ui.fs("label"), True)
        y += ui.block(self.chosen_label(), Rect(x, y, width, modal.bottom - y), "feedback", "title", True) + gap
        bh = round(ui.s("topbar") * 0.75)
        area = Rect(x, y, width, modal.bottom - pad - bh - gap - y)
        pygame.draw.line(ui.surface, ui.c("border"), (modal.x + pad, y - gap // 2), (modal.right - pad, y - gap // 2))
        items: list[Item] = []
        reaction, feedback = self.texts()
        if reaction:
            items += [Item("heading", self.t("reaction")), Item("quote", reaction), Item("gap")]
        items.append(Item("heading", self.t("changes")))
        rows = self.rows()
        if not rows:
            items.append(Item("muted", self.t("no_changes")))
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

    def texts(self) -> tuple[str, str]:
        """The buyer's reaction and the coach's feedback: the variants the engine chose for this choice."""
        c = self.below.content
        p = self.turn.point
        if p.kind != "action":
            return "", ""
        action = c.action(p.account, p.touchpoint, self.turn.choice)
        resp = self.turn.response
        reaction_i, feedback_i = (resp.reaction, resp.feedback) if resp is not None else (0, 0)
        return c.varied(action.reaction, reaction_i), c.varied(action.feedback, feedback_i)

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

