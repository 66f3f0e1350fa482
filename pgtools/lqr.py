"""The linear quadratic regulator as a policy-gradient testbed (§4.10).

The problem (Eq. (L1)): x_{t+1} = A x_t + B u_t + w_t with w_t ~ N(0, noise_cov), x_0 ~ N(0,
x0_cov), reward r_t = -(x_t^T Q x_t + u_t^T R u_t), and J = E sum_{t<H} r_t. A stationary
linear-Gaussian policy u_t = K x_t + sigma * eps_t (:class:`pgtools.GaussianLinearPolicy`) keeps
every x_t a zero-mean Gaussian, so J and grad J are exact functions of the propagated state
covariance (Eq. (L2)-(L4)); no sampling is needed.

* Eq. (L2), covariance recursion: Sigma_0 = x0_cov, Sigma_{t+1} = L Sigma_t L^T + W with
  L = A + B K and W = B diag(sigma^2) B^T + noise_cov; J = -sum_{t<H} [tr((Q + K^T R K) Sigma_t)
  + tr(R diag(sigma^2))].
* Eq. (L3), adjoint (value) recursion: P_H = 0, P_t = Q + K^T R K + L^T P_{t+1} L.
* Eq. (L4), gradient: grad_K J = -2 sum_{t<H} (R K + B^T P_{t+1} L) Sigma_t and
  dJ/d log sigma_i = -2 sigma_i^2 [H R + sum_{t=1}^{H-1} B^T P_t B]_{ii}.
* Eq. (L5), Riccati: P*_H = 0, K*_t = -(R + B^T P*_{t+1} B)^{-1} B^T P*_{t+1} A,
  P*_t = Q + A^T P*_{t+1} (A + B K*_t); J* = -tr(P*_0 x0_cov) - sum_{t=1}^{H-1} tr(P*_t noise_cov).
* Eq. (L6), the two Monte Carlo gradients: the score-function (REINFORCE) estimate
  sum_t grad log pi(u_t|x_t) (G_t - b_t), and the pathwise (reparameterisation) estimate
  d R(tau) / d theta with x_0, eps_t and w_t held fixed, by backpropagation through the known
  dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .gaussian import GaussianLinearPolicy, check_gaussian_policy
from .sampling import reward_to_go

_SYM_TOL = 1e-9


def _sym_psd(M, name, n, definite=False):
    M = v.finite_array(M, name, shape=(n, n))
    scale = max(1.0, float(np.abs(M).max()))
    if np.abs(M - M.T).max() > _SYM_TOL * scale:
        raise ValueError(f"{name} must be symmetric; max |{name} - {name}^T| = "
                         f"{np.abs(M - M.T).max():.3g}")
    M = 0.5 * (M + M.T)
    low = float(np.linalg.eigvalsh(M).min())
    if definite and low <= _SYM_TOL * scale:
        raise ValueError(f"{name} must be positive definite; its smallest eigenvalue is "
                         f"{low:.3g}")
    if low < -_SYM_TOL * scale:
        raise ValueError(f"{name} must be positive semidefinite; it has the negative "
                         f"eigenvalue {low:.3g}")
    return M


@dataclass(frozen=True)
class LinearQuadratic:
    """A finite-horizon linear quadratic regulator (Eq. (L1), §4.10).

    Parameters
    ----------
    A : array_like, shape (n, n)
        State transition matrix.
    B : array_like, shape (n, m)
        Input matrix.
    Q : array_like, shape (n, n)
        State cost, symmetric positive semidefinite.
    R : array_like, shape (m, m)
        Action cost, symmetric positive definite.
    horizon : int
        Number of steps H (rewards r_0, ..., r_{H-1}).
    x0_cov : array_like, shape (n, n)
        Covariance of x_0 ~ N(0, x0_cov), symmetric positive semidefinite.
    noise_cov : array_like, shape (n, n), optional
        Covariance of the process noise w_t; default 0 (no noise).

    Attributes
    ----------
    state_dim, act_dim : int
        n and m.
    """

    A: np.ndarray
    B: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    horizon: int
    x0_cov: np.ndarray
    noise_cov: np.ndarray | None = None

    def __post_init__(self):
        A = v.finite_array(self.A, "A", ndim=2)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square (n, n); got shape {A.shape}")
        n = A.shape[0]
        B = v.finite_array(self.B, "B")
        if B.ndim != 2 or B.shape[0] != n:
            raise ValueError(f"B must have shape ({n}, m) to match A; got shape {B.shape}")
        m = B.shape[1]
        if m < 1:
            raise ValueError("B must have at least one column (m >= 1)")
        Q = _sym_psd(self.Q, "Q", n)
        R = _sym_psd(self.R, "R", m, definite=True)
        H = v.positive_int(self.horizon, "horizon")
        X0 = _sym_psd(self.x0_cov, "x0_cov", n)
        N = np.zeros((n, n)) if self.noise_cov is None else _sym_psd(self.noise_cov,
                                                                        "noise_cov", n)
        for name, arr in (("A", A), ("B", B), ("Q", Q), ("R", R), ("x0_cov", X0),
                          ("noise_cov", N)):
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "horizon", H)

    @property
    def state_dim(self):
        """n, the dimension of x."""
        return self.A.shape[0]

    @property
    def act_dim(self):
        """m, the dimension of u."""
        return self.B.shape[1]

    def replace(self, **changes):
        """A copy with some fields replaced (validated again)."""
        names = {f.name for f in fields(self)}
        bad = set(changes) - names
        if bad:
            raise ValueError(f"unknown field(s) {sorted(bad)}; fields are {sorted(names)}")
        return replace(self, **changes)


def check_lqr(problem):
    """Raise ValueError unless ``problem`` is a :class:`LinearQuadratic`."""
    if not isinstance(problem, LinearQuadratic):
        raise ValueError(f"problem must be a LinearQuadratic; got {type(problem).__name__}")
    return problem


def _gain_sigma(problem, policy, theta):
    check_lqr(problem)
    check_gaussian_policy(policy)
    if (policy.obs_dim, policy.act_dim) != (problem.state_dim, problem.act_dim):
        raise ValueError(f"policy acts on (obs_dim, act_dim) = ({policy.obs_dim}, "
                         f"{policy.act_dim}) but the problem has (n, m) = "
                         f"({problem.state_dim}, {problem.act_dim})")
    K, log_sigma = policy._theta(theta)
    if K.ndim > 3:
        raise ValueError(f"theta must have shape {policy.theta_shape} or (B,) + "
                         f"{policy.theta_shape}")
    return K, np.exp(2.0 * log_sigma)


def _T(M):
    return np.swapaxes(M, -1, -2)


def _forward(problem, K, s2):
    """Sigma_t (Eq. (L2)) for t < H: shape (H,) + batch + (n, n); also L, W, M."""
    A, B, Q, R = problem.A, problem.B, problem.Q, problem.R
    L = A + B @ K
    W = (B * s2[..., None, :]) @ B.T + problem.noise_cov
    M = Q + _T(K) @ R @ K
    Sig = np.empty((problem.horizon,) + L.shape)
    S = np.broadcast_to(problem.x0_cov, L.shape)
    LT = _T(L)
    for t in range(problem.horizon):
        Sig[t] = S
        S = L @ S @ LT + W
    return Sig, L, W, M


def lqr_objective(problem, policy, theta):
    """Exact J(theta) of a stationary linear-Gaussian policy (Eq. (L2), §4.10).

    J = -sum_{t<H} [tr((Q + K^T R K) Sigma_t) + tr(R diag(sigma^2))], Sigma_t from the
    covariance recursion of Eq. (L2). No sampling.

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(B,) + theta_shape``

    Returns
    -------
    float, or numpy.ndarray of shape (B,) for a batch
    """
    K, s2 = _gain_sigma(problem, policy, theta)
    Sig, _, _, M = _forward(problem, K, s2)
    state = np.einsum("...ij,t...ji->...", M, Sig)
    act = problem.horizon * np.einsum("ii,...i->...", problem.R, s2)
    J = -(state + act)
    return float(J) if J.ndim == 0 else J


def lqr_gradient(problem, policy, theta):
    """Exact grad_theta J by the adjoint recursion (Eq. (L3)-(L4), §4.10).

    grad_K J = -2 sum_{t<H} (R K + B^T P_{t+1} L) Sigma_t and
    dJ/d log sigma_i = -2 sigma_i^2 [H R + sum_{t=1}^{H-1} B^T P_t B]_{ii}, with P_H = 0,
    P_t = Q + K^T R K + L^T P_{t+1} L. One forward and one backward pass of H small matrix
    products; no finite differences and no sampling.

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(B,) + theta_shape``

    Returns
    -------
    numpy.ndarray, shape ``theta.shape``, in the layout of theta (K row-major, then log sigma)
    """
    K, s2 = _gain_sigma(problem, policy, theta)
    B, R = problem.B, problem.R
    Sig, L, _, M = _forward(problem, K, s2)
    P = np.zeros(L.shape)
    gK = np.zeros(K.shape)
    gS = np.zeros(K.shape[:-2] + R.shape)
    RK = R @ K
    Bt, LT = B.T, _T(L)
    for t in range(problem.horizon - 1, -1, -1):
        BP = Bt @ P
        gK += (RK + BP @ L) @ Sig[t]
        gS += BP @ B
        P = M + LT @ P @ L
    dK = -2.0 * gK
    diag = problem.horizon * np.diag(R) + np.diagonal(gS, axis1=-2, axis2=-1)
    dlog = -2.0 * s2 * diag
    lead = K.shape[:-2]
    return np.concatenate([dK.reshape(lead + (-1,)), dlog], axis=-1)


class LQRSolution(NamedTuple):
    """Result of :func:`lqr_optimal` (Eq. (L5)).

    Attributes
    ----------
    gains : numpy.ndarray, shape (H, m, n)
        Optimal time-varying gains K*_t (u_t = K*_t x_t; K*_{H-1} = 0, as x_H costs nothing).
    P : numpy.ndarray, shape (H + 1, n, n)
        Riccati matrices P*_t (cost-to-go x^T P*_t x), P*_H = 0.
    J : float
        Optimal value J* over all policies.
    """

    gains: np.ndarray
    P: np.ndarray
    J: float


def lqr_optimal(problem):
    """Time-varying Riccati gains K*_t and the optimal value J* (Eq. (L5), §4.10).

    Backward from P*_H = 0: K*_t = -(R + B^T P*_{t+1} B)^{-1} B^T P*_{t+1} A and
    P*_t = Q + A^T P*_{t+1} (A + B K*_t). The optimal policy is deterministic, u_t = K*_t x_t,
    and J* = -tr(P*_0 x0_cov) - sum_{t=1}^{H-1} tr(P*_t noise_cov).

    Parameters
    ----------
    problem : LinearQuadratic

    Returns
    -------
    LQRSolution
    """
    check_lqr(problem)
    A, B, Q, R, H = problem.A, problem.B, problem.Q, problem.R, problem.horizon
    n, m = problem.state_dim, problem.act_dim
    P = np.zeros((H + 1, n, n))
    gains = np.zeros((H, m, n))
    for t in range(H - 1, -1, -1):
        Pn = P[t + 1]
        gains[t] = -np.linalg.solve(R + B.T @ Pn @ B, B.T @ Pn @ A)
        Pt = Q + A.T @ Pn @ (A + B @ gains[t])
        P[t] = 0.5 * (Pt + Pt.T)
    J = -float(np.trace(P[0] @ problem.x0_cov)) - float(
        sum(np.trace(P[t] @ problem.noise_cov) for t in range(1, H)))
    return LQRSolution(gains, P, J)


def _factor_psd(M):
    """F of shape (r, n) with F^T F = M, r = rank of M (r = 0 for M = 0)."""
    w, V = np.linalg.eigh(M)
    keep = w > 1e-12 * max(1.0, float(np.abs(w).max()))
    return (V[:, keep] * np.sqrt(w[keep])).T


@dataclass(frozen=True)
class LQRTrajectories:
    """n sampled LQR trajectories and the noise that made them (§4.10).

    Attributes
    ----------
    states : numpy.ndarray, shape (n, H, state_dim)
        x_0, ..., x_{H-1}.
    actions : numpy.ndarray, shape (n, H, act_dim)
        u_t = K x_t + sigma * eps_t.
    rewards : numpy.ndarray, shape (n, H)
        r_t = -(x_t^T Q x_t + u_t^T R u_t).
    eps : numpy.ndarray, shape (n, H, act_dim)
        Standard normal action noise.
    noise : numpy.ndarray, shape (n, H, state_dim)
        Process noise w_t (w_{H-1} moves x_H, which earns nothing).
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    eps: np.ndarray
    noise: np.ndarray

    @property
    def n(self):
        """Number of trajectories."""
        return self.rewards.shape[0]

    @property
    def horizon(self):
        """H."""
        return self.rewards.shape[1]

    def returns(self):
        """R(tau) = sum_{t<H} r_t, shape (n,)."""
        return self.rewards.sum(axis=1)

    def reward_to_go(self):
        """G_t = sum_{t' >= t} r_t', shape (n, H)."""
        return reward_to_go(self.rewards)


