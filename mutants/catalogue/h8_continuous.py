"""Mutants of the continuous-action and critic machinery (§4.10-§4.12): the Gaussian policy,
the exact LQR recursions, the LQR sampler and its two gradient estimators, the critics, GAE,
the one-step actor-critic and the Gymnasium loops. Caught by ``book/4_10_gaussian_lqr``,
``book/4_11_critics_gae`` and ``book/4_12_mujoco``.

Each factory receives the original callable and returns a plausible bug of the same signature.
"""

import numpy as np

from mutants.registry import mutant

NB10, NB11, NB12 = ("4_10_gaussian_lqr", "4_10b_pathwise", "4_10c_lqr_optimum",), ("4_11_critics_gae", "4_11b_actor_critic",), ("4_12_mujoco",)


# ------------------------------------------------------------------ Gaussian policy (G1)
@mutant("gauss-score-one-sigma", target="pgtools.gaussian:GaussianLinearPolicy.score",
        result="(G1): d log pi/dK = (u - Kx) x^T / sigma^2 (mutant: / sigma)", expect=NB10)
def _(orig):
    def score(self, theta, x, u):
        s = orig(self, theta, x, u)
        _, sig = self.unpack(theta)
        m, n = self.act_dim, self.obs_dim
        lead = s.shape[:-1]
        dK = s[..., : m * n].reshape(lead + (m, n)) * sig[:, None]
        return np.concatenate([dK.reshape(lead + (-1,)), s[..., m * n:]], axis=-1)

    return score


@mutant("gauss-logprob-no-log-sigma", target="pgtools.gaussian:GaussianLinearPolicy.log_prob",
        result="(G1): log pi includes -log sigma (mutant: normalising constant forgotten)",
        expect=NB10)
def _(orig):
    def log_prob(self, theta, x, u):
        _, sig = self.unpack(theta)
        return orig(self, theta, x, u) + np.log(sig).sum()

    return log_prob


@mutant("gauss-sample-variance-as-sd", target="pgtools.gaussian:GaussianLinearPolicy.sample",
        result="u = Kx + sigma eps (mutant: sigma^2 eps)", expect=NB10)
def _(orig):
    def sample(self, theta, x, rng):
        K, sig = self.unpack(theta)
        mean = np.asarray(x, float) @ K.T
        return mean + (orig(self, theta, x, rng) - mean) * sig

    return sample


@mutant("gauss-mean-sign", target="pgtools.gaussian:GaussianLinearPolicy.mean",
        result="mean action K x (mutant: -K x, the cost convention u = -Kx)", expect=NB10)
def _(orig):
    def mean(self, theta, x):
        return -orig(self, theta, x)

    return mean


@mutant("gauss-wss-no-minus-one",
        target="pgtools.gaussian:GaussianLinearPolicy.weighted_score_sum",
        result="(G1): d log pi / d log sigma = z^2 - 1 (mutant: z^2)", expect=NB12)
def _(orig):
    def weighted_score_sum(self, theta, x, u, w):
        g = orig(self, theta, x, u, w)
        g[-self.act_dim:] += np.asarray(w, float).sum()
        return g

    return weighted_score_sum


@mutant("gauss-params-log-variance", target="pgtools.gaussian:GaussianLinearPolicy.params",
        result="theta layout: (K row-major, log sigma) (mutant: stores log sigma^2)",
        expect=NB10)
def _(orig):
    def params(self, K=None, sigma=1.0):
        th = orig(self, K, sigma)
        th[-self.act_dim:] *= 2.0
        return th

    return params


@mutant("gauss-unpack-variance", target="pgtools.gaussian:GaussianLinearPolicy.unpack",
        result="unpack returns sigma (mutant: sigma^2)", expect=NB10)
def _(orig):
    def unpack(self, theta):
        K, sig = orig(self, theta)
        return K, sig**2

    return unpack


# ------------------------------------------------------------------ exact LQR (L2)-(L5)
@mutant("lqr-objective-no-process-noise", target="pgtools.lqr:lqr_objective",
        result="(L2): W = B S B^T + W_0 (mutant: process noise W_0 forgotten)", expect=NB10)
def _(orig):
    def lqr_objective(problem, policy, theta):
        return orig(problem.replace(noise_cov=None), policy, theta)

    return lqr_objective


@mutant("lqr-objective-horizon-plus-one", target="pgtools.lqr:lqr_objective",
        result="(L2): sum over t < H (mutant: t <= H, off by one)", expect=NB10)
