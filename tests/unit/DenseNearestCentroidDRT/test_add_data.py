"""`addData(bytes features, uint8 label)` of `DenseNearestCentroidDRT`: every contribution moves its
class's centroid (`S_label += x`, `n_label += 1`, `Q_label += sum_i (2 S_i x_i + x_i^2)`), writing
only the label's words; and the model's verdicts drive Deposit-Refund-Take's refund and report.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.encoding import pack_dense
from collabml.fixedpoint import ONE
from collabml.models.nearest_centroid import DENSE_MAX_EXAMPLE_COUNT, DenseNearestCentroid

PARAMS = DrtParams()
H = ONE // 2
MODEL = DenseNearestCentroid(
    np.array([[ONE, 2 * ONE, 0, 0, -ONE, 0, ONE], [0, 0, ONE, ONE, 0, -ONE, 0]]), np.array([2, 1])
)
N = DENSE_MAX_EXAMPLE_COUNT
FULL = DenseNearestCentroid(np.array([[N * ONE, -N * ONE], [(N - 1) * ONE, -(N - 1) * ONE]]), np.array([N, N - 1]))


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
    return TrainerClient(trainer, mirror=DenseNearestCentroid)


def state(trainer, k=2, f=7):
    return (
        [[trainer.featureSum(c, i) for i in range(f)] for c in range(k)],
        [trainer.exampleCount(c) for c in range(k)],
        [trainer.sumSquaredNorm(c) for c in range(k)],
    )


def test_add_data__moves_the_centroid(trainer, contributor, chain):
    values = (-ONE, H, 0, ONE, ONE, -H, 1)
    required = trainer.depositRequired()
    words_before = list(trainer.modelWords(0, 4))

    receipt = trainer.addData(pack_dense(values), 1, sender=contributor, value=required)

    assert receipt.events == [
        trainer.ContributionAdded(
            id=0,
            contributor=contributor,
            label=1,
            addedTime=chain.blocks.head.timestamp,
            deposit=required,
            features=pack_dense(values),
        )
    ]
    # S_1: (0, 0, 1, 1, 0, -1, 0) -> (-1, 1/2, 1, 2, 1, -3/2, 1e-6) (real units); Q_1 = sum of squares.
    sums_1 = [-ONE, H, ONE, 2 * ONE, ONE, -ONE - H, 1]
    assert state(trainer) == (
        [MODEL.sums[0].tolist(), sums_1],
        [2, 2],
        [MODEL.norms[0], sum(s * s for s in sums_1)],
    )
    words = list(trainer.modelWords(0, 4))
    assert words[:2] == words_before[:2]  # class 0's words are untouched
    expected = MODEL.copy()
    expected.update(values, 1)
    assert words == expected.packed_words()


def test_add_data__sequence_equals_mirror(trainer, client, contributor):
    expected = MODEL.copy()
    rng = np.random.default_rng(5)
    for _ in range(5):
        values = tuple(int(v) for v in rng.integers(-ONE, ONE + 1, size=7))
        label = int(rng.integers(0, 2))
        client.contribute(contributor, values, label)
        expected.update(values, label)
        assert trainer.predict(pack_dense(values)) == expected.predict(values)
    read = client.read_model()
    assert np.array_equal(read.sums, expected.sums) and read.norms == expected.norms
    assert read.counts.tolist() == expected.counts.tolist()


def test_add_data__at_the_bounds(full, contributor):
    """Class 0 is full; class 1 reaches the largest count, its sums the largest magnitude a lane holds."""
    with reverts_with(full, "ExampleCountOverflow", 0, N + 1, N):
        full.addData(pack_dense([0, 0]), 0, sender=contributor, value=full.depositRequired())
    full.addData(pack_dense([ONE, -ONE]), 1, sender=contributor, value=full.depositRequired())
    assert [full.exampleCount(c) for c in range(2)] == [N, N]
    assert [full.featureSum(1, i) for i in range(2)] == [N * ONE, -N * ONE]
    assert full.sumSquaredNorm(1) == 2 * (N * ONE) ** 2
    assert N * ONE < 2**41 <= (N + 1) * ONE
    with reverts_with(full, "ExampleCountOverflow", 1, N + 1, N):
        full.addData(pack_dense([ONE, -ONE]), 1, sender=contributor, value=full.depositRequired())


def test_add_data__label_out_of_range(trainer, contributor):
    with reverts_with(trainer, "LabelOutOfRange", 2, 2):
        trainer.addData(pack_dense([0] * 7), 2, sender=contributor, value=trainer.depositRequired())


@pytest.mark.parametrize(
    "features, error",
    [
        (pack_dense([0] * 6), ("FeaturesMalformed", 24)),
        (pack_dense([0] * 7) + b"\x00", ("FeaturesMalformed", 29)),
        (pack_dense([0, 0, 0, 0, 0, 0, ONE + 1]), ("FeatureValueOutOfRange", 6, ONE + 1, -ONE, ONE)),
        (pack_dense([-(2**31), 0, 0, 0, 0, 0, 0]), ("FeatureValueOutOfRange", 0, -(2**31), -ONE, ONE)),
    ],
)
def test_add_data__bad_features(trainer, contributor, features, error):
    with reverts_with(trainer, *error):
        trainer.addData(features, 0, sender=contributor, value=trainer.depositRequired())
    assert state(trainer) == (MODEL.sums.tolist(), [2, 1], MODEL.norms)


def test_refund_and_report__follow_the_centroids(trainer, client, contributor, reporter, chain):
    model = MODEL.copy()
    near_0 = (H, ONE, 0, 0, -H, 0, H)  # class 0's centroid
    near_1 = (0, 0, ONE, ONE, 0, -ONE, 0)  # class 1's centroid
    honest, _ = client.contribute(reporter, near_0, 0)
    model.update(near_0, 0)
    disputed, _ = client.contribute(contributor, near_1, 0)
    model.update(near_1, 0)
    assert model.predict(near_1) == 1 and model.predict(near_0) == 0
    chain.pending_timestamp = chain.pending_timestamp + PARAMS.refund_wait

    with reverts_with(trainer, "ModelDisagrees", disputed.id, 1, 0):
        client.refund(contributor, disputed)
    refund = client.refund(reporter, honest)
    report = client.report(reporter, disputed)

    assert refund.events == [trainer.DepositRefunded(id=honest.id, contributor=reporter, amount=honest.deposit)]
    assert report.events == [
        trainer.DepositTaken(id=disputed.id, reporter=reporter, amount=disputed.deposit, depositLeft=0)
    ]
    assert trainer.balance == 0
