"""The engine: stepping API, the buyer's clock, gates, losses and determinism."""

from __future__ import annotations

import pytest
from conftest import bundled_ids, load_text, minimal_yaml, run_choices

from sim import load_scenario
from sim.engine import trace as tr
from sim.engine.decisions import DecisionPoint, InvalidChoice, RunOutcome
from sim.engine.dice import Dice
from sim.engine.session import Session
from sim.runs.policies import ExpertPolicy, RandomPolicy, play


def kinds(session: Session, kind: str) -> list:
    return [e for e in session.trace if e.kind == kind]


def test_stepping_api_pauses_at_each_decision(mini):
    s = Session(mini, 1)
    p = s.advance()
    assert isinstance(p, DecisionPoint)
    assert (p.kind, p.key, p.stage, p.day, p.number) == ("action", "acme/meet", "need_identification", 0.0, 1)
    assert sorted(o.id for o in p.options) == ["bad", "good"]  # shown in the run's own shuffled order
    assert [o.id for o in p.options] == [o.id for o in Session(mini, 1).advance().options]
    assert s.advance() is p  # nothing moves while a decision is pending
    s.choose("good")
    p2 = s.advance()
    assert p2.key == "acme/close" and p2.day == 2.0  # the meeting took two seller days
    with pytest.raises(InvalidChoice):
        s.choose("nonsense")
    s.choose("value")
    with pytest.raises(InvalidChoice):
        s.choose("value")  # answered already: no decision is pending until advance()


def test_expert_wins_and_after_sales_follows(mini):
    s = play(mini, ExpertPolicy(), 3)
    out = s.outcome()
    assert out.won and out.accounts[0].result == "won"
    stages = [e.stage for e in kinds(s, "stage")]
    assert stages == ["need_identification", "negotiation", "after_sales"]
    won = next(e for e in s.trace if e.kind == "outcome")
    assert won.t == 5.0  # 2 days meeting + 3 days closing
    assert s.trace[-1].kind == "end" and s.trace[-1].t == 7.0


def test_failed_gate_without_repeats_stalls(mini):
    s = run_choices(mini, 1, [1])  # "bad": the pain is never acknowledged
    out = s.outcome()
    assert not out.won and out.accounts[0].reason == "stalled"
    assert [e.stage for e in kinds(s, "stage")] == ["need_identification"]


def test_repeat_gives_another_chance():
    sc = load_text(minimal_yaml({"        with: [boss]\n": "        with: [boss]\n        repeat: 2\n"}))
    s = run_choices(sc, 1, [1, 1, 0, 0, 0])  # bad, bad, then good
    keys = [e.touchpoint for e in kinds(s, "decision")]
    assert keys[:3] == ["meet", "meet", "meet"]
    assert "negotiation" in [e.stage for e in kinds(s, "stage")]  # the third try got past the gate
    s2 = run_choices(sc, 1, [1, 1, 1, 0])  # three bad tries use up the repeats
    assert s2.outcome().accounts[0].reason == "stalled"
    assert [e.touchpoint for e in kinds(s2, "decision")] == ["meet", "meet", "meet"]


def test_veto_blocks_the_close():
    # Pushing drops trust of everyone by 30: the economic buyer (veto below 35) blocks the close.
    sc = load_text(minimal_yaml({"negotiation: {gate: consensus >= 50}": "negotiation: {gate: day >= 0}"}))
    s = run_choices(sc, 1, [0, 1])
    assert s.outcome().accounts[0].reason == "veto"


def test_patience_runs_out_on_the_buyers_clock():
    sc = load_text(minimal_yaml({"patience_days: 90": "patience_days: 4",
                                 "days: 3, recommended": "days: 9, recommended"}))
    s = run_choices(sc, 1, [0, 0])
    out = next(e for e in s.trace if e.kind == "outcome")
    assert (out.result, out.reason, out.t) == ("lost", "patience", 4.0)  # exactly at the deadline


def test_competitor_grows_weekly_and_wins():
    sc = load_text(minimal_yaml({
        "    flags:\n": "    competitor: {name: Rival, strength: 50, growth: 10, wins_at: 80}\n    flags:\n",
        "days: 3, recommended": "days: 30, recommended",
    }))
    s = run_choices(sc, 1, [0, 0])
    growth = [e for e in kinds(s, "effect") if e.var == "competitor"]
    assert [e.t for e in growth] == [7.0, 14.0, 21.0]
    assert s.outcome().accounts[0].reason == "competitor"


