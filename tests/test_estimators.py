"""Monte Carlo estimators (§4.3, §4.4): unbiasedness within 4 standard errors of exact values."""

import numpy as np
import pytest

import pgtools as pg


def within_4se(samples, target):
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    assert np.all(np.abs(mean - target) <= 4 * se + 1e-10), (mean, target, se)


@pytest.fixture(scope="module")
def setting():
    mdp = pg.random_mdp(3, 2, 4, 21, rewards="normal")
    phi = np.random.default_rng(0).normal(size=(3, 2, 3))
    return mdp, phi


def make(setting, kind, gamma):
    mdp, phi = setting
    mdp = mdp.replace(gamma=gamma)
    policy = pg.TabularSoftmax(3, 2) if kind == "tabular" else pg.LinearSoftmax(phi)
    theta = np.random.default_rng(1).normal(size=policy.theta_shape)
    return mdp, policy, theta


def baselines(mdp, policy, theta):
    V = pg.value_tables(mdp, policy, theta).V
    return {"none": None, "constant": 2.5, "per_step": V.mean(axis=1) + 1.0, "value": V}


@pytest.mark.parametrize("policy_kind", ["tabular", "linear"])
@pytest.mark.parametrize("gamma", [1.0, 0.8])
@pytest.mark.parametrize("kind", ["return", "reward_to_go"])
@pytest.mark.parametrize("baseline", ["none", "constant", "per_step", "value"])
def test_reinforce_is_unbiased(setting, policy_kind, gamma, kind, baseline):
    mdp, policy, theta = make(setting, policy_kind, gamma)
    b = baselines(mdp, policy, theta)[baseline]
    tr = pg.sample_trajectories(mdp, policy, theta, 20_000, np.random.default_rng(42))
    per = pg.reinforce_gradient(policy, theta, tr, kind=kind, baseline=b, gamma=gamma,
                                per_trajectory=True)
    assert per.shape == (20_000,) + policy.theta_shape
    within_4se(per, pg.exact_gradient(mdp, policy, theta))
    mean = pg.reinforce_gradient(policy, theta, tr, kind=kind, baseline=b, gamma=gamma)
    np.testing.assert_allclose(mean, per.mean(axis=0), atol=1e-12)


@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_reward_to_go_and_baselines_leave_mean_unchanged(setting, gamma):
    """Paired differences (same trajectories) between variants have mean zero (4 SE)."""
    mdp, policy, theta = make(setting, "tabular", gamma)
    tr = pg.sample_trajectories(mdp, policy, theta, 20_000, 7)
    plain = pg.reinforce_gradient(policy, theta, tr, gamma=gamma, per_trajectory=True)
    for kind in ("return", "reward_to_go"):
        for b in baselines(mdp, policy, theta).values():
            other = pg.reinforce_gradient(policy, theta, tr, kind=kind, baseline=b, gamma=gamma,
                                          per_trajectory=True)
            within_4se(other - plain, 0.0)


def test_value_baseline_reduces_variance(setting):
    mdp, policy, theta = make(setting, "tabular", 1.0)
    tr = pg.sample_trajectories(mdp, policy, theta, 5000, 3)
    V = pg.value_tables(mdp, policy, theta).V
    plain = pg.reinforce_gradient(policy, theta, tr, per_trajectory=True)
    best = pg.reinforce_gradient(policy, theta, tr, "reward_to_go", V, per_trajectory=True)
    assert best.var(axis=0).sum() < plain.var(axis=0).sum()


def test_reinforce_matches_naive_loop(setting):
    """Against a direct transcription of the formulas with policy.score, trajectory by trajectory."""
    mdp, policy, theta = make(setting, "linear", 0.9)
    tr = pg.sample_trajectories(mdp, policy, theta, 30, 0)
    b = np.random.default_rng(0).normal(size=(4, 3))
    H = tr.horizon
    for kind in ("return", "reward_to_go"):
        expected = []
        for i in range(tr.n):
            s, a, r = tr.states[i], tr.actions[i], tr.rewards[i]
            R = sum(0.9**t * r[t] for t in range(H))
            total = np.zeros(policy.theta_shape)
            for t in range(H):
                G = sum(0.9 ** (u - t) * r[u] for u in range(t, H))
                coef = R - b[t, s[t]] if kind == "return" else 0.9**t * (G - b[t, s[t]])
                total += policy.score(theta, s[t], a[t]) * coef
            expected.append(total)
        got = pg.reinforce_gradient(policy, theta, tr, kind, b, 0.9, per_trajectory=True)
        np.testing.assert_allclose(got, np.array(expected), atol=1e-12)


