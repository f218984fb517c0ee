"""A run's random numbers, and the random amounts a scenario can name.

Every draw of a run comes from one numpy ``Generator`` over PCG64, seeded from the run's seed
through SplitMix64 (:class:`SplitMixSeed`, numpy's public seed-sequence interface): the standard
seeder for 64-bit generators (Steele, Lea & Flood 2014), pure integer arithmetic, so the same
seed gives the same stream in any process on any platform, and cheaper than numpy's own
``SeedSequence``, which matters when a batch starts thousands of runs a second. Seeds of any size
are folded into 64 bits first; distinct seeds below 2**64 give distinct streams.

:class:`Dice` hands the draws out: uniforms in [0, 1) and standard normals, each taken from the
generator in blocks of :data:`BLOCK` (one numpy call per block, not per draw) and used from the
end of the block. Which values a run gets depends only on the seed and the order of its draws,
and that order is fixed by the simulation itself, so runs are deterministic.

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
    """The run's numpy generator for ``seed``: PCG64 seeded by SplitMix64."""
    return np.random.Generator(np.random.PCG64(SplitMixSeed(seed)))  # type: ignore[arg-type]  # numpy's stubs
    # leave out ISeedSequence, which its docs name as what a bit generator takes


#: Values drawn from the generator at a time, per kind.
BLOCK = 32


class Dice:
    """A run's draws, as numpy's generator gives them, taken :data:`BLOCK` values at a time."""

    __slots__ = ("_normals", "_uniforms", "gen")

    def __init__(self, seed: int) -> None:
        self.gen = generator(seed)
        self._uniforms: list[float] = []  # what is left of the current blocks, next value last
        self._normals: list[float] = []

    def random(self) -> float:
        """A uniform draw in [0, 1)."""
        if not self._uniforms:
            self._uniforms = self.gen.random(BLOCK).tolist()
        return self._uniforms.pop()

    def standard_normal(self) -> float:
        """A draw from the standard normal distribution."""
        if not self._normals:
            self._normals = self.gen.standard_normal(BLOCK).tolist()
        return self._normals.pop()

    def reseed(self, gen: np.random.Generator) -> None:
        """Draw from ``gen`` from now on, dropping what is left of the current blocks (a rollout
        that explores other futures from the same point uses this)."""
        self.gen = gen
        self._uniforms = []
        self._normals = []


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed amount."""

    value: float

    def draw(self, dice: Dice) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Normal:
    """A normally distributed amount: ``{normal: [mean, sd]}``."""

    mean: float
    sd: float

    def draw(self, dice: Dice) -> float:
        return self.mean + self.sd * dice.standard_normal()


@dataclass(frozen=True, slots=True)
class Uniform:
    """A uniformly distributed amount: ``{uniform: [low, high]}``."""

    low: float
    high: float

    def draw(self, dice: Dice) -> float:
        return self.low + (self.high - self.low) * dice.random()


@dataclass(frozen=True, slots=True)
class Triangular:
    """A triangular amount, ``{triangular: [low, mode, high]}``: most likely ``mode``.

    Drawn from one uniform by inverting the distribution function, as numpy's own sampler does
    (``random_triangular``), so the values are numpy's.
    """

    low: float
    mode: float
    high: float

    def draw(self, dice: Dice) -> float:
        low, mode, high = self.low, self.mode, self.high
        base = high - low
        u = dice.random()
        if u <= (mode - low) / base:
            return low + sqrt(u * ((mode - low) * base))
        return high - sqrt((1.0 - u) * ((high - mode) * base))


#: A change an effect makes: fixed, or drawn from the run's dice each time it applies.
Amount = Fixed | Normal | Uniform | Triangular
