"""A run's random numbers: seeded cheaply and the same way on every machine, drawn in blocks.

A run's randomness is a numpy ``Generator`` over PCG64. ``np.random.default_rng(seed)`` builds its
state through ``SeedSequence``, whose hashing costs more than a whole short run of the engine
(15-25 µs against about 150 µs for a tutorial game), and batches start thousands of runs a second.
Here the PCG64 state and increment come from SplitMix64 of the seed instead: the standard seeder
for 64-bit generators (Steele, Lea & Flood 2014; the one the xoshiro authors recommend), pure
integer arithmetic, so the same seed gives the same stream in any process on any platform.

Seeds of any size are folded into 64 bits first; distinct seeds below 2**64 give distinct streams.

The engine then draws through :class:`Dice`, which takes uniforms and normals from that generator
in blocks: one scalar call into numpy costs about 0.8 µs, more than the rest of the effect it
decides, while a value from a block costs a twentieth of that. A finished run gives its generator
back, and the next run's dice put it into their seed's state instead of making a new one.
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.random.bit_generator import ISeedSequence

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def splitmix64(x: int) -> int:
    """The SplitMix64 output after state ``x`` (Steele et al. 2014): a 64-bit bijective mix."""
    z = (x + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def fold(seed: int) -> int:
    """A non-negative seed of any size as 64 bits (itself when it fits)."""
    x = seed & _MASK
    seed >>= 64
    while seed:
        x = splitmix64(x ^ (seed & _MASK))
        seed >>= 64
    return x


#: Four SplitMix64 words at once, in 128-bit lanes of one integer (lane k holds word k). A Python
#: integer operation costs a few hundred instructions whatever its size, so mixing the four words
#: of a PCG64 state in one integer costs 60% of mixing them one by one (16k instructions against
#: 27k), and every run seeds: the 11k saved are a tenth of setting up a tutorial game. Lanes are
#: twice a word wide so that a product of a word and a 64-bit constant never carries into the next
#: lane; the masks cut what a right shift brings down from the lane above.
_LANES = 4
_LANE_MASK = sum(_MASK << (128 * k) for k in range(_LANES))
_LANE_ONES = sum(1 << (128 * k) for k in range(_LANES))
_LANE_STEPS = sum((((k + 1) * _GOLDEN) & _MASK) << (128 * k) for k in range(_LANES))
_PAIR_MASK = ((1 << 128) - 1) | (((1 << 128) - 1) << 256)  # after packing lane pairs into 128 bits
_FOUR_WORDS_MASK = (1 << 256) - 1
_LITTLE_ENDIAN = sys.byteorder == "little"  # the words are packed little-endian and read as native uint64


def _lanes(x: int) -> int:
    """The SplitMix64 outputs after states ``x + γ .. x + 4γ``: word k in the low half of lane k."""
    z = (x * _LANE_ONES + _LANE_STEPS) & _LANE_MASK
    z = ((z ^ (z >> 30)) & _LANE_MASK) * 0xBF58476D1CE4E5B9 & _LANE_MASK
    z = ((z ^ (z >> 27)) & _LANE_MASK) * 0x94D049BB133111EB & _LANE_MASK
    return (z ^ (z >> 31)) & _LANE_MASK


def _four_words(x: int) -> np.ndarray:
    """The SplitMix64 outputs after states ``x + γ .. x + 4γ``, as a PCG64 seeding asks for them
    (read-only: PCG64 only reads them)."""
    z = _lanes(x)
    z = (z | (z >> 64)) & _PAIR_MASK  # lanes at bits 0, 128, 256, 384 -> words at 0, 64, 256, 320
    z = (z | (z >> 128)) & _FOUR_WORDS_MASK  # -> words at 0, 64, 128, 192
    return np.frombuffer(z.to_bytes(32, "little"), np.uint64)


#: PCG64's multiplier (``PCG_DEFAULT_MULTIPLIER_128`` of the PCG reference code, as numpy has it).
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_M128 = (1 << 128) - 1


def pcg64_state(x: int) -> bytes:
    """PCG64's state after it seeds itself from :class:`SplitMixSeed` of the folded seed ``x``:
    its 128-bit ``state`` then its 128-bit ``inc``, as 32 little-endian bytes.

    numpy's ``pcg64_set_seed`` takes the four words as ``initstate = w0:w1`` and ``initseq = w2:w3``
    (high:low), and ``pcg_setseq_128_srandom_r`` sets ``inc = initseq << 1 | 1`` and
    ``state = ((0 + inc) + initstate) * MULT + inc``: written out here, so that a kept generator
    can be put into a new run's state without making a new one (see :class:`Dice`).
    """
    z = _lanes(x)
    inc = ((z >> 256 & _MASK) << 65 | z >> 383 | 1) & _M128  # z >> 383 is w3 << 1: lane 2's top half is 0
    state = (((z & _MASK) << 64 | (z >> 128) & _MASK) + inc) * _PCG_MULT + inc & _M128
    return (inc << 128 | state).to_bytes(32, "little")


class SplitMixSeed(ISeedSequence):
    """Words for a bit generator's state: SplitMix64 outputs of successive states from the seed."""

    __slots__ = ("seed",)

    def __init__(self, seed: int) -> None:
        self.seed = fold(seed)

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        if n_words == _LANES and dtype is np.uint64 and _LITTLE_ENDIAN:  # what PCG64 asks, every run
            return _four_words(self.seed)
        x, words = self.seed, []
        for _ in range(n_words):  # splitmix64 of each state, written out
            x = (x + _GOLDEN) & _MASK
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
            words.append(z ^ (z >> 31))
        out = np.array(words, dtype=np.uint64)
        return out if dtype == np.uint64 else out.astype(dtype)


