"""Drawing FrozenLake policies and values on the grid (§4.6)."""

from __future__ import annotations

import numpy as np

# FrozenLake / CliffWalking action order: 0 left, 1 down, 2 right, 3 up (row index grows downward)
_DX = np.array([-1.0, 0.0, 1.0, 0.0])
_DY = np.array([0.0, -1.0, 0.0, 1.0])


def plot_grid_policy(ax, layout, probs=None, values=None, title=None, vmin=0.0, vmax=1.0,
                     min_prob=0.1):
    """Draw a FrozenLake map with a policy's arrows and (optionally) state values.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layout : numpy.ndarray of str, shape (nrow, ncol)
        Map letters ('S', 'F', 'H', 'G'), e.g. from :func:`pgtools.gym.frozenlake_layout`.
    probs : numpy.ndarray, shape (S, 4), optional
        pi(a|s); an arrow per action with probability >= ``min_prob``, length and label
        proportional to the probability. A deterministic policy can be passed as one-hot rows.
    values : numpy.ndarray, shape (S,), optional
        Shaded in the background (colour scale ``vmin`` .. ``vmax``).
    title : str, optional
    """
    nrow, ncol = layout.shape
    if values is not None:
        ax.imshow(np.asarray(values).reshape(nrow, ncol), cmap="Blues", vmin=vmin, vmax=vmax,
                  extent=(-0.5, ncol - 0.5, nrow - 0.5, -0.5))
    X, Y, U, W, labels = [], [], [], [], []
    for r in range(nrow):
        for c in range(ncol):
            ch = layout[r, c]
            if ch == "H":
                ax.add_patch(_rect(c, r, "0.25"))
                ax.text(c, r, "hole", ha="center", va="center", color="w", fontsize=8)
                continue
            if ch == "G":
                ax.add_patch(_rect(c, r, "gold"))
                ax.text(c, r, "goal", ha="center", va="center", fontsize=8)
                continue
            if ch == "S":
                ax.text(c - 0.45, r - 0.3, "start", fontsize=7)
            if probs is not None:
                p = probs[r * ncol + c]
                for a in range(4):
                    if p[a] >= min_prob:
                        X.append(c)
                        Y.append(r)
                        U.append(0.4 * p[a] * _DX[a])
                        W.append(0.4 * p[a] * _DY[a])
                        if p[a] < 0.995:
                            labels.append((c + 0.42 * _DX[a], r - 0.42 * _DY[a], f"{p[a]:.2f}"))
    if X:  # one quiver call: much faster to draw than one arrow patch per action
        ax.quiver(X, Y, U, W, angles="xy", scale_units="xy", scale=1, color="C3", width=0.012)
    for x, y, txt in labels:
        ax.text(x, y, txt, ha="center", va="center", fontsize=6)
    ax.set_xlim(-0.5, ncol - 0.5)
    ax.set_ylim(nrow - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)


def _rect(c, r, color):
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.5, r - 0.5), 1, 1, color=color, zorder=0.5)
