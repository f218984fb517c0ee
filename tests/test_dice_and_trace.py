"""The run's random numbers (sim.engine.dice) and the trace's events and digest (sim.engine.trace).

These are the parts of the engine that are easiest to get subtly wrong: seeding must be the same
everywhere, the amounts must draw numpy's values, and the digest must change with any change of
the run while staying the same for the same run in any form.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pytest
from conftest import load_text, minimal_yaml, run_choices
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.grading import ATTEMPT_NAMESPACE, attempt_uuid, started_key
from sim.engine import trace as tr
from sim.engine.dice import (
    BLOCK,
    ORDER,
    ORDER_ROWS,
    ORDER_WIDTH,
    TABLE_SOURCES,
    Dice,
    SplitMixSeed,
    fold,
    generator,
    splitmix64,
)
from sim.engine.loader import load_scenario
from sim.engine.rules import amount
from sim.lang.schema import Distribution
from sim.runs.policies import RandomPolicy, play
from sim.runs.sessionlog import LogError, parse_lines


def test_splitmix64_matches_the_reference_outputs():
    # First outputs of the reference SplitMix64 (Steele, Lea & Flood 2014; Vigna's splitmix64.c)
    # from state 0: the state advances by the golden gamma and each output is the mix of it.
    gamma = 0x9E3779B97F4A7C15
    outputs, x = [], 0
    for _ in range(3):
        outputs.append(splitmix64(x))
        x = (x + gamma) % 2**64
    assert outputs == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


@pytest.mark.parametrize("seed", [0, 1, 7, 2**63, 2**64 - 1, 2**80 + 3])
def test_a_runs_generator_state_is_splitmix64_of_successive_states(seed):
    """PCG64 takes its state from the seeder's words: SplitMix64 of successive states."""
    gamma = 0x9E3779B97F4A7C15
    words = SplitMixSeed(seed).generate_state(4, np.uint64)
    x = fold(seed)
    assert words.dtype == np.uint64 and words.tolist() == [splitmix64((x + k * gamma) % 2**64) for k in range(4)]
    assert SplitMixSeed(seed).generate_state(4).tolist() == [w & 0xFFFFFFFF for w in words.tolist()]


def test_seeds_give_their_own_streams_and_the_same_stream_every_time():
    a, b = generator(7).random(8), generator(7).random(8)
    assert (a == b).all()
    assert not (generator(8).random(8) == a).any()
    assert fold(2**64 + 5) != fold(5) and fold(5) == 5  # big seeds fold into 64 bits, distinctly


_UNIFORM, _NORMAL = 1, 2  # the kinds of draw, as they enter a stream's key


def _stream_key(*parts: int) -> int:
    """A stream's 64-bit key as the dice derive it: SplitMix64 of each part mixed in turn."""
    x = 0
    for part in parts:
        x = splitmix64(x ^ (part % 2**64))
    return x


SOURCES = TABLE_SOURCES


def _reference_draws(seed: int, kind: int, source: int, n: int) -> list[float]:
    """The first ``n`` draws of a source, built from the documented layout with numpy alone: one
    generator (key: the seed, then 0) draws the run's first table: uniforms (TABLE_SOURCES, BLOCK),
    the decisions' orders (ORDER_ROWS, ORDER_WIDTH), normals (TABLE_SOURCES, BLOCK); a source's first block
    is its row there, if it has one; each later block (and a first block outside the table) comes
    from a generator keyed by the seed, the kind, the source and the block's number."""
    def draw(gen, shape):
        return gen.random(shape) if kind == _UNIFORM else gen.standard_normal(shape)

    gen = generator(_stream_key(fold(seed), 0))
    uniforms, orders, normals = (gen.random((SOURCES, BLOCK)), gen.random((ORDER_ROWS, ORDER_WIDTH)),
                                 gen.standard_normal((SOURCES, BLOCK)))
    if kind == _NORMAL:
        out = normals[source].tolist() if source < SOURCES else []
    elif source < SOURCES:
        out = uniforms[source].tolist()
    else:
        out = orders[source - ORDER].tolist() if 0 <= source - ORDER < ORDER_ROWS else []
    taken = 1 if out else 0
    while len(out) < n:
        out += draw(generator(_stream_key(fold(seed), kind, source, taken)), BLOCK).tolist()
        taken += 1
    return out[:n]


