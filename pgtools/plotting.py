"""Small plotting helpers for the notebooks (confidence bands, log-log slopes, error bars)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def t_quantile(q, df):
    """Quantile of Student's t distribution (no SciPy needed).

    Exact for df = 1, 2; for df >= 3 a Cornish-Fisher expansion around the normal quantile
    (absolute error < 2e-3 at q = 0.975).

    Parameters
    ----------
    q : float in (0, 1)
    df : int >= 1

    Returns
    -------
    float
    """
    if df < 1:
        raise ValueError(f"df must be >= 1; got {df}")
    if df == 1:
        return float(np.tan(np.pi * (q - 0.5)))
    if df == 2:
        return float((2 * q - 1) / np.sqrt(2 * q * (1 - q)))
    z = NormalDist().inv_cdf(q)
    n = float(df)
    return float(
        z
        + (z**3 + z) / (4 * n)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * n**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * n**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * n**4)
    )


def mean_ci(ys, level=0.95):
    """Mean and half-width of a t confidence interval over the rows of ``ys``.

    Parameters
    ----------
    ys : array_like, shape (n_runs, n_points)
    level : float, default 0.95

    Returns
    -------
    mean, half_width : numpy.ndarray, shape (n_points,)
    """
    ys = np.asarray(ys, dtype=float)
    if ys.ndim == 1:
        ys = ys[:, None]
    n = ys.shape[0]
    mean = ys.mean(axis=0)
    if n < 2:
        return mean, np.zeros_like(mean)
    half = t_quantile(0.5 + level / 2, n - 1) * ys.std(axis=0, ddof=1) / np.sqrt(n)
    return mean, half


def plot_band(ax, x, ys, label=None, level=0.95, **kwargs):
    """Plot the mean of the rows of ``ys`` with a shaded t confidence band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : array_like, shape (n_points,)
    ys : array_like, shape (n_runs, n_points)
        One row per seed/run.
    label : str, optional
    level : float, default 0.95
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib.lines.Line2D
    """
    mean, half = mean_ci(ys, level)
    (line,) = ax.plot(x, mean, label=label, **kwargs)
    ax.fill_between(x, mean - half, mean + half, color=line.get_color(), alpha=0.25, lw=0)
    return line


def loglog_slope(ax, x, y, label=None, **kwargs):
    """Plot y against x on log-log axes, fit log y = a + k log x and write "slope = k".

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x, y : array_like, shape (n,)
        Positive values.
    label : str, optional
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    float
        The fitted slope k.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    k, a = np.polyfit(np.log(x), np.log(y), 1)
    (line,) = ax.plot(x, y, "o", label=label, **kwargs)
    ax.plot(x, np.exp(a) * x**k, "--", color=line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    xm = np.exp(np.log(x).mean())
    ax.annotate(f"slope = {k:.2f}", (xm, np.exp(a) * xm**k), textcoords="offset points",
                xytext=(5, 8), color=line.get_color())
    return float(k)


def bar_with_errors(ax, labels, samples, level=0.95, **kwargs):
    """Bar chart of means with t confidence-interval error bars.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    labels : sequence of str, length k
    samples : sequence of k 1-D arrays
        The samples behind each bar.
    level : float, default 0.95
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    matplotlib.container.BarContainer
    """
    stats = [mean_ci(np.asarray(s, dtype=float)[:, None], level) for s in samples]
    means = [float(m[0]) for m, _ in stats]
    halves = [float(h[0]) for _, h in stats]
    return ax.bar(list(labels), means, yerr=halves, capsize=4, **kwargs)
