"""Mirror of ``contracts/incentives/DepositRefundTake.sol`` (SPEC.md, "Deposit-Refund-Take").

The mechanism prices contributions and authorises claims; it holds no money and no records
(``collabml.trainer.TrainerMirror`` composes it with the records and a model). Each method
mirrors one hook of the contract, raising the contract's errors in the contract's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from collabml import errors
from collabml.fixedpoint import isqrt

DEPOSIT_TIME_SCALE = 3600
"""Seconds in the deposit formula's reference interval: one contribution an hour costs ``cost_weight``."""

MAX_COST_WEIGHT = (2**96 - 1) // DEPOSIT_TIME_SCALE


@dataclass
class TrainerState:
    """The trainer's hot storage word."""

    contribution_count: int = 0
    last_update_time: int = 0
    total_good_contributions: int = 0


@dataclass(frozen=True)
class Claim:
    """A claim on an open record, as the contract assembles it after checking the commitment."""

    id: int
    contributor: str
    added_time: int
    label: int
    initial_deposit: int
    deposit_left: int


@dataclass
class DepositRefundTake:
    cost_weight: int
    refund_wait: int
    owner_claim_wait: int
    anyone_claim_wait: int
    good_contributions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.cost_weight <= MAX_COST_WEIGHT:
            raise errors.CostWeightOutOfRange(self.cost_weight, MAX_COST_WEIGHT)
        if not self.refund_wait <= self.owner_claim_wait <= self.anyone_claim_wait:
            raise errors.WaitsOutOfOrder(self.refund_wait, self.owner_claim_wait, self.anyone_claim_wait)

    def deposit_required(self, last_update_time: int, now: int) -> int:
        """``costWeight * 3600 / max(1, isqrt(now - last))``, rounded down."""
        divisor = isqrt(now - last_update_time) or 1
        return self.cost_weight * DEPOSIT_TIME_SCALE // divisor

    def good(self, account: str) -> int:
        return self.good_contributions.get(account, 0)

    # ---- hooks ----
    def accept_deposit(self, state: TrainerState, sent: int, now: int) -> int:
        deposit = self.deposit_required(state.last_update_time, now)
        if sent < deposit:
            raise errors.DepositTooLow(deposit, sent)
        state.last_update_time = now
        return deposit

    def authorize_refund(
        self, state: TrainerState, claim: Claim, now: int, predict: Callable[[], int]
    ) -> int:
        self._require_waited(claim, self.refund_wait, now)
        prediction = predict()
        if prediction != claim.label:
            raise errors.ModelDisagrees(claim.id, prediction, claim.label)
        self.good_contributions[claim.contributor] = self.good(claim.contributor) + 1
        state.total_good_contributions += 1
        return claim.deposit_left

    def authorize_report(
        self,
        state: TrainerState,
        claim: Claim,
        now: int,
        reporter: str,
        owner: str,
        predict: Callable[[], int],
    ) -> tuple[int, bool]:
        age = now - claim.added_time
        if age >= self.anyone_claim_wait or (age >= self.owner_claim_wait and reporter == owner):
            return claim.deposit_left, True
        self._require_waited(claim, self.refund_wait, now)
        if reporter == claim.contributor:
            raise errors.ReporterIsContributor(claim.id)
        prediction = predict()
        if prediction == claim.label:
            raise errors.ModelAgrees(claim.id, claim.label)
        good = self.good(reporter)
        if good == 0:
            raise errors.ReporterHasNoGoodContributions(reporter)
        amount = claim.initial_deposit * good // state.total_good_contributions
        if amount == 0 or amount > claim.deposit_left:
            amount = claim.deposit_left
        return amount, False

    @staticmethod
    def _require_waited(claim: Claim, wait: int, now: int) -> None:
        claimable_at = claim.added_time + wait
        if now < claimable_at:
            raise errors.ClaimTooEarly(claim.id, claimable_at, now)
