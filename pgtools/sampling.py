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
    G = np.empty_like(r)
    acc = np.zeros(r.shape[0])
    for t in range(r.shape[1] - 1, -1, -1):
        acc = r[:, t] + gamma * acc
        G[:, t] = acc
    return G


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
        gamma = v.discount(gamma)
        return self.rewards @ (gamma ** np.arange(self.horizon))

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


class _InverseCDF:
    """Vectorised inverse-CDF sampling from many categorical rows at once.

    The row CDFs (normalised so each ends exactly at 1) are offset by their row index and
    concatenated into one increasing array, so a draw for row k with uniform u is one
    ``searchsorted(u + k)``: it returns the index i with cdf[i-1] <= u < cdf[i], i.e. the same
    index as ``(cdf_row <= u).sum()``, in O(log) instead of O(K). Zero-probability entries can never
    be returned (their CDF step is empty); the result is clipped to each row's last
    positive-probability entry to guard against rounding of u + k up to k + 1. Rows with K <= 16
    entries use the direct count ``(cdf_row <= u).sum()`` instead (faster for short rows).

    Parameters
    ----------
    p : numpy.ndarray, shape (rows, K)
        Probability rows.
    """

    def __init__(self, p):
        rows, K = p.shape
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        self.K, self.cdf = K, cdf
        self.flat = (cdf + np.arange(rows)[:, None]).ravel()
        self.last = K - 1 - np.argmax(p[:, ::-1] > 0, axis=1)

    def draw(self, rows, u):
        """One index per entry of ``rows`` (int array) using uniforms ``u`` (same shape)."""
        if self.K <= 16:  # short rows: the direct count is faster than a binary search
            return np.minimum((self.cdf[rows] <= u[:, None]).sum(axis=1), self.last[rows])
        j = np.searchsorted(self.flat, u + rows, side="right") - rows * self.K
        return np.minimum(j, self.last[rows])


def sample_trajectories(mdp, policy, theta, n, rng):
    """Sample n trajectories tau ~ rho_theta (Eq. (4.2)), vectorised across trajectories.

    Each step draws one uniform per trajectory and inverts the CDF of pi_theta(.|s_t) and then of
    P(.|s_t, a_t) (one ``searchsorted`` over all trajectories, see ``_InverseCDF``); the only
    Python loop is over the H time steps.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    n : int
        Number of trajectories (>= 1).
    rng : numpy.random.Generator or int
        Source of randomness (an int is used as a seed for ``default_rng``).

    Returns
    -------
    Trajectories
        ``states``, ``actions`` (int, (n, H)) and ``rewards`` (float, (n, H)).
    """
    check_mdp(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    n = v.positive_int(n, "n")
    rng = v.generator(rng)
    S, A, H = mdp.n_states, mdp.n_actions, mdp.horizon
    start = _InverseCDF(mdp.mu0[None, :])
    pi = _InverseCDF(policy.probs(theta))
    step = _InverseCDF(mdp.P.reshape(S * A, S))
    states = np.empty((n, H), dtype=np.int64)
    actions = np.empty((n, H), dtype=np.int64)
    s = start.draw(np.zeros(n, dtype=np.int64), rng.random(n))
    for t in range(H):
        a = pi.draw(s, rng.random(n))
        states[:, t], actions[:, t] = s, a
        if t + 1 < H:
            s = step.draw(s * A + a, rng.random(n))
    rewards = mdp.r[states, actions]
    return Trajectories(states, actions, rewards)


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
