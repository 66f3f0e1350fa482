"""KL, Fisher, natural gradient, performance difference, TRPO/PPO surrogates (§4.7-§4.9).

Every function is compared with an independent reference: enumeration of all trajectories
(pg.enumerate_trajectories with pg.trajectory_log_likelihood), finite differences, closed forms
or a z-bound on Monte Carlo means.
"""

import numpy as np
import pytest
from conftest import POLICY_KINDS

import pgtools as pg
from pgtools.kl import (
    fit_gaussian,
    gaussian_mixture_kl,
    sampled_trajectory_kl,
    state_visitation,
    trajectory_kl,
)
from pgtools.natural import (
    conjugate_gradient,
    fisher_matrix,
    fisher_vector_product,
    natural_gradient,
    natural_step_size,
    sampled_fisher_matrix,
)
from pgtools.surrogate import (
    KINDS,
    improvement_lower_bound,
    performance_difference,
    sampled_surrogate_gradient,
    sampled_surrogate_objective,
    surrogate_gradient,
    surrogate_objective,
    trpo_step,
)


def setup(kind, make_policy, seed=0, gamma=1.0, S=3, A=2, H=3, scale=1.0):
    mdp = pg.random_mdp(S, A, H, seed, gamma=gamma, rewards="normal")
    policy, theta = make_policy(kind, S, A, seed, scale)
    other = theta + 0.7 * np.random.default_rng(seed + 100).normal(size=theta.shape)
    return mdp, policy, theta, other


def enum_kl(mdp, policy, theta, other):
    en = pg.enumerate_trajectories(mdp, policy, theta)
    lp = pg.trajectory_log_likelihood(mdp, policy, theta, en.trajectories)
    lq = pg.trajectory_log_likelihood(mdp, policy, other, en.trajectories)
    return float(en.probs @ (lp - lq))


def fd_hessian(f, x, h=1e-4):
    d = x.size
    out = np.empty((d, d))
    flat = x.ravel()
    for i in range(d):
        for j in range(d):
            ei, ej = np.eye(d)[i] * h, np.eye(d)[j] * h
            out[i, j] = (f(flat + ei + ej) - f(flat + ei - ej) - f(flat - ei + ej)
                         + f(flat - ei - ej)) / (4 * h * h)
    return out


# ------------------------------------------------------------------ trajectory KL
@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("gamma", [1.0, 0.7])
def test_trajectory_kl_matches_enumeration(kind, gamma, make_policy):
    mdp, policy, theta, other = setup(kind, make_policy, seed=1, gamma=gamma)
    assert trajectory_kl(mdp, policy, theta, other) == pytest.approx(
        enum_kl(mdp, policy, theta, other), rel=1e-10, abs=1e-13)
    assert trajectory_kl(mdp, policy, theta, theta) == pytest.approx(0.0, abs=1e-14)


def test_trajectory_kl_dynamics_cancel(make_policy):
    """The log-ratio of full likelihoods (with mu0 and P) is the sum of policy log-ratios, under
    two different kernels: the KLs differ only through the state distribution."""
    mdp, policy, theta, other = setup("tabular", make_policy, seed=2)
    mdp2 = pg.random_mdp(3, 2, 3, seed=99, rewards="normal")
    for m in (mdp, mdp2):
        en = pg.enumerate_trajectories(m, policy, theta)
        full = (pg.trajectory_log_likelihood(m, policy, theta, en.trajectories)
                - pg.trajectory_log_likelihood(m, policy, other, en.trajectories))
        short = sampled_trajectory_kl(policy, theta, other, en.trajectories, per_trajectory=True)
        assert np.allclose(full, short, rtol=1e-12, atol=1e-12)
    assert abs(trajectory_kl(mdp, policy, theta, other)
               - trajectory_kl(mdp2, policy, theta, other)) > 1e-3


