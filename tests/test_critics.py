"""Critics, GAE and the one-step actor-critic (§4.11) against their definitions."""

import numpy as np
import pytest

import pgtools as pg


def episodes(seed=0, n=6, H=7, masked=True):
    rng = np.random.default_rng(seed)
    r = rng.normal(size=(n, H))
    V = rng.normal(size=(n, H + 1))
    if masked:
        ends = rng.integers(1, H + 1, size=n)
        mask = (np.arange(H)[None] < ends[:, None]).astype(float)
    else:
        ends, mask = np.full(n, H), np.ones((n, H))
    return r, V, mask, ends


def n_step_return(r, V, t, k, T, gamma):
    """sum_{l<k} gamma^l r_{t+l} + gamma^k V_{t+k}, stopping at the episode end T."""
    k = min(k, T - t)
    return sum(gamma**l * r[t + l] for l in range(k)) + gamma**k * V[t + k]


@pytest.mark.parametrize("gamma,lam", [(1.0, 0.0), (0.9, 0.5), (0.95, 0.95), (1.0, 1.0)])
def test_gae_is_the_lambda_return_minus_v(gamma, lam):
    r, V, mask, ends = episodes()
    V = V.copy()
    A = pg.gae(r * mask, V, gamma, lam, mask)
    for i, T in enumerate(ends):
        for t in range(T):
            # forward view: (1 - lam) sum_k lam^(k-1) G^(k) + lam^(T-t-1) G^(T-t)
            N = T - t
            Glam = sum((1 - lam) * lam ** (k - 1) * n_step_return(r[i], V[i], t, k, T, gamma)
                       for k in range(1, N))
            Glam += lam ** (N - 1) * n_step_return(r[i], V[i], t, N, T, gamma)
            assert np.isclose(A[i, t] + V[i, t], Glam)
        assert np.all(A[i, T:] == 0)


def test_gae_telescopes_n_step_advantages():
    r, V, _, _ = episodes(1, masked=False)
    gamma, lam, H = 0.9, 0.7, r.shape[1]
    A = pg.gae(r, V, gamma, lam)
    delta = r + gamma * V[:, 1:] - V[:, :-1]
    for t in range(H):
        direct = sum((gamma * lam) ** l * delta[:, t + l] for l in range(H - t))
        assert np.allclose(A[:, t], direct)
        # each k-step advantage is a telescoped sum of TD errors
        for k in range(1, H - t + 1):
            Ak = np.array([n_step_return(r[i], V[i], t, k, H, gamma) for i in range(len(r))])
            Ak = Ak - V[:, t]
            assert np.allclose(Ak, sum(gamma**l * delta[:, t + l] for l in range(k)))


def test_gae_lambda_zero_is_td_and_one_is_monte_carlo():
    r, V, mask, _ = episodes(2)
    V[:, -1] = 0.0
    gamma = 0.8
    V0 = V * np.concatenate([mask, np.zeros((len(r), 1))], axis=1)   # 0 after the end
    td = (r + gamma * V0[:, 1:] - V0[:, :-1]) * mask
    assert np.allclose(pg.gae(r * mask, V0, gamma, 0.0, mask), td)
    G = pg.reward_to_go(r * mask, gamma) * mask
    assert np.allclose(pg.gae(r * mask, V0, gamma, 1.0, mask), (G - V0[:, :-1]) * mask)
    # values of shape (n, H) mean a zero value after step H - 1
    assert np.allclose(pg.gae(r, V[:, :-1], gamma, 0.3), pg.gae(r, V0 * 0 + np.c_[
        V[:, :-1], np.zeros(len(r))], gamma, 0.3))


def test_gae_masked_equals_truncated_episode():
    r, V, mask, ends = episodes(3)
    A = pg.gae(r, V, 0.9, 0.8, mask)
    for i, T in enumerate(ends):
        one = pg.gae(r[i:i + 1, :T], V[i:i + 1, :T + 1], 0.9, 0.8)
        assert np.allclose(A[i, :T], one[0])


@pytest.mark.parametrize("lam", [-0.1, 1.5, np.nan])
def test_bad_lam(lam):
    r, V, _, _ = episodes()
    with pytest.raises(ValueError, match="lam"):
        pg.gae(r, V, 0.9, lam)


