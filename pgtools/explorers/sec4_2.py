"""§4.2 explorer: minibatch SGD (REINFORCE estimates) against exact gradient ascent.

Besides the explorer, this module holds the batched helpers the §4.2 notebook runs many seeds
with: :func:`batched_exact_gradient` (Eq. (4.3) for K parameter tables at once) and
:func:`batched_sgd` (the update rule of §4.2 with the REINFORCE estimate, K independent runs in
lock-step). They are specialised to :class:`pgtools.TabularSoftmax` and checked against
:func:`pgtools.exact_gradient` and :func:`pgtools.reinforce_gradient` in the notebook.
"""

from __future__ import annotations

import functools

import numpy as np

from pgtools.examples import random_mdp

__all__ = [
    "batched_exact",
    "batched_exact_gradient",
    "batched_probs",
    "batched_sgd",
    "draw",
    "explorer_mdp",
    "learning_curves",
    "make_explorer",
]


def batched_probs(theta):
    """Row-wise stable softmax of K tabular parameter tables (§4.5).

    Parameters
    ----------
    theta : numpy.ndarray, shape (K, S, A)

    Returns
    -------
    numpy.ndarray, shape (K, S, A)
    """
    z = theta - theta.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def batched_exact(mdp, theta):
    """J(theta_k) and grad J(theta_k) for K tabular softmax tables at once (Eq. (4.1), (4.3)).

    Backward induction for Q_t, forward pass for d_t(s, a), then
    grad J = sum_t gamma^t sum_{s,a} d_t Q_t grad log pi, which for the tabular softmax is
    W - pi * sum_a W with W = sum_t gamma^t d_t Q_t.

    Parameters
    ----------
    mdp : FiniteMDP
    theta : numpy.ndarray, shape (K, S, A)

    Returns
    -------
    J : numpy.ndarray, shape (K,)
    grad : numpy.ndarray, shape (K, S, A)
    """
    pi = batched_probs(theta)
    H, g = mdp.horizon, mdp.gamma
    K, S, A = pi.shape
    P2 = mdp.P.reshape(S * A, S)
    V = np.zeros((K, S))
    Qs = [None] * H
    for t in range(H - 1, -1, -1):
        Q = mdp.r + g * (V @ P2.T).reshape(K, S, A)
        V = (pi * Q).sum(-1)
        Qs[t] = Q
    J = V @ mdp.mu0
    ds = np.broadcast_to(mdp.mu0, (K, S))
    W = np.zeros_like(pi)
    for t in range(H):
        d = ds[:, :, None] * pi
        W += g**t * d * Qs[t]
        ds = d.reshape(K, S * A) @ P2
    return J, W - pi * W.sum(-1, keepdims=True)


def batched_exact_gradient(mdp, theta):
    """grad J(theta_k), Eq. (4.3), for K tabular tables; see :func:`batched_exact`."""
    return batched_exact(mdp, theta)[1]


def _draw(cdf, u):
    return np.minimum((cdf <= u[..., None]).sum(-1), cdf.shape[-1] - 1)


def batched_reinforce(mdp, theta, batch, rng):
    """One REINFORCE estimate (return form, §4.3) per table, each from ``batch`` fresh trajectories.

    Parameters
    ----------
    mdp : FiniteMDP
    theta : numpy.ndarray, shape (K, S, A)
    batch : int
        Minibatch size B.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (K, S, A)
        (1/B) sum_b R(tau_b) sum_t grad log pi(a_t|s_t) for each k.
    """
    pi = batched_probs(theta)
    K, S, A = pi.shape
    n = K * batch
    pcdf = np.cumsum(pi, -1).reshape(K * S, A)
    Pcdf = np.cumsum(mdp.P, -1).reshape(S * A, S)
    base = np.repeat(np.arange(K), batch) * S
    s = _draw(np.broadcast_to(np.cumsum(mdp.mu0), (n, S)), rng.random(n))
    flat = np.empty((n, mdp.horizon), dtype=np.int64)
    R = np.zeros(n)
    for t in range(mdp.horizon):
        a = _draw(pcdf[base + s], rng.random(n))
        flat[:, t] = (base + s) * A + a
        R += mdp.gamma**t * mdp.r[s, a]
        s = _draw(Pcdf[s * A + a], rng.random(n))
    w = np.broadcast_to(R[:, None], flat.shape)
    W = np.bincount(flat.ravel(), weights=w.ravel(), minlength=K * S * A).reshape(K, S, A) / batch
    return W - pi * W.sum(-1, keepdims=True)


