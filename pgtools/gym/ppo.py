"""PPO with the clipped surrogate on observation policies, for CartPole (§4.9).

Schulman et al. (2017): after each batch of episodes, several epochs of minibatch ascent on the
clipped surrogate (1/n) sum_i sum_t min(Lambda_it A_it, clip(Lambda_it, 1 - eps, 1 + eps) A_it),
Lambda_it = pi_theta(a_it|o_it) / pi_old(a_it|o_it) (definition "The clipped surrogate", §4.9;
the exact version is :func:`pgtools.surrogate_objective`). The advantages A_it are those REINFORCE uses in §4.6
(:func:`pgtools.gym.obs_advantages`: reward-to-go minus the batch's mean at step t, normalised),
so the only difference from :func:`pgtools.gym.train_reinforce` is the reuse of each batch: with
one epoch of one minibatch, :func:`train_ppo` takes exactly REINFORCE's steps.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..surrogate import _unclipped
from .adam import Adam
from .obs_policies import _ObsPolicy
from .rollout import _as_groups, obs_advantages, rollout

__all__ = ["PPOResult", "ppo_clip_gradient_obs", "train_ppo"]


def ppo_clip_gradient_obs(policy, theta, obs, actions, advantages, old_log_prob, clip=0.2):
    """sum_j grad_theta min(Lambda_j A_j, clip(Lambda_j, 1 - eps, 1 + eps) A_j), §4.9.

    Equals sum_j Lambda_j A_j 1{unclipped_j} grad log pi_theta(a_j|o_j): the clipped branch is
    flat in theta, and the min takes it exactly when Lambda_j has left [1 - eps, 1 + eps] on the
    side A_j pushes it to. One :meth:`batch_score_weighted` pass.

    Parameters
    ----------
    policy : ObsLinearSoftmax or ObsMLPSoftmax
    theta : array_like, shape ``policy.theta_shape``
    obs : array_like, shape (N, obs_dim)
    actions : int array, shape (N,)
    advantages : array_like, shape (N,)
    old_log_prob : array_like, shape (N,)
        log pi_old(a_j|o_j), from the policy that collected the samples.
    clip : float in (0, 1), default 0.2

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``
    """
    if not isinstance(policy, _ObsPolicy):
        raise ValueError(f"policy must be an ObsLinearSoftmax or ObsMLPSoftmax; "
                         f"got {type(policy).__name__}")
    if isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not 0 < clip < 1:
        raise ValueError(f"clip must be a number in (0, 1); got {clip!r}")
    logp = policy.log_prob(theta, obs, actions)
    A = v.finite_array(advantages, "advantages", shape=logp.shape)
    old = v.finite_array(old_log_prob, "old_log_prob", shape=logp.shape)
    ratio = np.exp(logp - old)
    w = ratio * A * _unclipped(ratio, A, clip)
    return policy.batch_score_weighted(theta, obs, actions, w)


@dataclass(frozen=True)
class PPOResult:
    """Output of :func:`train_ppo`.

    Attributes
    ----------
    thetas : list of numpy.ndarray
        Final parameters, one per learner.
    returns : numpy.ndarray, shape (iterations, K)
        Mean undiscounted return of each learner's batch at each iteration.
    steps : numpy.ndarray, shape (iterations, K)
        Environment steps of each learner's batch at each iteration.
    """

    thetas: list
    returns: np.ndarray
    steps: np.ndarray

    def steps_to(self, target):
        """Environment steps until a learner's batch mean return first reaches ``target``.

        Counts every step of every batch up to and including that one; ``inf`` if never.

        Parameters
        ----------
        target : float

        Returns
        -------
        numpy.ndarray, shape (K,)
        """
        total = np.cumsum(self.steps, axis=0)
        hit = self.returns >= target
        out = np.full(self.returns.shape[1], np.inf)
        for k in range(out.size):
            idx = np.flatnonzero(hit[:, k])
            if idx.size:
                out[k] = total[idx[0], k]
        return out


def train_ppo(envs, policies, thetas, iterations, lr, *, epochs=4, minibatches=4, clip=0.2,
              horizon=500, gamma=1.0, baseline="mean", normalize=True, seed=0, target=None):
    """PPO-clip with Adam for K learners sharing one vector environment (§4.9).

    Each iteration: one :func:`rollout` of ``num_envs / K`` episodes per learner (reset seed
    ``seed * 100_003 + iteration``; learner k draws its actions from ``default_rng([seed, k])``,
    as in :func:`train_reinforce`), the advantages of :func:`obs_advantages` (times gamma^t),
    then ``epochs`` passes over the batch's samples in ``minibatches`` random minibatches
    (``default_rng([seed, k, 1])``), each an Adam step along the clipped surrogate's gradient
    :func:`ppo_clip_gradient_obs`, scaled by N / (minibatch size) / n (N samples, n episodes) so
    that each minibatch estimates the whole batch's (1/n) sum_i sum_t gradient. With
    ``epochs = minibatches = 1`` this is :func:`train_reinforce` step for step.

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
    policies : list of ObsLinearSoftmax / ObsMLPSoftmax
    thetas : list of numpy.ndarray
    iterations : int
        Maximum number of batches.
    lr : float or list of float
        Adam step size (one per learner, or shared).
    epochs, minibatches : int, default 4, 4
    clip : float in (0, 1), default 0.2
    horizon : int, default 500
    gamma : float, default 1.0
    baseline, normalize
        See :func:`obs_advantages` (default ``"mean"``, ``True``).
    seed : int, default 0
    target : float, optional
        Stop after the batch at which every learner's batch mean return has reached ``target``
        at least once.

    Returns
    -------
    PPOResult
    """
    iterations = v.positive_int(iterations, "iterations")
    epochs = v.positive_int(epochs, "epochs")
    minibatches = v.positive_int(minibatches, "minibatches")
    if isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not 0 < clip < 1:
        raise ValueError(f"clip must be a number in (0, 1); got {clip!r}")
    gamma = v.discount(gamma)
    policies, thetas, _ = _as_groups(list(policies), list(thetas))
    for p in policies:
        if not isinstance(p, _ObsPolicy):
            raise ValueError(f"policies must be ObsLinearSoftmax / ObsMLPSoftmax; "
                             f"got {type(p).__name__}")
    K = len(policies)
    lrs = list(lr) if isinstance(lr, (list, tuple)) else [lr] * K
    if len(lrs) != K:
        raise ValueError(f"lr: got {len(lrs)} step sizes for {K} learners")
    opts = [Adam(x) for x in lrs]
    thetas = [p._theta(th) for p, th in zip(policies, thetas)]
    rngs = [np.random.default_rng([seed, k]) for k in range(K)]
    shuffles = [np.random.default_rng([seed, k, 1]) for k in range(K)]
    history = np.zeros((iterations, K))
    steps = np.zeros((iterations, K))
    reached = np.zeros(K, dtype=bool)
    for it in range(iterations):
        batches = rollout(envs, policies, thetas, horizon, rngs, seed=seed * 100_003 + it)
        for k, (pol, tr) in enumerate(zip(policies, batches)):
            history[it, k] = tr.returns().mean()
            steps[it, k] = tr.mask.sum()
            w = obs_advantages(tr, gamma, baseline, normalize)
            if gamma != 1.0:
                w = w * gamma ** np.arange(tr.horizon)
            sel = tr.mask > 0
            O, Aa, W = tr.obs[sel], tr.actions[sel], w[sel]
            N = W.size
            old = pol.log_prob(thetas[k], O, Aa)
            for _ in range(epochs):
                order = shuffles[k].permutation(N) if minibatches > 1 else np.arange(N)
                for idx in np.array_split(order, minibatches):
                    if idx.size == 0:
                        continue
                    g = ppo_clip_gradient_obs(pol, thetas[k], O[idx], Aa[idx], W[idx],
                                              old[idx], clip)
                    thetas[k] = opts[k].step(thetas[k], g * (N / idx.size) / tr.n)
        reached |= history[it] >= (np.inf if target is None else target)
        if reached.all():
            history, steps = history[:it + 1], steps[:it + 1]
            break
    return PPOResult(thetas, history, steps)
