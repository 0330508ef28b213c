"""collabml.models.naive_bayes: the mirror of NaiveBayes.sol, off chain.

Known-value tables computed by hand (scores as logarithms of hand-reduced fractions, ties, classes
without documents, updates, the word layout), the contract's checks and their order, Hypothesis
properties against an exact 120-digit decimal reference and against scikit-learn's `partial_fit`,
and the measured agreement with float scikit-learn on IMDB and digits.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.naive_bayes import MultinomialNB

from collabml import errors
from collabml.data import DataNotFoundError
from collabml.encoding import pack_counts
from collabml.fixedpoint import ONE
from collabml.fixedpoint_math import LN_ONE
from collabml.models import NaiveBayes
from collabml.models.naive_bayes import (
    MAX_ALPHA,
    MAX_CLASS_COUNT,
    MAX_COUNT,
    MAX_DOCUMENT_COUNT,
    MAX_FEATURE_COUNT,
    MAX_VALUE,
    NO_SCORE,
    class_products,
    square,
)

FUZZ = settings(max_examples=300, deadline=None)

# ---- a hand-made model ----
# 3 features, 2 classes, alpha = 1: class 0 has 2 documents and counts (1, 0, 2), N_0 = 3;
# class 1 has 3 documents and counts (0, 3, 1), N_1 = 4. V = 3, so N_c + alpha V = 6 and 7.
SMALL = NaiveBayes(np.array([[1, 0, 2], [0, 3, 1]]), [2, 3], ONE)


def exact_score(model: NaiveBayes, features, c: int) -> Decimal:
    """The real score times 1e18, to 120 digits: ln D_c + sum x_i ln(n_ci + a) - |x| ln(N_c + a V)."""
    alpha = Fraction(model.alpha, ONE)
    with localcontext() as context:
        context.prec = 120

        def ln(q: Fraction) -> Decimal:
            return Decimal(q.numerator).ln() - Decimal(q.denominator).ln()

        total = sum(x for _, x in features)
        score = ln(Fraction(model.document_counts[c]))
        for index, x in features:
            score += x * ln(int(model.counts[c, index]) + alpha)
        score -= total * ln(model.totals[c] + alpha * model.feature_count)
        return score * LN_ONE


def assert_close_to_exact(model: NaiveBayes, features, scores) -> None:
    """Each score is within |x| + 2 units (1e-18) of the exact one: one floored logarithm of the
    product, and |x| times one floored logarithm of the smoothed total."""
    total = sum(x for _, x in features)
    for c, score in enumerate(scores):
        if model.document_counts[c] == 0:
            assert score == NO_SCORE
        else:
            assert abs(Decimal(score) - exact_score(model, features, c)) <= total + 2


# ---- known values ----
@pytest.mark.parametrize(
    "features, fractions, label",
    [
        ((), (Fraction(2), Fraction(3)), 1),  # the priors alone: D = (2, 3)
        (((0, 1),), (Fraction(2 * 2, 6), Fraction(3 * 1, 7)), 0),  # 2/3 > 3/7
        (((1, 2),), (Fraction(2 * 1, 36), Fraction(3 * 16, 49)), 1),  # 1/18 < 48/49
        (((0, 1), (2, 1)), (Fraction(2 * 2 * 3, 36), Fraction(3 * 1 * 2, 49)), 0),  # 1/3 > 6/49
        (((2, 3),), (Fraction(2 * 27, 216), Fraction(3 * 8, 343)), 0),  # a count of 3: 1/4 > 24/343
        (((0, 2), (1, 1), (2, 5)), (Fraction(2 * 4 * 1 * 243, 6**8), Fraction(3 * 1 * 4 * 32, 7**8)), 0),
    ],
)
def test_scores__hand_computed(features, fractions, label):
    """Each class's score is ln of a fraction reduced by hand from the formula."""
    scores = SMALL.scores(features)
    with localcontext() as context:
        context.prec = 120
        for score, q in zip(scores, fractions):
            exact = (Decimal(q.numerator).ln() - Decimal(q.denominator).ln()) * LN_ONE
            assert abs(Decimal(score) - exact) <= sum(x for _, x in features) + 2
    assert SMALL.predict(features) == label


