"""The small, safe condition language of scenario files.

Scenario authors (sales trainers, not programmers) write conditions such as
``pain_acknowledged and info >= 40`` or ``trust(wang_cfo) >= 50 or not budget_frozen``.
Scenarios are data, so their text is never given to ``eval``/``exec``/``ast``: a hand-written
tokenizer and recursive-descent parser build a tiny AST, a type checker rejects mistakes at load
time with the character offset at fault and a "did you mean" hint, and the tree is compiled into
plain Python closures with every getter bound up front, because the engine evaluates conditions
thousands of times per second.

Grammar::

    expr    := or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | cmp
    cmp     := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?     # no chaining
    sum     := unary (('+' | '-') unary)*
    unary   := '-' unary | atom
    atom    := NUMBER | 'true' | 'false' | NAME | NAME '(' NAME ')' | '(' expr ')'
"""

from __future__ import annotations

import difflib
import operator
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from sim.lang.text import Bilingual, bilingual

__all__ = [
    "BOOL",
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NUMBER",
    "NUM",
    "And",
    "Bool",
    "Call",
    "Compare",
    "ExprError",
    "Name",
    "Neg",
    "Node",
    "Not",
    "Num",
    "Or",
    "Sum",
    "Symbols",
    "compile_condition",
    "names_in",
    "parse",
    "unparse",
]

MAX_LENGTH = 500
"""Longest condition accepted; longer text is almost certainly a mistake in the scenario file."""
MAX_DEPTH = 32
"""Deepest nesting of parentheses, ``not`` and unary ``-``; keeps the parser's recursion bounded."""
MAX_NUMBER = 10**15
"""Largest number literal: ints stay exact as floats, and huge ints cannot overflow float arithmetic."""

BOOL = "bool"
NUM = "num"
_TYPES = (BOOL, NUM)
KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_CMP_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_ORDER_OPS = frozenset({"<", "<=", ">", ">="})
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset("0123456789")
_NAME_CHARS = _ASCII_LETTERS | _DIGITS


class ExprError(Exception):
    """A problem in a condition, with the 0-based character offset where it is.

    Raised at load time so a trainer sees which character of which condition is wrong,
    instead of the engine failing mid-game.
    """

    message: str
    offset: int

    def __init__(self, message: str, offset: int = 0) -> None:
        # Both go into args so the error survives pickling (e.g. across dask workers).
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (at column {self.offset + 1})"

    def pointer(self, text: str) -> str:
        """The line of ``text`` holding the error and a caret under the offending character.

        Wide (CJK, full-width) characters count as two columns so the caret lines up in a terminal.
        """
        offset = max(0, min(self.offset, len(text)))
        start = text.rfind("\n", 0, offset) + 1
        stop = text.find("\n", offset)
        line = text[start : len(text) if stop < 0 else stop].replace("\t", " ").replace("\r", " ")
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text[start:offset])
        return f"{line}\n{' ' * width}^"


@dataclass(frozen=True)
class Symbols:
    """What a condition may name, and how the engine reads each at run time.

    ``names``: name -> (``'bool'`` or ``'num'``, getter(state)).
    ``functions``: function name -> (result type, the allowed argument names, getter(state, arg)).
    ``arg_nouns``: optional function name -> what its argument is called in error messages
    (e.g. ``{'trust': 'stakeholder'}`` gives "trust() of unknown stakeholder 'wang'").

    Getters of type ``'bool'`` must return real ``bool`` values: compiled conditions pass them
    through unchanged (no ``bool()`` wrapper) for speed.
    """

    names: Mapping[str, tuple[str, Callable[[Any], Any]]] = field(default_factory=dict)
    functions: Mapping[str, tuple[str, Collection[str], Callable[[Any, str], Any]]] = field(
        default_factory=dict
    )
    arg_nouns: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A wrong type tag is an engine bug; catch it when the table is built, not mid-game.
        for name, (typ, _get) in self.names.items():
            if typ not in _TYPES:
                raise ValueError(f"symbol {name!r} has type {typ!r}; expected 'bool' or 'num'")
        for name, (typ, _allowed, _get_of) in self.functions.items():
            if typ not in _TYPES:
                raise ValueError(f"function {name!r} has type {typ!r}; expected 'bool' or 'num'")


