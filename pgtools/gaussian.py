"""The diagonal Gaussian policy for continuous actions (§4.10, the "Gaussian policy" of §4.5's
newer edition).

pi_theta(u | x) = N(u; K x, diag(sigma^2)), with K of shape (act_dim, obs_dim) and one standard
deviation per action coordinate. The parameters are one flat vector

    theta = (K[0, 0], K[0, 1], ..., K[m-1, n-1], log sigma_0, ..., log sigma_{m-1}),

i.e. ``theta[:m*n] = K.ravel()`` (row-major: row i of K is the gain of action coordinate i) and
``theta[m*n:] = log sigma``. Writing sigma = exp(log sigma) keeps sigma > 0 for every theta, so
gradient ascent needs no constraint.

The score (Eq. (G1), §4.10): with z = (u - K x) / sigma,

    d log pi / dK        = ((u - K x) / sigma^2) x^T          (shape (m, n)),
    d log pi / d log sigma = z^2 - 1                           (shape (m,)).
"""

from __future__ import annotations

import numpy as np

from . import _validate as v

_LOG_2PI = float(np.log(2.0 * np.pi))


class GaussianLinearPolicy:
    """Linear-Gaussian policy u ~ N(K x, diag(sigma^2)) (§4.10, Eq. (G1)).

    Parameters
    ----------
    obs_dim : int
        Dimension n of the state / observation x.
    act_dim : int
        Dimension m of the action u.

    Attributes
    ----------
    obs_dim, act_dim : int
    theta_shape : tuple
        ``(act_dim * obs_dim + act_dim,)``: K row-major, then log sigma (see the module docstring).
    """

    def __init__(self, obs_dim, act_dim):
        self.obs_dim = v.positive_int(obs_dim, "obs_dim")
        self.act_dim = v.positive_int(act_dim, "act_dim")
        self.theta_shape = (self.act_dim * self.obs_dim + self.act_dim,)

    def __repr__(self):
        return f"GaussianLinearPolicy(obs_dim={self.obs_dim}, act_dim={self.act_dim})"

    # -- parameters ---------------------------------------------------------------------------
    def params(self, K=None, sigma=1.0):
        """Pack a gain and standard deviations into theta (the layout of the module docstring).

        Parameters
        ----------
        K : array_like, shape (act_dim, obs_dim), optional
            Gain; default zeros.
        sigma : float or array_like, shape (act_dim,)
            Standard deviations, each > 0.

        Returns
        -------
        numpy.ndarray, shape ``theta_shape``
        """
        m, n = self.act_dim, self.obs_dim
        K = np.zeros((m, n)) if K is None else v.finite_array(K, "K", shape=(m, n))
        s = v.finite_array(sigma, "sigma")
        if s.ndim == 0:
            s = np.full(m, float(s))
        if s.shape != (m,):
            raise ValueError(f"sigma must be a number or have shape ({m},); got {s.shape}")
        if np.any(s <= 0):
            raise ValueError(f"sigma must be > 0 (a standard deviation); got {s.tolist()}")
        return np.concatenate([K.ravel(), np.log(s)])

    def init_params(self):
        """theta with K = 0 and sigma = 1."""
        return self.params()

    def _theta(self, theta):
        """theta of shape ``theta_shape`` or ``(B,) + theta_shape`` -> (K, log sigma)."""
        th = v.finite_array(theta, "theta")
        d = self.theta_shape[0]
        if th.ndim < 1 or th.shape[-1] != d:
            raise ValueError(f"theta must have shape ({d},) (or (B, {d}) for a batch); "
                             f"got shape {th.shape}")
        m, n = self.act_dim, self.obs_dim
        return th[..., : m * n].reshape(th.shape[:-1] + (m, n)), th[..., m * n:]

    def unpack(self, theta):
        """(K, sigma) from theta.

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(B,) + theta_shape``

        Returns
        -------
        K : numpy.ndarray, shape (act_dim, obs_dim), or (B, act_dim, obs_dim)
        sigma : numpy.ndarray, shape (act_dim,), or (B, act_dim)
        """
        K, log_sigma = self._theta(theta)
        return K, np.exp(log_sigma)

    def _x(self, x, name="x"):
        x = v.finite_array(x, name)
        if x.ndim < 1 or x.shape[-1] != self.obs_dim:
            raise ValueError(f"{name} must have shape (..., {self.obs_dim}); got {x.shape}")
        return x

    def _xu(self, x, u):
        x = self._x(x)
        u = v.finite_array(u, "u")
        if u.shape[-1:] != (self.act_dim,) or u.shape[:-1] != x.shape[:-1]:
            raise ValueError(f"u must have shape x.shape[:-1] + ({self.act_dim},) = "
                             f"{x.shape[:-1] + (self.act_dim,)}; got {u.shape}")
        return x, u

    # -- the distribution ----------------------------------------------------------------------
    def mean(self, theta, x):
        """The mean action K x (Eq. (G1)).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        x : array_like, shape (..., obs_dim)

        Returns
        -------
        numpy.ndarray, shape (..., act_dim)
        """
        K, _ = self._theta(theta)
        if K.ndim != 2:
            raise ValueError("theta must be one parameter vector here; got a batch")
        return self._x(x) @ K.T

    def log_prob(self, theta, x, u):
        """log pi_theta(u | x) = sum_i [-(u_i - (Kx)_i)^2 / (2 sigma_i^2) - log sigma_i
        - log(2 pi) / 2] (Eq. (G1)).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        x : array_like, shape (..., obs_dim)
        u : array_like, shape (..., act_dim)

        Returns
        -------
        numpy.ndarray, shape (...)
        """
        K, log_sigma = self._theta(theta)
        if K.ndim != 2:
            raise ValueError("theta must be one parameter vector here; got a batch")
        x, u = self._xu(x, u)
        z = (u - x @ K.T) * np.exp(-log_sigma)
        return (-0.5 * z**2 - log_sigma - 0.5 * _LOG_2PI).sum(axis=-1)

    def score(self, theta, x, u):
        """The score grad_theta log pi_theta(u | x), vectorised (Eq. (G1), §4.10).

        d/dK = ((u - Kx) / sigma^2) x^T and d/d log sigma = z^2 - 1, z = (u - Kx) / sigma,
        flattened in the layout of theta.

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        x : array_like, shape (..., obs_dim)
        u : array_like, shape (..., act_dim)

        Returns
        -------
        numpy.ndarray, shape (...) + theta_shape
        """
        K, log_sigma = self._theta(theta)
        if K.ndim != 2:
            raise ValueError("theta must be one parameter vector here; got a batch")
        x, u = self._xu(x, u)
        inv = np.exp(-log_sigma)
        z = (u - x @ K.T) * inv
        dK = (z * inv)[..., :, None] * x[..., None, :]
        lead = x.shape[:-1]
        return np.concatenate([dK.reshape(lead + (-1,)), z**2 - 1.0], axis=-1)

    def weighted_score_sum(self, theta, x, u, w):
        """sum_j w_j grad log pi_theta(u_j | x_j) without forming every score (Eq. (G1)).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        x : array_like, shape (..., obs_dim)
        u : array_like, shape (..., act_dim)
        w : array_like, shape (...)
            Weights (e.g. advantages times a mask).

        Returns
        -------
        numpy.ndarray, shape ``theta_shape``
        """
        K, log_sigma = self._theta(theta)
        if K.ndim != 2:
            raise ValueError("theta must be one parameter vector here; got a batch")
        x, u = self._xu(x, u)
        w = v.finite_array(w, "w", shape=x.shape[:-1])
        m, n = self.act_dim, self.obs_dim
        xf, uf, wf = x.reshape(-1, n), u.reshape(-1, m), w.reshape(-1)
        inv = np.exp(-log_sigma)
        z = (uf - xf @ K.T) * inv
        dK = (wf[:, None] * z * inv).T @ xf
        ds = wf @ (z**2 - 1.0)
        return np.concatenate([dK.ravel(), ds])

    def sample(self, theta, x, rng):
        """u = K x + sigma * eps with eps ~ N(0, I) (Eq. (G1)).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        x : array_like, shape (..., obs_dim)
        rng : numpy.random.Generator or int

        Returns
        -------
        numpy.ndarray, shape (..., act_dim)
        """
        K, log_sigma = self._theta(theta)
        if K.ndim != 2:
            raise ValueError("theta must be one parameter vector here; got a batch")
        x = self._x(x)
        rng = v.generator(rng)
        eps = rng.standard_normal(x.shape[:-1] + (self.act_dim,))
        return x @ K.T + np.exp(log_sigma) * eps


def check_gaussian_policy(policy):
    """Raise ValueError unless ``policy`` is a :class:`GaussianLinearPolicy`."""
    if not isinstance(policy, GaussianLinearPolicy):
        raise ValueError(f"policy must be a GaussianLinearPolicy; got {type(policy).__name__}")
    return policy
