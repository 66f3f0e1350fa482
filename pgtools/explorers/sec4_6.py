"""§4.6 explorer: FrozenLake's optimal policy and values, by slipperiness and steps left.

Backward induction (``pgtools.optimal_values``) on FrozenLake 4x4 for several values of
Gymnasium's ``success_rate`` (probability that the agent moves where it intended; the rest splits
evenly between the two perpendicular directions). The sliders pick the success rate and the number
of steps left, H - t: the picture shows V*_t(s) shaded and the greedy action of step t as arrows,
so one sees the optimal finite-horizon policy change as the deadline approaches (it is not
stationary). Everything is precomputed once; ``draw`` only plots.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["HORIZON", "SUCCESS_RATES", "draw", "make_explorer", "tables"]

SUCCESS_RATES = (1 / 3, 0.5, 0.7, 0.9, 1.0)
HORIZON = 100


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
        fig, ax = plt.subplots(figsize=(4.2, 4.2))
    else:
        fig = ax.figure
    arrows = np.eye(4)[policy[t]] * (V[t] > 0)[:, None]  # no arrow where nothing can be won
    plot_grid_policy(ax, tab["layout"], probs=arrows, values=V[t],
                     title=f"success rate {success_rate:.2f}: $V^*_t$ and greedy action, "
                           f"{steps_left} steps left\n$J^* = {J_star:.3f}$ (H = {HORIZON})")
    return fig


def make_explorer():
    """Sliders for the success rate and the steps left, redrawing :func:`draw`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    tables()
    rate = widgets.SelectionSlider(options=[(f"{r:.2f}", r) for r in SUCCESS_RATES],
                                   value=SUCCESS_RATES[0], description="success rate")
    left = widgets.IntSlider(value=HORIZON, min=1, max=HORIZON, description="steps left")

    def _show(success_rate, steps_left):
        fig = draw(success_rate, steps_left)
        display(fig)
        plt.close(fig)

    out = widgets.interactive_output(_show, {"success_rate": rate, "steps_left": left})
    return widgets.VBox([widgets.HBox([rate, left]), out])
