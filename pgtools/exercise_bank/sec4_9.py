"""Exercises of §4.9, TRPO and PPO (book/4_9_trpo_ppo.ipynb)."""

import numpy as np

from . import choice, code, numeric, vector


def _clipped(ratio, adv, eps):
    ratio, adv = np.asarray(ratio, dtype=float), np.asarray(adv, dtype=float)
    return np.minimum(ratio * adv, np.clip(ratio, 1 - eps, 1 + eps) * adv)


def _clip_only(ratio, adv, eps):
    return np.clip(np.asarray(ratio, dtype=float), 1 - eps, 1 + eps) * np.asarray(adv, float)


def _max_instead(ratio, adv, eps):
    ratio, adv = np.asarray(ratio, dtype=float), np.asarray(adv, dtype=float)
    return np.maximum(ratio * adv, np.clip(ratio, 1 - eps, 1 + eps) * adv)


def _clip_cases(rng):
    n = int(rng.integers(1, 8))
    return rng.uniform(0.2, 2.0, size=n), rng.normal(size=n), float(rng.choice([0.1, 0.2, 0.3]))


_TERMS = _clipped([1.5, 0.5], [2.0, -1.0], 0.2)

EXERCISES = (
    vector(
        "4.9/clipped-terms", "ex-4-9-1", "The two clipped terms",
        [round(float(v), 2) for v in _TERMS], decimals=2,
        hints=[(r"Compute $\Lambda A$ and $\mathrm{clip}(\Lambda, 0.8, 1.2)A$ for each, keep the "
               "smaller."),
               r"With $A < 0$ the smaller of two negative numbers is the one of larger size."]),
    choice(
        "4.9/clip-gradient", "ex-4-9-2", "Where the clipped term has zero derivative",
        6, [0, 3],
        explanations=[
            None,
            (r"With $A < 0$ the minimum picks $\Lambda A$ for every $\Lambda > 0.8$: the "
             r"derivative is $A$."),
            (r"With $A > 0$ the minimum picks $\Lambda A$ for every $\Lambda < 1.2$: the lower "
             "clip never binds."),
            None,
            r"At $\Lambda = 1$ the term is $\Lambda A$: derivative $A$.",
            r"Inside the clip range the derivative is $A$."],
        hints=[(r"For $A > 0$ the term is $A\min(\Lambda, 1 + \epsilon)$; for $A < 0$ it is "
               r"$A\max(\Lambda, 1 - \epsilon)$.")]),
    numeric(
        "4.9/trpo-step", "ex-4-9-3", "Step size of the natural direction",
        0.5, digits=3,
        close=[(float(np.sqrt(0.01 / 0.08)), (r"The quadratic model is $\frac12\Delta^\top F\Delta$: "
                                            r"mind the factor 2.")),
               (0.25, "Take the square root.")],
        hints=[r"Solve $\frac12\eta^2 x^\top Fx = \delta$ with $x^\top Fx = g^\top x$."]),
    code(
        "4.9/clipped-objective", "ex-4-9-4", "Your clipped_objective function",
        _clipped, name="clipped_objective", cases=_clip_cases,
        close=[(_clip_only, "Take the minimum of the clipped and the unclipped term."),
               (_max_instead, "The minimum, not the maximum: the surrogate is pessimistic.")],
        hints=["`np.clip(ratio, 1 - eps, 1 + eps)` clips the ratio.",
               "`np.minimum` takes the elementwise minimum."]),
)
