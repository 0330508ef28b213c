"""Mirrors of ``contracts/models/SparseNearestCentroid.sol`` and ``DenseNearestCentroid.sol``.

scikit-learn's ``NearestCentroid`` (Euclidean) in exact integer arithmetic. Each class ``c``
keeps the per-feature sums ``S[c]`` of its examples, their number ``n[c]`` and
``Q[c] = sum_i S[c, i]^2``. With ``D_c = n_c^2 ||x||^2 - 2 n_c <x, S_c> + Q_c``
(``= n_c^2 ||x - S_c / n_c||^2``, an exact integer), the prediction is the class of the least
``D_c / n_c^2``, compared by cross-multiplication (``D_a n_b^2 < D_b n_a^2``), ties to the lowest
class, classes without examples skipped, 0 when no class has any. Learning from ``(x, label)``
adds ``x`` to ``S[label]``, 1 to ``n[label]`` and ``sum_i (2 S[label, i] x_i + x_i^2)`` to
``Q[label]``. No division anywhere, so the mirror is the contract's arithmetic, and it agrees
with float scikit-learn except where two centroids are exactly (or, in floats, nearly) as far.

- :class:`SparseNearestCentroid`: binary features (``pack_indices``), sums are counts.
- :class:`DenseNearestCentroid`: every feature's fixed-point value (``pack_dense``, scale ``ONE``)
  in ``[-ONE, ONE]``.

Both raise the contracts' errors (``collabml.errors``) in the contracts' order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from collabml import errors
from collabml.encoding import pack_dense, pack_indices, unpack_dense, unpack_indices
from collabml.fixedpoint import ONE

MAX_CLASS_COUNT = 256
"""Classes per model: labels are ``uint8``."""

SPARSE_MAX_FEATURE_COUNT = 1 << 16
SPARSE_MAX_EXAMPLE_COUNT = (1 << 24) - 1
"""A class's examples in the sparse model: its sums are ``uint24`` lanes."""
SPARSE_LANE_BITS = 24
SPARSE_LANES_PER_WORD = 10

DENSE_MAX_FEATURE_COUNT = 4096
DENSE_VALUE_BOUND = ONE
"""Dense feature values lie in ``[-ONE, ONE]``."""
DENSE_MAX_EXAMPLE_COUNT = ((1 << 41) - 1) // ONE
"""2,199,023: a class's sums ``|S| <= n * ONE`` fit a signed 42-bit lane."""
DENSE_LANE_BITS = 42
DENSE_LANES_PER_WORD = 6


def nearest_class(distances: Sequence[int], counts: Sequence[int]) -> int:
    """The contract's ``argmin_c distances[c] / counts[c]^2`` over classes with examples, by exact
    cross-multiplication, ties to the lowest class; 0 when no class has examples."""
    best, best_distance, best_count_squared = 0, 0, 0
    for c, (distance, count) in enumerate(zip(distances, counts)):
        if count == 0:
            continue
        count_squared = int(count) * int(count)
        if best_count_squared == 0 or int(distance) * best_count_squared < best_distance * count_squared:
            best, best_distance, best_count_squared = c, int(distance), count_squared
    return best


def nearest_classes(distances: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """:func:`nearest_class` of each row of an (examples x classes) array of exact integers."""
    rows = distances.shape[0]
    best = np.zeros(rows, dtype=np.int64)
    best_distance: np.ndarray | None = None
    best_count_squared: np.ndarray | None = None
    for c, count in enumerate(counts):
        if count == 0:
            continue
        count_squared = int(count) * int(count)
        column = distances[:, c].astype(object)
        if best_distance is None:
            best[:] = c
            best_distance = column
            best_count_squared = np.full(rows, count_squared, dtype=object)
            continue
        better = (column * best_count_squared < best_distance * count_squared).astype(bool)
        best[better] = c
        best_distance = np.where(better, column, best_distance)
        best_count_squared = np.where(better, count_squared, best_count_squared)
    return best


def _check_shape(feature_count: int, counts: Sequence[int], max_features: int, max_count: int) -> None:
    """The constructor's checks, in its order."""
    if not 1 <= feature_count <= max_features:
        raise errors.FeatureCountOutOfRange(feature_count, max_features)
    if not 2 <= len(counts) <= MAX_CLASS_COUNT:
        raise errors.ClassCountOutOfRange(len(counts), MAX_CLASS_COUNT)
    for c, count in enumerate(counts):
        if not 0 <= int(count) <= max_count:
            raise errors.ExampleCountOverflow(c, int(count), max_count)


def _squared_norms(sums: np.ndarray) -> list[int]:
    """``Q_c = sum_i S[c, i]^2`` of each row, as exact Python integers."""
    return [int(np.dot(row.astype(object), row.astype(object))) for row in sums]


def _labels(y: Any, class_count: int | None) -> tuple[np.ndarray, int]:
    labels = np.asarray(y).reshape(-1)
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0):
        raise ValueError("labels must be integers 0 .. class_count - 1")
    labels = labels.astype(np.int64)
    k = int(labels.max()) + 1 if labels.size else 2
    class_count = max(k, 2) if class_count is None else class_count
    if k > class_count:
        raise errors.LabelOutOfRange(k - 1, class_count)
    return labels, class_count


