"""Re-entrancy: a contributor contract (`MockReentrantMarketAttacker`) calls `withdraw`, `advance` or
`settleUnrevealed` again from its `receive` while the market pays it.

Every such call fails with OpenZeppelin's `ReentrancyGuardReentrantCall`, and the payout is marked
withdrawn before the ether leaves, so the attacker gets exactly what it is owed, once. If it refuses
the payment instead, the withdrawal reverts with `PaymentFailed` and the amount stays owed. Either
way the market holds exactly what it still owes.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pytest
from helpers import error_data, reverts_with

from collabml.chain.market import launch_market, random_examples, split_test_set
from collabml.encoding import pack_indices
from collabml.incentives.prediction_market import (
    MarketConfig,
    Phase,
    contribution_preimage,
)
from collabml.models.perceptron import SparsePerceptron32

FEATURES = 8
UNIT = 10**9
STAKE = 5


class Reentry(IntEnum):
    """`MockReentrantMarketAttacker.Reentry`, in declaration order."""

    NONE = 0
    WITHDRAW = 1
    ADVANCE = 2
    SETTLE_UNREVEALED = 3


@pytest.fixture(scope="module")
def setup(project, owner, anyone, attacker, contributor, chain):
    """A finished market in which the attacker contract's contribution (which the all-zero model
    already predicts, so its score is 0) is owed its stake back."""
    rng = np.random.default_rng(21)
    test_set = split_test_set(random_examples(rng, 6, FEATURES, 2), 2, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, 6, 1, 3_600, 3_600, unit=UNIT)
    client = launch_market(project, owner, anyone, SparsePerceptron32.zeros(FEATURES), config, test_set, rounds=2)
    mock = attacker.deploy(project.MockReentrantMarketAttacker, client.contract)
    features = pack_indices([2, 5])
    mock.contribute(features, 0, STAKE, sender=attacker, value=STAKE * UNIT)
    client.preimages.append(contribution_preimage(mock.address, 0, STAKE, features))
    client.contribute(contributor, [1], 1, 3)
    chain.pending_timestamp = int(client.contract.marketState().participationEnd)
    client.reveal_rest(owner, test_set)
    client.run_to_end(anyone)
    assert tuple(client.contract.payout(mock)) == (STAKE * UNIT, False)
    return client, mock


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(setup):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


def owed_in_total(client, accounts) -> int:
    return sum(client.contract.payout(a)[0] for a in accounts)


@pytest.mark.parametrize(
    "target", [Reentry.WITHDRAW, Reentry.ADVANCE, Reentry.SETTLE_UNREVEALED], ids=lambda t: t.name.lower()
)
def test_withdraw__reentry_is_refused(setup, attacker, owner, contributor, target):
    client, mock = setup
    market = client.contract
    mock.setReentry(target, False, [], client.preimages, sender=attacker)
    held = market.balance

    receipt = mock.withdraw(sender=attacker)

    assert receipt.events == [market.Withdrawn(account=mock, amount=STAKE * UNIT)]
    assert mock.received() == STAKE * UNIT
    assert mock.reentryAttempts() == 1
    assert not mock.reentrySucceeded()
    assert bytes(mock.lastReentryError()) == error_data(market, "ReentrancyGuardReentrantCall")
    assert tuple(market.payout(mock)) == (0, True)
    assert market.balance == held - STAKE * UNIT == owed_in_total(client, (owner, contributor))
    with reverts_with(market, "AlreadyWithdrawn", mock.address):
        mock.withdraw(sender=attacker)


def test_withdraw__refused_payment_stays_owed(setup, attacker, owner, contributor):
    client, mock = setup
    market = client.contract
    mock.setReentry(Reentry.WITHDRAW, True, [], [], sender=attacker)
    held = market.balance

    with reverts_with(market, "PaymentFailed", mock.address, STAKE * UNIT):
        mock.withdraw(sender=attacker)

    assert tuple(market.payout(mock)) == (STAKE * UNIT, False)
    assert market.balance == held == owed_in_total(client, (owner, contributor, mock))
    assert market.marketState().phase == Phase.FINISHED

    mock.setReentry(Reentry.NONE, False, [], [], sender=attacker)
    mock.withdraw(sender=attacker)  # once it accepts, it is paid, once
    assert mock.received() == STAKE * UNIT
