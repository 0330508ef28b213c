"""Differential tests: `NaiveBayesDRT`'s `predict`, `scores` and updates equal the Python mirror's, bit
for bit.

Deployed once per module:
- "imdb": 2 classes over 1,000 features (the IMDB shape), counts up to 2,500;
- "digits": 10 classes over 64 features, fitted by scikit-learn on the digits (a feature's lanes
  straddle words);
- "edges": 3 classes over 21 features (63 lanes in 4 words: one padding lane), counts at and near
  `2^16 - 1`,
  document counts 0, 1 and near `2^27 - 1`, the largest alpha, so updates overflow by name;
- "tiny_alpha": 2 classes over 9 features, mostly zero counts and alpha 1 (1e-6): factors of 1.
Feature counts go up to 65,535 (the powering path). Each example that changes state runs inside a
chain snapshot restored in `finally`. IMDB and digits test rows are also checked on chain.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.naive_bayes import MultinomialNB

from collabml import errors
from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.data import DataNotFoundError
from collabml.fixedpoint import ONE
from collabml.models.naive_bayes import MAX_ALPHA, MAX_COUNT, MAX_DOCUMENT_COUNT, MAX_VALUE, NaiveBayes


def _digits_model() -> NaiveBayes:
    digits = load_digits()
    return NaiveBayes.from_sklearn(MultinomialNB().fit(digits.data[:1200].astype(int), digits.target[:1200]))


def _edges_model() -> NaiveBayes:
    rng = np.random.default_rng(3)
    counts = rng.choice([0, 1, 2, MAX_COUNT - 255, MAX_COUNT - 1, MAX_COUNT], size=(3, 21))
    return NaiveBayes(counts, [0, 1, MAX_DOCUMENT_COUNT - 1], MAX_ALPHA)


def _tiny_alpha_model() -> NaiveBayes:
    counts = np.zeros((2, 9), dtype=np.int64)
    counts[0, 2], counts[1, 5] = 3, 1
    return NaiveBayes(counts, [2, 2], 1)


MODELS = {
    "imdb": lambda: NaiveBayes(np.random.default_rng(1).integers(0, 2_500, size=(2, 1000)), [1_250, 1_300], ONE),
    "digits": _digits_model,
    "edges": _edges_model,
    "tiny_alpha": _tiny_alpha_model,
}

CLASSES = {"imdb": 2, "digits": 10, "edges": 3, "tiny_alpha": 2}
FEATURES = {"imdb": 1000, "digits": 64, "edges": 21, "tiny_alpha": 9}


@pytest.fixture(scope="module")
def models() -> dict[str, NaiveBayes]:
    return {name: build() for name, build in MODELS.items()}


@pytest.fixture(scope="module", autouse=True)
def trainers(project, owner, models):
    mechanism = DrtParams(cost_weight=1).mechanism()
    return {name: deploy_drt_trainer(project, owner, model, mechanism).contract for name, model in models.items()}


def pairs(feature_count: int, max_size: int = 60):
    value = st.one_of(st.just(1), st.integers(1, 16), st.sampled_from([2, 255, 256, MAX_VALUE - 1, MAX_VALUE]))
    return st.lists(
        st.tuples(st.integers(0, feature_count - 1), value), max_size=max_size, unique_by=lambda p: p[0]
    ).map(lambda ps: tuple(sorted(ps)))


def cases(names=tuple(MODELS)):
    return st.sampled_from(names).flatmap(lambda name: st.tuples(st.just(name), pairs(FEATURES[name])))


@given(case=cases())
def test_predict__equals_mirror(trainers, models, case):
    name, features = case
    packed = NaiveBayes.pack(features)
    assert list(trainers[name].scores(packed)) == models[name].scores(features)
    assert trainers[name].predict(packed) == models[name].predict(features)


@given(name=st.sampled_from(tuple(MODELS)))
def test_predict__binary_data_equals_mirror(trainers, models, name):
    """Counts of 1 take the two-class fast path on "imdb" and "tiny_alpha"."""
    rng = np.random.default_rng(len(name))
    for size in (0, 1, 7, 40):
        indices = sorted(rng.choice(FEATURES[name], size=min(size, FEATURES[name]), replace=False).tolist())
        features = NaiveBayes.pairs_from_indices(indices)
        assert list(trainers[name].scores(NaiveBayes.pack(features))) == models[name].scores(features)


@given(
    case=st.sampled_from(tuple(MODELS)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(st.tuples(pairs(FEATURES[name], 30), st.integers(0, CLASSES[name] - 1)), min_size=1, max_size=3),
        )
    )
)
def test_update__equals_mirror(trainers, models, contributor, chain, case):
    name, steps = case
    trainer, mirror = trainers[name], models[name].copy()
    snapshot = chain.snapshot()
    try:
        for features, label in steps:
            packed = NaiveBayes.pack(features)
            try:
                trial = mirror.copy()
                trial.update(features, label)
            except errors.ContractRuleError as expected:
                with reverts_with(trainer, expected.name, *expected.args):
                    trainer.addData(packed, label, sender=contributor, value=trainer.depositRequired())
                continue
            mirror = trial
            trainer.addData(packed, label, sender=contributor, value=trainer.depositRequired())
        onchain = TrainerClient(trainer, mirror=NaiveBayes).read_model()
        assert np.array_equal(onchain.counts, mirror.counts)
        assert onchain.document_counts == mirror.document_counts
        assert [trainer.classTotal(c) for c in range(mirror.class_count)] == onchain.totals == mirror.totals
        probe = steps[0][0]
        assert list(trainer.scores(NaiveBayes.pack(probe))) == mirror.scores(probe)
    finally:
        chain.restore(snapshot)


def test_update__edges_overflow_by_name(trainers, models, contributor, chain):
    """A lane at 2^16 - 1 and a class at 2^27 - 1 documents refuse one more, by name."""
    trainer, model = trainers["edges"], models["edges"]
    label, feature = next((c, i) for i in range(21) for c in range(3) if model.counts[c, i] == MAX_COUNT)
    with reverts_with(trainer, "CountOverflow", label, feature, MAX_COUNT + 1, MAX_COUNT):
        trainer.addData(NaiveBayes.pack(((feature, 1),)), label, sender=contributor, value=trainer.depositRequired())
    snapshot = chain.snapshot()
    try:
        trainer.addData(b"", 2, sender=contributor, value=trainer.depositRequired())
        assert trainer.documentCount(2) == MAX_DOCUMENT_COUNT
        with reverts_with(trainer, "DocumentCountOverflow", 2, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT):
            trainer.addData(b"", 2, sender=contributor, value=trainer.depositRequired())
    finally:
        chain.restore(snapshot)


def test_predict__imdb_test_reviews_on_chain(project, owner):
    """A model fitted by scikit-learn on the IMDB subset (1,000 binary words): on-chain predictions
    of 100 test reviews equal the mirror's (which equal scikit-learn's on all 2,500)."""
    from collabml.data import load_imdb
    from collabml.encoding import TextEncoder

    try:
        train, test = load_imdb("train"), load_imdb("test")
    except DataNotFoundError as missing:
        pytest.skip(str(missing))
    encoder = TextEncoder.fit(train.texts, 1000)
    clf = MultinomialNB().fit(encoder.to_matrix(train.texts), train.labels)
    model = NaiveBayes.from_sklearn(clf)
    trainer = deploy_drt_trainer(project, owner, model, DrtParams().mechanism()).contract
    rows = [NaiveBayes.pairs_from_indices(r) for r in encoder.encode_many(test.texts[:100])]
    onchain = [trainer.predict(NaiveBayes.pack(r)) for r in rows]
    assert onchain == [model.predict(r) for r in rows]
    assert onchain == clf.predict(encoder.to_matrix(test.texts[:100])).tolist()


def test_predict__digits_test_images_on_chain(trainers, models):
    """The digits model (10 classes, pixel counts 0..16): 100 test images predict on chain as the
    mirror and scikit-learn do."""
    digits = load_digits()
    X = digits.data[1200:1300].astype(int)
    rows = [NaiveBayes.pairs_from_row(x) for x in X]
    onchain = [trainers["digits"].predict(NaiveBayes.pack(r)) for r in rows]
    assert onchain == models["digits"].predict_matrix(X).tolist()
    clf = MultinomialNB().fit(digits.data[:1200].astype(int), digits.target[:1200])
    assert onchain == clf.predict(X).tolist()
