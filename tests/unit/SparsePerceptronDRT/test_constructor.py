"""`constructor(owner, featureCount, learningRate, intercept, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)`: every parameter checked, every view set.

Ape cannot decode a constructor's custom error (there is no code at the address to look it up in),
and `ape.reverts(Error)` then passes whatever the error: the reverts here are matched on their exact
revert data with `reverts_with_data`.
"""

from __future__ import annotations

import pytest
from helpers import reverts_with

from collabml.fixedpoint import INT16_MAX, INT64_MAX, INT64_MIN
from collabml.incentives.drt import DEPOSIT_TIME_SCALE, MAX_COST_WEIGHT
from collabml.models.perceptron import MAX_FEATURE_COUNT

ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer):
    """Deploy the module's loaded trainer before its first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def deploy(project, owner, small_model, drt_params):
    """Deploy a `SparsePerceptronDRT` from `owner` with `small_model`'s and `drt_params`' arguments,
    except those given; a deployment's only event is `OwnershipTransferred(0, owner)`."""

    def deploy(**changes):
        args = {
            "owner": owner.address,
            "feature_count": small_model.feature_count,
            "learning_rate": small_model.learning_rate,
            "intercept": small_model.intercept,
            "cost_weight": drt_params.cost_weight,
            "refund_wait": drt_params.refund_wait,
            "owner_claim_wait": drt_params.owner_claim_wait,
            "anyone_claim_wait": drt_params.anyone_claim_wait,
        }
        assert changes.keys() <= args.keys()
        args.update(changes)
        contract = owner.deploy(project.SparsePerceptronDRT, *args.values())
        assert contract.creation_metadata.receipt.events == [
            contract.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=args["owner"])
        ]
        return contract

    return deploy


def test_constructor__views(trainer, small_model, drt_params, owner, chain):
    creation = trainer.creation_metadata

    assert creation.receipt.events == [trainer.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)]
    assert trainer.owner() == owner
    assert trainer.featureCount() == small_model.feature_count
    assert trainer.classCount() == 2
    assert trainer.modelWordCount() == small_model.word_count
    assert trainer.intercept() == small_model.intercept
    assert trainer.learningRate() == small_model.learning_rate
    assert trainer.costWeight() == drt_params.cost_weight
    assert trainer.refundWait() == drt_params.refund_wait
    assert trainer.ownerClaimWait() == drt_params.owner_claim_wait
    assert trainer.anyoneClaimWait() == drt_params.anyone_claim_wait
    assert trainer.lastUpdateTime() == chain.blocks[creation.block].timestamp
    assert trainer.contributionCount() == 0
    assert trainer.totalGoodContributions() == 0
    assert trainer.balance == 0


def test_constructor__model_not_loaded(deploy, small_model):
    contract = deploy()

    assert contract.loadedWords() == 0
    assert not contract.modelReady()
    assert contract.modelWordCount() == small_model.word_count


def test_constructor__other_owner(deploy, small_model, owner, anyone):
    """The owner is the account named, not the deployer."""
    contract = deploy(owner=anyone.address)

    assert contract.owner() == anyone
    with reverts_with(contract, "OwnableUnauthorizedAccount", owner):
        contract.loadModel(0, small_model.packed_words(), sender=owner)
    contract.loadModel(0, small_model.packed_words(), sender=anyone)
    assert contract.modelReady()


def test_constructor__zero_owner(deploy, project, reverts_with_data):
    with reverts_with_data(project.SparsePerceptronDRT, "OwnableInvalidOwner", ZERO_ADDRESS):
        deploy(owner=ZERO_ADDRESS)


@pytest.mark.parametrize("cost_weight", [0, MAX_COST_WEIGHT + 1, 2**256 - 1])
def test_constructor__cost_weight_out_of_range(deploy, project, reverts_with_data, cost_weight):
    with reverts_with_data(project.SparsePerceptronDRT, "CostWeightOutOfRange", cost_weight, MAX_COST_WEIGHT):
        deploy(cost_weight=cost_weight)


