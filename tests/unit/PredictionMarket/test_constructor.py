"""`PredictionMarket`'s constructor and model loading: every bound by its named error (exact
arguments), the state and views after deployment, and `loadModel` in chunks (sponsor only, in
order, resumable, never past the last word; `predict` and `open` refuse an unloaded model).

Constructor reverts carry raw revert data; `reverts_with` compares it whatever form Ape gives it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import random_market_model, reverts_with

from collabml.chain.deploy import load_model
from collabml.chain.market import (
    ZERO_ADDRESS,
    constructor_args,
    deploy_market,
    random_examples,
    split_test_set,
)
from collabml.encoding import pack_indices
from collabml.incentives.prediction_market import (
    MAX_DURATION,
    MAX_STAKE,
    MAX_TEST_EXAMPLE_LIMIT,
    MAX_UNIT,
    NO_NEGATIVE,
    MarketConfig,
    Phase,
)

FEATURES = 20  # 3 model words, the last one half padding


@pytest.fixture(scope="module")
def model():
    return random_market_model(FEATURES, seed=11)


@pytest.fixture(scope="module")
def config(owner) -> MarketConfig:
    import numpy as np

    rng = np.random.default_rng(0)
    test_set = split_test_set(random_examples(rng, 6, FEATURES, 3), 3, rng=rng)
    return MarketConfig(owner.address, test_set.commitments, 6, 2, 3_600, 7_200, unit=10**9)


@pytest.fixture(scope="module")
def unloaded(project, owner, model, config):
    return deploy_market(project, owner, model, config, load=False)


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(unloaded):
    """Deploy before the first test, so Ape's snapshots nest cleanly."""


def test_constructor__state_and_views(unloaded, owner, model, config):
    assert unloaded.sponsor() == owner.address
    assert unloaded.token() == ZERO_ADDRESS
    assert unloaded.unit() == 10**9
    assert unloaded.pieceCount() == 0  # the commitments come with open
    assert unloaded.testExampleLimit() == 6
    assert unloaded.minStake() == 2
    assert (unloaded.participationLength(), unloaded.revealWindow()) == (3_600, 7_200)
    assert (unloaded.featureCount(), unloaded.classCount(), unloaded.learningRate()) == (
        FEATURES,
        2,
        model.learning_rate,
    )
    assert unloaded.intercept() == model.intercept
    assert (unloaded.modelWordCount(), unloaded.loadedWords(), unloaded.modelReady()) == (3, 0, False)
    state = unloaded.marketState()
    assert state.phase == Phase.LOADING
    assert (state.drawnPiece, state.minRounds, state.intercept, state.sponsorPot) == (
        0,
        NO_NEGATIVE,
        model.intercept,
        0,
    )


@pytest.mark.parametrize(
    ("change", "error", "args"),
    [
        ({"feature_count": 0}, "FeatureCountOutOfRange", (0, 1 << 16)),
        ({"feature_count": (1 << 16) + 1}, "FeatureCountOutOfRange", ((1 << 16) + 1, 1 << 16)),
        ({"learning_rate": 0}, "LearningRateOutOfRange", (0,)),
        ({"learning_rate": 2**31}, "LearningRateOutOfRange", (2**31,)),
        ({"unit": 0}, "UnitOutOfRange", (0, MAX_UNIT)),
        ({"unit": MAX_UNIT + 1}, "UnitOutOfRange", (MAX_UNIT + 1, MAX_UNIT)),
        ({"test_example_limit": 0}, "TestExampleLimitOutOfRange", (0, MAX_TEST_EXAMPLE_LIMIT)),
        (
            {"test_example_limit": MAX_TEST_EXAMPLE_LIMIT + 1},
            "TestExampleLimitOutOfRange",
            (MAX_TEST_EXAMPLE_LIMIT + 1, MAX_TEST_EXAMPLE_LIMIT),
        ),
        ({"min_stake": 0}, "MinStakeOutOfRange", (0, MAX_STAKE)),
        ({"min_stake": MAX_STAKE + 1}, "MinStakeOutOfRange", (MAX_STAKE + 1, MAX_STAKE)),
        ({"participation_length": 0}, "DurationOutOfRange", (0, 7_200, MAX_DURATION)),
        ({"reveal_window": MAX_DURATION + 1}, "DurationOutOfRange", (3_600, MAX_DURATION + 1, MAX_DURATION)),
    ],
)
def test_constructor__bounds(project, owner, model, config, change, error, args):
    config = replace(
        config,
        **{
            k: v
            for k, v in change.items()
            if k in ("unit", "test_example_limit", "min_stake", "participation_length", "reveal_window")
        },
    )
    values = list(constructor_args(model, config))
    if "feature_count" in change:
        values[3] = change["feature_count"]
    if "learning_rate" in change:
        values[4] = change["learning_rate"]
    with reverts_with(project.PredictionMarket, error, *args):
        owner.deploy(project.PredictionMarket, *values)


