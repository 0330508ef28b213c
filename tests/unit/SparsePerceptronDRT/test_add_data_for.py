"""`addDataFor`: a contribution signed by its contributor (EIP-712), relayed and paid for by anyone."""

from __future__ import annotations

import pytest
from helpers import reverts_with

from collabml.chain.client import contribution_typed_data
from collabml.encoding import pack_indices
from collabml.trainer import commitment

FEATURES = (1, 9, 17)


@pytest.fixture
def deadline(chain):
    return chain.pending_timestamp + 3600


def test_add_data_for__relayed(trainer, client, contributor, anyone, small_model, deadline, chain):
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    required = trainer.depositRequired()
    relayer_before, contributor_before = anyone.balance, contributor.balance

    c, receipt = client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature, value=required + 5)

    now = chain.blocks.head.timestamp
    assert c.contributor == contributor.address and c.id == 0 and c.deposit == required
    assert receipt.events == [
        trainer.ContributionAdded(
            id=0, contributor=contributor, label=1, addedTime=now, deposit=required, features=pack_indices(FEATURES)
        )
    ]
    assert trainer.nonces(contributor) == nonce + 1
    assert trainer.records(0)[1] == commitment(contributor.address, now, 1, required, pack_indices(FEATURES)) >> 96
    assert relayer_before - anyone.balance == required + receipt.total_fees_paid
    assert contributor.balance == contributor_before


def test_add_data_for__digest_matches_typed_data(trainer, contributor, chain, deadline):
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    typed = contribution_typed_data(trainer.address, chain.chain_id, contributor.address, pack_indices(FEATURES), 1, 0, deadline)
    expected = _hash_eip191_message(encode_typed_data(full_message=typed))
    assert bytes(trainer.contributionDigest(contributor, pack_indices(FEATURES), 1, 0, deadline)) == expected


def test_add_data_for__contributor_refunds(trainer, client, contributor, anyone, small_model, deadline, travel):
    label = small_model.predict(FEATURES)
    nonce, signature = client.sign_contribution(contributor, FEATURES, label, deadline)
    c, _ = client.contribute_for(anyone, contributor.address, FEATURES, label, nonce, deadline, signature)
    travel(trainer.refundWait())

    receipt = client.refund(contributor, c)

    assert receipt.events == [trainer.DepositRefunded(id=c.id, contributor=contributor, amount=c.deposit)]
    assert trainer.goodContributions(contributor) == 1 and trainer.goodContributions(anyone) == 0


def test_add_data_for__replayed(trainer, client, contributor, anyone, deadline):
    """The signature still verifies, but its nonce is used: a replay fails on the nonce, by name."""
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature)
    with reverts_with(trainer, "InvalidAccountNonce", contributor, nonce + 1):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature)
    assert trainer.contributionCount() == 1


def test_add_data_for__nonce_not_signed(trainer, client, contributor, anyone, deadline):
    """Claiming another nonce than the one signed breaks the signature."""
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    with reverts_with(trainer, "InvalidSignature", contributor):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce + 1, deadline, signature)


def test_add_data_for__expired(trainer, client, contributor, anyone, chain):
    deadline = chain.pending_timestamp + 10
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    chain.pending_timestamp = deadline + 1
    with reverts_with(trainer, "SignatureExpired", deadline, deadline + 1):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature)


def test_add_data_for__at_deadline(trainer, client, contributor, anyone, chain):
    deadline = chain.pending_timestamp + 10
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    chain.pending_timestamp = deadline
    c, _ = client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature)
    assert c.added_time == deadline


@pytest.mark.parametrize("tamper", ["features", "label", "contributor", "deadline"])
def test_add_data_for__tampered(trainer, client, contributor, attacker, anyone, deadline, tamper):
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    args = {"contributor": contributor.address, "features": FEATURES, "label": 1, "deadline": deadline}
    args[tamper] = {"features": (2,), "label": 0, "contributor": attacker.address, "deadline": deadline + 1}[tamper]
    with reverts_with(trainer, "InvalidSignature", args["contributor"]):
        client.contribute_for(anyone, args["contributor"], args["features"], args["label"], nonce, args["deadline"], signature)


def test_add_data_for__signed_by_someone_else(trainer, client, contributor, attacker, anyone, deadline):
    nonce, signature = client.sign_contribution(attacker, FEATURES, 1, deadline, nonce=0)
    with reverts_with(trainer, "InvalidSignature", contributor):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature)


def test_add_data_for__deposit_too_low(trainer, client, contributor, anyone, deadline):
    nonce, signature = client.sign_contribution(contributor, FEATURES, 1, deadline)
    required = trainer.depositRequired()
    with reverts_with(trainer, "DepositTooLow", required, required - 1):
        client.contribute_for(anyone, contributor.address, FEATURES, 1, nonce, deadline, signature, value=required - 1)
    assert trainer.nonces(contributor) == nonce  # nothing was used
