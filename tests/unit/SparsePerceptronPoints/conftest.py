"""Fixtures shared by the `SparsePerceptronPoints` unit tests: the trainer (overriding the DRT
`trainer` of tests/conftest.py, so `client`, `add` and `travel` work unchanged), its badge
contract, the mechanism's parameters and contributions that the model disputes.

Pure factories are `chain_isolation=False`: using one first in a later test changes no chain state.
"""

from __future__ import annotations

import ape
import helpers
import pytest
from helpers import DAY

from collabml.chain.deploy_points import deploy_points_trainer
from collabml.incentives.points import Points
from collabml.models.perceptron import SparsePerceptron

BADGE_URI = "ipfs://badges/{id}.json"
WINDOW = 4
ZERO_ADDRESS = "0x" + "00" * 20


@ape.fixture(scope="session", chain_isolation=False)
def badge_uri() -> str:
    """The badges' metadata URI every trainer here is deployed with."""
    return BADGE_URI


@ape.fixture(scope="session", chain_isolation=False)
def points_params() -> Points:
    """The mechanism's parameters (a fresh mirror each time it is asked for: `Points(...)` is mutable)."""
    return Points(refund_wait=DAY)


@pytest.fixture(scope="session")
def create_points_trainer(project, owner, points_params):
    """Factory: deploy a `SparsePerceptronPoints` (or `contract_name`, e.g. the harness) with `model`
    loaded, unless `load=False`."""

    def create(model: SparsePerceptron, *, contract_name: str | None = None, load: bool = True):
        if load:
            return deploy_points_trainer(
                project, owner, model, Points(points_params.refund_wait), badge_uri=BADGE_URI,
                contract_name=contract_name,
            ).contract
        return owner.deploy(
            getattr(project, contract_name or "SparsePerceptronPoints"),
            owner.address, *model.constructor_args(), points_params.refund_wait, BADGE_URI,
        )

    return create


@pytest.fixture(scope="module")
def trainer(create_points_trainer, small_model):
    """A loaded `SparsePerceptronPoints` over 64 features with `small_model`'s weights."""
    return create_points_trainer(small_model)


@pytest.fixture(scope="module")
def badges(project, trainer):
    """The trainer's `ContributorBadges`."""
    return project.ContributorBadges.at(trainer.badges())


@pytest.fixture(scope="module", autouse=True)
def _trainer_first(trainer, badges):
    """Deploy each module's trainer before its first test, so Ape's snapshots nest cleanly."""


@ape.fixture(scope="session", chain_isolation=False)
def pick_stubborn():
    """Factory: the first window of `WINDOW` consecutive features (from `start`) that `model`
    disagrees with `label` on even after learning from it once."""

    def pick_stubborn(model: SparsePerceptron, label: int, *, start: int = 0) -> tuple[int, ...]:
        for first in range(start, model.feature_count - WINDOW + 1):
            window = tuple(range(first, first + WINDOW))
            learned = model.copy()
            learned.update(window, label)
            if model.predict(window) != label and learned.predict(window) != label:
                return window
        raise AssertionError("no window stays disputed; use another model seed")

    return pick_stubborn


@ape.fixture(scope="session", chain_isolation=False)
def reverts_with_data():
    """`helpers.reverts_with`, which compares the revert data whether Ape decoded it or not."""
    return helpers.reverts_with


@ape.fixture(scope="session", chain_isolation=False)
def minted():
    """Factory: the `TransferSingle` log of minting badge `level` to `account` by `trainer`."""

    def minted(badges, trainer, account, level: int):
        return badges.TransferSingle(operator=trainer, **{"from": ZERO_ADDRESS}, to=account, id=level, value=1)

    return minted
