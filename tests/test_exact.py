"""Exact computations against independent brute-force references (itertools.product)."""

import itertools

import numpy as np
import pytest
from conftest import POLICY_KINDS

import pgtools as pg


def all_paths(mdp):
    """Every (states, actions) pair of sequences of length H, with its probability."""
    S, A, H = mdp.n_states, mdp.n_actions, mdp.horizon
    for states in itertools.product(range(S), repeat=H):
        for actions in itertools.product(range(A), repeat=H):
            yield states, actions


def path_prob(mdp, pi, states, actions):
    """rho(tau) by the product of Eq. (4.2), written out term by term."""
    p = mdp.mu0[states[0]]
    for t in range(mdp.horizon):
        p *= pi[states[t], actions[t]]
        if t + 1 < mdp.horizon:
            p *= mdp.P[states[t], actions[t], states[t + 1]]
    return p


def path_return(mdp, states, actions):
    return sum(mdp.gamma**t * mdp.r[s, a] for t, (s, a) in enumerate(zip(states, actions)))


def brute_objective(mdp, pi):
    return sum(path_prob(mdp, pi, s, a) * path_return(mdp, s, a) for s, a in all_paths(mdp))


def brute_gradient(mdp, policy, theta):
    """sum_tau rho(tau) grad log rho(tau) R(tau), grad log rho = sum_t score (§4.3)."""
    pi = policy.probs(theta)
    g = np.zeros(policy.theta_shape)
    for s, a in all_paths(mdp):
        p = path_prob(mdp, pi, s, a)
        if p > 0:
            g += p * path_return(mdp, s, a) * policy.score(theta, np.array(s), np.array(a)).sum(0)
    return g


CASES = [(S, A, H, seed) for seed, (S, A, H) in enumerate([(1, 2, 4), (2, 2, 3), (3, 2, 2),
                                                             (3, 1, 3), (2, 2, 4)])]


@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("gamma", [1.0, 0.8])
@pytest.mark.parametrize(("S", "A", "H", "seed"), CASES)
def test_objective_matches_brute_force(kind, gamma, S, A, H, seed, make_policy):
    mdp = pg.random_mdp(S, A, H, seed, gamma=gamma, rewards="normal")
    policy, theta = make_policy(kind, S, A, seed)
    expected = brute_objective(mdp, policy.probs(theta))
    assert pg.exact_objective(mdp, policy, theta) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("kind", POLICY_KINDS)
@pytest.mark.parametrize("gamma", [1.0, 0.7])
@pytest.mark.parametrize(("S", "A", "H", "seed"), CASES[1:3] + CASES[4:])
def test_gradient_matches_finite_differences_and_enumeration(kind, gamma, S, A, H, seed,
                                                              make_policy):
    mdp = pg.random_mdp(S, A, H, seed + 10, gamma=gamma, rewards="normal")
    policy, theta = make_policy(kind, S, A, seed)
    g = pg.exact_gradient(mdp, policy, theta)
    assert g.shape == policy.theta_shape
    fd = pg.finite_difference_gradient(lambda th: pg.exact_objective(mdp, policy, th), theta,
                                       eps=1e-6)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g, brute_gradient(mdp, policy, theta), rtol=1e-10, atol=1e-12)


