"""Mirrors of ``contracts/models/SparseMulticlassPerceptron.sol`` and
``DenseMulticlassPerceptron.sol``: multi-class Perceptrons, one linear scorer per class.

- Weights ``W[f, k]`` are int32 fixed point (scale ``ONE``), intercepts ``b[k]`` int64.
- Sparse (binary features, packed ``uint16`` indices): ``score_k = b_k + sum_{f present} W[f, k]``
  (scale ONE). Dense (``featureCount`` int32 fixed-point values, ``|x| <= 100 * ONE``):
  ``score_k = b_k * ONE + sum_f W[f, k] * x_f`` (scale ONE**2). Both exact, no division.
- Prediction: ``argmax_k score_k``, ties to the lowest class (numpy's argmax).
- Update (the classic multi-class Perceptron): when the prediction ``p`` differs from the label
  ``t``, class ``t`` moves towards the example and class ``p`` away from it, other classes
  unchanged: sparse ``W[f, t] += lr``, ``W[f, p] -= lr`` for present ``f``; dense
  ``W[f, t] += q_f``, ``W[f, p] -= q_f`` with ``q_f = evm_div(lr * x_f, ONE)`` (truncated toward
  zero); ``b[t] += lr``, ``b[p] -= lr``; weights saturate at the int32 bounds, intercepts at int64.
- Model words: ``ceil(K / 4)`` intercept words (int64 lane ``k % 4`` of word ``k // 4``), then
  weight words: ``W[f, k]`` is int32 lane ``g % 8`` of weight word ``g // 8``, ``g = f * L + k``,
  ``L = lanes_per_feature(K)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from collabml import errors
from collabml.encoding import pack_dense, pack_indices, unpack_dense, unpack_indices
from collabml.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    ONE,
    UINT256_MAX,
    evm_div,
    pack_int32,
    saturate,
    to_fixed,
    unpack_int32,
)
from collabml.models.dense_perceptron import MAX_FEATURE_VALUE, exact_dot, validate_dense
from collabml.models.perceptron import validate_features

MAX_CLASS_COUNT = 256
"""Labels are ``uint8``."""

MAX_SPARSE_FEATURE_COUNT = 1 << 16
"""Indices are ``uint16``."""

MAX_DENSE_LANES = 16_384
"""``DenseMulticlassPerceptron._MAX_LANES``: ``feature_count * lanes_per_feature`` at most this
(2,048 weight words, every one read on each call)."""

INTERCEPTS_PER_WORD = 4
WEIGHTS_PER_WORD = 8
_INT64_MASK = (1 << 64) - 1


def lanes_per_feature(class_count: int) -> int:
    """Weight lanes per feature: 2, 4 or 8 below 8 classes (a power of two, so a feature's
    weights never straddle a word), else ``class_count``."""
    if class_count >= 8:
        return class_count
    return 8 if class_count > 4 else 4 if class_count > 2 else 2


def intercept_word_count(class_count: int) -> int:
    return (class_count + INTERCEPTS_PER_WORD - 1) // INTERCEPTS_PER_WORD


def model_word_count(feature_count: int, class_count: int) -> int:
    """``modelWordCount()``: intercept words, then ``ceil(feature_count * L / 8)`` weight words."""
    lanes = feature_count * lanes_per_feature(class_count)
    return intercept_word_count(class_count) + (lanes + WEIGHTS_PER_WORD - 1) // WEIGHTS_PER_WORD


def pack_int64(values: Sequence[int]) -> list[int]:
    """Four two's-complement int64 lanes per word, lane ``i % 4`` (bits ``64 * (i % 4)`` up) of
    word ``i // 4``; the last word padded with zero lanes."""
    words: list[int] = []
    for start in range(0, len(values), INTERCEPTS_PER_WORD):
        word = 0
        for lane, v in enumerate(values[start : start + INTERCEPTS_PER_WORD]):
            if not INT64_MIN <= int(v) <= INT64_MAX:
                raise ValueError(f"{v} does not fit int64")
            word |= (int(v) & _INT64_MASK) << (64 * lane)
        words.append(word)
    return words


