"""Gas and accuracy figures of `NaiveBayesDRT`, for the project's benchmark script.

Returns figures; prints and asserts nothing (tests assert behaviour, benchmarks measure). Each
gas scenario is planned with the mirror, so the chain does exactly what is measured: an `addData`
(Naive Bayes learns from every contribution, so there is one case), a refund the model agrees
with, and a report on a contribution it disputes, by a contributor with good data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DeployResult, deploy_drt_trainer
from collabml.incentives.drt import DepositRefundTake
from collabml.models.naive_bayes import NaiveBayes

DAY = 86_400

Pairs = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class NaiveBayesGasRow:
    """Gas of each operation with `features_present` features (counts up to `max_value`)."""

    class_count: int
    features_present: int
    add_data: int
    refund: int
    report: int


@dataclass(frozen=True)
class NaiveBayesDeployGas:
    """Gas of deploying a trainer and loading its count words."""

    feature_count: int
    class_count: int
    contract: int
    words: int
    chunks: int
    word_count: int

    @property
    def total(self) -> int:
        return self.contract + self.words


def random_model(feature_count: int, class_count: int = 2, seed: int = 0, scale: int = 2_500) -> NaiveBayes:
    """Counts like a model trained on a few thousand documents: every lane non-zero, so loading
    pays for every word as a real model's does, and predictions go every way."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, scale + 1, size=(class_count, feature_count), dtype=np.int64)
    documents = [int(d) for d in rng.integers(scale // 2, scale + 1, size=class_count)]
    return NaiveBayes(counts, documents)


def _mechanism(cost_weight: int = 10**12) -> DepositRefundTake:
    """The benchmarks' Deposit-Refund-Take (waits: 1, 30 and 60 days)."""
    return DepositRefundTake(cost_weight, DAY, 30 * DAY, 60 * DAY)


def deploy_model(project, owner, model: NaiveBayes, cost_weight: int = 10**12) -> DeployResult:
    """Deploy a `NaiveBayesDRT` holding `model` (waits: 1, 30 and 60 days)."""
    return deploy_drt_trainer(project, owner, model, _mechanism(cost_weight))


def measure_deploy(project, owner, feature_count: int, class_count: int = 2, seed: int = 0) -> NaiveBayesDeployGas:
    """Deploy gas of a `feature_count` x `class_count` model with non-zero counts."""
    model = random_model(feature_count, class_count, seed)
    deployed = deploy_model(project, owner, model)
    return NaiveBayesDeployGas(
        feature_count,
        class_count,
        deployed.deploy_gas,
        sum(deployed.load_gas),
        len(deployed.load_gas),
        model.word_count,
    )


def _random_pairs(rng, model: NaiveBayes, size: int, max_value: int) -> Pairs:
    indices = sorted(rng.choice(model.feature_count, size=size, replace=False).tolist())
    values = rng.integers(1, max_value + 1, size=size).tolist()
    return tuple(zip(indices, values))


def _find(rng, model: NaiveBayes, size: int, max_value: int, fits: Callable[[Pairs], bool]) -> Pairs:
    for _ in range(10_000):
        features = _random_pairs(rng, model, size, max_value)
        if fits(features):
            return features
    raise RuntimeError(f"no feature set of size {size} fits; try another seed")


def measure(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    feature_count: int = 1000,
    class_count: int = 2,
    sizes: Sequence[int] = (20, 80),
    max_value: int = 1,
    seed: int = 0,
    model: NaiveBayes | None = None,
) -> tuple[DeployResult, list[NaiveBayesGasRow]]:
    """Deploy a trainer and measure addData, refund and report for each number of features present
    (counts drawn from 1 to `max_value`; 1 is binary data)."""
    rng = np.random.default_rng(seed)
    model = model or random_model(feature_count, class_count, seed)
    deployed = deploy_model(project, owner, model)
    client = TrainerClient(deployed.contract, mirror=NaiveBayes)
    rows = []
    for size in sizes:
        mirror = client.read_model()

        # An honest example: labelled as the model predicts, and still predicted after learning it.
        def honest_fits(f: Pairs, mirror: NaiveBayes = mirror) -> bool:
            trial = mirror.copy()
            label = trial.predict(f)
            trial.update(f, label)
            return trial.predict(f) == label

        good_f = _find(rng, mirror, size, max_value, honest_fits)
        good_label = mirror.predict(good_f)
        mirror.update(good_f, good_label)

        # A dishonest example: labelled otherwise, and still disputed after learning it.
        def dishonest_fits(
            f: Pairs, mirror: NaiveBayes = mirror, good_f: Pairs = good_f, good_label: int = good_label
        ) -> bool:
            predicted = mirror.predict(f)
            trial = mirror.copy()
            trial.update(f, (predicted + 1) % mirror.class_count)
            return trial.predict(f) == predicted and trial.predict(good_f) == good_label

        bad_f = _find(rng, mirror, size, max_value, dishonest_fits)
        bad_label = (mirror.predict(bad_f) + 1) % mirror.class_count
        good, r_add = client.contribute_exact(chain, honest, good_f, good_label, _mechanism())
        bad, _ = client.contribute_exact(chain, dishonest, bad_f, bad_label, _mechanism())
        chain.pending_timestamp = chain.pending_timestamp + DAY
        chain.mine()
        r_refund = client.refund(honest, good)
        r_report = client.report(honest, bad)
        rows.append(NaiveBayesGasRow(mirror.class_count, size, r_add.gas_used, r_refund.gas_used, r_report.gas_used))
    return deployed, rows


def measure_add_data(
    project,
    chain,
    owner,
    contributor,
    *,
    feature_count: int = 1000,
    class_count: int = 2,
    sizes: Sequence[int] = (20, 80),
    sets: int = 15,
    max_value: int = 1,
    seed: int = 0,
) -> dict[int, list[int]]:
    """addData gas of `sets` random feature sets of each size (random labels, exact deposits), one
    after another on one deployed trained-like model: ``{size: [gas, ...]}``. Which features share a
    count word is luck, so report the mean (and range) of these, not one sample."""
    rng = np.random.default_rng(seed)
    model = random_model(feature_count, class_count, seed)
    client = TrainerClient(deploy_model(project, owner, model).contract, mirror=NaiveBayes)
    gas: dict[int, list[int]] = {}
    for size in sizes:
        for _ in range(sets):
            features = _random_pairs(rng, model, size, max_value)
            label = int(rng.integers(0, class_count))
            _, receipt = client.contribute_exact(chain, contributor, features, label, _mechanism())
            gas.setdefault(size, []).append(receipt.gas_used)
    return gas


def accuracy_naive_bayes(data_dir=None, alpha: float = 1.0) -> dict[str, tuple[float, float]]:
    """Test accuracy of the contract's arithmetic (the bit-exact mirror) and of float scikit-learn
    ``MultinomialNB``, both fitted on the same data: ``{"imdb": (mirror, sklearn), "digits": (...)}``.

    IMDB: the shared subset's 2,500 training and 2,500 test reviews, a 1,000-word vocabulary,
    binary features. Digits: scikit-learn's bundled 8x8 digits (10 classes, pixel values 0..16 as
    counts), the first 1,200 images for training and the rest (597) for testing.
    """
    from sklearn.datasets import load_digits
    from sklearn.naive_bayes import MultinomialNB

    from collabml.data import load_imdb
    from collabml.encoding import TextEncoder

    results: dict[str, tuple[float, float]] = {}
    train, test = load_imdb("train", data_dir), load_imdb("test", data_dir)
    encoder = TextEncoder.fit(train.texts, 1000)
    x_train, x_test = encoder.to_matrix(train.texts), encoder.to_matrix(test.texts)
    y_train, y_test = np.asarray(train.labels), np.asarray(test.labels)
    clf = MultinomialNB(alpha=alpha).fit(x_train, y_train)
    mirror = NaiveBayes.from_sklearn(clf)
    results["imdb"] = (float((mirror.predict_matrix(x_test) == y_test).mean()), float(clf.score(x_test, y_test)))

    digits = load_digits()
    x, y = digits.data.astype(np.int64), digits.target
    clf = MultinomialNB(alpha=alpha).fit(x[:1200], y[:1200])
    mirror = NaiveBayes.from_sklearn(clf)
    results["digits"] = (
        float((mirror.predict_matrix(x[1200:]) == y[1200:]).mean()),
        float(clf.score(x[1200:], y[1200:])),
    )
    return results
