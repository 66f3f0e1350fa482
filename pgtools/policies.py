"""Softmax policies on a finite state space (§4.5).

All three parameterisations share one form, pi_theta(a|s) = exp f_theta(s, a) / sum_{a'} exp
f_theta(s, a'), with logits f_theta (§4.5.2); they differ only in f:

* :class:`TabularSoftmax` -- f(s, a) = theta[s, a] (§4.5; the chapter's denominator
  sum_{s, a'} is a typo, the normalisation is over actions a' only);
* :class:`LinearSoftmax` -- f(s, a) = theta^T phi(s, a) (§4.5.1);
* :class:`NeuralSoftmax` -- f(s, a) = a small tanh MLP of phi(s, a) (§4.5.2).

The score is grad log pi(a|s) = grad f(s, a) - E_{a' ~ pi(s)} grad f(s, a') (§4.5.1, §4.5.2).
"""

from __future__ import annotations

import itertools

import numpy as np

from . import _validate as v


class SoftmaxPolicy:
    """Base class: a softmax over actions of logits f_theta(s, a) (§4.5.2).

    Subclasses implement :meth:`logits`, :meth:`logit_gradients`, :meth:`init_params` and
    ``_logits_vjp``. Attributes ``n_states``, ``n_actions`` and ``theta_shape`` describe the policy.
    """

    n_states: int
    n_actions: int
    theta_shape: tuple

    # -- to be provided by subclasses -------------------------------------------------------
    def init_params(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _logits(self, theta):  # pragma: no cover - abstract
        raise NotImplementedError

    def _logit_gradients(self, theta):  # pragma: no cover - abstract
        raise NotImplementedError

    def _logits_vjp(self, theta, c):  # pragma: no cover - abstract
        """sum_{s,a} c[..., s, a] grad f(s, a) for c of shape (..., S, A)."""
        raise NotImplementedError

    # -- shared API ---------------------------------------------------------------------------
    def _theta(self, theta):
        return v.theta_array(theta, self.theta_shape)

    def _theta_batch(self, theta):
        """``theta`` of shape ``theta_shape`` or ``(K,) + theta_shape`` -> (array, batched)."""
        arr = v.finite_array(theta, "theta")
        shape = tuple(self.theta_shape)
        if arr.shape == shape:
            return arr, False
        if arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
            if arr.shape[0] < 1:
                raise ValueError("theta: a batch of parameter vectors must hold at least one "
                                 f"(K >= 1); got shape {arr.shape}")
            return arr, True
        raise ValueError(f"theta must have shape {shape} or (K,) + {shape} (a batch of K "
                         f"parameter vectors); got shape {arr.shape}")

    def _logits_batch(self, theta):
        """Logits for a batch theta of shape (K,) + theta_shape: (K, S, A); a loop by default."""
        return np.stack([self._logits(th) for th in theta])

    def _logits_vjp_batch(self, theta, c):
        """sum_{s,a} c[k, ..., s, a] grad f_{theta_k}(s, a) for each k; a loop by default."""
        return np.stack([self._logits_vjp(th, ck) for th, ck in zip(theta, c)])

    def _logits_any(self, theta, batched):
        return self._logits_batch(theta) if batched else self._logits(theta)

    def _indices(self, states, actions):
        s = v.index_array(states, "states", self.n_states)
        a = v.index_array(actions, "actions", self.n_actions)
        if s.shape != a.shape:
            raise ValueError(
                f"states and actions must have the same shape; got {s.shape} and {a.shape}"
            )
        return s, a

    def logits(self, theta):
        """Unnormalised scores f_theta(s, a) for every pair (§4.5.2).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(K,) + theta_shape``
            One parameter vector, or a batch of K of them.

        Returns
        -------
        numpy.ndarray, shape (S, A), or (K, S, A) for a batch
        """
        return self._logits_any(*self._theta_batch(theta))

    def logit_gradients(self, theta):
        """Gradients grad_theta f_theta(s, a) for every pair (§4.5.2).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``

        Returns
        -------
        numpy.ndarray, shape (S, A) + theta_shape
        """
        return self._logit_gradients(self._theta(theta))

    def log_probs(self, theta):
        """Table of log pi_theta(a|s), by a stable log-sum-exp (§4.5).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(K,) + theta_shape``
            One parameter vector, or a batch of K of them (vectorised for the tabular and
            linear softmax, a loop over k for the neural one).

        Returns
        -------
        numpy.ndarray, shape (S, A), or (K, S, A) for a batch
        """
        return _log_softmax(self._logits_any(*self._theta_batch(theta)))

    def probs(self, theta):
        """Table of pi_theta(a|s); each row sums to 1 (§4.5).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(K,) + theta_shape``
            One parameter vector, or a batch of K of them (vectorised for the tabular and
            linear softmax, a loop over k for the neural one).

        Returns
        -------
        numpy.ndarray, shape (S, A), or (K, S, A) for a batch: ``probs(theta)[k]`` equals
        ``probs(theta[k])``.
        """
        return _softmax(self._logits_any(*self._theta_batch(theta)))

    def log_prob(self, theta, states, actions):
        """log pi_theta(a|s) for arrays of states and actions (§4.5).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        states, actions : int arrays of the same shape

        Returns
        -------
        numpy.ndarray, shape ``states.shape``
        """
        theta = self._theta(theta)
        s, a = self._indices(states, actions)
        return self.log_probs(theta)[s, a]

    def score_table(self, theta):
        """The score grad log pi_theta(a|s) for every pair: grad f(s,a) - E_{a'~pi} grad f(s,a').

        §4.5.1 / §4.5.2.

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(K,) + theta_shape``
            One parameter vector, or a batch of K of them (a loop over k).

        Returns
        -------
        numpy.ndarray, shape (S, A) + theta_shape, or (K, S, A) + theta_shape for a batch
        """
        theta, batched = self._theta_batch(theta)
        if batched:
            return np.stack([self.score_table(th) for th in theta])
        g = self._logit_gradients(theta)
        pi = _softmax(self._logits(theta))
        gf = g.reshape(self.n_states, self.n_actions, -1)
        mean = np.einsum("sa,sad->sd", pi, gf)
        return (gf - mean[:, None, :]).reshape(g.shape)

    def score(self, theta, states, actions):
        """The score grad_theta log pi_theta(a|s), vectorised (§4.5.1, §4.5.2).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape``
        states, actions : int arrays of the same shape

        Returns
        -------
        numpy.ndarray, shape ``states.shape + theta_shape``
        """
        theta = self._theta(theta)
        s, a = self._indices(states, actions)
        return self.score_table(theta)[s, a]

    def weighted_score_sum(self, theta, w):
        """sum_{s,a} w[..., s, a] grad log pi_theta(a|s), without forming every score.

        Uses sum_{s,a} w (grad f - E_pi grad f) = sum_{s,a} (w - pi * sum_a' w) grad f
        (§4.5.1, §4.5.2); this is how :func:`pgtools.exact_gradient` aggregates Eq. (4.3).

        With a batch of K parameter vectors, ``w[k]`` weights the scores of ``theta[k]``:
        the result is ``stack([weighted_score_sum(theta[k], w[k]) for k])``, vectorised for the
        tabular and linear softmax (the §4.2 and §4.5 learning curves use this for K runs).

        Parameters
        ----------
        theta : array_like, shape ``theta_shape`` or ``(K,) + theta_shape``
        w : array_like, shape (..., S, A), or (K, ..., S, A) for a batch of K thetas
            Weights per state-action pair (optional leading batch dimensions).

        Returns
        -------
        numpy.ndarray, shape (...) + theta_shape, or (K, ...) + theta_shape for a batch
        """
        theta, batched = self._theta_batch(theta)
        w = v.finite_array(w, "w")
        if w.shape[-2:] != (self.n_states, self.n_actions) or w.ndim < 2:
            raise ValueError(
                f"w must have shape (..., {self.n_states}, {self.n_actions}); got {w.shape}"
            )
        if not batched:
            pi = _softmax(self._logits(theta))
            c = w - pi * w.sum(axis=-1, keepdims=True)
            return self._logits_vjp(theta, c)
        K = theta.shape[0]
        if w.ndim < 3 or w.shape[0] != K:
            raise ValueError(
                f"w must have shape ({K}, ..., {self.n_states}, {self.n_actions}) for a batch of "
                f"{K} thetas (one weight table per theta); got {w.shape}"
            )
        pi = _softmax(self._logits_batch(theta))
        pi = pi.reshape((K,) + (1,) * (w.ndim - 3) + pi.shape[1:])
        c = w - pi * w.sum(axis=-1, keepdims=True)
        return self._logits_vjp_batch(theta, c)


class TabularSoftmax(SoftmaxPolicy):
    """Tabular softmax pi(a|s) = exp theta[s, a] / sum_{a'} exp theta[s, a'] (§4.5).

    (The chapter's §4.5 denominator sums over (s, a'); the correct normalisation is over a' only.)

    Parameters
    ----------
    n_states, n_actions : int
        Sizes S and A; ``theta`` has shape (S, A).
    """

    def __init__(self, n_states, n_actions):
        self.n_states = v.positive_int(n_states, "n_states")
        self.n_actions = v.positive_int(n_actions, "n_actions")
        self.theta_shape = (self.n_states, self.n_actions)

    def init_params(self):
        """Zero preferences (the uniform policy).

        Returns
        -------
        numpy.ndarray, shape (S, A)
        """
        return np.zeros(self.theta_shape)

    def _logits(self, theta):
        return theta.copy()

    def _logit_gradients(self, theta):
        S, A = self.theta_shape
        return np.eye(S * A).reshape(S, A, S, A)

    def _logits_vjp(self, theta, c):
        return c

    def _logits_batch(self, theta):
        return theta.copy()

    def _logits_vjp_batch(self, theta, c):
        return c

    def score(self, theta, states, actions):
        """The score e_{s,a} - pi(.|s) e_s, vectorised (§4.5 with §4.5.1 for one-hot features).

        Parameters
        ----------
        theta : array_like, shape (S, A)
        states, actions : int arrays of the same shape

        Returns
        -------
        numpy.ndarray, shape ``states.shape + (S, A)``
        """
        s, a = self._indices(states, actions)
        pi = self.probs(self._theta(theta))
        flat_s, flat_a = s.ravel(), a.ravel()
        n = flat_s.size
        out = np.zeros((n,) + self.theta_shape)
        rows = np.arange(n)
        out[rows, flat_s, :] = -pi[flat_s]
        out[rows, flat_s, flat_a] += 1.0
        return out.reshape(s.shape + self.theta_shape)


class LinearSoftmax(SoftmaxPolicy):
    """Linear-in-features softmax pi(a|s) ∝ exp(theta^T phi(s, a)) (§4.5.1).

    Parameters
    ----------
    features : array_like, shape (S, A, p)
        Feature vectors phi(s, a); ``theta`` has shape (p,).
    """

    def __init__(self, features):
        self.features = v.finite_array(features, "features", ndim=3)
        self.features.flags.writeable = False
        self.n_states, self.n_actions, p = self.features.shape
        if min(self.features.shape) < 1:
            raise ValueError(f"features must have shape (S, A, p) with all sizes >= 1; "
                             f"got {self.features.shape}")
        self.theta_shape = (p,)

    def init_params(self):
        """Zero weights (the uniform policy).

        Returns
        -------
        numpy.ndarray, shape (p,)
        """
        return np.zeros(self.theta_shape)

    def _logits(self, theta):
        return self.features @ theta

    def _logit_gradients(self, theta):
        return self.features.copy()

    def _logits_vjp(self, theta, c):
        return np.einsum("...sa,sap->...p", c, self.features)

    def _logits_batch(self, theta):
        return np.einsum("sap,kp->ksa", self.features, theta)

    def _logits_vjp_batch(self, theta, c):
        return self._logits_vjp(theta, c)


class NeuralSoftmax(SoftmaxPolicy):
    """Softmax of a small tanh MLP f_theta(phi(s, a)) with scalar output (§4.5.2).

    Layers: ``phi -> tanh(W1^T x + b1) -> ... -> w_out^T h``. There is no output bias (it would
    cancel in the softmax). ``theta`` is one flat vector holding W1, b1, W2, b2, ..., w_out in
    that order (each weight matrix of shape (fan_in, fan_out), row-major).

    Parameters
    ----------
    features : array_like, shape (S, A, p)
        Input features phi(s, a).
    hidden : tuple of int, default (16,)
        Hidden-layer widths (``()`` gives a linear f without bias).
    seed : int, default 0
        Seed for :meth:`init_params`.
    """

    def __init__(self, features, hidden=(16,), seed=0):
        self.features = v.finite_array(features, "features", ndim=3)
        self.features.flags.writeable = False
        self.n_states, self.n_actions, p = self.features.shape
        if min(self.features.shape) < 1:
            raise ValueError(f"features must have shape (S, A, p) with all sizes >= 1; "
                             f"got {self.features.shape}")
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise ValueError(f"hidden must be a tuple of positive ints; got {hidden!r}") from None
        self.hidden = tuple(v.positive_int(h, "hidden") for h in hidden)
        self.seed = v.positive_int(seed, "seed", minimum=0)
        sizes = (p,) + self.hidden
        self._shapes = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            self._shapes += [(fan_in, fan_out), (fan_out,)]
        self._shapes.append((sizes[-1],))
        self.theta_shape = (int(sum(np.prod(s) for s in self._shapes)),)

    def init_params(self):
        """Small random weights N(0, 1/fan_in), zero biases, seeded by ``seed``.

        Returns
        -------
        numpy.ndarray, shape (D,)
        """
        rng = np.random.default_rng(self.seed)
        parts = []
        last = len(self._shapes) - 1
        for i, shape in enumerate(self._shapes):
            if len(shape) == 2 or i == last:
                parts.append(rng.normal(0.0, 1.0 / np.sqrt(shape[0]), size=shape).ravel())
            else:
                parts.append(np.zeros(shape))
        return np.concatenate(parts)

    def _unpack(self, theta):
        out, i = [], 0
        for shape in self._shapes:
            size = int(np.prod(shape))
            out.append(theta[i:i + size].reshape(shape))
            i += size
        return out[:-1:2], out[1:-1:2], out[-1]

    def _forward(self, theta):
        Ws, bs, w_out = self._unpack(theta)
        hs = [self.features.reshape(-1, self.features.shape[-1])]
        for W, b in zip(Ws, bs):
            hs.append(np.tanh(hs[-1] @ W + b))
        return hs, Ws, w_out

    def _logits(self, theta):
        hs, _, w_out = self._forward(theta)
        return (hs[-1] @ w_out).reshape(self.n_states, self.n_actions)

    def _backward(self, theta, upstream):
        """Backprop for all N = S*A inputs: the Jacobian (N, D), row n scaled by upstream[n]."""
        hs, Ws, w_out = self._forward(theta)
        n = hs[0].shape[0]
        u = upstream[:, None]
        grads = [hs[-1] * u]  # d f / d w_out
        delta = (w_out[None, :] * (1.0 - hs[-1] ** 2)) * u
        for layer in range(len(Ws) - 1, -1, -1):
            h_in = hs[layer]
            grads.append(delta)  # bias
            grads.append((h_in[:, :, None] * delta[:, None, :]).reshape(n, -1))  # weight
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (1.0 - h_in ** 2)
        return np.concatenate(grads[::-1], axis=1)

    def _logit_gradients(self, theta):
        n = self.n_states * self.n_actions
        jac = self._backward(theta, np.ones(n))
        return jac.reshape(self.n_states, self.n_actions, -1)

    def _logits_vjp(self, theta, c):
        jac = self._logit_gradients(theta)
        return np.tensordot(c, jac, axes=([-2, -1], [0, 1]))


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def check_policy(policy, name="policy"):
    """Raise ``ValueError`` unless ``policy`` is a :class:`SoftmaxPolicy`.

    Parameters
    ----------
    policy : SoftmaxPolicy
    name : str

    Returns
    -------
    SoftmaxPolicy
    """
    if not isinstance(policy, SoftmaxPolicy):
        raise ValueError(
            f"{name} must be a pgtools policy (TabularSoftmax, LinearSoftmax, NeuralSoftmax); "
            f"got {type(policy).__name__}"
        )
    return policy
