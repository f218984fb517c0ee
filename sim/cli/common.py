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
    "CliError",
    "load",
    "positive_int",
    "print_json",
    "seed_int",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


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
    return value