def test_trust_drifts_without_contact():
    sc = load_text(minimal_yaml({"days: 3, recommended": "days: 40, recommended"}))
    s = run_choices(sc, 1, [0, 0])
    drift = [e for e in kinds(s, "effect") if e.cause == "drift"]
    assert drift and all(e.delta == -2.0 for e in drift)
    assert all(e.t - 2.0 >= 14 for e in drift if e.target == "boss")  # boss was met on day 0


def test_scripted_event_with_chance_and_condition():
    ev = ("    events:\n"
          "      - {id: freeze, day: 1, chance: 0.5, text: Budget freeze, effects: [{patience: -30}]}\n"
          "      - {id: never, day: 1, when: not pain, text: Never, effects: [{info: 5}]}\n"
          "    touchpoints:\n")
    sc = load_text(minimal_yaml({"    touchpoints:\n": ev}))
    happened = 0
    for seed in range(200):
        s = run_choices(sc, seed, [0])
        names = [e.event for e in kinds(s, "event")]
        assert "never" not in names  # pain was acknowledged on day 0
        happened += "freeze" in names
        # The chance is the first draw of the event's own source.
        freeze = next(e for e in sc.rules.accounts[0].events_start if e.id == "freeze")
        assert ("freeze" in names) == (Dice(seed).uniform(freeze.source) < 0.5)
    assert 70 < happened < 130  # about half


def _ops(session: Session, touchpoint: str, action: str) -> list:
    """The compiled operations of an action, with those inside a chance flattened out."""
    from sim.engine.rules import flatten

    return list(flatten(session.rules.accounts[0].touchpoints[touchpoint].by_id[action].ops))


def test_an_effect_on_several_people_draws_for_each_present_one_in_order():
    """``who: all`` with a random amount: each person's change has a source of its own; they change
    in the order listed; someone absent neither changes nor draws; everyone present was met."""
    from sim.engine.dice import Dice

    three = ("      - {id: user, name: User, role: user, influence: 0.4, trust: 50, satisfaction: 50}\n"
             "      - {id: gone, name: Gone, role: influencer, influence: 0.2, trust: 50, satisfaction: 50,"
             " present: false}\n"
             "      - {id: tech, name: Tech, role: technical_buyer, influence: 0.3, trust: 50, satisfaction: 50}\n")
    sc = load_text(minimal_yaml({
        "      - {id: user, name: User, role: user, influence: 0.4, trust: 50, satisfaction: 50}\n": three,
        "{id: push, label: Push, days: 1, effects: [{who: all, trust: -30}]}":
            "{id: push, label: Push, days: 1, effects: [{who: all, trust: {normal: [1, 2]}, satisfaction: 4}]}"}))
    s = Session(sc, 5)
    s.advance()
    s.choose("good")  # boss trust 50 -> 60, no draws; two days
    assert s.advance().touchpoint == "close"
    s.choose("push")
    s.advance()
    changes = [(e.target, e.var, e.delta) for e in kinds(s, "effect") if e.cause == "push"]
    sources = {op.person: op.trust.source for op in _ops(s, "close", "push") if op.trust is not None}
    assert len(set(sources.values())) == 4  # one stream each, the absent person's included
    dice = Dice(5)
    expected = [(pid, "trust", (before + (1 + 2 * dice.normal(sources[pid]))) - before)
                for pid, before in (("boss", 60.0), ("user", 50.0), ("tech", 50.0))]
    assert changes == expected + [(pid, "satisfaction", 4.0) for pid in ("boss", "user", "tech")]
    people = s.deals[0].people
    assert (people["gone"].trust, people["gone"].satisfaction) == (50.0, 50.0)  # absent: unchanged
    assert [people[pid].last_contact for pid in ("boss", "user", "tech")] == [2.0, 2.0, 2.0]


