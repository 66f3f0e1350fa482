"""§4.11 explorer: GAE's exact bias, variance and mean squared error over lambda.

Only drawing lives here; the mathematics is :func:`pgtools.gae`,
:func:`pgtools.enumerate_trajectories`, :func:`pgtools.score_weighted_sum` and
:func:`pgtools.exact_gradient`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import pgtools as pg

CRITICS = ("true V_t", "state-only fit", "half of V_t", "no critic")
BATCHES = (1, 10, 100, 1000)
LAMS = np.linspace(0.0, 1.0, 21)
_DATA = {}


def bias_variance(mdp, policy, theta, V_hat, lams=LAMS):
    """Exact squared bias and trace-variance of one trajectory's GAE gradient, per lambda.

    g_lambda = sum_t gamma^t A^lambda_t grad log pi(a_t|s_t) with A^lambda from
    :func:`pgtools.gae` and the critic table ``V_hat`` (H, S), averaged over every trajectory
    with its probability.

    Returns
    -------
    numpy.ndarray, shape (len(lams), 2)
    """
    en = pg.enumerate_trajectories(mdp, policy, theta)
    T, p = en.trajectories, en.probs
    H, gam = mdp.horizon, mdp.gamma
    grad = pg.exact_gradient(mdp, policy, theta).ravel()
    vals = np.asarray(V_hat)[np.arange(H)[None], T.states]
    out = []
    for lam in lams:
        A = pg.gae(T.rewards, vals, gam, lam)
        g = pg.score_weighted_sum(policy, theta, T, A * gam ** np.arange(H),
                                  per_trajectory=True).reshape(len(p), -1)
        m = p @ g
        out.append((((m - grad) ** 2).sum(), p @ ((g - m) ** 2).sum(axis=1)))
    return np.array(out)


def _precompute(mdp, policy, theta, V_true, V_state):
    critics = {"true V_t": V_true, "state-only fit": V_state, "half of V_t": 0.5 * V_true,
               "no critic": 0.0 * V_true}
    _DATA.clear()
    for name, V in critics.items():
        _DATA[name] = bias_variance(mdp, policy, theta, V)


def draw(critic="state-only fit", n=100):
    """Squared bias, variance / n and their sum over lambda for one critic and batch size."""
    bv = _DATA[critic]
    b2, var = bv[:, 0], bv[:, 1] / n
    mse = b2 + var
    fig, ax = plt.subplots(figsize=(5.8, 3.6), layout="constrained")
    ax.plot(LAMS, mse, "k-", lw=2, label="mean squared error")
    ax.plot(LAMS, var, "C0--", label=f"variance / n, n = {n}")
    ax.plot(LAMS, np.maximum(b2, 1e-12), "C3:", lw=2, label="squared bias")
    best = LAMS[np.argmin(mse)]
    ax.axvline(best, color="0.5", lw=1)
    ax.text(best, mse.max(), f" best λ = {best:.2f}", va="top")
    ax.set_yscale("log")
    ax.set_ylim(max(1e-6, 0.5 * mse.min() / 100), 2 * max(mse.max(), var.max()))
    ax.set_xlabel(r"$\lambda$")
    ax.set_ylabel("error of a batch estimate")
    ax.set_title(f"critic: {critic}", fontsize=11)
    ax.legend(loc="lower left")
    return fig


def describe(critic="state-only fit", n=100):
    """First sentence of the alt text of :func:`draw`'s figure."""
    return (f"Exact squared bias, variance over n = {n} and mean squared error of the GAE "
            f"policy gradient against lambda, for the critic '{critic}'")


def make_explorer(mdp, policy, theta, V_true, V_state):
    """A drop-down for the critic and a slider for n, showing :func:`draw` (16 frames).

    Parameters
    ----------
    mdp, policy, theta
        The §4.11 test MDP, its tabular softmax policy and parameters.
    V_true, V_state : numpy.ndarray, shape (H, S)
        The exact values and the state-only regression critic.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    _precompute(mdp, policy, theta, V_true, V_state)
    controls = [
        Choice("critic", list(CRITICS), "state-only fit", label="critic"),
        Choice("n", list(BATCHES), 100, label="batch size n", style="slider"),
    ]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: GAE bias and variance over lambda")
