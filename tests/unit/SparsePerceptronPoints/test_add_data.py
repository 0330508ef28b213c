"""`addData(bytes features, uint8 label)` under Points: free (any value is refused by name), the
record stored with a deposit of 0, `lastUpdateTime` moved, the model updated as its mirror."""

from __future__ import annotations

import pytest
from helpers import pick_features, reverts_with

from collabml.encoding import pack_indices
from collabml.trainer import commitment


def test_add_data__model_agrees(trainer, small_model, contributor, chain):
    features = pick_features(small_model, 1, agree=True)
    words_before = list(trainer.modelWords(0, small_model.word_count))

    receipt = trainer.addData(pack_indices(features), 1, sender=contributor)

    now = chain.blocks.head.timestamp
    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=1, addedTime=now, deposit=0, features=pack_indices(features)
        )
    ]
    assert receipt.return_value == 0
    assert list(trainer.modelWords(0, small_model.word_count)) == words_before
    assert trainer.contributionCount() == 1
    assert trainer.lastUpdateTime() == now
    assert trainer.records(0) == (0, commitment(contributor.address, now, 1, 0, pack_indices(features)) >> 96)
    assert trainer.balance == 0
    assert trainer.depositRequired() == 0


def test_add_data__model_updates(trainer, small_model, contributor):
    features = pick_features(small_model, 1, agree=False)
    expected = small_model.copy()
    assert expected.update(features, 1)

    trainer.addData(pack_indices(features), 1, sender=contributor)

    assert list(trainer.modelWords(0, small_model.word_count)) == expected.packed_words()
    assert trainer.intercept() == expected.intercept


def test_add_data__last_update_time_moves_each_time(trainer, contributor, reporter, travel, chain):
    trainer.addData(pack_indices([1]), 0, sender=contributor)
    first = trainer.lastUpdateTime()
    travel(3_600)
    second = trainer.addData(pack_indices([2]), 1, sender=reporter)
    now = chain.provider.get_block(second.block_number).timestamp
    assert trainer.lastUpdateTime() == now >= first + 3_600
    assert second.return_value == 1 and trainer.contributionCount() == 2
    assert trainer.depositRequired() == 0


@pytest.mark.parametrize("value", [1, 10**18])
def test_add_data__value_not_accepted(trainer, contributor, value):
    before = contributor.balance
    with reverts_with(trainer, "ValueNotAccepted", value):
        trainer.addData(pack_indices([1]), 0, sender=contributor, value=value)
    assert trainer.contributionCount() == 0
    assert trainer.balance == 0
    assert contributor.balance <= before  # only gas was spent


def test_add_data__label_checked_before_value(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 2, 2):
        trainer.addData(pack_indices([1]), 2, sender=contributor, value=1)


def test_add_data__value_checked_before_features(trainer, contributor):
    with reverts_with(trainer, "ValueNotAccepted", 5):
        trainer.addData(b"\x00", 1, sender=contributor, value=5)


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
        trainer.addData(features, 1, sender=contributor)


def test_add_data__model_not_loaded(create_points_trainer, small_model, contributor):
    unloaded = create_points_trainer(small_model, load=False)
    with reverts_with(unloaded, "ModelNotLoaded", 0, small_model.word_count):
        unloaded.addData(pack_indices([1]), 1, sender=contributor)


def test_add_data__from_contract_without_receive(trainer, project, contributor):
    """Nothing is ever sent back, so a contract that refuses ether contributes as any account."""
    rejecting = contributor.deploy(project.MockRejectingContributor, trainer)
    receipt = rejecting.addData(pack_indices([1, 2]), 1, sender=contributor)
    assert receipt.return_value == 0
    assert trainer.records(0)[0] == 0
