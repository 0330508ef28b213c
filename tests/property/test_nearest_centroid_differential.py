"""Differential tests: the Nearest Centroid contracts' `predict`, updates (through `addData`) and
reverts equal the Python mirrors', bit for bit.

Deployed once per module: a sparse IMDB-shaped model (1,000 features, 2 classes), sparse models
with 10 classes (one word a feature) and 12 classes (two words a feature), a sparse model at its
bounds (counts at and near 2^24 - 1, every sum 0, n - 1 or n), the dense digits model (64
features, 10 classes) and a dense model at its bounds (counts at and near 2,199,023, sums
+-n * ONE, values +-ONE). Each example that changes state runs inside a chain snapshot restored
in `finally`.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with
from hypothesis import given
from hypothesis import strategies as st

from collabml import errors
from collabml.chain.bench_nearest_centroid import digits_fixed_point, synthetic_sparse
from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.models.nearest_centroid import (
    DENSE_MAX_EXAMPLE_COUNT,
    SPARSE_MAX_EXAMPLE_COUNT,
    DenseNearestCentroid,
    SparseNearestCentroid,
)

PARAMS = DrtParams(cost_weight=1)


@pytest.fixture(scope="module")
def create(project, owner):
    def create(model):
        return deploy_drt_trainer(project, owner, model, PARAMS.mechanism()).contract

    return create


def _sparse_at_bounds(feature_count: int, counts: list[int], seed: int) -> SparseNearestCentroid:
    rng = np.random.default_rng(seed)
    sums = np.array([rng.choice([0, max(n - 1, 0), n], size=feature_count) for n in counts], dtype=np.int64)
    return SparseNearestCentroid(sums, np.array(counts))


MODELS = {
    "imdb_shaped": lambda: SparseNearestCentroid.fit(*synthetic_sparse(1000, 2)),
    "ten_classes": lambda: SparseNearestCentroid.fit(*synthetic_sparse(37, 10, examples=400, present=8, seed=1), 10),
    "twelve_classes": lambda: SparseNearestCentroid.fit(*synthetic_sparse(9, 12, examples=300, present=4, seed=2), 12),
    "sparse_bounds": lambda: _sparse_at_bounds(50, [SPARSE_MAX_EXAMPLE_COUNT, SPARSE_MAX_EXAMPLE_COUNT - 1, 3], seed=3),
    "digits": lambda: DenseNearestCentroid.fit(*digits_fixed_point()[0], 10),
    "dense_bounds": lambda: DenseNearestCentroid(
        np.random.default_rng(4).choice([-1, 0, 1], size=(2, 13))
        * np.array([[DENSE_MAX_EXAMPLE_COUNT * ONE], [(DENSE_MAX_EXAMPLE_COUNT - 1) * ONE]]),
        np.array([DENSE_MAX_EXAMPLE_COUNT, DENSE_MAX_EXAMPLE_COUNT - 1]),
    ),
}
SPARSE_NAMES = ["imdb_shaped", "ten_classes", "twelve_classes", "sparse_bounds"]
DENSE_NAMES = ["digits", "dense_bounds"]


@pytest.fixture(scope="module")
def models():
    return {name: build() for name, build in MODELS.items()}


@pytest.fixture(scope="module")
def trainers(create, models):
    return {name: create(model) for name, model in models.items()}


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainers):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


def sparse_features(feature_count: int, max_size: int = 120):
    return st.lists(st.integers(0, feature_count - 1), unique=True, max_size=max_size).map(lambda f: tuple(sorted(f)))


def dense_values(feature_count: int):
    value = st.one_of(
        st.integers(-ONE, ONE), st.sampled_from([-ONE, 0, ONE]), st.sampled_from(range(0, ONE + 1, 62_500))
    )
    return st.lists(value, min_size=feature_count, max_size=feature_count).map(tuple)


@st.composite
def sparse_case(draw):
    name = draw(st.sampled_from(SPARSE_NAMES))
    f = {"imdb_shaped": 1000, "ten_classes": 37, "twelve_classes": 9, "sparse_bounds": 50}[name]
    return name, draw(sparse_features(f))


@st.composite
def dense_case(draw):
    name = draw(st.sampled_from(DENSE_NAMES))
    return name, draw(dense_values({"digits": 64, "dense_bounds": 13}[name]))


@given(case=sparse_case())
def test_sparse_predict__equals_mirror(trainers, models, case):
    name, features = case
    assert trainers[name].predict(SparseNearestCentroid.pack(features)) == models[name].predict(features)


@given(case=dense_case())
def test_dense_predict__equals_mirror(trainers, models, case):
    name, values = case
    assert trainers[name].predict(DenseNearestCentroid.pack(values)) == models[name].predict(values)


@st.composite
def sparse_steps(draw):
    name = draw(st.sampled_from(SPARSE_NAMES))
    model_shape = {
        "imdb_shaped": (1000, 2),
        "ten_classes": (37, 10),
        "twelve_classes": (9, 12),
        "sparse_bounds": (50, 3),
    }
    f, k = model_shape[name]
    steps = draw(st.lists(st.tuples(sparse_features(f, 80), st.integers(0, k - 1)), min_size=1, max_size=3))
    return name, steps


@st.composite
def dense_steps(draw):
    name = draw(st.sampled_from(DENSE_NAMES))
    f, k = {"digits": (64, 10), "dense_bounds": (13, 2)}[name]
    return name, draw(st.lists(st.tuples(dense_values(f), st.integers(0, k - 1)), min_size=1, max_size=3))


@given(case=sparse_steps())
def test_sparse_update__equals_mirror(trainers, models, contributor, chain, case):
    name, steps = case
    _check_updates(trainers[name], models[name], contributor, chain, steps)


@given(case=dense_steps())
def test_dense_update__equals_mirror(trainers, models, contributor, chain, case):
    name, steps = case
    _check_updates(trainers[name], models[name], contributor, chain, steps)


def _check_updates(trainer, model, contributor, chain, steps):
    """Each step on both; a step the mirror refuses (a full class) must revert on chain with the
    same error. Then the whole state read back equals the mirror's."""
    mirror = model.copy()
    snapshot = chain.snapshot()
    try:
        for features, label in steps:
            packed = mirror.pack(features)
            try:
                mirror.update(features, label)
            except errors.ContractRuleError as refused:
                with reverts_with(trainer, refused.name, *refused.args):
                    trainer.addData(packed, label, sender=contributor, value=trainer.depositRequired())
                continue
            trainer.addData(packed, label, sender=contributor, value=trainer.depositRequired())
        onchain = TrainerClient(trainer, mirror=type(model)).read_model()  # also checks sumSquaredNorm
        assert np.array_equal(onchain.sums, mirror.sums)
        assert onchain.counts.tolist() == mirror.counts.tolist()
        assert onchain.norms == mirror.norms
        probe = steps[-1][0]
        assert trainer.predict(mirror.pack(probe)) == mirror.predict(probe)
    finally:
        chain.restore(snapshot)


