"""Mirror of ``contracts/models/SparsePerceptron.sol``.

Weights are int32 fixed point (scale ``ONE``), the intercept int64; a feature is present or
absent (binary). ``score = intercept + sum(weights[i] for i in features)``, class 1 iff
``score > 0``. When the prediction differs from the label, every present weight and the
intercept move by ``+learning_rate`` (label 1) or ``-learning_rate`` (label 0), saturating at
their type's bounds, exactly as the contract does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from collabml import errors
from collabml.encoding import pack_indices, unpack_indices
from collabml.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    LANES_PER_WORD,
    ONE,
    pack_int32,
    saturate,
    to_fixed,
    unpack_int32,
)

MAX_FEATURE_COUNT = 1 << 16


def validate_features(features: Sequence[int], feature_count: int) -> None:
    """Raise the contract's error for feature indices it would reject (same checks, same order)."""
    next_allowed = 0
    for position, index in enumerate(features):
        if index < next_allowed:
            raise errors.FeaturesNotSorted(position, next_allowed - 1, index)
        if index >= feature_count:
            raise errors.FeatureOutOfRange(index, feature_count)
        next_allowed = index + 1


@dataclass
class SparsePerceptron:
    """A binary Perceptron over sparse binary features, as the contract computes it."""

    weights: np.ndarray
    intercept: int = 0
    learning_rate: int = ONE
    feature_count: int = field(init=False)

    CONTRACT = "SparsePerceptron"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``SparsePerceptronDRT``."""
    class_count = 2

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=np.int64).copy()
        self.feature_count = int(self.weights.shape[0])
        if not 1 <= self.feature_count <= MAX_FEATURE_COUNT:
            raise errors.FeatureCountOutOfRange(self.feature_count, MAX_FEATURE_COUNT)
        if self.weights.min() < INT32_MIN or self.weights.max() > INT32_MAX:
            raise ValueError("weights must fit int32; scale the model down before converting")
        if not 0 < self.learning_rate <= INT32_MAX:
            raise errors.LearningRateOutOfRange(self.learning_rate)
        if not INT64_MIN <= self.intercept <= INT64_MAX:
            raise ValueError("the intercept must fit int64")

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, learning_rate: int = ONE, intercept: int = 0) -> SparsePerceptron:
        return cls(np.zeros(feature_count, dtype=np.int64), intercept, learning_rate)

    @classmethod
    def from_sklearn(cls, clf, learning_rate: int | None = None) -> SparsePerceptron:
        """Convert a fitted binary ``sklearn.linear_model.Perceptron`` (or any linear model with
        ``coef_`` of shape (1, n) and ``intercept_``) to fixed point, rounding to nearest.

        With binary features and ``eta0=1`` (the default) scikit-learn's weights are integers,
        so the conversion is exact. ``learning_rate`` defaults to ``eta0`` in fixed point.
        """
        coef = np.asarray(clf.coef_, dtype=float)
        if coef.ndim != 2 or coef.shape[0] != 1:
            raise ValueError(f"expected a binary model with coef_ of shape (1, n), got {coef.shape}")
        if list(getattr(clf, "classes_", [0, 1])) != [0, 1]:
            raise ValueError("the on-chain Perceptron predicts classes 0 and 1; fit it on labels 0/1")
        weights = np.rint(coef[0] * ONE).astype(np.int64)
        if learning_rate is None:
            learning_rate = to_fixed(float(getattr(clf, "eta0", 1.0)))
        return cls(weights, to_fixed(float(np.ravel(clf.intercept_)[0])), learning_rate)

    @classmethod
    def from_words(
        cls, words: Iterable[int], feature_count: int, intercept: int, learning_rate: int
    ) -> SparsePerceptron:
        """Rebuild the model from the packed weight words read off a contract."""
        return cls(np.array(unpack_int32(words, feature_count), dtype=np.int64), intercept, learning_rate)

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: packed ``uint16`` indices."""
        return pack_indices(features)

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_indices(data)

    @classmethod
    def from_views(cls, words: Sequence[int], call) -> SparsePerceptron:
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        return cls.from_words(words, int(call("featureCount")), int(call("intercept")), int(call("learningRate")))

    def constructor_args(self) -> tuple[int, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, self.learning_rate, self.intercept)

    def copy(self) -> SparsePerceptron:
        return SparsePerceptron(self.weights.copy(), self.intercept, self.learning_rate)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        return (self.feature_count + LANES_PER_WORD - 1) // LANES_PER_WORD

    def packed_words(self) -> list[int]:
        """The weights as ``loadModel`` takes them: eight int32 lanes per word."""
        return pack_int32([int(w) for w in self.weights])

    # ---- the contract's arithmetic ----
    def score(self, features: Sequence[int]) -> int:
        validate_features(features, self.feature_count)
        return int(self.intercept) + int(sum(int(self.weights[i]) for i in features))

    def predict(self, features: Sequence[int]) -> int:
        """``predict(bytes)``: class 1 iff the score is positive."""
        return 1 if self.score(features) > 0 else 0

    def update(self, features: Sequence[int], label: int) -> bool:
        """``_train``: learn from one example; returns whether the weights changed."""
        if label not in (0, 1):
            raise errors.LabelOutOfRange(label, 2)
        if self.predict(features) == label:
            return False
        step = self.learning_rate if label == 1 else -self.learning_rate
        for i in features:
            self.weights[i] = saturate(int(self.weights[i]) + step, INT32_MIN, INT32_MAX)
        self.intercept = saturate(self.intercept + step, INT64_MIN, INT64_MAX)
        return True

    # ---- fast batch prediction (same integers, vectorised) ----
    def predict_matrix(self, X) -> np.ndarray:
        """Predictions for the rows of a binary (n, feature_count) matrix, dense or scipy sparse.

        Exact: the int64 sum of at most 65,536 int32 weights cannot overflow, and it is compared
        with ``-intercept`` as a Python integer (the contract sums in int256).
        """
        sums = np.asarray(X @ self.weights).ravel()
        threshold = -int(self.intercept)  # score > 0  <=>  sum > -intercept
        if threshold >= INT64_MAX:
            return np.zeros(sums.shape, dtype=np.int64)
        if threshold < INT64_MIN:
            return np.ones(sums.shape, dtype=np.int64)
        return (sums > threshold).astype(np.int64)

    def predict_many(self, feature_lists: Iterable[Sequence[int]]) -> np.ndarray:
        return np.array([self.predict(f) for f in feature_lists], dtype=np.int64)
