"""Badges 100 and 1,000 (and nothing after): `SparsePerceptronPointsHarness.setPoints` puts an author
one refund below a level, so the refund that reaches it mints its badge, as `pointsOf` + 1 says."""

from __future__ import annotations

import pytest
from helpers import pick_features

from collabml.chain.client import TrainerClient
from collabml.incentives.points import BADGE_LEVELS


@pytest.fixture(scope="module")
def trainer(create_points_trainer, small_model):
    """The harness, in place of the plain trainer, for this module."""
    return create_points_trainer(small_model, contract_name="SparsePerceptronPointsHarness")


@pytest.fixture(scope="module", autouse=True)
def agreed(trainer, small_model, contributor):
    """A contribution the model predicts, ready to refund after the wait."""
    c, _ = TrainerClient(trainer).contribute(contributor, pick_features(small_model, 1, agree=True), 1)
    return c


@pytest.mark.parametrize(
    ("start", "badge"),
    [(0, 1), (1, None), (9, 10), (10, None), (99, 100), (100, None), (999, 1_000), (1_000, None), (12_345, None)],
)
def test_refund__from_points(trainer, badges, client, agreed, contributor, owner, points_params, chain, minted, start, badge):
    trainer.setPoints(contributor, start, sender=owner)
    assert trainer.pointsOf(contributor) == trainer.totalGoodContributions() == start
    chain.pending_timestamp = agreed.added_time + points_params.refund_wait

    receipt = client.refund(contributor, agreed)

    expected = [trainer.PointAwarded(id=agreed.id, contributor=contributor, points=start + 1)]
    if badge is not None:
        expected.append(minted(badges, trainer, contributor, badge))
    expected.append(trainer.DepositRefunded(id=agreed.id, contributor=contributor, amount=0))
    assert receipt.events == expected
    assert trainer.pointsOf(contributor) == trainer.totalGoodContributions() == start + 1
    # The harness set the points without minting the levels passed on the way: only `badge` is held.
    assert list(trainer.badgesOf(contributor)) == ([badge] if badge else [])
    assert badges.balanceOfBatch([contributor] * 4, list(BADGE_LEVELS)) == [int(level == badge) for level in BADGE_LEVELS]
