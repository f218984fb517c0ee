"""Tests for sim.lang.expr, the condition language trainers write in scenario files.

Errors must point at the right character (trainers fix files by hand), and compiled closures must
agree exactly with a plain Python evaluation of the same tree (the engine trusts them blindly).
"""

from __future__ import annotations

import itertools
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.lang import expr
from sim.lang.expr import MAX_DEPTH, MAX_LENGTH, ExprError, Symbols, compile_condition, names_in, parse, unparse

# ------------------------------------------------------------------------------------------ fixtures

STAKEHOLDERS = {"wang_cfo", "li_cto", "zhao_ceo"}


def _get(key: str) -> Any:
    return lambda s: s[key]


SYMS = Symbols(
    names={
        "pain_acknowledged": ("bool", _get("pain_acknowledged")),
        "budget_frozen": ("bool", _get("budget_frozen")),
        "a": ("bool", _get("a")),
        "b": ("bool", _get("b")),
        "c": ("bool", _get("c")),
        "info": ("num", _get("info")),
        "days_left": ("num", _get("days_left")),
        "consensus": ("num", _get("consensus")),
        "competitor": ("num", _get("competitor")),
    },
    functions={
        "trust": ("num", STAKEHOLDERS, lambda s, who: s["trust"][who]),
        "met": ("bool", STAKEHOLDERS, lambda s, who: who in s["met"]),
    },
    arg_nouns={"trust": "stakeholder", "met": "stakeholder"},
)


def state(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "pain_acknowledged": True,
        "budget_frozen": False,
        "a": False,
        "b": False,
        "c": False,
        "info": 45,
        "days_left": 20,
        "consensus": 70,
        "competitor": 55.5,
        "trust": {"wang_cfo": 60, "li_cto": 20.5, "zhao_ceo": 0},
        "met": {"wang_cfo"},
    }
    base.update(overrides)
    return base


def run(text: str, **overrides: Any) -> bool:
    return compile_condition(text, SYMS)(state(**overrides))


def error_of(text: str, symbols: Symbols = SYMS) -> ExprError:
    with pytest.raises(ExprError) as info:
        compile_condition(text, symbols)
    return info.value


# ------------------------------------------------------------------------------------- valid input


@pytest.mark.parametrize(
    ("text", "overrides", "expected"),
    [
        ("pain_acknowledged and info >= 40", {}, True),
        ("pain_acknowledged and info >= 40", {"info": 39.5}, False),
        ("pain_acknowledged and info >= 40", {"pain_acknowledged": False}, False),
        ("trust(wang_cfo) >= 50 or not budget_frozen", {}, True),
        ("trust(wang_cfo) >= 50 or not budget_frozen", {"budget_frozen": True}, True),
        ("trust(li_cto) >= 50 or not budget_frozen", {"budget_frozen": True}, False),
        ("days_left < 14", {}, False),
        ("days_left < 14", {"days_left": 13}, True),
        ("consensus - competitor > 10", {}, True),
        ("consensus - competitor > 10", {"competitor": 60}, False),
        ("met(wang_cfo) and not met(li_cto)", {}, True),
        ("true", {}, True),
        ("false", {}, False),
        ("  \t\n info\n>=\t45  ", {}, True),
        ("info\u3000>= 45", {}, True),  # ideographic space from a Chinese input method
    ],
)
def test_examples(text: str, overrides: dict[str, Any], expected: bool) -> None:
    assert run(text, **overrides) is expected


