"""Mirror of ``contracts/models/DensePerceptron.sol``: a binary Perceptron over dense features.

Features are every feature's fixed-point value (scale ``ONE``), ``|x| <= 100 * ONE``, sent as
``collabml.encoding.pack_dense`` bytes. Weights are int32 fixed point, the intercept int64.

- ``score = intercept * ONE + sum_i w_i * x_i`` exactly (scale ``ONE**2``, no division, so no
  rounding); class 1 iff ``score > 0``.
- When the prediction differs from the label, with ``s = +1`` for label 1 and ``-1`` for label 0:
  ``w_i += s * evm_div(learning_rate * x_i, ONE)`` (truncated toward zero, as ``sdiv``) and
  ``intercept += s * learning_rate``, saturating at the int32 / int64 bounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from collabml import errors
from collabml.encoding import DENSE_VALUE_BYTES, pack_dense, unpack_dense
from collabml.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    LANES_PER_WORD,
    ONE,
    evm_div,
    pack_int32,
    saturate,
    to_fixed,
    unpack_int32,
)

MAX_FEATURE_COUNT = 16_384
"""``DensePerceptron._MAX_FEATURE_COUNT``: every weight word is read (and on an update written)
on each call, so the model is capped where an update stays below half of a 30M-gas block."""

MAX_FEATURE_VALUE = 100 * ONE
"""``|x| <= MAX_FEATURE_VALUE`` for every feature value (100 in real units)."""


def validate_dense(values: Sequence[int], feature_count: int) -> None:
    """Raise the contract's error for dense features it would reject, in the contract's order:
    ``FeaturesMalformed(byte length)`` unless there are exactly ``feature_count`` values, then
    ``FeatureValueOutOfRange(position, value, low, high)`` for the first value out of bounds."""
    if len(values) != feature_count:
        raise errors.FeaturesMalformed(len(values) * DENSE_VALUE_BYTES)
    for position, value in enumerate(values):
        if not -MAX_FEATURE_VALUE <= int(value) <= MAX_FEATURE_VALUE:
            raise errors.FeatureValueOutOfRange(position, int(value), -MAX_FEATURE_VALUE, MAX_FEATURE_VALUE)


def to_dense_features(X, *, clip: bool = True) -> np.ndarray:
    """Real-valued rows (or one row) as the contracts' fixed-point values: ``rint(x * ONE)`` (ties
    to even), clipped to ``[-100 * ONE, 100 * ONE]`` when ``clip`` (else out-of-range values are
    kept, and the contract would reject them). Standardise features first (e.g.
    ``StandardScaler``): real values should be of order 1."""
    data = np.asarray(X, dtype=np.float64)
    if not np.isfinite(data).all():
        raise ValueError("features contain NaN or infinity; impute them before encoding")
    fixed = np.rint(data * ONE)
    if clip:
        fixed = np.clip(fixed, -MAX_FEATURE_VALUE, MAX_FEATURE_VALUE)
    elif np.abs(fixed).max(initial=0) > INT32_MAX:
        raise ValueError("a value does not fit int32 fixed point; scale the features down")
    return fixed.astype(np.int64)


def exact_dot(X: np.ndarray, W: np.ndarray, offset: np.ndarray | int = 0) -> np.ndarray:
    """``X @ W + offset`` over integers, exactly: in int64 when no partial sum can reach 2**63,
    else with Python integers (object arrays)."""
    X = np.asarray(X, dtype=np.int64)
    W = np.asarray(W, dtype=np.int64)
    offset_array = np.asarray(offset, dtype=object)
    bound = (
        int(np.abs(X).max(initial=0)) * int(np.abs(W).max(initial=0)) * max(X.shape[-1], 1)
        + max((abs(int(v)) for v in offset_array.ravel()), default=0)
    )
    if bound < 2**62:
        return X @ W + np.asarray(offset, dtype=np.int64)
    return X.astype(object) @ W.astype(object) + offset_array


@dataclass
class DensePerceptron:
    """A binary Perceptron over dense fixed-point features, as the contract computes it."""

    weights: np.ndarray
    intercept: int = 0
    learning_rate: int = ONE
    feature_count: int = field(init=False)

    CONTRACT = "DensePerceptron"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``DensePerceptronDRT``."""
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
        self.intercept = int(self.intercept)
        self.learning_rate = int(self.learning_rate)

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, learning_rate: int = ONE, intercept: int = 0) -> DensePerceptron:
        return cls(np.zeros(feature_count, dtype=np.int64), intercept, learning_rate)

    @classmethod
    def from_sklearn(cls, clf, learning_rate: int | None = None) -> DensePerceptron:
        """Convert a fitted binary ``sklearn.linear_model.Perceptron`` (or any linear model with
        ``coef_`` of shape (1, n) and ``intercept_``), fit on labels 0/1 and on features in real
        units (the contract takes ``to_dense_features`` of them): ``w = rint(coef_ * ONE)``,
        ``b = round(intercept_ * ONE)``; ``learning_rate`` defaults to ``eta0`` in fixed point."""
        coef = np.asarray(clf.coef_, dtype=float)
        if coef.ndim != 2 or coef.shape[0] != 1:
            raise ValueError(f"expected a binary model with coef_ of shape (1, n), got {coef.shape}")
        if list(getattr(clf, "classes_", [0, 1])) != [0, 1]:
            raise ValueError("the on-chain Perceptron predicts classes 0 and 1; fit it on labels 0/1")
        weights = np.rint(coef[0] * ONE)
        if np.abs(weights).max(initial=0) > INT32_MAX:
            raise ValueError("a weight does not fit int32 fixed point (|w| > 2,147); rescale the features")
        if learning_rate is None:
            learning_rate = to_fixed(float(getattr(clf, "eta0", 1.0)))
        return cls(weights.astype(np.int64), to_fixed(float(np.ravel(clf.intercept_)[0])), learning_rate)

    @classmethod
    def from_words(
        cls, words: Iterable[int], feature_count: int, intercept: int, learning_rate: int
    ) -> DensePerceptron:
        """Rebuild the model from the packed weight words read off a contract."""
        return cls(np.array(unpack_int32(words, feature_count), dtype=np.int64), intercept, learning_rate)

    @classmethod
    def from_views(cls, words: Sequence[int], call) -> DensePerceptron:
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        return cls.from_words(words, int(call("featureCount")), int(call("intercept")), int(call("learningRate")))

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: every value a big-endian ``int32``."""
        return pack_dense([int(v) for v in features])

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_dense(data)

    def constructor_args(self) -> tuple[int, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, self.learning_rate, self.intercept)

    def copy(self) -> DensePerceptron:
        return DensePerceptron(self.weights.copy(), self.intercept, self.learning_rate)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        return (self.feature_count + LANES_PER_WORD - 1) // LANES_PER_WORD

    def packed_words(self) -> list[int]:
        """The weights as ``loadModel`` takes them: eight int32 lanes per word."""
        return pack_int32([int(w) for w in self.weights])

    # ---- the contract's arithmetic ----
    def score(self, features: Sequence[int]) -> int:
        """``score(bytes)``: ``intercept * ONE + sum_i w_i * x_i``, exact (scale ONE**2)."""
        validate_dense(features, self.feature_count)
        return self.intercept * ONE + sum(int(w) * int(x) for w, x in zip(self.weights, features))

    def predict(self, features: Sequence[int]) -> int:
        """``predict(bytes)``: class 1 iff the score is positive."""
        return 1 if self.score(features) > 0 else 0

    def update(self, features: Sequence[int], label: int) -> bool:
        """``_train``: learn from one example; returns whether the model was wrong (and stepped)."""
        if label not in (0, 1):
            raise errors.LabelOutOfRange(label, 2)
        if self.predict(features) == label:
            return False
        sign = 1 if label == 1 else -1
        for i, x in enumerate(features):
            # sign * (lr * x / ONE) == (sign * lr) * x / ONE: truncation toward zero is symmetric.
            delta = evm_div(sign * self.learning_rate * int(x), ONE)
            self.weights[i] = saturate(int(self.weights[i]) + delta, INT32_MIN, INT32_MAX)
        self.intercept = saturate(self.intercept + sign * self.learning_rate, INT64_MIN, INT64_MAX)
        return True

    # ---- fast batch prediction (same integers, vectorised) ----
    def score_matrix(self, X) -> np.ndarray:
        """Exact scores of the rows of an integer (n, feature_count) matrix of fixed-point values
        (no validation: see ``validate_dense``)."""
        return exact_dot(X, self.weights, self.intercept * ONE)

    def predict_matrix(self, X) -> np.ndarray:
        """Predictions for the rows of an integer (n, feature_count) matrix of fixed-point values."""
        return (self.score_matrix(X) > 0).astype(np.int64)

    def fit_online(self, X, y, epochs: int = 1) -> int:
        """``update`` on every row in order (as contributions would arrive), ``epochs`` times;
        returns the number of updates. Vectorised per row but the same integers."""
        X = np.asarray(X, dtype=np.int64)
        updates = 0
        for _ in range(epochs):
            for row, label in zip(X, np.asarray(y)):
                updates += self.update(row.tolist(), int(label))
        return updates
