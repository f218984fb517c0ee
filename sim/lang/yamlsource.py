"""Read instructor-written YAML into plain data plus a map of where every node sits.

Scenario files are written by hand, so every kind of bad input (wrong encoding, broken YAML,
duplicate keys, hostile nesting or alias bombs) must end as ONE located :class:`SourceError`
that the CLI can print like yamllint does — never a traceback, never unbounded time or memory.

Why not ``yaml.safe_load``: its composer recurses once per nesting level, expands aliases
without a budget, silently keeps the last of duplicate keys, resolves ``no`` to ``False``
(YAML 1.1) and forgets positions. Instead we walk the libyaml *event stream* with an explicit
stack, resolve scalars by the YAML 1.2 core schema and record the position of every key and value.
"""

from __future__ import annotations

import gc
import math
import os
import re
from collections.abc import Callable
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

__all__ = ["MAX_BYTES", "Located", "Path", "SourceError", "load_yaml", "read_bytes"]

MAX_BYTES = 8 * 1024 * 1024

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


@dataclass
class Located:
    """Parsed data plus 1-based positions, so later checks can point at the offending text."""

    data: Any
    key_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    value_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)

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
    return SourceError(
        f"file is too large (over {_human_size(max_bytes)}); a scenario file should be far smaller"
    )


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file without ever loading more than max_bytes + 1 bytes (a huge file or /dev/zero
    must not eat memory) and without letting an OSError escape."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except (OSError, ValueError) as exc:  # ValueError: e.g. an embedded NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SourceError(f"cannot read file: {reason}") from None
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
        raise SourceError(f"{_short(text)!r} is not a valid {_tag_name(tag)} value", *_pos(ev.start_mark))
    if tag in (_MAP, _SEQ):
        raise SourceError(f"tag {_tag_name(tag)} cannot be used on a scalar", *_pos(ev.start_mark))
    raise SourceError(f"tag {_tag_name(tag)} is not allowed", *_pos(ev.start_mark))


def _check_collection_tag(ev: Any, is_map: bool) -> None:
    tag = ev.tag
    if tag is None or tag == "!" or tag == (_MAP if is_map else _SEQ):
        return
    if tag in (_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ):
        kind = "a mapping" if is_map else "a list"
        raise SourceError(f"tag {_tag_name(tag)} cannot be used on {kind}", *_pos(ev.start_mark))
    raise SourceError(f"tag {_tag_name(tag)} is not allowed", *_pos(ev.start_mark))


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
    key_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    value_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: anchor -> (value, expanded size); an anchor on a still-open collection maps to its frame.
    anchors: dict[str, Any] = field(default_factory=dict)
    #: One frame per open collection, outermost first (see the slot names above).
    stack: list[list[Any]] = field(default_factory=list)


