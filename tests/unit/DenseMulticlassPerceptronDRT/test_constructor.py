"""`constructor` of `DenseMulticlassPerceptronDRT`: like the sparse one's, but the feature count is
capped at `16,384 / lanesPerFeature` (2,048 weight words, all read on every call)."""

from __future__ import annotations

import pytest
from helpers import DrtParams, reverts_with

from collabml.fixedpoint import INT32_MAX, ONE
from collabml.models.multiclass_perceptron import MAX_CLASS_COUNT, DenseMulticlassPerceptron


@pytest.fixture(scope="module")
def deploy(project, owner):
    def deploy(feature_count=64, class_count=10, learning_rate=ONE):
        params = DrtParams()
        return owner.deploy(
            project.DenseMulticlassPerceptronDRT,
            owner.address,
            feature_count,
            class_count,
            learning_rate,
            params.cost_weight,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )

    return deploy


def test_constructor__views(deploy):
    contract = deploy()

    assert (contract.featureCount(), contract.classCount(), contract.learningRate()) == (64, 10, ONE)
    assert contract.lanesPerFeature() == 10
    assert contract.modelWordCount() == 3 + 80
    assert not contract.modelReady()


@pytest.mark.parametrize("classes, max_features", [(2, 8_192), (3, 4_096), (5, 2_048), (8, 2_048), (10, 1_638), (256, 64)])
def test_constructor__feature_count_bounds(deploy, project, classes, max_features):
    assert DenseMulticlassPerceptron.max_feature_count(classes) == max_features
    assert deploy(feature_count=max_features, class_count=classes).featureCount() == max_features
    with reverts_with(project.DenseMulticlassPerceptronDRT, "FeatureCountOutOfRange", max_features + 1, max_features):
        deploy(feature_count=max_features + 1, class_count=classes)
    with reverts_with(project.DenseMulticlassPerceptronDRT, "FeatureCountOutOfRange", 0, max_features):
        deploy(feature_count=0, class_count=classes)


@pytest.mark.parametrize("classes", [0, 1, MAX_CLASS_COUNT + 1])
def test_constructor__class_count_out_of_range(deploy, project, classes):
    with reverts_with(project.DenseMulticlassPerceptronDRT, "ClassCountOutOfRange", classes, MAX_CLASS_COUNT):
        deploy(class_count=classes, feature_count=0)


@pytest.mark.parametrize("learning_rate", [0, INT32_MAX + 1])
def test_constructor__learning_rate_out_of_range(deploy, project, learning_rate):
    with reverts_with(project.DenseMulticlassPerceptronDRT, "LearningRateOutOfRange", learning_rate):
        deploy(learning_rate=learning_rate)
