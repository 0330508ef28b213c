"""`refund(id, features, label, addedTime, deposit)` under Points: from `addedTime + refundWait` on,
the author of a contribution the model predicts earns one point (nothing is paid); the record is
settled, so it earns at most once; reaching 1 and 10 points mints those badges."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from helpers import pick_features, reverts_with

from collabml.chain.client import TrainerClient, contribution_from_event
from collabml.encoding import pack_indices
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import Contribution


@dataclass(frozen=True)
class Claims:
    agreed: Contribution
    """The contributor's example that the model predicts."""
    disputed: Contribution
    """The contributor's example that the model gets wrong, even after learning from it."""
    model: SparsePerceptron
    """The model after both."""


@pytest.fixture(scope="module", autouse=True)
def claims(trainer, small_model, pick_stubborn, contributor) -> Claims:
    client = TrainerClient(trainer)
    model = small_model.copy()
    disputed_features = pick_stubborn(model, 0)
    disputed, _ = client.contribute(contributor, disputed_features, 0)
    assert model.update(disputed_features, 0)
    agreed, _ = client.contribute(contributor, pick_features(model, 1, agree=True), 1)
    assert list(trainer.modelWords(0, model.word_count)) == model.packed_words()
    return Claims(agreed, disputed, model)


def test_refund__first_point_mints_first_badge(trainer, badges, client, claims, contributor, points_params, chain, minted):
    c = claims.agreed
    claimable_at = c.added_time + points_params.refund_wait
    before = contributor.balance
    chain.pending_timestamp = claimable_at

    receipt = client.refund(contributor, c)

    assert chain.blocks.head.timestamp == claimable_at
    assert receipt.events == [
        trainer.PointAwarded(id=c.id, contributor=contributor, points=1),
        minted(badges, trainer, contributor, 1),
        trainer.DepositRefunded(id=c.id, contributor=contributor, amount=0),
    ]
    assert receipt.return_value == 0
    assert trainer.records(c.id) == (0, 0)
    assert trainer.goodContributions(contributor) == trainer.pointsOf(contributor) == 1
    assert trainer.totalGoodContributions() == 1
    assert list(trainer.badgesOf(contributor)) == list(badges.badgesOf(contributor)) == [1]
    assert badges.balanceOfBatch([contributor] * 4, [1, 10, 100, 1_000]) == [1, 0, 0, 0]
    assert contributor.balance == before - receipt.total_fees_paid
    assert trainer.balance == 0


def test_refund__second_point_mints_nothing(trainer, client, add, claims, contributor, points_params, chain):
    second, _ = add(contributor, claims.agreed.features, 1)
    chain.pending_timestamp = second.added_time + points_params.refund_wait
    client.refund(contributor, claims.agreed)

    receipt = client.refund(contributor, second)

    assert receipt.events == [
        trainer.PointAwarded(id=second.id, contributor=contributor, points=2),
        trainer.DepositRefunded(id=second.id, contributor=contributor, amount=0),
    ]
    assert trainer.pointsOf(contributor) == trainer.totalGoodContributions() == 2
    assert list(trainer.badgesOf(contributor)) == [1]


def test_refund__ten_points_mint_second_badge(trainer, badges, add, client, claims, contributor, reporter, points_params, chain, minted):
    """Ten refunds by one author: badge 1 at the first, badge 10 at the tenth, nothing in between;
    another author's points are their own."""
    features = claims.agreed.features
    mine = [add(contributor, features, 1)[0] for _ in range(9)]
    theirs, _ = add(reporter, features, 1)
    chain.pending_timestamp = theirs.added_time + points_params.refund_wait
    mint_logs = []
    for n, c in enumerate([claims.agreed, *mine], start=1):
        receipt = client.refund(contributor, c)
        assert receipt.events[0] == trainer.PointAwarded(id=c.id, contributor=contributor, points=n)
        mint_logs += [e for e in receipt.events if e.event_name == "TransferSingle"]
        assert list(trainer.badgesOf(contributor)) == ([1, 10] if n >= 10 else [1])
    receipt = client.refund(reporter, theirs)

    assert mint_logs == [minted(badges, trainer, contributor, 1), minted(badges, trainer, contributor, 10)]
    assert receipt.events[:2] == [
        trainer.PointAwarded(id=theirs.id, contributor=reporter, points=1),
        minted(badges, trainer, reporter, 1),
    ]
    assert trainer.pointsOf(contributor) == 10 and trainer.pointsOf(reporter) == 1
    assert trainer.totalGoodContributions() == 11
    assert badges.balanceOfBatch([contributor] * 4, [1, 10, 100, 1_000]) == [1, 1, 0, 0]
    assert list(trainer.badgesOf(reporter)) == [1]


