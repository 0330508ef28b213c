"""`refund` and `report` on `DensePerceptronDRT`: the claim resends the dense bytes (the commitment
covers them) and the mechanism asks the dense model for its prediction."""

from __future__ import annotations

import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.models.dense_perceptron import DensePerceptron

MODEL = DensePerceptron([10 * ONE, -10 * ONE, 0], intercept=0, learning_rate=ONE // 10)
"""Feature 0 votes 1, feature 1 votes 0; one update of rate 0.1 cannot flip a vote."""
YES, NO = [ONE, 0, 0], [0, ONE, 0]


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, DrtParams().mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def contributions(trainer, contributor, reporter):
    """`reporter` adds YES labelled 1 (agreed); `contributor` adds NO labelled 1 (disputed)."""
    client = TrainerClient(trainer, mirror=DensePerceptron)
    agreed, _ = client.contribute(reporter, YES, 1)
    disputed, _ = client.contribute(contributor, NO, 1)
    assert disputed.features == tuple(NO)
    return client, agreed, disputed


def test_refund__model_agrees(trainer, contributions, reporter, drt_params, chain):
    client, agreed, _ = contributions
    chain.pending_timestamp = agreed.added_time + drt_params.refund_wait

    receipt = client.refund(reporter, agreed)

    assert receipt.events == [trainer.DepositRefunded(id=agreed.id, contributor=reporter, amount=agreed.deposit)]
    assert trainer.goodContributions(reporter) == 1


def test_refund__model_disagrees(trainer, contributions, contributor, drt_params, chain):
    client, _, disputed = contributions
    chain.pending_timestamp = disputed.added_time + drt_params.refund_wait
    with reverts_with(trainer, "ModelDisagrees", disputed.id, 0, 1):
        client.refund(contributor, disputed)


def test_refund__other_values_mismatch(trainer, contributions, contributor, drt_params, chain):
    """Changing one value by one unit changes the commitment."""
    _, _, disputed = contributions
    chain.pending_timestamp = disputed.added_time + drt_params.refund_wait
    with reverts_with(trainer, "ContributionMismatch", disputed.id):
        trainer.refund(
            disputed.id, MODEL.pack([0, ONE + 1, 0]), 1, disputed.added_time, disputed.deposit, sender=contributor
        )


def test_report__model_disagrees(trainer, contributions, reporter, drt_params, chain):
    client, agreed, disputed = contributions
    chain.pending_timestamp = disputed.added_time + drt_params.refund_wait
    client.refund(reporter, agreed)

    receipt = client.report(reporter, disputed)

    assert receipt.events == [
        trainer.DepositTaken(id=disputed.id, reporter=reporter, amount=disputed.deposit, depositLeft=0)
    ]


def test_report__model_agrees(trainer, contributions, contributor, drt_params, chain):
    client, agreed, _ = contributions
    chain.pending_timestamp = agreed.added_time + drt_params.refund_wait
    with reverts_with(trainer, "ModelAgrees", agreed.id, 1):
        client.report(contributor, agreed)
