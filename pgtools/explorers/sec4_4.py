"""Section 4.4 (baselines and advantages): the notebook's figures and its explorer.

The algorithms of §4.4 live in the core: the baselines in :mod:`pgtools.estimators`
(:func:`~pgtools.optimal_baseline`, :func:`~pgtools.joint_optimal_baseline`,
:func:`~pgtools.candidate_baselines`), the episodic sampler and REINFORCE on the short corridor
in :mod:`pgtools.episodes`, the running example in :func:`pgtools.baselines_example`. This
module only draws:

* :func:`plot_variance_bars`, :func:`plot_corridor_curve`, :func:`plot_learning_curves` -- the
  notebook's figures;
* :func:`make_explorer` and its pure callback :func:`draw` (with the precomputation
  :func:`explorer_data`): histogram of one coordinate of the per-trajectory gradient estimates
  under a chosen baseline. The explorer is a :class:`pgtools.explorer.FrameExplorer`: every
  state of its grid is drawn once, so it also responds in the static book.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg
from pgtools import plotting


# ------------------------------------------------------------------------------ figures
def plot_variance_bars(names, sq_dev, exact_trace):
    """Bar chart for R9: trace of the covariance per baseline, MC mean with 95% CI and exact dots.

    Parameters
    ----------
    names : sequence of str
    sq_dev : sequence of arrays, shape (n,)
        ||g_i - grad J||^2 for every trajectory (their mean estimates the trace).
    exact_trace : sequence of float
        The traces from enumerating every trajectory.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    plotting.bar_with_errors(ax, names, sq_dev, color="C0", alpha=0.7,
                             label="Monte Carlo (95% CI)")
    ax.plot(list(names), exact_trace, "kD", ms=6, label="exact (enumeration)")
    ax.set_ylabel(r"tr Cov of one-trajectory $\widehat{\nabla J}$")
    ax.set_xlabel(r"baseline $b_t(s_t)$")
    ax.legend()
    return fig


def plot_corridor_curve(p, J, p_star, J_star, horizon):
    """Figure for the short corridor: exact J(p) of the aliased policy, optimum and deterministic."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(p, J, label=r"$J(p)$, aliased policy")
    ax.plot([p_star], [J_star], "o", color="C3",
            label=rf"$p^* = {p_star:.3f}$, $J = {J_star:.2f}$")
    ax.plot([0, 1], [-97, -97], "v", color="k", ms=8, clip_on=False,
            label=rf"$p = 0, 1$ (deterministic): $J = -H = {-horizon}$, far below")
    ax.set_ylim(-100, 0)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(r"$p = \pi_\theta(\mathrm{right}\mid s)$ (same in every state)")
    ax.set_ylabel(r"$J(p)$")
    ax.legend(loc="lower center")
    return fig


def plot_learning_curves(curves, optimum, window=10):
    """Learning curves: return per episode (moving average over ``window``) across runs.

    The median over runs with the band between the 10% and 90% quantiles: a run that
    collapses (returns of -1000) stays visible as a band edge instead of dragging a mean.

    Parameters
    ----------
    curves : dict label -> array (n_runs, n_episodes)
    optimum : float
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    kernel = np.ones(window) / window
    for label, R in curves.items():
        smooth = np.array([np.convolve(row, kernel, mode="valid") for row in R])
        x = np.arange(window, R.shape[1] + 1)
        lo, med, hi = np.quantile(smooth, [0.1, 0.5, 0.9], axis=0)
        (line,) = ax.plot(x, med, label=label)
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.axhline(optimum, ls="--", color="k", label=rf"best aliased policy, $J = {optimum:.1f}$")
    ax.set_ylim(-90, -5)
    ax.set_xlabel("episode")
    ax.set_ylabel(f"return (moving average of {window})")
    ax.legend(loc="lower right")
    return fig


# ------------------------------------------------------------------------------ explorer
_CACHE = {}
N_TRAJ = 2000
COORDS = ((0, 0), (1, 0), (2, 0))
N_GRID = (10, 50, 200, 500, 2000)  # the n of the precomputed frames (a kernel draws any n)


def _per_trajectory(policy, theta, trajectories, b):
    g = pg.reinforce_gradient(policy, theta, trajectories, kind="reward_to_go", baseline=b,
                              per_trajectory=True)
    return g.reshape(trajectories.n, -1)