def _(orig):
    def lqr_objective(problem, policy, theta):
        return orig(problem.replace(horizon=problem.horizon + 1), policy, theta)

    return lqr_objective


@mutant("lqr-gradient-no-factor-two", target="pgtools.lqr:lqr_gradient",
        result="(L4): grad_K J = -2 sum (RK + B^T P L) Sigma (mutant: factor 2 dropped)",
        expect=NB10)
def _(orig):
    def lqr_gradient(problem, policy, theta):
        g = orig(problem, policy, theta)
        d = policy.act_dim * policy.obs_dim
        g[..., :d] *= 0.5
        return g

    return lqr_gradient


@mutant("lqr-gradient-sigma-no-direct-cost", target="pgtools.lqr:lqr_gradient",
        result="(L4): dJ/dlog sigma has the H R term (mutant: only the B^T P B terms)",
        expect=NB10)
def _(orig):
    def lqr_gradient(problem, policy, theta):
        g = orig(problem, policy, theta)
        _, sig = policy.unpack(theta)
        g[..., -policy.act_dim:] += 2.0 * sig**2 * problem.horizon * np.diag(problem.R)
        return g

    return lqr_gradient


@mutant("riccati-no-gain-term", target="pgtools.lqr:lqr_optimal",
        result="(L5): P*_t = Q + A^T P*_{t+1} (A + B K*_t) (mutant: gains from P_t = Q + "
               "A^T P A, the uncontrolled cost-to-go)", expect=NB10)
def _(orig):
    def lqr_optimal(problem):
        from pgtools.lqr import LQRSolution

        A, B, Q, R, H = problem.A, problem.B, problem.Q, problem.R, problem.horizon
        P = np.zeros((H + 1,) + A.shape)
        gains = np.zeros((H, B.shape[1], A.shape[0]))
        for t in range(H - 1, -1, -1):
            gains[t] = -np.linalg.solve(R + B.T @ P[t + 1] @ B, B.T @ P[t + 1] @ A)
            P[t] = Q + A.T @ P[t + 1] @ A
        J = -np.trace(P[0] @ problem.x0_cov) - sum(np.trace(P[t] @ problem.noise_cov)
                                                   for t in range(1, H))
        return LQRSolution(gains, P, float(J))

    return lqr_optimal


@mutant("riccati-gain-sign", target="pgtools.lqr:lqr_optimal",
        result="(L5): K*_t = -(R + B^T P B)^{-1} B^T P A (mutant: sign flipped in the gains "
               "returned)", expect=NB10)
def _(orig):
    def lqr_optimal(problem):
        sol = orig(problem)
        return sol._replace(gains=-sol.gains)

    return lqr_optimal


@mutant("lqr-sampler-no-process-noise", target="pgtools.lqr:sample_lqr_trajectories",
        result="(L1): x_{t+1} = A x + B u + w (mutant: w forgotten)", expect=NB10)
def _(orig):
    def sample_lqr_trajectories(problem, policy, theta, n, rng):
        return orig(problem.replace(noise_cov=None), policy, theta, n, rng)

    return sample_lqr_trajectories


@mutant("lqr-score-reward-so-far", target="pgtools.lqr:lqr_score_gradient",
        result="(L6)/(4.3): weights G_t, the reward-to-go (mutant: the reward so far)",
        expect=NB10)
def _(orig):
    def lqr_score_gradient(problem, policy, theta, trajectories, baseline=None,
                           per_trajectory=False):
        from pgtools.lqr import LQRTrajectories

        r = trajectories.rewards
        so_far = np.cumsum(r, axis=1)
        # rewards whose reward-to-go is the reward so far
        rr = so_far - np.concatenate([so_far[:, 1:], np.zeros((r.shape[0], 1))], axis=1)
        fake = LQRTrajectories(trajectories.states, trajectories.actions, rr,
                               trajectories.eps, trajectories.noise)
        return orig(problem, policy, theta, fake, baseline, per_trajectory)

    return lqr_score_gradient


@mutant("pathwise-no-policy-feedback", target="pgtools.lqr:lqr_pathwise_gradient",
        result="(L6): lambda_t = -2Qx + A^T lambda + K^T g^u (mutant: K^T g^u dropped, "
               "the action's dependence on the state)", expect=NB10)
