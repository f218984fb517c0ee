"""xAPI (Experience API) statements for graded attempts, one JSON object per line.

Each verified attempt (complete or not) becomes one statement: the roster's trainee as the actor
(``mbox`` when the roster has an email, else an ``account``), ``passed`` or ``failed`` from the ADL
vocabulary, the scenario as a simulation activity, the recomputed result (scaled score, success,
completion, ISO 8601 duration from the log's wall-clock times, and the roadmap figures as
extensions), and the attempt's UUID as ``context.registration``. Rejected logs get no statement: an
LRS should only hold what was verified.

Everything is derived from the log's content (the registration and statement ids are uuid5 of it), so
the same logs give the same statements on every run and backend.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, TextIO

from scoring.grading import ATTEMPT_NAMESPACE
from sim.version import __version__

__all__ = [
    "ACCOUNT_HOMEPAGE",
    "ACTIVITY_BASE",
    "ACTIVITY_TYPE",
    "ADL_VERBS",
    "CONTEXT_EXT",
    "RESULT_EXT",
    "VERB_DISPLAY",
    "iso_duration",
    "language_map",
    "statement",
    "write_statements",
]

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERB_DISPLAY = {
    "passed": {"en-US": "passed", "zh-CN": "通过"},
    "failed": {"en-US": "failed", "zh-CN": "未通过"},
}
ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/simulation"
#: Touchpoint's own IRIs: URNs, so they claim no web domain; an LRS accepts any absolute IRI.
ACTIVITY_BASE = "urn:touchpoint:scenario:"
RESULT_EXT = "urn:touchpoint:result:"
CONTEXT_EXT = "urn:touchpoint:context:"
ACCOUNT_HOMEPAGE = "urn:touchpoint:trainees"


def iso_duration(seconds: float) -> str:
    """Seconds as an ISO 8601 duration with centisecond precision, e.g. ``PT7M12.4S``."""
    cs = max(0, round(seconds * 100))
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6_000)
    sec = f"{rest // 100}" + (f".{rest % 100:02d}".rstrip("0") if rest % 100 else "")
    out = "PT"
    if h:
        out += f"{h}H"
    if m:
        out += f"{m}M"
    if rest or not (h or m):
        out += f"{sec}S"
    return out


def language_map(text: Any, default_lang: str) -> dict[str, str]:
    """A scenario text (plain or per language) as an xAPI language map."""
    if isinstance(text, Mapping):
        return {str(k): str(v) for k, v in text.items()}
    return {default_lang: str(text)}


def _utc_timestamp(started_key: str) -> str:
    # started_key is "YYYY-MM-DDTHH:MM:SS.ffffffZ"; xAPI takes ISO 8601 with milliseconds at most needed
    return started_key[:23] + "Z" if started_key else ""


def _actor(rec: dict[str, Any]) -> dict[str, Any]:
    actor: dict[str, Any] = {"objectType": "Agent"}
    if rec.get("name"):
        actor["name"] = rec["name"]
    if rec.get("email"):
        actor["mbox"] = "mailto:" + rec["email"]
    else:
        name = rec["trainee"] or f"anonymous:{rec['file']}"
        actor["account"] = {"homePage": ACCOUNT_HOMEPAGE, "name": name}
    return actor


def statement(rec: dict[str, Any], scenario: Any) -> dict[str, Any]:
    """The statement for one verified attempt (``rec``: a row of :meth:`Gradebook.valid_attempts`)."""
    spec = scenario.spec
    lang = spec.languages[0] if spec.languages else "en"
    passed = bool(rec["passed"])
    complete = rec["status"] == "complete"
    score = float(rec["score"])
    ext: dict[str, Any] = {
        RESULT_EXT + "conversion": round(float(rec["conversion"]), 4),
        RESULT_EXT + "satisfaction": round(float(rec["satisfaction"]), 2),
        RESULT_EXT + "retention": round(float(rec["retention"]), 4),
        RESULT_EXT + "grade": rec["grade"],
        RESULT_EXT + "decisions": rec["decisions"],
        RESULT_EXT + "sim-days": round(float(rec["sim_days"]), 2),
        RESULT_EXT + "outcome": rec["result"],
    }
    if rec["cycle_days"] is not None:
        ext[RESULT_EXT + "cycle-days"] = round(float(rec["cycle_days"]), 2)
    if rec["lost_reason"]:
        ext[RESULT_EXT + "lost-reason"] = rec["lost_reason"]
    result: dict[str, Any] = {
        "score": {"scaled": round(score / 100.0, 4), "raw": round(score, 2), "min": 0, "max": 100},
        "success": passed,
        "completion": complete,
        "extensions": ext,
    }
    if rec["wall_s"] is not None:
        result["duration"] = iso_duration(float(rec["wall_s"]))
    definition: dict[str, Any] = {"type": ACTIVITY_TYPE, "name": language_map(spec.title, lang)}
    if spec.summary is not None:
        definition["description"] = language_map(spec.summary, lang)
    context: dict[str, Any] = {
        "registration": rec["registration"],
        "platform": f"Touchpoint {__version__}",
        "extensions": {
            CONTEXT_EXT + "seed": rec["seed"],
            CONTEXT_EXT + "scenario-hash": scenario.content_hash,
        },
    }
    if rec["locale"]:
        context["language"] = rec["locale"]
    verb = "passed" if passed else "failed"
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(ATTEMPT_NAMESPACE, "statement:" + rec["registration"])),
        "actor": _actor(rec),
        "verb": {"id": ADL_VERBS + verb, "display": VERB_DISPLAY[verb]},
        "object": {"objectType": "Activity", "id": ACTIVITY_BASE + spec.id, "definition": definition},
        "result": result,
        "context": context,
    }
    stamp = _utc_timestamp(rec["started_key"])
    if stamp:
        out["timestamp"] = stamp
    return out


def write_statements(book: Any, out: TextIO, scenarios: dict[str, Any]) -> int:
    """One statement per verified attempt, as JSON Lines; returns the number written."""
    n = 0
    for rec in book.valid_attempts():
        out.write(json.dumps(statement(rec, scenarios[rec["scenario"]]), ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")) + "\n")
        n += 1
    return n
