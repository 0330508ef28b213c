// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {ContributorBadges, isBadgeLevel} from "../ContributorBadges.sol";
import {IContributorBadges} from "../interfaces/IContributorBadges.sol";
import {IIncentiveMechanism} from "../interfaces/IIncentiveMechanism.sol";
import {IPoints} from "../interfaces/IPoints.sol";

/// @title Points
/// @notice Gamified incentive module of a `CollaborativeTrainer` (SPEC.md, "Points"): free
/// contributions, one point per contribution the model still agrees with after the refund wait,
/// and non-transferable badges at 1, 10, 100 and 1,000 points.
/// @dev addData: any value reverts with `ValueNotAccepted(sent)`; `lastUpdateTime` moves to now.
/// refund: by the author, from `addedTime + refundWait` on, if the model predicts the label; pays
/// 0, adds one point to the author and to the total, emits `PointAwarded`, mints the badge of the
/// level just reached (if any), and the trainer settles the record, so each record earns at most
/// one point. report: always `ReportsMoveNothing()` once the record checks pass.
/// NOTE: the badge contract is deployed by this constructor (about 1.0M gas more per deployment)
/// and minting calls it (an external call, about 29k gas for a new badge); it makes no call back.
abstract contract Points is CollaborativeTrainer, IPoints {
    /// @dev Bounds the refund wait so `addedTime + refundWait` (two 64-bit numbers) cannot overflow.
    uint256 private constant _MAX_REFUND_WAIT = type(uint64).max;

    /// @inheritdoc IPoints
    uint256 public immutable refundWait;
    /// @inheritdoc IPoints
    IContributorBadges public immutable badges;

    /// @dev Points of each account; internal so a test harness can set them (contracts/test).
    mapping(address account => uint256) internal _points;

    /// @param refundWait_ Seconds before a contribution's point can be claimed, at most `type(uint64).max`.
    /// @param badgeUri_ The badges' ERC-1155 metadata URI (`{id}` is the level), may be empty.
    constructor(uint256 refundWait_, string memory badgeUri_) {
        if (refundWait_ > _MAX_REFUND_WAIT) revert RefundWaitOutOfRange(refundWait_, _MAX_REFUND_WAIT);
        refundWait = refundWait_;
        badges = new ContributorBadges(badgeUri_);
    }

    /// @inheritdoc IIncentiveMechanism
    function depositRequired() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IIncentiveMechanism
    function goodContributions(address account) external view returns (uint256) {
        return _points[account];
    }

    /// @inheritdoc IPoints
    function pointsOf(address account) external view returns (uint256) {
        return _points[account];
    }

    /// @inheritdoc IPoints
    function badgesOf(address account) external view returns (uint256[] memory levels) {
        return badges.badgesOf(account);
    }

    function _acceptDeposit(TrainerState memory s, uint256 sent) internal view override returns (uint256 deposit) {
        if (sent != 0) revert ValueNotAccepted(sent);
        // Cast is exact until the year 36812 (2^40 seconds).
        s.lastUpdateTime = uint40(block.timestamp);
        return 0;
    }

    function _authorizeRefund(TrainerState memory s, Claim memory claim, bytes calldata features)
        internal
        override
        returns (uint256 amount)
    {
        uint256 claimableAt;
        // Cannot overflow: addedTime is a uint64 (proved by the commitment), refundWait <= type(uint64).max.
        unchecked {
            claimableAt = claim.addedTime + refundWait;
        }
        if (block.timestamp < claimableAt) revert ClaimTooEarly(claim.id, claimableAt, block.timestamp);
        uint256 prediction = _predict(s, features);
        if (prediction != claim.label) revert ModelDisagrees(claim.id, prediction, claim.label);
        address author = claim.contributor;
        uint256 points = _points[author] + 1;
        _points[author] = points;
        ++s.totalGoodContributions;
        emit PointAwarded(claim.id, author, points);
        // Points grow by one, so each level is reached, and its badge minted, exactly once.
        if (isBadgeLevel(points)) badges.mint(author, points);
        return 0;
    }

    function _authorizeReport(TrainerState memory, Claim memory, bytes calldata)
        internal
        pure
        override
        returns (uint256, bool)
    {
        revert ReportsMoveNothing();
    }
}
