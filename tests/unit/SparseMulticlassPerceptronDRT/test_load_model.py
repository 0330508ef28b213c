"""`loadModel` of `SparseMulticlassPerceptronDRT`: intercept words first, then the feature-major weight
words, in ordered, resumable chunks; until the last word every model call reverts with `ModelNotLoaded`."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import load_model
from collabml.encoding import pack_indices
from collabml.fixedpoint import ONE
from collabml.models.multiclass_perceptron import SparseMulticlassPerceptron

MODEL = SparseMulticlassPerceptron(
    np.random.default_rng(7).integers(-3 * ONE, 3 * ONE, size=(20, 10)), [k * ONE - 5 * ONE for k in range(10)]
)
"""20 features, 10 classes: 3 intercept words and 25 weight words."""
FEATURES = (0, 3, 4, 11, 19)


@pytest.fixture(scope="module")
def unloaded(project, owner):
    params = DrtParams()
    return owner.deploy(
        project.SparseMulticlassPerceptronDRT,
        owner.address,
        *MODEL.constructor_args(),
        params.cost_weight,
        params.refund_wait,
        params.owner_claim_wait,
        params.anyone_claim_wait,
    )


def test_load_model__words(unloaded):
    assert unloaded.modelWordCount() == MODEL.word_count == 3 + 25


def test_load_model__in_chunks(unloaded, owner):
    words = MODEL.packed_words()

    first = unloaded.loadModel(0, words[:2], sender=owner)
    assert first.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=2, loadedWords=2)]
    second = unloaded.loadModel(2, words[2:], sender=owner)
    assert second.events == [unloaded.ModelChunkLoaded(firstWord=2, wordCount=26, loadedWords=28)]

    assert unloaded.modelReady()
    assert list(unloaded.intercepts()) == list(MODEL.intercepts)
    read = TrainerClient(unloaded, mirror=SparseMulticlassPerceptron).read_model()
    assert np.array_equal(read.weights, MODEL.weights) and list(read.intercepts) == list(MODEL.intercepts)
    assert list(unloaded.scores(pack_indices(FEATURES))) == MODEL.scores(FEATURES)
    assert unloaded.predict(pack_indices(FEATURES)) == MODEL.predict(FEATURES)


def test_load_model__resume(unloaded, owner):
    unloaded.loadModel(0, MODEL.packed_words()[:5], sender=owner)

    gas = load_model(unloaded, owner, MODEL, chunk_words=10)

    assert len(gas) == 3  # words 5-14, 15-24, 25-27
    assert list(unloaded.modelWords(0, 28)) == MODEL.packed_words()


def test_load_model__out_of_order_and_too_long(unloaded, owner):
    with reverts_with(unloaded, "ModelChunkOutOfOrder", 0, 1):
        unloaded.loadModel(1, MODEL.packed_words()[1:], sender=owner)
    with reverts_with(unloaded, "ModelChunkTooLong", 29, 28):
        unloaded.loadModel(0, [*MODEL.packed_words(), 0], sender=owner)


@pytest.mark.parametrize("loaded", [0, 3, 27])
def test_model_not_loaded(unloaded, owner, contributor, loaded):
    if loaded:
        unloaded.loadModel(0, MODEL.packed_words()[:loaded], sender=owner)
    packed = pack_indices(FEATURES)

    for call in (unloaded.predict, unloaded.scores):
        with reverts_with(unloaded, "ModelNotLoaded", loaded, 28):
            call.transact(packed, sender=contributor)
    with reverts_with(unloaded, "ModelNotLoaded", loaded, 28):
        unloaded.intercepts.transact(sender=contributor)
    with reverts_with(unloaded, "ModelNotLoaded", loaded, 28):
        unloaded.addData(packed, 1, sender=contributor, value=unloaded.depositRequired())


def test_model_not_loaded__before_feature_errors(unloaded, contributor):
    with reverts_with(unloaded, "ModelNotLoaded", 0, 28):
        unloaded.predict.transact(b"\x00", sender=contributor)
