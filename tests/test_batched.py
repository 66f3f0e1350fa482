"""Batches of theta in the core API (issue 9, §4): policies, exact J and grad J, REINFORCE, ascent.

Every batched result is compared with the unbatched core function applied to each theta[k], and
with an independent reference (finite differences, enumeration of all trajectories, a z-bound).
"""

import numpy as np
import pytest

import pgtools as pg

K = 3


def _policies(S=4, A=3, p=5, seed=0):
    feats = np.random.default_rng(seed).normal(size=(S, A, p))
    return [pg.TabularSoftmax(S, A), pg.LinearSoftmax(feats),
            pg.NeuralSoftmax(feats, hidden=(6,), seed=1)]


POLICIES = _policies()
IDS = ["tabular", "linear", "neural"]


def _thetas(policy, k=K, seed=1, scale=1.0):
    return scale * np.random.default_rng(seed).normal(size=(k,) + policy.theta_shape)


# ------------------------------------------------------------------------------ policies
@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_probs_logits_log_probs_batch_equal_loop(policy):
    th = _thetas(policy)
    for name in ("probs", "log_probs", "logits"):
        got = getattr(policy, name)(th)
        assert got.shape == (K, policy.n_states, policy.n_actions)
        want = np.stack([getattr(policy, name)(t) for t in th])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(policy.probs(th).sum(axis=-1), 1.0, atol=1e-12)


