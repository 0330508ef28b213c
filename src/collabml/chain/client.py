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
    )


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