@pytest.mark.parametrize(
    ("text", "grouped"),
    [
        ("not a and b or c", "(((not a) and b) or c)"),
        ("a or b and c", "(a or (b and c))"),
        ("a and b and c or a", "((a and b and c) or a)"),
        ("not not a", "(not (not a))"),
        ("not a == b", "(not (a == b))"),
        ("not info > 3", "(not (info > 3))"),
        ("1 - 2 - 3 < 0", "(((1 - 2) - 3) < 0)"),
        ("-info + 5 >= 0", "(((-info) + 5) >= 0)"),
        ("- - info == info", "((-(-info)) == info)"),
        ("consensus - (competitor - 1) > 0", "((consensus - (competitor - 1)) > 0)"),
        ("(a or b) and c", "((a or b) and c)"),
        ("trust(wang_cfo) >= 0.5", "(trust(wang_cfo) >= 0.5)"),
    ],
)
def test_precedence_and_grouping(text: str, grouped: str) -> None:
    assert unparse(parse(text)) == grouped


def test_precedence_truth_table() -> None:
    f = compile_condition("not a and b or c", SYMS)
    g = compile_condition("a or b and c", SYMS)
    for a, b, c in itertools.product([False, True], repeat=3):
        s = state(a=a, b=b, c=c)
        assert f(s) is (((not a) and b) or c)
        assert g(s) is (a or (b and c))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 - 2 - 3 == -4", True),
        ("-(-3) == 3", True),
        ("0.5 + 0.25 == 0.75", True),
        ("12.75 - 0.75 == 12", True),
        ("info + 5 == 50", True),
        ("info - 50 == -5", True),
        ("-info < 0", True),
        ("info + info + info + info + info + info == 270", True),  # long chain (loop path)
        ("1 + 1 + 1 + 1 + 1 + 1 + info == 51", True),
        ("0 - info - 1 - 1 - 1 - 1 - 1 == -50", True),
        ("1 + 2 + 3 + 4 + 5 + 6 == 21", True),  # folded at compile time
        ("competitor + 0.5 == 56", True),
        ("1000000000000000 - 1 == 999999999999999", True),
        ("trust(li_cto) + trust(wang_cfo) == 80.5", True),
    ],
)
def test_arithmetic(text: str, expected: bool) -> None:
    assert run(text) is expected


@pytest.mark.parametrize(
    ("op", "left", "right"),
    list(itertools.product(["<", "<=", ">", ">=", "==", "!="], [-1, 0, 2.5, 45], [-1, 0, 2.5, 45])),
)
def test_comparisons(op: str, left: float, right: float) -> None:
    python = {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op]
    syms = Symbols(names={"x": ("num", _get("x")), "y": ("num", _get("y"))})
    s = {"x": left, "y": right}
    r_lit = str(right) if right >= 0 else f"({right})"
    l_lit = str(left) if left >= 0 else f"({left})"
    assert compile_condition(f"x {op} y", syms)(s) is python
    assert compile_condition(f"x {op} {r_lit}", syms)(s) is python
    assert compile_condition(f"{l_lit} {op} y", syms)(s) is python
    assert compile_condition(f"{l_lit} {op} {r_lit}", syms)(s) is python


def test_booleans_compare_by_value() -> None:
    for a, b in itertools.product([False, True], repeat=2):
        assert run("a == b", a=a, b=b) is (a == b)
        assert run("a != b", a=a, b=b) is (a != b)
        assert run("(a and b) == (not a or b)", a=a, b=b) is ((a and b) == ((not a) or b))
    assert run("true == true") and run("true != false") and not run("false == true")
    assert run("(info > 3) == true")


def test_constants_fold_and_still_type_check() -> None:
    assert run("false and info > 1000") is False
    assert run("true or info > 1000") is True
    assert run("true and a", a=True) is True
    assert run("false or a", a=False) is False
    assert run("not (1 > 2)") is True
    # A constant decides the result, but a type error elsewhere is still reported.
    assert "is a number" in error_of("false and info").message


def test_many_and_or_items() -> None:
    five_and = "a and b and c and pain_acknowledged and met(wang_cfo)"
    five_or = "a or b or c or budget_frozen or met(li_cto)"
    assert run(five_and, a=True, b=True, c=True) is True
    assert run(five_and, a=True, b=True, c=False) is False
    assert run(five_or) is False
    assert run(five_or, c=True) is True
    assert run("a and b and c", a=True, b=True, c=True) is True
    assert run("a or b or c", c=True) is True


