"""`loadModel(firstWord, words)` of `DenseNearestCentroidDRT`: the owner stores the fixed-point
feature sums (class-major, six signed 42-bit lanes a word) in ordered chunks; each chunk is checked
(`ModelWordMalformed`, `FeatureSumOutOfRange`) and adds the squares of its sums to each class's
`sumSquaredNorm`, which is never given, only computed.

View reverts are checked on `.transact` (Ape decodes a reverted transaction's custom error, not a
reverted `eth_call`'s).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer, load_model
from collabml.encoding import pack_dense
from collabml.fixedpoint import ONE
from collabml.models.nearest_centroid import DENSE_MAX_EXAMPLE_COUNT, DenseNearestCentroid

PARAMS = DrtParams()
# 3 classes, 14 features: 3 words a class (6 + 6 + 2 lanes), 9 words.
RNG = np.random.default_rng(9)
COUNTS = np.array([3, 1, 5])
MODEL = DenseNearestCentroid(np.array([RNG.integers(-n * ONE, n * ONE + 1, size=14) for n in COUNTS]), COUNTS)
WORDS = MODEL.packed_words()
MASK = (1 << 42) - 1


@pytest.fixture(scope="module")
def create(project, owner):
    def create(model=MODEL, load=True):
        if load:
            return deploy_drt_trainer(project, owner, model, PARAMS.mechanism()).contract
        return owner.deploy(
            project.DenseNearestCentroidDRT,
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
    first = unloaded.loadModel(0, WORDS[:4], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=4, loadedWords=4)]
    assert not unloaded.modelReady()
    # Words 0-2 are class 0, word 3 the first six sums of class 1.
    assert unloaded.sumSquaredNorm(0) == MODEL.norms[0]
    assert unloaded.sumSquaredNorm(1) == sum(int(s) ** 2 for s in MODEL.sums[1, :6])
    assert unloaded.sumSquaredNorm(2) == 0

    second = unloaded.loadModel(4, WORDS[4:], sender=owner)

    assert second.events == [unloaded.ModelChunkLoaded(firstWord=4, wordCount=5, loadedWords=9)]
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, 9)) == WORDS
    assert [unloaded.sumSquaredNorm(c) for c in range(3)] == MODEL.norms
    values = [ONE // 2] * 14
    assert unloaded.predict(pack_dense(values)) == MODEL.predict(values)


def test_load_model__resume_after_interruption(unloaded, owner, chain):
    unloaded.loadModel(0, WORDS[:2], sender=owner)
    start_block = chain.blocks.height + 1

    gas = load_model(unloaded, owner, MODEL, chunk_words=4)

    assert len(gas) == 2
    assert list(unloaded.ModelChunkLoaded.range(start_block, chain.blocks.height + 1)) == [
        unloaded.ModelChunkLoaded(firstWord=2, wordCount=4, loadedWords=6),
        unloaded.ModelChunkLoaded(firstWord=6, wordCount=3, loadedWords=9),
    ]
    read = TrainerClient(unloaded, mirror=DenseNearestCentroid).read_model()
    assert np.array_equal(read.sums, MODEL.sums) and read.norms == MODEL.norms


def test_load_model__padding_lane_set(unloaded, owner):
    """Word 2 holds features 12 and 13 of class 0: lanes 2-5 are padding."""
    bad = WORDS[2] | 1 << (42 * 2)
    with reverts_with(unloaded, "ModelWordMalformed", 2, bad):
        unloaded.loadModel(0, [WORDS[0], WORDS[1], bad], sender=owner)
    assert unloaded.loadedWords() == 0 and unloaded.sumSquaredNorm(0) == 0


def test_load_model__top_bits_set(unloaded, owner):
    bad = WORDS[0] | 1 << 252
    with reverts_with(unloaded, "ModelWordMalformed", 0, bad):
        unloaded.loadModel(0, [bad], sender=owner)


@pytest.mark.parametrize("sum_", [ONE + 1, -ONE - 1, 2**41 - 1, -(2**41)])
def test_load_model__sum_beyond_count(unloaded, owner, sum_):
    """Word 3 is class 1's first word (one example: sums within +-ONE); (feature 4, class 1) is lane 4."""
    lane = 42 * 4
    bad = (WORDS[3] & ~(MASK << lane)) | (sum_ & MASK) << lane
    with reverts_with(unloaded, "FeatureSumOutOfRange", 4, 1, sum_, -ONE, ONE):
        unloaded.loadModel(0, [*WORDS[:3], bad], sender=owner)


def test_load_model__sums_at_the_bound(create):
    n = DENSE_MAX_EXAMPLE_COUNT
    model = DenseNearestCentroid(np.array([[n * ONE, -n * ONE, n * ONE], [-ONE, ONE, 0]]), np.array([n, 1]))
    contract = create(model)
    assert contract.sumSquaredNorm(0) == 3 * (n * ONE) ** 2 == model.norms[0]
    assert [contract.featureSum(0, i) for i in range(3)] == [n * ONE, -n * ONE, n * ONE]


def test_load_model__out_of_order_and_too_long(unloaded, owner, attacker):
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 0, 1):
        unloaded.loadModel(1, WORDS[1:2], sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 10, 9):
        unloaded.loadModel(0, [*WORDS, 0], sender=owner)
    with reverts_with(unloaded, "OwnableUnauthorizedAccount", attacker):
        unloaded.loadModel(0, WORDS, sender=attacker)


def test_model_not_loaded(unloaded, owner, anyone, contributor):
    values = pack_dense([0] * 14)
    with reverts_with(unloaded, "ModelNotLoaded", 0, 9):
        unloaded.predict.transact(values, sender=anyone)
    unloaded.loadModel(0, WORDS[:8], sender=owner)
    with reverts_with(unloaded, "ModelNotLoaded", 8, 9):
        unloaded.predict.transact(b"\x00", sender=anyone)  # checked before the features
    with reverts_with(unloaded, "ModelNotLoaded", 8, 9):
        unloaded.addData(values, 2, sender=contributor, value=unloaded.depositRequired())


def test_feature_sum__every_lane(trainer):
    assert [[trainer.featureSum(c, i) for i in range(14)] for c in range(3)] == MODEL.sums.tolist()


@pytest.mark.parametrize(
    "call, error",
    [
        (("featureSum", 3, 0), ("LabelOutOfRange", 3, 3)),
        (("featureSum", 0, 14), ("FeatureOutOfRange", 14, 14)),
        (("exampleCount", 3), ("LabelOutOfRange", 3, 3)),
        (("sumSquaredNorm", 7), ("LabelOutOfRange", 7, 3)),
    ],
)
def test_views__out_of_range(trainer, anyone, call, error):
    name, *args = call
    with reverts_with(trainer, *error):
        getattr(trainer, name).transact(*args, sender=anyone)