@pytest.mark.parametrize("seed", [0, 3, 2**64 + 3])
@pytest.mark.parametrize("source", [0, 1, SOURCES - 1, SOURCES, 5 * SOURCES + 7, ORDER + 1, ORDER + ORDER_ROWS])
def test_each_source_draws_its_own_numpy_stream(seed, source):
    """A source's draws are numpy's PCG64 values of its own streams, block after block, uniforms
    and normals apart; the n-th draw depends on the seed, the source and n only."""
    n = 2 * max(BLOCK, ORDER_WIDTH) + 3  # into the third block
    d = Dice(seed)
    uniforms = [d.uniform(source) for _ in range(n)]
    normals = [d.normal(source) for _ in range(n)]
    assert uniforms == _reference_draws(seed, _UNIFORM, source, n)
    assert normals == _reference_draws(seed, _NORMAL, source, n)
    assert all(0.0 <= u < 1.0 for u in uniforms)
    assert len(set(uniforms)) == n and len(set(normals)) == n  # no block is handed out twice
    # another source, and another seed, draw other values
    assert Dice(seed).uniform(source + 1) != uniforms[0]
    assert Dice(seed + 1).uniform(source) != uniforms[0]


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**64), order=st.lists(
    st.tuples(st.sampled_from(["u", "n"]), st.sampled_from([0, 1, 2, SOURCES + 1, ORDER + 3])), max_size=60))
def test_a_sources_draws_do_not_depend_on_other_draws(seed, order):
    """Same seed, same world: whatever else was drawn before, in whatever order, the k-th draw of a
    (kind, source) is the k-th draw it gives alone."""
    mixed = Dice(seed)
    got: dict[tuple[str, int], list[float]] = {}
    for kind, source in order:
        got.setdefault((kind, source), []).append(mixed.uniform(source) if kind == "u" else mixed.normal(source))
    for (kind, source), values in got.items():
        alone = Dice(seed)
        assert values == [alone.uniform(source) if kind == "u" else alone.normal(source) for _ in values]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**64), sources=st.integers(0, SOURCES + 3), order=st.lists(
    st.tuples(st.sampled_from(["u", "n", "s"]), st.sampled_from([0, 1, 5, SOURCES - 1, SOURCES + 2, ORDER + 3])),
    max_size=30))
def test_a_table_for_fewer_sources_draws_the_whole_tables_values(seed, sources, order):
    """A run draws the first table's rows of its scenario's sources only (``Dice(seed, sources)``),
    jumping over the rest: every draw, of those sources, of any other and of the orders, is the
    one the whole table gives, in any order of asking."""
    small, whole = Dice(seed, sources), Dice(seed)
    for kind, source in order:
        if kind == "u":
            assert small.uniform(source) == whole.uniform(source)
        elif kind == "n":
            assert small.normal(source) == whole.normal(source)
        else:
            decision = source % ORDER_ROWS
            assert small.shuffled(tuple("abcde"), decision) == whole.shuffled(tuple("abcde"), decision)


