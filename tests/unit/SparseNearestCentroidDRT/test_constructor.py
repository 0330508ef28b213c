"""`constructor(owner, featureCount, exampleCounts, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)` of `SparseNearestCentroidDRT`: the shape and every count checked, every view set.

A constructor's custom error cannot be decoded by Ape (no code at the address); `reverts_with`
compares the exact revert data.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.models.nearest_centroid import (
    MAX_CLASS_COUNT,
    SPARSE_MAX_EXAMPLE_COUNT,
    SPARSE_MAX_FEATURE_COUNT,
    SparseNearestCentroid,
)

ZERO_ADDRESS = "0x" + "00" * 20
PARAMS = DrtParams()
MODEL = SparseNearestCentroid(
    np.array([[2, 2, 0, 0, 0, 1], [0, 0, 2, 2, 0, 1], [1, 1, 1, 1, 4, 0]]), np.array([2, 2, 4])
)


@pytest.fixture(scope="module")
def deploy(project, owner):
    """Deploy a `SparseNearestCentroidDRT` (not loaded) with these model arguments."""

    def deploy(feature_count, counts):
        return owner.deploy(
            project.SparseNearestCentroidDRT,
            owner.address,
            feature_count,
            counts,
            PARAMS.cost_weight,
            PARAMS.refund_wait,
            PARAMS.owner_claim_wait,
            PARAMS.anyone_claim_wait,
        )

    return deploy


@pytest.fixture(scope="module")
def trainer(deploy):
    return deploy(*MODEL.constructor_args())


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer):
    """Deploy the module's trainer before its first test, so Ape's snapshots nest cleanly."""


def test_constructor__views(trainer, owner, chain):
    creation = trainer.creation_metadata

    assert creation.receipt.events == [trainer.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)]
    assert trainer.owner() == owner
    assert trainer.featureCount() == 6
    assert trainer.classCount() == 3
    assert [trainer.exampleCount(c) for c in range(3)] == [2, 2, 4]
    assert [trainer.sumSquaredNorm(c) for c in range(3)] == [0, 0, 0]  # computed while loading
    assert trainer.maxExampleCount() == SPARSE_MAX_EXAMPLE_COUNT == 2**24 - 1
    assert trainer.featureValueBound() == 1
    assert trainer.modelWordCount() == MODEL.word_count == 2  # 3 features a word with 3 classes
    assert trainer.loadedWords() == 0
    assert not trainer.modelReady()
    assert trainer.costWeight() == PARAMS.cost_weight
    assert trainer.lastUpdateTime() == chain.blocks[creation.block].timestamp
    assert trainer.contributionCount() == 0


@pytest.mark.parametrize(
    "feature_count, classes, words",
    [(1, 2, 1), (1000, 2, 200), (1001, 2, 201), (1000, 3, 334), (1000, 10, 1000), (7, 11, 14), (3, 256, 78)],
)
def test_constructor__word_count(deploy, feature_count, classes, words):
    """`ceil(F / G) * W` words, `G = max(1, 10 // K)` features a group, `W = ceil(K / 10)` words a group."""
    contract = deploy(feature_count, [0] * classes)
    assert contract.modelWordCount() == words == SparseNearestCentroid.zeros(feature_count, classes).word_count
    assert contract.classCount() == classes


@pytest.mark.parametrize("feature_count", [0, SPARSE_MAX_FEATURE_COUNT + 1])
def test_constructor__feature_count_out_of_range(deploy, feature_count):
    with reverts_with(_container(), "FeatureCountOutOfRange", feature_count, SPARSE_MAX_FEATURE_COUNT):
        deploy(feature_count, [1, 1])


@pytest.mark.parametrize("classes", [0, 1, MAX_CLASS_COUNT + 1])
def test_constructor__class_count_out_of_range(deploy, classes):
    with reverts_with(_container(), "ClassCountOutOfRange", classes, MAX_CLASS_COUNT):
        deploy(6, [1] * classes)


def test_constructor__example_count_overflow(deploy):
    with reverts_with(_container(), "ExampleCountOverflow", 1, SPARSE_MAX_EXAMPLE_COUNT + 1, SPARSE_MAX_EXAMPLE_COUNT):
        deploy(6, [SPARSE_MAX_EXAMPLE_COUNT, SPARSE_MAX_EXAMPLE_COUNT + 1, 0])


def test_constructor__counts_at_the_bound(deploy):
    contract = deploy(6, [SPARSE_MAX_EXAMPLE_COUNT, 0, SPARSE_MAX_EXAMPLE_COUNT])
    assert [contract.exampleCount(c) for c in range(3)] == [SPARSE_MAX_EXAMPLE_COUNT, 0, SPARSE_MAX_EXAMPLE_COUNT]


def _container():
    """The contract type, whose ABI names the constructor's errors."""
    from ape import project

    return project.SparseNearestCentroidDRT
