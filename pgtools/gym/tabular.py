"""Finite MDPs from Gymnasium toy-text transition tables (§4.6; the setting of Eq. (4.1), §4.2)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _validate as v
from ..mdp import FiniteMDP


def _unwrap(env):
    """Return ``(env, unwrapped)`` for an environment or a registered id; ValueError otherwise."""
    import gymnasium as gym

    if isinstance(env, str):
        try:
            env = gym.make(env)
        except Exception as exc:  # unknown id, missing dependency, ...
            raise ValueError(f"env: could not make Gymnasium environment {env!r} ({exc})") from None
    if isinstance(env, gym.vector.VectorEnv):
        raise ValueError("env must be a single gymnasium.Env, not a vector environment")
    if not isinstance(env, gym.Env):
        raise ValueError(f"env must be a gymnasium.Env or a registered id; got {type(env).__name__}")
    return env, env.unwrapped


def tables_from_gymnasium(env):
    """Read ``P``, ``r``, ``mu0`` (and the terminal states) off a toy-text environment (§4.6).

    Gymnasium's toy-text environments store their dynamics as ``env.unwrapped.P[s][a]``, a list of
    ``(prob, next_state, reward, terminated)``. We turn it into the arrays of Eq. (4.1):

    * ``P[s, a, s']`` sums the probabilities of the listed outcomes that land in ``s'``;
    * ``r[s, a] = sum prob * reward`` is the *expected* reward of the pair (the finite-horizon
      objective only ever uses it in expectation);
    * every state entered by a ``terminated`` transition is made *absorbing with reward 0*:
      ``P[s, a] = e_s``, ``r[s, a] = 0`` -- after the episode ends nothing more is collected, which
      is exactly what padding an ended episode with zero reward does;
    * ``mu0`` is ``env.unwrapped.initial_state_distrib`` (FrozenLake, CliffWalking), or a point mass
      on ``start_state_index`` when only that is available.

    Parameters
    ----------
    env : gymnasium.Env or str
        A toy-text environment (e.g. ``gym.make("FrozenLake-v1")``) or its registered id.

    Returns
    -------
    P : numpy.ndarray, shape (S, A, S)
    r : numpy.ndarray, shape (S, A)
    mu0 : numpy.ndarray, shape (S,)
    terminal : numpy.ndarray of bool, shape (S,)

    Raises
    ------
    ValueError
        If ``env`` is not a Gymnasium environment, its spaces are not ``Discrete``, it has no
        transition table ``P``, the table is malformed, or a terminal state is also reached by a
        non-terminating transition (it could not be made absorbing faithfully).
    """
    import gymnasium as gym

    env, u = _unwrap(env)
    obs_space, act_space = env.observation_space, env.action_space
    if not isinstance(obs_space, gym.spaces.Discrete) or not isinstance(act_space, gym.spaces.Discrete):
        raise ValueError(
            "env must have Discrete observation and action spaces (a toy-text environment); got "
            f"{type(obs_space).__name__} observations and {type(act_space).__name__} actions"
        )
    table = getattr(u, "P", None)
    if not isinstance(table, dict):
        raise ValueError(
            f"env {type(u).__name__} has no transition table env.unwrapped.P "
            "(a dict P[s][a] = [(prob, next_state, reward, terminated), ...])"
        )
    S, A = int(obs_space.n), int(act_space.n)
    P = np.zeros((S, A, S))
    r = np.zeros((S, A))
    entered_terminal = np.zeros(S, dtype=bool)
    entered_live = np.zeros(S, dtype=bool)
    for s in range(S):
        if s not in table or len(table[s]) != A:
            raise ValueError(f"env.unwrapped.P[{s}] must list all {A} actions")
        for a in range(A):
            for outcome in table[s][a]:
                try:
                    prob, s2, rew, term = outcome
                    prob, s2, rew = float(prob), int(s2), float(rew)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"env.unwrapped.P[{s}][{a}] entries must be (prob, next_state, reward, "
                        f"terminated); got {outcome!r}"
                    ) from None
                if not 0 <= s2 < S:
                    raise ValueError(f"env.unwrapped.P[{s}][{a}] leads to state {s2} not in [0, {S})")
                P[s, a, s2] += prob
                r[s, a] += prob * rew
                if prob > 0:
                    (entered_terminal if term else entered_live)[s2] = True
    clash = np.flatnonzero(entered_terminal & entered_live)
    if clash.size:
        raise ValueError(
            f"state {clash[0]} is entered both by terminating and non-terminating transitions; "
            "it cannot be made absorbing"
        )
    terminal = entered_terminal
    for s in np.flatnonzero(terminal):  # absorbing, reward 0
        P[s] = 0.0
        P[s, :, s] = 1.0
        r[s] = 0.0

    mu0 = getattr(u, "initial_state_distrib", None)
    if mu0 is None and isinstance(getattr(u, "start_state_index", None), numbers.Integral):
        mu0 = np.eye(S)[int(u.start_state_index)]
    if mu0 is None:
        raise ValueError(
            f"env {type(u).__name__} exposes neither initial_state_distrib nor start_state_index"
        )
    mu0 = v.finite_array(mu0, "env.unwrapped.initial_state_distrib", shape=(S,))
    return P, r, mu0, terminal


def mdp_from_gymnasium(env, horizon, gamma=1.0):
    """A :class:`pgtools.FiniteMDP` with the dynamics of a Gymnasium toy-text environment (§4.6).

    Builds ``P``, ``r``, ``mu0`` with :func:`tables_from_gymnasium` (terminal states absorbing with
    reward 0, expected rewards) and wraps them with horizon ``H`` -- the objective of Eq. (4.1).
    With ``horizon`` at most the environment's own time limit, ``exact_objective`` on the result
    equals the mean return of the policy run in the real environment for ``horizon`` steps.

    Parameters
    ----------
    env : gymnasium.Env or str
        E.g. ``gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)``,
        ``gym.make("CliffWalking-v1")``, or a registered id.
    horizon : int
        Horizon ``H >= 1``.
    gamma : float, default 1.0
        Discount factor in [0, 1].

    Returns
    -------
    FiniteMDP
    """
    horizon = v.positive_int(horizon, "horizon")
    gamma = v.discount(gamma)
    P, r, mu0, _ = tables_from_gymnasium(env)
    return FiniteMDP(P, r, mu0, horizon, gamma)


def frozenlake_layout(env):
    """The FrozenLake map as a 2-D array of one-character strings ('S', 'F', 'H', 'G').

    Parameters
    ----------
    env : gymnasium.Env or str
        A FrozenLake environment.

    Returns
    -------
    numpy.ndarray of str, shape (nrow, ncol)
    """
    _, u = _unwrap(env)
    desc = getattr(u, "desc", None)
    if desc is None:
        raise ValueError(f"env {type(u).__name__} has no map (env.unwrapped.desc)")
    return np.asarray(desc).astype(str)
