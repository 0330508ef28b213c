"""`loadModel(firstWord, words)` of `SparseNearestCentroidDRT`: the owner stores the feature sums in
ordered chunks; each chunk is checked (`ModelWordMalformed`, `FeatureSumOutOfRange`) and adds the
squares of its sums to each class's `sumSquaredNorm`, which is never given, only computed.

View reverts are checked on `.transact` (Ape decodes a reverted transaction's custom error, not a
reverted `eth_call`'s).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer, load_model
from collabml.encoding import pack_indices
from collabml.models.nearest_centroid import SparseNearestCentroid

PARAMS = DrtParams()
# 24 features, 3 classes: 3 features a word, 8 words; word 7 holds features 21-23.
RNG = np.random.default_rng(7)
COUNTS = np.array([5, 9, 2])
MODEL = SparseNearestCentroid(np.array([RNG.integers(0, n + 1, size=24) for n in COUNTS]), COUNTS)
WORDS = MODEL.packed_words()


@pytest.fixture(scope="module")
def create(project, owner):
    def create(model=MODEL, load=True):
        if load:
            return deploy_drt_trainer(project, owner, model, PARAMS.mechanism()).contract
        return owner.deploy(
            project.SparseNearestCentroidDRT,
            owner.address,
            *model.constructor_args(),
            PARAMS.cost_weight,
            PARAMS.refund_wait,
            PARAMS.owner_claim_wait,
            PARAMS.anyone_claim_wait,
        )

    return create


@pytest.fixture(scope="module")
def trainer(create):
    return create()


@pytest.fixture(scope="module")
def unloaded(create):
    return create(load=False)


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, unloaded):
    """Deploy the module's trainers before its first test, so Ape's snapshots nest cleanly."""


def test_load_model__in_chunks(unloaded, owner):
    first = unloaded.loadModel(0, WORDS[:3], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=3, loadedWords=3)]
    assert unloaded.loadedWords() == 3 and not unloaded.modelReady()
    partial = SparseNearestCentroid(np.where(np.arange(24) < 9, MODEL.sums, 0), COUNTS)
    assert [unloaded.sumSquaredNorm(c) for c in range(3)] == partial.norms

    second = unloaded.loadModel(3, WORDS[3:], sender=owner)

    assert second.events == [unloaded.ModelChunkLoaded(firstWord=3, wordCount=5, loadedWords=8)]
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, 8)) == WORDS
    assert [unloaded.sumSquaredNorm(c) for c in range(3)] == MODEL.norms
    assert [unloaded.exampleCount(c) for c in range(3)] == COUNTS.tolist()
    assert unloaded.predict(pack_indices([1, 2, 3])) == MODEL.predict([1, 2, 3])


def test_load_model__resume_after_interruption(unloaded, owner, chain):
    unloaded.loadModel(0, WORDS[:3], sender=owner)
    start_block = chain.blocks.height + 1

    gas = load_model(unloaded, owner, MODEL, chunk_words=2)

    assert len(gas) == 3
    assert list(unloaded.ModelChunkLoaded.range(start_block, chain.blocks.height + 1)) == [
        unloaded.ModelChunkLoaded(firstWord=3, wordCount=2, loadedWords=5),
        unloaded.ModelChunkLoaded(firstWord=5, wordCount=2, loadedWords=7),
        unloaded.ModelChunkLoaded(firstWord=7, wordCount=1, loadedWords=8),
    ]
    read = TrainerClient(unloaded, mirror=SparseNearestCentroid).read_model()
    assert np.array_equal(read.sums, MODEL.sums) and read.norms == MODEL.norms


def test_load_model__padding_lane_set(unloaded, owner):
    """Lane 9 of every word is padding with 3 classes (3 features x 3 classes = 9 lanes)."""
    bad = WORDS[1] | 1 << (24 * 9)
    with reverts_with(unloaded, "ModelWordMalformed", 1, bad):
        unloaded.loadModel(0, [WORDS[0], bad], sender=owner)
    assert unloaded.loadedWords() == 0
    assert unloaded.sumSquaredNorm(0) == 0


def test_load_model__top_bits_set(unloaded, owner):
    bad = WORDS[0] | 1 << 255
    with reverts_with(unloaded, "ModelWordMalformed", 0, bad):
        unloaded.loadModel(0, [bad], sender=owner)


def test_load_model__padding_feature_set(create, owner):
    """With 2 classes and 7 features, word 1 holds features 5 and 6: lanes 4-9 are padding."""
    model = SparseNearestCentroid(np.ones((2, 7), dtype=np.int64), np.array([1, 1]))
    contract = create(model, load=False)
    bad = model.packed_words()[1] | 1 << (24 * 4)
    with reverts_with(contract, "ModelWordMalformed", 1, bad):
        contract.loadModel(0, [model.packed_words()[0], bad], sender=owner)


def test_load_model__sum_above_count(unloaded, owner):
    """Word 4 holds features 12-14; (feature 13, class 2) is lane 5: a sum of 3 with 2 examples."""
    lane = 24 * 5
    bad = (WORDS[4] & ~((2**24 - 1) << lane)) | 3 << lane
    with reverts_with(unloaded, "FeatureSumOutOfRange", 13, 2, 3, 0, 2):
        unloaded.loadModel(0, [*WORDS[:4], bad], sender=owner)


def test_load_model__sums_at_the_count(create, owner):
    """Every sum equal to its class's count is allowed: the largest norm."""
    model = SparseNearestCentroid(np.full((2, 5), 2**24 - 1), np.array([2**24 - 1, 2**24 - 1]))
    contract = create(model)
    assert contract.sumSquaredNorm(1) == 5 * (2**24 - 1) ** 2 == model.norms[1]


