"""Example MDPs used throughout the book: random MDPs, the short corridor, a small gridworld."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as v
from .mdp import FiniteMDP


class Example(NamedTuple):
    """An MDP together with features phi(s, a) for linear/neural policies (§4.5.1).

    Attributes
    ----------
    mdp : FiniteMDP
    features : numpy.ndarray, shape (S, A, p)
    """

    mdp: FiniteMDP
    features: np.ndarray


def random_mdp(n_states, n_actions, horizon, seed, gamma=1.0, rewards="uniform"):
    """A random finite MDP (Eq. (4.1) setting) for tests and experiments.

    Transition rows P[s, a] and mu0 are drawn from a flat Dirichlet; rewards are U[0, 1]
    (``rewards="uniform"``) or N(0, 1) (``rewards="normal"``).

    Parameters
    ----------
    n_states, n_actions, horizon : int
        S, A, H (all >= 1).
    seed : int or numpy.random.Generator
        Source of randomness.
    gamma : float, default 1.0
    rewards : {"uniform", "normal"}

    Returns
    -------
    FiniteMDP
    """
    S = v.positive_int(n_states, "n_states")
    A = v.positive_int(n_actions, "n_actions")
    rng = v.generator(seed, "seed")
    P = rng.dirichlet(np.ones(S), size=(S, A))
    P /= P.sum(axis=-1, keepdims=True)
    mu0 = rng.dirichlet(np.ones(S))
    mu0 /= mu0.sum()
    if rewards == "uniform":
        r = rng.random((S, A))
    elif rewards == "normal":
        r = rng.standard_normal((S, A))
    else:
        raise ValueError(f"rewards must be 'uniform' or 'normal'; got {rewards!r}")
    return FiniteMDP(P, r, mu0, horizon, gamma)


RIGHT, LEFT = 0, 1


def short_corridor(horizon=1000):
    """Short corridor with switched actions, Sutton & Barto (2nd ed.) Example 13.1.

    States 0, 1, 2 are non-terminal and 3 is an absorbing goal; the start is 0. Actions: index 0 =
    right, 1 = left. In state 0 left stays and right goes to 1; in state 1 the actions are switched
    (right -> 0, left -> 2); in state 2 right reaches the goal and left goes to 1. Every step from
    a non-terminal state (including the one that reaches the goal) gives reward -1; the goal gives
    0 forever. The features are aliased: phi(s, right) = [1, 0] and phi(s, left) = [0, 1] in every
    state, so a :class:`~pgtools.LinearSoftmax` policy is pi(right) = p = sigmoid(theta_0 -
    theta_1) in every state.

    Known facts (checked in ``tests/test_examples.py``): with pi(right) = p everywhere, the
    infinite-horizon value of the start state is J(p) = (4 - 2p) / (p^2 - p) = -(4 - 2p) /
    (p (1 - p)), maximised at p = 2 - sqrt(2) ~ 0.586 with J ~ -11.66; the best deterministic
    aliased policies never reach the goal (J = -H). With the default H = 1000 the truncation error
    near the optimum is negligible (< 1e-20).

    Parameters
    ----------
    horizon : int, default 1000

    Returns
    -------
    Example
        ``mdp`` (4 states, 2 actions, gamma = 1) and ``features`` of shape (4, 2, 2).
    """
    P = np.zeros((4, 2, 4))
    P[0, RIGHT, 1] = P[0, LEFT, 0] = 1.0
    P[1, RIGHT, 0] = P[1, LEFT, 2] = 1.0
    P[2, RIGHT, 3] = P[2, LEFT, 1] = 1.0
    P[3, :, 3] = 1.0
    r = np.full((4, 2), -1.0)
    r[3] = 0.0
    mu0 = np.array([1.0, 0.0, 0.0, 0.0])
    features = np.zeros((4, 2, 2))
    features[:, RIGHT, 0] = 1.0
    features[:, LEFT, 1] = 1.0
    return Example(FiniteMDP(P, r, mu0, horizon, 1.0), features)


MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])  # up, right, down, left


def gridworld(n_rows=4, n_cols=4, slip=0.1, horizon=20, gamma=1.0, goal=None, start=(0, 0)):
    """A small gridworld with slippery moves and a goal, with 12 features for linear policies.

    State ``s = row * n_cols + col``. Actions 0..3 = up, right, down, left; with probability
    ``1 - slip`` the intended move is made, otherwise a uniformly random one of the four (moves into
    a wall stay put). Each step from a non-goal cell gives reward -1 (including the step into the
    goal); the goal is absorbing with reward 0, so -J is the expected (truncated) time to the goal.
    Features phi(s, a) = e_a (x) (1, row / (n_rows - 1), col / (n_cols - 1)): an action bias and
    action-specific slopes in row and column (§4.5.1), p = 12.

    Parameters
    ----------
    n_rows, n_cols : int, default 4
    slip : float in [0, 1], default 0.1
    horizon : int, default 20
    gamma : float, default 1.0
    goal : (int, int), optional
        Goal cell; defaults to the bottom-right corner.
    start : (int, int), default (0, 0)
        Start cell (mu0 is a point mass).

    Returns
    -------
    Example
        ``mdp`` (n_rows * n_cols states, 4 actions) and ``features`` of shape (S, 4, 12).
    """
    R = v.positive_int(n_rows, "n_rows")
    C = v.positive_int(n_cols, "n_cols")
    slip = v.discount(slip, "slip")
    goal = (R - 1, C - 1) if goal is None else tuple(goal)
    for name, cell in (("goal", goal), ("start", tuple(start))):
        if len(cell) != 2 or not (0 <= cell[0] < R and 0 <= cell[1] < C):
            raise ValueError(f"{name} must be a cell (row, col) inside the {R}x{C} grid; got {cell}")
    S, A = R * C, 4
    g = goal[0] * C + goal[1]
    P = np.zeros((S, A, S))
    for s in range(S):
        row, col = divmod(s, C)
        if s == g:
            P[s, :, s] = 1.0
            continue
        for a in range(A):
            for m in range(A):
                prob = (1 - slip) * (m == a) + slip / A
                nr = min(max(row + MOVES[m, 0], 0), R - 1)
                nc = min(max(col + MOVES[m, 1], 0), C - 1)
                P[s, a, nr * C + nc] += prob
    r = np.full((S, A), -1.0)
    r[g] = 0.0
    mu0 = np.zeros(S)
    mu0[start[0] * C + start[1]] = 1.0
    rows, cols = np.divmod(np.arange(S), C)
    base = np.stack([np.ones(S), rows / max(R - 1, 1), cols / max(C - 1, 1)], axis=1)  # (S, 3)
    features = np.einsum("ab,sk->sabk", np.eye(A), base).reshape(S, A, 3 * A)
    return Example(FiniteMDP(P, r, mu0, horizon, gamma), features)


def baselines_example():
    """The running example of §4.4: a random MDP, a tabular softmax policy and its parameters.

    ``random_mdp(3, 2, 4, seed=3, rewards="normal")`` (S = 3, A = 2, H = 4, so that every one of
    the 6^4 = 1296 trajectories can be enumerated), ``TabularSoftmax(3, 2)`` and theta with
    i.i.d. N(0, 1) entries from ``default_rng(103)``. The notebook of §4.4 and its explorer use
    it, so both show the same numbers.

    Returns
    -------
    mdp : FiniteMDP
    policy : TabularSoftmax
    theta : numpy.ndarray, shape (3, 2)
    """
    from .policies import TabularSoftmax

    mdp = random_mdp(3, 2, 4, seed=3, rewards="normal")
    theta = np.random.default_rng(103).normal(size=(3, 2))
    return mdp, TabularSoftmax(3, 2), theta
