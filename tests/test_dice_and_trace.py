"""The run's random numbers (sim.engine.dice) and the trace's rows and digest (sim.engine.trace).

These are the engine's speed-critical parts that are easiest to get subtly wrong: seeding must be
the same everywhere, the inline samplers must give numpy's values, and the digest must change with
any change of the run while staying the same for the same run in any form.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from conftest import run_choices
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.grading import ATTEMPT_NAMESPACE, attempt_uuid, started_key
from sim.engine import dice
from sim.engine import trace as tr
from sim.engine.dice import BLOCK, Dice, SplitMixSeed, fold, generator, pcg64_state, splitmix64
from sim.engine.loader import load_scenario
from sim.engine.rules import _amount, draw
from sim.lang.schema import Distribution
from sim.runs.policies import RandomPolicy, play
from sim.runs.sessionlog import _NOT_JSON, LogError, _loads, parse_lines


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
    """The seeder writes SplitMix64 out for speed: its words must stay the function's outputs."""
    gamma = 0x9E3779B97F4A7C15
    words = SplitMixSeed(seed).generate_state(4, np.uint64)
    x = fold(seed)
    assert words.dtype == np.uint64 and words.tolist() == [splitmix64((x + k * gamma) % 2**64) for k in range(4)]
    assert SplitMixSeed(seed).generate_state(4).tolist() == [w & 0xFFFFFFFF for w in words.tolist()]


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**64 - 1))
def test_the_four_word_seeding_in_lanes_is_splitmix64_word_by_word(seed):
    """PCG64's four words are mixed in 128-bit lanes of one integer; any other number of words is
    mixed one by one. The two ways must agree on every 64-bit seed (the lanes must not leak)."""
    gamma = 0x9E3779B97F4A7C15
    four = SplitMixSeed(seed).generate_state(4, np.uint64)
    assert four.tolist() == [splitmix64((seed + k * gamma) % 2**64) for k in range(4)]
    assert SplitMixSeed(seed).generate_state(5, np.uint64).tolist()[:4] == four.tolist()


def test_seeds_give_their_own_streams_and_the_same_stream_every_time():
    a, b = generator(7).random(8), generator(7).random(8)
    assert (a == b).all()
    assert not (generator(8).random(8) == a).any()
    assert fold(2**64 + 5) != fold(5) and fold(5) == 5  # big seeds fold into 64 bits, distinctly


def test_dice_draw_in_blocks_in_a_fixed_order():
    d = Dice(3)
    gen = generator(3)
    expected_u = gen.random(BLOCK).tolist()
    expected_n = gen.standard_normal(BLOCK).tolist()
    got_u = [d.random() for _ in range(3)]
    got_n = [d.standard_normal() for _ in range(2)]
    assert got_u == expected_u[::-1][:3] and got_n == expected_n[::-1][:2]
    assert all(0.0 <= u < 1.0 for u in got_u)
    # a block is drawn when first needed: the order of the draws decides the values, and only it
    order = "nunuu"
    first = Dice(3)
    values = [first.standard_normal() if k == "n" else first.random() for k in order]
    again = Dice(3)
    assert [again.standard_normal() if k == "n" else again.random() for k in order] == values
    gen = generator(3)
    normals, uniforms = gen.standard_normal(BLOCK).tolist(), gen.random(BLOCK).tolist()
    assert values == [normals[-1], uniforms[-1], normals[-2], uniforms[-2], uniforms[-3]]


def test_reseed_drops_what_is_left_of_the_blocks():
    d = Dice(3)
    d.random()
    d.reseed(np.random.default_rng(99))
    assert d.random() == np.random.default_rng(99).random(BLOCK).tolist()[-1]


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**80))
def test_the_written_out_pcg64_seeding_is_numpys(seed):
    """A kept generator is put into a run's state by :func:`pcg64_state`: it must be the state that
    PCG64 gives itself from the seeder's four words, for any seed."""
    state = generator(seed).bit_generator.state["state"]
    assert pcg64_state(fold(seed)) == (state["inc"] << 128 | state["state"]).to_bytes(32, "little")


