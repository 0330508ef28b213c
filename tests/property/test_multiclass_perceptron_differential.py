"""Differential tests: the multi-class Perceptron trainers' `predict`, `scores` and updates equal the
Python mirrors', bit for bit.

Deployed once per module:
- sparse, 10 classes over 150 features (10 lanes a feature: a feature's weights straddle words);
- sparse, 3 classes over 40 features (4 lanes a feature, one padding lane), weights at the int32
  bounds, intercepts near the int64 bounds and the largest learning rate, so updates saturate;
- dense, 10 classes over 64 features (the digits shape);
- dense, 5 classes over 13 features (8 lanes a feature), at the bounds like the second.
Each example that changes state runs inside a chain snapshot restored in `finally`.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams
from hypothesis import given
from hypothesis import strategies as st

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE
from collabml.models.multiclass_perceptron import (
    MAX_FEATURE_VALUE,
    DenseMulticlassPerceptron,
    SparseMulticlassPerceptron,
)

B = MAX_FEATURE_VALUE
EDGE_WEIGHTS = [INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX]
EDGE_INTERCEPTS = [INT64_MIN, INT64_MIN + 3, -1, 0, 1, INT64_MAX - 3, INT64_MAX]


def index_sets(n: int, max_size: int = 40):
    return st.lists(st.integers(0, n - 1), unique=True, max_size=max_size).map(lambda f: tuple(sorted(f)))


def dense_vectors(n: int):
    value = st.one_of(st.sampled_from([0, 0, 0, B, -B, 1, -1, ONE, -ONE]), st.integers(-B, B))
    return st.lists(value, min_size=n, max_size=n)


def random_weights(rng, features: int, classes: int, scale: int = 3 * ONE):
    return rng.integers(-scale, scale + 1, size=(features, classes))


MODELS = {
    "sparse10": lambda: SparseMulticlassPerceptron(
        random_weights(np.random.default_rng(1), 150, 10), list(range(-5 * ONE, 5 * ONE, ONE))
    ),
    "sparse3_edges": lambda: SparseMulticlassPerceptron(
        np.random.default_rng(2).choice(EDGE_WEIGHTS, size=(40, 3)), [INT64_MAX - 3, INT64_MIN + 3, 0], INT32_MAX
    ),
    "dense10": lambda: DenseMulticlassPerceptron(
        random_weights(np.random.default_rng(3), 64, 10, ONE), list(range(-5 * ONE, 5 * ONE, ONE))
    ),
    "dense5_edges": lambda: DenseMulticlassPerceptron(
        np.random.default_rng(4).choice(EDGE_WEIGHTS, size=(13, 5)),
        list(np.random.default_rng(5).choice(EDGE_INTERCEPTS, size=5)),
        INT32_MAX,
    ),
}


@pytest.fixture(scope="module")
def models():
    return {name: build() for name, build in MODELS.items()}


@pytest.fixture(scope="module")
def trainers(project, owner, models):
    mechanism = DrtParams(cost_weight=1).mechanism()
    return {name: deploy_drt_trainer(project, owner, model, mechanism).contract for name, model in models.items()}


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainers):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


FEATURES = {"sparse10": 150, "sparse3_edges": 40, "dense10": 64, "dense5_edges": 13}
CLASSES = {"sparse10": 10, "sparse3_edges": 3, "dense10": 10, "dense5_edges": 5}


def features_of(name: str):
    n = FEATURES[name]
    return index_sets(n) if name.startswith("sparse") else dense_vectors(n)


@st.composite
def cases(draw, steps: bool):
    name = draw(st.sampled_from(sorted(MODELS)))
    if not steps:
        return name, draw(features_of(name))
    examples = st.tuples(features_of(name), st.integers(0, CLASSES[name] - 1))
    return name, draw(st.lists(examples, min_size=1, max_size=2))


@given(case=cases(steps=False))
def test_predict__equals_mirror(trainers, models, case):
    name, features = case
    model, trainer = models[name], trainers[name]
    packed = model.pack(features)
    assert list(trainer.scores(packed)) == model.scores(features)
    assert trainer.predict(packed) == model.predict(features)


@given(case=cases(steps=True))
def test_update__equals_mirror(trainers, models, contributor, chain, case):
    name, steps = case
    model, trainer = models[name], trainers[name]
    mirror = model.copy()
    snapshot = chain.snapshot()
    try:
        for features, label in steps:
            mirror.update(features, label)
            trainer.addData(model.pack(features), label, sender=contributor, value=trainer.depositRequired())
        onchain = TrainerClient(trainer, mirror=type(model)).read_model()
        assert np.array_equal(onchain.weights, mirror.weights)
        assert list(onchain.intercepts) == list(mirror.intercepts)
        assert list(trainer.intercepts()) == list(mirror.intercepts)
        assert list(trainer.modelWords(0, mirror.word_count)) == mirror.packed_words()
    finally:
        chain.restore(snapshot)

