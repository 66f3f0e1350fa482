"""Example MDPs: the short corridor (S&B Example 13.1) from first principles, gridworld, random."""

import numpy as np
import pytest

import pgtools as pg


def corridor_value(p):
    """Infinite-horizon value of state 0 when pi(right) = p everywhere: a 3x3 linear solve."""
    T = np.array([[1 - p, p, 0.0],      # 0: right -> 1, left -> stay
                  [p, 0.0, 1 - p],      # 1 (switched): right -> 0, left -> 2
                  [0.0, 1 - p, 0.0]])   # 2: right -> goal, left -> 1
    return np.linalg.solve(np.eye(3) - T, -np.ones(3))[0]


def theta_for(p):
    return np.array([np.log(p / (1 - p)), 0.0])


def test_short_corridor_structure():
    ex = pg.short_corridor()
    assert ex.mdp.n_states == 4 and ex.mdp.n_actions == 2 and ex.mdp.horizon == 1000
    assert ex.features.shape == (4, 2, 2)
    np.testing.assert_array_equal(ex.features[:, 0], [[1, 0]] * 4)
    np.testing.assert_array_equal(ex.features[:, 1], [[0, 1]] * 4)
    np.testing.assert_array_equal(ex.mdp.P.argmax(-1), [[1, 0], [0, 2], [3, 1], [3, 3]])
    np.testing.assert_array_equal(ex.mdp.r, [[-1, -1]] * 3 + [[0, 0]])


def test_short_corridor_optimum_from_first_principles():
    ps = np.linspace(0.01, 0.99, 9801)
    values = np.array([corridor_value(p) for p in ps])
    p_star = ps[values.argmax()]
    assert 0.55 < p_star < 0.62
    assert values.max() == pytest.approx(-11.6, abs=0.1)
    # the closed form J(p) = (4 - 2p) / (p^2 - p) quoted in the docstring
    np.testing.assert_allclose(values, (4 - 2 * ps) / (ps**2 - ps), rtol=1e-9)


def test_short_corridor_exact_objective_matches_linear_solve():
    ex = pg.short_corridor()
    policy = pg.LinearSoftmax(ex.features)
    for p in (0.3, 0.5, 2 - np.sqrt(2), 0.8):
        assert pg.exact_objective(ex.mdp, policy, theta_for(p)) == pytest.approx(
            corridor_value(p), rel=1e-9)
    ps = np.linspace(0.5, 0.7, 41)
    J = [pg.exact_objective(ex.mdp, policy, theta_for(p)) for p in ps]
    assert 0.55 < ps[int(np.argmax(J))] < 0.62
    # deterministic aliased policies never reach the goal
    assert pg.exact_objective(ex.mdp, policy, [-50.0, 50.0]) == pytest.approx(-1000)


def test_gridworld():
    ex = pg.gridworld(4, 4, slip=0.2, horizon=30)
    assert ex.mdp.n_states == 16 and ex.mdp.n_actions == 4
    assert ex.features.shape == (16, 4, 12)
    np.testing.assert_allclose(ex.mdp.P.sum(-1), 1.0)
    goal = 15
    np.testing.assert_array_equal(ex.mdp.P[goal, :, goal], 1.0)
    assert np.all(ex.mdp.r[goal] == 0) and np.all(ex.mdp.r[:goal] == -1)
    # from (0, 0), "right" moves to (0, 1) with prob 1 - slip + slip/4
    assert ex.mdp.P[0, 1, 1] == pytest.approx(0.8 + 0.05)
    # the optimal expected time to the goal is at least the Manhattan distance 6
    V0 = pg.optimal_values(ex.mdp).V[0, 0]
    assert -30 < V0 <= -6
    J0 = pg.exact_objective(ex.mdp, pg.LinearSoftmax(ex.features), np.zeros(12))
    assert -30 <= J0 < V0


def test_gridworld_without_slip_is_deterministic():
    ex = pg.gridworld(3, 3, slip=0.0, horizon=10)
    assert set(np.unique(ex.mdp.P)) == {0.0, 1.0}
    assert pg.optimal_values(ex.mdp).V[0, 0] == pytest.approx(-4)


def test_random_mdp_reproducible():
    a, b = pg.random_mdp(4, 3, 5, seed=3), pg.random_mdp(4, 3, 5, seed=3)
    np.testing.assert_array_equal(a.P, b.P)
    np.testing.assert_array_equal(a.r, b.r)
    assert not np.array_equal(a.P, pg.random_mdp(4, 3, 5, seed=4).P)
    assert np.all((a.r >= 0) & (a.r <= 1))
    assert pg.random_mdp(4, 3, 5, seed=3, gamma=0.5, rewards="normal").gamma == 0.5
