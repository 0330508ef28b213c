"""collabml.incentives.prediction_market: the mirror of contracts/incentives/PredictionMarket.sol, off chain.

- Known values computed by hand: a three-contribution market whose replay takes three passes
  (one contribution exhausted in the first, one that only hurts once the first is gone in the
  second), every score, round, balance and payout written out; the unrevealed split; the formats.
- Every check of every function in the contract's order, at its boundaries (to the second, to the block).
- Hypothesis properties on random markets: money is conserved at every step (``held()`` equals the
  bounty plus the stakes less what was withdrawn), balances and the pot never go negative, the
  replay terminates within ``contributions + 1`` passes, the batching of ``advance`` changes nothing,
  each pass's scores telescope to its change in correct examples, and the lazy bookkeeping equals a
  straightforward re-implementation of the rule (:func:`reference_payouts`).
"""

from __future__ import annotations

import struct
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabml import errors
from collabml.chain.market import cyclic_preimages, split_test_set
from collabml.incentives.prediction_market import (
    MAX_PIECE_COUNT,
    MAX_ROUND_UNITS,
    MAX_STAKE,
    MAX_TEST_EXAMPLE_LIMIT,
    NO_NEGATIVE,
    MarketConfig,
    Phase,
    PredictionMarket,
    contribution_preimage,
    pack_piece,
    parse_piece,
    piece_commitment,
    record_commitment,
    scored_set_hash,
    unpack_piece,
)
from collabml.models.perceptron import SparsePerceptron32

SPONSOR = "0x" + "5a" * 20
ALICE = "0x" + "a1" * 20
MALLORY = "0x" + "ba" * 20
BOB = "0x" + "b0" * 20
T0 = 1_700_000_000
HOUR = 3_600
UNIT = 1_000
ZERO_HASH = bytes(32)  # draws piece 0
LATER = T0 + 10 * HOUR  # when the replay runs


def salt(i: int) -> bytes:
    return bytes([i + 1]) * 32


def make_market(
    pieces: list[bytes],
    *,
    weights=(0, 0),
    intercept: int = 0,
    learning_rate: int = 1,
    limit: int | None = None,
    min_stake: int = 1,
    unit: int = UNIT,
    token: str | None = None,
) -> PredictionMarket:
    config = MarketConfig(
        sponsor=SPONSOR,
        piece_commitments=tuple(piece_commitment(salt(i), p) for i, p in enumerate(pieces)),
        test_example_limit=limit if limit is not None else sum(len(unpack_piece(p)) for p in pieces),
        min_stake=min_stake,
        participation_length=HOUR,
        reveal_window=HOUR,
        unit=unit,
        token=token,
    )
    return PredictionMarket.create(config, len(weights), learning_rate, intercept, list(weights), loaded=True)


def open_market(market: PredictionMarket, rounds: int, draw_hash: bytes = ZERO_HASH) -> int:
    """Open at T0 in block 10, draw in block 12, reveal the drawn piece at T0 + 1."""
    bounty = rounds * market.bounty_per_round
    market.open(SPONSOR, rounds, 0 if market.config.token else bounty, T0, 10)
    index = market.draw_piece(12, draw_hash)
    market.reveal_drawn_piece(salt(index), _pieces[id(market)][index], T0 + 1)
    return bounty


_pieces: dict[int, list[bytes]] = {}


def build(pieces: list[bytes], rounds: int, **kwargs) -> PredictionMarket:
    market = make_market(pieces, **kwargs)
    _pieces[id(market)] = pieces
    open_market(market, rounds)
    return market


def reveal_all(market: PredictionMarket) -> None:
    pieces = _pieces[id(market)]
    s = market.state
    keep = [i for i in range(len(pieces)) if i != s.drawn_piece]
    market.reveal_pieces([salt(i) for i in keep], [pieces[i] for i in keep], s.participation_end)


def run(market: PredictionMarket, preimages: list[bytes], steps: int = 1_000) -> list:
    results = []
    while market.state.phase in (Phase.REPLAYING, Phase.PAYING_OUT, Phase.REFUNDING):
        s = market.state
        pieces = market.scored_pieces if s.phase == Phase.REPLAYING else []
        results.append(market.advance(steps, pieces, cyclic_preimages(preimages, s.cursor, steps), LATER))
    return results


