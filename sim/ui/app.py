"""The front end's thin main loop: a stack of scenes, input dispatch, drawing, and the extras that
drive it without a person (autoplay, screenshots) or reload it for authors (watch).

``App.step()`` runs exactly one frame (events, update, draw), so tests and autoplay drive the same
loop a person does: they post real keyboard and mouse events with ``pygame.event.post``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame

from sim.runs.policies import ExpertPolicy, RandomPolicy
from sim.ui.content import Content, Entry
from sim.ui.game import DEFAULT_LOG_DIR, Game, Turn, autoplay_policy, default_log_path, new_seed, next_free
from sim.ui.review import option_label
from sim.ui.scenes.base import Scene
from sim.ui.scenes.briefing import BriefingScene
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.feedback import FeedbackScene
from sim.ui.scenes.menu import ConfirmScene, ErrorScene, MenuScene
from sim.ui.scenes.picker import PickerScene
from sim.ui.scenes.play import PlayScene
from sim.ui.strings import tr
from sim.ui.theme import Theme, load_theme
from sim.ui.typeset import Typesetter
from sim.ui.widgets import Rect, Ui

__all__ = ["WATCH_POLL_S", "App", "Autoplay", "PlayConfig"]

#: How often a watched scenario file is checked for changes (seconds).
WATCH_POLL_S = 0.5


def _window() -> pygame.Surface:
    """The window's surface, open from the app's start to its end."""
    surface = pygame.display.get_surface()
    if surface is None:
        raise pygame.error("the display is not open")
    return surface


@dataclass
class PlayConfig:
    """What ``touchpoint play`` was asked to do."""

    locale: str = "en"
    trainee: str = ""
    seed: int | None = None
    log: Path | None = None
    log_dir: Path = DEFAULT_LOG_DIR
    autoplay: str | None = None  # "expert" | "random"
    screenshots: Path | None = None
    watch: Path | None = None
    size: tuple[int, int] = (1280, 720)
    fps: int = 60
    dwell_frames: int = 24  # autoplay: frames each screen stays before the next input
    extra: dict[str, Any] = field(default_factory=dict)


class Autoplay:
    """Plays without a person by posting the input a person would give each screen."""

    def __init__(self, kind: str, dwell: int) -> None:
        self.kind = kind
        self.dwell = dwell
        self.menu_shown = False
        self._policy: Any = None

    def wants_menu(self) -> bool:
        """Open the Esc menu once (so it is exercised and photographed), then play on."""
        if self.menu_shown:
            return False
        self.menu_shown = True
        return True

    def choose(self, point: Any, session: Any) -> str:
        if self._policy is None:
            self._policy = RandomPolicy(session.seed) if self.kind == "random" else ExpertPolicy()
        return self._policy.choose(point, session)

    @staticmethod
    def use_mouse(point: Any) -> bool:
        """Alternate between the keyboard and the mouse so both paths are exercised."""
        return point.number % 2 == 0

    def tick(self, app: App) -> None:
        if app.top_frames == self.dwell:
            for event in app.top.autoplay_events(self):
                pygame.event.post(event)


class App:
    """The window and its scenes."""

    def __init__(self, config: PlayConfig, entries: list[Entry] | Callable[[], list[Entry]], scenario: Any = None,
                 game: Game | None = None,
                 error: tuple[str, list[str]] | None = None, theme: Theme | None = None,
                 typesetter: Typesetter | None = None) -> None:
        self.config = config
        self.locale = config.locale
        self.trainee = config.trainee
        self._entries = entries  # the picker's list, or how to load it when first needed
        self.theme = theme or load_theme()
        pygame.display.init()
        pygame.font.init()
        w, h = config.size
        self.screen = pygame.display.set_mode((w, h), pygame.RESIZABLE)
        pygame.display.set_caption(tr("app_title", self.locale))
        self._min_size()
        pygame.key.set_repeat(400, 40)
        self.ui = Ui(self.theme, typesetter or Typesetter(self.theme.font_regular, self.theme.font_bold))
        self.clock = pygame.time.Clock()
        self.scenes: list[Scene] = []
        self.running = True
        self.now = 0.0
        self.frame = 0
        self.mouse = (-1, -1)
        self.game: Game | None = game
        self.games: list[Game] = [game] if game is not None else []  # every game of this sitting
        self.finished_games: list[Game] = []
        self.top_frames = 0
        self._top_key: Any = None
        self._drawn_top: Scene | None = None
        self._toast: tuple[str, float] | None = None
        self._log_retry = -10.0  # when the log's waiting lines were last tried (a full disk)
        self._dirty = True
        self._sig: Any = None
        self._kept: Any = None  # the last still frame
        self._overlaid = False
        self._shots: set[Any] = set()
        self._shot_n = 0
        self._log_used = False
        self.autoplay = Autoplay(config.autoplay, config.dwell_frames) if config.autoplay else None
        self._watch_t = 0.0
        self._watch_mtime = self._mtime() if config.watch else None
        if error is not None:
            self.scenes = [ErrorScene(self, *error)]
        elif game is not None:
            self.scenes = [PlayScene(self, game)]
            if game.finished:
                self.show_debrief()
            elif game.resumed_at:
                self.toast(tr("resumed", self.locale, n=game.resumed_at))
        elif scenario is not None:
            self.scenes = [BriefingScene(self, scenario)]
        else:
            self.scenes = [PickerScene(self, self.entries)]

    def _min_size(self) -> None:
        try:
            with warnings.catch_warnings():  # from_display_module is deprecated but has no replacement yet
                warnings.simplefilter("ignore", DeprecationWarning)
                window = pygame.Window.from_display_module()
            window.minimum_size = (self.theme.window["min_width"], self.theme.window["min_height"])
        except (AttributeError, pygame.error):  # older pygame-ce, or a driver without windows
            pass

    # --- the loop ---------------------------------------------------------------------------------------
    @property
    def top(self) -> Scene:
        return self.scenes[-1]

    def run(self, max_frames: int | None = None) -> int:
        """Run until the window closes (or ``max_frames`` frames); returns the number of frames run."""
        fps = self.config.fps
        dummy = os.environ.get("SDL_VIDEODRIVER") == "dummy"
        n = 0
        while self.running and (max_frames is None or n < max_frames):
            # without a display frames run as fast as they can, but not while a screen waits for
            # work on another thread (the review): spinning would only slow that work down
            ms = self.clock.tick(fps if not dummy or self.top.busy() else 0)
            self.step(1 / fps if dummy else min(ms / 1000, 0.1))
            n += 1
        return n

    def step(self, dt: float | None = None) -> bool:
        """One frame: input, update, draw (and autoplay, screenshots, watch). False once quit."""
        if not self.running:
            return False
        dt = 1 / self.config.fps if dt is None else dt
        self.now += dt
        self.poll_watch()
        self._retry_log()
        for event in pygame.event.get():
            self.dispatch(event)
            if not self.running:
                return False
        self.top.update(dt)
        key = (id(self.top), self.top.shot_key())
        if key != self._top_key:
            self._top_key = key
            self.top_frames = 0
        self.draw()
        self.top_frames += 1
        self.frame += 1
        self._screenshot()
        if self.autoplay is not None:
            self.autoplay.tick(self)
        return self.running

    def dispatch(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.quit()
            return
        if event.type == pygame.MOUSEMOTION:
            # redraw for a move only when it changes what is under the pointer (hover highlight)
            if self.ui.action_at(event.pos) != self.ui.action_at(self.mouse):
                self._dirty = True
        else:
            self._dirty = True
        if event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            self.mouse = event.pos
        if event.type == pygame.MOUSEBUTTONDOWN and self._drawn_top is not self.top:
            return  # the screen changed since the last frame: its click targets are not the ones seen
        self.top.handle(event)

    def draw(self) -> None:
        """Draw a frame. The still frame is drawn only when something changed (input, another
        screen, a new size or language) and kept; otherwise it is reused, with only what moves
        (pulses, a caret, a toast) drawn over it. A steady screen then costs almost nothing."""
        surface = _window()
        ui = self.ui
        sig = (surface.get_size(), self.locale, tuple((id(s), s.shot_key()) for s in self.scenes))
        full = self._dirty or sig != self._sig or self._kept is None or self._kept.get_size() != surface.get_size()
        if full:
            self._sig, self._dirty = sig, False
            ui.begin(surface, self.mouse, self.now)
            first = max((i for i, s in enumerate(self.scenes) if s.opaque), default=0)
            for scene in self.scenes[first:]:
                if scene is self.top:
                    ui.hits = []  # only the top screen takes clicks
                scene.draw(ui)
            if self._kept is None or self._kept.get_size() != surface.get_size():
                self._kept = pygame.Surface(surface.get_size()).convert(surface)
            self._kept.blit(surface, (0, 0))
            ui.layout.freeze()
            self._overlaid = False
        moving = self.top.animating(self.now) or self._toast is not None
        if not full and (moving or self._overlaid):
            surface.blit(self._kept, (0, 0))
            ui.layout.thaw()
        if moving:
            ui.resume(surface, self.now)
            self.top.draw_overlay(ui)
            self._draw_toast(ui)
        self._overlaid = moving
        pygame.display.flip()
        self._drawn_top = self.top

    # --- scenes -------------------------------------------------------------------------------------------
    def set_locale(self, code: str) -> None:
        self.locale = code
        pygame.display.set_caption(tr("app_title", code))

    @property
    def entries(self) -> list[Entry]:
        if callable(self._entries):
            self._entries = self._entries()
        return self._entries

    def has_picker(self) -> bool:
        return any(isinstance(s, PickerScene) for s in self.scenes)

    def has_picker_source(self) -> bool:
        return self.config.watch is None and (callable(self._entries) or bool(self._entries))

    def open_briefing(self, scenario: Any) -> None:
        self.scenes = [s for s in self.scenes if isinstance(s, PickerScene)] + [BriefingScene(self, scenario)]

    def back_to_picker(self) -> None:
        self._drop_game()
        picker = next((s for s in self.scenes if isinstance(s, PickerScene)), None)
        self.scenes = [picker or PickerScene(self, self.entries)]

    def start_game(self, scenario: Any) -> None:
        """A new game: a seed, a log file (header written at once), the play screen."""
        self._drop_game()
        seed = self.config.seed if self.config.seed is not None else new_seed()
        if self.config.log is not None:
            path = self.config.log if not self._log_used else next_free(self.config.log)
            self._log_used = True
        else:
            path = default_log_path(scenario.id, self.trainee, self.config.log_dir)
        policy = autoplay_policy(self.config.autoplay) if self.config.autoplay else ""
        self.game = Game.new(scenario, seed, self.trainee, self.locale, path, policy=policy)
        self.games.append(self.game)
        self.scenes = [PlayScene(self, self.game)]

    def restart(self) -> None:
        if self.game is not None:
            self.start_game(self.game.scenario)

    def show_feedback(self, play: PlayScene, turn: Turn) -> None:
        self.scenes.append(FeedbackScene(self, play, turn))

    def close_feedback(self, scene: FeedbackScene) -> None:
        if scene in self.scenes:
            self.scenes.remove(scene)
        if self.game is not None and self.game.finished:
            self.show_debrief()

    def replay_from(self, game: Game, number: int) -> None:
        """"Replay from here": a practice branch of ``game`` from its decision ``number`` (same seed,
        the earlier choices replayed), on the play screen; the game stays open to come back to."""
        try:
            branch = Game.branched(game, number, locale=self.locale)
        except OSError as err:
            self.toast(tr("branch_failed", self.locale, error=err.strerror or str(err)))
            return
        self.game = branch
        self.games.append(branch)
        self.scenes = [PlayScene(self, branch)]
        point, choice = game.session.history[number - 1]
        label = option_label(Content(game.scenario, self.locale), point, choice)
        self.toast(tr("branch_started", self.locale, n=number, label=label))

    def back_to_parent(self) -> None:
        """From a practice branch back to the debrief of the game it branches from (its review view)."""
        game = self.game
        if game is None or game.branch is None or game.branch.parent is None:
            return
        parent = game.branch.parent
        self._drop_game(chain=False)
        self.game = parent
        if parent not in self.finished_games:
            self.finished_games.append(parent)
        self.scenes = [DebriefScene(self, parent, view="review")]

    def show_debrief(self) -> None:
        assert self.game is not None
        if self.game not in self.finished_games:
            self.finished_games.append(self.game)
        self._toast = None  # a message from the game would cover the debrief's buttons
        self.scenes = [DebriefScene(self, self.game)]

    def open_menu(self) -> None:
        top = self.top
        if isinstance(top, (MenuScene, ConfirmScene)):
            return
        items = [("resume", "resume")]
        if isinstance(top, (PlayScene, FeedbackScene, DebriefScene)) and self.game is not None:
            items.append(("restart", "restart"))
        if isinstance(top, (BriefingScene, DebriefScene)) and self.has_picker_source():
            items.append(("picker", "scenarios"))
        items.append(("quit", "quit"))
        self.scenes.append(MenuScene(self, items))

    def menu_action(self, menu: Scene, action: str) -> None:
        """What the Esc menu (or its confirmation) chose: ``restart`` asks first (``restart_now``
        once confirmed); ``resume`` just closes it."""
        if menu in self.scenes:
            self.scenes.remove(menu)
        if action == "restart":
            self.scenes.append(ConfirmScene(self, "restart_confirm", "restart_now"))
        elif action == "restart_now":
            self.restart()
        elif action == "picker":
            self.back_to_picker()
        elif action == "quit":
            self.quit()

    def quit(self) -> None:
        self._drop_game(keep=True)
        self.running = False

    def _drop_game(self, keep: bool = False, chain: bool = True) -> None:
        """Leave the current game (its log stays, resumable if unfinished), and with ``chain`` the
        games it is a practice branch of (their reviews are no longer wanted)."""
        game = self.game
        while game is not None:
            game.close()
            game = game.branch.parent if chain and game.branch is not None else None
        if not keep:
            self.game = None

    # --- a full disk ----------------------------------------------------------------------------------------
    def _retry_log(self) -> None:
        """While the game's log cannot be written (a full disk) the game is paused: every two seconds
        the waiting lines are tried again, and a message says why nothing moves, then that it goes on."""
        game = self.game
        if game is None or not game.disk_full or self.now - self._log_retry < 2.0:
            return
        self._log_retry = self.now
        self.toast(tr("disk_ok", self.locale) if game.retry_log() else tr("disk_full", self.locale))

    # --- toasts -------------------------------------------------------------------------------------------
    def toast(self, text: str) -> None:
        self._toast = (text, self.now)

    def _draw_toast(self, ui: Ui) -> None:
        if self._toast is None:
            return
        text, start = self._toast
        if self.now - start > self.theme.animation["toast_seconds"]:
            self._toast = None
            return
        w, h = ui.size
        pad = ui.s("pad")
        tw = min(w - 4 * pad, ui.text_width(text, "label", True) + 2 * pad)
        th = ui.glyph_height(ui.fs("label"), True) + pad
        r = Rect((w - tw) // 2, h - 2 * pad - th, tw, th)
        ui.panel("toast", r, fill="topbar", border=None, radius=th // 2)
        ui.label(text, r.center, "toast", "label", True, "topbar_text", max_w=tw - 2 * pad, anchor="center")

    # --- screenshots ------------------------------------------------------------------------------------
    def _screenshot(self) -> None:
        folder = self.config.screenshots
        if folder is None:
            return
        delay = max(2, self.config.dwell_frames - 1) if self.autoplay else 2
        key = self._top_key
        if self.top_frames < delay or key in self._shots:
            return
        self._shots.add(key)
        self._shot_n += 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self._shot_n:02d}-{self.top.shot_name()}-{self.locale}.png"
        pygame.image.save(_window(), str(path))

    # --- watch (authors) ----------------------------------------------------------------------------------
    def _mtime(self) -> int | None:
        try:
            return self.config.watch.stat().st_mtime_ns if self.config.watch else None
        except OSError:
            return None

    def poll_watch(self, now: float | None = None) -> bool:
        """Reload the watched scenario if its file changed; True if it was reloaded (or failed to)."""
        if self.config.watch is None:
            return False
        t = time.monotonic() if now is None else now
        if now is None and t - self._watch_t < WATCH_POLL_S:
            return False
        self._watch_t = t
        m = self._mtime()
        if m == self._watch_mtime:
            return False
        self._watch_mtime = m
        self.reload()
        return True

    def reload(self) -> None:
        from sim.engine.loader import ScenarioError, load_scenario

        path = self.config.watch
        assert path is not None
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            self._drop_game()
            self.scenes = [ErrorScene(self, str(path), err.lines())]
            return
        self.start_game(scenario)
        self.toast(tr("reloaded", self.locale))
