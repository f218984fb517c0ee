"""The play screen: roadmap, calendar, stakeholders' signals, the touchpoint, action cards, feed.

Everything shown comes from the engine's decision point, ``session.observe()`` and the scenario's
texts; the choice goes through ``Game.choose`` (``session.choose``). The author's recommendation is
never shown here. Signals that changed since the last decision animate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from sim.engine.decisions import DecisionPoint
from sim.engine.signals import COMPETITION, MOODS, TRUST, AccountView, View
from sim.lang.schema import STAGES
from sim.ui.content import Content
from sim.ui.game import Game, diff_views
from sim.ui.scenes.base import ENTER_KEYS, NUMBER_KEYS, Scene, click_event, key_event, top_bar, wheel_scroll
from sim.ui.strings import fmt_days
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["PlayScene", "Pulse", "cost_text", "draw_roadmap", "mix"]


@dataclass
class Pulse:
    """Something that changed, highlighted for a moment over the still frame."""

    start: float
    rect: Rect
    clip: Rect | None
    color: str
    arrows: list[tuple[tuple[int, int], int]]  # (position, change: + up, - down)
    arrow_size: int


def mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    """Blend two colours (t=0: a, t=1: b)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a[:3], b[:3], strict=True))


def cost_text(scene: Scene, days: float) -> str:
    if days <= 0:
        return scene.t("no_time")
    if abs(days - 1) < 1e-9:
        return scene.t("day_cost_one")
    return scene.t("days_cost", n=fmt_days(days))


