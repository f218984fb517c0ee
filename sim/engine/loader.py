"""Load a scenario file: safe YAML, then the schema, then references, each problem located.

Scenarios are data. The YAML reader (:mod:`sim.lang.yamlsource`) builds plain values with bounded
memory and knows where each came from; pydantic validates them against :mod:`sim.lang.schema`;
:mod:`sim.engine.rules` resolves references and compiles conditions. Whatever goes wrong becomes a
:class:`Problem` printed as ``file:line:column: [error] path: message``, in English or Chinese.

Every problem is found in one pass (:func:`inspect_bytes`): a schema error does not stop the
reference and condition checks. The parts that fail the schema are left out or given a stand-in
(:class:`_Pruning`: an unknown key is dropped, an optional field falls back to its default, a
required one gets a placeholder value, and what cannot be mended, such as a touchpoint without
actions, is left out with its list item), and the rest is validated and compiled. A reference
to something left out, or a problem that only a stand-in caused, is not reported: each problem
is reported once, where it is.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from sim.engine.rules import RuleError, Rules, compile_with_errors
from sim.lang import bundled
from sim.lang.schema import FORMAT_VERSIONS, Scenario, Weights
from sim.lang.text import Bilingual, bilingual, in_locale
from sim.lang.yamlsource import Located, SourceError, load_yaml, read_bytes

__all__ = [
    "Inspection",
    "LoadedScenario",
    "Problem",
    "ScenarioError",
    "content_hash",
    "display_name",
    "format_path",
    "inspect_bytes",
    "inspect_scenario",
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
    message: str  # a Bilingual for the loader's own messages: it carries the Chinese too
    severity: str = "error"  # "error" | "warning"
    path: str = ""  # field path, e.g. accounts[0].touchpoints[3].actions[1].effects
    code: str = ""  # what kind of finding, for the checks' own (e.g. unreached-touchpoint)

    def text(self, locale: str = "en") -> str:
        """The message in a UI locale."""
        return in_locale(self.message, locale)

    def format(self, filename: str, locale: str = "en") -> str:
        """``file:line:column: [severity] path: message``; the severity stays ``error`` or ``warning``
        in every language, as editors and CI annotators read it."""
        where = f"{self.path}: " if self.path else ""
        return f"{filename}:{self.line}:{self.column}: [{self.severity}] {where}{self.text(locale)}"


class ScenarioError(Exception):
    """A scenario that cannot be loaded, with every problem found."""

    def __init__(self, filename: str, problems: list[Problem], unreadable: bool = False) -> None:
        self.filename = filename
        self.problems = problems
        self.unreadable = unreadable  # the file could not be read at all (missing, a folder, no permission)
        super().__init__(problems[0].format(filename) if problems else filename)

    def lines(self, locale: str = "en") -> list[str]:
        return [p.format(self.filename, locale) for p in self.problems]


@dataclass(frozen=True, eq=False)
class LoadedScenario:
    """A validated, compiled scenario and where it came from."""

    spec: Scenario
    rules: Rules
    path: Path | None
    source: Located | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def rubric(self) -> Any:
        return self.spec.rubric

    @cached_property
    def content_hash(self) -> str:
        """A digest of what the scenario means (:func:`content_hash`), worked out when first asked
        for: ``check`` never needs it, and for a big file it costs more than the schema."""
        return content_hash(self.spec)


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


# --- where a path leads in the schema ------------------------------------------------------------------

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


def _models_at(path: PathT) -> list[type[BaseModel]]:
    """The models the mapping at ``path`` may be (several where a field is a union); [] when it
    is no model (a text's languages, the stages)."""
    models: list[type[BaseModel]] = [Scenario]
    for part in path:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            for name, f in m.model_fields.items():
                if part in (name, f.alias):
                    nxt.extend(_models_in(f.annotation))
        models = nxt
        if not models:
            return []
    return models


def _fields_at(path: PathT) -> list[str]:
    """The field names allowed in the mapping at ``path`` (for did-you-mean suggestions)."""
    return [f.alias or n for m in _models_at(path) for n, f in m.model_fields.items()]


def _field_at(path: PathT) -> tuple[type[BaseModel], str, Any] | None:
    """The model, field name and FieldInfo that ``path`` names, when its last part is a field."""
    if not path or isinstance(path[-1], int):
        return None
    for m in _models_at(path[:-1]):
        for name, f in m.model_fields.items():
            if path[-1] in (name, f.alias):
                return m, name, f
    return None


def _upper_bound(info: Any) -> float:
    """The largest value a number field allows (its le or lt), inf when unbounded."""
    hi = math.inf
    for meta in getattr(info, "metadata", []):
        for attr in ("le", "lt"):
            v = getattr(meta, attr, None)
            if isinstance(v, int | float):
                hi = min(hi, float(v))
    return hi


# --- pydantic errors -> messages --------------------------------------------------------------------

_PYDANTIC_ZH = {
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "太长了（最多 {max_length} 个字符）",
    "finite_number": "必须是一个有限的数字",
    "int_from_float": "这里应当是整数",
    "union_tag_invalid": "不是允许的取值",
}

_SIMPLE: dict[str, Bilingual] = {
    "string_type": Bilingual("expected text", "这里应当是文本"),
    "bool_type": Bilingual("expected true or false", "这里应当是 true 或 false"),
    "list_type": Bilingual("expected a list", "这里应当是列表"),
    "tuple_type": Bilingual("expected a list", "这里应当是列表"),
    "dict_type": Bilingual("expected a mapping (key: value)", "这里应当是映射（键: 值）"),
    "model_type": Bilingual("expected a mapping (key: value)", "这里应当是映射（键: 值）"),
    "model_attributes_type": Bilingual("expected a mapping (key: value)", "这里应当是映射（键: 值）"),
}
_NUMBER_KINDS = ("float_type", "float_parsing", "int_type", "int_parsing")
_CURRENCY = "¥￥$€£"


@dataclass
class _Found:
    """One schema error, in data coordinates."""

    path: PathT
    about_key: bool
    err: ErrorDetails


def _errors(exc: ValidationError, data: Any) -> list[_Found]:
    """The errors of one validation, one per place: a union reports every branch, the most specific is kept."""
    found = [_Found(*_data_path(err["loc"], data), err) for err in exc.errors()]
    above = {f.path[:k] for f in found for k in range(len(f.path))}  # every path with an error deeper
    out: list[_Found] = []
    seen: set[PathT] = set()
    for f in found:
        if (f.path in above and f.err["type"] != "extra_forbidden") or f.path in seen:
            continue
        seen.add(f.path)
        out.append(f)
    return out


def _quoted_at(lines: list[str], line: int, col: int) -> bool:
    return 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("'", '"')


def _number_hint(value: str, path: PathT, quoted: bool) -> Bilingual | None:
    """For a number written as text ('"35%"', '"1,200"', '¥600'): what to remove, and the number."""
    text = value.strip()
    removed_en: list[str] = ["the quotes"] if quoted else []
    removed_zh: list[str] = ["引号"] if quoted else []
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
        removed_en.append("the % sign")
        removed_zh.append("百分号")
    if text[:1] in _CURRENCY or text[-1:] in _CURRENCY:
        text = text.strip(_CURRENCY).strip()
        removed_en.append("the currency sign")
        removed_zh.append("货币符号")
    if "," in text:
        text = text.replace(",", "")
        removed_en.append("the commas")
        removed_zh.append("逗号")
    try:
        number = float(text)
    except ValueError:
        return None
    if not removed_en or not math.isfinite(number):
        return None
    found = _field_at(path)
    if percent and found is not None and _upper_bound(found[2]) <= 1:
        number /= 100
    shown = _shown(round(number, 12))
    return Bilingual(f"remove {_and(removed_en)}: {shown}", f"请去掉{'和'.join(removed_zh)}，写成 {shown}")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _literal_values(err: ErrorDetails) -> list[str]:
    return re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))


