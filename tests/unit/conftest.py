"""Helpers for the per-function unit tests."""

from __future__ import annotations

import pytest

from collabml.trainer import Contribution


@pytest.fixture
def travel(chain):
    """Move the next block's timestamp `seconds` ahead and mine it."""

    def travel(seconds: int) -> int:
        chain.pending_timestamp = chain.pending_timestamp + seconds
        chain.mine()
        return chain.blocks.head.timestamp

    return travel


@pytest.fixture
def add(client):
    """Add data as `account`; returns the `Contribution` (from the event) and the receipt."""

    def add(account, features, label, value=None) -> tuple[Contribution, object]:
        return client.contribute(account, features, label, value=value)

    return add
