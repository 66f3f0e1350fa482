"""The exercise bank (pgtools.exercise_bank): every answer key recomputed with pgtools.

Each answer is computed here from pgtools (exact objectives and gradients, value tables,
enumeration of trajectories, the policies' own probabilities and scores), never copied from the
bank: the bank's key must agree with the computation to the precision the exercise asks for,
and the answer box must accept the computed value. Near-miss messages are checked against the
wrong computation they describe. The notebooks that show the bank's boxes are checked for the
rhythm of an exercise (box, answer box, solution) and for answers left in sight.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import pgtools as pg
from pgtools import exercise_bank as bank
from pgtools import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
# section -> notebook, e.g. "4.10" -> "book/4_10_gaussian_lqr.ipynb"; a section split over
# sub-pages ("4_3_reinforce", "4_3b_causality", ...: the names sort in reading order) -> a tuple
_PAGES: dict[str, list[str]] = {}
for _f in sorted((ROOT / "book").glob("4_*.ipynb")):
    _PAGES.setdefault("4." + re.match(r"4_(\d+)[a-z]?_", _f.name).group(1), []).append(
        f"book/{_f.name}")
NOTEBOOKS = {s: p[0] if len(p) == 1 else tuple(p) for s, p in _PAGES.items()}
# Notebooks that still build their answer boxes in visible cells (to be converted).
LEGACY: tuple[str, ...] = ()
CONVERTED = tuple(s for s in NOTEBOOKS if s not in LEGACY)
ENTRIES = bank.entries()
IDS = [e.id for e in ENTRIES]


def _spec(exercise_id):
    return ex.show(exercise_id)._decoded


def assert_key(exercise_id, value):
    """The key is ``value`` to the precision asked for, and the box accepts ``value``."""
    box = ex.show(exercise_id)
    spec = box._decoded
    key = np.atleast_1d(np.asarray(spec["answer"], dtype=float))
    value = np.atleast_1d(np.asarray(value, dtype=float))
    assert key.shape == value.shape, (exercise_id, key, value)
    assert np.all(np.abs(key - value) <= 0.5 * spec["need"] * (1 + 1e-9)), (exercise_id, key,
                                                                          value)
    typed = repr(float(value[0])) if spec["kind"] == "numeric" else \
        ", ".join(repr(float(v)) for v in value)
    assert box.check(typed).status == "correct", (exercise_id, typed)


def assert_near_miss(exercise_id, value, words):
    fb = ex.show(exercise_id).check(repr(float(value)))
    assert fb.status == "close" and words in fb.message, (exercise_id, value, fb)


def assert_choice(exercise_id, truth):
    """``truth[i]`` says whether option i is right; the key must be exactly those options."""
    spec = _spec(exercise_id)
    assert spec["n"] == len(truth)
    assert spec["correct"] == [i for i, ok in enumerate(truth) if ok], exercise_id
    assert ex.show(exercise_id).check([i for i, ok in enumerate(truth) if ok])


def _box_of(exercise_id):
    return ex.show(exercise_id)


# ================================================================= the bank as a whole
def test_every_section_module_loads_and_ids_are_unique():
    assert {e.section for e in ENTRIES} <= set(bank.SECTIONS)
    assert len(IDS) == len(set(IDS))
    labels = [e.label for e in ENTRIES]
    assert len(labels) == len(set(labels))
    for e in ENTRIES:
        assert e.label.startswith("ex-" + e.section.replace(".", "-") + "-"), e


def test_get_names_the_argument():
    assert bank.get("4.3/importance-weight").kind == "numeric"
    for bad in ["4.3", "4.3/nope", "5.1/x", None]:
        with pytest.raises(ValueError, match="exercise_id"):
            bank.get(bad)
    with pytest.raises(ValueError, match="section"):
        bank.section("9.9")


@pytest.mark.parametrize("exercise_id", IDS)
def test_box_builds_without_prompt_and_keeps_its_secret(exercise_id):
    box = ex.show(exercise_id)
    assert box.show_prompt is False and box.exercise_id == exercise_id
    traits = {k: v for k, v in box.get_state().items() if k not in ("_esm", "_css")}
    state = json.dumps(traits, default=str, ensure_ascii=False)  # the page's copy
    spec = box._decoded
    if spec["kind"] in ("numeric", "vector"):
        for v in np.atleast_1d(spec["answer"]):
            if len(repr(float(v)).strip("-0.")) >= 2:  # "0.2" may appear by accident
                assert repr(float(v)) not in state
    if spec["kind"] == "choice":
        assert '"correct"' not in state
    for hint in spec["hints"]:
        assert hint not in state


@pytest.mark.parametrize("exercise_id", IDS)
def test_numeric_prompts_state_their_precision(exercise_id):
    box = ex.show(exercise_id)
    if box.kind in ("numeric", "vector"):
        assert box.precision and box._decoded["need"] is not None, exercise_id


_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.DOTALL)
_RAW = re.compile(r"_\{|\^\{|\\[A-Za-z]+|[_^][A-Za-z0-9]|[²³₀₁₂ᵀ∇πθγρ∑Σ≤≥≠]|\|\|")
_CODE = re.compile(r"`[^`]+`")


def _texts(entry):
    p = entry.params
    out = list(p.get("hints", []))
    out += [m for _, m in p.get("close", [])] if isinstance(p.get("close"), list) else []
    out += [x for x in p.get("explanations", []) or [] if x]
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_all_math_is_typeset(entry):
    """Hints, messages and explanations write every formula as $...$ (no raw s_{t+1},
    ||S_i||², π_θ outside math), and never cite an exercise by a hand-typed number."""
    for text in _texts(entry):
        assert text.count("$") % 2 == 0, text
        outside = _MATH.sub("", _CODE.sub("", text))
        assert not _RAW.search(outside), f"{entry.id}: math outside $...$ in {text!r}"
        assert not re.search(r"[Ee]xercise \d", text), text
    # the title is plain text (a screen reader's name for the box); it may name a function
    assert "$" not in entry.title and not re.search(r"_\{|\^\{|\\[A-Za-z]", entry.title)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "choice"],
                         ids=[e.id for e in ENTRIES if e.kind == "choice"])
def test_choice_options_are_listed_by_the_page(entry):
    assert isinstance(entry.params["options"], int)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "code"],
                         ids=[e.id for e in ENTRIES if e.kind == "code"])
def test_code_reference_passes_and_near_misses_are_recognised(entry):
    box = ex.show(entry.id)
    assert box.check(entry.params["reference"]).status == "correct"
    for func, message in entry.params.get("close", []):
        fb = box.check(func)
        assert fb.status == "close" and fb.message == message, (entry.id, fb)


# =================================================================== §4.1
@pytest.fixture(scope="module")
def mini():
    mdp = pg.random_mdp(4, 3, 5, seed=0)
    return mdp, pg.TabularSoftmax(4, 3)


def test_4_1_two_step_value(mini):
    mdp, policy = mini
    two = mdp.replace(horizon=2)
    # the value of the uniform policy over two steps, by enumerating its trajectories
    enum = pg.enumerate_trajectories(two, policy, np.zeros((4, 3)))
    assert_key("4.1/two-step-value", enum.probs @ enum.trajectories.rewards.sum(axis=1))
    assert_near_miss("4.1/two-step-value", pg.exact_objective(mdp, policy, np.zeros((4, 3))),
                     "H = 5")
    assert_near_miss("4.1/two-step-value", float(two.mu0 @ pg.optimal_values(two).V[0]),
                     "optimum")


def test_4_1_steps_to_90(mini):
    mdp, policy = mini
    theta = np.zeros((4, 3))
    J = [pg.exact_objective(mdp, policy, theta)]
    for _ in range(300):  # plain gradient ascent, eta = 0.3, written out
        theta = theta + 0.3 * pg.exact_gradient(mdp, policy, theta)
        J.append(pg.exact_objective(mdp, policy, theta))
    J_star = float(mdp.mu0 @ pg.optimal_values(mdp).V[0])
    gain = np.array(J) - J[0]
    k = int(np.flatnonzero(gain >= 0.9 * (J_star - J[0]))[0])
    assert_key("4.1/steps-to-90", k)


def test_4_1_stable_softmax_reference():
    ref = bank.get("4.1/stable-softmax").params["reference"]
    rng = np.random.default_rng(0)
    for _ in range(20):
        theta = rng.normal(size=(3, 4)) * 5
        assert np.allclose(ref(theta), pg.TabularSoftmax(3, 4).probs(theta))
    big = ref(np.array([[1000.0, 999.0]]))
    assert np.allclose(big, pg.TabularSoftmax(1, 2).probs(np.array([[1.0, 0.0]])))


# =================================================================== §4.2
def test_4_2_unbiased_combinations():
    """Exact means of the five combinations of n = 3 independent REINFORCE estimates, by
    enumerating all triples of trajectories of a tiny MDP."""
    mdp = pg.random_mdp(2, 2, 2, seed=3)
    policy = pg.TabularSoftmax(2, 2)
    theta = np.random.default_rng(0).normal(size=(2, 2))
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    tr, p = enum.trajectories, enum.probs
    scores = policy.score(theta, tr.states, tr.actions).sum(axis=1)  # (N, 2, 2)
    g = scores.reshape(len(p), -1) * tr.rewards.sum(axis=1)[:, None]  # one estimate each
    N, n = len(p), 3
    i, j, k = np.meshgrid(np.arange(N), np.arange(N), np.arange(N), indexing="ij")
    w = (p[i] * p[j] * p[k]).ravel()
    G = np.stack([g[i].reshape(-1, g.shape[1]), g[j].reshape(-1, g.shape[1]),
                  g[k].reshape(-1, g.shape[1])], axis=1)  # (N^3, 3, d)
    norms = np.linalg.norm(G, axis=2)
    candidates = [G[:, 0], G.mean(axis=1), G.sum(axis=1) / (n - 1), G[:, 0] + G[:, 1] - G[:, 2],
                  G[np.arange(len(G)), norms.argmax(axis=1)]]
    exact = pg.exact_gradient(mdp, policy, theta).ravel()
    truth = [bool(np.allclose(w @ c, exact, atol=1e-10)) for c in candidates]
    assert_choice("4.2/unbiased-combinations", truth)


def test_4_2_minibatch_se():
    """X = +-2 with probability 1/2 (variance 4); the mean of B = 100 copies is
    (4K - 200)/100 with K ~ Binomial(100, 1/2): its standard deviation, exactly."""
    B = 100
    pmf = np.array([math.comb(B, k) for k in range(B + 1)], dtype=float) / 2.0 ** B
    m = (4 * np.arange(B + 1) - 2 * B) / B
    assert_key("4.2/minibatch-se", math.sqrt(pmf @ (m - pmf @ m) ** 2))
    assert_near_miss("4.2/minibatch-se", pmf @ (m - pmf @ m) ** 2, "variance")


def test_4_2_mc_objective_reference():
    ref = bank.get("4.2/mc-objective").params["reference"]
    rng = np.random.default_rng(1)
    for _ in range(10):
        r, gamma = rng.normal(size=(7, 5)), float(rng.uniform(0.5, 1))
        assert np.isclose(ref(r, gamma), pg.reward_to_go(r, gamma)[:, 0].mean())


# =================================================================== §4.3
def test_4_3_importance_weight():
    """rho_theta / rho_b of the trajectory (0,0), (1,1), (0,0) from the full likelihoods."""
    P = np.full((2, 2, 2), 0.5)
    P[0, 0] = [0.1, 0.9]  # (s, a) = (0, 0) -> 1 with probability 0.9
    P[1, 1] = [0.3, 0.7]  # (1, 1) -> 0 with probability 0.3
    mdp = pg.FiniteMDP(P, np.zeros((2, 2)), np.array([0.6, 0.4]), 3, 1.0)
    policy = pg.TabularSoftmax(2, 2)
    target = np.log([[0.8, 0.2], [0.3, 0.7]])
    behaviour = np.log([[0.5, 0.5], [0.6, 0.4]])
    tr = pg.Trajectories(np.array([[0, 1, 0]]), np.array([[0, 1, 0]]), np.zeros((1, 3)))
    log_w = (pg.trajectory_log_likelihood(mdp, policy, target, tr)
             - pg.trajectory_log_likelihood(mdp, policy, behaviour, tr))
    w = float(np.exp(log_w[0]))
    assert_key("4.3/importance-weight", w)
    assert_near_miss("4.3/importance-weight", 1 / w, "target policy on top")
    assert_near_miss("4.3/importance-weight", w * 0.9 * 0.3, "cancel")


def test_4_3_reward_to_go_numbers():
    assert_key("4.3/reward-to-go-numbers",
               pg.reward_to_go(np.array([[1.0, 0.0, 2.0, -1.0]]), 0.9)[0])


def _enumerated(seed=5, S=2, A=2, H=3):
    mdp = pg.random_mdp(S, A, H, seed=seed)
    policy = pg.TabularSoftmax(S, A)
    theta = np.random.default_rng(seed).normal(size=(S, A))
    enum = pg.enumerate_trajectories(mdp, policy, theta)
    scores = policy.score(theta, enum.trajectories.states, enum.trajectories.actions)
    return mdp, policy, theta, enum, scores.reshape(*scores.shape[:2], -1)  # (N, H, d)


def test_4_3_unbiased_estimators():
    """Exact means of the six quantities by enumeration, against the exact gradient."""
    mdp, policy, theta, enum, psi = _enumerated()
    tr, p = enum.trajectories, enum.probs
    r = tr.rewards
    R = r.sum(axis=1, keepdims=True) * np.ones_like(r)
    Q = pg.value_tables(mdp, policy, theta).Q
    H = mdp.horizon
    q = Q[np.arange(H)[None, :], tr.states, tr.actions]

    def mean(coef, mask=None):
        per = np.einsum("nt,ntd->nd", coef, psi)
        return (p if mask is None else p * mask) @ per

    missing = ~np.any((tr.states == 0) & (tr.actions == 0), axis=1)  # pi_b never takes (0, 0)
    means = [mean(R), mean(pg.reward_to_go(r, 1.0)), mean(np.cumsum(r, axis=1)), mean(q),
             mean(R + 5), mean(R, missing)]  # F: w rho_b = rho_theta on the support of rho_b
    exact = pg.exact_gradient(mdp, policy, theta).ravel()
    assert_choice("4.3/unbiased-estimators",
                  [bool(np.allclose(m, exact, atol=1e-10)) for m in means])


def _naive_reward_to_go(rewards, gamma):
    r = np.asarray(rewards, dtype=float)
    H = r.shape[1]
    return np.array([[sum(gamma ** (k - t) * row[k] for k in range(t, H)) for t in range(H)]
                     for row in r]).reshape(r.shape)


def test_4_3_reward_to_go_reference():
    entry = bank.get("4.3/reward-to-go-function")
    rng = np.random.default_rng(2)
    for _ in range(15):
        args = entry.params["cases"](rng)
        assert np.allclose(entry.params["reference"](*args), _naive_reward_to_go(*args))


# =================================================================== §4.4
def test_4_4_advantage():
    mdp = pg.FiniteMDP(np.ones((1, 3, 1)), np.array([[1.0, 3.0, 6.0]]), np.ones(1), 1, 1.0)
    policy = pg.TabularSoftmax(1, 3)
    theta = np.log([[0.5, 0.3, 0.2]])
    assert_key("4.4/advantage", pg.value_tables(mdp, policy, theta).A[0, 0, 0])
    assert_near_miss("4.4/advantage", 1.0 - np.mean([1.0, 3.0, 6.0]), "plain mean")


def test_4_4_unbiased_baselines():
    """Exact mean of sum_t psi_t (G_t - b_t) for one baseline of each kind, by enumeration."""
    mdp, policy, theta, enum, psi = _enumerated(seed=7, S=3, A=2, H=3)
    tr, p = enum.trajectories, enum.probs
    s, a = tr.states, tr.actions
    G = pg.reward_to_go(tr.rewards, 1.0)
    rng = np.random.default_rng(0)
    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    f_s, f_sa, f_next = rng.normal(size=(H, S)), rng.normal(size=(H, S, A)), rng.normal(size=S)
    f_past = rng.normal(size=(S, A, S))
    t = np.arange(H)[None, :]
    nxt = np.concatenate([f_next[s[:, 1:]], np.zeros((len(p), 1))], axis=1)
    past = np.concatenate([np.full((len(p), 1), 0.7), f_past[s[:, :-1], a[:, :-1], s[:, 1:]]],
                          axis=1)
    baselines = [np.full_like(G, 3.7), f_s[t, s], f_sa[t, s, a], nxt, past]
    exact = pg.exact_gradient(mdp, policy, theta).ravel()
    means = [p @ np.einsum("nt,ntd->nd", G - b, psi) for b in baselines]
    assert_choice("4.4/unbiased-baselines",
                  [bool(np.allclose(m, exact, atol=1e-10)) for m in means])


def test_4_4_corridor_p():
    """Maximise J(p) of the aliased policy on the short corridor (golden-section search on
    exact objectives)."""
    corridor = pg.short_corridor()
    policy = pg.LinearSoftmax(corridor.features)

    def J(p):
        return pg.exact_objective(corridor.mdp, policy, np.array([math.log(p / (1 - p)), 0.0]))

    lo, hi = 0.05, 0.95
    phi = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        x1, x2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
        if J(x1) < J(x2):
            lo = x1
        else:
            hi = x2
    assert_key("4.4/corridor-p", (lo + hi) / 2)
    assert abs(J(0.5) + 12) < 1e-9  # the near-miss message says p = 1/2 gives J = -12


def test_4_4_optimal_constant_baseline_minimises_the_second_moment():
    entry = bank.get("4.4/optimal-constant-baseline")
    ref = entry.params["reference"]
    rng = np.random.default_rng(3)
    for _ in range(10):
        S, R = entry.params["cases"](rng)

        def second_moment(b, S=S, R=R):
            return float(np.mean(((S * (R - b)[:, None]) ** 2).sum(axis=1)))

        b = ref(S, R)
        assert second_moment(b) <= min(second_moment(b - 1e-3), second_moment(b + 1e-3))


# =================================================================== §4.5
PHI = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # one state, three actions
THETA = np.array([1.0, -1.0])


def test_4_5_action_probability():
    assert_key("4.5/action-probability", pg.LinearSoftmax(PHI).probs(THETA)[0, 0])
    wrong = PHI.copy()
    wrong[0, 2] = [2.0, 0.0]  # logit 2 for action 2
    assert_near_miss("4.5/action-probability", pg.LinearSoftmax(wrong).probs(THETA)[0, 0],
                     "logit of action 2")


def test_4_5_linear_score():
    assert_key("4.5/linear-score", pg.LinearSoftmax(PHI).score(THETA, [0], [1])[0])


def test_4_5_representable():
    target = np.array([0.9, 0.1, 0.9])  # pi(right | cell) in cells 0, 1, 2
    feats = pg.short_corridor().features[:3]
    rng = np.random.default_rng(4)

    def same_in_every_cell(policy):
        return all(np.allclose(pr, pr[0]) for pr in
                   (policy.probs(rng.normal(size=policy.theta_shape)) for _ in range(5)))

    tab = pg.TabularSoftmax(3, 2)
    log9 = math.log(9)
    tab_ok = np.allclose(tab.probs(np.array([[log9, 0], [0, log9], [log9, 0]]))[:, 0], target)
    onehot = pg.LinearSoftmax(np.eye(6).reshape(3, 2, 6))
    hot_ok = np.allclose(onehot.probs(np.array([log9, 0, 0, log9, log9, 0]))[:, 0], target)
    linear_ok = not same_in_every_cell(pg.LinearSoftmax(feats))
    neural_ok = not same_in_every_cell(pg.NeuralSoftmax(feats))
    assert_choice("4.5/representable", [tab_ok, linear_ok, neural_ok, hot_ok])


def test_4_5_score_reference():
    entry = bank.get("4.5/score-function")
    rng = np.random.default_rng(5)
    for _ in range(20):
        theta, phi_s, a = entry.params["cases"](rng)
        lin = pg.LinearSoftmax(phi_s[None])
        assert np.allclose(entry.params["reference"](theta, phi_s, a),
                           lin.score(theta, [0], [a])[0])


# =================================================================== §4.6
@pytest.fixture(scope="module")
def lake():
    gym = pytest.importorskip("gymnasium")
    import pgtools.gym as pgym

    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    mdp = pgym.mdp_from_gymnasium(env, horizon=100)
    return mdp, pgym.frozenlake_layout(env).ravel()


def test_4_6_uniform_value(lake):
    mdp, _ = lake
    short = mdp.replace(horizon=20)
    policy = pg.TabularSoftmax(mdp.n_states, mdp.n_actions)
    assert_key("4.6/uniform-value", pg.exact_objective(short, policy, policy.init_params()))
    assert_near_miss("4.6/uniform-value", pg.exact_objective(mdp, policy, policy.init_params()),
                     "H = 100")
    assert_near_miss("4.6/uniform-value", float(short.mu0 @ pg.optimal_values(short).V[0]),
                     "optimal value")


def test_4_6_hardest_cell(lake):
    mdp, layout = lake
    V0 = pg.optimal_values(mdp).V[0]
    frozen = np.flatnonzero(np.isin(layout, ["S", "F"]))
    assert_key("4.6/hardest-cell", frozen[np.argmin(V0[frozen])])
    for cell in (5, 7):  # the near-miss messages call them holes
        assert layout[cell] == "H"
        assert_near_miss("4.6/hardest-cell", cell, "hole")


def test_4_6_masked_reference():
    entry = bank.get("4.6/masked-reward-to-go")
    rng = np.random.default_rng(6)
    for _ in range(15):
        r, m, gamma = entry.params["cases"](rng)
        want = _naive_reward_to_go(r * m, gamma) * m
        assert np.allclose(entry.params["reference"](r, m, gamma), want)


# ============================================================ the notebooks that use the bank
_FENCE = r"(?P<f>`{3,}|:{3,})\{%s\}[ \t]*(?P<arg>[^\n]*)\n(?P<body>.*?)\n(?P=f)"


def _cells(section):
    """The cells of the section's notebook (of its sub-pages, one after the other)."""
    paths = NOTEBOOKS[section]
    return [c for p in ((paths,) if isinstance(paths, str) else paths)
            for c in json.loads((ROOT / p).read_text(encoding="utf-8"))["cells"]]