def test_getters_are_bound_at_compile_time() -> None:
    calls: list[str] = []
    names = {"x": ("num", lambda s: calls.append("x") or s)}
    syms = Symbols(names=names)
    f = compile_condition("x > 3", syms)
    names.clear()  # the table is gone; the closure must not need it
    assert f(5) is True
    assert calls == ["x"]


def test_root_is_a_plain_callable_returning_bool() -> None:
    f = compile_condition("pain_acknowledged", SYMS)
    assert f(state()) is True
    assert compile_condition("1 < 2", SYMS)(None) is True


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "fragment", "offset"),
    [
        ("", "empty", 0),
        ("   \n ", "empty", 0),
        ("info >=", "ends too early", 7),
        ("info >= 40 and", "a value is missing after 'and'", 14),
        ("(info > 3", "never closed", 0),
        ("a and (b or (c)", "never closed", 6),
        ("info > 3)", "unmatched ')'", 8),
        ("a b", "after a complete condition", 2),
        ("a < b < c", "cannot be chained", 6),
        ("1 == 1 != true", "cannot be chained", 7),
        ("info = 40", "'=='", 5),
        ("info => 40", "write '>='", 5),
        ("a && b", "use 'and'", 2),
        ("a || b", "use 'or'", 2),
        ("!a", "use 'not'", 0),
        ("info * 2 > 1", "only '+' and '-'", 5),
        ("info > .5", "0.5", 7),
        ("info > 5.", "digits after '.'", 8),
        ("info > 1.2.3", "neither a number nor a name", 7),
        ("info > 40abc", "neither a number nor a name", 7),
        ("name == 'wang'", "no text values", 8),
        ("a and #b", "unexpected character '#'", 6),
        ("（a）", "type '('", 0),
        ("a and café", "ASCII", 9),
        ("trust() > 1", "needs a name", 6),
        ("trust(5) > 1", "must be a name", 6),
        ("trust(wang_cfo li_cto) > 1", "expected ')'", 15),
        ("trust(wang_cfo, li_cto) > 1", "exactly one name", 14),
        ("a AND b", "write 'and'", 2),
        ("NOT a", "write 'not'", 0),
        ("a < > b", "expected a name", 4),
        ("(a or b c)", "expected ')'", 8),
        ("info < 1000000000000001", "too large", 7),
        ("info + " + "9" * 400 + " + 0.5 > 0", "too large", 7),
        ("info < 1000000000000000.5", "too large", 7),
        ("a and or b", "found 'or'", 6),
    ],
)
def test_syntax_errors(text: str, fragment: str, offset: int) -> None:
    err = error_of(text)
    assert fragment in err.message
    assert err.offset == offset, err.message
    # parse() alone reports the same syntax errors as compile_condition().
    with pytest.raises(ExprError) as info:
        parse(text)
    assert (info.value.message, info.value.offset) == (err.message, err.offset)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        (
            "pain_acknowlegded and info >= 40",
            "unknown name 'pain_acknowlegded' (did you mean 'pain_acknowledged'?)",
            0,
        ),
        ("info >= 40 and budjet_frozen", "unknown name 'budjet_frozen' (did you mean 'budget_frozen'?)", 15),
        ("Info > 3", "unknown name 'Info' (did you mean 'info'?)", 0),
        ("True", "unknown name 'True' (did you mean 'true'?)", 0),
        ("xyzzy", "unknown name 'xyzzy'", 0),
        ("trust(wang) >= 50", "trust() of unknown stakeholder 'wang' (did you mean 'wang_cfo'?)", 6),
        ("met(zhao)", "met() of unknown stakeholder 'zhao' (did you mean 'zhao_ceo'?)", 4),
        ("trust(nobody_at_all) > 1", "trust() of unknown stakeholder 'nobody_at_all'", 6),
        ("trsut(wang_cfo) > 1", "unknown function 'trsut' (did you mean 'trust'?)", 0),
        ("frobnicate(wang_cfo)", "unknown function 'frobnicate'", 0),
        ("a or NOT(b)", "keywords are lowercase: write 'not' instead of 'NOT'", 5),
        ("trust > 3", "'trust' is a function; write trust(...) with a name inside", 0),
        ("info(wang_cfo) > 3", "'info' is not a function; it cannot take '(wang_cfo)'", 0),
    ],
)
def test_name_errors(text: str, message: str, offset: int) -> None:
    err = error_of(text)
    assert err.message == message
    assert err.offset == offset


