"""Section 4.5 (policy parameterisations): figures and the explorer of the notebook.

* :func:`draw_policy` -- arrows with probabilities of a policy on the gridworld.
* :func:`make_explorer` / :func:`draw` -- parameterisation dropdown + inverse-temperature slider
  showing pi(a|s) ∝ exp(beta f_theta(s, a)) on the gridworld, for logits trained by exact
  gradient ascent (:func:`pgtools.batched_ascent`). The explorer is a
  :class:`pgtools.explorer.FrameExplorer`: every state of its grid is drawn once, so it also
  responds in the static book.

The learning curves of the notebook come from :func:`pgtools.batched_ascent` (REINFORCE with
reward-to-go and ``baseline="leave_one_out"``); no algorithm lives here.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg

# (d column, d row) of the actions up, right, down, left; rows grow downwards as in pgtools.gridworld
ARROWS = np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])


def draw_policy(ax, pi, n_rows, n_cols, goal=None, title=None):
    """Draw pi(a|s) on a gridworld: one arrow per action, length and label = probability.

    All arrows are one ``quiver`` call, so drawing stays fast (explorer budget: 100 ms).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    pi : array, shape (n_rows * n_cols, 4)
        Actions up, right, down, left (as in :func:`pgtools.gridworld`).
    n_rows, n_cols : int
    goal : (int, int), optional
        Goal cell (drawn as a star, no arrows); defaults to the bottom-right corner.
    title : str, optional
    """
    goal = (n_rows - 1, n_cols - 1) if goal is None else tuple(goal)
    S = n_rows * n_cols
    rows, cols = np.divmod(np.arange(S), n_cols)
    keep = (rows * n_cols + cols) != goal[0] * n_cols + goal[1]
    x = np.repeat(cols[keep], 4).astype(float)
    y = np.repeat(rows[keep], 4).astype(float)
    p = pi[keep].ravel()
    u = 0.45 * p * np.tile(ARROWS[:, 0], keep.sum())
    v = 0.45 * p * np.tile(ARROWS[:, 1], keep.sum())
    ax.quiver(x, y, u, v, angles="xy", scale_units="xy", scale=1, width=0.01, color="C0")
    dx = np.tile(ARROWS[:, 0], keep.sum())
    dy = np.tile(ARROWS[:, 1], keep.sum())
    for xi, yi, ui, vi, ex, ey, pi_ in zip(x, y, u, v, dx, dy, p):
        if pi_ >= 0.15:  # the label just beyond the arrow's tip
            ax.text(xi + ui + 0.17 * ex, yi + vi + 0.12 * ey, f"{pi_:.2f}", fontsize=7.5,
                    ha="center", va="center")
    ax.plot(goal[1], goal[0], "*", ms=16, color="goldenrod")
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_xticks(range(n_cols))
    ax.set_yticks(range(n_rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title, fontsize=9)


# ------------------------------------------------------------------------------------ explorer
_CACHE: dict = {}
NAMES = ("tabular", "linear", "neural")


def _setup(steps=100):
    """Precompute (once) an MDP and, per parameterisation, trained logits f_theta(s, a)."""
    if "logits" in _CACHE:
        return _CACHE
    mdp, feats = pg.gridworld()
    pols = {"tabular": pg.TabularSoftmax(mdp.n_states, mdp.n_actions),
            "linear": pg.LinearSoftmax(feats),
            "neural": pg.NeuralSoftmax(feats, hidden=(16,), seed=0)}
    etas = {"tabular": 2.0, "linear": 0.5, "neural": 0.2}
    logits = {}
    for name, pol in pols.items():
        run = pg.batched_ascent(mdp, pol, pol.init_params(), steps, etas[name])
        logits[name] = pol.logits(run.thetas[0])
    _CACHE.update(mdp=mdp, logits=logits, Jstar=float(mdp.mu0 @ pg.optimal_values(mdp).V[0]))
    return _CACHE


def explorer_logits():
    """Logits f_theta(s, a) of the three trained policies the explorer draws (cached).

    Returns
    -------
    dict
        ``{"tabular" | "linear" | "neural": numpy.ndarray of shape (16, 4)}``, after 100 steps of
        exact gradient ascent from ``init_params()`` on :func:`pgtools.gridworld`.
    """
    return {k: v.copy() for k, v in _setup()["logits"].items()}


def draw(parameterisation="linear", beta=1.0, ax=None):
    """Draw pi(a|s) ∝ exp(beta f_theta(s, a)) of a trained policy on the 4x4 gridworld.

    ``beta`` is an inverse temperature: beta = 0 is the uniform policy, beta = 1 the policy found
    by exact gradient ascent, larger beta sharpens it towards its greedy (argmax f) policy.

    Parameters
    ----------
    parameterisation : {"tabular", "linear", "neural"}
    beta : float >= 0
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown); its title gives the exact J of the drawn policy.
    """
    import matplotlib.pyplot as plt

    pi, J, j_star = policy_and_value(parameterisation, beta)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 5.0), layout="none")  # fixed margins below
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.1, top=0.93)
    draw_policy(ax, pi, 4, 4, title=f"{parameterisation} softmax, β = {beta:.2f}: "
                f"J = {J:.2f} (J* = {j_star:.2f})")
    return ax.figure


def policy_and_value(parameterisation="linear", beta=1.0):
    """pi(a|s) ∝ exp(beta f_theta(s, a)) of a trained policy, its exact J, and J*.

    Returns
    -------
    pi : numpy.ndarray, shape (16, 4)
    J, J_star : float
    """
    c = _setup()
    mdp = c["mdp"]
    table = pg.TabularSoftmax(mdp.n_states, mdp.n_actions)  # softmax of a logit table
    scaled = beta * c["logits"][parameterisation]
    return table.probs(scaled), float(pg.exact_objective(mdp, table, scaled)), c["Jstar"]


def describe(parameterisation="linear", beta=1.0):
    """First sentence of the alt text of :func:`draw`'s figure for these values."""
    _, J, j_star = policy_and_value(parameterisation, beta)
    return (f"Arrows of the {parameterisation} softmax policy at inverse temperature "
            f"β = {beta:.2f} on the 4 by 4 gridworld, one per action with length equal to its "
            f"probability; exact J = {J:.2f} against J* = {j_star:.2f}")


def make_explorer():
    """Dropdown (tabular / linear / neural) and inverse-temperature slider -> :func:`draw`.

    One frame per parameterisation and beta in 0, 0.25, ..., 4 (the static page snaps beta to
    those); with a kernel, beta moves in steps of 0.05.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer, Slider

    _setup()
    controls = [Choice("parameterisation", list(NAMES), "linear", label="policy"),
                Slider("beta", 0.0, 4.0, 0.05, grid=0.25, value=1.0, label="β (1/temperature)")]
    return FrameExplorer(lambda parameterisation, beta: draw(parameterisation, beta), controls,
                         describe=describe,
                         label="Explorer: trained policies at every inverse temperature")
