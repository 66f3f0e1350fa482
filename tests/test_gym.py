"""Tests for pgtools.gym: Gymnasium tables -> FiniteMDP, observation policies, rollouts, REINFORCE."""

import gymnasium as gym
import numpy as np
import pytest

import pgtools as pg
from pgtools.gym import (
    Adam,
    ObsLinearSoftmax,
    ObsMLPSoftmax,
    ObsTrajectories,
    mdp_from_gymnasium,
    obs_advantages,
    reinforce_gradient_obs,
    rollout,
    tables_from_gymnasium,
)

TOY = [
    ("FrozenLake-v1", {"map_name": "4x4", "is_slippery": True}, 30, 16),
    ("FrozenLake-v1", {"map_name": "8x8", "is_slippery": True}, 40, 64),
    ("CliffWalking-v1", {}, 15, 48),
]


@pytest.mark.parametrize("env_id, kwargs, H, S", TOY)
def test_tables_are_an_mdp_with_absorbing_terminals(env_id, kwargs, H, S):
    env = gym.make(env_id, **kwargs)
    P, r, mu0, terminal = tables_from_gymnasium(env)
    assert P.shape == (S, 4, S) and r.shape == (S, 4) and mu0.shape == (S,)
    assert np.allclose(P.sum(axis=2), 1.0)
    assert terminal.any()
    for s in np.flatnonzero(terminal):
        assert np.all(P[s, :, s] == 1.0) and np.all(r[s] == 0.0)
    mdp = mdp_from_gymnasium(env, H)
    assert isinstance(mdp, pg.FiniteMDP) and mdp.horizon == H


def test_cliffwalking_start_and_cliff():
    P, r, mu0, terminal = tables_from_gymnasium("CliffWalking-v1")
    assert mu0[36] == 1.0 and terminal[47] and terminal.sum() == 1
    assert r[36, 1] == -100.0 and P[36, 1, 36] == 1.0  # stepping right from the start falls


@pytest.mark.parametrize("env_id, kwargs, H, S", TOY)
def test_exact_objective_matches_real_env_monte_carlo(env_id, kwargs, H, S):
    env = gym.make(env_id, **kwargs)
    mdp = mdp_from_gymnasium(env, H)
    policy = pg.TabularSoftmax(S, 4)
    theta = np.random.default_rng(1).normal(0.0, 0.5, (S, 4))
    theta[np.arange(S), pg.optimal_values(mdp).policy[0]] += 3.0  # a soft, good policy
    J = pg.exact_objective(mdp, policy, theta)
    envs = gym.make_vec(env_id, num_envs=400, vectorization_mode="sync", **kwargs)
    tr = rollout(envs, policy, theta, H, np.random.default_rng(2), seed=3)
    R = tr.returns()
    se = R.std(ddof=1) / np.sqrt(R.size)
    assert abs(R.mean() - J) < 4 * se + 1e-12, (R.mean(), J, se)


def test_plain_env_rollout_matches_too():
    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    mdp = mdp_from_gymnasium(env, 20)
    pol = pg.TabularSoftmax(16, 4)
    th = np.zeros((16, 4))
    tr = rollout(env, pol, th, 20, 0, n_episodes=500, seed=0)
    R = tr.returns()
    assert abs(R.mean() - pg.exact_objective(mdp, pol, th)) < 4 * R.std(ddof=1) / np.sqrt(500)


@pytest.mark.parametrize("bad, match", [
    ("CartPole-v1", "Discrete"),
    (object(), "gymnasium.Env"),
    ("NoSuchEnv-v0", "could not make"),
])
def test_bad_environments(bad, match):
    with pytest.raises(ValueError, match=match):
        mdp_from_gymnasium(bad, 10)


def test_bad_horizon_and_vector_env():
    env = gym.make("FrozenLake-v1")
    for H in (0, -1, 2.5):
        with pytest.raises(ValueError, match="horizon"):
            mdp_from_gymnasium(env, H)
    with pytest.raises(ValueError, match="vector"):
        mdp_from_gymnasium(gym.make_vec("FrozenLake-v1", num_envs=2), 10)


