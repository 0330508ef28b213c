"""`open(rounds, pieceCommitments)` and `drawPiece()`: the sponsor commits and pays the bounty;
anyone draws the piece to reveal first from the hash of the block after `open`, within 256 blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.market import deploy_market, random_examples, split_test_set
from collabml.incentives.prediction_market import (
    MAX_PIECE_COUNT,
    MAX_ROUND_UNITS,
    MarketConfig,
    Phase,
)

FEATURES = 16
LIMIT = 9
UNIT = 10**9


@pytest.fixture(scope="module")
def test_set():
    rng = np.random.default_rng(3)
    return split_test_set(random_examples(rng, LIMIT, FEATURES, 3), 3, rng=rng)


@pytest.fixture(scope="module")
def commitments(test_set) -> list[bytes]:
    return list(test_set.commitments)


@pytest.fixture(scope="module")
def market(project, owner, test_set):
    config = MarketConfig(owner.address, test_set.commitments, LIMIT, 1, 3_600, 3_600, unit=UNIT)
    return deploy_market(project, owner, random_market_model(FEATURES, seed=2), config)


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(market):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def opened(market, owner, commitments):
    """Open with 5 rounds; returns the receipt."""
    return market.open(5, commitments, sender=owner, value=5 * LIMIT * UNIT)


def test_open__commits_and_pays_the_bounty(market, owner, commitments, chain):
    receipt = market.open(5, commitments, sender=owner, value=5 * LIMIT * UNIT)

    assert receipt.events == [
        market.MarketOpened(rounds=5, bounty=5 * LIMIT * UNIT, drawBlock=receipt.block_number + 1)
    ]
    state = market.marketState()
    assert state.phase == Phase.COMMITTED
    assert (state.roundsLeft, state.sponsorPot, state.drawnPiece) == (5, 5 * LIMIT * UNIT, 3)
    assert (state.openTime, state.openBlock) == (chain.blocks.head.timestamp, receipt.block_number)
    assert market.pieceCount() == 3
    assert [market.pieceCommitment(i) for i in range(3)] == commitments
    assert market.balance == 5 * LIMIT * UNIT


def test_open__only_the_sponsor(market, anyone, commitments):
    with reverts_with(market, "CallerNotSponsor", anyone.address):
        market.open(5, commitments, sender=anyone, value=5 * LIMIT * UNIT)


def test_open__once(market, owner, commitments, opened):
    with reverts_with(market, "WrongPhase", Phase.COMMITTED):
        market.open(5, commitments, sender=owner, value=5 * LIMIT * UNIT)


@pytest.mark.parametrize("count", [0, 1, MAX_PIECE_COUNT + 1])
def test_open__piece_count(market, owner, count):
    with reverts_with(market, "PieceCountOutOfRange", count, MAX_PIECE_COUNT):
        market.open(1, [bytes(32)] * count, sender=owner, value=LIMIT * UNIT)


def test_open__rounds(market, owner, commitments):
    most = MAX_ROUND_UNITS // LIMIT
    for rounds in (0, most + 1):
        with reverts_with(market, "RoundsOutOfRange", rounds, most):
            market.open(rounds, commitments, sender=owner, value=0)


@pytest.mark.parametrize("delta", [-1, 1])
def test_open__value_must_be_the_bounty(market, owner, commitments, delta):
    bounty = 2 * LIMIT * UNIT
    with reverts_with(market, "ValueMismatch", bounty, bounty + delta):
        market.open(2, commitments, sender=owner, value=bounty + delta)


# ---- drawPiece ----------------------------------------------------------------------------------


def test_draw__too_early(market, opened, anyone):
    with reverts_with(market, "DrawTooEarly", opened.block_number + 2, opened.block_number + 1):
        market.drawPiece(sender=anyone)


def test_draw__from_the_hash_of_the_block_after_open(market, opened, anyone, chain):
    chain.mine(1)

    receipt = market.drawPiece(sender=anyone)

    draw_hash = bytes(chain.provider.get_block(opened.block_number + 1).hash)
    index = int.from_bytes(draw_hash, "big") % 3
    assert receipt.block_number == opened.block_number + 2
    assert receipt.events == [market.PieceDrawn(index=index)]
    assert market.marketState().drawnPiece == index
    with reverts_with(market, "PieceAlreadyDrawn", index):
        market.drawPiece(sender=anyone)


def test_draw__last_block(market, opened, anyone, chain):
    chain.mine(256)  # the draw lands in block openBlock + 257, the last with the hash available
    receipt = market.drawPiece(sender=anyone)
    assert receipt.block_number == opened.block_number + 257
    assert market.marketState().drawnPiece < 3


def test_draw__expired(market, opened, anyone, chain):
    chain.mine(257)
    with reverts_with(market, "DrawExpired", opened.block_number + 257, opened.block_number + 258):
        market.drawPiece(sender=anyone)


def test_draw__before_open(market, anyone):
    with reverts_with(market, "WrongPhase", Phase.LOADING):
        market.drawPiece(sender=anyone)