# ---- the hand-computed market ------------------------------------------------------------------
#
# Two features, learning rate 1, initial weights [0, 0] and intercept 0: everything scores 0 and is
# predicted 0. Piece 0 (drawn, unscored) holds one example; piece 1 holds A = ([0], 1), B = ([1], 1).
# The initial model gets neither right: correctInitial = 0. Limit 3 examples, 10 rounds, unit 1,000:
# bounty 10 * 3 * 1,000 = 30,000.
#
# Pass 1 (from w = [0, 0], b = 0; correct 0):
#   alice   ([0], 1), stake 10: predicts 0, learns: w = [1, 0], b = 1. A: 2 > 0 ok; B: 1 > 0 ok -> 2. score +2
#   mallory ([1], 0), stake 3:  predicts 1, learns: w = [1, -1], b = 0. A: 1 ok; B: -1 wrong -> 1. score -1
#   bob     ([0,1], 0), stake 4: scores 0 + 1 - 1 = 0, predicts 0: agrees. score 0
#   minRounds = 3 // 1 = 3 (mallory), rounds = 3 of 10; the pot pays (1 - 0) * 3 rounds = 3 units.
# Pass 2 (from the initial model):
#   alice: balance 10 + 2*3 = 16, learns again -> correct 2, score +2
#   mallory: balance 3 - 1*3 = 0 < 1: dropped with 0
#   bob: balance 4; now w = [1, 0], b = 1 scores 2, predicts 1, learns: w = [0, -1], b = 0 -> A and B
#        wrong -> 0. score -2: harmless beside mallory, harmful without her.
#   minRounds = 4 // 2 = 2 (bob), rounds = 2 of 7; correct 0 = correctInitial: the pot pays nothing.
# Pass 3: alice 16 + 2*2 = 20, score +2; bob 4 - 2*2 = 0 < 2: dropped with 0. No negative score:
#   the 5 remaining rounds pay alice 2*5; the pot pays (2 - 0) * 5 = 10 units.
# Payouts: alice 30 units = 30,000; mallory and bob 0; the sponsor 30 - 3 - 10 = 17 units = 17,000.
# 30,000 + 17,000 = bounty 30,000 + stakes 17,000.

HAND_PIECES = [pack_piece([((0, 1), 0)]), pack_piece([((0,), 1), ((1,), 1)])]
HAND_CONTRIBUTIONS = [(ALICE, (0,), 1, 10), (MALLORY, (1,), 0, 3), (BOB, (0, 1), 0, 4)]


def hand_market() -> tuple[PredictionMarket, list[bytes]]:
    market = build(HAND_PIECES, rounds=10)
    preimages = []
    for who, features, label, stake in HAND_CONTRIBUTIONS:
        market.contribute(who, features, label, stake, stake * UNIT, T0 + 2)
        preimages.append(contribution_preimage(who, label, stake, features))
    reveal_all(market)
    return market, preimages


def test_hand_market__reveal():
    market, _ = hand_market()
    s = market.state
    assert (s.phase, s.pass_number, s.correct_initial, s.scored_examples, s.revealed_examples) == (
        Phase.REPLAYING,
        1,
        0,
        2,
        3,
    )
    assert (s.rounds_left, s.sponsor_pot, s.total_stake) == (10, 30_000, 17)
    assert market.held() == 30_000 + 17_000


def test_hand_market__pass_by_pass():
    market, preimages = hand_market()

    first = market.advance(3, market.scored_pieces, preimages, LATER)

    assert first.passes == [(1, 1, 3, 7)]
    assert [market.record(i).as_tuple()[1:] for i in range(3)] == [(False, 10, 2), (False, 3, -1), (False, 4, 0)]
    assert (market.state.pass_number, market.state.pending_rounds, market.state.sponsor_pot) == (2, 3, 27_000)

    second = market.advance(3, market.scored_pieces, preimages, LATER)

    assert second.dropped == [(1, 0)]
    assert second.passes == [(2, 0, 2, 5)]
    assert [market.record(i).as_tuple()[1:] for i in range(3)] == [(False, 16, 2), (True, 0, -1), (False, 4, -2)]

    third = market.advance(3, market.scored_pieces, preimages, LATER)

    assert third.dropped == [(2, 0)]
    assert third.passes == [(3, 2, 5, 0)]
    assert market.state.phase == Phase.PAYING_OUT
    assert market.state.sponsor_pot == 17_000
    assert market.model.packed_words() == SparsePerceptron32(np.array([1, 0]), 1, 1).packed_words()

    payout = market.advance(3, [], preimages, LATER)

    assert payout.settled == [(0, ALICE, 30_000), (1, MALLORY, 0), (2, BOB, 0)]
    assert payout.finished == 17_000
    assert market.state.phase == Phase.FINISHED
    assert market.payout(ALICE).amount == 30_000
    assert market.payout(SPONSOR).amount == 17_000
    assert market.held() == 47_000


