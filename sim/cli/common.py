"""Shared pieces of the subcommands: exit codes, errors and scenario loading."""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "MAX_RUNS",
    "MAX_SEED",
    "CliError",
    "load",
    "locale_code",
    "positive_int",
    "print_json",
    "require_extra",
    "runs_int",
    "seed_int",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

#: The most runs one command makes (``--runs`` of run, check and balance): a million tutorial runs
#: take a few minutes on one core; more is a typo or belongs in several batches (seeds S, S + N, ...).
MAX_RUNS = 1_000_000
#: The largest seed (the engine's seeds are 0 to 2**63 - 1, :data:`sim.runs.sessionlog.MAX_SEED`).
MAX_SEED = 2**63 - 1
#: Languages a command can speak or be asked for: en, zh, or a regional variant such as zh-TW.
_LOCALE_RE = r"^(en|zh)(-[A-Za-z0-9]{2,8})?$"


class CliError(Exception):
    """A one-line reason to stop, with the exit code to stop with."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def load(ref: str) -> Any:
    """Load a scenario by bundled id or path, turning problems into a CliError."""
    from sim.engine.loader import ScenarioError, load_scenario

    try:
        return load_scenario(ref)
    except ScenarioError as err:
        first = err.lines()[0]
        more = len(err.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}: run 'touchpoint check {ref}')"
        raise CliError(first, EXIT_USAGE) from None


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse type: a seed, an integer >= 0."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be at most 2**63 - 1 ({MAX_SEED}), got {value}")
    return value


def require_extra(module: str, extra: str, what: str) -> None:
    """Stop with one clear line (exit 2) when an optional library of an extra is not installed, e.g.
    "touchpoint play needs the play extra: pip install 'touchpoint[play]'"."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise CliError(f"{what} needs the {extra} extra ({module} is not installed): "
                       f"pip install 'touchpoint[{extra}]'")


def runs_int(text: str, minimum: int = 1) -> int:
    """argparse type: a number of runs, from ``minimum`` (1; 0 where 0 skips the runs) to :data:`MAX_RUNS`."""
    import argparse

    if minimum == 0:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    else:
        value = positive_int(text)
    if value > MAX_RUNS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_RUNS:,} runs, got {value:,} (split a larger batch: --seed S, then S + {MAX_RUNS:,}, ...)")
    return value


def locale_code(text: str) -> str:
    """argparse type: a language Touchpoint speaks: en or zh, or a regional variant such as zh-TW."""
    import argparse
    import re

    if not re.match(_LOCALE_RE, text):
        raise argparse.ArgumentTypeError(f"unknown language {text!r}: use en or zh (or a variant such as zh-TW)")
    return text
