"""`addData(bytes features, uint8 label)`: mechanism, record, model, change, in that order."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SMALL_FEATURES, pick_features, reverts_with

from collabml.encoding import pack_indices
from collabml.fixedpoint import INT64_MAX, INT64_MIN
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import commitment


def test_add_data__model_agrees(trainer, client, small_model, contributor, chain):
    features = pick_features(small_model, 1, agree=True)
    words_before = list(trainer.modelWords(0, small_model.word_count))
    required = trainer.depositRequired()

    receipt = trainer.addData(pack_indices(features), 1, sender=contributor, value=required)

    now = chain.blocks.head.timestamp
    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=1, addedTime=now, deposit=required, features=pack_indices(features)
        )
    ]
    assert list(trainer.modelWords(0, small_model.word_count)) == words_before
    assert trainer.contributionCount() == 1
    assert trainer.lastUpdateTime() == now
    assert trainer.balance == required
    assert trainer.records(0) == (required, commitment(contributor.address, now, 1, required, pack_indices(features)) >> 96)


def test_add_data__model_updates(trainer, small_model, contributor):
    features = pick_features(small_model, 1, agree=False)
    expected = small_model.copy()
    assert expected.update(features, 1)

    trainer.addData(pack_indices(features), 1, sender=contributor, value=trainer.depositRequired())

    assert list(trainer.modelWords(0, small_model.word_count)) == expected.packed_words()
    assert trainer.intercept() == expected.intercept


def test_add_data__excess_value_returned(trainer, contributor):
    required = trainer.depositRequired()
    before = contributor.balance

    receipt = trainer.addData(pack_indices([1, 2]), 0, sender=contributor, value=required + 10**18)

    assert trainer.balance == required
    assert before - contributor.balance == required + receipt.total_fees_paid


def test_add_data__deposit_falls_with_time(trainer, contributor, drt_params, travel):
    trainer.addData(pack_indices([3]), 0, sender=contributor, value=trainer.depositRequired())
    assert trainer.depositRequired() == drt_params.cost_weight * 3600
    travel(3600)
    assert trainer.depositRequired() == drt_params.cost_weight * 3600 // 60


def test_add_data__ids_increase(trainer, contributor, reporter):
    first = trainer.addData(pack_indices([1]), 0, sender=contributor, value=trainer.depositRequired())
    second = trainer.addData(pack_indices([2]), 1, sender=reporter, value=trainer.depositRequired())
    assert first.return_value == 0 and second.return_value == 1
    assert trainer.contributionCount() == 2


def test_add_data__deposit_too_low(trainer, contributor):
    required = trainer.depositRequired()
    with reverts_with(trainer, "DepositTooLow", required, required - 1):
        trainer.addData(pack_indices([1]), 0, sender=contributor, value=required - 1)


def test_add_data__label_out_of_range(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 2, 2):
        trainer.addData(pack_indices([1]), 2, sender=contributor, value=trainer.depositRequired())


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00\x01\x00", ("FeaturesMalformed", 3)),
        (pack_indices([5]) + pack_indices([5]), ("FeaturesNotSorted", 1, 5, 5)),
        (pack_indices([7]) + pack_indices([6]), ("FeaturesNotSorted", 1, 7, 6)),
        (pack_indices([64]), ("FeatureOutOfRange", 64, 64)),
    ],
)
def test_add_data__bad_features(trainer, contributor, features, error):
    name, *args = error
    with reverts_with(trainer, name, *args):
        trainer.addData(features, 1, sender=contributor, value=trainer.depositRequired())


def test_add_data__model_not_loaded(create_trainer, small_model, contributor):
    unloaded = create_trainer(small_model, load=False)
    with reverts_with(unloaded, "ModelNotLoaded", 0, small_model.word_count):
        unloaded.addData(pack_indices([1]), 1, sender=contributor, value=unloaded.depositRequired())


def test_add_data__empty_features(trainer, small_model, contributor):
    """No features present: the score is the intercept alone."""
    label = small_model.predict(())
    receipt = trainer.addData(b"", label, sender=contributor, value=trainer.depositRequired())
    assert receipt.return_value == 0


def test_add_data__change_refused(trainer, project, contributor, drt_params, chain, reverts_with_data):
    """A contributor contract that refuses ether must send the exact deposit: change cannot be paid."""
    rejecting = contributor.deploy(project.MockRejectingContributor, trainer)
    added_at = chain.blocks.head.timestamp + 1
    deposit = drt_params.mechanism().deposit_required(trainer.lastUpdateTime(), added_at)
    chain.pending_timestamp = added_at

    with reverts_with_data(trainer, "PaymentFailed", rejecting.address, 1):
        rejecting.addData(pack_indices([1]), 0, sender=contributor, value=deposit + 1)

    assert trainer.contributionCount() == 0
    assert trainer.balance == 0


@pytest.mark.parametrize(
    ("intercept", "label", "after"),
    [(-1, 1, 99), (INT64_MIN, 1, INT64_MIN + 100), (INT64_MAX, 0, INT64_MAX - 100), (0, 0, 0)],
)
def test_add_data__intercept_shares_the_hot_word(create_trainer, contributor, chain, intercept, label, after):
    """The intercept lives in the trainer's hot word beside the counters and the loading progress:
    an update (or none, when the model agrees) changes it alone, at either sign and at the int64 bounds."""
    model = SparsePerceptron(np.zeros(SMALL_FEATURES, dtype=np.int64), intercept=intercept, learning_rate=100)
    trainer = create_trainer(model)
    expected = model.copy()
    expected.update((1, 2), label)

    trainer.addData(pack_indices([1, 2]), label, sender=contributor, value=trainer.depositRequired())

    assert trainer.intercept() == expected.intercept == after
    assert trainer.modelReady() and trainer.loadedWords() == model.word_count
    assert trainer.contributionCount() == 1
    assert trainer.lastUpdateTime() == chain.blocks.head.timestamp
    assert trainer.totalGoodContributions() == 0
    assert list(trainer.modelWords(0, model.word_count)) == expected.packed_words()
    assert trainer.predict(pack_indices([1, 2])) == expected.predict((1, 2))