def _src(cell):
    return "".join(cell["source"])


def _shown(section):
    """(index, exercise id) of every ``ex.show(...)`` cell of the section's notebook."""
    out = []
    for i, c in enumerate(_cells(section)):
        m = re.search(r'ex\.show\("([^"]+)"\)', _src(c)) if c["cell_type"] == "code" else None
        if m:
            out.append((i, m.group(1)))
    return out


_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _states_precision(text, spec):
    """The exercise text asks for the precision the box grades with: "3 significant digits"
    (or figures), "4 decimal places" (or decimals), "a whole number" (or integer, how many)."""
    need_text = spec["need_text"]
    n = re.match(r"(\d+)", need_text)
    if n is None:  # the exact whole number
        return bool(re.search(r"whole number|integer|[Hh]ow many", text))
    k = int(n.group(1))
    num = f"(?:{k}|{_WORDS[k]})" if k < len(_WORDS) else str(k)
    if "significant" in need_text:
        return bool(re.search(num + r" significant (?:digit|figure)", text))
    return bool(re.search(num + r" decimal(?:s| place)", text))


def test_notebooks_show_every_exercise_of_their_section_once():
    for section in CONVERTED:
        assert [i for _, i in _shown(section)] == [e.id for e in bank.section(section)]
    for section in set(NOTEBOOKS) - set(CONVERTED):  # not converted yet: nothing half-done
        assert not _shown(section), section


