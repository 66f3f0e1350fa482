"""LQR, the Gaussian policy and the two Monte Carlo gradients (§4.10) against closed forms,
finite differences and statistical bounds."""

import threading

import numpy as np
import pytest

import pgtools as pg
from pgtools import lqr


def problem(seed=0, n=3, m=2, H=12, noise=0.05):
    rng = np.random.default_rng(seed)
    A = np.eye(n) + 0.2 * rng.normal(size=(n, n))
    B = rng.normal(size=(n, m))
    C = rng.normal(size=(n, n))
    Rm = rng.normal(size=(m, m))
    return pg.LinearQuadratic(A, B, C @ C.T / n, Rm @ Rm.T + 0.5 * np.eye(m), H,
                              np.eye(n), noise * np.eye(n))


def fd(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]).T


def theta_near_opt(prob, pol, seed=1, sigma=0.4):
    K = pg.lqr_optimal(prob).gains[0]
    rng = np.random.default_rng(seed)
    return pol.params(K + 0.1 * rng.normal(size=K.shape), sigma * (1 + rng.random(K.shape[0])))


# ------------------------------------------------------------------ Gaussian policy
def normal_pdf(u, mu, s):
    return np.exp(-((u - mu) ** 2) / (2 * s**2)) / np.sqrt(2 * np.pi * s**2)


def test_theta_layout_and_log_prob_density():
    pol = pg.GaussianLinearPolicy(3, 2)
    K = np.arange(6.0).reshape(2, 3) / 10
    th = pol.params(K, [0.5, 2.0])
    assert pol.theta_shape == (8,)
    assert np.allclose(th[:6], K.ravel()) and np.allclose(np.exp(th[6:]), [0.5, 2.0])
    K2, s2 = pol.unpack(th)
    assert np.allclose(K2, K) and np.allclose(s2, [0.5, 2.0])
    rng = np.random.default_rng(0)
    x, u = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    mu = x @ K.T
    ref = np.log(normal_pdf(u[:, 0], mu[:, 0], 0.5) * normal_pdf(u[:, 1], mu[:, 1], 2.0))
    assert np.allclose(pol.log_prob(th, x, u), ref)
    assert np.allclose(pol.mean(th, x), mu)


def test_score_matches_finite_differences_and_formula():
    pol = pg.GaussianLinearPolicy(4, 2)
    rng = np.random.default_rng(1)
    th = rng.normal(size=pol.theta_shape) * 0.5
    x, u = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 2))
    sc = pol.score(th, x, u)
    assert sc.shape == (3, 5, 10)
    for i in range(3):
        for j in range(5):
            ref = fd(lambda t, i=i, j=j: pol.log_prob(t, x[i, j], u[i, j]), th)
            assert np.allclose(sc[i, j], ref, rtol=1e-6, atol=1e-7)
    K, s = pol.unpack(th)
    z = (u[0, 0] - K @ x[0, 0]) / s
    assert np.allclose(sc[0, 0, :8], np.outer(z / s, x[0, 0]).ravel())
    assert np.allclose(sc[0, 0, 8:], z**2 - 1)
    w = rng.normal(size=(3, 5))
    assert np.allclose(pol.weighted_score_sum(th, x, u, w), np.einsum("ij,ijd->d", w, sc))


def test_sample_moments():
    pol = pg.GaussianLinearPolicy(2, 2)
    th = pol.params([[1.0, -1.0], [0.5, 0.0]], [0.3, 2.0])
    x = np.tile([1.0, 2.0], (40_000, 1))
    u = pol.sample(th, x, np.random.default_rng(0))
    se = np.array([0.3, 2.0]) / np.sqrt(40_000)
    assert np.all(np.abs(u.mean(0) - [-1.0, 0.5]) < 5 * se)
    assert np.allclose(u.std(0), [0.3, 2.0], rtol=0.03)
    # the score has mean zero under the policy
    sc = pol.score(th, x, u)
    assert np.all(np.abs(sc.mean(0)) < 5 * sc.std(0) / np.sqrt(40_000))


# ------------------------------------------------------------------ exact J and gradient
def test_objective_scalar_closed_form():
    a, b, q, r, k, s, x0, w, H = 0.9, 0.5, 2.0, 0.3, -0.4, 0.7, 1.5, 0.2, 7
    prob = pg.LinearQuadratic([[a]], [[b]], [[q]], [[r]], H, [[x0]], [[w]])
    pol = pg.GaussianLinearPolicy(1, 1)
    l2 = (a + b * k) ** 2
    W = b**2 * s**2 + w
    var = [l2**t * x0 + W * (1 - l2**t) / (1 - l2) for t in range(H)]
    J = -sum((q + k**2 * r) * v for v in var) - H * r * s**2
    assert np.isclose(pg.lqr_objective(prob, pol, pol.params([[k]], s)), J, rtol=1e-12)


