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
gives the same streams in any process on any platform. A source's first :data:`BLOCK` draws of a
kind (uniform or normal) come from a table shared by a group of :data:`GROUP` sources (one numpy
call for the group); later blocks each have a generator of their own.

An author writes a random amount as ``{normal: [mean, sd]}``, ``{uniform: [low, high]}`` or
``{triangular: [low, mode, high]}``, or a plain number: :class:`Normal`, :class:`Uniform`,
:class:`Triangular` and :class:`Fixed` here, each drawn with ``amount.draw(dice)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence
from numpy.typing import DTypeLike

__all__ = [
    "BLOCK",
    "GROUP",
    "ORDER",
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


def generator(seed: int) -> np.random.Generator:
    """A numpy generator for ``seed``: PCG64 seeded by SplitMix64."""
    # numpy's stubs leave out ISeedSequence, which its docs name as what a bit generator takes
    return np.random.Generator(np.random.PCG64(SplitMixSeed(seed)))  # type: ignore[arg-type]


#: Draws of one kind a source takes at a time.
BLOCK = 16
#: Sources of the order in which decisions show their options: ``ORDER + n`` for the n-th decision
#: (the scenario's own sources count up from 0).
ORDER = 1 << 32
#: Sources whose first blocks come from one table (one numpy call).
GROUP = 64
_UNIFORM, _NORMAL = 1, 2


class Dice:
    """A run's draws, by source: ``uniform(source)`` in [0, 1) and ``normal(source)``.

    Sources are small integers the compiled scenario gives out (:mod:`sim.engine.rules`); the
    option order of the n-th decision draws from source ``ORDER + n`` (:meth:`shuffled`).
    """

    __slots__ = ("_blocks", "_left", "_seed", "_tables")

    def __init__(self, seed: int) -> None:
        self._seed = fold(seed)
        self._left: dict[tuple[int, int], list[float]] = {}  # (kind, source) -> rest of its block, next last
        self._blocks: dict[tuple[int, int], int] = {}  # (kind, source) -> blocks taken
        self._tables: dict[tuple[int, int], Any] = {}  # (kind, group) -> the group's first blocks

    def uniform(self, source: int) -> float:
        """The source's next draw, uniform in [0, 1)."""
        left = self._left.get((_UNIFORM, source))
        if not left:
            left = self._next_block(_UNIFORM, source)
        return left.pop()

    def normal(self, source: int) -> float:
        """The source's next draw from the standard normal distribution."""
        left = self._left.get((_NORMAL, source))
        if not left:
            left = self._next_block(_NORMAL, source)
        return left.pop()

    def shuffled(self, items: tuple[Any, ...], decision: int) -> tuple[Any, ...]:
        """``items`` in the order the ``decision``-th decision shows them (Fisher-Yates, with the
        draws of that decision's own source)."""
        out = list(items)
        source = ORDER + decision
        for i in range(len(out) - 1, 0, -1):
            j = int(self.uniform(source) * (i + 1))
            out[i], out[j] = out[j], out[i]
        return tuple(out)

    def reseed(self, seed: int) -> None:
        """Draw from ``seed``'s streams from now on (a rollout exploring other futures from the
        same point of a run uses this)."""
        self._seed = fold(seed)
        self._left.clear()
        self._blocks.clear()
        self._tables.clear()

    def _next_block(self, kind: int, source: int) -> list[float]:
        taken = self._blocks.get((kind, source), 0)
        self._blocks[(kind, source)] = taken + 1
        if taken == 0:  # the first block: a row of the group's table
            group, row = divmod(source, GROUP)
            table = self._tables.get((kind, group))
            if table is None:
                gen = generator(_key(self._seed, kind, group))
                table = self._tables[(kind, group)] = _draw(gen, kind, (GROUP, BLOCK))
            values = table[row]
        else:
            values = _draw(generator(_key(self._seed, kind, source, taken)), kind, BLOCK)
        left = self._left[(kind, source)] = values.tolist()[::-1]
        return left


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
