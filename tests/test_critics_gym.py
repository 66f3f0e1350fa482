"""Critic advantages, actor-critic and Gaussian rollouts on Gymnasium environments (§4.11-4.12)
against hand-composed references and statistical bounds."""

import gymnasium as gym
import numpy as np
import pytest

import pgtools as pg
import pgtools.gym as pgym
from pgtools.gym.actor_critic import critic_advantages, critic_features, train_actor_critic
from pgtools.gym.continuous import gaussian_pg_gradient, rollout_gaussian, train_gaussian


def pendulum_envs(k):
    return [gym.make("InvertedPendulum-v5", disable_env_checker=True) for _ in range(k)]


@pytest.fixture(scope="module")
def batch():
    pol = pg.GaussianLinearPolicy(4, 1)
    th = pol.params([[0.5, 3.0, 0.5, 1.0]], 0.7)
    tr = rollout_gaussian(pendulum_envs(6), pol, th[None], 200, [np.random.default_rng(0)],
                          seed=0)[0]
    return pol, th, tr


def test_rollout_shapes_mask_and_residuals(batch):
    pol, th, tr = batch
    assert tr.obs.shape[2] == 4 and tr.actions.shape[2] == 1
    m = tr.mask
    assert np.all(np.diff(m, axis=1) <= 0) and np.all(m[:, 0] == 1)
    assert np.all(tr.rewards[m == 0] == 0) and np.all(tr.actions[m == 0] == 0)
    K, s = pol.unpack(th)
    z = ((tr.actions - tr.obs @ K.T) / s)[m > 0]
    assert abs(z.mean()) < 4.5 / np.sqrt(z.size)
    assert abs(z.var() - 1) < 4.5 * np.sqrt(2 / z.size)


def test_rollout_owners_split_learners():
    pol = pg.GaussianLinearPolicy(4, 1)
    ths = np.stack([pol.params(sigma=0.5), pol.params([[0, 5.0, 0, 1.0]], 0.1)])
    out = rollout_gaussian(pendulum_envs(3), pol, ths, 50,
                           [np.random.default_rng(1), np.random.default_rng(2)], seed=3,
                           owners=[1, 0, 1])
    assert out[0].n == 1 and out[1].n == 2
    K, s = pol.unpack(ths[1])
    on = out[1].mask > 0
    z = ((out[1].actions - out[1].obs @ K.T) / s)[on]
    assert np.abs(z).max() < 6                 # sampled with learner 1's small sigma


def test_critic_advantages_by_hand(batch):
    _, _, tr = batch
    n, H = tr.rewards.shape
    t = np.broadcast_to(np.arange(H, dtype=float), (n, H))
    X = critic_features(tr.obs, t, H) * tr.mask[..., None]
    assert np.allclose(X[..., 4:8], tr.obs**2 * tr.mask[..., None])
    w = pg.mc_critic(X, tr.rewards, 0.99, tr.mask, 1e-3)
    A = pg.gae(tr.rewards, X @ w, 0.99, 0.9, tr.mask)
    assert np.allclose(critic_advantages(tr, 0.99, 0.9, normalize=False), A)
    An = critic_advantages(tr, 0.99, 0.9)
    on = tr.mask > 0
    assert abs(An[on].mean()) < 1e-9 and abs(An[on].std() - 1) < 1e-6
    assert np.all(An[~on] == 0)


def test_gaussian_pg_gradient_is_the_score_loop(batch):
    pol, th, tr = batch
    A = critic_advantages(tr, 0.99, 0.95)
    loop = sum(pol.score(th, tr.obs[i, t], tr.actions[i, t]) * A[i, t]
               for i in range(tr.n) for t in range(tr.lengths[i])) / tr.n
    assert np.allclose(gaussian_pg_gradient(pol, th, tr, 0.99, 0.95), loop)


def test_train_gaussian_records_and_learns_a_little():
    pol = pg.GaussianLinearPolicy(4, 1)
    res = train_gaussian(pendulum_envs(8), pol, pol.params(sigma=0.3), 2, 6, 0.1,
                         horizon=200, steps=200, min_episodes=2, seed=0)
    assert res.returns.shape == (6, 2) and res.path.shape == (7, 2, 5)
    assert np.allclose(res.path[-1], res.thetas) and np.allclose(res.path[0], pol.params(
        sigma=0.3))
    assert np.all(res.path[1:, :, 1] > res.path[0, :, 1])   # the angle gain moves up


def test_train_gaussian_fixed_sigma():
    pol = pg.GaussianLinearPolicy(4, 1)
    res = train_gaussian(pendulum_envs(2), pol, pol.params(sigma=0.3), 1, 3, 0.1,
                         horizon=50, learn_sigma=False)
    assert np.allclose(pol.unpack(res.thetas)[1], 0.3)


def test_bad_inputs():
    pol = pg.GaussianLinearPolicy(4, 1)
    with pytest.raises(ValueError, match="thetas"):
        rollout_gaussian(pendulum_envs(1), pol, np.zeros((1, 3)), 5, [np.random.default_rng()])
    with pytest.raises(ValueError, match="not divisible"):
        rollout_gaussian(pendulum_envs(3), pol, np.zeros((2, 5)), 5,
                         [np.random.default_rng(), np.random.default_rng()])
    with pytest.raises(ValueError, match="envs"):
        train_gaussian([], pol, pol.init_params(), 1, 1, 0.1)
    with pytest.raises(ValueError, match="traj"):
        critic_advantages("not a batch")


def test_train_actor_critic_cartpole_runs():
    envs = gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="vector_entry_point")
    lins = [pgym.ObsLinearSoftmax(4, 2) for _ in range(2)]
    res = train_actor_critic(envs, lins, [p.init_params() for p in lins], 3, 0.2, horizon=100)
    assert res.returns.shape == (3, 2) and len(res.thetas) == 2
    assert not np.allclose(res.thetas[0], lins[0].init_params())
