"""`predict(bytes features)` of `DenseNearestCentroidDRT`: every feature's `int32` fixed-point
value in `[-ONE, ONE]`; the class of the nearest centroid, compared exactly, ties to the lowest class.

Reverts are checked on `predict.transact` (Ape decodes a reverted transaction's custom error, not
a reverted `eth_call`'s).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_dense
from collabml.fixedpoint import ONE
from collabml.models.nearest_centroid import DenseNearestCentroid

PARAMS = DrtParams()
H = ONE // 2
# 7 features (2 words a class: 6 lanes + 1), 2 classes:
# mu_0 = (1/2, 1, 0, 0, -1/2, 0, 1/2) from 2 examples, mu_1 = (0, 0, 1, 1, 0, -1, 0) from 1.
MODEL = DenseNearestCentroid(
    np.array([[ONE, 2 * ONE, 0, 0, -ONE, 0, ONE], [0, 0, ONE, ONE, 0, -ONE, 0]]), np.array([2, 1])
)
# 10 classes over 3 features: class c's centroid is (c / 10, 1 - c / 10, -1 / 2): five header words.
TEN = DenseNearestCentroid(
    np.array([[c * ONE // 10 * 4, (10 - c) * ONE // 10 * 4, -2 * ONE] for c in range(10)]), np.full(10, 4)
)
EMPTY_FIRST = DenseNearestCentroid(np.array([[0, 0], [ONE, ONE], [-ONE, 0]]), np.array([0, 1, 1]))


@pytest.fixture(scope="module")
def trainers(project, owner):
    return {
        name: deploy_drt_trainer(project, owner, model, PARAMS.mechanism()).contract
        for name, model in [("model", MODEL), ("ten", TEN), ("empty_first", EMPTY_FIRST)]
    }


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainers):
    """Deploy the module's trainers before its first test, so Ape's snapshots nest cleanly."""


def raw(*values: int) -> bytes:
    """Packed values without `pack_dense`' checks (any int32)."""
    return struct.pack(f">{len(values)}i", *values)


@pytest.mark.parametrize(
    "values, squared_distances, label",
    [
        ((0, 0, 0, 0, 0, 0, 0), (7 / 4, 3), 0),
        ((0, 0, ONE, ONE, 0, -ONE, 0), (19 / 4, 0), 1),
        ((H, ONE, 0, 0, -H, 0, H), (0, 19 / 4), 0),
        ((H, H, H, H, H, H, H), (2, 15 / 4), 0),
        ((0, 0, H, H, 0, -H, 0), (10 / 4, 3 / 4), 1),
        ((0, H, H, 0, 0, -H, H), (5 / 4, 2), 0),
        ((0, 0, 625_000, 0, 0, 0, 0), (137 / 64, 137 / 64), 0),  # a tie: the lowest class
        ((-ONE, -ONE, ONE, ONE, ONE, -ONE, -ONE), (55 / 4, 4), 1),
    ],
)
def test_predict__known_values(trainers, values, squared_distances, label):
    distances = MODEL.distances(values)  # n_c^2 * ||x - mu_c||^2, scale ONE^2
    assert [d / int(n) ** 2 / ONE**2 for d, n in zip(distances, MODEL.counts)] == list(squared_distances)
    assert trainers["model"].predict(pack_dense(values)) == MODEL.predict(values) == label


def test_predict__ten_classes(trainers):
    for c in range(10):
        values = (c * ONE // 10, (10 - c) * ONE // 10, -H)
        assert trainers["ten"].predict(pack_dense(values)) == TEN.predict(values) == c
    assert trainers["ten"].predict(pack_dense((ONE, 0, 0))) == 9
    assert trainers["ten"].predict(pack_dense((-ONE, ONE, ONE))) == 0
    halfway = (ONE // 20, 19 * ONE // 20, -H)  # exactly between the centroids of classes 0 and 1
    assert trainers["ten"].predict(pack_dense(halfway)) == TEN.predict(halfway) == 0


def test_predict__empty_class_is_skipped(trainers):
    assert trainers["empty_first"].predict(pack_dense((0, 0))) == EMPTY_FIRST.predict((0, 0)) == 2
    assert trainers["empty_first"].predict(pack_dense((ONE, 0))) == 1


@pytest.mark.parametrize(
    "features, error",
    [
        (b"", ("FeaturesMalformed", 0)),
        (raw(0, 0, 0, 0, 0, 0), ("FeaturesMalformed", 24)),
        (raw(0, 0, 0, 0, 0, 0, 0) + b"\x00", ("FeaturesMalformed", 29)),
        (raw(0, 0, 0, 0, 0, 0, 0, 0), ("FeaturesMalformed", 32)),
        (raw(ONE + 1, 0, 0, 0, 0, 0, 0), ("FeatureValueOutOfRange", 0, ONE + 1, -ONE, ONE)),
        (raw(0, 0, 0, 0, 0, 0, -ONE - 1), ("FeatureValueOutOfRange", 6, -ONE - 1, -ONE, ONE)),
        (raw(0, 2**31 - 1, -(2**31), 0, 0, 0, 0), ("FeatureValueOutOfRange", 1, 2**31 - 1, -ONE, ONE)),
        (raw(0, 0, -(2**31), 0, 0, 0, 0), ("FeatureValueOutOfRange", 2, -(2**31), -ONE, ONE)),
    ],
)
def test_predict__bad_features(trainers, anyone, features, error):
    with reverts_with(trainers["model"], *error):
        trainers["model"].predict.transact(features, sender=anyone)


def test_predict__values_at_the_bounds(trainers):
    for values in [(ONE,) * 7, (-ONE,) * 7, (ONE, -ONE) * 3 + (ONE,)]:
        assert trainers["model"].predict(pack_dense(values)) == MODEL.predict(values)
