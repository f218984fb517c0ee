"""``touchpoint check FILE...``: find every problem in scenario files, from typos to unfair cases.

Three layers, each only if the one before passed:

1. the loader: YAML, the schema, references, duplicate ids, stages without touchpoints, rubric
   weights (errors; the file cannot be played);
2. static checks (:mod:`sim.authoring.lint`): conditions that can never hold, gates that never open, a
   veto that always falls, stakeholders who never matter, texts missing a language; and YAML that
   parsers read differently (:mod:`sim.authoring.portability`: an unquoted ``?`` inside ``{...}``);
3. run checks: seeded bot runs (``--runs``, default 600; ``--runs 0`` or ``--no-runs`` skips them)
   find soft-locks, gates no run passes, cases never won, unreached touchpoints, actions never
   offered, cases random play wins too often, dominant actions. Messages say how many runs.

Output is one line per problem, ``file:line:column: [error|warning] path: message (check)``, as
yamllint prints it, or GitHub annotations with ``--format github``. Exit 0 when clean (warnings
allowed unless ``--strict``), 1 when problems were found, 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli import common
from sim.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, MAX_RUNS, seed_int
from sim.lang.text import pick

__all__ = [
    "DEFAULT_RUNS",
    "SAY",
    "add_parser",
    "check_scenario",
    "emit",
    "run",
    "runs_int",
]

DEFAULT_RUNS = 600

SAY = {
    "ok": ("{file}: ok ({detail})", "{file}：没有问题（{detail}）"),
    "found": ("{file}: {errors} error(s), {warnings} warning(s) ({detail})",
              "{file}：{errors}个错误，{warnings}个警告（{detail}）"),
    "runs": ("{n} seeded bot runs", "{n}次带种子的机器人运行"),
    "no_runs": ("no bot runs", "未做机器人运行"),
}


def _say(key: str, locale: str, **params: Any) -> str:
    return pick(SAY[key], locale).format(**params)


def runs_int(text: str) -> int:
    """argparse type: a number of runs, 0 (skips the run checks) to :data:`~sim.cli.common.MAX_RUNS`."""
    return common.runs_int(text, minimum=0)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check", help="find problems in scenario files (schema, references, fairness)",
        description="Check scenario files: YAML, schema and references, then semantic checks "
                    "(conditions that never hold, soft-locks, unreachable outcomes, missing translations) "
                    "and, with seeded bot runs, balance warnings.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files (or bundled ids)")
    p.add_argument("--format", choices=("text", "github"), default="text",
                   help="text: file:line:column: [severity] message (default); github: workflow annotations")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--runs", type=runs_int, default=DEFAULT_RUNS, metavar="N",
                   help=f"seeded bot runs for the run-based checks (default {DEFAULT_RUNS}, at most {MAX_RUNS:,}; "
                        "0 skips them)")
    p.add_argument("--no-runs", action="store_true", help="skip the run-based checks (same as --runs 0)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the first bot run (default 0)")
    p.add_argument("--locale", choices=("en", "zh"), default="en", help="language of the messages (en, zh)")
    p.add_argument("--quiet", "-q", action="store_true", help="print problems only, no summary lines")
    p.set_defaults(handler=run)


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def emit(problem: Any, filename: str, fmt: str) -> None:
    """Print one problem (a sim.engine.loader.Problem) in the chosen format."""
    if fmt == "github":
        where = f"{problem.path}: " if problem.path else ""
        print(f"::{problem.severity} file={_escape(filename, True)},line={problem.line},col={problem.column}::"
              f"{_escape(where + problem.message)}")
    else:
        print(problem.format(filename))


def check_scenario(scenario: Any, runs: int, seed: int = 0, locale: str = "en") -> list[Any]:
    """Static and run checks of a loaded scenario, as located problems sorted by position."""
    from sim.authoring import lint
    from sim.engine.loader import Problem, format_path

    static = lint.static_checks(scenario)
    findings = list(static.findings)
    if runs > 0:
        from sim.authoring.analysis import explore

        findings += lint.run_checks(scenario, explore(scenario, runs, seed), static)
        findings += lint.judgment_findings(scenario, max(20, runs // 3), seed)
    src = scenario.source
    problems = []
    for f in findings:
        line, col = src.locate(f.path, f.prefer) if src is not None else (1, 1)
        problems.append(Problem(line, col, f.text(locale), f.severity, format_path(f.path)))
    problems += _portability(scenario, locale)
    problems.sort(key=lambda p: (p.line, p.column, p.severity != "error"))
    return problems


def _portability(scenario: Any, locale: str) -> list[Any]:
    """Warnings for texts that YAML parsers read differently (:mod:`sim.authoring.portability`)."""
    from sim.authoring import portability
    from sim.engine.loader import Problem, format_path

    if scenario.path is None:
        return []
    try:
        text = scenario.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    src = scenario.source
    where = {pos: path for path, pos in src.value_pos.items()} if src is not None else {}
    return [Problem(u.line, u.column, f"{u.message(locale)} ({portability.CODE})", "warning",
                    format_path(where.get((u.line, u.column), ())))
            for u in portability.unportable_texts(text)]


def run(args: argparse.Namespace) -> int:
    from sim.engine.loader import ScenarioError, display_name, load_scenario

    runs = 0 if args.no_runs else args.runs
    code = EXIT_OK
    for ref in args.files:
        try:
            scenario = load_scenario(ref)
        except ScenarioError as err:
            for problem in err.problems:
                emit(problem, err.filename, args.format)
            code = max(code, EXIT_USAGE if err.unreadable else EXIT_PROBLEMS)
            continue
        name = display_name(scenario.path) if scenario.path is not None else ref
        problems = check_scenario(scenario, runs, args.seed, args.locale)
        for problem in problems:
            emit(problem, name, args.format)
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        if errors or (warnings and args.strict):
            code = max(code, EXIT_PROBLEMS)
        if not args.quiet:
            detail = _say("runs", args.locale, n=runs) if runs else _say("no_runs", args.locale)
            key = "found" if problems else "ok"
            print(_say(key, args.locale, file=name, errors=errors, warnings=warnings, detail=detail),
                  file=sys.stderr)
    return code