def test_gradient_matches_finite_differences():
    for seed in range(3):
        prob = problem(seed)
        pol = pg.GaussianLinearPolicy(3, 2)
        th = theta_near_opt(prob, pol, seed)
        g = pg.lqr_gradient(prob, pol, th)
        ref = fd(lambda t, prob=prob, pol=pol: pg.lqr_objective(prob, pol, t), th)
        assert np.allclose(g, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_batch_theta_matches_loop():
    prob = problem(2)
    pol = pg.GaussianLinearPolicy(3, 2)
    ths = np.stack([theta_near_opt(prob, pol, s) for s in range(4)])
    J = pg.lqr_objective(prob, pol, ths)
    G = pg.lqr_gradient(prob, pol, ths)
    for k in range(4):
        assert np.isclose(J[k], pg.lqr_objective(prob, pol, ths[k]))
        assert np.allclose(G[k], pg.lqr_gradient(prob, pol, ths[k]))


def test_objective_matches_monte_carlo():
    prob = problem(3)
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    tr = pg.sample_lqr_trajectories(prob, pol, th, 20_000, np.random.default_rng(0))
    R = tr.returns()
    assert abs(R.mean() - pg.lqr_objective(prob, pol, th)) < 5 * R.std() / np.sqrt(R.size)


# ------------------------------------------------------------------ Riccati
def time_varying_objective(prob, gains):
    """J of u_t = K_t x_t by the covariance recursion written out here (deterministic)."""
    S, J = prob.x0_cov.copy(), 0.0
    for t in range(prob.horizon):
        K = gains[t]
        J -= np.trace((prob.Q + K.T @ prob.R @ K) @ S)
        L = prob.A + prob.B @ K
        S = L @ S @ L.T + prob.noise_cov
    return J


def test_riccati_horizon_one_and_two():
    prob = problem(4, H=1)
    sol = pg.lqr_optimal(prob)
    assert np.allclose(sol.gains, 0) and np.isclose(sol.J, -np.trace(prob.Q @ prob.x0_cov))
    prob2 = prob.replace(horizon=2)
    A, B, Q, R = prob2.A, prob2.B, prob2.Q, prob2.R
    K0 = -np.linalg.solve(R + B.T @ Q @ B, B.T @ Q @ A)     # argmin of E[u'Ru + x1'Qx1]
    sol2 = pg.lqr_optimal(prob2)
    assert np.allclose(sol2.gains[0], K0) and np.allclose(sol2.gains[1], 0)
    assert np.isclose(sol2.J, time_varying_objective(prob2, np.stack([K0, 0 * K0])))


def test_riccati_is_stationary_point_and_upper_bound():
    prob = problem(5, H=15)
    sol = pg.lqr_optimal(prob)
    assert np.isclose(sol.J, time_varying_objective(prob, sol.gains), rtol=1e-12)
    flat = sol.gains.ravel()
    g = fd(lambda k: time_varying_objective(prob, k.reshape(sol.gains.shape)), flat, 1e-5)
    assert np.abs(g).max() < 1e-5 * abs(sol.J)
    pol = pg.GaussianLinearPolicy(3, 2)
    rng = np.random.default_rng(0)
    for _ in range(20):
        th = theta_near_opt(prob, pol, int(rng.integers(1000)), sigma=rng.random() + 0.01)
        assert pg.lqr_objective(prob, pol, th) < sol.J


# ------------------------------------------------------------------ sampling and estimators
def test_sampler_state_covariance_and_seed():
    prob = problem(6)
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    tr = pg.sample_lqr_trajectories(prob, pol, th, 30_000, 1)
    tr2 = pg.sample_lqr_trajectories(prob, pol, th, 30_000, 1)
    assert np.array_equal(tr.states, tr2.states)
    K, s = pol.unpack(th)
    L = prob.A + prob.B @ K
    S = prob.x0_cov.copy()
    for t in range(prob.horizon):
        emp = np.cov(tr.states[:, t].T)
        assert np.allclose(emp, S, atol=0.05 * np.abs(S).max())
        S = L @ S @ L.T + prob.B @ np.diag(s**2) @ prob.B.T + prob.noise_cov
    assert np.allclose(tr.actions - tr.states @ K.T, s * tr.eps)


def test_score_and_pathwise_are_unbiased():
    prob = problem(7, H=8)
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    g = pg.lqr_gradient(prob, pol, th)
    tr = pg.sample_lqr_trajectories(prob, pol, th, 40_000, 2)
    for est in (pg.lqr_score_gradient(prob, pol, th, tr, per_trajectory=True),
                pg.lqr_pathwise_gradient(prob, pol, th, tr, per_trajectory=True)):
        z = (est.mean(0) - g) / (est.std(0) / np.sqrt(tr.n))
        assert np.abs(z).max() < 5


def test_score_gradient_matches_policy_score_loop():
    prob = problem(8, H=5)
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    tr = pg.sample_lqr_trajectories(prob, pol, th, 4, 3)
    b = np.linspace(-1, 1, 5)
    G = tr.reward_to_go()
    loop = np.array([sum(pol.score(th, tr.states[i, t], tr.actions[i, t]) * (G[i, t] - b[t])
                         for t in range(5)) for i in range(4)])
    assert np.allclose(pg.lqr_score_gradient(prob, pol, th, tr, baseline=b,
                                             per_trajectory=True), loop)


def test_pathwise_is_derivative_of_sample_path():
    prob = problem(9, H=10)
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    tr = pg.sample_lqr_trajectories(prob, pol, th, 5, 4)
    same = pg.replay_lqr_trajectories(prob, pol, th, tr)
    assert np.allclose(same.rewards, tr.rewards)
    ref = fd(lambda t: pg.replay_lqr_trajectories(prob, pol, t, tr).returns(), th)
    got = pg.lqr_pathwise_gradient(prob, pol, th, tr, per_trajectory=True)
    assert np.allclose(got, ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max())


def reference_sample(prob, pol, th, n, rng):
    """The sampler written plainly: normals drawn as z_0, eps (time-major), z (time-major)."""
    K, s = pol.unpack(th)
    H, nx, m = prob.horizon, prob.state_dim, prob.act_dim
    F0, FN = lqr._factor_psd(prob.x0_cov), lqr._factor_psd(prob.noise_cov)
    x = rng.standard_normal((n, F0.shape[0])) @ F0
    eps = rng.standard_normal((H, n, m))
    noise = rng.standard_normal((H, n, FN.shape[0])) @ FN if FN.size else np.zeros((H, n, nx))
    X, U, r = np.empty((H, n, nx)), np.empty((H, n, m)), np.empty((H, n))
    for t in range(H):
        u = x @ K.T + s * eps[t]
        X[t], U[t] = x, u
        r[t] = -(np.einsum("ni,ij,nj->n", x, prob.Q, x) + np.einsum("ni,ij,nj->n", u, prob.R, u))
        x = x @ prob.A.T + u @ prob.B.T + noise[t]
    return [a.swapaxes(0, 1) for a in (X, U, r, eps, noise)]


def sampler_problems():
    prob = problem(10, H=7)
    C = np.random.default_rng(11).normal(size=(3, 3))
    return {"diagonal noise": prob,
            "full noise, singular x0_cov": prob.replace(noise_cov=0.02 * C @ C.T,
                                                         x0_cov=np.diag([1.0, 0.0, 2.0])),
            "rank-one noise": prob.replace(noise_cov=0.1 * np.outer(C[0], C[0])),
            "no noise": prob.replace(noise_cov=None)}


@pytest.mark.parametrize("background", [False, True])    # normals drawn by a second thread
@pytest.mark.parametrize("case", list(sampler_problems()))
def test_sampler_matches_plain_reference_and_random_stream(case, background, monkeypatch):
    monkeypatch.setattr(lqr, "_spare_cpu", lambda: background)
    monkeypatch.setattr(lqr, "_BACKGROUND_MIN_NORMALS", 0)
    monkeypatch.setattr(lqr, "_CHUNK_NORMALS", 5000)         # several chunks per block
    prob, n = sampler_problems()[case], 1500
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    rng, ref_rng = np.random.default_rng(12), np.random.default_rng(12)
    tr = pg.sample_lqr_trajectories(prob, pol, th, n, rng)
    ref = reference_sample(prob, pol, th, n, ref_rng)
    for name, want in zip(("states", "actions", "rewards", "eps", "noise"), ref):
        got = getattr(tr, name)
        assert got.shape == want.shape, name
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max()), name
    assert rng.bit_generator.state == ref_rng.bit_generator.state     # same number of draws
    assert np.array_equal(pg.replay_lqr_trajectories(prob, pol, th, tr).rewards, tr.rewards)


