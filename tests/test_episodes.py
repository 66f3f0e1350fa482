"""Episodic sampling and learning (pgtools.episodes, §4.4) against exact values and z-bounds."""

import numpy as np
import pytest

import pgtools as pg
from pgtools import episodes as E


def J_corridor(p):
    """Closed form of the short corridor with pi(right) = p in every cell (S&B Ex. 13.1)."""
    return -(4 - 2 * p) / (p * (1 - p))


def corridor(p):
    ex = pg.short_corridor()
    policy = pg.LinearSoftmax(ex.features)
    theta = np.array([np.log(p / (1 - p)), 0.0])
    return ex.mdp, policy, theta


def z_ok(x, ref, z=4.5):
    mean, se = pg.mean_and_se(x)
    return np.all(np.abs(mean - ref) <= z * se)


def test_terminal_states():
    assert pg.terminal_states(pg.short_corridor().mdp).tolist() == [3]
    grid = pg.gridworld(3, 3, horizon=10)
    assert pg.terminal_states(grid.mdp).tolist() == [8]
    assert pg.terminal_states(pg.random_mdp(3, 2, 4, seed=0)).size == 0


@pytest.mark.parametrize("p", [0.3, 0.75])
def test_corridor_returns_match_the_closed_form(p):
    mdp, policy, theta = corridor(p)
    ep = pg.sample_episodes(mdp, policy.probs(theta), np.random.default_rng(1), n=4000)
    R = ep.returns()
    assert z_ok(R, J_corridor(p))
    # reward -1 per step: the return is minus the length; the first action is right w.p. p
    np.testing.assert_array_equal(R, -ep.lengths)
    assert z_ok((ep.actions[:, 0] == 0).astype(float), p)
    # after its end an episode sits in the goal with zero reward
    assert np.all(ep.states[~ep.mask] == 3) and np.all(ep.rewards[~ep.mask] == 0)
    assert np.all(ep.states[np.arange(ep.n), ep.lengths - 1] == 2)   # the last step is from 2


def test_block_path_equals_step_by_step_path(monkeypatch):
    mdp, policy, theta = corridor(0.4)
    a = pg.sample_episodes(mdp, policy.probs(theta), 7, n=300)
    monkeypatch.setattr(E, "_state_independent", lambda probs, live: False)
    b = pg.sample_episodes(mdp, policy.probs(theta), 7, n=300)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_one_policy_per_episode():
    mdp, policy, _ = corridor(0.5)
    ps = np.where(np.arange(4000) % 2 == 0, 0.3, 0.7)
    probs = policy.probs(np.stack([np.log(ps / (1 - ps)), np.zeros_like(ps)], axis=1))
    R = pg.sample_episodes(mdp, probs, np.random.default_rng(2)).returns()
    assert z_ok(R[::2], J_corridor(0.3)) and z_ok(R[1::2], J_corridor(0.7))
    assert not z_ok(R[::2], J_corridor(0.7))


def test_stochastic_mdp_and_state_dependent_policy_against_exact_values():
    # slippery gridworld with an absorbing goal: episodes capped at H have the expected return
    # J of the fixed-horizon MDP, and the mean one-episode REINFORCE direction is grad J
    grid = pg.gridworld(3, 3, slip=0.2, horizon=12)
    policy = pg.TabularSoftmax(9, 4)
    theta = np.random.default_rng(3).normal(size=(9, 4))
    ep = pg.sample_episodes(grid.mdp, policy.probs(theta), np.random.default_rng(4), n=6000)
    assert ep.lengths.max() <= 12
    assert z_ok(ep.returns(), pg.exact_objective(grid.mdp, policy, theta))
    d = pg.episode_updates(policy, theta, ep).directions.reshape(ep.n, -1)
    grad = pg.exact_gradient(grid.mdp, policy, theta).ravel()
    assert z_ok(d, grad)
    assert not z_ok(-d, grad)


def test_max_steps_caps_the_episodes():
    mdp, policy, theta = corridor(0.05)
    ep = pg.sample_episodes(mdp, policy.probs(theta), 0, n=50, max_steps=10)
    assert ep.states.shape[1] <= 10 and np.all(ep.returns() >= -10)


@pytest.mark.parametrize(("L", "alpha_w"), [(30, 0.1), (3000, 2 ** -6), (1500, 0.5),
                                             (40, 1.0), (700, 0.97)])