def draw_roadmap(ui: Ui, scene: Scene, rect: Rect, used: list[str], current: str, status: str,
                 parent: str = "") -> None:
    """The five roadmap stages as chevrons, with where this buyer is now (words, not only colour)."""
    ui.layout.panel("roadmap", (rect.x, rect.y, rect.width, rect.height), parent)
    n = len(STAGES)
    gap = max(2, ui.s("gap", 0.4))
    seg = (rect.width - gap * (n - 1)) / n
    tip = max(6, round(rect.height * 0.22))
    cur = STAGES.index(current) if current in STAGES else -1
    names = []
    for i, key in enumerate(STAGES):
        x = rect.x + round(i * (seg + gap))
        w = round(seg)
        box = Rect(x, rect.y, w, rect.height)
        pts = [(x, rect.y), (x + w - tip, rect.y), (x + w, rect.centery), (x + w - tip, rect.bottom), (x, rect.bottom)]
        if i > 0:
            pts.append((x + tip, rect.centery))
        color = ui.theme.stage_color(i)
        if key not in used:
            fill, fg, sub_fg, sub = ui.c("background"), "faint", "faint", scene.t("stage_skipped")
        elif i == cur:
            fill, fg, sub_fg = color, "accent_text", "accent_text"
            sub = (scene.t("status_" + status) if status != "open" and key != "after_sales"
                   else scene.t("buyer_here"))
        elif i < cur:
            fill, fg, sub_fg, sub = mix(color, (255, 255, 255), 0.8), "text", "muted", scene.t("stage_done")
        else:
            fill, fg, sub_fg, sub = ui.c("panel"), "text", "muted", ""
        pygame.draw.polygon(ui.surface, fill, pts)
        pygame.draw.polygon(ui.surface, color if key in used else ui.c("border"), pts,
                            max(1, round(ui.scale * (2 if i == cur else 1))))
        name = f"stage{i}"
        names.append(name)
        ui.layout.panel(name, (box.x, box.y, box.width, box.height), "roadmap")
        left = x + (tip if i > 0 else 0) + ui.s("pad", 0.6)
        inner = max(10, x + w - tip - ui.s("pad", 0.4) - left)
        if i < cur and key in used:
            cs = ui.fs("small")
            cy = rect.y + rect.height // 2 + ui.glyph_height(cs) // 2
            ui.check((left + cs // 2, cy), cs, ui.theme.stage_color(i))
        lh = ui.glyph_height(ui.fs("label"), True)
        sh = ui.glyph_height(ui.fs("small"))
        top = rect.y + (rect.height - lh - (sh if sub else 0)) // 2
        ui.label(f"{i + 1}  {scene.t('stage_' + key)}", (left, top), name, "label", True, fg, max_w=inner)
        if sub:
            off = ui.fs("small") + 4 if (i < cur and key in used) else 0
            ui.label(sub, (left + off, top + lh), name, "small", i == cur, sub_fg, max_w=inner - off)
    ui.layout.siblings.append(names)


class PlayScene(Scene):
    name = "play"

    def __init__(self, app: Any, game: Game) -> None:
        super().__init__(app)
        self.game = game
        self.point: DecisionPoint | None = None
        self.view: View = game.view
        self.selected: int | None = None
        self.viewing: str = ""  # account shown in the side panels (pipeline: can be switched)
        self.anims: dict[tuple[str, str], tuple[float, int, int]] = {}  # (account, person) -> start, dmood, dtrust
        self.new_feed_from = len(game.view.feed)
        self.feed_anim = -100.0
        self.situation = Scroll()
        self.actions = Scroll()
        self.people = Scroll()
        self.side = Scroll()
        self._content: Content | None = None
        self._cards: list[Rect] = []
        self._pulses: list[Pulse] = []
        self.sync()

    # --- state ------------------------------------------------------------------------------------------
    @property
    def content(self) -> Content:
        if self._content is None or self._content.locale != self.locale:
            self._content = Content(self.game.scenario, self.locale)
        return self._content

    def sync(self) -> None:
        """Show the game's current decision; animate the signals that changed since the last one."""
        point = self.game.point
        if not isinstance(point, DecisionPoint) or (self.point is not None and point.number == self.point.number):
            return
        now = self.app.now
        for ch in diff_views(self.view, self.game.view):
            if ch.kind in ("mood", "trust", "join"):
                key = (ch.account, ch.subject)
                _, dm, dt = self.anims.get(key, (now, 0, 0))
                delta = (ch.after or 0) - (ch.before or 0)
                self.anims[key] = (now, delta if ch.kind == "mood" else dm, delta if ch.kind == "trust" else dt)
        if len(self.game.view.feed) > len(self.view.feed):
            self.feed_anim = now
            self.new_feed_from = len(self.view.feed)
        self.view = self.game.view
        self.point = point
        self.selected = None
        self.situation.reset()
        self.actions.reset()
        self.side.reset()
        self.viewing = point.account or point.options[0].id
        self.game.mark_shown()

    def update(self, dt: float) -> None:
        self.sync()

    def shot_key(self) -> Any:
        return ("play", self.point.number if self.point else 0)

    def shot_name(self) -> str:
        p = self.point
        if p is None:
            return "play"
        return f"play-{p.number:02d}" + ("-focus" if p.kind == "focus" else "")

    def account_view(self, account: str) -> AccountView:
        return next(a for a in self.view.accounts if a.id == account)

    # --- input ----------------------------------------------------------------------------------------
    def select(self, i: int) -> None:
        if self.point is not None and 0 <= i < len(self.point.options):
            self.selected = i
            if self.point.kind == "focus":
                self.viewing = self.point.options[i].id
            if i < len(self._cards):
                card, view = self._cards[i], self.actions.rect
                if card.top < view.top:
                    self.actions.by(card.top - view.top)
                elif card.bottom > view.bottom:
                    self.actions.by(card.bottom - view.bottom)

    def confirm(self) -> None:
        point = self.point
        if point is None or self.selected is None or self.game.finished:
            return
        option = point.options[self.selected]
        turn = self.game.choose(option.id)
        if point.kind == "focus" and not self.game.finished:
            self.sync()
            return
        self.app.show_feedback(self, turn)

    def act(self, action: Any) -> None:
        kind = action[0]
        if kind == "option":
            if self.selected == action[1]:
                self.confirm()
            else:
                self.select(action[1])
        elif kind == "confirm":
            self.confirm()
        elif kind == "menu":
            self.app.open_menu()
        elif kind == "account":
            self.viewing = action[1]

    def key(self, event: pygame.event.Event) -> None:
        n = len(self.point.options) if self.point else 0
        if event.key in NUMBER_KEYS:
            self.select(NUMBER_KEYS[event.key] - 1)
        elif event.key in ENTER_KEYS:
            self.confirm()
        elif event.key == pygame.K_ESCAPE:
            self.app.open_menu()
        elif event.key in (pygame.K_DOWN, pygame.K_UP) and n:
            step = 1 if event.key == pygame.K_DOWN else -1
            self.select(((self.selected if self.selected is not None else -1 if step > 0 else n) + step) % n)
        elif event.key == pygame.K_PAGEDOWN:
            self.situation.by(self.situation.rect.height // 2)
        elif event.key == pygame.K_PAGEUP:
            self.situation.by(-self.situation.rect.height // 2)

    def wheel(self, dy: int) -> None:
        wheel_scroll(self.app.ui, [self.actions, self.situation, self.people, self.side], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        point = self.point
        if point is None:
            return []
        if driver.wants_menu():
            return [key_event(pygame.K_ESCAPE)]
        choice = driver.choose(point, self.game.session)
        i = next(k for k, o in enumerate(point.options) if o.id == choice)
        if i < 9 and not driver.use_mouse(point):
            return [key_event(pygame.K_1 + i), key_event(pygame.K_RETURN)]
        for rect, action in self.app.ui.hits:
            if action == ("option", i):
                return [click_event(rect.center), click_event(rect.center)]
        return [key_event(pygame.K_1 + i), key_event(pygame.K_RETURN)]

    # --- drawing ----------------------------------------------------------------------------------------
    def animating(self, now: float) -> bool:
        seconds = self.app.theme.animation["signal_seconds"]
        return any(now - p.start < seconds for p in self._pulses)

    def draw_overlay(self, ui: Ui) -> None:
        """Signals that just changed pulse (and show an arrow up or down) for a moment."""
        seconds = ui.theme.animation["signal_seconds"]
        for p in self._pulses:
            k = ui.pulse(p.start, seconds)
            if not k:
                continue
            with ui.clip(p.clip or Rect((0, 0), ui.size)):
                color = ui.c(p.color)
                ui.alpha_rect(p.rect, (*color[:3], round(60 * k)), 4)
                ui.rect(p.rect, p.color, 4, 1 + round(2 * k))
                for pos, delta in p.arrows:
                    ui.arrow(pos, p.arrow_size, delta > 0, "good" if delta > 0 else "bad")

    def draw(self, ui: Ui) -> None:
        point = self.point
        self._pulses = []
        if point is None:
            return
        c = self.content
        w, h = ui.size
        pad, gap = ui.s("pad"), ui.s("gap")
        ui.surface.fill(ui.c("background"))
        acc = self.account_view(self.viewing)
        menu_label = self.t("menu")
        menu_w = ui.button_width(menu_label, "Esc")
        day_text = self.t("day", day=fmt_days(self.view.day))
        left_text = self.t("days_left", n=fmt_days(acc.days_left)) if not acc.finished else self.t(
            "status_" + acc.status)
        cal_w = ui.text_width(day_text, "heading", True) + ui.text_width(left_text, "label", True) + 3 * pad
        right = top_bar(ui, c.title, "", cal_w + menu_w + pad)
        bh = round(ui.s("topbar") * 0.62)
        ui.button(Rect(right.right - menu_w, (right.height - bh) // 2, menu_w, bh), menu_label, ("menu",), "topbar",
                  "btn_menu", key="Esc")
        self._calendar(ui, Rect(right.x, 0, cal_w, right.height), day_text, left_text, acc)
        y = ui.s("topbar") + pad
        spec = c.account(acc.id)
        road = Rect(pad, y, w - 2 * pad, ui.s("roadmap"))
        draw_roadmap(ui, self, road, list(spec.stages), acc.stage, acc.status)
        y = road.bottom + gap
        if c.pipeline:
            strip = Rect(pad, y, w - 2 * pad, ui.s("accounts_strip"))
            self._accounts_strip(ui, strip, point)
            y = strip.bottom + gap
        body = Rect(pad, y, w - 2 * pad, h - y - pad)
        if w >= 1200:
            lw = round(body.width * 0.24)
            rw = round(body.width * 0.22)
            people = Rect(body.x, body.y, lw, body.height)
            side = Rect(body.right - rw, body.y, rw, body.height)
            centre = Rect(people.right + gap, body.y, side.x - gap - people.right - gap, body.height)
        else:
            lw = round(body.width * 0.35)
            ph = round(body.height * 0.56)
            people = Rect(body.x, body.y, lw, ph)
            side = Rect(body.x, people.bottom + gap, lw, body.height - ph - gap)
            centre = Rect(people.right + gap, body.y, body.right - people.right - gap, body.height)
        ui.layout.siblings.append(["people", "side", "centre", "roadmap", "accounts"])
        self._people(ui, people, acc)
        self._side(ui, side, acc)
        self._centre(ui, centre, point)

    def _calendar(self, ui: Ui, r: Rect, day_text: str, left_text: str, acc: AccountView) -> None:
        ui.layout.panel("calendar", (r.x, r.y, r.width, r.height), "topbar")
        x = r.x + ui.s("pad")
        ui.label(day_text, (x, r.centery), "calendar", "heading", True, "topbar_text", anchor="midleft")
        x += ui.text_width(day_text, "heading", True) + ui.s("pad")
        urgent = not acc.finished and acc.days_left <= 10
        ui.label(left_text, (x, r.centery), "calendar", "label", True, "warn_soft" if urgent else "topbar_muted",
                 anchor="midleft")

    def _accounts_strip(self, ui: Ui, strip: Rect, point: DecisionPoint) -> None:
        c = self.content
        ui.layout.panel("accounts", (strip.x, strip.y, strip.width, strip.height))
        n = len(self.view.accounts)
        gap = ui.s("gap", 0.6)
        cw = (strip.width - gap * (n - 1)) // max(1, n)
        names = []
        for i, a in enumerate(self.view.accounts):
            r = Rect(strip.x + i * (cw + gap), strip.y, cw, strip.height)
            name = f"account{i}"
            names.append(name)
            active = a.id == point.account or (point.kind == "focus" and point.option(a.id) is not None)
            viewing = a.id == self.viewing
            ui.panel(name, r, "accounts", fill="accent_soft" if viewing else "panel",
                     border="accent" if viewing else "border", border_width=2 if viewing else 1, shadow=False)
            pad = ui.s("pad", 0.6)
            inner = r.width - 2 * pad
            ui.label(c.company(a.id), (r.x + pad, r.y + pad // 2), name, "label", True, max_w=inner)
            if a.status == "open":
                stage = self.t("stage_" + a.stage) if a.stage else ""
                sub = f"{stage} · {self.t('days_left', n=fmt_days(a.days_left))}"
            else:
                sub = self.t("status_" + a.status)
            color = "good" if a.status == "won" else "bad" if a.status == "lost" else ("accent" if active else "muted")
            ui.label(sub, (r.x + pad, r.y + pad // 2 + ui.glyph_height(ui.fs("label"), True)), name, "small",
                     active, color, max_w=inner)
            ui.hit(r, ("account", a.id))
        ui.layout.siblings.append(names)

    def _people(self, ui: Ui, rect: Rect, acc: AccountView) -> None:
        c = self.content
        ui.panel("people", rect)
        pad = ui.s("pad")
        title = self.t("stakeholders") + (f" · {c.company(acc.id)}" if c.pipeline else "")
        th = min(ui.text_height(title, rect.width - 2 * pad, "heading", True), rect.height // 3)
        ui.block(title, Rect(rect.x + pad, rect.y + pad // 2, rect.width - 2 * pad, th), "people", "heading", True,
                 "accent")
        top = rect.y + pad // 2 + th + pad // 2
        area = Rect(rect.x + pad // 2, top, rect.width - pad, rect.bottom - top - pad // 2)
        present = [p for p in acc.people if p.present]
        gap = ui.s("gap", 0.6)
        with ui.scroll_area(self.people, area) as y0:
            y = y0
            for p in present:
                cw = area.width - ui.s("scrollbar") - 2
                ch = self._person_card(ui, Rect(area.x, y, cw, 0), acc.id, p, measure=True)
                self._person_card(ui, Rect(area.x, y, cw, ch), acc.id, p)
                y += ch + gap
            self.people.content = y - y0 - gap

    def _person_card(self, ui: Ui, r: Rect, account: str, p: Any, measure: bool = False) -> int:
        c = self.content
        pad = ui.s("pad", 0.7)
        lh = ui.glyph_height(ui.fs("body"), True)
        sh = ui.glyph_height(ui.fs("small"))
        radius = ui.s("icon")
        x = r.x + 2 * pad + 2 * radius
        inner = r.right - pad - x
        title = c.person_title(account, p.id)
        infl = self.t("influence_word", level=self.t("influence_" + p.influence))
        role = self.t("role_" + p.role)
        person = c.person_name(account, p.id)
        role_w = ui.text_width(role, "small", True)
        role_inline = ui.text_width(person, "body", True) + pad + role_w <= inner
        sub = " · ".join(x for x in ([] if role_inline else [role]) + [title, infl] if x)
        sub_h = ui.text_height(sub, inner, "small")
        height = 2 * pad + lh + sub_h + 2 * sh
        if measure:
            return height
        name = f"person_{account}_{p.id}"
        start, dmood, dtrust = self.anims.get((account, p.id), (-100.0, 0, 0))
        ui.panel(name, r, "people", fill="panel_alt", border="border", shadow=False)
        ui.face((r.x + pad + radius, r.y + pad + radius), radius, p.mood)
        y = r.y + pad
        ui.label(person, (x, y), name, "body", True, max_w=inner - (role_w + pad if role_inline else 0))
        if role_inline:
            ui.label(role, (r.right - pad, y + (lh - sh) // 2), name, "small", True, "accent", anchor="topright")
        y += lh
        ui.block(sub, Rect(x, y, inner, sub_h), name, "small", False, "muted")
        y += sub_h
        mood = f"{self.lbl('mood')}{self.t('mood_' + MOODS[p.mood])}"
        mw = ui.label(mood, (x, y), name, "small", True, ui.theme.mood_color(p.mood), max_w=inner - sh).right
        arrows = [((mw + sh // 2 + 2, y + sh // 2), dmood)] if dmood else []
        y += sh
        tl = self.lbl("trust").rstrip()
        tw = ui.label(tl, (x, y), name, "small", True, "text").right + pad // 2
        mw = max(20, min(round(inner * 0.35), ui.s("icon") * 4))
        ui.meter(Rect(tw, y + sh // 3, mw, max(4, sh // 3)), p.trust)
        word = self.t("trust_" + TRUST[p.trust])
        wr = ui.label(word, (tw + mw + pad // 2, y), name, "small", False, "text",
                      max_w=max(10, r.right - pad - (tw + mw + pad // 2) - sh))
        if dtrust:
            arrows.append(((wr.right + sh // 2 + 2, y + sh // 2), dtrust))
        if start > 0:
            self._pulses.append(Pulse(start, Rect(r), ui.current_clip(), "accent", arrows, sh // 2 + 2))
        return height

    def _side(self, ui: Ui, rect: Rect, acc: AccountView) -> None:
        c = self.content
        ui.panel("side", rect)
        pad = ui.s("pad")
        area = Rect(rect.x + pad, rect.y + pad // 2, rect.width - 2 * pad, rect.height - pad)
        with ui.scroll_area(self.side, area) as y0:
            width = area.width - ui.s("scrollbar") * 2
            y = y0
            ui.label(self.t("signals"), (area.x, y), "side", "heading", True, "accent", max_w=width)
            y += ui.glyph_height(ui.fs("heading"), True)
            sh = ui.glyph_height(ui.fs("label"))
            comp_word = (self.t("comp_" + COMPETITION[acc.competition]) if acc.competition is not None
                         else self.t("no_competitor"))
            label = self.lbl("competition").rstrip()
            lx = ui.label(label, (area.x, y), "side", "label", True).right + pad // 2
            if acc.competition is not None:
                ui.meter(Rect(lx, y + sh // 3, ui.s("icon") * 2, max(4, sh // 3)), acc.competition, 3, "warn")
                lx += ui.s("icon") * 2 + pad // 2
            ui.label(comp_word, (lx, y), "side", "label", False, "text", max_w=max(10, area.x + width - lx))
            y += sh
            name = c.competitor_name(acc.id)
            if name:
                y += ui.block(name, Rect(area.x, y, width, 10_000), "side", "small", False, "muted")
            spec = c.account(acc.id)
            dl = self.t("deadline", day=fmt_days(self.view.day + acc.days_left)) + (
                f" · {c.text(spec.deadline_label)}" if spec.deadline_label else "")
            y += ui.s("gap", 0.5)
            y += ui.block(dl, Rect(area.x, y, width, 10_000), "side", "small", False, "muted")
            y += ui.s("gap")
            ui.label(self.t("milestones"), (area.x, y), "side", "label", True, max_w=width)
            y += sh
            if not acc.milestones:
                y += ui.block(self.t("no_milestones"), Rect(area.x, y, width, 10_000), "side", "label", False, "muted")
            for flag in acc.milestones:
                cs = ui.fs("label")
                ui.check((area.x + cs // 2, y + ui.glyph_height(cs) // 2), cs, "good")
                box = Rect(area.x + cs + pad // 2, y, width - cs - pad // 2, 10_000)
                y += ui.block(c.flag_label(acc.id, flag), box, "side", "label", False, "text")
                y += ui.s("gap", 0.3)
            y += ui.s("gap") * 2
            ui.label(self.t("feed"), (area.x, y), "side", "heading", True, "accent", max_w=width)
            y += ui.glyph_height(ui.fs("heading"), True)
            feed = list(enumerate(self.view.feed))
            if not feed:
                y += ui.block(self.t("feed_empty"), Rect(area.x, y, width, 10_000), "side", "label", False, "muted")
            for i, ev in reversed(feed):
                text = c.event_text(ev.account, ev.event)
                head = self.t("day", day=fmt_days(ev.t)) + (f" · {c.company(ev.account)}" if c.pipeline else "")
                h1 = ui.text_height(head, width - pad, "small", True)
                th = ui.text_height(text, width - pad, "label")
                box = Rect(area.x, y, width, h1 + th + pad // 2)
                if i >= self.new_feed_from and self.feed_anim > 0:
                    self._pulses.append(Pulse(self.feed_anim, Rect(box), ui.current_clip(), "warn", [], 0))
                ui.rect(Rect(area.x, y, 3, box.height), "warn", 1)
                ui.block(head, Rect(area.x + pad // 2, y, width - pad, h1), "side", "small", True, "warn")
                ui.block(text, Rect(area.x + pad // 2, y + h1, width - pad, 10_000), "side", "label", False, "text")
                y += box.height + ui.s("gap")
            self.side.content = y - y0

    def _decision_texts(self, point: DecisionPoint) -> tuple[str, str, str, str, str, str]:
        """The header's texts: stage label, touchpoint number, title, attendees, stage goal and situation."""
        c = self.content
        if point.kind == "focus":
            stage_label, number = self.t("accounts"), ""
            title = self.t("focus_title")
            withs = ""
            goal = ""
            situation = self.t("focus_situation")
        else:
            tp = c.touchpoint(point.account, point.touchpoint)
            stage_label = self.t("stage_" + point.stage)
            number = self.t("touchpoint", n=point.number)
            title = c.text(tp.title)
            zh = self.locale == "zh"
            names = []
            for pid in tp.with_:
                title = c.person_title(point.account, pid)
                bracket = (f"（{title}）" if zh else f" ({title})") if title else ""
                names.append(c.person_name(point.account, pid) + bracket)
            withs = self.t("with", names=("、" if zh else ", ").join(names)) if names else ""
            if c.pipeline:
                withs = f"{c.company(point.account)} · {withs}" if withs else c.company(point.account)
            st = c.stage_spec(point.account, point.stage)
            goal = self.t("stage_goal", goal=c.text(st.goal)) if st is not None and st.goal else ""
            situation = c.text(tp.situation)
        return stage_label, number, title, withs, goal, situation

    def _stage_chip(self, ui: Ui, pos: tuple[int, int], width: int, point: DecisionPoint, stage_label: str,
                    number: str) -> Rect:
        """The stage chip in the stage's colour at ``pos``, the touchpoint number beside it; returns the chip."""
        pad = ui.s("pad")
        x, y = pos
        chip_px = ui.fs("small")
        chip_w = min(width // 2, ui.text_width(stage_label, chip_px, True) + pad)
        chip = Rect(x, y, chip_w, ui.glyph_height(chip_px, True) + 4)
        idx = STAGES.index(point.stage) if point.stage in STAGES else 0
        ui.panel("stage_chip", chip, "centre", fill=ui.theme.stage_color(idx) if point.kind != "focus" else "accent",
                 border=None, shadow=False, radius=chip.height // 2)
        ui.label(stage_label, chip.center, "stage_chip", chip_px, True, "accent_text", max_w=chip.width - pad // 2,
                 anchor="center")
        if number:
            ui.label(number, (chip.right + pad // 2, chip.centery), "centre", "small", False, "muted",
                     max_w=width - chip_w - pad, anchor="midleft")
        return chip

    def _centre(self, ui: Ui, rect: Rect, point: DecisionPoint) -> None:
        """The decision in the middle: its header and situation, then the action cards under "your move"."""
        ui.panel("centre", rect)
        pad, gap = ui.s("pad"), ui.s("gap")
        x, width = rect.x + pad, rect.width - 2 * pad
        stage_label, number, title, withs, goal, situation = self._decision_texts(point)
        chip = self._stage_chip(ui, (x, rect.y + pad), width, point, stage_label, number)
        y = chip.bottom + gap // 2
        y += ui.block(title, Rect(x, y, width, rect.bottom - y), "centre", "title", True) + gap // 2
        if withs:
            y += ui.block(withs, Rect(x, y, width, rect.bottom - y), "centre", "label", False, "muted")
        if goal:
            y += ui.block(goal, Rect(x, y, width, rect.bottom - y), "centre", "small", False, "muted")
        y += gap // 2
        # the actions get the room they need once the situation has its first lines; both scroll
        bh = round(ui.s("topbar") * 0.62)
        ask_h = max(ui.glyph_height(ui.fs("heading"), True), bh) + gap // 2
        avail = rect.bottom - pad - y - ask_h - gap
        cards_w = width - ui.s("scrollbar") * 2
        sit_need = ui.text_height(situation, cards_w, "body") + gap // 2
        heights = [self._option_card(ui, Rect(x, 0, cards_w, 0), point, i, measure=True)
                   for i in range(len(point.options))]
        act_need = sum(heights) + gap // 2 * (len(heights) - 1)
        sit_min = min(sit_need, max(ui.line_step(ui.fs("body")) * 3, round(avail * 0.35)))
        act_h = max(0, min(act_need, avail - sit_min))
        sit = Rect(x, y, width, max(0, avail - act_h))
        with ui.scroll_area(self.situation, sit) as y0:
            self.situation.content = ui.block(situation, Rect(x, y0, cards_w, 10_000), "centre", "body")
        y = sit.bottom + gap
        pygame.draw.line(ui.surface, ui.c("border"), (x, y - gap // 2), (x + width, y - gap // 2))
        ask = self.t("your_move")
        ask_w = ui.text_width(ask, "heading", True)
        row_mid = y + (ask_h - gap // 2) // 2
        ui.label(ask, (x, row_mid), "centre", "heading", True, "accent", max_w=width, anchor="midleft")
        if self.selected is not None:
            label = self.t("confirm")
            bw = min(width - ask_w - pad, ui.button_width(label, "Enter"))
            ui.button(Rect(x + width - bw, row_mid - bh // 2, bw, bh), label, ("confirm",), "centre", "btn_confirm",
                      primary=True, key="Enter")
        elif ask_w + pad < width:
            ui.label(self.t("choose_hint", n=len(point.options)), (x + width, row_mid), "centre", "small", False,
                     "muted", max_w=width - ask_w - pad, anchor="midright")
        y += ask_h
        area = Rect(x, y, width, rect.bottom - pad - y)
        self._cards = []
        with ui.scroll_area(self.actions, area) as y0:
            yy = y0
            for i, hgt in enumerate(heights):
                card = Rect(x, yy, cards_w, hgt)
                self._cards.append(card)
                self._option_card(ui, card, point, i)
                yy += hgt + gap // 2
            self.actions.content = yy - y0 - gap // 2
        ui.layout.siblings.append([f"option{i}" for i in range(len(heights))])

    def _option_card(self, ui: Ui, r: Rect, point: DecisionPoint, i: int, measure: bool = False) -> int:
        c = self.content
        pad = ui.s("pad", 0.7)
        option = point.options[i]
        if point.kind == "focus":
            a = self.account_view(option.id)
            spec = c.account(option.id)
            label = c.company(option.id)
            bits = [c.text(spec.persona.industry), self.t("stage_" + a.stage) if a.stage else "",
                    self.t("days_left", n=fmt_days(a.days_left))]
            if a.competition is not None:
                bits.append(f"{self.lbl('competition')}{self.t('comp_' + COMPETITION[a.competition])}")
            detail = " · ".join(b for b in bits if b)
            cost = ""
        else:
            action = c.action(point.account, point.touchpoint, option.id)
            label = c.text(action.label)
            detail = c.text(action.detail)
            cost = cost_text(self, option.days)
        badge = ui.s("icon", 1.3)
        cost_w = (ui.text_width(cost, "label", True) + ui.fs("label") + pad) if cost else 0
        tx = r.x + pad + badge + pad
        tw = r.right - pad - cost_w - tx
        h = pad * 2 + ui.text_height(label, tw, "body", True) + (
            ui.s("gap", 0.3) + ui.text_height(detail, tw, "label") if detail else 0)
        h = max(h, badge + 2 * pad)
        if measure:
            return h
        name = f"option{i}"
        sel = self.selected == i
        hover = ui.hovered(r)
        ui.panel(name, r, "centre", fill="accent_soft" if sel else ("hover" if hover else "panel_alt"),
                 border="accent" if sel else "border", border_width=3 if sel else 1, shadow=False)
        b = Rect(r.x + pad, r.y + pad, badge, badge)
        ui.rect(b, "accent" if sel else "topbar", badge // 4)
        ui.label(str(i + 1), b.center, name, "label", True, "accent_text", anchor="center")
        y = r.y + pad
        y += ui.block(label, Rect(tx, y, tw, r.bottom - y), name, "body", True)
        if detail:
            y += ui.s("gap", 0.3)
            ui.block(detail, Rect(tx, y, tw, r.bottom - y), name, "label", False, "muted")
        if cost:
            cs = ui.fs("label")
            cx = r.right - pad - cost_w + cs // 2
            cy = r.y + pad + ui.glyph_height(cs, True) // 2
            ui.clock_icon((cx, cy), cs // 2 - 1, "muted")
            ui.label(cost, (cx + cs // 2 + pad // 2, r.y + pad), name, "label", True, "muted")
        ui.hit(r, ("option", i))
        return h
