"""§4.10 figures and explorer: the landscape of J over the gain of the double integrator.

Only drawing lives here; the mathematics is :func:`pgtools.lqr_objective`,
:func:`pgtools.lqr_gradient` and :func:`pgtools.lqr_optimal`.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

import pgtools as pg

SIGMAS = (0.01, 0.3, 1.0)
HORIZONS = (10, 25, 50)
K1 = np.linspace(-7.0, 0.5, 61)
K2 = np.linspace(-7.0, 0.5, 61)
START = (-0.5, -0.5)


def double_integrator(horizon=50, dt=0.1):
    """The running example of §4.10: position and velocity, a force as the action.

    x = (position, velocity), A = [[1, dt], [0, 1]], B = [[0], [dt]], Q = I, R = 0.1,
    x_0 ~ N(0, I), process noise N(0, 0.01 I).
    """
    A = np.array([[1.0, dt], [0.0, 1.0]])
    B = np.array([[0.0], [dt]])
    return pg.LinearQuadratic(A, B, np.eye(2), 0.1 * np.eye(1), horizon, np.eye(2),
                              0.01 * np.eye(2))


def ascent_path(problem, sigma, K0=START, eta=0.02, steps=400):
    """Exact gradient ascent on the gain K (sigma fixed), Eq. (L4): the path of K."""
    pol = pg.GaussianLinearPolicy(2, 1)
    K = np.array([K0], dtype=float)
    path = [K.ravel().copy()]
    for _ in range(steps):
        g = pg.lqr_gradient(problem, pol, pol.params(K, sigma))[:2]
        K = K + eta * g.reshape(1, 2)
        path.append(K.ravel().copy())
    return np.array(path)


@functools.cache
def _frame(sigma, horizon):
    prob = double_integrator(horizon)
    pol = pg.GaussianLinearPolicy(2, 1)
    G1, G2 = np.meshgrid(K1, K2)
    Ks = np.stack([G1.ravel(), G2.ravel()], axis=1)
    logs = np.full((Ks.shape[0], 1), np.log(sigma))
    J = pg.lqr_objective(prob, pol, np.concatenate([Ks, logs], axis=1)).reshape(G1.shape)
    rho = pg.spectral_radius(prob.A + prob.B @ Ks[:, None, :]).reshape(G1.shape)
    path = ascent_path(prob, sigma)
    K_star = pg.lqr_optimal(prob).gains[0].ravel()
    return J, rho, path, K_star


def draw(sigma=0.3, horizon=50):
    """Contours of log10(-J) over the gain (K_1, K_2), the gradient-ascent path, the
    stabilising region rho(A + B K) < 1 and the Riccati gain K*_0."""
    J, rho, path, K_star = _frame(float(sigma), int(horizon))
    fig, ax = plt.subplots(figsize=(5.6, 4.4), layout="constrained")
    levels = np.linspace(np.log10(-J).min(), np.log10(-J).min() + 2.5, 16)
    cs = ax.contourf(K1, K2, np.log10(-J), levels=levels, cmap="viridis_r", extend="max")
    cbar = fig.colorbar(cs, ax=ax, format="%.1f")
    # labels with sub/superscripts at 11 pt, so that the indices stay >= 10 px on screen
    cbar.set_label(r"$\log_{10}(-J)$", fontsize=11)
    ax.contour(K1, K2, rho, levels=[1.0], colors="w", linestyles="--", linewidths=1.2)
    red = "#D55E00"  # Okabe-Ito vermillion: stands out on the whole colour map
    ax.plot(path[:, 0], path[:, 1], color=red, lw=1.8, label="exact gradient ascent")
    ax.plot(*path[0], "o", color=red, ms=5)
    ax.plot(*path[-1], "s", color=red, ms=6, label="after 400 steps")
    ax.plot(*K_star, "*", color="w", mec="k", ms=13, label=r"Riccati $K^*_0$")
    ax.plot([], [], "w--", label=r"$\rho(A + BK) = 1$")
    ax.set_xlabel(r"gain on position $K_1$", fontsize=11)
    ax.set_ylabel(r"gain on velocity $K_2$", fontsize=11)
    ax.set_title(rf"$\sigma$ = {sigma:g}, $H$ = {horizon}", fontsize=11)
    ax.grid(False)  # no grid over the contours
    ax.legend(loc="lower left", facecolor="0.8", framealpha=0.9, fontsize=11)  # grey: white marks show
    return fig


def describe(sigma=0.3, horizon=50):
    """First sentence of the alt text of :func:`draw`'s figure."""
    return (f"Contour map of the cost log10(-J) over the two gains of the double integrator "
            f"for sigma = {sigma:g} and H = {horizon}, with the path of exact gradient ascent "
            f"from K = {START} and the Riccati gain at t = 0")


def make_explorer():
    """A slider for sigma and one for H, showing :func:`draw` (all 9 frames drawn here).

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    controls = [
        Choice("sigma", list(SIGMAS), 0.3, label="policy noise σ", style="slider"),
        Choice("horizon", list(HORIZONS), 50, label="horizon H", style="slider"),
    ]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: the LQR landscape and gradient ascent")