def _message(f: _Found, data: Any, lines: list[str], pos: tuple[int, int]) -> Bilingual:
    """A schema error in words an instructor understands, in English and Chinese."""
    err, path = f.err, f.path
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        return bilingual("unknown field{hint}", "未知字段{hint}",
                         hint=_close(str(path[-1]), _fields_at(path[:-1])))
    if kind == "missing":
        return bilingual("missing required field '{name}'", "缺少必填字段“{name}”", name=path[-1])
    if kind == "string_type" and value is None and _in_text(path, data):
        return bilingual(
            "'{key}' has no text: did a comma split this text? put the whole text in quotes, e.g. "
            "{{en: \"Yes, of course\", zh: ...}}",
            "“{key}”后面没有文本：是不是逗号把文本拆开了？请把整段文本放进引号里，例如 "
            "{{en: \"Yes, of course\", zh: ...}}", key=path[-1])
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind in _NUMBER_KINDS or (kind == "int_from_float"):
        whole = kind.startswith("int")
        base = Bilingual("expected a whole number", "这里应当是整数") if whole else Bilingual(
            "expected a number", "这里应当是数字")
        hint = _number_hint(value, path, _quoted_at(lines, *pos)) if isinstance(value, str) else None
        return base + bilingual("; {h}", "；{h}", h=hint) if hint is not None else base
    if kind == "literal_error":
        allowed = _literal_values(err)
        shown = ", ".join(allowed)
        hint = _close(str(value), allowed) if isinstance(value, str) else Bilingual("", "")
        return bilingual("must be one of: {values}{hint}", "必须是以下之一：{values}{hint}", values=shown, hint=hint)
    if kind == "string_pattern_mismatch" and "a-z]{2,3}" in str(ctx.get("pattern", "")):
        return Bilingual("not a language code such as en, zh or zh-TW (did a comma split this text? quote it)",
                         "不是 en、zh 或 zh-TW 这样的语言代码（是不是逗号把文本拆开了？请给文本加上引号）")
    if kind == "string_pattern_mismatch" and "[a-z][a-z0-9_]" in str(ctx.get("pattern", "")):
        return Bilingual("not a valid id: use lower-case letters, digits and _, starting with a letter",
                         "不是有效的 id：只能用小写字母、数字和下划线，并以字母开头")
    if kind == "value_error":
        error = ctx.get("error")
        said = error.args[0] if isinstance(error, Exception) and error.args else None
        if isinstance(said, Bilingual):
            return said
        text = str(error if error is not None else err["msg"]).removeprefix("Value error, ")
        return Bilingual(text, text)
    msg = err["msg"]
    english = msg[:1].lower() + msg[1:]
    zh = _PYDANTIC_ZH.get(kind)
    if zh is not None:
        try:
            return Bilingual(english, zh.format(**{k: _shown(v) for k, v in ctx.items()}))
        except (KeyError, IndexError):
            pass
    return bilingual("{m}", "不符合要求（{m}）", m=english)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _close(word: str, known: list[str]) -> Bilingual:
    """`` (did you mean 'x'?)`` for the closest of ``known``, case aside first, then by difflib."""
    by_lower = {k.lower(): k for k in known}
    best = by_lower.get(word.lower())
    if best is None or best == word:
        close = difflib.get_close_matches(word, known, n=1)
        best = close[0] if close else None
    if best is None:
        return Bilingual("", "")
    return bilingual(" (did you mean '{x}'?)", "（是不是 '{x}'？）", x=best)