def test_gradient_with_zero_transitions(tiny_mdp, make_policy):
    policy, theta = make_policy("tabular", 3, 2, 0)
    np.testing.assert_allclose(pg.exact_gradient(tiny_mdp, policy, theta),
                               brute_gradient(tiny_mdp, policy, theta), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_value_table_identities(gamma, make_policy):
    mdp = pg.random_mdp(4, 3, 5, 3, gamma=gamma)
    policy, theta = make_policy("linear", 4, 3, 3)
    pi = policy.probs(theta)
    V, Q, A = pg.value_tables(mdp, policy, theta)
    assert V.shape == (5, 4) and Q.shape == (5, 4, 3) and A.shape == (5, 4, 3)
    np.testing.assert_allclose(V, (pi * Q).sum(-1), atol=1e-12)
    V_next = np.vstack([V[1:], np.zeros((1, 4))])
    for t in range(5):
        expected = mdp.r + gamma * np.einsum("sap,p->sa", mdp.P, V_next[t])
        np.testing.assert_allclose(Q[t], expected, atol=1e-12)
    np.testing.assert_allclose((pi * A).sum(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(A, Q - V[:, :, None], atol=1e-12)
    assert mdp.mu0 @ V[0] == pytest.approx(pg.exact_objective(mdp, policy, theta))


def test_marginals_match_brute_force(tiny_mdp, make_policy):
    policy, theta = make_policy("neural", 3, 2, 1)
    d = pg.state_action_marginals(tiny_mdp, policy, theta)
    pi = policy.probs(theta)
    expected = np.zeros_like(d)
    for s, a in all_paths(tiny_mdp):
        p = path_prob(tiny_mdp, pi, s, a)
        for t in range(tiny_mdp.horizon):
            expected[t, s[t], a[t]] += p
    np.testing.assert_allclose(d, expected, atol=1e-12)
    np.testing.assert_allclose(d.sum(axis=(1, 2)), 1.0)


def policy_value(mdp, actions_table):
    """J of a deterministic Markov policy actions_table[t][s], by its own backward loop."""
    V = np.zeros(mdp.n_states)
    for t in range(mdp.horizon - 1, -1, -1):
        a = np.asarray(actions_table[t])
        V = mdp.r[np.arange(mdp.n_states), a] + mdp.gamma * mdp.P[np.arange(mdp.n_states), a] @ V
    return V


@pytest.mark.parametrize("gamma", [1.0, 0.6])
def test_optimal_values_match_search_over_deterministic_policies(gamma):
    mdp = pg.random_mdp(2, 3, 3, 11, gamma=gamma, rewards="normal")
    opt = pg.optimal_values(mdp)
    per_step = list(itertools.product(range(3), repeat=2))
    best = np.full(2, -np.inf)
    for table in itertools.product(per_step, repeat=3):
        best = np.maximum(best, policy_value(mdp, table))
    np.testing.assert_allclose(opt.V[0], best, atol=1e-12)
    assert np.all(opt.A <= 1e-12)
    np.testing.assert_allclose(policy_value(mdp, opt.policy), opt.V[0], atol=1e-12)


def test_optimal_value_dominates_softmax(make_policy):
    mdp = pg.random_mdp(4, 2, 6, 5)
    policy, theta = make_policy("tabular", 4, 2, 5, scale=3.0)
    assert pg.exact_objective(mdp, policy, theta) <= mdp.mu0 @ pg.optimal_values(mdp).V[0] + 1e-12


def test_trajectory_log_likelihood_enumeration_and_hand_product(tiny_mdp, make_policy):
    policy, theta = make_policy("linear", 3, 2, 4)
    enum = pg.enumerate_trajectories(tiny_mdp, policy, theta)
    logp = pg.trajectory_log_likelihood(tiny_mdp, policy, theta, enum.trajectories)
    assert np.exp(logp).sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(np.exp(logp), enum.probs, rtol=1e-12)
    # the listing is exactly the set of positive-probability paths of the brute force
    pi = policy.probs(theta)
    positive = {(s, a) for s, a in all_paths(tiny_mdp) if path_prob(tiny_mdp, pi, s, a) > 0}
    listed = {(tuple(s), tuple(a)) for s, a in zip(enum.trajectories.states.tolist(),
                                                     enum.trajectories.actions.tolist())}
    assert listed == positive
    # one trajectory by hand
    s, a = [1, 2, 0], [0, 1, 1]
    hand = (tiny_mdp.mu0[1] * pi[1, 0] * tiny_mdp.P[1, 0, 2] * pi[2, 1] * tiny_mdp.P[2, 1, 0]
            * pi[0, 1])
    tr = pg.Trajectories(np.array([s]), np.array([a]), tiny_mdp.r[s, a][None])
    assert pg.trajectory_log_likelihood(tiny_mdp, policy, theta, tr)[0] == pytest.approx(
        np.log(hand), rel=1e-12)
    np.testing.assert_allclose(enum.probs @ enum.trajectories.returns(),
                               pg.exact_objective(tiny_mdp, policy, theta), rtol=1e-12)


def test_impossible_trajectory_is_minus_inf_without_warning(tiny_mdp, make_policy, recwarn):
    policy, theta = make_policy("tabular", 3, 2, 0)
    # P[2, 0] = [1, 0, 0]: going 2 -> 1 under action 0 is impossible
    tr = pg.Trajectories(np.array([[2, 1, 0]]), np.array([[0, 0, 0]]), np.zeros((1, 3)))
    assert pg.trajectory_log_likelihood(tiny_mdp, policy, theta, tr)[0] == -np.inf
    assert len(recwarn) == 0


def test_enumeration_refuses_large_mdps(make_policy):
    mdp = pg.random_mdp(10, 4, 5, 0)
    policy, theta = make_policy("tabular", 10, 4, 0)
    with pytest.raises(ValueError, match="tiny MDPs"):
        pg.enumerate_trajectories(mdp, policy, theta)
