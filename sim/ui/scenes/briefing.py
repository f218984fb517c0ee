"""The briefing: who the customer is, who decides (as far as the seller knows: people whose part
is still to find out show no role, influence or veto), what the seller knows, the deal's list
price, what to achieve and how it is graded."""

from __future__ import annotations

from typing import Any

import pygame

from sim.engine.signals import influence_level
from sim.ui.content import Content
from sim.ui.scenes.base import ENTER_KEYS, Scene, key_event, lang_toggle, top_bar, wheel_scroll
from sim.ui.scenes.flow import Item, draw_flow
from sim.ui.strings import fmt_days, fmt_money
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["BriefingScene"]


class BriefingScene(Scene):
    name = "briefing"

    def __init__(self, app: Any, scenario: Any) -> None:
        super().__init__(app)
        self.scenario = scenario
        self.left = Scroll()
        self.right = Scroll()
        self.editing = False
        self.trainee = app.trainee
        self._caret: tuple[tuple[int, int], tuple[int, int]] | None = None

    # --- content --------------------------------------------------------------------------------------
    def account_items(self, c: Content) -> list[Item]:
        items: list[Item] = []
        for acc in c.spec.accounts:
            p = acc.persona
            items.append(Item("title", c.text(p.company)))
            items.append(Item("muted", f"{c.text(p.industry)}  ·  {c.text(p.size)}"))
            if p.summary:
                items.append(Item("text", c.text(p.summary)))
            if p.needs:
                items.append(Item("heading", self.t("needs")))
                items += [Item("bullet", c.text(n)) for n in p.needs]
            if p.pain_points:
                items.append(Item("heading", self.t("pain_points")))
                items += [Item("bullet", c.text(n)) for n in p.pain_points]
            facts = [self.t("deadline", day=fmt_days(acc.patience_days))
                     + (f" · {c.text(acc.deadline_label)}" if acc.deadline_label else "")]
            currency = c.currency(acc.id)
            if acc.deal is not None:
                facts.append(self.lbl("list_price") + fmt_money(acc.deal.list_price, currency, self.locale))
            elif p.deal_value is not None:
                facts.append(self.lbl("deal_value") + fmt_money(p.deal_value, currency, self.locale))
            if acc.competitor is not None:
                facts.append(f"{self.lbl('competitor')}{c.text(acc.competitor.name)}")
            items.append(Item("gap"))
            items += [Item("strong", f) for f in facts]
            items += self._deal_items(c, acc)
            items += self._fact_items(c, acc)
            items.append(Item("gap"))
            items.append(Item("heading", self.t("buying_center")))
            items += self._people_items(c, acc)
            items.append(Item("gap"))
        return items

    def _deal_items(self, c: Content, acc: Any) -> list[Item]:
        """The deal's floor and the terms that can be traded (their worth to each side stays hidden)."""
        if acc.deal is None:
            return []
        items = [Item("muted", self.lbl("floor") + fmt_money(acc.deal.floor, c.currency(acc.id), self.locale))]
        if acc.deal.terms:
            sep = "；" if self.locale == "zh" else "; "
            items.append(Item("muted", self.lbl("terms_on_offer") + sep.join(c.text(t.label) for t in acc.deal.terms)))
        return items

    def _fact_items(self, c: Content, acc: Any) -> list[Item]:
        """The buyer facts the seller knows at the start, and how many are still to find out."""
        if not acc.facts:
            return []
        items = [Item("gap"), Item("heading", self.t("facts_heading"))]
        known = [f for f in acc.facts if f.known]
        items += [Item("bullet", f"{c.text(f.label)}{self.colon()}{c.text(f.value)}") for f in known]
        n = len(acc.facts) - len(known)
        if n:
            items.append(Item("muted", self.t("facts_unknown_one") if n == 1 else self.t("facts_unknown", n=n)))
        return items

    def colon(self) -> str:
        return "：" if self.locale.startswith("zh") else ": "

    def _people_items(self, c: Content, acc: Any) -> list[Item]:
        """The buying center as the seller knows it at the start: everyone by name and job title; a
        person whose part in the decision is still to find out shows "? role unknown" and "influence
        unknown", no veto, and what they care about is not known either."""
        items: list[Item] = []
        present = [s for s in acc.stakeholders if s.present]
        total = sum(s.influence for s in present)
        for s in present:
            if not s.known:
                who = c.text(s.name) + (f" — {c.text(s.title)}" if s.title else "")
                items.append(Item("strong", who))
                items.append(Item("chip", f"{self.t('role_unknown')}  ·  {self.t('influence_unknown')}"))
                items.append(Item("gap"))
                continue
            who = c.text(s.name) + (f" — {c.text(s.title)}" if s.title else "")
            items.append(Item("strong", who))
            level = self.t("influence_" + influence_level(s.influence, total))
            bits = [self.t("role_" + s.role), self.t("influence_word", level=level)]
            if s.can_veto:
                bits.append(self.t("veto_power"))
            items.append(Item("chip", "  ·  ".join(bits)))
            if s.cares_about:
                sep = "；" if self.locale == "zh" else "; "
                items.append(Item("muted", self.lbl("cares_about") + sep.join(c.text(x) for x in s.cares_about)))
            items.append(Item("gap"))
        return items

    def grading_rows(self) -> list[tuple[str, float]]:
        w = self.scenario.rubric.weights
        rows = [(self.t("w_conversion"), w.conversion), (self.t("w_satisfaction"), w.satisfaction),
                (self.t("w_cycle_time"), w.cycle_time), (self.t("w_retention"), w.retention)]
        rows += [(self.t("w_" + k), getattr(w, k)) for k in ("revenue", "margin") if getattr(w, k) > 0]
        return rows

    def rules_items(self, c: Content) -> list[Item]:
        r = self.scenario.rubric
        items = [Item("muted", self.t("cycle_rule", target=fmt_days(r.target_days), max=fmt_days(r.max_days))),
                 Item("muted", self.t("pass_rule", mark=fmt_days(r.pass_mark)))]
        if len(c.spec.accounts) > 1:
            items.append(Item("muted", self.t("wins_rule", n=r.wins_needed, total=len(c.spec.accounts))))
        items.append(Item("small", f"{self.lbl('difficulty')}{self.t('difficulty_' + c.spec.difficulty)}  ·  "
                                   f"{self.t('minutes', n=c.spec.estimated_minutes)}"))
        return items

    # --- input ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.stop_editing()
        self.app.trainee = self.trainee.strip()
        self.app.start_game(self.scenario)

    def stop_editing(self) -> None:
        self.editing = False

    def act(self, action: Any) -> None:
        kind = action[0]
        if kind == "locale":
            self.app.set_locale(action[1])
        elif kind == "start":
            self.start()
        elif kind == "name":
            self.editing = True
        elif kind == "back":
            self.app.back_to_picker()
        else:
            self.stop_editing()

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.app.ui.action_at(event.pos) is None:
            self.stop_editing()
        super().handle(event)

    def text_input(self, text: str) -> None:
        if self.editing and len(self.trainee) < 60:
            self.trainee += "".join(ch for ch in text if ch.isprintable())

    def key(self, event: pygame.event.Event) -> None:
        if self.editing:
            if event.key == pygame.K_BACKSPACE:
                self.trainee = self.trainee[:-1]
            elif event.key in (*ENTER_KEYS, pygame.K_ESCAPE, pygame.K_TAB):
                self.stop_editing()
            return
        if event.key in ENTER_KEYS:
            self.start()
        elif event.key == pygame.K_ESCAPE:
            self.app.open_menu()
        elif event.key == pygame.K_l:
            self.app.set_locale("en" if self.locale == "zh" else "zh")
        elif event.key in (pygame.K_DOWN, pygame.K_PAGEDOWN):
            self.left.by(self.app.ui.s("pad") * 6)
        elif event.key in (pygame.K_UP, pygame.K_PAGEUP):
            self.left.by(-self.app.ui.s("pad") * 6)

    def wheel(self, dy: int) -> None:
        wheel_scroll(self.app.ui, [self.left, self.right], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        return [key_event(pygame.K_RETURN)]

    # --- drawing ------------------------------------------------------------------------------------------
    def draw(self, ui: Ui) -> None:
        c = Content(self.scenario, self.locale)
        w, h = ui.size
        ui.surface.fill(ui.c("background"))
        toggle_w = ui.button_width(self.t("lang_en")) + ui.button_width(self.t("lang_zh")) + ui.s("pad")
        right = top_bar(ui, c.title, self.t("briefing"), toggle_w)
        lang_toggle(ui, right.right, self.locale)
        pad, gap = ui.s("pad"), ui.s("gap")
        top = ui.s("topbar") + pad
        lw = round((w - 2 * pad - gap) * 0.56)
        left = Rect(pad, top, lw, h - top - pad)
        right_col = Rect(left.right + gap, top, w - pad - left.right - gap, h - top - pad)
        ui.panel("customer", left)
        ui.layout.siblings.append(["customer", "brief_right"])
        inner = left.inflate(-2 * pad, -2 * pad)
        items = self.account_items(c)
        with ui.scroll_area(self.left, inner) as y0:
            end = draw_flow(ui, items, inner.x, y0, inner.width - ui.s("scrollbar") * 2, "customer")
            self.left.content = end - y0
        # right column: objective + grading (scrolls if needed), then name field and start button
        ui.panel("brief_right", right_col)
        bh = round(ui.s("topbar") * 0.8)
        field_h = bh
        name_label_h = ui.glyph_height(ui.fs("label"))
        foot_h = name_label_h + field_h + gap + bh + ui.glyph_height(ui.fs("small")) + gap
        body = Rect(right_col.x + pad, right_col.y + pad, right_col.width - 2 * pad,
                    right_col.height - 2 * pad - foot_h - gap)
        obj_items = [Item("heading", self.t("objective")), Item("text", c.text(c.spec.objective)), Item("gap"),
                     Item("heading", self.t("grading"))]
        with ui.scroll_area(self.right, body) as y0:
            bw = body.width - ui.s("scrollbar") * 2
            y = draw_flow(ui, obj_items, body.x, y0, bw, "brief_right")
            y = self._weights(ui, body.x, y, bw)
            y = draw_flow(ui, self.rules_items(c), body.x, y + gap, bw, "brief_right")
            self.right.content = y - y0
        fy = body.bottom + gap
        ui.label(self.t("your_name"), (body.x, fy), "brief_right", "label", True, "muted", max_w=body.width)
        fr = Rect(body.x, fy + name_label_h, body.width, field_h)
        ui.panel("name_field", fr, "brief_right", fill="panel" if self.editing else "panel_alt",
                 border="accent" if self.editing else "border", shadow=False, radius=4,
                 border_width=2 if self.editing else 1)
        shown = self.trainee or ("" if self.editing else self.t("name_placeholder"))
        lr = ui.label(shown, (fr.x + pad // 2, fr.centery), "name_field", "body", False,
                      "text" if self.trainee else "faint", max_w=fr.width - pad, anchor="midleft")
        x = lr.right + 2 if self.trainee else fr.x + pad // 2
        self._caret = ((x, fr.y + bh // 5), (x, fr.bottom - bh // 5))
        ui.hit(fr, ("name",))
        by = fr.bottom + gap
        label = self.t("start")
        sw = min(body.width, ui.button_width(label, "Enter"))
        ui.button(Rect(body.right - sw, by, sw, bh), label, ("start",), "brief_right", "btn_start", primary=True,
                  key="Enter")
        if self.app.has_picker():
            back = self.t("back")
            bw2 = ui.button_width(back)
            if bw2 + sw + gap <= body.width:
                ui.button(Rect(body.right - sw - gap - bw2, by, bw2, bh), back, ("back",), "brief_right",
                          "btn_back")
        ui.label(self.t("start_hint"), (body.right, by + bh + gap // 2), "brief_right", "small", False, "muted",
                 max_w=body.width, anchor="topright")

    def animating(self, now: float) -> bool:
        return self.editing

    def draw_overlay(self, ui: Ui) -> None:
        if self.editing and self._caret and int(ui.now * 2) % 2 == 0:
            pygame.draw.line(ui.surface, ui.c("text"), *self._caret, 2)

    def _weights(self, ui: Ui, x: int, y: int, width: int) -> int:
        """The rubric weights as labelled bars (the percentage is written, not only drawn)."""
        gap = ui.s("gap", 0.6)
        px = ui.fs("label")
        lh = ui.glyph_height(px)
        bar_h = max(4, round(ui.s("pad") * 0.55))
        for label, weight in self.grading_rows():
            pct = f"{weight * 100:.0f}%"
            pw = ui.text_width(pct, "label", True)
            ui.label(label, (x, y), "brief_right", "label", False, "text", max_w=width - pw - gap)
            ui.label(pct, (x + width, y), "brief_right", "label", True, "accent", anchor="topright")
            y += lh
            track = Rect(x, y, width, bar_h)
            ui.rect(track, "trust_empty", bar_h // 2)
            ui.rect(Rect(x, y, max(bar_h, round(width * weight)), bar_h), "accent", bar_h // 2)
            y += bar_h + gap
        return y
