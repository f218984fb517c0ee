"""``touchpoint grade LOGS...``: verify and grade a class's session logs, for the LMS and the debrief.

Every log is replayed against the scenario it names (bundled, or found by id in ``--scenarios``) and
its scorecard recomputed; a log that does not fit is listed as ``invalid`` with a one-line reason and
never stops the batch. Outputs: a grades CSV (``plain``, ``moodle`` or ``canvas``; standard output by
default), xAPI statements (``--xapi``) and an HTML report (``--report``).

Exit codes: 0 every log was valid; 1 some were not (the summary says how many and which); 2 usage
error or unreadable input (no logs found, a bad roster, Dask missing).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sim.cli.common import EXIT_OK, EXIT_PROBLEMS, CliError, locale_code, positive_int, require_extra

if TYPE_CHECKING:
    from scoring.gradebook import Gradebook
    from scoring.grading import Aggregate, ChunkResult
    from sim.engine.loader import LoadedScenario

__all__ = ["LIST_INVALID", "add_parser", "run", "scenario_files"]

#: How many rejected logs the summary names one by one (the plain CSV lists them all).
LIST_INVALID = 20

_MSG = {
    "en": {
        "summary": "graded {n} log{s}: {complete} complete, {incomplete} incomplete, {invalid} invalid",
        "missing": "{n} roster trainee{s} without a log",
        "unlisted": "{n} trainee{s} with logs not on the roster",
        "invalid": "invalid: {path}: {reason}",
        "more": "... and {n} more invalid logs (all are listed in the grades file)",
        "wrote": "wrote {what}",
        "statements": "{path} ({n} xAPI statements)",
    },
    "zh": {
        "summary": "已评分 {n} 份日志：完成 {complete}，未完成 {incomplete}，无效 {invalid}",
        "missing": "花名册中 {n} 名学员未交日志",
        "unlisted": "{n} 名交了日志的学员不在花名册中",
        "invalid": "无效：{path}：{reason}",
        "more": "……另有 {n} 份无效日志（成绩文件中全部列出）",
        "wrote": "已写入 {what}",
        "statements": "{path}（{n} 条 xAPI 语句）",
    },
}


def add_parser(sub: Any) -> None:
    from scoring.batch import EXECUTORS
    from scoring.gradebook import ATTEMPTS, FORMATS

    p = sub.add_parser(
        "grade", help="verify and grade a class's session logs (CSV for the LMS, xAPI, HTML report)",
        description="Replay every session log against its scenario, recompute its score, and write grades "
                    "(plain, Moodle or Canvas CSV), xAPI statements and an HTML report. A log that does "
                    "not replay is listed as invalid. Exit 0: all logs valid; 1: some invalid; 2: usage.")
    p.add_argument("logs", nargs="+", metavar="LOGS",
                   help="log files, folders (searched for *.jsonl) or globs")
    p.add_argument("--scenarios", metavar="DIR",
                   help="folder of scenario files, found by id (they take precedence over bundled ones)")
    p.add_argument("--roster", metavar="CSV", help="roster: trainee id, name, email, section")
    p.add_argument("-o", "--out", metavar="FILE", help="grades CSV (default: standard output)")
    p.add_argument("--format", choices=FORMATS, default="plain", help="grades CSV shape (default plain)")
    p.add_argument("--report", metavar="HTML",
                   help="write a self-contained HTML report for the debrief (needs the charts extra)")
    p.add_argument("--xapi", metavar="JSONL", help="write one xAPI statement per verified attempt")
    p.add_argument("--attempts", choices=ATTEMPTS, default="best",
                   help="which attempt of a trainee is graded: best score, last started, or all "
                        "(default best)")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                   help="parallel workers (default: the number of cores)")
    p.add_argument("--executor", choices=EXECUTORS, default=None,
                   help="serial, a local process pool (default), or Dask (needs the 'distributed' extra)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler (implies --executor dask)")
    p.add_argument("--chunk-size", type=positive_int, default=None,
                   help="logs per task (default: up to a quarter of each worker's share, at most 500, "
                        "smaller towards the end)")
    p.add_argument("--locale", type=locale_code, default=None,
                   help="language of the report and feedback: en or zh, or a variant such as zh-TW "
                        "(default: the scenario's first language)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar, and no summary unless some logs are invalid")
    p.set_defaults(handler=run)


def _check_output(option: str, value: str | None) -> Path | None:
    if value is None or (value == "-" and option == "--out"):
        return None  # standard output
    path = Path(value)
    if path.is_dir():
        raise CliError(f"{option}: {value} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"{option}: folder {parent} does not exist")
    return path


def scenario_files(folder: str | None) -> dict[str, str]:
    """``--scenarios``: scenario id -> file, for every scenario file that loads in ``folder``.

    A file that does not load is reported on stderr and skipped (the logs naming it are then
    invalid); two files with one id are a usage error, since a log could not say which it means.
    """
    if folder is None:
        return {}
    from sim.engine.loader import ScenarioError, load_file

    root = Path(folder)
    if root.is_file():
        candidates = [root]
    elif root.is_dir():
        candidates = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    else:
        raise CliError(f"--scenarios: no such folder: {folder}")
    found: dict[str, str] = {}
    for path in candidates:
        try:
            scenario = load_file(path)
        except ScenarioError as err:
            print(f"touchpoint grade: --scenarios: skipped {err.lines()[0]}", file=sys.stderr)
            continue
        if scenario.id in found:
            raise CliError(f"--scenarios: two files define scenario {scenario.id!r}: "
                           f"{found[scenario.id]} and {path}")
        found[scenario.id] = str(path)
    return found


def run(args: argparse.Namespace) -> int:
    """``touchpoint grade``: check the options, grade every log, write the outputs, summarise."""
    from scoring.gradebook import Gradebook, ui_locale

    executor_kind = _check_options(args)
    if args.report is not None:
        require_extra("matplotlib", "charts", "touchpoint grade --report")
    out = _check_output("--out", args.out)
    report = _check_output("--report", args.report)
    xapi = _check_output("--xapi", args.xapi)
    files = scenario_files(args.scenarios)
    outputs = [p for p in (out, report, xapi) if p is not None]
    if args.roster:
        outputs.append(Path(args.roster))

    with Gradebook() as book:
        if args.roster:
            _add_roster(book, args.roster)
        total = _count_logs(args.logs, outputs)
        aggregates = _grade_all(book, args, executor_kind, files, outputs, total)
        scenarios = _graded_scenarios(book, files)
        locale = _report_locale(args.locale, scenarios)
        msg = _MSG[ui_locale(locale)]
        wrote = _write_outputs(book, args, out, xapi, report, aggregates, scenarios, locale, msg)
        return _summarise(book, msg, wrote, args.quiet)


def _check_options(args: argparse.Namespace) -> str:
    """The executor to grade with; refuses option combinations that cannot be honoured."""
    executor_kind: str = args.executor or ("dask" if args.scheduler else "process")
    if args.scheduler and executor_kind != "dask":
        raise CliError("--scheduler needs --executor dask")
    if args.format in ("moodle", "canvas") and args.attempts == "all":
        raise CliError(f"--format {args.format} takes one grade per trainee: use --attempts best or last")
    return executor_kind


def _add_roster(book: Gradebook, roster: str) -> None:
    """Put the roster's trainees in the gradebook; an unreadable roster is a usage error."""
    from scoring.roster import RosterError, read_roster

    try:
        book.add_roster(read_roster(roster), roster)
    except RosterError as err:
        raise CliError(str(err)) from None