def test_trajectory_kl_batch_and_asymmetry(make_policy):
    mdp, policy, theta, other = setup("linear", make_policy, seed=3)
    batch = np.stack([other, theta, 2 * other])
    got = trajectory_kl(mdp, policy, theta, batch)
    assert got.shape == (3,)
    want = [trajectory_kl(mdp, policy, theta, b) for b in batch]
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert abs(trajectory_kl(mdp, policy, theta, other)
               - trajectory_kl(mdp, policy, other, theta)) > 1e-4


def test_state_visitation_sums_to_horizon(make_policy):
    mdp, policy, theta, _ = setup("tabular", make_policy, seed=4, H=5)
    D = state_visitation(mdp, policy, theta)
    assert D.sum() == pytest.approx(5.0)
    en = pg.enumerate_trajectories(mdp, policy, theta)
    counts = np.stack([(en.trajectories.states == s).sum(1) for s in range(3)], 1)
    assert np.allclose(D, en.probs @ counts)


def test_sampled_trajectory_kl_z_bound(make_policy):
    mdp, policy, theta, other = setup("tabular", make_policy, seed=5, H=6)
    tr = pg.sample_trajectories(mdp, policy, theta, 4000, np.random.default_rng(0))
    per = sampled_trajectory_kl(policy, theta, other, tr, per_trajectory=True)
    mean, se = pg.mean_and_se(per)
    assert abs(mean - trajectory_kl(mdp, policy, theta, other)) < 4.5 * se
    assert sampled_trajectory_kl(policy, theta, other, tr) == pytest.approx(mean)


# ------------------------------------------------------------------ Gaussians
def _trap_kl(p, q, x):
    m = (p > 0) & (q > 0)
    return float(np.trapezoid(np.where(m, p * (np.log(np.where(m, p, 1))
                                               - np.log(np.where(m, q, 1))), 0.0), x))


def npdf(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))


MIX = ([1 / 3, 2 / 3], [-5.0, 2.0], [1.0, 1.0])


@pytest.mark.parametrize(("mu", "sigma"), [(2.0, 1.0), (0.0, 3.0), (-1 / 3, 3.448), (1.0, 0.5)])
def test_mixture_kl_matches_trapezoid(mu, sigma):
    x = np.linspace(-40, 40, 400_001)
    w, m, s = MIX
    q = w[0] * npdf(x, m[0], s[0]) + w[1] * npdf(x, m[1], s[1])
    p = npdf(x, mu, sigma)
    assert gaussian_mixture_kl(mu, sigma, *MIX, "p||q") == pytest.approx(_trap_kl(p, q, x),
                                                                         abs=1e-7)
    assert gaussian_mixture_kl(mu, sigma, *MIX, "q||p") == pytest.approx(_trap_kl(q, p, x),
                                                                         abs=1e-7)


@pytest.mark.parametrize("direction", ["p||q", "q||p"])
def test_single_component_closed_form(direction):
    mu1, s1, mu2, s2 = 0.3, 0.8, -1.1, 1.7
    closed = np.log(s2 / s1) + (s1 ** 2 + (mu1 - mu2) ** 2) / (2 * s2 ** 2) - 0.5
    if direction == "q||p":  # KL(N(mu2, s2) || N(mu1, s1))
        closed = np.log(s1 / s2) + (s2 ** 2 + (mu1 - mu2) ** 2) / (2 * s1 ** 2) - 0.5
    got = gaussian_mixture_kl(mu1, s1, [1.0], [mu2], [s2], direction)
    assert got == pytest.approx(closed, rel=1e-10)