def test_sampler_background_thread_gives_the_same_sample(monkeypatch):
    prob = sampler_problems()["full noise, singular x0_cov"]
    pol = pg.GaussianLinearPolicy(3, 2)
    th = theta_near_opt(prob, pol)
    monkeypatch.setattr(lqr, "_CHUNK_NORMALS", 1000)         # many chunks
    out = {}
    for threaded in (False, True):
        monkeypatch.setattr(lqr, "_spare_cpu", lambda threaded=threaded: threaded)
        monkeypatch.setattr(lqr, "_BACKGROUND_MIN_NORMALS", 0)
        rng = np.random.default_rng(13)
        out[threaded] = pg.sample_lqr_trajectories(prob, pol, th, 700, rng), rng.random()
    for name in ("states", "actions", "rewards", "eps", "noise"):
        assert np.array_equal(getattr(out[False][0], name), getattr(out[True][0], name)), name
    assert out[False][1] == out[True][1]


def test_sampler_background_error_is_raised(monkeypatch):
    class Failing(np.random.Generator):
        calls = 0

        def standard_normal(self, *args, **kwargs):
            Failing.calls += 1
            if Failing.calls == 5:
                raise MemoryError("no room for normals")
            return super().standard_normal(*args, **kwargs)

    monkeypatch.setattr(lqr, "_CHUNK_NORMALS", 1000)
    monkeypatch.setattr(lqr, "_spare_cpu", lambda: True)
    monkeypatch.setattr(lqr, "_BACKGROUND_MIN_NORMALS", 0)
    prob = problem(14, H=20)
    pol = pg.GaussianLinearPolicy(3, 2)
    with pytest.raises(MemoryError, match="no room"):
        pg.sample_lqr_trajectories(prob, pol, theta_near_opt(prob, pol), 500,
                                   Failing(np.random.PCG64(0)))
    assert not any(t.name == "lqr-draws" for t in threading.enumerate())


