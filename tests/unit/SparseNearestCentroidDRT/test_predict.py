"""`predict(bytes features)` of `SparseNearestCentroidDRT`: the class of the nearest centroid,
`argmin_c ||x - S_c / n_c||^2`, compared exactly, ties to the lowest class.

Reverts are checked on `predict.transact` (Ape decodes a reverted transaction's custom error, not
a reverted `eth_call`'s).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_indices
from collabml.models.nearest_centroid import SparseNearestCentroid

PARAMS = DrtParams()
# 3 classes, 6 features: mu_0 = (1, 1, 0, 0, 0, 1/2), mu_1 = (0, 0, 1, 1, 0, 1/2),
# mu_2 = (1/4, 1/4, 1/4, 1/4, 1, 0); Q = (9, 9, 20).
MODEL = SparseNearestCentroid(
    np.array([[2, 2, 0, 0, 0, 1], [0, 0, 2, 2, 0, 1], [1, 1, 1, 1, 4, 0]]), np.array([2, 2, 4])
)
# Only class 1 has examples; then no class has any.
ONE_CLASS = SparseNearestCentroid(np.array([[0, 0], [1, 2], [0, 0]]), np.array([0, 2, 0]))
EMPTY = SparseNearestCentroid.zeros(3, 2)
# Ten classes (one word a feature) and twelve classes (two words a feature).
TEN = SparseNearestCentroid(np.eye(10, 12, dtype=np.int64) * 3, np.full(10, 3))
TWELVE = SparseNearestCentroid(np.eye(12, 5, k=-7, dtype=np.int64), np.ones(12, dtype=np.int64))


@pytest.fixture(scope="module")
def trainers(project, owner):
    return {
        name: deploy_drt_trainer(project, owner, model, PARAMS.mechanism()).contract
        for name, model in [
            ("model", MODEL),
            ("one_class", ONE_CLASS),
            ("empty", EMPTY),
            ("ten", TEN),
            ("twelve", TWELVE),
        ]
    }


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainers):
    """Deploy the module's trainers before its first test, so Ape's snapshots nest cleanly."""


def raw(*indices: int) -> bytes:
    """Packed features without `pack_indices`' checks, to send what the contract must reject."""
    return struct.pack(f">{len(indices)}H", *indices)


@pytest.mark.parametrize(
    "features, squared_distances, label",
    [
        ((0, 1), (1 / 4, 17 / 4, 9 / 4), 0),
        ((2, 3), (17 / 4, 1 / 4, 9 / 4), 1),
        ((4,), (13 / 4, 13 / 4, 1 / 4), 2),
        ((), (9 / 4, 9 / 4, 5 / 4), 2),
        ((5,), (9 / 4, 9 / 4, 9 / 4), 0),  # three-way tie: the lowest class
        ((0, 2), (9 / 4, 9 / 4, 9 / 4), 0),  # a tie again
        ((2, 4), (17 / 4, 9 / 4, 3 / 4), 2),
        ((0, 1, 2, 3, 4, 5), (13 / 4, 13 / 4, 13 / 4), 0),
        ((0, 1, 5), (1 / 4, 17 / 4, 13 / 4), 0),
    ],
)
def test_predict__known_values(trainers, features, squared_distances, label):
    distances = MODEL.distances(features)  # n_c^2 * ||x - mu_c||^2
    assert [d / int(n) ** 2 for d, n in zip(distances, MODEL.counts)] == list(squared_distances)
    assert trainers["model"].predict(pack_indices(features)) == MODEL.predict(features) == label


@pytest.mark.parametrize("features", [(), (0,), (1,), (0, 1)])
def test_predict__empty_classes_are_skipped(trainers, features):
    assert trainers["one_class"].predict(pack_indices(features)) == 1
    assert trainers["empty"].predict(pack_indices(features)) == 0


@pytest.mark.parametrize("name, model", [("ten", TEN), ("twelve", TWELVE)])
def test_predict__many_classes(trainers, name, model):
    for features in [(), *[(i,) for i in range(model.feature_count)], tuple(range(model.feature_count))]:
        assert trainers[name].predict(pack_indices(features)) == model.predict(features), features
    assert model.predict((3,)) == (3 if name == "ten" else 10)


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00", ("FeaturesMalformed", 1)),
        (raw(1, 2) + b"\x03", ("FeaturesMalformed", 5)),
        (raw(0, 0), ("FeaturesNotSorted", 1, 0, 0)),
        (raw(4, 3), ("FeaturesNotSorted", 1, 4, 3)),
        (raw(1, 2, 2), ("FeaturesNotSorted", 2, 2, 2)),
        (raw(6), ("FeatureOutOfRange", 6, 6)),
        (raw(2, 70), ("FeatureOutOfRange", 70, 6)),
        (raw(70, 3), ("FeatureOutOfRange", 70, 6)),
        (raw(3, 2, 70), ("FeaturesNotSorted", 1, 3, 2)),
        (raw(2**16 - 1), ("FeatureOutOfRange", 2**16 - 1, 6)),
    ],
)
def test_predict__bad_features(trainers, anyone, features, error):
    with reverts_with(trainers["model"], *error):
        trainers["model"].predict.transact(features, sender=anyone)