def test_exercise_rhythm():
    """Box (states the prompt and the precision) -> answer box (one hidden line) -> solution
    (folded); the same order for every exercise of every converted notebook."""
    for entry in ENTRIES:
        if entry.section in CONVERTED:
            _check_rhythm(entry)


def _check_rhythm(entry):
    cells = _cells(entry.section)
    (i,) = [i for i, e in _shown(entry.section) if e == entry.id]
    show = cells[i]
    assert _src(show).strip() == f'ex.show("{entry.id}")'
    assert "remove-input" in show["metadata"].get("tags", [])
    assert all(o["output_type"] in ("display_data", "execute_result") for o in show["outputs"])
    before, after = _src(cells[i - 1]), _src(cells[i + 1])
    assert cells[i - 1]["cell_type"] == "markdown" and cells[i + 1]["cell_type"] == "markdown"
    boxes = list(re.finditer(_FENCE % "exercise", before, re.DOTALL))
    assert boxes and f":label: {entry.label}" in boxes[-1].group("body"), entry.id
    assert before.rstrip().endswith(boxes[-1].group(0).rstrip()), "text after the box"
    sol = re.match(r"\s*" + _FENCE % "solution", after, re.DOTALL)
    assert sol and sol.group("arg").strip() == entry.label, entry.id
    assert ":class: dropdown" in sol.group("body")
    box_text = boxes[-1].group("body")
    widget = ex.show(entry.id)
    if entry.kind in ("numeric", "vector"):
        assert _states_precision(" ".join(box_text.split()), widget._decoded), entry.id
    if entry.kind == "choice":
        letters = re.findall(r"\*\*([A-Z])\.\*\*", box_text)
        assert letters == [chr(65 + k) for k in range(entry.params["options"])], letters
    if entry.kind == "code":
        code = re.search(r"```python\n(.*?)\n```", sol.group("body"), re.DOTALL)
        assert code, f"{entry.id}: the written solution has no python block"
        ns = {"np": np}
        exec(code.group(1), ns)  # noqa: S102 -- the book's own written solution
        assert widget.check(ns[entry.params["name"]]).status == "correct"


