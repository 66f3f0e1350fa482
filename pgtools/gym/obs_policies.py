"""Softmax policies on observation vectors, for continuous-state environments (§4.5.1, §4.5.2, §4.6).

Both classes have logits f_theta(o) in R^A and pi_theta(a|o) = softmax(f_theta(o))_a; the score is
grad log pi(a|o) = grad f_a(o) - sum_{a'} pi(a'|o) grad f_{a'}(o) (§4.5.2). With
``g = e_a - pi(.|o)`` this is the vector-Jacobian product g^T (d f / d theta), which is what
:meth:`batch_score_weighted` computes for a whole batch in one pass.
"""

from __future__ import annotations

import itertools

import numpy as np

from .. import _validate as v
from ..policies import _log_softmax, _softmax


def _inverse_cdf(p, u):
    """Index a with cdf(a-1) <= u < cdf(a), for p (..., A) and u (...)."""
    c = np.cumsum(p, axis=-1)
    a = (c < np.asarray(u)[..., None]).sum(axis=-1)
    return np.minimum(a, p.shape[-1] - 1)


class _ObsPolicy:
    """Shared checks and the methods that only need logits (§4.5.2)."""

    obs_dim: int
    n_actions: int
    theta_shape: tuple

    def _theta(self, theta):
        return v.theta_array(theta, self.theta_shape)

    def _obs(self, obs):
        obs = v.finite_array(obs, "obs")
        if obs.ndim < 1 or obs.shape[-1] != self.obs_dim:
            raise ValueError(f"obs must have shape (..., {self.obs_dim}); got {obs.shape}")
        return obs

    def _obs_actions(self, obs, actions):
        obs = self._obs(obs)
        a = v.index_array(actions, "actions", self.n_actions)
        if a.shape != obs.shape[:-1]:
            raise ValueError(
                f"actions must have shape obs.shape[:-1] = {obs.shape[:-1]}; got {a.shape}"
            )
        return obs, a

    def logits(self, theta, obs):
        """Logits f_theta(o) (§4.5.2).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)

        Returns
        -------
        numpy.ndarray, shape (..., A)
        """
        return self._logits(self._theta(theta), self._obs(obs))

    def probs(self, theta, obs):
        """pi_theta(.|o), by a max-shifted softmax (stable for large logits).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)

        Returns
        -------
        numpy.ndarray, shape (..., A)
        """
        return _softmax(self.logits(theta, obs))

    def log_prob(self, theta, obs, actions):
        """log pi_theta(a|o) by log-sum-exp.

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)
        actions : int array, shape (...)

        Returns
        -------
        numpy.ndarray, shape (...)
        """
        obs, a = self._obs_actions(obs, actions)
        lp = _log_softmax(self._logits(self._theta(theta), obs))
        return np.take_along_axis(lp, a[..., None], axis=-1)[..., 0]

    def sample(self, theta, obs, rng):
        """Draw a ~ pi_theta(.|o) for every observation, vectorised by the inverse CDF.

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)
        rng : numpy.random.Generator or int

        Returns
        -------
        numpy.ndarray of int64, shape (...)
        """
        rng = v.generator(rng)
        p = self.probs(theta, obs)
        return _inverse_cdf(p, rng.random(p.shape[:-1]))

    def _g(self, theta, obs, a):
        """e_a - pi(.|o), shape (N, A), for flattened obs (N, d)."""
        g = -_softmax(self._logits(theta, obs))
        g[np.arange(a.size), a] += 1.0
        return g

    def score(self, theta, obs, actions):
        """The score grad_theta log pi_theta(a|o), analytic and vectorised (§4.5.1, §4.5.2).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)
        actions : int array, shape (...)

        Returns
        -------
        numpy.ndarray, shape ``obs.shape[:-1] + theta_shape``
        """
        theta = self._theta(theta)
        obs, a = self._obs_actions(obs, actions)
        lead = a.shape
        o, a = obs.reshape(-1, self.obs_dim), a.ravel()
        out = self._per_sample_vjp(theta, o, self._g(theta, o, a))
        return out.reshape(lead + self.theta_shape)

    def batch_score_weighted(self, theta, obs, actions, weights):
        """sum_i w_i grad log pi_theta(a_i|o_i) in one backward pass (the REINFORCE hot path).

        Equals ``np.tensordot(weights, score(theta, obs, actions), weights.ndim)`` without forming
        the per-sample gradients (Eq. (4.3) with weights = reward-to-go minus a baseline, §4.4).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        obs : array_like, shape (..., obs_dim)
        actions : int array, shape (...)
        weights : array_like, shape (...)

        Returns
        -------
        numpy.ndarray, shape ``theta_shape``
        """
        theta = self._theta(theta)
        obs, a = self._obs_actions(obs, actions)
        w = v.finite_array(weights, "weights", shape=a.shape)
        o, a, w = obs.reshape(-1, self.obs_dim), a.ravel(), w.ravel()
        return self._vjp(theta, o, self._g(theta, o, a) * w[:, None])


