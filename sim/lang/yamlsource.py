"""Read instructor-written YAML into plain data plus a map of where every node sits.

Scenario files are written by hand, so every kind of bad input (wrong encoding, broken YAML,
duplicate keys, hostile nesting or alias bombs) must end as ONE located :class:`SourceError`
that the CLI can print like yamllint does — never a traceback, never unbounded time or memory.

Why not ``yaml.safe_load``: its composer recurses once per nesting level, expands aliases
without a budget, silently keeps the last of duplicate keys, resolves ``no`` to ``False``
(YAML 1.1) and forgets positions. Instead we walk the libyaml *event stream* with an explicit
stack, resolve scalars by the YAML 1.2 core schema and record the position of every key and value.

Every message is in English and Chinese (:class:`sim.lang.text.Bilingual`), and a parser error
becomes plain language where the usual cause can be told from the text: a tab in the indentation,
a line lined up with a list but without its '-', a key indented more or less than its neighbours,
a ': ' or a '?' inside an unquoted text, a quote or a bracket never closed. A duplicate key can be
collected (``duplicates="collect"``: the first value is kept) so that a reader reports it with the
file's other problems.
"""

from __future__ import annotations

import gc
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from sim.lang.text import Bilingual, bilingual

__all__ = ["MAX_BYTES", "MAX_NODES", "Located", "Path", "Positions", "SourceError", "load_yaml", "read_bytes"]

MAX_BYTES = 8 * 1024 * 1024
#: The most nodes (keys, values, items) a file may have, aliases expanded: far above the ~500,000
#: of a generated 20,000-touchpoint case, far below what would exhaust memory or time.
MAX_NODES = 1_000_000

Path = tuple[str | int, ...]

#: The event parser: libyaml when PyYAML was built with it (about 10x faster), else pure Python.
#: Both are iterative state machines, so neither recurses on deep input. Tests swap this.
_LOADER: type = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

_UTF8_BOM = b"\xef\xbb\xbf"
#: What YAML (and so the event marks) counts as a line break.
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class SourceError(Exception):
    """One problem in an input file, located 1-based (line, column) as yamllint prints it."""

    message: str
    line: int
    column: int

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def format(self, filename: str, severity: str = "error") -> str:
        """The yamllint-style line editors and CI annotators know how to jump to."""
        return f"{filename}:{self.line}:{self.column}: [{severity}] {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the location when the error crosses a process boundary (dask workers pickle it).
        return (type(self), (self.message, self.line, self.column))

    def __repr__(self) -> str:
        return f"SourceError({self.message!r}, line={self.line}, column={self.column})"


#: Positions are kept as one int, ``line << _SHIFT | column``: a (line, column) tuple costs three
#: objects per node, and a 20,000-touchpoint file has over half a million of them.
_SHIFT = 24
_COLUMN = (1 << _SHIFT) - 1


class Positions(dict):
    """Path -> (line, column), 1-based: a dict that stores each position packed in one int."""

    def __getitem__(self, path: Path) -> tuple[int, int]:
        packed = dict.__getitem__(self, path)
        return (packed >> _SHIFT, packed & _COLUMN)

    def __setitem__(self, path: Path, pos: tuple[int, int]) -> None:
        dict.__setitem__(self, path, pos[0] << _SHIFT | pos[1])

    def get(self, path: Path, default: Any = None) -> Any:
        packed = dict.get(self, path)
        return default if packed is None else (packed >> _SHIFT, packed & _COLUMN)

    def items(self) -> Iterator[tuple[Path, tuple[int, int]]]:  # type: ignore[override]
        return ((k, (v >> _SHIFT, v & _COLUMN)) for k, v in dict.items(self))

    def values(self) -> Iterator[tuple[int, int]]:  # type: ignore[override]
        return ((v >> _SHIFT, v & _COLUMN) for v in dict.values(self))


@dataclass
class Located:
    """Parsed data plus 1-based positions, so later checks can point at the offending text."""

    data: Any
    key_pos: Positions = field(default_factory=Positions)
    value_pos: Positions = field(default_factory=Positions)
    #: Problems that did not stop the reading (duplicate keys, with ``duplicates="collect"``).
    problems: list[SourceError] = field(default_factory=list)

    def locate(self, path: Path, prefer: str = "value") -> tuple[int, int]:
        """Position for `path` (prefer 'key' or 'value'); falls back to the longest prefix that is known,
        then (1, 1) — a validator may complain about a key that is absent, so point at its parent."""
        if prefer not in ("key", "value"):
            raise ValueError(f"prefer must be 'key' or 'value', not {prefer!r}")
        first, second = (self.key_pos, self.value_pos) if prefer == "key" else (self.value_pos, self.key_pos)
        path = tuple(path)
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            pos = first.get(prefix) or second.get(prefix)
            if pos is not None:
                return pos
        return (1, 1)