def test_a_given_back_generator_serves_the_next_run_with_that_runs_stream(monkeypatch):
    # The engine would still be right without reuse (same streams), only slower: this says so if numpy changes.
    assert dice._REUSE, "numpy's PCG64 state is not laid out as sim.engine.dice checks: every run makes its generator"
    monkeypatch.setattr(dice, "_kept", [])  # none kept yet
    first = Dice(5)
    kept = first.gen
    first.random()
    first.standard_normal()
    first.release()
    assert first.gen is None  # the finished run's dice draw no more
    second = Dice(6)
    assert second.gen is kept  # reused, not made anew
    fresh = generator(6)
    blocks = fresh.random(BLOCK).tolist(), fresh.random(BLOCK).tolist()
    assert [second.random() for _ in range(BLOCK + 3)] == blocks[0][::-1] + blocks[1][:-4:-1]
    again, fresh = Dice(6), generator(6)
    assert again.gen is not kept  # the kept one is in use by `second`
    assert [again.standard_normal() for _ in range(3)] == fresh.standard_normal(BLOCK).tolist()[:-4:-1]
    second.release()
    again.release()


def test_without_reuse_each_run_makes_its_generator_and_gets_the_same_stream(monkeypatch):
    monkeypatch.setattr(dice, "_REUSE", False)
    d = Dice(11)
    assert d._kept is None
    assert [d.random() for _ in range(3)] == generator(11).random(BLOCK).tolist()[:-4:-1]
    d.release()
    assert dice._keep(np.random.Generator(np.random.MT19937(1))) is None  # only PCG64's layout is known


def test_runs_in_threads_share_the_kept_generators_safely():
    """Threads take generators from one pool: each run must still get its own seed's stream."""
    scenario = load_scenario("tutorial")
    seeds = range(40)
    alone = {s: tr.trace_hash(play(scenario, RandomPolicy(s), s).rows) for s in seeds}
    with ThreadPoolExecutor(4) as pool:
        together = dict(zip(seeds, pool.map(lambda s: tr.trace_hash(play(scenario, RandomPolicy(s), s).rows), seeds),
                            strict=True))
    assert together == alone


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-50, 50), width=st.floats(0.001, 50), at=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_inline_samplers_give_numpys_values(lo, width, at, seed):
    hi = lo + width
    mode = lo + at * (hi - lo)
    tri = _amount(Distribution(triangular=(lo, mode, hi)))
    uni = _amount(Distribution(uniform=(lo, hi)))
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(5):
        assert draw(tri, ours) == float(theirs.triangular(lo, mode, hi))
        assert draw(uni, ours) == float(theirs.uniform(lo, hi))


class _NotATuple(tuple):
    """An amount the buyer clock does not recognise as one it draws inline: it calls rules.draw."""


def test_the_buyer_clocks_inline_growth_draws_what_rules_draw_draws():
    """The competitor's weekly growth is drawn inline for triangular, uniform and normal amounts
    (sim.buyer.buyer_clock); forcing every account back onto rules.draw must not change a trace."""
    kinds = set()
    for sid in ("enterprise_software", "medical_device", "pipeline"):
        rules = load_scenario(sid).rules
        kinds |= {a.competitor[1][0] for a in rules.accounts if a.competitor is not None}
        via_draw = replace(rules, accounts=tuple(
            a if a.competitor is None else replace(a, competitor=(
                a.competitor[0], _NotATuple(a.competitor[1]), a.competitor[2]))
            for a in rules.accounts))
        grew = set()  # accounts whose competitor grew in some run
        for seed in range(8):
            inline = play(rules, RandomPolicy(seed), seed)
            drawn = play(via_draw, RandomPolicy(seed), seed)
            grew |= {row[1] for row in inline.rows if row[-1] == "effect" and row[6] == "competitor"}
            assert tr.trace_hash(drawn.rows) == tr.trace_hash(inline.rows)
        assert grew == {a.id for a in rules.accounts if a.competitor is not None}
    assert kinds == {"t", "u", "n"}  # every kind the clock draws inline is covered


