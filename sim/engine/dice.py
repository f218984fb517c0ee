"""A run's randomness: independent streams of draws, one per source, and the amounts that use them.

Same seed, same world. Every random thing in a scenario is a *source* with its own stream of
draws: each scripted event's chance, each random amount and each chance of an effect, the
competitor's weekly growth, the order in which each decision's options are shown. The n-th draw
of a source depends only on the run's seed, the source and n, never on what else was drawn
before, so what the world does on a seed (an event that happens, the competitor's moves, the noise
of an effect) does not depend on the path the trainee took, wherever the model allows.

Draws come from numpy generators over PCG64, each seeded from the run's seed and what it serves
through SplitMix64 (:class:`SplitMixSeed`, numpy's public seed-sequence interface): the standard
seeder for 64-bit generators (Steele, Lea & Flood 2014), pure integer arithmetic, so the same seed
gives the same streams in any process on any platform. Most sources take a draw or two in a run,
so a run's first draws come from one *first table*, one generator's stream laid out as: the first
:data:`BLOCK` uniform draws of each of the first :data:`TABLE_SOURCES` sources, the first
:data:`ORDER_WIDTH` draws of each of the first :data:`ORDER_ROWS` decisions' orders, then the first
:data:`BLOCK` normal draws of each of those sources. A run draws only the rows of the sources its
scenario has: the generator jumps over the others (PCG64's ``advance``), so the values are those of
the whole table whatever the scenario's size. A source that needs more (or has no row there) takes
its other blocks of :data:`BLOCK` from a generator of its own, seeded from the run's seed, the kind
of draw, the source and the block's number.

An author writes a random amount as ``{normal: [mean, sd]}``, ``{uniform: [low, high]}`` or
``{triangular: [low, mode, high]}``, or a plain number: :class:`Normal`, :class:`Uniform`,
:class:`Triangular` and :class:`Fixed` here, each drawn with ``amount.draw(dice)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt
from typing import Any, NamedTuple

import numpy as np
from numpy.random.bit_generator import ISeedSequence
from numpy.typing import DTypeLike

__all__ = [
    "BLOCK",
    "ORDER",
    "ORDER_ROWS",
    "ORDER_WIDTH",
    "TABLE_SOURCES",
    "Amount",
    "Dice",
    "Fixed",
    "Normal",
    "SplitMixSeed",
    "Triangular",
    "Uniform",
    "fold",
    "generator",
    "splitmix64",
]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    """SplitMix64's output function: a bijective mix of 64 bits."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def splitmix64(x: int) -> int:
    """The SplitMix64 output after state ``x`` (Steele et al. 2014): the state steps by the golden
    gamma, then is mixed."""
    return _mix((x + _GOLDEN) & _MASK)


def fold(seed: int) -> int:
    """A non-negative seed of any size as 64 bits (itself when it fits)."""
    x = seed & _MASK
    seed >>= 64
    while seed:
        x = splitmix64(x ^ (seed & _MASK))
        seed >>= 64
    return x


def _key(*parts: int) -> int:
    """64 bits that name a stream: the parts mixed in turn (distinct parts, distinct streams)."""
    x = 0
    for part in parts:
        x = splitmix64(x ^ (part & _MASK))
    return x


