"""Softmax bandits and the discounted natural policy gradient (§4.8), against the core's exact
gradient on equivalent FiniteMDPs, finite differences, pseudo-inverses and long horizons."""

import numpy as np
import pytest

import pgtools as pg
from pgtools.bandits import softmax_bandit_ascent, softmax_bandit_gradient
from pgtools.discounted import (
    discounted_fisher,
    discounted_gradient,
    discounted_optimal_values,
    discounted_values,
    discounted_visitation,
    npg_discounted,
)
from pgtools.natural import natural_gradient


def bandit_mdp(r):
    K = len(r)
    return pg.FiniteMDP(np.ones((1, K, 1)), np.asarray(r, float)[None], [1.0], 1)


def entropy_objective(r, th, tau):
    p = np.exp(th - th.max())
    p /= p.sum()
    return float(p @ (r - tau * np.log(p)))


R3 = np.array([1.0, 0.9, 0.1])


def test_bandit_gradient_matches_core():
    th = np.array([0.3, -1.2, 0.5])
    mdp, pol = bandit_mdp(R3), pg.TabularSoftmax(1, 3)
    assert np.allclose(softmax_bandit_gradient(R3, th), pg.exact_gradient(mdp, pol, th[None])[0])
    assert np.allclose(softmax_bandit_gradient(R3, th, method="npg"),
                       natural_gradient(mdp, pol, th[None])[0], atol=1e-10)


@pytest.mark.parametrize("tau", [0.0, 0.1, 1.0])
def test_entropy_gradient_finite_differences(tau):
    th = np.array([0.3, -1.2, 0.5])
    fd = pg.finite_difference_gradient(lambda x: entropy_objective(R3, x, tau), th, eps=1e-6)
    g = softmax_bandit_gradient(R3, th, tau=tau)
    assert np.allclose(g, fd, atol=1e-9)
    p = np.exp(th - th.max())
    p /= p.sum()
    F = np.diag(p) - np.outer(p, p)
    x = softmax_bandit_gradient(R3, th, tau=tau, method="npg")
    assert np.allclose(x, np.linalg.pinv(F) @ g, atol=1e-8)


def test_bandit_batch_equals_single_runs():
    starts = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    both = softmax_bandit_ascent(R3, 0.4, 50, theta0=starts, tau=0.05, method="pg")
    for b in range(2):
        one = softmax_bandit_ascent(R3, 0.4, 50, theta0=starts[b], tau=0.05)
        assert np.allclose(both.gaps[b], one.gaps) and np.allclose(both.theta[b], one.theta)


@pytest.mark.parametrize("r", [(1.0, 0.9, 0.1), (1.0, 0.8, 0.6, 0.4, 0.2), (1.0, 0.0)])
def test_pg_rate_constant(r):
    """t (r* - pi_t r) -> (K - 1) / (K eta), from above (the derivation of §4.8)."""
    r = np.array(r)
    K, eta = r.size, 0.4
    run = softmax_bandit_ascent(r, eta, 20_000)
    t = np.array([2_000, 20_000])
    c = t * run.gaps[t]
    limit = (K - 1) / (K * eta)
    assert np.all(c > limit) and c[1] < c[0] and c[1] - limit < 0.05
    assert np.all(np.diff(run.gaps) < 0)
    # the manual loop, with the gradient of the core (Eq. (4.3)) on the bandit MDP
    mdp, pol, th = bandit_mdp(r), pg.TabularSoftmax(1, K), np.zeros((1, K))
    for _ in range(100):
        th = th + eta * pg.exact_gradient(mdp, pol, th)
    assert r.max() - pg.exact_objective(mdp, pol, th) == pytest.approx(run.gaps[100], rel=1e-9)


def test_npg_and_entropy_linear_rates():
    bad = np.array([0.0, 0.0, 8.0])       # almost all mass on the worst arm
    npg = softmax_bandit_ascent(R3, 0.4, 200, theta0=bad, method="npg")
    # theta_t = theta_0 + 0.4 t (r - mean r): pi_t closed form
    th = bad + 0.4 * 200 * (R3 - R3.mean())
    p = np.exp(th - th.max())
    p /= p.sum()
    assert npg.gaps[-1] == pytest.approx(1.0 - p @ R3, rel=1e-9)
    tau = 0.2
    reg = softmax_bandit_ascent(R3, 0.4, 10_000, tau=tau)
    target = np.exp(R3 / tau) / np.exp(R3 / tau).sum()
    p = np.exp(reg.theta - reg.theta.max())
    assert np.allclose(p / p.sum(), target, atol=1e-4)
    # linear: the regularised gap falls by a constant factor per step
    g = reg.regularised_gaps
    assert g[10_000] < 1e-4 * g[3000] and g[3000] < 0.1 * g[1000] and np.all(g >= -1e-15)


def test_bandit_validation():
    for fn, name in [
        (lambda: softmax_bandit_ascent([1.0], 0.4, 10), "r"),
        (lambda: softmax_bandit_ascent(R3, 0.0, 10), "eta"),
        (lambda: softmax_bandit_ascent(R3, 0.4, -1), "steps"),
        (lambda: softmax_bandit_ascent(R3, 0.4, 10, theta0=np.zeros(2)), "theta0"),
        (lambda: softmax_bandit_ascent(R3, 0.4, 10, tau=-1.0), "tau"),
        (lambda: softmax_bandit_ascent(R3, 0.4, 10, method="adam"), "method"),
        (lambda: softmax_bandit_gradient(R3, np.zeros(4)), "theta"),
    ]:
        with pytest.raises(ValueError, match=name):
            fn()


