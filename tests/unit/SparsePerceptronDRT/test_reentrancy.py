"""Re-entrancy: a contributor contract (`MockReentrantContributor`) calls `addData`, `refund` or
`report` again from its `receive` while the trainer pays it change, a refund or a taken deposit.

Every such call fails with OpenZeppelin's `ReentrancyGuardReentrantCall`. If the contract keeps the
payment anyway, the outer call has its normal effect and no other; if it refuses the payment, the
outer call reverts with `PaymentFailed` and nothing changes. Either way the trainer holds exactly
the deposits still on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import pytest
from ape.contracts import ContractInstance
from helpers import pick_features

from collabml.chain.client import TrainerClient, contribution_from_event
from collabml.encoding import pack_indices
from collabml.trainer import Contribution

CHANGE = 12_345
"""Wei sent above the deposit required, returned as change."""


class Reentry(IntEnum):
    """`MockReentrantContributor.Reentry`, in declaration order."""

    NONE = 0
    ADD_DATA = 1
    REFUND = 2
    REPORT = 3


@dataclass(frozen=True)
class Setup:
    mock: ContractInstance
    """A `MockReentrantContributor` with one good contribution, so it can report."""
    own: Contribution
    """The mock's contribution, which the model agrees with: refundable after the refund wait."""
    bad: Contribution
    """`contributor`'s contribution, which the model gets wrong: reportable after the refund wait."""


def add_exactly(trainer, mock, mechanism, chain, sender, features, label, change=0):
    """`mock.addData` in the next second with the deposit required then plus `change`."""
    added_at = chain.blocks.head.timestamp + 1
    deposit = mechanism.deposit_required(trainer.lastUpdateTime(), added_at)
    chain.pending_timestamp = added_at
    receipt = mock.addData(features, label, sender=sender, value=deposit + change)
    return contribution_from_event(next(e for e in receipt.events if e.event_name == "ContributionAdded")), receipt


@pytest.fixture(scope="module", autouse=True)
def setup(
    trainer, project, small_model, drt_params, pick_stubborn, chain, attacker, contributor, reporter
) -> Setup:
    """The mock and `reporter` earn a good contribution each (so the mock's share is half a deposit);
    then `contributor` adds a disputed example and the mock one the model agrees with."""
    client, mechanism, model = TrainerClient(trainer), drt_params.mechanism(), small_model.copy()
    mock = attacker.deploy(project.MockReentrantContributor, trainer)
    good_features = pick_features(model, 1, agree=True)
    good, _ = add_exactly(trainer, mock, mechanism, chain, attacker, pack_indices(good_features), 1)
    other, _ = client.contribute(reporter, good_features, 1)
    chain.pending_timestamp = other.added_time + drt_params.refund_wait
    mock.refund(good.id, good.packed_features, good.label, good.added_time, good.deposit, sender=attacker)
    client.refund(reporter, other)
    assert (trainer.goodContributions(mock), trainer.totalGoodContributions()) == (1, 2)

    bad_features = pick_stubborn(model, 0)
    bad, _ = client.contribute(contributor, bad_features, 0)
    assert model.update(bad_features, 0)
    own_features = pick_features(model, 1, agree=True)
    own, _ = add_exactly(trainer, mock, mechanism, chain, attacker, pack_indices(own_features), 1)
    assert model.predict(own.features) == own.label
    return Setup(mock, own, bad)


@pytest.fixture
def reenter(setup, attacker):
    """Make the mock's `receive` call `target` back, on the mock's own contribution (or report
    `contributor`'s), keeping the payment unless `bubble`."""

    def reenter(target: Reentry, bubble: bool) -> None:
        c = setup.bad if target is Reentry.REPORT else setup.own
        setup.mock.setReentry(
            target, bubble, c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker
        )

    return reenter


def assert_reentry_failed(mock, trainer, error_data) -> None:
    assert mock.reentryAttempts() == 1
    assert not mock.reentrySucceeded()
    assert bytes(mock.lastReentryError()) == error_data(trainer, "ReentrancyGuardReentrantCall")


@pytest.mark.parametrize("target", [Reentry.ADD_DATA, Reentry.REFUND, Reentry.REPORT], ids=lambda t: t.name.lower())
def test_add_data__reentry_from_change(
    trainer, setup, drt_params, chain, attacker, reenter, error_data, unclaimed_deposits, target
):
    reenter(target, bubble=False)
    count, balance = trainer.contributionCount(), setup.mock.balance

    c, receipt = add_exactly(
        trainer, setup.mock, drt_params.mechanism(), chain, attacker, setup.own.packed_features, 1, change=CHANGE
    )

    assert receipt.events == [
        trainer.ContributionAdded(
            id=count,
            contributor=setup.mock,
            label=1,
            addedTime=c.added_time,
            deposit=c.deposit,
            features=setup.own.packed_features,
        )
    ]
    assert trainer.contributionCount() == count + 1
    assert setup.mock.balance == balance + CHANGE
    assert_reentry_failed(setup.mock, trainer, error_data)
    assert trainer.balance == unclaimed_deposits(trainer)