def test_hand_market__withdraw_once():
    market, preimages = hand_market()
    run(market, preimages)

    assert market.withdraw(ALICE) == 30_000
    assert market.withdraw(SPONSOR) == 17_000
    with pytest.raises(errors.AlreadyWithdrawn):
        market.withdraw(ALICE)
    with pytest.raises(errors.NothingToWithdraw):
        market.withdraw(BOB)
    assert market.held() == 0


def test_hand_market__one_step_at_a_time_is_the_same():
    market, preimages = hand_market()
    batched, _ = hand_market()
    run(market, preimages, steps=1)
    run(batched, preimages, steps=1_000)
    assert market.payouts == batched.payouts
    assert market.state == batched.state


def test_single_pass__positive_scores_share_the_rounds():
    # Initial model right on nothing; one contribution makes both examples right: score +2, 4 rounds.
    market = build(HAND_PIECES, rounds=4)
    market.contribute(ALICE, (0,), 1, 5, 5 * UNIT, T0 + 2)
    market.contribute(BOB, (0,), 1, 5, 5 * UNIT, T0 + 3)  # agrees with the model alice made: score 0
    reveal_all(market)
    run(market, [contribution_preimage(ALICE, 1, 5, (0,)), contribution_preimage(BOB, 1, 5, (0,))])
    assert market.payout(ALICE).amount == (5 + 2 * 4) * UNIT
    assert market.payout(BOB).amount == 5 * UNIT
    assert market.payout(SPONSOR).amount == (4 * 3 - 2 * 4) * UNIT


def test_no_contributions__sponsor_takes_the_bounty_back():
    market = build(HAND_PIECES, rounds=2)
    reveal_all(market)
    assert market.state.phase == Phase.FINISHED
    assert market.payout(SPONSOR).amount == 2 * 3 * UNIT


# ---- unrevealed ---------------------------------------------------------------------------------


def test_settle_unrevealed__stakes_back_and_the_bounty_by_stake():
    market = build(HAND_PIECES, rounds=7)  # bounty 7 * 3 * 1,000 = 21,000
    preimages = []
    for who, stake in ((ALICE, 1), (BOB, 2), (ALICE, 4)):
        market.contribute(who, (0,), 1, stake, stake * UNIT, T0 + 2)
        preimages.append(contribution_preimage(who, 1, stake, (0,)))
    deadline = market.state.reveal_deadline
    with pytest.raises(errors.RevealDeadlineNotPassed) as early:
        market.settle_unrevealed(deadline - 1)
    assert early.value.args == (deadline, deadline - 1)

    market.settle_unrevealed(deadline)
    results = run(market, preimages, steps=2)

    # shares: 21,000 * 1 // 7 = 3,000; 21,000 * 2 // 7 = 6,000; 21,000 * 4 // 7 = 12,000
    assert [s for r in results for s in r.settled] == [(0, ALICE, 4_000), (1, BOB, 8_000), (2, ALICE, 16_000)]
    assert market.payout(ALICE).amount == 20_000
    assert market.payout(SPONSOR).amount == 0
    assert market.held() == 21_000 + 7_000


