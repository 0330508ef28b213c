"""Plain helpers shared by the test layers (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collabml.fixedpoint import ONE
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DAY = 86_400
SMALL_FEATURES = 64
"""Feature count of the unit tests' model: 8 weight words, so features often share words."""


@dataclass(frozen=True)
class DrtParams:
    cost_weight: int = 10**12
    refund_wait: int = 1 * DAY
    owner_claim_wait: int = 7 * DAY
    anyone_claim_wait: int = 14 * DAY

    def mechanism(self) -> DepositRefundTake:
        return DepositRefundTake(self.cost_weight, self.refund_wait, self.owner_claim_wait, self.anyone_claim_wait)


def random_model(feature_count: int, seed: int = 0, scale: int = 3 * ONE) -> SparsePerceptron:
    """Weights and intercept spread around zero, so predictions come out both ways."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-scale, scale + 1, size=feature_count, dtype=np.int64)
    return SparsePerceptron(weights, intercept=int(rng.integers(-scale, scale + 1)), learning_rate=ONE)



def pick_features(model: SparsePerceptron, label: int, *, agree: bool, size: int = 4, start: int = 0):
    """The first window of `size` consecutive features (from `start`) on which the model's
    prediction agrees (or not) with `label`."""
    for first in range(start, model.feature_count - size + 1):
        features = tuple(range(first, first + size))
        if (model.predict(features) == label) == agree:
            return features
    raise AssertionError("no window fits; use another model seed")


def reverts_with(contract, name: str, *args):
    """`ape.reverts` for custom error `name` of `contract` with these arguments, in ABI order."""
    import ape

    abi = next(e for e in contract.contract_type.errors if e.name == name)
    inputs = {i.name: a for i, a in zip(abi.inputs, args, strict=True)}
    return ape.reverts(getattr(contract, name), **inputs)
