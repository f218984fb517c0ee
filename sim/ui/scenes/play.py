"""The play screen: roadmap, calendar, stakeholders' signals, the decision and its option cards, the
deal signals, the price and terms, what the seller knows, the feed.

Everything shown comes from the engine's decision point, ``session.observe()`` and the scenario's
texts; the choice goes through ``Game.choose`` (``session.choose``). The author's recommendation is
never shown here, and the options are shown in the order the decision point gives them. A decision
is an action at a touchpoint (its situation the variant the engine chose), an agenda (which meeting
next: who is there, its days; or "Move on" and where it leads) or, in a pipeline, which account to
work on. Stakeholders the seller has not discovered show no role, influence or veto. Signals that
changed since the last decision animate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint
from sim.engine.rules import MOVE_ON
from sim.engine.signals import COMPETITION, MOODS, TRUST, AccountView, DealView, PersonView, View
from sim.lang.schema import STAGES
from sim.ui.content import Content
from sim.ui.game import Game, diff_views
from sim.ui.scenes.base import ENTER_KEYS, NUMBER_KEYS, Scene, click_event, key_event, top_bar, wheel_scroll
from sim.ui.strings import fmt_days, fmt_money, fmt_percent
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["PlayScene", "Pulse", "cost_text", "deal_texts", "draw_roadmap", "mix", "play_columns"]


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


def cost_text(scene: Scene, days: float, most: float | None = None) -> str:
    """A time cost: "no time", "1 day", "3 days"; with ``most`` days above ``days``, the range "1–2
    days" (an agenda item, whose actions take different times)."""
    if most is not None and most - days > 1e-9:
        return scene.t("days_range", a=fmt_days(days), b=fmt_days(most))
    if days <= 0:
        return scene.t("no_time")
    if abs(days - 1) < 1e-9:
        return scene.t("day_cost_one")
    return scene.t("days_cost", n=fmt_days(days))


def deal_texts(scene: Scene, deal: DealView) -> dict[str, str]:
    """The deal's figures as the screens write them (in the deal's currency): list price, the price
    on the table (with the discount off list, if any), the seller's floor and margin."""
    loc, currency = scene.locale, deal.currency
    price = fmt_money(deal.price, currency, loc)
    off = (deal.list_price - deal.price) / deal.list_price if deal.list_price else 0.0
    if off > 1e-9:
        price += scene.t("price_off", pct=fmt_percent(off))
    return {"list": fmt_money(deal.list_price, currency, loc), "price": price,
            "floor": fmt_money(deal.floor, currency, loc), "margin": fmt_money(deal.margin, currency, loc)}


def play_columns(ui: Ui, body: Rect, squeeze: float = 1.0) -> tuple[Rect, Rect, Rect]:
    """The play screen's three columns (people, centre, side) in ``body``: their shares of the width
    are theme data (``layout`` in assets/theme.json), wider side columns for a narrow window; with
    ``squeeze`` below 1 the signals column on the right keeps only that share of its width and gives
    the rest to the centre (the stakeholder cards keep theirs)."""
    lay = ui.theme.layout
    narrow = ui.size[0] < lay["play_wide_from"]
    gap = ui.s("gap")
    lw = round(body.width * lay["play_people_narrow" if narrow else "play_people"])
    rw = round(body.width * lay["play_side_narrow" if narrow else "play_side"] * squeeze)
    people = Rect(body.x, body.y, lw, body.height)
    side = Rect(body.right - rw, body.y, rw, body.height)
    centre = Rect(people.right + gap, body.y, side.x - gap - people.right - gap, body.height)
    return people, centre, side


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


@dataclass
class Header:
    """The texts above a decision's options: its stage, number, title, who is there (the ways to
    say it, longest first: the shortest is used when the longest would wrap), the stage's goal, the
    deal during negotiation, and the situation."""

    stage_label: str
    number: str
    title: str
    withs: tuple[str, ...]
    goal: str
    deal: str
    situation: str


#: The ways to lay out option cards, roomiest first: full cards in one column, compact cards (less
#: padding, the detail in small type) in one column, compact cards in two columns (the time on a
#: line of its own).
CARD_MODES = ("full", "compact", "columns")


