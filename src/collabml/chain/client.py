"""A contributor's view of a deployed trainer: contribute, claim, predict on and off chain."""

from __future__ import annotations

from collections.abc import Sequence

from collabml.encoding import pack_indices, unpack_indices
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import Contribution

READ_CHUNK_WORDS = 1024


def contribution_from_event(event) -> Contribution:
    """A ``Contribution`` from a decoded ``ContributionAdded`` log."""
    return Contribution(
        id=int(event.id),
        contributor=str(event.contributor),
        label=int(event.label),
        added_time=int(event.addedTime),
        deposit=int(event.deposit),
        features=unpack_indices(bytes(event.features)),
    )


class TrainerClient:
    """Thin wrapper over a ``SparsePerceptronDRT`` contract (an Ape contract instance)."""

    def __init__(self, contract) -> None:
        self.contract = contract

    # ---- writes ----
    def contribute(self, account, features: Sequence[int], label: int, value: int | None = None):
        """``addData``; ``value`` defaults to the deposit required now (it can only fall until the
        transaction lands, unless another contribution lands first). Returns (Contribution, receipt)."""
        if value is None:
            value = int(self.contract.depositRequired())
        receipt = self.contract.addData(pack_indices(features), label, sender=account, value=value)
        events = [e for e in receipt.events if e.event_name == "ContributionAdded"]
        return contribution_from_event(events[0]), receipt

    def refund(self, account, c: Contribution):
        return self.contract.refund(
            c.id, c.packed_features, c.label, c.added_time, c.deposit, sender=account
        )

    def report(self, account, c: Contribution):
        return self.contract.report(
            c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=account
        )

    # ---- reads ----
    def predict(self, features: Sequence[int]) -> int:
        """The on-chain prediction (a free view call)."""
        return int(self.contract.predict(pack_indices(features)))

    def read_model(self) -> SparsePerceptron:
        """The model's current state, read once, as a mirror that predicts locally and bit-exactly."""
        count = int(self.contract.modelWordCount())
        words: list[int] = []
        for start in range(0, count, READ_CHUNK_WORDS):
            words.extend(int(w) for w in self.contract.modelWords(start, min(READ_CHUNK_WORDS, count - start)))
        return SparsePerceptron.from_words(
            words,
            int(self.contract.featureCount()),
            int(self.contract.intercept()),
            int(self.contract.learningRate()),
        )

    def contributions(self, start_block: int = 0) -> list[Contribution]:
        """Every contribution, rebuilt from ``ContributionAdded`` logs: the public data set."""
        from ape import chain

        logs = self.contract.ContributionAdded.range(start_block, chain.blocks.height + 1)
        return [contribution_from_event(log) for log in logs]
