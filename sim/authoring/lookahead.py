"""A lookahead trainee: at each decision, try every offered option with short rollouts, keep the best.

It answers the instructor's question "is the recommended path really the best one?": where the
lookahead beats the expert (who follows the recommended actions), the case rewards something
the author did not recommend.

A :class:`~sim.engine.session.Session` cannot be copied (SimPy processes are generators), so a rollout
rebuilds the state: a fresh ``Session(scenario, seed)`` replays the run's choices so far, which
lands exactly on the current decision because the engine is deterministic. Before the tried
option is chosen the run's generator is re-seeded per rollout, so the lookahead samples the dice
still to come instead of peeking at the ones this run will actually roll; every option is tried
against the same re-seeded streams (common random numbers), so differences between options are
not noise between streams. The rest of the run is played by the rollout policy (the expert by
default) and scored with the rubric; the option with the best mean score wins.

A few rollouts are noisy (a won or lost deal moves the score by 40 points or more), and picking the
best of several noisy means picks lucky ones: with four rollouts a lookahead did worse than the
expert it builds on. So the expert's own choice (the recommended option) stands unless the best
option beats it beyond noise: their rollouts are paired by stream, and while the mean paired
difference is positive but not significant (one-sided, about 95%), both get more rollouts, up to
``max_rollouts``. Everything is seeded: the same scenario and seed give the same choices.

Cost: a decision with ``k`` options costs ``k * rollouts`` whole runs, more when a challenger
needs confirming. ``budget`` bounds the rollouts per run; once spent, the policy follows the
expert for the rest of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scoring import score_run
from sim.engine.decisions import DecisionPoint, RunOutcome
from sim.engine.session import Session
from sim.runs.policies import POLICY_STREAM, ExpertPolicy, Policy, RandomPolicy

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_ROLLOUTS",
    "DEFAULT_ROLLOUTS",
    "ROLLOUT_STREAM",
    "Z_ONE_SIDED",
    "LookaheadPolicy",
    "lookahead_factory",
]

#: Salt of the re-seeded engine streams (kept apart from the run's and the policies' streams).
ROLLOUT_STREAM = 0x100C
DEFAULT_ROLLOUTS = 4
DEFAULT_MAX_ROLLOUTS = 16
DEFAULT_BUDGET = 4000
Z_ONE_SIDED = 1.645


class LookaheadPolicy:
    """Chooses the option whose rollouts score best on average."""

    name = "lookahead"

    def __init__(self, scenario: Any, seed: int, rollouts: int = DEFAULT_ROLLOUTS,
                 rollout_policy: str = "expert", budget: int = DEFAULT_BUDGET,
                 max_rollouts: int = DEFAULT_MAX_ROLLOUTS) -> None:
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
        self.max_rollouts = max(rollouts, max_rollouts)
        self.spent = 0  # rollouts played so far in this run
        self.fallback = ExpertPolicy()

    def choose(self, point: DecisionPoint, session: Session) -> str:
        options = point.options
        default = self.fallback.choose(point, session)
        if len(options) == 1:
            return options[0].id
        if self.spent + len(options) * self.rollouts > self.budget:
            return default
        prefix = [choice for _, choice in session.history]
        scores = {o.id: [self._rollout(prefix, point, o.id, k) for k in range(self.rollouts)] for o in options}
        best = max(options, key=lambda o: (sum(scores[o.id]) / self.rollouts, o.id == default)).id
        if best == default:
            return default
        # Another option looks better than the expert's: make sure it is not noise. Rollouts are
        # paired by stream, so compare the per-stream differences, adding rollouts while unsure.
        while True:
            diffs = [a - b for a, b in zip(scores[best], scores[default], strict=True)]
            if _significant(diffs):
                return best
            k = len(diffs)
            if k >= self.max_rollouts or self.spent + 2 * k > self.budget:
                return default
            for option in (best, default):
                scores[option] += [self._rollout(prefix, point, option, j) for j in range(k, 2 * k)]

    def _rollout(self, prefix: list[str], point: DecisionPoint, option: str, k: int) -> float:
        self.spent += 1
        sim = Session(self.rules, self.seed)
        for choice in prefix:
            sim.advance()
            sim.choose(choice)
        here = sim.advance()
        if not isinstance(here, DecisionPoint) or here.key != point.key:  # pragma: no cover - engine bug
            raise RuntimeError(f"replay diverged at decision {len(prefix) + 1} (seed {self.seed})")
        sim.world.dice.reseed(_world_seed(self.seed, len(prefix), k))
        sim.choose(option)
        policy: Policy = (self.fallback if self.rollout_policy == "expert"
                          else RandomPolicy(_rollout_seed(self.seed, len(prefix), k)))
        nxt = sim.advance()
        while not isinstance(nxt, RunOutcome):
            sim.choose(policy.choose(nxt, sim))
            nxt = sim.advance()
        return score_run(sim.trace, self.rubric).score


def _significant(diffs: list[float]) -> bool:
    """Whether paired differences are positive beyond noise (one-sided, about 95%)."""
    n = len(diffs)
    mean = sum(diffs) / n
    if mean <= 0:
        return False
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
    return mean >= Z_ONE_SIDED * (var / n) ** 0.5


def _world_seed(seed: int, depth: int, k: int) -> int:
    """The seed of the world a rollout explores from a decision: one per run, depth and rollout,
    apart from the runs' own seeds."""
    return int(np.random.SeedSequence([seed, ROLLOUT_STREAM, depth, k]).generate_state(2, np.uint64)[0])


def _rollout_seed(seed: int, depth: int, k: int) -> int:
    """A seed for a random rollout policy, distinct per run, depth and rollout."""
    return int(np.random.SeedSequence([seed, POLICY_STREAM, depth, k]).generate_state(1)[0])


def lookahead_factory(scenario: Any, rollouts: int = DEFAULT_ROLLOUTS, rollout_policy: str = "expert",
                      budget: int = DEFAULT_BUDGET,
                      max_rollouts: int = DEFAULT_MAX_ROLLOUTS) -> Callable[[int], LookaheadPolicy]:
    """``seed -> LookaheadPolicy``, in the shape :func:`sim.authoring.analysis.run_policy` takes."""
    return lambda seed: LookaheadPolicy(scenario, seed, rollouts, rollout_policy, budget, max_rollouts)
