"""`loadModel(firstWord, words)` of `DensePerceptronDRT`: ordered, resumable chunks of packed int32
weights; until the last word, `predict`, `score` and `addData` revert with `ModelNotLoaded`."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import load_model
from collabml.fixedpoint import ONE
from collabml.models.dense_perceptron import DensePerceptron

MODEL = DensePerceptron(np.random.default_rng(3).integers(-5 * ONE, 5 * ONE, size=45), intercept=ONE)
"""45 features: 6 words, the last with 5 weights."""
X = [int(v) for v in np.random.default_rng(4).integers(-2 * ONE, 2 * ONE, size=45)]


@pytest.fixture(scope="module")
def unloaded(project, owner):
    params = DrtParams()
    return owner.deploy(
        project.DensePerceptronDRT,
        owner.address,
        *MODEL.constructor_args(),
        params.cost_weight,
        params.refund_wait,
        params.owner_claim_wait,
        params.anyone_claim_wait,
    )


def test_load_model__in_chunks(unloaded, owner):
    words = MODEL.packed_words()

    first = unloaded.loadModel(0, words[:4], sender=owner)

    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=4, loadedWords=4)]
    assert not unloaded.modelReady()

    second = unloaded.loadModel(4, words[4:], sender=owner)

    assert second.events == [unloaded.ModelChunkLoaded(firstWord=4, wordCount=2, loadedWords=6)]
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, 6)) == words
    read = TrainerClient(unloaded, mirror=DensePerceptron).read_model()
    assert list(read.weights) == list(MODEL.weights)
    assert (read.intercept, read.learning_rate) == (MODEL.intercept, MODEL.learning_rate)
    assert unloaded.score(MODEL.pack(X)) == MODEL.score(X)
    assert unloaded.predict(MODEL.pack(X)) == MODEL.predict(X)


def test_load_model__resume(unloaded, owner):
    unloaded.loadModel(0, MODEL.packed_words()[:3], sender=owner)

    gas = load_model(unloaded, owner, MODEL, chunk_words=2)

    assert len(gas) == 2  # words 3-4, then 5
    assert unloaded.modelReady()
    assert list(unloaded.modelWords(0, 6)) == MODEL.packed_words()


def test_load_model__out_of_order(unloaded, owner):
    unloaded.loadModel(0, MODEL.packed_words()[:3], sender=owner)
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 3, 2):
        unloaded.loadModel(2, MODEL.packed_words()[2:], sender=owner)


def test_load_model__too_long(unloaded, owner):
    with reverts_with(unloaded, "ModelChunkTooLong", 7, 6):
        unloaded.loadModel(0, [*MODEL.packed_words(), 0], sender=owner)


@pytest.mark.parametrize("loaded", [0, 5])
def test_model_not_loaded(unloaded, owner, contributor, loaded):
    if loaded:
        unloaded.loadModel(0, MODEL.packed_words()[:loaded], sender=owner)
    packed = MODEL.pack(X)

    with reverts_with(unloaded, "ModelNotLoaded", loaded, 6):
        unloaded.predict.transact(packed, sender=contributor)
    with reverts_with(unloaded, "ModelNotLoaded", loaded, 6):
        unloaded.score.transact(packed, sender=contributor)
    with reverts_with(unloaded, "ModelNotLoaded", loaded, 6):
        unloaded.addData(packed, 1, sender=contributor, value=unloaded.depositRequired())


def test_model_not_loaded__before_feature_errors(unloaded, contributor):
    """Readiness is checked first: malformed features still say ModelNotLoaded."""
    with reverts_with(unloaded, "ModelNotLoaded", 0, 6):
        unloaded.predict.transact(b"\x00" * 3, sender=contributor)
