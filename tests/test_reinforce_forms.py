"""The forms of Eq. (4.3) and §4.3's helpers, against independent references.

References: finite differences of ``exact_objective`` (dynamic programming) and of
``policy.log_probs``, sums over the enumeration of every trajectory, closed forms, and
statistical bounds (4-5 standard errors) that a wrong formula violates.
"""

import numpy as np
import pytest

import pgtools as pg


@pytest.fixture(scope="module", params=["tabular", "linear"])
def problem(request):
    mdp = pg.random_mdp(3, 2, 4, 17, rewards="normal")
    if request.param == "tabular":
        policy = pg.TabularSoftmax(3, 2)
    else:
        policy = pg.LinearSoftmax(np.random.default_rng(2).normal(size=(3, 2, 3)))
    theta = np.random.default_rng(3).normal(size=policy.theta_shape)
    return mdp, policy, theta


def fd_gradient(mdp, policy, theta):
    return pg.finite_difference_gradient(lambda th: pg.exact_objective(mdp, policy, th), theta)


def enumerated_mean(mdp, policy, theta, **kw):
    en = pg.enumerate_trajectories(mdp, policy, theta)
    per = pg.reinforce_gradient(policy, theta, en.trajectories, gamma=mdp.gamma,
                                per_trajectory=True, **kw)
    return np.tensordot(en.probs, per, axes=1), per, en


@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("kind", ["return", "reward_to_go", "q"])
def test_every_form_is_exact_in_expectation(problem, gamma, kind):
    """sum_tau rho(tau) estimate(tau) equals the finite-difference gradient of J_gamma."""
    mdp, policy, theta = problem
    mdp = mdp.replace(gamma=gamma)
    Q = pg.value_tables(mdp, policy, theta).Q if kind == "q" else None
    mean, _, _ = enumerated_mean(mdp, policy, theta, kind=kind, Q=Q)
    np.testing.assert_allclose(mean, fd_gradient(mdp, policy, theta), atol=1e-7)


def test_q_form_with_value_baseline_is_exact_in_expectation(problem):
    mdp, policy, theta = problem
    mdp = mdp.replace(gamma=0.9)
    vt = pg.value_tables(mdp, policy, theta)
    mean, _, _ = enumerated_mean(mdp, policy, theta, kind="q", Q=vt.Q, baseline=vt.V)
    np.testing.assert_allclose(mean, fd_gradient(mdp, policy, theta), atol=1e-7)


def test_q_form_with_v_in_place_of_q_has_mean_zero(problem):
    """Q replaced by V_t(s_t) (a baseline alone) carries no gradient: a wrong form is caught."""
    mdp, policy, theta = problem
    vt = pg.value_tables(mdp, policy, theta)
    Vq = np.broadcast_to(vt.V[:, :, None], vt.Q.shape)
    mean, _, _ = enumerated_mean(mdp, policy, theta, kind="q", Q=Vq)
    assert np.abs(mean).max() < 1e-12
    assert np.abs(fd_gradient(mdp, policy, theta)).max() > 1e-2


def test_q_form_lowers_the_variance_of_each_step_term(problem):
    """Rao-Blackwell per step t: tr Cov(score_t Q_t) <= tr Cov(score_t G_t), by enumeration."""
    mdp, policy, theta = problem
    Q = pg.value_tables(mdp, policy, theta).Q
    en = pg.enumerate_trajectories(mdp, policy, theta)
    tr = en.trajectories
    H = mdp.horizon
    G = tr.reward_to_go()
    Qsa = Q[np.arange(H)[None, :], tr.states, tr.actions]
    for t in range(H):
        onehot = np.zeros((tr.n, H))
        terms = []
        for c in (G, Qsa):
            onehot[:, :] = 0.0
            onehot[:, t] = c[:, t]
            x = pg.score_weighted_sum(policy, theta, tr, onehot, per_trajectory=True)
            x = x.reshape(tr.n, -1)
            m = en.probs @ x
            terms.append(float(en.probs @ ((x - m) ** 2).sum(1)))
        assert terms[1] <= terms[0] + 1e-12, (t, terms)