def test_settle_unrevealed__rounding_remainder_goes_to_the_sponsor():
    market = build(HAND_PIECES, rounds=1)  # bounty 3 * 1,000 = 3,000; stakes 2 + 2 + 3 = 7 units
    preimages = []
    for who, stake in ((ALICE, 2), (BOB, 2), (MALLORY, 3)):
        market.contribute(who, (1,), 0, stake, stake * UNIT, T0 + 2)
        preimages.append(contribution_preimage(who, 0, stake, (1,)))
    market.settle_unrevealed(market.state.reveal_deadline)
    run(market, preimages)
    shares = [3_000 * 2 // 7, 3_000 * 2 // 7, 3_000 * 3 // 7]
    assert shares == [857, 857, 1_285]
    assert [market.payout(a).amount for a in (ALICE, BOB, MALLORY)] == [2_857, 2_857, 4_285]
    assert market.payout(SPONSOR).amount == 3_000 - sum(shares) == 1
    assert market.held() == 3_000 + 7 * UNIT


def test_settle_unrevealed__stalled_replay_is_undone():
    """Pass 1 of the hand market moves balances (alice +6, mallory -3) and the pot (-3 units); then
    nobody advances for a reveal window: the replay is abandoned, the stakes come back and the whole
    bounty (30,000) is shared by stake (10, 3 and 4 of 17)."""
    market, preimages = hand_market()
    market.advance(3, market.scored_pieces, preimages, LATER)
    assert market.state.sponsor_pot == 27_000
    deadline = LATER + HOUR
    with pytest.raises(errors.RevealDeadlineNotPassed) as early:
        market.settle_unrevealed(deadline - 1)
    assert early.value.args == (deadline, deadline - 1)

    market.settle_unrevealed(deadline)

    assert (market.state.phase, market.state.sponsor_pot, market.held()) == (Phase.REFUNDING, 30_000, 47_000)
    settled = [s for r in run(market, preimages) for s in r.settled]
    shares = [30_000 * stake // 17 for stake in (10, 3, 4)]
    assert settled == [
        (0, ALICE.lower(), 10_000 + shares[0]),
        (1, MALLORY.lower(), 3_000 + shares[1]),
        (2, BOB.lower(), 4_000 + shares[2]),
    ]
    assert market.payout(SPONSOR).amount == 30_000 - sum(shares)
    assert market.held() == 47_000


def test_contribute__at_most_512_features():
    market = build([pack_piece([((1,), 1)])] * 2, rounds=1, weights=(0,) * 600)
    with pytest.raises(errors.TooManyFeatures) as raised:
        market.contribute(ALICE, tuple(range(513)), 1, 1, UNIT, T0 + 2)
    assert raised.value.args == (513, 512)
    assert market.contribute(ALICE, tuple(range(512)), 1, 1, UNIT, T0 + 2) == 0


def test_settle_unrevealed__first_piece_never_revealed():
    market = make_market(HAND_PIECES)
    market.open(SPONSOR, 2, 6 * UNIT, T0, 10)
    with pytest.raises(errors.RevealDeadlineNotPassed):
        market.settle_unrevealed(T0 + HOUR - 1)
    market.settle_unrevealed(T0 + HOUR)
    assert market.state.phase == Phase.FINISHED
    assert market.payout(SPONSOR).amount == 6 * UNIT


# ---- formats ------------------------------------------------------------------------------------


def test_pack_piece__known_bytes():
    assert pack_piece([((1, 258), 1), ((), 0)]) == bytes.fromhex("01000200010102000000")


@pytest.mark.parametrize(
    ("piece", "offset"),
    [
        (bytes.fromhex("020000"), 0),  # label above 1
        (bytes.fromhex("0100"), 0),  # truncated header
        (bytes.fromhex("0100020001"), 0),  # fewer indices than announced
        (bytes.fromhex("01000200030003"), 5),  # repeated index
        (bytes.fromhex("0000000100010040"), 6),  # index 64 out of range
        (bytes.fromhex("00000001000200050004"), 8),  # not increasing
    ],
)
def test_parse_piece__faults_at_the_contract_offsets(piece, offset):
    with pytest.raises(errors.TestPieceMalformed) as fault:
        parse_piece(piece, 3, 64)
    assert fault.value.args == (3, offset)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.lists(st.integers(0, 999), unique=True, max_size=12).map(sorted), st.integers(0, 1))))
def test_pack_piece__round_trip(examples):
    examples = [(tuple(f), label) for f, label in examples]
    assert parse_piece(pack_piece(examples), 0, 1_000) == examples


def test_record_commitment__top_159_bits_of_the_preimage_hash():
    from eth_hash.auto import keccak

    preimage = contribution_preimage(ALICE, 1, 7, (3, 9))
    assert preimage == bytes.fromhex("a1" * 20) + b"\x01" + (7).to_bytes(8, "big") + struct.pack(">HH", 3, 9)
    assert record_commitment(preimage) == int.from_bytes(keccak(preimage), "big") >> 97
    assert scored_set_hash([]) == bytes(32)
    assert scored_set_hash([b"x"]) == keccak(bytes(32) + keccak(b"x"))


# ---- every check, in order, at its boundary ----------------------------------------------------


def test_create__bounds_in_order():
    base = MarketConfig(SPONSOR, (bytes(32),) * 2, 10, 1, HOUR, HOUR)
    cases = [
        ((base, 0, 1, 0), errors.FeatureCountOutOfRange, (0, 1 << 16)),
        ((base, 2, 0, 0), errors.LearningRateOutOfRange, (0,)),
        ((replace(base, unit=0), 2, 1, 0), errors.UnitOutOfRange, (0, 2**96 - 1)),
        (
            (replace(base, test_example_limit=MAX_TEST_EXAMPLE_LIMIT + 1), 2, 1, 0),
            errors.TestExampleLimitOutOfRange,
            (MAX_TEST_EXAMPLE_LIMIT + 1, MAX_TEST_EXAMPLE_LIMIT),
        ),
        ((replace(base, min_stake=MAX_STAKE + 1), 2, 1, 0), errors.MinStakeOutOfRange, (MAX_STAKE + 1, MAX_STAKE)),
        ((replace(base, reveal_window=0), 2, 1, 0), errors.DurationOutOfRange, (HOUR, 0, 2**32 - 1)),
    ]
    for args, error, expected in cases:
        with pytest.raises(error) as raised:
            PredictionMarket.create(*args)
        assert raised.value.args == expected
    PredictionMarket.create(
        replace(base, test_example_limit=MAX_TEST_EXAMPLE_LIMIT, min_stake=MAX_STAKE), 1 << 16, 2**31 - 1, 0
    )


