"""Mirror of ``contracts/models/NaiveBayes.sol``: Multinomial Naive Bayes over feature counts.

scikit-learn's ``MultinomialNB`` (``fit_prior=True``, smoothing ``alpha``) in integer arithmetic.
Each class ``c`` keeps its document count ``D_c``, per-feature counts ``n_ci`` and their total
``N_c = sum_i n_ci``. The score of class ``c`` for the counts ``x`` is (scale ``LN_ONE = 1e18``)

    ln D_c + sum_i x_i ln(n_ci + alpha) - |x| ln(N_c + alpha V)

(scikit-learn's joint log likelihood plus the constant ``ln sum_c D_c``); the prediction is the
best score, ties to the lowest class, classes with ``D_c = 0`` never predicted (0 if none has
documents). It is computed as the contract computes it, never as a product of probabilities:

- per class, ``D_c * prod_i f_ci**x_i`` with ``f_ci = n_ci * ONE + alpha`` is a mantissa
  ``m < 2**192`` and a power-of-two exponent ``e >= 0``, computed by Horner's rule over the bits of
  the counts (:func:`class_products`): from the highest bit of any count down, square (:func:`square`),
  multiply by ``D_c`` at bit 0, and multiply by ``f_ci`` for each feature whose count has that bit,
  with ``m >>= 64, e += 64`` whenever ``m >= 2**192`` (every shift truncates, as the EVM does). For
  binary data that is ``m = D_c``, then ``m *= f`` feature after feature;
- ``score = ln(m, e) - |x| * ln(N_c * ONE + alpha * V)`` with
  :func:`collabml.fixedpoint_math.ln` (the ``ln ONE`` terms cancel since ``sum_i x_i = |x|``).

Learning is generative and happens on every contribution: ``D_label += 1``,
``n_label,i += x_i``, ``N_label += |x|``.

Features are ``(index, count)`` pairs (``collabml.encoding.pack_counts``), indices strictly
increasing, counts 1 to 65,535; binary data is counts of 1 (:meth:`NaiveBayes.pairs_from_indices`).
The mirror raises the contract's errors (``collabml.errors``) in the contract's order.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from collabml import errors
from collabml.encoding import pack_counts, unpack_counts
from collabml.fixedpoint import ONE, UINT256_MAX, to_fixed
from collabml.fixedpoint_math import ln

MAX_FEATURE_COUNT = 1 << 16
MAX_CLASS_COUNT = 32
"""Classes per model: classes 0 and 1 in the trainer's hot word, 30 more in 8 header words of four."""
MAX_ALPHA = 10**12
"""Largest smoothing, fixed point (1e6 real): keeps ``n * ONE + alpha < 2**53``."""
MAX_COUNT = 2**16 - 1
"""Largest per-class feature count ``n_ci``: a ``uint16`` lane (``CountOverflow`` beyond it)."""
MAX_DOCUMENT_COUNT = 2**27 - 1
"""Largest document count ``D_c`` of a class: its 27-bit field (``DocumentCountOverflow`` beyond it)."""
MAX_VALUE = 2**16 - 1
"""Largest count of one feature in one contribution (``uint16``)."""
LANE_BITS = 16
LANES_PER_WORD = 16
NO_SCORE = -(2**255)
"""The score of a class without documents (``type(int256).min``)."""

_LANE_MASK = (1 << LANE_BITS) - 1
_MANTISSA_LIMIT = 1 << 192
_SQUARE_LIMIT = 1 << 128

Pairs = Sequence[tuple[int, int]]


def validate_pairs(features: Pairs, feature_count: int) -> None:
    """Raise the contract's error for (index, count) pairs it would reject (same checks, same order)."""
    next_allowed = 0
    for position, (index, value) in enumerate(features):
        if index < next_allowed:
            raise errors.FeaturesNotSorted(position, next_allowed - 1, index)
        if index >= feature_count:
            raise errors.FeatureOutOfRange(index, feature_count)
        if value == 0:
            raise errors.FeatureValueOutOfRange(position, 0, 1, MAX_VALUE)
        if not 0 < value <= MAX_VALUE:
            raise ValueError(f"count {value} at position {position} does not fit uint16")
        next_allowed = index + 1


def _normalise(m: int, e: int) -> tuple[int, int]:
    """The contract's rule after every product: shift right by 64 bits once ``m >= 2**192``."""
    if m >= _MANTISSA_LIMIT:
        return m >> 64, e + 64
    return m, e


