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

import os
import sys
import threading
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


def _simulate(problem, K, sigma, x0, eps, noise=None, gate=None):
    """Roll the dynamics forward; eps (H, n, m) and noise (H, n, nx) are time-major.

    One pass over time on (n, .) arrays that stay in cache, every product written into a
    preallocated buffer (no temporaries per step): u_t = K x_t + sigma * eps_t,
    r_t = -(x_t^T Q x_t + u_t^T R u_t), x_{t+1} = A x_t + B u_t + w_t (x_H, which earns
    nothing, is not formed). Each elementwise step works on contiguous rows: a per-column
    scaling is a product with the scale tiled along a flattened row (broadcasting a length-m
    vector would run numpy's inner loop over m elements at a time), the row sums of the
    quadratic forms are products with a vector of -1 (exact), and the small factors are
    C-contiguous (matmul is about twice as slow with a transposed view).

    ``noise`` None means no process noise (nothing is added; zeros are returned). ``gate``,
    if given, is a :class:`_Draws` still filling eps and noise: step t waits for eps_t and w_t.
    """
    H, n = eps.shape[:2]
    nx, m = problem.state_dim, problem.act_dim
    X = np.empty((H, n, nx))
    U = np.empty((H, n, m))
    r = np.empty((H, n))
    A_T, B_T, K_T = (np.ascontiguousarray(M.T) for M in (problem.A, problem.B, K))
    Q, R = np.ascontiguousarray(problem.Q), np.ascontiguousarray(problem.R)
    sig_row = np.tile(sigma, n)                                  # sigma along a flat (n * m) row
    neg_x, neg_u = -np.ones(nx), -np.ones(m)
    s = np.empty(n * m)
    bu, qx, qu, ru = np.empty((n, nx)), np.empty((n, nx)), np.empty((n, m)), np.empty(n)
    if gate is not None and gate.thread is not None:
        for a in (X, U, r):                                      # while the first draws are made
            _touch(a)
    X[0] = x0
    for t in range(H):
        x, u = X[t], U[t]
        np.matmul(x, K_T, out=u)
        if gate is not None:
            gate.wait(0, t)
        np.multiply(eps[t].reshape(-1), sig_row, out=s)
        u_flat = u.reshape(-1)
        u_flat += s                                              # u_t = K x_t + sigma eps_t
        np.matmul(x, Q, out=qx)
        qx *= x
        np.matmul(qx, neg_x, out=r[t])                           # -x^T Q x
        np.matmul(u, R, out=qu)
        qu *= u
        np.matmul(qu, neg_u, out=ru)
        r[t] += ru                                               # -(x^T Q x + u^T R u)
        if t + 1 < H:
            xn = X[t + 1]
            np.matmul(x, A_T, out=xn)
            np.matmul(u, B_T, out=bu)
            xn += bu                                             # A x_t + B u_t
            if noise is not None:
                if gate is not None:
                    gate.wait(1, t)
                xn += noise[t]
    if noise is None:
        noise = np.zeros((H, n, nx))
    return LQRTrajectories(X.transpose(1, 0, 2), U.transpose(1, 0, 2), r.T,
                           eps.transpose(1, 0, 2), noise.transpose(1, 0, 2))


# The sampler draws its normals in a background thread when there are at least this many (and a
# second CPU); the thread hands them over in chunks of at most _CHUNK_NORMALS normals and at most
# H // 8 steps. Few chunks keep the hand-overs (a sleeping main thread to wake) few when the
# machine is busy; enough of them let the pass start early.
_BACKGROUND_MIN_NORMALS = 1 << 18
_CHUNK_NORMALS = 1 << 19


def _spare_cpu():
    if sys.platform == "emscripten":                             # Pyodide: no threads
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:                                       # not Linux
        return (os.cpu_count() or 1) > 1


def _touch(a):
    """Write a zero into every 4 KiB page of a fresh array, so that its page faults happen now."""
    flat = a.reshape(-1)
    flat[::512] = 0.0
    flat[-1:] = 0.0


