"""Exact computations on small finite MDPs: J(theta), V/Q/A, marginals and grad J (§4.2-§4.4).

Conventions: V_t(s) = E[sum_{t'=t}^{H-1} gamma^(t'-t) r_{t'} | s_t = s] (not multiplied by
gamma^t); Q_t and A_t = Q_t - V_t likewise. Then J = sum_s mu0(s) V_0(s) and the policy-gradient
theorem reads grad J = sum_t gamma^t E[grad log pi(a_t|s_t) Q_t(s_t, a_t)] (Eq. (4.3); the
chapter's "lambda^t" in the discounted case is this gamma^t).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as v
from .mdp import check_mdp
from .policies import check_policy
from .sampling import Trajectories, _check_compatible, check_trajectories

MAX_ENUMERATION = 2_000_000


class ValueTables(NamedTuple):
    """Per-step value tables (§4.4).

    Attributes
    ----------
    V : numpy.ndarray, shape (H, S)
    Q : numpy.ndarray, shape (H, S, A)
    A : numpy.ndarray, shape (H, S, A)
        Advantage Q - V.
    """

    V: np.ndarray
    Q: np.ndarray
    A: np.ndarray


class OptimalValues(NamedTuple):
    """Optimal per-step values and a greedy deterministic policy (§4.4).

    Attributes
    ----------
    V : numpy.ndarray, shape (H, S)
    Q : numpy.ndarray, shape (H, S, A)
    A : numpy.ndarray, shape (H, S, A)
        Optimal advantage Q* - V* (always <= 0).
    policy : int array, shape (H, S)
        ``policy[t, s]`` = an action maximising Q*_t(s, .).
    """

    V: np.ndarray
    Q: np.ndarray
    A: np.ndarray
    policy: np.ndarray


class Enumeration(NamedTuple):
    """Every trajectory of a tiny MDP with its probability rho_theta(tau) (Eq. (4.2)).

    Attributes
    ----------
    trajectories : Trajectories
        n = N trajectories.
    probs : numpy.ndarray, shape (N,)
    """

    trajectories: Trajectories
    probs: np.ndarray


def _setup(mdp, policy, theta, batch=False):
    """Validate; return pi_theta, (S, A), or (K, S, A) if ``batch`` allows a batch of thetas."""
    check_mdp(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    if not batch:
        theta = v.theta_array(theta, policy.theta_shape)
    return policy.probs(theta)


def _backward(mdp, pi):
    """Backward induction for pi of shape (S, A) or a batch (K, S, A).

    Returns V (H, ..., S) and Q (H, ..., S, A), the batch axis (if any) after the time axis.
    """
    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    lead = pi.shape[:-2]
    V = np.zeros((H + 1,) + lead + (S,))
    Q = np.empty((H,) + lead + (S, A))
    P2 = mdp.P.reshape(S * A, S)
    for t in range(H - 1, -1, -1):
        Q[t] = mdp.r + mdp.gamma * (P2 @ V[t + 1].T).T.reshape(lead + (S, A))
        V[t] = (pi * Q[t]).sum(axis=-1)
    return V[:H], Q


def value_tables(mdp, policy, theta):
    """Per-step V_t, Q_t and advantage A_t of pi_theta by backward induction (§4.4).

    Q_t(s, a) = r(s, a) + gamma * sum_{s'} P(s'|s, a) V_{t+1}(s'), V_H = 0,
    V_t(s) = sum_a pi(a|s) Q_t(s, a), A_t = Q_t - V_t.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    ValueTables
        ``V`` (H, S), ``Q`` (H, S, A), ``A`` (H, S, A).
    """
    pi = _setup(mdp, policy, theta)
    V, Q = _backward(mdp, pi)
    return ValueTables(V, Q, Q - V[:, :, None])


def exact_objective(mdp, policy, theta):
    """J(theta) = E_{s0 ~ mu0} V_0(s0), Eq. (4.1), by backward induction.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
        One parameter vector, or a batch of K of them (one vectorised backward pass).

    Returns
    -------
    float, or numpy.ndarray of shape (K,) for a batch (``J[k]`` = J(theta[k]))
    """
    pi = _setup(mdp, policy, theta, batch=True)
    V, _ = _backward(mdp, pi)
    if pi.ndim == 2:
        return float(mdp.mu0 @ V[0])
    return V[0] @ mdp.mu0


def _forward(mdp, pi):
    """Marginals d_t(s, a), (H, ..., S, A), for pi of shape (S, A) or a batch (K, S, A)."""
    H = mdp.horizon
    S, A = mdp.n_states, mdp.n_actions
    lead = pi.shape[:-2]
    d = np.empty((H,) + lead + (S, A))
    P2 = mdp.P.reshape(S * A, S)
    ds = np.broadcast_to(mdp.mu0, lead + (S,))
    for t in range(H):
        d[t] = ds[..., :, None] * pi
        if t + 1 < H:
            ds = d[t].reshape(lead + (S * A,)) @ P2
    return d


def state_action_marginals(mdp, policy, theta):
    """Marginals d_t(s, a) = P(s_t = s, a_t = a) under rho_theta (Eq. (4.2)), forward pass.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape (H, S, A)
        Each ``d[t]`` sums to 1.
    """
    pi = _setup(mdp, policy, theta)
    return _forward(mdp, pi)


def exact_gradient(mdp, policy, theta):
    """grad J(theta) by the policy-gradient theorem, Eq. (4.3), §4.3.

    grad J = sum_t gamma^t sum_{s,a} d_t(s, a) Q_t(s, a) grad log pi(a|s): forward marginals times
    backward Q-values aggregated into one weight table w(s, a), then one
    ``policy.weighted_score_sum``. Cost O(H S^2 A + S A dim(theta)); no finite differences.
    A batch of K parameter vectors runs the same backward and forward passes for all K at once.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
        One parameter vector, or a batch of K of them.

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``, or ``(K,) + policy.theta_shape`` for a batch
    """
    pi = _setup(mdp, policy, theta, batch=True)
    _, Q = _backward(mdp, pi)
    d = _forward(mdp, pi)
    disc = mdp.gamma ** np.arange(mdp.horizon)
    w = np.tensordot(disc, d * Q, axes=1)
    return policy.weighted_score_sum(theta, w)


def optimal_values(mdp):
    """Optimal V*_t, Q*_t, A*_t and a greedy deterministic policy by backward induction (§4.4).

    Q*_t(s, a) = r(s, a) + gamma sum_{s'} P(s'|s, a) V*_{t+1}(s'), V*_t = max_a Q*_t; hence the
    optimal advantage A* = Q* - V* is <= 0 everywhere (the "(Why?)" of §4.4).

    Parameters
    ----------
    mdp : FiniteMDP

    Returns
    -------
    OptimalValues
        ``V`` (H, S), ``Q`` (H, S, A), ``A`` (H, S, A), ``policy`` (H, S) int.
    """
    check_mdp(mdp)
    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    P2 = mdp.P.reshape(S * A, S)
    for t in range(H - 1, -1, -1):
        Q[t] = mdp.r + mdp.gamma * (P2 @ V[t + 1]).reshape(S, A)
        V[t] = Q[t].max(axis=1)
    V = V[:H]
    return OptimalValues(V, Q, Q - V[:, :, None], Q.argmax(axis=2))


def trajectory_log_likelihood(mdp, policy, theta, trajectories):
    """log rho_theta(tau) for each trajectory, Eq. (4.2).

    log mu0(s_0) + sum_t log pi_theta(a_t|s_t) + sum_{t<H-1} log P(s_{t+1}|s_t, a_t). Rewards are
    not checked (they are a deterministic function of (s, a)). Impossible trajectories give
    ``-inf`` (without warnings).

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        States and actions of shape (n, H) with H = ``mdp.horizon``.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    _setup(mdp, policy, theta)
    check_trajectories(trajectories, mdp.n_states, mdp.n_actions)
    if trajectories.horizon != mdp.horizon:
        raise ValueError(
            f"trajectories have length {trajectories.horizon}; expected horizon {mdp.horizon}"
        )
    s, a = trajectories.states, trajectories.actions
    logpi = policy.log_probs(theta)
    with np.errstate(divide="ignore"):
        logP = np.log(mdp.P)
        logmu = np.log(mdp.mu0)
    out = logmu[s[:, 0]] + logpi[s, a].sum(axis=1)
    out = out + logP[s[:, :-1], a[:, :-1], s[:, 1:]].sum(axis=1)
    return out


def enumerate_trajectories(mdp, policy, theta):
    """Every trajectory that the dynamics allow, with its probability rho_theta(tau) (Eq. (4.2)).

    Only trajectories with mu0(s_0) > 0 and P(s_{t+1}|s_t, a_t) > 0 at every step are listed
    (all actions are kept, since a softmax policy has full support); their probabilities sum to 1.
    Intended for tiny MDPs: refuses when (S*A)^H > 2e6.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    Enumeration
        ``trajectories`` (N trajectories of length H) and ``probs`` (N,).
    """
    _setup(mdp, policy, theta)
    S, A, H = mdp.n_states, mdp.n_actions, mdp.horizon
    if float(S * A) ** H > MAX_ENUMERATION:
        raise ValueError(
            f"enumerate_trajectories is for tiny MDPs: (S*A)^H = ({S}*{A})^{H} exceeds "
            f"{MAX_ENUMERATION:g}; use sample_trajectories instead"
        )
    states = np.flatnonzero(mdp.mu0 > 0)[:, None]
    logp = np.log(mdp.mu0[states[:, 0]])
    actions = np.empty((states.shape[0], 0), dtype=np.int64)
    logpi = policy.log_probs(theta)
    for t in range(H):
        # branch on the action at step t
        n = states.shape[0]
        states = np.repeat(states, A, axis=0)
        actions = np.concatenate([np.repeat(actions, A, axis=0),
                                  np.tile(np.arange(A), n)[:, None]], axis=1)
        logp = np.repeat(logp, A) + logpi[states[:, -1], actions[:, -1]]
        if t + 1 < H:
            # branch on the next state, keeping only transitions with P > 0
            rows, nxt = np.nonzero(mdp.P[states[:, -1], actions[:, -1]] > 0)
            logp = logp[rows] + np.log(mdp.P[states[rows, -1], actions[rows, -1], nxt])
            states = np.concatenate([states[rows], nxt[:, None]], axis=1)
            actions = actions[rows]
    rewards = mdp.r[states, actions]
    return Enumeration(Trajectories(states, actions, rewards), np.exp(logp))
