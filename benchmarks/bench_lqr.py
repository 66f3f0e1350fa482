"""LQR benchmarks (§4.10): the exact adjoint gradient against finite differences, and the
vectorised trajectory sampler.

Run:  .venv/bin/python benchmarks/bench_lqr.py
Prints a table; nothing here is a unit test. Targets (issue 13): lqr_gradient for a 4-state,
2-action LQR with H = 100 in <= 5 ms; sample_lqr_trajectories with n = 10 000, H = 100 in
<= 100 ms.
"""

from __future__ import annotations

import time

import numpy as np

import pgtools as pg
from pgtools import lqr


def median_time(fn, repeats, clock=time.perf_counter):
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return float(np.median(times))


def both(fn, repeats):
    """Median wall time and median CPU time of this process (the latter is less sensitive to
    other programs competing for the cores; run with OPENBLAS_NUM_THREADS=1 to compare). CPU
    time adds up all threads: the sampler draws its normals in a second thread when there is a
    spare core, so there its CPU time exceeds its wall time."""
    return median_time(fn, repeats), median_time(fn, repeats, time.process_time)


def problem(noise=True):
    """A random 4-state, 2-action LQR with H = 100 (the benchmark of issue 13)."""
    rng = np.random.default_rng(0)
    n, m = 4, 2
    A = np.eye(n) + 0.1 * rng.normal(size=(n, n))
    B = 0.3 * rng.normal(size=(n, m))
    C = rng.normal(size=(n, n))
    return pg.LinearQuadratic(A, B, C @ C.T / n + np.eye(n), 0.5 * np.eye(m), 100, np.eye(n),
                              0.01 * np.eye(n) if noise else None)


def main():
    prob = problem()
    pol = pg.GaussianLinearPolicy(4, 2)
    K = pg.lqr_optimal(prob).gains[0]
    theta = pol.params(K, 0.3)
    J = lambda th: pg.lqr_objective(prob, pol, th)
    t_grad, c_grad = both(lambda: pg.lqr_gradient(prob, pol, theta), 200)
    t_fd, c_fd = both(lambda: pg.finite_difference_gradient(J, theta, eps=1e-6), 20)
    g = pg.lqr_gradient(prob, pol, theta)
    fd = pg.finite_difference_gradient(J, theta, eps=1e-6)
    rel = np.abs(g - fd).max() / np.abs(fd).max()
    rows = [("lqr_gradient (adjoint), n=4, m=2, H=100", t_grad, c_grad, 5.0),
            (f"  central finite differences ({2 * theta.size} objectives)", t_fd, c_fd, None)]
    for noise in (True, False):
        p = problem(noise)
        t_s, c_s = both(lambda p=p: pg.sample_lqr_trajectories(p, pol, theta, 10_000, 1), 7)
        label = "with" if noise else "without"
        rows.append((f"sample_lqr_trajectories n=10000, H=100, {label} noise", t_s, c_s,
                     100.0))
    # the same, all in the calling thread (as on a single core): the normals drawn first
    background, lqr._BACKGROUND_MIN_NORMALS = lqr._BACKGROUND_MIN_NORMALS, float("inf")
    try:
        p = problem(True)
        t_s, c_s = both(lambda: pg.sample_lqr_trajectories(p, pol, theta, 10_000, 1), 7)
        rows.append(("  with noise, normals drawn in the calling thread", t_s, c_s, None))
    finally:
        lqr._BACKGROUND_MIN_NORMALS = background
    rng = np.random.default_rng(1)
    t_n, c_n = both(lambda: rng.standard_normal((100, 10_000, 6)), 7)
    rows.append(("  its 6 000 000 standard normals alone", t_n, c_n, None))
    print(f"{'benchmark':58} {'wall ms':>8} {'CPU ms':>8} {'target':>8}")
    for name, wall, cpu, target in rows:
        tgt = f"<= {target:g}" if target else ""
        ok = "" if target is None else ("  ok" if min(wall, cpu) * 1e3 <= target else "  SLOW")
        print(f"{name:58} {wall * 1e3:8.2f} {cpu * 1e3:8.2f} {tgt:>8}{ok}")
    print(f"adjoint gradient is {t_fd / t_grad:.0f}x faster than finite differences "
          f"(max relative difference {rel:.1e})")


if __name__ == "__main__":
    main()