def test_score_weighted_sum_matches_finite_differences_of_log_probs(problem):
    """d/dtheta sum_t c_t log pi(a_t|s_t), by finite differences of policy.log_probs."""
    mdp, policy, theta = problem
    tr = pg.sample_trajectories(mdp, policy, theta, 7, np.random.default_rng(0))
    coef = np.random.default_rng(1).normal(size=(tr.n, tr.horizon))
    per = pg.score_weighted_sum(policy, theta, tr, coef, per_trajectory=True)
    for i in range(tr.n):
        def f(th, i=i):
            return float((coef[i] * policy.log_probs(th)[tr.states[i], tr.actions[i]]).sum())
        np.testing.assert_allclose(per[i], pg.finite_difference_gradient(f, theta), atol=1e-7)
    np.testing.assert_allclose(pg.score_weighted_sum(policy, theta, tr, coef),
                               per.mean(axis=0), atol=1e-12)


def test_reinforce_forms_are_score_weighted_sums(problem):
    """The three kinds are score_weighted_sum with c = R, gamma^t G_t, gamma^t Q_t (by hand)."""
    mdp, policy, theta = problem
    g = 0.8
    mdp = mdp.replace(gamma=g)
    tr = pg.sample_trajectories(mdp, policy, theta, 50, np.random.default_rng(4))
    Q = pg.value_tables(mdp, policy, theta).Q
    H = tr.horizon
    R = np.array([sum(g**t * tr.rewards[i, t] for t in range(H)) for i in range(tr.n)])
    G = np.array([[sum(g ** (u - t) * tr.rewards[i, u] for u in range(t, H)) for t in range(H)]
                  for i in range(tr.n)])
    disc = g ** np.arange(H)
    Qsa = np.array([[Q[t, tr.states[i, t], tr.actions[i, t]] for t in range(H)]
                    for i in range(tr.n)])
    coefs = {"return": np.repeat(R[:, None], H, axis=1), "reward_to_go": disc * G,
             "q": disc * Qsa}
    for kind, c in coefs.items():
        got = pg.reinforce_gradient(policy, theta, tr, kind, gamma=g, per_trajectory=True,
                                    Q=Q if kind == "q" else None)
        want = pg.score_weighted_sum(policy, theta, tr, c, per_trajectory=True)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_q_form_sampled_is_unbiased_within_4_se(problem):
    mdp, policy, theta = problem
    Q = pg.value_tables(mdp, policy, theta).Q
    tr = pg.sample_trajectories(mdp, policy, theta, 20_000, np.random.default_rng(5))
    per = pg.reinforce_gradient(policy, theta, tr, "q", Q=Q, per_trajectory=True)
    m, se = pg.mean_and_se(per)
    assert np.all(np.abs(m - fd_gradient(mdp, policy, theta)) <= 4 * se + 1e-12)


@pytest.mark.parametrize("bad, match", [
    ({"kind": "q"}, "Q"),
    ({"kind": "reward_to_go", "Q": np.zeros((4, 3, 2))}, "Q"),
    ({"kind": "q", "Q": np.zeros((4, 3))}, "Q must have shape"),
    ({"kind": "q", "Q": np.full((4, 3, 2), np.nan)}, "Q must be finite"),
    ({"kind": "Q"}, "kind must be one of"),
])
def test_reinforce_gradient_rejects_bad_q_input(problem, bad, match):
    mdp, policy, theta = problem
    tr = pg.sample_trajectories(mdp, policy, theta, 3, 0)
    with pytest.raises(ValueError, match=match):
        pg.reinforce_gradient(policy, theta, tr, **bad)


@pytest.mark.parametrize("coef, match", [
    (np.zeros((3, 5)), "coef must have shape"),
    (np.zeros(4), "coef must have shape"),
    (np.full((3, 4), np.inf), "coef must be finite"),
    ("abc", "coef must be a numeric array"),
])
def test_score_weighted_sum_rejects_bad_coef(problem, coef, match):
    mdp, policy, theta = problem
    tr = pg.sample_trajectories(mdp, policy, theta, 3, 0)
    with pytest.raises(ValueError, match=match):
        pg.score_weighted_sum(policy, theta, tr, coef)


