"""Small plotting helpers for the notebooks (confidence bands, log-log slopes, error bars)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def _t_two_sided(theta, df):
    """P(|T| < sqrt(df) tan(theta)) for Student's t with integer df (Abramowitz-Stegun 26.7.3-4)."""
    c2, sn = np.cos(theta) ** 2, np.sin(theta)
    if df % 2:
        total, term = 0.0, np.cos(theta)
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        return 2 / np.pi * (theta + sn * total) if df > 1 else 2 * theta / np.pi
    total, term = 0.0, 1.0
    for k in range(1, df // 2 + 1):
        total += term
        term *= c2 * (2 * k - 1) / (2 * k)
    return sn * total


def t_quantile(q, df):
    """Quantile of Student's t distribution with integer ``df`` (no SciPy needed).

    Inverts the closed-form CDF for integer df by bisection (exact to ~1e-12); for df > 1000 a
    Cornish-Fisher expansion around the normal quantile.

    Parameters
    ----------
    q : float in (0, 1)
    df : int >= 1

    Returns
    -------
    float
    """
    if df < 1 or not 0 < q < 1:
        raise ValueError(f"need df >= 1 and 0 < q < 1; got df={df}, q={q}")
    if q < 0.5:
        return -t_quantile(1 - q, df)
    if df > 1000:
        z = NormalDist().inv_cdf(q)
        n = float(df)
        return float(z + (z**3 + z) / (4 * n) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * n**2))
    level, lo, hi = 2 * q - 1, 0.0, np.pi / 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_two_sided(mid, int(df)) < level else (lo, mid)
    return float(np.sqrt(df) * np.tan((lo + hi) / 2))


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


# One style for every figure of the book: sizes chosen so that, shown at its natural width in
# the 1280-px page (at most about 700 px), no text is smaller than 10 px, sub- and superscripts
# included (matplotlib draws them at 0.7 size: 0.7 x 11 pt = 10.7 px at 100 dpi); PNGs at twice that
# resolution for HiDPI screens; a colour-blind-safe palette (Okabe and Ito) that stays legible on
# the light background the figures keep in dark mode.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
BOOK_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
    "figure.titlesize": 12,
    "lines.linewidth": 1.8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.constrained_layout.use": True,
}
MIN_FONT_PT = 10


def use_book_style():
    """Apply the book's figure style (sizes, fonts >= 10 pt, palette) and HiDPI inline PNGs.

    Call once in a notebook's first code cell. Outside IPython only the matplotlib settings
    change. Returns the settings applied.

    Returns
    -------
    dict
        The rcParams set (``BOOK_STYLE`` plus the colour cycle).
    """
    import matplotlib as mpl
    from cycler import cycler

    settings = dict(BOOK_STYLE, **{"axes.prop_cycle": cycler(color=list(PALETTE))})
    mpl.rcParams.update(settings)
    try:  # 'retina': PNGs at twice the pixel size, shown at the natural size
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        if get_ipython() is not None:
            set_matplotlib_formats("retina")
    except ImportError:  # pragma: no cover - matplotlib_inline ships with ipykernel
        pass
    return settings


def smallest_font_pt(fig):
    """The smallest font size (in points) of any visible text in ``fig`` (ticks, labels, legend).

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    float
    """
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")
                                                   and hasattr(a, "get_text"))
             if t.get_visible() and t.get_text().strip()]
    return float(min(sizes)) if sizes else float("inf")
