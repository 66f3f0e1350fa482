"""Gaussian policies in continuous-action Gymnasium environments (§4.12, MuJoCo).

:func:`rollout_gaussian` plays a :class:`pgtools.GaussianLinearPolicy` in a list of plain
environments (one per episode), stepping only the episodes still running, and returns padded,
masked :class:`~pgtools.gym.ObsTrajectories` whose ``actions`` are float arrays of shape
(n, H, act_dim). :func:`train_gaussian` is the policy-gradient loop of §4.11 for several
independent learners: advantages by GAE (Eq. (C3)) with a linear critic fitted by Monte Carlo
regression (Eq. (C1)), the Gaussian score of Eq. (G1), and Adam.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as v
from ..gaussian import check_gaussian_policy
from .actor_critic import critic_advantages
from .adam import Adam
from .rollout import ObsTrajectories


def rollout_gaussian(envs, policy, thetas, horizon, rngs, seed=None, owners=None):
    """Play u ~ N(K o, diag(sigma^2)) in plain environments; one episode per environment.

    Environment i is played by learner ``owners[i]`` with ``thetas[owners[i]]`` and
    ``rngs[owners[i]]`` (default: K equal consecutive blocks). Each episode runs until it
    terminates, is truncated, or after ``horizon`` steps; only running episodes are stepped.

    Parameters
    ----------
    envs : list of gymnasium.Env
        Environments with a 1-D Box observation space of size ``policy.obs_dim`` (actions of
        size ``policy.act_dim``).
    policy : GaussianLinearPolicy
    thetas : array_like, shape (K,) + theta_shape
    horizon : int
    rngs : list of K numpy.random.Generator
    seed : int, optional
        Environment i is reset with seed ``seed + i`` (None: continue its own stream).
    owners : int array_like, shape (len(envs),), optional
        The learner of each environment, in ``range(K)``.

    Returns
    -------
    list of K ObsTrajectories
        ``obs`` (m, H, obs_dim), ``actions`` (m, H, act_dim) float, ``rewards``, ``mask``.
    """
    check_gaussian_policy(policy)
    horizon = v.positive_int(horizon, "horizon")
    th = v.finite_array(thetas, "thetas")
    if th.ndim != 2 or th.shape[1:] != policy.theta_shape:
        raise ValueError(f"thetas must have shape (K,) + {policy.theta_shape}; got {th.shape}")
    K, N = th.shape[0], len(envs)
    if len(rngs) != K:
        raise ValueError(f"rngs: got {len(rngs)} generators for {K} learners")
    if owners is None:
        if N % K:
            raise ValueError(f"len(envs) = {N} is not divisible by the number of learners {K}")
        who = np.repeat(np.arange(K), N // K)
    else:
        who = v.index_array(owners, "owners", K)
        if who.shape != (N,):
            raise ValueError(f"owners must have shape ({N},); got {who.shape}")
    Ks, sig = policy.unpack(th)                                  # (K, a, d), (K, a)
    d, a = policy.obs_dim, policy.act_dim
    O = np.zeros((N, horizon, d))
    U = np.zeros((N, horizon, a))
    R = np.zeros((N, horizon))
    M = np.zeros((N, horizon))
    obs = np.stack([np.asarray(e.reset(seed=None if seed is None else seed + i)[0], float)
                    for i, e in enumerate(envs)])
    alive = np.ones(N, dtype=bool)
    for t in range(horizon):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        O[idx, t] = obs[idx]
        eps = np.zeros((N, a))
        for k in range(K):
            rows = idx[who[idx] == k]
            if rows.size:
                eps[rows] = rngs[k].standard_normal((rows.size, a))
        u = np.einsum("nad,nd->na", Ks[who[idx]], obs[idx]) + sig[who[idx]] * eps[idx]
        U[idx, t] = u
        M[idx, t] = 1.0
        for j, i in enumerate(idx):
            o, r, term, trunc, _ = envs[i].step(u[j])
            obs[i] = o
            R[i, t] = r
            if term or trunc:
                alive[i] = False
    return [ObsTrajectories(O[who == k], U[who == k], R[who == k], M[who == k])
            for k in range(K)]


def gaussian_pg_gradient(policy, theta, traj, gamma=0.99, lam=0.95, ridge=1e-3,
                         normalize=True):
    """Policy gradient with GAE on padded episodes (Eq. (C1), (C3), (G1), §4.11).

    Fits V(o_t) = w^T phi(o_t, t) by Monte Carlo regression on the batch, forms the GAE
    advantages A_t (value 0 after the last step), normalises them over the batch (mean 0,
    standard deviation 1), and returns (1/n) sum_i sum_t mask A_t grad log pi(u_t|o_t).

    Parameters
    ----------
    policy : GaussianLinearPolicy
    theta : array_like, shape ``theta_shape``
    traj : ObsTrajectories
        With float actions (n, H, act_dim).
    gamma, lam : float in [0, 1]
    ridge : float >= 0

    Returns
    -------
    numpy.ndarray, shape ``theta_shape``
    """
    A = critic_advantages(traj, gamma, lam, ridge, normalize)
    sel = traj.mask > 0
    n = traj.n
    return policy.weighted_score_sum(theta, traj.obs[sel], traj.actions[sel], A[sel]) / n


class GaussianTrainResult(NamedTuple):
    """Output of :func:`train_gaussian`.

    Attributes
    ----------
    thetas : numpy.ndarray, shape (K,) + theta_shape
        Final parameters.
    returns : numpy.ndarray, shape (iterations, K)
        Mean undiscounted return of each learner's batch at each iteration.
    path : numpy.ndarray, shape (iterations + 1, K) + theta_shape
        The parameters before each iteration, and at the end.
    """

    thetas: np.ndarray
    returns: np.ndarray
    path: np.ndarray


def train_gaussian(envs, policy, theta0, n_learners, iterations, lr, *, horizon=1000,
                   gamma=0.99, lam=0.95, seed=0, anneal=False, normalize=True,
                   steps=None, min_episodes=2, learn_sigma=True):
    """Policy gradient with GAE and Adam for K independent Gaussian learners (§4.11).

    Each iteration: one :func:`rollout_gaussian` of ``len(envs) / K`` episodes per learner
    (resets seeded by ``seed``, the iteration and the environment), then an Adam ascent step
    along :func:`gaussian_pg_gradient` for every learner. Learner k draws its actions from
    ``default_rng([seed, k])``.

    Parameters
    ----------
    envs : list of gymnasium.Env
    policy : GaussianLinearPolicy
    theta0 : array_like, shape ``theta_shape``
    n_learners : int
    iterations : int
    lr : float
        Adam step size.
    horizon : int, default 1000
    gamma, lam : float, default 0.99 and 0.95
    seed : int, default 0
    steps : int, optional
        Target number of steps per learner and iteration: learner k plays
        clip(steps // (its last mean episode length), min_episodes, len(envs) // K) episodes
        (cheap short episodes early, few long ones late). Default: always len(envs) // K.
    min_episodes : int, default 2
    learn_sigma : bool, default True
        If False, sigma stays at its initial value (the policy N(K o, sigma^2 I) with a fixed
        sigma of the course notes) and only K is learned.
    anneal : bool, default False
        Decay the step size linearly, lr * (1 - iteration / iterations): Adam's steps keep
        their size even when the gradient is mostly noise, as it is once every episode
        reaches the time limit.

    Returns
    -------
    GaussianTrainResult
    """
    check_gaussian_policy(policy)
    K = v.positive_int(n_learners, "n_learners")
    iterations = v.positive_int(iterations, "iterations")
    th0 = v.theta_array(theta0, policy.theta_shape, "theta0")
    thetas = np.tile(th0, (K, 1))
    opts = [Adam(lr) for _ in range(K)]
    rngs = [np.random.default_rng([seed, k]) for k in range(K)]
    history = np.zeros((iterations, K))
    path = np.zeros((iterations + 1, K) + policy.theta_shape)
    m_max = len(envs) // K
    if m_max < 1:
        raise ValueError(f"envs: need at least one environment per learner; got {len(envs)}")
    counts = np.full(K, m_max)
    for it in range(iterations):
        if anneal:
            for o in opts:
                o.lr = lr * (1.0 - it / iterations)
        path[it] = thetas
        owners = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
        batches = rollout_gaussian(envs[:owners.size], policy, thetas, horizon, rngs,
                                   seed=(seed * 1000 + it) * len(envs), owners=owners)
        if steps is not None:
            mean_len = np.array([tr.mask.sum() / tr.n for tr in batches])
            counts = np.clip(steps // np.maximum(mean_len, 1.0), min_episodes,
                             m_max).astype(int)
        for k, tr in enumerate(batches):
            history[it, k] = tr.returns().mean()
            g = gaussian_pg_gradient(policy, thetas[k], tr, gamma, lam,
                                     normalize=normalize)
            if not learn_sigma:
                g[-policy.act_dim:] = 0.0
            thetas[k] = opts[k].step(thetas[k], g)
    path[-1] = thetas
    return GaussianTrainResult(thetas, history, path)