def test_constructor__largest_bounds(project, owner, config):
    values = list(
        constructor_args(
            random_market_model(1, seed=1),
            replace(
                config,
                unit=MAX_UNIT,
                test_example_limit=MAX_TEST_EXAMPLE_LIMIT,
                min_stake=MAX_STAKE,
                participation_length=MAX_DURATION,
                reveal_window=MAX_DURATION,
            ),
        )
    )
    values[3], values[4] = 1 << 16, 2**31 - 1
    market = owner.deploy(project.PredictionMarket, *values)
    assert market.modelWordCount() == 8_192


def test_load_model__in_chunks_and_resume(unloaded, owner, model, config):
    words = model.packed_words()

    first = unloaded.loadModel(0, words[:2], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=2, loadedWords=2)]
    assert (unloaded.loadedWords(), unloaded.modelReady()) == (2, False)
    with reverts_with(unloaded, "ModelNotLoaded", 2, 3):
        unloaded.open(1, list(config.piece_commitments), sender=owner, value=6 * 10**9)

    gas = load_model(unloaded, owner, model)  # resumes at loadedWords

    assert len(gas) == 1
    assert (unloaded.loadedWords(), unloaded.modelReady()) == (3, True)
    assert list(unloaded.modelWords(0, 3)) == words
    assert list(unloaded.marketModelWords(0, 3)) == words
    assert unloaded.predict(pack_indices([1, 5, 19])) == model.predict([1, 5, 19])


def test_load_model__only_the_sponsor(unloaded, model, anyone):
    with reverts_with(unloaded, "CallerNotSponsor", anyone.address):
        unloaded.loadModel(0, model.packed_words(), sender=anyone)


def test_load_model__out_of_order_and_too_long(unloaded, owner, model):
    words = model.packed_words()
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 0, 1):
        unloaded.loadModel(1, words[1:], sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 4, 3):
        unloaded.loadModel(0, words + [0], sender=owner)
    unloaded.loadModel(0, words, sender=owner)
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 3, 0):
        unloaded.loadModel(0, words, sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 4, 3):
        unloaded.loadModel(3, [0], sender=owner)


def test_predict__before_loading(unloaded, owner):
    # A reverting view is checked as a transaction: Ape decodes the custom error of a transaction.
    with reverts_with(unloaded, "ModelNotLoaded", 0, 3):
        unloaded.predict.transact(pack_indices([1]), sender=owner)


def test_model_views__bad_ranges(unloaded, owner, model):
    unloaded.loadModel(0, model.packed_words(), sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 4, 3):
        unloaded.modelWords.transact(1, 3, sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 2**256 - 1, 3):
        unloaded.marketModelWords.transact(2**256 - 2, 1, sender=owner)
    with reverts_with(unloaded, "FeatureOutOfRange", 20, FEATURES):
        unloaded.predict.transact(pack_indices([20]), sender=owner)
    with reverts_with(unloaded, "FeaturesMalformed", 3):
        unloaded.predict.transact(b"\x00\x01\x02", sender=owner)