def test_env_without_table():
    class NoTable(gym.Env):
        observation_space = gym.spaces.Discrete(3)
        action_space = gym.spaces.Discrete(2)

    with pytest.raises(ValueError, match="transition table"):
        mdp_from_gymnasium(NoTable(), 5)


POLICIES = [
    ObsLinearSoftmax(4, 3),
    ObsLinearSoftmax(3, 2, features=lambda o: np.concatenate([o, o[..., :1] * o[..., 1:2],
                                                              np.ones(o.shape[:-1] + (1,))], -1)),
    ObsMLPSoftmax(4, 3, hidden=(5,), seed=1),
    ObsMLPSoftmax(3, 2, hidden=(4, 3), seed=2),
]


def _theta(policy, rng):
    return rng.normal(0.0, 0.8, policy.theta_shape)


@pytest.mark.parametrize("policy", POLICIES)
def test_score_matches_finite_differences(policy):
    rng = np.random.default_rng(0)
    theta = _theta(policy, rng)
    obs = rng.normal(size=(2, 3, policy.obs_dim))
    acts = rng.integers(policy.n_actions, size=(2, 3))
    sc = policy.score(theta, obs, acts)
    assert sc.shape == (2, 3) + policy.theta_shape
    for i, j in [(0, 0), (1, 2)]:
        fd = pg.finite_difference_gradient(
            lambda th, i=i, j=j: policy.log_prob(th, obs[i, j], acts[i, j]), theta)
        assert np.allclose(sc[i, j], fd, atol=1e-6)
    w = rng.normal(size=(2, 3))
    assert np.allclose(policy.batch_score_weighted(theta, obs, acts, w),
                       np.tensordot(w, sc, axes=2))


@pytest.mark.parametrize("policy", POLICIES)
def test_probs_sample_and_big_logits(policy):
    rng = np.random.default_rng(3)
    theta = _theta(policy, rng) * 1e4
    obs = rng.normal(size=(50, policy.obs_dim))
    p = policy.probs(theta, obs)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(-1), 1.0)
    acts = rng.integers(policy.n_actions, size=50)
    lp = policy.log_prob(theta, obs, acts)
    sc = policy.score(theta, obs, acts)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0) and np.all(np.isfinite(sc))
    a = policy.sample(theta, obs, rng)
    assert a.shape == (50,) and a.min() >= 0 and a.max() < policy.n_actions


def test_sample_frequencies():
    pol = ObsMLPSoftmax(2, 3, hidden=(4,), seed=0)
    th = np.random.default_rng(1).normal(size=pol.theta_shape)
    o = np.array([0.3, -1.0])
    a = pol.sample(th, np.broadcast_to(o, (20000, 2)), np.random.default_rng(2))
    freq = np.bincount(a, minlength=3) / a.size
    assert np.allclose(freq, pol.probs(th, o), atol=0.015)


def test_bad_policy_inputs():
    pol = ObsMLPSoftmax(4, 2)
    th = pol.init_params()
    with pytest.raises(ValueError, match="obs"):
        pol.probs(th, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="theta"):
        pol.probs(np.zeros(3), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="actions"):
        pol.log_prob(th, np.zeros((3, 4)), [0, 1, 2])
    with pytest.raises(ValueError, match="hidden"):
        ObsMLPSoftmax(4, 2, hidden=(0,))


def test_cartpole_rollout_shapes_and_mask():
    envs = gym.make_vec("CartPole-v1", num_envs=6, vectorization_mode="vector_entry_point")
    pols = [ObsLinearSoftmax(4, 2), ObsMLPSoftmax(4, 2, seed=0), ObsMLPSoftmax(4, 2, seed=1)]
    ths = [p.init_params() for p in pols]
    trs = rollout(envs, pols, ths, 60, np.random.default_rng(0), seed=0)
    assert len(trs) == 3
    for tr in trs:
        assert tr.obs.shape == (2, 60, 4) and tr.actions.shape == tr.rewards.shape == (2, 60)
        L = tr.lengths
        assert np.all((L >= 1) & (L <= 60))
        for i in range(2):  # mask is a prefix of ones; padded rewards are 0; CartPole pays 1/step
            assert np.all(tr.mask[i, :L[i]] == 1) and np.all(tr.mask[i, L[i]:] == 0)
            assert np.all(tr.rewards[i] == tr.mask[i])
            assert np.all(tr.obs[i, L[i]:] == 0)
        assert np.allclose(tr.returns(), L)
    again = rollout(envs, pols, ths, 60, np.random.default_rng(0), seed=0)
    assert all(np.array_equal(a.obs, b.obs) for a, b in zip(trs, again))


