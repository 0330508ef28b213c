"""`predict(bytes)` and `scores(bytes)` of `SparseMulticlassPerceptronDRT`: `score_k = intercept_k +
sum of present features' class-k weights`; the prediction is the first class of the highest score.

Reverts are checked on `.transact` (Ape decodes a reverted transaction's custom error, not a
reverted `eth_call`'s on Anvil).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_indices
from collabml.fixedpoint import INT32_MAX, INT32_MIN, ONE
from collabml.models.multiclass_perceptron import SparseMulticlassPerceptron

TABLE = SparseMulticlassPerceptron(
    np.array([[1, 0, -1], [0, 2, 0], [-1, 1, 1], [3, -3, 0], [0, 0, 2]]) * ONE, [0, -ONE, ONE]
)
"""5 features, 3 classes (4 lanes a feature: two features a word, one padding lane each)."""

STRADDLE = SparseMulticlassPerceptron(
    np.array([[(-1) ** (f + k) * (100 * f + k) for k in range(10)] for f in range(7)]), [0] * 10
)
"""7 features, 10 classes: W[f, k] = +-(100 f + k), alternating signs; a feature's lanes straddle words."""

EDGES = SparseMulticlassPerceptron(np.array([[INT32_MIN, INT32_MAX], [-1, 1], [INT32_MIN, INT32_MIN]]), [0, 0])


def raw(*indices: int) -> bytes:
    return struct.pack(f">{len(indices)}H", *indices)


@pytest.fixture(scope="module")
def table(project, owner):
    return deploy_drt_trainer(project, owner, TABLE, DrtParams().mechanism()).contract


@pytest.fixture(scope="module")
def straddle(project, owner):
    return deploy_drt_trainer(project, owner, STRADDLE, DrtParams().mechanism()).contract


@pytest.fixture(scope="module")
def edges(project, owner):
    return deploy_drt_trainer(project, owner, EDGES, DrtParams().mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(table, straddle, edges):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


@pytest.mark.parametrize(
    "features, scores, label",
    [
        ((), [0, -1, 1], 2),
        ((0,), [1, -1, 0], 0),
        ((1,), [0, 1, 1], 1),  # tie between 1 and 2: the lowest
        ((2,), [-1, 0, 2], 2),
        ((3,), [3, -4, 1], 0),
        ((0, 1), [1, 1, 0], 0),  # tie between 0 and 1
        ((1, 2), [-1, 2, 2], 1),
        ((0, 2, 4), [0, 0, 3], 2),
        ((3, 4), [3, -4, 3], 0),  # tie between 0 and 2
        ((0, 1, 2, 3, 4), [3, -1, 3], 0),
    ],
)
def test_predict__known_scores(table, features, scores, label):
    expected = [s * ONE for s in scores]
    assert TABLE.scores(features) == expected
    assert list(table.scores(pack_indices(features))) == expected
    assert table.predict(pack_indices(features)) == label


@pytest.mark.parametrize("features", [(), (0,), (1,), (6,), (2, 3), (0, 5, 6), tuple(range(7))])
def test_predict__straddling_lanes(straddle, features):
    expected = [sum((-1) ** (f + k) * (100 * f + k) for f in features) for k in range(10)]
    assert STRADDLE.scores(features) == expected
    assert list(straddle.scores(pack_indices(features))) == expected
    assert straddle.predict(pack_indices(features)) == int(np.argmax(expected))


@pytest.mark.parametrize(
    "features, scores",
    [((0,), [INT32_MIN, INT32_MAX]), ((0, 1), [INT32_MIN - 1, 2**31]), ((0, 2), [-(2**32), -1]), ((1,), [-1, 1])],
)
def test_predict__lane_edges(edges, features, scores):
    assert EDGES.scores(features) == scores
    assert list(edges.scores(pack_indices(features))) == scores
    assert edges.predict(pack_indices(features)) == int(np.argmax(scores))


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00", ("FeaturesMalformed", 1)),
        (raw(1, 2) + b"\x03", ("FeaturesMalformed", 5)),
        (raw(0, 0), ("FeaturesNotSorted", 1, 0, 0)),
        (raw(3, 2), ("FeaturesNotSorted", 1, 3, 2)),
        (raw(1, 2, 2), ("FeaturesNotSorted", 2, 2, 2)),
        (raw(5), ("FeatureOutOfRange", 5, 5)),
        (raw(2, 4, 5), ("FeatureOutOfRange", 5, 5)),
        (raw(9, 3), ("FeatureOutOfRange", 9, 5)),
        (raw(3, 1, 70), ("FeaturesNotSorted", 1, 3, 1)),
        (raw(2**16 - 1), ("FeatureOutOfRange", 2**16 - 1, 5)),
    ],
)
def test_predict__bad_features(table, anyone, features, error):
    name, *args = error
    with reverts_with(table, name, *args):
        table.predict.transact(features, sender=anyone)
    with reverts_with(table, name, *args):
        table.scores.transact(features, sender=anyone)
