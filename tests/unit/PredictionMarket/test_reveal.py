"""`revealDrawnPiece(salt, piece)` and `revealPieces(salts, pieces)`: each piece is checked against
its commitment, its format and the size limit; the drawn piece opens participation, the others are
revealed between the end of participation and the deadline, to the second; the last one starts the
replay (or finishes a market nobody joined).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.market import (
    CommittedTestSet,
    MarketClient,
    deploy_market,
    random_examples,
    split_test_set,
)
from collabml.incentives.prediction_market import (
    MarketConfig,
    Phase,
    pack_piece,
    scored_set_hash,
    unpack_piece,
)

FEATURES = 16
LIMIT = 12
WINDOW = 5_000
LENGTH = 3_600
UNIT = 10**6


@pytest.fixture(scope="module")
def model():
    return random_market_model(FEATURES, seed=8)


@pytest.fixture(scope="module")
def test_set() -> CommittedTestSet:
    rng = np.random.default_rng(4)
    return split_test_set(random_examples(rng, LIMIT, FEATURES, 4), 4, rng=rng)


def committed(project, owner, anyone, model, test_set, chain, *, limit=LIMIT) -> MarketClient:
    """A market opened (2 rounds) with `test_set` and its piece drawn."""
    config = MarketConfig(owner.address, test_set.commitments, limit, 1, LENGTH, WINDOW, unit=UNIT)
    client = MarketClient(deploy_market(project, owner, model, config))
    client.open(owner, 2, test_set.commitments)
    chain.mine(1)
    client.draw(anyone)
    return client


@pytest.fixture(scope="module")
def client(project, owner, anyone, model, test_set, chain) -> MarketClient:
    return committed(project, owner, anyone, model, test_set, chain)


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(client):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def drawn(client) -> int:
    return int(client.contract.marketState().drawnPiece)


@pytest.fixture
def participating(client, owner, test_set, drawn):
    """The drawn piece revealed: participation open. Returns the receipt."""
    return client.reveal_drawn(owner, test_set)


# ---- revealDrawnPiece -----------------------------------------------------------------------------


def test_reveal_drawn__opens_participation(client, owner, test_set, drawn, chain):
    market = client.contract
    piece = test_set.pieces[drawn]

    receipt = market.revealDrawnPiece(test_set.salts[drawn], piece, sender=owner)

    now = chain.blocks.head.timestamp
    examples = len(unpack_piece(piece))
    assert receipt.events == [
        market.PieceRevealed(index=drawn, examples=examples, correctInitial=0, piece=piece),
        market.ParticipationOpened(participationEnd=now + LENGTH, revealDeadline=now + LENGTH + WINDOW),
    ]
    state = market.marketState()
    assert state.phase == Phase.OPEN
    assert (state.participationEnd, state.revealDeadline) == (now + LENGTH, now + LENGTH + WINDOW)
    assert (state.revealedExamples, state.scoredExamples, state.nextPiece) == (examples, 0, 1 if drawn == 0 else 0)


def test_reveal_drawn__anyone_with_the_data(client, anyone, test_set, drawn):
    client.contract.revealDrawnPiece(test_set.salts[drawn], test_set.pieces[drawn], sender=anyone)
    assert client.contract.marketState().phase == Phase.OPEN


def test_reveal_drawn__mismatch(client, owner, test_set, drawn):
    other = (drawn + 1) % 4
    with reverts_with(client.contract, "PieceMismatch", drawn):
        client.contract.revealDrawnPiece(test_set.salts[other], test_set.pieces[drawn], sender=owner)
    with reverts_with(client.contract, "PieceMismatch", drawn):
        client.contract.revealDrawnPiece(test_set.salts[drawn], test_set.pieces[other], sender=owner)


def test_reveal_drawn__deadline(client, owner, test_set, drawn, chain):
    deadline = int(client.contract.marketState().openTime) + WINDOW
    chain.pending_timestamp = deadline
    with reverts_with(client.contract, "RevealDeadlinePassed", deadline, deadline):
        client.contract.revealDrawnPiece(test_set.salts[drawn], test_set.pieces[drawn], sender=owner)


def test_reveal_drawn__last_second(client, owner, test_set, drawn, chain):
    chain.pending_timestamp = int(client.contract.marketState().openTime) + WINDOW - 1
    client.contract.revealDrawnPiece(test_set.salts[drawn], test_set.pieces[drawn], sender=owner)
    assert client.contract.marketState().phase == Phase.OPEN


def test_reveal_drawn__not_drawn(project, owner, anyone, model, test_set):
    config = MarketConfig(owner.address, test_set.commitments, LIMIT, 1, LENGTH, WINDOW, unit=UNIT)
    client = MarketClient(deploy_market(project, owner, model, config))
    client.open(owner, 1, test_set.commitments)
    with reverts_with(client.contract, "PieceNotDrawn"):
        client.contract.revealDrawnPiece(test_set.salts[0], test_set.pieces[0], sender=owner)


def test_reveal_drawn__malformed(project, owner, anyone, model, chain):
    bad = bytes.fromhex("01000200030003")  # repeated index at byte 5
    salts = tuple(bytes([i + 1]) * 32 for i in range(3))
    malformed = CommittedTestSet((bad,) * 3, salts)  # whichever is drawn is malformed
    client = committed(project, owner, anyone, model, malformed, chain)
    drawn = int(client.contract.marketState().drawnPiece)
    with reverts_with(client.contract, "TestPieceMalformed", drawn, 5):
        client.contract.revealDrawnPiece(salts[drawn], bad, sender=owner)


def test_reveal_drawn__too_large(project, owner, anyone, model, test_set, chain):
    client = committed(project, owner, anyone, model, test_set, chain, limit=2)
    drawn = int(client.contract.marketState().drawnPiece)
    examples = len(unpack_piece(test_set.pieces[drawn]))
    with reverts_with(client.contract, "TestSetTooLarge", examples, 2):
        client.reveal_drawn(owner, test_set)


def test_reveal_drawn__twice(client, owner, test_set, drawn, participating):
    with reverts_with(client.contract, "WrongPhase", Phase.OPEN):
        client.reveal_drawn(owner, test_set)


# ---- revealPieces -------------------------------------------------------------------------------


def test_reveal_pieces__in_chunks_then_the_replay_starts(
    client, owner, anyone, model, test_set, drawn, participating, chain
):
    market = client.contract
    client.contribute(anyone, (1, 2), 1, 1)
    end = int(market.marketState().participationEnd)
    salts, pieces = test_set.scored(drawn)
    indices = [i for i in range(4) if i != drawn]
    chain.pending_timestamp = end

    first = market.revealPieces(salts[:2], pieces[:2], sender=owner)

    correct = [sum(model.predict(f) == y for f, y in unpack_piece(p)) for p in pieces]
    sizes = [len(unpack_piece(p)) for p in pieces]
    assert first.events == [
        market.PieceRevealed(index=indices[i], examples=sizes[i], correctInitial=correct[i], piece=pieces[i])
        for i in range(2)
    ]
    state = market.marketState()
    assert (state.phase, state.nextPiece, state.scoredExamples) == (Phase.OPEN, indices[2], sum(sizes[:2]))
    assert state.scoredSetHash == scored_set_hash(pieces[:2])

    last = market.revealPieces(salts[2:], pieces[2:], sender=anyone)

    assert last.events == [
        market.PieceRevealed(index=indices[2], examples=sizes[2], correctInitial=correct[2], piece=pieces[2]),
    ]
    state = market.marketState()
    assert (state.phase, state.passNumber, state.cursor, state.nextPiece) == (Phase.REPLAYING, 1, 0, 4)
    assert (state.correctInitial, state.correctBefore, state.revealedExamples) == (sum(correct), sum(correct), LIMIT)
    assert (state.scoredExamples, state.lastProgress) == (sum(sizes), chain.blocks.head.timestamp)
    assert state.scoredSetHash == scored_set_hash(pieces)


def test_reveal_pieces__nobody_contributed(client, owner, test_set, drawn, participating, chain):
    market = client.contract
    chain.pending_timestamp = int(market.marketState().participationEnd)
    salts, pieces = test_set.scored(drawn)

    receipt = market.revealPieces(salts, pieces, sender=owner)

    assert receipt.events[-1] == market.MarketFinished(sponsorAmount=2 * LIMIT * UNIT)
    assert market.marketState().phase == Phase.FINISHED
    assert tuple(market.payout(owner)) == (2 * LIMIT * UNIT, False)


def test_reveal_pieces__a_second_early(client, owner, test_set, drawn, participating, chain):
    end = int(client.contract.marketState().participationEnd)
    chain.pending_timestamp = end - 1
    salts, pieces = test_set.scored(drawn)
    with reverts_with(client.contract, "ParticipationNotEnded", end, end - 1):
        client.contract.revealPieces(salts, pieces, sender=owner)


def test_reveal_pieces__deadline(client, owner, test_set, drawn, participating, chain):
    deadline = int(client.contract.marketState().revealDeadline)
    chain.pending_timestamp = deadline
    salts, pieces = test_set.scored(drawn)
    with reverts_with(client.contract, "RevealDeadlinePassed", deadline, deadline):
        client.contract.revealPieces(salts, pieces, sender=owner)


def test_reveal_pieces__mismatch_lengths_and_too_many(client, owner, test_set, drawn, participating, chain):
    market = client.contract
    chain.pending_timestamp = int(market.marketState().participationEnd)
    salts, pieces = test_set.scored(drawn)
    first = next(i for i in range(4) if i != drawn)
    with reverts_with(market, "RevealLengthMismatch", 3, 2):
        market.revealPieces(salts, pieces[:2], sender=owner)
    with reverts_with(market, "PieceMismatch", first):
        market.revealPieces(salts[1:2], pieces[:1], sender=owner)
    with reverts_with(market, "PieceIndexOutOfRange", 4, 4):
        market.revealPieces(salts + salts[:1], pieces + pieces[:1], sender=owner)


def test_reveal_pieces__malformed(project, owner, anyone, model, chain):
    good, bad = pack_piece([((1,), 1)]), bytes.fromhex("0000010010")  # index 16 of 16 features at byte 3
    pieces = CommittedTestSet((good, bad, good), tuple(bytes([i + 1]) * 32 for i in range(3)))
    client = committed(project, owner, anyone, model, pieces, chain)
    market = client.contract
    if int(market.marketState().drawnPiece) == 1:  # the malformed piece drawn first
        with reverts_with(market, "TestPieceMalformed", 1, 3):
            client.reveal_drawn(owner, pieces)
        return
    client.reveal_drawn(owner, pieces)
    chain.pending_timestamp = int(market.marketState().participationEnd)
    with reverts_with(market, "TestPieceMalformed", 1, 3):
        client.reveal_rest(owner, pieces)


def test_reveal_pieces__before_participation(client, owner, test_set, drawn):
    salts, pieces = test_set.scored(drawn)
    with reverts_with(client.contract, "WrongPhase", Phase.COMMITTED):
        client.contract.revealPieces(salts, pieces, sender=owner)