@pytest.mark.parametrize("cost_weight", [1, MAX_COST_WEIGHT])
def test_constructor__cost_weight_bounds(deploy, cost_weight):
    contract = deploy(cost_weight=cost_weight)

    assert contract.costWeight() == cost_weight
    assert contract.depositRequired() == cost_weight * DEPOSIT_TIME_SCALE <= 2**96 - 1


@pytest.mark.parametrize("waits", [(2, 1, 3), (1, 3, 2), (3, 2, 1), (1, 0, 0)])
def test_constructor__waits_out_of_order(deploy, project, reverts_with_data, waits):
    refund_wait, owner_claim_wait, anyone_claim_wait = waits
    with reverts_with_data(project.SparsePerceptronDRT, "WaitsOutOfOrder", *waits):
        deploy(refund_wait=refund_wait, owner_claim_wait=owner_claim_wait, anyone_claim_wait=anyone_claim_wait)


@pytest.mark.parametrize("waits", [(0, 0, 0), (5, 5, 5), (1, 2, 3)])
def test_constructor__waits_in_order(deploy, waits):
    refund_wait, owner_claim_wait, anyone_claim_wait = waits
    contract = deploy(refund_wait=refund_wait, owner_claim_wait=owner_claim_wait, anyone_claim_wait=anyone_claim_wait)

    assert (contract.refundWait(), contract.ownerClaimWait(), contract.anyoneClaimWait()) == waits


@pytest.mark.parametrize("feature_count", [0, MAX_FEATURE_COUNT + 1])
def test_constructor__feature_count_out_of_range(deploy, project, reverts_with_data, feature_count):
    with reverts_with_data(project.SparsePerceptronDRT, "FeatureCountOutOfRange", feature_count, MAX_FEATURE_COUNT):
        deploy(feature_count=feature_count)


@pytest.mark.parametrize(("feature_count", "words"), [(1, 1), (16, 1), (17, 2), (1000, 63), (MAX_FEATURE_COUNT, 4096)])
def test_constructor__feature_count_bounds(deploy, feature_count, words):
    contract = deploy(feature_count=feature_count)

    assert contract.featureCount() == feature_count
    assert contract.modelWordCount() == words == (feature_count + 15) // 16


@pytest.mark.parametrize("learning_rate", [0, -1, INT16_MAX + 1, 2**31 - 1, -(2**255)])
def test_constructor__learning_rate_out_of_range(deploy, project, reverts_with_data, learning_rate):
    with reverts_with_data(project.SparsePerceptronDRT, "LearningRateOutOfRange", learning_rate):
        deploy(learning_rate=learning_rate)


@pytest.mark.parametrize("learning_rate", [1, INT16_MAX])
def test_constructor__learning_rate_bounds(deploy, learning_rate):
    assert deploy(learning_rate=learning_rate).learningRate() == learning_rate


@pytest.mark.parametrize("intercept", [INT64_MIN, -1, INT64_MAX])
def test_constructor__intercept_bounds(deploy, intercept, chain):
    """The intercept shares the hot word with the trainer's counters: neither corrupts the other."""
    contract = deploy(intercept=intercept)

    assert contract.intercept() == intercept
    assert contract.loadedWords() == 0
    assert contract.lastUpdateTime() == chain.blocks[contract.creation_metadata.block].timestamp
    assert contract.contributionCount() == contract.totalGoodContributions() == 0


def test_constructor__first_error_wins(deploy, project, reverts_with_data):
    """The model's checks run before the mechanism's (base constructors run in inheritance order)."""
    with reverts_with_data(project.SparsePerceptronDRT, "FeatureCountOutOfRange", 0, MAX_FEATURE_COUNT):
        deploy(feature_count=0, learning_rate=0, cost_weight=0, refund_wait=1, owner_claim_wait=0)