def _compose(get_event: Callable[[], Any], max_depth: int, max_nodes: int) -> Located:
    """Build the data of a one-document event stream with an explicit stack (no recursion).

    Node budget: every node counts 1 and an alias counts the full size of the subtree it
    stands for, so a "billion laughs" file is stopped after ~max_nodes steps. Aliases become
    shared references, so memory stays proportional to the file, not to its expansion.
    """
    doc = _Document(max_depth, max_nodes)
    get_event()  # StreamStartEvent
    if get_event().__class__ is StreamEndEvent:  # else the first DocumentStartEvent
        raise SourceError("the file is empty")
    root, total, root_is_empty = _compose_root(get_event(), doc)
    if doc.stack:
        _compose_below(get_event, doc, root, total)
    _expect_stream_end(get_event)
    if root_is_empty:
        raise SourceError("the file is empty")
    return Located(root, doc.key_pos, doc.value_pos)


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
    value_pos, stack, anchors, max_nodes = doc.value_pos, doc.stack, doc.anchors, doc.max_nodes
    # The collection being filled: its container, path and kind. In a mapping, ``key`` is the key
    # waiting for its value (``_NO_KEY`` when a key comes next) and ``kpath`` that value's path.
    container: Any = root
    cpath: Path = ()
    is_map = stack[-1][_IS_MAP]
    key: Any = _NO_KEY
    kpath: Path = ()
    while True:
        ev = get_event()
        cls = ev.__class__
        if cls is ScalarEvent:
            total += 1
            if total > max_nodes:
                raise _too_many(max_nodes, ev.start_mark, alias=False)
            if is_map and key is _NO_KEY:
                key = ev.value
                kpath = _add_key(ev, container, cpath, doc)
                continue
            value = _scalar_data(ev, anchors)
            mark = ev.start_mark
            if is_map:
                container[key] = value
                value_pos[kpath] = (mark.line + 1, mark.column + 1)
                key = _NO_KEY
            else:
                value_pos[cpath + (len(container),)] = (mark.line + 1, mark.column + 1)  # noqa: RUF005
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
                container[key] = value
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
    key, mark = ev.value, ev.start_mark
    if ev.tag is not None or ev.anchor is not None or (not ev.style and key in ("", "<<")):
        _check_key(ev, doc.anchors)
    kpath = cpath + (key,)  # noqa: RUF005
    if key in container:
        first = doc.key_pos[kpath][0]
        raise SourceError(f"duplicate key {_short(key)!r} (first at line {first})", *_pos(mark))
    doc.key_pos[kpath] = (mark.line + 1, mark.column + 1)
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
    doc.value_pos[path] = (mark.line + 1, mark.column + 1)
    return value, total


def _expect_stream_end(get_event: Callable[[], Any]) -> None:
    """After the root: the document's end, then the stream's; a second document is refused."""
    while True:
        ev = get_event()
        if ev.__class__ is StreamEndEvent:
            return
        if ev.__class__ is DocumentStartEvent:
            raise SourceError(
                "more than one YAML document in the file (this '---' starts a second one); "
                "a scenario is one document",
                *_pos(ev.start_mark),
            )


def _resolve_number(text: str, mark: Any) -> Any:
    """A plain scalar that starts like a number: int, float or (e.g. a date) still text."""
    try:
        if text.isdigit() and text.isascii():  # the common case, 10x cheaper than the regexes
            return int(text)
        return _resolve_plain(text)
    except ValueError:  # int() refuses more than sys.int_max_str_digits digits
        raise SourceError(f"number is too long ({len(text)} digits)", *_pos(mark)) from None


def _scalar_value(ev: Any, anchors: dict[str, Any]) -> Any:
    """Slow path for a scalar value: explicit tags and anchors."""
    try:
        value = _scalar(ev)
    except ValueError:  # int() refuses more than sys.int_max_str_digits digits
        raise SourceError(f"number is too long ({len(ev.value)} digits)", *_pos(ev.start_mark)) from None
    if ev.anchor is not None:
        anchors[ev.anchor] = (value, 1)
    return value


def _alias(ev: Any, anchors: dict[str, Any]) -> tuple[Any, int]:
    """The node an alias stands for (shared, not copied) and its expanded size."""
    name = ev.anchor
    entry = anchors.get(name)
    if entry is None:
        raise SourceError(
            f"unknown alias *{_short(name)} (no &{_short(name)} before it)", *_pos(ev.start_mark)
        )
    if entry.__class__ is list:
        raise SourceError(
            f"alias *{_short(name)} is inside the node it refers to (recursive data is not allowed)",
            *_pos(ev.start_mark),
        )
    return entry


def _open(
    ev: Any, path: Path, stack: list[list[Any]], anchors: dict[str, Any], total: int, max_depth: int
) -> Any:
    """Start a mapping or list: check depth and tag, push its frame, return the empty container."""
    is_map = ev.__class__ is MappingStartEvent
    if len(stack) >= max_depth:
        raise SourceError(f"nesting is too deep (over {max_depth} levels)", *_pos(ev.start_mark))
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
            raise SourceError(f"tag {_tag_name(tag)} cannot be used on a scalar", *_pos(mark))
        raise SourceError(f"tag {_tag_name(tag)} is not allowed", *_pos(mark))
    if tag is None and not ev.style:
        if key == "":
            raise SourceError("a mapping key is empty", *_pos(mark))
        if key == "<<":
            raise SourceError("merge keys (<<) are not supported; write the keys out", *_pos(mark))
    if ev.anchor is not None:
        anchors[ev.anchor] = (key, 1)


