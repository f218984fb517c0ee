"""Tests for sim.lang.yamlsource: every kind of bad input ends as one located SourceError.

Most tests run twice, with libyaml (the fast path) and with PyYAML's pure-Python parser (the
fallback when PyYAML was built without libyaml), because their error texts and scanners differ.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Iterator

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.lang import yamlsource
from sim.lang.yamlsource import MAX_BYTES, Located, SourceError, load_yaml, read_bytes

LOADERS = [yaml.SafeLoader]
if getattr(yaml, "CSafeLoader", None) is not None:
    LOADERS.insert(0, yaml.CSafeLoader)


@pytest.fixture(params=LOADERS, ids=lambda cls: cls.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    monkeypatch.setattr(yamlsource, "_LOADER", request.param)
    return request.param


def error_of(raw: bytes, **limits: int) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_yaml(raw, **limits)
    err = info.value
    assert "\n" not in err.message, "messages must be one line"
    assert not err.message.startswith("internal error"), err.message
    return err


def where(err: SourceError) -> tuple[int, int]:
    return (err.line, err.column)


# --------------------------------------------------------------------------- SourceError itself


def test_source_error_formats_like_yamllint_and_pickles() -> None:
    err = SourceError("duplicate key 'id' (first at line 3)", 7, 5)
    assert err.format("shop.yaml") == "shop.yaml:7:5: [error] duplicate key 'id' (first at line 3)"
    assert err.format("shop.yaml", "warning").endswith("[warning] duplicate key 'id' (first at line 3)")
    assert str(err) == err.message
    assert (SourceError("x").line, SourceError("x").column) == (1, 1)
    back = pickle.loads(pickle.dumps(err))
    assert (back.message, back.line, back.column) == (err.message, 7, 5)


# --------------------------------------------------------------------------- reading files


def test_read_bytes_reads_a_file(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"a: 1\n")
    assert read_bytes(path) == b"a: 1\n"
    assert read_bytes(str(path)) == b"a: 1\n"


def test_read_bytes_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(SourceError) as info:
        read_bytes(tmp_path / "nope.yaml")
    assert info.value.message.startswith("cannot read file: ")
    assert "No such file" in info.value.message
    assert where(info.value) == (1, 1)
    with pytest.raises(SourceError) as info:
        read_bytes(tmp_path)
    assert info.value.message.startswith("cannot read file: ")


def test_read_bytes_too_large(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 101)
    assert read_bytes(path, max_bytes=101) == b"x" * 101
    with pytest.raises(SourceError) as info:
        read_bytes(path, max_bytes=100)
    assert info.value.message.startswith("file is too large (over 100 bytes)")


# --------------------------------------------------------------------------- bad input, one kind each


def test_too_large_is_refused_before_decoding() -> None:
    # Not UTF-8 either: the size check must come first, so nothing is decoded or parsed.
    err = error_of(b"\xff" * (MAX_BYTES + 1))
    assert err.message.startswith("file is too large (over 8 MiB)")
    assert where(err) == (1, 1)
    assert error_of(b"- 1\n" * 10, max_bytes=39).message.startswith("file is too large (over 39 bytes)")
    assert load_yaml(b"- 1\n" * 10, max_bytes=40).data == [1] * 10


def test_not_utf8_is_located_at_the_bad_byte(loader: type) -> None:
    err = error_of(b"title: ok\nname: caf\xe9 latte\n")
    assert err.message == "not UTF-8 text (byte 0xe9); save the file as UTF-8"
    assert where(err) == (2, 10)
    # A UTF-16 file (Windows "Unicode") starts with 0xff 0xfe.
    assert where(error_of("a: 1\n".encode("utf-16"))) == (1, 1)
    # Columns count characters, and the BOM is not a column.
    err = error_of(b"\xef\xbb\xbfn\xc3\xa9: \x80\n")
    assert err.message == "not UTF-8 text (byte 0x80); save the file as UTF-8"
    assert where(err) == (1, 5)


@pytest.mark.parametrize(
    "raw", [b"", b"   \n\n", b"# only a comment\n  # and another\n", b"\xef\xbb\xbf", b"---\n", b"--- # hi\n"]
)
def test_empty_file(loader: type, raw: bytes) -> None:
    err = error_of(raw)
    assert err.message == "the file is empty"
    assert where(err) == (1, 1)


def test_second_document_is_an_error_at_its_start(loader: type) -> None:
    err = error_of(b"a: 1\n---\nb: 2\n")
    assert err.message.startswith("more than one YAML document in the file")
    assert where(err) == (2, 1)
    err = error_of(b"# intro\n---\na: 1\n...\n\n--- \nb: 2\n")
    assert where(err) == (6, 1)


def test_not_yaml_gives_the_problem_at_its_mark(loader: type) -> None:
    err = error_of(b"stage: one\nname: a: b\n")
    # libyaml says "mapping values are not allowed in this context", the pure-Python scanner
    # "... here"; both become plain words, at the text that needs the quotes.
    assert err.message == ("not valid YAML: a ': ' inside a text makes YAML read a new key here: put the whole "
                           'text in quotes, e.g. name: "a: b"')
    assert where(err) == (2, 7)
    err = error_of(b"key: [1, 2\nother: 3\n")
    assert err.message.startswith("not valid YAML: the '[' that starts at line 1 is not closed, or an item inside ")
    assert err.message.zh.startswith("YAML 格式错误：第 1 行开始的“[”没有闭合")
    err = error_of(b"a: 'unterminated\n")
    assert err.message == "not valid YAML: the quote that opens at line 1 is never closed: add the closing '"
    assert where(err) == (1, 4)


def test_control_character_is_located(loader: type) -> None:
    err = error_of("title: caf\u00e9\nbad: x\x07y\n".encode())
    assert err.message.startswith("not valid YAML: ")
    assert err.message.endswith("are not allowed (character 0x07)")
    assert where(err) == (2, 7)


def test_deep_nesting_100k_brackets_is_one_fast_error(loader: type) -> None:
    started = time.perf_counter()
    err = error_of(b"[" * 100_000)
    print(f"\n100k '[' with {loader.__name__}: {time.perf_counter() - started:.4f} s")
    assert err.message == "nesting is too deep (over 64 levels)"
    assert where(err) == (1, 65)  # the 65th '[' is the node that crosses the limit
    err = error_of(b"{a: " * 100_000)
    assert where(err) == (1, 4 * 64 + 1)


def test_deep_block_nesting_and_the_limit_itself(loader: type) -> None:
    raw = b"".join(b" " * i + b"k:\n" for i in range(1000))
    err = error_of(raw)
    assert err.message == "nesting is too deep (over 64 levels)"
    assert where(err) == (65, 65)
    assert load_yaml(b"[" * 64 + b"]" * 64).data is not None  # exactly 64 levels is fine
    assert where(error_of(b"[" * 65 + b"]" * 65)) == (1, 65)
    assert where(error_of(b"[[[]]]", max_depth=2)) == (1, 3)


#: The classic "billion laughs": 9 levels, each a list of 9 aliases to the level below.
LOL = b'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + b"".join(
    b"%c: &%c [%s]\n" % (name, name, b", ".join([b"*%c" % prev] * 9))
    for prev, name in zip(b"abcdefgh", b"bcdefghi", strict=True)
)


def test_alias_bomb_is_stopped_fast(loader: type) -> None:
    assert LOL.count(b"\n") == 9 and b"i: &i [*h" in LOL
    started = time.perf_counter()
    err = error_of(LOL)
    print(f"\nbillion laughs with {loader.__name__}: {time.perf_counter() - started:.4f} s")
    assert err.message == "too many nodes after expanding aliases (over 1000000): possible alias bomb"
    # Sizes: a=10, b=91, c=820, d=7381, e=66430, f=597871 (672,621 nodes with the keys so far);
    # g would be 5,380,840, so it trips on line 7.
    assert err.line == 7
    # Keys count too: a=1+10, b=1+91, c=1+820, d opens at 926 and its first *c makes 1746.
    assert where(error_of(LOL, max_nodes=1000)) == (4, 8)


def test_too_many_nodes_without_aliases(loader: type) -> None:
    err = error_of(b"[" + b"1, " * 100 + b"]", max_nodes=50)
    assert err.message == "too many nodes (over 50); split the scenario into smaller files"
    assert where(err) == (1, 2 + 3 * 49)


def test_unknown_and_recursive_alias(loader: type) -> None:
    err = error_of(b"a: 1\nb: *nope\n")
    assert err.message == "unknown alias *nope (no &nope before it)"
    assert where(err) == (2, 4)
    err = error_of(b"a: &x [1, *x]\n")
    assert err.message.startswith("alias *x is inside the node it refers to")
    assert where(err) == (1, 11)


def test_duplicate_key_is_located_at_the_second(loader: type) -> None:
    raw = b"touchpoints:\n  - title: Call\n    id: t1\n    effects: {}\n    id: t2\n"
    err = error_of(raw)
    assert err.message == "duplicate key 'id' (first at line 3)"
    assert where(err) == (5, 5)
    assert where(error_of(b"{a: 1, b: 2, a: 3}")) == (1, 14)


@pytest.mark.parametrize(
    ("raw", "message", "pos"),
    [
        (b"? [a, b]\n: 1\n", "a mapping key must be plain text, not a list", (1, 3)),
        (b"? {a: b}\n: 1\n", "a mapping key must be plain text, not a mapping", (1, 3)),
        (b"x: &k 1\n*k : 2\n", "a mapping key must be plain text, not an alias (*k)", (2, 1)),
        (b"b: &b {a: 1}\nc:\n  <<: *b\n", "merge keys (<<) are not supported; write the keys out", (3, 3)),
        (b"a: 1\n? \n: v\n", "a mapping key is empty", (2, 2)),
    ],
)  # fmt: skip
def test_bad_keys(loader: type, raw: bytes, message: str, pos: tuple[int, int]) -> None:
    err = error_of(raw)
    assert (err.message, where(err)) == (message, pos)


@pytest.mark.parametrize(
    ("raw", "message", "pos"),
    [
        (b"a: !python/object:os.system ls\n", "tag !python/object:os.system is not allowed", (1, 4)),
        (b"a: !!python/name:os.system\n", "tag !!python/name:os.system is not allowed", (1, 4)),
        (b"a: !x {b: 1}\n", "tag !x is not allowed", (1, 4)),
        (b"- !!set [1]\n", "tag !!set is not allowed", (1, 3)),
        (b"!x k: 1\n", "tag !x is not allowed", (1, 1)),
        (b"!!python/name:os.system k: 1\n", "tag !!python/name:os.system is not allowed", (1, 1)),
        (b"!!seq k: 1\n", "tag !!seq cannot be used on a scalar", (1, 1)),
        (b"a: !!int abc\n", "'abc' is not a valid !!int value", (1, 4)),
        (b"a: !!bool yes\n", "'yes' is not a valid !!bool value", (1, 4)),
        (b"a: !!seq x\n", "tag !!seq cannot be used on a scalar", (1, 4)),
        (b"a: !!str [1]\n", "tag !!str cannot be used on a list", (1, 4)),
        (b"a: !!seq {b: 1}\n", "tag !!seq cannot be used on a mapping", (1, 4)),
    ],
)
def test_tags(loader: type, raw: bytes, message: str, pos: tuple[int, int]) -> None:
    err = error_of(raw)
    assert (err.message, where(err)) == (message, pos)


def test_standard_tags_are_fine(loader: type) -> None:
    raw = b'a: !!str 12\nb: !!int "12"\nc: !!float 1\nd: !!bool "true"\ne: !!null ""\nf: ! 12\ng: !!map {}\n'
    assert load_yaml(raw).data == {"a": "12", "b": 12, "c": 1.0, "d": True, "e": None, "f": "12", "g": {}}


def test_number_too_long_for_int_is_an_error(loader: type) -> None:
    err = error_of(b"a: " + b"9" * 5000 + b"\n")
    assert err.message == "number is too long (5000 digits)"
    assert where(err) == (1, 4)


# --------------------------------------------------------------------------- good input


CORE_SCHEMA = [
    ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("Yes", "Yes"), ("y", "y"),
    ("0", 0), ("12", 12), ("-12", -12), ("+12", 12), ("012", 12), ("0o17", 15), ("0x1F", 31), ("0x1f", 31),
    ("1.5", 1.5), ("-2e3", -2000.0), ("1e3", 1000.0), (".5", 0.5), ("1.", 1.0), ("+1.5E-2", 0.015),
    (".inf", math.inf), (".Inf", math.inf), ("+.inf", math.inf), ("-.inf", -math.inf), ("-.INF", -math.inf),
    ("1_000", "1_000"), ("0b101", "0b101"), ("0o8", "0o8"), ("0X1F", "0X1F"), ("1:30", "1:30"),
    ("2024-01-31", "2024-01-31"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("inf", "inf"), ("nan", "nan"), ("+", "+"), ("1e", "1e"), ("12abc", "12abc"), ("--1", "--1"),
    ("hello world", "hello world"), ("¥100", "¥100"), ("１２", "１２"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CORE_SCHEMA)
def test_plain_scalars_resolve_by_the_yaml_1_2_core_schema(loader: type, text: str, expected: object) -> None:
    value = load_yaml(f"v: {text}\n".encode()).data["v"]
    assert type(value) is type(expected)
    assert value == expected


def test_nan_and_quoted_and_block_scalars(loader: type) -> None:
    data = load_yaml(b"n: .nan\nq: 'true'\nd: \"12\"\nb: |\n  12\nf: >-\n  no\n").data
    assert math.isnan(data["n"])
    assert data == {"n": data["n"], "q": "true", "d": "12", "b": "12\n", "f": "no"}


def test_keys_are_always_the_raw_text(loader: type) -> None:
    data = load_yaml(b"no: a\n1: b\ntrue: c\nnull: d\n~: e\n'x': f\n0x10: g\n").data
    assert list(data) == ["no", "1", "true", "null", "~", "x", "0x10"]


def test_bom_and_crlf_are_accepted_with_correct_positions(loader: type) -> None:
    raw = b"\xef\xbb\xbfname: Demo\r\nitems:\r\n  - 1\r\n  - two words\r\nlast: end\r\n"
    doc = load_yaml(raw)
    assert doc.data == {"name": "Demo", "items": [1, "two words"], "last": "end"}
    assert doc.key_pos[("name",)] == (1, 1)
    assert doc.value_pos[("name",)] == (1, 7)
    assert doc.key_pos[("items",)] == (2, 1)
    assert doc.value_pos[("items", 1)] == (4, 5)
    assert doc.key_pos[("last",)] == (5, 1)


NESTED = b"""\
# A scenario
title: Discovery
touchpoints:
  - id: t1
    actions:
      - id: ask
        effects: {trust: +1, budget: -0.5}
      - id: pitch
        efects:
          trust: -2
  - id: t2
    actions: []
