"""`depositRequired()`: `costWeight * 3600 / max(1, isqrt(now - lastUpdateTime))` wei, rounded down;
`lastUpdateTime` moves only when a contribution is accepted."""

from __future__ import annotations

import math

import pytest
from helpers import DrtParams, pick_features, reverts_with

from collabml.encoding import pack_indices
from collabml.incentives.drt import DEPOSIT_TIME_SCALE


def formula(params: DrtParams, elapsed: int) -> int:
    return params.cost_weight * DEPOSIT_TIME_SCALE // max(1, math.isqrt(elapsed))


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer):
    """Deploy the module's trainer before its first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def at(chain):
    """Mine a block at `timestamp`, so that views see it as `block.timestamp`."""

    def at(timestamp: int) -> None:
        chain.pending_timestamp = timestamp
        chain.mine()
        assert chain.blocks.head.timestamp == timestamp

    return at


@pytest.mark.parametrize("elapsed", [0, 1, 3, 4, 8, 9, 3_600, 86_400, 10**12])
def test_deposit_required__elapsed(trainer, add, contributor, drt_params, chain, at, elapsed):
    add(contributor, [1], 0)
    last = trainer.lastUpdateTime()
    assert last == chain.blocks.head.timestamp
    if elapsed:
        at(last + elapsed)

    assert trainer.depositRequired() == formula(drt_params, elapsed)
    assert trainer.depositRequired() == drt_params.mechanism().deposit_required(last, last + elapsed)


def test_deposit_required__since_deployment(create_trainer, small_model, drt_params, owner, chain, at):
    """Loading the weights is no contribution: the clock runs from deployment."""
    unloaded = create_trainer(small_model, drt_params, load=False)
    deployed_at = unloaded.lastUpdateTime()
    at(deployed_at + 100)

    unloaded.loadModel(0, small_model.packed_words(), sender=owner)

    assert unloaded.lastUpdateTime() == deployed_at
    assert unloaded.depositRequired() == formula(drt_params, chain.blocks.head.timestamp - deployed_at)
    assert unloaded.depositRequired() < formula(drt_params, 0)


def test_deposit_required__accepted_contribution(trainer, contributor, drt_params, chain, at):
    """A contribution pays the deposit required at its block and restarts the clock."""
    last = trainer.lastUpdateTime()
    added_at = chain.blocks.head.timestamp + 100
    deposit = formula(drt_params, added_at - last)
    chain.pending_timestamp = added_at

    receipt = trainer.addData(pack_indices([1]), 0, sender=contributor, value=deposit)

    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=0, addedTime=added_at, deposit=deposit, features=pack_indices([1])
        )
    ]
    assert trainer.lastUpdateTime() == added_at
    assert trainer.depositRequired() == formula(drt_params, 0)
    at(added_at + 25)
    assert trainer.depositRequired() == formula(drt_params, 25)


def test_deposit_required__rejected_contribution(trainer, contributor, drt_params, chain):
    last = trainer.lastUpdateTime()
    tried_at = chain.blocks.head.timestamp + 100
    required = formula(drt_params, tried_at - last)
    chain.pending_timestamp = tried_at

    with reverts_with(trainer, "DepositTooLow", required, required - 1):
        trainer.addData(pack_indices([1]), 0, sender=contributor, value=required - 1)

    assert trainer.lastUpdateTime() == last


def test_deposit_required__claims(trainer, client, small_model, owner, contributor, drt_params, chain):
    """Refunds and reports settle old contributions; they do not restart the clock."""
    refunded, _ = client.contribute(contributor, pick_features(small_model, 1, agree=True), 1)
    taken, _ = client.contribute(contributor, pick_features(small_model, 1, agree=True), 1)
    last = trainer.lastUpdateTime()
    chain.pending_timestamp = taken.added_time + drt_params.owner_claim_wait

    client.refund(contributor, refunded)
    client.report(owner, taken)

    assert trainer.lastUpdateTime() == last == taken.added_time
    assert trainer.depositRequired() == formula(drt_params, chain.blocks.head.timestamp - last)


def test_deposit_required__rounds_down_to_zero(create_trainer, small_model, contributor, chain, at):
    """With a cost weight of 1 wei, isqrt(elapsed) > 3600 makes contributing free.

    NOTE: a free contribution still earns a good contribution when refunded, like any other."""
    params = DrtParams(cost_weight=1)
    cheap = create_trainer(small_model, params)
    last = cheap.lastUpdateTime()
    quiet = (params.cost_weight * DEPOSIT_TIME_SCALE + 1) ** 2
    at(last + quiet - 1)
    assert cheap.depositRequired() == formula(params, quiet - 1) == 1
    at(last + quiet)
    assert cheap.depositRequired() == formula(params, quiet) == 0

    receipt = cheap.addData(pack_indices([1]), 0, sender=contributor, value=0)

    assert receipt.events == [
        cheap.ContributionAdded(
            id=0,
            contributor=contributor,
            label=0,
            addedTime=chain.blocks.head.timestamp,
            deposit=0,
            features=pack_indices([1]),
        )
    ]
    assert cheap.records(0)[0] == 0
    assert cheap.balance == 0
