"""KL divergences for trust regions (§4.7): between trajectory distributions, and Gaussians.

* :func:`trajectory_kl` -- KL(rho_theta || rho_theta') of two policies on one
  :class:`~pgtools.FiniteMDP`. The dynamics cancel in the log-ratio of Eq. (4.2), so
  KL(rho_theta || rho_theta') = sum_t E_{s_t ~ rho_theta} KL(pi_theta(.|s_t) || pi_theta'(.|s_t))
  (theorem "The dynamics cancel", §4.7).
* :func:`sampled_trajectory_kl` -- its Monte Carlo estimate from trajectories of rho_theta.
* :func:`gaussian_mixture_kl` and :func:`fit_gaussian` -- the asymmetry of the KL divergence on a
  one-dimensional Gaussian mixture (§4.7): KL(p || q) (p the Gaussian) is mode-seeking, KL(q || p)
  matches moments.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .exact import state_action_marginals
from .policies import check_policy
from .sampling import check_trajectories

__all__ = ["GaussianFit", "fit_gaussian", "gaussian_mixture_kl", "sampled_trajectory_kl",
           "state_visitation", "trajectory_kl"]


def _theta_maybe_batch(policy, theta, name):
    """``theta`` of shape ``theta_shape`` or ``(K,) + theta_shape`` -> (array, batched)."""
    arr = v.finite_array(theta, name)
    shape = tuple(policy.theta_shape)
    if arr.shape == shape:
        return arr, False
    if arr.ndim == len(shape) + 1 and arr.shape[1:] == shape and arr.shape[0] >= 1:
        return arr, True
    raise ValueError(f"{name} must have shape {shape} or (K,) + {shape} (a batch of K >= 1 "
                     f"parameter vectors); got shape {arr.shape}")


def state_visitation(mdp, policy, theta):
    """Expected number of visits D(s) = sum_{t<H} P_theta(s_t = s) (undiscounted), §4.7.

    The weight of state s in :func:`trajectory_kl` and in :func:`pgtools.fisher_matrix`; it
    sums to H.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape (S,)
    """
    return state_action_marginals(mdp, policy, theta).sum(axis=(0, 2))


def trajectory_kl(mdp, policy, theta, theta_other):
    """KL(rho_theta || rho_theta') between the trajectory distributions of two policies (§4.7).

    By Eq. (4.2) the log-ratio log rho_theta(tau) - log rho_theta'(tau) is
    sum_t [log pi_theta(a_t|s_t) - log pi_theta'(a_t|s_t)]: mu0 and P cancel. Taking the
    expectation step by step (theorem "The dynamics cancel", §4.7),

        KL(rho_theta || rho_theta')
            = sum_t E_{s_t ~ rho_theta} KL(pi_theta(.|s_t) || pi_theta'(.|s_t))
                                    = sum_s D(s) KL(pi_theta(.|s) || pi_theta'(.|s)),

    with D(s) = sum_t P_theta(s_t = s) (:func:`state_visitation`). Undiscounted (gamma is not
    used). Cost O(H S^2 A) for the forward pass, then O(S A) per theta'.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
        The policy whose trajectories the expectation is over.
    theta_other : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
        One other parameter vector, or a batch of K of them.

    Returns
    -------
    float, or numpy.ndarray of shape (K,) for a batch
    """
    D = state_visitation(mdp, policy, theta)
    other, batched = _theta_maybe_batch(policy, theta_other, "theta_other")
    logp = policy.log_probs(theta)
    logq = policy.log_probs(other)
    kl_s = (np.exp(logp) * (logp - logq)).sum(axis=-1)          # (S,) or (K, S)
    out = kl_s @ D
    return out if batched else float(out)


def sampled_trajectory_kl(policy, theta, theta_other, trajectories, per_trajectory=False):
    """Monte Carlo estimate of KL(rho_theta || rho_theta') from trajectories of rho_theta (§4.7).

    The mean over trajectories of sum_t [log pi_theta(a_t|s_t) - log pi_theta'(a_t|s_t)]: the
    log-ratio of Eq. (4.2) with the dynamics cancelled. Unbiased when the trajectories are drawn
    from rho_theta (e.g. :func:`pgtools.sample_trajectories` with ``theta``).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta, theta_other : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories sampled from rho_theta.
    per_trajectory : bool, default False
        Return each trajectory's log-ratio instead of their mean.

    Returns
    -------
    float, or numpy.ndarray of shape (n,) if ``per_trajectory``
    """
    check_policy(policy)
    theta = v.theta_array(theta, policy.theta_shape)
    other = v.theta_array(theta_other, policy.theta_shape, "theta_other")
    check_trajectories(trajectories, policy.n_states, policy.n_actions)
    if trajectories.n < 1:
        raise ValueError("trajectories must contain at least one trajectory (n >= 1)")
    s, a = trajectories.states, trajectories.actions
    ratio = (policy.log_probs(theta) - policy.log_probs(other))[s, a].sum(axis=1)
    return ratio if per_trajectory else float(ratio.mean())


# ------------------------------------------------------- Gaussians and mixtures (§4.7)
# E_{z ~ N(0, 1)} f(z) ~ sum_i w_i f(z_i): the trapezoidal rule on [-12, 12], step 0.005. For a
# smooth integrand against the Gaussian density it converges geometrically fast (the mixture's
# log-density bends sharply between the modes, where Gauss-Hermite quadrature is poor).
_NODES = np.linspace(-12.0, 12.0, 4801)
_WEIGHTS = np.exp(-0.5 * _NODES ** 2)
_WEIGHTS[[0, -1]] *= 0.5
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _mixture(weights, means, sds):
    w = v.finite_array(weights, "weights", ndim=1)
    m = v.finite_array(means, "means", shape=w.shape)
    s = v.finite_array(sds, "sds", shape=w.shape)
    if w.size < 1:
        raise ValueError("weights must hold at least one component")
    v.distribution_rows(w, "weights")
    if np.any(s <= 0):
        raise ValueError(f"sds must be positive; got {s.tolist()}")
    return w, m, s


def _log_mixture(x, w, m, s):
    """log q(x) of the mixture, by a stable log-sum-exp; also d/dx log q(x)."""
    z = (x[..., None] - m) / s
    logc = np.log(w) - np.log(s) - 0.5 * np.log(2 * np.pi) - 0.5 * z ** 2
    top = logc.max(axis=-1, keepdims=True)
    e = np.exp(logc - top)
    tot = e.sum(axis=-1)
    logq = top[..., 0] + np.log(tot)
    dlogq = (e * (-z / s)).sum(axis=-1) / tot
    return logq, dlogq


def _gaussian(mu, sigma):
    if not (isinstance(mu, numbers.Real) and np.isfinite(mu)):
        raise ValueError(f"mu must be a finite real number; got {mu!r}")
    if not (isinstance(sigma, numbers.Real) and np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number; got {sigma!r}")
    return float(mu), float(sigma)


DIRECTIONS = ("p||q", "q||p")


def _direction(direction):
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}")
    return direction


def gaussian_mixture_kl(mu, sigma, weights, means, sds, direction="p||q"):
    """KL between a Gaussian p = N(mu, sigma^2) and a mixture q = sum_k w_k N(m_k, s_k^2) (§4.7).

    * ``direction="p||q"``: KL(p || q) = -1/2 log(2 pi e sigma^2) - E_p log q(x), the
      expectation by the trapezoidal rule on 4801 points under p;
    * ``direction="q||p"``: KL(q || p) = E_q log q(x) - E_q log p(x), with E_q log p in closed
      form (it needs only the mean and variance of q) and E_q log q by the same rule under each
      component.

    Parameters
    ----------
    mu, sigma : float
        Mean and standard deviation (> 0) of the Gaussian p.
    weights, means, sds : array_like, shape (K,)
        The mixture q: weights (a distribution), component means and standard deviations (> 0).
    direction : {"p||q", "q||p"}

    Returns
    -------
    float
    """
    mu, sigma = _gaussian(mu, sigma)
    w, m, s = _mixture(weights, means, sds)
    direction = _direction(direction)
    if direction == "p||q":
        logq, _ = _log_mixture(mu + sigma * _NODES, w, m, s)
        return float(-0.5 * np.log(2 * np.pi * np.e * sigma ** 2) - _WEIGHTS @ logq)
    x = m[:, None] + s[:, None] * _NODES[None, :]                 # (K, nodes)
    logq, _ = _log_mixture(x, w, m, s)
    e_logq = float(w @ (logq @ _WEIGHTS))
    second = float(w @ (s ** 2 + (m - mu) ** 2))                  # E_q (x - mu)^2
    e_logp = -0.5 * np.log(2 * np.pi * sigma ** 2) - second / (2 * sigma ** 2)
    return float(e_logq - e_logp)


class GaussianFit(NamedTuple):
    """Result of :func:`fit_gaussian`.

    Attributes
    ----------
    mu, sigma : float
        The best Gaussian found.
    kl : float
        The KL divergence it reaches.
    iterations : int
        Newton iterations used (0 for the closed-form ``"q||p"`` fit).
    """

    mu: float
    sigma: float
    kl: float
    iterations: int


def fit_gaussian(weights, means, sds, direction="p||q", start=(0.0, 1.0), tol=1e-10,
                 max_iter=200):
    """The Gaussian N(mu, sigma^2) closest to a mixture q in KL(p || q) or KL(q || p) (§4.7).

    * ``"q||p"``: min over p of KL(q || p) is reached by matching moments, mu = E_q x and
      sigma^2 = Var_q x (the closed form; ``start`` is not used).
    * ``"p||q"``: a local minimum of KL(p || q) over (mu, log sigma), by Newton's method on the
      exact gradient, E_p[(log q)'(x)] and E_p[(log q)'(x) sigma z] + 1 (quadrature), with a
      finite-difference Hessian and a backtracking line search, from ``start``. The objective
      has one local minimum per well-separated mode; the start picks which.

    Parameters
    ----------
    weights, means, sds : array_like, shape (K,)
    direction : {"p||q", "q||p"}
    start : (float, float), default (0.0, 1.0)
        Initial (mu, sigma) for ``"p||q"``.
    tol : float, default 1e-10
        Stop when the gradient's max-norm is below ``tol``.
    max_iter : int, default 200

    Returns
    -------
    GaussianFit
    """
    w, m, s = _mixture(weights, means, sds)
    direction = _direction(direction)
    if direction == "q||p":
        mu = float(w @ m)
        sigma = float(np.sqrt(w @ (s ** 2 + m ** 2) - mu ** 2))
        return GaussianFit(mu, sigma, gaussian_mixture_kl(mu, sigma, w, m, s, "q||p"), 0)
    if not (isinstance(start, (tuple, list)) and len(start) == 2):
        raise ValueError(f"start must be a pair (mu, sigma); got {start!r}")
    mu0, sigma0 = _gaussian(*start)
    if not (isinstance(tol, numbers.Real) and tol > 0):
        raise ValueError(f"tol must be a positive number; got {tol!r}")
    max_iter = v.positive_int(max_iter, "max_iter")

    def f(x):
        return gaussian_mixture_kl(x[0], float(np.exp(x[1])), w, m, s, "p||q")

    def grad(x):
        sig = np.exp(x[1])
        _, d = _log_mixture(x[0] + sig * _NODES, w, m, s)
        return np.array([-_WEIGHTS @ d, -1.0 - _WEIGHTS @ (d * sig * _NODES)])

    x = np.array([mu0, np.log(sigma0)])
    it = 0
    for it in range(1, max_iter + 1):
        g = grad(x)
        if np.abs(g).max() < tol:
            it -= 1
            break
        h = 1e-5
        Hm = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(2)])
        Hm = 0.5 * (Hm + Hm.T)
        lam = np.linalg.eigvalsh(Hm)
        step = -np.linalg.solve(Hm, g) if lam.min() > 0 else -g
        fx, t = f(x), 1.0
        while f(x + t * step) > fx + 1e-4 * t * (g @ step) and t > 1e-12:
            t *= 0.5
        x = x + t * step
    return GaussianFit(float(x[0]), float(np.exp(x[1])), f(x), it)
