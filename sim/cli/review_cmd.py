"""``touchpoint review LOG... [--json] [--html OUT] [--rollouts N] [--workers N] [--executor ...]``.

A chess-style review of each verified session log (:mod:`scoring.review`): every decision's options
priced in expected points by playing them out in other worlds, each choice classed (best, excellent,
good, inaccuracy, mistake, blunder) by what it gave up, the run's accuracy, the decisive moments, and
the luck line (the actual score against the expected score of the choices made).

Exit 0 when every log was reviewed, 1 if some log is invalid (it is reported and skipped), 2 for a
usage error or a scenario that cannot be found.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_PROBLEMS, CliError, locale_code, positive_int

__all__ = ["add_parser", "describe", "luck_line", "render_html", "run"]

#: The review's words (English, Chinese); its classes are named by :data:`sim.lang.text.REVIEW_CLASS_NAMES`.
WORDS: dict[str, tuple[str, str]] = {
    "move_on": ("Move on", "继续推进"), "agenda": ("What to do next", "下一步做什么"),
    "focus": ("Which account to work on", "先跟进哪个客户"),
}


def _w(key: str, locale: str) -> str:
    from sim.lang.text import REVIEW_CLASS_NAMES

    zh = locale.startswith("zh")
    if key in REVIEW_CLASS_NAMES:
        return REVIEW_CLASS_NAMES[key]["zh" if zh else "en"]
    en, chinese = WORDS[key]
    return chinese if zh else en


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "review", help="price every decision of session logs, like a chess game review",
        description="Review verified session logs: each decision's options played out in other worlds "
                    "(the same worlds for every option), the expected points each choice gave up and its class, "
                    "the run's accuracy, the decisive moments, and luck (actual score minus expected).")
    p.add_argument("logs", nargs="+", type=Path, metavar="LOG", help="session logs (.jsonl)")
    p.add_argument("--rollouts", type=positive_int, default=None,
                   help="worlds per batch of rollouts (default 8): every option gets two batches, then more "
                        "while the choice's class is in doubt (up to 8), the same worlds for every option")
    p.add_argument("--scenarios", type=Path, metavar="DIR", help="folder of non-bundled scenario files")
    p.add_argument("--json", action="store_true", help="print the reviews as JSON")
    p.add_argument("--html", "-o", "--out", dest="html", type=Path, metavar="OUT", help="also write an HTML review")
    p.add_argument("--workers", type=positive_int, default=1, help="processes (with --executor process or dask)")
    p.add_argument("--executor", choices=("serial", "process", "dask"), default=None,
                   help="where the rollouts run (default: serial for one worker, else process)")
    p.add_argument("--locale", type=locale_code, default="en", help="language of the report (en or zh)")
    p.set_defaults(handler=run)


def describe(scenario: Any, key: str, option: str, locale: str) -> str:
    """What a trainee read for an option of the decision ``key``."""
    from sim.lang.text import resolve

    if key == "focus":
        account = next((a for a in scenario.spec.accounts if a.id == option), None)
        return resolve(account.persona.company, locale) if account is not None else option
    account_id, _, rest = key.partition("/")
    rules = next(a for a in scenario.rules.accounts if a.id == account_id)
    if rest.startswith("agenda:"):
        if option == "move_on":
            return _w("move_on", locale)
        tp = rules.touchpoints.get(option)
        return resolve(tp.spec.title, locale) if tp is not None else option
    tp = rules.touchpoints[rest]
    action = tp.by_id.get(option)
    return resolve(action.spec.label, locale) if action is not None else option


def _title(scenario: Any, key: str, locale: str) -> str:
    from sim.lang.text import resolve

    if key == "focus":
        return _w("focus", locale)
    account_id, _, rest = key.partition("/")
    if rest.startswith("agenda:"):
        return _w("agenda", locale)
    rules = next(a for a in scenario.rules.accounts if a.id == account_id)
    return resolve(rules.touchpoints[rest].spec.title, locale)


def luck_line(review: Any, scenario: Any, locale: str) -> str:
    """One sentence: accuracy, and what decided the run (a costly decision, or an event, or luck)."""
    zh = locale.startswith("zh")
    parts = [f"决策准确度{review.accuracy:.0f}%" if zh else f"played at {review.accuracy:.0f}% accuracy"]
    if review.event and abs(review.event_effect) >= 5:
        name = _event_text(scenario, review.event, locale)
        parts.append(f"第{review.event_day:g}天的“{name}”影响了结果（约{review.event_effect:+.0f}分）" if zh
                     else f"the {name!r} on day {review.event_day:g} decided it ({review.event_effect:+.0f} points)")
    elif review.decisive:
        d = review.decisions[review.decisive[0] - 1]
        parts.append(f"第{d.number}个决策（{_w(d.klass, locale)}）代价最大" if zh
                     else f"decision {d.number} ({_w(d.klass, locale)}) cost the most")
    luck = review.luck
    if abs(luck) >= 1:
        parts.append((f"运气{'好' if luck > 0 else '差'}：实际{review.actual:.1f}分，预期{review.expected:.1f}分") if zh
                     else f"{'lucky' if luck > 0 else 'unlucky'}: scored {review.actual:.1f} against "
                          f"{review.expected:.1f} expected")
    return ("；" if zh else "; ").join(parts)


def _event_text(scenario: Any, event: str, locale: str) -> str:
    """The event's text in ``locale``, cut to :data:`EVENT_CHARS` (its id only if it has none)."""
    from sim.lang.text import resolve

    for account in scenario.spec.accounts:
        for ev in account.events:
            if ev.id == event:
                text = resolve(ev.text, locale)
                return text if len(text) <= EVENT_CHARS else text[:EVENT_CHARS - 1].rstrip() + "…"
    return event.replace("_", " ")