def _(orig):
    def lqr_pathwise_gradient(problem, policy, theta, trajectories, per_trajectory=False):
        _, sigma = policy.unpack(theta)
        tr = trajectories
        n, H = tr.rewards.shape
        lam = np.zeros((n, problem.state_dim))
        du_all = np.empty(tr.actions.shape)
        for t in range(H - 1, -1, -1):
            du = -2.0 * tr.actions[:, t] @ problem.R + lam @ problem.B
            du_all[:, t] = du
            lam = -2.0 * tr.states[:, t] @ problem.Q + lam @ problem.A
        dK = np.einsum("nti,ntj->nij", du_all, tr.states)
        ds = np.einsum("nti,nti->ni", du_all, tr.eps) * sigma
        g = np.concatenate([dK.reshape(n, -1), ds], axis=1)
        return g if per_trajectory else g.mean(axis=0)

    return lqr_pathwise_gradient


@mutant("replay-without-noise", target="pgtools.lqr:replay_lqr_trajectories",
        result="the replayed sample path keeps x_0, eps and w (mutant: process noise w "
               "dropped)", expect=NB10)
def _(orig):
    def replay_lqr_trajectories(problem, policy, theta, trajectories):
        from pgtools.lqr import LQRTrajectories

        tr = trajectories
        quiet = LQRTrajectories(tr.states, tr.actions, tr.rewards, tr.eps, 0.0 * tr.noise)
        return orig(problem, policy, theta, quiet)

    return replay_lqr_trajectories


@mutant("spectral-radius-smallest", target="pgtools.lqr:spectral_radius",
        result="rho(M) = max |eigenvalue| (mutant: the smallest)", expect=NB10)
def _(orig):
    def spectral_radius(M):
        r = np.abs(np.linalg.eigvals(np.asarray(M, float))).min(axis=-1)
        return float(r) if r.ndim == 0 else r

    return spectral_radius


# ------------------------------------------------------------------ critics and GAE (C1)-(C4)
@mutant("gae-trace-without-gamma", target="pgtools.critics:gae",
        result="(C3): A_t = delta_t + gamma lam A_{t+1} (mutant: lam A_{t+1})", expect=NB11)
def _(orig):
    def gae(rewards, values, gamma=1.0, lam=1.0, mask=None):
        r = np.asarray(rewards, float)
        n, H = r.shape
        V = np.asarray(values, float)
        if V.shape == (n, H):
            V = np.concatenate([V, np.zeros((n, 1))], axis=1)
        m = np.ones((n, H)) if mask is None else np.asarray(mask, float)
        delta = (r + gamma * V[:, 1:] - V[:, :-1]) * m
        A, acc = np.empty_like(delta), np.zeros(n)
        for t in range(H - 1, -1, -1):
            acc = delta[:, t] + lam * acc
            A[:, t] = acc
        return A * m

    return gae


@mutant("gae-mask-ignored", target="pgtools.critics:gae",
        result="(C3): the sum stops at the episode's end (mutant: mask ignored, padding "
               "summed)", expect=NB11)
def _(orig):
    def gae(rewards, values, gamma=1.0, lam=1.0, mask=None):
        A = orig(rewards, values, gamma, lam, None)
        return A if mask is None else A * np.asarray(mask, float)

    return gae


@mutant("mc-critic-undiscounted", target="pgtools.critics:mc_critic",
        result="(C1): targets G_t = sum gamma^(t'-t) r_t' (mutant: gamma ignored)",
        expect=NB11)
def _(orig):
    def mc_critic(features, rewards, gamma=1.0, mask=None, ridge=0.0):
        return orig(features, rewards, 1.0, mask, ridge)

    return mc_critic


@mutant("td0-bootstrap-undiscounted", target="pgtools.critics:td0_critic",
        result="(C2): delta = r + gamma V(s') - V(s) (mutant: gamma dropped in the "
               "bootstrap)", expect=NB11)
def _(orig):
    def td0_critic(features, rewards, gamma=1.0, mask=None, step_size=0.1, epochs=1,
                   w0=None):
        return orig(features, rewards, 1.0, mask, step_size, epochs, w0)

    return td0_critic


@mutant("tabular-features-transposed", target="pgtools.critics:tabular_features",
        result="time-indexed one-hot index t * S + s (mutant: s * H + t)", expect=NB11)
def _(orig):
    def tabular_features(states, n_states, horizon=None):
        if horizon is None:
            return orig(states, n_states)
        s = np.asarray(states)
        H = s.shape[1]
        idx = s * horizon + np.arange(H)[None, :]
        return np.eye(horizon * n_states)[idx]

    return tabular_features


