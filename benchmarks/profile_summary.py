"""Where an engine run's time goes: a summary of a py-spy profile of ``bench_engine.py``.

Instructions (``bench_instructions.py``) say what a run executes; this says where its *time* goes,
which is not the same on a real CPU (a run's memory and branches cost more per instruction than the
bare-SimPy floor's). py-spy samples the Python stacks of a running process without changing its
code; it is not one of the project's dependencies, so install it in a scratch venv:

    pip install py-spy
    py-spy record -r 2000 -f raw -o engine.txt -- \
        python benchmarks/bench_engine.py --seconds 10 --scenario enterprise_software
    python benchmarks/profile_summary.py engine.txt [--top 25]

Only the samples taken inside a complete engine run count (stacks through ``sim.runs.policies.play``),
not the imports, the loading or the bare-SimPy blocks. Each sample is charged to the innermost
Python function on its stack (C functions called from a line count as that line's time): SimPy's
own code, or a part of the engine.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable

#: A frame of a complete engine run, as py-spy names it.
RUN_FRAME = "play (sim/runs/policies.py"


def _where(frame: str) -> str:
    """``function (path:line)`` -> ``simpy`` or ``path function`` (the class or function name)."""
    name, _, rest = frame.partition(" (")
    path = rest.rsplit(":", 1)[0].rstrip(")")
    if "simpy/" in path:
        return "simpy (its own code)"
    return f"{path} {name.split('.')[0]}" if name else frame


def summarise(lines: Iterable[str]) -> tuple[int, Counter[str]]:
    """Samples inside engine runs, and how many of them each place holds (py-spy ``-f raw`` lines:
    ``frame;frame;... count``, outermost frame first)."""
    total, places = 0, Counter[str]()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if RUN_FRAME not in stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        places[_where(stack.rsplit(";", 1)[-1])] += n
    return total, places


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile", help="py-spy record -f raw output")
    ap.add_argument("--top", type=int, default=25, help="places to list")
    args = ap.parse_args()
    with open(args.profile, encoding="utf-8") as f:
        total, places = summarise(f)
    if not total:
        raise SystemExit(f"{args.profile}: no samples inside engine runs ({RUN_FRAME}...)")
    print(f"{total} samples inside engine runs")
    for place, n in places.most_common(args.top):
        print(f"{n / total * 100:6.1f}%  {place}")


if __name__ == "__main__":
    main()