def test_open__checks_in_order():
    market = make_market(HAND_PIECES)
    with pytest.raises(errors.CallerNotSponsor):
        market.open(ALICE, 1, 3 * UNIT, T0, 10)
    unloaded = PredictionMarket.create(market.config, 2, 1, 0)
    with pytest.raises(errors.ModelNotLoaded) as raised:
        unloaded.open(SPONSOR, 1, 3 * UNIT, T0, 10)
    assert raised.value.args == (0, 1)
    for count in (1, MAX_PIECE_COUNT + 1):
        few = PredictionMarket.create(
            replace(market.config, piece_commitments=(bytes(32),) * count), 2, 1, 0, loaded=True
        )
        with pytest.raises(errors.PieceCountOutOfRange) as raised:
            few.open(SPONSOR, 0, 0, T0, 10)
        assert raised.value.args == (count, MAX_PIECE_COUNT)
    max_rounds = MAX_ROUND_UNITS // 3
    for rounds in (0, max_rounds + 1):
        with pytest.raises(errors.RoundsOutOfRange) as raised:
            market.open(SPONSOR, rounds, 0, T0, 10)
        assert raised.value.args == (rounds, max_rounds)
    with pytest.raises(errors.ValueMismatch) as raised:
        market.open(SPONSOR, 2, 6 * UNIT - 1, T0, 10)
    assert raised.value.args == (6 * UNIT, 6 * UNIT - 1)
    assert market.open(SPONSOR, 2, 6 * UNIT, T0, 10) == 6 * UNIT
    with pytest.raises(errors.WrongPhase) as raised:
        market.open(SPONSOR, 2, 6 * UNIT, T0, 10)
    assert raised.value.args == (Phase.COMMITTED,)


def test_open__token_market_takes_no_ether():
    market = make_market(HAND_PIECES, token="0x" + "70" * 20)
    with pytest.raises(errors.ValueMismatch) as raised:
        market.open(SPONSOR, 1, 1, T0, 10)
    assert raised.value.args == (0, 1)
    market.open(SPONSOR, 1, 0, T0, 10)


def test_draw__block_window():
    market = make_market(HAND_PIECES)
    market.open(SPONSOR, 1, 3 * UNIT, T0, 10)
    with pytest.raises(errors.DrawTooEarly) as raised:
        market.draw_piece(11, ZERO_HASH)
    assert raised.value.args == (12, 11)
    with pytest.raises(errors.DrawExpired) as raised:
        market.draw_piece(11 + 257, ZERO_HASH)
    assert raised.value.args == (11 + 256, 11 + 257)
    assert market.draw_piece(11 + 256, (5).to_bytes(32, "big")) == 1
    with pytest.raises(errors.PieceAlreadyDrawn) as raised:
        market.draw_piece(11 + 256, ZERO_HASH)
    assert raised.value.args == (1,)


def test_reveal_drawn_piece__checks_in_order():
    market = make_market(HAND_PIECES)
    market.open(SPONSOR, 1, 3 * UNIT, T0, 10)
    with pytest.raises(errors.PieceNotDrawn):
        market.reveal_drawn_piece(salt(0), HAND_PIECES[0], T0 + 1)
    market.draw_piece(12, ZERO_HASH)
    with pytest.raises(errors.RevealDeadlinePassed) as raised:
        market.reveal_drawn_piece(salt(0), HAND_PIECES[0], T0 + HOUR)
    assert raised.value.args == (T0 + HOUR, T0 + HOUR)
    with pytest.raises(errors.PieceMismatch) as raised:
        market.reveal_drawn_piece(salt(1), HAND_PIECES[0], T0 + 1)
    assert raised.value.args == (0,)
    assert market.reveal_drawn_piece(salt(0), HAND_PIECES[0], T0 + HOUR - 1) == 1
    s = market.state
    assert (s.phase, s.participation_end, s.reveal_deadline, s.next_piece) == (
        Phase.OPEN,
        T0 + 2 * HOUR - 1,
        T0 + 3 * HOUR - 1,
        1,
    )


