"""The Fisher matrix of trajectory distributions and the natural policy gradient (§4.8).

Convention (the one of :func:`pgtools.trajectory_kl`): the Fisher matrix is that of the
trajectory distribution rho_theta, undiscounted,

    F(theta) = E_{tau ~ rho_theta}[grad log rho_theta(tau) grad log rho_theta(tau)^T]
             = sum_s D(s) sum_a pi_theta(a|s) psi(s, a) psi(s, a)^T

(theorem "The KL to second order", §4.7), with psi = grad log pi_theta (the score) and
D(s) = sum_{t<H} P_theta(s_t = s). The cross terms between time steps vanish because
E_{a ~ pi(.|s)} psi(s, a) = 0. F is the Hessian of theta' -> KL(rho_theta || rho_theta') at
theta' = theta. theta is flattened in C order.

The natural gradient is F^+ grad J (theorem "Steepest ascent in the KL geometry", §4.8); for a
softmax policy F is singular (adding a constant to the logits of a state does not change the
policy), hence the pseudo-inverse.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _validate as v
from .estimators import score_weighted_sum
from .exact import exact_gradient
from .kl import state_visitation
from .policies import check_policy
from .sampling import check_trajectories

__all__ = ["conjugate_gradient", "fisher_matrix", "fisher_vector_product", "natural_gradient",
           "natural_step_size", "sampled_fisher_matrix"]


def _weighted_scores(mdp, policy, theta):
    """Scores psi (S*A, d) and their weights D(s) pi(a|s) (S*A,)."""
    D = state_visitation(mdp, policy, theta)            # validates mdp, policy, theta
    theta = v.theta_array(theta, policy.theta_shape)
    pi = policy.probs(theta)
    psi = policy.score_table(theta).reshape(mdp.n_states * mdp.n_actions, -1)
    return psi, (D[:, None] * pi).ravel()


def fisher_matrix(mdp, policy, theta):
    """Fisher matrix F(theta) of the trajectory distribution rho_theta (§4.7, §4.8).

    F = E[grad log rho grad log rho^T] = sum_s D(s) sum_a pi(a|s) psi(s, a) psi(s, a)^T, the
    Hessian at theta' = theta of KL(rho_theta || rho_theta') (undiscounted). One forward pass
    for D (O(H S^2 A)) and one product of the (S A) x d score table with itself (O(S A d^2));
    no enumeration of trajectories.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    numpy.ndarray, shape (d, d), d = theta.size (theta flattened in C order); symmetric,
    positive semi-definite
    """
    psi, w = _weighted_scores(mdp, policy, theta)
    G = psi * np.sqrt(w)[:, None]
    return G.T @ G


def fisher_vector_product(mdp, policy, theta, vector):
    """F(theta) u without forming F: sum_s D(s) sum_a pi(a|s) psi(s, a) (psi(s, a) . u), §4.8.

    The product conjugate gradient needs (TRPO); O(S A d) after the forward pass.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    vector : array_like, shape ``policy.theta_shape`` or (d,)

    Returns
    -------
    numpy.ndarray, the shape of ``vector``
    """
    psi, w = _weighted_scores(mdp, policy, theta)
    u = v.finite_array(vector, "vector")
    if u.size != psi.shape[1] or u.shape not in ((psi.shape[1],), tuple(policy.theta_shape)):
        raise ValueError(f"vector must have shape {tuple(policy.theta_shape)} or "
                         f"({psi.shape[1]},); got {u.shape}")
    return (psi.T @ (w * (psi @ u.ravel()))).reshape(u.shape)


def _solve_psd(F, g, damping, rcond):
    """(F + damping I)^{-1} g, or F^+ g (eigenvalues <= rcond * max dropped) when damping = 0."""
    if damping > 0:
        return np.linalg.solve(F + damping * np.eye(F.shape[0]), g)
    lam, U = np.linalg.eigh(F)
    if lam[-1] <= 0:
        return np.zeros_like(g)
    keep = lam > rcond * lam[-1]
    U = U[:, keep]
    return U @ ((U.T @ g) / lam[keep])


def natural_gradient(mdp, policy, theta, damping=0.0, rcond=1e-10):
    """The natural policy gradient F^+ grad J, or (F + damping I)^{-1} grad J, §4.8.

    F is :func:`fisher_matrix` and grad J is :func:`pgtools.exact_gradient` (Eq. (4.3), with the
    MDP's gamma). With ``damping = 0`` the pseudo-inverse is used: F of a softmax policy is
    singular, and F^+ grad J is the minimum-norm solution of F x = grad J (grad J lies in the range
    of F). Eigenvalues below ``rcond`` times the largest are treated as zero.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    damping : float, default 0.0
        lambda >= 0 of (F + lambda I)^{-1} grad J.
    rcond : float, default 1e-10
        Relative cut-off of the pseudo-inverse (used only when ``damping == 0``), in (0, 1).

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``
    """
    if isinstance(damping, bool) or not isinstance(damping, numbers.Real) \
            or not np.isfinite(damping) or damping < 0:
        raise ValueError(f"damping must be a finite number >= 0; got {damping!r}")
    if isinstance(rcond, bool) or not isinstance(rcond, numbers.Real) or not 0 < rcond < 1:
        raise ValueError(f"rcond must be a number in (0, 1); got {rcond!r}")
    F = fisher_matrix(mdp, policy, theta)
    g = exact_gradient(mdp, policy, theta)
    return _solve_psd(F, g.ravel(), float(damping), float(rcond)).reshape(g.shape)


def natural_step_size(gradient, direction, delta):
    """Step eta = sqrt(2 delta / grad J^T F^+ grad J) of the natural update, §4.8.

    With x = F^+ grad J the quadratic model of the KL, (1/2) (eta x)^T F (eta x), equals delta;
    grad J^T F^+ grad J = grad J . x.

    Parameters
    ----------
    gradient : array_like
        grad J.
    direction : array_like, same shape
        x = F^+ grad J (e.g. :func:`natural_gradient`).
    delta : float
        Trust-region size delta > 0 (a KL).

    Returns
    -------
    float
    """
    g = v.finite_array(gradient, "gradient")
    x = v.finite_array(direction, "direction", shape=g.shape)
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not np.isfinite(delta) \
            or delta <= 0:
        raise ValueError(f"delta must be a positive number; got {delta!r}")
    gx = float(np.sum(g * x))
    if gx <= 0:
        raise ValueError("gradient . direction must be positive (direction = F^+ gradient of a "
                         f"non-zero gradient); got {gx:.3g}")
    return float(np.sqrt(2 * delta / gx))


def conjugate_gradient(matvec, b, iters=10, tol=1e-10):
    """Solve F x = b for symmetric positive semi-definite F by conjugate gradients (§4.9, TRPO).

    Needs only the products ``matvec(u)`` = F u. Started at x = 0, the iterates stay in the
    Krylov space of b, so for b in the range of a singular F they tend to F^+ b, the
    minimum-norm solution. Stops after ``iters`` iterations or when ||r|| <= tol ||b||.

    Parameters
    ----------
    matvec : callable
        u -> F u, for arrays of the shape of ``b``.
    b : array_like
    iters : int, default 10
    tol : float, default 1e-10

    Returns
    -------
    numpy.ndarray, the shape of ``b``
    """
    if not callable(matvec):
        raise ValueError(f"matvec must be callable; got {type(matvec).__name__}")
    b = v.finite_array(b, "b")
    iters = v.positive_int(iters, "iters")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0; got {tol!r}")
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr = float(np.sum(r * r))
    stop = (tol ** 2) * rr
    for _ in range(iters):
        if rr <= stop or rr == 0:
            break
        Fp = np.asarray(matvec(p), dtype=float)
        pFp = float(np.sum(p * Fp))
        if pFp <= 0:
            break
        alpha = rr / pFp
        x = x + alpha * p
        r = r - alpha * Fp
        rr_new = float(np.sum(r * r))
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


def sampled_fisher_matrix(policy, theta, trajectories):
    """Monte Carlo Fisher matrix (1/n) sum_i g_i g_i^T, g_i = grad log rho_theta(tau_i), §4.8.

    g_i = sum_t psi(s_t, a_t) (the dynamics drop out of grad log rho, Eq. (4.2)). Unbiased for
    :func:`fisher_matrix` when the trajectories are drawn from rho_theta.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories from rho_theta.

    Returns
    -------
    numpy.ndarray, shape (d, d)
    """
    check_policy(policy)
    check_trajectories(trajectories, policy.n_states, policy.n_actions)
    ones = np.ones(trajectories.states.shape)
    g = score_weighted_sum(policy, theta, trajectories, ones, per_trajectory=True)
    g = g.reshape(trajectories.n, -1)
    return g.T @ g / trajectories.n