def test_an_effect_on_one_person_changes_trust_then_satisfaction():
    """Both numbers of one person in one effect: trust first, then satisfaction, each from its own
    source; an absent person changes neither."""
    from sim.engine.dice import Dice

    sc = load_text(minimal_yaml({
        "{id: push, label: Push, days: 1, effects: [{who: all, trust: -30}]}":
            "{id: push, label: Push, days: 1, effects: [{who: user, trust: {normal: [1, 2]},"
            " satisfaction: {uniform: [-4, 4]}}, {leave: user}, {who: user, trust: 9, satisfaction: 9},"
            " {who: boss, trust: 3, satisfaction: {normal: [2, 1]}}]}"}))
    s = Session(sc, 8)
    s.advance()
    s.choose("good")  # boss trust 50 -> 60, no draws
    s.advance()
    s.choose("push")
    s.advance()
    rows = [(e.target, e.var, e.delta) for e in kinds(s, "effect") if e.cause == "push"]
    ops = [op for op in _ops(s, "close", "push") if op.__class__.__name__ == "PersonChange"]
    user, boss = ops[0], ops[2]
    dice = Dice(8)
    trust = (50.0 + (1 + 2 * dice.normal(user.trust.source))) - 50.0
    satisfaction = (50.0 + (-4 + 8 * dice.uniform(user.satisfaction.source))) - 50.0
    boss_sat = (50.0 + (2 + 1 * dice.normal(boss.satisfaction.source))) - 50.0
    assert rows == [("user", "trust", trust), ("user", "satisfaction", satisfaction),
                    ("boss", "trust", 3.0), ("boss", "satisfaction", boss_sat)]


def test_an_effects_chance_takes_one_draw_and_decides_all_its_parts():
    """``chance: p``: one draw of the chance's own source; below ``p`` every part of the effect
    happens, else none does. The effects after it draw the same values either way (same seed,
    same world)."""
    from sim.engine.dice import Dice
    from sim.engine.rules import Chance

    sc = load_text(minimal_yaml({
        "{id: push, label: Push, days: 1, effects: [{who: all, trust: -30}]}":
            "{id: push, label: Push, days: 1, effects: [{who: boss, chance: 0.5, trust: {normal: [1, 2]},"
            " info: 7}, {who: user, satisfaction: {normal: [3, 1]}}]}"}))
    seen = set()
    for seed in range(40):
        s = Session(sc, seed)
        s.advance()
        s.choose("good")  # no draws: boss trust 50 -> 60
        s.advance()
        s.choose("push")
        s.advance()
        rows = [(e.target, e.var, e.delta) for e in kinds(s, "effect") if e.cause == "push"]
        chance = s.rules.accounts[0].touchpoints["close"].by_id["push"].ops[0]
        assert isinstance(chance, Chance)
        boss, _, user = _ops(s, "close", "push")
        dice = Dice(seed)
        happens = dice.uniform(chance.source) < 0.5
        expected = []
        if happens:
            expected = [("boss", "trust", (60.0 + (1 + 2 * dice.normal(boss.trust.source))) - 60.0), ("", "info", 7.0)]
        expected.append(("user", "satisfaction", (50.0 + (3 + 1 * dice.normal(user.satisfaction.source))) - 50.0))
        assert rows == expected
        seen.add(happens)
    assert seen == {True, False}


def test_same_seed_same_world_whatever_the_trainee_does():
    """On one seed, different play sees the same scripted events happen and the same competitor
    moves, week by week, while the deal is open in both."""
    sc = load_scenario("enterprise_software")
    for seed in range(30):
        runs = [play(sc, policy, seed) for policy in (ExpertPolicy(), RandomPolicy(seed), RandomPolicy(seed + 99))]
        rolls = [{e.event for e in kinds(s, "event")} for s in runs]
        growth = [[(e.t, e.delta) for e in kinds(s, "effect") if e.cause == "competitor"] for s in runs]
        ends = [next(e.t for e in kinds(s, "outcome")) for s in runs]
        for run_growth, rolled, end in zip(growth, rolls, ends, strict=True):
            common = min(end, min(ends))
            # the competitor's weekly growth agrees while the deals were all still open (the same
            # draw added to strengths the trainee's actions made different: equal to rounding)
            mine, first = ([g for g in gs if g[0] < common] for gs in (run_growth, growth[0]))
            assert [t for t, _ in mine] == [t for t, _ in first]
            assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(mine, first, strict=True))
            # an event with a chance that happened in one run and not another must have been
            # prevented by its condition or by the deal's end, never by the dice
            for ev in sc.rules.accounts[0].events_start:
                if ev.day < common and ev.when is None:
                    assert (ev.id in rolled) == (ev.id in rolls[0]), (seed, ev.id)