def test_tabular_probs_batch_is_a_row_softmax_by_hand():
    th = _thetas(POLICIES[0], scale=30.0)  # large logits: a naive exp would lose rows
    e = np.exp(th - th.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(POLICIES[0].probs(th), e / e.sum(axis=-1, keepdims=True),
                               rtol=1e-12)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_weighted_score_sum_batch_equal_loop(policy):
    th = _thetas(policy)
    rng = np.random.default_rng(2)
    for extra in ((), (5,)):
        w = rng.normal(size=(K,) + extra + (policy.n_states, policy.n_actions))
        got = policy.weighted_score_sum(th, w)
        assert got.shape == (K,) + extra + policy.theta_shape
        want = np.stack([policy.weighted_score_sum(t, wk) for t, wk in zip(th, w)])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_weighted_score_sum_batch_against_finite_differences(policy):
    th = _thetas(policy, k=2)
    w = np.random.default_rng(3).normal(size=(2, policy.n_states, policy.n_actions))
    got = policy.weighted_score_sum(th, w)
    for k in range(2):
        def f(t, k=k):
            return float((w[k] * policy.log_probs(t)).sum())
        fd = pg.finite_difference_gradient(f, th[k])
        np.testing.assert_allclose(got[k], fd, atol=1e-6)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_score_table_batch_against_finite_differences(policy):
    th = _thetas(policy, k=2)
    table = policy.score_table(th)
    assert table.shape == (2, policy.n_states, policy.n_actions) + policy.theta_shape
    for k in range(2):
        for s, a in [(0, 0), (policy.n_states - 1, policy.n_actions - 1)]:
            fd = pg.finite_difference_gradient(lambda t, s=s, a=a: policy.log_prob(t, s, a),
                                               th[k])
            np.testing.assert_allclose(table[k, s, a], fd, atol=1e-6)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_bad_batches_raise_value_error_naming_the_argument(policy):
    S, A = policy.n_states, policy.n_actions
    wrong = np.zeros((K,) + tuple(d + 1 for d in policy.theta_shape))
    with pytest.raises(ValueError, match="theta"):
        policy.probs(wrong)
    with pytest.raises(ValueError, match="theta"):
        policy.probs(np.zeros((0,) + policy.theta_shape))
    with pytest.raises(ValueError, match="theta"):
        policy.probs(np.full((K,) + policy.theta_shape, np.nan))
    th = _thetas(policy)
    with pytest.raises(ValueError, match="w must have shape"):
        policy.weighted_score_sum(th, np.zeros((K + 1, S, A)))
    with pytest.raises(ValueError, match="w must have shape"):
        policy.weighted_score_sum(th, np.zeros((S, A)))
    # per-pair functions take one theta only: a batch must not be silently misindexed
    with pytest.raises(ValueError, match="theta"):
        policy.log_prob(th, 0, 0)
    with pytest.raises(ValueError, match="theta"):
        policy.score(th, 0, 0)


# --------------------------------------------------------------------------------- exact
@pytest.fixture(scope="module")
def small_mdp():
    return pg.random_mdp(4, 3, 3, seed=5, gamma=0.9)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_exact_objective_and_gradient_batch_equal_loop(small_mdp, policy):
    th = _thetas(policy)
    J = pg.exact_objective(small_mdp, policy, th)
    G = pg.exact_gradient(small_mdp, policy, th)
    assert J.shape == (K,) and G.shape == (K,) + policy.theta_shape
    np.testing.assert_allclose(J, [pg.exact_objective(small_mdp, policy, t) for t in th],
                               rtol=1e-12)
    np.testing.assert_allclose(G, [pg.exact_gradient(small_mdp, policy, t) for t in th],
                               rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_exact_objective_batch_against_enumeration(small_mdp, policy):
    th = _thetas(policy)
    J = pg.exact_objective(small_mdp, policy, th)
    for k in range(K):
        enum = pg.enumerate_trajectories(small_mdp, policy, th[k])
        assert J[k] == pytest.approx(enum.probs @ enum.trajectories.returns(0.9), abs=1e-12)


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_exact_gradient_batch_against_finite_differences(small_mdp, policy):
    th = _thetas(policy, k=2)
    G = pg.exact_gradient(small_mdp, policy, th)
    for k in range(2):
        fd = pg.finite_difference_gradient(
            lambda t: pg.exact_objective(small_mdp, policy, t), th[k])
        np.testing.assert_allclose(G[k], fd, atol=1e-7)


def test_unbatched_exact_functions_reject_a_batch(small_mdp):
    pol = POLICIES[0]
    th = _thetas(pol)
    for fn in (pg.value_tables, pg.state_action_marginals, pg.enumerate_trajectories):
        with pytest.raises(ValueError, match="theta"):
            fn(small_mdp, pol, th)
    with pytest.raises(ValueError, match="theta"):
        pg.exact_objective(small_mdp, pol, np.zeros((K, 4, 4)))


# ----------------------------------------------------------------------------- REINFORCE
@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
@pytest.mark.parametrize("kind", ["return", "reward_to_go"])
@pytest.mark.parametrize("baseline", [None, 0.7, "leave_one_out"])
def test_reinforce_batch_equal_per_group_unbatched(small_mdp, policy, kind, baseline):
    th, m = _thetas(policy), 40
    tr = pg.sample_trajectories(small_mdp, policy, th, m, 7)
    got = pg.reinforce_gradient(policy, th, tr, kind=kind, baseline=baseline, gamma=0.9)
    per = pg.reinforce_gradient(policy, th, tr, kind=kind, baseline=baseline, gamma=0.9,
                                per_trajectory=True)
    assert got.shape == (K,) + policy.theta_shape
    assert per.shape == (K, m) + policy.theta_shape
    for k in range(K):
        rows = tr[k * m:(k + 1) * m]
        want = pg.reinforce_gradient(policy, th[k], rows, kind=kind, baseline=baseline,
                                     gamma=0.9)
        np.testing.assert_allclose(got[k], want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(per[k].mean(axis=0), want, rtol=1e-10, atol=1e-12)


def test_reinforce_batch_q_form_equal_per_group(small_mdp):
    pol = POLICIES[1]
    th, m = _thetas(pol), 30
    tr = pg.sample_trajectories(small_mdp, pol, th, m, 8)
    Q = np.stack([pg.value_tables(small_mdp, pol, t).Q for t in th])
    got = pg.reinforce_gradient(pol, th, tr, kind="q", Q=Q, gamma=0.9)
    for k in range(K):
        want = pg.reinforce_gradient(pol, th[k], tr[k * m:(k + 1) * m], kind="q", Q=Q[k],
                                     gamma=0.9)
        np.testing.assert_allclose(got[k], want, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="Q"):
        pg.reinforce_gradient(pol, th, tr, kind="q", Q=Q[0], gamma=0.9)


@pytest.mark.parametrize("kind", ["return", "reward_to_go"])
def test_leave_one_out_is_m_over_m_minus_1_times_batch_mean_baseline(small_mdp, kind):
    pol, m = POLICIES[1], 25
    th = _thetas(pol)[0]
    tr = pg.sample_trajectories(small_mdp, pol, th, m, 9)
    x = tr.returns(0.9) if kind == "return" else tr.reward_to_go(0.9)
    mean = np.broadcast_to(x.mean(axis=0), (small_mdp.horizon,))
    loo = pg.reinforce_gradient(pol, th, tr, kind=kind, baseline="leave_one_out", gamma=0.9)
    ref = pg.reinforce_gradient(pol, th, tr, kind=kind, baseline=mean, gamma=0.9)
    np.testing.assert_allclose(loo, m / (m - 1) * ref, rtol=1e-10, atol=1e-12)


def test_leave_one_out_by_hand_on_a_tabular_policy(small_mdp):
    """b_i = mean of the other returns; score e_{s,a} - pi(.|s) e_s summed by hand."""
    pol, m = POLICIES[0], 6
    th = _thetas(pol, k=2)
    tr = pg.sample_trajectories(small_mdp, pol, th, m, 10)
    got = pg.reinforce_gradient(pol, th, tr, baseline="leave_one_out")
    R = tr.returns()
    for k in range(2):
        pi, g = pol.probs(th[k]), np.zeros(pol.theta_shape)
        rows = range(k * m, (k + 1) * m)
        for i in rows:
            b = (sum(R[j] for j in rows) - R[i]) / (m - 1)
            for s, a in zip(tr.states[i], tr.actions[i]):
                g[s] -= (R[i] - b) * pi[s]
                g[s, a] += R[i] - b
        np.testing.assert_allclose(got[k], g / m, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["return", "reward_to_go"])
def test_reinforce_batch_expectation_by_enumeration_is_exact_gradient(small_mdp, kind):
    """sum_tau rho_k(tau) g_k(tau) = grad J(theta_k) exactly, for every k of the batch."""
    pol = POLICIES[1]
    th = _thetas(pol)
    enums = [pg.enumerate_trajectories(small_mdp, pol, t) for t in th]
    N = enums[0].probs.size
    tr = enums[0].trajectories
    rows = pg.Trajectories(np.tile(tr.states, (K, 1)), np.tile(tr.actions, (K, 1)),
                           np.tile(tr.rewards, (K, 1)))
    per = pg.reinforce_gradient(pol, th, rows, kind=kind, gamma=0.9, per_trajectory=True)
    assert per.shape == (K, N) + pol.theta_shape
    G = pg.exact_gradient(small_mdp, pol, th)
    for k in range(K):
        np.testing.assert_array_equal(enums[k].trajectories.states, tr.states)
        np.testing.assert_allclose(enums[k].probs @ per[k], G[k], atol=1e-12)


@pytest.mark.parametrize("baseline", [None, "leave_one_out"])
def test_reinforce_batch_mean_within_z_bound_of_exact_gradient(baseline):
    mdp = pg.random_mdp(4, 3, 4, seed=11)
    pol = POLICIES[0]
    th, m = _thetas(pol, seed=12), 6000
    tr = pg.sample_trajectories(mdp, pol, th, m, 13)
    per = pg.reinforce_gradient(pol, th, tr, kind="reward_to_go", baseline=baseline,
                                per_trajectory=True)
    mean = per.mean(axis=1)
    se = per.std(axis=1, ddof=1) / np.sqrt(m)
    G = pg.exact_gradient(mdp, pol, th)
    z = np.abs(mean - G) / np.maximum(se, 1e-12)
    assert z.max() <= 5.0
    # the same check fails for an estimate three times too large (it has power)
    assert (np.abs(3 * mean - G) / np.maximum(3 * se, 1e-12)).max() > 5.0


def test_reinforce_batch_bad_inputs(small_mdp):
    pol = POLICIES[0]
    th = _thetas(pol)
    tr = pg.sample_trajectories(small_mdp, pol, th, 4, 0)
    with pytest.raises(ValueError, match="multiple of K"):
        pg.reinforce_gradient(pol, th, tr[:-1])
    one = pg.sample_trajectories(small_mdp, pol, th, 1, 0)
    with pytest.raises(ValueError, match="leave_one_out"):
        pg.reinforce_gradient(pol, th, one, baseline="leave_one_out")
    with pytest.raises(ValueError, match="baseline"):
        pg.reinforce_gradient(pol, th, tr, baseline="leave-one-out")
    with pytest.raises(ValueError, match="theta"):
        pg.reinforce_gradient(pol, np.zeros((K, 4, 4)), tr)


# ----------------------------------------------------------------------------- ascent
def test_batched_ascent_exact_equals_gradient_ascent_per_run():
    mdp = pg.random_mdp(4, 3, 4, seed=3)
    pol = POLICIES[1]
    th0 = _thetas(pol, seed=4)
    etas = np.array([0.1, 0.5, 2.0])
    res = pg.batched_ascent(mdp, pol, th0, 25, etas)
    assert res.objectives.shape == (K, 26) and res.thetas.shape == (K,) + pol.theta_shape
    for k in range(K):
        ref = pg.gradient_ascent(lambda t: pg.exact_gradient(mdp, pol, t), th0[k], 25,
                                 etas[k], objective=lambda t: pg.exact_objective(mdp, pol, t))
        np.testing.assert_allclose(res.objectives[k], ref.objectives, rtol=1e-10)
        np.testing.assert_allclose(res.thetas[k], ref.thetas[-1], rtol=1e-9, atol=1e-12)
        G2 = [float((pg.exact_gradient(mdp, pol, t) ** 2).sum()) for t in ref.thetas]
        np.testing.assert_allclose(res.grad_sq_norms[k], G2, rtol=1e-9, atol=1e-15)


def test_batched_ascent_reinforce_step_is_the_batched_estimate():
    mdp = pg.random_mdp(4, 3, 4, seed=3)
    pol = POLICIES[0]
    th0 = _thetas(pol, seed=5)
    res = pg.batched_ascent(mdp, pol, th0, 1, 0.3, "reinforce", batch=7, rng=21,
                            kind="reward_to_go", baseline="leave_one_out")
    tr = pg.sample_trajectories(mdp, pol, th0, 7, np.random.default_rng(21))
    g = pg.reinforce_gradient(pol, th0, tr, kind="reward_to_go", baseline="leave_one_out")
    np.testing.assert_allclose(res.thetas, th0 + 0.3 * g, rtol=1e-12, atol=1e-14)
    again = pg.batched_ascent(mdp, pol, th0, 1, 0.3, "reinforce", batch=7, rng=21,
                              kind="reward_to_go", baseline="leave_one_out")
    np.testing.assert_array_equal(res.objectives, again.objectives)


def test_batched_ascent_reinforce_climbs_on_average():
    """16 runs of SGA from the uniform policy: mean J after 150 steps is above J(theta_0)."""
    mdp = pg.random_mdp(4, 3, 5, seed=0)
    pol = POLICIES[0]
    res = pg.batched_ascent(mdp, pol, pol.init_params(), 150, lambda t: 0.5 / np.sqrt(t + 1),
                            "reinforce", n_runs=16, batch=4, rng=0, record_grad_norms=False)
    assert res.grad_sq_norms is None
    gain = res.objectives[:, -1] - res.objectives[:, 0]
    assert gain.mean() > 5 * gain.std(ddof=1) / 4.0
    exact = pg.batched_ascent(mdp, pol, pol.init_params(), 150, lambda t: 0.5 / np.sqrt(t + 1))
    assert res.objectives[:, -1].mean() < exact.objectives[0, -1] + 0.05


def test_batched_ascent_bad_inputs():
    mdp = pg.random_mdp(4, 3, 4, seed=3)
    pol = POLICIES[0]
    th0 = pol.init_params()
    with pytest.raises(ValueError, match="gradient"):
        pg.batched_ascent(mdp, pol, th0, 2, 0.1, "reinforcee")
    with pytest.raises(ValueError, match="rng"):
        pg.batched_ascent(mdp, pol, th0, 2, 0.1, "reinforce")
    with pytest.raises(ValueError, match="step_size"):
        pg.batched_ascent(mdp, pol, th0, 2, -0.1)
    with pytest.raises(ValueError, match="step_size"):
        pg.batched_ascent(mdp, pol, th0, 2, [0.1, 0.2], n_runs=3)
    with pytest.raises(ValueError, match="step_size"):
        pg.batched_ascent(mdp, pol, th0, 2, lambda t: np.nan)
    with pytest.raises(ValueError, match="theta0"):
        pg.batched_ascent(mdp, pol, np.zeros((2, 4, 4)), 2, 0.1)
    with pytest.raises(ValueError, match="n_runs"):
        pg.batched_ascent(mdp, pol, np.zeros((2, 4, 3)), 2, 0.1, n_runs=3)
    with pytest.raises(ValueError, match="batch"):
        pg.batched_ascent(mdp, pol, th0, 2, 0.1, "reinforce", batch=0, rng=0)
