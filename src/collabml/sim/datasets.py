"""The examples a simulation draws from: a pool the agents contribute, a test set that measures the
model, and the scikit-learn Perceptron the initial model is converted from.

- ``imdb`` (default): the shared IMDB subset (:func:`collabml.data.load_imdb`), the
  ``max_features`` words in the most training reviews (:class:`~collabml.encoding.TextEncoder`),
  binary features. The training split, shuffled by the seed, gives ``initial_size`` reviews to the
  initial model and the rest to the pool; the test split (shuffled, its first ``test_size``) is
  the test set.
- ``sentences``: the UCI sentences (:func:`collabml.data.load_sentiment_sentences`, the three
  sources), two thirds for training, the rest for testing.
- ``synthetic``: a small generated bag-of-words problem (no files; the tests' data), where each
  class prefers its own half of the features.

The initial model is ``sklearn.linear_model.Perceptron(eta0=1, random_state=0)`` fitted on the
dense binary matrix of the initial part, so its weights and intercept are whole steps and every
mirror converts it exactly (``from_sklearn``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

DATA_SETS = ("imdb", "sentences", "synthetic")


class SimDataError(ValueError):
    """The data set cannot be prepared as asked; the message says which setting to change."""


@dataclass(frozen=True)
class DataSpec:
    """Which examples, how many, and how they become features."""

    name: str = "imdb"
    max_features: int = 1_000
    """Vocabulary size (``imdb``, ``sentences``) or feature count (``synthetic``)."""
    initial_size: int = 500
    """Training examples the initial model is fitted on (the rest is the agents' pool)."""
    test_size: int | None = None
    """Test examples measuring the model (``None``: the whole test split)."""
    data_dir: str | None = None
    """Where the data files are (default: ``COLLABML_DATA_DIR`` or the repository's ``data/``)."""
    synthetic_train: int = 1_200
    synthetic_test: int = 400
    synthetic_present: int = 8
    """Features present in each synthetic example."""

    def __post_init__(self) -> None:
        if self.name not in DATA_SETS:
            raise SimDataError(f"unknown data set {self.name!r}: choose one of {', '.join(DATA_SETS)}")
        if self.initial_size < 2:
            raise SimDataError("initial_size must be at least 2 (one example of each class) to fit the initial model")
        if self.test_size is not None and self.test_size < 1:
            raise SimDataError("test_size must be at least 1, or None for the whole test split")


@dataclass(frozen=True, eq=False)
class SimData:
    """Examples as the mirrors take them (sorted unique feature indices) and as matrices."""

    description: str
    feature_count: int
    pool: list[tuple[int, ...]]
    pool_labels: np.ndarray
    test: list[tuple[int, ...]]
    test_labels: np.ndarray
    initial_classifier: Any
    """The fitted scikit-learn Perceptron every mechanism's initial model is converted from."""
    initial_size: int

    @property
    def pool_matrix(self) -> sp.csr_matrix:
        return _matrix(self.pool, self.feature_count)

    @property
    def test_matrix(self) -> sp.csr_matrix:
        return _matrix(self.test, self.feature_count)

    def head(self, pool: int | None = None, test: int | None = None) -> SimData:
        """A smaller copy: the first ``pool`` pool and ``test`` test examples (for quick runs)."""
        p = len(self.pool) if pool is None else pool
        t = len(self.test) if test is None else test
        return SimData(
            self.description, self.feature_count, self.pool[:p], self.pool_labels[:p], self.test[:t],
            self.test_labels[:t], self.initial_classifier, self.initial_size,
        )


def _matrix(rows: Sequence[Sequence[int]], feature_count: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), feature_count))


def fit_initial(rows: Sequence[Sequence[int]], labels: np.ndarray, feature_count: int):
    """The initial scikit-learn Perceptron, fitted on the dense binary matrix (whole-step intercept)."""
    from sklearn.linear_model import Perceptron

    if len(set(int(y) for y in labels)) < 2:
        raise SimDataError("the initial part holds one class only: raise initial_size or change the seed")
    clf = Perceptron(eta0=1.0, random_state=0)
    clf.fit(_matrix(rows, feature_count).toarray(), np.asarray(labels))
    return clf


