"""`constructor(owner, featureCount, exampleCounts, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)` of `DenseNearestCentroidDRT`: the shape and every count checked, every view set.

A constructor's custom error cannot be decoded by Ape (no code at the address); `reverts_with`
compares the exact revert data against the contract type's ABI.
"""

from __future__ import annotations

import pytest
from helpers import DrtParams, reverts_with

from collabml.fixedpoint import ONE
from collabml.models.nearest_centroid import (
    DENSE_MAX_EXAMPLE_COUNT,
    DENSE_MAX_FEATURE_COUNT,
    MAX_CLASS_COUNT,
    DenseNearestCentroid,
)

ZERO_ADDRESS = "0x" + "00" * 20
PARAMS = DrtParams()


@pytest.fixture(scope="module")
def deploy(project, owner):
    """Deploy a `DenseNearestCentroidDRT` (not loaded) with these model arguments."""

    def deploy(feature_count, counts):
        return owner.deploy(
            project.DenseNearestCentroidDRT,
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
    return deploy(7, [2, 1])


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer):
    """Deploy the module's trainer before its first test, so Ape's snapshots nest cleanly."""


@pytest.fixture(scope="module")
def container(project):
    """The contract type, whose ABI names the constructor's errors."""
    return project.DenseNearestCentroidDRT


def test_constructor__views(trainer, owner, chain):
    creation = trainer.creation_metadata

    assert creation.receipt.events == [trainer.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)]
    assert trainer.owner() == owner
    assert trainer.featureCount() == 7
    assert trainer.classCount() == 2
    assert [trainer.exampleCount(c) for c in range(2)] == [2, 1]
    assert [trainer.sumSquaredNorm(c) for c in range(2)] == [0, 0]
    assert trainer.maxExampleCount() == DENSE_MAX_EXAMPLE_COUNT == (2**41 - 1) // ONE == 2_199_023
    assert trainer.featureValueBound() == ONE
    assert trainer.modelWordCount() == 4  # ceil(7 / 6) = 2 words a class
    assert trainer.loadedWords() == 0
    assert not trainer.modelReady()
    assert trainer.lastUpdateTime() == chain.blocks[creation.block].timestamp


@pytest.mark.parametrize(
    "feature_count, classes, words", [(1, 2, 2), (6, 2, 2), (64, 10, 110), (400, 2, 134), (4096, 256, 174_848)]
)
def test_constructor__word_count(deploy, feature_count, classes, words):
    """`classCount * ceil(featureCount / 6)` words."""
    contract = deploy(feature_count, [0] * classes)
    assert contract.modelWordCount() == words == DenseNearestCentroid.zeros(feature_count, classes).word_count


@pytest.mark.parametrize("feature_count", [0, DENSE_MAX_FEATURE_COUNT + 1])
def test_constructor__feature_count_out_of_range(deploy, container, feature_count):
    with reverts_with(container, "FeatureCountOutOfRange", feature_count, DENSE_MAX_FEATURE_COUNT):
        deploy(feature_count, [1, 1])


@pytest.mark.parametrize("classes", [0, 1, MAX_CLASS_COUNT + 1])
def test_constructor__class_count_out_of_range(deploy, container, classes):
    with reverts_with(container, "ClassCountOutOfRange", classes, MAX_CLASS_COUNT):
        deploy(7, [1] * classes)


def test_constructor__example_count_overflow(deploy, container):
    with reverts_with(container, "ExampleCountOverflow", 2, DENSE_MAX_EXAMPLE_COUNT + 1, DENSE_MAX_EXAMPLE_COUNT):
        deploy(7, [0, DENSE_MAX_EXAMPLE_COUNT, DENSE_MAX_EXAMPLE_COUNT + 1])


def test_constructor__counts_at_the_bound(deploy):
    contract = deploy(7, [DENSE_MAX_EXAMPLE_COUNT, 0, 1, DENSE_MAX_EXAMPLE_COUNT])
    assert [contract.exampleCount(c) for c in range(4)] == [DENSE_MAX_EXAMPLE_COUNT, 0, 1, DENSE_MAX_EXAMPLE_COUNT]
