"""`report(...)` under Points: nothing to take, so every report of an open record reverts with
`ReportsMoveNothing()`, after the trainer's record checks (not found, settled, mismatch)."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import DAY, pick_features, reverts_with

from collabml.chain.client import TrainerClient


@pytest.fixture(scope="module", autouse=True)
def contributions(trainer, small_model, contributor, pick_stubborn):
    """An example the model agrees with and one it disputes, both by `contributor`."""
    client = TrainerClient(trainer)
    agreed, _ = client.contribute(contributor, pick_features(small_model, 1, agree=True), 1)
    disputed, _ = client.contribute(contributor, pick_stubborn(small_model, 0, start=8), 0)
    return agreed, disputed


@pytest.mark.parametrize("which", [0, 1], ids=["agreed", "disputed"])
@pytest.mark.parametrize("role", ["reporter", "contributor", "owner", "anyone"])
@pytest.mark.parametrize("age", [0, DAY, 1_000 * DAY])
def test_report__moves_nothing(trainer, client, contributions, chain, request, which, role, age):
    c = contributions[which]
    account = request.getfixturevalue(role)
    chain.pending_timestamp = c.added_time + max(age, 1)

    with reverts_with(trainer, "ReportsMoveNothing"):
        client.report(account, c)

    assert trainer.records(c.id)[1] != 0  # still open
    assert not trainer.hasClaimed(c.id, account)
    assert trainer.goodContributions(account) == 0


def test_report__contribution_not_found(trainer, client, contributions, reporter):
    missing = dataclasses.replace(contributions[0], id=2)
    with reverts_with(trainer, "ContributionNotFound", 2, 2):
        client.report(reporter, missing)


def test_report__contribution_mismatch(trainer, client, contributions, reporter):
    c = contributions[1]
    with reverts_with(trainer, "ContributionMismatch", c.id):
        client.report(reporter, dataclasses.replace(c, label=1 - c.label))


def test_report__contribution_settled(trainer, client, contributions, contributor, reporter, points_params, chain):
    c = contributions[0]
    chain.pending_timestamp = c.added_time + points_params.refund_wait
    client.refund(contributor, c)
    with reverts_with(trainer, "ContributionSettled", c.id):
        client.report(reporter, c)
