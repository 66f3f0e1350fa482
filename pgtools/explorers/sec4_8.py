"""Section 4.8 (natural policy gradient, convergence rates of softmax PG): figures, explorer.

No algorithm lives here: the ascents are :func:`pgtools.bandits.softmax_bandit_ascent` and
:func:`pgtools.discounted.npg_discounted`; the natural gradient is
:func:`pgtools.natural_gradient`. This module holds

* :func:`plot_rates`, :func:`plot_plateau` and :func:`plot_npg_bound`, figures of
  ``book/4_8_natural_gradient.ipynb``;
* :func:`make_explorer` and its callback :func:`draw`: the sub-optimality gap of exact softmax
  PG, natural PG or entropy-regularised PG on the bandit r = (1, 0.9, 0.1), from a start that
  gives the worst arm the logit b. A :class:`pgtools.explorer.FrameExplorer` (15 frames).
"""

from __future__ import annotations

import functools

import numpy as np

from pgtools.bandits import softmax_bandit_ascent

__all__ = ["BAD_LOGITS", "ETA", "METHODS", "REWARDS", "STEPS", "TAU", "describe", "draw",
           "explorer_runs", "make_explorer", "plot_npg_bound", "plot_plateau", "plot_rates"]

REWARDS = (1.0, 0.9, 0.1)
ETA = 0.4
TAU = 0.2
STEPS = 10_000
BAD_LOGITS = (0, 2, 4, 6, 8)
METHODS = (("softmax PG", "pg"), ("natural PG", "npg"), ("PG + entropy (τ = 0.2)", "entropy"))


def plot_rates(t, curves, limits, labels):
    """t * gap against t (log x) for several bandits, with their limits (K-1)/(K eta) dotted."""
    import matplotlib.pyplot as plt

    t = np.asarray(t)
    idx = np.unique(np.geomspace(1, t.size, 400).astype(int)) - 1   # log-spaced points
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for c, lim, lab, col in zip(curves, limits, labels, ("C0", "C1", "C2")):
        ax.plot(t[idx], t[idx] * np.asarray(c)[idx], color=col, label=lab)
        ax.axhline(lim, color=col, ls=":", lw=1.2)
    ax.set_xscale("log")
    ax.set_ylim(0, 4.5)
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"$t\,(r^* - \pi_t^\top r)$")
    ax.legend(loc="upper right")
    return fig


def plot_plateau(t, runs, labels):
    """Sub-optimality gap against t (log-log) for several methods from one bad start."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for g, lab, ls in zip(runs, labels, ("-", "--", ":", "-.")):
        ax.plot(t, np.maximum(g, 1e-12), ls=ls, label=lab)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_yscale("log")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"gap $r^* - \pi_t^\top r$")
    ax.legend(loc="lower left")
    return fig


def plot_npg_bound(T, gaps, bound):
    """NPG gaps on several random MDPs against Agarwal et al.'s bound (log-log)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, g in enumerate(gaps):
        ax.plot(T, np.maximum(g, 1e-16), color="C0", lw=1, alpha=0.5,
                label="NPG, one random MDP each" if i == 0 else None)
    ax.plot(T, bound, "k--", label=r"bound $\log|A|/(\eta T) + 1/((1-\gamma)^2T)$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration $T$")
    ax.set_ylabel(r"$V^*(\rho) - V^{(T)}(\rho)$")
    ax.legend(loc="lower left")
    return fig


# ------------------------------------------------------------------------------ explorer
@functools.lru_cache(maxsize=1)
def explorer_runs():
    """Gaps, shape (3, len(BAD_LOGITS), STEPS + 1): method x start x iteration."""
    r = np.array(REWARDS)
    starts = np.array([[0.0, 0.0, float(b)] for b in BAD_LOGITS])
    out = []
    for _, m in METHODS:
        kw = {"method": "npg"} if m == "npg" else ({"tau": TAU} if m == "entropy" else {})
        out.append(softmax_bandit_ascent(r, ETA, STEPS, theta0=starts, **kw).gaps)
    return np.array(out)


def describe(method="pg", bad=4):
    """First sentence of the alt text of :func:`draw`'s figure."""
    name = {v: k for k, v in METHODS}[method]
    return (f"Sub-optimality gap of {name} on the bandit r = (1, 0.9, 0.1) against the "
            f"iteration, log-log, from a start with logit {bad} on the worst arm")


def draw(method="pg", bad=4):
    """Gap of one method from one start, the other methods in grey.

    Parameters
    ----------
    method : {"pg", "npg", "entropy"}
    bad : int, one of BAD_LOGITS

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    gaps = explorer_runs()
    j = BAD_LOGITS.index(int(bad))
    t = np.unique(np.geomspace(1, STEPS, 300).astype(int))   # points drawn (log-spaced)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="none")
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.15, top=0.90)  # fixed margins
    for i, (_, m) in enumerate(METHODS):
        if m != method:
            ax.plot(t, np.maximum(gaps[i, j, t], 1e-12), color="0.75", lw=1)
    i = [m for _, m in METHODS].index(method)
    ax.plot(t, np.maximum(gaps[i, j, t], 1e-12), color="C0", lw=2, label=METHODS[i][0])
    hit = np.flatnonzero(gaps[i, j] < 0.5)
    ax.set_title(f"off the plateau (gap < 0.5) after {hit[0]} iterations" if hit.size else
                 f"gap >= 0.5 for all {STEPS} iterations")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 2)
    # plain-text tick labels: mathtext ones (10^-12) make each SVG frame four times slower
    ax.xaxis.set_major_locator(FixedLocator([1, 10, 100, 1000, 10000]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}")
    ax.yaxis.set_major_locator(FixedLocator([1e-12, 1e-8, 1e-4, 1.0]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(lambda v, _: "1" if v >= 1 else f"1e{np.log10(v):.0f}")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("gap r* − π_t·r")
    ax.legend(loc="lower left")
    return fig


def make_explorer():
    """Method (drop-down) and bad logit (slider) driving :func:`draw`.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    explorer_runs()
    method = Choice("method", [(k, v) for k, v in METHODS], "pg", label="method")
    bad = Choice("bad", list(BAD_LOGITS), 4, label="logit of the worst arm at the start",
                 style="slider")
    return FrameExplorer(draw, [method, bad], describe=describe,
                         label="Explorer: escaping a bad start on a bandit")