def test_bad_nan_rewards():
    r, V, _, _ = episodes()
    r[0, 0] = np.nan
    with pytest.raises(ValueError, match="rewards must be finite"):
        pg.gae(r, V, 0.9, 0.5)


def test_bad_values_shape():
    r, V, _, _ = episodes()
    with pytest.raises(ValueError, match="values must have shape"):
        pg.gae(r, V[:, :3], 0.9, 0.5)


# ------------------------------------------------------------------ critics
def test_tabular_features():
    s = np.array([[0, 2], [1, 1]])
    X = pg.tabular_features(s, 3)
    assert np.array_equal(X.argmax(-1), s) and np.all(X.sum(-1) == 1)
    Xt = pg.tabular_features(s, 3, horizon=4)
    assert Xt.shape == (2, 2, 12) and Xt[0, 1, 3 + 2] == 1


def test_mc_critic_tabular_is_cell_mean_and_linear_is_least_squares():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 4, size=(50, 6))
    r = rng.normal(size=(50, 6))
    w = pg.mc_critic(pg.tabular_features(s, 4, horizon=6), r, 0.9)
    G = pg.reward_to_go(r, 0.9)
    for t in range(6):
        for c in range(4):
            sel = s[:, t] == c
            if sel.any():
                assert np.isclose(w[t * 4 + c], G[sel, t].mean())
    X = rng.normal(size=(50, 6, 3))
    wl = pg.mc_critic(X, r, 0.9, ridge=0.5)
    F, y = X.reshape(-1, 3), G.ravel()
    assert np.allclose(wl, np.linalg.solve(F.T @ F + 0.5 * np.eye(3), F.T @ y))


def test_mc_critic_converges_to_true_values():
    mdp, pol = pg.random_mdp(3, 2, 4, seed=1), pg.TabularSoftmax(3, 2)
    th = np.random.default_rng(0).normal(size=pol.theta_shape)
    tr = pg.sample_trajectories(mdp, pol, th, 20_000, 0)
    w = pg.mc_critic(pg.tabular_features(tr.states, 3, horizon=4), tr.rewards)
    V = pg.value_tables(mdp, pol, th).V[:4]
    assert np.allclose(w.reshape(4, 3), V, atol=0.05)


def test_td0_single_update_by_hand():
    X = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    r = np.array([[1.0, 2.0]])
    w = pg.td0_critic(X, r, gamma=0.5, step_size=0.1, w0=np.array([1.0, 3.0]))
    w1 = np.array([1.0, 3.0])
    w1[0] += 0.1 * (1.0 + 0.5 * 3.0 - 1.0)
    w1[1] += 0.1 * (2.0 + 0.0 - 3.0)
    assert np.allclose(w, w1)
    Xg = X * 1.0 + 0.0  # same features, but not recognised as one-hot via a float offset
    Xg[..., 0] += 1e-300
    assert np.allclose(pg.td0_critic(Xg, r, 0.5, step_size=0.1, w0=[1.0, 3.0]), w1)


def lstd(X, r, gamma, mask):
    """The TD(0) fixed point: sum phi_t (phi_t - gamma phi_{t+1})^T w = sum phi_t r_t."""
    k = X.shape[-1]
    nxt = np.zeros_like(X)
    nxt[:, :-1] = X[:, 1:] * mask[:, 1:, None]
    sel = mask.ravel() > 0
    F, N, y = X.reshape(-1, k)[sel], nxt.reshape(-1, k)[sel], r.ravel()[sel]
    return np.linalg.lstsq(F.T @ (F - gamma * N), F.T @ y, rcond=None)[0]