def explorer_data():
    """What the explorer shows, computed once: per-trajectory estimates of N_TRAJ sampled
    trajectories (the same for every baseline) and the exact variances by enumeration."""
    if "data" in _CACHE:
        return _CACHE["data"]
    mdp, policy, theta = pg.baselines_example()
    bases = pg.candidate_baselines(mdp, policy, theta)
    exact = pg.exact_gradient(mdp, policy, theta).ravel()
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    sampled = pg.sample_trajectories(mdp, policy, theta, N_TRAJ, np.random.default_rng(44))
    est, var, trace = {}, {}, {}
    for name, b in bases.items():
        est[name] = _per_trajectory(policy, theta, sampled, b)
        dev = _per_trajectory(policy, theta, enum.trajectories, b) - exact
        var[name] = enum.probs @ dev ** 2
        trace[name] = float(var[name].sum())
    pooled = np.concatenate([e for e in est.values()])
    lo, hi = np.percentile(pooled, [0.5, 99.5], axis=0)
    data = {"est": est, "var": var, "trace": trace, "exact": exact, "lo": lo, "hi": hi,
            "S": policy.n_states, "A": policy.n_actions}
    _CACHE["data"] = data
    return data


def draw(baseline="V_t(s)", n=500, coordinate="θ[0,0]"):
    """Histogram of one coordinate of the per-trajectory estimates under one baseline (§4.4).

    Left: the first ``n`` of 2000 fixed sampled trajectories (the same trajectories for every
    baseline), with the exact partial derivative and the sample mean +- 2 SE. Right: the exact
    trace of the covariance of the one-trajectory estimator for every baseline.

    Parameters
    ----------
    baseline : str
        One of ``pg.BASELINE_NAMES``.
    n : int
        Number of trajectories shown, 10 <= n <= 2000.
    coordinate : str
        "θ[s,a]" for s in 0..2, a = 0.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    d = explorer_data()
    s, a = (int(c) for c in coordinate.strip("θ[]").split(","))
    k = s * d["A"] + a
    x = d["est"][baseline][: int(n), k]
    mean, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 3.4), layout="none",
                                   gridspec_kw={"width_ratios": [3, 2]})
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.91, wspace=0.62)
    bins = np.linspace(d["lo"][k], d["hi"][k], 41)
    counts, _ = np.histogram(np.clip(x, bins[0], bins[-1]), bins=bins)
    ax1.stairs(counts, bins, fill=True, color="C0", alpha=0.7)
    ax1.axvline(d["exact"][k], color="k", lw=2, label=rf"exact $\partial J$ = {d['exact'][k]:.3f}")
    ax1.axvspan(mean - 2 * se, mean + 2 * se, color="C3", alpha=0.3,
                label=f"mean ± 2 SE = {mean:.3f} ± {2 * se:.3f}")
    ax1.set_xlabel(f"one-trajectory estimate of ∂J/∂{coordinate}")
    ax1.set_ylabel("count")
    ax1.set_title(f"baseline: {baseline}, n = {int(n)}, sample var = {x.var(ddof=1):.3f}",
                  fontsize=9)
    ax1.set_ylim(0, 1.5 * counts.max())  # headroom: the legend never covers a bar
    ax1.legend(fontsize=8, loc="upper left")
    names = list(pg.BASELINE_NAMES)
    colors = ["C3" if m == baseline else "C7" for m in names]
    ax2.barh(names, [d["trace"][m] for m in names], color=colors)
    ax2.invert_yaxis()
    ax2.set_xlabel("exact tr Cov, one trajectory")
    return fig


def describe(baseline="V_t(s)", n=500, coordinate="θ[0,0]"):
    """First sentence of the alt text of :func:`draw`'s figure for these values."""
    return (f"Histogram of the first {n} one-trajectory estimates of ∂J/∂{coordinate} with the "
            f"baseline {baseline}, against the exact value; beside it, the exact trace of the "
            "covariance for each baseline")


def make_explorer():
    """Baseline, n and coordinate controls showing :func:`draw`'s figure.

    One frame per baseline, coordinate and n in ``N_GRID`` (the static page snaps n to those);
    with a kernel, n takes every multiple of 10.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer, Slider

    explorer_data()
    controls = [
        Choice("baseline", list(pg.BASELINE_NAMES), "V_t(s)", label="baseline"),
        Slider("n", 10, N_TRAJ, 10, grid=list(N_GRID), value=500, label="trajectories n"),
        Choice("coordinate", [f"θ[{s},{a}]" for s, a in COORDS], "θ[0,0]", label="coordinate"),
    ]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: one-trajectory estimates under each baseline")