def _rows_times(X, M):
    """X @ M for X of shape (..., k): one 2-D product over all leading axes."""
    return (X.reshape(-1, X.shape[-1]) @ M).reshape(X.shape[:-1] + (M.shape[1],))


def _simulate(problem, K, sigma, x0, eps, noise):
    """Roll the dynamics forward; eps (H, n, m) and noise (H, n, nx) are time-major.

    One pass over time on (n, .) arrays that stay in cache: u_t = K x_t + sigma * eps_t,
    r_t = -(x_t^T Q x_t + u_t^T R u_t), x_{t+1} = A x_t + B u_t + w_t.
    """
    H, n = eps.shape[:2]
    X = np.empty((H, n, problem.state_dim))
    U = np.empty((H, n, problem.act_dim))
    r = np.empty((H, n))
    A_T, B_T, K_T, Q, R = problem.A.T, problem.B.T, K.T, problem.Q, problem.R
    x = x0
    for t in range(H):
        X[t] = x
        u = x @ K_T
        u += sigma * eps[t]
        U[t] = u
        r[t] = -(np.einsum("ni,ni->n", x @ Q, x) + np.einsum("ni,ni->n", u @ R, u))
        x = x @ A_T + u @ B_T + noise[t]
    return LQRTrajectories(X.transpose(1, 0, 2), U.transpose(1, 0, 2), r.T,
                           eps.transpose(1, 0, 2), noise.transpose(1, 0, 2))