class SplitMixSeed(ISeedSequence):
    """Words for a bit generator's state: SplitMix64 outputs of successive states from the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = fold(seed)

    def generate_state(self, n_words: int, dtype: DTypeLike = np.uint32) -> np.ndarray[Any, np.dtype[Any]]:
        x, words = self.seed, []
        for _ in range(n_words):
            x = (x + _GOLDEN) & _MASK
            words.append(_mix(x))
        out = np.array(words, dtype=np.uint64)
        return out if np.dtype(dtype) == np.uint64 else out.astype(dtype)


def _pcg64(seed: int) -> np.random.PCG64:
    # numpy's stubs leave out ISeedSequence, which its docs name as what a bit generator takes
    return np.random.PCG64(SplitMixSeed(seed))  # type: ignore[arg-type]


def generator(seed: int) -> np.random.Generator:
    """A numpy generator for ``seed``: PCG64 seeded by SplitMix64."""
    return np.random.Generator(_pcg64(seed))


#: Draws of one kind a source takes at a time.
BLOCK = 4
#: Sources of the order in which decisions show their options: ``ORDER + n`` for the n-th decision
#: (the scenario's own sources count up from 0).
ORDER = 1 << 32
#: Sources whose first block is in the run's first table.
TABLE_SOURCES = 128
#: Decisions whose order draws start in the run's first table, and how many draws each has there.
ORDER_ROWS = 32
ORDER_WIDTH = 8
_UNIFORM, _NORMAL = 1, 2
_TABLE = 0  # the kind of stream the first table comes from


class Dice:
    """A run's draws, by source: ``uniform(source)`` in [0, 1) and ``normal(source)``.

    Sources are small integers the compiled scenario gives out (:mod:`sim.engine.rules`); the
    option order of the n-th decision draws from source ``ORDER + n`` (:meth:`shuffled`).
    ``sources`` is how many the scenario has: the first table draws rows for them only (a source
    beyond them draws the same values, from the whole table drawn then).
    """

    __slots__ = ("_blocks", "_left", "_normals", "_seed", "_sources", "_table", "_uniforms")

    def __init__(self, seed: int, sources: int = TABLE_SOURCES) -> None:
        self._seed = fold(seed)
        self._sources = min(max(sources, 0), TABLE_SOURCES)  # sources with a row in the first table drawn
        self._uniforms: dict[int, list[float]] = {}  # source -> rest of its block of uniforms, next last
        self._normals: dict[int, list[float]] = {}  # the same for normals
        self._left = {_UNIFORM: self._uniforms, _NORMAL: self._normals}
        self._blocks: dict[tuple[int, int], int] = {}  # (kind, source) -> blocks taken
        self._table: _Table | None = None  # the first table, drawn when a run first draws

    def uniform(self, source: int) -> float:
        """The source's next draw, uniform in [0, 1)."""
        left = self._uniforms.get(source)
        if not left:
            left = self._next_block(_UNIFORM, source)
        return left.pop()

    def normal(self, source: int) -> float:
        """The source's next draw from the standard normal distribution."""
        left = self._normals.get(source)
        if not left:
            left = self._next_block(_NORMAL, source)
        return left.pop()

    def shuffled(self, items: tuple[Any, ...], decision: int) -> tuple[Any, ...]:
        """``items`` in the order the ``decision``-th decision shows them (Fisher-Yates, with the
        draws of that decision's own source)."""
        out = list(items)
        source = ORDER + decision
        n = len(out)
        if 1 < n <= ORDER_WIDTH + 1 and 0 <= decision < ORDER_ROWS and source not in self._uniforms:
            # the decision's first draws, straight from its row of the first table
            k = decision * ORDER_WIDTH
            row = self._first_table().orders[k:k + ORDER_WIDTH].tolist()
            k = 0
            for i in range(n - 1, 0, -1):
                j = int(row[k] * (i + 1))
                out[i], out[j] = out[j], out[i]
                k += 1
            rest = row[k:]
            rest.reverse()
            self._uniforms[source] = rest  # what is left of its first block, as :meth:`uniform` leaves it
            self._blocks[(_UNIFORM, source)] = 1
            return tuple(out)
        left = self._uniforms.get(source)
        for i in range(n - 1, 0, -1):
            if not left:
                left = self._next_block(_UNIFORM, source)
            j = int(left.pop() * (i + 1))
            out[i], out[j] = out[j], out[i]
        return tuple(out)

    def reseed(self, seed: int) -> None:
        """Draw from ``seed``'s streams from now on (a rollout exploring other futures from the
        same point of a run uses this)."""
        self._seed = fold(seed)
        self._uniforms.clear()
        self._normals.clear()
        self._blocks.clear()
        self._table = None

    def _first_table(self) -> _Table:
        """The run's first table (see the module docstring), drawn once, in its parts: the uniform
        rows of the scenario's sources, then (past the rows of sources it does not have) the
        decisions' order rows, then the normal rows of its sources. Numpy fills arrays in stream
        order and a normal row is a prefix of the whole table's normals, so the values are the
        whole table's. A source's row becomes Python floats when the source first draws: most
        rows are never used."""
        if self._table is None:
            bits = _pcg64(_key(self._seed, _TABLE))
            gen = np.random.Generator(bits)
            n = self._sources * BLOCK
            uniforms = gen.random(n)
            bits.advance(TABLE_SOURCES * BLOCK - n)  # one step of the generator a uniform
            orders = gen.random(ORDER_ROWS * ORDER_WIDTH)
            self._table = _Table(uniforms, orders, gen.standard_normal(n))
        return self._table

    def _next_block(self, kind: int, source: int) -> list[float]:
        taken = self._blocks.get((kind, source), 0)
        self._blocks[(kind, source)] = taken + 1
        left = self._table_row(kind, source) if taken == 0 else None
        if left is None:
            left = _draw(generator(_key(self._seed, kind, source, taken)), kind, BLOCK)[::-1].tolist()
        self._left[kind][source] = left
        return left

    def _table_row(self, kind: int, source: int) -> list[float] | None:
        """The source's first block from the first table, next draw last; None if it has no row."""
        if 0 <= source < TABLE_SOURCES:
            if source >= self._sources:  # not one of the scenario's: draw the whole table
                self._sources, self._table = TABLE_SOURCES, None
            table = self._first_table()
            part = table.uniforms if kind == _UNIFORM else table.normals
            start, length = source * BLOCK, BLOCK
        elif kind == _UNIFORM and 0 <= source - ORDER < ORDER_ROWS:
            part, start, length = self._first_table().orders, (source - ORDER) * ORDER_WIDTH, ORDER_WIDTH
        else:
            return None
        row: list[float] = part[start:start + length].tolist()
        row.reverse()
        return row