def test_update__full_class_reverts(trainers, models, contributor):
    """At the bound: class 0 holds 2^24 - 1 (sparse) or 2,199,023 (dense) examples."""
    sparse = trainers["sparse_bounds"]
    with reverts_with(sparse, "ExampleCountOverflow", 0, SPARSE_MAX_EXAMPLE_COUNT + 1, SPARSE_MAX_EXAMPLE_COUNT):
        sparse.addData(b"", 0, sender=contributor, value=sparse.depositRequired())
    dense = trainers["dense_bounds"]
    with reverts_with(dense, "ExampleCountOverflow", 0, DENSE_MAX_EXAMPLE_COUNT + 1, DENSE_MAX_EXAMPLE_COUNT):
        dense.addData(DenseNearestCentroid.pack([ONE] * 13), 0, sender=contributor, value=dense.depositRequired())


raw_indices = st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=12)


@given(name=st.sampled_from(SPARSE_NAMES), indices=raw_indices, odd=st.booleans())
def test_sparse_bad_features__same_error(trainers, models, anyone, name, indices, odd):
    """Any byte string: the chain reverts exactly as the mirror raises (or both predict the same)."""
    data = struct.pack(f">{len(indices)}H", *indices) + (b"\x07" if odd else b"")
    model = models[name]
    try:
        if odd:
            raise errors.FeaturesMalformed(len(data))
        expected = model.predict(indices)
    except errors.ContractRuleError as refused:
        with reverts_with(trainers[name], refused.name, *refused.args):
            trainers[name].predict.transact(data, sender=anyone)
        return
    assert trainers[name].predict(data) == expected


@given(
    name=st.sampled_from(DENSE_NAMES),
    values=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=0, max_size=70),
    length_matches=st.booleans(),
)
def test_dense_bad_values__same_error(trainers, models, anyone, name, values, length_matches):
    model = models[name]
    if length_matches:
        values = (values + [0] * model.feature_count)[: model.feature_count]
    data = struct.pack(f">{len(values)}i", *values)
    try:
        expected = model.predict(values)
    except errors.ContractRuleError as refused:
        with reverts_with(trainers[name], refused.name, *refused.args):
            trainers[name].predict.transact(data, sender=anyone)
        return
    assert trainers[name].predict(data) == expected
