"""Core benchmarks: vectorised sampling vs a Python loop, exact gradient vs finite differences.

Run:  .venv/bin/python benchmarks/bench_core.py
Prints a table; nothing here is a unit test.
"""

from __future__ import annotations

import time

import numpy as np

import pgtools as pg


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def python_loop_sampler(mdp, pi, n, rng):
    """The naive reference: rng.choice at every step of every trajectory."""
    S, A, H = mdp.n_states, mdp.n_actions, mdp.horizon
    states = np.empty((n, H), dtype=int)
    actions = np.empty((n, H), dtype=int)
    for i in range(n):
        s = rng.choice(S, p=mdp.mu0)
        for t in range(H):
            a = rng.choice(A, p=pi[s])
            states[i, t], actions[i, t] = s, a
            s = rng.choice(S, p=mdp.P[s, a])
    return states, actions


def bench_sampling(rows):
    S, A, H, n, n_loop = 50, 4, 50, 10_000, 200
    mdp = pg.random_mdp(S, A, H, seed=0)
    policy = pg.TabularSoftmax(S, A)
    theta = np.random.default_rng(1).normal(size=(S, A))
    pi = policy.probs(theta)
    rng = np.random.default_rng(2)
    # both timed in this one run, as medians, alternating so that load affects both alike
    t_vec, t_loop = [], []
    for _ in range(5):
        t_vec.append(median_time(lambda: pg.sample_trajectories(mdp, policy, theta, n, rng), 1))
        t_loop.append(median_time(lambda: python_loop_sampler(mdp, pi, n_loop, rng), 1))
    t_vec, t_loop = float(np.median(t_vec)), float(np.median(t_loop))
    vec_rate, loop_rate = n * H / t_vec, n_loop * H / t_loop
    ratio = vec_rate / loop_rate
    rows.append((f"sample_trajectories S={S} A={A} H={H} n={n}", f"{vec_rate:,.0f} steps/s",
                 f"median of 5: {t_vec * 1e3:.1f} ms"))
    rows.append((f"Python loop (rng.choice per step), n={n_loop}",
                 f"{loop_rate:,.0f} steps/s",
                 (f"median of 5: {t_loop:.2f} s; extrapolated to n={n}: "
                 f"{t_loop * n / n_loop:.1f} s")))
    rows.append(("speed-up (target >= 100x, aim 300x)", f"{ratio:,.0f}x",
                 f"target met: {'yes' if ratio >= 100 else 'no'}"))


def bench_gradient(rows):
    S, A, H, n_fd = 200, 4, 100, 8
    mdp = pg.random_mdp(S, A, H, seed=3)
    policy = pg.TabularSoftmax(S, A)
    theta = np.random.default_rng(4).normal(size=(S, A))
    pg.exact_gradient(mdp, policy, theta)  # warm-up
    t_grad = median_time(lambda: pg.exact_gradient(mdp, policy, theta), 9)

    def few_fd():
        eps = 1e-6
        flat = theta.reshape(-1).copy()
        for i in range(n_fd):
            for sign in (1, -1):
                th = flat.copy()
                th[i] += sign * eps
                pg.exact_objective(mdp, policy, th.reshape(S, A))

    t_fd = median_time(few_fd, 3) * (S * A) / n_fd
    rows.append((f"exact_gradient S={S} A={A} H={H} (tabular, dim 800)",
                 f"{t_grad * 1e3:.1f} ms", "median of 9 runs"))
    rows.append(("central finite differences of exact_objective", f"{t_fd * 1e3:,.0f} ms",
                 f"{n_fd} of {S * A} coordinates timed, extrapolated"))
    rows.append(("FD / exact_gradient", f"{t_fd / t_grad:,.0f}x",
                 f"target (<= 50 ms) met: {'yes' if t_grad <= 0.05 else 'no'}"))


def main():
    rows = []
    bench_sampling(rows)
    bench_gradient(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    line = "-+-".join("-" * w for w in widths)
    print(line)
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(line)


if __name__ == "__main__":
    main()