def test_unknown_argument_noun_defaults_to_argument() -> None:
    syms = Symbols(functions={"stage": ("num", ["qualify", "propose"], lambda s, a: 0)})
    err = error_of("stage(qualfy) > 0", syms)
    assert err.message == "stage() of unknown argument 'qualfy' (did you mean 'qualify'?)"
    assert err.offset == 6


@pytest.mark.parametrize(
    ("text", "fragment", "offset"),
    [
        ("info", "'info' is a number; use a comparison such as info >= 50", 0),
        ("a and info", "'info' is a number", 6),
        ("not days_left", "'days_left' is a number", 4),
        ("trust(wang_cfo) or a", "'trust(wang_cfo)' is a number", 0),
        ("consensus - competitor", "'consensus - competitor' is a number", 0),
        ("40", "'40' is a number, but a condition", 0),
        ("pain_acknowledged > 1", "'pain_acknowledged' is true/false, not a number", 0),
        ("info + a > 1", "cannot be used with '+'", 7),
        ("-a", "cannot be used with '-'", 1),
        ("1 < met(li_cto)", "'met(li_cto)' is true/false", 4),
        ("(a or b) + 1 > 0", "'a or b' is true/false", 1),
        ("info == true", "'==' needs two things of the same kind", 5),
        ("a != 3", "'!=' needs two things of the same kind", 2),
    ],
)
def test_type_errors(text: str, fragment: str, offset: int) -> None:
    err = error_of(text)
    assert fragment in err.message
    assert err.offset == offset


def test_leftmost_error_wins() -> None:
    assert error_of("info and bogus").offset == 0
    assert error_of("bogus and info").message.startswith("unknown name 'bogus'")
    assert error_of("a and bogus $").offset == 12  # syntax is checked before names


def test_length_limit() -> None:
    ok = "a or " * ((MAX_LENGTH - 1) // 5) + "a"
    ok = ok + " " * (MAX_LENGTH - len(ok))
    assert len(ok) == MAX_LENGTH
    assert compile_condition(ok, SYMS)(state()) is False
    err = error_of(ok + " ")
    assert "too long" in err.message
    assert err.offset == MAX_LENGTH


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("(", ")"), ("not ", ""), ("-", "")],
)
def test_depth_limit(opener: str, closer: str) -> None:
    leaf = "a" if opener == "not " else "info"
    tail = "" if opener == "not " else " < 1"
    ok = opener * MAX_DEPTH + leaf + closer * MAX_DEPTH + tail
    compile_condition(ok, SYMS)
    too_deep = opener * (MAX_DEPTH + 1) + leaf + closer * (MAX_DEPTH + 1) + tail
    err = error_of(too_deep)
    assert "nested too deeply" in err.message
    assert err.offset == len(opener) * MAX_DEPTH


def test_mixed_nesting_counts_together() -> None:
    err = error_of("(not -" * 11 + "info" + ")" * 11)
    assert "nested too deeply" in err.message


def test_long_flat_chains_do_not_recurse() -> None:
    # Flat chains are not "nesting"; they must work right up to the length limit.
    text = "+".join(["info"] * 99) + " > 0"
    assert len(text) <= MAX_LENGTH
    assert run(text) is True
    assert run("1" + "-1" * 240 + " < 0") is True
    assert run(" and ".join(["a"] * 80), a=True) is True


