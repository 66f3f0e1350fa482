"""Actor-critic with a learned linear critic and GAE on padded episodes (§4.11, CartPole).

:func:`critic_advantages` fits V(o_t) = w^T phi(o_t, t) by Monte Carlo regression (Eq. (C1))
on a batch of :class:`~pgtools.gym.ObsTrajectories` and returns the GAE advantages (Eq. (C3));
:func:`train_actor_critic` is the batch actor-critic loop for softmax observation policies, the
twin of :func:`pgtools.gym.train_reinforce` with the critic's advantages in place of
R_t - b_t.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as v
from ..critics import gae, mc_critic
from .adam import Adam
from .rollout import ObsTrajectories, TrainResult, _as_groups, rollout


def critic_features(obs, t, horizon):
    """phi(o, t) = (o, o^2, t / H, 1): the linear critic's features of §4.11.

    Parameters
    ----------
    obs : numpy.ndarray, shape (..., d)
    t : numpy.ndarray, shape (...)
        Step index.
    horizon : int

    Returns
    -------
    numpy.ndarray, shape (..., 2 d + 2)
    """
    return np.concatenate([obs, obs**2, (t / horizon)[..., None],
                           np.ones(obs.shape[:-1] + (1,))], axis=-1)


def critic_advantages(traj, gamma=0.99, lam=0.95, ridge=1e-3, normalize=True):
    """GAE advantages from a linear critic fitted on the batch itself (Eq. (C1), (C3)).

    V(o_t) = w^T phi(o_t, t) with w from :func:`pgtools.mc_critic` on the batch's reward-to-go;
    the value after an episode's last step is 0; A_t = :func:`pgtools.gae`. With
    ``normalize`` the advantages are rescaled to mean 0 and standard deviation 1 over the
    running steps.

    Parameters
    ----------
    traj : ObsTrajectories
        Observations of shape (n, H, d).
    gamma, lam : float in [0, 1]
    ridge : float >= 0
    normalize : bool, default True

    Returns
    -------
    numpy.ndarray, shape (n, H)
        A_t, 0 where the mask is 0.
    """
    if not isinstance(traj, ObsTrajectories):
        raise ValueError(f"traj must be ObsTrajectories; got {type(traj).__name__}")
    obs = np.asarray(traj.obs, dtype=float)
    if obs.ndim != 3:
        raise ValueError(f"traj.obs must have shape (n, H, d); got {obs.shape}")
    n, H = traj.rewards.shape
    t = np.broadcast_to(np.arange(H, dtype=float), (n, H))
    X = critic_features(obs, t, H) * traj.mask[..., None]
    w = mc_critic(X, traj.rewards, gamma, traj.mask, ridge)
    A = gae(traj.rewards, X @ w, gamma, lam, traj.mask)
    if normalize:
        sel = traj.mask > 0
        A = (A - A[sel].mean()) / (A[sel].std() + 1e-8) * traj.mask
    return A


def train_actor_critic(envs, policies, thetas, iterations, lr, *, horizon=500, gamma=0.99,
                       lam=0.95, seed=0):
    """Batch actor-critic (learned linear critic, GAE) with Adam for K learners (§4.11).

    Exactly :func:`pgtools.gym.train_reinforce`'s loop (same rollouts, seeds and Adam), with
    the weights R_t - b_t replaced by :func:`critic_advantages`: each iteration, every learner
    fits its own critic on its own batch and steps along
    (1/n) sum_i sum_t mask A_t grad log pi(a_t | o_t).

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
    policies : list of ObsLinearSoftmax / ObsMLPSoftmax
    thetas : list of numpy.ndarray
    iterations : int
    lr : float or list of float
    horizon : int, default 500
    gamma, lam : float, default 0.99 and 0.95
    seed : int, default 0

    Returns
    -------
    TrainResult
    """
    iterations = v.positive_int(iterations, "iterations")
    policies, thetas, _ = _as_groups(list(policies), list(thetas))
    K = len(policies)
    lrs = list(lr) if isinstance(lr, (list, tuple)) else [lr] * K
    opts = [Adam(x) for x in lrs]
    thetas = [p._theta(th) for p, th in zip(policies, thetas)]
    rngs = [np.random.default_rng([seed, k]) for k in range(K)]
    history = np.zeros((iterations, K))
    for it in range(iterations):
        batches = rollout(envs, policies, thetas, horizon, rngs, seed=seed * 100_003 + it)
        for k, (pol, tr) in enumerate(zip(policies, batches)):
            history[it, k] = tr.returns().mean()
            A = critic_advantages(tr, gamma, lam)
            sel = tr.mask > 0
            g = pol.batch_score_weighted(thetas[k], tr.obs[sel], tr.actions[sel], A[sel])
            thetas[k] = opts[k].step(thetas[k], g / tr.n)
    return TrainResult(thetas, history)
