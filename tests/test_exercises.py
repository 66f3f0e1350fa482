"""Unit tests for pgtools.exercises (Python side; the JS grader is covered by
test_exercises_agreement.py)."""

import json
import threading
import time
import typing

import numpy as np
import pytest

from pgtools import exercises
from pgtools.exercises import (
    ChoiceExercise,
    CodeExercise,
    Feedback,
    NumericExercise,
    VectorExercise,
)


def reward_to_go(rewards, gamma):
    """Reference: G_t = sum_{k>=t} gamma^(k-t) r_k."""
    out = np.zeros(len(rewards))
    acc = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        acc = rewards[t] + gamma * acc
        out[t] = acc
    return out


def make_case(rng):
    return (rng.normal(size=int(rng.integers(2, 6))).round(2), 0.9)


@pytest.fixture
def code_ex():
    return CodeExercise("Write reward_to_go.", reward_to_go, name="reward_to_go",
                        cases=make_case, n_cases=10, timeout=0.3)


def _state_text(w):
    return json.dumps(w.get_state(), default=str, ensure_ascii=False)


# ------------------------------------------------------------------------------- numeric
class TestNumeric:
    ex = NumericExercise("What is γ^3 for γ = 0.9?", 0.729, factors={"γ^t": 0.729},
                         close=[(0.81, "That is γ².")], hints=["h1", "h2"], solution="0.729")

    @pytest.mark.parametrize("text", ["0.729", " 0.729 ", "729/1000", "7.29e-1", 0.729])
    def test_right(self, text):
        assert self.ex.check(text).status == "correct"

    @pytest.mark.parametrize("text,word", [("-0.729", "sign"), ("0.531441", "γ^t"),
                                           ("0.81", "γ²")])
    def test_close(self, text, word):
        fb = self.ex.check(text)
        assert fb.status == "close" and word in fb.message

    def test_wrong(self):
        assert self.ex.check("0.5").status == "wrong"
        assert not self.ex.check("0.5")

    @pytest.mark.parametrize("text", ["", "   ", "abc", "nan", "NaN", "inf", "-inf", "1/0",
                                      "1e999", None])
    def test_invalid_is_friendly(self, text):
        fb = self.ex.check(text)
        assert fb.status == "invalid" and fb.message

    def test_feedback_trait_updated(self):
        self.ex.check("0.729")
        assert self.ex.feedback["status"] == "correct"

    @pytest.mark.parametrize("kwargs,match", [
        ({"answer": float("nan")}, "finite"),
        ({"answer": "x"}, "number"),
        ({"answer": 1.0, "rtol": -1}, ">= 0"),
        ({"answer": 1.0, "factors": {"one": 1.0}}, "not ≈1"),
        ({"answer": 1.0, "close": [(1.0, "same")]}, "already be accepted"),
        ({"answer": 1.0, "close": [1.0]}, "pairs"),
    ])
    def test_constructor_rejects(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            NumericExercise("q", **kwargs)

    def test_unknown_option_is_an_error(self):
        with pytest.raises(TypeError, match="tolerance"):
            NumericExercise("q", 1.0, tolerance=0.1)

    def test_empty_prompt(self):
        with pytest.raises(ValueError, match="prompt"):
            NumericExercise("  ", 1.0)


# -------------------------------------------------------------------------------- vector
class TestVector:
    ex = VectorExercise("π(·|s)?", [0.1, 0.2, 0.7])

    @pytest.mark.parametrize("text", ["0.1, 0.2, 0.7", "[0.1 0.2 0.7]", np.array([0.1, 0.2, 0.7])])
    def test_right(self, text):
        assert self.ex.check(text).status == "correct"

    @pytest.mark.parametrize("text,word", [("-0.1 -0.2 -0.7", "sign"), ("0.7 0.2 0.1", "order"),
                                           ("0.2 0.4 1.4", "multiple")])
    def test_close(self, text, word):
        fb = self.ex.check(text)
        assert fb.status == "close" and word in fb.message

    def test_wrong(self):
        assert self.ex.check("0.3 0.3 0.4").status == "wrong"

    def test_wrong_length(self):
        fb = self.ex.check("0.1, 0.2")
        assert fb.status == "invalid" and "Expected 3 numbers, got 2" in fb.message

    @pytest.mark.parametrize("text", ["", "a b c", "0.1 nan 0.7", "0.1 inf 0.7"])
    def test_invalid(self, text):
        assert self.ex.check(text).status == "invalid"

    @pytest.mark.parametrize("answer", [[], [[1, 2]], [1, np.nan], ["a"]])
    def test_constructor_rejects(self, answer):
        with pytest.raises(ValueError):
            VectorExercise("q", answer)


# -------------------------------------------------------------------------------- choice
class TestChoice:
    single = ChoiceExercise("Unbiased?", ["yes", "no"], correct=0,
                            explanations=["Right.", "It is unbiased."])
    multi = ChoiceExercise("Pick", ["a", "b", "c", "d"], correct=[0, 2, 3])

    def test_single(self):
        assert not self.single.multiple and self.single.check(0).status == "correct"
        fb = self.single.check([1])
        assert fb.status == "wrong" and "B: It is unbiased." in fb.details

    def test_multi_partial_credit(self):
        assert self.multi.multiple
        fb = self.multi.check([0, 1, 2])
        assert fb.status == "close" and "2 of 3 correct choices, 1 wrong" in fb.message
        assert self.multi.check([1]).status == "wrong"
        assert self.multi.check([3, 2, 0]).status == "correct"

    @pytest.mark.parametrize("chosen", [[], None, [7], ["a"], [True]])
    def test_invalid(self, chosen):
        assert self.multi.check(chosen).status == "invalid"

    def test_single_two_picks(self):
        assert self.single.check([0, 1]).status == "invalid"

    @pytest.mark.parametrize("kwargs,match", [
        ({"options": ["a", "b"], "correct": 2}, "out of range"),
        ({"options": ["a", "b"], "correct": -1}, "out of range"),
        ({"options": ["a"], "correct": 0}, "at least two"),
        ({"options": ["a", "b"], "correct": []}, "at least one"),
        ({"options": ["a", "b"], "correct": [0, 1], "multiple": False}, "multiple=True"),
        ({"options": ["a", "b"], "correct": 0, "explanations": ["x"]}, "explanations"),
        ({"options": ["a", "b"], "correct": "0"}, "indices"),
    ])
    def test_constructor_rejects(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            ChoiceExercise("q", **kwargs)


# ---------------------------------------------------------------------------------- code
class TestCode:
    def test_right(self, code_ex):
        fb = code_ex.check(reward_to_go)
        assert fb.status == "correct" and "10 test cases" in fb.message

    def test_sign_and_factor(self, code_ex):
        assert "sign" in code_ex.check(lambda r, g: -reward_to_go(r, g)).message
        fb = code_ex.check(lambda r, g: 0.5 * reward_to_go(r, g))
        assert fb.status == "close" and "factor" in fb.message

    def test_named_near_miss(self):
        ex = CodeExercise("q", reward_to_go, name="f", cases=make_case, timeout=0.3,
                          close=[(lambda r, g: np.cumsum(r[::-1])[::-1], "You forgot γ.")])
        fb = ex.check(lambda r, g: np.cumsum(r[::-1])[::-1])
        assert fb.status == "close" and fb.message == "You forgot γ."

    def test_transposed(self):
        ex = CodeExercise("q", lambda a: a @ np.ones((3, 2)), name="f",
                          cases=[(np.arange(12.0).reshape(4, 3),)], timeout=0.3)
        assert "transposed" in ex.check(lambda a: (a @ np.ones((3, 2))).T).message

    def test_wrong_reports_first_failing_case(self, code_ex):
        fb = code_ex.check(lambda r, g: np.asarray(r, dtype=float))
        assert fb.status == "wrong" and "test case 1" in fb.message
        text = "\n".join(fb.details)
        assert "rewards = [" in text and "expected:" in text and "received:" in text

    def test_wrong_shape_type_none_nan(self, code_ex):
        assert "shape" in code_ex.check(lambda r, g: reward_to_go(r, g)[:-1]).message
        assert "str" in code_ex.check(lambda r, g: "hello").message
        assert "return" in code_ex.check(lambda r, g: None).message
        assert "NaN" in code_ex.check(lambda r, g: reward_to_go(r, g) * np.nan).message

    def test_raises_shows_type_and_message_not_traceback(self, code_ex):
        def bad(r, g):
            raise KeyError("oops")

        fb = code_ex.check(bad)
        assert fb.status == "wrong" and "KeyError" in fb.message and "oops" in fb.message
        assert "Traceback" not in str(fb)

    def test_infinite_loop_times_out(self, code_ex):
        def forever(r, g):
            while True:
                try:
                    pass
                except Exception:  # a reader's broad except must not swallow the time limit
                    pass

        fb = code_ex.check(forever)
        assert fb.status == "wrong" and "longer than 0.3 s" in fb.message

    def test_timeout_from_worker_thread(self, code_ex):
        box = {}

        def run():
            box["fb"] = code_ex.check(lambda r, g: time.sleep(1.0))

        th = threading.Thread(target=run)
        th.start()
        th.join(5)
        assert box["fb"].status == "wrong" and "longer" in box["fb"].message

    def test_mutation_detected_and_reference_sees_pristine_data(self):
        seen = []

        def ref_sum(x):  # would give 0 on the mutated (zeroed) data
            seen.append(np.array(x))
            return float(np.sum(x))

        ex = CodeExercise("q", ref_sum, name="f", cases=[(np.array([1.0, 2.0, 3.0]),)],
                          timeout=0.3)

        def mutating(x):
            s = float(np.sum(x))
            x[:] = 0
            return s

        fb = ex.check(mutating)
        assert fb.status == "close" and "changed its input" in fb.message
        assert all(np.array_equal(a, [1.0, 2.0, 3.0]) for a in seen)
        assert "x = [1., 2., 3.]" in fb.details[0]  # inputs shown as they were before the call

        def mutating_wrong(x):
            x[:] = 0
            return 0.0

        fb = ex.check(mutating_wrong)
        assert fb.status == "wrong" and "changed its input" in fb.message
        assert all(np.array_equal(a, [1.0, 2.0, 3.0]) for a in seen)

    def test_not_defined_and_not_callable(self, code_ex, monkeypatch):
        class FakeShell:
            user_ns: typing.ClassVar[dict] = {}

        import IPython

        monkeypatch.setattr(IPython, "get_ipython", lambda: FakeShell)
        fb = code_ex.check()
        assert fb.status == "invalid" and "can't find a function called `reward_to_go`" in fb.message
        FakeShell.user_ns["reward_to_go"] = 3.0
        fb = code_ex.check()
        assert fb.status == "invalid" and "not a function" in fb.message
        FakeShell.user_ns["reward_to_go"] = reward_to_go
        assert code_ex.check().status == "correct"

    def test_no_ipython_at_all(self, code_ex):
        assert code_ex.check().status == "invalid"

    def test_frontend_messages(self, code_ex, monkeypatch):
        sent = []
        monkeypatch.setattr(code_ex, "send", lambda content, buffers=None: sent.append(content))
        code_ex._on_frontend_msg(code_ex, {"type": "ping"}, [])
        assert sent == [{"type": "pong"}]
        code_ex._on_frontend_msg(code_ex, {"type": "check"}, [])
        assert code_ex.feedback["status"] == "invalid"  # nothing defined in this namespace
        assert sent[-1] == {"type": "checked", "feedback": code_ex.feedback}
        # a repeated check with the same result changes no trait: the reply must still come
        sent.clear()
        code_ex._on_frontend_msg(code_ex, {"type": "check"}, [])
        assert [m["type"] for m in sent] == ["pong", "checked"]
        assert sent[-1]["feedback"] == code_ex.feedback

    def test_custom_compare(self):
        ex = CodeExercise("q", lambda n: list(range(n)), name="f", cases=[(3,), (5,)],
                          compare=lambda got, exp: sorted(got) == exp, timeout=0.3)
        assert ex.check(lambda n: list(range(n))[::-1]).status == "correct"
        assert ex.check(lambda n: [0]).status == "wrong"

    @pytest.mark.parametrize("kwargs,match", [
        ({"reference": 1, "name": "f", "cases": [(1,)]}, "reference"),
        ({"reference": abs, "name": "not a name", "cases": [(1,)]}, "identifier"),
        ({"reference": abs, "name": "f", "cases": []}, "empty"),
        ({"reference": abs, "name": "f", "cases": 3}, "cases"),
        ({"reference": abs, "name": "f", "cases": [(1,)], "timeout": 0}, "timeout"),
        ({"reference": abs, "name": "f", "cases": [(1,)], "n_cases": 0}, "n_cases"),
        ({"reference": abs, "name": "f", "cases": [(1,)], "close": [(1, "x")]}, "function"),
    ])
    def test_constructor_rejects(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            CodeExercise("q", **kwargs)


# ------------------------------------------------------------------------ state and repr
@pytest.mark.parametrize("widget,secret", [
    (NumericExercise("q", 0.3439, solution="see notes"), "0.3439"),
    (VectorExercise("q", [0.125, 0.375, 0.5]), "0.375"),
    (ChoiceExercise("q", ["a", "b", "c"], correct=2, explanations=[None, None, "SECRET-WHY"]),
     "SECRET-WHY"),
    (NumericExercise("q", 1.5, solution="The answer is 1.5 because SECRET-SOL"), "SECRET-SOL"),
])
def test_answer_not_in_plain_state(widget, secret):
    text = _state_text(widget)
    assert secret not in text
    assert secret in json.dumps(exercises.decode_spec(widget._spec), ensure_ascii=False)


def test_salt_differs_per_widget():
    a, b = NumericExercise("q", 0.5), NumericExercise("q", 0.5)
    assert a._spec != b._spec


def test_state_is_small():
    assert len(_state_text(NumericExercise("q", 0.5))) < 20_000


def test_stable_repr(code_ex):
    ex = NumericExercise("A rather long prompt about the policy gradient theorem and more", 1.0)
    assert repr(ex) == "NumericExercise('A rather long prompt about the policy g…')"
    assert "0x" not in repr(code_ex) and repr(code_ex).startswith("CodeExercise(")
    bundle = ex._repr_mimebundle_()[0]
    assert bundle["text/plain"] == repr(ex)


def test_feedback_object():
    fb = Feedback("close", "msg", ("d",))
    assert not fb and str(fb) == "[close] msg\nd"
    assert fb.to_dict() == {"status": "close", "message": "msg", "details": ["d"]}


def test_explain(capsys):
    assert "NumericExercise" in exercises.explain()
    assert "obscured" in capsys.readouterr().out


# ---------------------------------------------------------------------------- precision
class TestPrecision:
    """The precision asked of the reader: stated by the box, graded (the issue's 0.67 case)."""

    pi0 = NumericExercise("q", float(np.e / (np.e + 1 / np.e + 1)), digits=3)

    def test_coarse_but_right_says_so(self):
        fb = self.pi0.check("0.67")
        assert fb.status == "close" and "give 3 significant digits" in fb.message
        assert "Not quite" not in fb.message

    @pytest.mark.parametrize("text", ["0.665", "0.6652", "0.666", "6.65e-1"])
    def test_enough_digits(self, text):
        assert self.pi0.check(text).status == "correct"

    @pytest.mark.parametrize("text", ["0.66", "1", "0.6700"])
    def test_wrong_rounding_is_not_right(self, text):
        assert self.pi0.check(text).status == "wrong"

    def test_precision_note_is_plain_state(self):
        assert self.pi0.precision == "3 significant digits"
        assert NumericExercise("q", 126, decimals=0).precision == "a whole number"
        assert NumericExercise("q", 0.2, decimals=2).precision == "2 decimal places"
        assert VectorExercise("q", [0.5, 1.0], decimals=1).precision == "1 decimal place"
        assert NumericExercise("q", 1.0).precision == ""

    def test_digits_use_the_rounded_exponent(self):
        # 0.9996 to 3 digits is 1.00: the last digit asked for is the hundredths
        ex = NumericExercise("q", 0.9996, digits=3)
        assert ex.check("1.00").status == "correct"
        assert ex.check("0.999").status == "correct"
        assert ex.check("1").status == "close"  # right, but 1 digit

    def test_whole_number_is_exact(self):
        ex = NumericExercise("q", 126, decimals=0)
        assert ex.check("126").status == "correct"
        assert ex.check("127").status == "wrong" and ex.check("125.6").status == "wrong"

    def test_explicit_tolerance_wins(self):
        ex = NumericExercise("q", 0.5858, decimals=2, atol=0.005)
        assert ex.check("0.59").status == "correct" and ex.check("0.58").status == "wrong"

    @pytest.mark.parametrize("kwargs,match", [
        ({"answer": 1.0, "digits": 2, "decimals": 1}, "not both"),
        ({"answer": 1.0, "digits": 0}, "digits"),
        ({"answer": 1.0, "digits": 2.5}, "digits"),
        ({"answer": 0.0, "digits": 2}, "non-zero"),
        ({"answer": 1.0, "decimals": -1}, "decimals"),
        ({"answer": 1.0, "decimals": True}, "decimals"),
    ])
    def test_constructor_rejects(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            NumericExercise("q", **kwargs)

    def test_vector_precision_is_in_decimals(self):
        with pytest.raises(TypeError):
            VectorExercise("q", [1.0], digits=2)
        fb = VectorExercise("q", [-0.909969, 0.665241], decimals=3).check("-0.91, 0.67")
        assert fb.status == "close" and "give 3 decimal places" in fb.message


class TestScaleMessage:
    """'a multiple of the answer, scaled by about c' never for c near +1 or -1."""

    ex = VectorExercise("q", [0.1, 0.2, 0.7], decimals=2)

    @pytest.mark.parametrize("c", [1.02, 1.04, 0.97, -0.97, -1.03, -1.04])
    def test_near_one_is_not_a_multiple(self, c):
        text = ", ".join(f"{c * v:.4f}" for v in [0.1, 0.2, 0.7])
        fb = self.ex.check(text)
        assert "multiple" not in fb.message, (c, fb)

    @pytest.mark.parametrize("c", [2.0, 0.5, -2.0, 3.0])
    def test_real_multiple(self, c):
        text = ", ".join(f"{c * v:.4f}" for v in [0.1, 0.2, 0.7])
        fb = self.ex.check(text)
        assert fb.status == "close" and "multiple" in fb.message, (c, fb)


# ------------------------------------------------------------------ choice labels
def test_choice_options_never_show_doubled_labels():
    ex = ChoiceExercise("q", ["A: full return", "B. reward-to-go", "(c) so far"], correct=0)
    assert ex.options == ["full return", "reward-to-go", "so far"]  # shown "A. full return"
    for opts in (["(b) a constant", "x"], ["x", "A: y"]):
        with pytest.raises(ValueError, match="label"):
            ChoiceExercise("q", opts, correct=0)
    assert ChoiceExercise("q", ["a constant c", "B-splines"], correct=0).options[0] == \
        "a constant c"  # words, not labels


def test_choice_bare_labels():
    ex = ChoiceExercise("q", 4, correct=[0, 3])
    assert ex.options == ["", "", "", ""] and ex.multiple
    assert ex.check([0, 3]).status == "correct"
    with pytest.raises(ValueError, match="options"):
        ChoiceExercise("q", 1, correct=0)


# --------------------------------------------------------------------- show / confirm
def test_show_builds_the_box_from_the_bank():
    w = exercises.show("4.3/importance-weight")
    assert isinstance(w, NumericExercise)
    assert w.exercise_id == "4.3/importance-weight" and w.show_prompt is False
    assert repr(w) == "NumericExercise('4.3/importance-weight')"
    assert w._repr_mimebundle_()[0]["text/plain"] == repr(w)
    assert w.solution is None  # the written solution is the page's folded solution block


@pytest.mark.parametrize("bad", ["4.3/no-such-exercise", "9.9/x", "importance-weight", 3, None])
def test_show_rejects_unknown_ids(bad):
    with pytest.raises(ValueError, match="exercise_id"):
        exercises.show(bad)


def test_exercise_id_is_validated():
    with pytest.raises(ValueError, match="exercise_id"):
        NumericExercise("q", 1.0, exercise_id="Exercise 4")


def test_confirm_passes_silently_about_the_answer(capsys):
    assert exercises.confirm("4.4/unbiased-baselines", [0, 1, 4]) is None  # shown once
    text = capsys.readouterr().out.strip()
    assert "agrees" in text and "[0, 1, 4]" not in text


def test_confirm_raises_assertion_on_disagreement():
    with pytest.raises(AssertionError, match="disagrees"):
        exercises.confirm("4.4/unbiased-baselines", [0, 1])
    with pytest.raises(AssertionError, match="disagrees"):
        exercises.confirm("4.3/importance-weight", 1 / 4.48)
    with pytest.raises(AssertionError, match="disagrees"):
        exercises.confirm("4.3/reward-to-go-function", lambda r, g: np.cumsum(r, axis=1))
