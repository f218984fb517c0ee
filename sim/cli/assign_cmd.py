"""``touchpoint assign SCENARIO --roster roster.csv [--attempts N] [--keep best|last] [--due DATE] --out FILE``.

Writes an assignment (:mod:`scoring.assignment`): the scenario and its content hash, the attempts and
which counts, the due date, and each roster trainee's seed for each attempt. The seeds derive from a
class secret kept apart from the assignment (``--secret FILE``, by default the assignment's name with
``.secret``; made at random the first time, reused after, so the same command gives the same seeds).
Give trainees the assignment file, keep the secret.

Exit 0; 2 for a usage error (an unreadable roster, a scenario that does not load, a bad date).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, load, positive_int

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "assign", help="write an assignment: each trainee's seeds for a scenario, from a class secret",
        description="Write an assignment for the trainees of a roster: the scenario, its content hash, the attempts "
                    "and which counts, the due date, and each trainee's seed for each attempt, derived from a class "
                    "secret kept in a separate file. Trainees play it with 'touchpoint play --assignment FILE "
                    "--trainee ID'; 'touchpoint grade --assignment FILE' accepts only those seeds.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--roster", required=True, metavar="CSV", help="roster: trainee id, name, email, section")
    p.add_argument("--attempts", type=positive_int, default=1, help="attempts per trainee (default 1)")
    p.add_argument("--keep", choices=("best", "last"), default="best",
                   help="which attempt counts when grading: the best score or the last started (default best)")
    p.add_argument("--due", metavar="DATE", help="due date, ISO 8601 (e.g. 2026-03-09)")
    p.add_argument("--id", dest="assignment_id", metavar="ID",
                   help="the assignment's id (default: the scenario id and a code from the secret)")
    p.add_argument("--secret", type=Path, metavar="FILE",
                   help="the class secret (default: the --out file's name with .secret; made if missing)")
    p.add_argument("-o", "--out", required=True, type=Path, metavar="FILE", help="the assignment file to write (YAML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scoring.assignment import AssignmentError, make_assignment, parse_due, read_or_make_secret, write_assignment
    from scoring.roster import RosterError, read_roster

    if args.out.is_dir():
        raise CliError(f"--out: {args.out} is a folder; give a file name")
    parent = args.out.parent if str(args.out.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"--out: folder {parent} does not exist")
    scenario = load(args.scenario)
    try:
        trainees: list[str] = []
        seen: set[str] = set()
        for line, t in read_roster(args.roster):
            if t.id in seen:
                raise CliError(f"{args.roster}:{line}: trainee id {t.id!r} appears twice")
            seen.add(t.id)
            trainees.append(t.id)
    except RosterError as err:
        raise CliError(str(err)) from None
    if not trainees:
        raise CliError(f"{args.roster}: the roster lists no trainees")
    secret_path = args.secret or args.out.with_suffix(".secret")
    try:
        due = parse_due(args.due) if args.due else ""
        secret = read_or_make_secret(secret_path)
        ref = str(scenario.path) if scenario.path is not None and Path(args.scenario).exists() else args.scenario
        plan = make_assignment(scenario, ref, trainees, secret, args.attempts, args.keep, due,
                               args.assignment_id or "")
        write_assignment(args.out, plan)
    except AssignmentError as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(f"cannot write {err.filename or args.out}: {err.strerror or err}") from None
    print(f"wrote {args.out}: assignment {plan.id} of {scenario.id} for {len(trainees)} trainee"
          f"{'s' if len(trainees) != 1 else ''}, {args.attempts} attempt{'s' if args.attempts != 1 else ''} each "
          f"(keep {args.keep}{', due ' + due if due else ''}); the class secret is in {secret_path}: keep it, "
          "do not hand it out")
    return 0
