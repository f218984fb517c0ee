"""``touchpoint grade LOGS...``: verify and grade a class's session logs, for the LMS and the debrief.

Every log is replayed against the scenario it names (bundled, or found by id in ``--scenarios``) and
its scorecard recomputed; a log that does not fit is listed as ``invalid`` with a one-line reason and
never stops the batch. Outputs: a grades CSV (``plain``, ``moodle`` or ``canvas``; standard output by
default), xAPI statements (``--xapi``) and an HTML report (``--report``).

Every output is written to a temporary file, synced and renamed, so a failure (a full disk) leaves
the previous file as it was. ``--review`` adds each attempt's review (accuracy, expected score, luck);
``--on expected`` grades the expected score of the choices made instead of the outcome.

Exit codes: 0 every log was valid; 1 some were not (the summary says how many and which); 2 usage
error or unreadable input (no logs found, a bad roster, Dask missing, a scenario the class's logs
name that cannot be found).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from sim.cli.common import EXIT_OK, EXIT_PROBLEMS, CliError, locale_code, positive_int, require_extra

if TYPE_CHECKING:
    from scoring.gradebook import Gradebook
    from scoring.grading import Aggregate, ChunkResult, GradeContext
    from sim.engine.loader import LoadedScenario

__all__ = ["LIST_INVALID", "add_parser", "run", "scenario_files"]

#: How many rejected logs the summary names one by one (the plain CSV lists them all).
LIST_INVALID = 20

_MSG = {
    "en": {
        "summary": "graded {n} log{s}: {complete} complete, {incomplete} incomplete, {invalid} invalid",
        "flag_bot": "{n} bot log{s} (written by a policy, not a person)",
        "flag_suspect": "{n} suspect log{s} (check them: see the reason column)",
        "flag_unnamed": "{n} log{s} without a trainee name (unnamed)",
        "branches": "{n} practice branch{es} (the debrief's replay from here), verified and not graded",
        "flagged": "{flag}: {path}: {reason}",
        "suspect": "suspect",
        "source": "scenario {sid}: {path}",
        "missing": "{n} roster trainee{s} without a log",
        "unlisted": "{n} trainee{s} with logs not on the roster",
        "invalid": "{status}: {path}: {reason}",
        "more": "... and {n} more invalid logs (all are listed in the grades file)",
        "wrote": "wrote {what}",
        "grades_file": "{path} ({format})",
        "statements": "{path} ({n} xAPI statements)",
    },
    "zh": {
        "summary": "已评分 {n} 份日志：完成 {complete}，未完成 {incomplete}，无效 {invalid}",
        "flag_bot": "{n} 份机器人日志（由策略而非学员生成）",
        "flag_suspect": "{n} 份可疑日志（请核查，见 reason 列）",
        "flag_unnamed": "{n} 份日志没有学员姓名（unnamed）",
        "branches": "{n} 份练习分支（复盘中的“从这里重玩”），已核验，不计分",
        "flagged": "{flag}：{path}：{reason}",
        "suspect": "可疑",
        "source": "场景 {sid}：{path}",
        "missing": "花名册中 {n} 名学员未交日志",
        "unlisted": "{n} 名交了日志的学员不在花名册中",
        "invalid": "{status}：{path}：{reason}",
        "more": "……另有 {n} 份无效日志（成绩文件中全部列出）",
        "wrote": "已写入 {what}",
        "grades_file": "{path}（{format}）",
        "statements": "{path}（{n} 条 xAPI 语句）",
    },
}


def add_parser(sub: Any) -> None:
    from scoring.batch import EXECUTORS
    from scoring.gradebook import ATTEMPTS, FORMATS
    from scoring.grading import GRADE_ON

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
    p.add_argument("--xapi-base", metavar="URL",
                   help="the institution's address for xAPI: actor account homePage and activity ids under it "
                        "(default: Touchpoint's urn: IRIs)")
    p.add_argument("--attempts", choices=ATTEMPTS, default=None,
                   help="which attempt of a trainee is graded: best score, last started, or all "
                        "(default: the assignment's, else best)")
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
    p.add_argument("--review", action="store_true",
                   help="review every verified log (touchpoint review) and add accuracy, expected score and luck "
                        "to every output")
    p.add_argument("--rollouts", type=positive_int, default=None,
                   help="with --review: worlds per batch of rollouts (default 8; every option gets two batches, more "
                        "while the choice's class is in doubt, up to 8), as touchpoint review")
    p.add_argument("--on", choices=GRADE_ON, default="outcome",
                   help="grade the run's outcome (default) or the expected score of the choices made, so luck "
                        "cannot fail a good player (implies --review)")
    p.add_argument("--assignment", metavar="FILE",
                   help="an assignment (touchpoint assign): accept only its seeds for each trainee (others are "
                        "wrong-seed) and apply its attempts policy")
    p.add_argument("--gradebook", metavar="FILE.sqlite",
                   help="keep results in this file by each log's content: a re-run grades only new or changed "
                        "logs, an interrupted run resumes, an unchanged class writes its last outputs again")
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
    context = _context(args, files)
    total = _count_logs(args.logs, outputs)
    key = _class_key(args, context, outputs) if args.gradebook else None
    if key is not None:
        replayed = _replay(args, key, out, xapi, report)
        if replayed is not None:
            return replayed

    with Gradebook() as book:
        if args.roster:
            _add_roster(book, args.roster)
        aggregates = _grade_all(book, args, executor_kind, context, outputs, total)
        _check_scenarios_found(book, total)
        book.flag_shared_runs()
        scenarios = _graded_scenarios(book, context)
        locale = _report_locale(args.locale, scenarios)
        msg = _MSG[ui_locale(locale)]
        texts = _render_outputs(book, args, xapi, report, aggregates, scenarios, locale)
        summary = _summary(book, msg, args.quiet, scenarios, locale)
    if key is not None:
        _remember(args, key, texts, summary, locale, scenarios)
    return _finish(args, out, xapi, report, texts, summary, msg)


#: Options that choose where outputs go or how the work is spread, never what is written.
_NOT_IN_CLASS_KEY = frozenset({"out", "report", "xapi", "gradebook", "workers", "executor", "scheduler",
                               "chunk_size", "handler", "plan", "roster"})


def _class_key(args: argparse.Namespace, context: GradeContext, outputs: list[Path]) -> str:
    """The class key of this run (:func:`scoring.cache.class_key`): reads and hashes every log."""
    import hashlib

    from scoring.batch import BatchError, iter_logs
    from scoring.cache import class_key, context_key
    from sim.runs.sessionlog import LogError, read_bytes

    settings = [f"{k}={v!r}" for k, v in sorted(vars(args).items())
                if k not in _NOT_IN_CLASS_KEY and (v is None or isinstance(v, (str, int, float, list)))]
    settings += [f"writes grades={args.out is not None} report={args.report is not None} "
                 f"xapi={args.xapi is not None}"]
    if args.roster:
        settings.append(f"roster {_digest(args.roster)}")

    def logs() -> Any:
        for read_path, display in iter_logs(args.logs, outputs):
            try:
                yield display, hashlib.sha256(read_bytes(read_path)).hexdigest()
            except LogError:
                yield display, None

    try:
        return class_key(context_key(context), logs(), settings)
    except BatchError as err:
        raise CliError(str(err)) from None


def _digest(path: str) -> str:
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _open_gradebook(args: argparse.Namespace, key: str) -> Any:
    """The incremental gradebook file (``--gradebook``) for a run of this context key."""
    import sqlite3

    from scoring.cache import GradeCache

    path = Path(args.gradebook)
    if path.exists() and not path.is_file():
        raise CliError(f"--gradebook: {path} is not a regular file")
    try:
        return GradeCache(path, key)
    except (sqlite3.Error, ValueError) as err:
        raise CliError(f"--gradebook: {path}: {err}") from None


def _replay(args: argparse.Namespace, key: str, out: Path | None, xapi: Path | None,
            report: Path | None) -> int | None:
    """A class graded before with the same class key (the same logs, scenarios and options): write the
    outputs that run wrote, print its summary, and return its exit code; None if there is no such run
    or a scenario file it used has changed since."""
    import sqlite3

    cache = _open_gradebook(args, "")
    try:
        kept = cache.recall(key)
    except (sqlite3.Error, ValueError):
        kept = None  # unreadable: grade as if nothing were kept
    finally:
        cache.close()
    if kept is None or any(_digest(path) != digest for path, digest in kept["sources"].items()):
        return None
    from scoring.gradebook import ui_locale

    summary = _Summary(kept["head"], kept["tail"], kept["code"])
    return _finish(args, out, xapi, report, kept["texts"], summary, _MSG[ui_locale(kept["locale"])])


def _remember(args: argparse.Namespace, key: str, texts: dict[str, Any], summary: _Summary, locale: str,
              scenarios: dict[str, LoadedScenario]) -> None:
    """Keep this run's outputs in the gradebook under its class key, with the scenario files it used."""
    import sqlite3

    from sim.runs.sessionlog import scenario_file

    sources = {where: _digest(where) for where in (scenario_file(s) for s in scenarios.values()) if where}
    cache = _open_gradebook(args, "")
    try:
        cache.remember(key, {"texts": texts, "head": summary.head, "tail": summary.tail, "code": summary.code,
                             "locale": locale, "sources": sources})
    except sqlite3.Error:
        pass  # only a shortcut for the next run (another run may hold the file): the outputs matter
    finally:
        cache.close()