def test_shuffled_is_fisher_yates_with_the_decisions_own_source():
    items = tuple("abcdefg")
    seen = set()
    for seed in range(20):
        for decision in (1, 2, 9):
            shown = Dice(seed).shuffled(items, decision)
            assert sorted(shown) == sorted(items)  # a permutation
            draws = Dice(seed)  # the draws of source ORDER + decision, and of no other
            expected = list(items)
            for i in range(len(expected) - 1, 0, -1):
                j = int(draws.uniform(ORDER + decision) * (i + 1))
                expected[i], expected[j] = expected[j], expected[i]
            assert shown == tuple(expected)
            seen.add(shown)
    assert len(seen) > 30  # decisions and seeds show different orders
    # shuffling draws from the decision's source only: the scenario's sources are untouched
    d = Dice(5)
    d.shuffled(items, 1)
    assert d.uniform(0) == Dice(5).uniform(0) and d.normal(0) == Dice(5).normal(0)
    assert d.uniform(ORDER + 2) == Dice(5).uniform(ORDER + 2)
    assert Dice(5).shuffled(("only",), 1) == ("only",) and Dice(5).shuffled((), 1) == ()


def test_reseed_drops_what_is_left_of_the_blocks():
    """After ``reseed(s)`` every source draws from ``s``'s streams from their start, whatever was
    drawn before (in the run's first table, in a later block, or outside the table)."""
    d = Dice(3)
    for _ in range(BLOCK + 2):
        d.uniform(0)
    d.normal(1)
    d.uniform(SOURCES + 4)
    d.reseed(99)
    fresh = Dice(99)
    assert [d.uniform(0) for _ in range(BLOCK + 1)] == [fresh.uniform(0) for _ in range(BLOCK + 1)]
    assert d.normal(1) == fresh.normal(1) and d.uniform(SOURCES + 4) == fresh.uniform(SOURCES + 4)
    assert d.uniform(2) == Dice(99).uniform(2) != Dice(3).uniform(2)


def test_runs_in_threads_get_their_own_streams():
    """Runs in threads share nothing: each gets its own seed's stream."""
    scenario = load_scenario("tutorial")
    seeds = range(40)
    alone = {s: tr.trace_hash(play(scenario, RandomPolicy(s), s).trace) for s in seeds}
    with ThreadPoolExecutor(4) as pool:
        together = dict(zip(seeds, pool.map(lambda s: tr.trace_hash(play(scenario, RandomPolicy(s), s).trace), seeds),
                            strict=True))
    assert together == alone


class _Direct:
    """Dice that take each draw straight from a numpy generator, in the generator's order, and
    note which source asked for it."""

    def __init__(self, seed: int) -> None:
        self.gen = np.random.default_rng(seed)
        self.sources: list[int] = []

    def uniform(self, source: int) -> float:
        self.sources.append(source)
        return float(self.gen.random())

    def normal(self, source: int) -> float:
        self.sources.append(source)
        return float(self.gen.standard_normal())


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-50, 50), width=st.floats(0.001, 50), at=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_amounts_draw_numpys_values(lo, width, at, seed):
    """Each random amount turns one draw of its own source into numpy's value for its
    distribution (the triangular by inverting its distribution function, as numpy does)."""
    hi = lo + width
    mode = lo + at * (hi - lo)
    tri = amount(Distribution(triangular=(lo, mode, hi)), source=4)
    uni = amount(Distribution(uniform=(lo, hi)), source=5)
    nor = amount(Distribution(normal=(lo, width)), source=6)
    assert (tri.source, uni.source, nor.source) == (4, 5, 6)
    ours, theirs = _Direct(seed), np.random.default_rng(seed)
    for _ in range(5):
        assert tri.draw(ours) == float(theirs.triangular(lo, mode, hi))
        assert uni.draw(ours) == float(theirs.uniform(lo, hi))
        assert nor.draw(ours) == float(theirs.normal(lo, width))
    assert ours.sources == [4, 5, 6] * 5  # one draw each, from its own source
    assert amount(3).draw(ours) == 3.0 and amount(-2.5).draw(ours) == -2.5
    assert len(ours.sources) == 15  # a fixed amount draws nothing
    # in a run, an amount draws exactly what the run's dice give its source
    for amt in (tri, uni, nor):
        dice, direct = Dice(seed), Dice(seed)
        value = amt.draw(dice)
        if amt is nor:
            assert value == lo + width * direct.normal(6)
        elif amt is uni:
            assert value == lo + (hi - lo) * direct.uniform(5)
        else:
            assert value == tri.draw(_Fixed(direct.uniform(4)))