@dataclass
class _NearestCentroid:
    """What both mirrors share: the state, the class comparison and the conversions."""

    sums: np.ndarray
    """``S``: (classes, features) int64, the per-class sums of the examples' features."""
    counts: np.ndarray
    """``n``: (classes,) int64, the examples of each class."""
    norms: list[int] = field(init=False)
    """``Q``: per class ``sum_i S[c, i]^2``, exact Python integers (computed, as on chain)."""

    CONTRACT: ClassVar[str]
    MAX_FEATURE_COUNT: ClassVar[int]
    MAX_EXAMPLE_COUNT: ClassVar[int]
    VALUE_BOUND: ClassVar[int]
    LANE_BITS: ClassVar[int]
    LANES_PER_WORD: ClassVar[int]

    def __post_init__(self) -> None:
        self.sums = np.array(self.sums, dtype=np.int64, copy=True)
        self.counts = np.array(self.counts, dtype=np.int64, copy=True).reshape(-1)
        if self.sums.ndim != 2 or self.sums.shape[0] != self.counts.shape[0]:
            raise ValueError(
                f"sums must be (classes, features) with one row per count, got {self.sums.shape} "
                f"and {self.counts.shape[0]} counts"
            )
        _check_shape(self.feature_count, self.counts.tolist(), self.MAX_FEATURE_COUNT, self.MAX_EXAMPLE_COUNT)
        self._check_sums()
        self.norms = _squared_norms(self.sums)

    # ---- shape ----
    @property
    def class_count(self) -> int:
        return int(self.sums.shape[0])

    @property
    def feature_count(self) -> int:
        return int(self.sums.shape[1])

    def example_count(self, label: int) -> int:
        """``exampleCount(label)``."""
        self._check_label(label)
        return int(self.counts[label])

    def sum_squared_norm(self, label: int) -> int:
        """``sumSquaredNorm(label)``: ``Q_label``."""
        self._check_label(label)
        return self.norms[label]

    def feature_sum(self, label: int, feature: int) -> int:
        """``featureSum(label, feature)``: ``S[label, feature]``."""
        self._check_label(label)
        if not 0 <= feature < self.feature_count:
            raise errors.FeatureOutOfRange(feature, self.feature_count)
        return int(self.sums[label, feature])

    def centroids(self) -> np.ndarray:
        """``S / n`` in floats (the real centroids; NaN for a class without examples). Sparse
        centroids are fractions of examples, dense ones are in real units (divided by ``ONE``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sums / self.counts[:, None] / (1 if self.VALUE_BOUND == 1 else ONE)

    def _check_label(self, label: int) -> None:
        if not 0 <= label < self.class_count:
            raise errors.LabelOutOfRange(label, self.class_count)

    def _sum_bounds(self, c: int) -> tuple[int, int]:
        bound = int(self.counts[c]) * self.VALUE_BOUND
        return (0 if self.VALUE_BOUND == 1 else -bound), bound

    def _check_sums(self) -> None:
        raise NotImplementedError

    def constructor_args(self) -> tuple[Any, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, [int(n) for n in self.counts])

    @classmethod
    def from_views(cls, words: Sequence[int], call):
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        feature_count = int(call("featureCount"))
        counts = [int(call("exampleCount", c)) for c in range(int(call("classCount")))]
        model = cls.from_words(words, feature_count, counts)
        for c, norm in enumerate(model.norms):
            onchain = int(call("sumSquaredNorm", c))
            if onchain != norm:
                raise ValueError(f"class {c}: sumSquaredNorm is {onchain} on chain but the words give {norm}")
        return model

    def copy(self):
        return type(self)(self.sums.copy(), self.counts.copy())

    # ---- the contract's arithmetic ----
    def _prediction_terms(self, features) -> tuple[int, list[int]]:
        """``||x||^2`` and ``<x, S_c>`` for each class, after the contract's feature checks."""
        raise NotImplementedError

    def distances(self, features) -> list[int]:
        """``D_c = n_c^2 ||x - mu_c||^2`` for each class (exact integers; 0 for an empty class)."""
        norm, dots = self._prediction_terms(features)
        return [
            int(n) * int(n) * norm + q - 2 * int(n) * dot if n else 0
            for n, q, dot in zip(self.counts, self.norms, dots)
        ]

    def predict(self, features) -> int:
        """``predict(bytes)``: the class of the nearest centroid."""
        return nearest_class(self.distances(features), self.counts.tolist())

    def _check_update(self, label: int) -> None:
        self._check_label(label)
        if self.counts[label] == self.MAX_EXAMPLE_COUNT:
            raise errors.ExampleCountOverflow(label, int(self.counts[label]) + 1, self.MAX_EXAMPLE_COUNT)

    def predict_many(self, rows: Iterable) -> np.ndarray:
        return np.array([self.predict(r) for r in rows], dtype=np.int64)


