"""Mutants of the core formulas of pgtools that every section relies on (lead's catalogue)."""

from mutants.registry import mutant


@mutant("reward_to_go-offbyone", target="pgtools.sampling:reward_to_go",
        result="R7: reward-to-go G_t = sum_{t'>=t} (off by one: t' > t)",
        expect=("4_3_reinforce",))
def _(orig):
    def reward_to_go(rewards, gamma=1.0):
        import numpy as np

        return orig(rewards, gamma) - np.asarray(rewards, dtype=float)

    return reward_to_go