def test_reveal__malformed_and_too_large():
    bad = bytes.fromhex("0100010002")  # index 2 of 2 features
    market = make_market([bad, HAND_PIECES[1]])
    _pieces[id(market)] = [bad, HAND_PIECES[1]]
    market.open(SPONSOR, 1, market.bounty_per_round, T0, 10)
    market.draw_piece(12, ZERO_HASH)
    with pytest.raises(errors.TestPieceMalformed) as raised:
        market.reveal_drawn_piece(salt(0), bad, T0 + 1)
    assert raised.value.args == (0, 3)
    small = make_market(HAND_PIECES, limit=2)
    small.open(SPONSOR, 1, small.bounty_per_round, T0, 10)
    small.draw_piece(12, (1).to_bytes(32, "big"))  # piece 1 first: 2 examples, then piece 0: 3 > 2
    small.reveal_drawn_piece(salt(1), HAND_PIECES[1], T0 + 1)
    with pytest.raises(errors.TestSetTooLarge) as raised:
        small.reveal_pieces([salt(0)], [HAND_PIECES[0]], small.state.participation_end)
    assert raised.value.args == (3, 2)


def test_reveal_pieces__checks_in_order():
    market = build(HAND_PIECES, rounds=1)
    end, deadline = market.state.participation_end, market.state.reveal_deadline
    with pytest.raises(errors.ParticipationNotEnded) as raised:
        market.reveal_pieces([salt(1)], [HAND_PIECES[1]], end - 1)
    assert raised.value.args == (end, end - 1)
    with pytest.raises(errors.RevealDeadlinePassed) as raised:
        market.reveal_pieces([salt(1)], [HAND_PIECES[1]], deadline)
    assert raised.value.args == (deadline, deadline)
    with pytest.raises(errors.RevealLengthMismatch) as raised:
        market.reveal_pieces([salt(1)], [], end)
    assert raised.value.args == (1, 0)
    with pytest.raises(errors.PieceMismatch) as raised:
        market.reveal_pieces([salt(0)], [HAND_PIECES[1]], end)
    assert raised.value.args == (1,)
    with pytest.raises(errors.PieceIndexOutOfRange) as raised:
        market.reveal_pieces([salt(1), salt(1)], [HAND_PIECES[1]] * 2, end)
    assert raised.value.args == (2, 2)
    assert market.state.next_piece == 1  # all or nothing
    assert market.reveal_pieces([], [], deadline - 1) == []
    assert market.reveal_pieces([salt(1)], [HAND_PIECES[1]], deadline - 1) == [(1, 2, 0)]


def test_contribute__checks_in_order():
    market = build(HAND_PIECES, rounds=1, min_stake=3)
    end = market.state.participation_end
    cases = [
        ((ALICE, (0,), 1, 3, 3 * UNIT, end), errors.ParticipationEnded, (end, end)),
        ((ALICE, (0,), 2, 3, 3 * UNIT, end - 1), errors.LabelOutOfRange, (2, 2)),
        ((ALICE, (0,), 1, 2, 2 * UNIT, end - 1), errors.StakeTooLow, (3, 2)),
        ((ALICE, (0,), 1, MAX_STAKE + 1, 0, end - 1), errors.StakeTooHigh, (MAX_STAKE, MAX_STAKE + 1)),
        ((ALICE, (0,), 1, 3, 3 * UNIT + 1, end - 1), errors.ValueMismatch, (3 * UNIT, 3 * UNIT + 1)),
        ((ALICE, b"\x00", 1, 3, 3 * UNIT, end - 1), errors.FeaturesMalformed, (1,)),
        ((ALICE, (1, 0), 1, 3, 3 * UNIT, end - 1), errors.FeaturesNotSorted, (1, 1, 0)),
        ((ALICE, (0, 2), 1, 3, 3 * UNIT, end - 1), errors.FeatureOutOfRange, (2, 2)),
    ]
    for args, error, expected in cases:
        with pytest.raises(error) as raised:
            market.contribute(*args)
        assert raised.value.args == expected
    assert market.contribute(ALICE, (), 1, 3, 3 * UNIT, end - 1) == 0
    assert market.record(0).as_tuple() == (record_commitment(contribution_preimage(ALICE, 1, 3, b"")), False, 3, 0)