def _count_logs(logs: list[str], outputs: list[Path]) -> int:
    """How many logs the arguments name (never our own outputs); none at all is a usage error."""
    from scoring.batch import BatchError, count_logs

    try:
        total = count_logs(logs, outputs)
    except BatchError as err:
        raise CliError(str(err)) from None
    if total == 0:
        raise CliError(f"no session logs (*.jsonl) found in {' '.join(logs)}")
    return total


def _grade_all(book: Gradebook, args: argparse.Namespace, executor_kind: str, files: dict[str, str],
               outputs: list[Path], total: int) -> dict[str, Aggregate]:
    """Grade every log on the chosen executor into ``book``; returns the cohort's aggregates by scenario."""
    from tqdm import tqdm

    from scoring.batch import BatchError, chunk_size_for, iter_logs, open_executor, run_batch
    from scoring.grading import Aggregate

    aggregates: dict[str, Aggregate] = {}
    bar = tqdm(total=total, unit="log", desc="grading", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty())

    def take(result: ChunkResult) -> None:
        book.add(result.rows)
        for sid, agg in result.aggregates.items():
            aggregates.setdefault(sid, Aggregate()).merge(agg)
        bar.update(len(result.rows))

    workers = 1 if executor_kind == "serial" else args.workers
    chunk = args.chunk_size or chunk_size_for(total, workers)
    try:
        with open_executor(executor_kind, workers, args.scheduler) as executor:
            run_batch(iter_logs(args.logs, outputs), executor, take, files, chunk, in_flight=2 * workers,
                      total=None if args.chunk_size else total)
    except BatchError as err:
        raise CliError(str(err)) from None
    finally:
        bar.close()
    return aggregates


