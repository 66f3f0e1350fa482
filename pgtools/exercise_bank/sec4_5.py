"""Exercises of §4.5, policy parameterisations (book/4_5_parameterisations.ipynb)."""

import numpy as np

from . import choice, code, numeric, vector


def _score_reference(theta, phi_s, a):
    z = phi_s @ theta
    pi = np.exp(z - z.max())
    pi /= pi.sum()
    return phi_s[a] - pi @ phi_s


def _score_cases(rng):  # about one case in four has logits in the thousands
    A, p = rng.integers(2, 6), rng.integers(1, 5)
    scale = 1000.0 if rng.random() < 0.25 else 3.0
    return rng.normal(scale=scale, size=p), rng.normal(size=(A, p)), int(rng.integers(A))


def _feature_only(theta, phi_s, a):
    return phi_s[a]


EXERCISES = (
    numeric(
        "4.5/action-probability", "ex-4-5-1", "Probability of action 0",
        0.665241, digits=3,
        close=[(0.259496, r"Check the logit of action 2: $\theta^\top\phi(s,2) = 1 - 1 = 0$.")],
        hints=[r"The logits are $\theta^\top\phi(s,a)$: $1$, $-1$ and $0$.",
               "Softmax: $e^1/(e^1 + e^{-1} + e^0)$."]),
    vector(
        "4.5/linear-score", "ex-4-5-2", "Score of action 1",
        [-0.909969, 0.665241], decimals=3,
        hints=[r"First compute $\pi_\theta(\cdot|s)$ (the previous exercise).",
               (r"$\mathbb{E}\,\phi = \sum_a \pi_\theta(a|s)\,\phi(s,a)$ is a vector in "
               r"$\mathbb{R}^2$.")]),
    choice(
        "4.5/representable", "ex-4-5-3", "Families that represent the policy",
        4, [0, 3],
        explanations=[
            r"Yes: $\theta_{s,\text{right}} - \theta_{s,\text{left}} = \pm\log 9$ per cell.",
            (r"No: the features do not depend on $s$, so $\pi_\theta(\cdot|s)$ is the same in "
            "every cell."),
            r"No: $f_\theta(\phi(s,a))$ sees only $\phi(s,a)$, which does not depend on $s$.",
            "Yes: one-hot features make it exactly the tabular softmax."],
        hints=["Does the input to the logits change from cell to cell?"]),
    code(
        "4.5/score-function", "ex-4-5-4", "Your score function",
        _score_reference, name="score", cases=_score_cases,
        close=[(_feature_only, (r"You returned $\phi(s,a)$ alone: the score needs the "
                               r"$-\mathbb{E}\,\phi$ term."))],
        hints=["Logits `z = phi_s @ theta`, then the softmax of `z`.",
               "Subtract `z.max()` before exponentiating."]),
)
