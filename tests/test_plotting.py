"""Plotting helpers: t quantiles, bands, log-log slopes, bars."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from pgtools import plotting


@pytest.mark.parametrize(("df", "expected"), [(1, 12.7062), (2, 4.3027), (3, 3.1824),
                                              (4, 2.7764), (5, 2.5706), (10, 2.2281), (30, 2.0423),
                                              (1000, 1.9623), (5000, 1.9604)])
def test_t_quantile_against_table(df, expected):
    assert plotting.t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_helpers_draw_and_return():
    _, ax = plt.subplots()
    x = np.array([1.0, 10.0, 100.0])
    ys = np.random.default_rng(0).normal(size=(20, 3)) + x
    line = plotting.plot_band(ax, x, ys, label="mean")
    assert line.get_label() == "mean" and len(ax.collections) == 1
    mean, half = plotting.mean_ci(ys)
    assert np.all(half > 0) and mean.shape == (3,)
    _, ax2 = plt.subplots()
    k = plotting.loglog_slope(ax2, x, 3 * x**-0.5, label="err")
    assert k == pytest.approx(-0.5)
    assert ax2.get_xscale() == "log" and any("slope = -0.50" in t.get_text() for t in ax2.texts)
    _, ax3 = plt.subplots()
    bars = plotting.bar_with_errors(ax3, ["a", "b"], [np.ones(5), np.arange(5.0)])
    assert len(bars) == 2
    plt.close("all")


def test_book_style_sizes_and_fonts():
    import matplotlib as mpl

    settings = plotting.use_book_style()
    assert mpl.rcParams["savefig.dpi"] >= 2 * mpl.rcParams["figure.dpi"] / 1.01
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlabel("x")
    ax.set_title("title")
    ax.legend()
    assert plotting.smallest_font_pt(fig) >= plotting.MIN_FONT_PT
    # at the natural width (figure inches x dpi) the smallest text is at least 12 px tall
    px = plotting.smallest_font_pt(fig) * mpl.rcParams["figure.dpi"] / 72
    assert px >= 12 and settings["figure.figsize"][0] * mpl.rcParams["figure.dpi"] <= 720
    plt.close(fig)
    mpl.rcdefaults()


def test_smallest_font_sees_small_text():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    assert plotting.smallest_font_pt(fig) == 5
    plt.close(fig)
