"""Gas and accuracy of the Nearest Centroid trainers (`SparseNearestCentroidDRT`, `DenseNearestCentroidDRT`).

Returns figures; prints and asserts nothing (the project's benchmark script formats them).
Each scenario is planned with the mirror so the chain does exactly what is measured: an
`addData` of an honest example (the model predicts its label before and after), one of a
dishonest example (the model disputes its label and still does after learning it), a refund of
the honest one and a report of the dishonest one by the honest contributor. A nearest-centroid
model learns from every example, so `addData` always updates: the two `addData` figures differ
only by the words the examples touch.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from collabml.chain.benchmark import contribute_exact
from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DeployResult, deploy_drt_trainer
from collabml.incentives.drt import DepositRefundTake
from collabml.models.nearest_centroid import DenseNearestCentroid, SparseNearestCentroid

DAY = 86_400


@dataclass(frozen=True)
class GasRow:
    """Gas of one scenario; `features_present` is the dense model's dimension for dense rows."""

    features_present: int
    add_honest: int
    add_dishonest: int
    refund: int
    report: int


@dataclass(frozen=True)
class GasReport:
    contract: str
    feature_count: int
    class_count: int
    deploy_contract: int
    deploy_words: int
    word_count: int
    rows: list[GasRow] = field(default_factory=list)

    @property
    def deploy_total(self) -> int:
        return self.deploy_contract + self.deploy_words


def synthetic_sparse(feature_count: int, class_count: int, examples: int = 2500, present: int = 100, seed: int = 0):
    """Binary examples (about `present` features each) whose feature frequencies differ by class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, class_count, size=examples)
    base = rng.dirichlet(np.ones(feature_count) * 0.5)
    tilt = rng.lognormal(0, 0.7, size=(class_count, feature_count))
    probabilities = np.minimum(base * tilt * present / (base * tilt).sum(axis=1, keepdims=True), 0.9)
    X = (rng.random((examples, feature_count)) < probabilities[y]).astype(np.int64)
    return X, y


def synthetic_dense(feature_count: int, class_count: int, examples: int = 1500, seed: int = 0):
    """Fixed-point examples in `[0, ONE]` around class means."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, class_count, size=examples)
    means = rng.random((class_count, feature_count))
    X = np.clip(means[y] + rng.normal(0, 0.35, size=(examples, feature_count)), 0, 1)
    return DenseNearestCentroid.to_fixed(X), y


def _pick(model, candidates, label_of, agree: bool, keep=()):
    """The first candidate whose prediction agrees (or not) with its label, before and after the
    model learns it, and after which every `(features, label)` in `keep` still agrees."""
    for features in candidates:
        label = label_of(features)
        if (model.predict(features) == label) != agree:
            continue
        learned = model.copy()
        learned.update(features, label)
        if (learned.predict(features) == label) == agree and all(learned.predict(f) == l for f, l in keep):
            return features, label
    raise RuntimeError("no example fits the scenario; try another seed")


def _mechanism() -> DepositRefundTake:
    """The benchmarks' Deposit-Refund-Take (waits: 1, 30 and 60 days); its mirror prices each deposit."""
    return DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)


def _scenario(client: TrainerClient, chain, honest, dishonest, good, bad) -> GasRow:
    (good_f, good_label), (bad_f, bad_label) = good, bad
    contribution, r_honest = contribute_exact(client, _mechanism(), chain, honest, good_f, good_label)
    disputed, r_dishonest = contribute_exact(client, _mechanism(), chain, dishonest, bad_f, bad_label)
    chain.pending_timestamp = chain.pending_timestamp + DAY
    chain.mine()
    r_refund = client.refund(honest, contribution)
    r_report = client.report(honest, disputed)
    return GasRow(len(good_f), r_honest.gas_used, r_dishonest.gas_used, r_refund.gas_used, r_report.gas_used)


def _report(deployed: DeployResult, model, rows) -> GasReport:
    return GasReport(
        model.CONTRACT + "DRT",
        model.feature_count,
        model.class_count,
        deployed.deploy_gas,
        sum(deployed.load_gas),
        model.word_count,
        rows,
    )


def measure_sparse(
    project, chain, owner, honest, dishonest, *, feature_count=1000, class_count=2, sizes=(20, 80), seed=0
) -> GasReport:
    """Deploy a `SparseNearestCentroidDRT` fitted on synthetic data (2,500 examples) and measure
    addData (honest, dishonest), refund and report with `sizes` features present."""
    X, y = synthetic_sparse(feature_count, class_count, seed=seed)
    model = SparseNearestCentroid.fit(X, y, class_count)
    deployed = deploy_drt_trainer(project, owner, model, _mechanism())
    client = TrainerClient(deployed.contract, mirror=SparseNearestCentroid)
    rng = np.random.default_rng(seed + 1)
    rows = []
    for size in sizes:
        mirror = client.read_model()
        candidates = [tuple(sorted(rng.choice(feature_count, size=size, replace=False).tolist())) for _ in range(2000)]
        good = _pick(mirror, candidates, mirror.predict, agree=True)
        after = mirror.copy()
        after.update(*good)
        bad = _pick(
            after, candidates, lambda f, model=after: (model.predict(f) + 1) % class_count, agree=False, keep=[good]
        )
        rows.append(_scenario(client, chain, honest, dishonest, good, bad))
    return _report(deployed, model, rows)