# --------------------------------------------------------------------------------------------- AST
# Every node keeps the [offset, end) span of its source so type errors can quote and point at it.


@dataclass(frozen=True, slots=True)
class Num:
    value: int | float
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    arg: str
    offset: int
    end: int
    arg_offset: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Sum:
    """``first (op term)*`` kept flat (not a left-deep tree) so long chains cannot exhaust the stack."""

    first: Node
    rest: tuple[tuple[str, Node], ...]
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node
    offset: int
    end: int
    op_offset: int


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]
    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]
    offset: int
    end: int


Node = Num | Bool | Name | Call | Not | Neg | Sum | Compare | And | Or


# ------------------------------------------------------------------------------------------- lexer


class _Tok(NamedTuple):
    kind: str  # 'num' | 'name' | 'kw' | 'op' | 'eof'
    text: str
    offset: int
    value: int | float | None = None


_CHAR_HINTS = {
    "=": Bilingual("use '==' to test whether two things are equal", "判断相等请用 '=='"),
    "!": Bilingual("use 'not' to negate, or '!=' for 'is not equal to'", "取反请用 'not'，“不等于”请用 '!='"),
    "&": Bilingual("use 'and' to join conditions", "连接条件请用 'and'"),
    "|": Bilingual("use 'or' to join conditions", "连接条件请用 'or'"),
    ",": Bilingual("join conditions with 'and' or 'or' (a function takes exactly one name, e.g. trust(wang_cfo))",
                   "请用 'and' 或 'or' 连接条件（函数只接受一个名称，例如 trust(wang_cfo)）"),
    ".": Bilingual("write decimals with a leading digit (0.5); names may use only letters, digits and '_'",
                   "小数前要写 0（如 0.5）；名称只能使用字母、数字和 '_'"),
    "*": Bilingual("only '+' and '-' are supported", "只支持 '+' 和 '-'"),
    "/": Bilingual("only '+' and '-' are supported", "只支持 '+' 和 '-'"),
    '"': Bilingual("there are no text values; write names without quotes", "条件里没有文本值；名称不要加引号"),
    "'": Bilingual("there are no text values; write names without quotes", "条件里没有文本值；名称不要加引号"),
}


def _describe(tok: _Tok) -> Bilingual:
    if tok.kind == "eof":
        return Bilingual("the end of the condition", "条件结尾")
    return Bilingual(f"'{tok.text}'", f"“{tok.text}”")


def _case_hint(word: str) -> Bilingual | None:
    """Trainers often type ``AND`` or ``True``; keywords are lowercase."""
    lower = word.lower()
    if word != lower and lower in KEYWORDS:
        return bilingual("keywords are lowercase: write '{lower}' instead of '{word}'",
                         "关键字要小写：请把 '{word}' 写成 '{lower}'", lower=lower, word=word)
    return None


