"""Exercises of §4.1, motivation (book/4_1_motivation.ipynb)."""

import numpy as np

from . import code, numeric


def _probs_reference(theta):
    z = np.asarray(theta, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _whole_table(theta):
    z = np.asarray(theta, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def _probs_cases(rng):
    S, A = rng.integers(1, 5), rng.integers(2, 5)
    return (rng.normal(size=(S, A)) * 10.0 ** rng.integers(0, 4),)


EXERCISES = (
    numeric(
        "4.1/two-step-value", "ex-4-1-1", "Value of the uniform policy over two steps",
        0.641090, decimals=4,
        close=[(1.7178, "That is the value over all $H = 5$ steps."),
               (1.0414, (r"That is $J^\star$, the optimum for $H = 2$, not the uniform "
                        "policy's value."))],
        hints=["`mdp.replace(horizon=2)` is the same MDP, stopped after two steps.",
               r"Then `pg.exact_objective` at $\theta_0 = 0$, the uniform policy."]),
    numeric(
        "4.1/steps-to-90", "ex-4-1-2", "First iteration that closes 90% of the gap",
        126, decimals=0,
        hints=[(r"Run `pg.gradient_ascent` with step size 0.3 and look for the first $k$ with "
               r"$J(\theta_k) - J(\theta_0) \ge 0.9\,(J^\star - J(\theta_0))$."),
               "`np.argmax` of a boolean array returns the index of the first `True`."]),
    code(
        "4.1/stable-softmax", "ex-4-1-3", "Your probs function",
        _probs_reference, name="probs", cases=_probs_cases,
        close=[(_whole_table, ("You normalised over the whole table; a policy normalises each "
                              "row (state) separately."))],
        hints=["Subtract the row maximum before `np.exp`.",
               "Use `keepdims=True` so that the shapes broadcast."]),
)
