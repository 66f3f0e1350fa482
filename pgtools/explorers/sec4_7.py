"""Section 4.7 (performance difference lemma, KL divergence): figures and the explorer.

No algorithm lives here: the KLs are :func:`pgtools.kl.gaussian_mixture_kl`,
:func:`pgtools.kl.fit_gaussian` and :func:`pgtools.trajectory_kl`; the surrogate is
:func:`pgtools.surrogate_objective`. This module holds

* :func:`plot_surrogate_line`, :func:`plot_mixture_fits` and :func:`plot_quadratic_error`,
  figures of ``book/4_7_performance_difference.ipynb``;
* :func:`make_explorer` and its pure callback :func:`draw`: a Gaussian p = N(mu, sigma^2) against
  the mixture q = 1/3 N(-5, 1) + 2/3 N(2, 1), with both KL divergences. It is a
  :class:`pgtools.explorer.FrameExplorer` (one precomputed frame per (mu, sigma)).
"""

from __future__ import annotations

import numpy as np

from pgtools.kl import gaussian_mixture_kl

__all__ = ["MIXTURE", "SIGMAS", "describe", "draw", "make_explorer", "mixture_pdf",
           "plot_mixture_fits", "plot_quadratic_error", "plot_surrogate_line"]

MIXTURE = ((1 / 3, 2 / 3), (-5.0, 2.0), (1.0, 1.0))   # weights, means, sds
SIGMAS = (0.5, 1.0, 3.5)


def _normal(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))


def mixture_pdf(x, mixture=MIXTURE):
    """Density of the mixture q at the points ``x``."""
    w, m, s = mixture
    return sum(wk * _normal(x, mk, sk) for wk, mk, sk in zip(w, m, s))


def plot_surrogate_line(steps, truth, surrogate, kl):
    """J(theta_s) - J(theta_old) and the surrogate L(theta_s) along a line, and the KL.

    Parameters
    ----------
    steps : array, shape (k,)
    truth, surrogate, kl : arrays, shape (k,)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 3.6))  # the page column at 100 dpi
    ax1.plot(steps, truth, label=r"$J(\theta_s) - J(\theta_{old})$")
    ax1.plot(steps, surrogate, ls="--", label=r"$L(\theta_s)$")
    ax1.set_xlabel(r"step length $s$")
    ax1.set_ylabel("change of the objective")
    ax1.legend(loc="lower right")
    ax2.plot(steps, np.abs(truth - surrogate), label=r"$|J - J_{old} - L|$")
    ax2.plot(steps, kl, ls=":", label=r"KL$(\rho_{old}\,\|\,\rho_{\theta_s})$")
    ax2.set_xlabel(r"step length $s$")
    ax2.legend(loc="upper left")
    return fig


def plot_mixture_fits(fits, labels):
    """The mixture q and the best single Gaussians under each KL.

    Parameters
    ----------
    fits : list of (mu, sigma)
    labels : list of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x = np.linspace(-10, 7, 1200)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.fill_between(x, mixture_pdf(x), color="0.85", label=r"$q$ (mixture)")
    for (mu, sigma), lab, ls in zip(fits, labels, ("-", "--", ":")):
        ax.plot(x, _normal(x, mu, sigma), ls=ls, label=lab)
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    ax.set_ylim(0, 0.68)
    ax.legend(loc="upper left", ncol=2)
    return fig


def plot_quadratic_error(norms, errors, slope):
    """Log-log plot of |KL - (1/2) Delta^T F Delta| against ||Delta||, slope written on it."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    ax.loglog(norms, errors, "o-", label=r"$|\mathrm{KL} - \frac{1}{2}\Delta^\top F\Delta|$")
    ref = errors[-1] * (norms / norms[-1]) ** 3
    ax.loglog(norms, ref, "k:", lw=1, label=r"slope 3")
    ax.text(0.05, 0.8, f"fitted slope {slope:.2f}", transform=ax.transAxes)
    ax.set_xlabel(r"$\|\Delta\|$")
    ax.set_ylabel("error of the quadratic model")
    ax.legend(loc="lower right")
    return fig


# ------------------------------------------------------------------------------ explorer
def describe(mu=0.0, sigma=1.0):
    """First sentence of the alt text of :func:`draw`'s figure."""
    return (f"The mixture q = 1/3 N(-5, 1) + 2/3 N(2, 1) and the Gaussian p = N({mu:g}, "
            f"{sigma:g}^2), with KL(p||q) and KL(q||p) in the title")


def draw(mu=0.0, sigma=1.0):
    """q, the Gaussian p = N(mu, sigma^2), and both KL divergences in the title.

    Parameters
    ----------
    mu : float
    sigma : float > 0

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    w, m, s = MIXTURE
    kl_pq = gaussian_mixture_kl(mu, sigma, w, m, s, "p||q")
    kl_qp = gaussian_mixture_kl(mu, sigma, w, m, s, "q||p")
    x = np.linspace(-10, 7, 300)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="none")
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.90)  # fixed margins
    ax.fill_between(x, mixture_pdf(x), color="0.85", label="q (mixture)")
    ax.plot(x, _normal(x, mu, sigma), color="C0", label=f"p = N({mu:g}, {sigma:g}²)")
    ax.set_ylim(0, 0.85)
    ax.set_title(f"KL(p‖q) = {kl_pq:.3f}    KL(q‖p) = {kl_qp:.3f}")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.legend(loc="upper left")
    return fig


def make_explorer():
    """Sliders for mu and sigma driving :func:`draw` (18 precomputed frames).

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer, Slider

    mu = Slider("mu", -6, 4, 2, value=0, label="mean μ of p")
    sigma = Choice("sigma", list(SIGMAS), 1.0, label="standard deviation σ of p",
                   style="slider")
    return FrameExplorer(draw, [mu, sigma], describe=describe,
                         label="Explorer: KL(p‖q) and KL(q‖p) for a Gaussian p")
