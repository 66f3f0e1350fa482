"""Exercises of §4.6, case studies (book/4_6_case_studies.ipynb)."""

import numpy as np

from ..sampling import reward_to_go
from . import code, numeric


def _masked_reward_to_go(rewards, mask, gamma):
    mask = np.asarray(mask, dtype=float)
    return reward_to_go(np.asarray(rewards, dtype=float) * mask, gamma) * mask


def _masked_cases(rng):
    n, H = rng.integers(1, 5), rng.integers(1, 8)
    ends = rng.integers(1, H + 1, size=(n, 1))
    mask = (np.arange(H)[None] < ends).astype(float)
    return rng.normal(size=(n, H)), mask, float(rng.choice([1.0, 0.9, 0.5]))


def _undiscounted(rewards, mask, gamma):
    return _masked_reward_to_go(rewards, mask, 1.0)


def _unmasked(rewards, mask, gamma):
    return reward_to_go(np.asarray(rewards, dtype=float), gamma)


EXERCISES = (
    numeric(
        "4.6/uniform-value", "ex-4-6-1", "Value of the uniform policy in 20 steps",
        0.012445, digits=3,
        close=[(0.0139, "That is the value with all $H = 100$ steps."),
               (0.1991, (r"That is the optimal value $J^\star$ for $H = 20$, not the uniform "
                        "policy's."))],
        hints=["`mdp.replace(horizon=20)` is the same lake with episodes cut to 20 steps.",
               r"$\theta = 0$ is the uniform policy; use `pg.exact_objective`."]),
    numeric(
        "4.6/hardest-cell", "ex-4-6-2", "Frozen cell with the lowest optimal value",
        6, decimals=0,
        close=[(5, ("Cell 5 is a hole: its value is 0, but the question is about frozen "
                   "cells.")),
               (7, ("Cell 7 is a hole: its value is 0, but the question is about frozen "
                   "cells."))],
        hints=["Compute `pg.optimal_values(mdp).V[0]` and look only at the 'S' and 'F' cells.",
               ("Cells are numbered row by row from 0 at the top left: cell $4i + j$ is in "
               "row $i$, column $j$.")]),
    code(
        "4.6/masked-reward-to-go", "ex-4-6-3", "Your masked_reward_to_go function",
        _masked_reward_to_go, name="masked_reward_to_go", cases=_masked_cases,
        close=[(_undiscounted, r"Right sums, but the discount $\gamma$ is missing."),
               (_unmasked, ("The rewards after the end of an episode must not count, and the "
                           "reward-to-go is 0 there."))],
        hints=["Loop $t$ from $H - 1$ down to 0 with an accumulator.",
               "Multiply by the mask."]),
)
