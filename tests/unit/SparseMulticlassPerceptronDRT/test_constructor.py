"""`constructor(owner, featureCount, classCount, learningRate, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)` of `SparseMulticlassPerceptronDRT`: the model's parameters checked (class count,
then feature count, then learning rate), the layout's views set.

Ape cannot decode a constructor's custom error, so the reverts are matched on their exact revert data.
"""

from __future__ import annotations

import pytest
from helpers import DrtParams, reverts_with

from collabml.fixedpoint import INT32_MAX, ONE
from collabml.models.multiclass_perceptron import MAX_CLASS_COUNT, lanes_per_feature, model_word_count

MAX_FEATURES = 65_536


@pytest.fixture(scope="module")
def deploy(project, owner):
    """Deploy a `SparseMulticlassPerceptronDRT` (5 features, 3 classes, rate 1 by default)."""

    def deploy(feature_count=5, class_count=3, learning_rate=ONE, cost_weight=DrtParams().cost_weight):
        params = DrtParams()
        return owner.deploy(
            project.SparseMulticlassPerceptronDRT,
            owner.address,
            feature_count,
            class_count,
            learning_rate,
            cost_weight,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )

    return deploy


def test_constructor__views(deploy, owner):
    contract = deploy()

    assert contract.owner() == owner
    assert contract.featureCount() == 5
    assert contract.classCount() == 3
    assert contract.learningRate() == ONE
    assert contract.lanesPerFeature() == 4
    assert contract.modelWordCount() == 1 + 3  # one intercept word, 5 * 4 lanes in 3 weight words
    assert contract.loadedWords() == 0
    assert not contract.modelReady()


@pytest.mark.parametrize(
    "classes, lanes", [(2, 2), (3, 4), (4, 4), (5, 8), (7, 8), (8, 8), (9, 9), (10, 10), (256, 256)]
)
def test_constructor__layout(deploy, classes, lanes):
    contract = deploy(feature_count=13, class_count=classes)

    assert lanes_per_feature(classes) == lanes
    assert contract.lanesPerFeature() == lanes
    assert contract.modelWordCount() == model_word_count(13, classes) == -(-classes // 4) + -(-13 * lanes // 8)


@pytest.mark.parametrize("classes", [0, 1, MAX_CLASS_COUNT + 1, 2**256 - 1])
def test_constructor__class_count_out_of_range(deploy, project, classes):
    with reverts_with(project.SparseMulticlassPerceptronDRT, "ClassCountOutOfRange", classes, MAX_CLASS_COUNT):
        deploy(class_count=classes)


@pytest.mark.parametrize("feature_count", [0, MAX_FEATURES + 1, 2**256 - 1])
def test_constructor__feature_count_out_of_range(deploy, project, feature_count):
    with reverts_with(project.SparseMulticlassPerceptronDRT, "FeatureCountOutOfRange", feature_count, MAX_FEATURES):
        deploy(feature_count=feature_count)


def test_constructor__largest_shape(deploy):
    contract = deploy(feature_count=MAX_FEATURES, class_count=MAX_CLASS_COUNT)

    assert contract.modelWordCount() == 64 + MAX_FEATURES * 256 // 8


@pytest.mark.parametrize("learning_rate", [0, -1, INT32_MAX + 1])
def test_constructor__learning_rate_out_of_range(deploy, project, learning_rate):
    with reverts_with(project.SparseMulticlassPerceptronDRT, "LearningRateOutOfRange", learning_rate):
        deploy(learning_rate=learning_rate)


def test_constructor__first_error_wins(deploy, project):
    """Class count, then feature count, then learning rate, then the mechanism."""
    with reverts_with(project.SparseMulticlassPerceptronDRT, "ClassCountOutOfRange", 1, MAX_CLASS_COUNT):
        deploy(feature_count=0, class_count=1, learning_rate=0, cost_weight=0)
    with reverts_with(project.SparseMulticlassPerceptronDRT, "FeatureCountOutOfRange", 0, MAX_FEATURES):
        deploy(feature_count=0, learning_rate=0, cost_weight=0)
    with reverts_with(project.SparseMulticlassPerceptronDRT, "LearningRateOutOfRange", 0):
        deploy(learning_rate=0, cost_weight=0)
