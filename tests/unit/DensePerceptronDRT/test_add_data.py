"""`addData(bytes, uint8)` on `DensePerceptronDRT`: the model learns only when it is wrong, by
`w_i += s * (learningRate * x_i / ONE)` truncated toward zero, saturating at the int32 / int64 bounds."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE
from collabml.models.dense_perceptron import MAX_FEATURE_VALUE, DensePerceptron

B = MAX_FEATURE_VALUE
MODEL = DensePerceptron(
    np.array([2, -3, 0.5, 1, 0, -1, 4, -2, 1.5, -0.5]) * ONE, intercept=-ONE, learning_rate=ONE // 2
)
EDGES = DensePerceptron(
    np.array([INT32_MAX - 10, INT32_MIN + 10, 0, 0, 0, 0, 0, 0, 0]), intercept=0, learning_rate=INT32_MAX
)


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, DrtParams().mechanism()).contract


@pytest.fixture(scope="module")
def edges(project, owner):
    return deploy_drt_trainer(project, owner, EDGES, DrtParams().mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, edges):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


def read(contract) -> DensePerceptron:
    return TrainerClient(contract, mirror=DensePerceptron).read_model()


def test_add_data__model_agrees(trainer, contributor, chain):
    features = [ONE] + [0] * 9  # score 1: class 1
    required = trainer.depositRequired()

    receipt = trainer.addData(MODEL.pack(features), 1, sender=contributor, value=required)

    assert receipt.events == [
        trainer.ContributionAdded(
            id=0,
            contributor=contributor,
            label=1,
            addedTime=chain.blocks.head.timestamp,
            deposit=required,
            features=MODEL.pack(features),
        )
    ]
    assert list(trainer.modelWords(0, 2)) == MODEL.packed_words()
    assert trainer.intercept() == -ONE


def test_add_data__update_truncates_toward_zero(trainer, contributor):
    """Score 7 - 1e-6 > 0 predicts 1; label 0 steps by -(0.5 * x / ONE), truncated toward zero:
    x = 3 -> -1 (not -2), x = -3 -> +1, x = -1 -> 0."""
    features = [ONE, -ONE, 3, -3, 0, 0, 0, 0, 2 * ONE, -1]
    assert MODEL.score(features) == 7 * 10**12 - 10**6

    trainer.addData(MODEL.pack(features), 0, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert list(learned.weights) == [
        1_500_000, -2_500_000, 499_999, 1_000_001, 0, -1_000_000, 4_000_000, -2_000_000, 500_000, -500_000
    ]
    assert learned.intercept == trainer.intercept() == -1_500_000
    expected = MODEL.copy()
    assert expected.update(features, 0)
    assert list(expected.weights) == list(learned.weights) and expected.intercept == learned.intercept


def test_add_data__label_one_steps_up(trainer, contributor):
    features = [0, ONE, 0, 0, 0, 0, 0, 0, 0, 0]  # score -4: class 0
    trainer.addData(MODEL.pack(features), 1, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert learned.weights[1] == -3 * ONE + ONE // 2
    assert learned.intercept == -ONE + ONE // 2
    assert list(learned.weights[2:]) == list(MODEL.weights[2:]) and learned.weights[0] == MODEL.weights[0]


def test_add_data__saturates(edges, contributor):
    """Label 0 on a positive score steps by -(INT32_MAX * 100 * ONE / ONE): both weights saturate;
    learning label 1 on the same example then saturates them the other way."""
    features = [B, -B, 0, 0, 0, 0, 0, 0, 0]
    assert EDGES.predict(features) == 1

    edges.addData(EDGES.pack(features), 0, sender=contributor, value=edges.depositRequired())

    learned = read(edges)
    assert list(learned.weights) == [INT32_MIN, INT32_MAX, 0, 0, 0, 0, 0, 0, 0]
    assert learned.intercept == -INT32_MAX
    assert learned.predict(features) == 0

    edges.addData(EDGES.pack(features), 1, sender=contributor, value=edges.depositRequired())

    relearned = read(edges)
    assert list(relearned.weights) == [INT32_MAX, INT32_MIN, 0, 0, 0, 0, 0, 0, 0]
    assert relearned.intercept == 0


@pytest.mark.parametrize("intercept, label", [(INT64_MAX - 5, 0), (INT64_MIN + 5, 1)])
def test_add_data__intercept_near_int64_bounds(project, owner, contributor, intercept, label):
    """An intercept beyond the largest possible weighted sum decides every prediction, so the model
    only ever steps it back from the bound (int64 saturation is a guard that updates cannot reach)."""
    model = DensePerceptron([INT32_MAX], intercept=intercept, learning_rate=INT32_MAX)
    contract = deploy_drt_trainer(project, owner, model, DrtParams().mechanism()).contract
    features = [-B if label == 0 else B]
    assert model.predict(features) == 1 - label

    contract.addData(model.pack(features), 1 - label, sender=contributor, value=contract.depositRequired())
    assert contract.intercept() == intercept
    contract.addData(model.pack(features), label, sender=contributor, value=contract.depositRequired())

    assert contract.intercept() == intercept + (INT32_MAX if label == 1 else -INT32_MAX)
    assert INT64_MIN < contract.intercept() < INT64_MAX


def test_add_data__label_out_of_range(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 2, 2):
        trainer.addData(MODEL.pack([0] * 10), 2, sender=contributor, value=trainer.depositRequired())


@pytest.mark.parametrize(
    "features, error",
    [
        (b"", ("FeaturesMalformed", 0)),
        (b"\x00" * 39, ("FeaturesMalformed", 39)),
        (DensePerceptron.pack([0] * 11), ("FeaturesMalformed", 44)),
        (DensePerceptron.pack([0] * 5 + [B + 1] + [0] * 4), ("FeatureValueOutOfRange", 5, B + 1, -B, B)),
        (DensePerceptron.pack([0] * 9 + [-B - 1]), ("FeatureValueOutOfRange", 9, -B - 1, -B, B)),
    ],
)
def test_add_data__bad_features(trainer, contributor, features, error):
    name, *args = error
    with reverts_with(trainer, name, *args):
        trainer.addData(features, 1, sender=contributor, value=trainer.depositRequired())
    assert trainer.contributionCount() == 0
