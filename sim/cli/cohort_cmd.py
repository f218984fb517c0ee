"""``touchpoint cohort SCENARIO --size N --mix expert=0.3,random=0.7 --seed S --out DIR``: a synthetic class.

Writes N trainees' session logs (``t0001-1.jsonl``, ...) and a matching ``roster.csv`` to DIR, as if a
class had played: for trying ``touchpoint grade``, for tests and for benchmarks. The same arguments
always write the same files.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sim.cli.common import CliError, load, locale_code, positive_int, seed_int

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("cohort", help="write a synthetic class's session logs and roster",
                       description="Write N session logs as if N trainees had played a scenario, plus "
                                   "roster.csv. Deterministic: the same arguments write the same files.")
    p.add_argument("scenario", metavar="SCENARIO", help="a bundled scenario id or a scenario file")
    p.add_argument("--size", type=positive_int, required=True, help="number of trainees")
    p.add_argument("--mix", default="expert=0.3,random=0.7",
                   help="policy shares, e.g. expert=0.3,random=0.7 (a policy may also be a policy file; "
                        "default %(default)s)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the whole class (default 0)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder for the logs and roster.csv")
    p.add_argument("--attempts", type=positive_int, default=1, help="attempts per trainee (default 1)")
    p.add_argument("--start", default=None, metavar="ISO",
                   help="when the class starts, ISO 8601 (default 2026-03-02T09:30:00+08:00)")
    p.add_argument("--locale", type=locale_code, default=None,
                   help="language of the logs and roster names: en or zh, or a variant such as zh-TW "
                        "(default: the scenario's first)")
    p.add_argument("--workers", type=positive_int, default=1, help="processes writing logs (default 1)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _check_policy_files(mix: Any, scenario: Any) -> None:
    """A policy file in the mix that names ids the scenario does not have is refused, naming them."""
    from pathlib import Path

    from sim.runs.policies import PolicyError, check_policy_file

    for name in mix:
        path = Path(name)
        if name not in ("random", "expert") and path.suffix != ".jsonl" and path.is_file():
            try:
                check_policy_file(path, scenario)
            except PolicyError as err:
                raise CliError(str(err)) from None


def run(args: argparse.Namespace) -> int:
    from sim.authoring.cohort import DEFAULT_START, CohortError, CohortSpec, generate, parse_mix, parse_start

    scenario = load(args.scenario)
    try:
        mix = parse_mix(args.mix)
        start = args.start or DEFAULT_START
        parse_start(start)
    except CohortError as err:
        raise CliError(str(err)) from None
    _check_policy_files(mix, scenario)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise CliError(f"--out: {args.out} exists and is not a folder")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as err:
        raise CliError(f"cannot create {args.out}: {err.strerror or err}") from None
    ref = str(scenario.path) if scenario.path is not None else args.scenario
    spec = CohortSpec(ref, args.size, tuple(mix.items()), args.seed, args.out, args.attempts, start,
                      args.locale or "")

    from tqdm import tqdm

    bar = tqdm(total=args.size, unit="trainee", desc="cohort", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty())

    def written(n: int) -> None:
        """Move the progress bar on by ``n`` trainees whose logs are written."""
        bar.update(n)

    try:
        if args.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                chunk = max(1, min(250, -(-args.size // (args.workers * 4))))
                counts = generate(spec, pool, written, chunk=chunk)
        else:
            counts = generate(spec, None, written)
    except OSError as err:
        raise CliError(f"cannot write to {args.out}: {err.strerror or err}") from None
    finally:
        bar.close()
    mix_text = ", ".join(f"{name} {n}" for name, n in counts.items())
    logs = args.size * args.attempts
    locale = args.locale or (scenario.spec.languages[0] if scenario.spec.languages else "en")
    if locale.split("-")[0] == "zh":
        from sim.authoring.lint import POLICY_NAMES

        names = {name: pair[1] for name, pair in POLICY_NAMES.items()}
        mix_zh = "，".join(f"{names.get(name, name)} {n}" for name, n in counts.items())
        print(f"已写入 {args.size} 名学员的 {logs} 份会话日志（{mix_zh}）及 roster.csv：{args.out}")
    else:
        print(f"wrote {logs} session log{'s' if logs != 1 else ''} of {args.size} "
              f"trainee{'s' if args.size != 1 else ''} ({mix_text}) and roster.csv to {args.out}")
    return 0