def batched_sgd(mdp, theta0, steps, step_size, batch, n_runs, seed, exact=False):
    """``n_runs`` runs of (stochastic) gradient ascent on a tabular softmax policy, in lock-step.

    The update rule of §4.2, theta_{t+1} = theta_t + eta_t g_t, with g_t the REINFORCE estimate
    (§4.3) from ``batch`` fresh trajectories per run, or the exact gradient if ``exact``. All runs
    draw from one generator ``np.random.default_rng(seed)``, so the result is reproducible.

    Parameters
    ----------
    mdp : FiniteMDP
    theta0 : numpy.ndarray, shape (S, A)
    steps : int
        Number of updates T.
    step_size : float or callable t -> eta_t
    batch : int
        Minibatch size B.
    n_runs : int
        Number of independent runs K.
    seed : int
    exact : bool, default False

    Returns
    -------
    J : numpy.ndarray, shape (K, steps + 1)
        J(theta_t) (exact, Eq. (4.1)) along each run.
    gnorm2 : numpy.ndarray, shape (K, steps + 1)
        ||grad J(theta_t)||^2 (exact) along each run.
    """
    sched = step_size if callable(step_size) else (lambda t: step_size)
    theta = np.broadcast_to(np.asarray(theta0, float), (n_runs,) + np.shape(theta0)).copy()
    rng = np.random.default_rng(seed)
    Js, G2 = np.empty((n_runs, steps + 1)), np.empty((n_runs, steps + 1))
    for t in range(steps + 1):
        J, g = batched_exact(mdp, theta)
        Js[:, t], G2[:, t] = J, (g**2).sum((1, 2))
        if t == steps:
            break
        if not exact:
            g = batched_reinforce(mdp, theta, batch, rng)
        theta = theta + sched(t) * g
    return Js, G2


# --------------------------------------------------------------------------------- explorer
BATCHES = (1, 4, 16, 64)
ETAS = (0.1, 0.3, 1.0, 3.0)
STEPS = 60
N_SEEDS = 8


def explorer_mdp():
    """The small random MDP of the §4.2 notebook (S = 4, A = 3, H = 5, seed 0)."""
    return random_mdp(4, 3, 5, seed=0)


@functools.cache
def learning_curves(batch, eta):
    """Cached J(theta_t) curves: SGD with minibatch ``batch`` (N_SEEDS runs) and exact ascent.

    Returns
    -------
    sgd : numpy.ndarray, shape (N_SEEDS, STEPS + 1)
    exact : numpy.ndarray, shape (STEPS + 1,)
    j_star : float
        Optimal value from dynamic programming.
    """
    mdp = explorer_mdp()
    theta0 = np.zeros((mdp.n_states, mdp.n_actions))
    sgd, _ = batched_sgd(mdp, theta0, STEPS, eta, batch, N_SEEDS, seed=batch)
    ex, _ = batched_exact_curve(eta)
    from pgtools.exact import optimal_values
    j_star = float(mdp.mu0 @ optimal_values(mdp).V[0])
    return sgd, ex, j_star


@functools.cache
def batched_exact_curve(eta):
    """Exact gradient ascent curve with constant step ``eta`` (cached)."""
    mdp = explorer_mdp()
    theta0 = np.zeros((mdp.n_states, mdp.n_actions))
    J, G2 = batched_sgd(mdp, theta0, STEPS, eta, 1, 1, seed=0, exact=True)
    return J[0], G2[0]


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

    sgd, ex, j_star = learning_curves(int(batch), float(eta))
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.4))
    else:
        fig = ax.figure
    t = np.arange(STEPS + 1)
    for k in range(min(3, sgd.shape[0])):
        ax.plot(t, sgd[k], color="C0", lw=0.6, alpha=0.5)
    plot_band(ax, t, sgd, label=f"SGD, B = {batch} (mean, 95% band, {N_SEEDS} seeds)", color="C0")
    ax.plot(t, ex, color="C1", lw=2, label="exact gradient ascent")
    ax.axhline(j_star, color="k", ls="--", lw=1, label="optimal value $J^*$ (DP)")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"$J(\theta_t)$")
    ax.set_title(rf"step size $\eta$ = {eta:g}")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def make_explorer():
    """Sliders for B and eta driving :func:`draw` (all curves precomputed here, then cached)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    for b in BATCHES:
        for e in ETAS:
            learning_curves(b, e)
    b_sl = widgets.SelectionSlider(options=list(BATCHES), value=16, description="batch B")
    e_sl = widgets.SelectionSlider(options=list(ETAS), value=1.0, description="step η")

    def _show(batch, eta):
        draw(batch, eta)
        plt.show()

    out = widgets.interactive_output(_show, {"batch": b_sl, "eta": e_sl})
    return widgets.VBox([widgets.HBox([b_sl, e_sl]), out])
