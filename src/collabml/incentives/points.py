"""Mirror of ``contracts/incentives/Points.sol`` and ``contracts/ContributorBadges.sol``
(SPEC.md, "Points").

Gamified mechanism: contributions are free (any value is refused), a refund of a contribution the
model still agrees with after the refund wait pays nothing but earns its author one point, and
reaching 1, 10, 100 or 1,000 points mints that badge (ERC-1155 id = level) once. Reports always
fail. ``Points`` implements the three hooks ``collabml.trainer.TrainerMirror`` calls
(``accept_deposit``, ``authorize_refund``, ``authorize_report``) plus ``deposit_required``, so a
``TrainerMirror(model, Points(...), owner)`` is the whole ``SparsePerceptronPoints`` in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from collabml import errors
from collabml.incentives.drt import Claim, TrainerState

BADGE_LEVELS: tuple[int, ...] = (1, 10, 100, 1_000)
"""Badge levels, which are also the badges' ERC-1155 token ids: the points each badge marks."""

MAX_REFUND_WAIT = 2**64 - 1
"""``type(uint64).max``: ``addedTime + refundWait`` then fits 65 bits."""

ZERO_ADDRESS = "0x" + "00" * 20


def is_badge_level(points: int) -> bool:
    """``isBadgeLevel``: whether reaching ``points`` mints a badge."""
    return points in BADGE_LEVELS


@dataclass
class ContributorBadges:
    """The badge token: which account holds which level (a balance of 0 or 1 each)."""

    trainer: str
    held: dict[str, set[int]] = field(default_factory=dict)

    def balance_of(self, account: str, level: int) -> int:
        """``balanceOf(account, level)``."""
        return int(level in self.held.get(account, ()))

    def badges_of(self, account: str) -> list[int]:
        """``badgesOf(account)``: the levels held, increasing."""
        return sorted(self.held.get(account, ()))

    def mint(self, caller: str, account: str, level: int) -> None:
        """``mint(account, level)`` sent by ``caller``, with the contract's checks in its order."""
        if caller != self.trainer:
            raise errors.CallerNotTrainer(caller, self.trainer)
        if not is_badge_level(level):
            raise errors.BadgeLevelUnknown(level)
        if account == ZERO_ADDRESS:
            raise errors.ERC1155InvalidReceiver(account)  # unreachable from the trainer
        if self.balance_of(account, level):
            raise errors.BadgeAlreadyHeld(account, level)
        self.held.setdefault(account, set()).add(level)

    @staticmethod
    def transfer(sender: str, recipient: str) -> None:
        """``safeTransferFrom`` / ``safeBatchTransferFrom``: always refused."""
        raise errors.BadgesNotTransferable(sender, recipient)


@dataclass(frozen=True)
class PointAward:
    """What one successful refund did: ``PointAwarded(id, contributor, points)`` and the badge
    minted (``TransferSingle`` with token id ``badge``), if any."""

    id: int
    contributor: str
    points: int
    badge: int | None


TRAINER = "trainer"
"""The badge contract's minter as this mirror names it (only ``Points`` mints)."""


@dataclass
class Points:
    refund_wait: int
    points: dict[str, int] = field(default_factory=dict)
    badges: ContributorBadges = field(default_factory=lambda: ContributorBadges(TRAINER))
    awards: list[PointAward] = field(default_factory=list)
    """Every point awarded, in order (one per refunded record)."""

    def __post_init__(self) -> None:
        if not 0 <= self.refund_wait <= MAX_REFUND_WAIT:
            raise errors.RefundWaitOutOfRange(self.refund_wait, MAX_REFUND_WAIT)

    def deposit_required(self, last_update_time: int, now: int) -> int:
        """Always 0: contributions are free."""
        return 0

    def good(self, account: str) -> int:
        """``goodContributions(account)`` = ``pointsOf(account)``."""
        return self.points.get(account, 0)

    points_of = good

    def badges_of(self, account: str) -> list[int]:
        """``badgesOf(account)``: the badge levels held, increasing."""
        return self.badges.badges_of(account)

    # ---- hooks ----
    def accept_deposit(self, state: TrainerState, sent: int, now: int) -> int:
        if sent != 0:
            raise errors.ValueNotAccepted(sent)
        state.last_update_time = now
        return 0

    def authorize_refund(
        self, state: TrainerState, claim: Claim, now: int, predict: Callable[[], int]
    ) -> int:
        claimable_at = claim.added_time + self.refund_wait
        if now < claimable_at:
            raise errors.ClaimTooEarly(claim.id, claimable_at, now)
        prediction = predict()
        if prediction != claim.label:
            raise errors.ModelDisagrees(claim.id, prediction, claim.label)
        points = self.good(claim.contributor) + 1
        self.points[claim.contributor] = points
        state.total_good_contributions += 1
        badge = points if is_badge_level(points) else None
        if badge is not None:
            self.badges.mint(TRAINER, claim.contributor, badge)
        self.awards.append(PointAward(claim.id, claim.contributor, points, badge))
        return 0

    def authorize_report(
        self,
        state: TrainerState,
        claim: Claim,
        now: int,
        reporter: str,
        owner: str,
        predict: Callable[[], int],
    ) -> tuple[int, bool]:
        raise errors.ReportsMoveNothing()
