"""Section 4.3 (REINFORCE and the likelihood-ratio trick): figures and the explorer.

No algorithm lives here: the estimators are :func:`pgtools.reinforce_gradient` (three forms of
Eq. (4.3)), :func:`pgtools.score_weighted_sum`, :func:`pgtools.importance_weighted_objective`,
:func:`pgtools.sample_from_enumeration` and :func:`pgtools.mean_and_se`. This module holds

* :func:`plot_drift` and :func:`plot_rate`, two figures of ``book/4_3_reinforce.ipynb``;
* :func:`make_explorer` and its pure callback :func:`draw`: histogram of one gradient coordinate's
  estimates over many independent batches of n trajectories, against the exact value. The
  explorer is a :class:`pgtools.explorer.FrameExplorer`: every (n, estimator) state is drawn
  once, so the static book responds without a kernel.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg
from pgtools import plotting

KINDS = ("return", "reward_to_go", "q")
KIND_LABELS = {"return": "full return R(τ)", "reward_to_go": "reward-to-go",
               "q": "Q form, Eq. (4.3)"}


# ------------------------------------------------------------------------------ figures
def plot_drift(alphas, err_J, err_grad, ess_frac):
    """Figure for §4.3's importance-sampling drift: IS errors and ESS/n against alpha.

    Curves are means over databases with 95% confidence bands.

    Parameters
    ----------
    alphas : array, shape (k,)
    err_J, err_grad, ess_frac : arrays, shape (repeats, k)
        |J_hat - J|, ||grad_hat - grad J|| and ESS / n for each database and alpha.
    """
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 3.4))  # the page column at 100 dpi
    plotting.plot_band(ax1, alphas, err_J, label=r"$|\hat J - J|$")
    plotting.plot_band(ax1, alphas, err_grad, label=r"$\|\widehat{\nabla J} - \nabla J\|$")
    ax1.set_yscale("log")
    ax1.set_xlabel(r"distance $\alpha$")
    ax1.set_ylabel("error (mean over databases)")
    ax1.legend()
    plotting.plot_band(ax2, alphas, ess_frac, label="ESS / n", color="C2")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"distance $\alpha$")
    ax2.set_ylabel("effective sample size / n")
    ax2.legend()
    return fig


def plot_rate(ns, errors):
    """Figure for R5: mean ||estimate - exact|| over repeats against n, log-log, with 95% band.

    Parameters
    ----------
    ns : array, shape (k,)
    errors : array, shape (repeats, k)

    Returns
    -------
    fig, slope
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    mean, half = plotting.mean_ci(errors)
    slope = plotting.loglog_slope(ax, ns, mean, label="mean error over repeats")
    ax.fill_between(ns, mean - half, mean + half, alpha=0.25, lw=0, label="95% CI")
    ax.set_xlabel("number of trajectories n")
    ax.set_ylabel(r"$\|\widehat{\nabla J} - \nabla J\|$")
    ax.legend()
    return fig, slope


# ------------------------------------------------------------------------------ explorer
_CACHE = {}
_PROBLEM = {}
N_OPTIONS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
REPEATS = 200


def _explorer_problem():
    """The §4.3 running example (the notebook's first cell builds the same one)."""
    mdp = pg.random_mdp(3, 2, 5, seed=4, rewards="normal")
    policy = pg.TabularSoftmax(3, 2)
    theta = np.random.default_rng(1).normal(0.0, 0.5, size=(3, 2))
    return mdp, policy, theta


def _precompute(coordinate=(0, 0)):
    """Per-trajectory estimates of one coordinate for every kind, with cumulative sums over n."""
    key = tuple(coordinate)
    if key in _CACHE:
        return _CACHE[key]
    mdp, policy, theta = _PROBLEM.get("problem") or _explorer_problem()
    exact = pg.exact_gradient(mdp, policy, theta)[key]
    Q = pg.value_tables(mdp, policy, theta).Q
    n_max = max(N_OPTIONS)
    traj = pg.sample_trajectories(mdp, policy, theta, REPEATS * n_max, np.random.default_rng(43))
    cums = {}
    for kind in KINDS:
        g = pg.reinforce_gradient(policy, theta, traj, kind, per_trajectory=True,
                                  Q=Q if kind == "q" else None)[(slice(None),) + key]
        cums[kind] = np.cumsum(g.reshape(REPEATS, n_max), axis=1)
    sd1 = {k: float(np.std(c[:, 0])) for k, c in cums.items()}
    _CACHE[key] = (exact, cums, sd1)
    return _CACHE[key]


def draw(n=10, kind="return"):
    """Histogram of REPEATS independent estimates (each from n trajectories) of d J / d theta[0, 0].

    Pure callback of :func:`make_explorer` (all sampling happens once, in :func:`_precompute`).
    Returns the figure without showing it.

    Parameters
    ----------
    n : int
        Trajectories per estimate, one of ``N_OPTIONS``.
    kind : {"return", "reward_to_go", "q"}
        Which form of Eq. (4.3) is averaged.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    exact, cums, sd1 = _precompute()
    est = cums[kind][:, n - 1] / n
    half = 4.0 * sd1["return"] / np.sqrt(n)  # same x-range for every kind at a given n
    bins = np.linspace(exact - half, exact + half, 41)
    counts, _ = np.histogram(np.clip(est, bins[0], bins[-1]), bins=bins)
    fig = plt.figure(figsize=(6, 3.2), layout="none")   # margins: add_axes below
    ax = fig.add_axes((0.11, 0.15, 0.86, 0.74))  # fixed margins: tight_layout costs ~0.5 s
    ax.stairs(counts, bins, fill=True, color="C0", alpha=0.75,
              label=f"{REPEATS} estimates, n = {n}")
    ax.axvline(exact, color="k", lw=2, label=f"exact = {exact:.3f}")
    ax.axvline(est.mean(), color="C3", ls="--", label=f"mean of estimates = {est.mean():.3f}")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(r"estimate of $\partial J / \partial \theta_{0,0}$", fontsize=11)
    ax.set_ylabel("count")
    ax.set_title(f"{KIND_LABELS[kind]}: spread (std) = {est.std(ddof=1):.3f}", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def describe(n=10, kind="return"):
    """First sentence of the alt text of :func:`draw`'s figure for these values."""
    return (f"Histogram of {REPEATS} estimates of ∂J/∂θ[0,0] by the {KIND_LABELS[kind]} "
            f"estimator, each from n = {n} trajector{'y' if n == 1 else 'ies'}, against "
            "the exact value")


def make_explorer(mdp=None, policy=None, theta=None):
    """A slider for n and a drop-down for the estimator, showing :func:`draw`'s figure.

    All 27 states are drawn here (see :class:`pgtools.explorer.FrameExplorer`).

    Parameters
    ----------
    mdp, policy, theta : optional
        The problem to show (the notebook passes its own); default: the §4.3 running example.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    if mdp is not None:
        problem = (mdp, policy, theta)
        old = _PROBLEM.get("problem", (None,) * 3)
        if any(x is not y for x, y in zip(old, problem)):
            _PROBLEM["problem"] = problem
            _CACHE.clear()
    _precompute()
    controls = [
        Choice("n", list(N_OPTIONS), 10, label="trajectories n", style="slider"),
        Choice("kind", [(KIND_LABELS[k], k) for k in KINDS], "return", label="estimator"),
    ]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: spread of the three REINFORCE estimators")
