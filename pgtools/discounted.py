"""Infinite-horizon discounted values and the natural policy gradient of Agarwal et al. (§4.8).

The theory of policy gradients (Agarwal, Kakade, Lee & Mahajan 2021; Mei et al. 2020) works with
the stationary, infinite-horizon objective V^pi(rho) = E[sum_{t>=0} gamma^t r(s_t, a_t)],
s_0 ~ rho, gamma < 1. Here it is computed from the tables of a :class:`~pgtools.FiniteMDP`
(``P``, ``r``, ``mu0`` as rho, ``gamma`` < 1; its ``horizon`` is not used), by linear solves:

* V^pi = (I - gamma P_pi)^{-1} r_pi, Q^pi = r + gamma P V^pi, A^pi = Q^pi - V^pi;
* d^pi_rho(s) = (1 - gamma) sum_t gamma^t P(s_t = s), a distribution (note the factor 1 - gamma);
* grad V^pi(rho) = 1/(1 - gamma) E_{s ~ d, a ~ pi}[psi(s, a) A^pi(s, a)] (the infinite-horizon
  policy-gradient theorem);
* F_rho(theta) = E_{s ~ d, a ~ pi}[psi psi^T] (definition "The Fisher matrix of Agarwal et al.",
  §4.8): the *discounted, normalised* state
  distribution, unlike :func:`pgtools.fisher_matrix`, which weights state s by its expected
  undiscounted number of visits.

For the tabular softmax, F_rho^+ grad V = A^pi / (1 - gamma) (up to a constant per state), so NPG
is pi_{t+1}(a|s) ∝ pi_t(a|s) exp(eta A^(t)(s, a) / (1 - gamma)) (:func:`npg_discounted`).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .mdp import check_mdp
from .policies import _log_softmax, check_policy
from .sampling import _check_compatible

__all__ = ["DiscountedValues", "NPGRun", "discounted_fisher", "discounted_gradient",
           "discounted_optimal_values", "discounted_values", "discounted_visitation",
           "npg_discounted"]


class DiscountedValues(NamedTuple):
    """Stationary discounted values of a policy (§4.8).

    Attributes
    ----------
    V : numpy.ndarray, shape (S,)
    Q : numpy.ndarray, shape (S, A)
    A : numpy.ndarray, shape (S, A)
    """

    V: np.ndarray
    Q: np.ndarray
    A: np.ndarray


def _check(mdp):
    check_mdp(mdp)
    if not mdp.gamma < 1:
        raise ValueError(f"mdp.gamma must be < 1 for the infinite-horizon discounted objective; "
                         f"got {mdp.gamma}")
    return mdp


def _values(mdp, pi):
    S = mdp.n_states
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    r_pi = (pi * mdp.r).sum(axis=1)
    V = np.linalg.solve(np.eye(S) - mdp.gamma * P_pi, r_pi)
    Q = mdp.r + mdp.gamma * mdp.P @ V
    return DiscountedValues(V, Q, Q - V[:, None])


def _visitation(mdp, pi):
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    d = np.linalg.solve((np.eye(mdp.n_states) - mdp.gamma * P_pi).T, mdp.mu0)
    return (1 - mdp.gamma) * d


def _pi(mdp, policy, theta):
    _check(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    return policy.probs(v.theta_array(theta, policy.theta_shape))


def discounted_values(mdp, policy, theta):
    """V^pi, Q^pi, A^pi of the infinite-horizon discounted objective, by a linear solve (§4.8).

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``; ``horizon`` is not used.
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    DiscountedValues
    """
    return _values(mdp, _pi(mdp, policy, theta))


def discounted_visitation(mdp, policy, theta):
    """d^pi_rho(s) = (1 - gamma) sum_{t>=0} gamma^t P(s_t = s), s_0 ~ rho = mu0 (§4.8).

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``.
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape (S,), a distribution
    """
    return _visitation(mdp, _pi(mdp, policy, theta))


def discounted_gradient(mdp, policy, theta):
    """grad V^pi(rho) = 1/(1 - gamma) E_{s ~ d^pi_rho, a ~ pi}[psi(s, a) A^pi(s, a)], §4.8.

    The infinite-horizon policy-gradient theorem (Sutton et al. 2000), one
    ``policy.weighted_score_sum``.

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``.
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``
    """
    pi = _pi(mdp, policy, theta)
    A = _values(mdp, pi).A
    d = _visitation(mdp, pi)
    return policy.weighted_score_sum(theta, d[:, None] * pi * A / (1 - mdp.gamma))


def discounted_fisher(mdp, policy, theta):
    """F_rho(theta) = E_{s ~ d^pi_rho, a ~ pi}[psi psi^T], Agarwal et al.'s Fisher, §4.8.

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``.
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape (d, d)
    """
    pi = _pi(mdp, policy, theta)
    d = _visitation(mdp, pi)
    psi = policy.score_table(theta).reshape(pi.size, -1)
    G = psi * np.sqrt((d[:, None] * pi).ravel())[:, None]
    return G.T @ G


def discounted_optimal_values(mdp, max_iter=1000):
    """V* and an optimal deterministic policy by exact policy iteration (§4.8).

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``.
    max_iter : int, default 1000

    Returns
    -------
    V : numpy.ndarray, shape (S,)
    policy : int numpy.ndarray, shape (S,)
    """
    _check(mdp)
    max_iter = v.positive_int(max_iter, "max_iter")
    S, A = mdp.n_states, mdp.n_actions
    act = np.zeros(S, dtype=np.int64)
    for _ in range(max_iter):
        V = _values(mdp, np.eye(A)[act]).V
        Q = mdp.r + mdp.gamma * mdp.P @ V
        keep = Q[np.arange(S), act] >= Q.max(axis=1) - 1e-12
        new = np.where(keep, act, Q.argmax(axis=1))
        if np.array_equal(new, act):
            return V, act
        act = new
    raise ValueError(f"policy iteration did not converge in max_iter = {max_iter} iterations")


class NPGRun(NamedTuple):
    """Trace of :func:`npg_discounted`.

    Attributes
    ----------
    values : numpy.ndarray, shape (steps + 1,)
        V^(t)(rho) for t = 0, ..., steps.
    optimal : float
        V*(rho).
    theta : numpy.ndarray, shape (S, A)
        The last iterate of the tabular softmax logits.
    """

    values: np.ndarray
    optimal: float
    theta: np.ndarray


def npg_discounted(mdp, eta, steps, theta0=None):
    """Natural policy gradient with the tabular softmax on a discounted MDP (Agarwal et al. 2021).

    theta_{t+1} = theta_t + eta F_rho(theta_t)^+ grad V^(t)(rho), which for the tabular softmax
    is theta_{t+1} = theta_t + eta A^(t) / (1 - gamma), i.e.
    pi_{t+1}(a|s) ∝ pi_t(a|s) exp(eta A^(t)(s, a) / (1 - gamma)) (§4.8). From theta_0 = 0 and
    rewards in [0, 1], Agarwal et al. prove
    V*(rho) - V^(T)(rho) <= log|A| / (eta T) + 1 / ((1 - gamma)^2 T).

    Parameters
    ----------
    mdp : FiniteMDP
        With ``gamma < 1``; rho = ``mu0``.
    eta : float > 0
    steps : int >= 0
    theta0 : array_like, shape (S, A), optional
        Default 0 (the uniform policy).

    Returns
    -------
    NPGRun
    """
    _check(mdp)
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not np.isfinite(eta) \
            or eta <= 0:
        raise ValueError(f"eta must be a positive number; got {eta!r}")
    steps = v.positive_int(steps, "steps", minimum=0)
    S, A = mdp.n_states, mdp.n_actions
    theta = np.zeros((S, A)) if theta0 is None else v.theta_array(theta0, (S, A), "theta0")
    V_star = float(mdp.mu0 @ discounted_optimal_values(mdp)[0])
    values = np.empty(steps + 1)
    for t in range(steps + 1):
        pi = np.exp(_log_softmax(theta))
        vals = _values(mdp, pi)
        values[t] = mdp.mu0 @ vals.V
        if t < steps:
            theta = theta + eta * vals.A / (1 - mdp.gamma)
    return NPGRun(values, V_star, theta)