def unpack_int64(words: Iterable[int], count: int | None = None) -> list[int]:
    """Inverse of :func:`pack_int64`; ``count`` drops the padding lanes."""
    out: list[int] = []
    for word in words:
        if not 0 <= word <= UINT256_MAX:
            raise ValueError(f"{word} is not a 256-bit word")
        for lane in range(INTERCEPTS_PER_WORD):
            raw = (word >> (64 * lane)) & _INT64_MASK
            out.append(raw - (1 << 64) if raw >= 1 << 63 else raw)
    return out if count is None else out[:count]


@dataclass
class _MulticlassPerceptron:
    """What both variants share: state, layout, argmax and the update's bookkeeping."""

    weights: np.ndarray
    """int32 fixed point, shape (feature_count, class_count): feature-major, as on chain."""
    intercepts: np.ndarray
    """int64 fixed point, shape (class_count,)."""
    learning_rate: int = ONE
    feature_count: int = field(init=False)
    class_count: int = field(init=False)

    CONTRACT = ""

    def __post_init__(self) -> None:
        self.weights = np.array(self.weights, dtype=np.int64, copy=True)
        if self.weights.ndim != 2:
            raise ValueError(f"weights must have shape (feature_count, class_count), got {self.weights.shape}")
        self.feature_count, self.class_count = (int(n) for n in self.weights.shape)
        self.intercepts = np.array([int(b) for b in np.ravel(self.intercepts)], dtype=object)
        if not 2 <= self.class_count <= MAX_CLASS_COUNT:
            raise errors.ClassCountOutOfRange(self.class_count, MAX_CLASS_COUNT)
        if not 1 <= self.feature_count <= self.max_feature_count(self.class_count):
            raise errors.FeatureCountOutOfRange(self.feature_count, self.max_feature_count(self.class_count))
        if not 0 < self.learning_rate <= INT32_MAX:
            raise errors.LearningRateOutOfRange(self.learning_rate)
        if self.intercepts.shape != (self.class_count,):
            raise ValueError(f"expected {self.class_count} intercepts, got {self.intercepts.shape[0]}")
        if self.weights.size and (self.weights.min() < INT32_MIN or self.weights.max() > INT32_MAX):
            raise ValueError("weights must fit int32; scale the model down before converting")
        if any(not INT64_MIN <= b <= INT64_MAX for b in self.intercepts):
            raise ValueError("intercepts must fit int64")
        self.learning_rate = int(self.learning_rate)

    @staticmethod
    def max_feature_count(class_count: int) -> int:
        raise NotImplementedError

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, class_count: int, learning_rate: int = ONE):
        return cls(np.zeros((feature_count, class_count), dtype=np.int64), [0] * class_count, learning_rate)

    @classmethod
    def from_sklearn(cls, clf, learning_rate: int | None = None):
        """Convert a fitted multi-class ``sklearn.linear_model.Perceptron`` (one-vs-rest: ``coef_``
        of shape (K, n), ``classes_ == 0 .. K-1``): ``W = rint(coef_.T * ONE)``,
        ``b = rint(intercept_ * ONE)``; ``learning_rate`` defaults to ``eta0``. A binary model
        (``coef_`` of shape (1, n)) becomes class 0 with zero weights and class 1 with its weights,
        which predicts the same. The argmax of the converted scores is scikit-learn's ``predict``
        wherever rounding does not reorder two scores (exactly, when the weights are integers)."""
        coef = np.asarray(clf.coef_, dtype=float)
        intercept = np.ravel(np.asarray(clf.intercept_, dtype=float))
        classes = list(getattr(clf, "classes_", range(max(coef.shape[0], 2))))
        if coef.ndim != 2:
            raise ValueError(f"expected coef_ of shape (K, n), got {coef.shape}")
        if coef.shape[0] == 1:
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.array([0.0, intercept[0]])
        if classes != list(range(coef.shape[0])):
            raise ValueError(f"classes_ must be 0 .. K-1 (the on-chain labels), got {classes}")
        weights = np.rint(coef.T * ONE)
        if np.abs(weights).max(initial=0) > INT32_MAX:
            raise ValueError("a weight does not fit int32 fixed point (|w| > 2,147); rescale the features")
        if learning_rate is None:
            learning_rate = to_fixed(float(getattr(clf, "eta0", 1.0)))
        return cls(weights.astype(np.int64), [to_fixed(float(b)) for b in intercept], learning_rate)

    @classmethod
    def from_words(cls, words: Sequence[int], feature_count: int, class_count: int, learning_rate: int):
        """Rebuild the model from its model words (intercept words, then weight words)."""
        words = [int(w) for w in words]
        if len(words) != model_word_count(feature_count, class_count):
            raise ValueError(
                f"{len(words)} words, but {feature_count} features and {class_count} classes take "
                f"{model_word_count(feature_count, class_count)}"
            )
        head = intercept_word_count(class_count)
        intercepts = unpack_int64(words[:head], class_count)
        lanes = lanes_per_feature(class_count)
        flat = np.array(unpack_int32(words[head:], feature_count * lanes), dtype=np.int64)
        weights = flat.reshape(feature_count, lanes)[:, :class_count]
        return cls(weights, intercepts, learning_rate)

    @classmethod
    def from_views(cls, words: Sequence[int], call):
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        return cls.from_words(
            words, int(call("featureCount")), int(call("classCount")), int(call("learningRate"))
        )

    def constructor_args(self) -> tuple[int, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, self.class_count, self.learning_rate)

    def copy(self):
        return type(self)(self.weights.copy(), list(self.intercepts), self.learning_rate)

    # ---- state as stored on chain ----
    @property
    def lanes_per_feature(self) -> int:
        return lanes_per_feature(self.class_count)

    @property
    def word_count(self) -> int:
        return model_word_count(self.feature_count, self.class_count)

    def packed_words(self) -> list[int]:
        """The model as ``loadModel`` takes it: intercept words, then feature-major weight words."""
        lanes = self.lanes_per_feature
        padded = np.zeros((self.feature_count, lanes), dtype=np.int64)
        padded[:, : self.class_count] = self.weights
        return pack_int64(list(self.intercepts)) + pack_int32([int(w) for w in padded.ravel()])

    # ---- the contract's arithmetic ----
    def scores(self, features) -> list[int]:
        raise NotImplementedError

    @staticmethod
    def argmax(scores: Sequence[int]) -> int:
        """The first class of the highest score (Python integers: no overflow)."""
        best = 0
        for k in range(1, len(scores)):
            if scores[k] > scores[best]:
                best = k
        return best

    def predict(self, features) -> int:
        """``predict(bytes)``."""
        return self.argmax(self.scores(features))

    def update(self, features, label: int) -> bool:
        """``_train``: learn from one example; returns whether the model was wrong (and stepped)."""
        if not 0 <= label < self.class_count:
            raise errors.LabelOutOfRange(label, self.class_count)
        prediction = self.predict(features)
        if prediction == label:
            return False
        self._step_weights(features, label, prediction)
        rate = self.learning_rate
        self.intercepts[label] = saturate(self.intercepts[label] + rate, INT64_MIN, INT64_MAX)
        self.intercepts[prediction] = saturate(self.intercepts[prediction] - rate, INT64_MIN, INT64_MAX)
        return True

    def _step_weights(self, features, up: int, down: int) -> None:
        raise NotImplementedError

    def _add(self, f: int, k: int, delta: int) -> None:
        self.weights[f, k] = saturate(int(self.weights[f, k]) + delta, INT32_MIN, INT32_MAX)

    def fit_online(self, rows: Iterable, labels: Iterable[int], epochs: int = 1) -> int:
        """``update`` on every example in order (as contributions would arrive), ``epochs``
        times; returns the number of updates."""
        rows, labels = list(rows), [int(y) for y in labels]
        return sum(self.update(row, label) for _ in range(epochs) for row, label in zip(rows, labels))


