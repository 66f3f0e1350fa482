"""Exercises of §4.4, baselines and advantages (book/4_4_baselines.ipynb)."""

import math

import numpy as np

from . import choice, code, numeric


def _optimal_constant_baseline(score_sums, returns):
    w = (np.asarray(score_sums, dtype=float) ** 2).sum(axis=1)
    return float(w @ np.asarray(returns, dtype=float) / w.sum())


def _baseline_cases(rng):
    n, d = rng.integers(5, 40), rng.integers(1, 7)
    return rng.normal(size=(n, d)), rng.normal(2.0, 3.0, size=n)


def _mean_return(score_sums, returns):
    return float(np.mean(returns))


EXERCISES = (
    numeric(
        "4.4/advantage", "ex-4-4-1", "Advantage of the first action",
        -1.6, decimals=2,
        close=[(1 - 10 / 3, ("That uses the plain mean of $Q$; $V$ averages $Q$ over the "
                            r"policy $\pi$."))],
        hints=[r"$V(s) = \sum_a \pi(a|s)\,Q(s, a)$.", "$A(s, a) = Q(s, a) - V(s)$."]),
    choice(
        "4.4/unbiased-baselines", "ex-4-4-2", "Baselines that keep REINFORCE unbiased",
        5, [0, 1, 4],
        explanations=[
            "Yes: the score has mean zero.",
            "Yes: condition on $s_t$; given $s_t$ the score still has mean zero.",
            (r"No: $\mathbb{E}[\nabla\log\pi(a|s)\,b(s, a) \mid s] = \sum_a \nabla\pi(a|s)\,"
            r"b(s, a) \ne 0$ in general."),
            "No: $s_{t+1}$ depends on $a_t$, so the baseline correlates with the score.",
            "Yes: the past is fixed before $a_t$ is drawn."],
        hints=[(r"A baseline is harmless when, given what it depends on, still "
               r"$a_t \sim \pi(\cdot|s_t)$.")]),
    numeric(
        "4.4/corridor-p", "ex-4-4-3", "Best probability of right",
        2 - math.sqrt(2), decimals=2,
        close=[(0.5, "$p = 1/2$ gives $J = -12$; the optimum is a little to the right."),
               (1 / 3, "Check the middle-cell equation: there 'right' moves left.")],
        hints=[("Write $V_0, V_1, V_2$ for the values of the three cells and solve the linear "
               "Bellman equations."),
               "$J(p) = -(4 - 2p)/(p(1 - p))$; set the derivative to zero."]),
    code(
        "4.4/optimal-constant-baseline", "ex-4-4-4", "Your optimal_constant_baseline function",
        _optimal_constant_baseline, name="optimal_constant_baseline", cases=_baseline_cases,
        close=[(_mean_return, ("That is the mean return, the unweighted baseline; weigh each "
                              r"return by $\|S_i\|^2$."))],
        hints=[r"$\|S_i\|^2$ is the sum of squares of row $i$ of `score_sums`."]),
)
