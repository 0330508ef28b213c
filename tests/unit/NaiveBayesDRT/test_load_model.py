"""`loadModel(firstWord, words)` on `NaiveBayesDRT`: the owner stores the count words in order, in
chunks; each chunk's lanes are added to their classes' totals `N_c` (never trusted from outside), and
the last word's padding lanes must be zero (`ModelWordMalformed`). Until the last word, the model
refuses to predict or learn (`ModelNotLoaded`).

View reverts are checked on `.transact`: Ape decodes the custom error of a reverted transaction.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import load_model
from collabml.fixedpoint import ONE
from collabml.models.naive_bayes import MAX_COUNT, MAX_DOCUMENT_COUNT, MAX_FEATURE_COUNT, NaiveBayes

MODEL = NaiveBayes(
    np.arange(1, 40).reshape(13, 3).T * 1000 + np.array([[0], [1], [MAX_COUNT - 39_000]]), [5, 6, 7], ONE
)
"""13 features, 3 classes: 39 lanes in 3 words, the last with 7 lanes and 9 padding lanes. Lane
l = 3i + c holds (l + 1) * 1000 (+ 1 for class 1; class 2 near 2^16 - 1)."""


@pytest.fixture(scope="module")
def deploy(project, owner):
    def deploy(model=MODEL):
        params = DrtParams()
        return owner.deploy(
            project.NaiveBayesDRT,
            owner.address,
            *model.constructor_args(),
            params.cost_weight,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )

    return deploy


@pytest.fixture(scope="module")
def loaded(deploy, owner):
    contract = deploy()
    load_model(contract, owner, MODEL)
    return contract


@pytest.fixture
def unloaded(deploy):
    return deploy()


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(loaded):
    """Deploy the module's loaded trainer before its first test, so Ape's snapshots nest cleanly."""


def lane_totals(words, classes, upto):
    """The totals of the lanes of words[:upto], class by class (lane l belongs to class l % classes)."""
    totals = [0] * classes
    for w in range(upto):
        for k in range(16):
            totals[(16 * w + k) % classes] += (words[w] >> (16 * k)) & 0xFFFF
    return totals


def test_load_model__totals_computed_chunk_by_chunk(unloaded, owner):
    words = MODEL.packed_words()
    assert MODEL.word_count == len(words) == 3

    first = unloaded.loadModel(0, words[:1], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=1, loadedWords=1)]
    assert [unloaded.classTotal(c) for c in range(3)] == lane_totals(words, 3, 1)
    assert not unloaded.modelReady()

    unloaded.loadModel(1, words[1:], sender=owner)

    assert unloaded.modelReady()
    assert [unloaded.classTotal(c) for c in range(3)] == MODEL.totals == lane_totals(words, 3, 3)
    assert [unloaded.documentCount(c) for c in range(3)] == [5, 6, 7]
    assert list(unloaded.modelWords(0, 3)) == words
    for c in range(3):
        assert [unloaded.count(c, i) for i in range(13)] == MODEL.counts[c].tolist()


def test_load_model__read_back_as_mirror(loaded):
    again = TrainerClient(loaded, mirror=NaiveBayes).read_model()

    assert np.array_equal(again.counts, MODEL.counts)
    assert again.document_counts == MODEL.document_counts
    assert again.alpha == MODEL.alpha
    assert again.totals == MODEL.totals


def test_load_model__resume_after_interruption(unloaded, owner, chain):
    unloaded.loadModel(0, MODEL.packed_words()[:1], sender=owner)
    start_block = chain.blocks.height + 1

    gas = load_model(unloaded, owner, MODEL, chunk_words=1)

    assert len(gas) == 2
    assert list(unloaded.ModelChunkLoaded.range(start_block, chain.blocks.height + 1)) == [
        unloaded.ModelChunkLoaded(firstWord=1, wordCount=1, loadedWords=2),
        unloaded.ModelChunkLoaded(firstWord=2, wordCount=1, loadedWords=3),
    ]
    assert [unloaded.classTotal(c) for c in range(3)] == MODEL.totals


@pytest.mark.parametrize("lane", [7, 8, 15])
def test_load_model__padding_lane_set(unloaded, owner, lane):
    words = MODEL.packed_words()
    bad = words[2] | (1 << (16 * lane))
    unloaded.loadModel(0, words[:2], sender=owner)

    with reverts_with(unloaded, "ModelWordMalformed", 2, bad):
        unloaded.loadModel(2, [bad], sender=owner)

    assert unloaded.loadedWords() == 2
    assert [unloaded.classTotal(c) for c in range(3)] == lane_totals(words, 3, 2)


def test_load_model__padding_checked_in_a_longer_chunk(unloaded, owner):
    words = MODEL.packed_words()
    bad = words[2] | (1 << 255)
    with reverts_with(unloaded, "ModelWordMalformed", 2, bad):
        unloaded.loadModel(0, [*words[:2], bad], sender=owner)
    assert unloaded.loadedWords() == 0


def test_load_model__full_last_word(deploy, owner):
    """8 features x 2 classes fill one word exactly: every lane is a count, none is padding."""
    model = NaiveBayes(np.full((2, 8), MAX_COUNT), [1, 1])
    contract = deploy(model)

    contract.loadModel(0, model.packed_words(), sender=owner)

    assert model.packed_words() == [2**256 - 1]
    assert [contract.classTotal(c) for c in range(2)] == [8 * MAX_COUNT] * 2


@pytest.mark.parametrize("loaded_words, given", [(0, 1), (1, 0), (1, 2)])
def test_load_model__out_of_order(unloaded, owner, loaded_words, given):
    words = MODEL.packed_words()
    if loaded_words:
        unloaded.loadModel(0, words[:loaded_words], sender=owner)

    with reverts_with(unloaded, "ModelChunkOutOfOrder", loaded_words, given):
        unloaded.loadModel(given, words[given : given + 1], sender=owner)


def test_load_model__too_long(unloaded, owner):
    with reverts_with(unloaded, "ModelChunkTooLong", 4, 3):
        unloaded.loadModel(0, [*MODEL.packed_words(), 0], sender=owner)


def test_load_model__after_ready(loaded, owner):
    with reverts_with(loaded, "ModelChunkTooLong", 4, 3):
        loaded.loadModel(3, [0], sender=owner)
    with reverts_with(loaded, "ModelChunkOutOfOrder", 3, 0):
        loaded.loadModel(0, MODEL.packed_words(), sender=owner)
    assert [loaded.classTotal(c) for c in range(3)] == MODEL.totals


def test_load_model__not_owner(unloaded, attacker):
    with reverts_with(unloaded, "OwnableUnauthorizedAccount", attacker):
        unloaded.loadModel(0, MODEL.packed_words(), sender=attacker)


@pytest.mark.parametrize("loaded_words", [0, 2])
def test_model_not_loaded(unloaded, owner, contributor, anyone, loaded_words):
    if loaded_words:
        unloaded.loadModel(0, MODEL.packed_words()[:loaded_words], sender=owner)
    features = NaiveBayes.pack(((1, 1),))
    with reverts_with(unloaded, "ModelNotLoaded", loaded_words, 3):
        unloaded.predict.transact(features, sender=anyone)
    with reverts_with(unloaded, "ModelNotLoaded", loaded_words, 3):
        unloaded.scores.transact(b"\x00", sender=anyone)  # before the features are checked
    with reverts_with(unloaded, "ModelNotLoaded", loaded_words, 3):
        unloaded.addData(features, 0, sender=contributor, value=unloaded.depositRequired())
    assert unloaded.contributionCount() == 0


def test_load_model__largest_totals_keep_to_their_fields(deploy, owner, contributor):
    """The largest model: 65,536 features, class 0's lanes all full but one, so N_0 reaches
    65,536 * (2^16 - 1) < 2^32 at the top of its 32-bit field in the hot word, next to class 1's
    document count at its bound; learning one more count fills N_0 exactly, and neither block nor
    the ready bit feels it."""
    counts = np.zeros((2, MAX_FEATURE_COUNT), dtype=np.int64)
    counts[0] = MAX_COUNT
    counts[0, 0] = MAX_COUNT - 1
    model = NaiveBayes(counts, [MAX_DOCUMENT_COUNT - 1, MAX_DOCUMENT_COUNT])
    contract = deploy(model)
    load_model(contract, owner, model)
    assert contract.modelReady()
    assert [contract.classTotal(c) for c in range(2)] == [MAX_FEATURE_COUNT * MAX_COUNT - 1, 0]

    contract.addData(NaiveBayes.pack(((0, 1),)), 0, sender=contributor, value=contract.depositRequired())

    assert [contract.classTotal(c) for c in range(2)] == [MAX_FEATURE_COUNT * MAX_COUNT, 0]
    assert MAX_FEATURE_COUNT * MAX_COUNT == 2**32 - 2**16
    assert [contract.documentCount(c) for c in range(2)] == [MAX_DOCUMENT_COUNT, MAX_DOCUMENT_COUNT]
    assert contract.modelReady() and contract.contributionCount() == 1
    with reverts_with(contract, "DocumentCountOverflow", 0, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT):
        contract.addData(b"", 0, sender=contributor, value=contract.depositRequired())
