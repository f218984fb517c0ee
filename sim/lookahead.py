"""A lookahead trainee: at each decision, try every offered option with short rollouts, keep the best.

It answers the instructor's question "is the recommended path really the best one?": where the
lookahead beats the expert (who follows the recommended actions), the case rewards something
the author did not recommend.

A :class:`~sim.session.Session` cannot be copied (SimPy processes are generators), so a rollout
rebuilds the state: a fresh ``Session(scenario, seed)`` replays the run's choices so far, which
lands exactly on the current decision because the engine is deterministic. Before the tried
option is chosen the run's generator is re-seeded per rollout, so the lookahead samples the dice
still to come instead of peeking at the ones this run will actually roll; every option is tried
against the same re-seeded streams (common random numbers), so differences between options are
not noise between streams. The rest of the run is played by the rollout policy (the expert by
default) and scored with the rubric; the option with the best mean score wins, ties going to the
option offered first. Everything is seeded: the same scenario and seed give the same choices.

Cost: a decision with ``k`` options costs ``k * rollouts`` whole runs. ``budget`` bounds the
rollouts per run; once spent, the policy follows the expert for the rest of the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring import score_run
from sim.decisions import DecisionPoint, RunOutcome
from sim.policies import POLICY_STREAM, ExpertPolicy, Policy, RandomPolicy
from sim.session import Session

#: Salt of the re-seeded engine streams (kept apart from the run's and the policies' streams).
ROLLOUT_STREAM = 0x100C
DEFAULT_ROLLOUTS = 4
DEFAULT_BUDGET = 4000


class LookaheadPolicy:
    """Chooses the option whose rollouts score best on average."""

    name = "lookahead"

    def __init__(self, scenario: Any, seed: int, rollouts: int = DEFAULT_ROLLOUTS, rollout_policy: str = "expert",
                 budget: int = DEFAULT_BUDGET) -> None:
        if rollouts < 1:
            raise ValueError("rollouts must be at least 1")
        if rollout_policy not in ("expert", "random"):
            raise ValueError("rollout_policy must be expert or random")
        self.rules = scenario.rules
        self.rubric = scenario.rubric
        self.seed = seed
        self.rollouts = rollouts
        self.rollout_policy = rollout_policy
        self.budget = budget
        self.spent = 0  # rollouts played so far in this run
        self.fallback = ExpertPolicy()

    def choose(self, point: DecisionPoint, session: Session) -> str:
        options = point.options
        if len(options) == 1:
            return options[0].id
        if self.spent + len(options) * self.rollouts > self.budget:
            return self.fallback.choose(point, session)
        prefix = [choice for _, choice in session.history]
        best, best_score = options[0].id, -np.inf
        for option in options:
            total = sum(self._rollout(prefix, point, option.id, k) for k in range(self.rollouts))
            mean = total / self.rollouts
            if mean > best_score + 1e-9:
                best, best_score = option.id, mean
        return best

    def _rollout(self, prefix: list[str], point: DecisionPoint, option: str, k: int) -> float:
        self.spent += 1
        sim = Session(self.rules, self.seed)
        for choice in prefix:
            sim.advance()
            sim.choose(choice)
        here = sim.advance()
        if not isinstance(here, DecisionPoint) or here.key != point.key:  # pragma: no cover - engine bug
            raise RuntimeError(f"replay diverged at decision {len(prefix) + 1} (seed {self.seed})")
        stream = np.random.default_rng([self.seed, ROLLOUT_STREAM, len(prefix), k])
        sim.world.rng.bit_generator.state = stream.bit_generator.state
        sim.choose(option)
        policy: Policy = (self.fallback if self.rollout_policy == "expert"
                          else RandomPolicy(_rollout_seed(self.seed, len(prefix), k)))
        nxt = sim.advance()
        while not isinstance(nxt, RunOutcome):
            sim.choose(policy.choose(nxt, sim))
            nxt = sim.advance()
        return score_run(sim.trace, self.rubric).score


def _rollout_seed(seed: int, depth: int, k: int) -> int:
    """A seed for a random rollout policy, distinct per run, depth and rollout."""
    return int(np.random.SeedSequence([seed, POLICY_STREAM, depth, k]).generate_state(1)[0])


def lookahead_factory(scenario: Any, rollouts: int = DEFAULT_ROLLOUTS, rollout_policy: str = "expert",
                      budget: int = DEFAULT_BUDGET) -> Any:
    """``seed -> LookaheadPolicy``, in the shape :func:`sim.analysis.run_policy` takes."""
    return lambda seed: LookaheadPolicy(scenario, seed, rollouts, rollout_policy, budget)