def generator(seed: int) -> np.random.Generator:
    """The run's numpy generator for ``seed``: PCG64 seeded by SplitMix64."""
    return np.random.Generator(np.random.PCG64(SplitMixSeed(seed)))


#: Values drawn from the generator at a time, per kind.
BLOCK = 32


class _Kept:
    """A PCG64 generator kept for reuse, with writable views of the memory that holds its state."""

    __slots__ = ("gen", "normals", "pcg", "rest", "uniforms")

    def __init__(self, gen: np.random.Generator, pcg: memoryview, rest: memoryview) -> None:
        self.gen = gen
        self.pcg = pcg  # the pcg64_random_t: state and inc, 128 bits each
        self.rest = rest  # has_uint32 and uinteger, the buffered half of a 64-bit draw
        # numpy fills these with a block instead of making a new array for each one
        self.uniforms = np.empty(BLOCK)
        self.normals = np.empty(BLOCK)


def _keep(gen: np.random.Generator) -> _Kept | None:
    """``gen`` with views of its state's memory, or None where numpy does not lay the state out as
    checked here (then every run makes its own generator, which gives the same streams).

    The address comes from numpy's public ``ctypes`` interface (``state_address``: numpy's
    ``pcg64_state``, a pointer to the ``pcg64_random_t`` then ``has_uint32`` and ``uinteger``). The
    pointer is only followed if it points a few bytes further into the same object, where the
    PCG64 object keeps that struct, and the views are only used if what they show is exactly the
    state numpy reports.
    """
    try:
        import ctypes
    except ImportError:  # pragma: no cover - a Python built without ctypes
        return None
    bg = gen.bit_generator
    if type(bg) is not np.random.PCG64:
        return None
    addr = bg.ctypes.state_address
    ptr = ctypes.c_void_p.from_address(addr).value or 0
    if not addr + 16 <= ptr <= addr + 32:
        return None
    pcg = memoryview((ctypes.c_char * 32).from_address(ptr)).cast("B")
    rest = memoryview((ctypes.c_char * 8).from_address(addr + 8)).cast("B")
    st = bg.state
    seen = (st["state"]["inc"] << 128 | st["state"]["state"]).to_bytes(32, "little")
    if bytes(pcg) != seen or st["has_uint32"] or st["uinteger"] or bytes(rest) != bytes(8):
        return None
    return _Kept(gen, pcg, rest)


