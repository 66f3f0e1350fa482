"""pgtools: numerical companion to the policy-gradients chapter (Chapter 4).

One module per concept: :mod:`~pgtools.mdp` (the finite MDP of Eq. (4.1)),
:mod:`~pgtools.policies` (softmax parameterisations, §4.5), :mod:`~pgtools.exact` (J, V/Q/A,
marginals and the exact gradient, Eq. (4.3)), :mod:`~pgtools.sampling` (trajectories from
rho_theta, Eq. (4.2)), :mod:`~pgtools.estimators` (REINFORCE, baselines, importance sampling,
§4.3-§4.4), :mod:`~pgtools.episodes` (episodes ending at a terminal state, REINFORCE on them,
§4.4), :mod:`~pgtools.optim` (gradient ascent, §4.2), :mod:`~pgtools.examples` and
:mod:`~pgtools.plotting`.
"""

from .episodes import (
    Episodes,
    EpisodeUpdates,
    EpisodicRun,
    episode_updates,
    learned_baseline,
    reinforce_episodic,
    sample_episodes,
    terminal_states,
)
from .estimators import (
    BASELINE_NAMES,
    ImportanceWeighted,
    candidate_baselines,
    finite_difference_gradient,
    importance_weighted_gradient,
    importance_weighted_objective,
    joint_optimal_baseline,
    mean_and_se,
    optimal_baseline,
    reinforce_gradient,
    score_weighted_sum,
)
from .exact import (
    Enumeration,
    OptimalValues,
    ValueTables,
    enumerate_trajectories,
    exact_gradient,
    exact_objective,
    optimal_values,
    state_action_marginals,
    trajectory_log_likelihood,
    value_tables,
)
from .examples import Example, baselines_example, gridworld, random_mdp, short_corridor
from .mdp import FiniteMDP
from .optim import AscentResult, BatchedAscentResult, batched_ascent, gradient_ascent
from .policies import LinearSoftmax, NeuralSoftmax, SoftmaxPolicy, TabularSoftmax
from .sampling import (
    Trajectories,
    reward_to_go,
    sample_from_enumeration,
    sample_trajectories,
)

__all__ = [
    "BASELINE_NAMES",
    "AscentResult",
    "BatchedAscentResult",
    "Enumeration",
    "EpisodeUpdates",
    "Episodes",
    "EpisodicRun",
    "Example",
    "FiniteMDP",
    "ImportanceWeighted",
    "LinearSoftmax",
    "NeuralSoftmax",
    "OptimalValues",
    "SoftmaxPolicy",
    "TabularSoftmax",
    "Trajectories",
    "ValueTables",
    "baselines_example",
    "batched_ascent",
    "candidate_baselines",
    "enumerate_trajectories",
    "episode_updates",
    "exact_gradient",
    "exact_objective",
    "finite_difference_gradient",
    "gradient_ascent",
    "gridworld",
    "importance_weighted_gradient",
    "importance_weighted_objective",
    "joint_optimal_baseline",
    "learned_baseline",
    "mean_and_se",
    "optimal_baseline",
    "optimal_values",
    "random_mdp",
    "reinforce_episodic",
    "reinforce_gradient",
    "reward_to_go",
    "sample_episodes",
    "sample_from_enumeration",
    "sample_trajectories",
    "score_weighted_sum",
    "short_corridor",
    "state_action_marginals",
    "terminal_states",
    "trajectory_log_likelihood",
    "value_tables",
]