def test_refund__one_second_before_refund_wait(trainer, client, claims, contributor, points_params, chain):
    c = claims.agreed
    claimable_at = c.added_time + points_params.refund_wait
    chain.pending_timestamp = claimable_at - 1

    with reverts_with(trainer, "ClaimTooEarly", c.id, claimable_at, claimable_at - 1):
        client.refund(contributor, c)

    assert trainer.records(c.id)[1] != 0
    assert trainer.pointsOf(contributor) == 0


def test_refund__no_deadline(trainer, client, claims, contributor, points_params, chain):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + 10_000 * points_params.refund_wait
    client.refund(contributor, c)
    assert trainer.pointsOf(contributor) == 1


def test_refund__model_disagrees(trainer, client, claims, contributor, points_params, chain):
    c = claims.disputed
    prediction = claims.model.predict(c.features)
    assert prediction != c.label
    chain.pending_timestamp = c.added_time + points_params.refund_wait

    with reverts_with(trainer, "ModelDisagrees", c.id, prediction, c.label):
        client.refund(contributor, c)

    assert trainer.pointsOf(contributor) == 0
    assert list(trainer.badgesOf(contributor)) == []


@pytest.mark.parametrize(
    "wrong",
    [
        lambda c: {"features": c.features[1:]},
        lambda c: {"features": (*c.features, 63)},
        lambda c: {"label": 1 - c.label},
        lambda c: {"added_time": c.added_time + 1},
        lambda c: {"deposit": 1},
    ],
    ids=["fewer_features", "more_features", "label", "added_time", "deposit"],
)
def test_refund__contribution_mismatch(trainer, client, claims, contributor, points_params, chain, wrong):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + points_params.refund_wait

    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.refund(contributor, dataclasses.replace(c, **wrong(c)))


def test_refund__not_the_contributor(trainer, client, claims, attacker, points_params, chain):
    """The commitment binds the author: nobody else can earn their point."""
    c = claims.agreed
    chain.pending_timestamp = c.added_time + points_params.refund_wait

    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.refund(attacker, c)

    assert trainer.pointsOf(attacker) == 0


def test_refund__twice(trainer, client, claims, contributor, points_params, chain):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + points_params.refund_wait
    client.refund(contributor, c)

    with reverts_with(trainer, "ContributionSettled", c.id):
        client.refund(contributor, c)

    assert trainer.pointsOf(contributor) == 1


@pytest.mark.parametrize("beyond", [0, 1, 2**64])
def test_refund__contribution_not_found(trainer, client, claims, contributor, beyond):
    count = trainer.contributionCount()
    with reverts_with(trainer, "ContributionNotFound", count + beyond, count):
        client.refund(contributor, dataclasses.replace(claims.agreed, id=count + beyond))


def test_refund__model_not_loaded(create_points_trainer, small_model, contributor):
    """An unloaded trainer has no contributions: the record check fails first."""
    unloaded = create_points_trainer(small_model, load=False)
    with reverts_with(unloaded, "ContributionNotFound", 0, 0):
        unloaded.refund(0, pack_indices([1]), 1, 0, 0, sender=contributor)


def test_refund__contract_author_gets_badge_without_callback(trainer, badges, project, claims, contributor, points_params, chain, minted):
    """A contract that implements no ERC-1155 receiver (nor accepts ether) earns its point and badge:
    minting makes no call to the recipient."""
    rejecting = contributor.deploy(project.MockRejectingContributor, trainer)
    features = pack_indices(claims.agreed.features)
    receipt = rejecting.addData(features, 1, sender=contributor)
    c = contribution_from_event(next(e for e in receipt.events if e.event_name == "ContributionAdded"))
    chain.pending_timestamp = c.added_time + points_params.refund_wait

    receipt = rejecting.refund(c.id, features, c.label, c.added_time, c.deposit, sender=contributor)

    assert receipt.return_value == 0
    assert minted(badges, trainer, rejecting, 1) in receipt.events
    assert trainer.pointsOf(rejecting) == 1
    assert badges.balanceOf(rejecting, 1) == 1
