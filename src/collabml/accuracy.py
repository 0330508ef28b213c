"""The accuracy experiments of the README: each model trained with float scikit-learn, converted
to its on-chain form (the mirror's ``from_sklearn``), and the test examples it will be asked to
classify, in the mirror's (and the contract's) feature format.

No chain here: :mod:`collabml.chain.accuracy` deploys each case's model and sends every test
example to the contract's ``predict``. This module also holds the result rows, the table and the
JSON / CSV output, which need no chain either.

Data sets and models (the README's "Accuracy" table):

- ``imdb``: the shared subset's 2,500 training and 2,500 test reviews, the ``max_features`` words
  in the most training reviews (``TextEncoder.fit``, ties broken alphabetically), binary features:
  SparsePerceptron, NaiveBayes, SparseNearestCentroid and SparseMulticlassPerceptron (K = 2, from
  the same binary scikit-learn Perceptron).
- ``digits``: scikit-learn's bundled 8x8 digits (10 classes), the first 1,200 images train, the
  other 597 test: NaiveBayes on pixel counts 0..16, DenseNearestCentroid and
  DenseMulticlassPerceptron on pixel / 16, SparseMulticlassPerceptron on pixels > 8.
- ``breast-cancer``: scikit-learn's breast cancer data (30 features), 70/30 stratified split
  (``random_state=0``), standardised on the training part: DensePerceptron.

Every scikit-learn model has its default settings (``Perceptron(random_state=0)``).
"""

from __future__ import annotations

import csv
import json
import pathlib
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from collabml.models.dense_perceptron import DensePerceptron, to_dense_features
from collabml.models.multiclass_perceptron import DenseMulticlassPerceptron, SparseMulticlassPerceptron
from collabml.models.naive_bayes import NaiveBayes
from collabml.models.nearest_centroid import DenseNearestCentroid, SparseNearestCentroid
from collabml.models.perceptron import SparsePerceptron

DIGITS_TRAIN = 1_200
"""Digits split: the first 1,200 images train, the other 597 test."""

MODELS: dict[str, tuple[str, ...]] = {
    "imdb": ("SparsePerceptron", "NaiveBayes", "SparseNearestCentroid", "SparseMulticlassPerceptron"),
    "digits": ("NaiveBayes", "DenseNearestCentroid", "DenseMulticlassPerceptron", "SparseMulticlassPerceptron"),
    "breast-cancer": ("DensePerceptron",),
}
"""The models measured on each data set, in the order of the README's table."""

DATA_SETS = tuple(MODELS)

TOLERANCE = 0.01
"""The issue's target: each model within 1 point of float scikit-learn on the same features."""


class UnknownModelError(ValueError):
    """A data set or model name this module does not know; the message lists the known ones."""


@dataclass(frozen=True)
class AccuracyCase:
    """One model on one data set, ready to deploy: ``features[i]`` is test example ``i`` as the
    mirror's ``predict`` and ``pack`` take it, ``labels[i]`` its true class and
    ``sklearn_predictions[i]`` what the float scikit-learn model predicts for it."""

    data_set: str
    description: str
    """The features, in a few words (e.g. "binary, 1,000 words")."""
    model: Any
    """A mirror (``collabml.models``) converted from the fitted scikit-learn model."""
    features: list
    labels: np.ndarray
    sklearn_predictions: np.ndarray
    train_size: int
    prepare_seconds: float = 0.0
    """Wall time to fit the scikit-learn model, convert it and encode the test features."""

    @property
    def model_name(self) -> str:
        return type(self.model).__name__

    @property
    def test_size(self) -> int:
        return len(self.features)


@dataclass(frozen=True)
class AccuracyRow:
    """The measured figures of one case (``contract_*`` from the deployed contract's ``predict``)."""

    data_set: str
    model: str
    features: str
    train_size: int
    test_size: int
    contract_accuracy: float
    mirror_accuracy: float
    sklearn_accuracy: float
    contract_equals_sklearn: int
    contract_equals_mirror: int
    deploy_gas: int
    seconds: float
    """Wall time of this model: fit and convert, deploy and load, every on-chain and mirror prediction."""
    predict_seconds: float
    """Wall time of the on-chain predictions alone."""
    mirror_disagreements: list[int] = field(default_factory=list)
    """Test indices where the contract and the mirror predict differently (must be empty)."""
    sklearn_disagreements: list[int] = field(default_factory=list)
    """Test indices where the contract and float scikit-learn predict differently."""

    @property
    def within_tolerance(self) -> bool:
        """Within 1 point of float scikit-learn (with a little slack for float rounding of the ratio)."""
        return abs(self.contract_accuracy - self.sklearn_accuracy) <= TOLERANCE + 1e-12

    @property
    def mirror_agrees(self) -> bool:
        return self.contract_equals_mirror == self.test_size


