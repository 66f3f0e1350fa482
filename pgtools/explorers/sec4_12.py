"""§4.12 explorer: what each InvertedPendulum learner learned, iteration by iteration.

Only drawing lives here; the training is :func:`pgtools.gym.continuous.train_gaussian`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

NAMES = ("cart position", "pole angle", "cart velocity", "pole angular velocity")
_DATA = {}


def draw(seed=0):
    """Return curve and the four gains of one learner over the iterations."""
    returns, path = _DATA["returns"], _DATA["path"]
    it = np.arange(returns.shape[0])
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 4.0), layout="constrained")
    axes[0].plot(it + 1, returns[:, seed], color="k")  # not a colour of the legend
    axes[0].axhline(1000, color="0.5", ls="--", lw=1)
    axes[0].axhline(950, color="C1", ls=":", lw=1.2)
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("mean return of the batch")
    axes[0].set_title(f"learner {seed}: return")
    for j, name in enumerate(NAMES):
        axes[1].plot(np.arange(path.shape[0]), path[:, seed, j], label=name)
    axes[1].plot(np.arange(path.shape[0]), np.exp(path[:, seed, -1]), "k--",
                 label=r"$\sigma$")
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel(r"gain $K_j$ and $\sigma$")
    axes[1].set_title(f"learner {seed}: policy")
    # below both panels: five long names do not fit inside the right one
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=3)
    return fig


def describe(seed=0):
    """First sentence of the alt text of :func:`draw`'s figure."""
    return (f"Learning curve of InvertedPendulum learner {seed} and the path of its four "
            f"gains and of sigma over the iterations")


def make_explorer(result):
    """A slider over the learners of a :class:`~pgtools.gym.continuous.GaussianTrainResult`.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer

    _DATA["returns"], _DATA["path"] = np.asarray(result.returns), np.asarray(result.path)
    K = _DATA["returns"].shape[1]
    controls = [Choice("seed", list(range(K)), 0, label="learner", style="slider")]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: what each pendulum learner learned")