@dataclass
class SparseMulticlassPerceptron(_MulticlassPerceptron):
    """A multi-class Perceptron over sparse binary features, as the contract computes it."""

    CONTRACT = "SparseMulticlassPerceptron"
    """The model module's contract; its trainer is ``SparseMulticlassPerceptronDRT``."""

    @staticmethod
    def max_feature_count(class_count: int) -> int:
        return MAX_SPARSE_FEATURE_COUNT

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: packed ``uint16`` indices."""
        return pack_indices(features)

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_indices(data)

    def scores(self, features: Sequence[int]) -> list[int]:
        """``scores(bytes)``: ``b_k + sum of present features' class-k weights`` (scale ONE)."""
        validate_features(features, self.feature_count)
        sums = self.weights[list(features)].sum(axis=0) if len(features) else np.zeros(self.class_count, np.int64)
        return [int(b) + int(s) for b, s in zip(self.intercepts, sums)]

    def _step_weights(self, features: Sequence[int], up: int, down: int) -> None:
        for f in features:
            self._add(f, up, self.learning_rate)
            self._add(f, down, -self.learning_rate)

    def score_matrix(self, X) -> np.ndarray:
        """Exact scores of the rows of a binary (n, feature_count) matrix, dense or scipy sparse:
        the int64 sums of at most 65,536 int32 weights are exact, and intercepts beyond 2**62 are
        added as Python integers."""
        sums = np.asarray(X @ self.weights)
        if max(abs(int(b)) for b in self.intercepts) < 2**62:
            return sums + np.array(self.intercepts, dtype=np.int64)
        return sums.astype(object) + self.intercepts

    def predict_matrix(self, X) -> np.ndarray:
        """Predictions for the rows of a binary matrix (argmax, ties to the lowest class)."""
        scores = self.score_matrix(X)
        return np.array([self.argmax(list(row)) for row in scores], dtype=np.int64)


