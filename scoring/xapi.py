"""xAPI (Experience API) statements for graded attempts, one JSON object per line.

Each verified attempt (complete or not) becomes one statement: the roster's trainee as the actor
(``mbox`` when the roster has an email, else an ``account``), ``passed`` or ``failed`` from the ADL
vocabulary, the scenario as a simulation activity, the recomputed result (scaled score, success,
completion, ISO 8601 duration from the log's wall-clock times, and the roadmap figures as
extensions), and the attempt's UUID as ``context.registration``. Rejected logs get no statement: an
LRS should only hold what was verified.

Everything is derived from the log's content (the registration and statement ids are uuid5 of it), so
the same logs give the same statements on every run and backend.

Statements carry ``version`` (1.0.3) and a ``timestamp``: when the attempt was completed (its start
plus its wall-clock time, else its start). With ``--xapi-base URL`` the actor's account ``homePage``
and the activity ids are the institution's addresses (``URL/scenarios/<id>``, and for an assignment
``URL/assignments/<id>`` as ``context.contextActivities.parent``); without it Touchpoint's ``urn:``
IRIs are used. Language tags (``context.language``, the keys of language maps) are checked as BCP 47
tags; one that is not is left out. With a review (``grade --review``), the result extensions hold
the accuracy, the expected score and the luck.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from scoring.grading import ATTEMPT_NAMESPACE
from scoring.safe import is_language_tag
from sim.version import __version__

__all__ = [
    "ACCOUNT_HOMEPAGE",
    "ACTIVITY_BASE",
    "ACTIVITY_TYPE",
    "ADL_VERBS",
    "ASSESSMENT_TYPE",
    "CONTEXT_EXT",
    "RESULT_EXT",
    "VERB_DISPLAY",
    "XAPI_VERSION",
    "check_base",
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
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
#: The xAPI version the statements follow.
XAPI_VERSION = "1.0.3"
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
    """A scenario text (plain or per language) as an xAPI language map (keys that are not BCP 47
    language tags are left out; "und", undetermined, when none is left)."""
    if isinstance(text, Mapping):
        out = {str(k): str(v) for k, v in text.items() if is_language_tag(str(k))}
        return out or {"und": str(next(iter(text.values()), ""))}
    return {default_lang if is_language_tag(default_lang) else "und": str(text)}


def check_base(url: str) -> str:
    """``--xapi-base``: an absolute http(s) URL without query or fragment, returned without a
    trailing slash; a ValueError with a one-line reason otherwise."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or any(
            c.isspace() for c in url):
        raise ValueError(f"--xapi-base must be an absolute http(s) URL such as https://lms.example.edu/xapi, "
                         f"not {url!r}")
    return url.rstrip("/")


def _utc_timestamp(started_key: str, wall_s: float | None = None) -> str:
    """When the attempt was completed: its start plus its wall-clock time (else its start), ISO 8601
    UTC with milliseconds; "" without a start."""
    if not started_key:
        return ""
    if wall_s is None:
        return started_key[:23] + "Z"
    start = datetime.strptime(started_key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    end = start + timedelta(seconds=round(float(wall_s), 3))
    return end.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


def _actor(rec: dict[str, Any], home: str = ACCOUNT_HOMEPAGE) -> dict[str, Any]:
    actor: dict[str, Any] = {"objectType": "Agent"}
    if rec.get("name"):
        actor["name"] = rec["name"]
    if rec.get("email"):
        actor["mbox"] = "mailto:" + rec["email"]
    else:
        name = rec["trainee"] or f"anonymous:{rec['file']}"
        actor["account"] = {"homePage": home, "name": name}
    return actor


def _parent(assignment: Any, base: str, lang: str) -> dict[str, Any]:
    """The assignment as the attempt's parent activity."""
    from urllib.parse import quote

    aid = base + "/assignments/" + quote(assignment.id, safe="") if base else "urn:touchpoint:assignment:" + quote(
        assignment.id, safe="")
    definition: dict[str, Any] = {"type": ASSESSMENT_TYPE}
    if assignment.title:
        definition["name"] = language_map(assignment.title, lang)
    return {"objectType": "Activity", "id": aid, "definition": definition}


def statement(rec: dict[str, Any], scenario: Any, base: str = "", assignment: Any = None) -> dict[str, Any]:
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
    if rec.get("accuracy") is not None:
        ext[RESULT_EXT + "accuracy"] = round(float(rec["accuracy"]), 2)
        ext[RESULT_EXT + "expected-score"] = round(float(rec["expected"]), 2)
        ext[RESULT_EXT + "luck"] = round(float(rec["luck"]), 2)
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
    if rec["locale"] and is_language_tag(rec["locale"]):
        context["language"] = rec["locale"]
    if assignment is not None:
        context["contextActivities"] = {"parent": [_parent(assignment, base, lang)]}
    verb = "passed" if passed else "failed"
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(ATTEMPT_NAMESPACE, "statement:" + rec["registration"])),
        "version": XAPI_VERSION,
        "actor": _actor(rec, base or ACCOUNT_HOMEPAGE),
        "verb": {"id": ADL_VERBS + verb, "display": VERB_DISPLAY[verb]},
        "object": {"objectType": "Activity", "definition": definition,
                   "id": (base + "/scenarios/" + spec.id) if base else ACTIVITY_BASE + spec.id},
        "result": result,
        "context": context,
    }
    stamp = _utc_timestamp(rec["started_key"], rec["wall_s"])
    if stamp:
        out["timestamp"] = stamp
    return out


def write_statements(book: Any, out: TextIO, scenarios: dict[str, Any], base: str = "",
                     assignment: Any = None) -> int:
    """One statement per verified attempt, as JSON Lines; returns the number written."""
    n = 0
    for rec in book.valid_attempts():
        out.write(json.dumps(statement(rec, scenarios[rec["scenario"]], base, assignment), ensure_ascii=False,
                             sort_keys=True, separators=(",", ":")) + "\n")
        n += 1
    return n