def _single(policy, theta):
    K, log_sigma = policy._theta(theta)
    if K.ndim != 2:
        raise ValueError(f"theta must have shape {policy.theta_shape} (one parameter "
                         f"vector); got a batch")
    return K, np.exp(log_sigma)


def sample_lqr_trajectories(problem, policy, theta, n, rng):
    """Sample n trajectories of the LQR under pi_theta, vectorised across them (Eq. (L1)).

    x_0 = F_0^T z_0, u_t = K x_t + sigma * eps_t, x_{t+1} = A x_t + B u_t + w_t with
    w_t = F_w^T z_t, where F^T F is the covariance and F has as many rows as its rank (so
    singular covariances are fine and draw fewer normals). The normals are drawn in three
    blocks, in the order z_0, eps (time-major), z (time-major).

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape``
    n : int
        Number of trajectories.
    rng : numpy.random.Generator or int

    Returns
    -------
    LQRTrajectories
    """
    check_lqr(problem)
    check_gaussian_policy(policy)
    _gain_sigma(problem, policy, theta)
    K, sigma = _single(policy, theta)
    n = v.positive_int(n, "n")
    rng = v.generator(rng)
    nx, m, H = problem.state_dim, problem.act_dim, problem.horizon
    F0, FN = _factor_psd(problem.x0_cov), _factor_psd(problem.noise_cov)
    x0 = rng.standard_normal((n, F0.shape[0])) @ F0
    eps = rng.standard_normal((H, n, m))
    if FN.shape[0] == 0:
        noise = np.zeros((H, n, nx))
    elif FN.shape[0] == nx and np.allclose(FN, np.diag(np.diag(FN))):
        noise = rng.standard_normal((H, n, nx))
        noise *= np.diag(FN)                                       # diagonal: a scaling
    else:
        noise = _rows_times(rng.standard_normal((H, n, FN.shape[0])), FN)
    return _simulate(problem, K, sigma, x0, eps, noise)


