"""`constructor(owner, featureCount, learningRate, intercept, refundWait, badgeUri)`: every
parameter checked, every view set, the badge contract deployed with the trainer as its minter.

Constructor reverts carry raw revert data (no code to decode them with): `reverts_with` matches it.
"""

from __future__ import annotations

import pytest
from helpers import reverts_with

from collabml.fixedpoint import INT16_MAX
from collabml.incentives.points import MAX_REFUND_WAIT
from collabml.models.perceptron import MAX_FEATURE_COUNT

ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture
def deploy(project, owner, small_model, points_params, badge_uri):
    """Deploy a `SparsePerceptronPoints` with `small_model`'s and `points_params`' arguments, except those given."""

    def deploy(**changes):
        args = {
            "owner": owner.address,
            "feature_count": small_model.feature_count,
            "learning_rate": small_model.learning_rate,
            "intercept": small_model.intercept,
            "refund_wait": points_params.refund_wait,
            "badge_uri": badge_uri,
        }
        assert changes.keys() <= args.keys()
        args.update(changes)
        return owner.deploy(project.SparsePerceptronPoints, *args.values())

    return deploy


def test_constructor__views(trainer, badges, small_model, points_params, owner, chain):
    receipt = trainer.creation_metadata.receipt

    assert receipt.events == [trainer.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)]
    assert trainer.owner() == owner
    assert trainer.featureCount() == small_model.feature_count
    assert trainer.learningRate() == small_model.learning_rate
    assert trainer.intercept() == small_model.intercept
    assert trainer.refundWait() == points_params.refund_wait
    assert trainer.lastUpdateTime() == chain.provider.get_block(receipt.block_number).timestamp
    assert trainer.depositRequired() == 0
    assert trainer.contributionCount() == trainer.totalGoodContributions() == 0
    assert trainer.modelReady()
    assert trainer.balance == 0


def test_constructor__badges_deployed(trainer, badges, owner, badge_uri):
    assert badges.trainer() == trainer.address
    assert badges.uri(1) == badges.uri(1_000) == badge_uri
    assert list(badges.badgeLevels()) == [1, 10, 100, 1_000]
    assert list(badges.badgesOf(owner)) == list(trainer.badgesOf(owner)) == []
    assert badges.supportsInterface(bytes.fromhex("d9b67a26"))  # IERC1155
    assert badges.supportsInterface(bytes.fromhex("0e89341c"))  # IERC1155MetadataURI


def test_constructor__each_trainer_its_own_badges(deploy, trainer, project):
    other = deploy(badge_uri="")
    assert other.badges() != trainer.badges()
    assert project.ContributorBadges.at(other.badges()).trainer() == other.address
    assert project.ContributorBadges.at(other.badges()).uri(10) == ""


@pytest.mark.parametrize("refund_wait", [0, MAX_REFUND_WAIT])
def test_constructor__refund_wait_bounds(deploy, refund_wait):
    assert deploy(refund_wait=refund_wait).refundWait() == refund_wait


@pytest.mark.parametrize("refund_wait", [MAX_REFUND_WAIT + 1, 2**256 - 1])
def test_constructor__refund_wait_out_of_range(deploy, trainer, refund_wait):
    with reverts_with(trainer, "RefundWaitOutOfRange", refund_wait, MAX_REFUND_WAIT):
        deploy(refund_wait=refund_wait)


@pytest.mark.parametrize("feature_count", [0, MAX_FEATURE_COUNT + 1])
def test_constructor__feature_count_out_of_range(deploy, trainer, feature_count):
    with reverts_with(trainer, "FeatureCountOutOfRange", feature_count, MAX_FEATURE_COUNT):
        deploy(feature_count=feature_count)


@pytest.mark.parametrize("learning_rate", [0, -1, INT16_MAX + 1, 2**31 - 1])
def test_constructor__learning_rate_out_of_range(deploy, trainer, learning_rate):
    with reverts_with(trainer, "LearningRateOutOfRange", learning_rate):
        deploy(learning_rate=learning_rate)


def test_constructor__zero_owner(deploy, trainer):
    with reverts_with(trainer, "OwnableInvalidOwner", ZERO_ADDRESS):
        deploy(owner=ZERO_ADDRESS)
