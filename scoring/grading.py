"""Verify and grade one session log: the unit of work of ``touchpoint grade``.

A log proves nothing by itself. It is replayed against the scenario it names and its scorecard is
recomputed (:func:`sim.runs.sessionlog.replay`, :func:`scoring.score_run`); the end line's claims are
then checked against the recomputation (:func:`sim.runs.sessionlog.check_end`). A log that does not
fit becomes an ``invalid`` row with a one-line reason; nothing a log says about its own score is ever
used.

What a graded log gives back is a compact :class:`Row` (a few strings and numbers) and a small
contribution to the cohort's :class:`Aggregate`, never the trace: a batch of 100,000 logs streams in
flat memory, and aggregates hold only integer counts so that merging them in any order (whatever the
executor and the number of workers) gives the same figures, bit for bit.

Each log is graded in isolation: whatever goes wrong with one log (a field out of range, a bug met
only by that log) makes that log's row ``invalid`` or ``error`` with a one-line reason, and the
batch goes on. Every text a log brings in (trainee, scenario, start time, reasons, the path) is
stored with control characters escaped (:func:`scoring.safe.escape_controls`), so no output can
carry a raw CR, LF or ESC.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from scoring.safe import escape_controls
from scoring.scorecard import Scorecard, score_run
from sim.lang.schema import STAGES
from sim.runs import sessionlog

if TYPE_CHECKING:
    from sim.engine.loader import LoadedScenario
    from sim.engine.session import Session

__all__ = [
    "ATTEMPT_NAMESPACE",
    "BRANCH_STATUS",
    "GRADE_ON",
    "LOG_ERRORS_ZH",
    "MIN_MEDIAN_THINK_S",
    "NOTES",
    "REJECTED_STATUSES",
    "SAT_BIN",
    "SCORE_BIN",
    "UNKNOWN_SCENARIO",
    "VALID_STATUSES",
    "Aggregate",
    "ChunkResult",
    "DecisionCost",
    "GradeContext",
    "Q",
    "Row",
    "attempt_uuid",
    "error_row",
    "grade_chunk",
    "grade_log",
    "graded_score",
    "note",
    "quality_weight",
    "reason_codes",
    "reason_known",
    "reason_text",
    "scenario_for",
    "started_key",
]

#: Namespace of the attempt UUIDs (``context.registration`` in xAPI): uuid5 of the log's bytes.
ATTEMPT_NAMESPACE = uuid.UUID("6f1c2a2e-3d0b-5b7e-9a57-7c1b8c2d4e10")
#: Fixed-point scale for sums in aggregates (integers add up the same in any order; floats do not).
Q = 1_000_000
#: Width of a score histogram bin, in points.
SCORE_BIN = 5
#: Width of a satisfaction bin in the satisfaction / cycle-time chart.
SAT_BIN = 2

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
VALID_STATUSES = ("complete", "incomplete")
#: Logs that are not graded: not a true record of a run (``invalid``), one that met an unexpected
#: error (``error``), or a run on a seed its assignment does not give that trainee (``wrong-seed``).
REJECTED_STATUSES = ("invalid", "error", "wrong-seed")
#: A verified practice branch (the debrief's "Replay from here": a header with ``branch_of``): reported
#: as such, neither graded nor counted among the trainee's attempts, nor rejected.
BRANCH_STATUS = "branch"
#: The reason of a log whose scenario cannot be found starts with this (a set-up error when a class's
#: logs name it, see ``touchpoint grade``).
UNKNOWN_SCENARIO = "unknown scenario"
#: What a graded score stands on: the run's outcome, or the expected score of the choices made.
GRADE_ON = ("outcome", "expected")
#: A person's log whose median think time is under this many seconds is flagged ``suspect``.
MIN_MEDIAN_THINK_S = 1.0


class Row(NamedTuple):
    """One graded log, as the gradebook stores it. ``None`` where a figure does not apply."""

    path: str  # as the instructor named it (display form)
    file: str  # base name, the tie-break of ``--attempts last``
    trainee: str
    scenario: str
    seed: int | None
    started: str  # as written in the log
    started_key: str  # normalised UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, "" if absent or unreadable
    status: str  # complete | incomplete | invalid | error | wrong-seed | branch (a practice branch, not graded)
    reason: str  # one line: why rejected, or where an incomplete run stopped, and any signs of forgery
    result: str  # won | lost | open (incomplete) | "" (rejected)
    lost_reason: str
    conversion: float | None
    satisfaction: float | None
    cycle_days: float | None
    retention: float | None
    score: float | None  # the graded score (the outcome's, or the expected score, blended with quality)
    grade: str
    passed: int | None
    decisions: int | None
    sim_days: float | None
    wall_s: float | None  # wall-clock seconds (end line's wall_s, else the sum of think_s)
    registration: str  # uuid5 of the log's bytes
    locale: str
    decided_day: float | None = None  # the day the run was decided: the last won close, or the first loss
    flags: str = ""  # signs the teacher should look at: "bot", "suspect", "unnamed" (space-separated)
    player: str = ""  # the bot's policy, "" for a person
    choices_key: str = ""  # a digest of the choice sequence (persons' complete runs off the coach's path)
    digest: str = ""  # sha256 of the log's bytes (the key of an incremental gradebook)
    source: str = ""  # the scenario file the log was graded against ("" for a bundled one)
    outcome: float | None = None  # the run's own score (before quality or grading on expected)
    accuracy: float | None = None  # review (grade --review): accuracy %, expected score, luck
    expected: float | None = None
    luck: float | None = None
    attempt_no: int | None = None  # the attempt of an assignment the seed belongs to
    reason_codes: str = ""  # the reason's parts as JSON [[code, params], ...], to say it in any language (reason_text)


class DecisionCost(NamedTuple):
    """A decision of a reviewed log that gave up points (for the report's heatmap and costliest list)."""

    path: str
    number: int
    key: str  # account/touchpoint, account/agenda:..., or focus
    account: str
    touchpoint: str
    chosen: str
    best: str
    lost: float
    klass: str


@dataclass(frozen=True)
class GradeContext:
    """What grading a log depends on besides the log (picklable: sent with every chunk).

    ``files``: scenario id -> file (``--scenarios``); ``search``: folders where ``<id>.yaml`` is
    looked for (the folders of logs given); ``assignment``: an assignment file (``--assignment``);
    ``review``: review every verified log (``--review``) with ``rollouts`` worlds per option;
    ``on``: what the graded score stands on (:data:`GRADE_ON`)."""

    files: dict[str, str] = field(default_factory=dict)
    search: tuple[str, ...] = ()
    assignment: str = ""
    review: bool = False
    rollouts: int = 0
    on: str = "outcome"
    per_log: bool = False  # also hand back each log's aggregate and decisions (an incremental gradebook keeps them)


def _q(x: float) -> int:
    return round(x * Q)


@dataclass
class Aggregate:
    """What the report needs about one scenario's verified attempts, as mergeable integer counts."""

    attempts: int = 0
    complete: int = 0
    won: int = 0
    passed: int = 0
    satisfaction_q: int = 0
    score_q: int = 0
    cycle_q: int = 0
    cycle_n: int = 0
    wall_q: int = 0
    wall_n: int = 0
    account_runs: int = 0
    score_bins: Counter = field(default_factory=Counter)  # bin index -> attempts
    funnel: Counter = field(default_factory=Counter)  # stage or "won" -> account-runs reaching it
    lost_at: Counter = field(default_factory=Counter)  # (last stage reached, reason) -> lost account-runs
    quit_at: Counter = field(default_factory=Counter)  # stage -> account-runs open when the log stopped
    scatter: Counter = field(default_factory=Counter)  # (result, day, satisfaction bin) -> account-runs
    choices: Counter = field(default_factory=Counter)  # (account, touchpoint, action, its result) -> picks

    def add(self, card: Scorecard, history: list[tuple[Any, str]], wall_s: float | None) -> None:
        self.attempts += 1
        self.complete += card.complete
        self.won += card.won
        self.passed += card.passed and card.complete
        self.satisfaction_q += _q(card.satisfaction)
        self.score_q += _q(card.score)
        self.score_bins[min(int(card.score // SCORE_BIN), 100 // SCORE_BIN - 1)] += 1
        if card.cycle_days is not None:
            self.cycle_q += _q(card.cycle_days)
            self.cycle_n += 1
        if wall_s is not None:
            self.wall_q += _q(wall_s)
            self.wall_n += 1
        results = {}
        for acc in card.accounts:
            self.account_runs += 1
            results[acc.account] = acc.result
            for stage in acc.stages:
                self.funnel[stage] += 1
            last = acc.stages[-1] if acc.stages else STAGES[0]
            if acc.result == "won":
                self.funnel["won"] += 1
            elif acc.result == "lost":
                self.lost_at[(last, acc.reason)] += 1
            else:
                self.quit_at[last] += 1
            if acc.result != "open":
                sat_bin = min(int(acc.satisfaction // SAT_BIN) * SAT_BIN, 100 - SAT_BIN)
                self.scatter[(acc.result, round(acc.day), sat_bin)] += 1
        for point, choice in history:
            if point.kind == "action":
                outcome = results.get(point.account, "open")
                self.choices[(point.account, point.touchpoint, choice, outcome)] += 1

    def merge(self, other: Aggregate) -> None:
        for name in ("attempts", "complete", "won", "passed", "satisfaction_q", "score_q", "cycle_q",
                     "cycle_n", "wall_q", "wall_n", "account_runs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("score_bins", "funnel", "lost_at", "quit_at", "scatter", "choices"):
            getattr(self, name).update(getattr(other, name))


# --- scenarios --------------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], Any] = {}
_PATH_CACHE: dict[str, Any] = {}


def _load_path(path: str) -> Any:
    """A LoadedScenario from a file, or a string saying why not; cached per process. Only regular
    files are opened (a FIFO or a device named by a log must not hang the grader)."""
    import stat

    from sim.engine.loader import ScenarioError, load_file

    try:
        st = os.stat(path)
    except OSError as err:
        return f"cannot read {path}: {err.strerror or err}"
    key = f"{path}\x00{st.st_mtime_ns}\x00{st.st_size}"  # a file changed or replaced is read again
    hit = _PATH_CACHE.get(key)
    if hit is not None:
        return hit
    try:
        found: Any = load_file(path) if stat.S_ISREG(st.st_mode) else f"{path} is not a regular file"
    except ScenarioError as err:
        found = f"does not load: {err.lines()[0]}"
    if len(_PATH_CACHE) > 256:
        _PATH_CACHE.clear()
    _PATH_CACHE[key] = found
    return found


def scenario_for(sid: str, files: dict[str, str] | GradeContext, recorded: str = "") -> Any:
    """The scenario a log names: from ``--scenarios`` (``files``: id -> path), bundled, ``<id>.yaml``
    in a search folder (the folders of logs given), or the file the log says it was played from
    (``recorded``); cached per process.

    Returns a LoadedScenario (its ``path`` says which file), or a string saying why there is none.
    ``sid`` comes from an untrusted log, so it is only ever looked up as an id, never opened as a
    path; a recorded path is opened only when no other place has the id, only if it is a regular
    file, and used only if it defines that very id.
    """
    ctx = files if isinstance(files, GradeContext) else GradeContext(files=files)
    key = (sid, ctx.files.get(sid, ""))
    hit = _CACHE.get(key)
    if hit is not None and (not isinstance(hit, str) or not recorded):
        return hit
    from sim.lang import bundled

    if not _ID.match(sid):
        return f"the header names no valid scenario id ({escape_controls(sid[:40])!r})"
    found: Any = None
    path = ctx.files.get(sid) or bundled.scenario_path(sid)
    if path is None:
        for folder in ctx.search:
            for suffix in (".yaml", ".yml"):
                cand = os.path.join(folder, sid + suffix)
                if os.path.isfile(cand):
                    path = cand
                    break
            if path is not None:
                break
    if path is not None:
        found = _load_path(str(path))
        if isinstance(found, str):
            found = f"scenario {sid!r} {found}"
    else:
        found = f"{UNKNOWN_SCENARIO} {sid!r} (not bundled, not in --scenarios, no {sid}.yaml beside the logs)"
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = found
    if isinstance(found, str) and recorded and path is None:
        from_log = _load_path(recorded)
        if not isinstance(from_log, str) and from_log.id == sid:
            return from_log
    return found


# --- one log ----------------------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    line = escape_controls(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- reasons in two languages -----------------------------------------------------------------------------

#: The notes and reasons grading writes, by code: (English, Chinese) templates of their parameters.
#: A row's ``reason`` is the English, its ``reason_codes`` the codes and parameters (:func:`reason_text`).
NOTES: dict[str, tuple[str, str]] = {
    "bot": ("written by the {policy!r} policy, not a person", "由“{policy}”策略而非学员生成"),
    "suspect_no_think": ("suspect: no think time recorded for some choices (not written by touchpoint play)",
                         "可疑：部分决策没有记录思考时间（不是由 touchpoint play 生成的）"),
    "suspect_fast": ("suspect: implausibly fast choices (median think time {median:.2f} s)",
                     "可疑：决策快得不合常理（思考时间中位数{median:.2f}秒）"),
    "suspect_wall": ("suspect: the wall-clock time is shorter than the think times",
                     "可疑：实际用时短于各决策的思考时间之和"),
    "suspect_seed": ("suspect: seed {seed} also played by {other}", "可疑：学员{other}也用了种子{seed}"),
    "suspect_seed_anon": ("suspect: seed {seed} also played by a log without a name",
                          "可疑：一份未署名的日志也用了种子{seed}"),
    "suspect_same": ("suspect: the same choices as {other}", "可疑：与学员{other}的选择完全相同"),
    "suspect_same_anon": ("suspect: the same choices as a log without a name", "可疑：与一份未署名日志的选择完全相同"),
    "unnamed": ("no trainee name in the log", "日志中没有学员名"),
    "stopped": ("stopped after {n} decisions", "做出{n}个决策后中止"),
    "stopped_at": ("stopped after {n} decisions at {key} (day {day:g})", "做出{n}个决策后中止于“{key}”（第{day:g}天）"),
    "no_end": ("no end line, but the replay finishes the run", "日志没有结束行，但重放后对局已完成"),
    "branch": ("practice branch of {log} from decision {at}: not graded",
               "练习分支（源自{log}的第{at}个决策），不计成绩"),
}
#: The Chinese of the faults a log can fail verification on (:class:`sim.runs.sessionlog.LogError`'s
#: codes; their English is the error's own message).
LOG_ERRORS_ZH: dict[str, str] = {
    "unknown_scenario": "未知场景“{sid}”（不是内置场景，不在 --scenarios 中，日志旁也没有 {sid}.yaml）",
    "too_many_lines": "日志超过{limit}行",
    "empty_log": "日志是空的",
    "empty_line": "第{line}行：空行",
    "truncated": "第{line}行：不完整（缺少行尾）",
    "not_json": "第{line}行：不是 JSON（不完整或是乱码）",
    "not_object": "第{line}行：应为 JSON 对象",
    "no_header": "第1行：第一行必须是日志头",
    "unexpected_field": "第{line}行：多出字段“{field}”",
    "missing_field": "第{line}行：缺少字段“{field}”",
    "old_format": "第1行：日志格式“{format}”由 Touchpoint {version} 生成，本版本无法校验；请用该版本评分",
    "unknown_format": "第1行：未知的日志格式 {format}（应为 {expected}）",
    "bad_seed": "第1行：种子无效（应为0到2**63 - 1之间的整数）",
    "header_not_text": "第1行：{field} 必须是字符串",
    "header_too_long": "第1行：{field} 过长（{length}个字符，最多{limit}个）",
    "header_not_unicode": "第1行：{field} 不是有效的 Unicode 文本（含孤立代理项）",
    "bad_locale": "第1行：语言“{locale}”不是语言标记（如 en 或 zh-CN）",
    "bad_branch": "第1行：练习分支须同时注明源日志（branch_of）和起始决策（branch_at，从1起的整数）",
    "after_end": "第{line}行：结束行之后还有数据",
    "unknown_record": "第{line}行：未知的记录类型",
    "choice_number": "第{line}行：决策编号为{number}，应为{expected}",
    "malformed_choice": "第{line}行：决策记录格式错误",
    "time_range": "第{line}行：时间{time}超出范围",
    "think_range": "第{line}行：think_s 必须是0到{limit}之间的秒数",
    "wall_range": "第{line}行：wall_s 必须是0到{limit}之间的秒数",
    "not_utf8": "不是 UTF-8 文本（第{byte}字节）",
    "not_regular": "不是普通文件",
    "too_large": "日志过大（{size}字节，上限为{limit}字节）",
    "wrong_scenario": "日志属于场景“{scenario}”，而不是“{expected}”",
    "scenario_version": "日志是为另一版本的场景“{scenario}”写的（内容哈希不同）",
    "run_over": "第{n}个决策：对局已经结束",
    "diverges": "第{n}个决策：决策点“{decision}”与重放不符（应为“{expected}”）",
    "time_diverges": "第{n}个决策：时间{time}与重放不符（应为第{day}天）",
    "shown_order": "第{n}个决策：选项的显示顺序与重放不同",
    "not_offered": "第{n}个决策选了“{choice}”，但“{at}”处并未提供这个选项",
    "ends_early": "日志在{n}个决策后结束，但重放中对局仍在“{at}”处继续",
    "end_mismatch": "结束行：{field} 为{claimed}，但重放结果为{actual}（日志被改过？）",
    "digest_mismatch": "结束行的轨迹摘要（trace_hash）与重放结果不符（日志被改过？）",
}
#: A Chinese lead-in for a reason that has no Chinese of its own (its English then follows as the detail),
#: by the row's status.
_LEAD_ZH = {"invalid": "日志未通过校验", "error": "评分出错", "wrong-seed": "种子不符", "branch": "练习分支"}


def _param(value: Any) -> Any:
    """A parameter of a reason as kept in ``reason_codes``: a number, or a short one-line text."""
    if (value.__class__ is int and abs(value) < 10**15) or (value.__class__ is float and math.isfinite(value)):
        return value
    return _one_line(value if isinstance(value, str) else repr(value), 200)


def _part(code: str, params: dict[str, Any], english: str) -> list[Any]:
    return [code, {k: _param(v) for k, v in params.items()}, english]


def note(code: str, **params: Any) -> tuple[str, list[Any]]:
    """A note from :data:`NOTES`: its English, and its part of a row's ``reason_codes`` (:func:`reason_codes`)."""
    english = NOTES[code][0].format(**params)
    return english, _part(code, params, english)


def reason_codes(parts: list[list[Any]]) -> str:
    """The ``reason_codes`` of a row with these parts ("" for none)."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":")) if parts else ""


def _parts(codes: str) -> list[Any]:
    try:
        parts = json.loads(codes) if codes else []
    except ValueError:
        return []
    return parts if isinstance(parts, list) else []


def _zh_part(part: Any, status: str) -> str:
    code, params, english = part if isinstance(part, list) and len(part) == 3 else ("", {}, str(part))
    template = NOTES[code][1] if code in NOTES else LOG_ERRORS_ZH.get(code)
    if template is not None and isinstance(params, dict):
        try:
            return _one_line(template.format(**params))
        except (KeyError, IndexError, ValueError, TypeError):
            pass
    return f"{_LEAD_ZH.get(status, '说明')}（详情：{_one_line(english)}）"


def reason_known(codes: str) -> bool:
    """Whether every part of a reason has a Chinese of its own (else :func:`reason_text` gives a Chinese
    lead-in with the English detail)."""
    parts = _parts(codes)
    return bool(parts) and all(isinstance(p, list) and len(p) == 3 and (p[0] in NOTES or p[0] in LOG_ERRORS_ZH)
                               for p in parts)


def reason_text(reason: str, codes: str, locale: str, status: str = "") -> str:
    """A row's reason in a UI locale: the English as it is, or its parts in Chinese (a part without a
    Chinese of its own as a Chinese lead-in with the English detail)."""
    if not reason or not locale.startswith("zh"):
        return reason or ""
    parts = _parts(codes)
    if not parts:  # a row from before reason codes: only the English is known
        return f"{_LEAD_ZH.get(status, '说明')}（详情：{reason}）"
    return "；".join(_zh_part(p, status) for p in parts)


_PLAIN_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def started_key(started: str) -> str:
    """A sortable UTC form of the header's ``started`` ("" when absent or not ISO 8601)."""
    if not started:
        return ""
    if len(started) == 20 and _PLAIN_UTC.fullmatch(started):  # what Touchpoint writes: the same key, faster
        try:
            datetime.fromisoformat(started[:19])  # a real date and time?
        except ValueError:
            return ""
        return started[:19] + ".000000Z"
    try:
        dt = datetime.fromisoformat(started.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_NAMESPACE_BYTES = ATTEMPT_NAMESPACE.bytes


def attempt_uuid(data: bytes, digest: str = "") -> str:
    """The attempt's registration UUID: the same log content gives the same UUID on any run.

    It is ``uuid.uuid5(ATTEMPT_NAMESPACE, "sha256:<hex digest of the log>")``, formed here
    directly (RFC 4122 section 4.3: SHA-1 of namespace and name, version 5, variant bits),
    because building a ``uuid.UUID`` costs more than the two hashes; a test checks the two agree.
    """
    name = b"sha256:" + (digest or hashlib.sha256(data).hexdigest()).encode("ascii")
    h = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _text_field(header: dict[str, Any], key: str) -> str:
    """A header field that should be text, or "" when it is absent or not text."""
    value = header.get(key)
    return value if isinstance(value, str) else ""


def _invalid(path: str, reason: str, registration: str = "", header: dict | None = None, status: str = "invalid",
             digest: str = "", code: str = "", params: dict[str, Any] | None = None) -> Row:
    """The row of a rejected log: why (in English, with its ``code`` and ``params`` for other languages),
    plus whatever its header (if any) says about whose it is."""
    h = header or {}
    trainee = escape_controls(_text_field(h, "trainee")[:200])
    scenario = escape_controls(_text_field(h, "scenario")[:200])
    started = escape_controls(_text_field(h, "started")[:64])
    seed = h.get("seed")
    seed = seed if seed.__class__ is int and not sessionlog.seed_problem(seed) else None
    return Row(escape_controls(path), escape_controls(os.path.basename(path)), trainee, scenario, seed, started,
               started_key(started), status, _one_line(reason), "", "", None, None, None, None, None, "", None,
               None, None, None, registration, "", digest=digest,
               reason_codes=reason_codes([_part(code, params or {}, _one_line(reason))]))


def error_row(path: str, err: BaseException, digest: str = "") -> Row:
    """The row of a log whose grading met an unexpected error (a bug, or a fault of the machine)."""
    return _invalid(path, f"could not be graded ({type(err).__name__}: {err})", status="error", digest=digest)


def _salvage_header(data: bytes) -> dict | None:
    """The first line of a log that failed further down, so a rejected row still says whose it is."""
    first = data.split(b"\n", 1)[0]
    try:
        rec = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return rec if isinstance(rec, dict) and rec.get("type") == "header" else None


def _wall_seconds(log: sessionlog.ParsedLog) -> float | None:
    if log.end is not None and isinstance(log.end.get("wall_s"), (int, float)):
        return float(log.end["wall_s"])
    thinks = [c["think_s"] for c in log.choices if "think_s" in c]
    return math.fsum(thinks) if thinks else None


_QUALITY: dict[int, tuple[Any, float]] = {}


def quality_weight(scenario: Any) -> float:
    """The rubric's weight of decision quality (0 when the rubric has none); cached per scenario."""
    hit = _QUALITY.get(id(scenario))
    if hit is None or hit[0] is not scenario:
        hit = _QUALITY[id(scenario)] = (scenario, float(getattr(scenario.rubric.weights, "quality", 0.0) or 0.0))
    return hit[1]


def graded_score(outcome: float, expected: float | None, accuracy: float | None, quality: float,
                 on: str = "outcome") -> float:
    """The score a trainee is graded on: the run's outcome score, or with ``on="expected"`` the
    expected score of the choices made (so luck can neither fail nor carry a player); with a
    quality weight q, ``(1 - q) x that + q x accuracy``."""
    base = expected if on == "expected" and expected is not None else outcome
    if quality > 0 and accuracy is not None:
        base = (1.0 - quality) * base + quality * accuracy
    return min(100.0, max(0.0, base))


def grade_log(read_path: str, display: str, files: dict[str, str] | GradeContext,
              into: dict[str, Aggregate] | None = None,
              costs: list[DecisionCost] | None = None) -> tuple[Row, Aggregate | None]:
    """Verify and grade one log; never raises (a bad log is an ``invalid`` row, an unexpected
    error while grading it an ``error`` row).

    Returns the row and the attempt's aggregate; with ``into`` (scenario id -> aggregate), the
    attempt is added to that scenario's aggregate there instead (and None returned), as a
    chunk does: making and merging an aggregate per log cost more than adding to one. With a
    review, the decisions that gave up points are appended to ``costs``.
    """
    ctx = files if isinstance(files, GradeContext) else GradeContext(files=files)
    digest = ""
    try:
        try:
            data = sessionlog.read_bytes(read_path)
        except sessionlog.LogError as err:
            return _invalid(display, str(err), code=err.code, params=err.params), None
        digest = hashlib.sha256(data).hexdigest()
        return _grade_bytes(data, digest, display, ctx, into, costs)
    except Exception as err:  # one log never stops the batch, whatever happens to it
        return error_row(display, err, digest), None


def _grade_bytes(data: bytes, digest: str, display: str, ctx: GradeContext, into: dict[str, Aggregate] | None,
                 costs: list[DecisionCost] | None) -> tuple[Row, Aggregate | None]:
    registration = attempt_uuid(data, digest)
    header: dict | None = None
    try:
        log = sessionlog.parse_bytes(data)
        header = log.header
        scenario, session, card = _verify(log, ctx)
    except sessionlog.LogError as err:
        return _invalid(display, str(err), registration, header or _salvage_header(data), digest=digest,
                        code=err.code, params=err.params), None
    except Exception as err:  # one bad log never stops the batch
        reason = f"cannot be replayed ({type(err).__name__}: {err})"
        return _invalid(display, reason, registration, header or _salvage_header(data), "error", digest), None
    if "branch_of" in header:  # a practice branch: verified, never graded
        params = {"log": escape_controls(header["branch_of"]), "at": header["branch_at"]}
        reason = NOTES["branch"][0].format(**params)
        return _invalid(display, reason, registration, header, BRANCH_STATUS, digest, "branch", params), None

    wall = _wall_seconds(log)
    status, completion, result = _completion(log, session, card)
    trainee = escape_controls(header.get("trainee", ""))
    attempt_no, wrong = _assigned(ctx, scenario, trainee, header["seed"])
    if wrong:
        return _invalid(display, wrong, registration, header, "wrong-seed", digest), None
    review = None
    quality = quality_weight(scenario)
    if ctx.review or ctx.on == "expected" or quality > 0:
        review = _review(log, scenario, ctx)
    score = graded_score(card.score, review.expected if review else None, review.accuracy if review else None,
                         quality, ctx.on)
    player = header.get("policy", "")
    flags, notes = _signs(log, session, player, wall, trainee)
    parts = [x for x in (completion, *notes) if x is not None]
    started = escape_controls(header.get("started", ""))
    row = Row(
        path=escape_controls(display), file=escape_controls(os.path.basename(display)), trainee=trainee,
        scenario=scenario.id, seed=header["seed"], started=started, started_key=started_key(started), status=status,
        reason="; ".join(text for text, _ in parts), result=result, lost_reason=card.lost_reason,
        conversion=card.conversion, satisfaction=card.satisfaction, cycle_days=card.cycle_days,
        retention=card.retention, score=score,
        grade=card.grade if score == card.score else scenario.rubric.grade(score),
        passed=int(card.complete and (card.passed if score == card.score else score >= scenario.rubric.pass_mark)),
        decisions=card.decisions, sim_days=card.sim_days, wall_s=wall, registration=registration,
        locale=header.get("locale", ""), decided_day=_decided_day(card), flags=" ".join(flags),
        player=escape_controls(player), choices_key=_choices_key(session, status, player), digest=digest,
        source=_source(scenario), outcome=card.score,
        accuracy=review.accuracy if review else None, expected=review.expected if review else None,
        luck=review.luck if review else None, attempt_no=attempt_no,
        reason_codes=reason_codes([part for _, part in parts]),
    )
    if review is not None and costs is not None:
        costs.extend(DecisionCost(row.path, d.number, d.key, d.account, d.touchpoint, d.chosen, d.best, d.lost,
                                  d.klass) for d in review.decisions if d.lost > 0)
    aggs = into if into is not None else {}
    agg = aggs.get(scenario.id) or aggs.setdefault(scenario.id, Aggregate())
    agg.add(card, session.history, wall)
    return row, None if into is not None else agg


_SOURCES: dict[tuple[str, str], str] = {}


def _source(scenario: Any) -> str:
    """The file a scenario was loaded from, unless it is the bundled one of its id (cached: finding
    out touches the file system)."""
    key = (scenario.id, str(scenario.path))
    found = _SOURCES.get(key)
    if found is None:
        found = _SOURCES[key] = sessionlog.scenario_file(scenario)
    return found


def _decided_day(card: Scorecard) -> float | None:
    """The day the run was decided: the last close of a won run, the first lost deal's day otherwise."""
    won = [a.day for a in card.accounts if a.result == "won"]
    if card.won and won:
        return max(won)
    lost = next((a for a in card.accounts if a.result == "lost"), None)
    return lost.day if lost is not None else None


def _signs(log: sessionlog.ParsedLog, session: Session, player: str, wall: float | None,
           trainee: str) -> tuple[list[str], list[tuple[str, list[Any]]]]:
    """Flags and notes for the teacher that one log shows by itself: written by a bot, no trainee
    name, think times no person leaves. (Signs across logs, such as one seed under two trainees,
    are found by the gradebook.) Each note is its English and its part of the row's ``reason_codes``."""
    flags: list[str] = []
    notes: list[tuple[str, list[Any]]] = []
    if player:
        flags.append("bot")
        notes.append(note("bot", policy=escape_controls(player)))
    elif log.choices:
        thinks = [c["think_s"] for c in log.choices if "think_s" in c]
        why: tuple[str, list[Any]] | None = None
        if len(thinks) < len(log.choices):
            why = note("suspect_no_think")
        elif len(thinks) >= 3 and statistics.median(thinks) < MIN_MEDIAN_THINK_S:
            why = note("suspect_fast", median=statistics.median(thinks))
        elif wall is not None and log.end is not None and wall + 1.0 < math.fsum(thinks):
            why = note("suspect_wall")
        if why:
            flags.append("suspect")
            notes.append(why)
    if not trainee:
        flags.append("unnamed")
        notes.append(note("unnamed"))
    return flags, notes


def _choices_key(session: Session, status: str, player: str) -> str:
    """A digest of a person's complete run's choices, to find identical runs under different trainees;
    "" for bots, incomplete runs, short ones and runs that follow the coach at every step (which many
    people do honestly)."""
    history = session.history
    if player or status != "complete" or len(history) < 3:
        return ""
    advised = all(not point.recommended or choice in point.recommended for point, choice in history)
    if advised:
        return ""
    return hashlib.sha256("\x1f".join(c for _, c in history).encode("utf-8")).hexdigest()[:24]


def _assigned(ctx: GradeContext, scenario: Any, trainee: str, seed: int) -> tuple[int | None, str]:
    """With an assignment: the attempt the seed is for, or why the log is ``wrong-seed``."""
    if not ctx.assignment:
        return None, ""
    from scoring.assignment import cached_assignment

    return cached_assignment(ctx.assignment).check(scenario, trainee, seed)


def _review(log: sessionlog.ParsedLog, scenario: Any, ctx: GradeContext) -> Any:
    from scoring.review import DEFAULT_ROLLOUTS, review_log

    return review_log(log, scenario, ctx.rollouts or DEFAULT_ROLLOUTS)


def _verify(log: sessionlog.ParsedLog, ctx: GradeContext) -> tuple[LoadedScenario, Session, Scorecard]:
    """Replay a log on the scenario it names and recompute its scorecard; a LogError says where it does not fit."""
    header = log.header
    scenario = scenario_for(header["scenario"], ctx, header.get("scenario_path", ""))
    if isinstance(scenario, str):
        known = scenario.startswith(UNKNOWN_SCENARIO + " ")
        raise sessionlog.LogError(scenario, "unknown_scenario" if known else "", sid=header["scenario"])
    session = sessionlog.replay(log, scenario)
    card = score_run(session.trace, scenario.rubric)
    sessionlog.check_end(log, session, card)
    return scenario, session, card


def _completion(log: sessionlog.ParsedLog, session: Session,
                card: Scorecard) -> tuple[str, tuple[str, list[Any]] | None, str]:
    """A verified attempt's status, reason (its English and codes, or None) and result: finished (won or
    lost), or incomplete (open)."""
    if not card.complete:
        point = session.pending
        if point is None:
            return "incomplete", note("stopped", n=len(log.choices)), "open"
        return "incomplete", note("stopped_at", n=len(log.choices), key=point.key, day=point.day), "open"
    return "complete", None if log.complete else note("no_end"), "won" if card.won else "lost"


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk of logs: rows, one aggregate per scenario, and with a
    review the decisions that gave up points."""

    rows: list[Row]
    aggregates: dict[str, Aggregate]
    costs: list[DecisionCost] = field(default_factory=list)
    per_log: list[tuple[Aggregate | None, list[DecisionCost]]] = field(default_factory=list)  # with ctx.per_log


def grade_chunk(items: list[tuple[str, str]], files: dict[str, str] | GradeContext) -> ChunkResult:
    """Grade a chunk of ``(read path, display path)`` pairs: the task a worker runs."""
    rows: list[Row] = []
    aggs: dict[str, Aggregate] = {}
    costs: list[DecisionCost] = []
    if isinstance(files, GradeContext) and files.per_log:
        per_log: list[tuple[Aggregate | None, list[DecisionCost]]] = []
        for read_path, display in items:
            mine: list[DecisionCost] = []
            row, agg = grade_log(read_path, display, files, None, mine)
            rows.append(row)
            per_log.append((agg, mine))
            costs.extend(mine)
            if agg is not None:
                aggs.setdefault(row.scenario, Aggregate()).merge(agg)
        return ChunkResult(rows, aggs, costs, per_log)
    for read_path, display in items:
        rows.append(grade_log(read_path, display, files, aggs, costs)[0])
    return ChunkResult(rows, aggs, costs)
