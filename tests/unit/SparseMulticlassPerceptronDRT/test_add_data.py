"""`addData(bytes, uint8)` on `SparseMulticlassPerceptronDRT`: when the prediction `p` is not the label
`t`, class `t`'s weights of the present features and its intercept gain `learningRate`, class `p`'s
lose it (saturating at int32 / int64); nothing else changes. A right prediction changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_indices
from collabml.fixedpoint import INT32_MAX, INT32_MIN, INT64_MIN, ONE
from collabml.models.multiclass_perceptron import SparseMulticlassPerceptron

TABLE = SparseMulticlassPerceptron(
    np.array([[1, 0, -1], [0, 2, 0], [-1, 1, 1], [3, -3, 0], [0, 0, 2]]) * ONE, [0, -ONE, ONE]
)
WIDE = SparseMulticlassPerceptron(
    np.random.default_rng(8).integers(-2 * ONE, 2 * ONE, size=(12, 10)), [0] * 10, learning_rate=ONE // 4
)
"""12 features, 10 classes: updates touch lanes that straddle words."""
EDGES = SparseMulticlassPerceptron(
    np.array([[INT32_MAX - 1, INT32_MIN + 1, 0], [0, 0, 0]]), [INT64_MIN + 3] * 3, learning_rate=INT32_MAX
)


@pytest.fixture(scope="module", autouse=True)
def trainers(project, owner):
    mechanism = DrtParams().mechanism()
    return {name: deploy_drt_trainer(project, owner, model, mechanism).contract for name, model in
            (("table", TABLE), ("wide", WIDE), ("edges", EDGES))}


def read(contract) -> SparseMulticlassPerceptron:
    return TrainerClient(contract, mirror=SparseMulticlassPerceptron).read_model()


def test_add_data__model_agrees(trainers, contributor, chain):
    trainer = trainers["table"]
    required = trainer.depositRequired()

    receipt = trainer.addData(pack_indices([2]), 2, sender=contributor, value=required)

    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=2, addedTime=chain.blocks.head.timestamp, deposit=required,
            features=pack_indices([2]),
        )
    ]
    assert list(trainer.modelWords(0, TABLE.word_count)) == TABLE.packed_words()


def test_add_data__updates_two_classes(trainers, contributor):
    """(1,) predicts 1 (tie with 2); label 2: feature 1's class-2 weight +1, class-1 weight -1, and
    the intercepts of 2 and 1 likewise; classes 0 and the other features unchanged."""
    trainer = trainers["table"]

    trainer.addData(pack_indices([1]), 2, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert learned.weights.tolist() == (
        np.array([[1, 0, -1], [0, 1, 1], [-1, 1, 1], [3, -3, 0], [0, 0, 2]]) * ONE
    ).tolist()
    assert list(learned.intercepts) == list(trainer.intercepts()) == [0, -2 * ONE, 2 * ONE]
    assert trainer.predict(pack_indices([1])) == 2


def test_add_data__label_below_prediction(trainers, contributor):
    """(3, 4) predicts 0 (a tie with 2); labelled 1: class 1 up, class 0 down on features 3 and 4."""
    trainer = trainers["table"]
    trainer.addData(pack_indices([3, 4]), 1, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert learned.weights[3].tolist() == [2 * ONE, -2 * ONE, 0]
    assert learned.weights[4].tolist() == [-ONE, ONE, 2 * ONE]
    assert list(learned.intercepts) == [-ONE, 0, ONE]


def test_add_data__straddling_lanes(trainers, contributor):
    trainer = trainers["wide"]
    expected = WIDE.copy()
    for features, label in [((0, 1, 5, 11), 9), ((2, 3), 0), ((4, 6, 7, 8, 9, 10), 5), ((0, 1, 5, 11), 3)]:
        expected.update(features, label)
        trainer.addData(pack_indices(features), label, sender=contributor, value=trainer.depositRequired())
    learned = read(trainer)
    assert np.array_equal(learned.weights, expected.weights)
    assert list(learned.intercepts) == list(expected.intercepts)
    assert not np.array_equal(learned.weights, WIDE.weights)


def test_add_data__intercept_saturates_at_int64(trainers, contributor):
    """(0,) predicts 0; label 1 moves feature 0's class-0 weight to -1 and class-1 weight to 0, and the
    class-0 intercept, INT64_MIN + 3 - INT32_MAX, saturates at INT64_MIN."""
    trainer = trainers["edges"]
    assert EDGES.predict((0,)) == 0

    trainer.addData(pack_indices([0]), 1, sender=contributor, value=trainer.depositRequired())

    learned = read(trainer)
    assert learned.weights.tolist() == [[-1, 0, 0], [0, 0, 0]]
    assert list(learned.intercepts) == [INT64_MIN, INT64_MIN + 3 + INT32_MAX, INT64_MIN + 3]

    # Class 1 now leads on (0, 1); label 2 moves classes 2 (up) and 1 (down) on both features.
    trainer.addData(pack_indices([0, 1]), 2, sender=contributor, value=trainer.depositRequired())

    final = read(trainer)
    assert final.weights.tolist() == [[-1, -INT32_MAX, INT32_MAX], [0, -INT32_MAX, INT32_MAX]]
    assert list(final.intercepts) == [INT64_MIN, INT64_MIN + 3, INT64_MIN + 3 + INT32_MAX]


def test_add_data__weights_saturate_at_int32(project, owner, contributor):
    """Class 1's large intercept wins on (0,) twice; label 0 pushes feature 0's class-0 weight past
    INT32_MAX (saturates at once) and its class-1 weight to -INT32_MAX, then past INT32_MIN."""
    model = SparseMulticlassPerceptron(np.array([[INT32_MAX - 5, 0]]), [0, 10**12], learning_rate=INT32_MAX)
    contract = deploy_drt_trainer(project, owner, model, DrtParams().mechanism()).contract

    contract.addData(pack_indices([0]), 0, sender=contributor, value=contract.depositRequired())
    assert read(contract).weights.tolist() == [[INT32_MAX, -INT32_MAX]]
    contract.addData(pack_indices([0]), 0, sender=contributor, value=contract.depositRequired())

    learned = read(contract)
    assert learned.weights.tolist() == [[INT32_MAX, INT32_MIN]]
    assert list(learned.intercepts) == [2 * INT32_MAX, 10**12 - 2 * INT32_MAX]
    assert model.fit_online([(0,), (0,)], [0, 0]) == 2
    assert np.array_equal(model.weights, learned.weights)


def test_add_data__label_out_of_range(trainers, contributor):
    trainer = trainers["table"]
    for label in (3, 255):
        with reverts_with(trainer, "LabelOutOfRange", label, 3):
            trainer.addData(pack_indices([1]), label, sender=contributor, value=trainer.depositRequired())


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00\x01\x00", ("FeaturesMalformed", 3)),
        (pack_indices([4]) + pack_indices([4]), ("FeaturesNotSorted", 1, 4, 4)),
        (pack_indices([5]), ("FeatureOutOfRange", 5, 5)),
    ],
)
def test_add_data__bad_features(trainers, contributor, features, error):
    trainer = trainers["table"]
    name, *args = error
    with reverts_with(trainer, name, *args):
        trainer.addData(features, 0, sender=contributor, value=trainer.depositRequired())
    assert trainer.contributionCount() == 0
