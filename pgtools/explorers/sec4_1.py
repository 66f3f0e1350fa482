"""§4.1 explorer: exact gradient ascent on a tabular softmax policy, one curve per step size.

The notebook's miniature of the whole chapter: on a small random MDP, theta_{t+1} = theta_t +
eta grad J(theta_t) (§4.2, with the exact gradient of Eq. (4.3)) climbs towards the optimal value
J* found by dynamic programming. The slider picks eta; all curves are computed once, for all
step sizes in lock-step, by :func:`pgtools.batched_ascent` (one run per step size). This module
only draws the figure and wires the slider: the explorer is a
:class:`pgtools.explorer.FrameExplorer`, one precomputed frame per step size, so it also responds
in the static book.
"""

from __future__ import annotations

import functools

import numpy as np

from pgtools.exact import optimal_values
from pgtools.examples import random_mdp
from pgtools.optim import batched_ascent
from pgtools.policies import TabularSoftmax

__all__ = ["ETAS", "STEPS", "describe", "draw", "explorer_curves", "explorer_mdp",
           "make_explorer"]

ETAS = (0.1, 0.3, 1.0, 3.0, 10.0)
STEPS = 300


def explorer_mdp():
    """The small random MDP of the §4.1 notebook (S = 4, A = 3, H = 5, seed 0)."""
    return random_mdp(4, 3, 5, seed=0)


@functools.lru_cache(maxsize=1)
def explorer_curves():
    """J(theta_t), t = 0..STEPS, of exact gradient ascent from theta_0 = 0 for every eta in ETAS.

    Returns
    -------
    J : numpy.ndarray, shape (len(ETAS), STEPS + 1)
    j_star : float
        Optimal value E_{s0 ~ mu0} V*_0(s0) from backward induction.
    """
    mdp = explorer_mdp()
    policy = TabularSoftmax(mdp.n_states, mdp.n_actions)
    J = batched_ascent(mdp, policy, policy.init_params(), STEPS, np.array(ETAS),
                       n_runs=len(ETAS)).objectives
    return J, float(mdp.mu0 @ optimal_values(mdp).V[0])


def draw(eta=1.0, ax=None):
    """Learning curve J(theta_t) for step size ``eta`` (one of ETAS), with J* dashed.

    Parameters
    ----------
    eta : float
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    J, j_star = explorer_curves()
    k = int(np.argmin(np.abs(np.array(ETAS) - float(eta))))
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.4), layout="none")  # margins set below
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.91)  # fixed: no cut-off
    else:
        fig = ax.figure
    t = np.arange(STEPS + 1)
    for i, e in enumerate(ETAS):
        if i != k:
            ax.plot(t, J[i], color="0.8", lw=1)
    ax.plot(t, J[k], color="C0", lw=2, label=rf"exact gradient ascent, $\eta$ = {ETAS[k]:g}")
    ax.axhline(j_star, color="k", ls="--", lw=1, label="optimal value J* (DP)")
    gap = j_star - J[k, -1]
    ax.set_title(f"gap after {STEPS} steps: {gap:.4f}")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"$J(\theta_t)$", fontsize=11)  # its subscript stays >= 10 px
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, STEPS)
    ax.xaxis.set_major_formatter("{x:g}")  # 0, 10, 100 rather than small powers of ten
    ax.legend(loc="lower right", fontsize=8)
    return fig


def describe(eta=1.0):
    """First sentence of the alt text of :func:`draw`'s figure for this step size."""
    return (f"Learning curve J(θ_t) of exact gradient ascent with step size η = {eta:g} over "
            f"{STEPS} iterations, the other step sizes in grey, against the optimal value J*")


def make_explorer():
    """A step-size slider showing :func:`draw`'s figure (one precomputed frame per eta).

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    explorer_curves()
    eta = Choice("eta", list(ETAS), 1.0, label="step size η", style="slider")
    return FrameExplorer(draw, [eta], describe=describe,
                         label="Explorer: exact gradient ascent for each step size")
