"""Shared fixtures for the pgtools core tests."""

import matplotlib
import numpy as np
import pytest

import pgtools as pg

matplotlib.use("Agg")

POLICY_KINDS = ("tabular", "linear", "neural")


def build_policy(kind, n_states, n_actions, seed, scale=1.0):
    """A policy of the given kind and a random theta (normal, times ``scale``)."""
    rng = np.random.default_rng(seed)
    if kind == "tabular":
        policy = pg.TabularSoftmax(n_states, n_actions)
    elif kind == "linear":
        policy = pg.LinearSoftmax(rng.normal(size=(n_states, n_actions, 3)))
    elif kind == "neural":
        policy = pg.NeuralSoftmax(rng.normal(size=(n_states, n_actions, 3)), hidden=(4, 3),
                                  seed=seed)
    else:  # pragma: no cover
        raise AssertionError(kind)
    theta = policy.init_params() + scale * rng.normal(size=policy.theta_shape)
    return policy, theta


@pytest.fixture
def make_policy():
    """Factory ``make_policy(kind, S, A, seed, scale=1.0) -> (policy, theta)``."""
    return build_policy


@pytest.fixture
def tiny_mdp():
    """A 3-state, 2-action, H = 3 random MDP with some zero transition probabilities."""
    mdp = pg.random_mdp(3, 2, 3, seed=7)
    P = np.array(mdp.P)
    P[0, 1] = [0.0, 0.3, 0.7]
    P[2, 0] = [1.0, 0.0, 0.0]
    return mdp.replace(P=P)
