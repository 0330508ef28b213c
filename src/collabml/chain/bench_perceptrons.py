"""Gas and accuracy of the dense and multi-class Perceptrons (`DensePerceptronDRT`,
`SparseMulticlassPerceptronDRT`, `DenseMulticlassPerceptronDRT`).

Returns figures; prints nothing and asserts nothing (the project's benchmark script formats them).
Every gas scenario is planned with the mirror, so the chain does exactly what is measured (each
contribution pays exactly its deposit: no change is sent back): an
`addData` the model agrees with, one that makes it update, the honest contributor's refund and
its report of the other contribution, each with the receipt's `gas_used` on Anvil.

- ``measure_dense(...)`` / ``measure_sparse_multiclass(...)`` / ``measure_dense_multiclass(...)``:
  deployment (contract + model words) and per-call gas.
- ``accuracy_dense_perceptron()``, ``accuracy_multiclass_perceptrons()``: test accuracy of the
  mirrors (bit-exact to the contracts) against scikit-learn's float Perceptron on the same split.
- ``onchain_agreement(...)``: on-chain ``predict`` against the mirror on a sample of test rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DeployResult, deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.incentives.drt import DepositRefundTake
from collabml.models.dense_perceptron import DensePerceptron, to_dense_features
from collabml.models.multiclass_perceptron import DenseMulticlassPerceptron, SparseMulticlassPerceptron

DAY = 86_400
DIGITS_TRAIN = 1_200
"""Digits split: the first 1,200 images train, the other 597 test."""


@dataclass(frozen=True)
class DeployGas:
    feature_count: int
    class_count: int
    contract: int
    words: int
    word_count: int

    @property
    def total(self) -> int:
        return self.contract + self.words


@dataclass(frozen=True)
class CallGas:
    """Gas of one scenario: `features` is the number of features present (sparse) or the feature
    count (dense, where every feature is sent)."""

    features: int
    class_count: int
    add_agrees: int
    add_updates: int
    refund: int
    report: int


@dataclass(frozen=True)
class Accuracy:
    data: str
    model: str
    converted: float
    """Mirror (= contract) accuracy of the model converted from scikit-learn's fitted Perceptron."""
    online: float
    """Mirror accuracy after one pass of the contract's own update from zero over the training set."""
    sklearn: float
    """scikit-learn's float Perceptron on the same split (default settings, random_state=0)."""
    agreement: float
    """Share of test rows where the converted model predicts what scikit-learn predicts."""
    test_size: int


# ---- gas ----


def _mechanism() -> DepositRefundTake:
    return DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)


def _deploy(project, owner, model) -> tuple[DeployResult, DeployGas]:
    deployed = deploy_drt_trainer(project, owner, model, _mechanism())
    gas = DeployGas(
        model.feature_count,
        model.class_count,
        deployed.deploy_gas,
        sum(deployed.load_gas),
        len(model.packed_words()),
    )
    return deployed, gas


def _find(draw: Callable[[], object], predicate, tries: int = 20_000):
    for _ in range(tries):
        candidate = draw()
        if predicate(candidate):
            return candidate
    raise RuntimeError("no example fits the scenario; try another seed")


def _scenario(client: TrainerClient, chain, honest, dishonest, draw, size: int) -> CallGas:
    """An honest example the model agrees with (and keeps agreeing with), a dishonest one it gets
    wrong even after learning it; a day later the honest refund, then the honest report."""
    mirror = client.read_model()
    good = _find(draw, lambda f: True)
    good_label = mirror.predict(good)
    mirror.update(good, good_label)

    def bad_fits(candidate) -> bool:
        features, label = candidate
        if mirror.predict(features) == label:
            return False
        trial = mirror.copy()
        trial.update(features, label)
        return trial.predict(features) != label and trial.predict(good) == good_label

    classes = mirror.class_count
    rng = np.random.default_rng(size)
    bad, bad_label = _find(lambda: (draw(), int(rng.integers(classes))), bad_fits)
    good_c, r_agree = client.contribute_exact(chain, honest, good, good_label, _mechanism())
    bad_c, r_update = client.contribute_exact(chain, dishonest, bad, bad_label, _mechanism())
    chain.pending_timestamp = chain.pending_timestamp + DAY
    chain.mine()
    r_refund = client.refund(honest, good_c)
    r_report = client.report(honest, bad_c)
    return CallGas(size, classes, r_agree.gas_used, r_update.gas_used, r_refund.gas_used, r_report.gas_used)


