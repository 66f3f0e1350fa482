"""Section 4.9 (TRPO and PPO): figures and the explorer.

No algorithm lives here: the surrogates are :func:`pgtools.surrogate_objective`, the TRPO step
:func:`pgtools.trpo_step`, the natural direction :func:`pgtools.natural_gradient`, and PPO on
CartPole :func:`pgtools.gym.ppo.train_ppo`. This module holds

* :func:`plot_clip`, :func:`plot_bound` and :func:`plot_cartpole`, figures of
  ``book/4_9_trpo_ppo.ipynb``;
* :func:`make_explorer` and its callback :func:`draw`: the true change J(theta_s) - J(theta_old)
  and the TRPO and PPO-clip surrogates along the natural-gradient line theta_s = theta_old + s x,
  x the natural step whose quadratic KL model is 0.01, for a chosen clip range; a
  :class:`pgtools.explorer.FrameExplorer` (15 frames).
"""

from __future__ import annotations

import functools

import numpy as np

from pgtools.exact import exact_gradient, exact_objective
from pgtools.examples import random_mdp
from pgtools.kl import trajectory_kl
from pgtools.natural import natural_gradient, natural_step_size
from pgtools.policies import TabularSoftmax
from pgtools.surrogate import surrogate_objective

__all__ = ["CLIPS", "STEPS", "describe", "draw", "explorer_curves", "explorer_problem",
           "make_explorer", "plot_bound", "plot_cartpole", "plot_clip"]

CLIPS = (0.1, 0.2, 0.3)
STEPS = (0, 1, 2, 4, 8)


def plot_clip(eps=0.2):
    """The PPO-clip term min(Lambda A, clip(Lambda, 1-eps, 1+eps) A) against Lambda, A = +-1."""
    import matplotlib.pyplot as plt

    lam = np.linspace(0.0, 2.0, 401)
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.4), sharex=True)  # the page column
    for ax, A in zip(axes, (1.0, -1.0)):
        clipped = np.minimum(lam * A, np.clip(lam, 1 - eps, 1 + eps) * A)
        ax.plot(lam, lam * A, color="0.5", ls="--", label=r"$\Lambda A$ (TRPO)")
        ax.plot(lam, clipped, color="C0", label=r"$\min(\Lambda A, \mathrm{clip}(\Lambda)A)$")
        kink = 1 + eps if A > 0 else 1 - eps
        ax.axvline(kink, color="C1", ls=":", lw=1.2)
        ax.annotate(f"kink at {kink:g}", (kink, 0.5 if A > 0 else -1.5),  # off the lines
                    xytext=(5 if A > 0 else -5, 0), textcoords="offset points", color="C1",
                    ha="left" if A > 0 else "right", va="center")
        ax.set_title(f"A = {A:+g}")
        ax.set_xlabel(r"ratio $\Lambda = \pi_\theta / \pi_{old}$")
    axes[0].legend(loc="upper left")
    axes[0].set_ylabel("term of the surrogate")
    return fig


def plot_bound(gains, bounds):
    """Actual improvement J' - J against the lower bound of the monotonic-improvement theorem."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.scatter(bounds, gains, s=12, alpha=0.7, label="random pairs of policies")
    lo = min(bounds.min(), gains.min())
    hi = max(bounds.max(), gains.max())
    ax.plot([lo, hi], [lo, hi], "k:", lw=1, label="gain = bound")
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_xlabel("lower bound  L − penalty")
    ax.set_ylabel("actual gain  J(θ') − J(θ)")
    ax.legend(loc="lower right")   # below the diagonal: no point there
    return fig


def plot_cartpole(curves, labels):
    """Batch mean return against environment steps: median over seeds and a quartile band.

    Parameters
    ----------
    curves : list of (steps, returns) pairs of arrays, shape (iterations, seeds) each
    labels : list of str
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    top = max(np.cumsum(st, axis=0).max() for st, _ in curves)
    grid = np.linspace(0, top, 300)
    for (st, ret), lab, col in zip(curves, labels, ("C0", "C1")):
        cum = np.cumsum(st, axis=0)
        ys = np.full((ret.shape[1], grid.size), np.nan)
        for k in range(ret.shape[1]):
            ok = grid <= cum[-1, k]
            ys[k, ok] = np.interp(grid[ok], cum[:, k], ret[:, k])
        live = ~np.all(np.isnan(ys), axis=0)        # some seed still running
        med = np.full(grid.size, np.nan)
        q1, q3 = med.copy(), med.copy()
        med[live] = np.nanmedian(ys[:, live], axis=0)
        q1[live], q3[live] = np.nanpercentile(ys[:, live], [25, 75], axis=0)
        ax.plot(grid, med, color=col, label=lab)
        ax.fill_between(grid, q1, q3, color=col, alpha=0.25, lw=0)
    ax.axhline(475, color="k", ls="--", lw=1, label="475")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("mean return of the batch")
    ax.legend(loc="lower right")
    return fig


