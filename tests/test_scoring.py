"""Scoring is a pure function of the trace and the rubric."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from scoring import renewal_probability, score_run, summarize, wilson_interval
from scoring.scorecard import cycle_score
from scoring.stats import percentile
from sim.engine import trace as tr
from sim.lang.schema import Renewal, Rubric

RUBRIC = Rubric.model_validate({
    "weights": {"conversion": 0.4, "satisfaction": 0.3, "cycle_time": 0.1, "retention": 0.2},
    "target_days": 30, "max_days": 90, "pass_mark": 60,
})


def make_trace(won: bool, close_day: float = 40.0, sat_boss: float = 80.0, price: float = 0.0,
               list_price: float = 0.0, cost: float = 0.0) -> list:
    """A one-account run; with a ``list_price``, a deal won at ``price`` (a cost to deliver of ``cost``)."""
    people = (tr.PersonStart("boss", "economic_buyer", 0.75, 50.0, 50.0, True),
              tr.PersonStart("user", "user", 0.25, 50.0, 40.0, True))
    events: list = [
        tr.Start(0.0, "demo", 5, "", (tr.AccountStart("acme", people, list_price, list_price - cost),)),
        tr.StageChange(0.0, "acme", "need_identification"),
        tr.Decision(0.0, "acme", "meet", "need_identification", "a", ("b", "a"), ("a",), 2.0, 0),
        tr.Response(0.0, "acme", "meet", "a", 0, 0),
        tr.Effect(0.0, "acme", "boss", "satisfaction", sat_boss - 50.0, sat_boss, "a"),
        tr.StageChange(2.0, "acme", "negotiation"),
    ]
    if won:
        margin = price - cost if list_price else 0.0
        events += [tr.Outcome(close_day, "acme", "won", "", price, margin),
                   tr.StageChange(close_day, "acme", "after_sales")]
    else:
        events += [tr.Outcome(close_day, "acme", "lost", "competitor", 0.0, 0.0)]
    events += [tr.Finished(close_day + 1, "acme"), tr.End(close_day + 1)]
    return events


def test_won_run_scorecard():
    card = score_run(make_trace(True, 60.0, 80.0), RUBRIC)
    sat = 0.75 * 80 + 0.25 * 40
    assert card.won and card.conversion == 1.0 and card.complete
    assert card.satisfaction == pytest.approx(sat)
    assert card.cycle_days == 60.0 and card.cycle_score == pytest.approx(0.5)
    ret = renewal_probability(sat, RUBRIC.renewal)
    assert card.retention == pytest.approx(ret)
    assert card.score == pytest.approx(100 * (0.4 + 0.3 * sat / 100 + 0.1 * 0.5 + 0.2 * ret))
    assert card.grade == RUBRIC.grade(card.score)
    assert card.decisions == 1 and card.sim_days == 61.0
    assert card.accounts[0].stages == ("need_identification", "negotiation", "after_sales")


def test_lost_run_scores_satisfaction_only():
    card = score_run(make_trace(False, 20.0, 60.0), RUBRIC)
    assert not card.won and card.lost_reason == "competitor"
    assert card.cycle_days is None and card.retention == 0.0 and card.cycle_score == 0.0
    assert card.score == pytest.approx(30 * card.satisfaction / 100)
    assert not card.passed


def test_an_unfinished_trace_is_incomplete():
    card = score_run(make_trace(True)[:6], RUBRIC)  # stopped before the close
    assert not card.complete and card.accounts[0].result == "open"


def test_a_deal_without_a_price_scores_no_revenue():
    card = score_run(make_trace(True, 60.0, 80.0), RUBRIC)
    assert (card.revenue, card.margin, card.revenue_score, card.margin_score) == (0.0, 0.0, 0.0, 0.0)
    assert (card.accounts[0].list_price, card.accounts[0].best_margin) == (0.0, 0.0)


COMMERCIAL = Rubric.model_validate({
    "weights": {"conversion": 0.3, "satisfaction": 0.2, "cycle_time": 0.1, "retention": 0.1, "revenue": 0.2,
                "margin": 0.1},
    "target_days": 30, "max_days": 90, "pass_mark": 60,
})


def test_revenue_and_margin_are_scored_against_the_list_price():
    """A deal won at 90 of a list price of 100, costing 40 to deliver: revenue 90 of 100, margin
    50 of the 60 at list price; both weigh in the score as the rubric says."""
    card = score_run(make_trace(True, 20.0, 80.0, price=90.0, list_price=100.0, cost=40.0), COMMERCIAL)
    assert (card.revenue, card.margin) == (90.0, 50.0)
    assert card.revenue_score == pytest.approx(0.9) and card.margin_score == pytest.approx(50 / 60)
    acc = card.accounts[0]
    assert (acc.revenue, acc.margin, acc.list_price, acc.best_margin) == (90.0, 50.0, 100.0, 60.0)
    sat = 0.75 * 80 + 0.25 * 40
    ret = renewal_probability(sat, COMMERCIAL.renewal)
    assert card.score == pytest.approx(100 * (0.3 + 0.2 * sat / 100 + 0.1 * 1.0 + 0.1 * ret + 0.2 * 0.9
                                              + 0.1 * 50 / 60))
    # a lost deal brings nothing in, whatever the outcome event says
    lost = score_run(make_trace(False, 20.0, 80.0, price=90.0, list_price=100.0, cost=40.0), COMMERCIAL)
    assert (lost.revenue, lost.margin, lost.revenue_score, lost.margin_score) == (0.0, 0.0, 0.0, 0.0)
    # the scores stay within 0-1: a price above the list, or a margin below nothing
    high = score_run(make_trace(True, 20.0, 80.0, price=150.0, list_price=100.0, cost=40.0), COMMERCIAL)
    assert high.revenue_score == 1.0 and high.margin_score == 1.0
    loss = score_run(make_trace(True, 20.0, 80.0, price=30.0, list_price=100.0, cost=40.0), COMMERCIAL)
    assert loss.margin == -10.0 and loss.margin_score == 0.0


def test_renewal_is_convex_and_bounded():
    r = Renewal(floor=0.2, ceiling=0.95, curve=2.5)
    values = [renewal_probability(s, r) for s in range(0, 101, 10)]
    assert values[0] == pytest.approx(0.2) and values[-1] == pytest.approx(0.95)
    steps = [b - a for a, b in pairwise(values)]
    assert all(b > a for a, b in pairwise(steps))  # each step up is bigger: convex
    # "totally satisfied" (95) renews far more often than "merely satisfied" (65)
    top, mid, low = (renewal_probability(s, r) for s in (95, 65, 35))
    assert top - mid > mid - low


def test_cycle_score_is_linear_between_target_and_max():
    assert cycle_score(10, RUBRIC) == 1.0 and cycle_score(90, RUBRIC) == 0.0
    assert cycle_score(75, RUBRIC) == pytest.approx(0.25) and cycle_score(None, RUBRIC) == 0.0


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)  # textbook value: (0.490, 0.943)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_percentile_matches_numpy_default():
    import numpy as np

    data = sorted([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    for q in (0, 10, 25, 50, 90, 100):
        assert percentile(data, q) == pytest.approx(float(np.percentile(data, q)))
    assert math.isnan(percentile([], 50))


def test_summary_over_runs():
    cards = [score_run(make_trace(True, 40.0), RUBRIC), score_run(make_trace(True, 60.0), RUBRIC),
             score_run(make_trace(False, 20.0), RUBRIC)]
    s = summarize(cards)
    assert s["runs"] == 3 and s["conversion_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["conversion_ci95"] == [round(x, 4) for x in wilson_interval(2, 3)]
    assert s["cycle_days_median"] == 50.0
    assert s["funnel"]["need_identification"] == 3 and s["funnel"]["after_sales"] == 2 and s["funnel"]["won"] == 2
    assert s["lost_reasons"] == {"competitor": 1}
    assert s["retention_mean"] == pytest.approx(cards[0].retention, abs=1e-4)


def test_scoring_ignores_anything_but_trace_and_rubric(tutorial):
    from sim.runs.policies import ExpertPolicy, play

    session = play(tutorial, ExpertPolicy(), 4)
    a = score_run(session.trace, tutorial.rubric)
    b = score_run(list(session.trace), tutorial.rubric)
    assert a == b
    stricter = tutorial.rubric.model_copy(update={"pass_mark": 99.0})
    assert not score_run(session.trace, stricter).passed