def test_error_object() -> None:
    err = error_of("info >= 40 and budjet_frozen")
    assert str(err) == f"{err.message} (at column 16)"
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.message, clone.offset) == (err.message, err.offset)
    assert err.pointer("info >= 40 and budjet_frozen") == ("info >= 40 and budjet_frozen\n" + " " * 15 + "^")
    # Wide characters take two columns; only the offending line is shown.
    wide = ExprError("x", 3)
    assert wide.pointer("（a）b") == "（a）b\n" + " " * 5 + "^"
    assert ExprError("x", 6).pointer("a and\nb $ c") == "b $ c\n^"
    assert ExprError("m").offset == 0


def test_symbols_reject_bad_types() -> None:
    with pytest.raises(ValueError, match="expected 'bool' or 'num'"):
        Symbols(names={"x": ("int", _get("x"))})
    with pytest.raises(ValueError, match="expected 'bool' or 'num'"):
        Symbols(functions={"f": ("str", [], lambda s, a: a)})


def test_parse_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        parse(42)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ names_in


def test_names_in() -> None:
    assert names_in("pain_acknowledged and info >= 40") == {"pain_acknowledged", "info"}
    assert names_in("trust(wang_cfo) >= 50 or not budget_frozen") == {"wang_cfo", "budget_frozen"}
    assert names_in("-(x + y - z) < w and (p == q)") == {"x", "y", "z", "w", "p", "q"}
    assert names_in("true or 1 < 2") == set()
    assert names_in("unknown_is_fine") == {"unknown_is_fine"}  # no Symbols needed
    with pytest.raises(ExprError):
        names_in("a <")


def test_module_never_evaluates_text() -> None:
    source = Path(expr.__file__).read_text(encoding="utf-8")
    assert not re.search(r"(?<![\w.])(eval|exec|compile)\s*\(", source)
    assert not re.search(r"^\s*(import|from)\s+ast\b", source, re.MULTILINE)


# ---------------------------------------------------------------------------------------- properties

_TOKENS = [
    "a", "b", "info", "trust", "met", "wang_cfo", "wang", "xyz", "and", "or", "not", "true",
    "false", "AND", "True", "(", ")", "<", "<=", ">", ">=", "==", "!=", "=", "+", "-", "0",
    "40", "0.5", "12.", ".5", "1.2.3", "9a", ",", "!", "（", "é", "\u3000", "\n",
]  # fmt: skip


@settings(max_examples=400)
@given(st.one_of(st.text(), st.text(max_size=600), st.lists(st.sampled_from(_TOKENS)).map(" ".join)))
def test_any_text_compiles_or_raises_expr_error(text: str) -> None:
    _compiles_or_raises_expr_error(text)


def _compiles_or_raises_expr_error(text: str) -> None:
    try:
        f = compile_condition(text, SYMS)
    except ExprError as err:
        assert isinstance(err.message, str) and err.message
        assert 0 <= err.offset <= max(len(text), MAX_LENGTH)
        return
    assert callable(f)
    assert isinstance(f(state()), bool)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_glued_tokens_compile_or_raise_expr_error(text: str) -> None:
    _compiles_or_raises_expr_error(text)


# Random well-typed trees, as tuples, printed with full parentheses and also evaluated directly.
# Tree shapes: ("lit", text, value), ("var", name), ("call", fn, arg), ("neg", t), ("not", t),
# (op, left, right) for + - < <= > >= == != and or.

NUM_VARS = ["x", "y", "z"]
BOOL_VARS = ["p", "q", "r"]
ARGS = ["k1", "k2"]

PROP_SYMS = Symbols(
    names={
        **{n: ("num", _get(n)) for n in NUM_VARS},
        **{n: ("bool", _get(n)) for n in BOOL_VARS},
    },
    functions={
        "f": ("num", ARGS, lambda s, arg: s["f"][arg]),
        "g": ("bool", ARGS, lambda s, arg: s["g"][arg]),
    },
)