# ------------------------------------------------------------------ discounted
def long_mdp(seed, gamma=0.9, S=5, A=3):
    return pg.random_mdp(S, A, 400, seed, gamma=gamma)       # gamma^400 < 1e-18


def test_discounted_values_long_horizon():
    mdp = long_mdp(0)
    pol = pg.TabularSoftmax(5, 3)
    th = np.random.default_rng(1).normal(size=(5, 3))
    dv = discounted_values(mdp, pol, th)
    vt = pg.value_tables(mdp, pol, th)
    assert np.allclose(dv.V, vt.V[0]) and np.allclose(dv.Q, vt.Q[0]) and np.allclose(dv.A, vt.A[0])
    d = discounted_visitation(mdp, pol, th)
    marg = pg.state_action_marginals(mdp, pol, th).sum(axis=2)
    assert d.sum() == pytest.approx(1.0)
    assert np.allclose(d, 0.1 * (0.9 ** np.arange(400)) @ marg)
    assert np.allclose(discounted_gradient(mdp, pol, th), pg.exact_gradient(mdp, pol, th))
    V_star, act = discounted_optimal_values(mdp)
    opt = pg.optimal_values(mdp)
    assert np.allclose(V_star, opt.V[0]) and np.array_equal(act, opt.policy[0])


@pytest.mark.parametrize("kind", ["tabular", "linear"])
def test_discounted_gradient_finite_differences(kind, make_policy):
    mdp = long_mdp(2, S=3, A=2)
    pol, th = make_policy(kind, 3, 2, 3)
    J = lambda x: float(mdp.mu0 @ discounted_values(mdp, pol, x).V)
    fd = pg.finite_difference_gradient(J, th, eps=1e-6)
    assert np.allclose(discounted_gradient(mdp, pol, th), fd, atol=1e-8)


def test_agarwal_fisher_gives_advantages():
    """F_rho^+ grad V = A / (1 - gamma) minus its mean over actions (tabular softmax)."""
    mdp = long_mdp(4)
    pol = pg.TabularSoftmax(5, 3)
    th = np.random.default_rng(5).normal(size=(5, 3))
    F = discounted_fisher(mdp, pol, th)
    d = discounted_visitation(mdp, pol, th)
    pi = pol.probs(th)
    psi = pol.score_table(th).reshape(15, -1)
    assert np.allclose(F, (psi.T * (d[:, None] * pi).ravel()) @ psi)
    x = np.linalg.pinv(F, rcond=1e-10, hermitian=True) @ discounted_gradient(mdp, pol, th).ravel()
    A = discounted_values(mdp, pol, th).A / (1 - 0.9)
    assert np.allclose(x.reshape(5, 3), A - A.mean(axis=1, keepdims=True), atol=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_npg_discounted_bound(seed):
    mdp = long_mdp(seed)
    gamma = 0.9
    eta = (1 - gamma) ** 2 * np.log(3)
    run = npg_discounted(mdp, eta, 200)
    T = np.arange(1, 201)
    gap = run.optimal - run.values[1:]
    assert np.all(gap >= -1e-12)
    assert np.all(gap <= np.log(3) / (eta * T) + 1 / ((1 - gamma) ** 2 * T))
    # one step is the multiplicative-weights update with A / (1 - gamma)
    pol = pg.TabularSoftmax(5, 3)
    one = npg_discounted(mdp, 0.3, 1)
    A = discounted_values(mdp, pol, np.zeros((5, 3))).A
    assert np.allclose(pol.probs(one.theta), pol.probs(0.3 * A / (1 - gamma)))


def test_discounted_validation():
    mdp1 = pg.random_mdp(2, 2, 3, 0, gamma=1.0)
    pol = pg.TabularSoftmax(2, 2)
    with pytest.raises(ValueError, match="gamma"):
        discounted_values(mdp1, pol, np.zeros((2, 2)))
    mdp = pg.random_mdp(2, 2, 3, 0, gamma=0.5)
    with pytest.raises(ValueError, match="eta"):
        npg_discounted(mdp, -1.0, 3)
    with pytest.raises(ValueError, match="theta0"):
        npg_discounted(mdp, 1.0, 3, theta0=np.zeros(3))
    with pytest.raises(ValueError, match="theta"):
        discounted_gradient(mdp, pol, np.zeros(3))


@pytest.mark.parametrize(("method", "tau"), [("pg", 0.0), ("npg", 0.0), ("pg", 0.2),
                                             ("npg", 0.3)])
def test_bandit_single_start_path_equals_batch_path(method, tau):
    th0 = np.array([0.5, -1.0, 2.0, 0.0])
    r = np.array([0.3, 1.0, 0.1, 0.7])
    one = softmax_bandit_ascent(r, 0.4, 300, theta0=th0, tau=tau, method=method)
    batch = softmax_bandit_ascent(r, 0.4, 300, theta0=th0[None], tau=tau, method=method)
    assert np.allclose(one.gaps, batch.gaps[0], rtol=1e-10, atol=1e-13)
    assert np.allclose(one.regularised_gaps, batch.regularised_gaps[0], rtol=1e-10,
                       atol=1e-13)
    assert np.allclose(one.theta, batch.theta[0], rtol=1e-10, atol=1e-12)
