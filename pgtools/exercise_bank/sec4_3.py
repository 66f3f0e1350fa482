"""Exercises of §4.3, REINFORCE and importance sampling (book/4_3_reinforce.ipynb)."""

import numpy as np

from ..sampling import reward_to_go
from . import choice, code, numeric, vector


def _rtg_cases(rng):
    n, H = rng.integers(1, 6), rng.integers(1, 9)
    rewards = rng.normal(size=(n, H)).round(2)
    return rewards, float(rng.choice([0.0, 0.5, 0.9, 1.0]))


def _reward_so_far(rewards, gamma):
    return np.cumsum(rewards, axis=1)


def _undiscounted(rewards, gamma):
    return np.cumsum(np.asarray(rewards)[:, ::-1], axis=1)[:, ::-1]


EXERCISES = (
    numeric(
        "4.3/importance-weight", "ex-4-3-1", "Importance weight of the trajectory",
        4.48, digits=3,
        close=[(1 / 4.48, (r"That is $\rho_b/\rho_\theta$: the weight has the target policy "
                          "on top.")),
               (4.48 * 0.9 * 0.3, (r"The transition probabilities appear in both "
                                  r"$\rho_\theta$ and $\rho_b$: they cancel."))],
        hints=["Write out Eq. (4.2) for both policies and divide.",
               r"Only the factors $\pi(a_t|s_t)$ survive: three ratios."]),
    vector(
        "4.3/reward-to-go-numbers", "ex-4-3-2", "Reward-to-go of the four steps",
        [1.891, 0.99, 1.1, -1.0], decimals=3,
        hints=["Start at the end: $G_3 = r_3$.",
               r"Then work backwards with $G_t = r_t + \gamma G_{t+1}$."]),
    choice(
        "4.3/unbiased-estimators", "ex-4-3-3", "Quantities with expectation the gradient",
        6, [0, 1, 3, 4],
        explanations=[
            None, None,
            ("Past rewards have zero mean against the score, and the future rewards, which "
            "carry the signal, are dropped."),
            None, "Unbiased, but with more variance.",
            ("The support condition fails: trajectories the behaviour policy never samples "
            "are never reweighted.")],
        hints=[("Use the causality lemma: which reward terms have zero mean against "
               r"$\nabla\log\pi_\theta(a_t|s_t)$?")]),
    code(
        "4.3/reward-to-go-function", "ex-4-3-4", "Your reward_to_go function",
        reward_to_go, name="reward_to_go", cases=_rtg_cases, n_cases=25,
        close=[(_reward_so_far, "That is the reward so far (a forward sum)."),
               (_undiscounted, r"Right sum, but the discount $\gamma$ is missing.")],
        hints=[r"Work backwards in $t$: `G[:, t] = r[:, t] + gamma * G[:, t+1]`."]),
)