def _check_lqr_traj(problem, trajectories):
    if not isinstance(trajectories, LQRTrajectories):
        raise ValueError(f"trajectories must be LQRTrajectories; got "
                         f"{type(trajectories).__name__}")
    nx, m = problem.state_dim, problem.act_dim
    if trajectories.states.shape[2:] != (nx,) or trajectories.actions.shape[2:] != (m,):
        raise ValueError(f"trajectories must have states (n, H, {nx}) and actions "
                         f"(n, H, {m}); got {trajectories.states.shape} and "
                         f"{trajectories.actions.shape}")
    return trajectories


def replay_lqr_trajectories(problem, policy, theta, trajectories):
    """The same noise (x_0, eps_t, w_t) as ``trajectories``, replayed under another theta.

    The sample path tau(theta; x_0, eps, w) whose derivative is the pathwise gradient
    (Eq. (L6)); finite differences of its return check :func:`lqr_pathwise_gradient`.

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : LQRTrajectories

    Returns
    -------
    LQRTrajectories
    """
    _gain_sigma(problem, policy, theta)
    K, sigma = _single(policy, theta)
    tr = _check_lqr_traj(problem, trajectories)
    return _simulate(problem, K, sigma, tr.states[:, 0], tr.eps.transpose(1, 0, 2),
                     tr.noise.transpose(1, 0, 2))


def _baseline(baseline, H):
    if baseline is None:
        return 0.0
    b = v.finite_array(baseline, "baseline")
    if b.shape not in ((), (H,)):
        raise ValueError(f"baseline must be a number or an array of shape ({H},); got "
                         f"shape {b.shape}")
    return b


