"""Hypothesis profiles, role-named accounts and trainer factories shared by every test layer.

Chain tests run on the Anvil that `ape test` starts (ape-foundry, `host: auto`); Ape isolates
each test in a chain snapshot. Off-chain tests (tests/offchain) use none of these fixtures.
"""

from __future__ import annotations

import os

import pytest
from helpers import SMALL_FEATURES, DrtParams, random_model
from hypothesis import HealthCheck, settings

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_sparse_perceptron_drt
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import TrainerMirror

# ---- Hypothesis: fuzz the mirror hard, the chain lightly ----
_slow = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=_slow)
settings.register_profile("ci", max_examples=50, deadline=None, suppress_health_check=_slow, derandomize=True)
settings.register_profile(
    "fuzzing", max_examples=10_000, deadline=None, suppress_health_check=_slow, stateful_step_count=100
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# ---- roles ----
@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def contributor(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def reporter(accounts):
    """A second contributor, who earns good contributions and reports others' bad data."""
    return accounts[2]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def anyone(accounts):
    return accounts[4]


@pytest.fixture(scope="session", autouse=True)
def _roles_first(owner, contributor, reporter, attacker, anyone):
    """Resolve the session-scoped roles before any deployment, so Ape's snapshots nest cleanly."""


# ---- deployments ----
@pytest.fixture(scope="session")
def drt_params() -> DrtParams:
    return DrtParams()


@pytest.fixture(scope="session")
def create_trainer(project, owner):
    """Factory: deploy a `SparsePerceptronDRT` with `model` loaded (or not, `load=False`)."""

    def create(model: SparsePerceptron | None = None, params: DrtParams = DrtParams(), load: bool = True):
        model = model or random_model(SMALL_FEATURES)
        if load:
            return deploy_sparse_perceptron_drt(project, owner, model, params.mechanism()).contract
        return owner.deploy(
            project.SparsePerceptronDRT,
            owner.address,
            model.feature_count,
            model.learning_rate,
            model.intercept,
            params.cost_weight,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )

    return create


@pytest.fixture(scope="module")
def small_model() -> SparsePerceptron:
    return random_model(SMALL_FEATURES)


@pytest.fixture(scope="module")
def trainer(create_trainer, small_model, drt_params):
    """A loaded `SparsePerceptronDRT` over 64 features with `small_model`'s weights."""
    return create_trainer(small_model, drt_params)


@pytest.fixture
def client(trainer) -> TrainerClient:
    return TrainerClient(trainer)


@pytest.fixture
def create_mirror(owner, chain):
    """Factory: the Python mirror of a freshly deployed trainer."""

    def create(contract, model: SparsePerceptron, params: DrtParams) -> TrainerMirror:
        return TrainerMirror.deployed_at(
            model.copy(), params.mechanism(), owner.address, int(contract.lastUpdateTime())
        )

    return create
