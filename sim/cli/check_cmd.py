"""``touchpoint check FILE...``: find every problem in scenario files, from typos to unfair cases.

Every problem is reported in one pass, in three layers:

1. the loader (:func:`sim.engine.loader.inspect_scenario`): YAML, the schema, references, duplicate
   ids, stages without touchpoints, rubric weights, control characters and absurd numbers
   (errors; the file cannot be played). A schema error does not hide the rest: the references,
   conditions and static checks run on every part that is valid;
2. static checks (:mod:`sim.authoring.lint`): conditions that can never hold, gates that never open, a
   veto that always falls, stakeholders who never matter, texts missing a language; and YAML that
   parsers read differently (:mod:`sim.authoring.portability`: an unquoted ``?`` inside ``{...}``);
3. run checks, only for a file without errors: seeded bot runs (``--runs``, default 600; ``--runs 0``
   or ``--no-runs`` skips them) find soft-locks, gates no run passes, cases never won, unreached
   touchpoints, actions never offered, events whose condition rarely holds on their day, cases
   random play wins too often, dominant actions; and the judgment checks. Messages say how many
   runs. The runs are held to a budget of :data:`DECISIONS_PER_RUN` decisions per run asked for,
   so a scenario whose runs are very long is explored with fewer runs (the summary says so), and
   the judgment checks, which replay a run for every option, are left out when a run takes more
   than :data:`JUDGMENT_MAX_RUN_DECISIONS` decisions.

Output is one line per problem, ``file:line:column: [error|warning] path: message (check)``, as
yamllint prints it, or GitHub annotations with ``--format github``, sorted by line; ``--locale zh``
says everything in Chinese. Each problem is reported once; after the first
:data:`SHOWN_PER_KIND` warnings of one kind, one line counts the rest ("unreached-touchpoint: 19,412
more like this"), and after :data:`MAX_SHOWN` lines, one line counts what is not shown (``--all``
shows everything). Exit 0 when clean (warnings allowed unless ``--strict``), 1 when problems were
found, 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.cli import common
from sim.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, MAX_RUNS, seed_int
from sim.lang.text import pick

__all__ = [
    "DECISIONS_PER_RUN",
    "DEFAULT_RUNS",
    "JUDGMENT_MAX_RUN_DECISIONS",
    "MAX_SHOWN",
    "SAY",
    "SHOWN_PER_KIND",
    "CheckReport",
    "add_parser",
    "check_report",
    "check_scenario",
    "emit",
    "run",
    "runs_int",
    "shown_problems",
]

DEFAULT_RUNS = 600
#: Lines printed per file before the rest are only counted (``--all`` prints every one).
MAX_SHOWN = 200
#: Warnings of one kind printed before the rest of that kind are only counted.
SHOWN_PER_KIND = 10
#: The bot runs' budget: this many decisions for each run asked for (a bundled case's run takes 6 to 16).
DECISIONS_PER_RUN = 60
#: The judgment checks replay runs for every option; they are left out when a run averages more decisions.
JUDGMENT_MAX_RUN_DECISIONS = 100

SAY = {
    "ok": ("{file}: ok ({detail})", "{file}：没有问题（{detail}）"),
    "found": ("{file}: {errors} error(s), {warnings} warning(s) ({detail})",
              "{file}：{errors}个错误，{warnings}个警告（{detail}）"),
    "runs": ("{n} seeded bot runs", "{n}次带种子的机器人运行"),
    "runs_cut": ("{n} seeded bot runs of the {asked} asked for: long runs, held to {budget} decisions",
                 "{n}次带种子的机器人运行（要求{asked}次；运行很长，决策总数限制在{budget}次以内）"),
    "no_runs": ("no bot runs", "未做机器人运行"),
    "no_runs_errors": ("no bot runs: fix the errors first", "未做机器人运行：请先改正错误"),
    "no_judgment": ("judgment checks left out: a run takes {n} decisions (at most {limit} for them)",
                    "未做判断力检查：一次运行要做{n}次决策（这些检查要求不超过{limit}次）"),
    "more_kind": ("{code}: {n} more like this (--all shows every one)",
                  "{code}：还有{n}个同类问题（--all 可全部显示）"),
    "more_all": ("{n} more problem(s) not shown ({errors} error(s), {warnings} warning(s)); --all shows every one",
                 "还有{n}个问题未显示（{errors}个错误，{warnings}个警告）；--all 可全部显示"),
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
                    "and, with seeded bot runs, balance warnings. Every problem is reported in one pass.")
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
    p.add_argument("--all", action="store_true",
                   help=f"print every problem (default: at most {MAX_SHOWN} lines, and {SHOWN_PER_KIND} warnings "
                        "of one kind, then a count of the rest)")
    p.add_argument("--quiet", "-q", action="store_true", help="print problems only, no summary lines")
    p.set_defaults(handler=run)


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def emit(problem: Any, filename: str, fmt: str, locale: str = "en") -> None:
    """Print one problem (a sim.engine.loader.Problem) in the chosen format and language."""
    if fmt == "github":
        where = f"{problem.path}: " if problem.path else ""
        print(f"::{problem.severity} file={_escape(filename, True)},line={problem.line},col={problem.column}::"
              f"{_escape(where + problem.text(locale))}")
    else:
        print(problem.format(filename, locale))


@dataclass
class CheckReport:
    """What the static and run checks found, and how many runs they rest on."""

    problems: list[Any]
    runs: int = 0  # runs played
    asked: int = 0  # runs asked for
    budget: int = 0  # the decisions the runs were held to
    judgment_left_out: int = 0  # decisions per run, when that left the judgment checks out


def check_scenario(scenario: Any, runs: int, seed: int = 0, locale: str = "en") -> list[Any]:
    """Static and run checks of a loaded scenario, as located problems sorted by position (each
    message carries both languages: ``problem.text(locale)``; ``locale`` is kept for old callers)."""
    return check_report(scenario, runs, seed).problems


def check_report(scenario: Any, runs: int, seed: int = 0, incomplete: frozenset[int] = frozenset(),
                 to_file: Any = None) -> CheckReport:
    """Static and run checks of a scenario: ``incomplete`` accounts (index in the scenario) have
    parts left out because of errors (only the checks that hold whatever those parts do run), and
    ``to_file`` maps a path in the scenario to the file's (where parts were left out)."""
    from sim.authoring import lint
    from sim.engine.loader import Problem, format_path
    from sim.lang.text import Bilingual

    static = lint.static_checks(scenario, incomplete)
    findings = list(static.findings)
    report = CheckReport([], asked=runs)
    if runs > 0:
        from sim.authoring.analysis import explore

        report.budget = runs * DECISIONS_PER_RUN
        ex = explore(scenario, runs, seed, max_decisions=report.budget)
        report.runs = ex.runs
        findings += lint.run_checks(scenario, ex, static)
        per_run = ex.decisions / max(1, ex.runs)
        if per_run > JUDGMENT_MAX_RUN_DECISIONS:
            report.judgment_left_out = round(per_run)
        else:
            findings += lint.judgment_findings(scenario, max(20, runs // 3), seed)
    src = scenario.source
    for f in findings:
        path = to_file(f.path) if to_file is not None else f.path
        line, col = src.locate(path, f.prefer) if src is not None else (1, 1)
        report.problems.append(Problem(line, col, Bilingual(f.text("en"), f.text("zh")), f.severity,
                                       format_path(path), f.code))
    report.problems += _portability(scenario)
    report.problems.sort(key=lambda p: (p.line, p.column, p.severity != "error"))
    return report


def _portability(scenario: Any) -> list[Any]:
    """Warnings for texts that YAML parsers read differently (:mod:`sim.authoring.portability`)."""
    from sim.authoring import portability
    from sim.engine.loader import Problem, format_path
    from sim.lang.text import Bilingual

    if scenario.path is None:
        return []
    try:
        text = scenario.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    found = portability.unportable_texts(text)
    if not found:
        return []
    src = scenario.source
    where = {pos: path for path, pos in src.value_pos.items()} if src is not None else {}
    return [Problem(u.line, u.column, Bilingual(f"{u.message('en')} ({portability.CODE})",
                                                f"{u.message('zh')} ({portability.CODE})"), "warning",
                    format_path(where.get((u.line, u.column), ())), portability.CODE)
            for u in found]


def shown_problems(problems: list[Any], everything: bool = False) -> list[Any]:
    """The lines to print, in order: each problem once; past :data:`SHOWN_PER_KIND` warnings of one
    kind, one line counting the rest of that kind (at the first one left out); past
    :data:`MAX_SHOWN` lines, one line counting what is left (at the first problem left out)."""
    from sim.engine.loader import Problem
    from sim.lang.text import bilingual

    unique = list(dict.fromkeys(problems))
    if everything:
        return unique
    seen: dict[str, int] = {}
    extra: dict[str, int] = {}
    lines: list[tuple[Any, int]] = []  # a line, and how many problems it stands for
    at: dict[str, int] = {}  # kind -> index in lines of its "more like this" line
    for p in unique:
        if p.severity == "warning" and p.code:
            seen[p.code] = seen.get(p.code, 0) + 1
            if seen[p.code] > SHOWN_PER_KIND:
                extra[p.code] = extra.get(p.code, 0) + 1
                if p.code not in at:
                    at[p.code] = len(lines)
                    lines.append((p, 0))
                continue
        lines.append((p, 1))
    en, zh = SAY["more_kind"]
    for kind, i in at.items():
        p = lines[i][0]
        lines[i] = (Problem(p.line, p.column, bilingual(en, zh, code=kind, n=f"{extra[kind]:,}"), "warning",
                            p.path, kind), extra[kind])
    if len(lines) <= MAX_SHOWN:
        return [p for p, _ in lines]
    rest = lines[MAX_SHOWN:]
    count = sum(n for _, n in rest)
    errors = sum(n for p, n in rest if p.severity == "error")
    first = rest[0][0]
    en, zh = SAY["more_all"]
    return [*(p for p, _ in lines[:MAX_SHOWN]), Problem(first.line, first.column, bilingual(
        en, zh, n=f"{count:,}", errors=f"{errors:,}", warnings=f"{count - errors:,}"),
        "error" if errors else "warning")]


def run(args: argparse.Namespace) -> int:
    from sim.engine.loader import ScenarioError, inspect_scenario

    runs = 0 if args.no_runs else args.runs
    locale = args.locale
    code = EXIT_OK
    for ref in args.files:
        try:
            with _collector_paused():
                found = inspect_scenario(ref)
        except ScenarioError as err:  # no such file or bundled id
            for problem in err.problems:
                emit(problem, err.filename, args.format, locale)
            code = max(code, EXIT_USAGE)
            continue
        gc.freeze()  # what loading built lives as long as the checks: the collector need not scan it
        try:
            code = max(code, _check_one(found, runs, args))
        finally:
            gc.unfreeze()
    return code


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds a few objects per node of the file and no cycles: the cyclic collector's
    passes over them would be wasted (a third of a big file's check)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_one(found: Any, runs: int, args: argparse.Namespace) -> int:
    """Check one inspected file and print its problems; its exit code."""
    locale = args.locale
    problems = list(found.problems)
    if found.unreadable:
        for problem in problems:
            emit(problem, found.filename, args.format, locale)
        return EXIT_USAGE
    load_errors = found.errors > 0
    report = CheckReport([], asked=runs)
    if found.scenario is not None:
        report = check_report(found.scenario, 0 if load_errors else runs, args.seed, found.incomplete,
                              found.to_file if load_errors else None)
        problems += report.problems
        problems.sort(key=lambda p: (p.line, p.column, p.severity != "error"))
    for problem in shown_problems(problems, args.all):
        emit(problem, found.filename, args.format, locale)
    errors = sum(p.severity == "error" for p in dict.fromkeys(problems))
    warnings = len(dict.fromkeys(problems)) - errors
    if not args.quiet:
        print(_say("found" if errors or warnings else "ok", locale, file=found.filename, errors=errors,
                   warnings=warnings, detail=_detail(report, runs, load_errors, locale)), file=sys.stderr)
    return EXIT_PROBLEMS if errors or (warnings and args.strict) else EXIT_OK


def _detail(report: CheckReport, runs: int, load_errors: bool, locale: str) -> str:
    """What the runs were: how many, cut short or not, the judgment checks left out."""
    if runs and load_errors:
        return _say("no_runs_errors", locale)
    if not runs:
        return _say("no_runs", locale)
    if report.runs < report.asked:
        text = _say("runs_cut", locale, n=f"{report.runs:,}", asked=f"{report.asked:,}", budget=f"{report.budget:,}")
    else:
        text = _say("runs", locale, n=report.runs)
    if report.judgment_left_out:
        sep = "；" if locale.startswith("zh") else "; "
        text += sep + _say("no_judgment", locale, n=f"{report.judgment_left_out:,}", limit=JUDGMENT_MAX_RUN_DECISIONS)
    return text