def square(m: int, e: int) -> tuple[int, int]:
    """``(m * 2**e)**2`` as the contract's Horner step (``1 <= m < 2**192``): keep the top 128 bits of
    ``m`` (shift right, truncating), square exactly, then shift right by 64 if at least ``2**192``."""
    if m >= _SQUARE_LIMIT:
        shift = m.bit_length() - 128  # 1 to 64
        m, e = m >> shift, e + shift
    return _normalise(m * m, 2 * e)


def class_products(
    document_counts: Sequence[int], factors: Sequence[Sequence[int]], counts: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Each class's ``D_c * prod_p f_pc**x_p`` as ``(mantissas, exponents)``, bit for bit as the
    contract's ``_multiply``: ``factors[p][c]`` is the factor of the ``p``-th present feature for class
    ``c`` and ``counts[p]`` its count. Horner's rule over the bits of the counts, from the highest bit
    ``top`` of any count down to 0: with ``top > 0`` the mantissas start at 1; below ``top`` each bit
    first squares them; bit 0 multiplies by ``D_c``; every bit multiplies by the factors of the
    features whose count has that bit, in order."""
    classes = len(document_counts)
    top = max(0, (functools.reduce(operator.or_, counts, 0)).bit_length() - 1)
    mantissas = [1] * classes if top else [int(d) for d in document_counts]
    exponents = [0] * classes
    for bit in range(top, -1, -1):
        if bit < top:
            for c in range(classes):
                mantissas[c], exponents[c] = square(mantissas[c], exponents[c])
        if bit == 0 and top:
            for c in range(classes):
                mantissas[c], exponents[c] = _normalise(mantissas[c] * int(document_counts[c]), exponents[c])
        for row, x in zip(factors, counts):
            if (x >> bit) & 1:
                for c in range(classes):
                    mantissas[c], exponents[c] = _normalise(mantissas[c] * row[c], exponents[c])
    return mantissas, exponents


@dataclass
class NaiveBayes:
    """Multinomial Naive Bayes over feature counts, as the contract computes it.

    ``counts[c, i]`` is ``n_ci``; ``document_counts[c]`` is ``D_c``; ``alpha`` is fixed point.
    """

    counts: np.ndarray
    document_counts: list[int]
    alpha: int = ONE
    feature_count: int = field(init=False)
    totals: list[int] = field(init=False)

    CONTRACT = "NaiveBayes"
    """The model module's contract; its trainer with Deposit-Refund-Take is ``NaiveBayesDRT``."""

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 2:
            raise ValueError(f"counts must be (classes, features), got shape {counts.shape}")
        if counts.size and (counts.min() < 0 or counts.max() > MAX_COUNT):
            raise ValueError(
                f"counts must be integers in [0, {MAX_COUNT}] (each n_ci is a uint16 lane on chain); "
                f"got up to {counts.max()}"
            )
        self.counts = counts.astype(np.int64).copy()
        self.document_counts = [int(d) for d in self.document_counts]
        classes, self.feature_count = self.counts.shape
        if not 1 <= self.feature_count <= MAX_FEATURE_COUNT:
            raise errors.FeatureCountOutOfRange(self.feature_count, MAX_FEATURE_COUNT)
        if len(self.document_counts) != classes:
            raise ValueError(f"{len(self.document_counts)} document counts for {classes} classes of counts")
        if not 2 <= classes <= MAX_CLASS_COUNT:
            raise errors.ClassCountOutOfRange(classes, MAX_CLASS_COUNT)
        if not 0 < self.alpha <= MAX_ALPHA:
            raise errors.AlphaOutOfRange(self.alpha, MAX_ALPHA)
        for c, documents in enumerate(self.document_counts):
            if not 0 <= documents <= MAX_DOCUMENT_COUNT:
                raise errors.DocumentCountOverflow(c, documents, MAX_DOCUMENT_COUNT)
        self.totals = [int(t) for t in self.counts.sum(axis=1)]

    # ---- construction ----
    @property
    def class_count(self) -> int:
        return len(self.document_counts)

    @classmethod
    def zeros(cls, feature_count: int, class_count: int = 2, alpha: int = ONE) -> NaiveBayes:
        """A model that has seen nothing: every class without documents predicts 0 until it learns."""
        return cls(np.zeros((class_count, feature_count), dtype=np.int64), [0] * class_count, alpha)

    @classmethod
    def from_sklearn(cls, clf: Any, alpha: int | None = None) -> NaiveBayes:
        """The on-chain model of a fitted ``sklearn.naive_bayes.MultinomialNB``.

        Uses ``class_count_`` and ``feature_count_``, exact integers when the model was fitted
        (``fit`` or ``partial_fit``) on integer counts without sample weights, so the integer model
        starts exactly where scikit-learn's is. ``alpha`` defaults to ``round(clf.alpha * 1e6)``.
        Classes must be ``0 .. K - 1``.
        """
        class_count = np.asarray(clf.class_count_, dtype=float)
        feature_count = np.asarray(clf.feature_count_, dtype=float)
        for name, values in (("class_count_", class_count), ("feature_count_", feature_count)):
            if not np.array_equal(values, np.rint(values)) or values.min() < 0:
                raise ValueError(
                    f"{name} holds non-integers: fit MultinomialNB on integer counts without sample weights"
                )
        if list(getattr(clf, "classes_", range(len(class_count)))) != list(range(len(class_count))):
            raise ValueError("the on-chain model predicts classes 0 .. K-1; fit it on labels 0 .. K-1")
        if alpha is None:
            alpha = to_fixed(float(np.ravel(clf.alpha)[0]) if np.ndim(clf.alpha) else float(clf.alpha))
        return cls(feature_count.astype(np.int64), [int(d) for d in class_count], alpha)

    @classmethod
    def from_words(
        cls, words: Iterable[int], feature_count: int, class_count: int, alpha: int, document_counts: Sequence[int]
    ) -> NaiveBayes:
        """Rebuild the model from the count words read off a contract (lane ``i * K + c`` is ``n_ci``)."""
        lanes: list[int] = []
        for word in words:
            if not 0 <= word <= UINT256_MAX:
                raise ValueError(f"{word} is not a 256-bit word")
            lanes.extend((word >> (LANE_BITS * k)) & _LANE_MASK for k in range(LANES_PER_WORD))
        needed = feature_count * class_count
        if len(lanes) < needed:
            raise ValueError(f"{len(lanes)} lanes for {needed} (feature, class) counts")
        counts = np.array(lanes[:needed], dtype=np.int64).reshape(feature_count, class_count).T
        return cls(counts, list(document_counts), alpha)

    @classmethod
    def from_views(cls, words: Sequence[int], call) -> NaiveBayes:
        """Rebuild from a deployed contract: its model words and ``call(view_name, *args)``."""
        classes = int(call("classCount"))
        return cls.from_words(
            words,
            int(call("featureCount")),
            classes,
            int(call("alpha")),
            [int(call("documentCount", c)) for c in range(classes)],
        )

    @staticmethod
    def pack(features: Pairs) -> bytes:
        """Features as the contract takes them: packed ``(uint16 index, uint16 count)`` pairs."""
        return pack_counts(features)

    @staticmethod
    def unpack(data: bytes) -> tuple[tuple[int, int], ...]:
        return unpack_counts(data)

    @staticmethod
    def pairs_from_indices(indices: Iterable[int]) -> tuple[tuple[int, int], ...]:
        """Binary features (sorted indices) as counts of 1."""
        return tuple((int(i), 1) for i in indices)

    @staticmethod
    def pairs_from_row(row: Any) -> tuple[tuple[int, int], ...]:
        """The (index, count) pairs of one row of counts (1-D array, or a 1 x n scipy sparse row)."""
        if sp.issparse(row):
            row = row.tocsr()
            order = np.argsort(row.indices, kind="stable")
            return tuple((int(i), int(v)) for i, v in zip(row.indices[order], row.data[order]) if v != 0)
        values = np.asarray(row).ravel()
        nonzero = np.flatnonzero(values)
        return tuple((int(i), int(values[i])) for i in nonzero)

    def constructor_args(self) -> tuple[Any, ...]:
        """The model's constructor arguments, in the trainer's order (after the owner)."""
        return (self.feature_count, self.alpha, list(self.document_counts))

    def copy(self) -> NaiveBayes:
        return NaiveBayes(self.counts.copy(), list(self.document_counts), self.alpha)

    # ---- state as stored on chain ----
    @property
    def word_count(self) -> int:
        return (self.feature_count * self.class_count + LANES_PER_WORD - 1) // LANES_PER_WORD

    def packed_words(self) -> list[int]:
        """The counts as ``loadModel`` takes them: ``uint16`` lanes, sixteen a word, lane ``i * K + c`` = ``n_ci``."""
        lanes = [int(v) for v in self.counts.T.ravel()]
        words: list[int] = []
        for start in range(0, len(lanes), LANES_PER_WORD):
            word = 0
            for k, v in enumerate(lanes[start : start + LANES_PER_WORD]):
                word |= v << (LANE_BITS * k)
            words.append(word)
        return words

    # ---- the contract's arithmetic ----
    def scores(self, features: Pairs) -> list[int]:
        """``scores(bytes)``: each class's fixed-point (1e18) score, ``NO_SCORE`` without documents."""
        validate_pairs(features, self.feature_count)
        return self._scores(features)

    def _scores(self, features: Pairs) -> list[int]:
        classes = self.class_count
        alpha = self.alpha
        counts = [x for _, x in features]
        total = sum(counts)
        if features:
            columns = (self.counts[:, [index for index, _ in features]].T * ONE + alpha).tolist()
        else:
            columns = []
        mantissas, exponents = class_products(self.document_counts, columns, counts)
        alpha_total = alpha * self.feature_count
        out = []
        for c in range(classes):
            if mantissas[c] == 0:
                out.append(NO_SCORE)
            else:
                out.append(ln(mantissas[c], exponents[c]) - total * ln(self.totals[c] * ONE + alpha_total))
        return out

    @staticmethod
    def best(scores: Sequence[int]) -> int:
        """The contract's argmax: the first class with the highest score (0 if none scores)."""
        label, best = 0, NO_SCORE
        for c, score in enumerate(scores):
            if score > best:
                label, best = c, score
        return label

    def predict(self, features: Pairs) -> int:
        """``predict(bytes)``: the class of the best score, ties to the lowest class."""
        return self.best(self.scores(features))

    def update(self, features: Pairs, label: int) -> bool:
        """``_train``: learn from one example (always); returns True (the model always changes)."""
        if not 0 <= label < self.class_count:
            raise errors.LabelOutOfRange(label, self.class_count)
        next_allowed = 0
        new_counts: list[tuple[int, int]] = []
        for position, (index, value) in enumerate(features):
            if index < next_allowed:
                raise errors.FeaturesNotSorted(position, next_allowed - 1, index)
            if index >= self.feature_count:
                raise errors.FeatureOutOfRange(index, self.feature_count)
            if value == 0:
                raise errors.FeatureValueOutOfRange(position, 0, 1, MAX_VALUE)
            if not 0 < value <= MAX_VALUE:
                raise ValueError(f"count {value} at position {position} does not fit uint16")
            next_allowed = index + 1
            count = int(self.counts[label, index]) + value
            if count > MAX_COUNT:
                raise errors.CountOverflow(label, index, count, MAX_COUNT)
            new_counts.append((index, count))
        documents = self.document_counts[label] + 1
        if documents > MAX_DOCUMENT_COUNT:
            raise errors.DocumentCountOverflow(label, documents, MAX_DOCUMENT_COUNT)
        for index, count in new_counts:
            self.counts[label, index] = count
        self.document_counts[label] = documents
        self.totals[label] += sum(value for _, value in features)
        return True

    # ---- batch prediction (same integers) ----
    def scores_matrix(self, X: Any) -> list[list[int]]:
        """:meth:`scores` of each row of an (n, feature_count) matrix of counts, dense or scipy sparse."""
        X = sp.csr_matrix(X)
        if X.shape[1] != self.feature_count:
            raise ValueError(f"X has {X.shape[1]} columns, the model {self.feature_count} features")
        X.sort_indices()
        out = []
        for r in range(X.shape[0]):
            start, end = X.indptr[r], X.indptr[r + 1]
            pairs = [(int(i), int(v)) for i, v in zip(X.indices[start:end], X.data[start:end]) if v != 0]
            validate_pairs(pairs, self.feature_count)
            out.append(self._scores(pairs))
        return out

    def predict_matrix(self, X: Any) -> np.ndarray:
        """Predictions for the rows of an (n, feature_count) matrix of counts, dense or scipy sparse."""
        return np.array([self.best(s) for s in self.scores_matrix(X)], dtype=np.int64)

    def predict_many(self, feature_lists: Iterable[Pairs]) -> np.ndarray:
        return np.array([self.predict(f) for f in feature_lists], dtype=np.int64)