def test_scores__priors_alone_are_floored_logarithms():
    """No features: the score is exactly floor(ln D_c * 1e18)."""
    assert SMALL.scores(()) == [693_147_180_559_945_309, 1_098_612_288_668_109_691]


def test_predict__tie_goes_to_the_lowest_class():
    model = NaiveBayes(np.array([[1, 2], [1, 2], [1, 2]]), [4, 4, 4])
    for features in [(), ((0, 1),), ((0, 3), (1, 7))]:
        scores = model.scores(features)
        assert scores[0] == scores[1] == scores[2]
        assert model.predict(features) == 0


def test_predict__classes_without_documents():
    assert NaiveBayes.zeros(3).predict(((0, 1),)) == 0  # nobody has documents: 0
    assert NaiveBayes.zeros(3).scores(((0, 1),)) == [NO_SCORE, NO_SCORE]
    model = NaiveBayes(np.array([[5, 5, 5], [0, 0, 0], [0, 1, 0]]), [9, 0, 1])
    assert model.scores(((1, 1),))[1] == NO_SCORE
    assert model.predict(()) == 0
    assert NaiveBayes(np.zeros((2, 3), dtype=int), [0, 1]).predict(((0, 9),)) == 1


def test_predict__long_inputs_do_not_underflow():
    """65,535 copies of each of 1,000 features (over 65 million tokens): probabilities multiplied in
    fixed point would be 0 for every class; log-space scores still tell the classes apart."""
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 50, size=(2, 1000))
    counts[1, :500] += 40  # class 1 favours the first half
    model = NaiveBayes(counts, [10, 10])
    first_half = tuple((i, MAX_VALUE) for i in range(500))
    second_half = tuple((i, MAX_VALUE) for i in range(500, 1000))
    assert model.predict(first_half) == 1
    assert model.predict(second_half) == 0
    assert_close_to_exact(model, first_half, model.scores(first_half))


def test_update__always_learns():
    model = SMALL.copy()
    assert SMALL.predict(((0, 1),)) == 0
    assert model.update(((0, 1), (2, 4)), 0)  # the model agreed: it still learns
    assert model.counts.tolist() == [[2, 0, 6], [0, 3, 1]]
    assert model.document_counts == [3, 3]
    assert model.totals == [8, 4]
    assert model.update((), 1)  # no features: one more document
    assert model.document_counts == [3, 4]
    assert model.totals == [8, 4]
    assert SMALL.counts.tolist() == [[1, 0, 2], [0, 3, 1]]  # copies are independent


# ---- layout ----
def test_packed_words__lanes_feature_major():
    """Lane i * K + c holds n_ci; sixteen 16-bit lanes a word: 3 x 2 lanes fit one word."""
    assert SMALL.packed_words() == [1 | 0 << 16 | 0 << 32 | 3 << 48 | 2 << 64 | 1 << 80]
    assert SMALL.word_count == 1
    assert SMALL.constructor_args() == (3, ONE, [2, 3])