"""


def test_positions_of_keys_and_values_in_a_nested_document(loader: type) -> None:
    doc = load_yaml(NESTED)
    assert doc.data["touchpoints"][0]["actions"][0]["effects"] == {"trust": 1, "budget": -0.5}
    assert doc.value_pos[()] == (2, 1)
    assert doc.key_pos[("title",)] == (2, 1)
    assert doc.value_pos[("title",)] == (2, 8)
    assert doc.value_pos[("touchpoints",)] == (4, 3)
    assert doc.value_pos[("touchpoints", 0)] == (4, 5)
    assert doc.key_pos[("touchpoints", 0, "id")] == (4, 5)
    assert doc.value_pos[("touchpoints", 0, "actions", 0)] == (6, 9)
    assert doc.key_pos[("touchpoints", 0, "actions", 0, "effects")] == (7, 9)
    assert doc.value_pos[("touchpoints", 0, "actions", 0, "effects")] == (7, 18)
    assert doc.key_pos[("touchpoints", 0, "actions", 0, "effects", "budget")] == (7, 30)
    assert doc.value_pos[("touchpoints", 0, "actions", 0, "effects", "budget")] == (7, 38)
    assert doc.key_pos[("touchpoints", 0, "actions", 1, "efects")] == (9, 9)
    assert doc.value_pos[("touchpoints", 0, "actions", 1, "efects", "trust")] == (10, 18)
    assert doc.value_pos[("touchpoints", 1, "actions")] == (12, 14)
    assert ("touchpoints", 0) not in doc.key_pos  # list items have no key


def test_locate_prefers_and_falls_back(loader: type) -> None:
    doc = load_yaml(NESTED)
    path = ("touchpoints", 0, "actions", 1, "efects")
    assert doc.locate(path, prefer="key") == (9, 9)
    assert doc.locate(path) == (10, 11)
    assert doc.locate(("touchpoints", 0, "id"), prefer="key") == (4, 5)
    assert doc.locate(("touchpoints", 0), prefer="key") == (4, 5)  # no key: use the value
    # Unknown tails fall back to the longest known prefix, then the root.
    assert doc.locate(("touchpoints", 0, "actions", 7, "id")) == (6, 7)
    assert doc.locate(("touchpoints", 1, "stage"), prefer="key") == (11, 5)
    assert doc.locate(("nothing", "here")) == (2, 1)
    assert Located(data=None, key_pos={}, value_pos={}).locate(("a",)) == (1, 1)


def test_anchor_and_alias_used_legitimately(loader: type) -> None:
    raw = b"defaults: &d\n  trust: 1\n  tags: [a, b]\nfirst: *d\nsecond: *d\nname: &n Alice\nboss: *n\n"
    doc = load_yaml(raw)
    data = doc.data
    assert data["first"] == {"trust": 1, "tags": ["a", "b"]}
    assert data["first"] is data["defaults"] and data["second"] is data["defaults"]  # shared, not copied
    assert data["boss"] == "Alice"
    assert doc.value_pos[("second",)] == (5, 9)
    # Paths inside an alias are not recorded; locate() points at the alias itself.
    assert ("second", "trust") not in doc.value_pos
    assert doc.locate(("second", "trust")) == (5, 9)


def test_root_may_be_any_node(loader: type) -> None:
    assert load_yaml(b"- 1\n- x\n").data == [1, "x"]
    assert load_yaml(b"just text\n").data == "just text"
    assert load_yaml(b"--- 42\n").value_pos[()] == (1, 5)


def test_a_1mb_scenario_loads_quickly(loader: type) -> None:
    """Timing is printed, not asserted (CI machines vary); with libyaml expect well under 0.5 s."""
    chunks = ["version: 1\ntouchpoints:\n"]
    size = len(chunks[0])
    count = 0
    while size < 1_000_000:
        chunk = (
            f"  - id: tp{count}\n    stage: need_identification\n    title: 'Discovery call {count}'\n"
            f"    cost: {count % 7}.5\n    optional: false\n    actions:\n"
        ) + "".join(
            f"      - id: a{count}_{j}\n        label: Ask about pain point {j}\n        effects:\n"
            f"          trust: +{j}\n          budget: -0.25\n          note: ~\n"
            for j in range(3)
        )
        chunks.append(chunk)
        size += len(chunk)
        count += 1
    raw = "".join(chunks).encode()
    started = time.perf_counter()
    doc = load_yaml(raw)
    elapsed = time.perf_counter() - started
    print(f"\n{len(raw) / 1e6:.2f} MB scenario with {loader.__name__}: {elapsed:.3f} s")
    assert len(doc.data["touchpoints"]) == count
    last = doc.data["touchpoints"][-1]
    assert last["actions"][2]["effects"] == {"trust": 2, "budget": -0.25, "note": None}
    assert last["optional"] is False and last["title"] == f"Discovery call {count - 1}"


# --------------------------------------------------------------------------- anything in, SourceError out


def each_loader() -> Iterator[type]:
    saved = yamlsource._LOADER
    try:
        for cls in LOADERS:
            yamlsource._LOADER = cls
            yield cls
    finally:
        yamlsource._LOADER = saved


def returns_or_raises_source_error(raw: bytes) -> None:
    for _ in each_loader():
        try:
            doc = load_yaml(raw)
        except SourceError as err:
            assert "\n" not in err.message
            assert not err.message.startswith("internal error"), err.message
            assert err.line >= 1 and err.column >= 1
        else:
            assert isinstance(doc, Located)
            assert () in doc.value_pos


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_return_or_raise_source_error(raw: bytes) -> None:
    returns_or_raises_source_error(raw)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_returns_or_raises_source_error(text: str) -> None:
    returns_or_raises_source_error(text.encode("utf-8", "surrogatepass"))


YAMLISH = st.text(
    alphabet=list("[]{}:-,?&*!|>'\"#%@`~ \n\t\r.0123456789abeEnoxyz<\\\ufeff\x85é"), max_size=80
)


@settings(max_examples=500, deadline=None)
@given(YAMLISH)
def test_yaml_looking_text_returns_or_raises_source_error(text: str) -> None:
    returns_or_raises_source_error(text.encode("utf-8"))


# --------------------------------------------------------------------------- plain words for parser errors


@pytest.mark.parametrize(
    ("raw", "pos", "start", "zh"),
    [
        # a tab in the indentation: libyaml and the pure-Python scanner word it differently, never "tab" alone
        (b"persona:\n\tcompany: Acme\n", (2, 1), "a tab character: YAML indents with spaces; replace the tab with "
         "spaces", "制表符（Tab）"),
        (b"persona:\n  company: Acme\n\t industry: Tools\n", (3, 1), "a tab character", "制表符"),
        # a list item without its '-'
        (b"stakeholders:\n  - id: a\n    name: A\n  id: b\n", (4, 3),
         "this line is lined up with the list that starts at line 2, but does not start with '-': put '- ' in "
         "front of it to start a new item, or indent it", "没有以“-”开头"),
        # a key indented one space too far
        (b"persona:\n  company: Acme\n   industry: Tools\n", (3, 4),
         "this line is indented more than the line above it (line 2)", "缩进得多"),
        # a key indented less than its neighbours
        (b"persona:\n    company: Acme\n  industry: Tools\n", (3, 3),
         "this line's indentation matches no key above it: line it up exactly with the keys it belongs with",
         "对不齐"),
        # a ': ' inside an unquoted text
        (b"label: Note: this is it\n", (1, 8),
         'a \': \' inside a text makes YAML read a new key here: put the whole text in quotes, e.g. label: "Note: '
         'this is it"', "放进引号里"),
        # a list item where a key was expected
        (b"persona:\n  company: Acme\n  - Tools\n", (3, 3), "a '- ' list item where a key was expected", "列表项"),
        # text after a closing quote
        (b'title: "Mini" case\n', (1, 15), "text goes on after the closing quote", "引号结束后"),
        # no space after the colon
        (b"id: mini\ntitle:Mini\n", (2, 1), "put a space after the ':' in 'title:Mini'", "冒号后面要有一个空格"),
        # a '{' that is not closed
        (b"title: {en: Hello\nid: x\n", (2, 3), "the '{' that starts at line 1 is not closed", "没有闭合"),
        # a text that starts with a sign YAML reserves
        (b"title: @home\n", (1, 8), "a text cannot start with '@' unless it is in quotes", "加引号"),
    ],
)
def test_parser_errors_say_what_is_likely_wrong(loader: type, raw: bytes, pos: tuple[int, int], start: str,
                                                zh: str) -> None:
    err = error_of(raw)
    assert err.message.startswith("not valid YAML: " + start), err.message
    assert where(err) == pos
    assert err.message.zh.startswith("YAML 格式错误：") and zh in err.message.zh
    for jargon in ("token", "indicator", "block end", "mapping values", "simple key", "<"):
        assert jargon not in err.message


def test_a_parser_error_without_a_known_cause_keeps_the_parsers_words_in_both_languages(loader: type) -> None:
    err = error_of(b"a: !x!y b\n")  # an undefined tag handle: rare enough to keep the parser's words
    assert err.message.startswith("not valid YAML: found undefined tag handle")
    assert err.message.zh.startswith("YAML 格式错误")


def test_duplicate_keys_can_be_collected_keeping_the_first(loader: type) -> None:
    doc = load_yaml(b"a: 1\nb: {x: 1}\na: [1, {q: 2}]\nc: 3\n", duplicates="collect")
    assert doc.data == {"a": 1, "b": {"x": 1}, "c": 3}
    (dup,) = doc.problems
    assert (dup.message, where(dup)) == ("duplicate key 'a' (first at line 1); the first is kept", (3, 1))
    assert doc.value_pos[("c",)] == (4, 4)  # what follows the duplicate is read as usual


def test_positions_are_stored_packed_and_read_as_pairs() -> None:
    doc = load_yaml(b"a:\n  - {b: 1}\n")
    assert doc.value_pos[("a", 0, "b")] == (2, 9) and doc.key_pos.get(("a",)) == (1, 1)
    assert dict(doc.value_pos.items())[("a", 0)] == (2, 5)
    assert all(isinstance(v, int) for v in dict.values(doc.value_pos))
