"""`refund(id, features, label, addedTime, deposit)`: from `addedTime + refundWait` on, the contributor
takes back what is left of the deposit if the model predicts the label, and earns a good contribution."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from helpers import pick_features, reverts_with

from collabml.chain.client import TrainerClient, contribution_from_event
from collabml.encoding import pack_indices
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import Contribution, commitment


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
    assert trainer.intercept() == model.intercept
    return Claims(agreed, disputed, model)


def test_refund__at_refund_wait(trainer, client, claims, contributor, drt_params, chain, unclaimed_deposits):
    c = claims.agreed
    claimable_at = c.added_time + drt_params.refund_wait
    before = contributor.balance
    chain.pending_timestamp = claimable_at

    receipt = client.refund(contributor, c)

    assert chain.blocks.head.timestamp == claimable_at
    assert receipt.events == [trainer.DepositRefunded(id=c.id, contributor=contributor, amount=c.deposit)]
    assert receipt.return_value == c.deposit
    assert trainer.records(c.id) == (0, 0)
    assert trainer.goodContributions(contributor) == 1
    assert trainer.totalGoodContributions() == 1
    assert contributor.balance == before + c.deposit - receipt.total_fees_paid
    assert trainer.balance == unclaimed_deposits(trainer) == claims.disputed.deposit


def test_refund__one_second_before_refund_wait(trainer, client, claims, contributor, drt_params, chain):
    c = claims.agreed
    claimable_at = c.added_time + drt_params.refund_wait
    chain.pending_timestamp = claimable_at - 1

    with reverts_with(trainer, "ClaimTooEarly", c.id, claimable_at, claimable_at - 1):
        client.refund(contributor, c)

    assert trainer.records(c.id)[0] == c.deposit
    assert trainer.goodContributions(contributor) == 0


def test_refund__long_after_anyone_claim_wait(trainer, client, claims, contributor, drt_params, chain):
    """No deadline: until someone takes the deposit, the contributor can still have it back."""
    c = claims.agreed
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait + 1

    receipt = client.refund(contributor, c)

    assert receipt.events == [trainer.DepositRefunded(id=c.id, contributor=contributor, amount=c.deposit)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.goodContributions(contributor) == 1


def test_refund__model_disagrees(trainer, client, claims, contributor, drt_params, chain):
    c = claims.disputed
    prediction = claims.model.predict(c.features)
    assert prediction != c.label
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ModelDisagrees", c.id, prediction, c.label):
        client.refund(contributor, c)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda c: {"features": c.features[1:]},
        lambda c: {"features": (*c.features, 63)},
        lambda c: {"label": 1 - c.label},
        lambda c: {"added_time": c.added_time + 1},
        lambda c: {"deposit": c.deposit - 1},
        lambda c: {"deposit": c.deposit + 1},
    ],
    ids=["fewer_features", "more_features", "label", "added_time", "deposit_lower", "deposit_higher"],
)
def test_refund__contribution_mismatch(trainer, client, claims, contributor, drt_params, chain, wrong):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.refund(contributor, dataclasses.replace(c, **wrong(c)))


def test_refund__not_the_contributor(trainer, client, claims, attacker, drt_params, chain):
    """The commitment binds the contributor: another account's refund does not match it."""
    c = claims.agreed
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.refund(attacker, c)

    assert trainer.goodContributions(attacker) == 0


def test_refund__twice(trainer, client, claims, contributor, drt_params, chain):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.refund(contributor, c)

    with reverts_with(trainer, "ContributionSettled", c.id):
        client.refund(contributor, c)

    assert trainer.goodContributions(contributor) == 1


def test_refund__after_deposit_taken(trainer, client, claims, owner, contributor, drt_params, chain):
    c = claims.agreed
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait
    client.report(owner, c)

    with reverts_with(trainer, "ContributionSettled", c.id):
        client.refund(contributor, c)


@pytest.mark.parametrize("beyond", [0, 1, 2**64])
def test_refund__contribution_not_found(trainer, client, claims, contributor, beyond):
    count = trainer.contributionCount()
    missing = dataclasses.replace(claims.agreed, id=count + beyond)

    with reverts_with(trainer, "ContributionNotFound", count + beyond, count):
        client.refund(contributor, missing)


def test_refund__what_is_left_after_report(
    trainer, client, claims, contributor, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    """A reporter takes half, then more data brings the model round: the contributor gets the rest."""
    c = claims.disputed
    model = claims.model.copy()
    good_features = pick_features(model, 1, agree=True)
    goods = [(account, client.contribute(account, good_features, 1)[0]) for account in (reporter, anyone)]
    chain.pending_timestamp = goods[-1][1].added_time + drt_params.refund_wait
    for account, good in goods:
        client.refund(account, good)
    taken = c.deposit * trainer.goodContributions(reporter) // trainer.totalGoodContributions()
    assert client.report(reporter, c).events == [
        trainer.DepositTaken(id=c.id, reporter=reporter, amount=taken, depositLeft=c.deposit - taken)
    ]
    while model.predict(c.features) != c.label:
        client.contribute(anyone, c.features, c.label)
        model.update(c.features, c.label)
    assert trainer.predict(c.packed_features) == c.label
    before = contributor.balance

    receipt = client.refund(contributor, c)

    left = c.deposit - taken
    assert receipt.events == [trainer.DepositRefunded(id=c.id, contributor=contributor, amount=left)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.goodContributions(contributor) == 1
    assert trainer.totalGoodContributions() == 3
    assert contributor.balance == before + left - receipt.total_fees_paid
    assert trainer.balance == unclaimed_deposits(trainer)


def test_refund__payment_rejected(
    trainer, claims, project, contributor, drt_params, chain, reverts_with_data, unclaimed_deposits
):
    """A contributor contract that refuses ether cannot be refunded; its record stays as it was."""
    rejecting = contributor.deploy(project.MockRejectingContributor, trainer)
    features = pack_indices(claims.agreed.features)
    added_at = chain.blocks.head.timestamp + 1
    deposit = drt_params.mechanism().deposit_required(trainer.lastUpdateTime(), added_at)
    chain.pending_timestamp = added_at
    receipt = rejecting.addData(features, 1, sender=contributor, value=deposit)  # exact: no change to refuse
    c = contribution_from_event(next(e for e in receipt.events if e.event_name == "ContributionAdded"))
    assert (c.added_time, c.deposit) == (added_at, deposit)
    balance = trainer.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with_data(trainer, "PaymentFailed", rejecting.address, c.deposit):
        rejecting.refund(c.id, features, c.label, c.added_time, c.deposit, sender=contributor)

    assert trainer.records(c.id) == (c.deposit, commitment(rejecting.address, added_at, 1, deposit, features) >> 96)
    assert trainer.goodContributions(rejecting) == 0
    assert trainer.totalGoodContributions() == 0
    assert trainer.balance == balance == unclaimed_deposits(trainer)