def _value(data: Any, path: PathT) -> Any:
    cur = data
    for part in path:
        if isinstance(cur, dict):
            if part not in cur:
                return None
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
        else:
            return None
    return cur


def _in_text(path: PathT, data: Any) -> bool:
    """Whether ``path`` is one language of a text ({en: ..., zh: ...})."""
    parent = _value(data, path[:-1])
    return isinstance(parent, dict) and not _models_at(path[:-1]) and isinstance(path[-1], str) and all(
        isinstance(k, str) and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", k) for k in parent)


def _schema_problems(found: list[_Found], src: Located, lines: list[str]) -> list[Problem]:
    """Problems for schema errors (paths in the file's own terms), a misspelt field once: its
    'unknown field' with the suggestion, not also a 'missing required field'."""
    unknown: dict[PathT, list[str]] = {}
    for f in found:
        if f.err["type"] == "extra_forbidden":
            unknown.setdefault(f.path[:-1], []).append(str(f.path[-1]))
    problems: list[Problem] = []
    for f in found:
        if f.err["type"] == "missing":
            siblings = unknown.get(f.path[:-1], [])
            if difflib.get_close_matches(str(f.path[-1]), siblings, n=1):
                continue
            line, col = src.locate(f.path[:-1], "value")
        else:
            prefer = "key" if f.about_key or f.err["type"] == "extra_forbidden" else "value"
            line, col = src.locate(f.path, prefer)
        problems.append(Problem(line, col, _message(f, src.data, lines, (line, col)), "error", format_path(f.path)))
    return problems


# --- mending what failed the schema, to check the rest ---------------------------------------------------

#: Rounds of mending and validating again before giving up on the later checks.
_MAX_ROUNDS = 8
#: Stand-ins for required models that a generic placeholder cannot satisfy.
_MODEL_PLACEHOLDERS: dict[type[BaseModel], dict[str, Any]] = {
    Weights: {"conversion": 1, "satisfaction": 0, "cycle_time": 0, "retention": 0},
}
_CANDIDATES: tuple[Any, ...] = (1, 0.5, 0, 10, 100, "x", False)


@lru_cache(maxsize=256)
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    f = model.model_fields[name]
    params = (f.annotation, *f.metadata)
    annotated: Any = typing.Annotated[params] if f.metadata else f.annotation
    return TypeAdapter(annotated, config=ConfigDict(strict=True) if not _models_in(f.annotation) else None)


def _literal_args(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [a for arg in typing.get_args(annotation) for a in _literal_args(arg)]


def _model_placeholder(model: type[BaseModel], counter: Iterator[int]) -> dict[str, Any] | None:
    """A minimal valid mapping for ``model``: its required fields' placeholders."""
    if model in _MODEL_PLACEHOLDERS:
        return dict(_MODEL_PLACEHOLDERS[model])
    out: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        if f.is_required():
            value = _placeholder(model, name, counter)
            if value is _NONE:
                return None
            out[f.alias or name] = value
    return out


_NONE = object()


def _placeholder(model: type[BaseModel], name: str, counter: Iterator[int]) -> Any:
    """A value that passes the schema for a required field (an id of its own, the first of a
    choice, a number in range, a word, a minimal mapping), or ``_NONE``."""
    f = model.model_fields[name]
    adapter = _adapter(model, name)
    candidates: list[Any] = []
    if name == "id":
        candidates.append(f"placeholder_{next(counter)}")
    candidates += _literal_args(f.annotation)
    for sub in _models_in(f.annotation):
        mapping = _model_placeholder(sub, counter)
        if mapping is not None:
            candidates.append(mapping)
    candidates += _CANDIDATES
    for value in candidates:
        try:
            adapter.validate_python(value)
        except (ValidationError, TypeError, ValueError):
            continue
        return value
    return _NONE


def _ids_in(value: Any) -> set[str]:
    """The ids a subtree declares (so references to what is left out are not reported)."""
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if isinstance(v.get("id"), str):
                out.add(v["id"])
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


@dataclass
class _Pruning:
    """The changes that let the rest of a file pass the schema, in the file's own paths: keys and
    list items left out, values given a stand-in. :meth:`build` applies them to a copy (sharing
    what is unchanged); :meth:`to_file` maps a path of the result back to the file."""

    data: Any
    deleted: set[PathT] = field(default_factory=set)
    replaced: dict[PathT, Any] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # ids and names left out or replaced
    lists: set[PathT] = field(default_factory=set)  # lists an item was left out of (the rest shifted)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1 << 30)))
    _kept: dict[PathT, list[int]] = field(default_factory=dict)

    _above: set[PathT] | None = None

    @property
    def changed(self) -> list[PathT]:
        return [*self.deleted, *self.replaced]

    def related(self, path: PathT, shifted: bool = True) -> bool:
        """Whether ``path`` (the file's) is at, inside or above a change, or (``shifted``) in a list
        whose items shifted when one was left out (the schema then sees them in other places)."""
        if self._above is None:
            self._above = {c[:k] for c in self.changed for k in range(len(c))}
        return (path in self._above or _under(path, self.deleted) or _under(path, self.replaced)
                or (shifted and _under(path, self.lists)))

    def mend(self, path: PathT, kind: str, about_key: bool) -> bool:
        """Change the least that removes an error at ``path``; False when nothing can (the root)."""
        while path:
            here = _value(self.data, path)
            parent = _value(self.data, path[:-1])
            if isinstance(path[-1], int) or kind == "extra_forbidden" or about_key or (
                    isinstance(parent, dict) and not _models_at(path[:-1])):
                self._delete(path, here)
                return True
            found = _field_at(path)
            if found is not None:
                model, name, info = found
                if not info.is_required():
                    self._delete(path, here)
                    return True
                value = _placeholder(model, name, self.counter)
                if value is not _NONE:
                    self.names.update(_ids_in(here) | ({here} if isinstance(here, str) else set()))
                    self.replaced[path] = value
                    self._above = None
                    return True
            path, kind, about_key = path[:-1], "", False
        return False

    def _delete(self, path: PathT, here: Any) -> None:
        self.deleted.add(path)
        if isinstance(path[-1], int):
            self.lists.add(path[:-1])
        self.names.update(_ids_in(here))
        self._kept.clear()
        self._above = None

    def build(self) -> Any:
        """A copy of the data with the changes made (copy-on-write along their paths)."""
        copies: dict[PathT, Any] = {}
        root = self._copy((), copies)
        for path, value in self.replaced.items():
            if _under(path, self.deleted):
                continue
            holder = self._holder(path, copies)
            if holder is not None:
                holder[path[-1]] = value
        by_list: dict[PathT, list[int]] = {}
        for path in self.deleted:
            if _under(path[:-1], self.deleted):
                continue
            holder = self._holder(path, copies)
            if holder is None:
                continue
            if isinstance(holder, dict):
                holder.pop(path[-1], None)
            elif isinstance(path[-1], int):
                by_list.setdefault(path[:-1], []).append(path[-1])
        for parent, indices in by_list.items():
            holder = copies[parent]
            for i in sorted(indices, reverse=True):
                if 0 <= i < len(holder):
                    del holder[i]
        return root

    def _copy(self, path: PathT, copies: dict[PathT, Any]) -> Any:
        if path not in copies:
            original = _value(self.data, path)
            copy = dict(original) if isinstance(original, dict) else list(original) if isinstance(
                original, list) else original
            copies[path] = copy
            if path:
                parent = self._copy(path[:-1], copies)
                parent[path[-1]] = copy
        return copies[path]

    def _holder(self, path: PathT, copies: dict[PathT, Any]) -> Any:
        """The copied container that holds ``path`` (None if the path is not in the data)."""
        parent = _value(self.data, path[:-1])
        if not isinstance(parent, dict | list):
            return None
        return self._copy(path[:-1], copies)

    def to_file(self, path: PathT) -> PathT:
        """The file's path for a path in the built data (list items left out shift the rest)."""
        if not self.deleted:
            return path
        out: list[str | int] = []
        for part in path:
            if isinstance(part, int):
                kept = self._kept_of(tuple(out))
                if kept is not None and 0 <= part < len(kept):
                    part = kept[part]
            out.append(part)
        return tuple(out)

    def from_file(self, parent: PathT, index: int) -> int | None:
        """The index in the built list at ``parent`` of the file's item ``index`` (None: left out)."""
        if (*parent, index) in self.deleted:
            return None
        kept = self._kept_of(parent)
        return kept.index(index) if kept is not None else index

    def _kept_of(self, parent: PathT) -> list[int] | None:
        if parent not in self._kept:
            gone = {p[-1] for p in self.deleted if p[:-1] == parent and isinstance(p[-1], int)}
            original = _value(self.data, parent)
            self._kept[parent] = ([i for i in range(len(original)) if i not in gone]
                                  if gone and isinstance(original, list) else [])
        return self._kept[parent] or None


def _under(path: PathT, paths: set[PathT] | dict[PathT, Any]) -> bool:
    """Whether ``path`` is one of ``paths`` or inside one."""
    return any(path[:k] in paths for k in range(1, len(path) + 1))


# --- text a scenario must not hold -----------------------------------------------------------------------

#: C0 controls but tab and newline, DEL, C1 controls, lone surrogates (from "\x00", "\e", "\ud800" escapes).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 11: "VT", 12: "FF", 13: "CR", 27: "ESC", 127: "DEL"}


#: A double-quoted escape that can make a control character or a lone surrogate: without one, the
#: YAML reader has already refused every such character (and turned line breaks into newlines).
_CONTROL_ESCAPE = re.compile(rb"\\[0abvfreNxuU]")


def _content_problems(src: Located, raw: bytes) -> list[Problem]:
    """Control characters in any text or key: refused, at the text that holds them."""
    out: list[Problem] = []
    if not _CONTROL_ESCAPE.search(raw):
        return out
    stack: list[tuple[PathT, Any]] = [((), src.data)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            m = _CONTROL.search(v)
            if m is not None:
                out.append(_control_problem(src, path, m.group(), "value"))
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(k, str) and _CONTROL.search(k):
                    out.append(_control_problem(src, (*path, k), _CONTROL.search(k).group(), "key"))  # type: ignore[union-attr]
                stack.append(((*path, k), x))
        elif isinstance(v, list):
            stack.extend(((*path, i), x) for i, x in enumerate(v))
    return out


def _control_problem(src: Located, path: PathT, char: str, prefer: str) -> Problem:
    code = ord(char)
    name = f"U+{code:04X}" + (f", {_CONTROL_NAMES[code]}" if code in _CONTROL_NAMES else "")
    line, col = src.locate(path, prefer)
    return Problem(line, col, bilingual(
        "a control character ({name}) in the text: it cannot be shown or printed; remove it",
        "文本中有控制字符（{name}）：它无法显示或打印；请删掉它", name=name), "error", format_path(path))


# --- one pass over a file ------------------------------------------------------------------------------


@dataclass
class Inspection:
    """All a file's problems, from every phase, and the scenario compiled from the parts that are
    valid (None when the YAML, or the file's top level, is broken)."""

    filename: str
    problems: list[Problem]
    scenario: LoadedScenario | None = None
    unreadable: bool = False
    #: Accounts (their index in ``scenario``) with something left out or in error: checks that
    #: need the whole account (what effects can do, which stakeholder matters) skip them.
    incomplete: frozenset[int] = frozenset()
    #: A path in ``scenario.spec`` -> the same place in the file.
    to_file: Callable[[PathT], PathT] = field(default=lambda p: p)

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)


def inspect_bytes(raw: bytes, filename: str = "<scenario>", path: Path | None = None) -> Inspection:
    """Read, validate and compile scenario bytes, finding every problem in one pass."""
    try:
        src = load_yaml(raw, duplicates="collect")
    except SourceError as err:
        return Inspection(filename, [Problem(err.line, err.column, err.message)])
    problems = [Problem(e.line, e.column, e.message) for e in src.problems]
    data = src.data
    if not isinstance(data, dict):
        message = Bilingual("a scenario is a mapping of fields (id: ...)", "场景必须是由字段组成的映射（id: ...）")
        return Inspection(filename, [*problems, Problem(*src.locate(()), message)])
    version = data.get("version")
    if version is not None and version not in FORMAT_VERSIONS:
        line, col = src.locate(("version",))
        known = " and ".join(map(str, FORMAT_VERSIONS))
        problems.append(Problem(line, col, bilingual(
            "scenario format version {v} is not supported (this Touchpoint reads versions {known})",
            "不支持场景格式版本 {v}（这个 Touchpoint 能读取的版本为 {known_zh}）", v=repr(version), known=known,
            known_zh="和".join(map(str, FORMAT_VERSIONS))), "error", "version"))
        return Inspection(filename, problems)
    problems += _content_problems(src, raw)
    spec, pruning, schema = _validate(src, raw)
    problems += schema
    if spec is None:
        return Inspection(filename, _sorted(problems))
    if not pruning.changed:  # the validated models hold all that is needed: free the raw data first
        src.data = pruning.data = None
    rules, rule_errors = compile_with_errors(spec)
    text = raw.decode("utf-8-sig", errors="replace") if rule_errors else ""
    incomplete = {p[1] for p in pruning.changed if len(p) > 1 and p[0] == "accounts" and isinstance(p[1], int)}
    kept: list[tuple[RuleError, PathT]] = []
    for rule_error in rule_errors:
        where = pruning.to_file(rule_error.path)
        if len(where) > 1 and where[0] == "accounts" and isinstance(where[1], int):
            incomplete.add(where[1])
        kept.append((rule_error, where))
    for rule_error, where in kept:
        if not _caused_by_mending(rule_error, where, pruning, incomplete):
            problems.append(_rule_problem(rule_error, where, src, text))
    src.data = None  # the validated models hold what is needed; the raw data is a second copy
    scenario = LoadedScenario(spec, rules, path, src)
    in_spec = {pruning.from_file(("accounts",), i) for i in incomplete} - {None}
    return Inspection(filename, _sorted(problems), scenario, incomplete=frozenset(
        i for i in in_spec if isinstance(i, int)), to_file=pruning.to_file)


def _caused_by_mending(err: RuleError, where: PathT, pruning: _Pruning, incomplete: set[int]) -> bool:
    """Whether a reference problem is only the echo of a schema error already reported: it names
    something left out, sits at a stand-in, or is about the shape of an account that lost a part."""
    if not pruning.changed:
        return False
    if err.ref is not None and err.ref in pruning.names:
        return True
    if pruning.related(where, shifted=False):
        return True
    account = where[1] if len(where) > 1 and where[0] == "accounts" else None
    if err.code in ("empty-stage", "stage-missing", "no-role") and account in incomplete:
        return True
    return err.code == "rubric" and any(len(p) == 2 and p[0] == "accounts" for p in pruning.deleted)


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Each problem once, by position (errors before warnings at one place)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line, p.column, p.severity != "error"))


