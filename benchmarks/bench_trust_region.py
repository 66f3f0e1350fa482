"""Trust-region benchmarks (§4.7-§4.9): Fisher matrix and natural gradient on a tabular MDP.

S = 50 states, A = 4 actions, H = 50 steps, tabular softmax (d = 200 parameters). Times
``pg.fisher_matrix`` and ``pg.natural_gradient`` (target: <= 20 ms each), and a finite-difference
Hessian of ``pg.trajectory_kl`` in theta' at theta' = theta (the matrix F is, by definition): the
four-point second difference for each pair i <= j, with the KLs of all 4 d (d + 1) / 2 shifted
parameter vectors evaluated in batches (``trajectory_kl`` accepts a batch of theta'). Prints the
times, their ratio and the largest difference between the two matrices.

Run:  .venv/bin/python benchmarks/bench_trust_region.py

OpenBLAS runs single-threaded here unless OPENBLAS_NUM_THREADS says otherwise: a 200 x 200
problem is too small for threads to pay, and on a shared machine idle-spinning BLAS threads made
the median ``natural_gradient`` time swing from 3 ms to 500 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

import numpy as np

import pgtools as pg

TARGET_S = 0.020


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def fd_hessian_of_kl(mdp, policy, theta, h=1e-3, chunk=4000):
    """H_ij = [f(+i+j) - f(+i-j) - f(-i+j) + f(-i-j)] / (4 h^2), f = KL(rho_theta || rho_.)."""
    d = theta.size
    iu, ju = np.triu_indices(d)
    E = np.eye(d) * h
    base = theta.ravel()
    signs = ((1, 1), (1, -1), (-1, 1), (-1, -1))
    coef = (1.0, -1.0, -1.0, 1.0)
    acc = np.zeros(iu.size)
    for (si, sj), c in zip(signs, coef):
        for lo in range(0, iu.size, chunk):
            i, j = iu[lo:lo + chunk], ju[lo:lo + chunk]
            pts = base + si * E[i] + sj * E[j]
            acc[lo:lo + chunk] += c * pg.trajectory_kl(mdp, policy, theta,
                                                       pts.reshape((-1,) + theta.shape))
    H = np.zeros((d, d))
    H[iu, ju] = acc / (4 * h * h)
    H[ju, iu] = H[iu, ju]
    return H


def main():
    S, A, H = 50, 4, 50
    mdp = pg.random_mdp(S, A, H, seed=0, gamma=0.99)
    policy = pg.TabularSoftmax(S, A)
    theta = np.random.default_rng(1).normal(size=(S, A))
    pg.fisher_matrix(mdp, policy, theta)          # warm-up (imports, BLAS threads)
    pg.natural_gradient(mdp, policy, theta)
    t_f = median_time(lambda: pg.fisher_matrix(mdp, policy, theta), 21)
    t_n = median_time(lambda: pg.natural_gradient(mdp, policy, theta), 21)
    t0 = time.perf_counter()
    H_fd = fd_hessian_of_kl(mdp, policy, theta)
    t_fd = time.perf_counter() - t0
    F = pg.fisher_matrix(mdp, policy, theta)
    err = np.abs(F - H_fd).max() / np.abs(F).max()
    n_kl = 4 * theta.size * (theta.size + 1) // 2
    print(f"S = {S}, A = {A}, H = {H}, tabular softmax, d = {theta.size}; "
          f"OPENBLAS_NUM_THREADS = {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"{'fisher_matrix':34s} {1e3 * t_f:9.2f} ms   (target <= {1e3 * TARGET_S:.0f} ms: "
          f"{'ok' if t_f <= TARGET_S else 'SLOW'})")
    print(f"{'natural_gradient (F^+ grad J)':34s} {1e3 * t_n:9.2f} ms   (target <= "
          f"{1e3 * TARGET_S:.0f} ms: {'ok' if t_n <= TARGET_S else 'SLOW'})")
    print(f"{'finite-difference Hessian of KL':34s} {1e3 * t_fd:9.2f} ms   ({n_kl} KL values, "
          f"batched)")
    print(f"ratio FD Hessian / fisher_matrix: {t_fd / t_f:,.0f}x, / natural_gradient: "
          f"{t_fd / t_n:,.0f}x;  "
          f"max |F - H_fd| / max |F| = {err:.1e}")


if __name__ == "__main__":
    main()
