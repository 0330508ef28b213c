"""Differential tests: the contract's `predict` and update equal the Python mirror's, bit for bit.

A 1,000-feature model (the IMDB shape: integer weights within ±40 steps, learning rate 1) and a
model whose weights sit at the int16 bounds (to reach the saturating branches) are deployed once per module; each Hypothesis example that
changes state runs inside a chain snapshot restored in `finally`.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, random_model
from hypothesis import given
from hypothesis import strategies as st

from collabml.chain.client import TrainerClient
from collabml.encoding import pack_indices
from collabml.fixedpoint import INT16_MAX, INT16_MIN
from collabml.models.perceptron import SparsePerceptron

FEATURES = 1000
feature_sets = st.lists(st.integers(0, FEATURES - 1), max_size=120, unique=True).map(sorted)


@pytest.fixture(scope="module")
def imdb_shaped():
    return random_model(FEATURES, seed=11, scale=40, learning_rate=1)


@pytest.fixture(scope="module")
def big_trainer(create_trainer, imdb_shaped):
    return create_trainer(imdb_shaped, DrtParams(cost_weight=1))


@pytest.fixture(scope="module")
def extreme_model():
    """Weights at and near the int16 bounds and the largest learning rate: updates saturate."""
    rng = np.random.default_rng(5)
    weights = rng.choice([INT16_MIN, INT16_MIN + 1, -1, 0, 1, INT16_MAX - 1, INT16_MAX], size=FEATURES)
    return SparsePerceptron(weights, intercept=0, learning_rate=INT16_MAX)


@pytest.fixture(scope="module")
def extreme_trainer(create_trainer, extreme_model):
    return create_trainer(extreme_model, DrtParams(cost_weight=1))


@given(features=feature_sets)
def test_predict__equals_mirror(big_trainer, imdb_shaped, features):
    assert big_trainer.predict(pack_indices(features)) == imdb_shaped.predict(features)


@given(features=feature_sets)
def test_predict__equals_mirror_at_int16_bounds(extreme_trainer, extreme_model, features):
    assert extreme_trainer.predict(pack_indices(features)) == extreme_model.predict(features)


@given(steps=st.lists(st.tuples(feature_sets, st.integers(0, 1)), min_size=1, max_size=4))
def test_update__equals_mirror(big_trainer, imdb_shaped, contributor, chain, steps):
    _check_updates(big_trainer, imdb_shaped, contributor, chain, steps)


@given(steps=st.lists(st.tuples(feature_sets, st.integers(0, 1)), min_size=1, max_size=4))
def test_update__saturates_like_mirror(extreme_trainer, extreme_model, contributor, chain, steps):
    _check_updates(extreme_trainer, extreme_model, contributor, chain, steps)


def _check_updates(trainer, model, contributor, chain, steps):
    mirror = model.copy()
    snapshot = chain.snapshot()
    try:
        for features, label in steps:
            mirror.update(features, label)
            trainer.addData(pack_indices(features), label, sender=contributor, value=trainer.depositRequired())
        onchain = TrainerClient(trainer).read_model()
        assert np.array_equal(onchain.weights, mirror.weights)
        assert onchain.intercept == mirror.intercept
    finally:
        chain.restore(snapshot)
