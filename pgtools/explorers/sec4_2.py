"""§4.2 explorer: minibatch SGA (REINFORCE estimates) against exact gradient ascent.

Figures and explorer wiring only: the K runs of every curve come from
:func:`pgtools.batched_ascent` (exact or REINFORCE gradients, all runs in lock-step). The explorer
is a :class:`pgtools.explorer.FrameExplorer`: one precomputed frame per (B, eta), so it also
responds in the static book.
"""

from __future__ import annotations

import functools

import numpy as np

from pgtools.exact import optimal_values
from pgtools.examples import random_mdp
from pgtools.optim import batched_ascent
from pgtools.policies import TabularSoftmax

__all__ = [
    "BATCHES",
    "ETAS",
    "N_SEEDS",
    "STEPS",
    "describe",
    "draw",
    "explorer_curves",
    "explorer_mdp",
    "make_explorer",
]


# --------------------------------------------------------------------------------- explorer
BATCHES = (1, 4, 16, 64)
ETAS = (0.1, 0.3, 1.0, 3.0)
STEPS = 60
N_SEEDS = 8


def explorer_mdp():
    """The small random MDP of the §4.2 notebook (S = 4, A = 3, H = 5, seed 0)."""
    return random_mdp(4, 3, 5, seed=0)


@functools.cache
def explorer_curves(batch, eta):
    """Cached curves for the explorer: J(theta_t) of SGA with minibatch ``batch`` and of exact ascent.

    Both start at the uniform policy and use the constant step ``eta``;
    :func:`pgtools.batched_ascent` runs the N_SEEDS REINFORCE runs in lock-step (seed ``batch``).

    Returns
    -------
    sgd : numpy.ndarray, shape (N_SEEDS, STEPS + 1)
    exact : numpy.ndarray, shape (STEPS + 1,)
    j_star : float
        Optimal value from dynamic programming.
    """
    mdp = explorer_mdp()
    policy = TabularSoftmax(mdp.n_states, mdp.n_actions)
    theta0 = policy.init_params()
    sgd = batched_ascent(mdp, policy, theta0, STEPS, eta, "reinforce", n_runs=N_SEEDS,
                         batch=batch, rng=batch, record_grad_norms=False).objectives
    ex = _exact_curve(eta)
    j_star = float(mdp.mu0 @ optimal_values(mdp).V[0])
    return sgd, ex, j_star


@functools.cache
def _exact_curve(eta):
    mdp = explorer_mdp()
    policy = TabularSoftmax(mdp.n_states, mdp.n_actions)
    return batched_ascent(mdp, policy, policy.init_params(), STEPS, eta).objectives[0]


def draw(batch=16, eta=1.0, ax=None):
    """Plot SGD learning curves (mean and 95% band over seeds) against exact gradient ascent.

    Parameters
    ----------
    batch : int
        Minibatch size B (one of ``BATCHES``).
    eta : float
        Constant step size (one of ``ETAS``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from pgtools.plotting import plot_band

    sgd, ex, j_star = explorer_curves(int(batch), float(eta))
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.4), layout="none")  # margins set below
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.91)  # fixed: no cut-off
    else:
        fig = ax.figure
    t = np.arange(STEPS + 1)
    for k in range(min(3, sgd.shape[0])):
        ax.plot(t, sgd[k], color="C0", lw=0.6, alpha=0.5)
    plot_band(ax, t, sgd, label=f"SGD, B = {batch} (mean, 95% band, {N_SEEDS} seeds)", color="C0")
    ax.plot(t, ex, color="C1", lw=2, label="exact gradient ascent")
    ax.axhline(j_star, color="k", ls="--", lw=1, label="optimal value J* (DP)")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"$J(\theta_t)$", fontsize=11)  # its subscript stays >= 10 px
    ax.set_title(rf"step size $\eta$ = {eta:g}")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def describe(batch=16, eta=1.0):
    """First sentence of the alt text of :func:`draw`'s figure for these values."""
    return (f"Learning curves J(θ_t) of stochastic gradient ascent with minibatch B = {batch} "
            f"and step size η = {eta:g} ({N_SEEDS} runs, mean and 95% band) against exact "
            "gradient ascent and the optimal value J*")


def make_explorer():
    """Sliders for B and eta showing :func:`draw`'s figure (all 16 frames precomputed here).

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    controls = [Choice("batch", list(BATCHES), 16, label="batch B", style="slider"),
                Choice("eta", list(ETAS), 1.0, label="step size η", style="slider")]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: minibatch size and step size of stochastic ascent")