@mutant("actor-critic-critic-sign", target="pgtools.critics:one_step_actor_critic",
        result="(C4): V <- V + alpha_w delta, theta <- theta + alpha delta psi (mutant: "
               "the actor steps against delta)", expect=NB11)
def _(orig):
    def one_step_actor_critic(mdp, policy, theta0, n_runs, n_episodes, alpha, alpha_w, seed,
                              critic="state", terminal=None):
        return orig(mdp, policy, theta0, n_runs, n_episodes, -alpha, alpha_w, seed, critic,
                    terminal)

    return one_step_actor_critic


# ------------------------------------------------------------------ Gymnasium loops (§4.11-4.12)
@mutant("critic-advantages-not-centred", target="pgtools.gym.actor_critic:critic_advantages",
        result="advantages normalised to mean 0, sd 1 (mutant: divided by the sd only)",
        expect=NB12)
def _(orig):
    def critic_advantages(traj, gamma=0.99, lam=0.95, ridge=1e-3, normalize=True):
        A = orig(traj, gamma, lam, ridge, False)
        if normalize:
            sel = traj.mask > 0
            A = A / (A[sel].std() + 1e-8) * traj.mask
        return A

    return critic_advantages


@mutant("critic-features-no-square", target="pgtools.gym.actor_critic:critic_features",
        result="critic features (o, o^2, t/H, 1) (mutant: o^2 dropped, o repeated)",
        expect=NB12)
def _(orig):
    def critic_features(obs, t, horizon):
        f = orig(obs, t, horizon)
        d = obs.shape[-1]
        f[..., d:2 * d] = obs
        return f

    return critic_features


@mutant("train-actor-critic-descent", target="pgtools.gym.actor_critic:train_actor_critic",
        result="actor step along +A_t grad log pi (mutant: advantages of the wrong sign, "
               "a cost convention)", expect=NB11)
def _(orig):
    def train_actor_critic(envs, policies, thetas, iterations, lr, *, horizon=500,
                           gamma=0.99, lam=0.95, seed=0):
        import pgtools.gym.actor_critic as ac

        keep = ac.critic_advantages
        ac.critic_advantages = lambda *a, **k: -keep(*a, **k)
        try:
            return orig(envs, policies, thetas, iterations, lr, horizon=horizon, gamma=gamma,
                        lam=lam, seed=seed)
        finally:
            ac.critic_advantages = keep

    return train_actor_critic


@mutant("rollout-gaussian-records-mean", target="pgtools.gym.continuous:rollout_gaussian",
        result="the recorded action is the sampled u (mutant: the mean K o is recorded)",
        expect=NB12)
def _(orig):
    def rollout_gaussian(envs, policy, thetas, horizon, rngs, seed=None, owners=None):
        out = orig(envs, policy, thetas, horizon, rngs, seed, owners)
        th = np.asarray(thetas, float)
        K, _ = policy.unpack(th)
        fixed = []
        for k, tr in enumerate(out):
            mean = np.einsum("ad,nhd->nha", K[k], tr.obs) * tr.mask[..., None]
            fixed.append(type(tr)(tr.obs, mean, tr.rewards, tr.mask))
        return fixed

    return rollout_gaussian


@mutant("gaussian-pg-descent", target="pgtools.gym.continuous:gaussian_pg_gradient",
        result="ascent along sum A_t grad log pi (mutant: sign flipped, descent)",
        expect=NB12)
def _(orig):
    def gaussian_pg_gradient(policy, theta, traj, gamma=0.99, lam=0.95, ridge=1e-3,
                             normalize=True):
        return -orig(policy, theta, traj, gamma, lam, ridge, normalize)

    return gaussian_pg_gradient


@mutant("train-gaussian-update-lost", target="pgtools.gym.continuous:train_gaussian",
        result="each learner's theta is replaced by its Adam step (mutant: the step is "
               "computed but never stored, like rebinding a loop variable)", expect=NB12)
def _(orig):
    def train_gaussian(envs, policy, theta0, n_learners, iterations, lr, **kw):
        import pgtools.gym.continuous as cont

        keep = cont.Adam

        class Lost(keep):
            def step(self, theta, grad):
                super().step(theta, grad)
                return theta

        cont.Adam = Lost
        try:
            return orig(envs, policy, theta0, n_learners, iterations, lr, **kw)
        finally:
            cont.Adam = keep

    return train_gaussian
