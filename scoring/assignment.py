"""Assignments: which seed each trainee plays for each attempt, derived from a class secret.

``touchpoint assign`` writes an assignment file for the trainees (the scenario, its content hash, the
number of attempts and which counts, a due date, and each trainee's seeds) and keeps the class secret
in a separate file that only the teacher holds. Each seed is HMAC-SHA256 of the secret and the
assignment, the scenario's content hash, the trainee id and the attempt number, cut to the engine's
63 bits: a trainee cannot work out another assignment's seeds in advance, and the teacher can make
the same assignment again from the secret.

``touchpoint play --assignment FILE --trainee ID`` plays the trainee's seed; ``touchpoint grade
--assignment FILE`` accepts a log only on a seed the assignment gives the log's trainee (any other
is ``wrong-seed``: a lucky seed farmed with ``--seed``, a log handed in under another trainee's id,
one seed credited to several trainees) and applies the assignment's attempts policy.

::

    format: touchpoint-assignment/1
    id: tutorial-3f9a2c1e
    scenario: tutorial
    scenario_id: tutorial
    scenario_hash: sha256:...
    attempts: 2
    keep: best
    due: '2026-03-09'
    seeds:
      t0001: [4155170151203446711, 1206315720128925341]
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sim.runs.sessionlog import MAX_SEED

__all__ = [
    "ASSIGNMENT_FORMAT",
    "KEEP",
    "MAX_ASSIGNMENT_BYTES",
    "Assignment",
    "AssignmentError",
    "cached_assignment",
    "derive_seed",
    "make_assignment",
    "parse_due",
    "read_assignment",
    "read_or_make_secret",
    "write_assignment",
]

ASSIGNMENT_FORMAT = "touchpoint-assignment/1"
#: Which attempt counts: the best score, or the last started.
KEEP = ("best", "last")
MAX_ASSIGNMENT_BYTES = 64 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class AssignmentError(ValueError):
    """An assignment or secret file that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Assignment:
    """An assignment: the scenario, the attempts and which counts, the due date, the trainees' seeds."""

    id: str
    scenario: str  # as given to ``touchpoint assign``: a bundled id or a file
    scenario_id: str
    scenario_hash: str
    attempts: int
    keep: str
    due: str  # ISO 8601 date or time, or ""
    seeds: dict[str, tuple[int, ...]] = field(default_factory=dict)
    title: str = ""

    def seed_for(self, trainee: str, attempt: int) -> int:
        """The seed of a trainee's attempt (1-based); AssignmentError when there is none."""
        seeds = self.seeds.get(trainee)
        if seeds is None:
            raise AssignmentError(f"trainee {trainee!r} is not in assignment {self.id!r}")
        if not 1 <= attempt <= len(seeds):
            raise AssignmentError(f"assignment {self.id!r} has {len(seeds)} attempt{'s' if len(seeds) != 1 else ''}, "
                                  f"not {attempt}")
        return seeds[attempt - 1]

    def check(self, scenario: Any, trainee: str, seed: int) -> tuple[int | None, str]:
        """The attempt a verified log's seed is for, or "" and why the log is ``wrong-seed``."""
        if scenario.id != self.scenario_id:
            return None, f"assignment {self.id!r} is for scenario {self.scenario_id!r}, not {scenario.id!r}"
        if scenario.content_hash != self.scenario_hash:
            return None, f"assignment {self.id!r} was made for another version of scenario {scenario.id!r}"
        seeds = self.seeds.get(trainee)
        if seeds is None:
            return None, f"trainee {trainee!r} is not in assignment {self.id!r}"
        if seed in seeds:
            return seeds.index(seed) + 1, ""
        return None, f"seed {seed} is not a seed assignment {self.id!r} gives {trainee!r}"


def derive_seed(secret: bytes, assignment_id: str, scenario_hash: str, trainee: str, attempt: int) -> int:
    """A trainee's seed for an attempt: HMAC-SHA256 of the secret over the rest, cut to 63 bits."""
    message = "\x1f".join((ASSIGNMENT_FORMAT, assignment_id, scenario_hash, trainee, str(attempt))).encode("utf-8")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & MAX_SEED