def _check_options(args: argparse.Namespace) -> str:
    """The executor to grade with; refuses option combinations that cannot be honoured."""
    executor_kind: str = args.executor or ("dask" if args.scheduler else "process")
    if args.scheduler and executor_kind != "dask":
        raise CliError("--scheduler needs --executor dask")
    if args.format in ("moodle", "canvas") and args.attempts == "all":
        raise CliError(f"--format {args.format} takes one grade per trainee: use --attempts best or last")
    if args.rollouts is not None and not (args.review or args.on == "expected"):
        raise CliError("--rollouts needs --review (or --on expected)")
    if args.rollouts is not None and args.rollouts > 1000:
        raise CliError(f"--rollouts: at most 1000, got {args.rollouts}")
    if args.xapi_base is not None:
        from scoring.xapi import check_base

        try:
            args.xapi_base = check_base(args.xapi_base)
        except ValueError as err:
            raise CliError(str(err)) from None
    return executor_kind


def _context(args: argparse.Namespace, files: dict[str, str]) -> GradeContext:
    """What grading each log depends on: scenario files and folders, assignment, review."""
    from scoring.grading import GradeContext

    search: list[str] = []
    for spec in args.logs:
        folder = spec if os.path.isdir(spec) else os.path.dirname(spec) or "."
        if os.path.isdir(folder) and os.path.abspath(folder) not in search:
            search.append(os.path.abspath(folder))
    assignment = ""
    args.plan = None
    if args.assignment:
        from scoring.assignment import AssignmentError, read_assignment

        try:
            plan = read_assignment(args.assignment)
        except AssignmentError as err:
            raise CliError(str(err)) from None
        assignment = os.path.abspath(args.assignment)
        args.plan = plan
        if args.attempts is None:
            args.attempts = plan.keep
    if args.attempts is None:
        args.attempts = "best"
    if args.format in ("moodle", "canvas") and args.attempts == "all":
        raise CliError(f"--format {args.format} takes one grade per trainee: use --attempts best or last")
    review = args.review or args.on == "expected"
    return GradeContext(files=files, search=tuple(search), assignment=assignment, review=review,
                        rollouts=args.rollouts or 0, on=args.on)


