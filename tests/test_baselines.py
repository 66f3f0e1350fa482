"""Baselines of §4.4 (pgtools.estimators): optimal_baseline, joint_optimal_baseline,
candidate_baselines, against enumeration, closed forms and finite differences."""

import numpy as np
import pytest

import pgtools as pg


def _problem(seed, policy_kind="tabular"):
    mdp = pg.random_mdp(3, 2, 3, seed=seed, rewards="normal")
    rng = np.random.default_rng(1000 + seed)
    if policy_kind == "tabular":
        policy = pg.TabularSoftmax(3, 2)
    elif policy_kind == "linear":
        policy = pg.LinearSoftmax(rng.normal(size=(3, 2, 2)))
    else:
        policy = pg.NeuralSoftmax(rng.normal(size=(3, 2, 2)), hidden=(3,), seed=seed)
    theta = rng.normal(size=policy.theta_shape)
    return mdp, policy, theta


def _trace(policy, theta, enum, grad, b):
    g = pg.reinforce_gradient(policy, theta, enum.trajectories, kind="reward_to_go",
                              baseline=b, per_trajectory=True).reshape(enum.probs.size, -1)
    return float(enum.probs @ ((g - grad.ravel()) ** 2).sum(axis=1))


@pytest.mark.parametrize("kind", ["tabular", "linear", "neural"])
@pytest.mark.parametrize("seed", [0, 1])
def test_optimal_baseline_is_the_weighted_mean_of_sampled_reward_to_go(kind, seed):
    # reference: the defining ratio E[|psi_t|^2 G_t | s_t = s] / E[|psi_t|^2 | s_t = s],
    # computed over every trajectory (no Q table involved)
    mdp, policy, theta = _problem(seed, kind)
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    tr, p = enum.trajectories, enum.probs
    psi = policy.score(theta, tr.states, tr.actions).reshape(tr.n, tr.horizon, -1)
    w = p[:, None] * (psi ** 2).sum(axis=-1)                          # (N, H)
    G = tr.reward_to_go()
    onehot = np.eye(3)[tr.states]                                      # (N, H, S)
    ref = np.einsum("nh,nh,nhs->hs", w, G, onehot) / np.einsum("nh,nhs->hs", w, onehot)
    Q = pg.value_tables(mdp, policy, theta).Q
    np.testing.assert_allclose(pg.optimal_baseline(policy, theta, Q), ref, atol=1e-10)


def test_optimal_baseline_minimises_the_per_step_second_moment():
    mdp, policy, theta = _problem(2)
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    tr, p = enum.trajectories, enum.probs
    psi2 = (policy.score(theta, tr.states, tr.actions).reshape(tr.n, tr.horizon, -1) ** 2).sum(-1)
    G = tr.reward_to_go()
    b = pg.optimal_baseline(policy, theta, pg.value_tables(mdp, policy, theta).Q)

    def moment(t, s, c):
        on = tr.states[:, t] == s
        return float(p[on] @ (psi2[on, t] * (G[on, t] - c) ** 2))

    for t in range(tr.horizon):
        for s in range(3):
            m0 = moment(t, s, b[t, s])
            assert m0 < moment(t, s, b[t, s] + 0.05) and m0 < moment(t, s, b[t, s] - 0.05)


def test_optimal_baseline_two_action_tabular_closed_form():
    # |grad log pi(a|s)|^2 = 2 (1 - pi(a|s))^2: b* swaps the policy weights of the two Q values
    mdp, policy, theta = _problem(3)
    pi = policy.probs(theta)
    Q = pg.value_tables(mdp, policy, theta).Q
    ref = pi[:, 1] * Q[..., 0] + pi[:, 0] * Q[..., 1]
    np.testing.assert_allclose(pg.optimal_baseline(policy, theta, Q), ref, atol=1e-12)