class _Fixed:
    """Dice whose every uniform is one given value."""

    def __init__(self, u: float) -> None:
        self.u = u

    def uniform(self, source: int) -> float:
        return self.u


# --- the trace ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    out = []
    for sid in ("tutorial", "enterprise_software", "pipeline"):
        scenario = load_scenario(sid)
        out += [play(scenario, RandomPolicy(s), s) for s in range(3)]
    return out


def test_every_event_is_its_kinds_class_and_reads_back_from_json(runs):
    for session in runs:
        assert all(type(e) is tr.KINDS[e.kind] for e in session.trace)
        assert isinstance(session.trace[0], tr.Start) and isinstance(session.trace[-1], tr.End)
        as_json = json.loads(json.dumps([tr.to_dict(e) for e in session.trace]))
        for e, d in zip(session.trace[1:], as_json[1:], strict=True):
            assert tr.KINDS[d["kind"]](**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}) == e


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return math.nextafter(value, math.inf)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, "x")
    return None


def test_any_change_of_any_field_changes_the_digest(runs):
    for session in runs[:6]:
        rows = list(session.trace)
        digest = tr.trace_hash(rows)
        for i, row in enumerate(rows):
            if isinstance(row, tr.Start):
                continue
            for j in range(len(row) - 1):  # every field but the kind
                new = _changed(row[j])
                edited = [*rows[:i], type(row)(*row[:j], new, *row[j + 1:]), *rows[i + 1:]]
                assert tr.trace_hash(edited) != digest, (row, j)
        if len(rows) > 3:
            swapped = [rows[0], rows[2], rows[1], *rows[3:]]
            assert swapped == rows or tr.trace_hash(swapped) != digest


def test_digest_of_a_known_run_is_stable():
    """Session logs carry this digest: if it changes, logs written before no longer verify, and
    LOG_FORMAT (sim.runs.sessionlog) must change with it. Seeded streams and the encoding both count.
    (A change of the bundled tutorial changes it too: then re-pin it, and the test below still
    guards the engine on a case of the tests' own.)"""
    session = run_choices(load_scenario("tutorial"), 7, [0, 1, 0, 2, 0, 1, 0, 0])
    assert len(session.trace) == 69
    assert tr.trace_hash(session.trace) == (
        "sha256:8a80b53b6b2ab2aeca0a2f6af3b0b927db20f854c3c532f5016f6ff1d0789144")


#: A small case of the tests' own with every kind of draw: a normal, a uniform and a triangular
#: amount, an effect's chance, a scripted event's chance and the competitor's random growth; and
#: options shown shuffled.
KNOWN = minimal_yaml({
    "version: 1\n": "version: 2\n",
    "    flags:\n": ("    competitor: {name: Rival, strength: 20, growth: {triangular: [0, 2, 6]}, wins_at: 95}\n"
                  "    flags:\n"),
    "    touchpoints:\n": (
        "    events:\n"
        "      - {id: demo, day: 3, chance: 0.5, text: A demo, effects: [{competitor: {uniform: [5, 15]}}]}\n"
        "    touchpoints:\n"),
    "{id: good, label: Good, days: 2, recommended: true, effects: [{set: pain}, {who: boss, trust: 10}]}":
        "{id: good, label: Good, days: 2, recommended: true, effects: [{set: pain}, "
        "{who: boss, trust: {normal: [10, 3]}}, {info: 20, chance: 0.6}]}",
    "{id: value, label: Value, days: 3, recommended: true, effects: [{who: all, satisfaction: 10}]}":
        "{id: value, label: Value, days: 12, recommended: true, effects: [{who: all, satisfaction: 10}, "
        "{fit: {triangular: [10, 20, 40]}}]}",
    "{id: review, label: Review, days: 2,": "{id: review, label: Review, days: 9,",
})