def test_learned_baseline_against_a_plain_loop(L, alpha_w):
    rng = np.random.default_rng(L)
    G = rng.normal(size=(5, L)) * 50
    mask = np.arange(L)[None, :] < rng.integers(0, L + 1, size=5)[:, None]
    mask[0, L // 3] = False                     # a gap inside an episode freezes w too
    w0 = rng.normal(size=5)
    b, w = pg.learned_baseline(w0, G, mask, alpha_w)
    for i in range(5):
        wi, ref = w0[i], np.empty(L)
        for t in range(L):
            ref[t] = wi
            if mask[i, t]:
                wi += alpha_w * (G[i, t] - wi)
        np.testing.assert_allclose(b[i], ref, rtol=1e-9, atol=1e-9)
        assert np.isclose(w[i], wi, rtol=1e-9, atol=1e-9)


def test_learned_baseline_closed_form_for_a_constant_target():
    b, w = pg.learned_baseline(0.0, np.full((1, 50), -10.0), np.ones((1, 50), bool), 2 ** -6)
    t = np.arange(50)
    np.testing.assert_allclose(b[0], -10.0 * (1 - (1 - 2 ** -6) ** t))
    np.testing.assert_allclose(w, -10.0 * (1 - (1 - 2 ** -6) ** 50))
    b1, _ = pg.learned_baseline(3.0, np.arange(6.0)[None], np.ones((1, 6), bool), 1.0)
    np.testing.assert_allclose(b1[0], [3.0, 0, 1, 2, 3, 4])


@pytest.mark.parametrize("p", [0.3, 2 - np.sqrt(2), 0.8])
def test_plain_episode_update_is_unbiased_on_the_corridor(p):
    mdp, policy, theta = corridor(p)
    ep = pg.sample_episodes(mdp, policy.probs(theta), np.random.default_rng(5), n=8000)
    d = pg.episode_updates(policy, theta, ep).directions
    assert z_ok(d, pg.exact_gradient(mdp, policy, theta))
    np.testing.assert_allclose(d[:, 0], -d[:, 1], atol=1e-9)   # aliased: right vs left


def test_learned_baseline_update_is_biased_at_p_03():
    # the baseline learned within the episode has seen the rewards that follow a_t
    mdp, policy, theta = corridor(0.3)
    ep = pg.sample_episodes(mdp, policy.probs(theta), np.random.default_rng(6), n=20000)
    grad = pg.exact_gradient(mdp, policy, theta)[0]
    upd = pg.episode_updates(policy, theta, ep, alpha_w=2 ** -6, w0=J_corridor(0.3))
    mean, se = pg.mean_and_se(upd.directions[:, 0])
    assert mean < grad - 5 * se and mean > 0.6 * grad
    plain = pg.episode_updates(policy, theta, ep).directions[:, 0]
    assert upd.directions[:, 0].std() < 0.7 * plain.std()        # but much less noisy


def test_per_episode_theta_matches_one_theta_at_a_time():
    mdp, policy, _ = corridor(0.5)
    thetas = np.random.default_rng(1).normal(size=(6, 2))
    ep = pg.sample_episodes(mdp, policy.probs(thetas), np.random.default_rng(2))
    both = pg.episode_updates(policy, thetas, ep, alpha_w=0.1, w0=np.arange(6.0))
    for i in range(6):
        one = E.Episodes(*(x[i:i + 1] for x in ep))
        single = pg.episode_updates(policy, thetas[i], one, alpha_w=0.1, w0=float(i))
        np.testing.assert_allclose(both.directions[i], single.directions[0], atol=1e-12)
        assert np.isclose(both.baseline[i], single.baseline[0])
    # the direction is sum_t psi_t (G_t - b_t), psi from policy.score
    i = 2
    L = ep.lengths[i]
    psi = policy.score(thetas[i], ep.states[i, :L], ep.actions[i, :L])
    G = ep.reward_to_go()[i, :L]
    b, _ = pg.learned_baseline(float(i), G[None], np.ones((1, L), bool), 0.1)
    np.testing.assert_allclose(both.directions[i], psi.T @ (G - b[0]), atol=1e-9)


def test_reinforce_episodic_learns_the_corridor_and_descent_unlearns_it():
    mdp, policy, _ = corridor(0.5)
    theta0 = np.array([-2.94, 0.0])
    run = pg.reinforce_episodic(mdp, policy, theta0, 8, 300, alpha=2 ** -9, seed=0,
                                alpha_w=2 ** -6)
    assert run.returns.shape == (8, 300) and run.thetas.shape == (8, 300, 2)
    np.testing.assert_array_equal(run.thetas[:, 0], np.broadcast_to(theta0, (8, 2)))
    assert np.all(run.baselines[:, 0] == 0)
    p_end = policy.probs(run.thetas[:, -1])[:, 0, 0]
    assert 0.45 < np.median(p_end) < 0.72
    assert run.returns[:, -50:].mean() > run.returns[:, :50].mean() + 10
    # the learned baseline tracks the value of the current policy
    J_end = J_corridor(p_end)
    assert np.median(np.abs(run.baselines[:, -1] - J_end)) < 5
    again = pg.reinforce_episodic(mdp, policy, theta0, 8, 300, alpha=2 ** -9, seed=0,
                                  alpha_w=2 ** -6)
    np.testing.assert_array_equal(run.returns, again.returns)
    down = pg.reinforce_episodic(mdp, policy, [0.0, 0.0], 6, 100, alpha=-2 ** -7, seed=0,
                                 max_steps=100)
    assert down.returns[:, -20:].mean() < down.returns[:, :20].mean() - 20
    plain = pg.reinforce_episodic(mdp, policy, theta0, 4, 5, alpha=2 ** -9, seed=0)
    assert np.all(plain.baselines == 0)


def test_reinforce_episodic_improves_a_tabular_gridworld_policy():
    grid = pg.gridworld(3, 3, slip=0.1, horizon=12)
    policy = pg.TabularSoftmax(9, 4)
    run = pg.reinforce_episodic(grid.mdp, policy, np.zeros((9, 4)), 4, 150, alpha=0.05,
                                seed=1)
    J0 = pg.exact_objective(grid.mdp, policy, np.zeros((9, 4)))
    J_end = [pg.exact_objective(grid.mdp, policy, th) for th in run.thetas[:, -1]]
    assert min(J_end) > J0 + 1.0


def test_bad_input():
    mdp, policy, theta = corridor(0.5)
    pi = policy.probs(theta)
    with pytest.raises(ValueError, match="n is required"):
        pg.sample_episodes(mdp, pi, 0)
    with pytest.raises(ValueError, match="probs must have shape"):
        pg.sample_episodes(mdp, pi[:3], 0, n=2)
    with pytest.raises(ValueError, match="probs"):
        pg.sample_episodes(mdp, 2 * pi, 0, n=2)
    with pytest.raises(ValueError, match="n = 3 does not match"):
        pg.sample_episodes(mdp, np.stack([pi, pi]), 0, n=3)
    with pytest.raises(ValueError, match="terminal"):
        pg.sample_episodes(mdp, pi, 0, n=2, terminal=7)
    with pytest.raises(ValueError, match="max_steps"):
        pg.sample_episodes(mdp, pi, 0, n=2, max_steps=0)
    with pytest.raises(ValueError, match="rng"):
        pg.sample_episodes(mdp, pi, "seed", n=2)
    with pytest.raises(ValueError, match="mdp"):
        pg.sample_episodes("corridor", pi, 0, n=2)
    G = np.zeros((2, 3))
    with pytest.raises(ValueError, match="alpha_w"):
        pg.learned_baseline(0.0, G, np.ones((2, 3), bool), 0.0)
    with pytest.raises(ValueError, match="alpha_w"):
        pg.learned_baseline(0.0, G, np.ones((2, 3), bool), float("nan"))
    with pytest.raises(ValueError, match="mask"):
        pg.learned_baseline(0.0, G, np.ones((2, 3)), 0.5)
    with pytest.raises(ValueError, match="targets"):
        pg.learned_baseline(0.0, np.zeros(3), np.ones(3, bool), 0.5)
    ep = pg.sample_episodes(mdp, pi, 0, n=2)
    with pytest.raises(ValueError, match="episodes"):
        pg.episode_updates(policy, theta, (ep.states, ep.actions))
    with pytest.raises(ValueError, match="theta must have shape"):
        pg.episode_updates(policy, np.zeros(3), ep)
    with pytest.raises(ValueError, match="alpha"):
        pg.reinforce_episodic(mdp, policy, theta, 2, 2, alpha=float("inf"), seed=0)
    with pytest.raises(ValueError, match="n_runs"):
        pg.reinforce_episodic(mdp, policy, theta, 0, 2, alpha=0.1, seed=0)
    with pytest.raises(ValueError, match="theta0"):
        pg.reinforce_episodic(mdp, policy, np.zeros(3), 2, 2, alpha=0.1, seed=0)


def test_reward_to_go_matches_the_core_function_exactly():
    mdp, policy, theta = corridor(0.4)
    ep = pg.sample_episodes(mdp, policy.probs(theta), 3, n=50)
    r = ep.rewards * np.random.default_rng(0).random(ep.rewards.shape)
    noisy = E.Episodes(ep.states, ep.actions, r, ep.mask)
    for gamma in (1.0, 0.9):
        np.testing.assert_array_equal(noisy.reward_to_go(gamma), pg.reward_to_go(r, gamma))
