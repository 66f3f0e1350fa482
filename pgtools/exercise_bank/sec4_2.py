"""Exercises of §4.2, (stochastic) policy gradient ascent (book/4_2_gradient_ascent.ipynb)."""

import numpy as np

from . import choice, code, numeric


def _mc_reference(rewards, gamma):
    r = np.asarray(rewards, dtype=float)
    return float(np.mean(r @ gamma ** np.arange(r.shape[1])))


def _mc_cases(rng):
    shape = (rng.integers(1, 50), rng.integers(1, 8))
    return rng.normal(size=shape), float(rng.uniform(0.5, 1))


def _undiscounted(rewards, gamma):
    return float(np.mean(np.asarray(rewards).sum(axis=1)))


def _from_t1(rewards, gamma):
    r = np.asarray(rewards)
    return float(np.mean(r @ gamma ** np.arange(1, r.shape[1] + 1)))


EXERCISES = (
    choice(
        "4.2/unbiased-combinations", "ex-4-2-1", "Unbiased estimators of the gradient",
        5, [0, 1, 3],
        explanations=[None, None, "Its weights sum to $n/(n-1)$, not 1.",
                      "Its weights sum to $1 + 1 - 1 = 1$.",
                      "Selecting by norm favours long vectors, so its mean is not $g$."],
        hints=["The mean of a weighted sum is the weighted sum of the means."]),
    numeric(
        "4.2/minibatch-se", "ex-4-2-2", "Standard error of the minibatch mean",
        0.2, decimals=2,
        close=[(0.04, "That is the variance of the mean; take its square root."),
               (0.02, r"The standard error is $\sigma/\sqrt{B}$, not $\sigma/B$.")],
        hints=[r"The variance of the mean is $\sigma^2/B$.",
               "The standard error is the square root of that."]),
    code(
        "4.2/mc-objective", "ex-4-2-3", "Your mc_objective function",
        _mc_reference, name="mc_objective", cases=_mc_cases,
        close=[(_undiscounted, r"You ignored the discount $\gamma$."),
               (_from_t1, r"Discounting starts at $\gamma^0 = 1$ for $t = 0$.")],
        hints=[r"`gamma ** np.arange(H)` gives the discount weights $\gamma^t$.",
               "Average over the rows (trajectories)."]),
)