def test_mean_and_se_closed_form():
    x = np.array([[1.0, 0.0], [2.0, 0.0], [6.0, 3.0]])
    m, se = pg.mean_and_se(x)
    np.testing.assert_allclose(m, [3.0, 1.0])
    # sample variances: (4 + 1 + 9) / 2 = 7 and (1 + 1 + 4) / 2 = 3
    np.testing.assert_allclose(se, np.sqrt([7.0 / 3, 3.0 / 3]))


def test_mean_and_se_covers_the_mean_95_percent_of_the_time():
    """|mean - mu| <= 1.96 SE in about 95% of 2000 repetitions (binomial 5-SE window)."""
    rng = np.random.default_rng(6)
    x = rng.exponential(2.0, size=(2000, 200)).T           # 2000 repetitions of n = 200
    m, se = pg.mean_and_se(x)
    cover = np.mean(np.abs(m - 2.0) <= 1.96 * se)
    assert abs(cover - 0.95) <= 5 * np.sqrt(0.95 * 0.05 / 2000), cover


@pytest.mark.parametrize("bad, match", [
    (np.array([1.0]), "at least 2 rows"),
    (np.float64(3.0), "at least 2 rows"),
    (np.array([1.0, np.nan]), "samples must be finite"),
])
def test_mean_and_se_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        pg.mean_and_se(bad)


@pytest.fixture(scope="module")
def enumeration():
    mdp = pg.random_mdp(2, 2, 3, 8, rewards="normal")
    policy = pg.TabularSoftmax(2, 2)
    return pg.enumerate_trajectories(mdp, policy, np.zeros((2, 2)))


def test_sample_from_enumeration_frequencies(enumeration):
    """Each row's frequency lies within 5 binomial SE of its probability; zeros never drawn."""
    tr, p = enumeration.trajectories, enumeration.probs.copy()
    p[:3] = 0.0
    p /= p.sum()
    n = 40_000
    draws = pg.sample_from_enumeration(tr, p, n, np.random.default_rng(9))
    key = lambda t: np.concatenate([t.states, t.actions], axis=1)
    rows = {row.tobytes(): k for k, row in enumerate(key(tr))}
    idx = np.array([rows[row.tobytes()] for row in key(draws)])
    freq = np.bincount(idx, minlength=tr.n) / n
    assert np.all(freq[:3] == 0)
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12)
    m, se = pg.mean_and_se(draws.returns())
    assert abs(m - p @ tr.returns()) <= 4 * se


@pytest.mark.parametrize("probs, match", [
    ("short", "probs must have shape"),
    ("negative", "negative"),
    ("unnormalised", "probability distribution"),
    ("nan", "probs must be finite"),
])
def test_sample_from_enumeration_rejects_non_distributions(enumeration, probs, match):
    p = enumeration.probs
    bad = {"short": p[:-1], "negative": np.where(np.arange(p.size) == 0, -0.1, p + 0.1 / (p.size - 1)),
           "unnormalised": 2 * p, "nan": np.where(np.arange(p.size) == 0, np.nan, p)}[probs]
    with pytest.raises(ValueError, match=match):
        pg.sample_from_enumeration(enumeration.trajectories, bad, 5, 0)


def test_sample_from_enumeration_rejects_bad_arguments(enumeration):
    tr, p = enumeration.trajectories, enumeration.probs
    with pytest.raises(ValueError, match="n must be an integer"):
        pg.sample_from_enumeration(tr, p, 0, 0)
    with pytest.raises(ValueError, match="rng must be"):
        pg.sample_from_enumeration(tr, p, 3, "seed")
    with pytest.raises(ValueError, match="trajectories must be a pgtools.Trajectories"):
        pg.sample_from_enumeration(tr.states, p, 3, 0)
