"""Exact softmax policy gradient on a K-armed bandit: how fast it converges (§4.8).

A K-armed bandit with mean rewards r is the one-state, horizon-1 FiniteMDP; with the softmax
pi_theta = softmax(theta) its objective is J(theta) = pi_theta . r. We add the entropy bonus of
Mei et al. (2020), J_tau(theta) = pi_theta . (r - tau log pi_theta), tau >= 0. Then

    grad J_tau(theta) = pi_theta * (r - tau log pi_theta - J_tau(theta))

(elementwise product), and the Fisher matrix diag(pi) - pi pi^T gives the natural gradient

    F^+ grad J_tau = (r - tau log pi) - mean_a (r - tau log pi)

(the minimum-norm solution; any constant may be added). :func:`softmax_bandit_ascent` runs
theta_{t+1} = theta_t + eta * (one of the two), for one or several starting points at once.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .policies import _log_softmax

__all__ = ["METHODS", "BanditRun", "softmax_bandit_ascent", "softmax_bandit_gradient"]

METHODS = ("pg", "npg")


def _rewards(r):
    r = v.finite_array(r, "r", ndim=1)
    if r.size < 2:
        raise ValueError(f"r must hold the mean rewards of K >= 2 arms; got shape {r.shape}")
    return r


def _tau(tau):
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not np.isfinite(tau) \
            or tau < 0:
        raise ValueError(f"tau must be a finite number >= 0; got {tau!r}")
    return float(tau)


def _direction(r, theta, tau, method):
    """(gradient or natural gradient, pi, J_tau) for theta of shape (..., K)."""
    logp = _log_softmax(theta)
    p = np.exp(logp)
    u = r - tau * logp if tau else np.broadcast_to(r, p.shape)
    J = (p * u).sum(axis=-1, keepdims=True)
    if method == "pg":
        return p * (u - J), p, J[..., 0]
    return u - u.mean(axis=-1, keepdims=True), p, J[..., 0]


def softmax_bandit_gradient(r, theta, tau=0.0, method="pg"):
    """grad J_tau(theta) or its natural version F^+ grad J_tau on a bandit, §4.8.

    Parameters
    ----------
    r : array_like, shape (K,)
        Mean rewards.
    theta : array_like, shape (K,) or (B, K)
        Softmax logits (a batch of B of them allowed).
    tau : float >= 0, default 0.0
        Entropy weight.
    method : {"pg", "npg"}, default "pg"

    Returns
    -------
    numpy.ndarray, the shape of ``theta``
    """
    r = _rewards(r)
    theta = v.finite_array(theta, "theta")
    if theta.ndim not in (1, 2) or theta.shape[-1] != r.size:
        raise ValueError(f"theta must have shape ({r.size},) or (B, {r.size}); got {theta.shape}")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    return _direction(r, theta, _tau(tau), method)[0]


class BanditRun(NamedTuple):
    """Trace of :func:`softmax_bandit_ascent` (leading axis B for a batch of starts).

    Attributes
    ----------
    gaps : numpy.ndarray, shape (steps + 1,) or (B, steps + 1)
        Sub-optimality r* - pi_t . r at t = 0, ..., steps (pi_t after t updates).
    regularised_gaps : numpy.ndarray, same shape
        J*_tau - J_tau(theta_t) with J*_tau = tau log sum_a exp(r_a / tau) (equal to ``gaps``
        for tau = 0).
    theta : numpy.ndarray, shape (K,) or (B, K)
        The last iterate.
    """

    gaps: np.ndarray
    regularised_gaps: np.ndarray
    theta: np.ndarray


def softmax_bandit_ascent(r, eta, steps, theta0=None, tau=0.0, method="pg"):
    """Exact (natural) softmax policy-gradient ascent on a K-armed bandit, §4.8 (Mei et al. 2020).

    theta_{t+1} = theta_t + eta d_t with d_t = grad J_tau(theta_t) (``"pg"``) or
    F^+ grad J_tau(theta_t) (``"npg"``), both as in the module docstring. For tau = 0 and
    theta_0 = 0, "pg" has t (r* - pi_t . r) -> (K - 1) / (K eta) (§4.8); "npg" converges
    linearly; with tau > 0 both converge linearly to the softmax optimum
    pi*_tau = softmax(r / tau).

    Parameters
    ----------
    r : array_like, shape (K,)
        Mean rewards.
    eta : float > 0
        Step size.
    steps : int >= 0
    theta0 : array_like, shape (K,) or (B, K), optional
        Start (default 0: the uniform policy); a batch of B starts runs B ascents at once.
    tau : float >= 0, default 0.0
        Entropy weight.
    method : {"pg", "npg"}, default "pg"

    Returns
    -------
    BanditRun
    """
    r = _rewards(r)
    K = r.size
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not np.isfinite(eta) \
            or eta <= 0:
        raise ValueError(f"eta must be a positive number; got {eta!r}")
    steps = v.positive_int(steps, "steps", minimum=0)
    tau = _tau(tau)
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    theta = np.zeros(K) if theta0 is None else v.finite_array(theta0, "theta0")
    if theta.ndim not in (1, 2) or theta.shape[-1] != K:
        raise ValueError(f"theta0 must have shape ({K},) or (B, {K}); got {theta.shape}")
    best = r.max()
    J_star = tau * np.log(np.exp((r - best) / tau).sum()) + best if tau else best
    if theta.ndim == 1:
        gaps, reg, theta = _ascent_one(r, float(eta), steps, theta, tau, method, best, J_star)
        return BanditRun(gaps, reg, theta)
    lead = theta.shape[:-1]
    gaps = np.empty(lead + (steps + 1,))
    reg = np.empty(lead + (steps + 1,))
    eta = float(eta)
    for t in range(steps + 1):
        d, p, J = _direction(r, theta, tau, method)
        gaps[..., t] = best - p @ r
        reg[..., t] = J_star - J
        if t < steps:
            theta = theta + eta * d
    return BanditRun(gaps, reg, theta)


def _ascent_one(r, eta, steps, theta, tau, method, best, J_star):
    """The loop of :func:`softmax_bandit_ascent` for one start, on Python floats.

    The same arithmetic as :func:`_direction` (max-shifted softmax, the two directions of the
    module docstring),
    written for K numbers: for K <= 10 arms numpy's per-call overhead dominates, and this is
    several times faster (the tests compare the two paths).
    """
    K = r.size
    rr = [float(x) for x in r]
    th = [float(x) for x in theta]
    gaps = np.empty(steps + 1)
    reg = np.empty(steps + 1)
    exp, log = math.exp, math.log
    npg = method == "npg"
    for t in range(steps + 1):
        m = max(th)
        e = [exp(x - m) for x in th]
        tot = sum(e)
        p = [x / tot for x in e]
        if tau:
            logz = log(tot)
            u = [rr[k] - tau * (th[k] - m - logz) for k in range(K)]
        else:
            u = rr
        J = sum(p[k] * u[k] for k in range(K))
        gaps[t] = best - sum(p[k] * rr[k] for k in range(K))
        reg[t] = J_star - J
        if t < steps:
            if npg:
                mean = sum(u) / K
                th = [th[k] + eta * (u[k] - mean) for k in range(K)]
            else:
                th = [th[k] + eta * p[k] * (u[k] - J) for k in range(K)]
    return gaps, reg, np.array(th)