def test_fit_gaussian_reference_mixture():
    fit = fit_gaussian(*MIX, "p||q", start=(1.0, 1.0))
    # an independent grid search of the trapezoid KL around the reported optimum
    x = np.linspace(-30, 30, 120_001)
    q = MIX[0][0] * npdf(x, -5, 1) + MIX[0][1] * npdf(x, 2, 1)
    mus, sigmas = np.linspace(1.99, 2.006, 17), np.linspace(0.995, 1.011, 17)
    grid = np.array([[_trap_kl(npdf(x, a, b), q, x) for b in sigmas] for a in mus])
    i, j = np.unravel_index(grid.argmin(), grid.shape)
    assert abs(fit.mu - mus[i]) <= 0.001 + 1e-12 and abs(fit.sigma - sigmas[j]) <= 0.001 + 1e-12
    assert round(fit.mu, 3) == 1.998 and round(fit.sigma, 3) == 1.003
    assert fit.kl == pytest.approx(grid.min(), abs=1e-6)
    assert abs(fit.kl - np.log(1.5)) < 1e-3
    other = fit_gaussian(*MIX, "p||q", start=(-4.0, 1.0))
    assert other.mu < -4.9 and other.kl > fit.kl + 0.5        # the other, worse local minimum
    mm = fit_gaussian(*MIX, "q||p")
    assert mm.mu == pytest.approx(-1 / 3) and mm.sigma == pytest.approx(np.sqrt(107 / 9))
    for dmu, ds in ((0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)):
        assert gaussian_mixture_kl(mm.mu + dmu, mm.sigma + ds, *MIX, "q||p") > mm.kl


# ------------------------------------------------------------------ Fisher, natural gradient
@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_fisher_matches_enumeration(kind, make_policy):
    mdp, policy, theta, _ = setup(kind, make_policy, seed=6)
    en = pg.enumerate_trajectories(mdp, policy, theta)
    g = policy.score(theta, en.trajectories.states, en.trajectories.actions).sum(axis=1)
    g = g.reshape(en.probs.size, -1)
    F = fisher_matrix(mdp, policy, theta)
    assert F.shape == (theta.size, theta.size)
    assert np.allclose(F, (g.T * en.probs) @ g, rtol=1e-10, atol=1e-12)
    assert np.array_equal(F, F.T)


@pytest.mark.parametrize("kind", ["tabular", "linear"])
def test_fisher_is_hessian_of_kl(kind, make_policy):
    mdp, policy, theta, _ = setup(kind, make_policy, seed=7)
    H = fd_hessian(lambda x: trajectory_kl(mdp, policy, theta, x.reshape(theta.shape)), theta)
    assert np.allclose(fisher_matrix(mdp, policy, theta), H, atol=1e-6)


