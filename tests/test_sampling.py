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


def _loop_sampler(mdp, pi_tables, n, rng):
    """Reference: one trajectory at a time, inverse CDF by direct count, same uniform order."""
    K = len(pi_tables)
    m, H = K * n, mdp.horizon
    u = rng.random(2 * H * m).reshape(2 * H, m)
    cdf = lambda p: np.cumsum(p) / np.sum(p)
    states = np.empty((m, H), dtype=int)
    actions = np.empty((m, H), dtype=int)
    for i in range(m):
        pi = pi_tables[i // n]
        s = int((cdf(mdp.mu0) <= u[0, i]).sum())
        for t in range(H):
            a = int((cdf(pi[s]) <= u[2 * t + 1, i]).sum())
            states[i, t], actions[i, t] = s, a
            if t + 1 < H:
                s = int((cdf(mdp.P[s, a]) <= u[2 * t + 2, i]).sum())
    return states, actions


@pytest.mark.parametrize("S, A, H", [(3, 2, 4), (7, 5, 6), (40, 3, 3)])
def test_sampler_equals_direct_inverse_cdf_loop(S, A, H):
    mdp = pg.random_mdp(S, A, H, seed=S)
    policy = pg.TabularSoftmax(S, A)
    thetas = 2 * np.random.default_rng(S).normal(size=(3, S, A))
    got = pg.sample_trajectories(mdp, policy, thetas, 60, np.random.default_rng(9))
    want = _loop_sampler(mdp, [policy.probs(t) for t in thetas], 60, np.random.default_rng(9))
    np.testing.assert_array_equal(got.states, want[0])
    np.testing.assert_array_equal(got.actions, want[1])
    one = pg.sample_trajectories(mdp, policy, thetas[0], 60, np.random.default_rng(9))
    ref = _loop_sampler(mdp, [policy.probs(thetas[0])], 60, np.random.default_rng(9))
    np.testing.assert_array_equal(one.states, ref[0])
    np.testing.assert_array_equal(one.actions, ref[1])


def test_batched_groups_follow_their_own_policy():
    mdp = pg.random_mdp(2, 3, 1, seed=0)
    policy = pg.TabularSoftmax(2, 3)
    thetas = np.array([[[3.0, 0, 0], [0, 3, 0]], [[0, 0, 3.0], [0, 0, 3]]])
    n = 20_000
    tr = pg.sample_trajectories(mdp, policy, thetas, n, np.random.default_rng(1))
    assert tr.n == 2 * n
    for k in range(2):
        s, a = tr.states[k * n:(k + 1) * n, 0], tr.actions[k * n:(k + 1) * n, 0]
        pi = policy.probs(thetas[k])
        for state in range(2):
            freq = np.bincount(a[s == state], minlength=3) / max((s == state).sum(), 1)
            se = np.sqrt(pi[state] * (1 - pi[state]) / max((s == state).sum(), 1))
            assert np.all(np.abs(freq - pi[state]) <= 5 * se + 1e-12)


def test_inverse_cdf_exact_at_cdf_boundaries_and_skips_zeros():
    from pgtools.sampling import _InverseCDF

    rng = np.random.default_rng(0)
    for K in (1, 2, 5, 17, 64, 300):
        p = rng.random((20, K)) ** 4
        p[rng.random((20, K)) < 0.3] = 0.0
        p[:, 0] += 1e-3
        p /= p.sum(axis=1, keepdims=True)
        cdf = np.cumsum(p, axis=1) / np.cumsum(p, axis=1)[:, -1:]
        rows = rng.integers(0, 20, 50_000)
        u = rng.random(50_000)
        u[:5_000] = np.minimum(cdf[rows[:5_000], rng.integers(0, K, 5_000)], np.nextafter(1, 0))
        got = _InverseCDF(p).draw(rows, u)
        want = np.minimum((cdf[rows] <= u[:, None]).sum(axis=1), K - 1)
        positive = p[rows, got] > 0
        assert positive.all()
        np.testing.assert_array_equal(got[want < K - 1], want[want < K - 1])


def test_batched_theta_bad_shape_names_theta(tiny_mdp):
    policy = pg.TabularSoftmax(3, 2)
    with pytest.raises(ValueError, match="theta"):
        pg.sample_trajectories(tiny_mdp, policy, np.zeros((2, 3, 3)), 5, 0)
    with pytest.raises(ValueError, match="theta"):
        pg.sample_trajectories(tiny_mdp, policy, np.full((2, 3, 2), np.nan), 5, 0)


def test_discounted_returns_by_hand_and_shared_by_every_batch_type():
    r = np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]])
    np.testing.assert_allclose(pg.discounted_returns(r, 0.5), [1 + 1 + 1, 0 - 0.5 + 0.75])
    tr = pg.Trajectories(np.zeros((2, 3), int), np.zeros((2, 3), int), r)
    np.testing.assert_array_equal(tr.returns(0.5), pg.discounted_returns(r, 0.5))
    with pytest.raises(ValueError, match="rewards"):
        pg.discounted_returns([1.0, 2.0])
    with pytest.raises(ValueError, match="gamma"):
        pg.discounted_returns(r, 1.5)