def test_digest_of_a_known_run_of_the_tests_own_case_is_stable():
    """The same guard on a case that only this file defines: every kind of draw and the shown
    order enter the trace, and its digest is pinned."""
    session = run_choices(load_text(KNOWN), 12, [0, 0, 0])
    kinds = [e.kind for e in session.trace]
    assert kinds.count("decision") == 3 and kinds.count("event") == 1  # the demo happened on this seed
    effects = [(e.cause, e.var) for e in session.trace if e.kind == "effect"]
    assert {("good", "trust"), ("good", "info"), ("value", "fit"), ("demo", "competitor")} <= set(effects)
    assert effects.count(("competitor", "competitor")) == 2  # two weeks of random growth
    assert len(session.trace) == 25
    assert tr.trace_hash(session.trace) == (
        "sha256:57ae02895fa102292139e7ca5b05fb2b1d3b87bdde70c0a54583a7f3581cb32a")


def test_the_digest_covers_the_start(runs):
    """The Start event is encoded as text: its seed, scenario, player and every account's list
    price and margin each change the digest."""
    rows = list(runs[0].trace)
    digest = tr.trace_hash(rows)
    start = rows[0]
    account = start.accounts[0]
    for edited in (start._replace(seed=start.seed + 1), start._replace(scenario=start.scenario + "x"),
                   start._replace(player="bot:expert" if start.player != "bot:expert" else ""),
                   start._replace(accounts=(account._replace(list_price=account.list_price + 1), *start.accounts[1:])),
                   start._replace(accounts=(account._replace(best_margin=account.best_margin + 1),
                                            *start.accounts[1:]))):
        assert tr.trace_hash([edited, *rows[1:]]) != digest, edited


def test_digest_depends_on_values_not_on_shared_objects(runs):
    """The engine shares objects between rows (one float for a moment's time, one string for an
    id); a trace rebuilt from its values, with no object shared, must give the same digest."""
    for session in runs[:4]:
        fresh = [session.trace[0]] + [
            type(r)(*(float.fromhex(v.hex()) if v.__class__ is float else
                      "".join(list(v)) if v.__class__ is str else v for v in r))
            for r in session.trace[1:]
        ]
        assert fresh == session.trace
        assert tr.trace_hash(fresh) == tr.trace_hash(session.trace)


# --- logs --------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "version"), [("touchpoint-log/1", "0.1"), ("touchpoint-log/2", "0.2"),
                                               ("touchpoint-log/3", "0.3")])
def test_logs_of_earlier_formats_get_a_clear_reason(fmt, version):
    header = {"type": "header", "format": fmt, "scenario": "tutorial", "scenario_hash": "x", "seed": 1}
    with pytest.raises(LogError, match=rf"written by Touchpoint {re.escape(version)}, whose logs"):
        parse_lines([json.dumps(header) + "\n"])


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31)))
def test_fast_start_keys_equal_the_general_parse(moment):
    plain = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    slow = started_key(plain.replace("Z", "+00:00"))  # the general path, the same instant
    assert started_key(plain) == slow
    assert started_key(plain[:5] + "13" + plain[7:]) == ""  # month 13 is no date


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_attempt_uuid_is_uuid5_of_the_content_digest(data):
    name = "sha256:" + hashlib.sha256(data).hexdigest()
    assert attempt_uuid(data) == str(uuid.uuid5(ATTEMPT_NAMESPACE, name))


def test_events_hold_only_plain_values(runs):
    """The digest pickles events: a numpy scalar or any other object in one would make the digest
    depend on that library's pickle format, so events hold plain values only."""
    plain = (str, float, int, bool)
    for session in runs:
        for row in session.trace[1:]:
            for v in row:
                assert v.__class__ in plain or (v.__class__ is tuple and all(x.__class__ is str for x in v)), (row, v)