def measure_dense(
    project, chain, owner, honest, dishonest, *, feature_count=64, class_count=10, data=None, seed=0
) -> GasReport:
    """Deploy a `DenseNearestCentroidDRT` fitted on `data` (fixed-point `X, y`; default synthetic)
    and measure addData (honest, dishonest), refund and report."""
    X, y = data if data is not None else synthetic_dense(feature_count, class_count, seed=seed)
    model = DenseNearestCentroid.fit(X, y, class_count)
    deployed = deploy_drt_trainer(project, owner, model, _mechanism())
    client = TrainerClient(deployed.contract, mirror=DenseNearestCentroid)
    mirror = client.read_model()
    candidates = [tuple(int(v) for v in row) for row in X[:400]]
    good = _pick(mirror, candidates, mirror.predict, agree=True)
    after = mirror.copy()
    after.update(*good)
    bad = _pick(after, candidates, lambda f: (after.predict(f) + 1) % class_count, agree=False, keep=[good])
    rows = [_scenario(client, chain, honest, dishonest, good, bad)]
    return _report(deployed, model, rows)


def digits_fixed_point():
    """scikit-learn's bundled digits (1,797 examples, 64 features, 10 classes) as fixed point
    `value / 16 * ONE`, exact, with the split used here: the first 1,200 train, the rest test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = DenseNearestCentroid.to_fixed(digits.data / 16)
    return (X[:1200], digits.target[:1200]), (X[1200:], digits.target[1200:])


def measure_all(project, chain, owner, honest, dishonest) -> list[GasReport]:
    """The figures the project's benchmark reports: sparse at 1,000 and 10,000 features (2 classes)
    and 1,000 features with 10 classes; dense on digits (64 features, 10 classes) and at 400
    features (2 and 10 classes)."""
    train, _ = digits_fixed_point()
    return [
        measure_sparse(project, chain, owner, honest, dishonest, feature_count=1000),
        measure_sparse(project, chain, owner, honest, dishonest, feature_count=10_000),
        measure_sparse(project, chain, owner, honest, dishonest, feature_count=1000, class_count=10),
        measure_dense(project, chain, owner, honest, dishonest, feature_count=64, class_count=10, data=train),
        measure_dense(project, chain, owner, honest, dishonest, feature_count=400, class_count=2),
        measure_dense(project, chain, owner, honest, dishonest, feature_count=400, class_count=10),
    ]


def _imdb_model(data_dir=None):
    from sklearn.neighbors import NearestCentroid

    from collabml.data import load_imdb
    from collabml.encoding import TextEncoder

    train, test = load_imdb("train", data_dir), load_imdb("test", data_dir)
    encoder = TextEncoder.fit(train.texts, 1000)
    X_train, X_test = encoder.to_matrix(train.texts), encoder.to_matrix(test.texts)
    clf = NearestCentroid().fit(X_train, train.labels)
    return clf, SparseNearestCentroid.from_sklearn(clf, X_train, train.labels), encoder, X_test, test


def _digits_model():
    from sklearn.datasets import load_digits
    from sklearn.neighbors import NearestCentroid

    digits = load_digits()
    X, y = digits.data / 16, digits.target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant pixels: "zero standard deviation", irrelevant here
        clf = NearestCentroid().fit(X[:1200], y[:1200])
    return clf, DenseNearestCentroid.from_sklearn(clf, X[:1200], y[:1200]), X[1200:], y[1200:]


def onchain_agreement(project, owner, *, sample: int = 200, data_dir=None) -> dict[str, tuple[int, int]]:
    """Deploy the IMDB and digits models and compare on-chain `predict` with the mirror on the
    first `sample` test examples of each: `{"imdb": (equal, sample), "digits": (equal, sample)}`."""
    mechanism = DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)
    _, sparse, encoder, _, test = _imdb_model(data_dir)
    contract = deploy_drt_trainer(project, owner, sparse, mechanism).contract
    rows = encoder.encode_many(test.texts[:sample])
    imdb = sum(int(contract.predict(sparse.pack(r))) == sparse.predict(r) for r in rows)
    _, dense, X_test, _ = _digits_model()
    contract = deploy_drt_trainer(project, owner, dense, mechanism).contract
    values = [tuple(int(v) for v in row) for row in DenseNearestCentroid.to_fixed(X_test[:sample])]
    digits = sum(int(contract.predict(dense.pack(v))) == dense.predict(v) for v in values)
    return {"imdb": (imdb, len(rows)), "digits": (digits, len(values))}


def accuracy_nearest_centroid(data_dir=None) -> dict[str, tuple[float, float]]:
    """Test accuracy of the mirror (bit-exact to the contracts) and of float scikit-learn
    `NearestCentroid` on the same split: `{"imdb": (mirror, sklearn), "digits": (mirror, sklearn)}`.

    IMDB: the shared subset, 2,500 train / 2,500 test, `TextEncoder.fit(train, 1000)` binary
    features. Digits: the first 1,200 / the remaining 597, values / 16 in fixed point.
    """
    clf, sparse, _, X_test, test = _imdb_model(data_dir)
    imdb = (
        float((sparse.predict_matrix(X_test) == test.labels).mean()),
        float((clf.predict(X_test) == test.labels).mean()),
    )
    clf, dense, X_test, y_test = _digits_model()
    digits_accuracy = (
        float((dense.predict_matrix(DenseNearestCentroid.to_fixed(X_test)) == y_test).mean()),
        float((clf.predict(X_test) == y_test).mean()),
    )
    return {"imdb": imdb, "digits": digits_accuracy}