def test_no_answer_in_sight():
    """No visible cell builds a box, grades an answer or prints one; no exercise is cited by
    a hand-typed number."""
    for section in CONVERTED:
        _check_no_answer_in_sight(section)


def _check_no_answer_in_sight(section):
    for c in _cells(section):
        src = _src(c)
        if c["cell_type"] == "code":
            assert not re.search(r"(Numeric|Vector|Choice|Code)Exercise\(|\.check\(|correct=",
                                 src), src[:80]
        else:
            prose = re.sub(_FENCE % "solution", "", src, flags=re.DOTALL)
            assert not re.search(r"\b[Ee]xercises? \d", prose), prose[:120]
    outputs = " ".join(
        o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
        for c in _cells(section) if c["cell_type"] == "code" for o in c["outputs"])
    outputs += " ".join("".join(o.get("data", {}).get("text/plain", ""))
                        for c in _cells(section) if c["cell_type"] == "code"
                        for o in c["outputs"])
    for e in bank.section(section):
        if e.kind == "numeric":
            box = ex.show(e.id)
            d = max(0, -math.floor(math.log10(box._decoded["need"])))
            text = f"{e.params['answer']:.{d}f}"
            if len(text.strip("-0.")) >= 3:  # short numbers occur by chance
                assert text not in outputs, f"{e.id}: {text} printed in {NOTEBOOKS[section]}"
