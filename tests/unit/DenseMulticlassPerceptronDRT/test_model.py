"""`predict`, `scores`, `addData` and loading of `DenseMulticlassPerceptronDRT`:
`score_k = intercept_k * ONE + sum_f w_fk * x_f` (exact, scale ONE^2), argmax with ties to the lowest
class; on a mistake, classes `t` and `p` step by `+-(learningRate * x_f / ONE)` truncated toward zero."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import INT32_MAX, INT32_MIN, ONE
from collabml.models.multiclass_perceptron import MAX_FEATURE_VALUE, DenseMulticlassPerceptron

B = MAX_FEATURE_VALUE
MODEL = DenseMulticlassPerceptron(np.array([[1, 0, -1], [0, 2, 0], [-1, 1, 1]]) * ONE, [0, -ONE, ONE], ONE // 2)
"""3 features, 3 classes (4 lanes a feature), learning rate 0.5."""


def raw(*values: int) -> bytes:
    return struct.pack(f">{len(values)}i", *values)


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, DrtParams().mechanism()).contract


@pytest.fixture(scope="module")
def unloaded(project, owner):
    params = DrtParams()
    return owner.deploy(
        project.DenseMulticlassPerceptronDRT, owner.address, *MODEL.constructor_args(), params.cost_weight,
        params.refund_wait, params.owner_claim_wait, params.anyone_claim_wait,
    )


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, unloaded):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


def read(contract) -> DenseMulticlassPerceptron:
    return TrainerClient(contract, mirror=DenseMulticlassPerceptron).read_model()


@pytest.mark.parametrize(
    "x, scores, label",
    [
        ([0, 0, 0], [0, -1, 1], 2),
        ([1, 0, 0], [1, -1, 0], 0),
        ([0, 0.5, 0], [0, 0, 1], 2),
        ([0, 1, 0], [0, 1, 1], 1),  # tie: the lowest class
        ([2, 0, 1], [1, 0, 0], 0),
        ([-1, 0, 1], [-2, 0, 3], 2),
        ([100, -100, 0], [100, -201, -99], 0),
        ([0.000001, 0, 0], [0.000001, -1, 0.999999], 2),
    ],
)
def test_predict__known_scores(trainer, x, scores, label):
    features = [round(v * ONE) for v in x]
    expected = [round(s * 10**12) for s in scores]
    assert MODEL.scores(features) == expected
    assert list(trainer.scores(MODEL.pack(features))) == expected
    assert trainer.predict(MODEL.pack(features)) == label


@pytest.mark.parametrize(
    "features, error",
    [
        (b"", ("FeaturesMalformed", 0)),
        (raw(0, 0), ("FeaturesMalformed", 8)),
        (raw(0, 0, 0) + b"\x00", ("FeaturesMalformed", 13)),
        (raw(B + 1, 0, 0), ("FeatureValueOutOfRange", 0, B + 1, -B, B)),
        (raw(0, INT32_MIN, INT32_MAX), ("FeatureValueOutOfRange", 1, INT32_MIN, -B, B)),
        (raw(B, -B, -B - 1), ("FeatureValueOutOfRange", 2, -B - 1, -B, B)),
    ],
)
def test_predict__bad_features(trainer, contributor, features, error):
    name, *args = error
    with reverts_with(trainer, name, *args):
        trainer.predict.transact(features, sender=contributor)
    with reverts_with(trainer, name, *args):
        trainer.addData(features, 0, sender=contributor, value=trainer.depositRequired())


def test_add_data__truncates_toward_zero(trainer, contributor):
    """[3, -3, 1] (units of 1e-6) predicts 2; label 0: q = 0.5 * x truncated = [1, -1, 0]; class 0 gains q,
    class 2 loses it; intercepts 0 + 0.5, 1 - 0.5."""
    features = [3, -3, 1]
    assert MODEL.predict(features) == 2

    trainer.addData(MODEL.pack(features), 0, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert learned.weights.tolist() == [[ONE + 1, 0, -ONE - 1], [-1, 2 * ONE, 1], [-ONE, ONE, ONE]]
    assert list(learned.intercepts) == [ONE // 2, -ONE, ONE // 2]


def test_add_data__model_agrees(trainer, contributor):
    trainer.addData(MODEL.pack([ONE, 0, 0]), 0, sender=contributor, value=trainer.depositRequired())
    assert list(trainer.modelWords(0, MODEL.word_count)) == MODEL.packed_words()


def test_add_data__label_out_of_range(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 3, 3):
        trainer.addData(MODEL.pack([0, 0, 0]), 3, sender=contributor, value=trainer.depositRequired())


def test_load_model__chunks_and_not_loaded(unloaded, owner, contributor):
    words = MODEL.packed_words()
    assert unloaded.modelWordCount() == len(words) == 1 + 2
    with reverts_with(unloaded, "ModelNotLoaded", 0, 3):
        unloaded.predict.transact(MODEL.pack([0, 0, 0]), sender=contributor)

    receipt = unloaded.loadModel(0, words[:1], sender=owner)
    assert receipt.events == [unloaded.ModelChunkLoaded(firstWord=0, wordCount=1, loadedWords=1)]
    with reverts_with(unloaded, "ModelNotLoaded", 1, 3):
        unloaded.addData(MODEL.pack([0, 0, 0]), 0, sender=contributor, value=unloaded.depositRequired())
    unloaded.loadModel(1, words[1:], sender=owner)

    assert list(unloaded.intercepts()) == [0, -ONE, ONE]
    assert unloaded.predict(MODEL.pack([ONE, 0, 0])) == 0
