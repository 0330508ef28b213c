"""`predict(bytes)` and `scores(bytes)` on `NaiveBayesDRT`: features are (uint16 index, uint16 count)
pairs; the score of class c is ln D_c + sum x_i ln(n_ci + alpha) - |x| ln(N_c + alpha V) (scale 1e18),
the prediction the best score, ties to the lowest class, classes without documents never predicted.

Reverts are checked on `.transact`: Ape decodes the custom error of a reverted transaction, not that of
a reverted `eth_call` on Anvil.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.models.naive_bayes import MAX_VALUE, NO_SCORE, NaiveBayes

SMALL = NaiveBayes(np.array([[1, 0, 2], [0, 3, 1]]), [2, 3], ONE)
"""3 features, 2 classes: D = (2, 3), N = (3, 4), alpha 1, so N_c + alpha V = 6 and 7."""
TIED = NaiveBayes(np.array([[1, 2], [0, 0], [1, 2]]), [4, 0, 4])
"""Classes 0 and 2 identical, class 1 without documents."""
EMPTY = NaiveBayes(np.zeros((3, 2), dtype=np.int64), [0, 0, 0])
WIDE = NaiveBayes(np.random.default_rng(4).integers(0, 40, size=(10, 13)), list(range(1, 11)), 250_000)
"""10 classes over 13 features (130 lanes, 9 words): a feature's lanes straddle words."""


def raw(*pairs: tuple[int, int]) -> bytes:
    """Packed pairs without `pack_counts`' checks, to send what the contract must reject."""
    return b"".join(struct.pack(">HH", i, v) for i, v in pairs)


@pytest.fixture(scope="module", autouse=True)
def trainers(project, owner):
    mechanism = DrtParams().mechanism()
    return {
        name: deploy_drt_trainer(project, owner, model, mechanism).contract
        for name, model in (("small", SMALL), ("tied", TIED), ("empty", EMPTY), ("wide", WIDE))
    }


@pytest.mark.parametrize(
    "features, label",
    [
        ((), 1),  # the priors: ln 2 < ln 3
        (((0, 1),), 0),  # ln(2 * 2 / 6) > ln(3 * 1 / 7)
        (((1, 2),), 1),  # ln(2 / 36) < ln(3 * 16 / 49)
        (((0, 1), (2, 1)), 0),  # ln(1 / 3) > ln(6 / 49)
        (((2, 3),), 0),  # ln(2 * 27 / 216) > ln(3 * 8 / 343): the powering path
        (((0, 2), (1, 1), (2, 5)), 0),
        (((0, MAX_VALUE), (1, MAX_VALUE), (2, MAX_VALUE)), 0),  # (1 / 36)^65535 > (8 / 343)^65535
    ],
)
def test_predict__hand_computed(trainers, features, label):
    packed = NaiveBayes.pack(features)
    assert list(trainers["small"].scores(packed)) == SMALL.scores(features)
    assert trainers["small"].predict(packed) == SMALL.predict(features) == label


def test_scores__priors_are_floored_logarithms(trainers):
    assert list(trainers["small"].scores(b"")) == [693_147_180_559_945_309, 1_098_612_288_668_109_691]


@pytest.mark.parametrize("features", [(), ((0, 1),), ((0, 3), (1, 9))])
def test_predict__tie_to_the_lowest_class(trainers, features):
    scores = list(trainers["tied"].scores(NaiveBayes.pack(features)))
    assert scores[0] == scores[2] and scores[1] == NO_SCORE
    assert trainers["tied"].predict(NaiveBayes.pack(features)) == 0


def test_predict__no_class_has_documents(trainers):
    assert list(trainers["empty"].scores(NaiveBayes.pack(((1, 4),)))) == [NO_SCORE] * 3
    assert trainers["empty"].predict(NaiveBayes.pack(((1, 4),))) == 0


def test_predict__ten_classes_across_words(trainers):
    rng = np.random.default_rng(5)
    for _ in range(25):
        indices = sorted(rng.choice(13, size=rng.integers(0, 14), replace=False).tolist())
        features = tuple((i, int(rng.integers(1, 20))) for i in indices)
        packed = NaiveBayes.pack(features)
        assert list(trainers["wide"].scores(packed)) == WIDE.scores(features)
        assert trainers["wide"].predict(packed) == WIDE.predict(features)


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00", ("FeaturesMalformed", 1)),
        (b"\x00\x01", ("FeaturesMalformed", 2)),
        (raw((0, 1)) + b"\x00\x02\x00", ("FeaturesMalformed", 7)),
        (raw((0, 1), (0, 1)), ("FeaturesNotSorted", 1, 0, 0)),
        (raw((2, 1), (1, 1)), ("FeaturesNotSorted", 1, 2, 1)),
        (raw((0, 1), (1, 1), (1, 2)), ("FeaturesNotSorted", 2, 1, 1)),
        (raw((3, 1)), ("FeatureOutOfRange", 3, 3)),
        (raw((0, 1), (2**16 - 1, 1)), ("FeatureOutOfRange", 2**16 - 1, 3)),
        (raw((0, 0)), ("FeatureValueOutOfRange", 0, 0, 1, MAX_VALUE)),
        (raw((0, 1), (2, 0)), ("FeatureValueOutOfRange", 1, 0, 1, MAX_VALUE)),
        (raw((2, 0), (1, 1)), ("FeatureValueOutOfRange", 0, 0, 1, MAX_VALUE)),
        (raw((1, 1), (0, 0)), ("FeaturesNotSorted", 1, 1, 0)),
        (raw((5, 0)), ("FeatureOutOfRange", 5, 3)),
        (raw((3, 1), (1, 1)), ("FeatureOutOfRange", 3, 3)),
        (raw((0, 1), (4, 1), (5, 1)), ("FeatureOutOfRange", 4, 3)),
        (raw((4, 1), (4, 1)), ("FeatureOutOfRange", 4, 3)),
    ],
    ids=[
        "one_byte",
        "half_pair",
        "odd_tail",
        "repeated",
        "descending",
        "repeated_later",
        "out_of_range",
        "largest_index",
        "zero_count",
        "zero_count_later",
        "zero_before_unsorted",
        "unsorted_before_zero",
        "range_before_zero",
        "range_before_unsorted",  # the loop checks the range once, on the last index
        "range_in_the_middle",
        "range_before_repeat",
    ],
)
def test_predict__bad_features(trainers, anyone, features, error):
    name, *args = error
    trainer = trainers["small"]
    with reverts_with(trainer, name, *args):
        trainer.predict.transact(features, sender=anyone)
    with reverts_with(trainer, name, *args):
        trainer.scores.transact(features, sender=anyone)
