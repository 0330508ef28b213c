"""`contribute(features, label, stake)`: one storage word per contribution (a commitment to its
preimage, its stake as balance), the features in the event, the model unchanged; every refusal
by its named error, to the second at the end of participation.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.market import (
    deploy_market,
    launch_market,
    random_examples,
    split_test_set,
)
from collabml.encoding import pack_indices
from collabml.incentives.prediction_market import (
    MAX_STAKE,
    MarketConfig,
    Phase,
    contribution_preimage,
    record_commitment,
)

FEATURES = 16
UNIT = 10**12
MIN_STAKE = 3


@pytest.fixture(scope="module")
def setup(project, owner, anyone):
    rng = np.random.default_rng(5)
    model = random_market_model(FEATURES, seed=9)
    test_set = split_test_set(random_examples(rng, 6, FEATURES, 3), 2, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, 6, MIN_STAKE, 3_600, 3_600, unit=UNIT)
    return launch_market(project, owner, anyone, model, config, test_set, rounds=3), model, config, test_set


@pytest.fixture(scope="module")
def market(setup):
    return setup[0].contract


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(setup):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


def test_contribute__records_and_emits(market, contributor, setup):
    model = setup[1]
    words, balance = list(market.marketModelWords(0, 2)), market.balance
    features = pack_indices([2, 3, 11])

    receipt = market.contribute(features, 1, MIN_STAKE + 4, sender=contributor, value=(MIN_STAKE + 4) * UNIT)

    assert receipt.events == [
        market.ContributionAdded(id=0, contributor=contributor, label=1, stake=MIN_STAKE + 4, features=features)
    ]
    assert receipt.return_value == 0
    commitment = record_commitment(contribution_preimage(contributor.address, 1, MIN_STAKE + 4, features))
    assert tuple(market.contribution(0)) == (commitment, False, MIN_STAKE + 4, 0)
    state = market.marketState()
    assert (state.contributionCount, state.totalStake) == (1, MIN_STAKE + 4)
    assert market.balance == balance + (MIN_STAKE + 4) * UNIT
    assert list(market.marketModelWords(0, 2)) == words == model.packed_words()  # not trained yet

    second = market.contribute(b"", 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)

    assert second.return_value == 1
    assert market.marketState().totalStake == 2 * MIN_STAKE + 4


def test_contribute__until_the_last_second(market, contributor, chain):
    end = int(market.marketState().participationEnd)
    chain.pending_timestamp = end - 1
    market.contribute(pack_indices([1]), 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)
    chain.pending_timestamp = end
    with reverts_with(market, "ParticipationEnded", end, end):
        market.contribute(pack_indices([1]), 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)


def test_contribute__stake_below_the_minimum(market, contributor):
    with reverts_with(market, "StakeTooLow", MIN_STAKE, MIN_STAKE - 1):
        market.contribute(pack_indices([1]), 0, MIN_STAKE - 1, sender=contributor, value=(MIN_STAKE - 1) * UNIT)


def test_contribute__stake_above_the_maximum(market, contributor):
    with reverts_with(market, "StakeTooHigh", MAX_STAKE, MAX_STAKE + 1):
        market.contribute(pack_indices([1]), 0, MAX_STAKE + 1, sender=contributor, value=0)


@pytest.mark.parametrize("delta", [-1, 1])
def test_contribute__value_must_be_the_stake(market, contributor, delta):
    with reverts_with(market, "ValueMismatch", MIN_STAKE * UNIT, MIN_STAKE * UNIT + delta):
        market.contribute(pack_indices([1]), 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT + delta)


def test_contribute__label(market, contributor):
    with reverts_with(market, "LabelOutOfRange", 2, 2):
        market.contribute(pack_indices([1]), 2, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)


@pytest.mark.parametrize(
    ("features", "error", "args"),
    [
        (b"\x00\x01\x02", "FeaturesMalformed", (3,)),
        (pack_indices([4]) + pack_indices([4]), "FeaturesNotSorted", (1, 4, 4)),
        (pack_indices([5]) + pack_indices([2]), "FeaturesNotSorted", (1, 5, 2)),
        (pack_indices([1, FEATURES]), "FeatureOutOfRange", (FEATURES, FEATURES)),
    ],
)
def test_contribute__features(market, contributor, features, error, args):
    with reverts_with(market, error, *args):
        market.contribute(features, 1, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)


def test_contribute__before_open(project, owner, contributor, setup):
    _, model, config, _ = setup
    unopened = deploy_market(project, owner, model, config)
    with reverts_with(unopened, "WrongPhase", Phase.LOADING):
        unopened.contribute(pack_indices([1]), 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)


def test_contribute__after_the_reveal(setup, owner, contributor, chain):
    client, _, _, test_set = setup
    client.contribute(contributor, [1], 0, MIN_STAKE)
    chain.pending_timestamp = int(client.contract.marketState().participationEnd)
    client.reveal_rest(owner, test_set)
    with reverts_with(client.contract, "WrongPhase", Phase.REPLAYING):
        client.contract.contribute(pack_indices([1]), 0, MIN_STAKE, sender=contributor, value=MIN_STAKE * UNIT)


def test_contribute__at_most_512_features(project, owner, anyone, contributor):
    from collabml.models.perceptron import SparsePerceptron32

    rng = np.random.default_rng(2)
    wide = 1_024
    test_set = split_test_set(random_examples(rng, 4, wide, 3), 2, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, 4, 1, 3_600, 3_600, unit=UNIT)
    client = launch_market(project, owner, anyone, SparsePerceptron32.zeros(wide), config, test_set, rounds=1)
    with reverts_with(client.contract, "TooManyFeatures", 513, 512):
        client.contribute(contributor, range(513), 1, 1)
    client.contribute(contributor, range(512), 1, 1)
    assert client.contract.marketState().contributionCount == 1
