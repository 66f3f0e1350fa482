"""Exercises of §4.12, continuous control in MuJoCo (book/4_12_mujoco.ipynb)."""

from . import numeric

EXERCISES = (
    numeric(
        "4.12/parameter-count", "ex-4-12-1", "Number of parameters of the pendulum policy",
        5, decimals=0,
        close=[(4, r"Count the spread too: $\theta$ ends with $\log\sigma$."),
               (8, "The action is one number, so the gain has a single row.")],
        hints=[r"The gain $K$ has shape (action dimension, observation dimension).",
               r"Add one $\log\sigma$ per action coordinate."]),
    numeric(
        "4.12/score-angle-gain", "ex-4-12-2", "Score with respect to the angle gain",
        0.2, decimals=2,
        close=[(0.1, r"The gain part divides by $\sigma^2$, not $\sigma$."),
               (2.0, r"Multiply by the observed angle $o_2 = 0.1$.")],
        hints=[r"Compute $z = (u - Ko)/\sigma$ first.",
               r"Then $\partial\log\pi/\partial K_{1j} = (z/\sigma)\,o_j$."]),
)
