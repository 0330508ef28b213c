"""Differential tests: `DensePerceptronDRT`'s `predict`, `score` and update equal the Python mirror's,
bit for bit, and its feature errors are the mirror's.

Two models, deployed once per module: 83 features (11 weight words, the last one partly used)
with weights of a trained model's magnitude, and 19 features whose weights sit at the int32 bounds
with the largest learning rate, so that updates saturate. Feature values are drawn with the bounds
`+-100 * ONE`, zero words and tiny values (whose step truncates to 0) over-represented. Each example
that changes state runs inside a chain snapshot restored in `finally`.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DrtParams, reverts_with
from hypothesis import given
from hypothesis import strategies as st

from collabml import errors
from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.fixedpoint import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE
from collabml.models.dense_perceptron import MAX_FEATURE_VALUE, DensePerceptron

FEATURES = 83
EXTREME_FEATURES = 19
B = MAX_FEATURE_VALUE

values = st.one_of(
    st.sampled_from([0, 0, 0, B, -B, 1, -1, ONE, -ONE, 999_999, -999_999]),
    st.integers(-B, B),
    st.integers(-3 * ONE, 3 * ONE),
)


def vectors(n: int):
    """Dense vectors of `n` in-bound values; sometimes a run of zeros covering whole words."""

    @st.composite
    def build(draw):
        xs = draw(st.lists(values, min_size=n, max_size=n))
        if draw(st.booleans()):
            start = draw(st.integers(0, n - 1))
            length = draw(st.integers(1, 24))
            xs[start : start + length] = [0] * len(xs[start : start + length])
        return xs

    return build()


@pytest.fixture(scope="module")
def normal_model() -> DensePerceptron:
    rng = np.random.default_rng(21)
    return DensePerceptron(rng.integers(-3 * ONE, 3 * ONE, size=FEATURES), intercept=int(rng.integers(-ONE, ONE)))


@pytest.fixture(scope="module")
def extreme_model() -> DensePerceptron:
    """Weights at and near the int32 bounds and the largest learning rate: updates saturate."""
    rng = np.random.default_rng(5)
    weights = rng.choice([INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX], size=EXTREME_FEATURES)
    return DensePerceptron(weights, intercept=INT64_MAX - 5, learning_rate=INT32_MAX)


@pytest.fixture(scope="module")
def normal_trainer(project, owner, normal_model):
    return deploy_drt_trainer(project, owner, normal_model, DrtParams(cost_weight=1).mechanism()).contract


@pytest.fixture(scope="module")
def extreme_trainer(project, owner, extreme_model):
    return deploy_drt_trainer(project, owner, extreme_model, DrtParams(cost_weight=1).mechanism()).contract


@pytest.fixture(scope="module", autouse=True)
def _deployments_first(normal_trainer, extreme_trainer):
    """Deploy every trainer of this module before its first test, so Ape's snapshots nest cleanly."""


@given(x=vectors(FEATURES))
def test_predict__equals_mirror(normal_trainer, normal_model, x):
    packed = DensePerceptron.pack(x)
    assert normal_trainer.score(packed) == normal_model.score(x)
    assert normal_trainer.predict(packed) == normal_model.predict(x)


@given(x=vectors(EXTREME_FEATURES))
def test_predict__equals_mirror_at_int32_bounds(extreme_trainer, extreme_model, x):
    packed = DensePerceptron.pack(x)
    assert extreme_trainer.score(packed) == extreme_model.score(x)
    assert extreme_trainer.predict(packed) == extreme_model.predict(x)


@given(steps=st.lists(st.tuples(vectors(FEATURES), st.integers(0, 1)), min_size=1, max_size=3))
def test_update__equals_mirror(normal_trainer, normal_model, contributor, chain, steps):
    _check_updates(normal_trainer, normal_model, contributor, chain, steps)


@given(steps=st.lists(st.tuples(vectors(EXTREME_FEATURES), st.integers(0, 1)), min_size=1, max_size=3))
def test_update__saturates_like_mirror(extreme_trainer, extreme_model, contributor, chain, steps):
    _check_updates(extreme_trainer, extreme_model, contributor, chain, steps)


@given(
    x=vectors(EXTREME_FEATURES),
    bad=st.lists(
        st.tuples(st.integers(0, EXTREME_FEATURES - 1), st.one_of(st.integers(INT32_MIN, -B - 1), st.integers(B + 1, INT32_MAX))),
        min_size=1,
        max_size=3,
    ),
)
def test_bad_values__same_error_as_mirror(extreme_trainer, extreme_model, anyone, x, bad):
    for position, value in bad:
        x[position] = value
    with pytest.raises(errors.FeatureValueOutOfRange) as raised:
        extreme_model.predict(x)
    with reverts_with(extreme_trainer, "FeatureValueOutOfRange", *raised.value.args):
        extreme_trainer.predict.transact(DensePerceptron.pack(x), sender=anyone)


def _check_updates(trainer, model, contributor, chain, steps):
    mirror = model.copy()
    snapshot = chain.snapshot()
    try:
        for x, label in steps:
            mirror.update(x, label)
            trainer.addData(DensePerceptron.pack(x), label, sender=contributor, value=trainer.depositRequired())
        onchain = TrainerClient(trainer, mirror=DensePerceptron).read_model()
        assert np.array_equal(onchain.weights, mirror.weights)
        assert onchain.intercept == mirror.intercept
        assert INT64_MIN <= onchain.intercept <= INT64_MAX
    finally:
        chain.restore(snapshot)