@pytest.mark.parametrize("target", [Reentry.ADD_DATA, Reentry.REFUND, Reentry.REPORT], ids=lambda t: t.name.lower())
def test_refund__reentry_from_refund(
    trainer, setup, drt_params, chain, attacker, reenter, error_data, unclaimed_deposits, target
):
    reenter(target, bubble=False)
    c = setup.own
    count, balance = trainer.contributionCount(), setup.mock.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    receipt = setup.mock.refund(c.id, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker)

    assert receipt.events == [trainer.DepositRefunded(id=c.id, contributor=setup.mock, amount=c.deposit)]
    assert trainer.records(c.id) == (0, 0)
    assert trainer.goodContributions(setup.mock) == 2
    assert trainer.totalGoodContributions() == 3
    assert trainer.contributionCount() == count
    assert setup.mock.balance == balance + c.deposit
    assert_reentry_failed(setup.mock, trainer, error_data)
    assert trainer.balance == unclaimed_deposits(trainer)


@pytest.mark.parametrize("target", [Reentry.ADD_DATA, Reentry.REFUND, Reentry.REPORT], ids=lambda t: t.name.lower())
def test_report__reentry_from_report(
    trainer, setup, drt_params, chain, attacker, reenter, error_data, unclaimed_deposits, target
):
    reenter(target, bubble=False)
    c = setup.bad
    amount = c.deposit * trainer.goodContributions(setup.mock) // trainer.totalGoodContributions()
    count, balance = trainer.contributionCount(), setup.mock.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    receipt = setup.mock.report(
        c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker
    )

    left = c.deposit - amount
    assert receipt.events == [trainer.DepositTaken(id=c.id, reporter=setup.mock, amount=amount, depositLeft=left)]
    assert trainer.records(c.id)[0] == left
    assert trainer.hasClaimed(c.id, setup.mock)
    assert trainer.contributionCount() == count
    assert setup.mock.balance == balance + amount
    assert_reentry_failed(setup.mock, trainer, error_data)
    assert trainer.balance == unclaimed_deposits(trainer)


def test_add_data__reentry_refuses_change(
    trainer, setup, drt_params, chain, attacker, reenter, reverts_with_data, unclaimed_deposits
):
    reenter(Reentry.ADD_DATA, bubble=True)
    count, last, balance = trainer.contributionCount(), trainer.lastUpdateTime(), trainer.balance

    with reverts_with_data(trainer, "PaymentFailed", setup.mock.address, CHANGE):
        add_exactly(
            trainer, setup.mock, drt_params.mechanism(), chain, attacker, setup.own.packed_features, 1, change=CHANGE
        )

    assert (trainer.contributionCount(), trainer.lastUpdateTime()) == (count, last)
    assert setup.mock.reentryAttempts() == 0
    assert trainer.balance == balance == unclaimed_deposits(trainer)


def test_refund__reentry_refuses_refund(
    trainer, setup, drt_params, chain, attacker, reenter, reverts_with_data, unclaimed_deposits
):
    reenter(Reentry.REFUND, bubble=True)
    c = setup.own
    record, balance = trainer.records(c.id), trainer.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with_data(trainer, "PaymentFailed", setup.mock.address, c.deposit):
        setup.mock.refund(c.id, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker)

    assert trainer.records(c.id) == record
    assert trainer.goodContributions(setup.mock) == 1
    assert trainer.totalGoodContributions() == 2
    assert trainer.balance == balance == unclaimed_deposits(trainer)


def test_report__reentry_refuses_report(
    trainer, setup, drt_params, chain, attacker, reenter, reverts_with_data, unclaimed_deposits
):
    reenter(Reentry.REPORT, bubble=True)
    c = setup.bad
    amount = c.deposit * trainer.goodContributions(setup.mock) // trainer.totalGoodContributions()
    record, balance = trainer.records(c.id), trainer.balance
    chain.pending_timestamp = c.added_time + drt_params.refund_wait

    with reverts_with_data(trainer, "PaymentFailed", setup.mock.address, amount):
        setup.mock.report(c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=attacker)

    assert trainer.records(c.id) == record
    assert not trainer.hasClaimed(c.id, setup.mock)
    assert trainer.balance == balance == unclaimed_deposits(trainer)
