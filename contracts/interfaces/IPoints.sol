// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IContributorBadges} from "./IContributorBadges.sol";
import {IIncentiveMechanism} from "./IIncentiveMechanism.sol";

/// @title IPoints
/// @notice Gamified incentive mechanism: contributions are free, and a contribution the model still
/// agrees with after the refund wait earns its author one point when the author claims it with
/// `refund` (which pays nothing). Points unlock badges at 1, 10, 100 and 1,000 (SPEC.md, "Points").
/// @dev `goodContributions(account)` is the account's points and `totalGoodContributions()` the
/// points of all accounts. `depositRequired()` is always 0; `addData` refuses any value with
/// `ValueNotAccepted`, so the trainer never holds ether. `report` always reverts with
/// `ReportsMoveNothing` (after the record checks): there is nothing to take.
interface IPoints is IIncentiveMechanism {
    /// @notice Thrown when `addData` is sent with ether: contributions under Points are free.
    /// @param sent The value sent, in wei.
    error ValueNotAccepted(uint256 sent);

    /// @notice Thrown by every `report` of an existing, open contribution: no deposit is held, so a
    /// report has nothing to take, and bad data earns no points by itself.
    error ReportsMoveNothing();

    /// @notice Thrown when the refund wait does not fit 64 bits.
    /// @param refundWait The refund wait requested, in seconds.
    /// @param maxRefundWait The largest refund wait allowed, `type(uint64).max`.
    error RefundWaitOutOfRange(uint256 refundWait, uint256 maxRefundWait);

    /// @notice Emitted when a contributor has earned a point for a contribution the model agrees with.
    /// @param id The contribution's id.
    /// @param contributor Its author, who earned the point.
    /// @param points The author's points after this one.
    event PointAwarded(uint256 indexed id, address indexed contributor, uint256 points);

    /// @notice Seconds after a contribution before its author may claim its point.
    function refundWait() external view returns (uint256);

    /// @notice The badge token (ERC-1155) this trainer deployed and alone mints.
    function badges() external view returns (IContributorBadges);

    /// @notice The points of `account`: its contributions that earned a point (`goodContributions`).
    /// @param account The account.
    /// @return The account's points.
    function pointsOf(address account) external view returns (uint256);

    /// @notice The levels of the badges `account` holds, in increasing order (`badges().badgesOf`).
    /// @param account The account.
    /// @return levels A subset of (1, 10, 100, 1,000), increasing.
    function badgesOf(address account) external view returns (uint256[] memory levels);
}
