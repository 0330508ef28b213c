"""`loadModel(firstWord, words)`: the owner stores the packed initial weights, in order, in chunks
that fit a block, until the model is ready; `modelWords(start, count)` reads them back.

View reverts are checked on `.transact`: Ape decodes the custom error of a reverted transaction, not
that of a reverted `eth_call` on Anvil.
"""

from __future__ import annotations

import pytest
from helpers import random_model, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DEFAULT_CHUNK_WORDS, load_model
from collabml.encoding import pack_indices
from collabml.fixedpoint import unpack_int16

BLOCK_GAS_LIMIT = 30_000_000
BIG_FEATURES = 20_000


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer):
    """Deploy the module's loaded trainer before its first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def unloaded(create_trainer, small_model):
    return create_trainer(small_model, load=False)


@pytest.fixture
def words(small_model) -> list[int]:
    return small_model.packed_words()


def test_load_model__in_order(unloaded, small_model, words, owner):
    first = unloaded.loadModel(0, words[:3], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=3, loadedWords=3)]
    assert unloaded.loadedWords() == 3
    assert not unloaded.modelReady()

    second = unloaded.loadModel(3, words[3:], sender=owner)

    assert second.events == [unloaded.ModelChunkLoaded(firstWord=3, wordCount=len(words) - 3, loadedWords=len(words))]
    assert unloaded.loadedWords() == unloaded.modelWordCount() == len(words)
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, len(words))) == words
    assert unpack_int16(unloaded.modelWords(0, len(words)), small_model.feature_count) == list(small_model.weights)
    assert unloaded.predict(pack_indices([1, 2, 3])) == small_model.predict([1, 2, 3])


def test_load_model__resume_after_interruption(unloaded, small_model, words, owner, chain):
    unloaded.loadModel(0, words[:1], sender=owner)
    start_block = chain.blocks.height + 1

    gas = load_model(unloaded, owner, small_model, chunk_words=2)

    chunks = [(first, len(words[first : first + 2])) for first in range(1, len(words), 2)]
    assert chunks == [(1, 2), (3, 1)]
    assert len(gas) == len(chunks)
    assert list(unloaded.ModelChunkLoaded.range(start_block, chain.blocks.height + 1)) == [
        unloaded.ModelChunkLoaded(firstWord=first, wordCount=count, loadedWords=first + count) for first, count in chunks
    ]
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, len(words))) == words


@pytest.mark.parametrize("loaded, given", [(0, 1), (3, 0), (3, 2), (3, 4)])
def test_load_model__out_of_order(unloaded, words, owner, loaded, given):
    if loaded:
        unloaded.loadModel(0, words[:loaded], sender=owner)

    with reverts_with(unloaded, "ModelChunkOutOfOrder", loaded, given):
        unloaded.loadModel(given, words[given : given + 1], sender=owner)

    assert unloaded.loadedWords() == loaded


@pytest.mark.parametrize("loaded", [0, 3])
def test_load_model__too_long(unloaded, words, owner, loaded):
    if loaded:
        unloaded.loadModel(0, words[:loaded], sender=owner)
    chunk = [*words[loaded:], 0]

    with reverts_with(unloaded, "ModelChunkTooLong", len(words) + 1, len(words)):
        unloaded.loadModel(loaded, chunk, sender=owner)

    assert unloaded.loadedWords() == loaded


def test_load_model__not_owner(unloaded, words, attacker):
    with reverts_with(unloaded, "OwnableUnauthorizedAccount", attacker):
        unloaded.loadModel(0, words, sender=attacker)

    assert unloaded.loadedWords() == 0


def test_load_model__after_ready(trainer, words, owner):
    """A ready model's weights change only by learning: no chunk fits after the last word, none before."""
    with reverts_with(trainer, "ModelChunkTooLong", len(words) + 1, len(words)):
        trainer.loadModel(len(words), [words[0]], sender=owner)
    with reverts_with(trainer, "ModelChunkOutOfOrder", len(words), 0):
        trainer.loadModel(0, words, sender=owner)

    assert list(trainer.modelWords(0, len(words))) == words


@pytest.mark.parametrize("start, count", [(0, 4), (1, 2), (3, 1), (4, 0), (0, 0)])
def test_model_words__ranges(trainer, words, start, count):
    assert list(trainer.modelWords(start, count)) == words[start : start + count]


def test_model_words__partly_loaded(unloaded, words, owner):
    unloaded.loadModel(0, words[:3], sender=owner)

    assert list(unloaded.modelWords(0, len(words))) == words[:3] + [0] * (len(words) - 3)


@pytest.mark.parametrize("start, count", [(0, 5), (4, 1), (2, 3)])
def test_model_words__too_long(trainer, words, anyone, start, count):
    with reverts_with(trainer, "ModelChunkTooLong", start + count, len(words)):
        trainer.modelWords.transact(start, count, sender=anyone)


def test_model_words__range_wraps(trainer, words, anyone):
    """`start + count` past 2^256 wraps; the range is still refused by name, not by a panic."""
    with reverts_with(trainer, "ModelChunkTooLong", 1, len(words)):
        trainer.modelWords.transact(2**256 - 1, 2, sender=anyone)


def test_load_model__ten_thousand_features(create_trainer, owner, chain):
    """20,000 features are 1,250 words, in chunks of 800: two transactions, each well inside a 30M gas block."""
    model = random_model(BIG_FEATURES, seed=1)
    contract = create_trainer(model, load=False)
    start_block = chain.blocks.height + 1

    gas = load_model(contract, owner, model)

    assert contract.modelWordCount() == model.word_count == 1_250
    assert len(gas) == 2
    assert all(g < BLOCK_GAS_LIMIT for g in gas)
    assert list(contract.ModelChunkLoaded.range(start_block, chain.blocks.height + 1)) == [
        contract.ModelChunkLoaded(firstWord=0, wordCount=DEFAULT_CHUNK_WORDS, loadedWords=DEFAULT_CHUNK_WORDS),
        contract.ModelChunkLoaded(
            firstWord=DEFAULT_CHUNK_WORDS,
            wordCount=model.word_count - DEFAULT_CHUNK_WORDS,
            loadedWords=model.word_count,
        ),
    ]
    assert contract.modelReady()
    read = TrainerClient(contract).read_model()
    assert list(read.weights) == list(model.weights)
    for features in [(), (0, 1, 2), (19_992, 19_999), tuple(range(0, BIG_FEATURES, 97))]:
        assert contract.predict(pack_indices(features)) == model.predict(features)