def _check_scenarios_found(book: Gradebook, total: int) -> None:
    """A scenario that the class's logs name (two trainees or more, or every log) and that cannot be
    found is a set-up error: one line, exit 2, nothing written. One log naming an unknown id stays
    an invalid row (a student cannot stop the class's grading)."""
    from scoring.grading import UNKNOWN_SCENARIO

    for sid, logs, trainees, first in book.unknown_scenarios(UNKNOWN_SCENARIO):
        if trainees >= 2 or logs == total:
            raise CliError(f"scenario {sid!r} cannot be found (named by {logs} log{'s' if logs != 1 else ''}, "
                           f"e.g. {first}): give its folder with --scenarios DIR, or put {sid}.yaml beside the logs")


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


def _grade_all(book: Gradebook, args: argparse.Namespace, executor_kind: str, context: GradeContext,
               outputs: list[Path], total: int) -> dict[str, Aggregate]:
    """Grade every log on the chosen executor into ``book``; returns the cohort's aggregates by scenario."""
    from tqdm import tqdm

    from scoring.batch import BatchError, chunk_size_for, iter_logs, open_executor, run_batch
    from scoring.grading import Aggregate

    aggregates: dict[str, Aggregate] = {}
    bar = tqdm(total=total, unit="log", desc="grading", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty())

    cache = _open_cache(args, context)
    if cache is not None:
        from dataclasses import replace

        context = replace(context, per_log=True)

    def take(result: ChunkResult) -> None:
        book.add(result.rows)
        book.add_costs(result.costs)
        for sid, agg in result.aggregates.items():
            aggregates.setdefault(sid, Aggregate()).merge(agg)
        if cache is not None:
            cache.store((row, agg, costs) for row, (agg, costs) in zip(result.rows, result.per_log, strict=True))
        bar.update(len(result.rows))

    workers = 1 if executor_kind == "serial" else args.workers
    least = 1 if context.review else 8  # a reviewed log takes about a second: small chunks keep workers busy
    chunk = args.chunk_size or chunk_size_for(total, workers, least)
    items = iter_logs(args.logs, outputs)
    if cache is not None:
        items = _not_graded_before(items, cache, book, aggregates, bar, args.report is not None)
    try:
        with open_executor(executor_kind, workers, args.scheduler) as executor:
            run_batch(items, executor, take, context, chunk, in_flight=2 * workers,
                      total=None if args.chunk_size else total, least=least)
    except BatchError as err:
        raise CliError(str(err)) from None
    finally:
        bar.close()
        if cache is not None:
            cache.close()
    return aggregates


