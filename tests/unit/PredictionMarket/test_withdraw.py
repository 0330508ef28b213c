"""`withdraw()`: pull payments once the market has finished; each account is paid what it is owed
exactly once (a second withdrawal and an account owed nothing each fail by name).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import reverts_with

from collabml.chain.market import launch_market, random_examples, split_test_set
from collabml.incentives.prediction_market import MarketConfig, Phase
from collabml.models.perceptron import SparsePerceptron32

FEATURES = 8
UNIT = 10**9


@pytest.fixture(scope="module")
def client(project, owner, anyone, contributor, reporter, chain):
    rng = np.random.default_rng(12)
    model = SparsePerceptron32.zeros(FEATURES)
    test_set = split_test_set(random_examples(rng, 6, FEATURES, 2), 3, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, 6, 6, 3_600, 3_600, unit=UNIT)
    client = launch_market(project, owner, anyone, model, config, test_set, rounds=4)
    client.contribute(contributor, [0, 3], 1, 8)
    client.contribute(reporter, [2, 5], 0, 6)
    chain.pending_timestamp = int(client.contract.marketState().participationEnd)
    client.reveal_rest(owner, test_set)
    return client


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(client):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


def test_withdraw__before_the_end(client, contributor):
    with reverts_with(client.contract, "WrongPhase", Phase.REPLAYING):
        client.withdraw(contributor)


def test_withdraw__pays_once(client, owner, anyone):
    market = client.contract
    client.run_to_end(anyone)
    owed, withdrawn = market.payout(owner)
    assert owed > 0 and not withdrawn  # the sponsor keeps at least 4 rounds of the drawn piece's 2 examples
    before, held = owner.balance, market.balance

    receipt = client.withdraw(owner)

    assert receipt.events == [market.Withdrawn(account=owner, amount=owed)]
    assert receipt.return_value == owed
    assert owner.balance == before + owed - receipt.total_fees_paid
    assert market.balance == held - owed
    assert tuple(market.payout(owner)) == (0, True)
    with reverts_with(market, "AlreadyWithdrawn", owner.address):
        client.withdraw(owner)


def test_withdraw__nothing_owed(client, anyone):
    client.run_to_end(anyone)
    with reverts_with(client.contract, "NothingToWithdraw", anyone.address):
        client.withdraw(anyone)


def test_withdraw__everyone_empties_the_market(client, owner, anyone, contributor, reporter):
    market = client.contract
    client.run_to_end(anyone)
    total = sum(market.payout(a)[0] for a in (owner, contributor, reporter))
    assert market.balance == total == 4 * 6 * UNIT + 14 * UNIT
    for account in (owner, contributor, reporter):
        if market.payout(account)[0]:
            client.withdraw(account)
    assert market.balance == 0