def _validate(src: Located, raw: bytes) -> tuple[Scenario | None, _Pruning, list[Problem]]:
    """Validate; on errors, report them, mend what failed (:class:`_Pruning`) and validate again,
    until the rest passes (or it cannot be mended). Errors that only show once their neighbours
    pass (a model's own rule runs when its fields are valid) are reported too, unless a stand-in
    could have caused them."""
    pruning = _Pruning(src.data)
    try:
        return Scenario.model_validate(src.data), pruning, []
    except ValidationError as exc:
        first = _errors(exc, src.data)
    lines = raw.decode("utf-8-sig", errors="replace").splitlines()
    problems = _schema_problems(first, src, lines)
    todo = [(f.path, f.err["type"], f.about_key) for f in first]
    for _ in range(_MAX_ROUNDS):
        if not all([pruning.mend(p, kind, about_key) for p, kind, about_key in todo]):
            return None, pruning, problems
        data = pruning.build()
        try:
            return Scenario.model_validate(data), pruning, problems
        except ValidationError as exc:
            again = _errors(exc, data)
        todo = []
        fresh = []
        for f in again:
            where = pruning.to_file(f.path)
            todo.append((where, f.err["type"], f.about_key))
            if not pruning.related(where):
                fresh.append(_Found(where, f.about_key, f.err))
        problems += _schema_problems(fresh, src, lines)
    return None, pruning, problems


