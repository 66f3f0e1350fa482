"""Mutants of §4.4 (baselines, advantages, optimal values, the short corridor), caught by
``book/4_4_baselines.ipynb``.

Each factory receives the original function and returns a plausible bug of the same signature.
"""

import numpy as np

from mutants.registry import mutant

NB = ("4_4_baselines", "4_4b_advantages", "4_4c_short_corridor",)


# ------------------------------------------------------------------ R9: baselines
@mutant("optimal_baseline-denominator", target="pgtools.estimators:optimal_baseline",
        result="R9: b* = E[|psi|^2 G_t] / E[|psi|^2] (mutant: denominator E|psi|)",
        expect=NB)
def _(orig):
    def optimal_baseline(policy, theta, Q):
        pi = policy.probs(theta)
        psi = policy.score_table(theta).reshape(policy.n_states, policy.n_actions, -1)
        sq = (psi ** 2).sum(axis=-1)
        return (pi * sq * np.asarray(Q)).sum(axis=-1) / (pi * np.sqrt(sq)).sum(axis=-1)
    return optimal_baseline


@mutant("baseline-depends-on-action", target="pgtools.estimators:_baseline_table",
        result="R9: b_t(s_t), fixed before a_t (mutant: table indexed by a_t, biased)",
        expect=NB)
def _(orig):
    def _baseline_table(baseline, trajectories, n_states):
        b = orig(baseline, trajectories, n_states)
        if isinstance(baseline, np.ndarray) and baseline.ndim == 2 \
                and trajectories.actions.max() < n_states:
            H = trajectories.horizon
            return baseline[np.arange(H)[None, :], trajectories.actions]
        return b
    return _baseline_table


@mutant("joint_optimal_baseline-unweighted",
        target="pgtools.estimators:joint_optimal_baseline",
        result="R9: normal equations E[M^T M] b = E[M^T g0] (mutant: trajectories weighted "
               "uniformly, not by rho_theta)", expect=NB)
def _(orig):
    def joint_optimal_baseline(policy, theta, enumeration):
        p = np.full_like(enumeration.probs, 1.0 / enumeration.probs.size)
        return orig(policy, theta, enumeration._replace(probs=p))
    return joint_optimal_baseline


@mutant("candidate_baselines-mean-unweighted", target="pgtools.estimators:candidate_baselines",
        result="R9: b_t = E G_t = sum_s P(s_t = s) V_t(s) (mutant: plain mean over states)",
        expect=NB)
def _(orig):
    def candidate_baselines(mdp, policy, theta):
        out = orig(mdp, policy, theta)
        out["mean G_t"] = out["V_t(s)"].mean(axis=1)
        return out
    return candidate_baselines


# ------------------------------------------------------------------ R10, R14
def _optimal_values(mdp, backup, next_step=1):
    from pgtools.exact import OptimalValues

    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    P2 = mdp.P.reshape(S * A, S)
    for t in range(H - 1, -1, -1):
        Q[t] = mdp.r + mdp.gamma * (P2 @ V[t + next_step]).reshape(S, A)
        V[t] = backup(Q[t])
    V = V[:H]
    return OptimalValues(V, Q, Q - V[:, :, None], Q.argmax(axis=2))


@mutant("optimal_values-mean-backup", target="pgtools.exact:optimal_values",
        result="R10: V*_t = max_a Q*_t (mutant: mean over actions, the uniform policy's backup)",
        expect=NB)
def _(orig):
    def optimal_values(mdp):
        return _optimal_values(mdp, lambda q: q.mean(axis=1))
    return optimal_values


@mutant("optimal_values-stale-backup", target="pgtools.exact:optimal_values",
        result="R10: Q*_t = r + P V*_{t+1} (mutant: off-by-one, V*_t, still zero, used)",
        expect=NB)
def _(orig):
    def optimal_values(mdp):
        return _optimal_values(mdp, lambda q: q.max(axis=1), next_step=0)
    return optimal_values