def load_sim_data(spec: DataSpec, seed: int = 0) -> SimData:
    """Prepare ``spec``'s examples; the shuffles follow ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xDA7A]))
    if spec.name == "synthetic":
        train, train_labels, test, test_labels = _synthetic(spec, rng)
        feature_count = spec.max_features
        description = (
            f"synthetic: {spec.max_features} features, {spec.synthetic_present} present per example, "
            f"{spec.synthetic_train} train / {spec.synthetic_test} test"
        )
    else:
        from collabml.encoding import TextEncoder

        texts, labels, test_texts, test_labels_raw = _texts(spec, rng)
        encoder = TextEncoder.fit(texts, max_features=spec.max_features)
        feature_count = encoder.feature_count
        train = encoder.encode_many(texts)
        test = encoder.encode_many(test_texts)
        train_labels, test_labels = labels, test_labels_raw
        source = "IMDB subset" if spec.name == "imdb" else "UCI sentences"
        description = f"{source}: {feature_count:,} most frequent words, binary features"
    if spec.initial_size >= len(train):
        raise SimDataError(
            f"initial_size {spec.initial_size} leaves no pool for the agents: the training part has {len(train)} "
            "examples; lower initial_size"
        )
    if spec.test_size is not None:
        test, test_labels = test[: spec.test_size], test_labels[: spec.test_size]
    initial, initial_labels = train[: spec.initial_size], train_labels[: spec.initial_size]
    clf = fit_initial(initial, initial_labels, feature_count)
    pool, pool_labels = train[spec.initial_size :], train_labels[spec.initial_size :]
    description += f"; initial model on {spec.initial_size:,}, pool {len(pool):,}, test {len(test):,}"
    return SimData(
        description, feature_count, list(pool), np.asarray(pool_labels, dtype=np.int64), list(test),
        np.asarray(test_labels, dtype=np.int64), clf, spec.initial_size,
    )


def _texts(spec: DataSpec, rng: np.random.Generator) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    from collabml import data

    if spec.name == "imdb":
        train, test = data.load_imdb("train", spec.data_dir), data.load_imdb("test", spec.data_dir)
        a, b = rng.permutation(len(train)), rng.permutation(len(test))
        return [train.texts[i] for i in a], train.labels[a], [test.texts[i] for i in b], test.labels[b]
    texts: list[str] = []
    labels: list[int] = []
    for source in sorted(data.SENTENCE_FILES):
        part = data.load_sentiment_sentences(source, spec.data_dir)
        texts += part.texts
        labels += [int(y) for y in part.labels]
    order = rng.permutation(len(texts))
    cut = 2 * len(texts) // 3
    y = np.array(labels, dtype=np.int64)[order]
    shuffled = [texts[i] for i in order]
    return shuffled[:cut], y[:cut], shuffled[cut:], y[cut:]


def _synthetic(spec: DataSpec, rng: np.random.Generator):
    """Class 1 prefers features ``0 .. n/2 - 1``, class 0 the others: each present feature comes from
    the example's own half with probability 0.75."""
    n = spec.max_features
    if n < 4 or spec.synthetic_present * 2 > n:
        raise SimDataError("a synthetic data set needs max_features >= 4 and at least twice synthetic_present")
    half = n // 2

    def examples(count: int) -> tuple[list[tuple[int, ...]], np.ndarray]:
        labels = rng.integers(0, 2, size=count)
        rows = []
        for y in labels:
            own = np.arange(0, half) if y == 1 else np.arange(half, n)
            other = np.arange(half, n) if y == 1 else np.arange(0, half)
            chosen: set[int] = set()
            while len(chosen) < spec.synthetic_present:
                source = own if rng.random() < 0.75 else other
                chosen.add(int(rng.choice(source)))
            rows.append(tuple(sorted(chosen)))
        return rows, labels.astype(np.int64)

    train, train_labels = examples(spec.synthetic_train)
    test, test_labels = examples(spec.synthetic_test)
    return train, train_labels, test, test_labels