def _rule_problem(err: RuleError, where: PathT, src: Located, text: str) -> Problem:
    line, col = src.locate(where, "value")
    if err.offset is not None and where in src.value_pos:
        lines = text.splitlines()
        quoted = 0 < line <= len(lines) and lines[line - 1][col - 1 : col] in ("'", '"')
        col += err.offset + (1 if quoted else 0)
    return Problem(line, col, err.message, "error", format_path(where))


# --- entry points ---------------------------------------------------------------------------------------


def load_bytes(raw: bytes, filename: str = "<scenario>", path: Path | None = None) -> LoadedScenario:
    """Validate and compile scenario bytes; raises ScenarioError listing every problem."""
    found = inspect_bytes(raw, filename, path)
    if found.problems or found.scenario is None:
        raise ScenarioError(filename, found.problems)
    return found.scenario


def _read(path: str | os.PathLike[str]) -> tuple[Path, str, bytes | ScenarioError]:
    p = Path(path)
    name = display_name(p)
    try:
        return p, name, read_bytes(p)
    except SourceError as err:
        unreadable = err.message.startswith("cannot read")
        return p, name, ScenarioError(name, [Problem(err.line, err.column, err.message)], unreadable)


def load_file(path: str | os.PathLike[str]) -> LoadedScenario:
    """Load a scenario file; raises ScenarioError (unreadable files included)."""
    p, name, raw = _read(path)
    if isinstance(raw, ScenarioError):
        raise raw
    return load_bytes(raw, name, p)


def inspect_scenario(ref: str | os.PathLike[str]) -> Inspection:
    """Every problem of a bundled scenario (by id) or a scenario file (by path), in one pass;
    raises ScenarioError only when there is nothing to read (no such file or id)."""
    p, name, raw = _read(ref if isinstance(ref, os.PathLike) else resolve(ref))
    if isinstance(raw, ScenarioError):
        return Inspection(name, raw.problems, unreadable=raw.unreadable)
    return inspect_bytes(raw, name, p)


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
        raise ScenarioError(ref, [Problem(1, 1, bilingual(
            "no scenario file or bundled scenario '{ref}' (bundled: {known})",
            "找不到场景文件或内置场景“{ref}”（内置场景：{known}）", ref=ref, known=known))], True)
    return found


def load_scenario(ref: str | os.PathLike[str]) -> LoadedScenario:
    """Load a bundled scenario by id, or a scenario file by path."""
    if isinstance(ref, os.PathLike):
        return load_file(ref)
    return load_file(resolve(ref))
