"""The FrozenLake policy figure (pgtools.gym.plot_grid_policy): legible, nothing cut or
overlapping, arrow lengths proportional to the probabilities, bad input refused."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyArrow

from pgtools import plotting
from pgtools.gym import plots

LAYOUT = np.array([list("SFFF"), list("FHFH"), list("FFFH"), list("HFFG")])
# action order left, down, right, up
MOVES = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}


def _policy():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet([0.4] * 4, size=16)
    probs[0] = [0.5, 0.3, 0.15, 0.05]          # one action below min_prob
    probs[2] = [0.99, 0.004, 0.003, 0.003]     # the old figure cut "0.99" off
    probs[4] = [0.02, 0.9, 0.04, 0.04]         # a long arrow towards its number
    probs[6] = [0.0, 0.0, 0.0, 1.0]            # deterministic: no number
    return probs


@pytest.fixture
def drawn():
    old = dict(matplotlib.rcParams)
    plotting.use_book_style()
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.5))   # as in §4.6
    probs = _policy()
    plots.plot_grid_policy(axes[0], LAYOUT, probs=probs, title="REINFORCE: J = 0.699")
    plots.plot_grid_policy(axes[1], LAYOUT, probs=np.eye(4)[np.arange(16) % 4],
                           title="exact ascent: J = 0.740")
    fig.canvas.draw()
    yield fig, axes, probs
    plt.close(fig)
    matplotlib.rcParams.update(old)


def _arrows(ax):
    return {a.get_gid(): a for a in ax.patches if isinstance(a, FancyArrow)}


def test_arrow_lengths_are_proportional_to_the_probabilities(drawn):
    _, axes, probs = drawn
    arrows = _arrows(axes[0])
    expected = {(s, a) for s in range(16) for a in range(4) if probs[s, a] >= 0.1
                and LAYOUT.flat[s] not in "HG"}
    assert {tuple(int(x) for x in g.split("-")[1:]) for g in arrows} == expected
    for gid, arrow in arrows.items():
        s, a = (int(x) for x in gid.split("-")[1:])
        r, c = divmod(s, 4)
        v = arrow.get_path().vertices            # data coordinates of the outline
        dx, dy = MOVES[a]
        # the arrow reaches from its cell's origin point to the tip, nowhere behind it
        along = (v[:, 0] - c) * dx + (v[:, 1] - (r + plots._ORIGIN_DY)) * dy
        assert along.min() == pytest.approx(0.0, abs=1e-12)
        assert along.max() == pytest.approx(plots.ARROW_UNIT * probs[s, a], rel=1e-9)
    # on screen too: a probability-1/2 arrow is half as long as a probability-1 one
    one = _arrows(axes[1])["arrow-0-0"].get_window_extent().width
    half = arrows["arrow-0-0"].get_window_extent().width     # probs[0, 0] = 0.5
    assert half / one == pytest.approx(0.5, rel=0.05)


def test_numbers_are_the_most_likely_probabilities_below_0995(drawn):
    _, axes, probs = drawn
    numbers = sorted(t.get_text() for t in axes[0].texts if t.get_text()[0].isdigit())
    want = sorted(f"{p.max():.2f}" for s, p in enumerate(probs)
                  if LAYOUT.flat[s] not in "HG" and p.max() < 0.995)
    assert numbers == want and "0.99" in numbers
    assert not [t for t in axes[1].texts if t.get_text()[0].isdigit()]   # one-hot: none


def test_text_is_legible_inside_its_cell_and_clear_of_arrows(drawn):
    fig, axes, _ = drawn
    assert plotting.smallest_font_pt(fig) >= plotting.MIN_FONT_PT
    renderer = fig.canvas.get_renderer()
    fig_box = fig.bbox
    for ax in axes:
        grid = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        arrows = [a.get_window_extent(renderer) for a in _arrows(ax).values()]
        for t, b in zip(ax.texts, boxes):
            assert grid.x0 <= b.x0 and b.x1 <= grid.x1 and grid.y0 <= b.y0 and b.y1 <= grid.y1, \
                f"{t.get_text()!r} reaches outside the grid"
            x, y = t.get_position()                     # the cell of the text
            cell = ax.transData.transform([(round(x) - 0.5, round(y) - 0.5),
                                           (round(x) + 0.5, round(y) + 0.5)])
            assert (cell[:, 0].min() <= b.x0 and b.x1 <= cell[:, 0].max()
                    and cell[:, 1].min() <= b.y0 and b.y1 <= cell[:, 1].max()), \
                f"{t.get_text()!r} leaves its cell"
            assert not any(b.overlaps(a) for a in arrows), f"{t.get_text()!r} on an arrow"
        for i, b in enumerate(boxes):
            assert not any(b.overlaps(o) for o in boxes[i + 1:])
    # titles and the 'start' tick label are on the canvas
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_visible() and t.get_text().strip():
            b = t.get_window_extent(renderer)
            assert fig_box.x0 <= b.x0 and b.x1 <= fig_box.x1 and b.y1 <= fig_box.y1


def test_values_shading_and_zero_rows():
    fig, ax = plt.subplots()
    plots.plot_grid_policy(ax, LAYOUT, probs=np.zeros((16, 4)), values=np.linspace(0, 1, 16))
    assert not _arrows(ax) and len(ax.images) == 1
    plt.close(fig)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"layout": np.array([list("SFX")])}, "layout"),
    ({"layout": np.array(list("SFFG"))}, "layout"),
    ({"probs": np.ones((16, 4))}, "probs"),
    ({"probs": np.full((15, 4), 0.25)}, "probs"),
    ({"probs": np.where(np.eye(4)[np.arange(16) % 4] > 0, np.nan, 0.0)}, "probs"),
    ({"probs": np.tile([1.5, -0.5, 0.0, 0.0], (16, 1))}, "probs"),
    ({"values": np.zeros(15)}, "values"),
])
def test_bad_input_is_refused(kwargs, match):
    fig, ax = plt.subplots()
    args = {"layout": LAYOUT, **kwargs}
    with pytest.raises(ValueError, match=match):
        plots.plot_grid_policy(ax, **args)
    plt.close(fig)
