"""Engine invariants over arbitrary choice sequences, on every bundled scenario (hypothesis)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import bundled_ids, run_choices
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import score_run
from sim.engine import trace as tr
from sim.engine.loader import load_scenario
from sim.lang.schema import LOSS_REASONS, STAGES

SCENARIOS = {sid: load_scenario(sid) for sid in bundled_ids()}
choices = st.lists(st.integers(min_value=0, max_value=7), min_size=0, max_size=40)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


#: Effects on numbers that are not 0-100: the deadline (days) and the deal's money.
_NOT_PERCENT = {"patience", "price", "walk_away"}


def check_invariants(session, scenario) -> None:
    trace = session.trace
    assert trace[0].kind == "start" and trace[-1].kind == "end"
    deals = {a.id: a.deal for a in scenario.rules.accounts}
    price = {a.account: a.list_price for a in trace[0].accounts}  # the price on the table, as it moves
    terms: dict[str, set[str]] = {a: set() for a in deals}
    last = 0.0
    for e in trace:
        assert e.t >= last, "time ran backwards"
        last = e.t
        if e.kind == "effect" and e.var not in _NOT_PERCENT:
            assert 0.0 <= e.value <= 100.0
        if e.kind == "effect" and e.var == "price":  # between the floor and the list price
            deal = deals[e.account]
            assert deal is not None and deal.floor <= e.value <= deal.list_price
            price[e.account] = e.value
        if e.kind == "effect" and e.var == "walk_away":
            assert e.value >= 0.0 and e.delayed
        if e.kind == "term":
            terms[e.account].add(e.term)
        if e.kind == "outcome":
            assert e.result in ("won", "lost")
            assert (e.reason == "") == (e.result == "won") and (e.reason in LOSS_REASONS or not e.reason)
            deal = deals[e.account]
            if e.result == "won" and deal is not None:  # won at the price and terms on the table
                assert e.revenue == price[e.account]
                assert e.margin == pytest.approx(
                    price[e.account] - deal.cost + sum(deal.seller_worth[t] for t in terms[e.account]))
            else:
                assert e.revenue == e.margin == 0.0
        if e.kind == "stage":
            assert e.stage in STAGES
        if e.kind == "decision":  # the options shown are those offered, once each, the chosen among them
            assert e.action in e.offered and len(set(e.offered)) == len(e.offered)
    accounts = {a.id for a in scenario.spec.accounts}
    outcomes = [e for e in trace if e.kind == "outcome"]
    assert {e.account for e in outcomes} == accounts  # every deal is decided exactly once
    assert len(outcomes) == len(accounts)
    finished = [e.account for e in trace if e.kind == "finished"]
    assert sorted(finished) == sorted(accounts)
    card = score_run(trace, scenario.rubric)
    assert card.complete
    assert 0 <= card.satisfaction <= 100 and 0 <= card.score <= 100 and 0 <= card.retention <= 1
    assert 0 <= card.conversion <= 1 and 0 <= card.cycle_score <= 1
    assert card.cycle_days is None or 0 <= card.cycle_days <= card.sim_days
    assert card.decisions == len([e for e in trace if e.kind == "decision"])


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=seeds, picks=choices)
def test_any_choices_keep_the_invariants(sid, seed, picks):
    scenario = SCENARIOS[sid]
    session = run_choices(scenario, seed, picks)
    check_invariants(session, scenario)
    again = run_choices(scenario, seed, picks)
    assert tr.trace_hash(again.trace) == tr.trace_hash(session.trace)


_CHILD = """
import json, sys
sys.path.insert(0, {tests!r})
from conftest import run_choices
from sim.engine.loader import load_scenario
from sim.engine import trace as tr
out = []
for sid, seed, picks in json.loads(sys.stdin.read()):
    s = run_choices(load_scenario(sid), seed, picks)
    out.append([tr.to_dict(e) for e in s.trace])
print(json.dumps(out))
"""


def test_trace_identical_in_a_subprocess():
    import os
    import random

    rnd = random.Random(1234)
    cases = [(sid, rnd.randrange(2**32), [rnd.randrange(8) for _ in range(30)])
             for sid in sorted(SCENARIOS) for _ in range(5)]
    here = [[tr.to_dict(e) for e in run_choices(SCENARIOS[sid], seed, picks).trace] for sid, seed, picks in cases]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different hash seed must not matter
    child = subprocess.run([sys.executable, "-c", _CHILD.format(tests=os.path.dirname(__file__))],
                           input=json.dumps(cases), capture_output=True, text=True, env=env, check=True)
    there = json.loads(child.stdout)
    assert json.loads(json.dumps(here)) == there