def test_fisher_is_minus_expected_hessian(make_policy):
    """F = -E[hess log rho]: finite differences of the score, averaged by enumeration."""
    mdp, policy, theta, _ = setup("neural", make_policy, seed=8)
    en = pg.enumerate_trajectories(mdp, policy, theta)
    s, a = en.trajectories.states, en.trajectories.actions
    d, h = theta.size, 1e-5
    hess = np.zeros((d, d))
    for i in range(d):
        e = np.eye(d)[i].reshape(theta.shape) * h
        gp = policy.score(theta + e, s, a).sum(axis=1).reshape(len(en.probs), -1)
        gm = policy.score(theta - e, s, a).sum(axis=1).reshape(len(en.probs), -1)
        hess[:, i] = en.probs @ (gp - gm) / (2 * h)
    assert np.allclose(fisher_matrix(mdp, policy, theta), -hess, atol=1e-6)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_fisher_vector_product(kind, make_policy):
    mdp, policy, theta, _ = setup(kind, make_policy, seed=9)
    u = np.random.default_rng(0).normal(size=theta.shape)
    F = fisher_matrix(mdp, policy, theta)
    assert np.allclose(fisher_vector_product(mdp, policy, theta, u), (F @ u.ravel()).reshape(
        theta.shape), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_natural_gradient_pseudo_inverse(kind, make_policy):
    mdp, policy, theta, _ = setup(kind, make_policy, seed=10, gamma=0.9)
    F = fisher_matrix(mdp, policy, theta)
    g = pg.exact_gradient(mdp, policy, theta).ravel()
    x = natural_gradient(mdp, policy, theta)
    assert x.shape == theta.shape
    ref = np.linalg.lstsq(F, g, rcond=1e-10)[0]              # minimum-norm least squares
    assert np.allclose(x.ravel(), ref, rtol=1e-6, atol=1e-8)
    assert np.allclose(F @ x.ravel(), g, atol=1e-8)
    lam = 0.3
    xd = natural_gradient(mdp, policy, theta, damping=lam)
    assert np.allclose((F + lam * np.eye(F.shape[0])) @ xd.ravel(), g, atol=1e-10)


def test_natural_gradient_tabular_closed_form(make_policy):
    """F^+ grad J = Abar - mean_a Abar, Abar(s, a) = sum_t gamma^t d_t(s) A_t(s, a) / D(s)."""
    mdp, policy, theta, _ = setup("tabular", make_policy, seed=11, gamma=0.8, S=4, A=3, H=4)
    d = pg.state_action_marginals(mdp, policy, theta).sum(axis=2)   # P(s_t = s), (H, S)
    A = pg.value_tables(mdp, policy, theta).A
    disc = 0.8 ** np.arange(4)
    Abar = np.einsum("t,ts,tsa->sa", disc, d, A) / d.sum(axis=0)[:, None]
    closed = Abar - Abar.mean(axis=1, keepdims=True)
    assert np.allclose(natural_gradient(mdp, policy, theta), closed, rtol=1e-8, atol=1e-10)


def test_conjugate_gradient():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    F = M @ M.T + 0.1 * np.eye(6)
    b = rng.normal(size=6)
    x = conjugate_gradient(lambda u: F @ u, b, iters=50)
    assert np.allclose(F @ x, b, atol=1e-8)
    # singular PSD, b in the range: the minimum-norm solution
    B = rng.normal(size=(6, 3))
    F = B @ B.T
    b = F @ rng.normal(size=6)
    x = conjugate_gradient(lambda u: F @ u, b, iters=50)
    assert np.allclose(x, np.linalg.pinv(F) @ b, atol=1e-8)


def test_natural_step_size_hits_delta(make_policy):
    mdp, policy, theta, _ = setup("tabular", make_policy, seed=12)
    g = pg.exact_gradient(mdp, policy, theta)
    x = natural_gradient(mdp, policy, theta)
    eta = natural_step_size(g, x, 0.01)
    F = fisher_matrix(mdp, policy, theta)
    assert 0.5 * eta ** 2 * x.ravel() @ F @ x.ravel() == pytest.approx(0.01, rel=1e-8)


def test_sampled_fisher_z_bound(make_policy):
    mdp, policy, theta, _ = setup("linear", make_policy, seed=13, H=4)
    tr = pg.sample_trajectories(mdp, policy, theta, 6000, np.random.default_rng(1))
    F_hat = sampled_fisher_matrix(policy, theta, tr)
    g = pg.score_weighted_sum(policy, theta, tr, np.ones((tr.n, 4)), per_trajectory=True)
    outer = np.einsum("ni,nj->nij", g, g)
    mean, se = pg.mean_and_se(outer)
    assert np.allclose(F_hat, mean)
    assert np.all(np.abs(mean - fisher_matrix(mdp, policy, theta)) < 4.5 * se + 1e-12)


# ------------------------------------------------------------------ performance difference
@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_performance_difference(kind, gamma, make_policy):
    mdp, policy, theta, other = setup(kind, make_policy, seed=14, gamma=gamma)
    J = pg.exact_objective
    pdl = performance_difference(mdp, policy, other, theta)
    assert pdl == pytest.approx(J(mdp, policy, other) - J(mdp, policy, theta), abs=1e-12)
    en = pg.enumerate_trajectories(mdp, policy, other)              # tau ~ rho_new
    A = pg.value_tables(mdp, policy, theta).A
    s, a = en.trajectories.states, en.trajectories.actions
    per = (A[np.arange(3)[None], s, a] * gamma ** np.arange(3)).sum(axis=1)
    assert pdl == pytest.approx(float(en.probs @ per), abs=1e-12)


# ------------------------------------------------------------------ surrogates
def enum_surrogate(mdp, policy, theta, old, kind, clip=0.2, kl_coef=0.0):
    """E_{rho_old} sum_t gamma^t l_t by enumeration, with l_t written out."""
    en = pg.enumerate_trajectories(mdp, policy, old)
    s, a = en.trajectories.states, en.trajectories.actions
    H = mdp.horizon
    A = pg.value_tables(mdp, policy, old).A[np.arange(H)[None], s, a]
    lam = policy.probs(theta)[s, a] / policy.probs(old)[s, a]
    if kind == "ppo-clip":
        ell = np.minimum(lam * A, np.clip(lam, 1 - clip, 1 + clip) * A)
    else:
        ell = lam * A
    val = float(en.probs @ (ell @ mdp.gamma ** np.arange(H)))
    if kind == "ppo-kl":
        val -= kl_coef * enum_kl(mdp, policy, old, theta)
    return val


KW = {"ppo-clip": {"clip": 0.2}, "ppo-kl": {"kl_coef": 0.7}, "trpo": {}}


@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("skind", KINDS)
def test_surrogate_matches_enumeration(kind, skind, make_policy):
    mdp, policy, old, theta = setup(kind, make_policy, seed=15, gamma=0.9)
    got = surrogate_objective(mdp, policy, theta, old, skind, **KW[skind])
    assert got == pytest.approx(enum_surrogate(mdp, policy, theta, old, skind, **KW[skind]),
                                abs=1e-12)
    assert surrogate_objective(mdp, policy, old, old, skind, **KW[skind]) == pytest.approx(
        0.0, abs=1e-13)


@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("skind", KINDS)
def test_surrogate_gradient_finite_differences(kind, skind, make_policy):
    mdp, policy, old, theta = setup(kind, make_policy, seed=16, gamma=0.9)
    g = surrogate_gradient(mdp, policy, theta, old, skind, **KW[skind])
    fd = pg.finite_difference_gradient(
        lambda x: surrogate_objective(mdp, policy, x, old, skind, **KW[skind]), theta, eps=1e-6)
    assert np.allclose(g, fd, atol=1e-7)
    # at theta = theta_old every surrogate has the gradient of J
    g0 = surrogate_gradient(mdp, policy, old, old, skind, **KW[skind])
    assert np.allclose(g0, pg.exact_gradient(mdp, policy, old), rtol=1e-10, atol=1e-12)


def test_surrogate_batch_and_kl_penalty(make_policy):
    mdp, policy, old, theta = setup("tabular", make_policy, seed=17)
    batch = np.stack([theta, old, 0.5 * (theta + old)])
    for skind in KINDS:
        vals = surrogate_objective(mdp, policy, batch, old, skind, **KW[skind])
        assert np.allclose(vals, [surrogate_objective(mdp, policy, b, old, skind, **KW[skind])
                                  for b in batch], atol=1e-14)
        grads = surrogate_gradient(mdp, policy, batch, old, skind, **KW[skind])
        assert np.allclose(grads, [surrogate_gradient(mdp, policy, b, old, skind, **KW[skind])
                                   for b in batch], atol=1e-14)
    pen = (surrogate_objective(mdp, policy, theta, old, "trpo")
           - surrogate_objective(mdp, policy, theta, old, "ppo-kl", kl_coef=2.0))
    assert pen == pytest.approx(2.0 * trajectory_kl(mdp, policy, old, theta))


def test_clipping_stops_the_gradient():
    """Tabular, one state: push the ratio of the best action beyond 1 + eps; its clipped term
    is flat, so only the other actions' terms move theta."""
    mdp = pg.FiniteMDP(np.ones((1, 3, 1)), [[1.0, 0.0, 0.5]], [1.0], 1)
    policy = pg.TabularSoftmax(1, 3)
    old = np.zeros((1, 3))
    far = np.array([[3.0, -3.0, 0.0]])        # ratio of action 0 >> 1.2, of action 1 << 0.8
    g = surrogate_gradient(mdp, policy, far, old, "ppo-clip", clip=0.2)
    A = pg.value_tables(mdp, policy, old).A[0, 0]   # (0.5, -0.5, 0)
    assert A[0] > 0 and A[1] < 0
    assert np.allclose(g, 0.0)                      # every term clipped (action 2 has A = 0)
    fd = pg.finite_difference_gradient(
        lambda x: surrogate_objective(mdp, policy, x, old, "ppo-clip", clip=0.2), far)
    assert np.allclose(fd, 0.0, atol=1e-10)
    assert not np.allclose(surrogate_gradient(mdp, policy, far, old, "trpo"), 0.0)


@pytest.mark.parametrize("skind", KINDS)
def test_sampled_surrogate_enumeration_and_z(skind, make_policy):
    mdp, policy, old, theta = setup("linear", make_policy, seed=18, gamma=0.9)
    en = pg.enumerate_trajectories(mdp, policy, old)
    tr = en.trajectories
    A = pg.value_tables(mdp, policy, old).A
    adv = A[np.arange(3)[None], tr.states, tr.actions]
    kw = dict(KW[skind], gamma=0.9)
    per = sampled_surrogate_objective(policy, theta, old, tr, adv, skind, per_trajectory=True,
                                      **kw)
    exact = surrogate_objective(mdp, policy, theta, old, skind, **KW[skind])
    assert float(en.probs @ per) == pytest.approx(exact, abs=1e-12)
    perg = sampled_surrogate_gradient(policy, theta, old, tr, adv, skind, per_trajectory=True,
                                      **kw)
    assert np.allclose(np.tensordot(en.probs, perg, 1),
                       surrogate_gradient(mdp, policy, theta, old, skind, **KW[skind]),
                       atol=1e-12)
    # Monte Carlo: within 4.5 standard errors
    tr = pg.sample_trajectories(mdp, policy, old, 5000, np.random.default_rng(3))
    adv = A[np.arange(3)[None], tr.states, tr.actions]
    per = sampled_surrogate_objective(policy, theta, old, tr, adv, skind, per_trajectory=True,
                                      **kw)
    mean, se = pg.mean_and_se(per)
    assert abs(mean - exact) < 4.5 * se
    perg = sampled_surrogate_gradient(policy, theta, old, tr, adv, skind, per_trajectory=True,
                                      **kw)
    mean, se = pg.mean_and_se(perg)
    g = surrogate_gradient(mdp, policy, theta, old, skind, **KW[skind])
    assert np.all(np.abs(mean - g) < 4.5 * se + 1e-12)
    one = sampled_surrogate_gradient(policy, theta, old, tr, adv, skind, **kw)
    assert np.allclose(one, mean)


# ------------------------------------------------------------------ TRPO and the bound
def test_trpo_step(make_policy):
    mdp, policy, theta, _ = setup("tabular", make_policy, seed=19, S=4, A=3, H=5)
    for delta in (1e-3, 1e-2, 1e-1):
        st = trpo_step(mdp, policy, theta, delta, cg_iters=20)
        assert st.fraction > 0 and st.kl <= delta and st.improvement > 0
        assert st.surrogate == pytest.approx(
            surrogate_objective(mdp, policy, st.theta, theta, "trpo"))
        assert st.kl == pytest.approx(trajectory_kl(mdp, policy, theta, st.theta))
        assert np.allclose(st.direction, natural_gradient(mdp, policy, theta), rtol=1e-6,
                           atol=1e-8)
        F = fisher_matrix(mdp, policy, theta)
        assert 0.5 * st.full_step.ravel() @ F @ st.full_step.ravel() == pytest.approx(delta)
    small = trpo_step(mdp, policy, theta, 1e-4, cg_iters=20)
    assert small.fraction == 1.0 and small.kl == pytest.approx(1e-4, rel=0.05)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_improvement_lower_bound_holds(gamma):
    rng = np.random.default_rng(0)
    policy = pg.TabularSoftmax(4, 3)
    for seed in range(20):
        mdp = pg.random_mdp(4, 3, 6, seed, gamma=gamma)
        old = rng.normal(size=(4, 3))
        new = old + rng.choice([0.05, 0.3, 1.0]) * rng.normal(size=(4, 3))
        b = improvement_lower_bound(mdp, policy, new, old)
        gain = pg.exact_objective(mdp, policy, new) - pg.exact_objective(mdp, policy, old)
        assert gain >= b.bound - 1e-12
        assert b.surrogate == pytest.approx(surrogate_objective(mdp, policy, new, old, "trpo"))
        tv = 0.5 * np.abs(policy.probs(new) - policy.probs(old)).sum(1).max()
        assert b.alpha == pytest.approx(tv)
        t = np.arange(6)
        H = 6
        assert b.penalty <= 4 * b.epsilon * b.alpha ** 2 * (gamma ** t * t).sum() + 1e-12
        if gamma == 1.0:
            assert b.penalty <= 2 * b.epsilon * b.alpha ** 2 * H * (H - 1) + 1e-12
        else:
            assert b.penalty <= 4 * b.epsilon * gamma * b.alpha ** 2 / (1 - gamma) ** 2


# ------------------------------------------------------------------ validation
def test_validation_names_the_argument(make_policy):
    mdp, policy, theta, other = setup("tabular", make_policy, seed=20)
    bad = np.zeros((2, 2))
    cases = [
        (lambda: trajectory_kl(mdp, policy, theta, bad), "theta_other"),
        (lambda: trajectory_kl(mdp, policy, bad, theta), "theta"),
        (lambda: natural_gradient(mdp, policy, theta, damping=-1.0), "damping"),
        (lambda: natural_gradient(mdp, policy, theta, rcond=2.0), "rcond"),
        (lambda: fisher_vector_product(mdp, policy, theta, np.zeros(5)), "vector"),
        (lambda: performance_difference(mdp, policy, bad, theta), "theta_new"),
        (lambda: performance_difference(mdp, policy, theta, bad), "theta_old"),
        (lambda: surrogate_objective(mdp, policy, theta, other, "ppo"), "kind"),
        (lambda: surrogate_objective(mdp, policy, theta, other, clip=1.5), "clip"),
        (lambda: surrogate_objective(mdp, policy, theta, other, clip=np.nan), "clip"),
        (lambda: surrogate_objective(mdp, policy, theta, other, "trpo", kl_coef=1.0), "kl_coef"),
        (lambda: surrogate_objective(mdp, policy, theta, other, "ppo-kl", kl_coef=-1.0),
         "kl_coef"),
        (lambda: surrogate_gradient(mdp, policy, theta, bad), "theta_old"),
        (lambda: trpo_step(mdp, policy, theta, 0.0), "delta"),
        (lambda: trpo_step(mdp, policy, theta, 0.1, backtrack=1.0), "backtrack"),
        (lambda: natural_step_size(np.ones(3), -np.ones(3), 0.1), "direction"),
        (lambda: natural_step_size(np.ones(3), np.ones(3), -0.1), "delta"),
        (lambda: conjugate_gradient(None, np.ones(3)), "matvec"),
        (lambda: gaussian_mixture_kl(0.0, -1.0, *MIX), "sigma"),
        (lambda: gaussian_mixture_kl(0.0, 1.0, [0.5, 0.6], [0, 1], [1, 1]), "weights"),
        (lambda: gaussian_mixture_kl(0.0, 1.0, *MIX, direction="forward"), "direction"),
        (lambda: fit_gaussian(*MIX, start=(0.0,)), "start"),
    ]
    tr = pg.sample_trajectories(mdp, policy, theta, 5, 0)
    cases += [
        (lambda: sampled_surrogate_objective(policy, theta, other, tr, np.zeros((5, 2))),
         "advantages"),
        (lambda: sampled_surrogate_gradient(policy, theta, other, tr, np.zeros((5, 3)), "x"),
         "kind"),
        (lambda: sampled_trajectory_kl(policy, theta, bad, tr), "theta_other"),
        (lambda: sampled_fisher_matrix(policy, theta, "tr"), "trajectories"),
    ]
    for fn, name in cases:
        with pytest.raises(ValueError, match=name):
            fn()
    with pytest.raises(ValueError, match="policy is for 2 states"):
        trajectory_kl(mdp, pg.TabularSoftmax(2, 2), np.zeros((2, 2)), np.zeros((2, 2)))