def lqr_score_gradient(problem, policy, theta, trajectories, baseline=None,
                       per_trajectory=False):
    """Score-function (REINFORCE) estimate of grad J on LQR trajectories (Eq. (L6), (4.3)).

    g(tau) = sum_{t<H} grad log pi_theta(u_t | x_t) (G_t - b_t), with the reward-to-go G_t and
    the Gaussian score of Eq. (G1). Unbiased for any b_t that does not depend on the actions.

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape``
        The parameters the trajectories were sampled with.
    trajectories : LQRTrajectories
    baseline : None, float or array_like of shape (H,)
    per_trajectory : bool, default False
        Return one estimate per trajectory, shape (n,) + theta_shape, instead of their mean.

    Returns
    -------
    numpy.ndarray, shape ``theta_shape`` (or (n,) + theta_shape)
    """
    _gain_sigma(problem, policy, theta)
    K, sigma = _single(policy, theta)
    tr = _check_lqr_traj(problem, trajectories)
    G = tr.reward_to_go() - _baseline(baseline, tr.horizon)
    z = (tr.actions - tr.states @ K.T) / sigma                   # eps if sampled at theta
    dK = np.einsum("nt,nti,ntj->nij", G, z / sigma, tr.states)
    ds = np.einsum("nt,nti->ni", G, z**2 - 1.0)
    g = np.concatenate([dK.reshape(tr.n, -1), ds], axis=1)
    return g if per_trajectory else g.mean(axis=0)


def lqr_pathwise_gradient(problem, policy, theta, trajectories, per_trajectory=False):
    """Pathwise (reparameterisation) estimate of grad J (Eq. (L6), §4.10).

    g(tau) = d/dtheta sum_{t<H} r_t(theta; x_0, eps, w), the derivative of the sample path with
    the noise held fixed, through u_t = K x_t + sigma * eps_t and the known dynamics. Computed
    by backpropagation: with lam_t = dR/dx_t and lam_H = 0,
    dR/du_t = -2 R u_t + B^T lam_{t+1}, lam_t = -2 Q x_t + A^T lam_{t+1} + K^T dR/du_t,
    grad_K R = sum_t (dR/du_t) x_t^T, dR/d log sigma = sum_t (dR/du_t) * sigma * eps_t.

    Parameters
    ----------
    problem : LinearQuadratic
    policy : GaussianLinearPolicy
    theta : array_like, shape ``policy.theta_shape``
        The parameters the trajectories were sampled with.
    trajectories : LQRTrajectories
    per_trajectory : bool, default False

    Returns
    -------
    numpy.ndarray, shape ``theta_shape`` (or (n,) + theta_shape)
    """
    _gain_sigma(problem, policy, theta)
    K, sigma = _single(policy, theta)
    tr = _check_lqr_traj(problem, trajectories)
    n, H = tr.n, tr.horizon
    A, B, Q, R = problem.A, problem.B, problem.Q, problem.R
    lam = np.zeros((n, problem.state_dim))
    du_all = np.empty(tr.actions.shape)
    for t in range(H - 1, -1, -1):
        du = -2.0 * tr.actions[:, t] @ R + lam @ B
        du_all[:, t] = du
        lam = -2.0 * tr.states[:, t] @ Q + lam @ A + du @ K
    dK = np.einsum("nti,ntj->nij", du_all, tr.states)
    ds = np.einsum("nti,nti->ni", du_all, tr.eps) * sigma
    g = np.concatenate([dK.reshape(n, -1), ds], axis=1)
    return g if per_trajectory else g.mean(axis=0)


def spectral_radius(M):
    """Largest |eigenvalue| of a square matrix (or a batch): rho(A + B K) < 1 is stabilising.

    Parameters
    ----------
    M : array_like, shape (..., n, n)

    Returns
    -------
    float or numpy.ndarray
    """
    M = v.finite_array(M, "M")
    if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
        raise ValueError(f"M must be square, shape (..., n, n); got {M.shape}")
    r = np.abs(np.linalg.eigvals(M)).max(axis=-1)
    return float(r) if r.ndim == 0 else r


__all__ = [
    "GaussianLinearPolicy",
    "LQRSolution",
    "LQRTrajectories",
    "LinearQuadratic",
    "lqr_gradient",
    "lqr_objective",
    "lqr_optimal",
    "lqr_pathwise_gradient",
    "lqr_score_gradient",
    "replay_lqr_trajectories",
    "sample_lqr_trajectories",
    "spectral_radius",
]