def _not_a_key(ev: Any) -> SourceError:
    if ev.__class__ is AliasEvent:
        what = f"an alias (*{_short(ev.anchor or '')})"
    else:
        what = "a mapping" if ev.__class__ is MappingStartEvent else "a list"
    return SourceError(f"a mapping key must be plain text, not {what}", *_pos(ev.start_mark))


def _too_many(max_nodes: int, mark: Any, *, alias: bool) -> SourceError:
    if alias:
        message = f"too many nodes after expanding aliases (over {max_nodes}): possible alias bomb"
    else:
        message = f"too many nodes (over {max_nodes}); split the scenario into smaller files"
    return SourceError(message, *_pos(mark))


# ------------------------------------------------------------------------------------ errors


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _from_marked(exc: yaml.MarkedYAMLError) -> SourceError:
    """One line from a scanner/parser error: its problem, plus its context when that is short."""
    problem = _one_line(exc.problem or exc.context or str(exc)) or "unknown problem"
    message = f"not valid YAML: {problem}"
    if exc.context and exc.problem and len(exc.context) <= 40:
        context = _one_line(exc.context)
        if exc.context_mark is not None:
            context += f" started at line {exc.context_mark.line + 1}"
        message += f" ({context})"
    mark = exc.problem_mark or exc.context_mark
    return SourceError(message, *_pos(mark)) if mark is not None else SourceError(message)


def _from_reader(exc: yaml.reader.ReaderError, prefix: str) -> SourceError:
    """A reader error (a control character): located from the text before it."""
    char = exc.character
    shown = f"0x{char:02x}" if isinstance(char, int) else repr(char)
    line, column = _line_col(prefix)
    return SourceError(f"not valid YAML: {_one_line(str(exc.reason))} (character {shown})", line, column)


# ------------------------------------------------------------------------------------ entry point


def load_yaml(
    raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = 64, max_nodes: int = 500_000
) -> Located:
    """Parse one YAML document from raw bytes into plain data with positions.

    Raises only SourceError, whatever the bytes are.
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
        raise SourceError(
            f"not UTF-8 text (byte 0x{bad:02x}); save the file as UTF-8", line, column
        ) from None

    return _parse(raw, text, max_depth, max_nodes)


#: libyaml's own flow-nesting limit (YAML_DEFAULT_MAX_NEST_LEVEL in recent libyaml).
_LIBYAML_NEST_LIMIT = 1000
_LIBYAML_NEST_PROBLEM = "exceeded maximum nesting depth"


def _parse(raw: bytes, text: str, max_depth: int, max_nodes: int, *, retry: bool = True) -> Located:
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
            return _compose(loader.get_event, max_depth, max_nodes)
        finally:
            if gc_was_enabled:
                gc.enable()
    except SourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        if libyaml and exc.problem == _LIBYAML_NEST_PROBLEM and exc.problem_mark is not None:
            raise _deep_nesting(exc.problem_mark, text, max_depth, max_nodes, retry) from None
        raise _from_marked(exc) from None
    except yaml.reader.ReaderError as exc:
        prefix = raw[: exc.position].decode("utf-8", "replace") if libyaml else text[: exc.position]
        raise _from_reader(exc, prefix) from None
    except MemoryError:
        raise SourceError("out of memory while reading the file") from None
    except Exception as exc:  # the contract is "only SourceError"; say plainly if a library surprised us
        raise SourceError(
            f"internal error while reading YAML ({type(exc).__name__}: {_short(str(exc), 80)})"
        ) from None
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
    return SourceError(f"nesting is too deep (over {limit} levels)", *_pos(mark))