class ObsLinearSoftmax(_ObsPolicy):
    """Linear softmax on observation features, pi(a|o) ∝ exp(theta_a^T phi(o)) (§4.5.1).

    This is §4.5.1's theta^T phi(s, a) with phi(s, a) = e_a ⊗ phi(o): one weight row per action.
    The score is (e_a - pi(.|o)) ⊗ phi(o).

    Parameters
    ----------
    obs_dim : int
        Observation length d.
    n_actions : int
        Number of actions A.
    features : callable, optional
        Map ``phi`` from obs (..., d) to features (..., p). Default ``[o, 1]`` (p = d + 1).

    Attributes
    ----------
    theta_shape : tuple ``(A, p)``
    """

    def __init__(self, obs_dim, n_actions, features=None):
        self.obs_dim = v.positive_int(obs_dim, "obs_dim")
        self.n_actions = v.positive_int(n_actions, "n_actions")
        if features is None:
            features = _bias_features
        if not callable(features):
            raise ValueError(f"features must be callable obs (..., d) -> (..., p); got {features!r}")
        probe = np.asarray(features(np.zeros((2, self.obs_dim))), dtype=float)
        if probe.ndim != 2 or probe.shape[0] != 2:
            raise ValueError(f"features must map shape (2, {self.obs_dim}) to (2, p); "
                             f"got {probe.shape}")
        self.features = features
        self.n_features = probe.shape[1]
        self.theta_shape = (self.n_actions, self.n_features)

    def init_params(self):
        """Zero weights: the uniform policy.

        Returns
        -------
        numpy.ndarray, shape (A, p)
        """
        return np.zeros(self.theta_shape)

    def _logits(self, theta, obs):
        return self.features(obs) @ theta.T

    def _per_sample_vjp(self, theta, o, g):
        return g[:, :, None] * self.features(o)[:, None, :]

    def _stack_key(self):
        return (ObsLinearSoftmax, self.obs_dim, self.n_actions, self.features)

    def _stacked_logits(self, thetas):
        """obs (K, m, d) -> logits (K, m, A) for K parameter sets at once (rollout's hot loop)."""
        Th = np.stack(thetas).transpose(0, 2, 1)  # (K, p, A)
        return lambda obs: self.features(obs) @ Th

    def _vjp(self, theta, o, g):
        return g.T @ self.features(o)


def _bias_features(obs):
    return np.concatenate([obs, np.ones(obs.shape[:-1] + (1,))], axis=-1)


