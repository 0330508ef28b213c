"""`report(id, contributor, features, label, addedTime, deposit)`: who may take a contribution's deposit.

(a) From `addedTime + refundWait`, another account with good contributions takes
`initialDeposit * good / totalGood` (rounded down; all that is left if that is 0 or more than is
left) when the model disagrees with the label, once. (b) From `addedTime + ownerClaimWait` the owner,
and (c) from `addedTime + anyoneClaimWait` anyone, takes all that is left, whatever the model says.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import pytest
from helpers import DrtParams, pick_features, reverts_with

from collabml.chain.client import TrainerClient
from collabml.incentives.drt import DEPOSIT_TIME_SCALE
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import Contribution


@dataclass(frozen=True)
class Dispute:
    uneven: Contribution
    """Disputed; its deposit is not a multiple of `totalGoodContributions`, so shares round down."""
    even: Contribution
    """Disputed; its deposit is a multiple of `totalGoodContributions`, so the shares add up to it."""
    agreed: Contribution
    """The model predicts its label."""
    model: SparsePerceptron
    """The model after all three."""


@pytest.fixture(scope="module", autouse=True)
def dispute(trainer, small_model, drt_params, pick_stubborn, chain, contributor, reporter, anyone) -> Dispute:
    """`reporter` earns two good contributions and `anyone` one; then `contributor` adds two examples
    the model gets wrong even after learning them, and one it gets right."""
    client = TrainerClient(trainer)
    model = small_model.copy()
    good_features = pick_features(model, 1, agree=True)
    goods = [(account, client.contribute(account, good_features, 1)[0]) for account in (reporter, reporter, anyone)]
    chain.pending_timestamp = goods[-1][1].added_time + drt_params.refund_wait
    for account, good in goods:
        client.refund(account, good)
    total = trainer.totalGoodContributions()

    mechanism, last = drt_params.mechanism(), trainer.lastUpdateTime()
    uneven_at = next(
        t for t in itertools.count(chain.blocks.head.timestamp + 1) if mechanism.deposit_required(last, t) % total
    )
    uneven_features = pick_stubborn(model, 0)
    chain.pending_timestamp = uneven_at
    uneven, _ = client.contribute(contributor, uneven_features, 0)
    assert model.update(uneven_features, 0)

    # Labelled 1, so that learning it moves the intercept away from agreeing with the first one.
    even_features = pick_stubborn(model, 1, disputed=[(uneven_features, 0)])
    chain.pending_timestamp = uneven_at + 1  # one second on, the deposit is costWeight * 3600 again
    even, _ = client.contribute(contributor, even_features, 1)
    assert model.update(even_features, 1)

    agreed, _ = client.contribute(contributor, pick_features(model, 1, agree=True), 1)
    assert uneven.deposit % total and not even.deposit % total
    assert list(trainer.modelWords(0, model.word_count)) == model.packed_words()
    assert trainer.intercept() == model.intercept
    return Dispute(uneven, even, agreed, model)


def share(trainer, reporter, c: Contribution) -> int:
    return c.deposit * trainer.goodContributions(reporter) // trainer.totalGoodContributions()


# ---- (a) a reporter with good contributions, when the model disagrees ----


def test_report__model_disagrees(
    trainer, client, dispute, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    c = dispute.uneven
    good, total = trainer.goodContributions(reporter), trainer.totalGoodContributions()
    amount = c.deposit * good // total
    assert c.deposit * good % total  # the share is rounded down
    _, commitment = trainer.records(c.id)
    before, balance = reporter.balance, trainer.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    receipt = client.report(reporter, c)

    left = c.deposit - amount
    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=reporter, amount=amount, depositLeft=left)]
    assert receipt.return_value == amount
    assert trainer.records(c.id) == (left, commitment)
    assert trainer.hasClaimed(c.id, reporter)
    assert not trainer.hasClaimed(c.id, anyone)
    assert reporter.balance == before + amount - receipt.total_fees_paid
    assert trainer.balance == balance - amount == unclaimed_deposits(trainer)
    assert (trainer.goodContributions(reporter), trainer.totalGoodContributions()) == (good, total)


def test_report__one_second_before_refund_wait(trainer, client, dispute, reporter, drt_params, chain):
    c = dispute.uneven
    claimable_at = c.added_time + drt_params.refund_wait
    chain.pending_timestamp = claimable_at - 1

    with reverts_with(trainer, "ClaimTooEarly", c.id, claimable_at, claimable_at - 1):
        client.report(reporter, c)

    assert not trainer.hasClaimed(c.id, reporter)


def test_report__second_reporter_shares_initial_deposit(
    trainer, client, dispute, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    """Each share is of the initial deposit, not of what the reporters before left."""
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    first = share(trainer, reporter, c)
    client.report(reporter, c)
    second = share(trainer, anyone, c)

    receipt = client.report(anyone, c)

    left = c.deposit - first - second
    assert second > (c.deposit - first) * trainer.goodContributions(anyone) // trainer.totalGoodContributions()
    assert left > 0  # both shares were rounded down
    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=anyone, amount=second, depositLeft=left)]
    assert trainer.records(c.id)[0] == left
    assert trainer.hasClaimed(c.id, reporter) and trainer.hasClaimed(c.id, anyone)
    assert trainer.balance == unclaimed_deposits(trainer)


def test_report__share_equal_to_what_is_left(
    trainer, client, dispute, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    c = dispute.even
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)
    amount = share(trainer, anyone, c)
    assert trainer.records(c.id)[0] == amount

    receipt = client.report(anyone, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=anyone, amount=amount, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.balance == unclaimed_deposits(trainer)


def test_report__share_more_than_what_is_left(
    trainer, client, dispute, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    """`anyone` earns a second good contribution after `reporter` took 2/3: its 2/4 share is too much."""
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)
    left = trainer.records(c.id)[0]
    good, _ = client.contribute(anyone, pick_features(dispute.model, 1, agree=True), 1)
    chain.pending_timestamp = good.added_time + drt_params.refund_wait
    client.refund(anyone, good)
    assert share(trainer, anyone, c) > left
    assert chain.blocks.head.timestamp + 1 < c.added_time + drt_params.owner_claim_wait

    receipt = client.report(anyone, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=anyone, amount=left, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.balance == unclaimed_deposits(trainer)


def test_report__share_rounds_to_zero(create_trainer, small_model, pick_stubborn, contributor, reporter, anyone, chain):
    """A 1 wei deposit shared between two good contributors: the share is 0, so it takes the 1 wei."""
    params = DrtParams(cost_weight=1)
    cheap = create_trainer(small_model, params)
    client = TrainerClient(cheap)
    good_features = pick_features(small_model, 1, agree=True)
    goods = [(account, client.contribute(account, good_features, 1)[0]) for account in (reporter, anyone)]
    chain.pending_timestamp = goods[-1][1].added_time + params.refund_wait
    for account, good in goods:
        client.refund(account, good)
    # The deposit is costWeight * 3600 / isqrt(time since the last contribution): 1 wei after this long.
    last = cheap.lastUpdateTime()
    added_at = last + (params.cost_weight * DEPOSIT_TIME_SCALE) ** 2
    chain.pending_timestamp = added_at
    c, _ = client.contribute(contributor, pick_stubborn(small_model, 0), 0)
    assert c.deposit == params.mechanism().deposit_required(last, c.added_time) == 1
    assert share(cheap, reporter, c) == 0
    chain.pending_timestamp = c.added_time + params.refund_wait

    receipt = client.report(reporter, c)

    assert receipt.events == [cheap.DepositTaken(id=c.id, reporter=reporter, amount=1, depositLeft=0)]
    assert cheap.records(c.id) == (0, 0)
    assert cheap.balance == 0


def test_report__twice(trainer, client, dispute, reporter, drt_params, chain):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)

    with reverts_with(trainer, "AlreadyClaimed", c.id, reporter):
        client.report(reporter, c)


def test_report__twice_after_anyone_claim_wait(trainer, client, dispute, reporter, drt_params, chain):
    """Having taken a share, a reporter may not come back for the rest, even when anyone may."""
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait

    with reverts_with(trainer, "AlreadyClaimed", c.id, reporter):
        client.report(reporter, c)


def test_report__by_contributor(trainer, client, dispute, contributor, drt_params, chain):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ReporterIsContributor", c.id):
        client.report(contributor, c)


def test_report__model_agrees(trainer, client, dispute, reporter, drt_params, chain):
    c = dispute.agreed
    assert dispute.model.predict(c.features) == c.label
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ModelAgrees", c.id, c.label):
        client.report(reporter, c)


def test_report__no_good_contributions(trainer, client, dispute, attacker, drt_params, chain):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ReporterHasNoGoodContributions", attacker):
        client.report(attacker, c)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda c, other: {"contributor": other},
        lambda c, other: {"features": c.features[1:]},
        lambda c, other: {"label": 1 - c.label},
        lambda c, other: {"added_time": c.added_time - 1},
        lambda c, other: {"deposit": c.deposit + 1},
    ],
    ids=["contributor", "features", "label", "added_time", "deposit"],
)
def test_report__contribution_mismatch(trainer, client, dispute, reporter, attacker, drt_params, chain, wrong):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.report(reporter, dataclasses.replace(c, **wrong(c, attacker.address)))


def test_report__contribution_settled(trainer, client, dispute, owner, reporter, drt_params, chain):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait
    client.report(owner, c)

    with reverts_with(trainer, "ContributionSettled", c.id):
        client.report(reporter, c)


@pytest.mark.parametrize("beyond", [0, 1])
def test_report__contribution_not_found(trainer, client, dispute, reporter, beyond):
    count = trainer.contributionCount()

    with reverts_with(trainer, "ContributionNotFound", count + beyond, count):
        client.report(reporter, dataclasses.replace(dispute.uneven, id=count + beyond))


def test_report__payment_rejected(
    trainer, dispute, project, attacker, drt_params, chain, reverts_with_data, unclaimed_deposits
):
    """A reporter contract that refuses ether cannot take; the record stays as it was."""
    rejecting = attacker.deploy(project.MockRejectingContributor, trainer)
    c = dispute.uneven
    record, balance = trainer.records(c.id), trainer.balance
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait

    with reverts_with_data(trainer, "PaymentFailed", rejecting.address, c.deposit):
        rejecting.report(
            c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker
        )

    assert trainer.records(c.id) == record
    assert not trainer.hasClaimed(c.id, rejecting)
    assert trainer.balance == balance == unclaimed_deposits(trainer)


# ---- (b) the owner, from ownerClaimWait on, whatever the model says ----


@pytest.mark.parametrize("which", ["uneven", "agreed"])
def test_report__owner_at_owner_claim_wait(
    trainer, client, dispute, owner, drt_params, chain, unclaimed_deposits, which
):
    c = getattr(dispute, which)
    assert trainer.goodContributions(owner) == 0
    before = owner.balance
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait

    receipt = client.report(owner, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=owner, amount=c.deposit, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert owner.balance == before + c.deposit - receipt.total_fees_paid
    assert trainer.balance == unclaimed_deposits(trainer)


@pytest.mark.parametrize(
    "which, error",
    [("uneven", ("ReporterHasNoGoodContributions", "owner")), ("agreed", ("ModelAgrees", "id", "label"))],
)
def test_report__owner_one_second_before_owner_claim_wait(
    trainer, client, dispute, owner, drt_params, chain, which, error
):
    """Until ownerClaimWait the owner is a reporter like any other."""
    c = getattr(dispute, which)
    values = {"owner": owner, "id": c.id, "label": c.label}
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait - 1

    with reverts_with(trainer, error[0], *(values[arg] for arg in error[1:])):
        client.report(owner, c)


def test_report__owner_takes_what_reporters_left(
    trainer, client, dispute, owner, reporter, anyone, drt_params, chain, unclaimed_deposits
):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)
    client.report(anyone, c)
    left = trainer.records(c.id)[0]
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait

    receipt = client.report(owner, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=owner, amount=left, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.balance == unclaimed_deposits(trainer)


def test_report__not_owner_at_owner_claim_wait(trainer, client, dispute, reporter, drt_params, chain):
    """Other accounts still take only their share at ownerClaimWait."""
    c = dispute.uneven
    amount = share(trainer, reporter, c)
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait

    receipt = client.report(reporter, c)

    left = c.deposit - amount
    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=reporter, amount=amount, depositLeft=left)]
    assert trainer.records(c.id)[0] == left


def test_report__no_good_contributions_at_owner_claim_wait(trainer, client, dispute, attacker, drt_params, chain):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.owner_claim_wait

    with reverts_with(trainer, "ReporterHasNoGoodContributions", attacker):
        client.report(attacker, c)


# ---- (c) anyone, even the contributor, from anyoneClaimWait on, whatever the model says ----


@pytest.mark.parametrize("role", ["attacker", "contributor"])
@pytest.mark.parametrize("which", ["uneven", "agreed"])
def test_report__anyone_at_anyone_claim_wait(
    trainer, client, dispute, drt_params, chain, unclaimed_deposits, request, role, which
):
    claimant = request.getfixturevalue(role)
    c = getattr(dispute, which)
    before = claimant.balance
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait

    receipt = client.report(claimant, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=claimant, amount=c.deposit, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert claimant.balance == before + c.deposit - receipt.total_fees_paid
    assert trainer.balance == unclaimed_deposits(trainer)


@pytest.mark.parametrize(
    "role, error", [("attacker", ("ModelAgrees", "id", "label")), ("contributor", ("ReporterIsContributor", "id"))]
)
def test_report__anyone_one_second_before_anyone_claim_wait(
    trainer, client, dispute, drt_params, chain, request, role, error
):
    claimant = request.getfixturevalue(role)
    c = dispute.agreed
    values = {"id": c.id, "label": c.label}
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait - 1

    with reverts_with(trainer, error[0], *(values[arg] for arg in error[1:])):
        client.report(claimant, c)


def test_report__anyone_takes_what_reporters_left(
    trainer, client, dispute, reporter, attacker, drt_params, chain, unclaimed_deposits
):
    c = dispute.uneven
    chain.pending_timestamp = c.added_time + drt_params.refund_wait
    client.report(reporter, c)
    left = trainer.records(c.id)[0]
    chain.pending_timestamp = c.added_time + drt_params.anyone_claim_wait

    receipt = client.report(attacker, c)

    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=attacker, amount=left, depositLeft=0)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.balance == unclaimed_deposits(trainer)