@dataclass
class CentrePlan:
    """How the centre column lays out a decision: its header texts, the heights things need, and how
    the option cards are laid out (``mode``, one of :data:`CARD_MODES`)."""

    header: Header
    withs: str  # the way of saying who is there that is used
    head_h: int  # from the top of the panel to the situation
    sit_need: int
    sit_min: int
    ask_h: int
    options: list[int]  # each option card's height
    gap: int  # between two option cards
    mode: str = "full"

    @property
    def columns(self) -> int:
        return 2 if self.mode == "columns" else 1

    def column_of(self, i: int) -> int:
        """The column of card ``i``: in two columns the first half goes down the left one."""
        return 0 if self.columns == 1 or i < (len(self.options) + 1) // 2 else 1

    @property
    def options_need(self) -> int:
        heights = [[h for i, h in enumerate(self.options) if self.column_of(i) == col] for col in range(self.columns)]
        return max(sum(col) + max(0, len(col) - 1) * self.gap for col in heights) if self.options else 0

    def need(self, gap: int, pad: int) -> int:
        """The height the centre panel needs to show every card under the situation's first lines."""
        return self.head_h + self.sit_min + gap + self.ask_h + self.options_need + pad


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
        self.squeezed = False  # the last frame gave the centre some of the side column's width
        self.situation_min = 0  # the least height the situation was allowed in the last frame
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
            if ch.kind in ("mood", "trust", "join", "reveal_person"):
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
        if self.game.disk_full:  # paused: the log cannot be written (the app retries and says so)
            return
        option = point.options[self.selected]
        turn = self.game.choose(option.id)
        if point.kind in ("focus", "agenda") and not self.game.finished:
            self.sync()  # choosing where to go next has no consequences to show: on to the next decision
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
        title = f"{self.t('branch_badge')} · {c.title}" if self.game.branch is not None else c.title
        right = top_bar(ui, title, "", cal_w + menu_w + pad)
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
        (people, centre, side), plan = self._layout(ui, body, point)
        ui.layout.siblings.append(["people", "side", "centre", "roadmap", "accounts"])
        self._people(ui, people, acc)
        self._side(ui, side, acc)
        self._centre(ui, centre, point, plan)

    def _layout(self, ui: Ui, body: Rect, point: DecisionPoint) -> tuple[tuple[Rect, Rect, Rect], CentrePlan]:
        """The columns and the centre's plan: the first way that shows every option card whole under
        the situation's first lines. Full cards; then compact ones; then the signals column gives the
        centre some width (theme ``layout.play_squeeze``) for full, compact and two columns of compact
        cards. When none fits, the one that leaves least to scroll."""
        squeeze = ui.theme.layout["play_squeeze"]
        gap, pad = ui.s("gap"), ui.s("pad")
        tried = []
        for k, (share, mode) in enumerate(((1.0, "full"), (1.0, "compact"), (squeeze, "full"),
                                            (squeeze, "compact"), (squeeze, "columns"))):
            cols = play_columns(ui, body, share)
            plan = self._centre_plan(ui, cols[1], point, mode)
            over = plan.need(gap, pad) - cols[1].height
            if over <= 0:
                self.squeezed = share != 1.0
                return cols, plan
            tried.append((over, -k, share, cols, plan))
        _, _, share, cols, plan = min(tried, key=lambda t: (t[0], t[1]))
        self.squeezed = share != 1.0
        return cols, plan

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
            if a.deal is not None:
                sub += f" · {fmt_money(a.deal.price, a.deal.currency, self.locale)}"
            color = "good" if a.status == "won" else "bad" if a.status == "lost" else ("accent" if active else "muted")
            ui.label(sub, (r.x + pad, r.y + pad // 2 + ui.glyph_height(ui.fs("label"), True)), name, "small",
                     active, color, max_w=inner)
            ui.hit(r, ("account", a.id))
        ui.layout.siblings.append(names)

    def _people(self, ui: Ui, rect: Rect, acc: AccountView) -> None:
        """The stakeholders present, as cards. When the full cards do not all fit, they get more
        compact (one line for title and influence, then none, then mood and trust on one line
        without their labels) before the column has to scroll."""
        c = self.content
        ui.panel("people", rect)
        pad = ui.s("pad")
        title = self.t("stakeholders") + (f" · {c.company(acc.id)}" if c.pipeline else "")
        th = ui.glyph_height(ui.fs("heading"), True)  # one line: the account is highlighted above too
        ui.label(title, (rect.x + pad, rect.y + pad // 2), "people", "heading", True, "accent",
                 max_w=rect.width - 2 * pad)
        top = rect.y + pad // 2 + th + pad // 2
        area = Rect(rect.x + pad // 2, top, rect.width - pad, rect.bottom - top - pad // 2)
        present = [p for p in acc.people if p.present]
        gap = ui.s("gap", 0.6)
        cw = area.width - ui.s("scrollbar") - 2
        for mode in range(4):
            heights = [self._person_card(ui, Rect(area.x, 0, cw, 0), acc.id, p, mode, measure=True) for p in present]
            if sum(heights) + gap * (len(heights) - 1) <= area.height:
                break
        with ui.scroll_area(self.people, area) as y0:
            y = y0
            for p, ch in zip(present, heights, strict=True):
                self._person_card(ui, Rect(area.x, y, cw, ch), acc.id, p, mode)
                y += ch + gap
            self.people.content = y - y0 - gap

    def who(self, account: str, person: str) -> str:
        """A stakeholder as the seller names them: by name. The seller knows who everyone is (name and
        job title); what is found out later is their part in the decision (role, influence, veto)."""
        return self.content.person_name(account, person)

    def person_view(self, account: str, person: str, view: View | None = None) -> PersonView:
        acc = next(a for a in (view or self.view).accounts if a.id == account)
        return next(p for p in acc.people if p.id == person)

    def _card_texts(self, account: str, p: PersonView, compact: bool = False) -> tuple[str, str, str, bool]:
        """A person card's name, role chip, line below (title, influence, veto; compact: influence
        and veto first) and whether the role is known: for a person whose part the seller has not
        found out, their name and job title, "? role unknown" and "influence unknown", no veto."""
        c = self.content
        title = c.person_title(account, p.id)
        if not p.known:
            bits = [title, self.t("influence_unknown")]
            return c.person_name(account, p.id), self.t("role_unknown"), " · ".join(
                b for b in (reversed(bits) if compact else bits) if b), False
        bits = [self.t("influence_word", level=self.t("influence_" + (p.influence or "low")))]
        if p.veto:
            bits.append(self.t("veto_power"))
        bits = [*bits, title] if compact else [title, *bits]
        return c.person_name(account, p.id), self.t("role_" + (p.role or "")), " · ".join(b for b in bits if b), True

    def _person_card(self, ui: Ui, r: Rect, account: str, p: PersonView, mode: int = 0,
                     measure: bool = False) -> int:
        """One stakeholder: face (mood), name and role, the line below, mood and trust in words.

        ``mode`` 0: the line below wraps, and mood and trust share a line if they fit; 1: the line
        below is one line, shortened to fit; 2: no line below (only the role when it does not fit
        beside the name); 3: mood and trust share one line, without their labels if need be.
        Returns the card's height."""
        pad = ui.s("pad", 0.7)
        lh = ui.glyph_height(ui.fs("body"), True)
        sh = ui.glyph_height(ui.fs("small"))
        person, role, sub_text, known = self._card_texts(account, p, compact=mode > 0)
        radius = ui.s("icon", 0.75 if mode >= 2 else 1.0)
        x = r.x + 2 * pad + 2 * radius
        inner = r.right - pad - x
        role_w = ui.text_width(role, "small", True)
        role_inline = ui.text_width(person, "body", True) + pad + role_w <= inner
        sub = " · ".join(x for x in ([] if role_inline else [role]) + [sub_text] if x)
        if mode >= 2:
            sub = "" if role_inline else role
        sub_h = (sh if sub else 0) if mode else ui.text_height(sub, inner, "small")
        word = self.t("trust_" + TRUST[p.trust])
        mood_word = self.t("mood_" + MOODS[p.mood])
        mood, trust_label = f"{self.lbl('mood')}{mood_word}", self.lbl("trust").rstrip()

        def room(m: str, t: str) -> int:
            """The width left for the trust meter on a line with mood ``m`` (if any) and label ``t``;
            each word keeps room for its arrow when it changes."""
            used = (ui.text_width(m, "small", True) + sh + pad if m else 0) + (
                ui.text_width(t, "small", True) + pad // 2 if t else 0) + pad // 2 + ui.text_width(word, "small") + sh
            return min(ui.s("icon") * 3, inner - used)

        least = ui.s("icon", 2.0)  # a meter narrower than this reads badly (five segments of a few pixels)
        one_line = room(mood, trust_label) >= least
        if mode == 3 and not one_line:  # one line whatever it takes: the labels go first
            mood, trust_label, one_line = mood_word, "", True
        meter_w = room(mood, trust_label) if one_line else room("", trust_label)
        if meter_w < least:  # too narrow to read: the word alone says the trust
            meter_w = 0
        height = 2 * pad + lh + sub_h + (1 if one_line else 2) * sh
        height = max(height, 2 * pad + 2 * radius)
        if measure:
            return height
        name = f"person_{account}_{p.id}"
        start, dmood, dtrust = self.anims.get((account, p.id), (-100.0, 0, 0))
        ui.panel(name, r, "people", fill="panel_alt", border="border", shadow=False)
        ui.face((r.x + pad + radius, r.y + pad + radius), radius, p.mood)
        y = r.y + pad
        ui.label(person, (x, y), name, "body", True, "text", max_w=inner - (role_w + pad if role_inline else 0))
        if role_inline:
            ui.label(role, (r.right - pad, y + (lh - sh) // 2), name, "small", True, "accent" if known else "warn",
                     anchor="topright")
        y += lh
        if mode and sub:
            ui.label(sub, (x, y), name, "small", False, "muted", max_w=inner)
        elif sub:
            ui.block(sub, Rect(x, y, inner, sub_h), name, "small", False, "muted")
        y += sub_h
        mw = ui.label(mood, (x, y), name, "small", True, ui.theme.mood_color(p.mood), max_w=inner - sh).right
        arrows = [((mw + sh // 2 + 2, y + sh // 2), dmood)] if dmood else []
        if one_line:
            tx = mw + sh + pad
        else:
            y += sh
            tx = x
        tw = (ui.label(trust_label, (tx, y), name, "small", True, "text").right + pad // 2) if trust_label else tx
        if meter_w:
            ui.meter(Rect(tw, y + sh // 3, meter_w, max(4, sh // 3)), p.trust)
            tw += meter_w + pad // 2
        wr = ui.label(word, (tw, y), name, "small", False, "text", max_w=max(10, r.right - pad - tw - sh))
        if dtrust:
            arrows.append(((wr.right + sh // 2 + 2, y + sh // 2), dtrust))
        if start > 0:
            self._pulses.append(Pulse(start, Rect(r), ui.current_clip(), "accent", arrows, sh // 2 + 2))
        return height

    def _side(self, ui: Ui, rect: Rect, acc: AccountView) -> None:
        """Deal signals, the price and terms, what the seller knows, milestones and the feed. During
        negotiation the price and terms come first."""
        ui.panel("side", rect)
        pad = ui.s("pad")
        area = Rect(rect.x + pad, rect.y + pad // 2, rect.width - 2 * pad, rect.height - pad)
        with ui.scroll_area(self.side, area) as y0:
            width = area.width - ui.s("scrollbar") * 2
            y = y0
            sections = [self._signals, self._deal, self._facts, self._milestones, self._feed]
            if acc.stage == "negotiation" and acc.deal is not None:
                sections.insert(0, sections.pop(1))
            for section in sections:
                end = section(ui, area.x, y, width, acc)
                if end > y:  # a section with nothing to show draws nothing
                    y = end + ui.s("gap", 1.5)
            self.side.content = y - y0

    def _heading(self, ui: Ui, text: str, x: int, y: int, width: int) -> int:
        ui.label(text, (x, y), "side", "heading", True, "accent", max_w=width)
        return y + ui.glyph_height(ui.fs("heading"), True)

    def _signals(self, ui: Ui, x: int, y: int, width: int, acc: AccountView) -> int:
        c = self.content
        pad = ui.s("pad")
        y = self._heading(ui, self.t("signals"), x, y, width)
        sh = ui.glyph_height(ui.fs("label"))
        comp_word = (self.t("comp_" + COMPETITION[acc.competition]) if acc.competition is not None
                     else self.t("no_competitor"))
        label = self.lbl("competition").rstrip()
        lx = ui.label(label, (x, y), "side", "label", True, max_w=width).right + pad // 2
        meter_w = ui.s("icon") * 2 if acc.competition is not None else 0
        need = (meter_w + pad // 2 if meter_w else 0) + ui.text_width(comp_word, "label")
        if lx + need > x + width:  # a narrow column: the meter and the word go under the label
            lx, y = x, y + sh
        if meter_w:
            ui.meter(Rect(lx, y + sh // 3, meter_w, max(4, sh // 3)), acc.competition or 0, 3, "warn")
            lx += meter_w + pad // 2
        ui.label(comp_word, (lx, y), "side", "label", False, "text", max_w=max(10, x + width - lx))
        y += sh
        name = c.competitor_name(acc.id)
        if name:
            y += ui.block(name, Rect(x, y, width, 10_000), "side", "small", False, "muted")
        spec = c.account(acc.id)
        dl = self.t("deadline", day=fmt_days(self.view.day + acc.days_left)) + (
            f" · {c.text(spec.deadline_label)}" if spec.deadline_label else "")
        y += ui.s("gap", 0.5)
        return y + ui.block(dl, Rect(x, y, width, 10_000), "side", "small", False, "muted")

    def _deal(self, ui: Ui, x: int, y: int, width: int, acc: AccountView) -> int:
        """The price and terms on the table (the buyer's walk-away stays hidden)."""
        deal = acc.deal
        if deal is None:
            return y
        c = self.content
        money = deal_texts(self, deal)
        y = self._heading(ui, self.t("deal"), x, y, width)
        rows = [("list_price", money["list"], False), ("price_now", money["price"], True),
                ("floor", money["floor"], False), ("margin_now", money["margin"], False)]
        for key, value, strong in rows:
            y += ui.block(self.lbl(key) + value, Rect(x, y, width, 10_000), "side", "label", strong,
                          "text" if strong else "muted")
        terms = [c.term_label(acc.id, t) for t in deal.terms]
        sep = "；" if self.locale == "zh" else "; "
        agreed = self.lbl("terms_agreed") + (sep.join(terms) if terms else self.t("no_terms"))
        return y + ui.block(agreed, Rect(x, y, width, 10_000), "side", "label", False, "text" if terms else "muted")

    def _facts(self, ui: Ui, x: int, y: int, width: int, acc: AccountView) -> int:
        """The buyer facts the seller knows, with their values, and how many are still unknown."""
        c = self.content
        facts = c.facts(acc.id)
        if not facts:
            return y
        y = self._heading(ui, self.t("facts_heading"), x, y, width)
        known = [f for f in facts if f.id in acc.facts]
        if not known:
            y += ui.block(self.t("facts_none"), Rect(x, y, width, 10_000), "side", "label", False, "muted")
        for f in known:
            y += ui.block(self.lbl_text(c.text(f.label)), Rect(x, y, width, 10_000), "side", "label", True)
            y += ui.block(c.text(f.value), Rect(x, y, width, 10_000), "side", "label", False, "text")
            y += ui.s("gap", 0.3)
        n = len(facts) - len(known)
        if n:
            text = self.t("facts_unknown_one") if n == 1 else self.t("facts_unknown", n=n)
            y += ui.block(text, Rect(x, y, width, 10_000), "side", "label", False, "warn")
        return y

    def lbl_text(self, text: str) -> str:
        """A scenario text used as a label, followed by the locale's colon."""
        return text + ("：" if self.locale.startswith("zh") else ":")

    def _milestones(self, ui: Ui, x: int, y: int, width: int, acc: AccountView) -> int:
        c = self.content
        pad = ui.s("pad")
        sh = ui.glyph_height(ui.fs("label"))
        ui.label(self.t("milestones"), (x, y), "side", "label", True, max_w=width)
        y += sh
        if not acc.milestones:
            y += ui.block(self.t("no_milestones"), Rect(x, y, width, 10_000), "side", "label", False, "muted")
        for flag in acc.milestones:
            cs = ui.fs("label")
            ui.check((x + cs // 2, y + ui.glyph_height(cs) // 2), cs, "good")
            box = Rect(x + cs + pad // 2, y, width - cs - pad // 2, 10_000)
            y += ui.block(c.flag_label(acc.id, flag), box, "side", "label", False, "text")
            y += ui.s("gap", 0.3)
        return y

    def _feed(self, ui: Ui, x: int, y: int, width: int, acc: AccountView) -> int:
        c = self.content
        pad = ui.s("pad")
        y = self._heading(ui, self.t("feed"), x, y, width)
        feed = list(enumerate(self.view.feed))
        if not feed:
            y += ui.block(self.t("feed_empty"), Rect(x, y, width, 10_000), "side", "label", False, "muted")
        for i, ev in reversed(feed):
            text = c.event_text(ev.account, ev.event)
            head = self.t("day", day=fmt_days(ev.t)) + (f" · {c.company(ev.account)}" if c.pipeline else "")
            h1 = ui.text_height(head, width - pad, "small", True)
            th = ui.text_height(text, width - pad, "label")
            box = Rect(x, y, width, h1 + th + pad // 2)
            if i >= self.new_feed_from and self.feed_anim > 0:
                self._pulses.append(Pulse(self.feed_anim, Rect(box), ui.current_clip(), "warn", [], 0))
            ui.rect(Rect(x, y, 3, box.height), "warn", 1)
            ui.block(head, Rect(x + pad // 2, y, width - pad, h1), "side", "small", True, "warn")
            ui.block(text, Rect(x + pad // 2, y + h1, width - pad, 10_000), "side", "label", False, "text")
            y += box.height + ui.s("gap")
        return y

    def _decision_texts(self, point: DecisionPoint) -> Header:
        """The header's texts (the variant of the situation the engine chose)."""
        c = self.content
        if point.kind == "focus":
            return Header(self.t("accounts"), "", self.t("focus_title"), (), "", "", self.t("focus_situation"))
        st = c.stage_spec(point.account, point.stage)
        goal = self.t("stage_goal", goal=c.text(st.goal)) if st is not None and st.goal else ""
        stage_label = self.t("stage_" + point.stage)
        number = self.t("touchpoint", n=point.number)
        company = c.company(point.account) if c.pipeline else ""
        if point.kind == "agenda":
            done = self._agenda_done(point)
            sep = "、" if self.locale == "zh" else ", "
            situation = self.t("agenda_situation") + (
                "\n" + self.t("agenda_done", list=sep.join(done)) if done else "")
            return Header(stage_label, number, self.t("agenda_title"), (company,) if company else (), goal, "",
                          situation)
        tp = c.touchpoint(point.account, point.touchpoint)
        withs = tuple(self._with_text(point.account, tp.with_, titles) for titles in (True, False))
        if company:  # the account is highlighted in the strip above too: it goes first when short of room
            withs = (*(f"{company} · {w}" if w else company for w in withs), withs[1] or company)
        return Header(stage_label, number, c.text(tp.title), withs if withs[0] else (), goal, self._deal_line(point),
                      c.varied(tp.situation, point.situation))

    def _with_text(self, account: str, people: Any, titles: bool = True) -> str:
        """"With: Wang Fang (CFO), Zhao Lei (IT director)": who is present, by name and job title
        (without the job titles, for a short line). Names and titles are no secret, also of people
        whose part in the decision the seller has not found out yet."""
        zh = self.locale == "zh"
        names = []
        for pid in people:
            job = self.content.person_title(account, pid) if titles else ""
            bracket = (f"（{job}）" if zh else f" ({job})") if job else ""
            names.append(self.content.person_name(account, pid) + bracket)
        return self.t("with", names=("、" if zh else ", ").join(names)) if names else ""

    def _agenda_done(self, point: DecisionPoint) -> list[str]:
        """Titles of the touchpoints of this agenda already chosen in this run, in order."""
        c = self.content
        return [c.touchpoint_title(e.account, e.chosen) for e in self.game.session.trace
                if isinstance(e, tr.Agenda) and e.block == point.key and e.account == point.account
                and e.chosen != MOVE_ON]

    def move_on_text(self, point: DecisionPoint) -> str:
        """Where "Move on" leads (the option's ``then``): the touchpoint that comes next, or the next
        stage once the buyer is ready (the stage's gate)."""
        c = self.content
        option = point.option(MOVE_ON)
        if option is not None and option.then:
            return self.t("move_on_next", title=c.touchpoint_title(point.account, option.then))
        nxt = c.stage_after(point.account, point.stage)
        if nxt is not None:
            return self.t("move_on_stage", stage=self.t("stage_" + nxt))
        return self.t("move_on_end")

    def _deal_line(self, point: DecisionPoint) -> str:
        """During negotiation: the list price, the price on the table and the terms agreed."""
        if point.kind != "action" or point.stage != "negotiation":
            return ""
        acc = self.account_view(point.account)
        if acc.deal is None:
            return ""
        c = self.content
        money = deal_texts(self, acc.deal)
        terms = [c.term_label(acc.id, t) for t in acc.deal.terms]
        sep = "；" if self.locale == "zh" else "; "
        agreed = self.lbl("terms_agreed") + (sep.join(terms) if terms else self.t("no_terms"))
        return f"{self.t('deal_line', list=money['list'], price=money['price'])} · {agreed}"

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

    def _centre_plan(self, ui: Ui, rect: Rect, point: DecisionPoint, mode: str = "full") -> CentrePlan:
        """What the centre column needs for this decision at this size, with option cards laid out so."""
        pad, gap = ui.s("pad"), ui.s("gap")
        width = rect.width - 2 * pad
        head = self._decision_texts(point)
        withs = next((w for w in head.withs if ui.text_height(w, width, "label") <= ui.glyph_height(ui.fs("label"))),
                     head.withs[-1] if head.withs else "")
        chip_h = ui.glyph_height(ui.fs("small"), True) + 4
        head_h = (pad + chip_h + gap // 2 + ui.text_height(head.title, width, "title", True) + gap // 2
                  + ui.text_height(withs, width, "label") + ui.text_height(head.goal, width, "small")
                  + ui.text_height(head.deal, width, "label", True) + gap // 2)
        bh = round(ui.s("topbar") * 0.62)
        ask_h = max(ui.glyph_height(ui.fs("heading"), True), bh) + gap // 2
        cards_w = width - ui.s("scrollbar") * 2
        sit_need = ui.text_height(head.situation, cards_w, "body") + gap // 2
        lines = round(ui.theme.layout["situation_min_lines"])
        body_px = ui.fs("body")  # the height of that many whole lines, as text_height measures them
        sit_min = min(sit_need, (lines - 1) * ui.line_step(body_px) + ui.glyph_height(body_px) + gap // 2)
        card_gap = gap // 2
        card_w = (cards_w - card_gap) // 2 if mode == "columns" else cards_w
        options = [self._option_card(ui, Rect(0, 0, card_w, 0), point, i, measure=True, mode=mode)
                   for i in range(len(point.options))]
        return CentrePlan(head, withs, head_h, sit_need, sit_min, ask_h, options, card_gap, mode)

    def _centre(self, ui: Ui, rect: Rect, point: DecisionPoint, plan: CentrePlan) -> None:
        """The decision in the middle: its header and situation, then the option cards under "your move".

        The cards get the room they need first (a card cut off can go unnoticed); the situation
        keeps at least a few lines (theme ``layout.situation_min_lines``) and scrolls. What is left
        over stays at the bottom, so the options sit right under the situation.
        """
        ui.panel("centre", rect)
        pad, gap = ui.s("pad"), ui.s("gap")
        x, width = rect.x + pad, rect.width - 2 * pad
        head = plan.header
        chip = self._stage_chip(ui, (x, rect.y + pad), width, point, head.stage_label, head.number)
        y = chip.bottom + gap // 2
        y += ui.block(head.title, Rect(x, y, width, rect.bottom - y), "centre", "title", True) + gap // 2
        if plan.withs:
            y += ui.block(plan.withs, Rect(x, y, width, rect.bottom - y), "centre", "label", False, "muted")
        if head.goal:
            y += ui.block(head.goal, Rect(x, y, width, rect.bottom - y), "centre", "small", False, "muted")
        if head.deal:
            y += ui.block(head.deal, Rect(x, y, width, rect.bottom - y), "centre", "label", True, "accent")
        y += gap // 2
        bh = round(ui.s("topbar") * 0.62)
        ask_h = plan.ask_h
        avail = rect.bottom - pad - y - ask_h - gap
        cards_w = width - ui.s("scrollbar") * 2
        heights = plan.options
        sit_h = max(plan.sit_min, min(plan.sit_need, avail - plan.options_need))
        self.situation_min = plan.sit_min
        sit = Rect(x, y, width, max(0, sit_h))
        with ui.scroll_area(self.situation, sit) as y0:
            self.situation.content = ui.block(head.situation, Rect(x, y0, cards_w, 10_000), "centre", "body")
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
        card_w = (cards_w - plan.gap) // 2 if plan.columns == 2 else cards_w
        with ui.scroll_area(self.actions, area) as y0:
            tops = [y0] * plan.columns
            for i, hgt in enumerate(heights):
                col = plan.column_of(i)
                card = Rect(x + col * (card_w + plan.gap), tops[col], card_w, hgt)
                self._cards.append(card)
                self._option_card(ui, card, point, i, mode=plan.mode)
                tops[col] += hgt + plan.gap
            self.actions.content = max(tops) - y0 - plan.gap
        ui.layout.siblings.append([f"option{i}" for i in range(len(heights))])
        if self.actions.offset < self.actions.max_offset:  # more cards below: say so under the list
            size = max(6, min(pad - 4, ui.s("icon", 0.5)))
            ui.arrow((x + width // 2, area.bottom + pad // 2), size, False, "accent")

    def option_texts(self, point: DecisionPoint, i: int) -> tuple[str, str, str]:
        """An option card's label, detail line and time cost: an action; an account to work on (its
        stage, days left, competition and deal value); or an agenda item (the touchpoint's title,
        who is there, the fewest to the most days its actions take) or "Move on" with where it leads."""
        c = self.content
        option = point.options[i]
        if point.kind == "focus":
            a = self.account_view(option.id)
            spec = c.account(option.id)
            bits = [c.text(spec.persona.industry), self.t("stage_" + a.stage) if a.stage else "",
                    self.t("days_left", n=fmt_days(a.days_left))]
            if a.competition is not None:
                bits.append(f"{self.lbl('competition')}{self.t('comp_' + COMPETITION[a.competition])}")
            if a.deal is not None:
                bits.append(fmt_money(a.deal.price, a.deal.currency, self.locale))
            return c.company(option.id), " · ".join(b for b in bits if b), ""
        if point.kind == "agenda":
            if option.id == MOVE_ON:
                return self.t("move_on"), self.move_on_text(point), cost_text(self, 0.0)
            tp = c.touchpoint(point.account, option.id)
            return (c.text(tp.title), self._with_text(point.account, tp.with_),
                    cost_text(self, option.days, option.days_max))
        action = c.action(point.account, point.touchpoint, option.id)
        return c.text(action.label), c.text(action.detail), cost_text(self, option.days)

    def _option_card(self, ui: Ui, r: Rect, point: DecisionPoint, i: int, measure: bool = False,
                     mode: str = "full") -> int:
        """One option: its number, label, detail line and time cost. ``mode`` (:data:`CARD_MODES`):
        full; compact (less padding, the detail in small type); columns (compact, half as wide, the
        time on a line of its own under the detail). Returns the card's height."""
        compact = mode != "full"
        pad = ui.s("pad", 0.42 if compact else 0.6)
        detail_size = "small" if compact else "label"
        label, detail, cost = self.option_texts(point, i)
        badge = ui.s("icon", 1.05 if compact else 1.3)
        cost_px = ui.fs(detail_size if mode == "columns" else "label")
        cost_w = (ui.text_width(cost, cost_px, True) + cost_px + pad) if cost and mode != "columns" else 0
        tx = r.x + pad + badge + pad
        tw = r.right - pad - cost_w - tx
        line_gap = ui.s("gap", 0.2 if compact else 0.3)
        cost_h = ui.glyph_height(cost_px, True) if cost and mode == "columns" else 0
        h = pad * 2 + ui.text_height(label, tw, "body", True) + (
            line_gap + ui.text_height(detail, tw, detail_size) if detail else 0) + (line_gap + cost_h if cost_h else 0)
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
            y += line_gap
            y += ui.block(detail, Rect(tx, y, tw, r.bottom - y), name, detail_size, False, "muted")
        if cost:
            if mode == "columns":  # under the detail
                cx, top = tx + cost_px // 2, y + line_gap
            else:  # top right, beside the label
                cx, top = r.right - pad - cost_w + cost_px // 2, r.y + pad
            cy = top + ui.glyph_height(cost_px, True) // 2
            ui.clock_icon((cx, cy), cost_px // 2 - 1, "muted")
            ui.label(cost, (cx + cost_px // 2 + pad // 2, top), name, cost_px, True, "muted",
                     max_w=r.right - pad - (cx + cost_px // 2 + pad // 2))
        ui.hit(r, ("option", i))
        return h