#: The longest event text a luck line quotes (a longer one is cut, with an ellipsis).
EVENT_CHARS = 60

#: The review's own lines (English, Chinese): :func:`_text` and :func:`render_html`.
LINES: dict[str, tuple[str, str]] = {
    "head": ("{log}: {scenario}, {who}, seed {seed}: score {actual:.1f}, expected {expected:.1f} "
             "(luck {luck:+.1f}), accuracy {accuracy:.0f}%",
             "{log}：{scenario}，{who}，种子 {seed}：得分 {actual:.1f}，预期 {expected:.1f}"
             "（运气 {luck:+.1f}），决策准确度 {accuracy:.0f}%"),
    "decision": ("  {number:>2}  day {day:<4} {title}: {chosen} — {klass}",
                 "  {number:>2}  第{day}天 {title}：{chosen} — {klass}"),
    "lost": (" (-{lost:.1f} points, -{win:.0f}% win; best: {best})",
             "（少得 {lost:.1f} 分，胜率 -{win:.0f}%；最佳：{best}）"),
    "page": ("Touchpoint review", "Touchpoint 决策评析"),
    "columns": ("#|day|decision|chosen|class|points given up|best", "#|天|决策|所选|评价|少得的分|最佳"),
    "chart": ("win chance after each decision", "每个决策后的胜率"),
}


def _line(key: str, locale: str, **values: Any) -> str:
    en, zh = LINES[key]
    return (zh if locale.startswith("zh") else en).format(**values)


def _text(review: Any, scenario: Any, locale: str, log: Path) -> str:
    from scoring.safe import escape_controls

    who = escape_controls(review.trainee) or "-"
    lines = [_line("head", locale, log=escape_controls(str(log)), scenario=scenario.id, who=who, seed=review.seed,
                   actual=review.actual, expected=review.expected, luck=review.luck, accuracy=review.accuracy)]
    for d in review.decisions:
        line = _line("decision", locale, number=d.number, day=f"{d.day:g}", title=_title(scenario, d.key, locale),
                     chosen=describe(scenario, d.key, d.chosen, locale), klass=_w(d.klass, locale))
        if d.lost > 0:
            line += _line("lost", locale, lost=d.lost, win=100 * d.lost_win,
                          best=describe(scenario, d.key, d.best, locale))
        lines.append(line)
    lines.append("  " + luck_line(review, scenario, locale))
    return "\n".join(lines)


