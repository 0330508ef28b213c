"""A contributor's view of a deployed trainer: contribute, claim, predict on and off chain."""

from __future__ import annotations

from collections.abc import Sequence

from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import Contribution

READ_CHUNK_WORDS = 1024


def contribution_from_event(event, mirror=SparsePerceptron) -> Contribution:
    """A ``Contribution`` from a decoded ``ContributionAdded`` log; ``mirror.unpack`` decodes the
    features of the trainer's model."""
    packed = bytes(event.features)
    return Contribution(
        id=int(event.id),
        contributor=str(event.contributor),
        label=int(event.label),
        added_time=int(event.addedTime),
        deposit=int(event.deposit),
        features=mirror.unpack(packed),
        packed=packed,
    )


def contribution_typed_data(
    verifying_contract: str, chain_id: int, contributor: str, packed_features: bytes, label: int, nonce: int, deadline: int
) -> dict:
    """The EIP-712 typed data of a relayed contribution (``ICollaborativeTrainer.addDataFor``)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Contribution": [
                {"name": "contributor", "type": "address"},
                {"name": "features", "type": "bytes"},
                {"name": "label", "type": "uint8"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Contribution",
        "domain": {"name": "collabml", "version": "1", "chainId": chain_id, "verifyingContract": verifying_contract},
        "message": {
            "contributor": contributor,
            "features": packed_features,
            "label": label,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


class TrainerClient:
    """Thin wrapper over a ``<Model>DRT`` trainer (an Ape contract instance); ``mirror`` is the
    model's mirror class, which packs features and rebuilds the model read off the chain."""

    def __init__(self, contract, mirror=SparsePerceptron) -> None:
        self.contract = contract
        self.mirror = mirror

    # ---- writes ----
    def contribute(self, account, features: Sequence[int], label: int, value: int | None = None):
        """``addData``; ``value`` defaults to the deposit required now (it can only fall until the
        transaction lands, unless another contribution lands first). Returns (Contribution, receipt)."""
        if value is None:
            value = int(self.contract.depositRequired())
        receipt = self.contract.addData(self.mirror.pack(features), label, sender=account, value=value)
        events = [e for e in receipt.events if e.event_name == "ContributionAdded"]
        return contribution_from_event(events[0], self.mirror), receipt

    def contribute_exact(self, chain, account, features: Sequence[int], label: int, mechanism):
        """``addData`` in a block one second after the head (a local chain's ``pending_timestamp``),
        paying exactly the deposit ``mechanism`` (the trainer's ``DepositRefundTake`` mirror)
        requires then: no change is sent back, so the receipt's gas is the contribution's alone (the
        change of a deposit that fell between the view and the block costs about 7k)."""
        now = int(chain.blocks.head.timestamp) + 1
        chain.pending_timestamp = now
        value = mechanism.deposit_required(int(self.contract.lastUpdateTime()), now)
        return self.contribute(account, features, label, value=value)

    def sign_contribution(self, contributor, features: Sequence[int], label: int, deadline: int, nonce: int | None = None):
        """The contributor's EIP-712 signature of a contribution, for anyone to relay with
        `contribute_for`. Works with any Ape account (test, keyfile, hardware). Returns
        ``(nonce, signature)``."""
        from eth_account.messages import encode_typed_data

        if nonce is None:
            nonce = int(self.contract.nonces(contributor.address))
        message = encode_typed_data(full_message=contribution_typed_data(
            self.contract.address, self.chain_id(), contributor.address, self.mirror.pack(features), label, nonce, deadline
        ))
        signature = contributor.sign_message(message)
        return nonce, bytes(signature.encode_rsv())

    def contribute_for(
        self, relayer, contributor: str, features: Sequence[int], label: int, nonce: int, deadline: int,
        signature: bytes, value: int | None = None,
    ):
        """``addDataFor``: ``relayer`` sends (and pays for) ``contributor``'s signed contribution."""
        if value is None:
            value = int(self.contract.depositRequired())
        receipt = self.contract.addDataFor(
            contributor, self.mirror.pack(features), label, nonce, deadline, signature, sender=relayer, value=value
        )
        events = [e for e in receipt.events if e.event_name == "ContributionAdded"]
        return contribution_from_event(events[0], self.mirror), receipt

    def chain_id(self) -> int:
        from ape import chain

        return int(chain.chain_id)

    def refund(self, account, c: Contribution):
        return self.contract.refund(
            c.id, self.mirror.pack(c.features), c.label, c.added_time, c.deposit, sender=account
        )

    def report(self, account, c: Contribution):
        return self.contract.report(
            c.id, c.contributor, self.mirror.pack(c.features), c.label, c.added_time, c.deposit, sender=account
        )

    # ---- reads ----
    def predict(self, features: Sequence[int]) -> int:
        """The on-chain prediction (a free view call)."""
        return int(self.contract.predict(self.mirror.pack(features)))

    def read_words(self) -> list[int]:
        """All model words, read in chunks."""
        count = int(self.contract.modelWordCount())
        words: list[int] = []
        for start in range(0, count, READ_CHUNK_WORDS):
            words.extend(int(w) for w in self.contract.modelWords(start, min(READ_CHUNK_WORDS, count - start)))
        return words

    def read_model(self):
        """The model's current state, read once, as a mirror that predicts locally and bit-exactly."""
        return self.mirror.from_views(self.read_words(), lambda name, *args: getattr(self.contract, name)(*args))

    def contributions(self, start_block: int = 0) -> list[Contribution]:
        """Every contribution, rebuilt from ``ContributionAdded`` logs: the public data set."""
        from ape import chain

        logs = self.contract.ContributionAdded.range(start_block, chain.blocks.height + 1)
        return [contribution_from_event(log, self.mirror) for log in logs]
