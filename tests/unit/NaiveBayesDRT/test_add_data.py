"""`addData(bytes, uint8)` on `NaiveBayesDRT`: generative learning on every contribution, whatever the
prediction: D_label += 1, n_label,i += x_i for the present features, N_label += |x|; nothing else
changes. Checks: the label (trainer), the deposit, then per pair the order, range and count of the
feature and the new count's bound (`CountOverflow`), then the class's document count."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import ONE
from collabml.models.naive_bayes import MAX_COUNT, MAX_DOCUMENT_COUNT, MAX_VALUE, NaiveBayes

SMALL = NaiveBayes(np.array([[1, 0, 2, 0, 0, 0, 0, 0, 0], [0, 3, 1, 0, 0, 0, 0, 0, 0]]), [2, 3], ONE)
"""9 features x 2 classes: 18 lanes, words 0 (features 0-7) and 1 (feature 8)."""
WIDE = NaiveBayes(np.random.default_rng(6).integers(0, 9, size=(10, 7)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ONE)
"""10 classes x 7 features (70 lanes, 5 words): class blocks in five header words, lanes straddling words."""
FULL = NaiveBayes(np.array([[MAX_COUNT - 2, 0, MAX_COUNT], [0, 0, 0]]), [MAX_DOCUMENT_COUNT, 0], ONE)
LONG_COUNTS = np.ones((2, 13), dtype=np.int64)
LONG_COUNTS[1, 6] = MAX_COUNT
LONG = NaiveBayes(LONG_COUNTS, [3, 3], ONE)
"""13 features x 2 classes, class 1's lane of feature 6 full: the two-class loop adds four pairs a pass
while four are left, then one a pass, so 13 pairs take three passes of four and one of one."""


def raw(*pairs: tuple[int, int]) -> bytes:
    return b"".join(struct.pack(">HH", i, v) for i, v in pairs)


@pytest.fixture(scope="module", autouse=True)
def trainers(project, owner):
    mechanism = DrtParams().mechanism()
    return {
        name: deploy_drt_trainer(project, owner, model, mechanism).contract
        for name, model in (("small", SMALL), ("wide", WIDE), ("full", FULL), ("long", LONG))
    }


def read(trainer) -> NaiveBayes:
    return TrainerClient(trainer, mirror=NaiveBayes).read_model()


def add(trainer, account, features: bytes, label: int):
    return trainer.addData(features, label, sender=account, value=trainer.depositRequired())


def test_add_data__learns_when_the_model_agrees(trainers, contributor, chain):
    trainer = trainers["small"]
    features = ((0, 1), (2, 4))
    assert trainer.predict(NaiveBayes.pack(features)) == 0
    required = trainer.depositRequired()

    receipt = trainer.addData(NaiveBayes.pack(features), 0, sender=contributor, value=required)

    assert receipt.events == [
        trainer.ContributionAdded(
            id=0,
            contributor=contributor,
            label=0,
            addedTime=chain.blocks.head.timestamp,
            deposit=required,
            features=NaiveBayes.pack(features),
        )
    ]
    learned = read(trainer)
    assert learned.counts.tolist() == [[2, 0, 6, 0, 0, 0, 0, 0, 0], [0, 3, 1, 0, 0, 0, 0, 0, 0]]
    assert learned.document_counts == [3, 3]
    assert [trainer.classTotal(c) for c in range(2)] == [8, 4]
    expected = SMALL.copy()
    expected.update(features, 0)
    assert list(trainer.modelWords(0, 2)) == expected.packed_words()


def test_add_data__learns_when_the_model_disagrees(trainers, contributor):
    trainer = trainers["small"]
    features = ((0, 1), (3, 2), (8, MAX_VALUE))  # words 0 and 1
    assert trainer.predict(NaiveBayes.pack(features)) == 0

    add(trainer, contributor, NaiveBayes.pack(features), 1)

    learned = read(trainer)
    assert learned.counts.tolist() == [[1, 0, 2, 0, 0, 0, 0, 0, 0], [1, 3, 1, 2, 0, 0, 0, 0, MAX_VALUE]]
    assert learned.document_counts == [2, 4]
    assert [trainer.classTotal(c) for c in range(2)] == [3, 4 + 1 + 2 + MAX_VALUE]
    expected = SMALL.copy()
    expected.update(features, 1)
    assert list(trainer.modelWords(0, 2)) == expected.packed_words()


def test_add_data__no_features_counts_a_document(trainers, contributor):
    trainer = trainers["small"]
    add(trainer, contributor, b"", 1)
    assert [trainer.documentCount(c) for c in range(2)] == [2, 4]
    assert [trainer.classTotal(c) for c in range(2)] == [3, 4]
    assert list(trainer.modelWords(0, 2)) == SMALL.packed_words()


def test_add_data__ten_classes(trainers, contributor):
    """Label 9 lives in header word 4 (bits 136 up), next to class 8; its lanes straddle words."""
    trainer = trainers["wide"]
    features = ((0, 2), (3, 1), (6, 16))
    expected = WIDE.copy()
    expected.update(features, 9)
    expected.update(((1, 1),), 8)

    add(trainer, contributor, NaiveBayes.pack(features), 9)
    add(trainer, contributor, NaiveBayes.pack(((1, 1),)), 8)

    learned = read(trainer)
    assert np.array_equal(learned.counts, expected.counts)
    assert learned.document_counts == expected.document_counts == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert [trainer.classTotal(c) for c in range(10)] == expected.totals
    assert list(trainer.scores(NaiveBayes.pack(features))) == expected.scores(features)


def test_add_data__label_checked_first(trainers, contributor):
    trainer = trainers["small"]
    with reverts_with(trainer, "LabelOutOfRange", 2, 2):
        add(trainer, contributor, b"\x00", 2)
    with reverts_with(trainers["wide"], "LabelOutOfRange", 10, 10):
        add(trainers["wide"], contributor, raw((0, 0)), 10)


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00\x01\x00", ("FeaturesMalformed", 3)),
        (raw((1, 1), (1, 1)), ("FeaturesNotSorted", 1, 1, 1)),
        (raw((3, 1), (2, 1)), ("FeaturesNotSorted", 1, 3, 2)),
        (raw((9, 1)), ("FeatureOutOfRange", 9, 9)),
        (raw((0, 1), (1, 0)), ("FeatureValueOutOfRange", 1, 0, 1, MAX_VALUE)),
        (raw((0, 0), (1, 1)), ("FeatureValueOutOfRange", 0, 0, 1, MAX_VALUE)),
        # The loop checks the range once, on the last index: the first bad pair still names the error.
        (raw((9, 1), (3, 1)), ("FeatureOutOfRange", 9, 9)),
        (raw((0, 1), (9, 1), (10, 1)), ("FeatureOutOfRange", 9, 9)),
        (raw((0, 1), (9, 1), (9, 1)), ("FeatureOutOfRange", 9, 9)),
        (raw((8, 1), (2**16 - 1, 1)), ("FeatureOutOfRange", 2**16 - 1, 9)),
    ],
)
def test_add_data__bad_features(trainers, contributor, features, error):
    trainer = trainers["small"]
    name, *args = error
    with reverts_with(trainer, name, *args):
        add(trainer, contributor, features, 0)
    assert trainer.contributionCount() == 0
    assert list(trainer.modelWords(0, 2)) == SMALL.packed_words()


def test_add_data__count_up_to_the_bound(trainers, contributor):
    """A uint16 lane takes counts up to exactly 2^16 - 1, then refuses one more by name."""
    trainer = trainers["full"]
    add(trainer, contributor, NaiveBayes.pack(((0, 2),)), 1)  # class 1 has room
    add(trainer, contributor, NaiveBayes.pack(((0, MAX_COUNT - 2),)), 1)
    assert trainer.count(1, 0) == MAX_COUNT
    assert trainer.count(0, 0) == MAX_COUNT - 2  # the neighbouring lane took no carry
    with reverts_with(trainer, "CountOverflow", 1, 0, MAX_COUNT + 1, MAX_COUNT):
        add(trainer, contributor, NaiveBayes.pack(((0, 1),)), 1)
    # Class 0's lane 0 can take 2 more (exactly 2^16 - 1), but the class cannot take a document.
    with reverts_with(trainer, "DocumentCountOverflow", 0, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT):
        add(trainer, contributor, NaiveBayes.pack(((0, 2),)), 0)


@pytest.mark.parametrize(
    "features, args",
    [
        (((0, 3),), (0, 0, MAX_COUNT + 1, MAX_COUNT)),
        (((2, 1),), (0, 2, MAX_COUNT + 1, MAX_COUNT)),
        (((1, 7), (2, MAX_VALUE)), (0, 2, MAX_COUNT + MAX_VALUE, MAX_COUNT)),
    ],
)
def test_add_data__count_overflow(trainers, contributor, features, args):
    trainer = trainers["full"]
    with reverts_with(trainer, "CountOverflow", *args):
        add(trainer, contributor, NaiveBayes.pack(features), 0)
    assert list(trainer.modelWords(0, 1)) == FULL.packed_words()


def test_add_data__count_overflow_order(trainers, contributor):
    """Per pair: order, range, count, then the new count; the first failing pair wins."""
    trainer = trainers["full"]
    with reverts_with(trainer, "CountOverflow", 0, 0, MAX_COUNT + 1, MAX_COUNT):
        add(trainer, contributor, raw((0, 3), (0, 1)), 0)  # overflow at pair 0 before the repeat
    with reverts_with(trainer, "CountOverflow", 0, 0, MAX_COUNT + 1, MAX_COUNT):
        add(trainer, contributor, raw((0, 3), (7, 1)), 0)  # ... and before an index out of range
    with reverts_with(trainer, "FeatureOutOfRange", 7, 3):
        add(trainer, contributor, raw((7, 1), (0, 3)), 0)  # a range error at pair 0 first
    with reverts_with(trainer, "CountOverflow", 0, 2, MAX_COUNT + 1, MAX_COUNT):
        add(trainer, contributor, raw((1, 1), (2, 1)), 0)  # the last pair overflows
    with reverts_with(trainer, "FeaturesNotSorted", 1, 1, 0):
        add(trainer, contributor, raw((1, 1), (0, 3)), 0)
    with reverts_with(trainer, "FeatureValueOutOfRange", 0, 0, 1, MAX_VALUE):
        add(trainer, contributor, raw((2, 0)), 0)  # a zero count is not added to a full lane


def test_add_data__document_count_overflow_after_the_features(trainers, contributor):
    trainer = trainers["full"]
    with reverts_with(trainer, "DocumentCountOverflow", 0, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT):
        add(trainer, contributor, NaiveBayes.pack(((1, 5),)), 0)
    with reverts_with(trainer, "CountOverflow", 0, 2, MAX_COUNT + 1, MAX_COUNT):
        add(trainer, contributor, NaiveBayes.pack(((2, 1),)), 0)
    assert trainer.documentCount(0) == MAX_DOCUMENT_COUNT
    assert trainer.count(0, 1) == 0


@pytest.mark.parametrize("size", [4, 5, 7, 8, 12, 13])
def test_add_data__passes_of_four_and_the_rest(trainers, contributor, size):
    """Every pair is added once, whether in a pass of four or one by one."""
    trainer = trainers["long"]
    features = tuple((i, i + 1) for i in range(size))
    expected = LONG.copy()
    expected.update(features, 0)

    add(trainer, contributor, NaiveBayes.pack(features), 0)

    learned = read(trainer)
    assert np.array_equal(learned.counts, expected.counts)
    assert [trainer.classTotal(c) for c in range(2)] == expected.totals
    assert list(trainer.modelWords(0, LONG.word_count)) == expected.packed_words()


@pytest.mark.parametrize(
    "features, error",
    [
        # Feature 6 of class 1 is full: its overflow in the second pass of four names it...
        (raw(*((i, 1) for i in range(13))), ("CountOverflow", 1, 6, MAX_COUNT + 1, MAX_COUNT)),
        # ... also when a later pair is bad too (added as well, then taken back out) ...
        (raw(*((i, 1) for i in range(11)), (3, 1), (12, 0)), ("CountOverflow", 1, 6, MAX_COUNT + 1, MAX_COUNT)),
        # ... but an earlier bad pair comes first.
        (raw((0, 1), (1, 1), (1, 1), *((i, 1) for i in range(3, 13))), ("FeaturesNotSorted", 2, 1, 1)),
        (
            raw(*((i, 1) for i in range(5)), (5, 0), *((i, 1) for i in range(6, 13))),
            ("FeatureValueOutOfRange", 5, 0, 1, MAX_VALUE),
        ),
        (raw(*((i, 1) for i in range(12)), (13, 1)), ("CountOverflow", 1, 6, MAX_COUNT + 1, MAX_COUNT)),
        (raw(*((i, 1) for i in range(6)), (13, 1), (14, 1)), ("FeatureOutOfRange", 13, 13)),
    ],
    ids=["overflow", "overflow_before_later_errors", "repeat_first", "zero_first", "overflow_before_range", "range"],
)
def test_add_data__errors_in_long_contributions(trainers, contributor, features, error):
    trainer = trainers["long"]
    name, *args = error
    with reverts_with(trainer, name, *args):
        add(trainer, contributor, features, 1)
    assert list(trainer.modelWords(0, LONG.word_count)) == LONG.packed_words()


def test_add_data__error_after_an_undone_carry(trainers, contributor):
    """A revert takes every addition back out, carries included, so the error is named against the
    counts as they were: (0, 2) fills lane (0, 0) to 2^16 - 1, the repeated (0, 1) wraps it (carrying
    into class 1's lane of feature 0), and the error is the repeat, not an overflow of pair 0."""
    trainer = trainers["full"]
    with reverts_with(trainer, "FeaturesNotSorted", 2, 1, 0):
        add(trainer, contributor, raw((0, 2), (1, 1), (0, 1)), 0)
    with reverts_with(trainer, "FeaturesNotSorted", 1, 0, 0):
        add(trainer, contributor, raw((0, 2), (0, 1)), 0)
    assert list(trainer.modelWords(0, 1)) == FULL.packed_words()