# ------------------------------------------------------------------------------ explorer
def explorer_problem():
    """The MDP of §4.9 (5 states, 3 actions, H = 6, seed 4), a tabular policy and theta_old."""
    mdp = random_mdp(5, 3, 6, seed=4, rewards="normal")
    policy = TabularSoftmax(5, 3)
    return mdp, policy, np.random.default_rng(0).normal(size=(5, 3))


@functools.lru_cache(maxsize=1)
def explorer_curves():
    """s (fine grid), J - J_old, L_trpo, L_clip for every CLIPS, KL and max |Lambda - 1|."""
    mdp, policy, old = explorer_problem()
    x = natural_gradient(mdp, policy, old)
    x = natural_step_size(exact_gradient(mdp, policy, old), x, 0.01) * x  # KL model = 0.01
    s = np.linspace(0.0, max(STEPS), 81)
    line = old + s[:, None, None] * x
    truth = exact_objective(mdp, policy, line) - exact_objective(mdp, policy, old)
    trpo = surrogate_objective(mdp, policy, line, old, "trpo")
    clip = np.array([surrogate_objective(mdp, policy, line, old, "ppo-clip", clip=e)
                     for e in CLIPS])
    kl = trajectory_kl(mdp, policy, old, line)
    ratio = np.abs(policy.probs(line) / policy.probs(old) - 1).max(axis=(1, 2))
    return s, truth, trpo, clip, kl, ratio


def describe(eps=0.2, s=1):
    """First sentence of the alt text of :func:`draw`'s figure."""
    return (f"The true change of J and the TRPO and PPO-clip surrogates (clip range {eps:g}) "
            f"along the natural-gradient line, with the step s = {s:g} marked")


def draw(eps=0.2, s=1):
    """Truth and surrogates along the natural-gradient line; the step ``s`` marked.

    Parameters
    ----------
    eps : float, one of CLIPS
    s : int, one of STEPS

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    grid, truth, trpo, clip, kl, ratio = explorer_curves()
    e = CLIPS.index(float(eps))
    i = int(np.argmin(np.abs(grid - float(s))))
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="none")
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.15, top=0.90)  # fixed margins
    ax.plot(grid, truth, color="k", label="J(θ_s) − J(θ_old)")
    ax.plot(grid, trpo, color="C0", ls="--", label="TRPO surrogate")
    ax.plot(grid, clip[e], color="C1", label=f"PPO-clip surrogate, ε = {eps:g}")
    ax.axvline(grid[i], color="0.5", lw=1)
    ax.set_title(f"s = {grid[i]:g}: KL = {kl[i]:.3f}, max |Λ − 1| = {ratio[i]:.2f}")
    ax.set_xlabel("s (s = 1: the natural step with ½ΔᵀFΔ = 0.01)")
    ax.set_ylabel("change of the objective")
    ax.legend(loc="upper left")
    return fig


def make_explorer():
    """Clip range (drop-down) and step (slider) driving :func:`draw`.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    explorer_curves()
    eps = Choice("eps", list(CLIPS), 0.2, label="clip range ε")
    s = Choice("s", list(STEPS), 1, label="step s along the natural gradient (in δ = 0.01 steps)",
               style="slider")
    return FrameExplorer(draw, [eps, s], describe=describe,
                         label="Explorer: TRPO and PPO surrogates against the truth")
