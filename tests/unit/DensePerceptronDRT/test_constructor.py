"""`constructor(owner, featureCount, learningRate, intercept, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)` of `DensePerceptronDRT`: the model's parameters checked, every model view set.

Ape cannot decode a constructor's custom error, so the reverts are matched on their exact revert data
with `reverts_with` against the contract type.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.fixedpoint import INT32_MAX, INT64_MAX, INT64_MIN, ONE
from collabml.models.dense_perceptron import MAX_FEATURE_COUNT, MAX_FEATURE_VALUE, DensePerceptron

ZERO_ADDRESS = "0x" + "00" * 20
MODEL = DensePerceptron(np.arange(-5, 6) * ONE, intercept=-3 * ONE, learning_rate=ONE // 2)


@pytest.fixture(scope="module")
def deploy(project, owner):
    """Deploy a `DensePerceptronDRT` with `MODEL`'s and the default mechanism's arguments, except those given."""

    def deploy(**changes):
        params = DrtParams()
        args = {
            "owner": owner.address,
            "feature_count": MODEL.feature_count,
            "learning_rate": MODEL.learning_rate,
            "intercept": MODEL.intercept,
            "cost_weight": params.cost_weight,
            "refund_wait": params.refund_wait,
            "owner_claim_wait": params.owner_claim_wait,
            "anyone_claim_wait": params.anyone_claim_wait,
        }
        assert changes.keys() <= args.keys()
        args.update(changes)
        return owner.deploy(project.DensePerceptronDRT, *args.values())

    return deploy


def test_constructor__views(deploy, owner):
    contract = deploy()

    assert contract.creation_metadata.receipt.events == [
        contract.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)
    ]
    assert contract.owner() == owner
    assert contract.featureCount() == 11
    assert contract.classCount() == 2
    assert contract.modelWordCount() == MODEL.word_count == 2
    assert contract.loadedWords() == 0
    assert not contract.modelReady()
    assert contract.intercept() == -3 * ONE
    assert contract.learningRate() == ONE // 2
    assert contract.featureValueBound() == MAX_FEATURE_VALUE == 100 * ONE


@pytest.mark.parametrize("feature_count", [0, MAX_FEATURE_COUNT + 1, 2**256 - 1])
def test_constructor__feature_count_out_of_range(deploy, project, feature_count):
    with reverts_with(project.DensePerceptronDRT, "FeatureCountOutOfRange", feature_count, MAX_FEATURE_COUNT):
        deploy(feature_count=feature_count)


@pytest.mark.parametrize("feature_count", [1, 8, 9, MAX_FEATURE_COUNT])
def test_constructor__feature_count_bounds(deploy, feature_count):
    contract = deploy(feature_count=feature_count)

    assert contract.featureCount() == feature_count
    assert contract.modelWordCount() == (feature_count + 7) // 8


@pytest.mark.parametrize("learning_rate", [0, -1, INT32_MAX + 1, -(2**255)])
def test_constructor__learning_rate_out_of_range(deploy, project, learning_rate):
    with reverts_with(project.DensePerceptronDRT, "LearningRateOutOfRange", learning_rate):
        deploy(learning_rate=learning_rate)


@pytest.mark.parametrize("learning_rate", [1, INT32_MAX])
def test_constructor__learning_rate_bounds(deploy, learning_rate):
    assert deploy(learning_rate=learning_rate).learningRate() == learning_rate


@pytest.mark.parametrize("intercept", [INT64_MIN, INT64_MAX])
def test_constructor__intercept_bounds(deploy, intercept):
    assert deploy(intercept=intercept).intercept() == intercept


def test_constructor__first_error_wins(deploy, project):
    """Feature count, then learning rate, then the mechanism's checks."""
    with reverts_with(project.DensePerceptronDRT, "FeatureCountOutOfRange", 0, MAX_FEATURE_COUNT):
        deploy(feature_count=0, learning_rate=0, cost_weight=0)
    with reverts_with(project.DensePerceptronDRT, "LearningRateOutOfRange", 0):
        deploy(learning_rate=0, cost_weight=0)
