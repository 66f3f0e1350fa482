"""Section 4.5 (policy parameterisations): helpers for the notebook and its explorer.

* :func:`batched_probs`, :func:`batched_objective`, :func:`sample_batched` -- K policies (one per
  seed) evaluated / sampled at once, so that learning curves over many seeds cost one vectorised
  pass per iteration (§4.5, learning curves of tabular, linear and neural softmax policies).
* :func:`reinforce_curves` -- REINFORCE with reward-to-go and a leave-one-out baseline (Eq. (4.3)
  with the baseline of §4.4), run for K seeds in parallel.
* :func:`exact_ascent` -- gradient ascent on the exact J (Eq. (4.3) via :func:`pgtools.exact_gradient`).
* :func:`draw_policy` -- arrows with probabilities of a policy on the gridworld.
* :func:`make_explorer` / :func:`draw` -- parameterisation dropdown + inverse-temperature slider
  showing pi(a|s) ∝ exp(beta f_theta(s, a)) on the gridworld.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg

# (d column, d row) of the actions up, right, down, left; rows grow downwards as in pgtools.gridworld
ARROWS = np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def batched_probs(policy, thetas):
    """pi_theta(a|s) for K parameter vectors (§4.5).

    Parameters
    ----------
    policy : pgtools.SoftmaxPolicy
    thetas : array, shape (K,) + policy.theta_shape

    Returns
    -------
    numpy.ndarray, shape (K, S, A)
    """
    return np.stack([policy.probs(th) for th in thetas])


def batched_objective(mdp, pis):
    """J = E_{s0 ~ mu0} V_0(s0) (Eq. (4.1)) for K policy tables at once, by backward induction.

    Parameters
    ----------
    mdp : pgtools.FiniteMDP
    pis : array, shape (K, S, A)

    Returns
    -------
    numpy.ndarray, shape (K,)
    """
    V = np.zeros((pis.shape[0], mdp.n_states))
    for _ in range(mdp.horizon):
        Q = mdp.r[None] + mdp.gamma * np.einsum("sat,kt->ksa", mdp.P, V)
        V = (pis * Q).sum(axis=-1)
    return V @ mdp.mu0


def _draw(cdf, u):
    return np.minimum((cdf <= u[..., None]).sum(axis=-1), cdf.shape[-1] - 1)


def sample_batched(mdp, pis, n, rng):
    """n trajectories from each of K policies (Eq. (4.2)); one vectorised pass per time step.

    Parameters
    ----------
    mdp : pgtools.FiniteMDP
    pis : array, shape (K, S, A)
    n : int
    rng : numpy.random.Generator

    Returns
    -------
    states, actions : int arrays, shape (K, n, H)
    rewards : float array, shape (K, n, H)
    """
    K, H = pis.shape[0], mdp.horizon
    pi_cdf = np.cumsum(pis, axis=-1)
    pi_cdf /= pi_cdf[..., -1:]
    P_cdf = np.cumsum(mdp.P, axis=-1)
    P_cdf /= P_cdf[..., -1:]
    mu_cdf = np.cumsum(mdp.mu0) / mdp.mu0.sum()
    k = np.arange(K)[:, None]
    states = np.empty((K, n, H), dtype=np.int64)
    actions = np.empty((K, n, H), dtype=np.int64)
    s = _draw(np.broadcast_to(mu_cdf, (K, n, mdp.n_states)), rng.random((K, n)))
    for t in range(H):
        a = _draw(pi_cdf[k, s], rng.random((K, n)))
        states[:, :, t], actions[:, :, t] = s, a
        if t + 1 < H:
            s = _draw(P_cdf[s, a], rng.random((K, n)))
    return states, actions, mdp.r[states, actions]


def reinforce_weights(states, actions, rewards, n_states, n_actions, gamma=1.0):
    """Weight tables W[k, s, a] = (1/n) sum_{i,t: (s,a)} gamma^t (G_t - b_t) (Eq. (4.3), §4.4).

    G_t is the reward-to-go and b_t the leave-one-out mean of G_t over the other n - 1
    trajectories of the same seed (so the baseline is independent of the trajectory it is used
    with, and the estimate stays unbiased). Then grad J ≈ policy.weighted_score_sum(theta_k, W[k]).

    Parameters
    ----------
    states, actions : int arrays, shape (K, n, H)
    rewards : float array, shape (K, n, H)
    n_states, n_actions : int
    gamma : float

    Returns
    -------
    numpy.ndarray, shape (K, S, A)
    """
    K, n, H = states.shape
    disc = gamma ** np.arange(H)
    G = np.flip(np.cumsum(np.flip(rewards * disc, -1), -1), -1) / disc  # reward-to-go
    b = (G.sum(axis=1, keepdims=True) - G) / (n - 1)
    coef = disc * (G - b)
    idx = (np.arange(K)[:, None, None] * n_states + states) * n_actions + actions
    W = np.bincount(idx.ravel(), weights=coef.ravel(), minlength=K * n_states * n_actions)
    return W.reshape(K, n_states, n_actions) / n


def reinforce_curves(mdp, policy, theta0, n_seeds, iters, batch, step_size, seed=0):
    """Learning curves of REINFORCE (reward-to-go, leave-one-out baseline) for n_seeds seeds.

    All seeds start at ``theta0`` and are updated in lock-step: theta <- theta + eta * g, with g
    the estimate of :func:`reinforce_weights` from ``batch`` fresh trajectories per seed.

    Parameters
    ----------
    mdp : pgtools.FiniteMDP
    policy : pgtools.SoftmaxPolicy
    theta0 : array, shape policy.theta_shape
    n_seeds, iters, batch : int
    step_size : float
    seed : int

    Returns
    -------
    J : numpy.ndarray, shape (n_seeds, iters + 1)
        Exact J(theta_k) of every iterate.
    thetas : numpy.ndarray, shape (n_seeds,) + theta_shape
        Final parameters.
    """
    rng = np.random.default_rng(seed)
    thetas = np.repeat(np.asarray(theta0, float)[None], n_seeds, axis=0)
    J = np.empty((n_seeds, iters + 1))
    for it in range(iters + 1):
        pis = batched_probs(policy, thetas)
        J[:, it] = batched_objective(mdp, pis)
        if it == iters:
            break
        W = reinforce_weights(*sample_batched(mdp, pis, batch, rng), mdp.n_states,
                              mdp.n_actions, mdp.gamma)
        for k in range(n_seeds):
            thetas[k] = thetas[k] + step_size * policy.weighted_score_sum(thetas[k], W[k])
    return J, thetas


def exact_ascent(mdp, policy, theta0, steps, step_size):
    """Gradient ascent on the exact J with pgtools.exact_gradient (Eq. (4.3), §4.2).

    Returns
    -------
    J : numpy.ndarray, shape (steps + 1,)
    theta : numpy.ndarray, the last iterate
    """
    res = pg.gradient_ascent(lambda th: pg.exact_gradient(mdp, policy, th), theta0, steps,
                             step_size, objective=lambda th: pg.exact_objective(mdp, policy, th))
    return res.objectives, res.thetas[-1]


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
    for xi, yi, ui, vi, pi_ in zip(x, y, u, v, p):
        if pi_ >= 0.15:
            ax.text(xi + 1.15 * ui, yi + 1.15 * vi, f"{pi_:.2f}", fontsize=6, ha="center",
                    va="center")
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
        _, theta = exact_ascent(mdp, pol, pol.init_params(), steps, etas[name])
        logits[name] = pol.logits(theta)
    _CACHE.update(mdp=mdp, logits=logits, Jstar=float(mdp.mu0 @ pg.optimal_values(mdp).V[0]))
    return _CACHE


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
    float
        The exact J of the drawn policy.
    """
    import matplotlib.pyplot as plt

    c = _setup()
    mdp = c["mdp"]
    pi = _softmax(beta * c["logits"][parameterisation])
    J = float(batched_objective(mdp, pi[None])[0])
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(4.2, 4.2), dpi=80)
    draw_policy(ax, pi, 4, 4, title=f"{parameterisation} softmax, β = {beta:.2f}: "
                f"J = {J:.2f} (J* = {c['Jstar']:.2f})")
    if own:
        plt.show()
    return J


def make_explorer():
    """Dropdown (tabular / linear / neural) and inverse-temperature slider -> :func:`draw`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    _setup()
    dd = w.Dropdown(options=list(NAMES), value="linear", description="policy")
    beta = w.FloatSlider(value=1.0, min=0.0, max=4.0, step=0.25, description="β (1/temp)",
                         continuous_update=False)
    out = w.interactive_output(lambda parameterisation, beta: draw(parameterisation, beta),
                               {"parameterisation": dd, "beta": beta})
    return w.VBox([w.HBox([dd, beta]), out])