# --- the trace ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    out = []
    for sid in ("tutorial", "enterprise_software", "pipeline"):
        scenario = load_scenario(sid)
        out += [play(scenario, RandomPolicy(s), s) for s in range(3)]
    return out


def test_rows_and_typed_events_are_the_same_trace(runs):
    for session in runs:
        typed = session.trace
        assert [e.kind for e in typed] == [r[-1] for r in session.rows]
        assert [tr.row(e) for e in typed] == session.rows
        assert tr.rows(typed) == session.rows and tr.events(session.rows) == typed
        assert tr.trace_hash(typed) == tr.trace_hash(session.rows)
        assert json.loads(json.dumps([tr.to_dict(r) for r in session.rows])) == [tr.to_dict(e) for e in typed]


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
        rows = list(session.rows)
        digest = tr.trace_hash(rows)
        for i, row in enumerate(rows):
            if row[-1] == "start":
                continue
            for j in range(len(row) - 1):  # every field but the kind
                new = _changed(row[j])
                edited = [*rows[:i], (*row[:j], new, *row[j + 1:]), *rows[i + 1:]]
                assert tr.trace_hash(edited) != digest, (row, j)
        if len(rows) > 3:
            swapped = [rows[0], rows[2], rows[1], *rows[3:]]
            assert swapped == rows or tr.trace_hash(swapped) != digest


def test_digest_of_a_known_run_is_stable():
    """Session logs carry this digest: if it changes, logs written before no longer verify, and
    LOG_FORMAT (sim.runs.sessionlog) must change with it. Seeded streams and the encoding both count."""
    session = run_choices(load_scenario("tutorial"), 7, [0, 1, 0, 2, 0, 1, 0, 0])
    assert len(session.rows) == 41
    assert tr.trace_hash(session.rows) == (
        "sha256:6ffed4e8521d3f6c62958025c75faa25b67a981e5fb469eee87b8993efc55df2")


def test_digest_depends_on_values_not_on_shared_objects(runs):
    """The engine shares objects between rows (one float for a moment's time, one string for an
    id); a trace rebuilt from its values, with no object shared, must give the same digest."""
    for session in runs[:4]:
        fresh = [session.rows[0]] + [
            tuple(float.fromhex(v.hex()) if v.__class__ is float else
                  "".join(list(v)) if v.__class__ is str else v for v in r)
            for r in session.rows[1:]
        ]
        assert fresh == session.rows
        assert tr.trace_hash(fresh) == tr.trace_hash(session.rows)


# --- reading logs fast, the same way --------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=8,
)


def _json_loads(line: str):
    try:
        return json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return _NOT_JSON


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
       before=st.sampled_from(["", " ", "\t"]), after=st.sampled_from(["", " ", "x", "}", ",{}", "\r", "\x0c"]))
def test_fast_line_reading_is_json_loads(value, before, after):
    line = before + json.dumps(value) + after + "\n"
    assert _loads(line) == _json_loads(line) or (_loads(line) is _NOT_JSON and _json_loads(line) is _NOT_JSON)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30))
def test_fast_line_reading_of_garbage_is_json_loads(text):
    line = "{" + text + "\n"
    a, b = _loads(line), _json_loads(line)
    assert a == b or (a is _NOT_JSON and b is _NOT_JSON) or (a != a and b != b)


@pytest.mark.parametrize(("fmt", "version"), [("touchpoint-log/1", "0.1"), ("touchpoint-log/2", "0.2")])
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


def test_rows_hold_only_plain_values(runs):
    """The digest pickles rows: a numpy scalar or any other object in a row would make the digest
    depend on that library's pickle format, so rows hold plain values only."""
    plain = (str, float, int, bool)
    for session in runs:
        for row in session.rows[1:]:
            for v in row:
                assert v.__class__ in plain or (v.__class__ is tuple and all(x.__class__ is str for x in v)), (row, v)