def test_importance_weighting_is_unbiased_for_objective_and_gradient(setting):
    mdp, policy, theta = make(setting, "linear", 1.0)
    behaviour = theta + np.array([0.3, -0.4, 0.2])
    tr = pg.sample_trajectories(mdp, policy, behaviour, 40_000, 11)
    res = pg.importance_weighted_objective(policy, theta, behaviour, tr)
    wR = res.weights * tr.returns()
    assert res.estimate == pytest.approx(wR.mean())
    within_4se(wR[:, None], np.array([pg.exact_objective(mdp, policy, theta)]))
    assert 1.0 <= res.ess < tr.n
    # per-trajectory w_i grad log rho(tau_i) R(tau_i)
    scores = policy.score(theta, tr.states, tr.actions).sum(axis=1)
    per = res.weights[:, None] * scores * tr.returns()[:, None]
    within_4se(per, pg.exact_gradient(mdp, policy, theta))
    g = pg.importance_weighted_gradient(policy, theta, behaviour, tr)
    np.testing.assert_allclose(g, per.mean(axis=0), atol=1e-10)
    # weights are the ratio of trajectory likelihoods (dynamics cancel)
    logw = (pg.trajectory_log_likelihood(mdp, policy, theta, tr[:5])
            - pg.trajectory_log_likelihood(mdp, policy, behaviour, tr[:5]))
    np.testing.assert_allclose(res.weights[:5], np.exp(logw), rtol=1e-10)


def test_importance_weighting_on_policy(setting):
    mdp, policy, theta = make(setting, "tabular", 0.8)
    tr = pg.sample_trajectories(mdp, policy, theta, 500, 0)
    res = pg.importance_weighted_objective(policy, theta, theta, tr, gamma=0.8)
    assert res.ess == pytest.approx(500)
    np.testing.assert_allclose(res.weights, 1.0)
    assert res.estimate == pytest.approx(tr.returns(0.8).mean())
    np.testing.assert_allclose(pg.importance_weighted_gradient(policy, theta, theta, tr, 0.8),
                               pg.reinforce_gradient(policy, theta, tr, gamma=0.8), atol=1e-12)
    sn = pg.importance_weighted_objective(policy, theta, theta, tr, 0.8, self_normalised=True)
    assert sn.estimate == pytest.approx(res.estimate)


def test_importance_weighting_with_other_behaviour_policy(setting):
    mdp, policy, theta = make(setting, "linear", 1.0)
    uniform = pg.TabularSoftmax(3, 2)
    tr = pg.sample_trajectories(mdp, uniform, uniform.init_params(), 40_000, 5)
    res = pg.importance_weighted_objective(policy, theta, uniform.init_params(), tr,
                                           behaviour_policy=uniform)
    within_4se((res.weights * tr.returns())[:, None],
               np.array([pg.exact_objective(mdp, policy, theta)]))
    sn = pg.importance_weighted_objective(policy, theta, uniform.init_params(), tr,
                                          behaviour_policy=uniform, self_normalised=True)
    assert sn.estimate == pytest.approx(pg.exact_objective(mdp, policy, theta), abs=0.1)


def test_finite_difference_gradient_on_known_function():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    theta = np.array([[0.5, -1.0], [2.0, 0.0]])
    g = pg.finite_difference_gradient(lambda th: np.sum(th * (A @ th)), theta)
    np.testing.assert_allclose(g, (A + A.T) @ theta, rtol=1e-7)


def test_gradient_ascent_on_concave_quadratic():
    target = np.array([1.0, -2.0])
    res = pg.gradient_ascent(lambda th: target - th, np.zeros(2), 50, 0.2,
                             objective=lambda th: -np.sum((th - target) ** 2))
    assert res.thetas.shape == (51, 2) and res.objectives.shape == (51,)
    assert res.grad_norms.shape == (50,)
    np.testing.assert_allclose(res.thetas[-1], target, atol=1e-4)
    assert np.all(np.diff(res.objectives) >= 0)
    sched = pg.gradient_ascent(lambda th: target - th, np.zeros(2), 3, lambda k: 1.0 / (k + 1))
    assert sched.objectives is None
    np.testing.assert_allclose(sched.thetas[1], target)  # eta_0 = 1 jumps to the optimum


def test_exact_gradient_ascent_improves_gridworld():
    ex = pg.gridworld(horizon=12)
    policy = pg.LinearSoftmax(ex.features)
    res = pg.gradient_ascent(lambda th: pg.exact_gradient(ex.mdp, policy, th),
                             policy.init_params(), 30, 0.05,
                             objective=lambda th: pg.exact_objective(ex.mdp, policy, th))
    assert res.objectives[-1] > res.objectives[0] + 1.0
