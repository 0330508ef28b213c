"""collabml.models.perceptron: the mirror of contracts/models/SparsePerceptron.sol, off chain.

Known-value tables with hand-computed scores, the contract's feature validation (errors and
their order), the update rule with int16 saturation, the 16-lane storage layout, exact (or
refused, or explicitly quantised) conversion from scikit-learn, and Hypothesis properties against
straightforward numpy / pure-Python references. The prediction market's int32 variant
(`SparsePerceptron32`) keeps its own layout and conversion tests at the end.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import SMALL_FEATURES, random_model
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron

from collabml import errors
from collabml.fixedpoint import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE, saturate
from collabml.models.perceptron import (
    MAX_FEATURE_COUNT,
    ModelDoesNotFit,
    SparsePerceptron,
    SparsePerceptron32,
    validate_features,
)

# Hand-written model, in steps of 1/1000 (learning rate 1000): 18 features over two weight words
# (indices 16 and 17 in the second word).
S = 1000
W = [3 * S, -2 * S, S, 0, -S, 2 * S, 0, 5, -5, S, 0, 0, 0, 0, 0, 0, 7, -7]
B = -S


def table_model() -> SparsePerceptron:
    return SparsePerceptron(np.array(W), intercept=B, learning_rate=S)


# ---- strategies ----
int16s = st.one_of(st.integers(INT16_MIN, INT16_MAX), st.sampled_from([INT16_MIN, INT16_MIN + 1, -1, 0, 1, INT16_MAX]))
learning_rates = st.one_of(st.sampled_from([1, 2, INT16_MAX]), st.integers(1, INT16_MAX))


@st.composite
def models(draw, max_features: int = 40, weights=int16s, intercepts=st.integers(INT64_MIN, INT64_MAX)):
    n = draw(st.integers(1, max_features))
    ws = draw(st.lists(weights, min_size=n, max_size=n))
    return SparsePerceptron(np.array(ws, dtype=np.int64), draw(intercepts), draw(learning_rates))


def feature_sets(feature_count: int, max_size: int = 40):
    return st.lists(st.integers(0, feature_count - 1), unique=True, max_size=max_size).map(lambda f: tuple(sorted(f)))


@st.composite
def models_and_features(draw, **kwargs):
    model = draw(models(**kwargs))
    return model, draw(feature_sets(model.feature_count))


def numpy_score(model: SparsePerceptron, features) -> int:
    """Sum then sign, the straightforward numpy way: a dense 0/1 row dotted with the weights."""
    x = np.zeros(model.feature_count, dtype=np.int64)
    x[list(features)] = 1
    return int(model.intercept) + int(np.dot(x, model.weights))


def contract_validate(features, feature_count):
    """The loop of `SparsePerceptron._score`, transcribed: `next` is the smallest index allowed."""
    nxt = 0
    for offset, index in enumerate(features):
        if index < nxt:
            return ("FeaturesNotSorted", offset, nxt - 1, index)
        if index >= feature_count:
            return ("FeatureOutOfRange", index, feature_count)
        nxt = index + 1
    return None


# -- predict: known values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("features", "score", "label"),
    [
        ((), -S, 0),
        ((0,), 2 * S, 1),
        ((1,), -3 * S, 0),
        ((2,), 0, 0),  # score == 0 -> class 0
        ((0, 1), 0, 0),
        ((0, 2), 3 * S, 1),
        ((3,), -S, 0),
        ((2, 3), 0, 0),
        ((5,), S, 1),
        ((4, 5), 0, 0),
        ((7,), -S + 5, 0),
        ((2, 7), 5, 1),
        ((2, 8), -5, 0),
        ((2, 7, 8), 0, 0),
        ((9,), 0, 0),
        ((0, 9), 3 * S, 1),
        ((0, 1, 2, 3, 4, 5, 6), 2 * S, 1),
        ((1, 4, 8), -4 * S - 5, 0),
        (tuple(range(10)), 3 * S, 1),
        ((2, 16), 7, 1),  # across the two words
        ((2, 17), -7, 0),
        ((2, 15, 16, 17), 0, 0),
        (tuple(range(18)), 3 * S, 1),
    ],
)
def test_predict__known_scores(features, score, label):
    model = table_model()
    assert model.score(features) == score
    assert model.predict(features) == label


def test_predict__positive_one_unit_is_class_one():
    model = SparsePerceptron(np.array([0, 1, -1]), intercept=0)
    assert [model.predict(f) for f in [(), (0,), (1,), (2,), (1, 2)]] == [0, 0, 1, 0, 0]


# -- validate_features: the contract's errors in the contract's order -------------------------


@pytest.mark.parametrize(
    ("features", "feature_count", "error", "args"),
    [
        ((10,), 10, errors.FeatureOutOfRange, (10, 10)),
        ((0, 65_535), 10, errors.FeatureOutOfRange, (65_535, 10)),
        ((3, 2), 10, errors.FeaturesNotSorted, (1, 3, 2)),
        ((1, 1), 10, errors.FeaturesNotSorted, (1, 1, 1)),
        ((0, 4, 9, 9), 10, errors.FeaturesNotSorted, (3, 9, 9)),
        ((0, 5, 2, 20), 10, errors.FeaturesNotSorted, (2, 5, 2)),
        # The first bad position wins: out of range at 0 before the unsorted pair after it.
        ((12, 3), 10, errors.FeatureOutOfRange, (12, 10)),
        # Unsorted at 1 before out of range at 2.
        ((5, 4, 99), 10, errors.FeaturesNotSorted, (1, 5, 4)),
        # Out of range at 1 is reported; the unsorted 11 after it is never reached.
        ((9, 12, 11), 10, errors.FeatureOutOfRange, (12, 10)),
        ((9, 9), 10, errors.FeaturesNotSorted, (1, 9, 9)),
        ((65_535, 0), MAX_FEATURE_COUNT, errors.FeaturesNotSorted, (1, 65_535, 0)),
    ],
)
def test_validate_features__raises_contract_error(features, feature_count, error, args):
    with pytest.raises(error) as info:
        validate_features(features, feature_count)
    assert type(info.value) is error
    assert info.value.args == args


@pytest.mark.parametrize(
    ("features", "feature_count"),
    [((), 1), ((0,), 1), ((0, 1, 2), 3), ((7, 8), 16), ((65_535,), MAX_FEATURE_COUNT)],
)
def test_validate_features__accepts_sorted_indices_in_range(features, feature_count):
    validate_features(features, feature_count)


@settings(max_examples=1_000)
@given(
    features=st.lists(st.integers(0, 40), max_size=12).map(tuple),
    feature_count=st.integers(1, 40),
)
def test_validate_features__matches_contract_loop(features, feature_count):
    expected = contract_validate(features, feature_count)
    if expected is None:
        validate_features(features, feature_count)
        return
    with pytest.raises(errors.ContractRuleError) as info:
        validate_features(features, feature_count)
    assert (info.value.name, *info.value.args) == expected


def test_predict__validates_features():
    model = table_model()
    with pytest.raises(errors.FeaturesNotSorted):
        model.predict((2, 1))
    with pytest.raises(errors.FeatureOutOfRange):
        model.predict((18,))


# -- construction -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, MAX_FEATURE_COUNT + 1])
def test_init__feature_count_out_of_range_raises(count):
    with pytest.raises(errors.FeatureCountOutOfRange) as info:
        SparsePerceptron(np.zeros(count, dtype=np.int64))
    assert info.value.args == (count, MAX_FEATURE_COUNT)


@pytest.mark.parametrize("rate", [0, -1, INT16_MAX + 1, ONE])
def test_init__learning_rate_out_of_range_raises(rate):
    with pytest.raises(errors.LearningRateOutOfRange) as info:
        SparsePerceptron(np.zeros(3, dtype=np.int64), learning_rate=rate)
    assert info.value.args == (rate,)


@pytest.mark.parametrize("rate", [1, INT16_MAX])
def test_init__learning_rate_bounds(rate):
    assert SparsePerceptron(np.zeros(3, dtype=np.int64), learning_rate=rate).learning_rate == rate


def test_init__defaults_are_one_step_and_zero_intercept():
    model = SparsePerceptron(np.zeros(3, dtype=np.int64))
    assert (model.learning_rate, model.intercept) == (1, 0)
    assert SparsePerceptron.zeros(3).learning_rate == 1


@pytest.mark.parametrize("weight", [INT16_MAX + 1, INT16_MIN - 1, ONE])
def test_init__weight_outside_int16_raises_with_what_to_do(weight):
    with pytest.raises(ModelDoesNotFit, match=r"int16 \[-32768, 32767\].*scale="):
        SparsePerceptron(np.array([0, weight]))


@pytest.mark.parametrize("weight", [INT16_MAX, INT16_MIN])
def test_init__weight_at_int16_bounds_fits(weight):
    assert SparsePerceptron(np.array([0, weight])).weights.tolist() == [0, weight]


@pytest.mark.parametrize("intercept", [INT64_MAX + 1, INT64_MIN - 1])
def test_init__intercept_outside_int64_raises(intercept):
    with pytest.raises(ModelDoesNotFit):
        SparsePerceptron(np.array([0]), intercept=intercept)


def test_init__copies_weights():
    source = np.array(W)
    model = SparsePerceptron(source)
    model.update((0,), 0)
    assert source.tolist() == W
    assert model.copy().weights is not model.weights


# -- update -------------------------------------------------------------------------------


@pytest.mark.parametrize(("features", "label"), [((0,), 1), ((1,), 0), ((2,), 0), ((), 0), ((2, 7), 1), ((2, 17), 0)])
def test_update__right_prediction_changes_nothing(features, label):
    model = table_model()
    assert model.update(features, label) is False
    assert model.weights.tolist() == W
    assert model.intercept == B


@pytest.mark.parametrize(
    ("features", "label", "step"),
    [
        ((1,), 1, S),  # score -3 -> predicts 0
        ((2,), 1, S),  # score 0 -> predicts 0
        ((), 1, S),  # intercept only
        ((0,), 0, -S),  # score 2 -> predicts 1
        ((2, 7), 0, -S),
        ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 0, -S),
        ((15, 16), 1, S),  # across the two words
        (tuple(range(18)), 0, -S),
    ],
)
def test_update__wrong_prediction_steps_toward_label(features, label, step):
    model = table_model()
    before = model.score(features)
    assert model.update(features, label) is True
    expected = [w + step if i in features else w for i, w in enumerate(W)]
    assert model.weights.tolist() == expected
    assert model.intercept == B + step
    # The score moves toward the label by (len(features) + 1) steps.
    assert model.score(features) == before + step * (len(features) + 1)


def test_update__learning_rate_is_the_step():
    model = SparsePerceptron(np.array([0, 0, 0]), intercept=0, learning_rate=7)
    assert model.update((0, 2), 1)
    assert model.weights.tolist() == [7, 0, 7]
    assert model.intercept == 7
    assert model.update((1,), 0)  # score 7 > 0 -> predicts 1
    assert model.weights.tolist() == [7, -7, 7]
    assert model.intercept == 0


@pytest.mark.parametrize("label", [2, -1, 255])
def test_update__label_out_of_range_raises(label):
    model = table_model()
    with pytest.raises(errors.LabelOutOfRange) as info:
        model.update((0,), label)
    assert info.value.args == (label, 2)
    assert model.weights.tolist() == W


@pytest.mark.parametrize(
    ("features", "error"), [((3, 2), errors.FeaturesNotSorted), ((0, 18), errors.FeatureOutOfRange)]
)
def test_update__invalid_features_raise_and_change_nothing(features, error):
    model = table_model()
    with pytest.raises(error):
        model.update(features, 1)
    assert model.weights.tolist() == W
    assert model.intercept == B


@pytest.mark.parametrize(
    ("weight", "after"),
    [
        (INT16_MAX, INT16_MAX),
        (INT16_MAX - 1, INT16_MAX),
        (INT16_MAX - S, INT16_MAX),
        (INT16_MAX - S - 1, INT16_MAX - 1),
        (-1, S - 1),
    ],
)
def test_update__weight_saturates_at_int16_max(weight, after):
    # A very negative intercept keeps the prediction at 0, so label 1 always steps up.
    model = SparsePerceptron(np.array([weight, 0]), intercept=-(2**40), learning_rate=S)
    assert model.update((0,), 1)
    assert model.weights.tolist() == [after, 0]
    assert model.intercept == -(2**40) + S


@pytest.mark.parametrize(
    ("weight", "after"),
    [
        (INT16_MIN, INT16_MIN),
        (INT16_MIN + 1, INT16_MIN),
        (INT16_MIN + S, INT16_MIN),
        (INT16_MIN + S + 1, INT16_MIN + 1),
        (1, 1 - S),
    ],
)
def test_update__weight_saturates_at_int16_min(weight, after):
    model = SparsePerceptron(np.array([0, weight]), intercept=2**40, learning_rate=S)
    assert model.update((1,), 0)
    assert model.weights.tolist() == [0, after]
    assert model.intercept == 2**40 - S


def test_update__saturated_lanes_stay_at_bounds_with_largest_rate():
    model = SparsePerceptron(np.array([INT16_MAX, 1, INT16_MIN]), intercept=-(2**45), learning_rate=INT16_MAX)
    assert model.update((0, 1, 2), 1)
    assert model.weights.tolist() == [INT16_MAX, INT16_MAX, -1]
    assert model.intercept == -(2**45) + INT16_MAX
    assert model.update((0, 1, 2), 1)
    assert model.weights.tolist() == [INT16_MAX, INT16_MAX, INT16_MAX - 1]


def test_update__saturated_lanes_step_back_down():
    model = SparsePerceptron(np.array([INT16_MAX, INT16_MIN]), intercept=2**40, learning_rate=7)
    assert model.update((0, 1), 0)
    assert model.weights.tolist() == [INT16_MAX - 7, INT16_MIN]


@pytest.mark.parametrize(
    ("intercept", "features", "label", "after"),
    [
        # Near the top, the score is positive whatever the features: only label 0 updates, downward.
        (INT64_MAX, (0,), 0, INT64_MAX - INT16_MAX),
        (INT64_MAX, (), 1, INT64_MAX),
        # Near the bottom, the score is negative: only label 1 updates, upward.
        (INT64_MIN, (0,), 1, INT64_MIN + INT16_MAX),
        (INT64_MIN, (), 0, INT64_MIN),
    ],
)
def test_update__intercept_at_int64_bounds_moves_inward(intercept, features, label, after):
    # NOTE: the int64 clamp of the intercept cannot bind through features: to step past a bound
    # the score would need the opposite sign, i.e. |sum of weights| > 2^63 - 2^15 > 65,536 * 2^15.
    model = SparsePerceptron(np.array([INT16_MAX if label == 0 else INT16_MIN]), intercept, learning_rate=INT16_MAX)
    model.update(features, label)
    assert model.intercept == after
    assert INT64_MIN <= model.intercept <= INT64_MAX


@settings(max_examples=500)
@given(data=models_and_features(), label=st.integers(0, 1))
def test_update__steps_present_weights_and_intercept_with_saturation(data, label):
    model, features = data
    before = model.copy()
    predicted = before.predict(features)
    changed = model.update(features, label)
    assert changed == (predicted != label)
    step = 0 if not changed else (before.learning_rate if label == 1 else -before.learning_rate)
    present = set(features)
    for i in range(model.feature_count):
        old = int(before.weights[i])
        assert int(model.weights[i]) == (saturate(old + step, INT16_MIN, INT16_MAX) if i in present else old)
    # The intercept never actually needs its int64 clamp (see above): it moves by the full step.
    assert model.intercept == before.intercept + step
    if changed:
        # Direction: the score moves toward the label (saturated lanes stall, the intercept never does).
        assert (model.score(features) - before.score(features)) * step > 0


# -- predict: properties against numpy --------------------------------------------------------


def _check_sum_then_sign(model: SparsePerceptron, features) -> None:
    expected = numpy_score(model, features)
    assert model.score(features) == expected
    assert model.predict(features) == (1 if expected > 0 else 0)


@settings(max_examples=500)
@given(data=models_and_features())
def test_predict__equals_numpy_sum_then_sign(data):
    _check_sum_then_sign(*data)


@pytest.mark.fuzzing
@settings(max_examples=10_000)
@given(data=models_and_features(max_features=600), label=st.integers(0, 1))
def test_predict_and_update__equal_numpy_reference_long_run(data, label):
    model, features = data
    _check_sum_then_sign(model, features)
    before_weights, before_intercept = model.weights.copy(), model.intercept
    x = np.zeros(model.feature_count, dtype=np.int64)
    x[list(features)] = 1
    wrong = (1 if numpy_score(model, features) > 0 else 0) != label
    step = (model.learning_rate if label == 1 else -model.learning_rate) * wrong
    model.update(features, label)
    assert np.array_equal(model.weights, np.clip(before_weights + step * x, INT16_MIN, INT16_MAX))
    assert model.intercept == before_intercept + step


@st.composite
def models_and_matrices(draw, intercepts=st.integers(-(2**62), 2**62)):
    model = draw(models(max_features=20, intercepts=intercepts))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows, density = draw(st.integers(0, 12)), draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
    return model, (rng.random((rows, model.feature_count)) < density).astype(np.int64)


def _rows(X):
    return [tuple(np.flatnonzero(row).tolist()) for row in X]


@settings(max_examples=500)
@given(data=models_and_matrices())
def test_predict_matrix__equals_per_row_predict(data):
    model, X = data
    expected = [model.predict(f) for f in _rows(X)]
    assert model.predict_matrix(X).tolist() == expected
    assert model.predict_matrix(sp.csr_matrix(X)).tolist() == expected
    assert model.predict_matrix(X.astype(bool)).tolist() == expected
    assert model.predict_many(_rows(X)).tolist() == expected


@pytest.mark.parametrize(("weight", "intercept"), [(5, INT64_MAX), (-5, INT64_MIN)])
def test_predict_matrix__intercept_near_int64_bounds_does_not_wrap(weight, intercept):
    model = SparsePerceptron(np.array([weight]), intercept=intercept)
    X = np.array([[1]], dtype=np.int64)
    assert model.predict_matrix(X).tolist() == [model.predict((0,))]


# -- state as stored on chain -------------------------------------------------------------


def test_packed_words__known_layout():
    model = table_model()
    lane = lambda v, i: (v & 0xFFFF) << (16 * i)  # noqa: E731
    assert model.word_count == 2
    assert model.packed_words() == [sum(lane(w, i) for i, w in enumerate(W[:16])), lane(W[16], 0) | lane(W[17], 1)]


def test_packed_words__known_words():
    model = SparsePerceptron(np.array([1, -1, INT16_MAX, INT16_MIN] + [0] * 12 + [-2]))
    assert model.packed_words() == [0x8000_7FFF_FFFF_0001, 0xFFFE]
    assert SparsePerceptron(np.array([0] * 15 + [-1])).packed_words() == [0xFFFF << 240]


@pytest.mark.parametrize(("count", "words"), [(1, 1), (15, 1), (16, 1), (17, 2), (1000, 63), (MAX_FEATURE_COUNT, 4096)])
def test_word_count__sixteen_weights_a_word(count, words):
    model = SparsePerceptron.zeros(count)
    assert model.word_count == words == len(model.packed_words())


@settings(max_examples=500)
@given(model=models())
def test_from_words__round_trips_packed_words(model):
    words = model.packed_words()
    assert len(words) == model.word_count
    again = SparsePerceptron.from_words(words, model.feature_count, model.intercept, model.learning_rate)
    assert again.weights.tolist() == model.weights.tolist()
    assert (again.feature_count, again.intercept, again.learning_rate) == (
        model.feature_count,
        model.intercept,
        model.learning_rate,
    )


def test_random_model__predicts_both_ways():
    model = random_model(SMALL_FEATURES)
    predictions = {model.predict((i, i + 1)) for i in range(SMALL_FEATURES - 1)}
    assert predictions == {0, 1}


# -- from_sklearn ---------------------------------------------------------------------------


def _fit(X, y, seed: int, eta0: float = 1.0, epochs: int = 5) -> Perceptron:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Perceptron(eta0=eta0, max_iter=epochs, tol=None, random_state=seed).fit(X, y)


def _check_same_decisions(model: SparsePerceptron, clf, X) -> None:
    """The integer model decides as the float one, except where the float score is 0 up to its
    rounding noise (an exact tie in steps when eta0 is not a power of two): there it says 0."""
    decision = clf.decision_function(X)
    tie = np.abs(decision) < 1e-9
    mirror = model.predict_matrix(X)
    assert mirror[~tie].tolist() == (decision[~tie] > 0).astype(int).tolist()
    assert not mirror[tie].any()
    assert np.array_equal(mirror[~tie], clf.predict(X)[~tie])
    for row, features in enumerate(_rows(X.toarray() if sp.issparse(X) else X)):
        assert model.predict(features) == mirror[row]


def _check_exact_conversion(X, y, seed: int, eta0: float = 1.0) -> None:
    clf = _fit(X, y, seed, eta0=eta0)
    steps, intercept = clf.coef_[0] / eta0, clf.intercept_[0] / eta0
    # With binary features every step is +-eta0: the float weights are whole numbers of steps.
    assert np.abs(steps - np.rint(steps)).max() < 1e-9

    model = SparsePerceptron.from_sklearn(clf)
    assert model.weights.tolist() == np.rint(steps).astype(int).tolist()
    assert model.learning_rate == 1
    if not sp.issparse(X):
        # Dense input: the intercept moves by eta0 too, and the score is the float one in steps.
        assert model.intercept == round(intercept)
        scores = clf.decision_function(X) / eta0
        for row, features in enumerate(_rows(X)):
            assert model.score(features) == round(scores[row])
    else:
        # Sparse input: scikit-learn moves its intercept by 0.01 * eta0; rounded up, it decides alike.
        assert model.intercept == math.ceil(round(intercept * 100) / 100)
    _check_same_decisions(model, clf, X)


@pytest.mark.parametrize("seed", range(5))
def test_from_sklearn__binary_data_converts_exactly(seed):
    rng = np.random.default_rng(seed)
    X = (rng.random((300, 50)) < 0.15).astype(np.int64)
    y = (X[:, :5].sum(axis=1) + rng.integers(0, 2, 300) > 1).astype(np.int64)
    _check_exact_conversion(X, y, seed)


@pytest.mark.parametrize("eta0", [0.1, 0.5, 3.0])
def test_from_sklearn__any_eta0_converts_to_unit_steps(eta0):
    rng = np.random.default_rng(7)
    X = (rng.random((200, 30)) < 0.2).astype(np.int64)
    y = (X[:, :4].sum(axis=1) + rng.integers(0, 2, 200) > 1).astype(np.int64)
    _check_exact_conversion(X, y, seed=3, eta0=eta0)


@pytest.mark.parametrize("seed", range(3))
def test_from_sklearn__sparse_fit_keeps_every_decision(seed):
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix((rng.random((300, 50)) < 0.15).astype(np.int64))
    y = (np.asarray(X[:, :5].sum(axis=1)).ravel() + rng.integers(0, 2, 300) > 1).astype(np.int64)
    _check_exact_conversion(X, y, seed)


@settings(max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(4, 80),
    columns=st.integers(1, 30),
    density=st.floats(0.05, 0.6),
)
def test_from_sklearn__random_binary_data_converts_exactly(seed, rows, columns, density):
    rng = np.random.default_rng(seed)
    X = (rng.random((rows, columns)) < density).astype(np.int64)
    y = np.arange(rows) % 2  # both classes present
    rng.shuffle(y)
    _check_exact_conversion(X, y, seed % 2**31)


class _Linear:
    """A fitted linear model stand-in: just the attributes `from_sklearn` reads."""

    def __init__(self, coef, intercept, eta0=1.0):
        self.coef_ = np.array([coef], dtype=float)
        self.intercept_ = np.array([intercept], dtype=float)
        self.eta0 = eta0
        self.classes_ = np.array([0, 1])


@pytest.mark.parametrize(
    ("intercept", "expected"),
    [(0.0, 0), (-0.02, 0), (0.02, 1), (-1.0, -1), (-0.99, 0), (2.0000000000000004, 2), (-3.0000000001, -3)],
)
def test_from_sklearn__intercept_rounds_up_keeping_decisions(intercept, expected):
    model = SparsePerceptron.from_sklearn(_Linear([1.0, -1.0, 2.0], intercept))
    assert model.intercept == expected
    for features in [(), (0,), (1,), (2,), (0, 1), (1, 2), (0, 1, 2)]:
        float_score = intercept + sum([1.0, -1.0, 2.0][i] for i in features)
        assert model.predict(features) == int(float_score > 0), features


def test_from_sklearn__learning_rate_is_one_step():
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    clf = _fit(X, np.array([1, 0, 1, 0]), seed=0, eta0=0.5)
    model = SparsePerceptron.from_sklearn(clf)
    assert model.learning_rate == 1
    assert model.weights.tolist() == np.rint(clf.coef_[0] / 0.5).astype(int).tolist()
    assert SparsePerceptron.from_sklearn(clf, learning_rate=3).learning_rate == 3


def test_from_sklearn__fractional_steps_are_refused_with_what_to_do():
    with pytest.raises(ModelDoesNotFit, match="not a whole number of steps.*scale="):
        SparsePerceptron.from_sklearn(_Linear([1.0, 0.5], 0.0))
    with pytest.raises(ModelDoesNotFit, match="not a whole number of steps"):
        SparsePerceptron.from_sklearn(_Linear([3.0, 1.0], 0.0, eta0=2.0))


@pytest.mark.parametrize("weight", [32_768.0, -32_769.0, 1e6])
def test_from_sklearn__weights_beyond_int16_are_refused_with_a_scale(weight):
    with pytest.raises(ModelDoesNotFit, match=r"beyond int16 .*scale=") as info:
        SparsePerceptron.from_sklearn(_Linear([weight, 1.0], 0.0))
    suggested = float(str(info.value).split("scale=")[1].split(" ")[0])
    quantised = SparsePerceptron.from_sklearn(_Linear([weight, 1.0], 0.0), scale=suggested)
    assert abs(int(quantised.weights[0])) <= INT16_MAX


@pytest.mark.parametrize("weight", [32_767.0, -32_768.0])
def test_from_sklearn__weights_at_int16_bounds_fit(weight):
    assert SparsePerceptron.from_sklearn(_Linear([weight], 0.0)).weights.tolist() == [int(weight)]


def test_from_sklearn__scale_quantises():
    clf = _Linear([0.26, -1.5, 0.74, 0.0], 0.013, eta0=0.01)
    model = SparsePerceptron.from_sklearn(clf, scale=10)
    assert model.weights.tolist() == [3, -15, 7, 0]  # rint(coef * 10), ties to even
    assert model.intercept == 1  # ceil(0.13)
    assert model.learning_rate == 1  # max(1, rint(eta0 * scale)) = max(1, 0)
    assert SparsePerceptron.from_sklearn(clf, scale=1000).learning_rate == 10
    assert SparsePerceptron.from_sklearn(clf, scale=10, learning_rate=5).learning_rate == 5


@pytest.mark.parametrize("scale", [0, -1.0, float("inf"), float("nan")])
def test_from_sklearn__bad_scale_is_refused(scale):
    with pytest.raises(ModelDoesNotFit, match="scale"):
        SparsePerceptron.from_sklearn(_Linear([1.0], 0.0), scale=scale)


@pytest.mark.parametrize("rate", [0, INT16_MAX + 1])
def test_from_sklearn__learning_rate_out_of_range_is_refused(rate):
    with pytest.raises(ModelDoesNotFit, match="learning rate"):
        SparsePerceptron.from_sklearn(_Linear([1.0], 0.0), learning_rate=rate)


def test_from_sklearn__rejects_labels_other_than_zero_and_one():
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="classes 0 and 1"):
        SparsePerceptron.from_sklearn(_fit(X, np.array([1, -1, 1, -1]), seed=0))


def test_from_sklearn__rejects_multiclass_models():
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match=r"shape \(1, n\)"):
        SparsePerceptron.from_sklearn(_fit(X, np.array([0, 1, 2, 0]), seed=0))


# -- SparsePerceptron32: the prediction market's int32 fixed-point variant -------------------


def test_perceptron32__known_layout():
    weights = [3 * ONE, -2 * ONE, ONE, 0, -ONE, 2 * ONE, 0, 5, -5, ONE]
    model = SparsePerceptron32(np.array(weights), intercept=-ONE)
    lane = lambda v, i: (v & 0xFFFF_FFFF) << (32 * i)  # noqa: E731
    assert model.learning_rate == ONE
    assert model.word_count == 2
    assert model.packed_words() == [sum(lane(w, i) for i, w in enumerate(weights[:8])), lane(-5, 0) | lane(ONE, 1)]
    again = SparsePerceptron32.from_words(model.packed_words(), 10, -ONE, ONE)
    assert again.weights.tolist() == weights
    assert type(again.copy()) is SparsePerceptron32


@pytest.mark.parametrize(("weight", "after"), [(INT32_MAX, INT32_MAX), (INT32_MAX - ONE, INT32_MAX), (0, ONE)])
def test_perceptron32__update_saturates_at_int32(weight, after):
    model = SparsePerceptron32(np.array([weight, 0]), intercept=-(2**40))
    assert model.update((0,), 1)
    assert model.weights.tolist() == [after, 0]
    assert model.intercept == -(2**40) + ONE


@pytest.mark.parametrize("rate", [0, INT32_MAX + 1])
def test_perceptron32__learning_rate_out_of_range_raises(rate):
    with pytest.raises(errors.LearningRateOutOfRange):
        SparsePerceptron32(np.zeros(2, dtype=np.int64), learning_rate=rate)
    assert SparsePerceptron32(np.zeros(2, dtype=np.int64), learning_rate=INT32_MAX).learning_rate == INT32_MAX


def test_perceptron32__weight_outside_int32_raises():
    with pytest.raises(ModelDoesNotFit, match="int32"):
        SparsePerceptron32(np.array([0, INT32_MAX + 1]))


def test_perceptron32__from_sklearn_is_fixed_point():
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    clf = _fit(X, np.array([1, 0, 1, 0]), seed=0, eta0=0.5)
    model = SparsePerceptron32.from_sklearn(clf)
    assert model.learning_rate == ONE // 2
    assert model.weights.tolist() == np.rint(clf.coef_[0] * ONE).astype(int).tolist()
    assert model.intercept == round(clf.intercept_[0] * ONE)