def _graded_scenarios(book: Gradebook, files: dict[str, str]) -> dict[str, LoadedScenario]:
    """The scenarios the graded logs name that load, by id; the gradebook is told them too."""
    from scoring.grading import scenario_for

    scenarios: dict[str, LoadedScenario] = {}
    for sid in book.named_scenarios():
        found = scenario_for(sid, files)
        if not isinstance(found, str):
            scenarios[sid] = found
    book.set_scenarios(scenarios)
    return scenarios


def _report_locale(asked: str | None, scenarios: dict[str, LoadedScenario]) -> str:
    """The language of the outputs: as asked, else the first language of the first scenario by id."""
    first = next(iter(sorted(scenarios)), None)
    languages = scenarios[first].spec.languages if first else []
    return asked or (languages[0] if languages else "en")


def _write_outputs(book: Gradebook, args: argparse.Namespace, out: Path | None, xapi: Path | None,
                   report: Path | None, aggregates: dict[str, Aggregate], scenarios: dict[str, LoadedScenario],
                   locale: str, msg: dict[str, str]) -> list[str]:
    """Write the grades CSV and the xAPI statements and HTML report asked for; returns what was written."""
    titles = {sid: _title(s, locale) for sid, s in scenarios.items()}
    wrote: list[str] = []
    try:
        if out is None:
            _write_grades(book, sys.stdout, args, titles, locale)
        else:
            with open(out, "w", encoding="utf-8", newline="") as f:
                _write_grades(book, f, args, titles, locale)
            wrote.append(f"{out} ({args.format})")
        if xapi is not None:
            from scoring.xapi import write_statements

            with open(xapi, "w", encoding="utf-8", newline="\n") as f:
                n = write_statements(book, f, scenarios)
            wrote.append(msg["statements"].format(path=xapi, n=n))
        if report is not None:
            from scoring.report import write_report_file

            write_report_file(report, book, aggregates, scenarios, locale, args.attempts, book.status_counts())
            wrote.append(str(report))
    except BrokenPipeError:
        raise
    except OSError as err:
        raise CliError(f"cannot write output: {err.strerror or err}: {err.filename or ''}") from None
    return wrote


def _title(scenario: LoadedScenario, locale: str) -> str:
    from sim.lang.text import resolve

    return resolve(scenario.spec.title, locale)


def _write_grades(book: Gradebook, f: TextIO, args: argparse.Namespace, titles: dict[str, str], locale: str) -> None:
    from scoring.gradebook import write_canvas, write_moodle, write_plain

    if args.format == "moodle":
        write_moodle(book, f, titles, args.attempts, locale)
    elif args.format == "canvas":
        write_canvas(book, f, titles, args.attempts)
    else:
        write_plain(book, f, args.attempts)
    f.flush()


def _summarise(book: Gradebook, msg: dict[str, str], wrote: list[str], quiet: bool) -> int:
    counts = book.status_counts()
    invalid = counts.get("invalid", 0)
    n = sum(v for k, v in counts.items() if k != "missing")
    err = sys.stderr
    if not quiet or invalid:
        print(msg["summary"].format(n=n, s="" if n == 1 else "s", complete=counts.get("complete", 0),
                                    incomplete=counts.get("incomplete", 0), invalid=invalid), file=err)
    if not quiet:
        if counts.get("missing"):
            m = counts["missing"]
            print("  " + msg["missing"].format(n=m, s="" if m == 1 else "s"), file=err)
        unlisted = book.not_on_roster()
        if unlisted:
            print("  " + msg["unlisted"].format(n=unlisted, s="" if unlisted == 1 else "s"), file=err)
        for what in wrote:
            print("  " + msg["wrote"].format(what=what), file=err)
    for path, reason in book.invalid(LIST_INVALID):
        print("  " + msg["invalid"].format(path=path, reason=reason), file=err)
    if invalid > LIST_INVALID:
        print("  " + msg["more"].format(n=invalid - LIST_INVALID), file=err)
    return EXIT_PROBLEMS if invalid else EXIT_OK