def test_optimal_baseline_with_a_score_free_state_falls_back_to_v():
    # features equal for both actions in state 2: the score there is 0 for every action
    f = np.random.default_rng(5).normal(size=(3, 2, 2))
    f[2, 1] = f[2, 0]
    policy = pg.LinearSoftmax(f)
    mdp = pg.random_mdp(3, 2, 3, seed=4)
    theta = np.array([0.3, -0.7])
    V, Q, _ = pg.value_tables(mdp, policy, theta)
    b = pg.optimal_baseline(policy, theta, Q)
    assert np.all(np.isfinite(b))
    np.testing.assert_allclose(b[:, 2], V[:, 2], atol=1e-12)


def test_joint_optimal_baseline_is_a_stationary_point_of_the_exact_trace():
    # finite differences of tr Cov(b) (computed with reinforce_gradient) vanish at b_joint,
    # and it beats the per-step b*, V and random tables
    mdp, policy, theta = _problem(0)
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    grad = pg.exact_gradient(mdp, policy, theta)
    b_joint = pg.joint_optimal_baseline(policy, theta, enum)
    fd = pg.finite_difference_gradient(lambda b: _trace(policy, theta, enum, grad, b), b_joint,
                                       eps=1e-4)
    assert np.abs(fd).max() < 1e-6
    best = _trace(policy, theta, enum, grad, b_joint)
    bases = pg.candidate_baselines(mdp, policy, theta)
    for b in bases.values():
        assert best <= _trace(policy, theta, enum, grad, b) + 1e-12
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert best < _trace(policy, theta, enum, grad, b_joint + 0.1 * rng.normal(size=(3, 3)))


def test_candidate_baselines_against_enumeration():
    mdp, policy, theta = _problem(1)
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    tr, p = enum.trajectories, enum.probs
    bases = pg.candidate_baselines(mdp, policy, theta)
    assert tuple(bases) == pg.BASELINE_NAMES
    assert bases["none"] is None
    assert np.isclose(bases["constant J"], p @ tr.returns())
    np.testing.assert_allclose(bases["mean G_t"], p @ tr.reward_to_go(), atol=1e-12)
    G = tr.reward_to_go()
    for t in range(tr.horizon):          # V_t(s) = E[G_t | s_t = s]
        for s in range(3):
            on = tr.states[:, t] == s
            if p[on].sum() > 1e-12:
                assert np.isclose(bases["V_t(s)"][t, s], p[on] @ G[on, t] / p[on].sum())
    Q = pg.value_tables(mdp, policy, theta).Q
    np.testing.assert_allclose(bases["b*_t(s)"], pg.optimal_baseline(policy, theta, Q))


def test_every_candidate_keeps_the_estimator_unbiased():
    mdp, policy, theta = _problem(2)
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    grad = pg.exact_gradient(mdp, policy, theta)
    for b in list(pg.candidate_baselines(mdp, policy, theta).values()) + [
            pg.joint_optimal_baseline(policy, theta, enum)]:
        g = pg.reinforce_gradient(policy, theta, enum.trajectories, kind="reward_to_go",
                                  baseline=b, per_trajectory=True)
        np.testing.assert_allclose(np.tensordot(enum.probs, g, axes=1), grad, atol=1e-10)


def test_bad_input():
    mdp, policy, theta = _problem(0)
    Q = pg.value_tables(mdp, policy, theta).Q
    with pytest.raises(ValueError, match="Q must have shape"):
        pg.optimal_baseline(policy, theta, Q[:, :2])
    with pytest.raises(ValueError, match="Q must be finite"):
        pg.optimal_baseline(policy, theta, np.full_like(Q, np.nan))
    with pytest.raises(ValueError, match="theta"):
        pg.optimal_baseline(policy, theta[:2], Q)
    with pytest.raises(ValueError, match="policy"):
        pg.optimal_baseline("tabular", theta, Q)
    with pytest.raises(ValueError, match="enumeration"):
        pg.joint_optimal_baseline(policy, theta, pg.sample_trajectories(mdp, policy, theta, 5, 0))
    with pytest.raises(ValueError, match="mdp"):
        pg.candidate_baselines("mdp", policy, theta)