def parse_due(text: str) -> str:
    """A due date as ISO 8601 (a date, or a date and time); AssignmentError if it is not one."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise AssignmentError(f"--due: not an ISO 8601 date: {text!r} (e.g. 2026-03-09)") from None


def make_assignment(scenario: Any, ref: str, trainees: Iterable[str], secret: bytes, attempts: int = 1,
                    keep: str = "best", due: str = "", assignment_id: str = "") -> Assignment:
    """The assignment of ``scenario`` (named ``ref``) to ``trainees``, with seeds from ``secret``."""
    if keep not in KEEP:
        raise AssignmentError(f"keep must be one of {', '.join(KEEP)}, not {keep!r}")
    if attempts < 1:
        raise AssignmentError("an assignment needs at least one attempt")
    aid = assignment_id or f"{scenario.id}-{hmac.new(secret, b'id', hashlib.sha256).hexdigest()[:8]}"
    if not _ID.match(aid):
        raise AssignmentError(f"assignment id {aid!r}: use letters, digits, '.', '_' and '-' (at most 100)")
    seeds = {t: tuple(derive_seed(secret, aid, scenario.content_hash, t, k) for k in range(1, attempts + 1))
             for t in trainees}
    from sim.lang.text import resolve

    return Assignment(aid, ref, scenario.id, scenario.content_hash, attempts, keep, due, seeds,
                      resolve(scenario.spec.title, scenario.spec.languages[0] if scenario.spec.languages else "en"))


def read_or_make_secret(path: str | os.PathLike[str]) -> bytes:
    """The class secret kept at ``path``; a new random one (256 bits, readable by the owner only)
    when the file does not exist yet."""
    p = Path(path)
    if p.exists():
        try:
            text = p.read_text(encoding="ascii").strip()
            secret = bytes.fromhex(text)
        except (OSError, UnicodeDecodeError, ValueError):
            raise AssignmentError(f"{p}: not a Touchpoint class secret (64 hexadecimal digits)") from None
        if len(secret) < 16:
            raise AssignmentError(f"{p}: the class secret is too short (at least 32 hexadecimal digits)")
        return secret
    secret = secrets.token_bytes(32)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    return secret


def write_assignment(path: str | os.PathLike[str], assignment: Assignment) -> None:
    """Write the assignment file (YAML), atomically."""
    import yaml

    from scoring.safe import atomic_output

    data: dict[str, Any] = {
        "format": ASSIGNMENT_FORMAT, "id": assignment.id, "title": assignment.title, "scenario": assignment.scenario,
        "scenario_id": assignment.scenario_id, "scenario_hash": assignment.scenario_hash,
        "attempts": assignment.attempts, "keep": assignment.keep, "due": assignment.due,
        "seeds": {t: list(s) for t, s in sorted(assignment.seeds.items())},
    }
    with atomic_output(path) as f:
        f.write("# A Touchpoint assignment (touchpoint assign): give it to the trainees with the scenario.\n"
                "# Play it with: touchpoint play --assignment THIS_FILE --trainee YOUR_ID\n")
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)


def read_assignment(path: str | os.PathLike[str]) -> Assignment:
    """Read an assignment file; every problem is an AssignmentError with a one-line reason."""
    from sim.lang.yamlsource import SourceError, load_yaml

    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise AssignmentError(f"{p}: not a regular file")
        if st.st_size > MAX_ASSIGNMENT_BYTES:
            raise AssignmentError(f"{p}: too large for an assignment")
        data = load_yaml(p.read_bytes()).data
    except OSError as err:
        raise AssignmentError(f"{p}: cannot read the assignment: {err.strerror or err}") from None
    except SourceError as err:
        raise AssignmentError(f"{p}:{err.line}:{err.column}: {err.message}") from None
    return _from_data(data, str(p))


def _from_data(data: Any, name: str) -> Assignment:
    if not isinstance(data, dict) or data.get("format") != ASSIGNMENT_FORMAT:
        raise AssignmentError(f"{name}: not a Touchpoint assignment (format: {ASSIGNMENT_FORMAT})")
    text = {k: data.get(k, "") for k in ("id", "title", "scenario", "scenario_id", "scenario_hash", "keep", "due")}
    if not all(isinstance(v, str) for v in text.values()) or not text["id"] or not text["scenario_id"]:
        raise AssignmentError(f"{name}: id, scenario, scenario_id, scenario_hash, keep and due must be text")
    if text["keep"] not in KEEP:
        raise AssignmentError(f"{name}: keep must be one of {', '.join(KEEP)}")
    attempts = data.get("attempts")
    if attempts.__class__ is not int or attempts < 1:
        raise AssignmentError(f"{name}: attempts must be a whole number of at least 1")
    raw = data.get("seeds")
    if not isinstance(raw, dict):
        raise AssignmentError(f"{name}: seeds must map each trainee id to a list of seeds")
    seeds: dict[str, tuple[int, ...]] = {}
    for trainee, values in raw.items():
        if not isinstance(trainee, str) or not isinstance(values, list) or len(values) != attempts or not all(
                v.__class__ is int and 0 <= v <= MAX_SEED for v in values):
            raise AssignmentError(f"{name}: seeds of {trainee!r} must be {attempts} seeds (0 to 2**63 - 1)")
        seeds[trainee] = tuple(values)
    return Assignment(text["id"], text["scenario"], text["scenario_id"], text["scenario_hash"], attempts,
                      text["keep"], text["due"], seeds, text["title"])


_CACHE: dict[str, Assignment] = {}


def cached_assignment(path: str) -> Assignment:
    """The assignment at ``path``, read once per process (a grading worker checks many logs)."""
    hit = _CACHE.get(path)
    if hit is None:
        hit = _CACHE[path] = read_assignment(path)
    return hit
