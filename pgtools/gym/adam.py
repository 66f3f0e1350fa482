"""A tiny Adam optimiser for gradient *ascent* on J(theta) (§4.2's update with adaptive steps, §4.6)."""

from __future__ import annotations

import numpy as np


class Adam:
    """Adam (Kingma & Ba) for maximisation: theta <- theta + lr * m_hat / (sqrt(v_hat) + eps).

    It replaces the plain step eta * grad of §4.2 by a per-coordinate rescaled one; with a noisy
    REINFORCE estimate it makes the step size far less sensitive to the scale of the returns.

    Parameters
    ----------
    lr : float
        Step size eta.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates of the first and second moment estimates.
    eps : float, default 1e-8
    """

    def __init__(self, lr, betas=(0.9, 0.999), eps=1e-8):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number; got {lr!r}")
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must lie in [0, 1); got {betas!r}")
        self.lr, self.b1, self.b2, self.eps = float(lr), float(b1), float(b2), float(eps)
        self.m = self.v = None
        self.t = 0

    def step(self, theta, grad):
        """Return the parameters after one ascent step along ``grad``.

        Parameters
        ----------
        theta : numpy.ndarray
        grad : numpy.ndarray, same shape as ``theta``

        Returns
        -------
        numpy.ndarray
        """
        if self.m is None:
            self.m, self.v = np.zeros_like(grad), np.zeros_like(grad)
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad**2
        m_hat = self.m / (1 - self.b1**self.t)
        v_hat = self.v / (1 - self.b2**self.t)
        return theta + self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