# --------------------------------------------------------------------------------------- reading


def _human_size(n: int) -> str:
    """'8 MiB' rather than '8388608 bytes' in messages an instructor reads."""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def _too_large(max_bytes: int) -> SourceError:
    return SourceError(bilingual(
        "file is too large (over {size}); a scenario file should be far smaller",
        "文件太大（超过 {size}）；场景文件应当小得多", size=_human_size(max_bytes)))


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file without ever loading more than max_bytes + 1 bytes (a huge file or /dev/zero
    must not eat memory) and without letting an OSError escape."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except (OSError, ValueError) as exc:  # ValueError: e.g. an embedded NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SourceError(bilingual("cannot read file: {reason}", "无法读取文件：{reason}", reason=reason)) from None
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _line_col(prefix: str) -> tuple[int, int]:
    """1-based position just after `prefix`, counting line breaks the way YAML does."""
    line, start = 1, 0
    for m in _BREAK_RE.finditer(prefix):
        line += 1
        start = m.end()
    return line, len(prefix) - start + 1


# --------------------------------------------------------------------------------------- scalars

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ = _TAG + "map", _TAG + "seq"
#: Tags a key may carry; the key is its raw text whatever the tag says.
_KEY_TAGS = frozenset(("!", _STR, _INT, _FLOAT, _BOOL, _NULL))

_MISSING = object()
#: Exact-match plain scalars of the YAML 1.2 core schema (yes/no/on/off are deliberately absent).
_SPECIAL: dict[str, Any] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}  # fmt: skip
for _sign, _value in (("", math.inf), ("+", math.inf), ("-", -math.inf)):
    for _spelling in (".inf", ".Inf", ".INF"):
        _SPECIAL[_sign + _spelling] = _value