def test_advance__checks_in_order():
    market, preimages = hand_market()
    with pytest.raises(errors.TestSetMismatch) as raised:
        market.advance(1, [], preimages, LATER)
    assert raised.value.args == (market.state.scored_set_hash, bytes(32))
    with pytest.raises(errors.ContributionDataMissing) as raised:
        market.advance(2, market.scored_pieces, preimages[:1], LATER)
    assert raised.value.args == (1,)
    assert market.state.cursor == 0  # all or nothing, as the contract
    with pytest.raises(errors.ContributionMismatch) as raised:
        market.advance(1, market.scored_pieces, [preimages[2]], LATER)
    assert raised.value.args == (0,)
    assert market.advance(0, market.scored_pieces, [], LATER).steps == 0


def test_wrong_phases():
    market = make_market(HAND_PIECES)
    with pytest.raises(errors.WrongPhase):
        market.draw_piece(12, ZERO_HASH)
    with pytest.raises(errors.WrongPhase):
        market.contribute(ALICE, (0,), 1, 1, UNIT, T0)
    with pytest.raises(errors.WrongPhase):
        market.advance(1, [], [], LATER)
    with pytest.raises(errors.WrongPhase):
        market.withdraw(SPONSOR)
    with pytest.raises(errors.WrongPhase):
        market.settle_unrevealed(T0)


# ---- properties ---------------------------------------------------------------------------------


