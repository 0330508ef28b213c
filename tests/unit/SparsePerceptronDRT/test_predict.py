"""`predict(bytes features)`: class 1 iff `intercept + sum of the present features' weights > 0`.

Reverts are checked on `predict.transact`: Ape decodes the custom error of a reverted transaction,
but not of a reverted `eth_call` on Anvil (the revert data is lost in the error message), where
`ape.reverts` would pass whatever the error.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import SMALL_FEATURES, reverts_with

from collabml.encoding import pack_indices
from collabml.fixedpoint import INT16_MAX, INT16_MIN
from collabml.models.perceptron import SparsePerceptron

ALTERNATING = SparsePerceptron(np.array([(-1) ** i * (i + 1) for i in range(20)]), intercept=0)
"""Weights 1, -2, 3, -4, ..., -20, intercept 0: twenty features, two words, the second mostly empty."""

LANE_EDGES = SparsePerceptron(np.array([INT16_MIN, INT16_MAX, -1, 1] + [0] * 12 + [INT16_MIN]), intercept=-INT16_MIN)
"""The extreme and the smallest weights of a lane, to catch sign-extension and masking errors."""


def raw(*indices: int) -> bytes:
    """Packed features without `pack_indices`' checks, to send what the contract must reject."""
    return struct.pack(f">{len(indices)}H", *indices)


@pytest.fixture(scope="module")
def alternating(create_trainer):
    return create_trainer(ALTERNATING)


@pytest.fixture(scope="module")
def lane_edges(create_trainer):
    return create_trainer(LANE_EDGES)


@pytest.fixture(scope="module")
def unloaded(create_trainer, small_model):
    return create_trainer(small_model, load=False)


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, alternating, lane_edges, unloaded):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


KNOWN_SETS = {
    "empty": (),
    "first": (0,),
    "last": (SMALL_FEATURES - 1,),
    "one_word": tuple(range(16)),
    "sharing_a_word": (17, 19, 22),
    "spanning_words": (14, 15, 16, 17),
    "one_per_word": tuple(range(0, SMALL_FEATURES, 9)),
    "two_words_apart": (3, 4, 40, 41),
    "all": tuple(range(SMALL_FEATURES)),
    "all_even": tuple(range(0, SMALL_FEATURES, 2)),
}


def test_predict__known_sets_cover_both_classes(small_model):
    assert {small_model.predict(features) for features in KNOWN_SETS.values()} == {0, 1}


@pytest.mark.parametrize("features", KNOWN_SETS.values(), ids=KNOWN_SETS.keys())
def test_predict__known_sets(trainer, small_model, features):
    assert trainer.predict(pack_indices(features)) == small_model.predict(features)


def test_predict__random_sets(trainer, small_model):
    rng = np.random.default_rng(1)
    for size in rng.integers(0, SMALL_FEATURES + 1, size=40):
        features = tuple(sorted(int(i) for i in rng.choice(SMALL_FEATURES, size=size, replace=False)))
        assert trainer.predict(pack_indices(features)) == small_model.predict(features), features


@pytest.mark.parametrize(
    "features, score",
    [
        ((), 0),
        ((0,), 1),
        ((1,), -2),
        ((0, 1), -1),
        ((0, 2), 4),
        ((0, 2, 3), 0),  # a zero score is class 0
        ((2, 3, 4), 4),
        ((15, 16), 1),  # across the two words
        ((16, 17), -1),
        ((17, 18), 1),
        (tuple(range(20)), -10),
    ],
)
def test_predict__alternating_weights(alternating, features, score):
    assert ALTERNATING.score(features) == score
    assert alternating.predict(pack_indices(features)) == (1 if score > 0 else 0)


@pytest.mark.parametrize(
    "features, score",
    [
        ((), 2**15),
        ((0,), 0),
        ((1,), 2**16 - 1),
        ((2,), 2**15 - 1),
        ((0, 2), -1),
        ((0, 3), 1),
        ((0, 16), -(2**15)),
        ((1, 3), 2**16),
        ((0, 1, 2, 3, 16), -1),
    ],
)
def test_predict__lane_edges(lane_edges, features, score):
    assert LANE_EDGES.score(features) == score
    assert lane_edges.predict(pack_indices(features)) == (1 if score > 0 else 0)


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00", ("FeaturesMalformed", 1)),
        (raw(1, 2) + b"\x03", ("FeaturesMalformed", 5)),
        (raw(0, 0), ("FeaturesNotSorted", 1, 0, 0)),
        (raw(5, 5), ("FeaturesNotSorted", 1, 5, 5)),
        (raw(7, 6), ("FeaturesNotSorted", 1, 7, 6)),
        (raw(1, 2, 2), ("FeaturesNotSorted", 2, 2, 2)),
        (raw(3, 2, 70), ("FeaturesNotSorted", 1, 3, 2)),
        (raw(SMALL_FEATURES), ("FeatureOutOfRange", SMALL_FEATURES, SMALL_FEATURES)),
        (raw(3, SMALL_FEATURES), ("FeatureOutOfRange", SMALL_FEATURES, SMALL_FEATURES)),
        (raw(70, 3), ("FeatureOutOfRange", 70, SMALL_FEATURES)),
        (raw(1, 70, 71, 5), ("FeatureOutOfRange", 70, SMALL_FEATURES)),
        (raw(1, 2, SMALL_FEATURES - 1, SMALL_FEATURES, 3), ("FeatureOutOfRange", SMALL_FEATURES, SMALL_FEATURES)),
        (raw(5, 5, 70), ("FeaturesNotSorted", 1, 5, 5)),
        (raw(2**16 - 1), ("FeatureOutOfRange", 2**16 - 1, SMALL_FEATURES)),
    ],
    ids=[
        "one_byte",
        "odd_bytes",
        "zero_twice",
        "repeated",
        "descending",
        "repeated_later",
        "unsorted_before_out_of_range",
        "out_of_range",
        "out_of_range_later",
        "out_of_range_before_unsorted",
        "first_out_of_range_before_unsorted_later",
        "first_out_of_range_among_several",
        "repeated_before_out_of_range",
        "largest_index",
    ],
)
def test_predict__bad_features(trainer, anyone, features, error):
    name, *args = error
    with reverts_with(trainer, name, *args):
        trainer.predict.transact(features, sender=anyone)


@pytest.mark.parametrize("features", [pack_indices([1]), b"", b"\x00"], ids=["features", "empty", "malformed"])
def test_predict__model_not_loaded(unloaded, small_model, anyone, features):
    with reverts_with(unloaded, "ModelNotLoaded", 0, small_model.word_count):
        unloaded.predict.transact(features, sender=anyone)


def test_predict__model_partly_loaded(unloaded, small_model, owner, anyone):
    unloaded.loadModel(0, small_model.packed_words()[:3], sender=owner)

    with reverts_with(unloaded, "ModelNotLoaded", 3, small_model.word_count):
        unloaded.predict.transact(pack_indices([1]), sender=anyone)