def test_stacked_rollout_equals_single():
    envs = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="vector_entry_point")
    pol = ObsMLPSoftmax(4, 2, seed=0)
    th = pol.init_params()
    a = rollout(envs, [pol, pol], [th, th], 30, np.random.default_rng(5), seed=1)
    b = rollout(envs, pol, th, 30, np.random.default_rng(5), seed=1)
    assert np.array_equal(np.concatenate([a[0].actions, a[1].actions]), b.actions)


def _loop_reference(policy, theta, tr, b, gamma):
    g = np.zeros(policy.theta_shape)
    for i in range(tr.n):
        L = int(tr.mask[i].sum())
        for t in range(L):
            G = sum(gamma ** (k - t) * tr.rewards[i, k] for k in range(t, L))
            g += gamma ** t * policy.score(theta, tr.obs[i, t], tr.actions[i, t]) * (G - b[t])
    return g / tr.n


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_reinforce_gradient_obs_matches_loop(gamma):
    rng = np.random.default_rng(0)
    n, H = 4, 7
    L = np.array([7, 3, 1, 5])
    mask = (np.arange(H)[None, :] < L[:, None]).astype(float)
    tr = ObsTrajectories(rng.normal(size=(n, H, 3)) * mask[..., None],
                         rng.integers(2, size=(n, H)) * mask.astype(int),
                         rng.normal(size=(n, H)) * mask, mask)
    pol = ObsMLPSoftmax(3, 2, hidden=(4,), seed=0)
    th = pol.init_params() + rng.normal(0, 0.5, pol.theta_shape)
    b = rng.normal(size=H)
    got = reinforce_gradient_obs(pol, th, tr, baseline=b, gamma=gamma)
    assert np.allclose(got, _loop_reference(pol, th, tr, b, gamma))
    got0 = reinforce_gradient_obs(pol, th, tr, gamma=gamma)
    assert np.allclose(got0, _loop_reference(pol, th, tr, np.zeros(H), gamma))
    w = obs_advantages(tr, baseline="mean", normalize=True)
    assert abs(w[mask > 0].mean()) < 1e-12 and np.all(w[mask == 0] == 0)


def test_reinforce_gradient_obs_mirrors_tabular_estimator():
    env_kw = {"map_name": "4x4", "is_slippery": True}
    mdp = mdp_from_gymnasium(gym.make("FrozenLake-v1", **env_kw), 15, gamma=0.95)
    pol = pg.TabularSoftmax(16, 4)
    th = np.random.default_rng(0).normal(size=(16, 4))
    envs = gym.make_vec("FrozenLake-v1", num_envs=50, vectorization_mode="sync", **env_kw)
    tr = rollout(envs, pol, th, 15, np.random.default_rng(1), seed=0)
    # the same episodes continued in the absorbing terminal state, as a pgtools.Trajectories
    states = tr.obs.copy()
    for i, L in enumerate(tr.lengths):
        if L < 15:
            states[i, L:] = _next_terminal(mdp, states[i, L - 1], tr.actions[i, L - 1])
    traj = pg.Trajectories(states, tr.actions, tr.rewards)
    ref = pg.reinforce_gradient(pol, th, traj, kind="reward_to_go", gamma=0.95)
    assert np.allclose(reinforce_gradient_obs(pol, th, tr, gamma=0.95), ref)


def _next_terminal(mdp, s, a):
    absorbing = np.flatnonzero(np.all(mdp.P[np.arange(16), :, np.arange(16)] == 1.0, axis=1))
    succ = np.flatnonzero(mdp.P[s, a] > 0)
    return np.intersect1d(succ, absorbing)[0]


def test_adam_ascends_a_quadratic():
    opt = Adam(0.1)
    x = np.array([3.0, -2.0])
    for _ in range(300):
        x = opt.step(x, -2 * x)  # maximise -|x|^2
    assert np.linalg.norm(x) < 0.05
    with pytest.raises(ValueError):
        Adam(-1.0)
