"""Load a scenario file: safe YAML, then the schema, then references, each problem located.

Scenarios are data. The YAML reader (:mod:`sim.lang.yamlsource`) builds plain values with bounded
memory and knows where each came from; pydantic validates them against :mod:`sim.lang.schema`;
:mod:`sim.engine.rules` resolves references and compiles conditions. Whatever goes wrong becomes a
:class:`Problem` printed as ``file:line:column: [error] path: message``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.engine.rules import RuleError, Rules, compile_rules
from sim.lang import bundled
from sim.lang.schema import FORMAT_VERSIONS, Scenario
from sim.lang.yamlsource import Located, SourceError, load_yaml, read_bytes

__all__ = [
    "LoadedScenario",
    "Problem",
    "ScenarioError",
    "content_hash",
    "display_name",
    "format_path",
    "load_bytes",
    "load_file",
    "load_scenario",
    "resolve",
]

PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding about a scenario file, located 1-based like yamllint."""

    line: int
    column: int
    message: str
    severity: str = "error"  # "error" | "warning"
    path: str = ""  # field path, e.g. accounts[0].touchpoints[3].actions[1].effects

    def format(self, filename: str) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{filename}:{self.line}:{self.column}: [{self.severity}] {where}{self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be loaded, with every problem found."""

    def __init__(self, filename: str, problems: list[Problem], unreadable: bool = False) -> None:
        self.filename = filename
        self.problems = problems
        self.unreadable = unreadable  # the file could not be read at all (missing, a folder, no permission)
        super().__init__(problems[0].format(filename) if problems else filename)

    def lines(self) -> list[str]:
        return [p.format(self.filename) for p in self.problems]


@dataclass(frozen=True, eq=False)
class LoadedScenario:
    """A validated, compiled scenario and where it came from."""

    spec: Scenario
    rules: Rules
    path: Path | None
    content_hash: str
    source: Located | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def rubric(self) -> Any:
        return self.spec.rubric


def format_path(path: PathT) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def content_hash(spec: Scenario) -> str:
    """A digest of what the scenario *means* (comments and layout do not change it)."""
    data = spec.model_dump(mode="json", by_alias=True)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- pydantic errors -> problems -----------------------------------------------------------------------

_TYPE_WORDS = {"str", "float", "int", "bool", "dict", "list", "tuple", "none", "[key]"}


def _data_path(loc: tuple, data: Any) -> tuple[PathT, bool]:
    """Turn a pydantic loc into a path in the data, dropping union tags; flag errors about a key."""
    path: list[str | int] = []
    cur = data
    about_key = False
    for part in loc:
        if isinstance(part, int):
            path.append(part)
            cur = cur[part] if isinstance(cur, list) and 0 <= part < len(cur) else None
        elif part == "[key]":
            about_key = True
        elif isinstance(cur, dict) and part in cur:
            path.append(part)
            cur = cur[part]
        elif part.isidentifier() and part not in _TYPE_WORDS and part[:1].islower() and "[" not in part:
            path.append(part)  # a missing or unknown field
            cur = None
    return tuple(path), about_key


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def _fields_at(path: PathT) -> list[str]:
    """The field names allowed in the mapping at ``path`` (for did-you-mean suggestions)."""
    models: list[type[BaseModel]] = [Scenario]
    for part in path:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            for name, field in m.model_fields.items():
                if part in (name, field.alias):
                    nxt.extend(_models_in(field.annotation))
        if nxt:
            models = nxt
    names: list[str] = []
    for m in models:
        names.extend(f.alias or n for n, f in m.model_fields.items())
    return names


def _message(err: ErrorDetails, path: PathT) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _fields_at(path[:-1])
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        return "unknown field" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "missing":
        return "missing required field"
    if kind == "string_type":
        return "expected text"
    if kind in ("float_type", "float_parsing"):
        return "expected a number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "expected a whole number"
    if kind == "bool_type":
        return "expected true or false"
    if kind in ("list_type", "tuple_type"):
        return "expected a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a mapping (key: value)"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected', '')}".replace("'", "")
    if kind == "string_pattern_mismatch" and "a-z]{2,3}" in str(ctx.get("pattern", "")):
        return "not a language code such as en, zh or zh-TW (did a comma split this text? quote it)"
    if kind == "string_pattern_mismatch":
        return "not a valid id: use lower-case letters, digits and _, starting with a letter"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    msg = err["msg"]
    return msg[:1].lower() + msg[1:]


def _validation_problems(exc: ValidationError, src: Located) -> list[Problem]:
    found: list[tuple[PathT, bool, ErrorDetails]] = []
    for err in exc.errors():
        path, about_key = _data_path(err["loc"], src.data)
        found.append((path, about_key, err))
    problems: list[Problem] = []
    seen: set[PathT] = set()
    for path, about_key, err in found:
        # A union reports every branch; keep the most specific error for each place.
        deeper = any(len(p) > len(path) and p[: len(path)] == path for p, _, _ in found)
        if (deeper and err["type"] != "extra_forbidden") or path in seen:
            continue
        seen.add(path)
        if err["type"] == "missing":
            line, col = src.locate(path[:-1], "value")
            message = f"missing required field '{path[-1]}'"
        else:
            prefer = "key" if about_key or err["type"] == "extra_forbidden" else "value"
            line, col = src.locate(path, prefer)
            message = _message(err, path)
        problems.append(Problem(line, col, message, "error", format_path(path)))
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


def _rule_problem(err: RuleError, src: Located, text: str) -> Problem:
    line, col = src.locate(err.path, "value")
    if err.offset is not None and err.path in src.value_pos:
        lines = text.splitlines()
        quoted = 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("'", '"')
        col += err.offset + (1 if quoted else 0)
    return Problem(line, col, err.message, "error", format_path(err.path))


# --- entry points ---------------------------------------------------------------------------------------


def load_bytes(raw: bytes, filename: str = "<scenario>", path: Path | None = None) -> LoadedScenario:
    """Validate and compile scenario bytes; raises ScenarioError listing the problems."""
    try:
        src = load_yaml(raw)
    except SourceError as err:
        raise ScenarioError(filename, [Problem(err.line, err.column, err.message)]) from None
    data = src.data
    if not isinstance(data, dict):
        raise ScenarioError(filename, [Problem(*src.locate(()), "a scenario is a mapping of fields (id: ...)")])
    version = data.get("version")
    if version is not None and version not in FORMAT_VERSIONS:
        line, col = src.locate(("version",))
        raise ScenarioError(filename, [Problem(
            line, col, f"scenario format version {version!r} is not supported (this Touchpoint reads "
            f"versions {' and '.join(map(str, FORMAT_VERSIONS))})", "error", "version")])
    try:
        spec = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(filename, _validation_problems(exc, src)) from None
    try:
        rules = compile_rules(spec)
    except RuleError as err:
        text = raw.decode("utf-8-sig", errors="replace")
        raise ScenarioError(filename, [_rule_problem(err, src, text)]) from None
    return LoadedScenario(spec, rules, path, content_hash(spec), src)


def load_file(path: str | os.PathLike[str]) -> LoadedScenario:
    """Load a scenario file; raises ScenarioError (unreadable files included)."""
    p = Path(path)
    name = display_name(p)
    try:
        raw = read_bytes(p)
    except SourceError as err:
        unreadable = err.message.startswith("cannot read")
        raise ScenarioError(name, [Problem(err.line, err.column, err.message)], unreadable) from None
    return load_bytes(raw, name, p)


def display_name(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


def resolve(ref: str) -> Path:
    """A scenario reference: a path to a file, or the id of a bundled scenario."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or os.sep in ref or "/" in ref or p.exists():
        return p
    found = bundled.scenario_path(ref)
    if found is None:
        known = ", ".join(bundled.scenario_ids())
        raise ScenarioError(
            ref, [Problem(1, 1, f"no scenario file or bundled scenario '{ref}' (bundled: {known})")], True)
    return found


def load_scenario(ref: str | os.PathLike[str]) -> LoadedScenario:
    """Load a bundled scenario by id, or a scenario file by path."""
    if isinstance(ref, os.PathLike):
        return load_file(ref)
    return load_file(resolve(ref))

