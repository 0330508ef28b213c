"""`ape run accuracy`'s pipeline on a slice of the test splits, through the chain: models fitted by
float scikit-learn, converted, deployed in their DRT trainers and loaded in chunks, then every
example of the slice classified by the contract's `predict` in batched view calls.

Not a benchmark: it asserts that the contract predicts what the mirror does on every example and
that the agreement with float scikit-learn is measured; the figures are the script's job.
"""

from __future__ import annotations

import numpy as np
import pytest

from collabml.accuracy import build_cases
from collabml.chain.accuracy import OnChainPredictionError, measure_case, predict_on_chain
from collabml.chain.deploy import deploy_drt_trainer
from collabml.data import DataNotFoundError
from collabml.incentives.drt import DepositRefundTake

DAY = 86_400
TEST_SLICE = 200
PAIRS = [("imdb", "SparsePerceptron"), ("imdb", "NaiveBayes"), ("digits", "DenseNearestCentroid")]
"""A binary linear model, a generative one and a 10-class one; each a different feature format."""


@pytest.fixture(scope="module")
def cases():
    try:
        return {(c.data_set, c.model_name): c for c in build_cases(PAIRS, test_size=TEST_SLICE)}
    except DataNotFoundError as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def measured(project, owner, cases):
    """Each case measured once, as the script measures it (small batches, so a slice spans several)."""
    return {pair: measure_case(project, owner, case, batch_size=30, workers=2) for pair, case in cases.items()}


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_measure_case__contract_predicts_as_the_mirror_on_every_example(measured, cases, pair):
    row, case = measured[pair], cases[pair]
    assert row.test_size == TEST_SLICE
    assert row.contract_equals_mirror == TEST_SLICE
    assert row.mirror_disagreements == []
    assert row.contract_accuracy == row.mirror_accuracy
    mirror = np.array([case.model.predict(f) for f in case.features])
    assert row.contract_accuracy == pytest.approx(float((mirror == case.labels).mean()))


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_measure_case__float_sklearn_agreement_is_measured(measured, cases, pair):
    row, case = measured[pair], cases[pair]
    sklearn = np.asarray(case.sklearn_predictions)
    assert row.sklearn_accuracy == pytest.approx(float((sklearn == case.labels).mean()))
    assert 0 <= row.contract_equals_sklearn <= TEST_SLICE
    assert row.contract_equals_sklearn + len(row.sklearn_disagreements) == TEST_SLICE
    assert row.within_tolerance  # measured: every prediction equal on these slices
    assert row.deploy_gas > 0 and row.predict_seconds > 0


@pytest.fixture(scope="module")
def perceptron_trainer(project, owner, cases):
    model = cases[("imdb", "SparsePerceptron")].model
    return deploy_drt_trainer(project, owner, model, DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)).contract


def test_predict_on_chain__batches_equal_one_ape_call_each(perceptron_trainer, cases):
    case = cases[("imdb", "SparsePerceptron")]
    packed = [case.model.pack(f) for f in case.features[:40]]
    arrived = []
    batched = predict_on_chain(perceptron_trainer, packed, batch_size=7, workers=3, progress=arrived.append)
    assert batched.tolist() == [int(perceptron_trainer.predict(p)) for p in packed]
    assert sorted(arrived) == [5, 7, 7, 7, 7, 7]


def test_predict_on_chain__reverting_example__names_its_index(perceptron_trainer, cases):
    case = cases[("imdb", "SparsePerceptron")]
    packed = [case.model.pack(f) for f in case.features[:12]]
    packed[9] = case.model.pack([case.model.feature_count])  # FeatureOutOfRange on chain
    with pytest.raises(OnChainPredictionError) as raised:
        predict_on_chain(perceptron_trainer, packed, batch_size=5)
    assert raised.value.index == 9