class _Parser:
    """Recursive-descent parser over a lazily lexed token stream, so the leftmost error wins."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self.prev = _Tok("eof", "", 0)
        self.tok = self._lex()

    # -- lexing

    def _lex(self) -> _Tok:
        text, i, n = self.text, self.pos, len(self.text)
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            self.pos = n
            return _Tok("eof", "", n)
        c = text[i]
        if c in _DIGITS:
            return self._lex_number(i)
        if c in _ASCII_LETTERS:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            self.pos = j
            word = text[i:j]
            return _Tok("kw" if word in KEYWORDS else "name", word, i)
        two = text[i : i + 2]
        if two in _CMP_OPS:
            self.pos = i + 2
            return _Tok("op", two, i)
        if c in "<>+-()":
            self.pos = i + 1
            return _Tok("op", c, i)
        raise self._bad_char(i)

    def _lex_number(self, i: int) -> _Tok:
        text, n = self.text, len(self.text)
        j = i
        while j < n and text[j] in _DIGITS:
            j += 1
        is_float = False
        if j < n and text[j] == ".":
            if j + 1 < n and text[j + 1] in _DIGITS:
                is_float = True
                j += 1
                while j < n and text[j] in _DIGITS:
                    j += 1
            else:
                raise ExprError(bilingual("a number needs digits after '.', e.g. {n}.5",
                                          "小数点后需要数字，例如 {n}.5", n=text[i:j]), j)
        if j < n and (text[j] in _NAME_CHARS or text[j] == "."):
            k = j
            while k < n and (text[k] in _NAME_CHARS or text[k] == "."):
                k += 1
            raise ExprError(bilingual(
                "'{w}' is neither a number nor a name (names cannot start with a digit)",
                "“{w}”既不是数字也不是名称（名称不能以数字开头）", w=text[i:k]), i)
        self.pos = j
        literal = text[i:j]
        value = float(literal) if is_float else int(literal)
        if value > MAX_NUMBER:
            raise ExprError(bilingual("the number {n} is too large (the limit is {limit})",
                                      "数字 {n} 太大（上限为 {limit}）", n=literal, limit=f"{MAX_NUMBER:_}"), i)
        return _Tok("num", literal, i, value)

    def _bad_char(self, i: int) -> ExprError:
        text = self.text
        c = text[i]
        if c == "=" and text[i + 1 : i + 2] in ("<", ">"):
            return ExprError(bilingual("'{op}' is not an operator; write '{right}='",
                                       "“{op}”不是运算符；请写 '{right}='", op=text[i : i + 2], right=text[i + 1]), i)
        if c in _CHAR_HINTS:
            return ExprError(bilingual("unexpected {c}; {hint}", "意外的字符 {c}：{hint}", c=repr(c),
                                       hint=_CHAR_HINTS[c]), i)
        normal = unicodedata.normalize("NFKC", c)
        if normal != c and normal.isascii() and normal.isprintable():
            return ExprError(bilingual("{c} is not plain ASCII; type '{normal}' instead",
                                       "{c} 是全角或特殊字符，请改用半角的 '{normal}'", c=repr(c), normal=normal), i)
        if c.isalpha() or c.isdigit():
            return ExprError(bilingual("unexpected {c}; names may use only ASCII letters, digits and '_'",
                                       "意外的字符 {c}：名称只能使用英文字母、数字和 '_'", c=repr(c)), i)
        return ExprError(bilingual("unexpected character {c}", "意外的字符 {c}", c=repr(c)), i)

    # -- helpers

    def _advance(self) -> _Tok:
        tok = self.prev = self.tok
        self.tok = self._lex()
        return tok

    def _at(self, kind: str, text: str) -> bool:
        return self.tok.kind == kind and self.tok.text == text

    def _end(self) -> int:
        return self.prev.offset + len(self.prev.text)

    def _enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(bilingual(
                "the condition is nested too deeply (more than {n} levels of parentheses, 'not' and '-'); split it up",
                "条件嵌套太深（括号、'not' 和 '-' 超过 {n} 层）；请拆开写", n=MAX_DEPTH), tok.offset)

    # -- grammar

    def parse(self) -> Node:
        node = self._or()
        tok = self.tok
        if tok.kind != "eof":
            if tok.text == ")":
                raise ExprError(Bilingual("unmatched ')'", "多余的 ')'，没有与之配对的 '('"), tok.offset)
            # `a AND b` stops at 'AND'; `NOT a` stops at 'a' after reading 'NOT' as a name.
            for suspect in (tok, self.prev):
                hint = _case_hint(suspect.text) if suspect.kind == "name" else None
                if hint:
                    raise ExprError(hint, suspect.offset)
            raise ExprError(bilingual(
                "unexpected {tok} after a complete condition; join conditions with 'and' or 'or'",
                "完整的条件之后出现了意外的 {tok}；请用 'and' 或 'or' 连接条件", tok=_describe(tok)), tok.offset)
        return node

    def _or(self) -> Node:
        first = self._and()
        items = [first]
        while self._at("kw", "or"):
            self._advance()
            items.append(self._and())
        return first if len(items) == 1 else Or(tuple(items), first.offset, self._end())

    def _and(self) -> Node:
        first = self._not()
        items = [first]
        while self._at("kw", "and"):
            self._advance()
            items.append(self._not())
        return first if len(items) == 1 else And(tuple(items), first.offset, self._end())

    def _not(self) -> Node:
        if self._at("kw", "not"):
            tok = self._advance()
            self._enter(tok)
            operand = self._not()
            self.depth -= 1
            return Not(operand, tok.offset, self._end())
        return self._cmp()

    def _cmp(self) -> Node:
        left = self._sum()
        if self.tok.kind == "op" and self.tok.text in _CMP_OPS:
            op = self._advance()
            right = self._sum()
            if self.tok.kind == "op" and self.tok.text in _CMP_OPS:
                raise ExprError(Bilingual("comparisons cannot be chained; write e.g. 'a < b and b < c'",
                                          "比较不能连写；请写成例如 'a < b and b < c'"), self.tok.offset)
            return Compare(op.text, left, right, left.offset, self._end(), op.offset)
        return left

    def _sum(self) -> Node:
        first = self._unary()
        rest: list[tuple[str, Node]] = []
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self._advance()
            rest.append((op.text, self._unary()))
        return Sum(first, tuple(rest), first.offset, self._end()) if rest else first

    def _unary(self) -> Node:
        if self._at("op", "-"):
            tok = self._advance()
            self._enter(tok)
            operand = self._unary()
            self.depth -= 1
            return Neg(operand, tok.offset, self._end())
        return self._atom()

    def _atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self._advance()
            assert tok.value is not None
            return Num(tok.value, tok.offset, self._end())
        if tok.kind == "kw" and tok.text in ("true", "false"):
            self._advance()
            return Bool(tok.text == "true", tok.offset, self._end())
        if tok.kind == "name":
            self._advance()
            if self._at("op", "("):
                return self._call(tok)
            return Name(tok.text, tok.offset, self._end())
        if self._at("op", "("):
            self._advance()
            self._enter(tok)
            node = self._or()
            if not self._at("op", ")"):
                if self.tok.kind == "eof":
                    raise ExprError(Bilingual("this '(' is never closed; add a ')'", "这个 '(' 没有闭合；请补上 ')'"),
                                    tok.offset)
                raise ExprError(bilingual("expected ')' but found {tok}", "这里应为 ')'，却是 {tok}",
                                          tok=_describe(self.tok)), self.tok.offset)
            self._advance()
            self.depth -= 1
            return node
        if tok.kind == "eof":
            if self.prev.text:
                raise ExprError(bilingual("the condition ends too early; a value is missing after '{prev}'",
                                          "条件提前结束了：'{prev}' 之后缺少一个值", prev=self.prev.text), tok.offset)
            raise ExprError(Bilingual("the condition ends too early; a value is missing", "条件提前结束了：缺少一个值"),
                            tok.offset)
        raise ExprError(bilingual("expected a name, number, 'true', 'false' or '(' but found '{t}'",
                                  "这里应为名称、数字、'true'、'false' 或 '('，却是 '{t}'", t=tok.text), tok.offset)

    def _call(self, func: _Tok) -> Node:
        self._advance()  # '('
        arg = self.tok
        if arg.kind != "name":
            if self._at("op", ")"):
                raise ExprError(bilingual("{f}() needs a name inside the parentheses", "{f}() 的括号里需要一个名称",
                                          f=func.text), arg.offset)
            raise ExprError(bilingual("the argument of {f}() must be a name, not {arg}",
                                      "{f}() 的参数必须是名称，而不是 {arg}", f=func.text, arg=_describe(arg)),
                            arg.offset)
        self._advance()
        if not self._at("op", ")"):
            raise ExprError(bilingual("expected ')' to close {f}( but found {tok}",
                                      "这里应为 ')' 来闭合 {f}(，却是 {tok}", f=func.text, tok=_describe(self.tok)),
                            self.tok.offset)
        self._advance()
        return Call(func.text, arg.text, func.offset, self._end(), arg.offset)


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Node:
    return _Parser(text).parse()


def parse(text: str) -> Node:
    """Parse a condition into an AST of frozen dataclasses; raises ExprError on bad syntax.

    Parsing alone does not check names or types (that needs Symbols); see compile_condition.
    """
    if not isinstance(text, str):
        raise TypeError(f"a condition must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(bilingual("the condition is too long ({n} characters; the limit is {limit})",
                                  "条件太长（{n}个字符；上限为{limit}）", n=len(text), limit=MAX_LENGTH), MAX_LENGTH)
    if not text.strip():
        raise ExprError(Bilingual("the condition is empty", "条件是空的"), 0)
    return _parse_cached(text)


# ---------------------------------------------------------------------------------------- compiler
# A compiled node is (is_constant, value): a constant Python value, or a closure f(state).
# Specialised closures per operator and per constant side avoid generic dispatch at run time.

_Compiled = tuple[bool, Any]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "+": operator.add,
    "-": operator.sub,
}
_FF: dict[str, Callable[[Any, Any], Callable[[Any], Any]]] = {
    "<": lambda a, b: lambda s: a(s) < b(s),
    "<=": lambda a, b: lambda s: a(s) <= b(s),
    ">": lambda a, b: lambda s: a(s) > b(s),
    ">=": lambda a, b: lambda s: a(s) >= b(s),
    "==": lambda a, b: lambda s: a(s) == b(s),
    "!=": lambda a, b: lambda s: a(s) != b(s),
    "+": lambda a, b: lambda s: a(s) + b(s),
    "-": lambda a, b: lambda s: a(s) - b(s),
}
_FC: dict[str, Callable[[Any, Any], Callable[[Any], Any]]] = {
    "<": lambda a, c: lambda s: a(s) < c,
    "<=": lambda a, c: lambda s: a(s) <= c,
    ">": lambda a, c: lambda s: a(s) > c,
    ">=": lambda a, c: lambda s: a(s) >= c,
    "==": lambda a, c: lambda s: a(s) == c,
    "!=": lambda a, c: lambda s: a(s) != c,
    "+": lambda a, c: lambda s: a(s) + c,
    "-": lambda a, c: lambda s: a(s) - c,
}
_CF: dict[str, Callable[[Any, Any], Callable[[Any], Any]]] = {
    "<": lambda c, b: lambda s: c < b(s),
    "<=": lambda c, b: lambda s: c <= b(s),
    ">": lambda c, b: lambda s: c > b(s),
    ">=": lambda c, b: lambda s: c >= b(s),
    "==": lambda c, b: lambda s: c == b(s),
    "!=": lambda c, b: lambda s: c != b(s),
    "+": lambda c, b: lambda s: c + b(s),
    "-": lambda c, b: lambda s: c - b(s),
}


def _const(value: Any) -> Callable[[Any], Any]:
    return lambda s: value


def _as_fn(c: _Compiled) -> Callable[[Any], Any]:
    return _const(c[1]) if c[0] else c[1]


def _binary(op: str, left: _Compiled, right: _Compiled) -> _Compiled:
    (lc, lv), (rc, rv) = left, right
    if lc and rc:
        return True, _OPS[op](lv, rv)
    if lc:
        return False, _CF[op](lv, rv)
    if rc:
        return False, _FC[op](lv, rv)
    return False, _FF[op](lv, rv)


def _did_you_mean(word: str, candidates: Collection[str]) -> Bilingual:
    options = sorted(candidates)
    by_lower = {c.lower(): c for c in options}
    best = by_lower.get(word.lower())
    if best is None:
        close = difflib.get_close_matches(word, options, n=1)
        best = close[0] if close else None
    return bilingual(" (did you mean '{b}'?)", "（是不是 '{b}'？）", b=best) if best else Bilingual("", "")


def _kind(typ: str) -> Bilingual:
    return Bilingual("a number", "数字") if typ == NUM else Bilingual("true/false", "真/假值")


class _Compiler:
    """Type-checks and compiles in one left-to-right pass, so the leftmost mistake is reported."""

    def __init__(self, text: str, symbols: Symbols) -> None:
        self.text = text
        self.symbols = symbols

    def src(self, node: Node) -> str:
        return self.text[node.offset : node.end]

    def want_bool(self, node: Node) -> _Compiled:
        typ, compiled = self.build(node)
        if typ != BOOL:
            if isinstance(node, Num):
                msg = bilingual("'{x}' is a number, but a condition (true or false) is needed here",
                                "“{x}”是数字，但这里需要一个条件（真或假）", x=self.src(node))
            else:
                msg = bilingual("'{x}' is a number; use a comparison such as {x} >= 50",
                                "“{x}”是数字；请写成比较，例如 {x} >= 50", x=self.src(node))
            raise ExprError(msg, node.offset)
        return compiled

    def want_num(self, node: Node, op: str) -> _Compiled:
        typ, compiled = self.build(node)
        if typ != NUM:
            msg = bilingual("'{x}' is true/false, not a number, so it cannot be used with '{op}'",
                            "“{x}”是真/假值，不是数字，不能与 '{op}' 一起用", x=self.src(node), op=op)
            if isinstance(node, Name | Call):
                msg += bilingual("; test it directly, e.g. '{x}' or 'not {x}'", "；请直接判断，例如 '{x}' 或 'not {x}'",
                                 x=self.src(node))
            raise ExprError(msg, node.offset)
        return compiled

    def build(self, node: Node) -> tuple[str, _Compiled]:
        match node:
            case Num(value=value):
                return NUM, (True, value)
            case Bool(value=value):
                return BOOL, (True, value)
            case Name():
                return self._name(node)
            case Call():
                return self._call(node)
            case Not(operand=operand):
                is_const, v = self.want_bool(operand)
                if is_const:
                    return BOOL, (True, not v)
                return BOOL, (False, lambda s: not v(s))
            case Neg(operand=operand):
                is_const, v = self.want_num(operand, "-")
                if is_const:
                    return NUM, (True, -v)
                return NUM, (False, lambda s: -v(s))
            case Sum():
                return NUM, self._sum(node)
            case Compare():
                return BOOL, self._compare(node)
            case And(items=items):
                return BOOL, self._and_or([self.want_bool(i) for i in items], is_and=True)
            case Or(items=items):
                return BOOL, self._and_or([self.want_bool(i) for i in items], is_and=False)
        raise TypeError(f"not a condition node: {node!r}")  # pragma: no cover

    def _name(self, node: Name) -> tuple[str, _Compiled]:
        entry = self.symbols.names.get(node.name)
        if entry is None:
            if node.name in self.symbols.functions:
                msg = bilingual("'{n}' is a function; write {n}(...) with a name inside",
                                "“{n}”是函数；请写成 {n}(...)，括号里写一个名称", n=node.name)
            elif node.name.lower() in ("true", "false"):
                msg = bilingual("unknown name '{n}' (did you mean '{low}'?)", "未知名称“{n}”（是不是 '{low}'？）",
                                n=node.name, low=node.name.lower())
            else:
                msg = bilingual("unknown name '{n}'{hint}", "未知名称“{n}”{hint}", n=node.name,
                                hint=_did_you_mean(node.name, self.symbols.names))
            raise ExprError(msg, node.offset)
        typ, getter = entry
        return typ, (False, getter)

    def _call(self, node: Call) -> tuple[str, _Compiled]:
        entry = self.symbols.functions.get(node.func)
        if entry is None:
            if node.func in self.symbols.names:
                msg = bilingual("'{f}' is not a function; it cannot take '({a})'", "“{f}”不是函数，不能带 '({a})'",
                                f=node.func, a=node.arg)
            else:
                msg = _case_hint(node.func) or bilingual(
                    "unknown function '{f}'{hint}", "未知函数“{f}”{hint}", f=node.func,
                    hint=_did_you_mean(node.func, self.symbols.functions))
            raise ExprError(msg, node.offset)
        typ, allowed, getter = entry
        if node.arg not in allowed:
            noun = self.symbols.arg_nouns.get(node.func, Bilingual("argument", "参数"))
            raise ExprError(bilingual("{f}() of unknown {noun} '{a}'{hint}", "{f}() 中的{noun}“{a}”不存在{hint}",
                                      f=node.func, noun=noun, a=node.arg, hint=_did_you_mean(node.arg, allowed)),
                            node.arg_offset)
        arg = node.arg
        return typ, (False, lambda s: getter(s, arg))

    def _sum(self, node: Sum) -> _Compiled:
        first = self.want_num(node.first, node.rest[0][0])
        rest = [(op, self.want_num(term, op)) for op, term in node.rest]
        if len(rest) <= 3 or (first[0] and all(c for _, (c, _v) in rest)):
            acc = first
            for op, term in rest:
                acc = _binary(op, acc, term)
            return acc
        # Long chains: one loop instead of deeply nested closures (keeps the call stack shallow).
        f0 = _as_fn(first)
        steps = tuple((op == "-", _as_fn(term)) for op, term in rest)

        def total(s: Any) -> Any:
            v = f0(s)
            for neg, g in steps:
                v = v - g(s) if neg else v + g(s)
            return v

        return False, total

    def _compare(self, node: Compare) -> _Compiled:
        op = node.op
        if op in _ORDER_OPS:
            return _binary(op, self.want_num(node.left, op), self.want_num(node.right, op))
        ltyp, left = self.build(node.left)
        rtyp, right = self.build(node.right)
        if ltyp != rtyp:
            raise ExprError(bilingual(
                "'{op}' needs two things of the same kind, but '{left}' is {lk} and '{right}' is {rk}",
                "'{op}' 两边必须是同一类，但“{left}”是{lk}，“{right}”是{rk}",
                op=op, left=self.src(node.left), lk=_kind(ltyp), right=self.src(node.right), rk=_kind(rtyp)),
                node.op_offset)
        return _binary(op, left, right)

    @staticmethod
    def _and_or(parts: list[_Compiled], *, is_and: bool) -> _Compiled:
        # Constants fold away: with `and`, a false constant decides everything and a true one is
        # a no-op (and vice versa for `or`). Getters are pure reads, so skipping them is safe.
        decisive = not is_and
        if any(c and v == decisive for c, v in parts):
            return True, decisive
        fns = [v for c, v in parts if not c]
        if not fns:
            return True, not decisive
        if len(fns) == 1:
            return False, fns[0]
        if is_and:
            if len(fns) == 2:
                a, b = fns
                return False, lambda s: a(s) and b(s)
            if len(fns) == 3:
                a, b, c = fns
                return False, lambda s: a(s) and b(s) and c(s)
        else:
            if len(fns) == 2:
                a, b = fns
                return False, lambda s: a(s) or b(s)
            if len(fns) == 3:
                a, b, c = fns
                return False, lambda s: a(s) or b(s) or c(s)
        steps = tuple(fns)

        def all_or_any(s: Any) -> bool:
            for g in steps:
                if bool(g(s)) == decisive:
                    return decisive
            return not decisive

        return False, all_or_any


def compile_condition(text: str, symbols: Symbols) -> Callable[[Any], bool]:
    """Parse, type-check and bind a condition; returns a fast closure f(state) -> bool.

    Every getter is looked up here, once, so the closure never searches a table at run time.
    Raises ExprError for bad syntax, unknown names/functions/arguments, type errors, empty text,
    text over MAX_LENGTH characters and nesting deeper than MAX_DEPTH.
    """
    node = parse(text)
    is_const, value = _Compiler(text, symbols).want_bool(node)
    return _const(value) if is_const else value


def names_in(text: str) -> set[str]:
    """Every variable NAME and function argument the condition mentions (not function names).

    For reachability tools: which flags, variables and stakeholders can influence a condition.
    Raises ExprError if the text does not parse.
    """
    found: set[str] = set()
    stack: list[Node] = [parse(text)]
    while stack:
        node = stack.pop()
        match node:
            case Name(name=name):
                found.add(name)
            case Call(arg=arg):
                found.add(arg)
            case Not(operand=operand) | Neg(operand=operand):
                stack.append(operand)
            case Sum(first=first, rest=rest):
                stack.append(first)
                stack.extend(term for _, term in rest)
            case Compare(left=left, right=right):
                stack.extend((left, right))
            case And(items=items) | Or(items=items):
                stack.extend(items)
    return found


def unparse(node: Node) -> str:
    """Canonical, fully parenthesised text of a tree; shows how a condition was grouped."""
    match node:
        case Num(value=value):
            return repr(value)
        case Bool(value=value):
            return "true" if value else "false"
        case Name(name=name):
            return name
        case Call(func=func, arg=arg):
            return f"{func}({arg})"
        case Not(operand=operand):
            return f"(not {unparse(operand)})"
        case Neg(operand=operand):
            return f"(-{unparse(operand)})"
        case Sum(first=first, rest=rest):
            text = unparse(first)
            for op, term in rest:
                text = f"({text} {op} {unparse(term)})"
            return text
        case Compare(op=op, left=left, right=right):
            return f"({unparse(left)} {op} {unparse(right)})"
        case And(items=items):
            return "(" + " and ".join(unparse(i) for i in items) + ")"
        case Or(items=items):
            return "(" + " or ".join(unparse(i) for i in items) + ")"
    raise TypeError(f"not a condition node: {node!r}")  # pragma: no cover
