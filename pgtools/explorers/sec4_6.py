"""§4.6 explorer: FrozenLake's optimal policy and values, by slipperiness and steps left.

Backward induction (``pgtools.optimal_values``) on FrozenLake 4x4 for several values of
Gymnasium's ``success_rate`` (probability that the agent moves where it intended; the rest splits
evenly between the two perpendicular directions). The sliders pick the success rate and the number
of steps left, H - t: the picture shows V*_t(s) shaded and the greedy action of step t as arrows,
so one sees the optimal finite-horizon policy change as the deadline approaches (it is not
stationary). Everything is precomputed once; ``draw`` only plots. The explorer is a
:class:`pgtools.explorer.FrameExplorer`: every state of its grid (``STEPS_GRID``, dense in the
last steps, where the policy changes) is drawn once, so it also responds in the static book.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["HORIZON", "STEPS_GRID", "SUCCESS_RATES", "describe", "draw", "make_explorer",
           "tables"]

SUCCESS_RATES = (1 / 3, 0.5, 0.7, 0.9, 1.0)
HORIZON = 100
# steps left with a precomputed frame: every one of the last 12 (where the greedy actions change
# most), both sides of the switch at 37/38 steps left for success rate 1/3, 20 and the start
STEPS_GRID = (*range(1, 13), 20, 37, 38, HORIZON)


@functools.lru_cache(maxsize=1)
def tables():
    """Optimal V*_t (H, S), greedy policy (H, S), J* and the map for every success rate.

    Returns
    -------
    dict
        ``{rate: (V, policy, J_star)}`` plus key ``"layout"``.
    """
    import gymnasium as gym

    from pgtools.exact import optimal_values
    from pgtools.gym import frozenlake_layout, mdp_from_gymnasium

    out = {}
    for rate in SUCCESS_RATES:
        env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=rate < 1.0,
                       success_rate=rate if rate < 1.0 else 1 / 3)
        mdp = mdp_from_gymnasium(env, HORIZON)
        opt = optimal_values(mdp)
        out[rate] = (opt.V, opt.policy, float(mdp.mu0 @ opt.V[0]))
        out["layout"] = frozenlake_layout(env)
    return out


def draw(success_rate=1 / 3, steps_left=HORIZON, ax=None):
    """Plot V*_t and the greedy action at t = HORIZON - steps_left for one success rate.

    Parameters
    ----------
    success_rate : float
        One of SUCCESS_RATES.
    steps_left : int
        H - t, in 1..HORIZON.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from pgtools.gym import plot_grid_policy

    tab = tables()
    V, policy, J_star = tab[success_rate]
    t = HORIZON - int(steps_left)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 5.0), layout="none")
        fig.subplots_adjust(left=0.06, right=0.97, bottom=0.02, top=0.87)  # fixed margins
    else:
        fig = ax.figure
    arrows = np.eye(4)[policy[t]] * (V[t] > 0)[:, None]  # no arrow where nothing can be won
    plot_grid_policy(ax, tab["layout"], probs=arrows, values=V[t],
                     title=f"success rate {success_rate:.2f}, {steps_left} steps left:\n"
                           f"$V^*_t$ (shade) and greedy action; $J^* = {J_star:.3f}$")
    return fig


def describe(success_rate=1 / 3, steps_left=HORIZON):
    """First sentence of the alt text of :func:`draw`'s figure for these values."""
    return (f"FrozenLake 4 by 4 map with success rate {success_rate:.2f} and {steps_left} of "
            f"{HORIZON} steps left: each cell shaded by its optimal value, with an arrow for "
            "the optimal action at that step")


def make_explorer():
    """Sliders for the success rate and the steps left, showing :func:`draw`'s figure.

    One frame per success rate and steps left in ``STEPS_GRID`` (the static page snaps to
    those); with a kernel, every number of steps left from 1 to HORIZON.

    Returns
    -------
    pgtools.explorer.FrameExplorer
    """
    from pgtools.explorer import Choice, FrameExplorer, Slider

    tables()
    controls = [
        Choice("success_rate", [(f"{r:.2f}", r) for r in SUCCESS_RATES], SUCCESS_RATES[0],
               label="success rate", style="slider"),
        Slider("steps_left", 1, HORIZON, 1, grid=list(STEPS_GRID), value=HORIZON,
               label="steps left"),
    ]
    return FrameExplorer(draw, controls, describe=describe,
                         label="Explorer: FrozenLake's optimal policy by slipperiness and "
                               "steps left")