def test_packed_words__two_classes_eight_features_a_word():
    """Two classes: feature i's pair of lanes is bits 32 (i % 8) .. 32 (i % 8) + 31 of word i // 8."""
    counts = np.array([[10 * i for i in range(17)], [10 * i + 1 for i in range(17)]])
    model = NaiveBayes(counts, [1, 1])
    words = model.packed_words()
    assert len(words) == model.word_count == 3
    for i in range(17):
        pair = (words[i // 8] >> (32 * (i % 8))) & 0xFFFFFFFF
        assert (pair & 0xFFFF, pair >> 16) == (10 * i, 10 * i + 1)
    assert words[2] >> 32 == 0  # padding lanes are zero


def test_packed_words__ten_classes_span_words():
    counts = np.arange(30).reshape(3, 10).T  # 10 classes, 3 features: n_ci = 10i + c, its own lane
    model = NaiveBayes(counts, [1] * 10)
    lanes = list(range(30))
    words = model.packed_words()
    assert len(words) == model.word_count == 2  # feature 1's lanes 10..19 straddle words 0 and 1
    assert [(words[lane // 16] >> (16 * (lane % 16))) & 0xFFFF for lane in range(30)] == lanes
    assert words[1] >> (16 * 14) == 0  # padding lanes are zero


def test_counts__bound_is_a_uint16_lane():
    """n_ci is a 16-bit lane: 65,535 loads, 65,536 is refused (a model that large must not be deployed)."""
    assert MAX_COUNT == 2**16 - 1
    assert NaiveBayes(np.array([[MAX_COUNT, 0], [0, 0]]), [1, 1]).packed_words() == [MAX_COUNT]
    with pytest.raises(ValueError, match="65535"):
        NaiveBayes(np.array([[MAX_COUNT + 1, 0], [0, 0]]), [1, 1])


@FUZZ
@given(data=st.data())
def test_words__round_trip(data):
    classes = data.draw(st.integers(2, 12))
    features = data.draw(st.integers(1, 20))
    counts = np.array(
        data.draw(st.lists(st.integers(0, MAX_COUNT), min_size=classes * features, max_size=classes * features))
    )
    documents = data.draw(st.lists(st.integers(0, MAX_DOCUMENT_COUNT), min_size=classes, max_size=classes))
    model = NaiveBayes(counts.reshape(classes, features), documents, data.draw(st.integers(1, MAX_ALPHA)))
    again = NaiveBayes.from_words(model.packed_words(), features, classes, model.alpha, documents)
    assert np.array_equal(again.counts, model.counts)
    assert again.totals == model.totals


# ---- the floating product ----
@FUZZ
@given(m=st.integers(1, 2**192 - 1), e=st.integers(0, 2**40))
def test_square__keeps_the_top_128_bits(m, e):
    """Squaring keeps the top 128 bits of m (truncating), so it is short by less than 2^-126 of the
    exact square, and the result is below 2^192 again."""
    m2, e2 = square(m, e)
    assert 1 <= m2 < 2**192 and e2 >= 2 * e
    exact = m * m  # times 2^(2e)
    approx = m2 << (e2 - 2 * e)
    assert approx <= exact
    assert (exact - approx) * 2**126 < exact
    if m < 2**96:
        assert (m2, e2) == (m * m, 2 * e)  # small mantissas square exactly


def test_class_products__binary_data_is_one_product_after_another():
    """All counts 1: m = D_c, then m *= f for each feature, shifted right by 64 bits at 2^192."""
    factors = [[2**40 + 3, 5], [2**41 - 1, 7], [2**40, 9], [2**39 + 1, 11], [2**40 + 17, 13]]
    mantissas, exponents = class_products([2**63, 3], factors, [1] * 5)
    m, e = 2**63, 0
    for row in factors:
        m *= row[0]
        if m >= 2**192:
            m, e = m >> 64, e + 64
    assert (mantissas[0], exponents[0]) == (m, e)
    assert e == 128  # shifted twice
    assert (mantissas[1], exponents[1]) == (3 * 5 * 7 * 9 * 11 * 13, 0)


def test_class_products__horner_over_the_bits():
    """Counts (3, 2): top bit 1; bit 1: f0 * f1; bit 0: square, times D, times f0. Exact while small."""
    mantissas, exponents = class_products([5, 0], [[3, 4], [7, 8]], [3, 2])
    assert (mantissas, exponents) == ([(3 * 7) ** 2 * 5 * 3, 0], [0, 0])  # a class without documents stays 0
    assert mantissas[0] == 5 * 3**3 * 7**2


@FUZZ
@given(data=st.data())
def test_class_products__within_x_plus_one_times_two_to_the_minus_125(data):
    """Every shift truncates, and a squaring doubles the relative error so far: the product is short by
    less than (|x| + 1) * 2^-125 of the exact one (far below the logarithm's 1e-18)."""
    pairs = data.draw(st.integers(0, 5))
    counts = data.draw(st.lists(st.integers(1, 300), min_size=pairs, max_size=pairs))
    factors = data.draw(st.lists(st.tuples(st.integers(1, 2**41 - 1)), min_size=pairs, max_size=pairs))
    document_count = data.draw(st.integers(1, 2**64 - 1))
    (m,), (e,) = class_products([document_count], [list(f) for f in factors], counts)
    assert 1 <= m < 2**192 and e >= 0
    exact = document_count
    for (f,), x in zip(factors, counts):
        exact *= f**x
    approx = m << e
    assert approx <= exact
    assert (exact - approx) * 2**125 < (sum(counts) + 1) * exact


def test_class_products__largest_count():
    f, x = 2**41 - 1, MAX_VALUE
    (m,), (e,) = class_products([1], [[f]], [x])
    exact = f**x
    assert m << e <= exact and ((exact - (m << e)) << 125) < (x + 1) * exact


# ---- against the exact reference ----
@st.composite
def models_and_features(draw, max_value=MAX_VALUE):
    classes = draw(st.integers(2, 5))
    features = draw(st.integers(1, 8))
    counts = np.array(
        draw(st.lists(st.integers(0, 5_000), min_size=classes * features, max_size=classes * features))
    ).reshape(classes, features)
    documents = draw(st.lists(st.integers(0, 300), min_size=classes, max_size=classes))
    model = NaiveBayes(counts, documents, draw(st.integers(1, 10**7)))
    indices = sorted(draw(st.sets(st.integers(0, features - 1))))
    pairs = tuple((i, draw(st.integers(1, max_value))) for i in indices)
    return model, pairs


@FUZZ
@given(case=models_and_features())
def test_scores__close_to_exact(case):
    model, features = case
    assert_close_to_exact(model, features, model.scores(features))


@FUZZ
@given(case=models_and_features(max_value=3))
def test_predict__exact_argmax_unless_nearly_tied(case):
    """The prediction is the exact argmax wherever the best two exact scores differ by more than the
    error bound (and the first of the exactly tied classes otherwise, as numpy's argmax)."""
    model, features = case
    exact = [exact_score(model, features, c) if model.document_counts[c] else None for c in range(model.class_count)]
    valid = [c for c, s in enumerate(exact) if s is not None]
    predicted = model.predict(features)
    if not valid:
        assert predicted == 0
        return
    best = max(exact[c] for c in valid)
    bound = 2 * (sum(x for _, x in features) + 2)
    assert exact[predicted] is not None and best - exact[predicted] <= bound


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_update__equals_sklearn_partial_fit(data):
    """Learning example by example gives scikit-learn's counts after partial_fit on the same examples,
    and the same predictions (scores within 1e-9 of its joint log likelihood + ln sum D)."""
    classes = data.draw(st.integers(2, 4))
    features = data.draw(st.integers(1, 10))
    rows = data.draw(
        st.lists(
            st.tuples(st.lists(st.integers(0, 20), min_size=features, max_size=features), st.integers(0, classes - 1)),
            min_size=1,
            max_size=15,
        )
    )
    X = np.array([r for r, _ in rows])
    y = np.array([label for _, label in rows])
    model = NaiveBayes.zeros(features, classes)
    for row, label in rows:
        model.update(NaiveBayes.pairs_from_row(row), label)
    clf = MultinomialNB()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y, classes=np.arange(classes))
    assert model.counts.tolist() == clf.feature_count_.astype(int).tolist()
    assert model.document_counts == clf.class_count_.astype(int).tolist()
    seen = [c for c in range(classes) if model.document_counts[c]]
    tests = np.array(
        data.draw(st.lists(st.lists(st.integers(0, 5), min_size=features, max_size=features), min_size=1, max_size=5))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = clf.predict_joint_log_proba(tests) + np.log(clf.class_count_.sum())
    for row, expected in zip(tests, reference):
        scores = model.scores(NaiveBayes.pairs_from_row(row))
        for c in seen:
            assert abs(scores[c] / LN_ONE - expected[c]) < 1e-9


# ---- conversion from scikit-learn ----
def test_from_sklearn__exact_counts():
    X = np.array([[2, 0, 1], [0, 3, 0], [1, 1, 1], [0, 0, 4]])
    y = np.array([0, 1, 0, 2])
    clf = MultinomialNB(alpha=0.5).fit(X, y)
    model = NaiveBayes.from_sklearn(clf)
    assert model.counts.tolist() == [[3, 1, 2], [0, 3, 0], [0, 0, 4]]
    assert model.document_counts == [2, 1, 1]
    assert model.alpha == 500_000
    assert NaiveBayes.from_sklearn(clf, alpha=7).alpha == 7
    assert model.predict_matrix(X).tolist() == clf.predict(X).tolist()


def test_from_sklearn__weighted_counts_refused():
    clf = MultinomialNB().fit(np.array([[1, 0], [0, 1]]), [0, 1], sample_weight=[0.5, 1.0])
    with pytest.raises(ValueError, match="integer counts"):
        NaiveBayes.from_sklearn(clf)


def test_from_sklearn__labels_must_be_0_to_k():
    clf = MultinomialNB().fit(np.array([[1, 0], [0, 1]]), [1, 2])
    with pytest.raises(ValueError, match="0 .. K-1"):
        NaiveBayes.from_sklearn(clf)


# ---- the contract's checks, in its order ----
@pytest.mark.parametrize(
    "features, error",
    [
        (((0, 1), (0, 1)), errors.FeaturesNotSorted(1, 0, 0)),
        (((2, 1), (1, 1)), errors.FeaturesNotSorted(1, 2, 1)),
        (((1, 0), (0, 1)), errors.FeatureValueOutOfRange(0, 0, 1, MAX_VALUE)),  # the zero first
        (((1, 1), (0, 0)), errors.FeaturesNotSorted(1, 1, 0)),  # order before value
        (((3, 1),), errors.FeatureOutOfRange(3, 3)),
        (((3, 0),), errors.FeatureOutOfRange(3, 3)),  # range before value
        (((0, 1), (2, 0)), errors.FeatureValueOutOfRange(1, 0, 1, MAX_VALUE)),
    ],
)
def test_checks__order(features, error):
    for call in (lambda: SMALL.predict(features), lambda: SMALL.copy().update(features, 0)):
        with pytest.raises(type(error)) as raised:
            call()
        assert raised.value.args == error.args


def test_update__label_out_of_range():
    with pytest.raises(errors.LabelOutOfRange) as raised:
        SMALL.copy().update(((0, 1),), 2)
    assert raised.value.args == (2, 2)


def test_update__count_overflow_after_earlier_checks():
    model = NaiveBayes(np.array([[MAX_COUNT - 5, 0, 0], [0, 0, 0]]), [1, 1])
    model.update(((0, 5),), 0)  # exactly the maximum
    assert model.counts[0, 0] == MAX_COUNT
    with pytest.raises(errors.CountOverflow) as raised:
        model.copy().update(((0, 1),), 0)
    assert raised.value.args == (0, 0, MAX_COUNT + 1, MAX_COUNT)
    with pytest.raises(errors.FeaturesNotSorted):  # the feature checks of a pair come first
        model.copy().update(((1, 1), (0, 1), (0, 1)), 0)
    with pytest.raises(errors.CountOverflow):  # an overflow at position 0 beats a bad pair later
        model.copy().update(((0, 1), (5, 1)), 0)
    model.update(((1, 3),), 1)  # the other class has room
    full_last = NaiveBayes(np.array([[0, 0, MAX_COUNT], [0, 0, 0]]), [1, 1])
    with pytest.raises(errors.CountOverflow) as raised:
        full_last.update(((1, 3), (2, 1)), 0)
    assert raised.value.args == (0, 2, MAX_COUNT + 1, MAX_COUNT)
    assert full_last.counts.tolist() == [[0, 0, MAX_COUNT], [0, 0, 0]]  # nothing changed
    assert full_last.document_counts == [1, 1] and full_last.totals == [MAX_COUNT, 0]


def test_bounds__fit_the_class_blocks():
    """A class block is D_c in 27 bits and N_c in 32: the largest document count fills the first and
    the largest total (every lane of the largest model full) fits the second; two blocks and the
    ready bit fit the 120-bit model field of the trainer's hot word."""
    assert MAX_DOCUMENT_COUNT == 2**27 - 1
    assert MAX_FEATURE_COUNT * MAX_COUNT < 2**32
    assert 2 * (27 + 32) + 1 <= 120


def test_update__document_count_overflow():
    model = NaiveBayes(np.zeros((2, 2), dtype=int), [MAX_DOCUMENT_COUNT, 0])
    with pytest.raises(errors.DocumentCountOverflow) as raised:
        model.update(((0, 1),), 0)
    assert raised.value.args == (0, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT)
    assert model.counts[0, 0] == 0
    with pytest.raises(errors.CountOverflow):  # the features come first
        NaiveBayes(np.array([[MAX_COUNT, 0], [0, 0]]), [MAX_DOCUMENT_COUNT, 0]).update(((0, 1),), 0)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"counts": np.zeros((2, 0))}, errors.FeatureCountOutOfRange(0, MAX_FEATURE_COUNT)),
        ({"counts": np.zeros((1, 3)), "document_counts": [1]}, errors.ClassCountOutOfRange(1, MAX_CLASS_COUNT)),
        ({"counts": np.zeros((33, 3)), "document_counts": [1] * 33}, errors.ClassCountOutOfRange(33, MAX_CLASS_COUNT)),
        ({"alpha": 0}, errors.AlphaOutOfRange(0, MAX_ALPHA)),
        ({"alpha": MAX_ALPHA + 1}, errors.AlphaOutOfRange(MAX_ALPHA + 1, MAX_ALPHA)),
        (
            {"document_counts": [0, MAX_DOCUMENT_COUNT + 1]},
            errors.DocumentCountOverflow(1, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT),
        ),
    ],
)
def test_constructor__bounds(kwargs, error):
    args = {"counts": np.zeros((2, 3)), "document_counts": [1, 1], "alpha": ONE} | kwargs
    with pytest.raises(type(error)) as raised:
        NaiveBayes(**args)
    assert raised.value.args == error.args


def test_pack__counts_format():
    assert NaiveBayes.pack(((1, 2), (258, 1))) == pack_counts([(1, 2), (258, 1)]) == bytes.fromhex("0001000201020001")
    assert NaiveBayes.unpack(bytes.fromhex("0001000201020001")) == ((1, 2), (258, 1))
    assert NaiveBayes.pairs_from_indices([3, 7]) == ((3, 1), (7, 1))
    assert NaiveBayes.pairs_from_row(np.array([0, 2, 0, 5])) == ((1, 2), (3, 5))
    assert NaiveBayes.pairs_from_row(sp.csr_matrix(np.array([[0, 2, 0, 5]]))) == ((1, 2), (3, 5))


# ---- measured agreement with float scikit-learn ----
def test_sklearn__agreement_imdb():
    """IMDB, 2,500 / 2,500, 1,000 binary words, alpha 1: measured 2,500 of 2,500 predictions equal to
    float MultinomialNB's, accuracy 0.832 both; scores within 2e-12 of its joint log likelihood
    (+ ln sum D). A float near-tie (within ~1e-12) could flip a prediction, so 0.2% is allowed."""
    from collabml.data import load_imdb
    from collabml.encoding import TextEncoder

    try:
        train, test = load_imdb("train"), load_imdb("test")
    except DataNotFoundError as missing:
        pytest.skip(str(missing))
    encoder = TextEncoder.fit(train.texts, 1000)
    X_train, X_test = encoder.to_matrix(train.texts), encoder.to_matrix(test.texts)
    clf = MultinomialNB().fit(X_train, train.labels)
    model = NaiveBayes.from_sklearn(clf)
    ours, theirs = model.predict_matrix(X_test), clf.predict(X_test)
    labels = np.asarray(test.labels)
    assert (ours == theirs).mean() >= 0.998
    assert abs((ours == labels).mean() - (theirs == labels).mean()) <= 0.01
    assert (ours == labels).mean() > 0.82
    scores = np.array(model.scores_matrix(X_test[:300]), dtype=float) / LN_ONE
    reference = clf.predict_joint_log_proba(X_test[:300]) + np.log(clf.class_count_.sum())
    assert np.abs(scores - reference).max() < 1e-9
    rows = [NaiveBayes.pairs_from_indices(r) for r in encoder.encode_many(test.texts[:100])]
    assert [model.predict(r) for r in rows] == ours[:100].tolist()


def test_sklearn__agreement_digits():
    """Digits, the first 1,200 / the remaining 597, pixel values 0..16 as counts, 10 classes: measured
    597 of 597 equal, accuracy 0.8693 both; scores within 2e-12. 0.5% allowed for float near-ties."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data.astype(np.int64), digits.target
    clf = MultinomialNB().fit(X[:1200], y[:1200])
    model = NaiveBayes.from_sklearn(clf)
    ours, theirs = model.predict_matrix(X[1200:]), clf.predict(X[1200:])
    assert (ours == theirs).mean() >= 0.995
    assert abs((ours == y[1200:]).mean() - clf.score(X[1200:], y[1200:])) <= 0.01
    assert (ours == y[1200:]).mean() > 0.85
    scores = np.array(model.scores_matrix(X[1200:]), dtype=float) / LN_ONE
    reference = clf.predict_joint_log_proba(X[1200:]) + np.log(clf.class_count_.sum())
    assert np.abs(scores - reference).max() < 1e-9
