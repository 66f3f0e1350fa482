"""Trajectory sampling (Eq. (4.2)): shapes, reproducibility, frequencies vs exact marginals."""

import numpy as np
import pytest

import pgtools as pg


def test_shapes_dtypes_and_rewards(tiny_mdp, make_policy):
    policy, theta = make_policy("linear", 3, 2, 0)
    tr = pg.sample_trajectories(tiny_mdp, policy, theta, 50, np.random.default_rng(0))
    assert tr.states.shape == tr.actions.shape == tr.rewards.shape == (50, 3)
    assert tr.states.dtype.kind == "i" and tr.actions.dtype.kind == "i"
    assert tr.n == 50 and tr.horizon == 3 and len(tr) == 50
    np.testing.assert_array_equal(tr.rewards, tiny_mdp.r[tr.states, tr.actions])


def test_reproducible_and_int_seed(tiny_mdp, make_policy):
    policy, theta = make_policy("tabular", 3, 2, 0)
    a = pg.sample_trajectories(tiny_mdp, policy, theta, 20, 5)
    b = pg.sample_trajectories(tiny_mdp, policy, theta, 20, np.random.default_rng(5))
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.actions, b.actions)


@pytest.mark.parametrize("kind", ["tabular", "neural"])
def test_frequencies_match_marginals(kind, tiny_mdp, make_policy):
    policy, theta = make_policy(kind, 3, 2, 1)
    n = 40_000
    tr = pg.sample_trajectories(tiny_mdp, policy, theta, n, np.random.default_rng(123))
    d = pg.state_action_marginals(tiny_mdp, policy, theta)
    for t in range(tiny_mdp.horizon):
        counts = np.zeros((3, 2))
        np.add.at(counts, (tr.states[:, t], tr.actions[:, t]), 1)
        p_hat = counts / n
        bound = 5 * np.sqrt(d[t] * (1 - d[t]) / n) + 1e-12
        assert np.all(np.abs(p_hat - d[t]) <= bound), (t, p_hat, d[t])


def test_zero_probability_events_never_sampled(make_policy):
    P = np.zeros((3, 2, 3))
    P[:, 0, 1] = 1.0
    P[:, 1] = [0.5, 0.0, 0.5]
    mdp = pg.FiniteMDP(P, np.zeros((3, 2)), [0.0, 0.0, 1.0], 6)
    policy, theta = make_policy("tabular", 3, 2, 0)
    tr = pg.sample_trajectories(mdp, policy, theta, 5000, 0)
    assert np.all(tr.states[:, 0] == 2)
    moved = tr.states[:, 1:][tr.actions[:, :-1] == 1]
    assert not np.any(moved == 1)
    assert np.all(tr.states[:, 1:][tr.actions[:, :-1] == 0] == 1)


def test_returns_and_reward_to_go_by_hand():
    rewards = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    tr = pg.Trajectories(np.zeros((2, 3), int), np.zeros((2, 3), int), rewards)
    g = 0.5
    np.testing.assert_allclose(tr.returns(), [6.0, 3.0])
    np.testing.assert_allclose(tr.returns(g), [1 + 1 + 0.75, 0 - 0.5 + 1.0])
    expected = np.array([[1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3], [0 - 0.5 + 1, -1 + 2, 4]])
    np.testing.assert_allclose(tr.reward_to_go(g), expected)
    np.testing.assert_allclose(pg.reward_to_go(rewards, g), expected)
    np.testing.assert_allclose(tr.reward_to_go()[:, 0], tr.returns())


def test_sample_mean_return_close_to_objective(make_policy):
    mdp = pg.random_mdp(5, 3, 6, 2, gamma=0.9)
    policy, theta = make_policy("linear", 5, 3, 2)
    R = pg.sample_trajectories(mdp, policy, theta, 20_000, 1).returns(0.9)
    assert abs(R.mean() - pg.exact_objective(mdp, policy, theta)) <= 4 * R.std() / np.sqrt(R.size)


def test_trajectories_is_frozen_and_sliceable():
    tr = pg.Trajectories(np.zeros((4, 2), int), np.ones((4, 2), int), np.zeros((4, 2)))
    with pytest.raises(AttributeError):
        tr.states = None
    with pytest.raises(ValueError):
        tr.states[0, 0] = 1
    assert tr[:2].n == 2 and tr[3].n == 1


def test_many_states_binary_search_path(make_policy):
    """S > 16 exercises the searchsorted branch: frequencies and zero-probability transitions."""
    mdp = pg.random_mdp(30, 2, 3, 9)
    P = np.array(mdp.P)
    P[:, :, :10] = 0.0  # states 0..9 are never entered after t = 0
    P /= P.sum(-1, keepdims=True)
    mu0 = np.zeros(30)
    mu0[[0, 29]] = [0.5, 0.5]
    mdp = mdp.replace(P=P, mu0=mu0)
    policy, theta = make_policy("tabular", 30, 2, 3)
    n = 40_000
    tr = pg.sample_trajectories(mdp, policy, theta, n, 77)
    assert set(np.unique(tr.states[:, 0])) <= {0, 29}
    assert tr.states[:, 1:].min() >= 10
    d = pg.state_action_marginals(mdp, policy, theta)
    for t in range(3):
        counts = np.zeros((30, 2))
        np.add.at(counts, (tr.states[:, t], tr.actions[:, t]), 1)
        bound = 5 * np.sqrt(d[t] * (1 - d[t]) / n) + 1e-12
        assert np.all(np.abs(counts / n - d[t]) <= bound)
