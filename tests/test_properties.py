"""Property-based checks (hypothesis) over random MDPs and parameters, extreme logits included."""

import numpy as np
from conftest import build_policy
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtools as pg

kinds = st.sampled_from(["tabular", "linear", "neural"])
sizes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
seeds = st.integers(0, 2**16)
scales = st.sampled_from([0.0, 0.1, 1.0, 10.0, 1e3])


@settings(max_examples=40, deadline=None)
@given(kind=kinds, size=sizes, seed=seeds, scale=scales)
def test_probabilities_and_scores_are_finite(kind, size, seed, scale):
    S, A, _ = size
    policy, theta = build_policy(kind, S, A, seed, scale)
    probs = policy.probs(theta)
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-12)
    s, a = np.divmod(np.arange(S * A), A)
    assert np.all(np.isfinite(policy.score(theta, s, a)))
    assert np.all(np.isfinite(policy.log_prob(theta, s, a)))
    # the score has mean zero under pi: sum_a pi(a|s) grad log pi(a|s) = 0
    mean = np.einsum("sa,sa...->s...", probs, policy.score_table(theta))
    assert np.allclose(mean, 0.0, atol=1e-9 * max(1.0, scale))


@settings(max_examples=30, deadline=None)
@given(kind=kinds, size=sizes, seed=seeds, scale=st.sampled_from([0.1, 1.0, 3.0]),
       gamma=st.sampled_from([1.0, 0.9, 0.0]))
def test_exact_gradient_matches_finite_differences(kind, size, seed, scale, gamma):
    S, A, H = size
    mdp = pg.random_mdp(S, A, H, seed, gamma=gamma, rewards="normal")
    policy, theta = build_policy(kind, S, A, seed + 1, scale)
    g = pg.exact_gradient(mdp, policy, theta)
    fd = pg.finite_difference_gradient(lambda th: pg.exact_objective(mdp, policy, th), theta)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(kind=kinds, size=sizes, seed=seeds, scale=scales)
def test_marginals_and_values_are_consistent(kind, size, seed, scale):
    S, A, H = size
    mdp = pg.random_mdp(S, A, H, seed, gamma=0.95)
    policy, theta = build_policy(kind, S, A, seed, scale)
    d = pg.state_action_marginals(mdp, policy, theta)
    np.testing.assert_allclose(d.sum(axis=(1, 2)), 1.0)
    V = pg.value_tables(mdp, policy, theta).V
    J = pg.exact_objective(mdp, policy, theta)
    assert np.isclose(J, mdp.mu0 @ V[0])
    # J = sum_t gamma^t E[r_t] = sum_t gamma^t sum_{s,a} d_t r
    assert np.isclose(J, sum(0.95**t * np.sum(d[t] * mdp.r) for t in range(H)))
    assert J <= mdp.mu0 @ pg.optimal_values(mdp).V[0] + 1e-9