@dataclass
class SparseNearestCentroid(_NearestCentroid):
    """Nearest Centroid over sparse binary features, as ``SparseNearestCentroid.sol`` computes it.

    Features are sorted unique indices; ``S[c, i]`` is the number of class ``c``'s examples that
    have feature ``i``. Model words: ``uint24`` lanes, ten a word, feature-major (see
    :meth:`packed_words`).
    """

    CONTRACT: ClassVar[str] = "SparseNearestCentroid"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``SparseNearestCentroidDRT``."""
    MAX_FEATURE_COUNT: ClassVar[int] = SPARSE_MAX_FEATURE_COUNT
    MAX_EXAMPLE_COUNT: ClassVar[int] = SPARSE_MAX_EXAMPLE_COUNT
    VALUE_BOUND: ClassVar[int] = 1
    LANE_BITS: ClassVar[int] = SPARSE_LANE_BITS
    LANES_PER_WORD: ClassVar[int] = SPARSE_LANES_PER_WORD

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, class_count: int = 2) -> SparseNearestCentroid:
        """A model without examples (it predicts 0 until a class has one)."""
        return cls(np.zeros((class_count, feature_count), dtype=np.int64), np.zeros(class_count, dtype=np.int64))

    @classmethod
    def fit(cls, X: Any, y: Any, class_count: int | None = None) -> SparseNearestCentroid:
        """The model of the examples ``X`` (a binary (examples, features) matrix, dense or scipy
        sparse) with labels ``y`` in ``0 .. class_count - 1``: exactly the contract's state after
        learning them one by one, in any order."""
        labels, class_count = _labels(y, class_count)
        matrix = sp.csr_matrix(X)
        if matrix.shape[0] != labels.shape[0]:
            raise ValueError(f"{matrix.shape[0]} examples but {labels.shape[0]} labels")
        if matrix.nnz and not np.isin(matrix.data, (0, 1)).all():
            raise ValueError("sparse features are binary: X must hold only 0 and 1")
        onehot = sp.csr_matrix(
            (np.ones(labels.shape[0], dtype=np.int64), (labels, np.arange(labels.shape[0]))),
            shape=(class_count, labels.shape[0]),
        )
        sums = np.asarray((onehot @ matrix.astype(np.int64)).todense(), dtype=np.int64)
        return cls(sums, np.bincount(labels, minlength=class_count))

    @classmethod
    def from_sklearn(cls, clf, X: Any, y: Any) -> SparseNearestCentroid:
        """Convert a fitted ``sklearn.neighbors.NearestCentroid`` (Euclidean, no shrinking, uniform
        priors, classes ``0 .. K - 1``) given the binary data ``X, y`` it was fitted on.

        scikit-learn keeps only the centroids, not the sums and counts the contract updates, so
        they are rebuilt from the training data; the centroids are checked against ``clf``'s.
        """
        _check_sklearn(clf)
        model = cls.fit(X, y, class_count=len(clf.classes_))
        _check_centroids(clf, model.centroids())
        return model

    @classmethod
    def from_words(cls, words: Iterable[int], feature_count: int, counts: Sequence[int]) -> SparseNearestCentroid:
        """The model of the words a contract holds, checked as ``loadModel`` checks them
        (``ModelWordMalformed``, ``FeatureSumOutOfRange``, word by word, lane by lane)."""
        counts = [int(n) for n in counts]
        _check_shape(feature_count, counts, SPARSE_MAX_FEATURE_COUNT, SPARSE_MAX_EXAMPLE_COUNT)
        k = len(counts)
        per_group, words_per_group = _sparse_grouping(k)
        words = [int(w) for w in words]
        expected = _sparse_word_count(feature_count, k)
        if len(words) != expected:
            raise ValueError(f"a {k}-class model of {feature_count} features has {expected} words, got {len(words)}")
        sums = np.zeros((k, feature_count), dtype=np.int64)
        for i, word in enumerate(words):
            first_slot = (i % words_per_group) * SPARSE_LANES_PER_WORD
            feature = (i // words_per_group) * per_group
            lanes = min(min(feature_count - feature, per_group) * k - first_slot, SPARSE_LANES_PER_WORD)
            if word >> (SPARSE_LANE_BITS * lanes):
                raise errors.ModelWordMalformed(i, word)
            for lane in range(lanes):
                slot = first_slot + lane
                f, c = feature + slot // k, slot % k
                value = (word >> (SPARSE_LANE_BITS * lane)) & ((1 << SPARSE_LANE_BITS) - 1)
                if value > counts[c]:
                    raise errors.FeatureSumOutOfRange(f, c, value, 0, counts[c])
                sums[c, f] = value
        return cls(sums, np.array(counts, dtype=np.int64))

    @staticmethod
    def pack(features: Sequence[int]) -> bytes:
        """Features as the contract takes them: packed ``uint16`` indices."""
        return pack_indices(features)

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_indices(data)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        return _sparse_word_count(self.feature_count, self.class_count)

    def packed_words(self) -> list[int]:
        """The sums as ``loadModel`` takes them: with ``K`` classes, a group of
        ``G = max(1, 10 // K)`` features takes ``W = ceil(K / 10)`` words; ``(feature i, class c)``
        is slot ``(i % G) * K + c`` of group ``i // G``, lane ``slot % 10`` (bits ``24 * lane`` up)
        of the group's word ``slot // 10``."""
        k, f = self.class_count, self.feature_count
        per_group, words_per_group = _sparse_grouping(k)
        groups = -(-f // per_group)
        lanes = np.zeros((groups * per_group, k), dtype=np.int64)
        lanes[:f] = self.sums.T
        lanes = lanes.reshape(groups, per_group * k)
        padded = np.zeros((groups, words_per_group * SPARSE_LANES_PER_WORD), dtype=np.int64)
        padded[:, : per_group * k] = lanes
        padded = padded.reshape(-1, SPARSE_LANES_PER_WORD)
        return [sum(int(v) << (SPARSE_LANE_BITS * lane) for lane, v in enumerate(row) if v) for row in padded.tolist()]

    def _check_sums(self) -> None:
        # In the contract's order: feature-major, then class.
        bad = (self.sums < 0) | (self.sums > self.counts[:, None])
        if bad.any():
            f, c = next((f, c) for f in range(self.feature_count) for c in range(self.class_count) if bad[c, f])
            raise errors.FeatureSumOutOfRange(f, c, int(self.sums[c, f]), 0, int(self.counts[c]))

    # ---- the contract's arithmetic ----
    def _validate(self, features: Sequence[int]) -> list[int]:
        """The contract's checks (``FeaturesNotSorted`` before ``FeatureOutOfRange``, feature by feature)."""
        features = [int(i) for i in features]
        next_allowed = 0
        for position, index in enumerate(features):
            if index < next_allowed:
                raise errors.FeaturesNotSorted(position, next_allowed - 1, index)
            if index >= self.feature_count:
                raise errors.FeatureOutOfRange(index, self.feature_count)
            next_allowed = index + 1
        return features

    def _prediction_terms(self, features: Sequence[int]) -> tuple[int, list[int]]:
        features = self._validate(features)
        dots = self.sums[:, features].sum(axis=1) if features else np.zeros(self.class_count, dtype=np.int64)
        return len(features), [int(d) for d in dots]

    def update(self, features: Sequence[int], label: int) -> bool:
        """``_train``: learn from one example (``ExampleCountOverflow``, then the feature checks);
        the model always changes, so this returns True."""
        self._check_update(label)
        features = self._validate(features)
        row = self.sums[label]
        if features:
            self.norms[label] += 2 * int(row[features].sum()) + len(features)
        row[features] += 1
        self.counts[label] += 1
        return True

    def predict_matrix(self, X: Any) -> np.ndarray:
        """Predictions for the rows of a binary (examples, features) matrix, dense or scipy sparse,
        equal to :meth:`predict` row by row (exact: int64 dot products below 2^40, the rest in
        Python integers)."""
        matrix = sp.csr_matrix(X).astype(np.int64)
        dots = np.asarray(matrix @ self.sums.T)
        present = np.asarray(matrix.sum(axis=1)).reshape(-1).astype(object)
        distances = np.empty(dots.shape, dtype=object)
        for c in range(self.class_count):
            n = int(self.counts[c])
            distances[:, c] = present * (n * n) + self.norms[c] - 2 * n * dots[:, c].astype(object)
        return nearest_classes(distances, self.counts.tolist())


@dataclass
class DenseNearestCentroid(_NearestCentroid):
    """Nearest Centroid over dense fixed-point features, as ``DenseNearestCentroid.sol`` computes it.

    Features are every feature's value, ``round(x * ONE)``, in ``[-ONE, ONE]``; ``S[c, i]`` is
    fixed point. Model words: signed 42-bit lanes, six a word, class-major (see :meth:`packed_words`).
    """

    CONTRACT: ClassVar[str] = "DenseNearestCentroid"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``DenseNearestCentroidDRT``."""
    MAX_FEATURE_COUNT: ClassVar[int] = DENSE_MAX_FEATURE_COUNT
    MAX_EXAMPLE_COUNT: ClassVar[int] = DENSE_MAX_EXAMPLE_COUNT
    VALUE_BOUND: ClassVar[int] = DENSE_VALUE_BOUND
    LANE_BITS: ClassVar[int] = DENSE_LANE_BITS
    LANES_PER_WORD: ClassVar[int] = DENSE_LANES_PER_WORD

    # ---- construction ----
    @classmethod
    def zeros(cls, feature_count: int, class_count: int = 2) -> DenseNearestCentroid:
        """A model without examples (it predicts 0 until a class has one)."""
        return cls(np.zeros((class_count, feature_count), dtype=np.int64), np.zeros(class_count, dtype=np.int64))

    @staticmethod
    def to_fixed(X: Any) -> np.ndarray:
        """Real values to the contract's fixed point, ``rint(x * ONE)`` (ties to even, as
        :func:`collabml.fixedpoint.to_fixed`); raises if a value falls outside ``[-1, 1]``."""
        values = np.rint(np.asarray(X, dtype=np.float64) * ONE)
        if not np.isfinite(values).all() or np.abs(values).max(initial=0) > DENSE_VALUE_BOUND:
            raise ValueError("dense values must be finite and within [-1, 1]; scale them (e.g. DenseEncoder) first")
        return values.astype(np.int64)

    @classmethod
    def fit(cls, X: Any, y: Any, class_count: int | None = None) -> DenseNearestCentroid:
        """The model of the fixed-point examples ``X`` (integers, (examples, features), each in
        ``[-ONE, ONE]``) with labels ``y``: exactly the contract's state after learning them one by
        one, in any order. Real-valued data: ``fit(DenseNearestCentroid.to_fixed(X), y)``."""
        labels, class_count = _labels(y, class_count)
        values = np.asarray(X)
        if not np.issubdtype(values.dtype, np.integer):
            raise ValueError("X must hold fixed-point integers; convert real values with DenseNearestCentroid.to_fixed")
        values = values.astype(np.int64)
        if values.ndim != 2 or values.shape[0] != labels.shape[0]:
            raise ValueError(f"X must be (examples, features) with one row per label, got {values.shape}")
        if values.size and np.abs(values).max() > DENSE_VALUE_BOUND:
            raise ValueError(f"dense values must lie in [-{ONE}, {ONE}] (fixed point)")
        sums = np.zeros((class_count, values.shape[1]), dtype=np.int64)
        np.add.at(sums, labels, values)
        return cls(sums, np.bincount(labels, minlength=class_count))

    @classmethod
    def from_sklearn(cls, clf, X: Any, y: Any) -> DenseNearestCentroid:
        """Convert a fitted ``sklearn.neighbors.NearestCentroid`` (Euclidean, no shrinking, uniform
        priors, classes ``0 .. K - 1``) given the real-valued data ``X, y`` it was fitted on (each
        value in ``[-1, 1]``), converted to fixed point by :meth:`to_fixed`.

        scikit-learn keeps only the centroids, so the sums and counts are rebuilt from the
        training data; the centroids are checked against ``clf``'s (to within the rounding of
        ``X`` to fixed point).
        """
        _check_sklearn(clf)
        model = cls.fit(cls.to_fixed(X), y, class_count=len(clf.classes_))
        _check_centroids(clf, model.centroids(), atol=0.5 / ONE)
        return model

    @classmethod
    def from_words(cls, words: Iterable[int], feature_count: int, counts: Sequence[int]) -> DenseNearestCentroid:
        """The model of the words a contract holds, checked as ``loadModel`` checks them
        (``ModelWordMalformed``, ``FeatureSumOutOfRange``, word by word, lane by lane)."""
        counts = [int(n) for n in counts]
        _check_shape(feature_count, counts, DENSE_MAX_FEATURE_COUNT, DENSE_MAX_EXAMPLE_COUNT)
        k = len(counts)
        per_class = -(-feature_count // DENSE_LANES_PER_WORD)
        words = [int(w) for w in words]
        if len(words) != k * per_class:
            raise ValueError(
                f"a {k}-class model of {feature_count} features has {k * per_class} words, got {len(words)}"
            )
        sums = np.zeros((k, feature_count), dtype=np.int64)
        mask = (1 << DENSE_LANE_BITS) - 1
        for i, word in enumerate(words):
            c, first = divmod(i, per_class)
            first *= DENSE_LANES_PER_WORD
            lanes = min(feature_count - first, DENSE_LANES_PER_WORD)
            if word >> (DENSE_LANE_BITS * lanes):
                raise errors.ModelWordMalformed(i, word)
            bound = counts[c] * ONE
            for lane in range(lanes):
                value = (word >> (DENSE_LANE_BITS * lane)) & mask
                if value >> (DENSE_LANE_BITS - 1):
                    value -= 1 << DENSE_LANE_BITS
                if not -bound <= value <= bound:
                    raise errors.FeatureSumOutOfRange(first + lane, c, value, -bound, bound)
                sums[c, first + lane] = value
        return cls(sums, np.array(counts, dtype=np.int64))

    @staticmethod
    def pack(values: Sequence[int]) -> bytes:
        """Features as the contract takes them: every value as a big-endian ``int32``."""
        return pack_dense(values)

    @staticmethod
    def unpack(data: bytes) -> tuple[int, ...]:
        return unpack_dense(data)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        return self.class_count * -(-self.feature_count // DENSE_LANES_PER_WORD)

    def packed_words(self) -> list[int]:
        """The sums as ``loadModel`` takes them: class-major, ``ceil(F / 6)`` words a class;
        ``(feature i, class c)`` is the two's-complement 42-bit lane ``i % 6`` (bits ``42 * lane``
        up) of word ``c * ceil(F / 6) + i // 6``."""
        per_class = -(-self.feature_count // DENSE_LANES_PER_WORD)
        lanes = np.zeros((self.class_count, per_class * DENSE_LANES_PER_WORD), dtype=np.int64)
        lanes[:, : self.feature_count] = self.sums
        mask = (1 << DENSE_LANE_BITS) - 1
        return [
            sum((int(v) & mask) << (DENSE_LANE_BITS * lane) for lane, v in enumerate(row) if v)
            for row in lanes.reshape(-1, DENSE_LANES_PER_WORD).tolist()
        ]

    def _check_sums(self) -> None:
        # In the contract's order: class-major, then feature.
        bounds = self.counts[:, None] * ONE
        bad = np.abs(self.sums) > bounds
        if bad.any():
            c, f = (int(v) for v in np.argwhere(bad)[0])
            low, high = self._sum_bounds(c)
            raise errors.FeatureSumOutOfRange(f, c, int(self.sums[c, f]), low, high)

    # ---- the contract's arithmetic ----
    def _validate(self, values: Sequence[int]) -> list[int]:
        """The contract's checks: ``FeaturesMalformed(byte length)`` unless there are exactly
        ``feature_count`` values, then ``FeatureValueOutOfRange`` for the first out of ``[-ONE, ONE]``."""
        values = [int(v) for v in values]
        if len(values) != self.feature_count:
            raise errors.FeaturesMalformed(4 * len(values))
        for position, value in enumerate(values):
            if not -DENSE_VALUE_BOUND <= value <= DENSE_VALUE_BOUND:
                raise errors.FeatureValueOutOfRange(position, value, -DENSE_VALUE_BOUND, DENSE_VALUE_BOUND)
        return values

    def _prediction_terms(self, values: Sequence[int]) -> tuple[int, list[int]]:
        x = np.array(self._validate(values), dtype=object)
        return int(np.dot(x, x)), [int(np.dot(row.astype(object), x)) for row in self.sums]

    def update(self, values: Sequence[int], label: int) -> bool:
        """``_train``: learn from one example (``ExampleCountOverflow``, then the feature checks);
        the model always changes, so this returns True."""
        self._check_update(label)
        x = np.array(self._validate(values), dtype=np.int64)
        row = self.sums[label]
        self.norms[label] += int(np.dot((2 * row + x).astype(object), x.astype(object)))
        row += x
        self.counts[label] += 1
        return True

    def predict_matrix(self, X: Any) -> np.ndarray:
        """Predictions for the rows of an (examples, features) fixed-point matrix, equal to
        :meth:`predict` row by row (values checked to lie in ``[-ONE, ONE]``; dot products in
        int64 when they cannot overflow it, else in Python integers)."""
        values = np.asarray(X, dtype=np.int64)
        if values.ndim != 2 or values.shape[1] != self.feature_count:
            raise ValueError(f"X must be (examples, {self.feature_count}), got {values.shape}")
        if values.size and np.abs(values).max() > DENSE_VALUE_BOUND:
            raise ValueError(f"dense values must lie in [-{ONE}, {ONE}]")
        largest = int(np.abs(self.sums).max(initial=0)) * DENSE_VALUE_BOUND * self.feature_count
        if largest < 2**62:
            dots = (values @ self.sums.T).astype(object)
        else:
            dots = values.astype(object) @ self.sums.T.astype(object)
        norms = (values * values).sum(axis=1).astype(object)  # < 4,096 * 2^40
        distances = np.empty(dots.shape, dtype=object)
        for c in range(self.class_count):
            n = int(self.counts[c])
            distances[:, c] = norms * (n * n) + self.norms[c] - 2 * n * dots[:, c]
        return nearest_classes(distances, self.counts.tolist())


def _sparse_grouping(class_count: int) -> tuple[int, int]:
    """Features per group ``G = max(1, 10 // K)`` and words per group ``W = ceil(K / 10)``."""
    per_group = SPARSE_LANES_PER_WORD // class_count if class_count <= SPARSE_LANES_PER_WORD else 1
    return per_group, -(-class_count // SPARSE_LANES_PER_WORD)


def _sparse_word_count(feature_count: int, class_count: int) -> int:
    per_group, words_per_group = _sparse_grouping(class_count)
    return -(-feature_count // per_group) * words_per_group


def _check_sklearn(clf) -> None:
    """Only the plain Euclidean nearest centroid (what the contracts compute) converts."""
    if getattr(clf, "metric", "euclidean") != "euclidean":
        raise ValueError(f"only metric='euclidean' converts, got {clf.metric!r}")
    if getattr(clf, "shrink_threshold", None) is not None:
        raise ValueError("shrunken centroids do not convert: fit with shrink_threshold=None")
    classes = np.asarray(clf.classes_)
    if not np.array_equal(classes, np.arange(len(classes))):
        raise ValueError(f"classes must be 0 .. K - 1, got {classes.tolist()}; encode the labels first")
    prior = getattr(clf, "class_prior_", None)
    if prior is not None and not np.isclose(prior, 1 / len(classes)).all():
        raise ValueError("only uniform priors convert (priors='uniform'): the contract compares distances alone")


def _check_centroids(clf, centroids: np.ndarray, atol: float = 1e-12) -> None:
    if centroids.shape != np.shape(clf.centroids_) or not np.allclose(
        centroids, clf.centroids_, rtol=1e-9, atol=atol + 1e-12
    ):
        raise ValueError("X, y are not the data clf was fitted on: the centroids differ")
