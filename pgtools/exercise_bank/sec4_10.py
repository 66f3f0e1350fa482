"""Exercises of §4.10, Gaussian policies and the LQR (book/4_10_gaussian_lqr.ipynb)."""

import numpy as np

from ..gaussian import GaussianLinearPolicy
from . import choice, code, numeric


def _score(K, log_sigma, x, u):
    K = np.atleast_2d(np.asarray(K, dtype=float))
    log_sigma = np.atleast_1d(np.asarray(log_sigma, dtype=float))
    pol = GaussianLinearPolicy(K.shape[1], K.shape[0])
    return pol.score(np.concatenate([K.ravel(), log_sigma]), x, u)


def _score_cases(rng):
    m, n = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    K = rng.normal(size=(m, n)).round(2)
    log_sigma = rng.normal(size=m).round(2) * 0.5
    return K, log_sigma, rng.normal(size=n).round(2), rng.normal(size=m).round(2)


def _no_minus_one(K, log_sigma, x, u):
    s = _score(K, log_sigma, x, u)
    m = np.atleast_1d(log_sigma).size
    s[-m:] += 1.0
    return s


def _one_sigma(K, log_sigma, x, u):
    s = _score(K, log_sigma, x, u)
    sig = np.exp(np.atleast_1d(np.asarray(log_sigma, dtype=float)))
    m, n = sig.size, np.asarray(x).size
    s[:-m] = (s[:-m].reshape(m, n) * sig[:, None]).ravel()
    return s


EXERCISES = (
    numeric(
        "4.10/score-log-sigma", "ex-4-10-1", "Score with respect to log sigma",
        3.0, decimals=2,
        close=[(4.0, (r"That is $z^2$. The normalising constant $1/\sigma$ of the density "
                      r"adds $-1$.")),
               (1.0, r"That is $z - 1$; the density depends on $z^2$.")],
        hints=[(r"Write $\log\pi = -z^2/2 - \log\sigma + \text{const}$ with "
               r"$z = (u - Kx)/\sigma$."),
               (r"Then $z$ depends on $\log\sigma$ through $1/\sigma$: "
               r"$\partial z/\partial\log\sigma = -z$.")]),
    numeric(
        "4.10/scalar-riccati", "ex-4-10-2", "Optimal value of the two-step scalar regulator",
        -1.5, decimals=2,
        close=[(-2.0, r"That is $J$ of $u = 0$: the first action can do better."),
               (-1.25, (r"Close: check the cost of the first action, $u_0^2$, and of "
                        r"$x_1^2$."))],
        hints=[r"At the last step $u_1 = 0$ is best: $P_1 = q = 1$.",
               (r"Minimise $u^2 + (x + u)^2$ over $u$, then take the expectation over "
               r"$x_0$.")]),
    choice(
        "4.10/pathwise-needs", "ex-4-10-3", "True statements about the two estimators",
        4, [0, 2],
        explanations=[
            None,
            ("The score-function estimate needs only the policy's own score and the "
             "returns; that is why it works in any environment."),
            None,
            (r"It is the score-function estimate of the gain that grows like "
             r"$1/\sigma^2$; the pathwise one stays bounded as $\sigma \to 0$.")],
        hints=["Write out which derivatives each estimator multiplies together."]),
    code(
        "4.10/gaussian-score", "ex-4-10-4", "Your gaussian_score function",
        _score, name="gaussian_score", cases=_score_cases,
        close=[(_no_minus_one, r"The $\log\sigma$ part is $z^2 - 1$: the $-1$ is missing."),
               (_one_sigma, (r"The gain part divides by $\sigma^2$, not $\sigma$: "
                             r"$(u - Kx)x^\top/\sigma^2$."))],
        hints=[r"Compute $z = (u - Kx)/\sigma$ first.",
               (r"Gain part: the outer product of $z/\sigma$ and $x$, flattened row by row; "
               r"then append $z^2 - 1$.")]),
)
