"""Mainnet-fork tests (marker `fork`): the whole contribution path on a fork of chain 1.

Run with `make test-fork` (or `tools/fork-test.sh`): the fork's upstream is MAINNET_RPC_URL,
or a loopback Anvil with chain id 1 standing in for mainnet.
"""

from __future__ import annotations

import pytest
from helpers import DAY, DrtParams, pick_features, random_model

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_sparse_perceptron_drt
from collabml.models.perceptron import SparsePerceptron

pytestmark = pytest.mark.fork


@pytest.fixture(scope="module")
def fork_model():
    """Small steps, so one dishonest update does not flip the model's mind."""
    model = random_model(1000, seed=3)
    return SparsePerceptron(model.weights, model.intercept, learning_rate=1)


@pytest.fixture(scope="module")
def fork_trainer(project, owner, fork_model):
    return deploy_sparse_perceptron_drt(project, owner, fork_model, DrtParams().mechanism()).contract


def test_fork__is_mainnet(chain, networks):
    assert chain.chain_id == 1
    assert networks.provider.network.name == "mainnet-fork"


def test_fork__contribute_refund_report(fork_trainer, fork_model, contributor, reporter, chain):
    client = TrainerClient(fork_trainer)
    good_features = pick_features(fork_model, 1, agree=True, size=20)
    good, _ = client.contribute(contributor, good_features, 1)
    mirror = fork_model.copy()
    mirror.update(good_features, 1)
    bad_features = next(
        f
        for f in (tuple(range(s, s + 20)) for s in range(0, 980))
        if mirror.predict(f) == 1 and _stays(mirror, f, good_features)
    )
    bad, _ = client.contribute(reporter, bad_features, 0)
    chain.pending_timestamp = chain.pending_timestamp + DAY
    chain.mine()

    assert client.refund(contributor, good).return_value == good.deposit
    taken = client.report(contributor, bad).return_value
    assert taken == bad.deposit
    assert fork_trainer.balance == 0
    assert client.read_model().predict(good_features) == client.predict(good_features) == 1


def _stays(model, features, good_features) -> bool:
    trial = model.copy()
    trial.update(features, 0)
    return trial.predict(features) == 1 and trial.predict(good_features) == 1
