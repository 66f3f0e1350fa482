"""Drawing FrozenLake policies and values on the grid (§4.6)."""

from __future__ import annotations

import numpy as np

# FrozenLake / CliffWalking action order: 0 left, 1 down, 2 right, 3 up. On the drawn grid the
# row index grows downward (the y axis is inverted), so "down" is +1 in y.
_DX = np.array([-1.0, 0.0, 1.0, 0.0])
_DY = np.array([0.0, 1.0, 0.0, -1.0])
# Arrows start a little above the centre of their cell, leaving room below for one number.
_ORIGIN_DY = -0.1
_LABEL_DY = 0.37
ARROW_UNIT = 0.36       # length, in cells, of the arrow of an action with probability 1
ARROW_COLOR = "#D55E00"  # vermillion (Okabe-Ito): legible on white and on the value shading
START_COLOR = "#009E73"  # bluish green outline of the start cell


def plot_grid_policy(ax, layout, probs=None, values=None, title=None, vmin=0.0, vmax=1.0,
                     min_prob=0.1, fontsize=None):
    """Draw a FrozenLake map with a policy's arrows and (optionally) state values.

    In each cell the arrows start from one point (a dot); an arrow's length is ``ARROW_UNIT``
    (0.36 of a cell) times the action's probability, head included, and a dotted circle of that
    radius marks probability 1, so lengths compare at a glance. Below the circle is the
    probability of the cell's most likely action, unless it is 0.995 or more. Holes are dark
    with "hole", the goal gold with "goal", and the start cell has a green outline and "start"
    left of its row.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layout : numpy.ndarray of str, shape (nrow, ncol)
        Map letters ('S', 'F', 'H', 'G'), e.g. from :func:`pgtools.gym.frozenlake_layout`.
    probs : numpy.ndarray, shape (nrow * ncol, 4), optional
        pi(a|s), rows summing to 1 (or 0: no arrows), in the action order left, down, right,
        up; an arrow per action with probability >= ``min_prob``. A deterministic policy can
        be passed as one-hot rows.
    values : numpy.ndarray, shape (nrow * ncol,), optional
        Shaded in the background (colour scale ``vmin`` .. ``vmax``).
    title : str, optional
    min_prob : float, default 0.1
    fontsize : float, optional
        Size of the words and probabilities in the cells; default the rcParams' legend size
        (the book's style: 10 pt).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib as mpl
    from matplotlib.patches import Circle, FancyArrow

    layout = np.asarray(layout)
    if layout.ndim != 2 or not set(np.unique(layout)) <= {"S", "F", "H", "G"}:
        raise ValueError(f"layout must be a 2-D array of 'S', 'F', 'H', 'G'; got {layout!r}")
    nrow, ncol = layout.shape
    if probs is not None:
        probs = np.asarray(probs, dtype=float)
        sums = probs.sum(axis=-1) if probs.ndim == 2 else None
        if (probs.shape != (nrow * ncol, 4) or not np.all(np.isfinite(probs))
                or np.any(probs < 0) or not np.all((np.abs(sums - 1) < 1e-6) | (sums == 0))):
            raise ValueError(f"probs must be an array of shape ({nrow * ncol}, 4) whose rows are "
                             f"distributions (or all zero); got shape {probs.shape}")
    if values is not None:
        values = np.asarray(values, dtype=float)
        if values.size != nrow * ncol:
            raise ValueError(f"values must have {nrow * ncol} entries; got {values.size}")
        ax.imshow(values.reshape(nrow, ncol), cmap="Blues", vmin=vmin, vmax=vmax,
                  extent=(-0.5, ncol - 0.5, nrow - 0.5, -0.5))
    size = mpl.rcParams["legend.fontsize"] if fontsize is None else fontsize
    start_rows = []
    for r in range(nrow):
        for c in range(ncol):
            ch = layout[r, c]
            if ch in "HG":
                ax.add_patch(_rect(c, r, "0.25" if ch == "H" else "gold"))
                ax.text(c, r, "hole" if ch == "H" else "goal", ha="center", va="center",
                        color="w" if ch == "H" else "k", fontsize=size)
                continue
            if probs is not None and probs[r * ncol + c].sum() > 0:
                x0, y0, row = c, r + _ORIGIN_DY, probs[r * ncol + c]
                ax.add_patch(Circle((x0, y0), ARROW_UNIT, fill=False, ls=":", lw=0.8,
                                    color="0.6", zorder=1.5))
                ax.add_patch(Circle((x0, y0), 0.03, color="0.2", lw=0, zorder=3.5))  # origin
                for a, p in enumerate(row):
                    if p < min_prob:
                        continue
                    length = ARROW_UNIT * p
                    ax.add_patch(FancyArrow(x0, y0, length * _DX[a], length * _DY[a],
                                            width=0.035, head_width=0.13,
                                            head_length=min(0.08, 0.6 * length),
                                            length_includes_head=True, color=ARROW_COLOR,
                                            lw=0, zorder=3, gid=f"arrow-{r * ncol + c}-{a}"))
                if row.max() < 0.995:
                    ax.text(c, r + _LABEL_DY, f"{row.max():.2f}", ha="center", va="center",
                            fontsize=size, zorder=4)
            if ch == "S":
                ax.add_patch(_rect(c, r, START_COLOR, fill=False, lw=3, zorder=2.5))
                start_rows.append(r)
    ax.set_xlim(-0.5, ncol - 0.5)
    ax.set_ylim(nrow - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks(start_rows, ["start"] * len(start_rows), rotation=90, va="center",
                  color=START_COLOR)
    ax.tick_params(axis="y", length=0)
    ax.grid(False)
    ax.set_aspect("equal")
    for c in range(1, ncol):
        ax.axvline(c - 0.5, color="0.85", lw=0.8, zorder=0.6)
    for r in range(1, nrow):
        ax.axhline(r - 0.5, color="0.85", lw=0.8, zorder=0.6)
    if title:
        ax.set_title(title)
    return ax


def _rect(c, r, color, fill=True, lw=0.0, zorder=0.5):
    from matplotlib.patches import Rectangle

    inset = 0.0 if fill else 0.04   # a thick outline stays inside its cell
    return Rectangle((c - 0.5 + inset, r - 0.5 + inset), 1 - 2 * inset, 1 - 2 * inset,
                     fill=fill, facecolor=color if fill else "none", edgecolor=color, lw=lw,
                     zorder=zorder)
