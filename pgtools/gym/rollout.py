"""Running policies in Gymnasium environments, and REINFORCE on the result (Eq. (4.3), §4.4, §4.6).

Episodes of a batch end at different times. We store them as padded ``(n, H)`` arrays with a
``mask``: ``mask[i, t] = 1`` while episode ``i`` is running at step ``t`` and 0 afterwards, where the
reward is 0 too. Padding with zero reward is exactly the "absorbing terminal state with reward 0"
convention of :func:`pgtools.gym.mdp_from_gymnasium`, so ``returns`` and ``reward_to_go`` need no
special cases; only the score terms must be masked.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..sampling import discounted_returns, reward_to_go
from .adam import Adam
from .obs_policies import _inverse_cdf, _ObsPolicy, _softmax


@dataclass(frozen=True)
class ObsTrajectories:
    """A batch of padded episodes from a Gymnasium environment (§4.2's trajectories tau).

    Attributes
    ----------
    obs : numpy.ndarray, shape (n, H, d) float, or (n, H) int for a Discrete observation space
        Observation o_t seen before acting at step t (0 where ``mask`` is 0).
    actions : int numpy.ndarray, shape (n, H)
        Action a_t (0 where ``mask`` is 0).
    rewards : numpy.ndarray, shape (n, H)
        Reward r_t received after a_t (0 where ``mask`` is 0).
    mask : numpy.ndarray, shape (n, H)
        1.0 while the episode runs at step t, 0.0 after it has ended.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray

    @property
    def n(self):
        """Number of episodes."""
        return self.actions.shape[0]

    @property
    def horizon(self):
        """Padded length H."""
        return self.actions.shape[1]

    @property
    def lengths(self):
        """Episode lengths, int array of shape (n,)."""
        return self.mask.sum(axis=1).astype(np.int64)

    def returns(self, gamma=1.0):
        """R(tau) = sum_t gamma^t r_t per episode (§4.2).

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n,)
        """
        return discounted_returns(self.rewards, gamma)

    def reward_to_go(self, gamma=1.0):
        """R_t(tau) = sum_{t' >= t} gamma^(t'-t) r_t' (Eq. (4.3), §4.3), 0 after the episode ends.

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n, H)
        """
        return reward_to_go(self.rewards, gamma) * self.mask


def _as_groups(policy, theta):
    if isinstance(policy, (list, tuple)):
        if not isinstance(theta, (list, tuple)) or len(theta) != len(policy) or not policy:
            raise ValueError("with a list of policies, theta must be a list of the same length")
        return list(policy), list(theta), True
    return [policy], [theta], False


def _action_sampler(policy, theta, discrete):
    """Return a function obs -> probs for a pgtools tabular policy or an observation policy."""
    if isinstance(policy, _ObsPolicy):
        if discrete:
            raise ValueError("observation-vector policies need a Box observation space")
        th = policy._theta(theta)
        return lambda o: _softmax(policy._logits(th, o))
    if discrete and hasattr(policy, "n_states") and hasattr(policy, "probs"):
        table = np.asarray(policy.probs(theta))
        return lambda s: table[s]
    raise ValueError(
        f"policy must be an ObsLinearSoftmax / ObsMLPSoftmax (Box observations) or a pgtools "
        f"finite-state policy (Discrete observations); got {type(policy).__name__}"
    )


def _sampler_groups(policies, thetas, discrete, m):
    """[(lo, hi, obs -> probs)] over consecutive env blocks; alike observation policies are stacked
    so one batched forward pass serves all of them."""
    groups, k = [], 0
    while k < len(policies):
        pol = policies[k]
        if isinstance(pol, _ObsPolicy) and not discrete:
            j = k + 1
            while (j < len(policies) and isinstance(policies[j], _ObsPolicy)
                   and policies[j]._stack_key() == pol._stack_key()):
                j += 1
            ths = [policies[i]._theta(thetas[i]) for i in range(k, j)]
            stacked = pol._stacked_logits(ths)
            d, K = pol.obs_dim, j - k

            def probs(o, stacked=stacked, d=d, K=K, nA=pol.n_actions):
                return _softmax(stacked(o.reshape(K, -1, d))).reshape(-1, nA)

            groups.append((k * m, j * m, probs))
            k = j
        else:
            groups.append((k * m, (k + 1) * m, _action_sampler(pol, thetas[k], discrete)))
            k += 1
    return groups


def rollout(env, policy, theta, horizon, rng, *, n_episodes=None, seed=None):
    """Run episodes of pi_theta in a Gymnasium environment; padded, masked arrays out (§4.2, §4.6).

    * A **vector** environment (``gym.make_vec(...)``, e.g. ``gym.make_vec("CartPole-v1",
      num_envs=N, vectorization_mode="vector_entry_point")``) runs ``num_envs`` episodes side by
      side: all are reset once, stepped together until every one has ended or ``horizon`` steps
      have passed. Whatever a sub-environment returns after its episode ended (with Gymnasium's
      next-step autoreset, a reset step) is ignored through the mask, so the result does not depend
      on ``autoreset_mode``.
    * A plain **environment** runs ``n_episodes`` episodes one after another.

    Several learners can share one vector environment: pass lists ``policy=[pi_1, ..., pi_K]``,
    ``theta=[theta_1, ..., theta_K]``; sub-environments are split into K equal consecutive blocks
    and a list of K :class:`ObsTrajectories` is returned. (Gymnasium's per-step cost hardly grows
    with ``num_envs``, so this makes K seeds almost as cheap as one.)

    Parameters
    ----------
    env : gymnasium.Env or gymnasium.vector.VectorEnv
    policy : ObsLinearSoftmax, ObsMLPSoftmax, pgtools finite-state policy, or a list of them
        Finite-state policies (e.g. ``TabularSoftmax``) act on Discrete observations.
    theta : array_like, or a list of them
    horizon : int
        Maximum episode length H (the environment's own time limit may end episodes earlier).
    rng : numpy.random.Generator or int, or a list of them (one per learner)
        Randomness of the actions (inverse-CDF sampling). With one generator per learner, a
        learner draws only while one of its own episodes runs, so its trajectories do not depend
        on the other learners sharing the environment.
    n_episodes : int, optional
        Number of episodes for a plain environment (ignored for a vector environment).
    seed : int, optional
        Seed of the (first) environment reset; ``None`` continues the environment's own stream.

    Returns
    -------
    ObsTrajectories, or a list of them (one per learner) when ``policy`` is a list
    """
    import gymnasium as gym

    horizon = v.positive_int(horizon, "horizon")
    policies, thetas, many = _as_groups(policy, theta)
    if isinstance(rng, (list, tuple)):
        if len(rng) != len(policies):
            raise ValueError(f"rng: got {len(rng)} generators for {len(policies)} learners")
        rngs = [v.generator(g) for g in rng]
    else:
        rngs = None
        rng = v.generator(rng)
    vector = isinstance(env, gym.vector.VectorEnv)
    if not vector and not isinstance(env, gym.Env):
        raise ValueError(f"env must be a gymnasium Env or VectorEnv; got {type(env).__name__}")
    space = env.single_observation_space if vector else env.observation_space
    discrete = isinstance(space, gym.spaces.Discrete)
    if not discrete and not (isinstance(space, gym.spaces.Box) and len(space.shape) == 1):
        raise ValueError(f"observation space must be Discrete or a 1-D Box; got {space}")
    K = len(policies)
    if vector:
        N = env.num_envs
        if N % K:
            raise ValueError(f"num_envs = {N} is not divisible by the number of learners {K}")
    else:
        if many:
            raise ValueError("several learners need a vector environment")
        N = v.positive_int(n_episodes, "n_episodes")
    m = N // K
    groups = _sampler_groups(policies, thetas, discrete, m)
    obs_shape = () if discrete else space.shape
    O = np.zeros((N, horizon) + obs_shape, dtype=np.int64 if discrete else float)
    A = np.zeros((N, horizon), dtype=np.int64)
    R = np.zeros((N, horizon))
    M = np.zeros((N, horizon))

    if vector:
        obs, _ = env.reset(seed=seed)
        alive = np.ones(N, dtype=bool)
        for t in range(horizon):
            O[:, t] = obs
            a = np.empty(N, dtype=np.int64)
            if rngs is None:
                u = rng.random(N)
            else:
                u = np.zeros(N)
                for k, g in enumerate(rngs):
                    if alive[k * m:(k + 1) * m].any():
                        u[k * m:(k + 1) * m] = g.random(m)
            for lo, hi, probs in groups:
                a[lo:hi] = _inverse_cdf(probs(obs[lo:hi]), u[lo:hi])
            A[:, t] = a
            obs, rew, term, trunc, _ = env.step(a)
            M[:, t] = alive
            R[:, t] = np.where(alive, rew, 0.0)
            alive &= ~(np.asarray(term) | np.asarray(trunc))
            if not alive.any():
                break
    else:
        sample = groups[0][2]
        rng = rng if rngs is None else rngs[0]
        for i in range(N):
            obs, _ = env.reset(seed=seed if i == 0 else None)
            for t in range(horizon):
                O[i, t] = obs
                a = int(_inverse_cdf(sample(np.asarray(obs)[None]), rng.random(1))[0])
                A[i, t] = a
                obs, rew, term, trunc, _ = env.step(a)
                M[i, t], R[i, t] = 1.0, rew
                if term or trunc:
                    break
    dead = M == 0
    O[dead] = 0
    A[dead] = 0
    out = [
        ObsTrajectories(O[k * m:(k + 1) * m], A[k * m:(k + 1) * m], R[k * m:(k + 1) * m],
                        M[k * m:(k + 1) * m])
        for k in range(K)
    ]
    return out if many else out[0]


def _check_traj(traj):
    if not isinstance(traj, ObsTrajectories):
        raise ValueError(f"traj must be ObsTrajectories; got {type(traj).__name__}")
    return traj


def obs_advantages(traj, gamma=1.0, baseline=None, normalize=False):
    """Weights R_t(tau) - b_t of the REINFORCE estimator with a baseline (§4.4), 0 where masked.

    Parameters
    ----------
    traj : ObsTrajectories
    gamma : float, default 1.0
        Discount of the reward-to-go.
    baseline : None, float, array of shape (H,), or "mean"
        ``None`` is b = 0; a number is a constant; an array is b[t]; ``"mean"`` is the per-step
        mean of the reward-to-go over the episodes of the batch still running at step t (a
        data-dependent baseline: its bias is O(1/n)).
    normalize : bool, default False
        Rescale the (masked) weights to mean 0 and standard deviation 1 over the batch -- a common
        step-size stabiliser; it changes the gradient's scale, not (on average) its direction.

    Returns
    -------
    numpy.ndarray, shape (n, H)
    """
    traj = _check_traj(traj)
    G = traj.reward_to_go(gamma)
    M = traj.mask
    if baseline is None:
        b = 0.0
    elif isinstance(baseline, str):
        if baseline != "mean":
            raise ValueError(f"baseline must be None, a number, an (H,) array or 'mean'; "
                             f"got {baseline!r}")
        b = (G * M).sum(axis=0) / np.maximum(M.sum(axis=0), 1.0)
    elif isinstance(baseline, numbers.Real):
        b = float(baseline)
    else:
        b = v.finite_array(baseline, "baseline", shape=(traj.horizon,))
    w = (G - b) * M
    if normalize:
        cnt = M.sum()
        mean = w.sum() / cnt
        std = np.sqrt((((w - mean) * M) ** 2).sum() / cnt)
        w = (w - mean) / (std + 1e-8) * M
    return w


def reinforce_gradient_obs(policy, theta, traj, baseline=None, gamma=1.0, normalize=False):
    """REINFORCE with reward-to-go and a baseline on padded episodes (Eq. (4.3) + §4.4).

    (1/n) sum_i sum_t mask[i,t] gamma^t grad log pi_theta(a_t|o_t) (R_t(tau_i) - b_t) -- the
    masked, observation-space twin of ``pgtools.reinforce_gradient(..., kind="reward_to_go",
    baseline=b)`` (same gamma^t convention; for a finite-state policy on Discrete observations
    and ``baseline=None`` the two agree exactly, since an ended episode's reward-to-go is 0).

    Parameters
    ----------
    policy : ObsLinearSoftmax, ObsMLPSoftmax, or a pgtools finite-state policy
    theta : array_like, shape ``policy.theta_shape``
    traj : ObsTrajectories
    baseline : None, float, array of shape (H,), or "mean"
        See :func:`obs_advantages`.
    gamma : float, default 1.0
    normalize : bool, default False
        See :func:`obs_advantages`.

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``
    """
    w = obs_advantages(traj, gamma, baseline, normalize)
    if gamma != 1.0:
        w = w * v.discount(gamma) ** np.arange(traj.horizon)
    sel = traj.mask > 0
    if isinstance(policy, _ObsPolicy):
        g = policy.batch_score_weighted(theta, traj.obs[sel], traj.actions[sel], w[sel])
    elif hasattr(policy, "weighted_score_sum"):
        table = np.zeros((policy.n_states, policy.n_actions))
        np.add.at(table, (traj.obs[sel], traj.actions[sel]), w[sel])
        g = policy.weighted_score_sum(theta, table)
    else:
        raise ValueError(f"unsupported policy {type(policy).__name__}")
    return g / traj.n


@dataclass(frozen=True)
class TrainResult:
    """Output of :func:`train_reinforce`.

    Attributes
    ----------
    thetas : list of numpy.ndarray
        Final parameters, one per learner.
    returns : numpy.ndarray, shape (iterations, K)
        Mean undiscounted return of each learner's batch at each iteration.
    """

    thetas: list
    returns: np.ndarray


def train_reinforce(envs, policies, thetas, iterations, lr, *, horizon=500, gamma=1.0,
                    baseline="mean", normalize=True, seed=0, anneal=False):
    """REINFORCE with Adam for K learners sharing one vector environment (§4.3, §4.4, §4.6).

    Each iteration: one :func:`rollout` of ``num_envs / K`` episodes per learner (environment reset
    with seed ``seed + iteration``), then for every learner an Adam ascent step along
    :func:`reinforce_gradient_obs` (reward-to-go, ``baseline``, per-batch normalised weights).

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
    policies : list of ObsLinearSoftmax / ObsMLPSoftmax
    thetas : list of numpy.ndarray
        Initial parameters.
    iterations : int
    lr : float or list of float
        Adam step size (one per learner, or shared).
    horizon : int, default 500
    gamma : float, default 1.0
    baseline : see :func:`obs_advantages`, default "mean"
    normalize : bool, default True
    seed : int, default 0
        Seeds the environment resets; learner k samples its actions from
        ``default_rng([seed, k])`` (and is independent of the other learners).
    anneal : bool, default False
        Decay the step size linearly, lr * (1 - iteration / iterations).

    Returns
    -------
    TrainResult
    """
    iterations = v.positive_int(iterations, "iterations")
    policies, thetas, _ = _as_groups(list(policies), list(thetas))
    K = len(policies)
    lrs = list(lr) if isinstance(lr, (list, tuple)) else [lr] * K
    opts = [Adam(x) for x in lrs]
    thetas = [p._theta(th) if isinstance(p, _ObsPolicy) else np.asarray(th, float)
              for p, th in zip(policies, thetas)]
    rngs = [np.random.default_rng([seed, k]) for k in range(K)]
    history = np.zeros((iterations, K))
    for it in range(iterations):
        if anneal:
            for o, x in zip(opts, lrs):
                o.lr = x * (1.0 - it / iterations)
        batches = rollout(envs, policies, thetas, horizon, rngs, seed=seed * 100_003 + it)
        for k, (pol, tr) in enumerate(zip(policies, batches)):
            history[it, k] = tr.returns().mean()
            g = reinforce_gradient_obs(pol, thetas[k], tr, baseline, gamma, normalize)
            thetas[k] = opts[k].step(thetas[k], g)
    return TrainResult(thetas, history)
