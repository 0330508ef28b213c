"""`addData(bytes features, uint8 label)` of `SparseNearestCentroidDRT`: every contribution moves its
class's centroid (`S_label += x`, `n_label += 1`, `Q_label += sum of (2 S + 1)` over the present
features); and the model's verdicts drive Deposit-Refund-Take's refund and report.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DAY, DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_indices
from collabml.models.nearest_centroid import SPARSE_MAX_EXAMPLE_COUNT, SparseNearestCentroid
from collabml.trainer import commitment

PARAMS = DrtParams()
MODEL = SparseNearestCentroid(
    np.array([[2, 2, 0, 0, 0, 1], [0, 0, 2, 2, 0, 1], [1, 1, 1, 1, 4, 0]]), np.array([2, 2, 4])
)
FULL = SparseNearestCentroid(np.array([[1, 0], [0, 0]]), np.array([SPARSE_MAX_EXAMPLE_COUNT, 0]))


@pytest.fixture(scope="module")
def trainer(project, owner):
    return deploy_drt_trainer(project, owner, MODEL, PARAMS.mechanism()).contract


@pytest.fixture(scope="module")
def full(project, owner):
    return deploy_drt_trainer(project, owner, FULL, PARAMS.mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(trainer, full):
    """Deploy the module's trainers before its first test, so Ape's snapshots nest cleanly."""


@pytest.fixture
def client(trainer):
    return TrainerClient(trainer, mirror=SparseNearestCentroid)


def state(trainer, k=3, f=6):
    return (
        [[trainer.featureSum(c, i) for i in range(f)] for c in range(k)],
        [trainer.exampleCount(c) for c in range(k)],
        [trainer.sumSquaredNorm(c) for c in range(k)],
    )


def test_add_data__moves_the_centroid(trainer, contributor, chain):
    required = trainer.depositRequired()

    receipt = trainer.addData(pack_indices([0, 4, 5]), 1, sender=contributor, value=required)

    now = chain.blocks.head.timestamp
    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=1, addedTime=now, deposit=required, features=pack_indices([0, 4, 5])
        )
    ]
    # S_1: (0, 0, 2, 2, 0, 1) -> (1, 0, 2, 2, 1, 2); Q_1: 9 + (2*0 + 1) + (2*0 + 1) + (2*1 + 1) = 14.
    assert state(trainer) == (
        [[2, 2, 0, 0, 0, 1], [1, 0, 2, 2, 1, 2], [1, 1, 1, 1, 4, 0]],
        [2, 3, 4],
        [9, 14, 20],
    )
    expected = MODEL.copy()
    expected.update((0, 4, 5), 1)
    assert list(trainer.modelWords(0, 2)) == expected.packed_words()
    assert trainer.records(0) == (
        required,
        commitment(contributor.address, now, 1, required, pack_indices([0, 4, 5])) >> 96,
    )


def test_add_data__features_sharing_a_word(trainer, contributor):
    """Features 0-2 share word 0 and 3-5 word 1: one read and one write of each."""
    trainer.addData(pack_indices([0, 1, 2, 3, 4, 5]), 2, sender=contributor, value=trainer.depositRequired())
    expected = MODEL.copy()
    expected.update(range(6), 2)
    assert state(trainer) == (expected.sums.tolist(), [2, 2, 5], expected.norms)
    assert expected.norms[2] == 20 + (3 + 3 + 3 + 3 + 9 + 1)


def test_add_data__empty_features(trainer, contributor):
    trainer.addData(b"", 0, sender=contributor, value=trainer.depositRequired())
    assert state(trainer) == (MODEL.sums.tolist(), [3, 2, 4], [9, 9, 20])


def test_add_data__sequence_equals_mirror(trainer, client, contributor, reporter):
    expected = MODEL.copy()
    rng = np.random.default_rng(2)
    for step in range(6):
        features = tuple(sorted(rng.choice(6, size=rng.integers(0, 7), replace=False).tolist()))
        label = int(rng.integers(0, 3))
        client.contribute(contributor if step % 2 else reporter, features, label)
        expected.update(features, label)
        assert trainer.predict(pack_indices(features)) == expected.predict(features)
    read = client.read_model()
    assert np.array_equal(read.sums, expected.sums) and read.norms == expected.norms
    assert read.counts.tolist() == expected.counts.tolist()


def test_add_data__label_out_of_range(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 3, 3):
        trainer.addData(pack_indices([1]), 3, sender=contributor, value=trainer.depositRequired())


def test_add_data__example_count_overflow(full, contributor):
    with reverts_with(full, "ExampleCountOverflow", 0, SPARSE_MAX_EXAMPLE_COUNT + 1, SPARSE_MAX_EXAMPLE_COUNT):
        full.addData(pack_indices([0]), 0, sender=contributor, value=full.depositRequired())
    full.addData(pack_indices([0]), 1, sender=contributor, value=full.depositRequired())
    assert [full.exampleCount(c) for c in range(2)] == [SPARSE_MAX_EXAMPLE_COUNT, 1]
    assert full.featureSum(1, 0) == 1


@pytest.mark.parametrize(
    "features, error",
    [
        (b"\x00\x01\x00", ("FeaturesMalformed", 3)),
        (pack_indices([5]) + pack_indices([5]), ("FeaturesNotSorted", 1, 5, 5)),
        (pack_indices([2, 3]) + pack_indices([1]), ("FeaturesNotSorted", 2, 3, 1)),
        (pack_indices([6]), ("FeatureOutOfRange", 6, 6)),
        (pack_indices([0, 1, 9]), ("FeatureOutOfRange", 9, 6)),
    ],
)
def test_add_data__bad_features(trainer, contributor, features, error):
    with reverts_with(trainer, *error):
        trainer.addData(features, 1, sender=contributor, value=trainer.depositRequired())
    assert state(trainer) == (MODEL.sums.tolist(), [2, 2, 4], [9, 9, 20])


def test_refund_and_report__follow_the_centroids(trainer, client, contributor, reporter, chain):
    """An example the model agrees with is refunded; one it disputes (even after learning it) is
    taken by a contributor with a refunded example."""
    model = MODEL.copy()
    assert model.predict((0, 1)) == 0
    honest, _ = client.contribute(reporter, (0, 1), 0)
    model.update((0, 1), 0)
    assert model.predict((4,)) == 2
    disputed, _ = client.contribute(contributor, (4,), 0)
    model.update((4,), 0)
    assert model.predict((4,)) == 2 and model.predict((0, 1)) == 0
    chain.pending_timestamp = chain.pending_timestamp + PARAMS.refund_wait

    with reverts_with(trainer, "ModelDisagrees", disputed.id, 2, 0):
        client.refund(contributor, disputed)
    with reverts_with(trainer, "ModelAgrees", honest.id, 0):
        client.report(contributor, honest)
    refund = client.refund(reporter, honest)
    report = client.report(reporter, disputed)

    assert refund.events == [trainer.DepositRefunded(id=honest.id, contributor=reporter, amount=honest.deposit)]
    assert report.events == [
        trainer.DepositTaken(id=disputed.id, reporter=reporter, amount=disputed.deposit, depositLeft=0)
    ]
    assert trainer.balance == 0
    assert chain.blocks.head.timestamp >= disputed.added_time + DAY