class _Table(NamedTuple):
    """The parts of a run's first table that it draws (numpy arrays)."""

    uniforms: Any
    orders: Any
    normals: Any


def _draw(gen: np.random.Generator, kind: int, shape: Any) -> Any:
    return gen.random(shape) if kind == _UNIFORM else gen.standard_normal(shape)


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed amount."""

    value: float

    def draw(self, dice: Dice) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Normal:
    """A normally distributed amount, ``{normal: [mean, sd]}``, drawn from its own source."""

    mean: float
    sd: float
    source: int

    def draw(self, dice: Dice) -> float:
        return self.mean + self.sd * dice.normal(self.source)


@dataclass(frozen=True, slots=True)
class Uniform:
    """A uniformly distributed amount, ``{uniform: [low, high]}``, drawn from its own source."""

    low: float
    high: float
    source: int

    def draw(self, dice: Dice) -> float:
        return self.low + (self.high - self.low) * dice.uniform(self.source)


@dataclass(frozen=True, slots=True)
class Triangular:
    """A triangular amount, ``{triangular: [low, mode, high]}``: most likely ``mode``.

    Drawn from one uniform by inverting the distribution function, as numpy's own sampler does
    (``random_triangular``).
    """

    low: float
    mode: float
    high: float
    source: int

    def draw(self, dice: Dice) -> float:
        low, mode, high = self.low, self.mode, self.high
        base = high - low
        u = dice.uniform(self.source)
        if u <= (mode - low) / base:
            return low + sqrt(u * ((mode - low) * base))
        return high - sqrt((1.0 - u) * ((high - mode) * base))


#: A change an effect makes: fixed, or drawn from its source each time it applies.
Amount = Fixed | Normal | Uniform | Triangular
