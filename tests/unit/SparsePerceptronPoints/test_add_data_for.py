"""`addDataFor` under Points: a contribution signed by its author and relayed by anyone, free (the
relayer's value is refused like any other), earns the author (not the relayer) the point."""

from __future__ import annotations

import pytest
from helpers import reverts_with

from collabml.encoding import pack_indices

FEATURES = (1, 9, 17)


@pytest.fixture
def deadline(chain):
    return chain.pending_timestamp + 3_600


def test_add_data_for__relayed_contribution_earns_the_author(
    trainer, badges, client, contributor, anyone, small_model, deadline, points_params, chain, minted
):
    label = small_model.predict(FEATURES)
    nonce, signature = client.sign_contribution(contributor, FEATURES, label, deadline)

    c, receipt = client.contribute_for(anyone, contributor.address, FEATURES, label, nonce, deadline, signature)

    now = chain.blocks.head.timestamp
    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=label, addedTime=now, deposit=0, features=pack_indices(FEATURES)
        )
    ]
    assert trainer.nonces(contributor) == nonce + 1
    assert trainer.lastUpdateTime() == now
    chain.pending_timestamp = c.added_time + points_params.refund_wait
    refund = client.refund(contributor, c)
    assert refund.events[:2] == [
        trainer.PointAwarded(id=0, contributor=contributor, points=1),
        minted(badges, trainer, contributor, 1),
    ]
    assert trainer.pointsOf(contributor) == 1 and trainer.pointsOf(anyone) == 0
    assert trainer.balance == 0


def test_add_data_for__value_not_accepted(trainer, client, contributor, anyone, deadline):
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    with reverts_with(trainer, "ValueNotAccepted", 1):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature, value=1)
    assert trainer.nonces(contributor) == nonce
    assert trainer.contributionCount() == 0
