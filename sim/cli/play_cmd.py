"""``touchpoint play [SCENARIO ...]``: play in a window (the pygame front end, :mod:`sim.ui`).

A game played with ``--autoplay POLICY`` writes a bot's log: its header names the policy
``autoplay-POLICY`` and its trace the player ``bot:autoplay-POLICY``, so grading tells it from a
person's; such a log is resumed only with the same ``--autoplay``.

``--assignment FILE --trainee ID [--attempt N]`` plays the seed an assignment (``touchpoint assign``)
gives that trainee for that attempt, on the scenario it names.

Arguments are checked and scenarios and logs loaded before pygame is imported, so a bad input is a
one-line error (exit 2) and ``touchpoint run`` and the other commands never load pygame. Without a
display to open a window on (no ``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux, or a driver that only
draws off screen) the command stops with one line (exit 1) instead of playing invisibly; a headless
run asks for it with ``SDL_VIDEODRIVER=dummy``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_PROBLEMS, CliError, load, positive_int, seed_int
from sim.lang.text import UI_LOCALES

__all__ = ["add_parser", "report", "run"]


def _size(text: str) -> tuple[int, int]:
    """argparse type: a window size such as 1280x720."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x720, got {text!r}") from None
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"window size {w}x{h} is out of range")
    return w, h


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _trainee(text: str) -> str:
    """argparse type: a trainee id: printable text (no CR, LF, ESC, NUL or other control characters:
    the id goes into every grade file and terminal message), at most 200 characters."""
    if _CONTROL.search(text):
        raise argparse.ArgumentTypeError("a trainee id cannot hold control characters (CR, LF, ESC, NUL, ...)")
    if len(text) > 200:
        raise argparse.ArgumentTypeError(f"a trainee id has at most 200 characters, got {len(text)}")
    if text != text.strip():
        raise argparse.ArgumentTypeError(f"a trainee id cannot start or end with a space: {text!r}")
    return text


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "play", help="play a scenario in a window",
        description="Play in a window. With no scenario, a picker lists the bundled cases (tutorial first). "
                    "Every choice is written to a session log at once; --resume continues a log.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--locale", choices=UI_LOCALES, help="language of the interface (default: the system's)")
    p.add_argument("--trainee", type=_trainee, default="", metavar="NAME",
                   help="the trainee's name or id, written in the log")
    p.add_argument("--assignment", type=Path, metavar="FILE",
                   help="play an assignment (touchpoint assign): its scenario, on the seed it gives --trainee")
    p.add_argument("--attempt", type=positive_int, default=None, metavar="N",
                   help="with --assignment: which attempt to play (default 1)")
    p.add_argument("--resume", type=Path, metavar="LOG", help="continue an unfinished game from its log")
    p.add_argument("--seed", type=seed_int, help="seed of the run (default: picked from the clock)")
    p.add_argument("--log", type=Path, metavar="PATH",
                   help="where to write the session log (default: touchpoint-logs/ in this folder)")
    p.add_argument("--autoplay", choices=("expert", "random"), help="play without a person (for demos and checks)")
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="save a PNG of every screen shown")
    p.add_argument("--watch", action="store_true",
                   help="reload the scenario file whenever it is saved and restart the run (for authors)")
    p.add_argument("--size", type=_size, metavar="WxH", help="window size (default 1280x720)")
    p.set_defaults(handler=run)


def _check_assignment_args(args: argparse.Namespace) -> None:
    if args.attempt is not None and args.assignment is None:
        raise CliError("--attempt needs --assignment")
    if args.assignment is not None:
        for flag, given in (("SCENARIO", bool(args.scenarios)), ("--seed", args.seed is not None),
                            ("--resume", args.resume is not None), ("--watch", args.watch)):
            if given:
                raise CliError(f"--assignment names the scenario and the seed: {flag} cannot be used with it")
        if not args.trainee:
            raise CliError("--assignment needs --trainee ID (your id on the class roster)")


def _check_args(args: argparse.Namespace) -> None:
    _check_assignment_args(args)
    if args.watch:
        if len(args.scenarios) != 1:
            raise CliError("--watch needs exactly one scenario file")
        from sim.lang import bundled

        if bundled.scenario_path(args.scenarios[0]) is not None and not Path(args.scenarios[0]).exists():
            raise CliError("--watch needs a scenario file, not a bundled id (copy it with 'touchpoint new')")
    if args.resume is not None:
        if len(args.scenarios) > 1:
            raise CliError("--resume takes at most one SCENARIO (the one the log was written for)")
        for flag in ("seed", "log"):
            if getattr(args, flag) is not None:
                raise CliError(f"--resume continues the log's own run: --{flag} cannot be used with it")
        if args.watch:
            raise CliError("--resume cannot be used with --watch")
    if args.log is not None and args.log.exists() and (args.log.is_dir() or args.log.stat().st_size > 0):
        raise CliError(f"{args.log} already exists; to continue that game use --resume {args.log}")
    from sim.ui.game import DEFAULT_LOG_DIR

    target = args.resume or args.log or DEFAULT_LOG_DIR / "x"
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise CliError(f"cannot write the session log in {target.parent} (no permission): use --log PATH")


