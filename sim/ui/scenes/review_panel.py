"""The debrief's game review: accuracy, the luck line, a graph of the win chance over the run, and
each decision with its class (colour and word), its cost in points and win chance, and "Replay from
here".

The review itself is :mod:`scoring.review`'s, computed on a worker thread (:mod:`sim.ui.review`);
while it runs the panel says so and shows how far it got, and the decisions are listed (and can be
replayed) already. The graph is drawn with pygame's primitives.
"""

from __future__ import annotations

from typing import Any

import pygame

from sim.ui.content import Content
from sim.ui.review import CLASSES, Reviewer, ReviewRow, luck_text, perfect, review_rows, reviewer_of
from sim.ui.strings import fmt_days, fmt_percent
from sim.ui.widgets import Rect, Scroll, Ui

__all__ = ["ReviewPanel"]


class ReviewPanel:
    """The review view of a debrief (state kept between frames: the decision picked, the scrolls)."""

    def __init__(self, scene: Any) -> None:
        self.scene = scene
        self.selected: int | None = None  # decision number picked for "Replay from here"
        self.list = Scroll()
        self.summary = Scroll()
        self._rows: tuple[Any, list[ReviewRow]] | None = None
        self._row_rects: dict[int, Rect] = {}
        self._progress: tuple[Rect, int] | None = None  # where the progress bar goes, and the text's x
        self.markers: dict[int, tuple[int, int]] = {}  # decision number -> its point on the graph

    # --- state ---------------------------------------------------------------------------------------
    @property
    def reviewer(self) -> Reviewer:
        return reviewer_of(self.scene.game)

    def t(self, key: str, **values: Any) -> str:
        return str(self.scene.t(key, **values))

    def rows(self) -> list[ReviewRow]:
        reviewer = self.reviewer
        key = (self.scene.locale, reviewer.state)
        if self._rows is None or self._rows[0] != key:
            game = self.scene.game
            content = Content(game.scenario, self.scene.locale)
            self._rows = (key, review_rows(game.session.history, game.session.trace, content, reviewer.review))
        return self._rows[1]

    def select(self, number: int) -> None:
        rows = self.rows()
        if 1 <= number <= len(rows):
            self.selected = number
            rect = self._row_rects.get(number)
            if rect is not None:  # keep it in view
                view = self.list.rect
                if rect.top < view.top:
                    self.list.by(rect.top - view.top)
                elif rect.bottom > view.bottom:
                    self.list.by(rect.bottom - view.bottom)

    def move(self, step: int) -> None:
        n = len(self.rows())
        if n:
            cur = self.selected if self.selected is not None else (0 if step > 0 else n + 1)
            self.select(max(1, min(n, cur + step)))

    def animating(self) -> bool:
        return self.reviewer.state == "running"

    # --- drawing -------------------------------------------------------------------------------------
    def draw(self, ui: Ui, body: Rect) -> None:
        gap = ui.s("gap")
        lw = round(body.width * 0.42)
        left = Rect(body.x, body.y, lw, body.height)
        right = Rect(left.right + gap, body.y, body.right - left.right - gap, body.height)
        ui.layout.siblings.append(["review_summary", "review_list"])
        self._summary(ui, left)
        self._list(ui, right)

    def _summary(self, ui: Ui, r: Rect) -> None:
        ui.panel("review_summary", r)
        pad = ui.s("pad")
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad // 2
        ui.label(self.t("review_heading"), (x, y), "review_summary", "heading", True, "accent", max_w=width)
        y += ui.glyph_height(ui.fs("heading"), True)
        reviewer = self.reviewer
        review = reviewer.review
        area = Rect(x, y, width, r.bottom - pad // 2 - y)
        self._progress = None
        if review is None:
            with ui.scroll_area(self.summary, area) as y0:
                if reviewer.state == "failed":
                    h = ui.block(self.t("review_failed", error=reviewer.error), Rect(x, y0, width, 10_000),
                                 "review_summary", "body", False, "bad")
                else:
                    h = ui.block(self.t("reviewing"), Rect(x, y0, width, 10_000), "review_summary", "body", False,
                                 "text")
                    bar_y = y0 + h + ui.s("gap")
                    self._progress = (Rect(x, bar_y, width, max(8, ui.s("pad", 0.6))), bar_y)
                    h += ui.s("gap") + ui.s("pad", 0.6) + ui.s("gap", 0.5) + ui.glyph_height(ui.fs("label"))
                self.summary.content = h
            return
        content = Content(self.scene.game.scenario, self.scene.locale)
        inner = width - ui.s("scrollbar") * 2
        with ui.scroll_area(self.summary, area) as y0:
            yy = y0
            big = ui.fs("display")
            acc = f"{review.accuracy:.0f}%"
            ar = ui.label(acc, (x, yy), "review_summary", big, True, "accent")
            ui.label(self.t("review_accuracy"), (ar.right + pad // 2, ar.bottom - ui.glyph_height(ui.fs("label"))
                                                 - pad // 4), "review_summary", "label", True, "muted",
                     max_w=max(10, x + inner - ar.right - pad // 2))
            yy += ui.glyph_height(big, True)
            luck = f"{review.luck:+.1f}"
            line = self.t("review_expected", expected=f"{review.expected:.1f}", actual=f"{review.actual:.1f}",
                          luck=luck)
            yy += ui.block(line, Rect(x, yy, inner, 10_000), "review_summary", "label", False, "text")
            yy += ui.s("gap", 0.5)
            yy = self._counts(ui, x, yy, inner, review.counts())
            yy += ui.s("gap", 0.5)
            yy += ui.block(luck_text(review, content), Rect(x, yy, inner, 10_000), "review_summary", "label", False,
                           "text")
            if perfect(review):
                yy += ui.s("gap", 0.5)
                yy += ui.block(self.t("review_perfect"), Rect(x, yy, inner, 10_000), "review_summary", "label",
                               True, "good")
            yy += ui.s("gap")
            graph_h = max(ui.s("topbar", 2.0), y0 + area.height - yy)
            yy = self._graph(ui, Rect(x, yy, inner, graph_h))
            self.summary.content = yy - y0

    def _chip(self, ui: Ui, x: int, y: int, klass: str, panel: str, width: int | None = None) -> Rect:
        """A class as a coloured chip with its word (colour is never the only sign)."""
        word = self.t("class_" + klass) if klass else "…"
        px = ui.fs("small")
        h = ui.glyph_height(px, True) + 4
        w = width if width is not None else ui.text_width(word, px, True) + ui.s("pad")
        r = Rect(x, y, w, h)
        ui.rect(r, ui.c("class_" + klass) if klass else ui.c("faint"), h // 2)
        ui.label(word, r.center, panel, px, True, "accent_text", max_w=w - 4, anchor="center")
        return r

    def _counts(self, ui: Ui, x: int, y: int, width: int, counts: dict[str, int]) -> int:
        """How many decisions fell in each class, as chips, wrapping."""
        px = ui.fs("small")
        h = ui.glyph_height(px, True) + 4
        cx = x
        for klass in CLASSES:
            n = counts.get(klass, 0)
            word = f"{self.t('class_' + klass)} {n}"
            w = ui.text_width(word, px, True) + ui.s("pad")
            if cx > x and cx + w > x + width:
                cx, y = x, y + h + ui.s("gap", 0.4)
            r = Rect(cx, y, min(w, width), h)
            if n:
                ui.rect(r, ui.c("class_" + klass), h // 2)
                color = "accent_text"
            else:
                ui.rect(r, ui.c("class_" + klass), h // 2, 1)
                color = "muted"
            ui.label(word, r.center, "review_summary", px, True, color, max_w=r.width - 4, anchor="center")
            cx += w + ui.s("gap", 0.5)
        return y + h

    def _graph(self, ui: Ui, r: Rect) -> int:
        """The win chance of the choice made at each decision (a line), the best option's (a faint
        line), each decision a dot in its class's colour; click a dot to pick the decision."""
        rows = self.rows()
        px = ui.fs("small")
        sh = ui.glyph_height(px)
        ui.label(self.t("review_graph"), (r.x, r.y), "review_summary", "label", True, "text", max_w=r.width)
        y = r.y + ui.glyph_height(ui.fs("label"), True)
        # legend
        lx = r.x
        for key, color, width in (("review_yours", "accent", 3), ("review_best_line", "faint", 1)):
            label = self.t(key)
            pygame.draw.line(ui.surface, ui.c(color), (lx, y + sh // 2), (lx + sh, y + sh // 2), width)
            lr = ui.label(label, (lx + sh + 4, y), "review_summary", px, False, "muted",
                          max_w=max(10, r.right - lx - sh - 4))
            lx = lr.right + ui.s("pad")
        y += sh + ui.s("gap", 0.3)
        axis_w = ui.text_width("100%", px) + 6
        plot = Rect(r.x + axis_w, y + sh // 2, r.width - axis_w - sh // 2, max(20, r.bottom - y - 2 * sh))
        ui.rect(plot, "panel_alt")
        for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
            gy = plot.bottom - round(frac * plot.height)
            pygame.draw.line(ui.surface, ui.c("graph_grid" if frac not in (0.0, 1.0) else "border"),
                             (plot.x, gy), (plot.right, gy), 1)
            if frac in (0.0, 0.5, 1.0):
                ui.label(f"{frac * 100:.0f}%", (plot.x - 4, gy), "review_summary", px, False, "muted",
                         anchor="midright")
        n = len(rows)
        self.markers = {}
        rad = max(3, round(4 * ui.scale))
        inset = rad + 4  # the first and last dots stay inside the plot
        if n:
            step = (plot.width - 2 * inset) / max(1, n - 1) if n > 1 else 0.0

            def at(i: int, win: float) -> tuple[int, int]:
                gx = plot.x + inset + round(i * step) if n > 1 else plot.centerx
                return gx, plot.bottom - round(win * plot.height)

            best = [at(i, row.best_win) for i, row in enumerate(rows) if row.best_win is not None]
            yours = [at(i, row.win) for i, row in enumerate(rows) if row.win is not None]
            if len(best) > 1:
                pygame.draw.lines(ui.surface, ui.c("faint"), False, best, 1)
            if len(yours) > 1:
                pygame.draw.lines(ui.surface, ui.c("accent"), False, yours, max(2, round(2 * ui.scale)))
            for i, row in enumerate(rows):
                if row.win is None:
                    continue
                pos = at(i, row.win)
                self.markers[row.number] = pos
                if row.number == self.selected:
                    pygame.draw.circle(ui.surface, ui.c("accent"), pos, rad + 4, 2)
                radius = rad + (2 if row.decisive else 0)
                pygame.draw.circle(ui.surface, ui.c("panel"), pos, radius + 1)
                pygame.draw.circle(ui.surface, ui.c("class_" + row.klass), pos, radius)
                hit = max(rad * 2 + 2, round(step) if n > 1 else plot.width)
                ui.hit(Rect(pos[0] - hit // 2, plot.y, hit, plot.height), ("decision", row.number))
            ui.label("1", (at(0, 0)[0], plot.bottom + 2), "review_summary", px, False, "muted", anchor="midtop")
            if n > 1:
                ui.label(str(n), (at(n - 1, 0)[0], plot.bottom + 2), "review_summary", px, False, "muted",
                         anchor="midtop")
        return plot.bottom + 2 + sh

    def _list(self, ui: Ui, r: Rect) -> None:
        ui.panel("review_list", r)
        pad, gap = ui.s("pad"), ui.s("gap")
        x, width = r.x + pad, r.width - 2 * pad
        y = r.y + pad // 2
        ui.label(self.t("review_decisions"), (x, y), "review_list", "heading", True, "accent", max_w=width)
        y += ui.glyph_height(ui.fs("heading"), True)
        y += ui.block(self.t("review_hint"), Rect(x, y, width, r.bottom - y), "review_list", "small", False, "muted")
        y += ui.s("gap", 0.5)
        bh = round(ui.s("topbar") * 0.62)
        button_y = r.bottom - pad // 2 - bh
        area = Rect(x, y, width, button_y - gap // 2 - y)
        rows = self.rows()
        show_reasons = self.reviewer.review is not None and perfect(self.reviewer.review)
        chip_w = max(ui.text_width(self.t("class_" + k), "small", True) for k in CLASSES) + ui.s("pad")
        self._row_rects = {}
        with ui.scroll_area(self.list, area) as y0:
            yy = y0
            inner = width - ui.s("scrollbar") * 2
            for row in rows:
                h = self._row(ui, Rect(x, yy, inner, 0), row, chip_w, show_reasons, measure=True)
                rect = Rect(x, yy, inner, h)
                self._row_rects[row.number] = rect
                self._row(ui, rect, row, chip_w, show_reasons)
                yy += h + ui.s("gap", 0.4)
            self.list.content = yy - y0
        # Replay from here
        label = self.t("replay_here") if self.selected is not None else self.t("replay_pick")
        bw = min(width, ui.button_width(label, "P"))
        ui.button(Rect(r.right - pad - bw, button_y, bw, bh), label, ("replay",), "review_list", "btn_replay",
                  primary=self.selected is not None, key="P")

    def _row_texts(self, row: ReviewRow, show_reason: bool) -> list[tuple[str, str, bool, str]]:
        """(text, size, bold, colour) lines of a decision's row."""
        lines = [(f"{row.number} · {self.t('day', day=fmt_days(row.day))} · {row.title}", "label", True, "text"),
                 (self.t("review_you", label=row.chosen), "label", False, "text")]
        if row.klass:
            if row.lost > 0:
                cost = self.t("review_lost", points=f"{row.lost:.1f}")
                if row.lost_win >= 0.005:
                    cost += " · " + self.t("review_lost_win", win=fmt_percent(row.lost_win))
                if row.best:
                    cost += " · " + self.t("review_best", label=row.best)
            else:
                cost = self.t("review_win", win=fmt_percent(row.win or 0.0))
            if row.decisive:
                cost += " · " + self.t("decisive")
            lines.append((cost, "small", row.lost > 0, "class_" + row.klass if row.lost > 0 else "muted"))
        if row.reason and (show_reason or row.klass in ("mistake", "blunder")):
            lines.append((self.t("review_reason", reason=row.reason), "small", False, "muted"))
        return lines

    def _row(self, ui: Ui, r: Rect, row: ReviewRow, chip_w: int, show_reason: bool, measure: bool = False) -> int:
        pad = ui.s("pad", 0.5)
        tx = r.x + pad + chip_w + pad
        tw = r.right - pad - tx
        lines = self._row_texts(row, show_reason)
        h = 2 * pad + sum(ui.text_height(text, tw, size, bold) for text, size, bold, _ in lines)
        h = max(h, 2 * pad + ui.glyph_height(ui.fs("small"), True) + 4)
        if measure:
            return h
        name = f"decision{row.number}"
        sel = row.number == self.selected
        ui.panel(name, r, "review_list", fill="accent_soft" if sel else ("hover" if ui.hovered(r) else "panel_alt"),
                 border="accent" if sel else "border", border_width=2 if sel else 1, shadow=False)
        self._chip(ui, r.x + pad, r.y + pad, row.klass, name, chip_w)
        y = r.y + pad
        for text, size, bold, color in lines:
            y += ui.block(text, Rect(tx, y, tw, 10_000), name, size, bold, ui.c(color))
        ui.hit(r, ("decision", row.number))
        return h

    def draw_overlay(self, ui: Ui) -> None:
        """While the review runs: its progress, drawn over the kept frame."""
        reviewer = self.reviewer
        if self._progress is None or reviewer.state != "running":
            return
        bar, _ = self._progress
        clip = self.summary.rect
        with ui.clip(clip):
            ui.rect(bar, "trust_empty", bar.height // 2)
            done = reviewer.done / max(1, reviewer.total)
            if done > 0:
                ui.rect(Rect(bar.x, bar.y, max(bar.height, round(bar.width * done)), bar.height), "accent",
                        bar.height // 2)
            ui.label(self.t("reviewing_n", done=reviewer.done, total=reviewer.total),
                     (bar.x, bar.bottom + ui.s("gap", 0.5)), "review_summary", "label", False, "muted",
                     max_w=bar.width)
