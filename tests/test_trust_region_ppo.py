"""PPO on observation policies (§4.9): one epoch of one minibatch is REINFORCE exactly; the
clipped gradient matches finite differences of the clipped objective written out."""

import gymnasium as gym
import numpy as np
import pytest

import pgtools.gym as pgym
from pgtools.gym.ppo import PPOResult, ppo_clip_gradient_obs, train_ppo


def clipped_objective(policy, theta, obs, actions, adv, old, clip):
    lam = np.exp(policy.log_prob(theta, obs, actions) - old)
    return float(np.minimum(lam * adv, np.clip(lam, 1 - clip, 1 + clip) * adv).sum())


@pytest.mark.parametrize("make", [lambda: pgym.ObsLinearSoftmax(4, 2),
                                  lambda: pgym.ObsMLPSoftmax(4, 3, hidden=(5,), seed=1)])
def test_clipped_gradient_finite_differences(make):
    policy = make()
    rng = np.random.default_rng(0)
    th_old = rng.normal(size=policy.theta_shape)
    th = th_old + 0.3 * rng.normal(size=policy.theta_shape)
    obs = rng.normal(size=(40, 4))
    act = rng.integers(0, policy.n_actions, size=40)
    adv = rng.normal(size=40)
    old = policy.log_prob(th_old, obs, act)
    lam = np.exp(policy.log_prob(th, obs, act) - old)
    assert np.any(lam > 1.2) and np.any(lam < 0.8) and np.all(np.abs(lam - 0.8) > 1e-3) \
        and np.all(np.abs(lam - 1.2) > 1e-3)
    g = ppo_clip_gradient_obs(policy, th, obs, act, adv, old, 0.2)
    fd = np.empty(th.size)
    for i in range(th.size):
        e = np.zeros(th.size)
        e[i] = 1e-6
        fd[i] = (clipped_objective(policy, th + e.reshape(th.shape), obs, act, adv, old, 0.2)
                 - clipped_objective(policy, th - e.reshape(th.shape), obs, act, adv, old,
                                     0.2)) / 2e-6
    assert np.allclose(g.ravel(), fd, atol=1e-6)


def test_one_epoch_one_minibatch_is_reinforce():
    pols = [pgym.ObsMLPSoftmax(4, 2, hidden=(8,), seed=s) for s in range(2)]
    env = gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="vector_entry_point")
    th0 = [p.init_params() for p in pols]
    a = pgym.train_reinforce(env, pols, th0, iterations=4, lr=0.05, seed=3)
    b = train_ppo(env, pols, th0, iterations=4, lr=0.05, seed=3, epochs=1, minibatches=1)
    assert np.array_equal(a.returns, b.returns)
    assert all(np.array_equal(x, y) for x, y in zip(a.thetas, b.thetas))
    # CartPole pays 1 per step: the steps of a batch are its returns times the episodes
    assert np.allclose(b.steps, 4 * b.returns)


def test_steps_to_and_target_stop():
    res = PPOResult([], np.array([[10.0, 500.0], [480.0, 20.0]]), np.array([[5.0, 6.0],
                                                                            [7.0, 8.0]]))
    assert np.array_equal(res.steps_to(475), [12.0, 6.0])
    assert np.isinf(PPOResult([], np.zeros((2, 1)), np.ones((2, 1))).steps_to(1)[0])
    pols = [pgym.ObsLinearSoftmax(4, 2)]
    env = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="vector_entry_point")
    r = train_ppo(env, pols, [pols[0].init_params()], iterations=50, lr=0.05, target=30.0)
    assert r.returns.shape[0] < 50 and r.returns[-1, 0] >= 30 and np.all(r.returns[:-1] < 30)


def test_ppo_validation():
    pol = pgym.ObsLinearSoftmax(4, 2)
    th = pol.init_params()
    env = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")
    z = np.zeros(3)
    for fn, name in [
        (lambda: ppo_clip_gradient_obs(pol, th, np.zeros((3, 4)), [0, 1, 0], z, z, 1.5), "clip"),
        (lambda: ppo_clip_gradient_obs(pol, th, np.zeros((3, 4)), [0, 1, 0], np.zeros(2), z),
         "advantages"),
        (lambda: ppo_clip_gradient_obs("pi", th, np.zeros((3, 4)), [0, 1, 0], z, z), "policy"),
        (lambda: train_ppo(env, [pol], [th], 2, 0.1, epochs=0), "epochs"),
        (lambda: train_ppo(env, [pol], [th], 2, 0.1, clip=0.0), "clip"),
        (lambda: train_ppo(env, [pol], [th], 2, [0.1, 0.2]), "lr"),
    ]:
        with pytest.raises(ValueError, match=name):
            fn()