del _sign, _value, _spelling
_NUMBER_START = frozenset("0123456789+-.")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def _resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema for an untagged plain scalar; anything unrecognised stays text."""
    value = _SPECIAL.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if not text or text[0] not in _NUMBER_START:
        return text
    if _INT_RE.fullmatch(text):
        return int(text)  # ValueError past sys.int_max_str_digits; the caller locates it
    if _OCT_RE.fullmatch(text):
        return int(text[2:], 8)
    if _HEX_RE.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    return text


def _short(text: str, limit: int = 40) -> str:
    """Keep messages one readable line even for a 1 MB key or tag."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tag_name(tag: str) -> str:
    return _short("!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag, 60)


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _scalar(ev: ScalarEvent) -> Any:
    """Value of a scalar event: quoted and block scalars are text, plain ones use the core schema,
    and an explicit standard tag must agree with the text (``!!int abc`` is a mistake)."""
    tag, text = ev.tag, ev.value
    if tag is None:
        return _resolve_plain(text) if not ev.style else text
    if tag in ("!", _STR):  # "!" is YAML's non-specific tag: "this is just text"
        return text
    if tag in (_INT, _FLOAT, _BOOL, _NULL):
        value = _resolve_plain(text)
        if tag == _NULL and value is None:
            return None
        if tag == _BOOL and isinstance(value, bool):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            if tag == _INT:
                return value
            if tag == _FLOAT:
                return float(value)
        if tag == _FLOAT and isinstance(value, float):
            return value
        raise SourceError(bilingual("{text} is not a valid {tag} value", "{text} 不是有效的 {tag} 值",
                                    text=repr(_short(text)), tag=_tag_name(tag)), *_pos(ev.start_mark))
    if tag in (_MAP, _SEQ):
        raise SourceError(_tag_on_scalar(tag), *_pos(ev.start_mark))
    raise SourceError(_tag_not_allowed(tag), *_pos(ev.start_mark))


def _tag_on_scalar(tag: str) -> Bilingual:
    return bilingual("tag {tag} cannot be used on a scalar", "标签 {tag} 不能用在单个值上", tag=_tag_name(tag))


def _tag_not_allowed(tag: str) -> Bilingual:
    return bilingual("tag {tag} is not allowed", "不允许使用标签 {tag}", tag=_tag_name(tag))


def _check_collection_tag(ev: Any, is_map: bool) -> None:
    tag = ev.tag
    if tag is None or tag == "!" or tag == (_MAP if is_map else _SEQ):
        return
    if tag in (_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ):
        kind = Bilingual("a mapping", "映射") if is_map else Bilingual("a list", "列表")
        raise SourceError(bilingual("tag {tag} cannot be used on {kind}", "标签 {tag} 不能用在{kind}上",
                                    tag=_tag_name(tag), kind=kind), *_pos(ev.start_mark))
    raise SourceError(_tag_not_allowed(tag), *_pos(ev.start_mark))


# ------------------------------------------------------------------------------------ composing

_NO_KEY = object()
# A frame is one small list per open collection: the container being filled, its path, whether it
# is a mapping, the node count when it opened (its anchor's size is the difference at its end),
# and its anchor.
_CONTAINER, _PATH, _IS_MAP, _START, _ANCHOR = range(5)


@dataclass(slots=True)
class _Document:
    """What composing one document accumulates: positions, anchors and the open collections."""

    max_depth: int
    max_nodes: int
    collect_duplicates: bool = False
    key_pos: Positions = field(default_factory=Positions)
    value_pos: Positions = field(default_factory=Positions)
    #: anchor -> (value, expanded size); an anchor on a still-open collection maps to its frame.
    anchors: dict[str, Any] = field(default_factory=dict)
    #: One frame per open collection, outermost first (see the slot names above).
    stack: list[list[Any]] = field(default_factory=list)
    #: Duplicate keys found (with ``collect_duplicates``); their values are read into ``discard``.
    problems: list[SourceError] = field(default_factory=list)
    discard: dict[Any, Any] = field(default_factory=dict)


def _empty_file() -> SourceError:
    return SourceError(Bilingual("the file is empty", "文件是空的"))


def _compose(get_event: Callable[[], Any], max_depth: int, max_nodes: int, collect_duplicates: bool = False) -> Located:
    """Build the data of a one-document event stream with an explicit stack (no recursion).

    Node budget: every node counts 1 and an alias counts the full size of the subtree it
    stands for, so a "billion laughs" file is stopped after ~max_nodes steps. Aliases become
    shared references, so memory stays proportional to the file, not to its expansion.
    """
    doc = _Document(max_depth, max_nodes, collect_duplicates)
    get_event()  # StreamStartEvent
    if get_event().__class__ is StreamEndEvent:  # else the first DocumentStartEvent
        raise _empty_file()
    root, total, root_is_empty = _compose_root(get_event(), doc)
    if doc.stack:
        _compose_below(get_event, doc, root, total)
    _expect_stream_end(get_event)
    if root_is_empty:
        raise _empty_file()
    return Located(root, doc.key_pos, doc.value_pos, doc.problems)


def _compose_root(ev: Any, doc: _Document) -> tuple[Any, int, bool]:
    """The top node (a collection is left open on the stack), its count, and whether the document is empty."""
    doc.value_pos[()] = _pos(ev.start_mark)
    cls = ev.__class__
    if cls is ScalarEvent:
        root = _scalar_value(ev, doc.anchors)
        return root, 1, root is None and ev.value == "" and ev.tag is None
    if cls is AliasEvent:
        root, total = _alias(ev, doc.anchors)  # nothing is anchored yet, so this raises
        return root, total, False
    return _open(ev, (), doc.stack, doc.anchors, 0, doc.max_depth), 1, False


def _compose_below(get_event: Callable[[], Any], doc: _Document, root: Any, total: int) -> None:
    """Fill the open root collection with every node below it, event by event, until it closes."""
    stack, anchors, max_nodes = doc.stack, doc.anchors, doc.max_nodes
    put = dict.__setitem__  # positions packed as ``line << _SHIFT | column`` (see Positions)
    value_pos = doc.value_pos
    # The collection being filled: its container, path and kind. In a mapping, ``key`` is the key
    # waiting for its value (``_NO_KEY`` when a key comes next) and ``kpath`` that value's path.
    container: Any = root
    cpath: Path = ()
    is_map = stack[-1][_IS_MAP]
    key: Any = _NO_KEY
    kpath: Path = ()
    dest: Any = container  # where the pending key's value goes (``doc.discard`` for a duplicate)
    while True:
        ev = get_event()
        cls = ev.__class__
        if cls is ScalarEvent:
            total += 1
            if total > max_nodes:
                raise _too_many(max_nodes, ev.start_mark, alias=False)
            if is_map and key is _NO_KEY:
                kpath = _add_key(ev, container, cpath, doc)
                key = sys.intern(ev.value)
                dest = doc.discard if kpath[-1] is not key else container
                continue
            value = _scalar_data(ev, anchors)
            mark = ev.start_mark
            if is_map:
                dest[key] = value
                put(value_pos, kpath, (mark.line + 1) << _SHIFT | (mark.column + 1))
                key = _NO_KEY
            else:
                put(value_pos, cpath + (len(container),), (mark.line + 1) << _SHIFT | (mark.column + 1))  # noqa: RUF005
                container.append(value)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            _close(doc, total)
            if not stack:
                return
            container, cpath, is_map = stack[-1][:3]
            key = _NO_KEY
        elif cls is MappingStartEvent or cls is SequenceStartEvent or cls is AliasEvent:
            path = _child_path(ev, container, cpath, kpath, is_map, key)
            value, total = _add_node(ev, path, total, doc)
            if is_map:
                dest[key] = value
            else:
                container.append(value)
            key = _NO_KEY
            if cls is not AliasEvent:
                container, cpath, is_map = value, path, cls is MappingStartEvent
        else:  # pragma: no cover - a parser never ends a document inside a collection
            return


def _scalar_data(ev: Any, anchors: dict[str, Any]) -> Any:
    """A scalar's value: untagged, unanchored ones (most of a file) resolved here, others with the tag checks."""
    if ev.tag is not None or ev.anchor is not None:
        return _scalar_value(ev, anchors)
    value = ev.value
    if ev.style:  # quoted or block: text
        return value
    special = _SPECIAL.get(value, _MISSING)  # plain: the core schema, cheapest checks first
    if special is not _MISSING:
        return special
    if value[0] in _NUMBER_START:
        return _resolve_number(value, ev.start_mark)
    return value


def _add_key(ev: Any, container: dict[str, Any], cpath: Path, doc: _Document) -> Path:
    """Record a mapping key (refusing a duplicate) and return the path its value will have."""
    key, mark = sys.intern(ev.value), ev.start_mark
    if ev.tag is not None or ev.anchor is not None or (not ev.style and key in ("", "<<")):
        _check_key(ev, doc.anchors)
    kpath = cpath + (key,)  # noqa: RUF005
    if key in container:
        first = doc.key_pos[kpath][0]
        message = bilingual("duplicate key {key} (first at line {first})",
                            "重复的键 {key}（第一次出现在第 {first} 行）", key=repr(_short(key)), first=first)
        if not doc.collect_duplicates:
            raise SourceError(message, *_pos(mark))
        doc.problems.append(SourceError(message + Bilingual("; the first is kept", "；保留第一个"), *_pos(mark)))
        # The duplicate's value (and everything below it) is read under a path no field has.
        return (*cpath, f"{key}\x00duplicate at {mark.line + 1}:{mark.column + 1}")
    dict.__setitem__(doc.key_pos, kpath, (mark.line + 1) << _SHIFT | (mark.column + 1))
    return kpath


def _close(doc: _Document, total: int) -> None:
    """End the innermost open collection; an anchor on it now stands for its finished size."""
    frame = doc.stack.pop()
    anchor = frame[_ANCHOR]
    if anchor is not None and doc.anchors.get(anchor) is frame:
        doc.anchors[anchor] = (frame[_CONTAINER], total - frame[_START])


def _child_path(ev: Any, container: Any, cpath: Path, kpath: Path, is_map: bool, key: Any) -> Path:
    """Where a collection or alias goes: under the pending key (a key must be plain text) or next in the list."""
    if not is_map:
        return cpath + (len(container),)  # noqa: RUF005
    if key is _NO_KEY:
        raise _not_a_key(ev)
    return kpath


def _add_node(ev: Any, path: Path, total: int, doc: _Document) -> tuple[Any, int]:
    """The node a collection or alias puts at ``path`` (new and empty, or shared) and the new node count."""
    mark = ev.start_mark
    if ev.__class__ is AliasEvent:
        value, size = _alias(ev, doc.anchors)
        total += size
        if total > doc.max_nodes:
            raise _too_many(doc.max_nodes, mark, alias=True)
    else:
        value = _open(ev, path, doc.stack, doc.anchors, total, doc.max_depth)
        total += 1
        if total > doc.max_nodes:
            raise _too_many(doc.max_nodes, mark, alias=False)
    dict.__setitem__(doc.value_pos, path, (mark.line + 1) << _SHIFT | (mark.column + 1))
    return value, total


def _expect_stream_end(get_event: Callable[[], Any]) -> None:
    """After the root: the document's end, then the stream's; a second document is refused."""
    while True:
        ev = get_event()
        if ev.__class__ is StreamEndEvent:
            return
        if ev.__class__ is DocumentStartEvent:
            raise SourceError(
                Bilingual("more than one YAML document in the file (this '---' starts a second one); "
                          "a scenario is one document",
                          "文件里有不止一个 YAML 文档（这个“---”开始了第二个）；一个场景只能是一个文档"),
                *_pos(ev.start_mark),
            )


def _resolve_number(text: str, mark: Any) -> Any:
    """A plain scalar that starts like a number: int, float or (e.g. a date) still text."""
    try:
        if text.isdigit() and text.isascii():  # the common case, 10x cheaper than the regexes
            return int(text)
        return _resolve_plain(text)
    except ValueError:  # int() refuses more than sys.int_max_str_digits digits
        raise SourceError(_too_long(len(text)), *_pos(mark)) from None


def _too_long(digits: int) -> Bilingual:
    return bilingual("number is too long ({n} digits)", "数字太长（{n} 位）", n=digits)


def _too_deep(limit: int) -> Bilingual:
    return bilingual("nesting is too deep (over {n} levels)", "嵌套太深（超过 {n} 层）", n=limit)


def _scalar_value(ev: Any, anchors: dict[str, Any]) -> Any:
    """Slow path for a scalar value: explicit tags and anchors."""
    try:
        value = _scalar(ev)
    except ValueError:  # int() refuses more than sys.int_max_str_digits digits
        raise SourceError(_too_long(len(ev.value)), *_pos(ev.start_mark)) from None
    if ev.anchor is not None:
        anchors[ev.anchor] = (value, 1)
    return value


def _alias(ev: Any, anchors: dict[str, Any]) -> tuple[Any, int]:
    """The node an alias stands for (shared, not copied) and its expanded size."""
    name = ev.anchor
    entry = anchors.get(name)
    if entry is None:
        raise SourceError(bilingual("unknown alias *{name} (no &{name} before it)",
                                    "未知的别名 *{name}（它前面没有 &{name}）", name=_short(name)),
                          *_pos(ev.start_mark))
    if entry.__class__ is list:
        raise SourceError(
            bilingual("alias *{name} is inside the node it refers to (recursive data is not allowed)",
                      "别名 *{name} 位于它所指的节点内部（不允许递归数据）", name=_short(name)),
            *_pos(ev.start_mark),
        )
    return entry


def _open(
    ev: Any, path: Path, stack: list[list[Any]], anchors: dict[str, Any], total: int, max_depth: int
) -> Any:
    """Start a mapping or list: check depth and tag, push its frame, return the empty container."""
    is_map = ev.__class__ is MappingStartEvent
    if len(stack) >= max_depth:
        raise SourceError(_too_deep(max_depth), *_pos(ev.start_mark))
    _check_collection_tag(ev, is_map)
    container: Any = {} if is_map else []
    frame = [container, path, is_map, total, ev.anchor]
    if ev.anchor is not None:
        anchors[ev.anchor] = frame  # open: an alias to it from inside would be recursive
    stack.append(frame)
    return container


def _check_key(ev: Any, anchors: dict[str, Any]) -> None:
    """Slow path for a mapping key. A key is always the raw text of a scalar (so ``no:`` is "no",
    ``1:`` is "1"); this rejects foreign tags, a missing key and merge keys, and records an anchor."""
    tag, key, mark = ev.tag, ev.value, ev.start_mark
    if tag is not None and tag not in _KEY_TAGS:
        if tag in (_MAP, _SEQ):
            raise SourceError(_tag_on_scalar(tag), *_pos(mark))
        raise SourceError(_tag_not_allowed(tag), *_pos(mark))
    if tag is None and not ev.style:
        if key == "":
            raise SourceError(Bilingual("a mapping key is empty", "映射的键是空的"), *_pos(mark))
        if key == "<<":
            raise SourceError(Bilingual("merge keys (<<) are not supported; write the keys out",
                                        "不支持合并键（<<）；请把各个键逐一写出"), *_pos(mark))
    if ev.anchor is not None:
        anchors[ev.anchor] = (key, 1)


def _not_a_key(ev: Any) -> SourceError:
    if ev.__class__ is AliasEvent:
        name = _short(ev.anchor or "")
        what = Bilingual(f"an alias (*{name})", f"别名（*{name}）")
    else:
        what = Bilingual("a mapping", "映射") if ev.__class__ is MappingStartEvent else Bilingual("a list", "列表")
    return SourceError(bilingual("a mapping key must be plain text, not {what}", "映射的键必须是普通文本，而不是{what}",
                                 what=what), *_pos(ev.start_mark))


def _too_many(max_nodes: int, mark: Any, *, alias: bool) -> SourceError:
    if alias:
        message = bilingual("too many nodes after expanding aliases (over {n}): possible alias bomb",
                            "展开别名后节点太多（超过 {n} 个）：可能是“别名炸弹”", n=max_nodes)
    else:
        message = bilingual("too many nodes (over {n}); split the scenario into smaller files",
                            "节点太多（超过 {n} 个）；请把场景拆成几个较小的文件", n=max_nodes)
    return SourceError(message, *_pos(mark))


# ------------------------------------------------------------------------------------ errors


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _from_marked(exc: yaml.MarkedYAMLError, text: str = "") -> SourceError:
    """One line from a scanner/parser error: in plain words when the usual cause can be told from
    the text (:func:`_plain_hint`), else the parser's problem, plus its context when that is short."""
    try:
        hinted = _plain_hint(exc, _BREAK_RE.split(text)) if text else None
    except Exception:  # a hint is a nicety: never let it hide the error itself
        hinted = None
    if hinted is not None:
        hint, (line, column) = hinted
        return SourceError(bilingual("not valid YAML: {m}", "YAML 格式错误：{m}", m=hint), line, column)
    message = _one_line(exc.problem or exc.context or str(exc)) or "unknown problem"
    if exc.context and exc.problem and len(exc.context) <= 40:
        context = _one_line(exc.context)
        if exc.context_mark is not None:
            context += f" started at line {exc.context_mark.line + 1}"
        message += f" ({context})"
    said = bilingual("not valid YAML: {m}", "YAML 格式错误（解析器原文：{m}）", m=message)
    mark = exc.problem_mark or exc.context_mark
    return SourceError(said, *_pos(mark)) if mark is not None else SourceError(said)


def _from_reader(exc: yaml.reader.ReaderError, prefix: str) -> SourceError:
    """A reader error (a control character): located from the text before it."""
    char = exc.character
    shown = f"0x{char:02x}" if isinstance(char, int) else repr(char)
    line, column = _line_col(prefix)
    return SourceError(bilingual(
        "not valid YAML: {reason} (character {shown})",
        "YAML 格式错误：文件里有不允许的控制字符（字符 {shown}）；请删掉它",
        reason=_one_line(str(exc.reason)), shown=shown), line, column)


# ------------------------------------------------------------------------------------ plain words


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line(lines: list[str], number: int) -> str:
    """Line ``number`` (1-based) of the text, or '' past its end."""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _tab_in_indentation(lines: list[str], around: int) -> tuple[int, int] | None:
    """Where the first tab in the indentation of line ``around`` (or the line before) is."""
    for number in (around, around - 1):
        line = _line(lines, number)
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead:
            return number, lead.index("\t") + 1
    return None


def _key_colon(line: str) -> int | None:
    """0-based column of the ':' that ends the key of a ``key: value`` line, if it is one."""
    body = line.lstrip(" ")
    if body.startswith("- "):
        body = body[2:].lstrip(" ")
    if not body or body[0] in "\"'{[#":
        return None
    for i, c in enumerate(body):
        if c == ":" and (i + 1 == len(body) or body[i + 1] in " \t"):
            return len(line) - len(body) + i
    return None


#: The plain-language hints (English, Chinese) for parser errors, by cause.
_HINTS: dict[str, tuple[str, str]] = {
    "tab": ("a tab character: YAML indents with spaces; replace the tab with spaces",
            "这里有一个制表符（Tab）：YAML 只能用空格缩进；请把 Tab 换成空格"),
    "bad_start": ("a text cannot start with '{c}' unless it is in quotes: write it as \"{c}...\"",
                  "文本不能以“{c}”开头，除非加引号：请写成 \"{c}...\""),
    "missing_dash": (
        "this line is lined up with the list that starts at line {start}, but does not start with '-': "
        "put '- ' in front of it to start a new item, or indent it to the level of the item above "
        "to continue that item",
        "这一行与第 {start} 行开始的列表对齐，却没有以“-”开头：如果是新的一项，请在前面加“- ”；"
        "如果属于上一项，请把它缩进到与上一项的内容对齐"),
    "colon_in_text": (
        "a ': ' inside a text makes YAML read a new key here: put the whole text in quotes, "
        "e.g. {key}: \"{value}\"",
        "文本中的“: ”会被 YAML 当成新的键：请把整段文本放进引号里，例如 {key}: \"{value}\""),
    "over_indented": (
        "this line is indented more than the line above it (line {above}), so YAML cannot tell what it "
        "belongs to: the keys of one mapping must start in the same column",
        "这一行比上一行（第 {above} 行）缩进得多，YAML 无法判断它属于哪里：同一层的键必须从同一列开始"),
    "under_indented": (
        "this line's indentation matches no key above it: line it up exactly with the keys it belongs "
        "with (count the spaces)",
        "这一行的缩进与上面任何一层都对不齐：请让它与同一层的键严格对齐（数一数空格）"),
    "dash_in_mapping": (
        "a '- ' list item where a key was expected: a list must be the value of a key, e.g. a line "
        "'items:' with the '- ' lines below it, all indented the same",
        "这里本应是一个键，却出现了列表项“- ”：列表必须是某个键的值，例如先写一行“items:”，"
        "下面的每一行“- ”缩进相同"),
    "after_quote": (
        "text goes on after the closing quote: put the whole text inside the quotes",
        "引号结束后还有文字：请把整段文本都放在引号里"),
    "no_colon": (
        "this line has no ': ' but a key was expected here: write 'key: value' (with a space after "
        "the ':'), or, if it continues the text above, put that text in quotes",
        "这里应当是“键: 值”，但这一行没有“: ”：请写成“键: 值”（冒号后有空格）；如果它是上一行文本的延续，"
        "请把那段文本放进引号里"),
    "no_space": ("put a space after the ':' in '{word}' (write 'key: value')",
                 "“{word}”中的冒号后面要有一个空格（写成“键: 值”）"),
    "flow_unclosed": (
        "the '{{' that starts at line {start} is not closed, or a text inside it holds a ':', ',', '?' or '#': "
        "put such texts in quotes, e.g. {{en: \"Can it talk to the warehouse?\"}}, and close it with '}}'",
        "第 {start} 行开始的“{{”没有闭合，或者其中的文本含有“:”“,”“?”或“#”：请把这样的文本放进引号里，"
        "例如 {{en: \"能和仓库系统对接吗？\"}}，并用“}}”闭合"),
    "flow_list_unclosed": (
        "the '[' that starts at line {start} is not closed, or an item inside it holds a ':', ',', '?' or '#': "
        "put such items in quotes, e.g. [\"Price, terms\", support], and close it with ']'",
        "第 {start} 行开始的“[”没有闭合，或者其中某一项含有“:”“,”“?”或“#”：请把这样的项放进引号里，"
        "例如 [\"价格，条款\", 支持]，并用“]”闭合"),
    "escape": (
        "a '\\' inside double quotes starts an escape such as \\n, and this one is not valid: write '\\\\' for a "
        "backslash, or put the text in single quotes",
        "双引号里的“\\”表示转义（如 \\n），而这个转义无效：反斜杠本身请写成“\\\\”，或者改用单引号"),
    "quote_unclosed": ("the quote that opens at line {start} is never closed: add the closing {quote}",
                       "第 {start} 行开始的引号没有闭合：请补上结尾的 {quote}"),
}


def _say(which: str, **params: object) -> Bilingual:
    en, zh = _HINTS[which]
    return bilingual(en, zh, **params)


def _plain_hint(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[Bilingual, tuple[int, int]] | None:
    """The usual cause of a parser error in plain words, and where it is; None when not known."""
    problem, context = exc.problem or "", exc.context or ""
    mark, cmark = exc.problem_mark, exc.context_mark
    if mark is None:
        return None
    line_no, col = mark.line + 1, mark.column + 1
    line = _line(lines, line_no)
    char = line[col - 1 : col]
    tab = _tab_in_indentation(lines, line_no)
    if "tab" in problem or char == "\t" or ("cannot start any token" in problem and tab is not None):
        return _say("tab"), tab or (line_no, col)
    if "cannot start any token" in problem and char:
        return _say("bad_start", c=char), (line_no, col)
    start = cmark.line + 1 if cmark is not None else line_no
    if "block collection" in context and ("'-' indicator" in problem or "<block end>" in problem):
        return _say("missing_dash", start=start), (line_no, col)
    if "mapping values are not allowed" in problem:
        return _mapping_value_hint(lines, line_no, col)
    if "block mapping" in context and ("expected key" in problem or "<block end>" in problem):
        if char == "-":
            return _say("dash_in_mapping"), (line_no, col)
        if col - 1 > _indent(line):
            return _say("after_quote"), (line_no, col)
        return _say("under_indented"), (line_no, col)
    if "simple key" in context and "expected ':'" in problem and cmark is not None:
        where = (cmark.line + 1, cmark.column + 1)
        word = _line(lines, where[0]).strip().split(" ")[0]
        if ":" in word.rstrip(":"):
            return _say("no_space", word=word), where
        return _say("no_colon"), where
    if "flow mapping" in context or "flow sequence" in context:
        return _say("flow_unclosed" if "mapping" in context else "flow_list_unclosed", start=start), (line_no, col)
    if "quoted scalar" in context and "escape" in problem:
        return _say("escape"), (line_no, col)
    if "quoted scalar" in context and "end of stream" in problem and cmark is not None:
        quote = _line(lines, cmark.line + 1)[cmark.column : cmark.column + 1] or '"'
        return _say("quote_unclosed", start=start, quote=quote), (cmark.line + 1, cmark.column + 1)
    return None


def _mapping_value_hint(lines: list[str], line_no: int, col: int) -> tuple[Bilingual, tuple[int, int]]:
    """'mapping values are not allowed': a ': ' inside an unquoted text, or a key indented too far."""
    line = _line(lines, line_no)
    key_colon = _key_colon(line)
    if key_colon is not None and key_colon < col - 1:
        key = line[: key_colon].strip().removeprefix("- ").strip()
        value = line[key_colon + 1 :].strip()
        return _say("colon_in_text", key=key, value=_short(value, 50)), (line_no, key_colon + 3)
    above = line_no - 1
    while above > 1 and not _line(lines, above).strip():
        above -= 1
    return _say("over_indented", above=above), (line_no, _indent(line) + 1)


# ------------------------------------------------------------------------------------ entry point


def load_yaml(
    raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = 64, max_nodes: int = MAX_NODES,
    duplicates: str = "raise",
) -> Located:
    """Parse one YAML document from raw bytes into plain data with positions.

    Raises only SourceError, whatever the bytes are. A duplicate key raises too, unless
    ``duplicates="collect"``: then the first value is kept and the problem is in ``problems``.
    """
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)  # before decoding or parsing anything
    raw = bytes(raw)
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(raw[: exc.start].decode("utf-8", "replace"))
        bad = raw[exc.start]
        raise SourceError(bilingual("not UTF-8 text (byte 0x{b}); save the file as UTF-8",
                                    "不是 UTF-8 文本（字节 0x{b}）；请把文件另存为 UTF-8 编码", b=f"{bad:02x}"),
                          line, column) from None

    return _parse(raw, text, max_depth, max_nodes, collect=duplicates == "collect")


#: libyaml's own flow-nesting limit (YAML_DEFAULT_MAX_NEST_LEVEL in recent libyaml).
_LIBYAML_NEST_LIMIT = 1000
_LIBYAML_NEST_PROBLEM = "exceeded maximum nesting depth"


def _parse(raw: bytes, text: str, max_depth: int, max_nodes: int, *, retry: bool = True,
           collect: bool = False) -> Located:
    """Run the event parser over validated text and turn every failure into a SourceError."""
    loader_cls = _LOADER
    # PyYAML's own reader wants text and reports offsets in characters; a libyaml loader (the
    # only kind without that reader) reads the bytes itself, with no re-encode, and reports
    # reader offsets in bytes.
    libyaml = not issubclass(loader_cls, yaml.reader.Reader)
    source: bytes | str = raw if libyaml else text
    loader = None
    try:
        loader = loader_cls(source)
        # Building allocates a few objects per node, all reachable and none cyclic (recursive
        # aliases are refused), so cyclic-GC passes over them are wasted work (~10-30% here).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return _compose(loader.get_event, max_depth, max_nodes, collect)
        finally:
            if gc_was_enabled:
                gc.enable()
    except SourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        if libyaml and exc.problem == _LIBYAML_NEST_PROBLEM and exc.problem_mark is not None:
            raise _deep_nesting(exc.problem_mark, text, max_depth, max_nodes, retry) from None
        raise _from_marked(exc, text) from None
    except yaml.reader.ReaderError as exc:
        prefix = raw[: exc.position].decode("utf-8", "replace") if libyaml else text[: exc.position]
        raise _from_reader(exc, prefix) from None
    except MemoryError:
        raise SourceError(Bilingual("out of memory while reading the file", "读取文件时内存不足")) from None
    except Exception as exc:  # the contract is "only SourceError"; say plainly if a library surprised us
        raise SourceError(bilingual("internal error while reading YAML ({what})", "读取 YAML 时发生内部错误（{what}）",
                                    what=f"{type(exc).__name__}: {_short(str(exc), 80)}")) from None
    finally:
        if loader is not None:
            loader.dispose()


def _deep_nesting(mark: Any, text: str, max_depth: int, max_nodes: int, retry: bool) -> SourceError:
    """libyaml's scanner looks up to 1024 characters ahead for a possible simple key, so a line of
    ``[[[[…`` trips libyaml's own limit (1000 levels) before our depth check sees event 65.
    Parsing again only the text before that point (libyaml's mark.index counts characters) lets
    our check fire at the node that really crosses max_depth; it is cheap, the prefix is short
    in the bad part. If that does not pinpoint it, report libyaml's position."""
    if retry and max_depth < _LIBYAML_NEST_LIMIT:
        prefix = text[: mark.index]
        try:
            _parse(prefix.encode("utf-8"), prefix, max_depth, max_nodes, retry=False)
        except SourceError as inner:
            if inner.message.startswith("nesting is too deep"):
                return inner
    limit = min(max_depth, _LIBYAML_NEST_LIMIT)
    return SourceError(_too_deep(limit), *_pos(mark))
