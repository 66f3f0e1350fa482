"""Exercises of §4.8, natural gradient and convergence rates (book/4_8_natural_gradient.ipynb)."""

import numpy as np

from . import choice, code, numeric


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _vanilla(theta, eta, steps):
    for _ in range(steps):
        theta = theta + eta * 99.0 * _sigmoid(theta) * _sigmoid(-theta)
    return theta


def _bandit_gradient(theta, r):
    theta, r = np.asarray(theta, dtype=float), np.asarray(r, dtype=float)
    p = np.exp(theta - theta.max(axis=-1, keepdims=True))
    p = p / p.sum(axis=-1, keepdims=True)
    return p * (r - (p * r).sum(axis=-1, keepdims=True))


def _no_pi(theta, r):
    g = _bandit_gradient(theta, r)
    theta = np.asarray(theta, dtype=float)
    p = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return g / (p / p.sum(axis=-1, keepdims=True))


def _uncentred(theta, r):
    theta, r = np.asarray(theta, dtype=float), np.asarray(r, dtype=float)
    p = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True) * r


def _bandit_cases(rng):
    K = int(rng.integers(2, 6))
    return rng.normal(size=K), rng.random(K)


EXERCISES = (
    numeric(
        "4.8/vanilla-two-steps", "ex-4-8-1", "Parameter after two vanilla steps",
        round(float(_vanilla(0.0, 0.01, 2)), 4), decimals=4,
        close=[(round(float(_vanilla(0.0, 0.01, 1)), 4), "That is after one step."),
               (round(2 * 0.01 * 99.0, 4),
                ("That is two natural steps; the vanilla step is scaled by the Fisher "
                r"information $\sigma(1-\sigma)$."))],
        hints=[r"$\nabla J(\theta) = 99\,\sigma(\theta)(1 - \sigma(\theta))$ and $\sigma(0) = 1/2$.",
               (r"First step: $\theta_1 = 0.01 \cdot 99 \cdot 0.25$; recompute $\sigma$ at "
               r"$\theta_1$ for the second.")]),
    numeric(
        "4.8/rate-constant", "ex-4-8-2", "Limit of t times the gap",
        1.5, digits=3,
        close=[(1 / (4 * 0.5), (r"That is $1/(K\eta)$, the share of one arm; there are "
                               r"$K - 1$ sub-optimal arms.")),
               (3.0, r"Check the factor $1/K$.")],
        hints=[r"The limit is $(K - 1)/(K\eta)$, whatever the rewards."]),
    choice(
        "4.8/invariance", "ex-4-8-3", "Quantities that do not depend on the parameterisation",
        5, [0, 3],
        explanations=[
            None,
            "The parameter steps differ by a vector that does not change the policy.",
            ("The vanilla gradient transforms with the transpose of the change of variables, "
             "not its inverse: the paths differ."),
            None,
            r"The norm of $\nabla J$ depends on the coordinates."],
        hints=[(r"Write $\theta = Bw$ and express $F_w$ and $\nabla_w J$ through $F$ and "
               r"$\nabla J$.")]),
    code(
        "4.8/bandit-gradient", "ex-4-8-4", "Your bandit_gradient function",
        _bandit_gradient, name="bandit_gradient", cases=_bandit_cases,
        close=[(_no_pi, r"Each entry must be weighted by $\pi(a)$."),
               (_uncentred, r"Subtract the average reward $\pi^\top r$ before weighting.")],
        hints=[r"$\partial(\pi^\top r)/\partial\theta_a = \pi_a(r_a - \pi^\top r)$.",
               "Compute the softmax with the maximum subtracted."]),
)