def accuracy_row(
    case: AccuracyCase,
    contract_predictions: Sequence[int],
    mirror_predictions: Sequence[int],
    *,
    deploy_gas: int = 0,
    seconds: float = 0.0,
    predict_seconds: float = 0.0,
) -> AccuracyRow:
    """Compare the contract's predictions of ``case``'s test examples with the labels, the mirror's
    and float scikit-learn's."""
    contract = np.asarray(contract_predictions, dtype=np.int64)
    mirror = np.asarray(mirror_predictions, dtype=np.int64)
    labels = np.asarray(case.labels, dtype=np.int64)
    sklearn = np.asarray(case.sklearn_predictions, dtype=np.int64)
    if not contract.shape == mirror.shape == labels.shape == sklearn.shape:
        raise ValueError(
            f"{case.model_name} on {case.data_set}: {contract.shape} contract, {mirror.shape} mirror, "
            f"{sklearn.shape} scikit-learn predictions for {labels.shape} labels; predict every test example"
        )
    return AccuracyRow(
        data_set=case.data_set,
        model=case.model_name,
        features=case.description,
        train_size=case.train_size,
        test_size=len(labels),
        contract_accuracy=float((contract == labels).mean()),
        mirror_accuracy=float((mirror == labels).mean()),
        sklearn_accuracy=float((sklearn == labels).mean()),
        contract_equals_sklearn=int((contract == sklearn).sum()),
        contract_equals_mirror=int((contract == mirror).sum()),
        deploy_gas=deploy_gas,
        seconds=seconds,
        predict_seconds=predict_seconds,
        mirror_disagreements=[int(i) for i in np.flatnonzero(contract != mirror)],
        sklearn_disagreements=[int(i) for i in np.flatnonzero(contract != sklearn)],
    )


# ---- the table and the files ----

_COLUMNS = (
    ("data", "<", 13),
    ("model", "<", 26),
    ("features", "<", 22),
    ("test", ">", 5),
    ("contract", ">", 8),
    ("mirror", ">", 8),
    ("sklearn", ">", 8),
    ("diff", ">", 7),
    ("==sklearn", ">", 11),
    ("==mirror", ">", 11),
    ("seconds", ">", 7),
)


def _cells(row: AccuracyRow) -> tuple[str, ...]:
    flag = "" if row.within_tolerance else " !"
    return (
        row.data_set,
        row.model,
        row.features,
        f"{row.test_size:,}",
        f"{row.contract_accuracy:.4f}",
        f"{row.mirror_accuracy:.4f}",
        f"{row.sklearn_accuracy:.4f}",
        f"{row.contract_accuracy - row.sklearn_accuracy:+.4f}{flag}",
        f"{row.contract_equals_sklearn:,}/{row.test_size:,}",
        f"{row.contract_equals_mirror:,}/{row.test_size:,}",
        f"{row.seconds:.1f}",
    )


