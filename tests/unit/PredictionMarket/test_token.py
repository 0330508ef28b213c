"""An ERC-20 market (`MockToken`, through OpenZeppelin SafeERC20): the bounty and the stakes are
pulled from allowances, no ether is accepted, payouts are token transfers, and the market's token
balance always equals what it owes (the mirror's `held()`). A token that delivers less than asked
(a transfer fee) is refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.market import (
    MarketClient,
    cyclic_preimages,
    deploy_market,
    mirror_of,
    random_examples,
    split_test_set,
)
from collabml.encoding import pack_indices
from collabml.incentives.prediction_market import MarketConfig, Phase

FEATURES = 16
LIMIT = 8
UNIT = 10**15
ROUNDS = 5
BOUNTY = ROUNDS * LIMIT * UNIT
FUNDS = 10**24


@pytest.fixture(scope="module")
def token(project, owner, contributor, reporter, attacker):
    token = owner.deploy(project.MockToken)
    for account in (owner, contributor, reporter, attacker):
        token.mint(account, FUNDS, sender=account)
    return token


@pytest.fixture(scope="module")
def parts(owner, token):
    rng = np.random.default_rng(31)
    model = random_market_model(FEATURES, seed=13)
    test_set = split_test_set(random_examples(rng, LIMIT, FEATURES, 4), 4, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, LIMIT, 2, 3_600, 3_600, unit=UNIT, token=token.address)
    return model, config, test_set


@pytest.fixture(scope="module")
def unopened(project, owner, parts, token, contributor, reporter, attacker):
    model, config, _ = parts
    market = deploy_market(project, owner, model, config)
    for account in (owner, contributor, reporter, attacker):
        token.approve(market, 2**256 - 1, sender=account)
    return market


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(unopened):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


def test_open__pulls_the_bounty(unopened, owner, token, parts):
    before = token.balanceOf(owner)
    MarketClient(unopened).open(owner, ROUNDS, parts[1].piece_commitments)
    assert token.balanceOf(unopened) == BOUNTY
    assert token.balanceOf(owner) == before - BOUNTY
    assert unopened.balance == 0


def test_open__no_ether(unopened, owner, parts):
    with reverts_with(unopened, "ValueMismatch", 0, 1):
        unopened.open(ROUNDS, list(parts[1].piece_commitments), sender=owner, value=1)


def test_open__needs_the_allowance(unopened, owner, token, parts):
    token.approve(unopened, BOUNTY - 1, sender=owner)
    with reverts_with(token, "ERC20InsufficientAllowance", unopened.address, BOUNTY - 1, BOUNTY):
        unopened.open(ROUNDS, list(parts[1].piece_commitments), sender=owner)


def test_open__fee_on_transfer_refused(unopened, owner, token, parts):
    token.setFee(100, sender=owner)  # 1 %
    with reverts_with(unopened, "TokenAmountMismatch", BOUNTY, BOUNTY - BOUNTY // 100):
        unopened.open(ROUNDS, list(parts[1].piece_commitments), sender=owner)


def test_contribute__pulls_the_stake_and_refuses_fees(unopened, owner, anyone, contributor, token, parts, chain):
    _, config, test_set = parts
    client = MarketClient(unopened)
    client.open(owner, ROUNDS, config.piece_commitments)
    chain.mine(1)
    client.draw(anyone)
    client.reveal_drawn(owner, test_set)
    before = token.balanceOf(contributor)

    client.contribute(contributor, [1, 7], 1, 3)

    assert token.balanceOf(unopened) == BOUNTY + 3 * UNIT
    assert token.balanceOf(contributor) == before - 3 * UNIT
    with reverts_with(unopened, "ValueMismatch", 0, 3 * UNIT):
        unopened.contribute(pack_indices([1]), 1, 3, sender=contributor, value=3 * UNIT)
    token.setFee(1, sender=owner)
    with reverts_with(unopened, "TokenAmountMismatch", 3 * UNIT, 3 * UNIT - 3 * UNIT // 10_000):
        client.contribute(contributor, [2], 1, 3)


def test_token_market__against_the_mirror(project, owner, anyone, contributor, reporter, attacker, token, parts, chain):
    model, config, test_set = parts
    market = deploy_market(project, owner, model, config)
    for account in (owner, contributor, reporter, attacker):
        token.approve(market, 2**256 - 1, sender=account)
    client = MarketClient(market)
    client.open(owner, ROUNDS, config.piece_commitments)
    chain.mine(1)
    client.draw(anyone)
    client.reveal_drawn(owner, test_set)
    mirror = mirror_of(client, model, config, test_set)
    rng = np.random.default_rng(8)
    for i in range(9):
        account = (contributor, reporter, attacker)[i % 3]
        features = tuple(sorted(int(f) for f in rng.choice(FEATURES, int(rng.integers(1, 5)), replace=False)))
        label, stake = int(rng.integers(0, 2)), int(rng.integers(2, 5))
        now = chain.blocks.head.timestamp + 1
        chain.pending_timestamp = now
        client.contribute(account, features, label, stake)
        mirror.contribute(account.address, features, label, stake, 0, now)
        assert token.balanceOf(market) == mirror.held()
    now = int(mirror.state.participation_end)
    chain.pending_timestamp = now
    client.reveal_rest(owner, test_set)
    mirror.reveal_pieces(*test_set.scored(mirror.state.drawn_piece), now)
    while mirror.state.phase != Phase.FINISHED:
        s = mirror.state
        pieces = mirror.scored_pieces if s.phase == Phase.REPLAYING else []
        now = chain.blocks.head.timestamp + 1
        chain.pending_timestamp = now
        mirror.advance(4, pieces, cyclic_preimages(client.preimages, s.cursor, 4), now)
        client.advance(anyone, 4)
        assert client.state() == mirror.state.as_tuple()
        assert token.balanceOf(market) == mirror.held()
    for account in (owner, contributor, reporter, attacker):
        owed = mirror.payout(account.address).amount
        assert tuple(market.payout(account)) == (owed, False)
        if owed:
            before = token.balanceOf(account)
            client.withdraw(account)
            mirror.withdraw(account.address)
            assert token.balanceOf(account) == before + owed
        assert token.balanceOf(market) == mirror.held()
    assert token.balanceOf(market) == 0