def render_html(reviews: list[tuple[Path, Any, Any]], locale: str) -> str:
    """A self-contained page: per log, the decisions with their class and cost, and the win chance
    of the choices made over the run (an SVG line)."""
    e = html.escape
    lang = "zh" if locale.startswith("zh") else "en"
    parts = [f"<!doctype html><html lang='{lang}'><meta charset='utf-8'><title>{e(_line('page', locale))}</title>"
             "<style>"
             "body{font-family:system-ui,'Noto Sans SC',sans-serif;margin:2em;max-width:70em}"
             "table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}"
             ".best,.excellent{color:#1b7f3b}.good{color:#555}.inaccuracy{color:#a66b00}.mistake{color:#c2410c}"
             ".blunder{color:#b91c1c;font-weight:bold}</style>"]
    head = "".join(f"<th>{e(c)}</th>" for c in _line("columns", locale).split("|"))
    for path, review, scenario in reviews:
        parts.append(f"<h2>{e(str(path))}</h2><p>{e(luck_line(review, scenario, locale))}</p>")
        parts.append(_win_svg(review, _line("chart", locale)))
        parts.append(f"<table><tr>{head}</tr>")
        for d in review.decisions:
            parts.append(
                f"<tr><td>{d.number}</td><td>{d.day:g}</td><td>{e(_title(scenario, d.key, locale))}</td>"
                f"<td>{e(describe(scenario, d.key, d.chosen, locale))}</td>"
                f"<td class='{d.klass}'>{e(_w(d.klass, locale))}</td><td>{d.lost:.1f}</td>"
                f"<td>{e(describe(scenario, d.key, d.best, locale)) if d.lost > 0 else ''}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts) + "\n"


def _win_svg(review: Any, label: str, width: int = 600, height: int = 120) -> str:
    """The win chance of the choice made at each decision, as a line from the first to the last."""
    points = [d.value(d.chosen).win for d in review.decisions]
    if len(points) < 2:
        return ""
    step = width / (len(points) - 1)
    xy = " ".join(f"{i * step:.1f},{height - p * height:.1f}" for i, p in enumerate(points))
    return (f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
            f"aria-label='{html.escape(label)}'><rect width='{width}' height='{height}' fill='#f6f6f6'/>"
            f"<polyline points='{xy}' fill='none' stroke='#2563eb' stroke-width='2'/></svg>")


def _write(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (:func:`scoring.safe.atomic_output`)."""
    from scoring.safe import atomic_output

    with atomic_output(path) as f:
        f.write(text)


def run(args: argparse.Namespace) -> int:
    from scoring import score_run
    from scoring.batch import BatchError, open_executor
    from scoring.grading import scenario_for
    from scoring.review import DEFAULT_ROLLOUTS, review_log
    from scoring.safe import escape_controls
    from sim.runs.sessionlog import LogError, check_end, read_log, replay

    files = {p.stem: str(p) for p in sorted(args.scenarios.glob("*.yaml"))} if args.scenarios else {}
    kind = args.executor or ("serial" if args.workers == 1 else "process")
    reviewed: list[tuple[Path, Any, Any]] = []
    invalid = 0
    try:
        with open_executor(kind, args.workers) as executor:
            for path in args.logs:
                try:
                    log = read_log(path)
                    scenario = scenario_for(log.header["scenario"], files)
                    if isinstance(scenario, str):
                        raise CliError(f"{path}: {scenario}")
                    session = replay(log, scenario)
                    check_end(log, session, score_run(session.trace, scenario.rubric))
                except LogError as err:
                    print(f"touchpoint review: {escape_controls(str(path))}: invalid: {escape_controls(str(err))}",
                          file=sys.stderr)
                    invalid += 1
                    continue
                review = review_log(log, scenario, args.rollouts or DEFAULT_ROLLOUTS,
                                    executor=None if kind == "serial" else executor)
                reviewed.append((path, review, scenario))
                if not args.json:
                    print(_text(review, scenario, args.locale, path))
    except BatchError as err:
        raise CliError(str(err)) from None
    if args.json:
        json.dump([{"log": str(p), **r.as_dict(), "luck_line": luck_line(r, s, args.locale)} for p, r, s in reviewed],
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    if args.html is not None:
        try:
            _write(args.html, render_html(reviewed, args.locale))
        except OSError as err:
            raise CliError(f"cannot write {args.html}: {err.strerror or err}") from None
    return EXIT_PROBLEMS if invalid else 0
