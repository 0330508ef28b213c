"""Mirrors of the binary Perceptron over sparse binary features.

A feature is present or absent; ``score = intercept + sum(weights[i] for i in features)``, class 1
iff ``score > 0``. When the prediction differs from the label, every present weight and the
intercept move by ``+learning_rate`` (label 1) or ``-learning_rate`` (label 0), saturating at
their type's bounds, exactly as the contracts do. Two storage formats share this arithmetic:

- :class:`SparsePerceptron` mirrors ``contracts/models/SparsePerceptron.sol``, the trainers' model
  (``SparsePerceptronDRT``, ``SparsePerceptronPoints``): **int16 integer weights in units of a
  step**, sixteen to a storage word, an int64 intercept, learning rate 1 to ``2^15 - 1``. The
  decision ``sign(b + sum w)`` does not change under any positive scale, and scikit-learn's
  Perceptron over binary features only ever moves a weight by ``±eta0``, so ``coef_ / eta0`` is
  exact in integers (SPEC.md §3).
- :class:`SparsePerceptron32` mirrors the model inside ``contracts/incentives/PredictionMarket.sol``:
  **int32 fixed-point weights** (scale ``ONE``), eight to a word, learning rate 1 to ``2^31 - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from collabml import errors
from collabml.encoding import pack_indices, unpack_indices
from collabml.fixedpoint import (
    INT64_MAX,
    INT64_MIN,
    ONE,
    pack_lanes,
    saturate,
    to_fixed,
    unpack_lanes,
)

MAX_FEATURE_COUNT = 1 << 16

_INTEGER_TOLERANCE = 1e-6
"""How far from an integer a float ``coef_ / eta0`` may be and still count as that integer: the
steps are 1 apart, and float sums of ``±eta0`` drift by ~1e-13."""


class ModelDoesNotFit(ValueError):
    """A model's weights, intercept or learning rate cannot be stored in the contract's integers;
    the message says what to do."""


def validate_features(features: Sequence[int], feature_count: int) -> None:
    """Raise the contract's error for feature indices it would reject (same checks, same order)."""
    next_allowed = 0
    for position, index in enumerate(features):
        if index < next_allowed:
            raise errors.FeaturesNotSorted(position, next_allowed - 1, index)
        if index >= feature_count:
            raise errors.FeatureOutOfRange(index, feature_count)
        next_allowed = index + 1


def _binary_coef(clf) -> tuple[np.ndarray, float]:
    coef = np.asarray(clf.coef_, dtype=float)
    if coef.ndim != 2 or coef.shape[0] != 1:
        raise ValueError(f"expected a binary model with coef_ of shape (1, n), got {coef.shape}")
    if list(getattr(clf, "classes_", [0, 1])) != [0, 1]:
        raise ValueError("the on-chain Perceptron predicts classes 0 and 1; fit it on labels 0/1")
    return coef[0], float(np.ravel(clf.intercept_)[0])