class _Draws:
    """The sampler's standard normals after x_0: eps (H, n, m), then the process noise.

    Drawn time-major in that order, chunk by chunk, which is the same stream as one
    ``rng.standard_normal`` call per block. The noise block is z (H, n, r), made into
    w_t = z_t * F for a vector F (in place, r = nx) or w_t = z_t @ F for an (r, nx) factor F.
    With ``background`` the drawing (about half of the sampler's work) runs in a thread while the
    pass over time consumes it: numpy releases the GIL while it fills an array, so the two
    overlap on a second core. Meanwhile the calling thread takes the page faults of the fresh
    noise array (the thread waits for that before drawing into it) and of the outputs, which it
    would otherwise take in the pass. :meth:`wait` blocks until step t of a block is ready.
    Without ``background``, or if no thread can be started, everything is drawn at once in the
    calling thread.
    """

    def __init__(self, rng, eps, noise, F, background):
        self.rng, self.eps, self.noise, self.F = rng, eps, noise, F
        H, n = eps.shape[:2]
        self.steps = [max(1, min(_CHUNK_NORMALS // (n * a.shape[2]), H // 8))  # >= 8 chunks
                      for a in (eps, noise) if a is not None]
        self.ready = [[threading.Event() for _ in range(0, H, c)] for c in self.steps]
        self.error, self.abort, self.thread = None, False, None
        self.noise_mapped = threading.Event()
        if background:
            self.thread = threading.Thread(target=self._run, name="lqr-draws", daemon=True)
            try:
                self.thread.start()
            except RuntimeError:                                 # threads unavailable
                self.thread = None
        if self.thread is None:
            self.noise_mapped.set()
            self._run()
            return
        try:
            if noise is not None:                                # its page faults, off the thread
                _touch(noise)
        except BaseException:
            self.abort = True
            raise
        finally:
            self.noise_mapped.set()

    def _run(self):
        try:
            rng, eps, noise, F = self.rng, self.eps, self.noise, self.F
            H, n = eps.shape[:2]
            c = self.steps[0]
            for i, t in enumerate(range(0, H, c)):
                if self.abort:
                    return
                rng.standard_normal(out=eps[t:t + c])
                self.ready[0][i].set()
            if noise is None:
                return
            self.noise_mapped.wait()
            nx, c = noise.shape[2], self.steps[1]
            if F.ndim == 1:
                F_row = np.tile(F, n)                            # F along a flat (n * nx) row
            else:
                F, z = np.ascontiguousarray(F), np.empty((c, n, F.shape[0]))
            for i, t in enumerate(range(0, H, c)):
                if self.abort:
                    return
                w = noise[t:t + c]
                k = w.shape[0]
                if F.ndim == 1:
                    rng.standard_normal(out=w)
                    w_rows = w.reshape(k, n * nx)
                    w_rows *= F_row
                else:
                    rng.standard_normal(out=z[:k])
                    for j in range(k):                           # n rows per product
                        np.matmul(z[j], F, out=w[j])
                self.ready[1][i].set()
        except BaseException as e:  # noqa: BLE001 -- handed to the caller by wait / close
            self.error = e
            for events in self.ready:
                for ev in events:
                    ev.set()

    def wait(self, block, t):
        """Block until step t of block 0 (eps) or 1 (noise) is drawn."""
        self.ready[block][t // self.steps[block]].wait()
        if self.error is not None:
            raise self.error

    def close(self, abort=False):
        """Join the thread (after all draws, or at its next chunk with ``abort``); re-raise."""
        self.abort = abort
        self.noise_mapped.set()
        if self.thread is not None:
            self.thread.join()
        if self.error is not None and not abort:
            raise self.error


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
    blocks, in the order z_0, eps (time-major), z (time-major): the stream of
    ``rng.standard_normal`` with those shapes, one call each. For large samples on a machine
    with a spare core, eps and z are drawn by a second thread while the pass over time uses
    them (the result is the same); rng must not be used by another thread meanwhile.

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
    eps = np.empty((H, n, m))
    r = FN.shape[0]
    if r == 0:                                                   # no process noise: no draws
        noise = F = None
    else:
        noise = np.empty((H, n, nx))
        F = np.diag(FN) if r == nx and np.allclose(FN, np.diag(np.diag(FN))) else FN
    background = H * n * (m + r) >= _BACKGROUND_MIN_NORMALS and _spare_cpu()
    draws = _Draws(rng, eps, noise, F, background)
    try:
        out = _simulate(problem, K, sigma, x0, eps, noise, draws)
    except BaseException:
        draws.close(abort=True)
        raise
    draws.close()                                                # w_{H-1} is not waited for
    return out


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
