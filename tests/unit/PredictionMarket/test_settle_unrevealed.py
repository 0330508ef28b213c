"""`settleUnrevealed()`: a sponsor who does not reveal in time loses the bounty to the contributors,
who also get their stakes back (credited by the refund sweep of `advance`); before anyone could
contribute (the drawn piece never revealed), the sponsor takes the bounty back. A second early, it
refuses by name.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import reverts_with

from collabml.chain.market import (
    MarketClient,
    deploy_market,
    launch_market,
    random_examples,
    split_test_set,
)
from collabml.incentives.prediction_market import MarketConfig, Phase
from collabml.models.perceptron import SparsePerceptron32

FEATURES = 8
LIMIT = 5
UNIT = 10**9
ROUNDS = 3
BOUNTY = ROUNDS * LIMIT * UNIT


@pytest.fixture(scope="module")
def setup(project, owner, anyone):
    rng = np.random.default_rng(6)
    model = SparsePerceptron32.zeros(FEATURES)
    test_set = split_test_set(random_examples(rng, LIMIT, FEATURES, 2), 2, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, LIMIT, 1, 3_600, 3_600, unit=UNIT)
    client = launch_market(project, owner, anyone, model, config, test_set, rounds=ROUNDS)
    return client, model, config, test_set


@pytest.fixture(scope="module")
def client(setup) -> MarketClient:
    return setup[0]


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(setup):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def staked(client, contributor, reporter):
    """Stakes 2, 3 and 2 units: the bounty splits 2/7, 3/7, 2/7 (rounded down)."""
    for account, stake in ((contributor, 2), (reporter, 3), (contributor, 2)):
        client.contribute(account, [1, 4], 1, stake)


def test_settle_unrevealed__a_second_early(client, staked, anyone, chain):
    deadline = int(client.contract.marketState().revealDeadline)
    chain.pending_timestamp = deadline - 1
    with reverts_with(client.contract, "RevealDeadlineNotPassed", deadline, deadline - 1):
        client.settle_unrevealed(anyone)


def test_settle_unrevealed__contributors_take_the_bounty(client, staked, owner, anyone, contributor, reporter, chain):
    market = client.contract
    deadline = int(market.marketState().revealDeadline)
    chain.pending_timestamp = deadline

    receipt = client.settle_unrevealed(anyone)

    assert receipt.events == [market.MarketUnrevealed()]
    assert market.marketState().phase == Phase.REFUNDING
    with reverts_with(market, "WrongPhase", Phase.REFUNDING):
        market.revealPieces([], [], sender=owner)

    first = client.advance(anyone, 2)
    last = client.advance(anyone, 5)

    shares = [BOUNTY * s // 7 for s in (2, 3, 2)]
    assert [e for e in first.events if e.event_name == "ContributionSettled"] == [
        market.ContributionSettled(id=0, contributor=contributor, amount=2 * UNIT + shares[0]),
        market.ContributionSettled(id=1, contributor=reporter, amount=3 * UNIT + shares[1]),
    ]
    assert last.events[:2] == [
        market.ContributionSettled(id=2, contributor=contributor, amount=2 * UNIT + shares[2]),
        market.MarketFinished(sponsorAmount=BOUNTY - sum(shares)),
    ]
    assert BOUNTY - sum(shares) == 2  # 15e9 * 2 / 7 and 15e9 * 3 / 7 round down: 2 wei back to the sponsor
    assert tuple(market.payout(contributor)) == (4 * UNIT + shares[0] + shares[2], False)
    assert tuple(market.payout(reporter)) == (3 * UNIT + shares[1], False)
    assert tuple(market.payout(owner)) == (2, False)
    assert market.balance == BOUNTY + 7 * UNIT

    for account in (contributor, reporter, owner):
        client.withdraw(account)
    assert market.balance == 0


def test_settle_unrevealed__nobody_contributed(client, owner, anyone, chain):
    chain.pending_timestamp = int(client.contract.marketState().revealDeadline)
    receipt = client.settle_unrevealed(anyone)
    assert receipt.events == [client.contract.MarketUnrevealed(), client.contract.MarketFinished(sponsorAmount=BOUNTY)]
    assert tuple(client.contract.payout(owner)) == (BOUNTY, False)


def test_settle_unrevealed__drawn_piece_never_revealed(project, owner, anyone, setup, chain):
    _, model, config, test_set = setup
    client = MarketClient(deploy_market(project, owner, model, config))
    opened = client.open(owner, ROUNDS, test_set.commitments)
    deadline = chain.provider.get_block(opened.block_number).timestamp + 3_600
    chain.pending_timestamp = deadline - 1
    with reverts_with(client.contract, "RevealDeadlineNotPassed", deadline, deadline - 1):
        client.settle_unrevealed(anyone)

    chain.pending_timestamp = deadline
    client.settle_unrevealed(anyone)

    assert client.contract.marketState().phase == Phase.FINISHED
    assert tuple(client.contract.payout(owner)) == (BOUNTY, False)


def test_settle_unrevealed__stalled_replay(client, staked, owner, anyone, contributor, reporter, setup, chain):
    """A replay that makes no progress for `revealWindow` seconds (here: nobody advances; in earnest,
    a test set too large for a block) is abandoned like an unrevealed market: its rounds are undone,
    the stakes (read from the preimages) come back and the whole bounty is shared by stake."""
    market = client.contract
    chain.pending_timestamp = int(market.marketState().participationEnd)
    client.reveal_rest(owner, setup[3])
    client.advance(anyone, 2)  # a part of the first pass: balances and the model may have moved
    stalled_since = int(market.marketState().lastProgress)
    assert stalled_since == chain.blocks.head.timestamp
    deadline = stalled_since + 3_600
    chain.pending_timestamp = deadline - 1
    with reverts_with(market, "RevealDeadlineNotPassed", deadline, deadline - 1):
        client.settle_unrevealed(anyone)

    chain.pending_timestamp = deadline
    receipt = client.settle_unrevealed(anyone)

    assert receipt.events == [market.MarketUnrevealed()]
    state = market.marketState()
    assert (state.phase, state.cursor, state.sponsorPot) == (Phase.REFUNDING, 0, BOUNTY)
    client.run_to_end(anyone)
    shares = [BOUNTY * s // 7 for s in (2, 3, 2)]
    assert tuple(market.payout(contributor)) == (4 * UNIT + shares[0] + shares[2], False)
    assert tuple(market.payout(reporter)) == (3 * UNIT + shares[1], False)
    assert tuple(market.payout(owner)) == (BOUNTY - sum(shares), False)
    assert market.balance == BOUNTY + 7 * UNIT


def test_settle_unrevealed__a_replay_in_progress(client, staked, owner, anyone, setup, chain):
    market = client.contract
    chain.pending_timestamp = int(market.marketState().participationEnd)
    client.reveal_rest(owner, setup[3])
    deadline = int(market.marketState().lastProgress) + 3_600
    chain.pending_timestamp = deadline - 10
    client.advance(anyone, 1)  # progress moves the deadline on
    chain.pending_timestamp = deadline
    with reverts_with(market, "RevealDeadlineNotPassed", deadline - 10 + 3_600, deadline):
        client.settle_unrevealed(anyone)
    client.run_to_end(anyone)
    with reverts_with(market, "WrongPhase", Phase.FINISHED):
        client.settle_unrevealed(anyone)