@dataclass
class _LanePerceptron:
    """The shared arithmetic; a subclass fixes ``WEIGHT_BITS`` (the lane width of the storage)."""

    weights: np.ndarray
    intercept: int = 0
    learning_rate: int = 1
    feature_count: int = field(init=False)

    WEIGHT_BITS: ClassVar[int]
    class_count: ClassVar[int] = 2

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=np.int64).copy()
        self.feature_count = int(self.weights.shape[0])
        if not 1 <= self.feature_count <= MAX_FEATURE_COUNT:
            raise errors.FeatureCountOutOfRange(self.feature_count, MAX_FEATURE_COUNT)
        low, high = self.weight_bounds()
        if self.weights.min() < low or self.weights.max() > high:
            raise ModelDoesNotFit(
                f"weights span [{self.weights.min()}, {self.weights.max()}] but must fit int{self.WEIGHT_BITS} "
                f"[{low}, {high}]; {self._fit_hint()}"
            )
        if not 0 < self.learning_rate <= high:
            raise errors.LearningRateOutOfRange(self.learning_rate)
        if not INT64_MIN <= self.intercept <= INT64_MAX:
            raise ModelDoesNotFit(f"the intercept {self.intercept} must fit int64; {self._fit_hint()}")

    @classmethod
    def weight_bounds(cls) -> tuple[int, int]:
        """The saturation bounds of a weight: its lane's integer range."""
        return -(1 << (cls.WEIGHT_BITS - 1)), (1 << (cls.WEIGHT_BITS - 1)) - 1

    @classmethod
    def lanes_per_word(cls) -> int:
        return 256 // cls.WEIGHT_BITS

    @classmethod
    def _fit_hint(cls) -> str:
        return "scale the model down"

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, learning_rate: int | None = None, intercept: int = 0):
        rate = cls.__dataclass_fields__["learning_rate"].default if learning_rate is None else learning_rate
        return cls(np.zeros(feature_count, dtype=np.int64), intercept, rate)

    @classmethod
    def from_words(cls, words: Iterable[int], feature_count: int, intercept: int, learning_rate: int):
        """Rebuild the model from the packed weight words read off a contract."""
        weights = unpack_lanes(words, cls.WEIGHT_BITS, feature_count)
        return cls(np.array(weights, dtype=np.int64), intercept, learning_rate)

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: packed ``uint16`` indices."""
        return pack_indices(features)

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_indices(data)

    @classmethod
    def from_views(cls, words: Sequence[int], call):
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        return cls.from_words(words, int(call("featureCount")), int(call("intercept")), int(call("learningRate")))

    def constructor_args(self) -> tuple[int, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, self.learning_rate, self.intercept)

    def copy(self):
        return type(self)(self.weights.copy(), self.intercept, self.learning_rate)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        lanes = self.lanes_per_word()
        return (self.feature_count + lanes - 1) // lanes

    def packed_words(self) -> list[int]:
        """The weights as ``loadModel`` takes them: weight ``i`` is lane ``i % lanes`` (bits
        ``WEIGHT_BITS * lane`` up, two's complement) of word ``i // lanes``."""
        return pack_lanes([int(w) for w in self.weights], self.WEIGHT_BITS)

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
        low, high = self.weight_bounds()
        for i in features:
            self.weights[i] = saturate(int(self.weights[i]) + step, low, high)
        self.intercept = saturate(self.intercept + step, INT64_MIN, INT64_MAX)
        return True

    # ---- fast batch prediction (same integers, vectorised) ----
    def predict_matrix(self, X) -> np.ndarray:
        """Predictions for the rows of a binary (n, feature_count) matrix, dense or scipy sparse.

        Exact: the int64 sum of at most 65,536 int32 (or int16) weights cannot overflow, and it is
        compared with ``-intercept`` as a Python integer (the contract sums in int256).
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


@dataclass
class SparsePerceptron(_LanePerceptron):
    """The trainers' binary Perceptron (``SparsePerceptron.sol``), as the contract computes it:
    int16 weights and an int64 intercept, integers in units of a step; ``learning_rate`` (default
    1) is the step in those units, 1 to ``2^15 - 1``. Storage: sixteen weights to a word."""

    learning_rate: int = 1

    WEIGHT_BITS: ClassVar[int] = 16
    CONTRACT: ClassVar[str] = "SparsePerceptron"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``SparsePerceptronDRT``."""

    @classmethod
    def _fit_hint(cls) -> str:
        return (
            "weights are integers in units of the learning step (SPEC.md §3); convert a scikit-learn model "
            "with SparsePerceptron.from_sklearn(clf, scale=...) to quantise it into range"
        )

    @classmethod
    def from_sklearn(
        cls, clf, *, scale: float | None = None, learning_rate: int | None = None
    ) -> SparsePerceptron:
        """Convert a fitted binary ``sklearn.linear_model.Perceptron`` (or any linear model with
        ``coef_`` of shape (1, n), ``intercept_`` and labels 0/1) to integer weights.

        Without ``scale`` the conversion is exact or refused: the weights are ``coef_ / eta0``,
        which must be integers (scikit-learn's Perceptron over binary features, started from
        zero, only ever adds ``±eta0`` to a weight) that fit int16, and the learning rate is 1,
        i.e. the same step as ``eta0``. The intercept is ``ceil(intercept_ / eta0)`` (after
        snapping a float within 1e-6 of an integer to it): with integer weights,
        ``sum + b > 0`` iff ``sum + ceil(b) > 0``, so every prediction is the float model's.
        (scikit-learn fitted on a sparse matrix moves its intercept by ``0.01 * eta0``, its sparse
        intercept decay, so that intercept is rarely an integer number of steps.)

        With ``scale`` the model is quantised: ``w = rint(coef_ * scale)``, ``b =
        ceil(intercept_ * scale)``, learning rate ``max(1, rint(eta0 * scale))`` unless given;
        a prediction may then differ from the float model's where rounding moves a score across 0.
        ``scale = 32767 / max|coef_|`` uses the whole int16 range.

        Raises :class:`ModelDoesNotFit`, saying what to do, when the weights are not integer
        steps (no ``scale``) or do not fit int16, or the learning rate does not fit.
        """
        coef, intercept = _binary_coef(clf)
        eta0 = float(getattr(clf, "eta0", 1.0))
        exact = scale is None
        if exact:
            if not eta0 > 0:
                raise ModelDoesNotFit(f"eta0 = {eta0} is not a positive step; pass scale= to quantise the weights")
            scale = 1.0 / eta0
        elif not (math.isfinite(scale) and scale > 0):
            raise ModelDoesNotFit(f"scale = {scale} must be a positive finite number")
        scaled = coef * scale
        if not np.all(np.isfinite(scaled)):
            raise ModelDoesNotFit("the model has non-finite weights; refit it")
        weights = np.rint(scaled)
        if exact and np.abs(scaled - weights).max(initial=0.0) > _INTEGER_TOLERANCE:
            worst = float(np.abs(scaled - weights).max())
            raise ModelDoesNotFit(
                f"coef_ / eta0 is not a whole number of steps (off by up to {worst:.3g}): the model was not "
                "trained by Perceptron steps on binary features from zero; pass scale= to quantise it "
                "(predictions may change where a score rounds across 0)"
            )
        low, high = cls.weight_bounds()
        if weights.size and (weights.min() < low or weights.max() > high):
            biggest = float(np.abs(coef).max())
            raise ModelDoesNotFit(
                f"weights reach {int(np.abs(weights).max())} steps, beyond int16 [{low}, {high}]: pass "
                f"scale={high / biggest:.6g} (or smaller) to quantise them into range"
            )
        b = intercept * scale
        if not math.isfinite(b):
            raise ModelDoesNotFit("the model has a non-finite intercept; refit it")
        b = round(b) if abs(b - round(b)) <= _INTEGER_TOLERANCE else math.ceil(b)
        if learning_rate is None:
            learning_rate = 1 if exact else max(1, int(round(eta0 * scale)))
        if not 0 < learning_rate <= high:
            raise ModelDoesNotFit(f"the learning rate {learning_rate} must be 1 to {high} weight units")
        if not INT64_MIN <= b <= INT64_MAX:
            raise ModelDoesNotFit(f"the intercept {b} steps does not fit int64; pass a smaller scale=")
        return cls(weights.astype(np.int64), int(b), int(learning_rate))


@dataclass
class SparsePerceptron32(_LanePerceptron):
    """The prediction market's Perceptron (inside ``PredictionMarket.sol``): int32 fixed-point
    weights (scale ``ONE``) eight to a word, an int64 intercept, learning rate 1 to ``2^31 - 1``."""

    learning_rate: int = ONE

    WEIGHT_BITS: ClassVar[int] = 32

    @classmethod
    def _fit_hint(cls) -> str:
        return f"scale the model down before converting (weights are stored as round(w * {ONE}))"

    @classmethod
    def from_sklearn(cls, clf, learning_rate: int | None = None) -> SparsePerceptron32:
        """Convert a fitted binary linear model to fixed point, rounding to nearest
        (``w = rint(coef_ * ONE)``, ``b = round(intercept_ * ONE)``); ``learning_rate`` defaults
        to ``eta0`` in fixed point. With binary features and ``eta0=1`` the conversion is exact."""
        coef, intercept = _binary_coef(clf)
        weights = np.rint(coef * ONE).astype(np.int64)
        if learning_rate is None:
            learning_rate = to_fixed(float(getattr(clf, "eta0", 1.0)))
        return cls(weights, to_fixed(intercept), learning_rate)
