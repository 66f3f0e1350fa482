"""Sampling trajectories tau = (s_t, a_t, r_t)_{t<H} from rho_theta (Eq. (4.2), §4.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as v
from .mdp import check_mdp
from .policies import check_policy


def reward_to_go(rewards, gamma=1.0):
    """Discounted reward-to-go G_t = sum_{t' >= t} gamma^(t'-t) r_{t'} (§4.3, Eq. (4.3)).

    Parameters
    ----------
    rewards : array_like, shape (n, H)
        Rewards r_t of n trajectories.
    gamma : float, default 1.0
        Discount factor in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (n, H)
        ``G[:, 0]`` is the return R(tau).
    """
    r = v.finite_array(rewards, "rewards", ndim=2)
    gamma = v.discount(gamma)
    if gamma == 1.0:  # the same sums, in the same order, in one pass
        return np.cumsum(r[:, ::-1], axis=1)[:, ::-1]
    G = np.empty_like(r)
    acc = np.zeros(r.shape[0])
    for t in range(r.shape[1] - 1, -1, -1):
        acc = r[:, t] + gamma * acc
        G[:, t] = acc
    return G


def discounted_returns(rewards, gamma=1.0):
    """Returns R(tau) = sum_t gamma^t r_t of each row of ``rewards`` (Eq. (4.1), §4.2).

    Parameters
    ----------
    rewards : array_like, shape (n, H)
    gamma : float, default 1.0

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    r = v.finite_array(rewards, "rewards", ndim=2)
    gamma = v.discount(gamma)
    return r @ (gamma ** np.arange(r.shape[1]))


@dataclass(frozen=True)
class Trajectories:
    """A batch of n trajectories of length H (§4.2).

    Parameters
    ----------
    states : int array, shape (n, H)
    actions : int array, shape (n, H)
    rewards : float array, shape (n, H)
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def __post_init__(self):
        s = v.index_array(self.states, "states", np.iinfo(np.int64).max)
        a = v.index_array(self.actions, "actions", np.iinfo(np.int64).max)
        r = v.finite_array(self.rewards, "rewards", ndim=2)
        if s.ndim != 2 or s.shape != a.shape or s.shape != r.shape:
            raise ValueError(
                "states, actions and rewards must all have the same shape (n, H); got "
                f"{s.shape}, {a.shape}, {r.shape}"
            )
        for name, arr in (("states", s), ("actions", a), ("rewards", r)):
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n(self):
        """Number of trajectories n."""
        return self.states.shape[0]

    @property
    def horizon(self):
        """Trajectory length H."""
        return self.states.shape[1]

    def returns(self, gamma=1.0):
        """Returns R(tau) = sum_t gamma^t r_t (§4.2).

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n,)
        """
        return discounted_returns(self.rewards, gamma)

    def reward_to_go(self, gamma=1.0):
        """Reward-to-go G_t = sum_{t' >= t} gamma^(t'-t) r_{t'} (§4.3).

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n, H)
        """
        return reward_to_go(self.rewards, gamma)

    def __getitem__(self, idx):
        """A sub-batch (rows ``idx``) as a new :class:`Trajectories`."""
        idx = np.arange(self.n)[idx]
        idx = np.atleast_1d(idx)
        return Trajectories(self.states[idx], self.actions[idx], self.rewards[idx])

    def __len__(self):
        return self.n

    @classmethod
    def _trusted(cls, states, actions, rewards):
        """Wrap arrays the sampler made itself (int64 indices in range, finite rewards)."""
        self = object.__new__(cls)
        for name, arr in (("states", states), ("actions", actions), ("rewards", rewards)):
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        return self


class _InverseCDF:
    """Vectorised inverse-CDF sampling from many categorical rows at once, in O(1) per draw.

    A draw for row k with uniform u returns the index i = #{j : cdf_k[j] <= u}, the first entry
    whose cumulative probability exceeds u (inverse-CDF sampling). Instead of a binary search, a
    *guide table* (the "indexed search" of Chen and Asau, 1974) stores for each of the K equal
    buckets [m/K, (m+1)/K) the index i for u = m/K; a draw starts there and steps right while
    cdf_k[i] <= u, which takes at most one step on average. The result is exactly the index of
    the direct count, so the stream of samples does not depend on the method. Zero-probability
    entries can never be returned (their CDF step is empty): the normalised CDF is exactly 1 from
    a row's last positive entry on, and u < 1.

    Parameters
    ----------
    p : numpy.ndarray, shape (rows, K)
        Probability rows.
    """

    def __init__(self, p):
        rows, K = p.shape
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        self.K = K
        self.cdf = cdf.ravel()
        self.grid = np.arange(K + 1) / K
        guide = np.empty((rows, K), dtype=np.intp)
        chunk = max(1, 4_000_000 // (K * K))
        for r0 in range(0, rows, chunk):  # guide[r, m] = #{j : cdf[r, j] <= m/K}
            c = cdf[r0:r0 + chunk]
            guide[r0:r0 + chunk] = (c[:, None, :] <= self.grid[None, :K, None]).sum(axis=2)
        self.guide = (guide + (np.arange(rows) * K)[:, None]).ravel()

    def draw(self, rows, u):
        """One index per entry of ``rows`` (int array) using uniforms ``u`` in [0, 1)."""
        K = self.K
        m = (u * K).astype(np.intp)
        m -= self.grid[m] > u  # u * K rounded up to the next bucket (or to K)
        base = rows * K
        idx = self.guide[base + m]
        sel = np.flatnonzero(self.cdf[idx] <= u)
        while sel.size:
            idx[sel] += 1
            sel = sel[self.cdf[idx[sel]] <= u[sel]]
        return idx - base


def sample_trajectories(mdp, policy, theta, n, rng):
    """Sample n trajectories tau ~ rho_theta (Eq. (4.2)), vectorised across trajectories.

    Each step draws one uniform per trajectory and inverts the CDF of pi_theta(.|s_t) and then of
    P(.|s_t, a_t), all trajectories at once and in O(1) per draw (see ``_InverseCDF``); the only
    Python loop is over the H time steps. The uniforms are drawn in one block, in the order
    s_0 (all n), a_0, s_1, a_1, ..., a_{H-1}.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
        Policy parameters; with a leading batch axis of K parameter vectors, n trajectories are
        drawn from each of them.
    n : int
        Number of trajectories per parameter vector (>= 1).
    rng : numpy.random.Generator or int
        Source of randomness (an int is used as a seed for ``default_rng``).

    Returns
    -------
    Trajectories
        ``states``, ``actions`` (int, (n, H)) and ``rewards`` (float, (n, H)). For a batch of K
        parameter vectors, K * n trajectories: rows ``k*n`` to ``(k+1)*n - 1`` come from
        ``theta[k]``.
    """
    check_mdp(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    n = v.positive_int(n, "n")
    rng = v.generator(rng)
    S, A, H = mdp.n_states, mdp.n_actions, mdp.horizon
    shape = tuple(policy.theta_shape)
    if np.ndim(theta) == len(shape) + 1 and np.shape(theta)[1:] == shape:
        theta = v.finite_array(theta, "theta")
        if theta.shape[0] < 1:
            raise ValueError("theta: a batch of parameter vectors must hold at least one")
        pi_table = policy.probs(theta).reshape(-1, A)                  # (K*S, A)
        K = theta.shape[0]
    else:
        pi_table, K = policy.probs(theta), 1
    m = K * n
    offset = np.repeat(np.arange(K) * S, n)                           # row of pi for (k, s=0)
    pi = _InverseCDF(pi_table)
    step = _InverseCDF(mdp.P.reshape(S * A, S))
    u = rng.random(2 * H * m).reshape(2 * H, m)
    states = np.empty((H, m), dtype=np.int64)
    actions = np.empty((H, m), dtype=np.int64)
    s = _InverseCDF(mdp.mu0[None, :]).draw(np.zeros(m, dtype=np.int64), u[0])
    for t in range(H):
        a = pi.draw(s + offset if K > 1 else s, u[2 * t + 1])
        states[t], actions[t] = s, a
        if t + 1 < H:
            s = step.draw(s * A + a, u[2 * t + 2])
    states, actions = states.T.copy(), actions.T.copy()
    return Trajectories._trusted(states, actions, mdp.r[states, actions])


def _check_compatible(mdp, policy):
    if (policy.n_states, policy.n_actions) != (mdp.n_states, mdp.n_actions):
        raise ValueError(
            f"policy is for {policy.n_states} states x {policy.n_actions} actions but mdp has "
            f"{mdp.n_states} x {mdp.n_actions}"
        )


def check_trajectories(trajectories, n_states, n_actions, name="trajectories"):
    """Raise ``ValueError`` unless ``trajectories`` is a :class:`Trajectories` within range.

    Parameters
    ----------
    trajectories : Trajectories
    n_states, n_actions : int
        Bounds for the state and action indices.
    name : str

    Returns
    -------
    Trajectories
    """
    if not isinstance(trajectories, Trajectories):
        raise ValueError(
            f"{name} must be a pgtools.Trajectories; got {type(trajectories).__name__}"
        )
    if trajectories.states.size:
        if trajectories.states.max() >= n_states:
            raise ValueError(f"{name}.states entries must lie in [0, {n_states})")
        if trajectories.actions.max() >= n_actions:
            raise ValueError(f"{name}.actions entries must lie in [0, {n_actions})")
    return trajectories


def sample_from_enumeration(trajectories, probs, n, rng):
    """Draw n trajectories i.i.d. from a distribution rho given on a finite list (§4.3).

    tau_i = trajectories[k_i] with P(k_i = k) = probs[k]: exact sampling from any trajectory
    distribution rho(tau) of a tiny MDP, e.g. from the list of :func:`pgtools.enumerate_trajectories`
    with rho(tau) of a behaviour policy that has zero probabilities (which no softmax can express).

    Parameters
    ----------
    trajectories : Trajectories
        The N trajectories rho is defined on.
    probs : array_like, shape (N,)
        rho(tau_k) for each; non-negative and summing to 1.
    n : int
        Number of draws (>= 1).
    rng : numpy.random.Generator or int

    Returns
    -------
    Trajectories
        n rows of ``trajectories`` (with repetition).
    """
    if not isinstance(trajectories, Trajectories):
        raise ValueError(
            f"trajectories must be a pgtools.Trajectories; got {type(trajectories).__name__}"
        )
    p = v.finite_array(probs, "probs", shape=(trajectories.n,))
    v.distribution_rows(p, "probs")
    n = v.positive_int(n, "n")
    rng = v.generator(rng)
    return trajectories[rng.choice(p.size, size=n, p=p / p.sum())]