def _reuse_works() -> bool:
    """Whether a kept generator, given a seed's state through the views, is that seed's generator."""
    kept = _keep(generator(1))
    if kept is None:
        return False
    seed = 0x5EED_0F_7E57
    kept.pcg[:] = pcg64_state(fold(seed))
    fresh = generator(seed)
    return bool(kept.gen.bit_generator.state == fresh.bit_generator.state
                and kept.gen.random(4).tolist() == fresh.random(4).tolist()
                and kept.gen.standard_normal(4).tolist() == fresh.standard_normal(4).tolist())


#: Generators of finished runs, for new runs to reuse (see Dice); at most _KEEP_AT_MOST of them.
_kept: list[_Kept] = []
_KEEP_AT_MOST = 64
_NO_HALF_WORD = bytes(8)
_REUSE = _reuse_works()


class Dice:
    """A run's draws: ``random()`` in [0, 1) and ``standard_normal()``, as numpy's generator has
    them, taken from the run's generator :data:`BLOCK` values at a time.

    Which values a run gets depends only on the seed and the order of its draws (a block is drawn
    when the previous one of its kind is used up), so runs stay deterministic.

    ``uniforms`` and ``normals`` are what is left of the current blocks, next value last. The
    engine's innermost loops pop from them directly (``normals.pop() if normals else
    dice.standard_normal()``), which gives the same values without a call per draw; the lists
    are only ever changed in place, so a reference to them stays valid.

    The generator is one a finished run gave back (:meth:`release`), put into this seed's state
    (:func:`pcg64_state`: 32 bytes written into it) where numpy's layout is the one checked at
    import; else a new one. The two give the same stream, bit for bit, but making a PCG64 and its
    ``Generator`` (and an array for each block) costs 1-9% of a whole run's time
    (``benchmarks/bench_reuse.py``): about 1 µs in a tight loop, several times that between the
    engine's own work, where numpy's code and data are no longer in the CPU's caches.
    """

    __slots__ = ("_kept", "gen", "normals", "uniforms")

    def __init__(self, seed: int) -> None:
        kept = None
        if _REUSE:
            try:
                kept = _kept.pop()
            except IndexError:
                kept = _keep(generator(0))
            if kept is not None:
                kept.pcg[:] = pcg64_state(fold(seed))
                kept.rest[:] = _NO_HALF_WORD
        self._kept = kept
        self.gen = kept.gen if kept is not None else generator(seed)
        self.uniforms: list[float] = []
        self.normals: list[float] = []

    def release(self) -> None:
        """The run is over: give its generator back for a later run. The dice draw no more."""
        kept = self._kept
        self._kept = None
        self.gen = None  # type: ignore[assignment]
        if kept is not None and len(_kept) < _KEEP_AT_MOST:
            _kept.append(kept)

    def reseed(self, gen: np.random.Generator) -> None:
        """Draw from ``gen`` from now on (dropping what is left of the current blocks): a rollout
        that explores other futures from the same point uses this."""
        self.gen = gen
        self.uniforms.clear()
        self.normals.clear()

    def random(self) -> float:
        block = self.uniforms
        if not block:
            kept = self._kept
            block += (self.gen.random(BLOCK) if kept is None else self.gen.random(out=kept.uniforms)).tolist()
        return block.pop()  # type: ignore[no-any-return]

    def standard_normal(self) -> float:
        block = self.normals
        if not block:
            kept = self._kept
            block += (self.gen.standard_normal(BLOCK) if kept is None
                      else self.gen.standard_normal(out=kept.normals)).tolist()
        return block.pop()  # type: ignore[no-any-return]
