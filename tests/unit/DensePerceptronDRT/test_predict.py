"""`predict(bytes)` and `score(bytes)` of `DensePerceptronDRT`: `score = intercept * ONE + sum_i w_i * x_i`
exactly (scale ONE^2), class 1 iff positive; `featureCount` int32 values, each within +-100 * ONE.

Reverts are checked on `.transact`: Ape decodes the custom error of a reverted transaction, not that
of a reverted `eth_call` on Anvil.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import INT32_MAX, INT32_MIN, ONE
from collabml.models.dense_perceptron import MAX_FEATURE_VALUE, DensePerceptron

B = MAX_FEATURE_VALUE
W = [2.0, -3.0, 0.5, 1.0, 0.0, -1.0, 4.0, -2.0, 1.5, -0.5]
MODEL = DensePerceptron(np.array([round(w * ONE) for w in W]), intercept=-ONE)
"""Ten features over two words (the second holds two), intercept -1."""
LANE_EDGES = DensePerceptron(np.array([INT32_MIN, INT32_MAX, -1, 1, 0, 0, 0, 0, INT32_MIN]), intercept=0)


def x(**values: float) -> list[int]:
    """A 10-feature vector, zero but for `x<i>=<real value>`."""
    out = [0] * 10
    for name, value in values.items():
        out[int(name[1:])] = round(value * ONE)
    return out


def raw(*values: int) -> bytes:
    """Packed values without `pack_dense`'s checks."""
    return struct.pack(f">{len(values)}i", *values)


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, DrtParams().mechanism()).contract


@pytest.fixture(scope="module")
def lane_edges(project, owner):
    return deploy_drt_trainer(project, owner, LANE_EDGES, DrtParams().mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, lane_edges):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


# (features, score in real units (times ONE^2 on chain), class)
KNOWN = [
    (x(), -1.0, 0),
    (x(x0=1), 1.0, 1),
    (x(x0=0.5), 0.0, 0),  # a zero score is class 0
    (x(x8=1), 0.5, 1),  # second word
    (x(x9=-2), 0.0, 0),
    (x(x9=-4), 1.0, 1),
    (x(x1=-1, x7=1), 0.0, 0),
    (x(x6=100), 399.0, 1),  # the largest value
    (x(x6=-100), -401.0, 0),  # the smallest value
    (x(x2=0.000003), -0.9999985, 0),  # 3 units: 0.5 * 3e-6
    ([ONE] * 10, 1.5, 1),
    (x(x1=-0.333333), -0.000001, 0),  # 3 * 0.333333 - 1 = -1e-6 exactly
    (x(x1=-0.333334), 0.000002, 1),
]


@pytest.mark.parametrize("features, score, label", KNOWN)
def test_predict__known_scores(trainer, features, score, label):
    expected = round(score * 10**12)
    assert MODEL.score(features) == expected
    assert trainer.score(MODEL.pack(features)) == expected
    assert trainer.predict(MODEL.pack(features)) == label


@pytest.mark.parametrize(
    "features, score",
    [
        ([1, 0, 0, 0, 0, 0, 0, 0, 0], INT32_MIN),
        ([0, 1, 0, 0, 0, 0, 0, 0, 0], INT32_MAX),
        ([0, 0, -1, 1, 0, 0, 0, 0, 0], 2),
        ([B, B, 0, 0, 0, 0, 0, 0, 0], -B),
        ([-B, 0, 0, 0, 0, 0, 0, 0, -B], 2 * B * 2**31),
        ([0, 0, 0, 0, 7, 7, 7, 7, 1], INT32_MIN),
    ],
)
def test_predict__lane_edges(lane_edges, features, score):
    assert LANE_EDGES.score(features) == score
    assert lane_edges.score(LANE_EDGES.pack(features)) == score
    assert lane_edges.predict(LANE_EDGES.pack(features)) == (1 if score > 0 else 0)


@pytest.mark.parametrize("length", [0, 1, 36, 39, 41, 44, 80])
def test_predict__features_malformed(trainer, anyone, length):
    with reverts_with(trainer, "FeaturesMalformed", length):
        trainer.predict.transact(b"\x01" * length, sender=anyone)


@pytest.mark.parametrize(
    "values, position, value",
    [
        ([B + 1] + [0] * 9, 0, B + 1),
        ([0] * 9 + [-B - 1], 9, -B - 1),  # in the second, partly used word
        ([0] * 7 + [INT32_MIN, 0, 0], 7, INT32_MIN),
        ([0, 0, INT32_MAX, -B - 1, 0, 0, 0, 0, 0, 0], 2, INT32_MAX),  # the first bad value wins
        ([B, -B, 0, 0, 0, 0, 0, 0, B + 1, INT32_MIN], 8, B + 1),
    ],
)
def test_predict__feature_value_out_of_range(trainer, anyone, values, position, value):
    with reverts_with(trainer, "FeatureValueOutOfRange", position, value, -B, B):
        trainer.predict.transact(raw(*values), sender=anyone)
    with reverts_with(trainer, "FeatureValueOutOfRange", position, value, -B, B):
        trainer.score.transact(raw(*values), sender=anyone)


def test_predict__zero_words_skip_weights(trainer):
    """A word of eight zero values is skipped: the score is the rest's, whatever those weights are."""
    features = [0] * 8 + [2 * ONE, 0]
    assert trainer.score(MODEL.pack(features)) == MODEL.score(features) == (3 - 1) * 10**12