def test_spectral_radius():
    assert np.isclose(pg.spectral_radius([[0.0, 2.0], [-2.0, 0.0]]), 2.0)
    assert np.allclose(pg.spectral_radius(np.stack([np.eye(2), 3 * np.eye(2)])), [1, 3])


# ------------------------------------------------------------------ bad input, one test each
GOOD = {"A": np.eye(2), "B": np.ones((2, 1)), "Q": np.eye(2), "R": np.eye(1), "horizon": 5,
        "x0_cov": np.eye(2), "noise_cov": None}


def make(**kw):
    return pg.LinearQuadratic(**dict(GOOD, **kw))


def test_bad_nonsquare_A():
    with pytest.raises(ValueError, match="A must be square"):
        make(A=np.ones((2, 3)))


def test_bad_mismatched_B():
    with pytest.raises(ValueError, match="B must have shape"):
        make(B=np.ones((3, 1)))


def test_bad_Q_not_symmetric():
    with pytest.raises(ValueError, match="Q must be symmetric"):
        make(Q=[[1.0, 0.5], [0.0, 1.0]])


def test_bad_R_not_positive_definite():
    with pytest.raises(ValueError, match="R must be positive definite"):
        make(R=[[0.0]])


def test_bad_covariance_negative_eigenvalue():
    with pytest.raises(ValueError, match="x0_cov must be positive semidefinite"):
        make(x0_cov=[[1.0, 0.0], [0.0, -0.1]])


def test_bad_noise_covariance_negative_eigenvalue():
    with pytest.raises(ValueError, match="noise_cov must be positive semidefinite"):
        make(noise_cov=[[1.0, 2.0], [2.0, 1.0]])


def test_bad_Q_negative_eigenvalue():
    with pytest.raises(ValueError, match="Q must be positive semidefinite"):
        make(Q=[[1.0, 0.0], [0.0, -1.0]])


@pytest.mark.parametrize("sigma", [0.0, -1.0])
def test_bad_sigma_not_positive(sigma):
    with pytest.raises(ValueError, match="sigma must be > 0"):
        pg.GaussianLinearPolicy(2, 1).params(sigma=sigma)


def test_bad_nan_in_problem():
    with pytest.raises(ValueError, match="A must be finite"):
        make(A=[[np.nan, 0.0], [0.0, 1.0]])


def test_bad_nan_in_theta():
    pol = pg.GaussianLinearPolicy(2, 1)
    th = pol.init_params()
    th[0] = np.nan
    with pytest.raises(ValueError, match="theta must be finite"):
        pg.lqr_gradient(make(), pol, th)


def test_bad_nan_in_states():
    pol = pg.GaussianLinearPolicy(2, 1)
    with pytest.raises(ValueError, match="x must be finite"):
        pol.score(pol.init_params(), [[np.nan, 0.0]], [[0.0]])


def test_bad_policy_dimensions():
    with pytest.raises(ValueError, match="policy acts on"):
        pg.lqr_objective(make(), pg.GaussianLinearPolicy(3, 1), np.zeros(4))


def test_bad_horizon():
    with pytest.raises(ValueError, match="horizon"):
        make(horizon=0)
