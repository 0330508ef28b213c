"""Mirror of ``contracts/CollaborativeTrainer.sol`` and ``DataHandler.sol``: a whole trainer.

Composes a model mirror and a mechanism mirror with the records and the money, exactly as the
contract orders its checks, so a differential test can run the same calls on both and compare
return values, error names and every piece of state. Addresses are checksummed strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_hash.auto import keccak

from collabml import errors
from collabml.encoding import pack_indices
from collabml.incentives.drt import Claim, DepositRefundTake, TrainerState
from collabml.models.perceptron import SparsePerceptron

_DEPOSIT_BITS = 96
_DEPOSIT_MASK = (1 << _DEPOSIT_BITS) - 1


def commitment(contributor: str, added_time: int, label: int, deposit: int, features: bytes) -> int:
    """``DataHandler._commitment``: top 160 bits of the keccak of the packed data, lowest bit set,
    shifted into the record word's high bits."""
    packed = (
        bytes.fromhex(contributor[2:].lower())
        + added_time.to_bytes(8, "big")
        + label.to_bytes(1, "big")
        + deposit.to_bytes(12, "big")
        + features
    )
    digest = int.from_bytes(keccak(packed), "big")
    return ((digest >> _DEPOSIT_BITS) | 1) << _DEPOSIT_BITS


@dataclass(frozen=True)
class Contribution:
    """What ``ContributionAdded`` says of a contribution: enough to claim on it later."""

    id: int
    contributor: str
    label: int
    added_time: int
    deposit: int
    features: tuple
    """Decoded as the model's mirror decodes them (``model.unpack``): indices for binary models."""
    packed: bytes | None = None
    """The features exactly as sent (the event's bytes, or the mirror's ``model.pack``); ``None``
    for a record built by hand from binary indices."""

    @property
    def packed_features(self) -> bytes:
        """The features as sent, which a claim must repeat: ``packed`` for every model, else the
        binary indices' encoding."""
        return self.packed if self.packed is not None else pack_indices(self.features)


@dataclass
class TrainerMirror:
    """A ``<Model>DRT`` trainer computed in Python; ``model`` is any model mirror (``predict``,
    ``update``, ``copy``, ``class_count``), ``SparsePerceptron`` for ``SparsePerceptronDRT``."""

    model: SparsePerceptron
    mechanism: DepositRefundTake
    owner: str
    state: TrainerState = field(default_factory=TrainerState)
    records: dict[int, int] = field(default_factory=dict)
    claimed: set[tuple[int, str]] = field(default_factory=set)
    balance: int = 0
    nonces: dict[str, int] = field(default_factory=dict)

    @classmethod
    def deployed_at(
        cls, model: SparsePerceptron, mechanism: DepositRefundTake, owner: str, time: int
    ) -> TrainerMirror:
        return cls(model, mechanism, owner, TrainerState(last_update_time=time))

    def deposit_required(self, now: int) -> int:
        return self.mechanism.deposit_required(self.state.last_update_time, now)

    def record(self, id: int) -> tuple[int, int]:
        """``records(id)``: (deposit left, commitment)."""
        word = self.records.get(id, 0)
        return word & _DEPOSIT_MASK, word >> _DEPOSIT_BITS

    def add_data(
        self, sender: str, features: Sequence[int], label: int, value: int, now: int
    ) -> tuple[Contribution, int]:
        """``addData``; returns the contribution and the change sent back."""
        if not 0 <= label < self.model.class_count:
            raise errors.LabelOutOfRange(label, self.model.class_count)
        state = TrainerState(**vars(self.state))
        deposit = self.mechanism.accept_deposit(state, value, now)
        model = self.model.copy()
        model.update(features, label)  # validates the features, as _train does
        id = state.contribution_count
        state.contribution_count += 1
        features = tuple(features)
        packed = self.model.pack(features)
        self.records[id] = commitment(sender, now, label, deposit, packed) | deposit
        self.state, self.model = state, model
        self.balance += deposit
        return Contribution(id, sender, label, now, deposit, features, packed), value - deposit

    def add_data_for(
        self,
        contributor: str,
        features: Sequence[int],
        label: int,
        value: int,
        now: int,
        *,
        nonce: int,
        deadline: int,
        signed_by_contributor: bool,
    ) -> tuple[Contribution, int]:
        """``addDataFor``: a contribution ``contributor`` signed (``signed_by_contributor`` says
        whether the signature verifies for exactly these values), sent and paid by anyone."""
        if now > deadline:
            raise errors.SignatureExpired(deadline, now)
        if not signed_by_contributor:
            raise errors.InvalidSignature(contributor)
        current = self.nonces.get(contributor, 0)
        if nonce != current:
            raise errors.InvalidAccountNonce(contributor, current)
        result = self.add_data(contributor, features, label, value, now)
        self.nonces[contributor] = current + 1
        return result

    def _open_claim(self, c: Contribution, contributor: str) -> Claim:
        word = self.records.get(c.id, 0)
        if word == 0:
            if c.id < self.state.contribution_count:
                raise errors.ContributionSettled(c.id)
            raise errors.ContributionNotFound(c.id, self.state.contribution_count)
        expected = commitment(contributor, c.added_time, c.label, c.deposit, self.model.pack(c.features))
        if word & ~_DEPOSIT_MASK != expected:
            raise errors.ContributionMismatch(c.id)
        return Claim(c.id, contributor, c.added_time, c.label, c.deposit, word & _DEPOSIT_MASK)

    def refund(self, sender: str, c: Contribution, now: int) -> int:
        """``refund`` sent by ``sender`` with the data of ``c``; returns the amount paid."""
        claim = self._open_claim(c, sender)
        state = TrainerState(**vars(self.state))
        amount = self.mechanism.authorize_refund(state, claim, now, lambda: self.model.predict(c.features))
        self.state = state
        del self.records[c.id]
        self.balance -= amount
        return amount

    def report(self, sender: str, c: Contribution, now: int) -> int:
        """``report`` sent by ``sender`` on ``c``; returns the amount taken."""
        claim = self._open_claim(c, c.contributor)
        if (c.id, sender) in self.claimed:
            raise errors.AlreadyClaimed(c.id, sender)
        amount, settles = self.mechanism.authorize_report(
            self.state, claim, now, sender, self.owner, lambda: self.model.predict(c.features)
        )
        left = claim.deposit_left - amount
        if settles or left == 0:
            del self.records[c.id]
        else:
            self.records[c.id] = (self.records[c.id] & ~_DEPOSIT_MASK) | left
            self.claimed.add((c.id, sender))
        self.balance -= amount
        return amount

    def unclaimed_deposits(self) -> int:
        return sum(word & _DEPOSIT_MASK for word in self.records.values())