def _open_cache(args: argparse.Namespace, context: GradeContext) -> Any:
    """The incremental gradebook (``--gradebook``) for per-log results in this context, or None."""
    if not args.gradebook:
        return None
    from scoring.cache import context_key

    return _open_gradebook(args, context_key(context))


def _not_graded_before(items: Any, cache: Any, book: Gradebook, aggregates: dict[str, Aggregate], bar: Any,
                       need_aggregates: bool) -> Any:
    """The logs the gradebook has no result for; the others' results go straight into ``book``."""
    import hashlib
    import itertools

    from scoring.cache import LOOKUP_BATCH, aggregate_from_json
    from scoring.grading import Aggregate
    from sim.runs.sessionlog import LogError, read_bytes

    items = iter(items)
    while True:
        chunk = list(itertools.islice(items, LOOKUP_BATCH))
        if not chunk:
            return
        digests: list[str | None] = []
        for read_path, _display in chunk:
            try:
                digests.append(hashlib.sha256(read_bytes(read_path)).hexdigest())
            except LogError:
                digests.append(None)  # unreadable: graded (as invalid) every time
        hits = cache.lookup_many([d for d in digests if d is not None])
        rows, costs = [], []
        for (read_path, display), digest in zip(chunk, digests, strict=True):
            hit = hits.get(digest) if digest is not None else None
            if hit is None or not cache.still_valid(hit[0]):
                yield read_path, display
                continue
            fields, agg, cost_text = hit
            row = cache.row(fields, display)
            rows.append(row)
            costs.extend(cache.costs(cost_text, display))
            if need_aggregates and agg:
                aggregates.setdefault(row.scenario, Aggregate()).merge(aggregate_from_json(agg))
        book.add(rows)
        book.add_costs(costs)
        bar.update(len(rows))


def _graded_scenarios(book: Gradebook, context: GradeContext) -> dict[str, LoadedScenario]:
    """The scenarios the graded logs name that load, by id (each from the file most of its logs were
    graded against); the gradebook is told them too."""
    from dataclasses import replace

    from scoring.grading import scenario_for

    sources = book.scenario_sources()
    scenarios: dict[str, LoadedScenario] = {}
    for sid in book.named_scenarios():
        source = sources.get(sid, "")
        ctx = replace(context, files={**context.files, sid: source}) if source else context
        found = scenario_for(sid, ctx)
        if not isinstance(found, str):
            scenarios[sid] = found
    book.set_scenarios(scenarios)
    return scenarios


def _report_locale(asked: str | None, scenarios: dict[str, LoadedScenario]) -> str:
    """The language of the outputs: as asked, else the first language of the first scenario by id."""
    first = next(iter(sorted(scenarios)), None)
    languages = scenarios[first].spec.languages if first else []
    return asked or (languages[0] if languages else "en")


def _render_outputs(book: Gradebook, args: argparse.Namespace, xapi: Path | None, report: Path | None,
                    aggregates: dict[str, Aggregate], scenarios: dict[str, LoadedScenario],
                    locale: str) -> dict[str, Any]:
    """The texts of the grades CSV and of the xAPI statements and HTML report asked for."""
    import io

    titles = {sid: _title(s, locale) for sid, s in scenarios.items()}
    review = book.has_review() or args.review or args.on == "expected"
    texts: dict[str, Any] = {"xapi": None, "statements": 0, "report": None}
    f = io.StringIO()
    _write_grades(book, f, args, titles, locale, review)
    texts["grades"] = f.getvalue()
    if xapi is not None:
        from scoring.xapi import write_statements

        f = io.StringIO()
        texts["statements"] = write_statements(book, f, scenarios, args.xapi_base or "", getattr(args, "plan", None))
        texts["xapi"] = f.getvalue()
    if report is not None:
        from scoring.report import write_report

        f = io.StringIO()
        write_report(f, book, aggregates, scenarios, locale, args.attempts, book.status_counts())
        texts["report"] = f.getvalue()
    return texts