_num_literal = st.one_of(
    st.integers(0, 10**6).map(lambda i: ("lit", str(i), i)),
    st.tuples(st.integers(0, 9999), st.integers(0, 999)).map(
        lambda t: ("lit", f"{t[0]}.{t[1]:03d}", float(f"{t[0]}.{t[1]:03d}"))
    ),
)
_num_leaf = st.one_of(
    _num_literal,
    st.sampled_from(NUM_VARS).map(lambda n: ("var", n)),
    st.sampled_from(ARGS).map(lambda a: ("call", "f", a)),
)
_bool_leaf = st.one_of(
    st.sampled_from([("lit", "true", True), ("lit", "false", False)]),
    st.sampled_from(BOOL_VARS).map(lambda n: ("var", n)),
    st.sampled_from(ARGS).map(lambda a: ("call", "g", a)),
)


def _levels(depth: int) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    num, boolean = _num_leaf, _bool_leaf
    for _ in range(depth):
        sub_num, sub_bool = num, boolean
        num = st.one_of(
            _num_leaf,
            st.tuples(st.just("neg"), sub_num),
            st.tuples(st.sampled_from(["+", "-"]), sub_num, sub_num),
        )
        boolean = st.one_of(
            _bool_leaf,
            st.tuples(st.just("not"), sub_bool),
            st.tuples(st.sampled_from(["and", "or"]), sub_bool, sub_bool),
            st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), sub_num, sub_num),
            st.tuples(st.sampled_from(["==", "!="]), sub_bool, sub_bool),
        )
    return num, boolean


_, BOOL_TREES = _levels(4)


def to_text(tree: tuple[Any, ...]) -> str:
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "var":
        return tree[1]
    if kind == "call":
        return f"{tree[1]}({tree[2]})"
    if kind == "neg":
        return f"(-{to_text(tree[1])})"
    if kind == "not":
        return f"(not {to_text(tree[1])})"
    return f"({to_text(tree[1])} {kind} {to_text(tree[2])})"


def evaluate(tree: tuple[Any, ...], env: dict[str, Any]) -> Any:
    kind = tree[0]
    if kind == "lit":
        return tree[2]
    if kind == "var":
        return env[tree[1]]
    if kind == "call":
        return env[tree[1]][tree[2]]
    if kind == "neg":
        return -evaluate(tree[1], env)
    if kind == "not":
        return not evaluate(tree[1], env)
    left, right = evaluate(tree[1], env), evaluate(tree[2], env)
    return {
        "+": lambda: left + right,
        "-": lambda: left - right,
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
        "==": lambda: left == right,
        "!=": lambda: left != right,
        "and": lambda: left and right,
        "or": lambda: left or right,
    }[kind]()


_number = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def environments(draw: st.DrawFn) -> dict[str, Any]:
    env: dict[str, Any] = {n: draw(_number) for n in NUM_VARS}
    env.update({n: draw(st.booleans()) for n in BOOL_VARS})
    env["f"] = {a: draw(_number) for a in ARGS}
    env["g"] = {a: draw(st.booleans()) for a in ARGS}
    return env


@settings(max_examples=500)
@given(BOOL_TREES, environments())
def test_compiled_trees_match_python(tree: tuple[Any, ...], env: dict[str, Any]) -> None:
    text = to_text(tree)
    assume(len(text) <= MAX_LENGTH)
    result = compile_condition(text, PROP_SYMS)(env)
    assert result == evaluate(tree, env)
    assert isinstance(result, bool)


@given(BOOL_TREES)
def test_parse_then_unparse_is_stable(tree: tuple[Any, ...]) -> None:
    # Grouping survives a round trip through the canonical printer (modulo number formatting).
    text = to_text(tree)
    assume(len(text) <= MAX_LENGTH and "." not in text)
    once = unparse(parse(text))
    assert unparse(parse(once)) == once
