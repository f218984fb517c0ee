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
from conftest import run_choices
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.grading import ATTEMPT_NAMESPACE, attempt_uuid, started_key
from sim.engine import trace as tr
from sim.engine.dice import BLOCK, Dice, SplitMixSeed, fold, generator, splitmix64
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
    """Dice that take each draw straight from a numpy generator, in the generator's order."""

    def __init__(self, seed: int) -> None:
        self.gen = np.random.default_rng(seed)

    def random(self) -> float:
        return float(self.gen.random())

    def standard_normal(self) -> float:
        return float(self.gen.standard_normal())


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-50, 50), width=st.floats(0.001, 50), at=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_amounts_draw_numpys_values(lo, width, at, seed):
    hi = lo + width
    mode = lo + at * (hi - lo)
    tri = amount(Distribution(triangular=(lo, mode, hi)))
    uni = amount(Distribution(uniform=(lo, hi)))
    nor = amount(Distribution(normal=(lo, width)))
    ours, theirs = _Direct(seed), np.random.default_rng(seed)
    for _ in range(5):
        assert tri.draw(ours) == float(theirs.triangular(lo, mode, hi))
        assert uni.draw(ours) == float(theirs.uniform(lo, hi))
        assert nor.draw(ours) == float(theirs.normal(lo, width))
    assert amount(3).draw(ours) == 3.0 and amount(-2.5).draw(ours) == -2.5


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
    LOG_FORMAT (sim.runs.sessionlog) must change with it. Seeded streams and the encoding both count."""
    session = run_choices(load_scenario("tutorial"), 7, [0, 1, 0, 2, 0, 1, 0, 0])
    assert len(session.trace) == 41
    assert tr.trace_hash(session.trace) == (
        "sha256:6ffed4e8521d3f6c62958025c75faa25b67a981e5fb469eee87b8993efc55df2")


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


def test_events_hold_only_plain_values(runs):
    """The digest pickles events: a numpy scalar or any other object in one would make the digest
    depend on that library's pickle format, so events hold plain values only."""
    plain = (str, float, int, bool)
    for session in runs:
        for row in session.trace[1:]:
            for v in row:
                assert v.__class__ in plain or (v.__class__ is tuple and all(x.__class__ is str for x in v)), (row, v)
