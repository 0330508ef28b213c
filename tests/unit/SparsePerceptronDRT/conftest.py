"""Fixtures shared by the `SparsePerceptronDRT` unit tests: contributions the model disputes,
revert data Ape cannot decode, and the trainer's bookkeeping.

Every fixture here is a pure factory: `chain_isolation=False` tells Ape that using one for the first
time in a later test changes no chain state, so it need not rebase its snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence

import ape
import helpers

from collabml.models.perceptron import SparsePerceptron

WINDOW = 4
"""Features per picked contribution: a few, so that disjoint windows are easy to find."""


@ape.fixture(scope="session", chain_isolation=False)
def pick_stubborn():
    """Factory: the first window of `WINDOW` consecutive features (from `start`) that `model` disagrees
    with `label` on even after learning from it once, so a contribution of it can be reported once
    its refund wait has passed. The window is disjoint from the `(features, label)` examples in
    `disputed`, which the model must still get wrong after learning it."""

    def pick_stubborn(
        model: SparsePerceptron,
        label: int,
        *,
        start: int = 0,
        disputed: Sequence[tuple[Sequence[int], int]] = (),
    ) -> tuple[int, ...]:
        taken = {index for features, _ in disputed for index in features}
        for first in range(start, model.feature_count - WINDOW + 1):
            window = tuple(range(first, first + WINDOW))
            if taken & set(window) or model.predict(window) == label:
                continue
            learned = model.copy()
            learned.update(window, label)
            if all(learned.predict(features) != wrong for features, wrong in ((window, label), *disputed)):
                return window
        raise AssertionError("no window stays disputed; use another model seed")

    return pick_stubborn


@ape.fixture(scope="session", chain_isolation=False)
def error_data():
    """`helpers.error_data`: the ABI-encoded revert data of a custom error."""
    return helpers.error_data


@ape.fixture(scope="session", chain_isolation=False)
def reverts_with_data():
    """`helpers.reverts_with`, which compares the revert data whether Ape decoded it or not."""
    return helpers.reverts_with


@ape.fixture(scope="session", chain_isolation=False)
def unclaimed_deposits():
    """Factory: the sum of `depositLeft` over every record of `trainer`, which its balance must equal."""

    def unclaimed_deposits(trainer) -> int:
        return sum(trainer.records(id)[0] for id in range(trainer.contributionCount()))

    return unclaimed_deposits