@mutant("neural-backprop-no-tanh-derivative", target="pgtools.policies:NeuralSoftmax._backward",
        result="R14: grad f of the tanh MLP (mutant: tanh' = 1 - h^2 dropped at the last layer)",
        expect=NB)
def _(orig):
    def _backward(self, theta, upstream):
        hs, Ws, w_out = self._forward(theta)
        n = hs[0].shape[0]
        u = upstream[:, None]
        grads = [hs[-1] * u]
        delta = w_out[None, :] * u  # bug: the factor (1 - h^2) is missing
        for layer in range(len(Ws) - 1, -1, -1):
            h_in = hs[layer]
            grads.append(delta)
            grads.append((h_in[:, :, None] * delta[:, None, :]).reshape(n, -1))
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (1.0 - h_in ** 2)
        return np.concatenate(grads[::-1], axis=1)
    return _backward


# ------------------------------------------------------------------ the short corridor
@mutant("short_corridor-unswitched", target="pgtools.examples:short_corridor",
        result="short corridor: actions switched in the middle cell (mutant: not switched)",
        expect=NB)
def _(orig):
    def short_corridor(horizon=1000):
        ex = orig(horizon)
        P = ex.mdp.P.copy()
        P[1] = P[1, ::-1]
        return ex._replace(mdp=ex.mdp.replace(P=P))
    return short_corridor


@mutant("sample_episodes-complement", target="pgtools.episodes:sample_episodes",
        result="episodic sampler: a_t ~ pi(.|s_t) (mutant: CDF inverted from the wrong end, "
               "pi(a) read as pi(A-1-a))", expect=NB)
def _(orig):
    def sample_episodes(mdp, probs, rng, n=None, terminal=None, max_steps=None):
        return orig(mdp, np.asarray(probs)[..., ::-1], rng, n, terminal, max_steps)
    return sample_episodes


@mutant("learned_baseline-not-carried-over", target="pgtools.episodes:learned_baseline",
        result="corridor: w <- w + alpha_w (G_t - w) carries over between episodes (mutant: "
               "reset to w0)", expect=NB)
def _(orig):
    def learned_baseline(w0, targets, mask, alpha_w):
        b, w = orig(w0, targets, mask, alpha_w)
        return b, np.array(np.broadcast_to(np.asarray(w0, dtype=float), w.shape))
    return learned_baseline


@mutant("episode_updates-baseline-ignored", target="pgtools.episodes:episode_updates",
        result="corridor: delta_t = G_t - w_t (mutant: w learned but not subtracted)",
        expect=NB)
def _(orig):
    def episode_updates(policy, theta, episodes, gamma=1.0, alpha_w=None, w0=0.0):
        from pgtools.episodes import learned_baseline

        upd = orig(policy, theta, episodes, gamma, None, w0)
        if alpha_w is None:
            return upd
        _, w = learned_baseline(w0, episodes.reward_to_go(gamma), episodes.mask, alpha_w)
        return upd._replace(baseline=w)
    return episode_updates


@mutant("reinforce_episodic-descent", target="pgtools.episodes:reinforce_episodic",
        result="corridor: theta <- theta + alpha * update (mutant: gradient descent)",
        expect=NB)
def _(orig):
    def reinforce_episodic(mdp, policy, theta0, n_runs, n_episodes, alpha, seed, alpha_w=None,
                           terminal=None, max_steps=None):
        return orig(mdp, policy, theta0, n_runs, n_episodes, -alpha, seed, alpha_w, terminal,
                    max_steps)
    return reinforce_episodic


@mutant("reinforce_episodic-no-baseline", target="pgtools.episodes:reinforce_episodic",
        result="corridor: REINFORCE with a learned baseline (mutant: alpha_w dropped, no "
               "baseline)", expect=NB)
def _(orig):
    def reinforce_episodic(mdp, policy, theta0, n_runs, n_episodes, alpha, seed, alpha_w=None,
                           terminal=None, max_steps=None):
        return orig(mdp, policy, theta0, n_runs, n_episodes, alpha, seed, None, terminal,
                    max_steps)
    return reinforce_episodic