def run(args: argparse.Namespace) -> int:
    from sim.engine.loader import ScenarioError, load_scenario
    from sim.lang import bundled
    from sim.ui.strings import default_locale

    _check_args(args)
    locale = args.locale or default_locale()  # the interface's language, also of what is printed here
    if args.assignment is not None:
        _assigned(args, locale)
    _check_display()
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    direct: Any = None
    error: tuple[str, list[str]] | None = None
    game_args: dict[str, Any] = {}
    if args.resume is not None:
        from sim.runs.sessionlog import LogError, read_log

        try:
            log = read_log(args.resume, allow_partial_tail=True)
        except LogError as err:
            raise CliError(f"{args.resume}: cannot resume: {err}") from None
        if args.autoplay is not None:
            from sim.ui.game import autoplay_policy

            if log.header.get("policy", "") != autoplay_policy(args.autoplay):
                who = log.header.get("policy") or "a person"
                raise CliError(f"{args.resume}: cannot resume with --autoplay {args.autoplay}: the log was played "
                               f"by {who} (a log is continued by whoever started it)")
        ref = args.scenarios[0] if args.scenarios else str(log.header["scenario"])
        if not args.scenarios and bundled.scenario_path(ref) is None:
            raise CliError(f"{args.resume}: the log is for scenario '{ref}', which is not bundled: "
                           f"give its file, e.g. touchpoint play {ref}.yaml --resume {args.resume}")
        game_args = {"log": log, "scenario": load(ref)}
    elif args.watch:
        try:
            direct = load_scenario(Path(args.scenarios[0]))
        except ScenarioError as err:
            if err.unreadable:
                raise CliError(err.lines()[0]) from None
            error = (args.scenarios[0], err.lines())
    elif len(args.scenarios) == 1:
        direct = load(args.scenarios[0])

    from sim.ui.content import load_entries

    ids = bundled.scenario_ids()
    refs = [str(p) for p in bundled.scenario_paths()] + [r for r in args.scenarios if r not in ids]
    if args.watch:
        entries: Any = []
    elif len(args.scenarios) == 1 or args.resume is not None:  # the picker may never be shown: load it then
        preloaded = {args.scenarios[0]: direct} if direct is not None else {}
        entries = lambda: load_entries(refs, preloaded)  # noqa: E731
    else:
        entries = load_entries(refs)
    return _play(args, locale, entries, direct, error, game_args)


def _assigned(args: argparse.Namespace, locale: str = "en") -> None:
    """Turn ``--assignment FILE --trainee ID [--attempt N]`` into the scenario and seed to play."""
    from scoring.assignment import AssignmentError, read_assignment
    from sim.ui.strings import tr

    try:
        plan = read_assignment(args.assignment)
        seed = plan.seed_for(args.trainee, args.attempt or 1)
    except AssignmentError as err:
        raise CliError(str(err)) from None
    ref = plan.scenario
    beside = args.assignment.parent / ref
    if not Path(ref).exists() and beside.is_file():
        ref = str(beside)  # a scenario file given with the assignment, named relative to it
    scenario = load(ref)
    if scenario.id != plan.scenario_id or scenario.content_hash != plan.scenario_hash:
        raise CliError(f"{args.assignment}: the assignment is for another version of scenario {plan.scenario_id!r} "
                       f"than {ref} (ask for the scenario file it was made for)")
    args.scenarios = [ref]
    args.seed = seed
    if plan.due:
        print(tr("cli_assignment", locale, id=plan.id, n=args.attempt or 1, total=plan.attempts, due=plan.due))


def _check_display() -> None:
    """Stop with one line when there is no display to open a window on (unless a driver was chosen,
    such as SDL_VIDEODRIVER=dummy for a headless run)."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CliError("no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set): play in a "
                       "desktop session, or set SDL_VIDEODRIVER=dummy for a headless run", EXIT_PROBLEMS)


def _play(args: argparse.Namespace, locale: str, entries: Any, direct: Any, error: Any,
          game_args: dict[str, Any]) -> int:
    from sim.runs.sessionlog import LogError
    from sim.ui.app import App, PlayConfig
    from sim.ui.game import Game

    game = None
    if game_args:
        try:
            game = Game.resume(args.resume, game_args["scenario"], game_args["log"], locale=args.locale)
        except LogError as err:
            raise CliError(f"{args.resume}: cannot resume: {err}") from None
        except OSError as err:
            raise CliError(f"{args.resume}: cannot resume: {err.strerror or err}") from None
    config = PlayConfig(locale=game.locale if game is not None else locale, trainee=args.trainee, seed=args.seed,
                        log=args.log, autoplay=args.autoplay, screenshots=args.screenshots,
                        watch=Path(args.scenarios[0]) if args.watch else None,
                        size=args.size or (1280, 720))
    import pygame

    try:
        app = App(config, entries, scenario=direct, game=game, error=error)
    except pygame.error as err:
        raise CliError(f"cannot open a window: {err} (for a headless run set SDL_VIDEODRIVER=dummy)",
                       EXIT_PROBLEMS) from None
    driver = pygame.display.get_driver() if pygame.display.get_init() else ""
    if driver in ("offscreen", "dummy") and not os.environ.get("SDL_VIDEODRIVER"):
        pygame.quit()
        raise CliError(f"no display to open a window on (SDL chose the {driver!r} driver, which draws nothing): "
                       "play in a desktop session, or set SDL_VIDEODRIVER=dummy for a headless run", EXIT_PROBLEMS)
    try:
        app.run()
    finally:
        if app.game is not None:
            app.game.close()
        pygame.quit()
    report(app)
    return 0


def report(app: Any) -> None:
    """Say where each log is, and how to continue an unfinished game, in the interface's language (the
    one the window showed last)."""
    from sim.ui.strings import tr

    locale = getattr(app, "locale", "en")
    for g in app.games:
        if g.finished and g.card is not None:
            card = g.card
            print(tr("cli_log_won" if card.won else "cli_log_lost", locale, path=g.log_path,
                     score=f"{card.score:.1f}", grade=card.grade))
        else:
            print(tr("cli_log_unfinished", locale, path=g.log_path))
