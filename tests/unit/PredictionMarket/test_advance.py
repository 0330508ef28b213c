"""`advance(maxSteps, pieces, preimages)`: the replay, the passes and the payout sweep on chain.

- The hand-computed market of tests/offchain/test_prediction_market_mirror.py on chain: three
  passes, two contributions dropped, every event and payout exact.
- A random market replayed in random batch sizes, compared with the mirror after every call
  (state, records, model words, balance).
- Every revert by its named error: the wrong test set, a missing or wrong preimage, the wrong phase.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.market import (
    cyclic_preimages,
    launch_market,
    mirror_of,
    random_examples,
    split_test_set,
)
from collabml.encoding import pack_indices
from collabml.incentives.prediction_market import (
    MarketConfig,
    Phase,
    contribution_preimage,
    pack_piece,
    record_commitment,
)
from collabml.models.perceptron import SparsePerceptron32

UNIT = 1_000

# ---- the hand-computed market ------------------------------------------------------------------
# Two features, learning rate 1, initial weights [0, 0], intercept 0. Both pieces hold A = ([0], 1)
# and B = ([1], 1) (whichever is drawn, the other is scored the same way). Limit 4 examples, 10
# rounds of at most 4 units: bounty 40,000 wei. Contributions: alice ([0], 1) stake 10, mallory
# ([1], 0) stake 3, bob ([0, 1], 0) stake 4. See the mirror test for the pass-by-pass working.
HAND_PIECE = pack_piece([((0,), 1), ((1,), 1)])


@pytest.fixture(scope="module")
def hand(project, owner, anyone, contributor, attacker, reporter, chain):
    """The hand market with its three contributions, participation over, every piece revealed."""
    import os

    model = SparsePerceptron32(np.zeros(2, dtype=np.int64), intercept=0, learning_rate=1)
    test_set = split_test_set([((0,), 1), ((1,), 1), ((0,), 1), ((1,), 1)], 2)
    assert test_set.pieces == (HAND_PIECE, HAND_PIECE)
    config = MarketConfig(owner.address, test_set.commitments, 4, 1, 3_600, 3_600, unit=UNIT)
    client = launch_market(project, owner, anyone, model, config, test_set, rounds=10)
    for account, features, label, stake in (
        (contributor, (0,), 1, 10),
        (attacker, (1,), 0, 3),
        (reporter, (0, 1), 0, 4),
    ):
        client.contribute(account, features, label, stake)
    chain.pending_timestamp = int(client.contract.marketState().participationEnd)
    client.reveal_rest(owner, test_set)
    assert os.urandom  # salts are random: the replay must not depend on them
    return client


def test_advance__hand_market_pass_by_pass(hand, owner, anyone, contributor, attacker, reporter):
    market = hand.contract
    state = market.marketState()
    assert (state.phase, state.correctInitial, state.scoredExamples, state.sponsorPot) == (
        Phase.REPLAYING,
        0,
        2,
        40_000,
    )
    assert market.balance == 40_000 + 17_000

    first = hand.advance(anyone, 3)

    assert [e for e in first.events if e.event_name == "PassCompleted"] == [
        market.PassCompleted(passNumber=1, correct=1, rounds=3, roundsLeft=7)
    ]
    assert [tuple(market.contribution(i))[1:] for i in range(3)] == [(False, 10, 2), (False, 3, -1), (False, 4, 0)]
    state = market.marketState()
    assert (state.passNumber, state.cursor, state.pendingRounds, state.sponsorPot) == (2, 0, 3, 37_000)

    second = hand.advance(anyone, 3)

    assert second.events == [
        market.ContributionDropped(id=1, balance=0),
        market.PassCompleted(passNumber=2, correct=0, rounds=2, roundsLeft=5),
    ]
    assert [tuple(market.contribution(i))[1:] for i in range(3)] == [(False, 16, 2), (True, 0, -1), (False, 4, -2)]

    third = hand.advance(anyone, 3)

    assert third.events == [
        market.ContributionDropped(id=2, balance=0),
        market.PassCompleted(passNumber=3, correct=2, rounds=5, roundsLeft=0),
    ]
    assert market.marketState().phase == Phase.PAYING_OUT
    assert list(market.marketModelWords(0, 1)) == SparsePerceptron32(np.array([1, 0]), 1, 1).packed_words()
    assert market.intercept() == 1
    assert market.predict(pack_indices([1])) == 1  # the final model: alice's contribution only

    payout = hand.advance(anyone, 5)  # stops when finished

    assert payout.events == [
        market.ContributionSettled(id=0, contributor=contributor, amount=30_000),
        market.ContributionSettled(id=1, contributor=attacker, amount=0),
        market.ContributionSettled(id=2, contributor=reporter, amount=0),
        market.MarketFinished(sponsorAmount=27_000),
    ]
    assert payout.return_value == 3
    assert [tuple(market.contribution(i)) for i in range(3)] == [(0, False, 0, 0)] * 3
    assert tuple(market.payout(contributor)) == (30_000, False)
    assert tuple(market.payout(owner)) == (27_000, False)
    assert tuple(market.payout(attacker)) == (0, False)
    assert market.balance == 57_000


def test_advance__one_step_calls_give_the_same_result(hand, owner, anyone, contributor):
    calls = hand.run_to_end(anyone, steps_per_call=1)
    assert len(calls) == 12  # three passes of 3 visits (a dropped contribution still takes a step), then 3 payouts
    assert tuple(hand.contract.payout(contributor)) == (30_000, False)
    assert tuple(hand.contract.payout(owner)) == (27_000, False)


# ---- random markets against the mirror --------------------------------------------------------------

FEATURES = 24


def lockstep_market(project, chain, owner, anyone, actors, model, *, seed, contributions, rounds, steps=(1, 6)):
    """Launch a market of `model` on a random test set, make random contributions on the chain and
    the mirror, reveal, then replay in random batches to the end, comparing everything after each
    call. Returns the client, the mirror and the number of passes."""
    rng = np.random.default_rng(seed)
    test_set = split_test_set(random_examples(rng, 18, model.feature_count, 5), 4, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, 18, 2, 3_600, 3_600, unit=10**6)
    client = launch_market(project, owner, anyone, model, config, test_set, rounds=rounds)
    mirror = mirror_of(client, model, config, test_set)
    for i in range(contributions):
        account = actors[i % len(actors)]
        features = tuple(
            sorted(int(f) for f in rng.choice(model.feature_count, int(rng.integers(0, 7)), replace=False))
        )
        label, stake = int(rng.integers(0, 2)), int(rng.integers(2, 6))
        now = chain.blocks.head.timestamp + 1
        chain.pending_timestamp = now
        client.contribute(account, features, label, stake)
        mirror.contribute(account.address, features, label, stake, stake * 10**6, now)
    now = int(mirror.state.participation_end)
    salts, pieces = test_set.scored(mirror.state.drawn_piece)
    for chunk in (slice(0, 2), slice(2, None)):
        chain.pending_timestamp = now
        client.contract.revealPieces(salts[chunk], pieces[chunk], sender=owner)
        mirror.reveal_pieces(salts[chunk], pieces[chunk], now)
        now += 1
    client.scored_pieces = list(pieces)
    assert client.state() == mirror.state.as_tuple()

    market, passes = client.contract, 0
    while mirror.state.phase != Phase.FINISHED:
        count = int(rng.integers(*steps))
        s = mirror.state
        pieces = mirror.scored_pieces if s.phase == Phase.REPLAYING else []
        now = chain.blocks.head.timestamp + 1
        chain.pending_timestamp = now
        expected = mirror.advance(count, pieces, cyclic_preimages(client.preimages, s.cursor, count), now)

        receipt = client.advance(anyone, count)

        passes += len(expected.passes)
        assert receipt.return_value == expected.steps
        assert [(e.id, e.balance) for e in receipt.events if e.event_name == "ContributionDropped"] == expected.dropped
        assert [
            (e.passNumber, e.correct, e.rounds, e.roundsLeft) for e in receipt.events if e.event_name == "PassCompleted"
        ] == expected.passes
        assert client.state() == mirror.state.as_tuple()
        assert [tuple(market.contribution(i)) for i in range(contributions)] == [
            mirror.record(i).as_tuple() for i in range(contributions)
        ]
        assert list(market.marketModelWords(0, mirror.word_count)) == mirror.model.packed_words()
        assert market.intercept() == mirror.model.intercept
        assert market.balance == mirror.held()
    for account in mirror.payouts:
        assert tuple(market.payout(account)) == (mirror.payout(account).amount, False)
    return client, mirror, passes


def test_advance__random_market_matches_the_mirror(project, chain, owner, anyone, contributor, reporter, attacker):
    client, mirror, passes = lockstep_market(
        project,
        chain,
        owner,
        anyone,
        [contributor, reporter, attacker],
        random_market_model(FEATURES, seed=5),
        seed=42,
        contributions=14,
        rounds=40,
    )
    assert passes >= 2, "the seed should give a market with a dropped contribution"
    for features in ([], [0, 5, 9], list(range(0, FEATURES, 2))):
        assert client.contract.predict(pack_indices(features)) == mirror.predict(features)


def test_advance__saturating_weights_match_the_mirror(project, chain, owner, anyone, contributor, reporter):
    """Weights and intercept near their bounds and a huge learning rate: every update saturates
    some weights (their change, which the examples' scores follow, is less than the step) and
    the intercept."""
    rng = np.random.default_rng(3)
    weights = rng.choice([2**31 - 1, 2**31 - 3, -(2**31), -(2**31) + 2, 0, 5], size=12)
    model = SparsePerceptron32(weights, intercept=2**63 - 2**30, learning_rate=2**31 - 1)
    client, mirror, _ = lockstep_market(
        project, chain, owner, anyone, [contributor, reporter], model, seed=9, contributions=10, rounds=15
    )
    assert mirror.model.packed_words() != model.packed_words(), "the replay should have changed the model"
    assert {int(w) for w in mirror.model.weights} & {2**31 - 1, -(2**31)}
    assert client.contract.intercept() == mirror.model.intercept


# ---- reverts ------------------------------------------------------------------------------------


def test_advance__wrong_test_set(hand, anyone):
    market = hand.contract
    expected = market.marketState().scoredSetHash
    from collabml.incentives.prediction_market import scored_set_hash

    with reverts_with(market, "TestSetMismatch", expected, scored_set_hash([])):
        market.advance(1, [], hand.preimages[:1], sender=anyone)
    wrong = [HAND_PIECE + b"\x00\x00\x00"]
    with reverts_with(market, "TestSetMismatch", expected, scored_set_hash(wrong)):
        market.advance(1, wrong, hand.preimages[:1], sender=anyone)


def test_advance__missing_preimage(hand, anyone):
    with reverts_with(hand.contract, "ContributionDataMissing", 2):
        hand.contract.advance(3, hand.scored_pieces, hand.preimages[:2], sender=anyone)


def test_advance__wrong_preimage(hand, anyone, contributor, attacker):
    market = hand.contract
    forged = contribution_preimage(attacker.address, 1, 10, (0,))  # alice's example, claimed by mallory
    assert record_commitment(forged) != market.contribution(0)[0]
    with reverts_with(market, "ContributionMismatch", 0):
        market.advance(1, hand.scored_pieces, [forged], sender=anyone)
    with reverts_with(market, "ContributionMismatch", 1):
        market.advance(2, hand.scored_pieces, [hand.preimages[0], hand.preimages[0]], sender=anyone)


def test_advance__payout_checks_preimages_too(hand, anyone, attacker):
    hand.advance(anyone, 9)  # the three passes
    assert hand.contract.marketState().phase == Phase.PAYING_OUT
    redirected = contribution_preimage(attacker.address, 1, 10, (0,))  # alice's payout, to mallory
    with reverts_with(hand.contract, "ContributionMismatch", 0):
        hand.contract.advance(1, [], [redirected], sender=anyone)


def test_advance__wrong_phase(hand, anyone, chain, project, owner):
    hand.run_to_end(anyone)
    with reverts_with(hand.contract, "WrongPhase", Phase.FINISHED):
        hand.contract.advance(1, [], hand.preimages, sender=anyone)


def test_advance__zero_steps(hand, anyone):
    before = hand.state()
    receipt = hand.contract.advance(0, hand.scored_pieces, [], sender=anyone)
    assert receipt.events == []
    assert receipt.return_value == 0
    assert hand.state() == before


def test_client_sync__rebuilds_the_advance_data_from_the_logs(hand, anyone):
    from collabml.chain.market import MarketClient

    fresh = MarketClient(hand.contract)
    fresh.sync()
    assert fresh.preimages == hand.preimages
    assert fresh.scored_pieces == hand.scored_pieces == [HAND_PIECE]
    fresh.run_to_end(anyone, steps_per_call=4)
    assert hand.contract.marketState().phase == Phase.FINISHED
