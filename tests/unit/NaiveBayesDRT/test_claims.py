"""`refund` and `report` on `NaiveBayesDRT`: the mechanism asks the Naive Bayes model for its
prediction after the contribution was learnt (`ModelDisagrees(id, prediction, label)` /
`ModelAgrees(id, label)` name the class); claims never change the model."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.models.naive_bayes import NaiveBayes

MODEL = NaiveBayes(np.array([[900, 5, 5, 50], [5, 900, 5, 50], [5, 5, 900, 50]]), [100, 100, 100])
"""Feature k (k < 3) votes strongly for class k; one contribution cannot flip a vote."""
PARAMS = DrtParams()


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, PARAMS.mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def contributions(trainer, contributor, reporter):
    """`reporter` adds (2,) x3 labelled 2 (agreed); `contributor` adds (0,) x2 labelled 1 (disputed)."""
    client = TrainerClient(trainer, mirror=NaiveBayes)
    agreed, _ = client.contribute(reporter, ((2, 3),), 2)
    disputed, _ = client.contribute(contributor, ((0, 2),), 1)
    return client, agreed, disputed


def test_contributions__learnt(trainer, contributions):
    client, agreed, disputed = contributions
    expected = MODEL.copy()
    expected.update(agreed.features, 2)
    expected.update(disputed.features, 1)
    learned = client.read_model()
    assert np.array_equal(learned.counts, expected.counts)
    assert learned.document_counts == [100, 101, 101]
    assert agreed.features == ((2, 3),) and disputed.features == ((0, 2),)  # decoded from the event
    assert trainer.predict(NaiveBayes.pack(disputed.features)) == 0


def test_refund__model_agrees(trainer, contributions, reporter, chain):
    client, agreed, _ = contributions
    chain.pending_timestamp = agreed.added_time + PARAMS.refund_wait
    words = list(trainer.modelWords(0, MODEL.word_count))

    receipt = client.refund(reporter, agreed)

    assert receipt.events == [trainer.DepositRefunded(id=agreed.id, contributor=reporter, amount=agreed.deposit)]
    assert trainer.goodContributions(reporter) == 1
    assert list(trainer.modelWords(0, MODEL.word_count)) == words


def test_refund__model_disagrees(trainer, contributions, contributor, chain):
    client, _, disputed = contributions
    chain.pending_timestamp = disputed.added_time + PARAMS.refund_wait

    with reverts_with(trainer, "ModelDisagrees", disputed.id, 0, 1):
        client.refund(contributor, disputed)


def test_report__model_disagrees(trainer, contributions, reporter, chain):
    client, agreed, disputed = contributions
    chain.pending_timestamp = agreed.added_time + PARAMS.refund_wait
    client.refund(reporter, agreed)

    receipt = client.report(reporter, disputed)

    assert receipt.events == [
        trainer.DepositTaken(id=disputed.id, reporter=reporter, amount=disputed.deposit, depositLeft=0)
    ]
    assert trainer.records(disputed.id) == (0, 0)


def test_report__model_agrees(trainer, contributions, contributor, chain):
    client, agreed, _ = contributions
    chain.pending_timestamp = agreed.added_time + PARAMS.refund_wait

    with reverts_with(trainer, "ModelAgrees", agreed.id, 2):
        client.report(contributor, agreed)