class ObsMLPSoftmax(_ObsPolicy):
    """Softmax of a tanh MLP of the observation, f_theta(o) in R^A (§4.5.2).

    Layers ``o -> tanh(o W1 + b1) -> ... -> h W_out + b_out``; ``theta`` is one flat vector holding
    W1, b1, W2, b2, ..., W_out, b_out in that order (weights of shape (fan_in, fan_out),
    row-major). Gradients are by hand-written backpropagation.

    Parameters
    ----------
    obs_dim : int
        Observation length d.
    n_actions : int
        Number of actions A.
    hidden : tuple of int, default (32,)
        Hidden-layer widths.
    seed : int, default 0
        Seed of :meth:`init_params`.
    dtype : {numpy.float64, numpy.float32}, default float64
        Precision of the forward and backward passes (results are returned as float64).
        ``float32`` makes ``tanh`` several times faster -- plenty for training with Adam.

    Attributes
    ----------
    theta_shape : tuple ``(D,)``
    """

    def __init__(self, obs_dim, n_actions, hidden=(32,), seed=0, dtype=np.float64):
        self.obs_dim = v.positive_int(obs_dim, "obs_dim")
        self.n_actions = v.positive_int(n_actions, "n_actions")
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise ValueError(f"hidden must be a tuple of positive ints; got {hidden!r}") from None
        self.hidden = tuple(v.positive_int(h, "hidden") for h in hidden)
        self.seed = v.positive_int(seed, "seed", minimum=0)
        if np.dtype(dtype) not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"dtype must be float64 or float32; got {dtype!r}")
        self.dtype = np.dtype(dtype)
        sizes = (self.obs_dim,) + self.hidden + (self.n_actions,)
        self._shapes = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            self._shapes += [(fan_in, fan_out), (fan_out,)]
        self._sizes = [int(np.prod(s)) for s in self._shapes]
        self.theta_shape = (int(sum(self._sizes)),)

    def init_params(self):
        """Weights N(0, 1/fan_in), zero biases, output weights scaled by 0.01 (near-uniform policy).

        Returns
        -------
        numpy.ndarray, shape (D,)
        """
        rng = np.random.default_rng(self.seed)
        parts = []
        n_layers = len(self._shapes) // 2
        for i, shape in enumerate(self._shapes):
            if len(shape) == 2:
                scale = 1.0 / np.sqrt(shape[0]) * (0.01 if i // 2 == n_layers - 1 else 1.0)
                parts.append(rng.normal(0.0, scale, size=shape).ravel())
            else:
                parts.append(np.zeros(shape))
        return np.concatenate(parts)

    def _unpack(self, theta):
        out, i = [], 0
        for shape, size in zip(self._shapes, self._sizes):
            out.append(theta[i:i + size].reshape(shape))
            i += size
        return out[0::2], out[1::2]

    def _forward(self, theta, obs):
        Ws, bs = self._unpack(theta.astype(self.dtype, copy=False))
        hs = [obs.astype(self.dtype, copy=False)]
        for W, b in zip(Ws[:-1], bs[:-1]):
            hs.append(np.tanh(hs[-1] @ W + b))
        return hs, Ws, hs[-1] @ Ws[-1] + bs[-1]

    def _logits(self, theta, obs):
        return self._forward(theta, obs)[2].astype(float, copy=False)

    def _stack_key(self):
        return (ObsMLPSoftmax, self.obs_dim, self.n_actions, self.hidden)  # rollout uses float32

    def _stacked_logits(self, thetas):
        """obs (K, m, d) -> logits (K, m, A) for K parameter sets at once (rollout's hot loop)."""
        parts = [self._unpack(th) for th in thetas]
        f32 = np.float32  # sampling only: float32 tanh is several times faster than float64
        Ws = [np.stack([p[0][i] for p in parts]).astype(f32) for i in range(len(parts[0][0]))]
        bs = [np.stack([p[1][i] for p in parts])[:, None, :].astype(f32)
              for i in range(len(parts[0][1]))]

        def logits(obs):
            h = obs.astype(f32)
            for W, b in zip(Ws[:-1], bs[:-1]):
                h = np.tanh(h @ W + b)
            return (h @ Ws[-1] + bs[-1]).astype(float)

        return logits

    def _vjp(self, theta, o, g):
        """sum_n g[n]^T d f(o_n) / d theta: one backward pass with upstream g (N, A)."""
        hs, Ws, _ = self._forward(theta, o)
        grads = []
        delta = g.astype(self.dtype, copy=False)
        for layer in range(len(Ws) - 1, -1, -1):
            grads.append(delta.sum(axis=0))  # bias
            # weight: h^T delta, written as (delta^T h)^T -- the same product, but OpenBLAS is
            # up to 40x faster on the tall-skinny operands in this order
            grads.append((delta.T @ hs[layer]).T.ravel())
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (1.0 - hs[layer] ** 2)
        return np.concatenate(grads[::-1]).astype(float)

    def _per_sample_vjp(self, theta, o, g):
        """Per-sample g[n]^T d f(o_n) / d theta, shape (N, D)."""
        hs, Ws, _ = self._forward(theta, o)
        n = o.shape[0]
        grads = []
        delta = g.astype(self.dtype, copy=False)
        for layer in range(len(Ws) - 1, -1, -1):
            grads.append(delta)
            grads.append((hs[layer][:, :, None] * delta[:, None, :]).reshape(n, -1))
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (1.0 - hs[layer] ** 2)
        return np.concatenate(grads[::-1], axis=1).astype(float)
