"""Section 4.4 (baselines and advantages): helpers, figures and the explorer.

The notebook ``book/4_4_baselines.ipynb`` calls everything here by name:

* :func:`make_problem` -- the small random MDP, tabular softmax policy and parameters used for the
  variance comparison of §4.4 (shared by the notebook and the explorer, so both show the same
  numbers);
* :func:`baselines` -- the five baselines compared in §4.4 (none, a constant, the mean
  reward-to-go per step, V_t(s) and the variance-optimal b*_t(s));
* :func:`corridor_episodes` and :func:`reinforce_corridor` -- REINFORCE with and without a
  learned scalar baseline on the short corridor (Sutton & Barto, Example 13.1, figures 13.1/13.2),
  vectorised across seeds;
* :func:`plot_variance_bars`, :func:`plot_corridor_curve`, :func:`plot_learning_curves` -- the
  notebook's figures;
* :func:`make_explorer` and its pure callback :func:`draw`: histogram of one coordinate of the
  per-trajectory gradient estimates under a chosen baseline.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg
from pgtools import plotting

BASELINE_NAMES = ("none", "constant J", "mean R_t", "V_t(s)", "b*_t(s)")


def make_problem():
    """The running example of §4.4: a random MDP (S = 3, A = 2, H = 4), tabular softmax, theta.

    Returns
    -------
    mdp : FiniteMDP
    policy : TabularSoftmax
    theta : numpy.ndarray, shape (3, 2)
    """
    mdp = pg.random_mdp(3, 2, 4, seed=3, rewards="normal")
    policy = pg.TabularSoftmax(3, 2)
    theta = np.random.default_rng(103).normal(size=(3, 2))
    return mdp, policy, theta


def optimal_baseline(policy, theta, Q):
    """Variance-optimal per-step baseline b*_t(s) (§4.4, after Greensmith et al. 2004).

    b*_t(s) = E[||grad log pi(a|s)||^2 G_t | s_t = s] / E[||grad log pi(a|s)||^2 | s_t = s]
            = sum_a pi(a|s) ||psi(s, a)||^2 Q_t(s, a) / sum_a pi(a|s) ||psi(s, a)||^2,
    using E[G_t | s_t = s, a_t = a] = Q_t(s, a).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    Q : numpy.ndarray, shape (H, S, A)
        From :func:`pgtools.value_tables`.

    Returns
    -------
    numpy.ndarray, shape (H, S)
    """
    pi = policy.probs(theta)
    psi = policy.score_table(theta).reshape(policy.n_states, policy.n_actions, -1)
    weight = pi * (psi ** 2).sum(axis=-1)  # pi(a|s) ||psi(s, a)||^2, shape (S, A)
    return (weight * Q).sum(axis=-1) / weight.sum(axis=-1)


def baselines(mdp, policy, theta):
    """The five baselines of §4.4, in the form ``pgtools.reinforce_gradient`` accepts.

    Returns
    -------
    dict
        name -> None (no baseline), float (J), array (H,) (E R_t), array (H, S) (V_t, b*_t).
    """
    V, Q, _ = pg.value_tables(mdp, policy, theta)
    d_state = pg.state_action_marginals(mdp, policy, theta).sum(axis=-1)  # (H, S)
    return dict(zip(BASELINE_NAMES, (None, pg.exact_objective(mdp, policy, theta),
                                     (d_state * V).sum(axis=-1), V,
                                     optimal_baseline(policy, theta, Q))))


def joint_optimal_baseline(policy, theta, enumeration):
    """The table b_t(s) minimising the exact tr Cov of the baselined estimator (§4.4).

    The one-trajectory estimate is affine in the table: g(tau) = g_0(tau) - M(tau) b with
    M(tau)[:, (t, s)] = 1[s_t = s] psi_t, so the minimiser of E||g - grad J||^2 solves the normal
    equations E[M^T M] b = E[M^T g_0] (least squares, for unreachable (t, s)).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    enumeration : Enumeration
        From :func:`pgtools.enumerate_trajectories` (every trajectory with its probability).

    Returns
    -------
    numpy.ndarray, shape (H, S)
    """
    tr, prob = enumeration.trajectories, enumeration.probs
    N, H, S = tr.n, tr.horizon, policy.n_states
    psi = policy.score(theta, tr.states, tr.actions).reshape(N, H, -1)
    M = np.einsum("nhd,nhs->ndhs", psi, np.eye(S)[tr.states]).reshape(N, psi.shape[-1], H * S)
    g0 = per_trajectory(policy, theta, tr, None)
    lhs = np.einsum("n,ndk,ndl->kl", prob, M, M)
    rhs = np.einsum("n,ndk,nd->k", prob, M, g0)
    return np.linalg.lstsq(lhs, rhs, rcond=None)[0].reshape(H, S)


def per_trajectory(policy, theta, trajectories, baseline):
    """Per-trajectory reward-to-go estimates with a baseline, flattened: shape (n, dim theta)."""
    g = pg.reinforce_gradient(policy, theta, trajectories, kind="reward_to_go",
                              baseline=baseline, per_trajectory=True)
    return g.reshape(trajectories.n, -1)


# ------------------------------------------------------------------------------ short corridor
def corridor_episodes(mdp, p_right, rng, max_steps=1000, goal=3):
    """One episode per entry of ``p_right`` on a deterministic corridor, vectorised (S&B Ex. 13.1).

    Seed i plays pi(right) = p_right[i] in every state (the aliased policy) from state 0 until
    the goal or ``max_steps``. Action 0 is right, as in :func:`pgtools.short_corridor`.

    Parameters
    ----------
    mdp : FiniteMDP
        Deterministic transitions (every row of P is one-hot).
    p_right : numpy.ndarray, shape (n,)
    rng : numpy.random.Generator
    max_steps : int, default 1000
    goal : int, default 3

    Returns
    -------
    states, actions : int arrays, shape (n, L)
        L = length of the longest episode; entries after the goal repeat the goal.
    rewards : numpy.ndarray, shape (n, L)
        Zero after the goal.
    """
    if not np.all(mdp.P.max(axis=-1) == 1.0):
        raise ValueError("corridor_episodes needs deterministic transitions")
    nxt = mdp.P.argmax(axis=-1)
    p_right = np.asarray(p_right, dtype=float)
    n, chunk = p_right.size, 64
    s = np.full(n, np.flatnonzero(mdp.mu0)[0], dtype=np.int64)
    S_, A_, steps = [], [], 0
    while steps < max_steps and not (s == goal).all():
        # draw a block of actions at once; only the state update is a Python loop
        a = (rng.random((n, chunk)) >= p_right[:, None]).astype(np.int64)  # 0 = right
        st = np.empty((n, chunk), dtype=np.int64)
        for j in range(chunk):
            st[:, j] = s
            s = nxt[s, a[:, j]]
        S_.append(st)
        A_.append(a)
        steps += chunk
    states, actions = np.concatenate(S_, axis=1), np.concatenate(A_, axis=1)
    done = (states == goal).all(axis=0)
    L = min(int(np.argmax(done)) if done.any() else states.shape[1], max_steps)
    states, actions = states[:, :L], actions[:, :L]
    return states, actions, mdp.r[states, actions]


def _sequential_baseline(w, G, mask, alpha_w):
    """Baseline before each step of w <- w + alpha_w (G_t - w) at the steps where mask = 1.

    The linear recurrence w_{t+1} = (1 - alpha_w m_t) w_t + alpha_w m_t G_t in closed form,
    vectorised over seeds and steps. Returns (w_t for every t, shape (n, L); w after the episode).
    """
    c = np.cumprod(1.0 - alpha_w * mask, axis=1)
    c_prev = np.concatenate([np.ones((len(w), 1)), c[:, :-1]], axis=1)
    inc = alpha_w * mask * G / c
    w_t = c_prev * (w[:, None] + np.cumsum(inc, axis=1) - inc)
    return w_t, c[:, -1] * (w + inc.sum(axis=1))


def reinforce_corridor(mdp, n_seeds, n_episodes, alpha, alpha_w=None, x0=-2.94, seed=0,
                       goal=3):
    """REINFORCE (with a learned scalar baseline if ``alpha_w``) on the short corridor, §4.4.

    Policy: the aliased linear softmax with theta = (theta_right, theta_left), so
    pi(right) = sigmoid(x), x = theta_right - theta_left (starting at x0, pi(right) ~ 0.05 as in
    Sutton & Barto's figures 13.1/13.2). After each episode
    theta += alpha * sum_t psi_t (G_t - w_t), psi_t = grad log pi(a_t) = e_{a_t} - (p, 1 - p);
    the baseline (a single number w, since the features cannot tell states apart) follows
    w <- w + alpha_w (G_t - w) after every step, as in S&B's pseudocode. One difference from
    S&B: the scores psi_t use the episode's starting theta (a plain REINFORCE gradient step)
    rather than a theta updated step by step.

    Parameters
    ----------
    mdp : FiniteMDP
        From :func:`pgtools.short_corridor`.
    n_seeds, n_episodes : int
    alpha : float
        Policy step size.
    alpha_w : float, optional
        Baseline step size; ``None`` = no baseline.
    x0 : float, default -2.94
    seed : int, default 0

    Returns
    -------
    returns : numpy.ndarray, shape (n_seeds, n_episodes)
        Return of every episode.
    p_right : numpy.ndarray, shape (n_seeds, n_episodes)
        pi(right) used in every episode.
    """
    rng = np.random.default_rng(seed)
    x = np.full(n_seeds, float(x0))
    w = np.zeros(n_seeds)
    returns = np.empty((n_seeds, n_episodes))
    p_hist = np.empty((n_seeds, n_episodes))
    for e in range(n_episodes):
        p = 1.0 / (1.0 + np.exp(-x))
        s, a, r = corridor_episodes(mdp, p, rng, goal=goal)
        G = np.cumsum(r[:, ::-1], axis=1)[:, ::-1]
        mask = (s != goal).astype(float)
        returns[:, e], p_hist[:, e] = r.sum(axis=1), p
        if alpha_w is None:
            delta = G
        else:
            w_t, w = _sequential_baseline(w, G, mask, alpha_w)
            delta = G - w_t
        u = (((a == 0) - p[:, None]) * delta * mask).sum(axis=1)  # d/d theta_right
        x += 2.0 * alpha * u  # theta_right += alpha u, theta_left -= alpha u
    return returns, p_hist


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
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_corridor_curve(p, J, p_star, J_star, horizon):
    """Figure for the short corridor: exact J(p) of the aliased policy, optimum and deterministic."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    ax.plot(p, J, label=r"$J(p)$, aliased policy")
    ax.plot([p_star], [J_star], "o", color="C3",
            label=rf"$p^* = {p_star:.3f}$, $J = {J_star:.2f}$")
    ax.plot([0, 1], [-97, -97], "v", color="k", ms=8, clip_on=False,
            label=rf"$p = 0, 1$ (deterministic): $J = -H = {-horizon}$, far below")
    ax.set_ylim(-100, 0)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(r"$p = \pi_\theta(\mathrm{right}\mid s)$ (same in every state)")
    ax.set_ylabel(r"$J(p)$")
    ax.legend(fontsize=8, loc="lower center")
    fig.tight_layout()
    return fig


def plot_learning_curves(curves, optimum, window=10):
    """Learning curves: return per episode (moving average over ``window``), mean and 95% band.

    Parameters
    ----------
    curves : dict label -> array (n_seeds, n_episodes)
    optimum : float
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    kernel = np.ones(window) / window
    for label, R in curves.items():
        smooth = np.array([np.convolve(row, kernel, mode="valid") for row in R])
        x = np.arange(window, R.shape[1] + 1)
        plotting.plot_band(ax, x, smooth, label=label)
    ax.axhline(optimum, ls="--", color="k", label=rf"best aliased policy, $J = {optimum:.1f}$")
    ax.set_ylim(-90, -5)
    ax.set_xlabel("episode")
    ax.set_ylabel(f"return (moving average of {window})")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ explorer
_CACHE = {}
N_TRAJ = 2000
COORDS = ((0, 0), (1, 0), (2, 0))


def _precompute():
    """Per-trajectory estimates (N_TRAJ trajectories, same for every baseline) and exact moments."""
    if "data" in _CACHE:
        return _CACHE["data"]
    mdp, policy, theta = make_problem()
    bases = baselines(mdp, policy, theta)
    exact = pg.exact_gradient(mdp, policy, theta).ravel()
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    sampled = pg.sample_trajectories(mdp, policy, theta, N_TRAJ, np.random.default_rng(44))
    est, var, trace = {}, {}, {}
    for name, b in bases.items():
        est[name] = per_trajectory(policy, theta, sampled, b)
        dev = per_trajectory(policy, theta, enum.trajectories, b) - exact
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
        One of ``BASELINE_NAMES``.
    n : int
        Number of trajectories shown, 10 <= n <= 2000.
    coordinate : str
        "θ[s,a]" for s in 0..2, a = 0.
    """
    import matplotlib.pyplot as plt

    d = _precompute()
    s, a = (int(c) for c in coordinate.strip("θ[]").split(","))
    k = s * d["A"] + a
    x = d["est"][baseline][: int(n), k]
    mean, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.35)
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
    ax1.legend(fontsize=8)
    names = list(BASELINE_NAMES)
    colors = ["C3" if m == baseline else "C7" for m in names]
    ax2.barh(names, [d["trace"][m] for m in names], color=colors)
    ax2.invert_yaxis()
    ax2.set_xlabel("exact tr Cov (one trajectory)")
    plt.show()


def make_explorer():
    """Widgets (baseline, n, coordinate) wired to :func:`draw` with ``interactive_output``."""
    import ipywidgets as w

    _precompute()
    controls = {
        "baseline": w.Dropdown(options=list(BASELINE_NAMES), value="V_t(s)",
                               description="baseline"),
        "n": w.IntSlider(value=500, min=10, max=N_TRAJ, step=10, description="n traj.",
                         continuous_update=False),
        "coordinate": w.Dropdown(options=[f"θ[{s},{a}]" for s, a in COORDS], value="θ[0,0]",
                                 description="coordinate"),
    }
    out = w.interactive_output(draw, controls)
    return w.VBox([w.HBox(list(controls.values())), out])