def measure_dense(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    call_feature_counts: Sequence[int] = (30, 400, 1_000),
    deploy_feature_counts: Sequence[int] = (1_000, 10_000),
    seed: int = 0,
) -> tuple[list[DeployGas], list[CallGas]]:
    """`DensePerceptronDRT`: deployment at `deploy_feature_counts`, and addData (agrees / updates),
    refund and report with every feature non-zero (the dearest case: no zero word is skipped) at
    each of `call_feature_counts`. Weights and values of a standardised model's magnitude."""
    rng = np.random.default_rng(seed)
    deploys = [
        _deploy(project, owner, DensePerceptron(rng.integers(-2 * ONE, 2 * ONE, size=n)))[1]
        for n in deploy_feature_counts
    ]
    calls = []
    for n in call_feature_counts:
        model = DensePerceptron(rng.integers(-2 * ONE, 2 * ONE, size=n), learning_rate=ONE // 100)
        deployed, _ = _deploy(project, owner, model)
        client = TrainerClient(deployed.contract, mirror=DensePerceptron)

        def draw(n=n):
            values = rng.integers(-2 * ONE, 2 * ONE, size=n)
            values[values == 0] = 1
            return [int(v) for v in values]

        calls.append(_scenario(client, chain, honest, dishonest, draw, n))
    return deploys, calls


def measure_sparse_multiclass(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    class_counts: Sequence[int] = (10, 4, 2),
    feature_count: int = 1_000,
    sizes: Sequence[int] = (20, 80),
    deploy_feature_counts: Sequence[int] = (1_000, 10_000),
    deploy_class_count: int = 10,
    seed: int = 0,
) -> tuple[list[DeployGas], list[CallGas]]:
    """`SparseMulticlassPerceptronDRT`: deployment at `deploy_feature_counts` with
    `deploy_class_count` classes; addData / refund / report with `sizes` features present of
    `feature_count`, for each of `class_counts`."""
    rng = np.random.default_rng(seed)

    def random_model(n: int, k: int) -> SparseMulticlassPerceptron:
        return SparseMulticlassPerceptron(rng.integers(-20 * ONE, 20 * ONE, size=(n, k)), [0] * k)

    deploys = [_deploy(project, owner, random_model(n, deploy_class_count))[1] for n in deploy_feature_counts]
    calls = []
    for k in class_counts:
        deployed, _ = _deploy(project, owner, random_model(feature_count, k))
        client = TrainerClient(deployed.contract, mirror=SparseMulticlassPerceptron)
        for size in sizes:

            def draw(size=size):
                return tuple(sorted(int(i) for i in rng.choice(feature_count, size=size, replace=False)))

            calls.append(_scenario(client, chain, honest, dishonest, draw, size))
    return deploys, calls


def measure_dense_multiclass(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    shapes: Sequence[tuple[int, int]] = ((64, 10), (400, 10), (400, 2)),
    seed: int = 0,
) -> tuple[list[DeployGas], list[CallGas]]:
    """`DenseMulticlassPerceptronDRT` at each (feature count, class count) of `shapes` (the digits
    shape first), every value non-zero."""
    rng = np.random.default_rng(seed)
    deploys, calls = [], []
    for n, k in shapes:
        model = DenseMulticlassPerceptron(rng.integers(-2 * ONE, 2 * ONE, size=(n, k)), [0] * k, ONE // 100)
        deployed, gas = _deploy(project, owner, model)
        deploys.append(gas)
        client = TrainerClient(deployed.contract, mirror=DenseMulticlassPerceptron)

        def draw(n=n):
            values = rng.integers(-2 * ONE, 2 * ONE, size=n)
            values[values == 0] = 1
            return [int(v) for v in values]

        calls.append(_scenario(client, chain, honest, dishonest, draw, n))
    return deploys, calls


# ---- accuracy ----


def breast_cancer_split(seed: int = 0):
    """scikit-learn's breast cancer data, 70/30 stratified split (`random_state=seed`), standardised
    on the training part: (X_train, X_test, y_train, y_test) in real units."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def digits_split(binary: bool):
    """scikit-learn's digits: the first 1,200 images train, the rest test. `binary`: pixels > 8 (of
    16) as 0/1 (the sparse model's features); else pixel / 16 in real units."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X > 8).astype(float) if binary else X / 16
    return X[:DIGITS_TRAIN], X[DIGITS_TRAIN:], y[:DIGITS_TRAIN], y[DIGITS_TRAIN:]


def _sklearn_perceptron(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Perceptron(random_state=0).fit(X, y)


def accuracy_dense_perceptron() -> Accuracy:
    """Breast cancer (30 standardised features, values clipped to +-100): the dense binary
    Perceptron, converted and trained online, against scikit-learn's float Perceptron."""
    X_train, X_test, y_train, y_test = breast_cancer_split()
    clf = _sklearn_perceptron(X_train, y_train)
    F_test = to_dense_features(X_test)
    converted = DensePerceptron.from_sklearn(clf).predict_matrix(F_test)
    online = DensePerceptron.zeros(X_train.shape[1])
    online.fit_online(to_dense_features(X_train), y_train)
    return Accuracy(
        "breast cancer",
        "DensePerceptron",
        float(np.mean(converted == y_test)),
        float(np.mean(online.predict_matrix(F_test) == y_test)),
        float(clf.score(X_test, y_test)),
        float(np.mean(converted == clf.predict(X_test))),
        len(y_test),
    )


def accuracy_multiclass_perceptrons() -> list[Accuracy]:
    """Digits (10 classes, 64 pixels; first 1,200 train): the sparse model on binarised pixels, the
    dense model on pixel / 16, each converted from and compared with scikit-learn's one-vs-rest
    Perceptron, and trained online with the contract's update."""
    results = []
    for binary, model_class in ((True, SparseMulticlassPerceptron), (False, DenseMulticlassPerceptron)):
        X_train, X_test, y_train, y_test = digits_split(binary)
        clf = _sklearn_perceptron(X_train, y_train)
        if binary:
            test_rows, train_rows = X_test.astype(np.int64), [tuple(np.flatnonzero(r)) for r in X_train]
        else:
            test_rows, train_rows = to_dense_features(X_test), to_dense_features(X_train).tolist()
        converted = model_class.from_sklearn(clf).predict_matrix(test_rows)
        online = model_class.zeros(X_train.shape[1], 10)
        online.fit_online(train_rows, y_train)
        results.append(
            Accuracy(
                "digits (binarised)" if binary else "digits",
                model_class.CONTRACT,
                float(np.mean(converted == y_test)),
                float(np.mean(online.predict_matrix(test_rows) == y_test)),
                float(clf.score(X_test, y_test)),
                float(np.mean(converted == clf.predict(X_test))),
                len(y_test),
            )
        )
    return results


def onchain_agreement(project, owner, sample: int = 120) -> dict[str, tuple[int, int]]:
    """Deploy each model converted from scikit-learn (as in the accuracy functions) and compare
    on-chain `predict` with the mirror on the first `sample` test rows: {contract: (agreed, sample)}."""
    out = {}
    X_train, X_test, y_train, _ = breast_cancer_split()
    dense = DensePerceptron.from_sklearn(_sklearn_perceptron(X_train, y_train))
    cases = [(dense, [list(map(int, r)) for r in to_dense_features(X_test[:sample])])]
    for binary, model_class in ((True, SparseMulticlassPerceptron), (False, DenseMulticlassPerceptron)):
        X_train, X_test, y_train, _ = digits_split(binary)
        model = model_class.from_sklearn(_sklearn_perceptron(X_train, y_train))
        rows = (
            [tuple(int(i) for i in np.flatnonzero(r)) for r in X_test[:sample]]
            if binary
            else [list(map(int, r)) for r in to_dense_features(X_test[:sample])]
        )
        cases.append((model, rows))
    for model, rows in cases:
        contract = deploy_drt_trainer(project, owner, model, _mechanism()).contract
        agreed = sum(int(contract.predict(model.pack(row))) == model.predict(row) for row in rows)
        out[model.CONTRACT] = (agreed, len(rows))
    return out


__all__ = [
    "Accuracy",
    "CallGas",
    "DeployGas",
    "accuracy_dense_perceptron",
    "accuracy_multiclass_perceptrons",
    "measure_dense",
    "measure_dense_multiclass",
    "measure_sparse_multiclass",
    "onchain_agreement",
]