def format_table(rows: Sequence[AccuracyRow]) -> list[str]:
    """The results as aligned text lines: a header, then one line per row. "diff" is contract minus
    scikit-learn accuracy, marked "!" beyond 1 point."""
    cells = [_cells(r) for r in rows]
    widths = [max([width, *(len(c[k]) for c in cells)]) for k, (_, _, width) in enumerate(_COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:{align}{w}}" for c, (_, align, _), w in zip(cells, _COLUMNS, widths)).rstrip()

    header = line([name for name, _, _ in _COLUMNS])
    return [header, "-" * len(header), *(line(c) for c in cells)]


def format_markdown(rows: Sequence[AccuracyRow]) -> list[str]:
    """The results as the README's Markdown table."""
    lines = [
        "| data | model | features | test | contract | mirror | float scikit-learn "
        "| contract = sklearn | contract = mirror |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.data_set} | {r.model} | {r.features} | {r.test_size:,} | {r.contract_accuracy:.4f} "
            f"| {r.mirror_accuracy:.4f} | {r.sklearn_accuracy:.4f} | {r.contract_equals_sklearn:,} "
            f"| {r.contract_equals_mirror:,} |"
        )
    return lines


_SUMMARY_FIELDS = [name for name in AccuracyRow.__dataclass_fields__ if not name.endswith("_disagreements")]


def write_rows(
    rows: Sequence[AccuracyRow], path: str | pathlib.Path, metadata: dict[str, Any] | None = None
) -> pathlib.Path:
    """Write the rows as JSON (``.json``: every field, with the disagreeing test indices, and
    ``metadata``) or CSV (``.csv``: one line a row, every field but the disagreeing indices, and
    ``within_tolerance``). Creates the parent directory."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        payload = {"metadata": metadata or {}, "rows": [asdict(r) for r in rows]}
        path.write_text(json.dumps(payload, indent=2) + "\n")
    elif path.suffix == ".csv":
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*_SUMMARY_FIELDS, "within_tolerance"])
            for r in rows:
                writer.writerow([*(getattr(r, name) for name in _SUMMARY_FIELDS), r.within_tolerance])
    else:
        raise ValueError(f"cannot tell the format of {path}: name it *.json or *.csv")
    return path


# ---- the data sets ----


def _sklearn_perceptron(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Perceptron(random_state=0).fit(X, y)


def _nearest_centroid(X, y):
    from sklearn.neighbors import NearestCentroid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant digits pixels: "zero standard deviation", irrelevant here
        return NearestCentroid().fit(X, y)


def _multinomial_nb(X, y):
    from sklearn.naive_bayes import MultinomialNB

    return MultinomialNB().fit(X, y)


def _dense_rows(F: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(v) for v in row) for row in F]


def _index_rows(X_binary: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in np.flatnonzero(row)) for row in X_binary]


Builder = Callable[[], tuple[Any, list, np.ndarray]]
"""Fits a scikit-learn model and returns (mirror, test features, scikit-learn's test predictions)."""


Builders = tuple[dict[str, tuple[str, Builder]], np.ndarray, int]
"""Each model's (feature description, builder), the test labels, the training split's size."""


def _imdb_builders(data_dir, max_features: int, test_size: int | None) -> Builders:
    from collabml.data import load_imdb
    from collabml.encoding import TextEncoder

    train, test = load_imdb("train", data_dir), load_imdb("test", data_dir)
    encoder = TextEncoder.fit(train.texts, max_features)
    texts = test.texts if test_size is None else test.texts[:test_size]
    train_rows, test_rows = encoder.encode_many(train.texts), encoder.encode_many(texts)
    X_train, X_test = encoder.to_matrix(train_rows), encoder.to_matrix(test_rows)
    y_train = np.asarray(train.labels)
    description = f"binary, {encoder.feature_count:,} words"
    perceptron: list = []

    def fitted_perceptron():
        if not perceptron:  # one scikit-learn model for the binary and the multi-class contract
            perceptron.append(_sklearn_perceptron(X_train, y_train))
        return perceptron[0]

    def sparse_perceptron():
        clf = fitted_perceptron()
        return SparsePerceptron.from_sklearn(clf), list(test_rows), clf.predict(X_test)

    def naive_bayes():
        clf = _multinomial_nb(X_train, y_train)
        return NaiveBayes.from_sklearn(clf), [NaiveBayes.pairs_from_indices(r) for r in test_rows], clf.predict(X_test)

    def nearest_centroid():
        clf = _nearest_centroid(X_train, y_train)
        return SparseNearestCentroid.from_sklearn(clf, X_train, y_train), list(test_rows), clf.predict(X_test)

    def multiclass_perceptron():
        clf = fitted_perceptron()
        return SparseMulticlassPerceptron.from_sklearn(clf), list(test_rows), clf.predict(X_test)

    builders = {
        "SparsePerceptron": (description, sparse_perceptron),
        "NaiveBayes": (description, naive_bayes),
        "SparseNearestCentroid": (description, nearest_centroid),
        "SparseMulticlassPerceptron": (f"{description} (K = 2)", multiclass_perceptron),
    }
    labels = np.asarray(test.labels)[: len(test_rows)]
    return builders, labels, len(train)


def _digits_builders(data_dir, max_features: int, test_size: int | None) -> Builders:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    end = len(y) if test_size is None else min(len(y), DIGITS_TRAIN + test_size)
    X_train, X_test, y_train, y_test = X[:DIGITS_TRAIN], X[DIGITS_TRAIN:end], y[:DIGITS_TRAIN], y[DIGITS_TRAIN:end]

    def naive_bayes():
        counts_train, counts_test = X_train.astype(np.int64), X_test.astype(np.int64)
        clf = _multinomial_nb(counts_train, y_train)
        rows = [NaiveBayes.pairs_from_row(r) for r in counts_test]
        return NaiveBayes.from_sklearn(clf), rows, clf.predict(counts_test)

    def nearest_centroid():
        clf = _nearest_centroid(X_train / 16, y_train)
        rows = _dense_rows(DenseNearestCentroid.to_fixed(X_test / 16))
        return DenseNearestCentroid.from_sklearn(clf, X_train / 16, y_train), rows, clf.predict(X_test / 16)

    def dense_perceptron():
        clf = _sklearn_perceptron(X_train / 16, y_train)
        rows = _dense_rows(to_dense_features(X_test / 16))
        return DenseMulticlassPerceptron.from_sklearn(clf), rows, clf.predict(X_test / 16)

    def sparse_perceptron():
        B_train, B_test = (X_train > 8).astype(np.int64), (X_test > 8).astype(np.int64)
        clf = _sklearn_perceptron(B_train, y_train)
        return SparseMulticlassPerceptron.from_sklearn(clf), _index_rows(B_test), clf.predict(B_test)

    builders = {
        "NaiveBayes": ("pixel counts 0..16", naive_bayes),
        "DenseNearestCentroid": ("pixel / 16", nearest_centroid),
        "DenseMulticlassPerceptron": ("pixel / 16", dense_perceptron),
        "SparseMulticlassPerceptron": ("pixel > 8, binary", sparse_perceptron),
    }
    return builders, y_test, DIGITS_TRAIN


def breast_cancer_split(seed: int = 0):
    """scikit-learn's breast cancer data, 70/30 stratified split (``random_state=seed``),
    standardised on the training part: ``(X_train, X_test, y_train, y_test)`` in real units."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _breast_cancer_builders(data_dir, max_features: int, test_size: int | None) -> Builders:
    X_train, X_test, y_train, y_test = breast_cancer_split()
    X_test, y_test = X_test[:test_size], y_test[:test_size]

    def dense_perceptron():
        clf = _sklearn_perceptron(X_train, y_train)
        return DensePerceptron.from_sklearn(clf), _dense_rows(to_dense_features(X_test)), clf.predict(X_test)

    return {"DensePerceptron": ("30 standardised", dense_perceptron)}, y_test, len(y_train)


_DATA_SET_BUILDERS = {"imdb": _imdb_builders, "digits": _digits_builders, "breast-cancer": _breast_cancer_builders}


def select(data_sets: Sequence[str] = (), models: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The (data set, model) pairs to measure, in the table's order: every known model of each of
    ``data_sets`` (all when empty), keeping only ``models`` when given. Raises
    :class:`UnknownModelError` for a name that is not known, or a choice that selects nothing."""
    for name in data_sets:
        if name not in MODELS:
            raise UnknownModelError(f"unknown data set {name!r}; choose from {', '.join(DATA_SETS)}")
    known_models = sorted({m for ms in MODELS.values() for m in ms})
    for name in models:
        if name not in known_models:
            raise UnknownModelError(f"unknown model {name!r}; choose from {', '.join(known_models)}")
    chosen = [(d, m) for d in (data_sets or DATA_SETS) for m in MODELS[d] if not models or m in models]
    if not chosen:
        measured = "; ".join(f"{d}: {', '.join(ms)}" for d, ms in MODELS.items())
        raise UnknownModelError(f"no model of {list(models)} is measured on {list(data_sets)}: {measured}")
    return chosen


def build_cases(
    pairs: Sequence[tuple[str, str]],
    *,
    data_dir=None,
    max_features: int = 1000,
    test_size: int | None = None,
) -> Iterator[AccuracyCase]:
    """Each (data set, model) of ``pairs`` (see :func:`select`) as an :class:`AccuracyCase`,
    lazily, loading each data set once. ``test_size`` keeps the first test examples only (for a
    quick run); the models always learn from the whole training split."""
    if test_size is not None and test_size <= 0:
        raise ValueError("test_size must be positive (or None for the whole test split)")
    loaded: dict[str, tuple] = {}
    for data_set, model in pairs:
        if data_set not in loaded:
            loaded = {data_set: _DATA_SET_BUILDERS[data_set](data_dir, max_features, test_size)}
        builders, labels, train_size = loaded[data_set]
        description, build = builders[model]
        start = time.perf_counter()
        mirror, features, sklearn_predictions = build()
        yield AccuracyCase(
            data_set,
            description,
            mirror,
            features,
            labels,
            np.asarray(sklearn_predictions),
            train_size,
            prepare_seconds=time.perf_counter() - start,
        )