def test_effect_lose_ends_the_deal_at_once():
    sc = load_text(minimal_yaml({"{id: bad, label: Bad, days: 1, effects: [{who: boss, trust: -10}]}":
                                 "{id: bad, label: Bad, days: 1, effects: [{lose: disqualified}]}"}))
    s = run_choices(sc, 1, [1])
    assert s.outcome().accounts[0].reason == "disqualified"
    assert s.trace[-1].t == 1.0


PIPELINE = """\
version: 1
id: pipe
title: Pipe
objective: Win two
rubric:
  weights: {conversion: 0.5, satisfaction: 0.3, cycle_time: 0.1, retention: 0.1}
  target_days: 20
  max_days: 60
  wins_needed: 2
accounts:
"""
ACCOUNT = """\
  - id: {aid}
    persona: {{company: {aid}, industry: x, size: x}}
    patience_days: {patience}
    stakeholders:
      - {{id: p, name: P, role: economic_buyer, influence: 1, trust: 60}}
    stages:
      negotiation: {{}}
    touchpoints:
      - id: t
        stage: negotiation
        title: T
        situation: S
        actions:
          - {{id: a, label: A, days: 5, recommended: true}}
          - {{id: b, label: B, days: 1}}
"""


def test_pipeline_focus_decisions_and_shared_time():
    text = PIPELINE + "".join(ACCOUNT.format(aid=a, patience=p) for a, p in (("x", 30), ("y", 8), ("z", 50)))
    sc = load_text(text)
    s = Session(sc, 1)
    p = s.advance()
    assert p.kind == "focus" and sorted(o.id for o in p.options) == ["x", "y", "z"]  # shown shuffled
    assert p.recommended == ("y",)  # earliest deadline first
    s.choose("x")
    p = s.advance()
    assert p.key == "x/t"
    s.choose("a")  # five days on x, while y's clock runs
    p = s.advance()
    assert p.kind == "focus" and p.day == 5.0 and sorted(o.id for o in p.options) == ["y", "z"]
    s.choose("z")
    s.advance()
    s.choose("a")  # days 5..10: y's deadline (day 8) passes meanwhile
    p = s.advance()
    assert isinstance(p, RunOutcome)
    results = {r.account: (r.result, r.reason, r.day) for r in p.accounts}
    assert results == {"x": ("won", "", 5.0), "y": ("lost", "patience", 8.0), "z": ("won", "", 10.0)}
    assert p.won  # two of three
    focus = kinds(s, "focus")
    assert [f.account for f in focus] == ["x", "z"]


def test_same_seed_and_choices_same_trace(mini, tutorial):
    for sc in (mini, tutorial):
        a = play(sc, RandomPolicy(9), 9)
        b = play(sc, RandomPolicy(9), 9)
        assert tr.trace_hash(a.trace) == tr.trace_hash(b.trace)
        c = play(sc, RandomPolicy(9), 10)
        assert tr.trace_hash(a.trace) != tr.trace_hash(c.trace)


def test_observation_shows_signals_not_numbers(tutorial):
    s = Session(tutorial, 1)
    s.advance()
    view = s.observe()
    acc = view.accounts[0]
    assert acc.stage == "need_identification" and acc.days_left == 60
    assert {p.id for p in acc.people} == {"zhou", "li", "chen"}
    for p in acc.people:
        assert 0 <= p.mood <= 4 and 0 <= p.trust <= 4
        assert not hasattr(p, "satisfaction")
        if p.known:  # the seller knows their role and weight
            assert p.influence in ("high", "medium", "low") and p.role is not None
        else:  # Chen, the IT lead, is someone the seller has yet to place in the buying center
            assert p.id == "chen" and (p.role, p.influence, p.veto) == (None, None, None)
    assert [p.known for p in acc.people] == [True, True, False]


def test_seed_must_be_a_non_negative_int(mini):
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError):
            Session(mini, bad)


def test_the_account_just_served_is_offered_again():
    stages = "      solution_design: {{}}\n      negotiation: {{}}\n"
    two_step = ACCOUNT.replace("      negotiation: {{}}\n", stages).replace(
        "      - id: t\n        stage: negotiation",
        "      - id: s\n        stage: solution_design\n        title: S\n        situation: S\n        actions:\n"
        "          - {{id: a, label: A, days: 2}}\n      - id: t\n        stage: negotiation")
    sc = load_text(PIPELINE + "".join(two_step.format(aid=a, patience=90) for a in ("x", "y")))
    s = Session(sc, 1)
    p = s.advance()
    assert p.kind == "focus"
    s.choose("x")
    s.advance()
    s.choose("a")  # x moves on to its next touchpoint and asks again at once
    p = s.advance()
    assert p.kind == "focus" and sorted(o.id for o in p.options) == ["x", "y"]


