"""`refund` and `report` on `SparseMulticlassPerceptronDRT`: the mechanism asks the multi-class model
for its prediction (`ModelDisagrees(id, prediction, label)` / `ModelAgrees(id, label)` name the class)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.models.multiclass_perceptron import SparseMulticlassPerceptron

MODEL = SparseMulticlassPerceptron(
    np.array([[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5], [1, 1, 1, 1]]) * ONE, [0, 0, 0, 0]
)
"""Feature k votes strongly for class k (k < 4); feature 4 for all. One update cannot flip a vote."""


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, DrtParams().mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def contributions(trainer, contributor, reporter):
    """`reporter` adds (2,) labelled 2 (agreed); `contributor` adds (3,) labelled 1 (disputed: predicted 3)."""
    client = TrainerClient(trainer, mirror=SparseMulticlassPerceptron)
    agreed, _ = client.contribute(reporter, (2,), 2)
    disputed, _ = client.contribute(contributor, (3,), 1)
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

    with reverts_with(trainer, "ModelDisagrees", disputed.id, 3, 1):
        client.refund(contributor, disputed)


def test_report__model_disagrees(trainer, contributions, reporter, drt_params, chain):
    client, agreed, disputed = contributions
    chain.pending_timestamp = disputed.added_time + drt_params.refund_wait
    client.refund(reporter, agreed)

    receipt = client.report(reporter, disputed)

    assert receipt.events == [
        trainer.DepositTaken(id=disputed.id, reporter=reporter, amount=disputed.deposit, depositLeft=0)
    ]


def test_report__model_agrees(trainer, contributions, contributor, reporter, drt_params, chain):
    client, agreed, _ = contributions
    chain.pending_timestamp = agreed.added_time + drt_params.refund_wait
    with reverts_with(trainer, "ModelAgrees", agreed.id, 2):
        client.report(contributor, agreed)
