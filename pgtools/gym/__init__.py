"""Gymnasium bridges for the case studies of §4.6.

* :func:`mdp_from_gymnasium` turns a toy-text environment's transition table (FrozenLake,
  CliffWalking, ...) into a :class:`pgtools.FiniteMDP`, so the exact machinery of §4.2-§4.5
  (Eq. (4.1), Eq. (4.3)) applies to it unchanged.
* :class:`ObsLinearSoftmax` and :class:`ObsMLPSoftmax` are softmax policies acting on observation
  vectors (§4.5.1, §4.5.2) for continuous-state environments such as CartPole.
* :func:`rollout` runs policies in a (vectorised) Gymnasium environment and returns padded,
  masked :class:`ObsTrajectories`; :func:`reinforce_gradient_obs` is REINFORCE with reward-to-go
  and a baseline on them (Eq. (4.3) with a baseline, §4.4), mirroring
  :func:`pgtools.reinforce_gradient`.
* :class:`Adam` is a tiny Adam optimiser and :func:`train_reinforce` the training loop of §4.6;
  :func:`plot_grid_policy` draws a FrozenLake policy.
"""

from .adam import Adam
from .obs_policies import ObsLinearSoftmax, ObsMLPSoftmax
from .plots import plot_grid_policy
from .rollout import (
    ObsTrajectories,
    obs_advantages,
    reinforce_gradient_obs,
    rollout,
    train_reinforce,
)
from .tabular import frozenlake_layout, mdp_from_gymnasium, tables_from_gymnasium

__all__ = [
    "Adam",
    "ObsLinearSoftmax",
    "ObsMLPSoftmax",
    "ObsTrajectories",
    "frozenlake_layout",
    "mdp_from_gymnasium",
    "obs_advantages",
    "plot_grid_policy",
    "reinforce_gradient_obs",
    "rollout",
    "tables_from_gymnasium",
    "train_reinforce",
]
