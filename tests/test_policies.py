"""Softmax policies (§4.5): probabilities, scores against finite differences, stability."""

import numpy as np
import pytest
from conftest import POLICY_KINDS

import pgtools as pg


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_probs_are_softmax_of_logits(kind, make_policy):
    policy, theta = make_policy(kind, 4, 3, 0)
    probs = policy.probs(theta)
    np.testing.assert_allclose(probs, naive_softmax(policy.logits(theta)), rtol=1e-12)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    np.testing.assert_allclose(policy.log_probs(theta), np.log(probs), atol=1e-12)


def test_tabular_normalises_over_actions_only():
    """The chapter's §4.5 denominator sum_{s,a'} is a typo: each state's row sums to 1."""
    policy = pg.TabularSoftmax(2, 2)
    theta = np.array([[0.0, np.log(3.0)], [5.0, 5.0]])
    np.testing.assert_allclose(policy.probs(theta), [[0.25, 0.75], [0.5, 0.5]])


def test_linear_logits_and_score_formula(make_policy):
    policy, theta = make_policy("linear", 3, 4, 1)
    phi = policy.features
    np.testing.assert_allclose(policy.logits(theta), phi @ theta)
    pi = policy.probs(theta)
    s, a = np.array([0, 2, 1]), np.array([3, 0, 2])
    expected = phi[s, a] - np.einsum("na,nap->np", pi[s], phi[s])  # §4.5.1
    np.testing.assert_allclose(policy.score(theta, s, a), expected, atol=1e-12)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_score_matches_finite_differences_of_log_prob(kind, make_policy):
    policy, theta = make_policy(kind, 3, 3, 2)
    states, actions = np.array([[0, 1, 2], [2, 2, 0]]), np.array([[2, 0, 1], [1, 2, 0]])
    score = policy.score(theta, states, actions)
    assert score.shape == states.shape + policy.theta_shape
    for idx in np.ndindex(states.shape):
        fd = pg.finite_difference_gradient(
            lambda th, i=idx: policy.log_prob(th, states[i], actions[i]), theta)
        np.testing.assert_allclose(score[idx], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_logit_gradients_match_finite_differences(kind, make_policy):
    policy, theta = make_policy(kind, 2, 3, 3)
    G = policy.logit_gradients(theta)
    assert G.shape == (2, 3) + policy.theta_shape
    for s in range(2):
        for a in range(3):
            fd = pg.finite_difference_gradient(lambda th, s=s, a=a: policy.logits(th)[s, a], theta)
            np.testing.assert_allclose(G[s, a], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_weighted_score_sum_equals_explicit_sum(kind, make_policy):
    policy, theta = make_policy(kind, 3, 2, 4)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 3, 2))
    table = policy.score_table(theta)
    explicit = np.array([sum(w[k, s, a] * policy.score(theta, s, a) for s in range(3)
                             for a in range(2)) for k in range(5)])
    np.testing.assert_allclose(policy.weighted_score_sum(theta, w), explicit, atol=1e-12)
    np.testing.assert_allclose(policy.weighted_score_sum(theta, w[0]), explicit[0], atol=1e-12)
    np.testing.assert_allclose(np.einsum("sa,sa...->...", w[1], table), explicit[1], atol=1e-12)


@pytest.mark.parametrize("big", [1e3, -1e3])
def test_extreme_logits_are_stable(big):
    policy = pg.TabularSoftmax(2, 3)
    theta = np.array([[big, 0.0, -big], [big, big, 0.0]])
    probs = policy.probs(theta)
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(1), 1.0)
    s, a = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 0, 1, 2])
    assert np.all(np.isfinite(policy.log_prob(theta, s, a)))
    assert np.all(np.isfinite(policy.score(theta, s, a)))
    lin = pg.LinearSoftmax(np.eye(3)[None].repeat(2, axis=0))
    assert np.all(np.isfinite(lin.score(lin.init_params() + [big, 0.0, -big], s, a)))


def test_neural_extreme_weights_are_stable(make_policy):
    policy, theta = make_policy("neural", 3, 2, 0, scale=1e3)
    s, a = np.array([0, 1, 2]), np.array([1, 0, 1])
    assert np.all(np.isfinite(policy.probs(theta)))
    assert np.all(np.isfinite(policy.score(theta, s, a)))


def test_init_params():
    assert not pg.TabularSoftmax(3, 2).init_params().any()
    assert pg.LinearSoftmax(np.ones((3, 2, 4))).init_params().shape == (4,)
    phi = np.random.default_rng(0).normal(size=(3, 2, 5))
    net = pg.NeuralSoftmax(phi, hidden=(7,), seed=1)
    assert net.theta_shape == (5 * 7 + 7 + 7,)
    t1, t2 = net.init_params(), pg.NeuralSoftmax(phi, hidden=(7,), seed=1).init_params()
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(t1, pg.NeuralSoftmax(phi, hidden=(7,), seed=2).init_params())
    assert 0 < np.abs(t1).max() < 5


def test_scalar_state_action_gives_theta_shaped_score(make_policy):
    policy, theta = make_policy("tabular", 3, 2, 0)
    assert policy.score(theta, 1, 0).shape == (3, 2)
    assert np.ndim(policy.log_prob(theta, 1, 0)) == 0