def test_load_model__out_of_order_and_too_long(unloaded, owner):
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 0, 1):
        unloaded.loadModel(1, WORDS[1:2], sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 9, 8):
        unloaded.loadModel(0, [*WORDS, 0], sender=owner)


def test_load_model__not_owner(unloaded, attacker):
    with reverts_with(unloaded, "OwnableUnauthorizedAccount", attacker):
        unloaded.loadModel(0, WORDS, sender=attacker)


def test_load_model__after_ready(trainer, owner):
    with reverts_with(trainer, "ModelChunkTooLong", 9, 8):
        trainer.loadModel(8, [0], sender=owner)
    with reverts_with(trainer, "ModelChunkOutOfOrder", 8, 0):
        trainer.loadModel(0, WORDS, sender=owner)
    assert [trainer.sumSquaredNorm(c) for c in range(3)] == MODEL.norms


@pytest.mark.parametrize("features", [[1], []], ids=["features", "empty"])
def test_model_not_loaded(unloaded, owner, anyone, contributor, features):
    with reverts_with(unloaded, "ModelNotLoaded", 0, 8):
        unloaded.predict.transact(pack_indices(features), sender=anyone)
    unloaded.loadModel(0, WORDS[:7], sender=owner)
    with reverts_with(unloaded, "ModelNotLoaded", 7, 8):
        unloaded.predict.transact(pack_indices(features), sender=anyone)
    with reverts_with(unloaded, "ModelNotLoaded", 7, 8):
        unloaded.addData(pack_indices(features), 0, sender=contributor, value=unloaded.depositRequired())


def test_feature_sum__every_lane(trainer):
    assert [[trainer.featureSum(c, i) for i in range(24)] for c in range(3)] == MODEL.sums.tolist()


@pytest.mark.parametrize(
    "call, error",
    [
        (("featureSum", 3, 0), ("LabelOutOfRange", 3, 3)),
        (("featureSum", 0, 24), ("FeatureOutOfRange", 24, 24)),
        (("exampleCount", 3), ("LabelOutOfRange", 3, 3)),
        (("sumSquaredNorm", 255), ("LabelOutOfRange", 255, 3)),
    ],
)
def test_views__out_of_range(trainer, anyone, call, error):
    name, *args = call
    with reverts_with(trainer, *error):
        getattr(trainer, name).transact(*args, sender=anyone)
