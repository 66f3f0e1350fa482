"""Learned critics, actor-critic and generalised advantage estimation (§4.11).

Trajectories are padded arrays of shape (n, H) with a ``mask`` (1 while the episode runs), as in
:class:`pgtools.gym.ObsTrajectories`; the value of whatever follows the last step is 0
(a terminal state, or the end of the horizon).

* Eq. (C1), Monte Carlo regression: w = argmin sum_{i,t} mask (w^T phi_{i,t} - G_{i,t})^2
  + ridge |w|^2, with the reward-to-go G_t as the target (:func:`mc_critic`).
* Eq. (C2), TD(0): w <- w + alpha delta_t phi_t, delta_t = r_t + gamma w^T phi_{t+1} - w^T phi_t,
  one transition at a time (:func:`td0_critic`).
* Eq. (C3), GAE: delta_t = r_t + gamma V_{t+1} - V_t and A_t = sum_{l>=0} (gamma lam)^l
  delta_{t+l}; lam = 0 is the TD error, lam = 1 the reward-to-go minus V_t (:func:`gae`).
* Eq. (C4), one-step actor-critic: at every step, critic V <- V + alpha_w delta, actor
  theta <- theta + alpha gamma^t delta grad log pi(a_t|s_t) (:func:`one_step_actor_critic`).

Tabular critics are the linear ones with one-hot features (:func:`tabular_features`).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .episodes import _terminal_mask
from .mdp import check_mdp
from .policies import check_policy
from .sampling import reward_to_go


def _mask(mask, shape):
    if mask is None:
        return np.ones(shape)
    m = v.finite_array(mask, "mask", shape=shape)
    if np.any((m != 0) & (m != 1)):
        raise ValueError("mask must contain only 0 and 1")
    if np.any(np.diff(m, axis=1) > 0):
        raise ValueError("mask must be 1 up to the end of each episode and 0 after it")
    return m


def _real(x, name, low=None):
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not np.isfinite(x):
        raise ValueError(f"{name} must be a finite real number; got {x!r}")
    if low is not None and x < low:
        raise ValueError(f"{name} must be >= {low}; got {x!r}")
    return float(x)


def gae(rewards, values, gamma=1.0, lam=1.0, mask=None):
    """Generalised advantage estimates A_t = sum_{l>=0} (gamma lam)^l delta_{t+l} (Eq. (C3)).

    delta_t = r_t + gamma V(s_{t+1}) - V(s_t) while the episode runs; the sum stops at the end
    of the episode. Computed by the backward recursion A_t = delta_t + gamma lam A_{t+1}.
    With lam = 0, A_t = delta_t (TD); with lam = 1, A_t = G_t - V(s_t) (Monte Carlo, the
    reward-to-go minus the baseline V). A_t + V(s_t) is the lambda-return.

    Parameters
    ----------
    rewards : array_like, shape (n, H)
        r_t (anything where ``mask`` is 0; it is ignored).
    values : array_like, shape (n, H) or (n, H + 1)
        V(s_t). Column H, if given, is the value of the state after step H - 1 (for a horizon
        cut short, a bootstrap); without it that value is 0. For an episode that ends at
        T < H, ``values[:, T]`` is used as the value after its last step: set it to 0 for a
        terminal state.
    gamma : float in [0, 1]
    lam : float in [0, 1]
    mask : array_like, shape (n, H), optional
        1 while the episode runs, then 0; default all ones.

    Returns
    -------
    numpy.ndarray, shape (n, H)
        A_t, 0 where ``mask`` is 0.
    """
    r = v.finite_array(rewards, "rewards", ndim=2)
    n, H = r.shape
    V = v.finite_array(values, "values")
    if V.shape == (n, H):
        V = np.concatenate([V, np.zeros((n, 1))], axis=1)
    elif V.shape != (n, H + 1):
        raise ValueError(f"values must have shape ({n}, {H}) or ({n}, {H + 1}); got "
                         f"{V.shape}")
    gamma = v.discount(gamma, "gamma")
    lam = v.discount(lam, "lam")
    m = _mask(mask, (n, H))
    delta = (r + gamma * V[:, 1:] - V[:, :-1]) * m
    A = np.empty_like(delta)
    acc = np.zeros(n)
    for t in range(H - 1, -1, -1):
        acc = delta[:, t] + gamma * lam * acc
        A[:, t] = acc
    return A * m


def tabular_features(states, n_states, horizon=None):
    """One-hot features of the states, so a linear critic is a table (§4.11).

    Parameters
    ----------
    states : int array_like, shape (n, H)
    n_states : int
    horizon : int, optional
        If given, the feature is the pair (t, s) (index t * n_states + s): a time-indexed table
        V_t(s), the value function of a finite horizon. Then ``states.shape[1]`` must be at most
        ``horizon``.

    Returns
    -------
    numpy.ndarray, shape (n, H, n_states) or (n, H, horizon * n_states)
    """
    S = v.positive_int(n_states, "n_states")
    s = v.index_array(states, "states", S)
    if s.ndim != 2:
        raise ValueError(f"states must have shape (n, H); got {s.shape}")
    H = s.shape[1]
    if horizon is None:
        return np.eye(S)[s]
    Hmax = v.positive_int(horizon, "horizon")
    if H > Hmax:
        raise ValueError(f"states has {H} steps but horizon is {Hmax}")
    idx = np.arange(H)[None, :] * S + s
    return np.eye(Hmax * S)[idx]


def _features(features, n, H):
    X = v.finite_array(features, "features")
    if X.ndim != 3 or X.shape[0] != n or X.shape[1] not in (H, H + 1):
        raise ValueError(f"features must have shape ({n}, {H}, k) or ({n}, {H + 1}, k); got "
                         f"{X.shape}")
    return X


def mc_critic(features, rewards, gamma=1.0, mask=None, ridge=0.0):
    """Monte Carlo regression of the value: least squares on the reward-to-go (Eq. (C1)).

    w = argmin_w sum_{i,t} mask_{i,t} (w^T phi_{i,t} - G_{i,t})^2 + ridge |w|^2, with
    G_t = sum_{t' >= t} gamma^(t'-t) r_t' (the targets are unbiased samples of V(s_t)). With
    one-hot features and ridge = 0 the weight of a cell is the mean of its targets.

    Parameters
    ----------
    features : array_like, shape (n, H, k) or (n, H + 1, k)
        phi(s_t) (a column H is ignored).
    rewards : array_like, shape (n, H)
    gamma : float in [0, 1]
    mask : array_like, shape (n, H), optional
    ridge : float >= 0
        A cell (feature) no sample touches gets weight 0 when ridge > 0; with ridge = 0 the
        minimum-norm least-squares solution is returned.

    Returns
    -------
    numpy.ndarray, shape (k,)
    """
    r = v.finite_array(rewards, "rewards", ndim=2)
    n, H = r.shape
    X = _features(features, n, H)[:, :H]
    m = _mask(mask, (n, H))
    ridge = _real(ridge, "ridge", 0.0)
    G = reward_to_go(r * m, gamma)
    sel = m.ravel() > 0
    Xs = X.reshape(n * H, -1)[sel]
    Gs = G.ravel()[sel]
    k = X.shape[-1]
    if ridge > 0:
        return np.linalg.solve(Xs.T @ Xs + ridge * np.eye(k), Xs.T @ Gs)
    return np.linalg.lstsq(Xs, Gs, rcond=None)[0]


def td0_critic(features, rewards, gamma=1.0, mask=None, step_size=0.1, epochs=1, w0=None):
    """TD(0) with a linear critic V(s) = w^T phi(s), one transition at a time (Eq. (C2)).

    For every episode i in order and every step t of it in order:
    delta = r_t + gamma w^T phi_{t+1} - w^T phi_t and w <- w + step_size * delta * phi_t.
    After the last step of an episode phi_{t+1} is 0 (terminal state or end of the horizon),
    unless ``features`` has a column H, which is then the bootstrap state's feature vector for
    episodes that run to H. ``epochs`` repeats the sweep over the same data. With one-hot
    features this is tabular TD(0).

    Parameters
    ----------
    features : array_like, shape (n, H, k) or (n, H + 1, k)
    rewards : array_like, shape (n, H)
    gamma : float in [0, 1]
    mask : array_like, shape (n, H), optional
    step_size : float > 0
    epochs : int >= 1
    w0 : array_like, shape (k,), optional
        Initial weights; default 0.

    Returns
    -------
    numpy.ndarray, shape (k,)
    """
    r = v.finite_array(rewards, "rewards", ndim=2)
    n, H = r.shape
    X = _features(features, n, H)
    k = X.shape[-1]
    m = _mask(mask, (n, H))
    gamma = v.discount(gamma, "gamma")
    alpha = _real(step_size, "step_size")
    if alpha <= 0:
        raise ValueError(f"step_size must be > 0; got {step_size!r}")
    epochs = v.positive_int(epochs, "epochs")
    w = np.zeros(k) if w0 is None else v.finite_array(w0, "w0", shape=(k,)).copy()
    # phi_{t+1}: the next step's features while the episode runs, else 0 (or column H)
    nxt = np.zeros((n, H, k))
    nxt[:, :-1] = X[:, 1:H] * m[:, 1:, None]
    if X.shape[1] == H + 1:
        nxt[:, -1] = X[:, H] * m[:, -1:]
    lengths = m.sum(axis=1).astype(int)
    onehot = bool(np.all((X == 0) | (X == 1)) and np.all(X[:, :H].sum(-1)[m > 0] == 1))
    if onehot:
        cell = X[:, :H].argmax(-1)
        nxt_cell = np.where(nxt.any(-1), nxt.argmax(-1), -1)
    for _ in range(epochs):
        for i in range(n):
            for t in range(lengths[i]):
                if onehot:
                    c, c2 = cell[i, t], nxt_cell[i, t]
                    target = r[i, t] + (gamma * w[c2] if c2 >= 0 else 0.0)
                    w[c] += alpha * (target - w[c])
                else:
                    phi = X[i, t]
                    delta = r[i, t] + gamma * (w @ nxt[i, t]) - w @ phi
                    w += alpha * delta * phi
    return w


class ActorCriticRun(NamedTuple):
    """Result of :func:`one_step_actor_critic`.

    Attributes
    ----------
    returns : numpy.ndarray, shape (n_runs, n_episodes)
        Return R(tau) of every episode.
    thetas : numpy.ndarray, shape (n_runs, n_episodes) + theta_shape
        Parameters at the start of each episode.
    values : numpy.ndarray, shape (n_runs, H, S) or (n_runs, S)
        The critic's table after the last episode (time-indexed or not, see ``critic``).
    """

    returns: np.ndarray
    thetas: np.ndarray
    values: np.ndarray


def one_step_actor_critic(mdp, policy, theta0, n_runs, n_episodes, alpha, alpha_w, seed,
                          critic="state", terminal=None):
    """One-step actor-critic with a tabular critic, many independent runs at once (Eq. (C4)).

    Sutton & Barto (2018, §13.5), episodic. At every step t of an episode, with s' the next
    state: delta = r_t + gamma V(s') - V(s_t) (V = 0 at a terminal state and after step H - 1),
    V(s_t) <- V(s_t) + alpha_w delta, then theta <- theta + alpha gamma^t delta
    grad log pi_theta(a_t | s_t). Each run keeps its own theta and critic; all runs advance in
    lock-step, an episode of a run ends at a terminal state or after ``mdp.horizon`` steps.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape ``policy.theta_shape``
    n_runs, n_episodes : int
    alpha : float
        Actor step size.
    alpha_w : float in (0, 1]
        Critic step size.
    seed : int or numpy.random.Generator
    critic : {"state", "time"}
        V(s) shared by all steps, or a time-indexed table V_t(s) (the value of a finite
        horizon).
    terminal : int or sequence of int, optional
        States that end an episode; default: absorbing zero-reward states.

    Returns
    -------
    ActorCriticRun
    """
    check_mdp(mdp)
    check_policy(policy)
    if critic not in ("state", "time"):
        raise ValueError(f"critic must be 'state' or 'time'; got {critic!r}")
    K = v.positive_int(n_runs, "n_runs")
    E = v.positive_int(n_episodes, "n_episodes")
    shape = tuple(policy.theta_shape)
    theta = np.array(np.broadcast_to(v.theta_array(theta0, shape, "theta0"), (K,) + shape))
    alpha = _real(alpha, "alpha")
    alpha_w = _real(alpha_w, "alpha_w")
    if not 0.0 < alpha_w <= 1.0:
        raise ValueError(f"alpha_w must lie in (0, 1]; got {alpha_w!r}")
    rng = v.generator(seed, "seed")
    is_term = _terminal_mask(mdp, terminal)
    S, A, H, gamma = mdp.n_states, mdp.n_actions, mdp.horizon, mdp.gamma
    V = np.zeros((K, H + 1, S)) if critic == "time" else np.zeros((K, 1, S))
    rows = np.arange(K)
    cumP = np.cumsum(mdp.P, axis=-1)
    cum0 = np.cumsum(mdp.mu0)
    returns = np.zeros((K, E))
    thetas = np.empty((K, E) + shape)
    for e in range(E):
        thetas[:, e] = theta
        s = np.minimum((rng.random(K)[:, None] >= cum0[None, :-1] / cum0[-1]).sum(1), S - 1)
        alive = ~is_term[s]
        for t in range(H):
            if not alive.any():
                break
            u = rng.random((2, K))
            pi = policy.probs(theta)[rows, s]                       # (K, A)
            a = np.minimum((u[0][:, None] >= np.cumsum(pi, 1)[:, :-1]).sum(1), A - 1)
            cp = cumP[s, a]
            s2 = np.minimum((u[1][:, None] >= cp[:, :-1] / cp[:, -1:]).sum(1), S - 1)
            r = mdp.r[s, a]
            ti, ti2 = (t, t + 1) if critic == "time" else (0, 0)
            v_next = np.where(is_term[s2] | (t + 1 >= H), 0.0, V[rows, ti2, s2])
            delta = np.where(alive, r + gamma * v_next - V[rows, ti, s], 0.0)
            V[rows, ti, s] += alpha_w * delta
            W = np.zeros((K, S, A))
            W[rows, s, a] = alpha * gamma**t * delta
            theta = theta + policy.weighted_score_sum(theta, W)
            returns[:, e] += np.where(alive, gamma**t * r, 0.0)
            s = np.where(alive, s2, s)
            alive = alive & ~is_term[s]
    values = V[:, :H] if critic == "time" else V[:, 0]
    return ActorCriticRun(returns, thetas, values)


__all__ = [
    "ActorCriticRun",
    "gae",
    "mc_critic",
    "one_step_actor_critic",
    "tabular_features",
    "td0_critic",
]