def _finish(args: argparse.Namespace, out: Path | None, xapi: Path | None, report: Path | None,
            texts: dict[str, Any], summary: _Summary, msg: dict[str, str]) -> int:
    """Write the outputs (each atomically; the grades to standard output without ``--out``), print the
    summary with what was written, and return the exit code."""
    from scoring.safe import atomic_output, escape_controls

    wrote: list[str] = []
    try:
        if out is None:
            sys.stdout.write(texts["grades"])
            sys.stdout.flush()
        else:
            with atomic_output(out, newline="") as f:
                f.write(texts["grades"])
            wrote.append(msg["grades_file"].format(path=out, format=args.format))
        if xapi is not None:
            with atomic_output(xapi) as f:
                f.write(texts["xapi"])
            wrote.append(msg["statements"].format(path=xapi, n=texts["statements"]))
        if report is not None:
            with atomic_output(report) as f:
                f.write(texts["report"])
            wrote.append(str(report))
    except BrokenPipeError:
        raise
    except OSError as err:
        raise CliError(f"cannot write output: {err.strerror or err}: {err.filename or ''}".rstrip(": ")) from None
    lines = list(summary.head)
    if not args.quiet:
        lines += ["  " + msg["wrote"].format(what=escape_controls(what)) for what in wrote]
    for line in lines + summary.tail:
        print(line, file=sys.stderr)
    return summary.code


def _title(scenario: LoadedScenario, locale: str) -> str:
    from sim.lang.text import resolve

    return resolve(scenario.spec.title, locale)


def _write_grades(book: Gradebook, f: TextIO, args: argparse.Namespace, titles: dict[str, str], locale: str,
                  review: bool = False) -> None:
    from scoring.gradebook import write_canvas, write_moodle, write_plain

    if args.format == "moodle":
        write_moodle(book, f, titles, args.attempts, locale, review)
    elif args.format == "canvas":
        write_canvas(book, f, titles, args.attempts, review, locale)
    else:
        write_plain(book, f, args.attempts, review)
    f.flush()


class _Summary(NamedTuple):
    """What ``grade`` tells the terminal: lines before the outputs written, lines after, the exit code."""

    head: list[str]
    tail: list[str]
    code: int


def _summary(book: Gradebook, msg: dict[str, str], quiet: bool,
             scenarios: dict[str, LoadedScenario] | None = None, locale: str = "en") -> _Summary:
    from scoring.grading import REJECTED_STATUSES
    from scoring.safe import escape_controls
    from sim.runs.sessionlog import scenario_file

    counts = book.status_counts()
    invalid = sum(counts.get(k, 0) for k in REJECTED_STATUSES)
    n = sum(v for k, v in counts.items() if k != "missing")
    head: list[str] = []
    tail: list[str] = []
    flags = book.flag_counts()
    if not quiet or invalid:
        head.append(msg["summary"].format(n=n, s="" if n == 1 else "s", complete=counts.get("complete", 0),
                                          incomplete=counts.get("incomplete", 0), invalid=invalid))
    if not quiet:
        if counts.get("missing"):
            m = counts["missing"]
            head.append("  " + msg["missing"].format(n=m, s="" if m == 1 else "s"))
        unlisted = book.not_on_roster()
        if unlisted:
            head.append("  " + msg["unlisted"].format(n=unlisted, s="" if unlisted == 1 else "s"))
        for sid, scenario in sorted((scenarios or {}).items()):
            where = scenario_file(scenario)
            if where:
                head.append("  " + msg["source"].format(sid=sid, path=escape_controls(where)))
    branches = counts.get("branch", 0)
    if branches and not quiet:
        tail.append("  " + msg["branches"].format(n=branches, es="" if branches == 1 else "es"))
    for flag in ("bot", "unnamed", "suspect"):
        if flags[flag] and (not quiet or flag != "bot"):
            tail.append("  " + msg[f"flag_{flag}"].format(n=flags[flag], s="" if flags[flag] == 1 else "s"))
    for path, reason in book.flagged("suspect", LIST_INVALID, locale):
        tail.append("  " + msg["flagged"].format(flag=msg["suspect"], path=path, reason=reason))
    for path, status, reason in book.invalid(LIST_INVALID, locale):
        tail.append("  " + msg["invalid"].format(status=status, path=path, reason=reason))
    if invalid > LIST_INVALID:
        tail.append("  " + msg["more"].format(n=invalid - LIST_INVALID))
    return _Summary(head, tail, EXIT_PROBLEMS if invalid else EXIT_OK)
