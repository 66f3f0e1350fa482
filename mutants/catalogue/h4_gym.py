"""Mutants of pgtools.gym (§4.6: Gymnasium tables, observation policies, rollouts, REINFORCE on
padded episodes, Adam, the CartPole loop), caught by ``book/4_6_case_studies.ipynb``.

Each factory receives the original callable and returns a plausible bug of the same signature.
"""

import sys

import numpy as np

from mutants.registry import mutant

NB = ("4_6_case_studies", "4_6b_cartpole",)


# ------------------------------------------------------------------ the MDP read off the table
@mutant("gym-mdp-actions-shifted", target="pgtools.gym.tabular:mdp_from_gymnasium",
        result="gym -> FiniteMDP: P[s, a] from table[s][a] (mutant: from table[s][a+1], "
               "action labels off by one)", expect=NB)
def _(orig):
    def mdp_from_gymnasium(env, horizon, gamma=1.0):
        mdp = orig(env, horizon, gamma)
        return mdp.replace(P=np.roll(mdp.P, -1, axis=1), r=np.roll(mdp.r, -1, axis=1))

    return mdp_from_gymnasium


@mutant("gym-reward-not-expected", target="pgtools.gym.tabular:tables_from_gymnasium",
        result="gym -> FiniteMDP: r(s, a) = sum p * reward (mutant: sum of rewards, "
               "probabilities forgotten)", expect=NB)
def _(orig):
    def tables_from_gymnasium(env):
        from pgtools.gym.tabular import _unwrap

        P, r, mu0, terminal = orig(env)
        table = _unwrap(env)[1].P
        r = np.array([[sum(float(o[2]) for o in table[s][a]) for a in range(P.shape[1])]
                      for s in range(P.shape[0])])
        r[terminal] = 0.0
        return P, r, mu0, terminal

    return tables_from_gymnasium


@mutant("frozenlake-layout-transposed", target="pgtools.gym.tabular:frozenlake_layout",
        result="FrozenLake map: desc[row, col] (mutant: transposed)", expect=NB)
def _(orig):
    def frozenlake_layout(env):
        return orig(env).T

    return frozenlake_layout


# ------------------------------------------------------------------ rollouts and padded episodes
@mutant("rollout-mask-off-by-one", target="pgtools.gym.rollout:rollout",
        result="rollout: mask[t] = 1 up to and including the terminating step (mutant: the "
               "last step of each episode masked out with its reward)", expect=NB)
def _(orig):
    def rollout(env, policy, theta, horizon, rng, *, n_episodes=None, seed=None):
        from pgtools.gym.rollout import ObsTrajectories

        out = orig(env, policy, theta, horizon, rng, n_episodes=n_episodes, seed=seed)

        def shift(tr):
            mask = np.zeros_like(tr.mask)
            mask[:, :-1] = tr.mask[:, 1:]
            return ObsTrajectories(tr.obs, tr.actions, tr.rewards * mask, mask)

        return [shift(t) for t in out] if isinstance(out, list) else shift(out)

    return rollout


@mutant("obs-reward-to-go-gamma-squared", target="pgtools.gym.rollout:ObsTrajectories.reward_to_go",
        result="Eq. (4.3) on padded episodes: G_t = sum gamma^(t'-t) r_t' (mutant: gamma^2, "
               "the discount applied twice)", expect=NB)
def _(orig):
    def reward_to_go(self, gamma=1.0):
        return orig(self, float(gamma) ** 2)

    return reward_to_go


@mutant("obs-returns-undiscounted", target="pgtools.gym.rollout:ObsTrajectories.returns",
        result="R(tau) = sum_t gamma^t r_t on padded episodes (mutant: gamma ignored)",
        expect=NB)
def _(orig):
    def returns(self, gamma=1.0):
        return orig(self, 1.0)

    return returns


@mutant("reinforce-obs-baseline-dropped", target="pgtools.gym.rollout:reinforce_gradient_obs",
        result="REINFORCE with a baseline on padded episodes (G_t - b_t) (mutant: b_t "
               "ignored)", expect=NB)
def _(orig):
    def reinforce_gradient_obs(policy, theta, traj, baseline=None, gamma=1.0, normalize=False):
        return orig(policy, theta, traj, None, gamma, normalize)

    return reinforce_gradient_obs


@mutant("train-reinforce-descent", target="pgtools.gym.rollout:train_reinforce",
        result="train_reinforce: Adam *ascent* along the REINFORCE estimate (mutant: descent, "
               "sign flipped)", expect=NB)
def _(orig):
    def train_reinforce(envs, policies, thetas, iterations, lr, **kwargs):
        ro = sys.modules["pgtools.gym.rollout"]  # (pgtools.gym.rollout is also a function)
        est = ro.reinforce_gradient_obs
        ro.reinforce_gradient_obs = lambda *a, **k: -est(*a, **k)
        try:
            return orig(envs, policies, thetas, iterations, lr, **kwargs)
        finally:
            ro.reinforce_gradient_obs = est

    return train_reinforce


# ------------------------------------------------------------------ observation policies' scores
@mutant("obs-linear-score-uncentred", target="pgtools.gym.obs_policies:ObsLinearSoftmax.score",
        result="§4.5.1 score (e_a - pi(.|o)) ⊗ phi(o) (mutant: e_a ⊗ phi(o), the "
               "E_pi phi term dropped)", expect=NB)
def _(orig):
    def score(self, theta, obs, actions):
        out = orig(self, theta, obs, actions)
        pi = self.probs(theta, obs)
        phi = self.features(np.asarray(obs, dtype=float))
        return out + pi[..., :, None] * phi[..., None, :]

    return score


@mutant("obs-mlp-score-tanh-derivative", target="pgtools.gym.obs_policies:ObsMLPSoftmax.score",
        result="§4.5.2 backprop through tanh: d tanh = 1 - h^2 (mutant: 1 - h)", expect=NB)
def _(orig):
    def score(self, theta, obs, actions):
        theta = self._theta(theta)
        obs, a = self._obs_actions(obs, actions)
        lead = a.shape
        o, a = obs.reshape(-1, self.obs_dim), a.ravel()
        delta = self._g(theta, o, a).astype(self.dtype, copy=False)
        hs, Ws, _ = self._forward(theta, o)
        n, grads = o.shape[0], []
        for layer in range(len(Ws) - 1, -1, -1):
            grads.append(delta)
            grads.append((hs[layer][:, :, None] * delta[:, None, :]).reshape(n, -1))
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (1.0 - hs[layer])
        out = np.concatenate(grads[::-1], axis=1).astype(float)
        return out.reshape(lead + self.theta_shape)

    return score


# ------------------------------------------------------------------ Adam
@mutant("adam-bias-correction-off-by-one", target="pgtools.gym.adam:Adam.step",
        result="Adam: m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t) (mutant: powers t + 1)",
        expect=NB)
def _(orig):
    def step(self, theta, grad):
        if self.m is None:
            self.m, self.v = np.zeros_like(grad), np.zeros_like(grad)
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad**2
        m_hat = self.m / (1 - self.b1 ** (self.t + 1))
        v_hat = self.v / (1 - self.b2 ** (self.t + 1))
        return theta + self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    return step
