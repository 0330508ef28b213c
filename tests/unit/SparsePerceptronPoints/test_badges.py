"""`ContributorBadges`: only its trainer mints, each level once per account, and no badge ever moves:
`safeTransferFrom` and `safeBatchTransferFrom` revert with `BadgesNotTransferable(from, to)`
whoever calls them, to whomever. A standalone deployment (its deployer is its trainer) tests the
mint rules the real trainer never breaks."""

from __future__ import annotations

import pytest
from helpers import pick_features, reverts_with

from collabml.chain.client import TrainerClient

ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture(scope="module", autouse=True)
def holder(trainer, badges, small_model, contributor, points_params, chain):
    """`contributor` earns a point and badge 1."""
    client = TrainerClient(trainer)
    c, _ = client.contribute(contributor, pick_features(small_model, 1, agree=True), 1)
    chain.pending_timestamp = c.added_time + points_params.refund_wait
    client.refund(contributor, c)
    assert badges.balanceOf(contributor, 1) == 1
    return contributor


@pytest.fixture(scope="module")
def standalone(project, owner, holder):
    """A `ContributorBadges` whose trainer (minter) is `owner`, its deployer."""
    return owner.deploy(project.ContributorBadges, "")


@pytest.mark.parametrize("caller", ["holder", "attacker"])
@pytest.mark.parametrize("to", ["anyone", "zero", "holder"])
def test_safe_transfer_from__not_transferable(badges, holder, request, caller, to):
    sender = request.getfixturevalue(caller)
    recipient = ZERO_ADDRESS if to == "zero" else request.getfixturevalue(to).address

    with reverts_with(badges, "BadgesNotTransferable", holder.address, recipient):
        badges.safeTransferFrom(holder, recipient, 1, 1, b"", sender=sender)

    assert badges.balanceOf(holder, 1) == 1


@pytest.mark.parametrize("caller", ["holder", "attacker"])
@pytest.mark.parametrize("to", ["anyone", "zero"])
def test_safe_batch_transfer_from__not_transferable(badges, holder, request, caller, to):
    sender = request.getfixturevalue(caller)
    recipient = ZERO_ADDRESS if to == "zero" else request.getfixturevalue(to).address

    with reverts_with(badges, "BadgesNotTransferable", holder.address, recipient):
        badges.safeBatchTransferFrom(holder, recipient, [1], [1], b"", sender=sender)

    assert badges.balanceOf(holder, 1) == 1


def test_approved_operator__still_not_transferable(badges, holder, anyone):
    """Approvals can be set (ERC-1155 requires the function) but allow nothing."""
    receipt = badges.setApprovalForAll(anyone, True, sender=holder)
    assert receipt.events == [badges.ApprovalForAll(account=holder, operator=anyone, approved=True)]

    with reverts_with(badges, "BadgesNotTransferable", holder.address, anyone.address):
        badges.safeTransferFrom(holder, anyone, 1, 1, b"", sender=anyone)
    with reverts_with(badges, "BadgesNotTransferable", holder.address, anyone.address):
        badges.safeBatchTransferFrom(holder, anyone, [1], [1], b"", sender=anyone)

    assert badges.balanceOfBatch([holder, anyone], [1, 1]) == [1, 0]


@pytest.mark.parametrize("role", ["holder", "owner", "attacker"])
def test_mint__caller_not_trainer(badges, trainer, request, role):
    caller = request.getfixturevalue(role)
    with reverts_with(badges, "CallerNotTrainer", caller.address, trainer.address):
        badges.mint(caller, 10, sender=caller)
    assert badges.balanceOf(caller, 10) == 0


def test_mint__by_its_trainer(standalone, owner, anyone):
    receipt = standalone.mint(anyone, 100, sender=owner)

    assert receipt.events == [
        standalone.TransferSingle(operator=owner, **{"from": ZERO_ADDRESS}, to=anyone, id=100, value=1)
    ]
    assert standalone.balanceOf(anyone, 100) == 1
    assert list(standalone.badgesOf(anyone)) == [100]


def test_mint__levels_in_order(standalone, owner, anyone):
    for level in (1_000, 1, 10):
        standalone.mint(anyone, level, sender=owner)
    assert list(standalone.badgesOf(anyone)) == [1, 10, 1_000]
    assert standalone.balanceOfBatch([anyone] * 4, [1, 10, 100, 1_000]) == [1, 1, 0, 1]


@pytest.mark.parametrize("level", [0, 2, 11, 99, 1_001, 2**256 - 1])
def test_mint__badge_level_unknown(standalone, owner, anyone, level):
    with reverts_with(standalone, "BadgeLevelUnknown", level):
        standalone.mint(anyone, level, sender=owner)


def test_mint__badge_already_held(standalone, owner, anyone):
    standalone.mint(anyone, 10, sender=owner)
    with reverts_with(standalone, "BadgeAlreadyHeld", anyone.address, 10):
        standalone.mint(anyone, 10, sender=owner)
    assert standalone.balanceOf(anyone, 10) == 1


def test_mint__zero_address(standalone, owner):
    with reverts_with(standalone, "ERC1155InvalidReceiver", ZERO_ADDRESS):
        standalone.mint(ZERO_ADDRESS, 1, sender=owner)


def test_mint__to_contract_without_receiver(standalone, owner, trainer):
    """No `onERC1155Received` call: a contract that is not a receiver (the trainer) gets its badge."""
    standalone.mint(trainer, 1, sender=owner)
    assert standalone.balanceOf(trainer, 1) == 1