def reference_payouts(
    initial: SparsePerceptron32, test: list, contributions: list, rounds: int, correct_initial: int
) -> tuple[list[int], int, int]:
    """The rule of SPEC.md §12, written the obvious way: replay the live
    contributions, score, run the rounds on every balance at once, drop the exhausted ones, repeat.
    Returns (final balance of each contribution in units, rounds paid by the pot times their
    correct-count change, passes)."""

    def correct(model):
        return sum(model.predict(f) == y for f, y in test)

    balances = [stake for *_, stake in contributions]
    live = list(range(len(contributions)))
    left, pot_paid, passes = rounds, 0, 0
    while True:
        passes += 1
        model, before, scores = initial.copy(), correct_initial, {}
        for i in live:
            _, features, label, _ = contributions[i]
            scores[i] = 0
            if model.predict(features) != label:
                model.update(features, label)
                after = correct(model)
                scores[i], before = after - before, after
        negative = [i for i in live if scores[i] < 0]
        run_rounds = min([balances[i] // -scores[i] for i in negative] + [left]) if negative else left
        for i in live:
            balances[i] += scores[i] * run_rounds
        pot_paid += (before - correct_initial) * run_rounds
        left -= run_rounds
        if not negative or left == 0:
            return balances, pot_paid, passes
        live = [i for i in live if not (scores[i] < 0 and balances[i] < -scores[i])]


FEATURES = 6

feature_sets = st.lists(st.integers(0, FEATURES - 1), unique=True, max_size=4).map(lambda f: tuple(sorted(f)))
examples_st = st.lists(st.tuples(feature_sets, st.integers(0, 1)), min_size=2, max_size=12)
contributions_st = st.lists(
    st.tuples(st.sampled_from([ALICE, BOB, MALLORY]), feature_sets, st.integers(0, 1), st.integers(1, 12)),
    max_size=10,
)


@st.composite
def markets(draw):
    test = draw(examples_st)
    piece_count = draw(st.integers(2, min(4, len(test))))
    weights = draw(st.lists(st.integers(-3, 3), min_size=FEATURES, max_size=FEATURES))
    intercept = draw(st.integers(-2, 2))
    rounds = draw(st.integers(1, 20))
    contributions = draw(contributions_st)
    draw_hash = draw(st.integers(0, 2**256 - 1)).to_bytes(32, "big")
    steps = draw(st.sampled_from([1, 2, 3, 7, 1_000]))
    return test, piece_count, weights, intercept, rounds, contributions, draw_hash, steps


def play(test, piece_count, weights, intercept, rounds, contributions, draw_hash, steps, *, check=None):
    test_set = split_test_set(test, piece_count, rng=np.random.default_rng(0))
    pieces = list(test_set.pieces)
    config = MarketConfig(
        SPONSOR,
        test_set.commitments,
        test_example_limit=len(test),
        min_stake=1,
        participation_length=HOUR,
        reveal_window=HOUR,
        unit=UNIT,
    )
    market = PredictionMarket.create(config, FEATURES, 1, intercept, weights, loaded=True)
    bounty = market.open(SPONSOR, rounds, rounds * len(test) * UNIT, T0, 10)
    drawn = market.draw_piece(12, draw_hash)
    market.reveal_drawn_piece(test_set.salts[drawn], pieces[drawn], T0 + 1)
    preimages = []
    for who, features, label, stake in contributions:
        market.contribute(who, features, label, stake, stake * UNIT, T0 + 2)
        preimages.append(contribution_preimage(who, label, stake, features))
    salts, scored = test_set.scored(drawn)
    market.reveal_pieces(salts, scored, market.state.participation_end)
    stakes = sum(stake for *_, stake in contributions)
    total = bounty + stakes * UNIT
    results = []
    while market.state.phase != Phase.FINISHED:
        assert market.held() == total
        assert market.state.sponsor_pot >= 0
        assert all(market.effective_balance(i) >= 0 for i in range(len(preimages)) if market.record(i).commitment)
        s = market.state
        result = market.advance(
            steps, scored if s.phase == Phase.REPLAYING else [], cyclic_preimages(preimages, s.cursor, steps), LATER
        )
        results.append(result)
        if check:
            check(market, result)
    assert market.held() == total
    return market, results, preimages, scored, drawn


def check_against_the_reference(params) -> None:
    market, results, _preimages, scored, _drawn = play(*params)
    test, _piece_count, weights, intercept, rounds, contributions, _draw_hash, _steps = params
    scored_examples = [e for p in scored for e in unpack_piece(p)]
    initial = SparsePerceptron32(np.array(weights), intercept, 1)
    correct_initial = sum(initial.predict(f) == y for f, y in scored_examples)
    balances, pot_paid, passes = reference_payouts(initial, scored_examples, contributions, rounds, correct_initial)

    per_account: dict[str, int] = {}
    for (who, *_), balance in zip(contributions, balances):
        per_account[who.lower()] = per_account.get(who.lower(), 0) + balance * UNIT
    sponsor = rounds * len(test) * UNIT - pot_paid * UNIT
    if sponsor:
        per_account[SPONSOR.lower()] = per_account.get(SPONSOR.lower(), 0) + sponsor
    assert {a: p.amount for a, p in market.payouts.items() if p.amount} == {a: v for a, v in per_account.items() if v}
    if contributions:
        assert max(r[0] for res in results for r in res.passes) == passes <= len(contributions) + 1
    assert all(r.commitment == 0 for r in market.records)
    for account in list(market.payouts):
        market.withdraw(account)
    assert market.held() == 0


@settings(max_examples=400, deadline=None)
@given(markets())
def test_replay__conserves_money_and_matches_the_reference(params):
    check_against_the_reference(params)


@pytest.mark.fuzzing
@settings(max_examples=10_000, deadline=None)
@given(markets())
def test_replay__conserves_money_and_matches_the_reference__fuzzing(params):
    check_against_the_reference(params)


@settings(max_examples=200, deadline=None)
@given(markets())
def test_replay__batching_changes_nothing(params):
    one, *_ = play(*params[:-1], 1)
    many, *_ = play(*params[:-1], 1_000)
    assert one.payouts == many.payouts
    assert one.state == many.state
    assert one.model.packed_words() == many.model.packed_words()


@settings(max_examples=200, deadline=None)
@given(markets())
def test_replay__scores_telescope(params):
    """Within a pass, the scores of the live contributions sum to the pass's change in correct
    examples: what the pot pays is exactly what the balances gain. One step per call, so a call
    that ends a pass leaves that pass's scores in the records."""
    checked = []

    def check(market, result):
        for _number, correct, _rounds, _left in result.passes:
            live = [r.score for r in market.records if r.commitment and not r.dropped]
            assert sum(live) == correct - market.state.correct_initial
            checked.append(_number)

    play(*params[:-1], 1, check=check)
    assert checked or not params[5]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=1, max_size=8), st.integers(1, 30), st.integers(1, 5))
def test_unrevealed__stakes_back_shares_by_stake_remainder_to_sponsor(stakes, rounds, limit):
    pieces = [pack_piece([((0,), 1)]), pack_piece([((1,), 0)])]
    market = build(pieces, rounds=rounds, limit=max(limit, 2))
    preimages = []
    for i, stake in enumerate(stakes):
        who = (ALICE, BOB, MALLORY)[i % 3]
        market.contribute(who, (i % 2,), 1, stake, stake * UNIT, T0 + 2)
        preimages.append(contribution_preimage(who, 1, stake, (i % 2,)))
    bounty = market.state.sponsor_pot
    market.settle_unrevealed(market.state.reveal_deadline)
    results = run(market, preimages, steps=3)
    settled = [s for r in results for s in r.settled]
    shares = [amount - stake * UNIT for (_, _, amount), stake in zip(settled, stakes)]
    assert shares == [bounty * stake // sum(stakes) for stake in stakes]
    assert market.payout(SPONSOR).amount == bounty - sum(shares) < len(stakes)
    assert market.held() == bounty + sum(stakes) * UNIT


def test_min_rounds_sentinel():
    assert NO_NEGATIVE == 2**64 - 1