def test_focus_options_are_shown_in_a_drawn_order():
    text = PIPELINE + "".join(ACCOUNT.format(aid=a, patience=p) for a, p in (("x", 30), ("y", 8), ("z", 50)))
    sc = load_text(text)
    orders = {tuple(o.id for o in Session(sc, seed).advance().options) for seed in range(30)}
    assert len(orders) >= 4  # not the file's order every time
    assert all(sorted(o) == ["x", "y", "z"] for o in orders)


def test_the_menu_is_what_is_offered_when_the_trainee_decides():
    """In a pipeline an event may land between an account's ask and the decision: the actions
    offered (and their ``when``) are judged at the decision."""
    text = PIPELINE + "".join(ACCOUNT.format(aid=a, patience=90) for a in ("x", "y"))
    text = text.replace("          - {id: b, label: B, days: 1}\n",
                        "          - {id: b, label: B, days: 1, when: \"visits(t) >= 1\"}\n", 1)
    sc = load_text(text)
    s = Session(sc, 1)
    p = s.advance()
    s.choose(next(o.id for o in p.options if o.id == "x"))
    p = s.advance()
    assert p.key == "x/t" and {o.id for o in p.options} == {"a", "b"}  # visits(t) counts this visit


def test_wait_days_let_the_buyer_take_time_while_the_seller_is_free():
    sc = load_text(minimal_yaml({"{id: good, label: Good, days: 2, recommended: true,":
                                 "{id: good, label: Good, days: 2, wait_days: 10, recommended: true,"}))
    s = run_choices(sc, 1, [0, 0, 0])
    decisions = kinds(s, "decision")
    assert [d.t for d in decisions[:2]] == [0.0, 12.0]  # 2 seller days, then 10 buyer days


def test_after_sales_period_lets_close_events_happen():
    ev = ("    events:\n"
          "      - {id: late_issue, day: 10, after: close, text: An issue, effects: [{who: all, satisfaction: -10}]}\n"
          "    touchpoints:\n")
    base = minimal_yaml({"    touchpoints:\n": ev})
    without = run_choices(load_text(base), 1, [0])
    assert not kinds(without, "event")  # the account finished before day 10 after the close
    longer = load_text(base.replace("after_sales: {}", "after_sales: {lasts_days: 30}"))
    s = run_choices(longer, 1, [0])
    assert [e.event for e in kinds(s, "event")] == ["late_issue"]
    assert s.trace[-1].t == 5.0 + 30.0  # closed on day 5; the follow-up period ends 30 days later


def test_only_after_sales_has_a_follow_up_period():
    from sim.engine.loader import ScenarioError

    with pytest.raises(ScenarioError, match="only after_sales has a follow-up period"):
        load_text(minimal_yaml({"negotiation: {gate: consensus >= 50}": "negotiation: {gate: consensus >= 50, "
                                "lasts_days: 3}"}))


@pytest.mark.parametrize("sid", ["tutorial", "enterprise_software", "medical_device", "pipeline"])
def test_a_finished_run_leaves_no_reference_cycles(sid):
    """Batches play thousands of runs: each run's state must be freed by reference counting when
    it is dropped, or the cycle collector's passes cost a share of the batch (pipeline accounts
    lost while they waited for the seller once left their suspended journeys in a cycle). Only
    SimPy's environment keeps a small cycle of its own (its bound event classes and the events
    still queued), which holds nothing of the run's."""
    import gc

    import simpy

    from sim.engine.loader import load_scenario
    from sim.engine.seller import Seller
    from sim.engine.session import Session
    from sim.engine.state import Deal, Person, World
    from sim.engine.trace import Trace

    scenario = load_scenario(sid)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for seed in range(60):
            play(scenario, RandomPolicy(seed), seed)
            play(scenario, ExpertPolicy(), seed)
        gc.collect()
        left = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    ours = (Session, Seller, World, Deal, Person, Trace)
    assert [o for o in left if isinstance(o, ours)] == []
    assert sum(isinstance(o, simpy.Environment) for o in left) <= 120  # one each
    assert len(left) <= 120 * 40  # and a few small objects with it