def test_td0_converges_to_fixed_point_linear_and_tabular():
    """Online TD(0) with a constant step ends within O(step) of the TD fixed point."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 5, 3)) * 0.5
    r = rng.normal(size=(10, 5))
    mask = (np.arange(5)[None] < rng.integers(1, 6, size=(10, 1))).astype(float)
    ref = lstd(X, r, 0.9, mask)
    err = [np.abs(pg.td0_critic(X, r, 0.9, mask, step_size=a, epochs=e) - ref).max()
           for a, e in ((0.02, 1000), (0.005, 4000))]
    assert err[0] < 0.02 and err[1] < err[0] / 2.5
    s = rng.integers(0, 3, size=(10, 5))
    Xt = pg.tabular_features(s, 3)
    # certainty equivalence: the values of the empirical Markov chain
    S = 3
    counts, rew, ends = np.zeros((S, S)), np.zeros(S), np.zeros(S)
    for i in range(10):
        for t in range(int(mask[i].sum())):
            rew[s[i, t]] += r[i, t]
            if t + 1 < mask[i].sum():
                counts[s[i, t], s[i, t + 1]] += 1
            else:
                ends[s[i, t]] += 1
    visits = counts.sum(1) + ends
    P, rbar = counts / visits[:, None], rew / visits
    V = np.linalg.solve(np.eye(S) - 0.9 * P, rbar)
    assert np.allclose(V, lstd(Xt, r, 0.9, mask))
    err = [np.abs(pg.td0_critic(Xt, r, 0.9, mask, step_size=a, epochs=e) - V).max()
           for a, e in ((0.02, 1000), (0.005, 4000))]
    assert err[0] < 0.05 and err[1] < err[0] / 2.5


def test_bad_step_size():
    with pytest.raises(ValueError, match="step_size"):
        pg.td0_critic(np.ones((1, 2, 1)), np.ones((1, 2)), step_size=0.0)


def test_bad_features_shape():
    with pytest.raises(ValueError, match="features must have shape"):
        pg.mc_critic(np.ones((2, 5, 1)), np.ones((2, 3)))


def test_bad_mask():
    with pytest.raises(ValueError, match="mask"):
        pg.gae(np.ones((1, 3)), np.ones((1, 4)), mask=[[1, 0, 1]])


# ------------------------------------------------------------------ one-step actor-critic
def two_armed(H=1):
    P = np.zeros((2, 2, 2))
    P[:, :, 1] = 1.0
    r = np.array([[1.0, 1.0], [0.0, 0.0]])
    return pg.FiniteMDP(P, r, np.array([1.0, 0.0]), H, 1.0)


def test_actor_critic_first_update_by_hand():
    mdp, pol = two_armed(), pg.TabularSoftmax(2, 2)
    run = pg.one_step_actor_critic(mdp, pol, pol.init_params(), 3, 2, alpha=0.5, alpha_w=0.5,
                                   seed=0)
    step = run.thetas[:, 1] - run.thetas[:, 0]
    # delta = r - V(s) = 1 at the first step; theta moves by alpha * (e_a - pi(s))
    choices = [0.5 * np.array([[0.5, -0.5], [0, 0]]), 0.5 * np.array([[-0.5, 0.5], [0, 0]])]
    for k in range(3):
        assert any(np.allclose(step[k], c) for c in choices)
    assert np.allclose(run.returns, 1.0)
    assert np.allclose(run.values[:, 0], 0.5 + 0.5 * 0.5)   # V(0): 0 -> 0.5 -> 0.75


def test_actor_critic_critic_learns_v_pi_without_actor_steps():
    ex = pg.short_corridor(horizon=200)
    pol = pg.TabularSoftmax(4, 2)
    th = np.zeros(pol.theta_shape)
    run = pg.one_step_actor_critic(ex.mdp, pol, th, 40, 1000, alpha=0.0, alpha_w=0.02,
                                   seed=1)
    V = pg.value_tables(ex.mdp, pol, th).V[0]
    assert np.allclose(run.values.mean(0)[:3], V[:3], rtol=0.06)
    assert np.allclose(run.thetas, 0.0)


def test_actor_critic_improves_short_corridor():
    ex = pg.short_corridor(horizon=100)
    pol = pg.LinearSoftmax(ex.features)
    run = pg.one_step_actor_critic(ex.mdp, pol, np.array([0.0, 2.0]), 20, 200, alpha=0.02,
                                   alpha_w=0.1, seed=2)
    J = lambda th: pg.exact_objective(ex.mdp, pol, th)
    J_end = np.array([J(th) for th in run.thetas[:, -1]])
    assert np.all(J_end > J(np.array([0.0, 2.0])) + 15) and np.all(J_end > -14)


def test_bad_critic_option():
    with pytest.raises(ValueError, match="critic"):
        pg.one_step_actor_critic(two_armed(), pg.TabularSoftmax(2, 2), np.zeros((2, 2)), 1, 1,
                                 0.1, 0.1, 0, critic="neural")
