"""The debrief: won or lost and why, the scorecard (with revenue and margin for a case with a deal),
the run along the roadmap, the hidden numbers revealed, who and what the seller never found out, and
where the coach would have chosen differently (the "Result" view); and the game review (the "Game
review" view, :mod:`sim.ui.scenes.review_panel`): each decision's class, its cost in points and win
chance, a graph of the win chance over the run, accuracy and luck, and "Replay from here", which
plays on from a decision with another option on the same dice as a practice branch, logged apart
and never graded. Read from the trace, the scorecard and :mod:`scoring.review`."""

from __future__ import annotations

import itertools
from typing import Any

import pygame

from sim.lang.schema import STAGES
from sim.ui.content import Content
from sim.ui.game import Game
from sim.ui.report import Moment, Report, build_report
from sim.ui.scenes.base import ENTER_KEYS, Scene, key_event, top_bar, wheel_scroll
from sim.ui.scenes.play import mix
from sim.ui.scenes.review_panel import ReviewPanel
from sim.ui.strings import colon, fmt_days, fmt_money, fmt_percent, sentences
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["VIEWS", "DebriefScene"]

#: The debrief's two views: the result (scorecard, roadmap, hidden numbers) and the game review.
VIEWS = ("result", "review")


class DebriefScene(Scene):
    name = "debrief"

    def __init__(self, app: Any, game: Game, view: str = "result") -> None:
        super().__init__(app)
        self.game = game
        self.hidden = Scroll()
        self.moments = Scroll()
        self.diffs = Scroll()
        self.summary = Scroll()
        self._report: tuple[str, Report] | None = None
        self.view = view
        self.review = ReviewPanel(self)
        self.review.reviewer  # noqa: B018 - the review starts now, on a worker thread, while the result is read
        self._autoplay_step = 0

    @property
    def report(self) -> Report:
        if self._report is None or self._report[0] != self.locale:
            content = Content(self.game.scenario, self.locale)
            assert self.game.card is not None
            self._report = (self.locale, build_report(self.game.session.trace, self.game.session.history, content,
                                                      self.game.card, self.game.view))
        return self._report[1]

    def shot_key(self) -> Any:
        return ("debrief", self.view, self.review.reviewer.state)

    def shot_name(self) -> str:
        name = "debrief-branch" if self.game.branch is not None else "debrief"
        if self.view == "review":
            name += "-review" if self.review.reviewer.finished else "-reviewing"
        return name

    # --- input ----------------------------------------------------------------------------------------
    def act(self, action: Any) -> None:
        kind = action[0]
        if kind == "view":
            self.view = action[1]
        elif kind == "decision":
            self.review.select(action[1])
        elif kind == "replay":
            self.replay()
        elif kind == "back":
            self.app.back_to_parent()
        else:
            {"again": self.app.restart, "picker": self.app.back_to_picker, "quit": self.app.quit}[kind]()

    def replay(self) -> None:
        """Play on from the decision picked in the review, as a practice branch."""
        if self.review.selected is not None:
            self.app.replay_from(self.game, self.review.selected)

    def key(self, event: pygame.event.Event) -> None:
        review = self.view == "review"
        if event.key == pygame.K_r:
            self.app.restart()
        elif event.key == pygame.K_s:
            self.app.back_to_picker()
        elif event.key == pygame.K_q:
            self.app.quit()
        elif event.key == pygame.K_ESCAPE:
            self.app.open_menu()
        elif event.key == pygame.K_TAB:
            self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        elif event.key == pygame.K_b and self.game.branch is not None and self.game.branch.parent is not None:
            self.app.back_to_parent()
        elif review and event.key in (pygame.K_p, *ENTER_KEYS):
            self.replay()
        elif review and event.key in (pygame.K_DOWN, pygame.K_UP):
            self.review.move(1 if event.key == pygame.K_DOWN else -1)
        elif review and event.key in (pygame.K_PAGEDOWN, pygame.K_PAGEUP):
            sc = self.review.list
            sc.by(sc.rect.height // 2 * (1 if event.key == pygame.K_PAGEDOWN else -1))
        elif event.key in (pygame.K_DOWN, pygame.K_PAGEDOWN):
            self.diffs.by(self.diffs.rect.height // 2)
        elif event.key in (pygame.K_UP, pygame.K_PAGEUP):
            self.diffs.by(-self.diffs.rect.height // 2)

    def wheel(self, dy: int) -> None:
        if self.view == "review":
            wheel_scroll(self.app.ui, [self.review.list, self.review.summary], dy)
        else:
            wheel_scroll(self.app.ui, [self.diffs, self.moments, self.hidden, self.summary], dy)

    def autoplay_events(self, driver: Any) -> list[pygame.event.Event]:
        """The result, then the game review once it is done (each is photographed), then quit."""
        if self.view == "result":
            return [key_event(pygame.K_TAB)]
        if not self.review.reviewer.finished:
            return []  # the screen changes when the review is done; autoplay is asked again then
        return [pygame.event.Event(pygame.QUIT)]

    def busy(self) -> bool:
        """Work goes on off the main thread (the review): a loop without a display should not spin."""
        return not self.review.reviewer.finished

    # --- drawing ----------------------------------------------------------------------------------------
    def animating(self, now: float) -> bool:
        return self.view == "review" and self.review.animating()

    def draw_overlay(self, ui: Ui) -> None:
        if self.view == "review":
            self.review.draw_overlay(ui)

    def _tabs(self, ui: Ui) -> int:
        """The Result / Game review switch in the top bar; returns its width."""
        h = ui.s("topbar")
        bh = round(h * 0.6)
        pad = ui.s("pad")
        x = ui.size[0] - pad
        for view in reversed(VIEWS):
            text = self.t("tab_" + view)
            bw = ui.text_width(text, "label", True) + 2 * pad
            x -= bw
            r = Rect(x, (h - bh) // 2, bw, bh)
            name = f"tab_{view}"
            active = view == self.view
            ui.panel(name, r, "topbar", fill="accent" if active else "topbar", border="topbar_muted", shadow=False,
                     radius=bh // 2)
            ui.label(text, r.center, name, "label", True, "topbar_text", anchor="center", max_w=bw - pad)
            ui.hit(r, ("view", view))
            x -= ui.s("pad", 0.5)
        return ui.size[0] - pad - x

    def draw(self, ui: Ui) -> None:
        rep = self.report
        c = Content(self.game.scenario, self.locale)
        w, h = ui.size
        pad, gap = ui.s("pad"), ui.s("gap")
        ui.surface.fill(ui.c("background"))
        tabs_w = sum(ui.text_width(self.t("tab_" + v), "label", True) + 2 * pad for v in VIEWS) + pad
        subtitle = self.t("branch_badge") if self.game.branch is not None else self.t("debrief")
        top_bar(ui, c.title, subtitle, tabs_w)
        self._tabs(ui)
        y = ui.s("topbar") + pad
        bh = round(ui.s("topbar") * 0.72)
        footer = Rect(pad, h - pad - bh, w - 2 * pad, bh)
        # banner: result and why, score and grade
        banner_h = max(round(ui.s("topbar") * 1.9), self._banner_need(ui, rep, w - 2 * pad))
        banner_h = min(banner_h, round((h - y) * 0.3))
        banner = Rect(pad, y, w - 2 * pad, banner_h)
        self._banner(ui, banner, rep)
        y = banner.bottom + gap
        body = Rect(pad, y, w - 2 * pad, footer.top - gap - y)
        if self.view == "review":
            ui.layout.siblings.append(["banner", "review_summary", "review_list", "debrief_footer"])
            self.review.draw(ui, body)
            self._footer(ui, footer)
            return
        lw = round(body.width * 0.4)
        left = Rect(body.x, body.y, lw, body.height)
        right = Rect(left.right + gap, body.y, body.right - left.right - gap, body.height)
        score_h = self._scorecard_need(ui)
        score_r = Rect(left.x, left.y, left.width, min(score_h, left.height // 2))
        hidden_r = Rect(left.x, score_r.bottom + gap, left.width, left.bottom - score_r.bottom - gap)
        tl_h = round(right.height * 0.55)
        tl = Rect(right.x, right.y, right.width, tl_h)
        diff = Rect(right.x, tl.bottom + gap, right.width, right.bottom - tl.bottom - gap)
        ui.layout.siblings.append(["banner", "scorecard", "hidden", "timeline", "differences", "debrief_footer"])
        self._scorecard(ui, score_r, rep)
        self._hidden(ui, hidden_r, rep)
        self._timeline(ui, tl, rep)
        self._differences(ui, diff, rep)
        self._footer(ui, footer)

    def _banner_need(self, ui: Ui, rep: Report, width: int) -> int:
        """The banner's height for its text, measured at the width it is drawn at (:meth:`_why_width`)."""
        pad = ui.s("pad")
        why = self._why(rep)
        return 2 * pad + ui.glyph_height(ui.fs("display"), True) + ui.text_height(why, self._why_width(ui, width),
                                                                                  "body")

    @staticmethod
    def _why_width(ui: Ui, width: int) -> int:
        """The width of the banner's text in a banner ``width`` wide: after the icon, before the score."""
        pad = ui.s("pad")
        return width - round(width * 0.28) - (2 * pad + ui.fs("display")) - pad

    def _why(self, rep: Report) -> str:
        c = Content(self.game.scenario, self.locale)
        parts = []
        branch = self.game.branch
        if branch is not None:  # said first: this run is practice, not the trainee's graded game
            parts.append(self.t("branch_note", n=branch.at, log=branch.of))
        for a in rep.accounts:
            prefix = a.company + colon(self.locale) if c.pipeline else ""
            if a.result == "won":
                if a.has_deal:
                    price = fmt_money(a.revenue, a.currency, self.locale)
                    parts.append(prefix + self.t("won_at", day=fmt_days(a.day), price=price))
                else:
                    parts.append(prefix + self.t("won_on", day=fmt_days(a.day)))
            elif a.result == "lost":
                parts.append(prefix + sentences([self.t("lost_on", day=fmt_days(a.day)), *a.why], self.locale))
        return "\n".join(parts)

    def _banner(self, ui: Ui, r: Rect, rep: Report) -> None:
        c = Content(self.game.scenario, self.locale)
        good = rep.won
        ui.panel("banner", r, fill="good_soft" if good else "bad_soft", border="good" if good else "bad")
        pad = ui.s("pad")
        n = len(rep.accounts)
        won = sum(a.result == "won" for a in rep.accounts)
        if c.pipeline:
            title = self.t("result_won_pipeline" if good else "result_lost_pipeline", won=won, total=n)
        else:
            title = self.t("result_won" if good else "result_lost")
        score_w = round(r.width * 0.28)
        icon = ui.fs("display")
        ix, iy = r.x + pad + icon // 2, r.y + pad + ui.glyph_height(icon, True) // 2
        if good:
            ui.check((ix, iy), icon, "good")
        else:
            s = icon // 3
            pygame.draw.line(ui.surface, ui.c("bad"), (ix - s, iy - s), (ix + s, iy + s), max(3, icon // 8))
            pygame.draw.line(ui.surface, ui.c("bad"), (ix - s, iy + s), (ix + s, iy - s), max(3, icon // 8))
        tx = r.x + 2 * pad + icon
        tw = self._why_width(ui, r.width)
        ui.label(title, (tx, r.y + pad), "banner", "display", True, "good" if good else "bad", max_w=tw)
        y = r.y + pad + ui.glyph_height(ui.fs("display"), True)
        ui.block(self._why(rep), Rect(tx, y, tw, r.bottom - pad // 2 - y), "banner", "body", False, "text")
        # score and grade on the right
        card = rep.card
        sx = r.right - pad
        grade = f"{self.t('grade')} {card.grade}"
        ui.label(f"{card.score:.1f}", (sx, r.y + pad), "banner", "display", True, "text", anchor="topright",
                 max_w=score_w)
        gy = r.y + pad + ui.glyph_height(ui.fs("display"), True)
        ui.label(f"{self.t('score')} · {grade} · {self.t('passed' if card.passed else 'failed')}", (sx, gy), "banner",
                 "label", True, "good" if card.passed else "bad", anchor="topright", max_w=score_w)

    def _scorecard_rows(self, rep: Report) -> list[tuple[str, str]]:
        """The scorecard's rows, the score last; revenue and margin (against the list price) when a
        deal had a price."""
        card = rep.card
        cyc = self.t("n_days", n=fmt_days(card.cycle_days)) if card.cycle_days is not None else self.t("no_close")
        rows = [
            (self.t("conversion"), f"{card.conversion * 100:.0f}%"),
            (self.t("satisfaction"), f"{card.satisfaction:.1f} / 100"),
            (self.t("cycle_time"), cyc),
            (self.t("retention"), f"{card.retention * 100:.0f}%"),
        ]
        deals = [a for a in rep.accounts if a.has_deal]
        if deals:
            cur = deals[0].currency
            for key, amount, share in (("revenue", card.revenue, card.revenue_score),
                                       ("margin", card.margin, card.margin_score)):
                rows.append((self.t(key), f"{fmt_money(amount, cur, self.locale)} · "
                                          f"{self.t('of_list', pct=fmt_percent(share))}"))
        rows.append((self.t("score"), f"{card.score:.1f} · {card.grade}"))
        return rows

    def _scorecard_need(self, ui: Ui) -> int:
        pad = ui.s("pad")
        n = len(self._scorecard_rows(self.report))
        return pad * 2 + ui.glyph_height(ui.fs("heading"), True) + n * ui.glyph_height(ui.fs("body")) + pad // 2

    def _scorecard(self, ui: Ui, r: Rect, rep: Report) -> None:
        ui.panel("scorecard", r)
        pad = ui.s("pad")
        x, width = r.x + pad, r.width - 2 * pad
        ui.label(self.t("scorecard"), (x, r.y + pad // 2), "scorecard", "heading", True, "accent", max_w=width)
        area = Rect(x, r.y + pad // 2 + ui.glyph_height(ui.fs("heading"), True), width,
                    r.bottom - pad // 2 - (r.y + pad // 2 + ui.glyph_height(ui.fs("heading"), True)))
        with ui.scroll_area(self.summary, area) as y0:
            y = y0
            lh = ui.glyph_height(ui.fs("body"))
            rows = self._scorecard_rows(rep)
            for i, (name, value) in enumerate(rows):
                vw = min(ui.text_width(value, "body", True), width * 2 // 3)
                bold = i == len(rows) - 1
                ui.label(name, (x, y), "scorecard", "body", bold, "text", max_w=width - vw - pad)
                ui.label(value, (x + width - ui.s("scrollbar") * 2, y), "scorecard", "body", True,
                         "accent" if bold else "text", anchor="topright", max_w=vw)
                y += lh
            self.summary.content = y - y0

    def _hidden(self, ui: Ui, r: Rect, rep: Report) -> None:
        c = Content(self.game.scenario, self.locale)
        ui.panel("hidden", r)
        pad = ui.s("pad")
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad // 2
        ui.label(self.t("hidden"), (x, y), "hidden", "heading", True, "accent", max_w=width)
        y += ui.glyph_height(ui.fs("heading"), True)
        ui.label(self.t("hidden_head"), (x, y), "hidden", "small", False, "muted", max_w=width)
        y += ui.glyph_height(ui.fs("small"))
        area = Rect(x, y, width, r.bottom - pad // 2 - y)
        with ui.scroll_area(self.hidden, area) as y0:
            yy = y0
            inner = width - ui.s("scrollbar") * 2
            lh = ui.glyph_height(ui.fs("label"), True)
            sh = ui.glyph_height(ui.fs("small"))
            for a in rep.accounts:
                if c.pipeline:
                    ui.label(a.company, (x, yy), "hidden", "label", True, "accent", max_w=inner)
                    yy += lh
                for p in a.people:
                    role = self.t("role_" + p.role) + (f" · {self.t('veto_power')}" if p.can_veto else "")
                    if not p.known:
                        role = self.t("role_unrevealed", role=role)
                    who = p.name + ("" if p.present else self.t("absent"))
                    role_w = min(ui.text_width(role, "small"), inner // 2 - pad)
                    ui.label(who, (x, yy), "hidden", "label", True, "text" if p.present else "faint",
                             max_w=inner - role_w - pad)
                    ui.label(role, (x + inner, yy), "hidden", "small", False, "muted", anchor="topright",
                             max_w=role_w)
                    yy += lh
                    t0, t1 = p.trust
                    s0, s1 = p.satisfaction
                    text = (f"{self.t('trust')} {t0:.0f} → {t1:.0f}    "
                            f"{self.t('satisfaction')} {s0:.0f} → {s1:.0f}")
                    ui.label(text, (x + pad, yy), "hidden", "small", False, "text", max_w=inner - pad)
                    yy += sh + ui.s("gap", 0.5)
                yy = self._never_found(ui, a, x, yy, inner)
            self.hidden.content = yy - y0

    def _never_found(self, ui: Ui, a: Any, x: int, y: int, width: int) -> int:
        """Who and what the seller never found out (for a case that hid anything at the start)."""
        c = Content(self.game.scenario, self.locale)
        hidden_people = [s for s in c.account(a.id).stakeholders if not s.known]
        hidden_facts = [f for f in c.facts(a.id) if not f.known]
        if not hidden_people and not hidden_facts:
            return y
        y += ui.s("gap", 0.5)
        ui.label(self.t("never_found"), (x, y), "hidden", "label", True, "warn", max_w=width)
        y += ui.glyph_height(ui.fs("label"), True)
        lines = [self.t("never_found_person", name=p.name, role=self.t("role_" + p.role) + (
            f" · {self.t('veto_power')}" if p.can_veto else "")) for p in a.unknown_people]
        lines += [f"{c.text(f.label)}{colon(self.locale)}{c.text(f.value)}" for f in hidden_facts
                  if f.id in a.unknown_facts]
        if not lines:
            lines = [self.t("never_found_none")]
        for line in lines:
            y += ui.block(line, Rect(x + ui.s("pad"), y, width - ui.s("pad"), 10_000), "hidden", "small", False,
                          "text") + ui.s("gap", 0.3)
        return y

    def _timeline(self, ui: Ui, r: Rect, rep: Report) -> None:
        """Each account's run as a lane along the days, coloured by roadmap stage, with its key moments."""
        c = Content(self.game.scenario, self.locale)
        ui.panel("timeline", r)
        pad = ui.s("pad")
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad // 2
        ui.label(self.t("timeline"), (x, y), "timeline", "heading", True, "accent", max_w=width)
        y += ui.glyph_height(ui.fs("heading"), True)
        end = max(rep.end_day, 1.0)
        lane_h = max(10, ui.s("pad", 1.2))
        name_w = round(width * 0.22) if c.pipeline else 0
        lx, lw = x + name_w, width - name_w
        sh = ui.glyph_height(ui.fs("small"))
        for a in rep.accounts:
            if c.pipeline:
                ui.label(a.company, (x, y + (lane_h - sh) // 2), "timeline", "small", True, "text", max_w=name_w - 4)
            stops = [*a.stages, (a.finished, "")]
            for (t0, stage), (t1, _) in itertools.pairwise(stops):
                idx = STAGES.index(stage)
                seg = Rect(lx + round(lw * t0 / end), y, max(2, round(lw * (t1 - t0) / end)), lane_h)
                ui.rect(seg, mix(ui.theme.stage_color(idx), (255, 255, 255), 0.35))
            for m in (m for m in rep.moments if m.account == a.id and m.kind != "stage"):
                self._marker(ui, (lx + round(lw * m.t / end), y + lane_h // 2), lane_h // 2 + 2, m)
            y += lane_h + ui.s("gap", 0.6)
        # axis labels
        ui.label(self.t("day", day=0), (lx, y), "timeline", "small", False, "muted")
        ui.label(self.t("day", day=fmt_days(end)), (lx + lw, y), "timeline", "small", False, "muted", anchor="topright")
        y += sh
        # legend: stage colours are named (wrapping to more lines when narrow)
        lgx = x
        for i, key in enumerate(STAGES):
            label = self.t("stage_" + key)
            tw = min(ui.text_width(label, "small"), width - sh)
            if lgx > x and lgx + sh // 2 + 6 + tw > x + width:
                lgx = x
                y += sh
            ui.rect(Rect(lgx, y + sh // 4, sh // 2 + 2, sh // 2), mix(ui.theme.stage_color(i), (255, 255, 255), 0.35))
            ui.label(label, (lgx + sh // 2 + 6, y), "timeline", "small", False, "muted", max_w=tw)
            lgx += sh // 2 + 6 + tw + pad
        y += sh
        lgx = x
        for kind, good, key in (("decision", True, "legend_good"), ("decision", False, "legend_bad"),
                                ("event", None, "legend_event"), ("outcome", True, "legend_outcome")):
            label = self.t(key)
            tw = min(ui.text_width(label, "small"), width - sh)
            if lgx > x and lgx + sh + 4 + tw > x + width:
                lgx = x
                y += sh
            self._marker(ui, (lgx + sh // 2, y + sh // 2), sh // 3, Moment(0, "", kind, "", good))
            ui.label(label, (lgx + sh + 4, y), "timeline", "small", False, "muted", max_w=tw)
            lgx += sh + 4 + tw + pad
        y += sh + ui.s("gap", 0.5)
        area = Rect(x, y, width, r.bottom - pad // 2 - y)
        with ui.scroll_area(self.moments, area) as y0:
            yy = y0
            inner = width - ui.s("scrollbar") * 2
            for m in rep.moments:
                if m.kind == "stage":
                    continue
                self._marker(ui, (x + sh // 2, yy + sh // 2 + 1), sh // 2, m)
                day = self.t("day", day=fmt_days(m.t))
                who = c.company(m.account) + colon(self.locale) if c.pipeline else ""
                text = f"{day} · {who}{m.text}"
                yy += ui.block(text, Rect(x + sh + pad // 2, yy, inner - sh - pad // 2, 10_000), "timeline", "small",
                               False, "text") + ui.s("gap", 0.3)
            self.moments.content = yy - y0

    def _marker(self, ui: Ui, center: tuple[int, int], r: int, m: Moment) -> None:
        if m.kind == "decision":
            if m.good:
                pygame.draw.circle(ui.surface, ui.c("accent"), center, r)
            else:
                pygame.draw.circle(ui.surface, ui.c("panel"), center, r)
                pygame.draw.circle(ui.surface, ui.c("bad" if m.good is False else "accent"), center, r, max(2, r // 3))
        elif m.kind == "event":
            ui.diamond(center, r, "warn")
        elif m.kind == "outcome":
            ui.diamond(center, r + 2, "good" if m.good else "bad")
            ui.diamond(center, max(1, r // 2), "panel")

    def _differences(self, ui: Ui, r: Rect, rep: Report) -> None:
        c = Content(self.game.scenario, self.locale)
        ui.panel("differences", r)
        pad = ui.s("pad")
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad // 2
        ui.label(self.t("differed"), (x, y), "differences", "heading", True, "accent", max_w=width)
        y += ui.glyph_height(ui.fs("heading"), True)
        area = Rect(x, y, width, r.bottom - pad // 2 - y)
        with ui.scroll_area(self.diffs, area) as y0:
            yy = y0
            inner = width - ui.s("scrollbar") * 2
            if not rep.differences:
                yy += ui.block(self.t("no_differences"), Rect(x, yy, inner, 10_000), "differences", "body", False,
                               "good")
            for d in rep.differences:
                where = self.t("day", day=fmt_days(d.t)) + " · " + (
                    f"{c.company(d.account)}{colon(self.locale)}{d.title}" if c.pipeline and d.account else d.title)
                yy += ui.block(where, Rect(x, yy, inner, 10_000), "differences", "label", True, "text")
                yy += ui.block(self.t("your_choice", label=d.chosen), Rect(x + pad, yy, inner - pad, 10_000),
                               "differences", "label", False, "bad")
                yy += ui.block(self.t("coach_choice", label=" / ".join(d.recommended)),
                               Rect(x + pad, yy, inner - pad, 10_000), "differences", "label", False, "good")
                if d.feedback:
                    yy += ui.block(d.feedback, Rect(x + pad, yy, inner - pad, 10_000), "differences", "small", False,
                                   "muted")
                yy += ui.s("gap")
            self.diffs.content = yy - y0

    def _footer(self, ui: Ui, r: Rect) -> None:
        ui.layout.panel("debrief_footer", (r.x, r.y, r.width, r.height))
        pad, gap = ui.s("pad"), ui.s("gap")
        buttons = [("again", self.t("play_again"), "R"), ("picker", self.t("scenarios"), "S"),
                   ("quit", self.t("quit"), "Q")]
        if not self.app.has_picker_source():
            buttons = [b for b in buttons if b[0] != "picker"]
        branch = self.game.branch
        if branch is not None and branch.parent is not None:
            buttons.insert(0, ("back", self.t("back_to_game"), "B"))
        x = r.right
        for action, label, key in reversed(buttons):
            bw = ui.button_width(label, key)
            x -= bw
            ui.button(Rect(x, r.y, bw, r.height), label, (action,), "debrief_footer", f"btn_{action}",
                      primary=action == "again", key=key)
            x -= gap
        path = self.game.log_path
        text = self.t("branch_saved" if branch is not None else "log_saved", path=str(path))
        ui.block(text, Rect(r.x, r.y, x - r.x - pad, r.height), "debrief_footer", "small", False, "muted")