@dataclass
class DenseMulticlassPerceptron(_MulticlassPerceptron):
    """A multi-class Perceptron over dense fixed-point features, as the contract computes it."""

    CONTRACT = "DenseMulticlassPerceptron"
    """The model module's contract; its trainer is ``DenseMulticlassPerceptronDRT``."""

    @staticmethod
    def max_feature_count(class_count: int) -> int:
        return min(MAX_SPARSE_FEATURE_COUNT, MAX_DENSE_LANES // lanes_per_feature(class_count))

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: every value a big-endian ``int32``."""
        return pack_dense([int(v) for v in features])

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_dense(data)

    def scores(self, features: Sequence[int]) -> list[int]:
        """``scores(bytes)``: ``b_k * ONE + sum_f W[f, k] * x_f`` (scale ONE**2), exact."""
        validate_dense(features, self.feature_count)
        return [
            int(b) * ONE + sum(int(self.weights[f, k]) * int(x) for f, x in enumerate(features) if x)
            for k, b in enumerate(self.intercepts)
        ]

    def _step_weights(self, features: Sequence[int], up: int, down: int) -> None:
        for f, x in enumerate(features):
            step = evm_div(self.learning_rate * int(x), ONE)
            if step:
                self._add(f, up, step)
                self._add(f, down, -step)

    def score_matrix(self, X) -> np.ndarray:
        """Exact scores of the rows of an integer (n, feature_count) matrix of fixed-point values."""
        return exact_dot(X, self.weights, np.array([int(b) * ONE for b in self.intercepts], dtype=object))

    def predict_matrix(self, X) -> np.ndarray:
        scores = self.score_matrix(X)
        return np.array([self.argmax(list(row)) for row in scores], dtype=np.int64)


__all__ = [
    "MAX_CLASS_COUNT",
    "MAX_DENSE_LANES",
    "MAX_FEATURE_VALUE",
    "DenseMulticlassPerceptron",
    "SparseMulticlassPerceptron",
    "lanes_per_feature",
    "model_word_count",
]