@pytest.mark.parametrize("sid", bundled_ids())
def test_steps_counts_every_simpy_event_the_run_processed(sid):
    """``Session.steps`` (what the benchmark divides by) is the number of ``env.step`` calls."""
    s = Session(load_scenario(sid), 11)
    calls = 0
    step = s.env.step

    def counted() -> None:
        nonlocal calls
        calls += 1
        step()

    s.env.step = counted  # type: ignore[method-assign]
    policy = RandomPolicy(11)
    point = s.advance()
    while not isinstance(point, RunOutcome):
        assert s.steps == calls
        s.choose(policy.choose(point, s))
        point = s.advance()
    assert s.steps == calls > 0
    assert s.advance() is point and s.steps == calls  # asking again after the end steps no more


def test_a_run_past_the_step_cap_stops_with_one_engine_error(monkeypatch):
    import sim.engine.session as session_module

    monkeypatch.setattr(session_module, "MAX_STEPS", 12)
    s = Session(load_scenario("pipeline"), 2)
    policy = ExpertPolicy()
    with pytest.raises(session_module.EngineError, match="run exceeded 12 steps at day"):
        point = s.advance()
        while not isinstance(point, RunOutcome):
            s.choose(policy.choose(point, s))
            point = s.advance()
    assert s.steps == 12


def _to_agenda(session: Session, pick: dict[str, str]) -> DecisionPoint:
    """Advance, choosing ``pick[touchpoint]`` at action decisions (else the first shown), to the
    first agenda decision."""
    point = session.advance()
    while isinstance(point, DecisionPoint) and point.kind != "agenda":
        session.choose(pick.get(point.touchpoint, point.options[0].id))
        point = session.advance()
    assert isinstance(point, DecisionPoint)
    return point


def test_agenda_options_say_their_days_and_where_moving_on_leads(tutorial):
    session = Session(tutorial, 3)
    point = _to_agenda(session, {"first_meeting": "ask_cost"})
    by_id = {o.id: o for o in point.options}
    rules = tutorial.rules.accounts[0].touchpoints
    for tid in ("ops_floor", "it_review", "finance_call"):
        days = [a.days for a in rules[tid].actions]
        assert (by_id[tid].days, by_id[tid].days_max) == (min(days), max(days))
    # info is 15 after the first meeting: moving on now leads to the catch-up (when: info < 40)
    assert by_id["move_on"].then == "catch_up" and by_id["move_on"].days == 0.0


def test_moving_on_with_enough_learnt_leads_to_the_stage_gate(tutorial):
    session = Session(tutorial, 3)
    point = _to_agenda(session, {"first_meeting": "ask_cost"})
    session.choose("ops_floor")
    point = session.advance()
    session.choose("map_center")  # info +25: 40, the catch-up no longer comes
    point = session.advance()
    assert point.kind == "agenda"
    assert {o.id: o for o in point.options}["move_on"].then == ""


def test_the_deal_view_names_its_currency(tutorial):
    session = Session(tutorial, 1)
    session.advance()
    deal = session.observe().accounts[0].deal
    assert deal is not None and deal.currency == "CNY" and deal.price == deal.list_price == 360000


def test_a_delayed_change_comes_to_light_at_the_accounts_next_decision(tutorial):
    from sim.engine.signals import moves, surfaced

    session = Session(tutorial, 3)
    _to_agenda(session, {"first_meeting": "ask_cost"})
    session.choose("ops_floor")
    session.advance()
    session.choose("prepare_quote")  # Li Na hears of the quote later: trust -8, satisfaction -5, delayed
    quote = len(session.trace)
    point = session.advance()  # the choice is played out
    threshold = tutorial.spec.signal_threshold
    assert not [m for m in moves(session.trace[quote:], "prepare_quote", threshold) if m.target == "li"]
    while point.kind != "action":
        session.choose(point.options[0].id)
        point = session.advance()
    session.choose(point.options[0].id)
    session.advance()
    at = max(i for i, e in enumerate(session.trace) if e.kind == "decision")
    came = {(m.target, m.var): m.delta for m in surfaced(session.trace, at, threshold)}
    assert came == {("li", "trust"): -8.0, ("li", "satisfaction"): -5.0}
    with pytest.raises(ValueError):
        surfaced(session.trace, 0, threshold)
