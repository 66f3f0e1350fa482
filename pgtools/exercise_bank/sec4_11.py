"""Exercises of §4.11, critics, actor-critic and GAE (book/4_11_critics_gae.ipynb)."""

import numpy as np

from ..critics import gae
from . import choice, code, numeric


def _gae(rewards, values, gamma, lam):
    return gae(rewards, values, gamma, lam)


def _gae_cases(rng):
    n, H = int(rng.integers(1, 5)), int(rng.integers(1, 8))
    rewards = rng.normal(size=(n, H)).round(2)
    values = rng.normal(size=(n, H + 1)).round(2)
    return rewards, values, float(rng.choice([1.0, 0.9, 0.5])), float(rng.choice([0.0, 0.5,
                                                                                   0.95, 1.0]))


def _no_gamma_in_trace(rewards, values, gamma, lam):
    r, V = np.asarray(rewards, float), np.asarray(values, float)
    delta = r + gamma * V[:, 1:] - V[:, :-1]
    A, acc = np.zeros_like(delta), np.zeros(len(r))
    for t in range(r.shape[1] - 1, -1, -1):
        acc = delta[:, t] + lam * acc
        A[:, t] = acc
    return A


def _lambda_return(rewards, values, gamma, lam):
    return _gae(rewards, values, gamma, lam) + np.asarray(values, float)[:, :-1]


EXERCISES = (
    numeric(
        "4.11/gae-by-hand", "ex-4-11-1", "Generalised advantage of the first step",
        0.25, decimals=3,
        close=[(1.0, r"That is $\lambda = 1$: $G_0 - \hat V(s_0)$."),
               (0.0, r"That is $\lambda = 0$: the first TD error alone.")],
        hints=[(r"First compute the TD errors $\delta_t = r_t + \gamma\hat V(s_{t+1}) - "
               r"\hat V(s_t)$, with $\hat V = 0$ after the end."),
               r"Then $\hat A_0 = \delta_0 + \gamma\lambda\delta_1 + (\gamma\lambda)^2\delta_2$."]),
    choice(
        "4.11/unbiased-lambda", "ex-4-11-2", "Statements about the bias of the GAE gradient",
        4, [0, 1],
        explanations=[
            None, None,
            (r"At $\lambda = 0$ the critic's value of the next state enters the weight of "
             r"$a_t$, and its error biases the gradient."),
            (r"Not in general: with the true values the variance was smallest at "
             r"$\lambda = 0$ on our MDP.")],
        hints=[r"Where does the critic enter $\hat A^\lambda_t$ when $\lambda = 1$?"]),
    code(
        "4.11/gae-function", "ex-4-11-3", "Your my_gae function",
        _gae, name="my_gae", cases=_gae_cases,
        close=[(_no_gamma_in_trace, (r"The trace decays by $\gamma\lambda$ per step, not "
                                     r"$\lambda$.")),
               (_lambda_return, r"That is the $\lambda$-return; subtract $\hat V(s_t)$.")],
        hints=[r"Compute all TD errors first, then sweep $t$ backwards.",
               r"$\hat A_t = \delta_t + \gamma\lambda\hat A_{t+1}$."]),
)
