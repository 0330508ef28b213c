// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

/// @title IContributorBadges
/// @notice Non-transferable ERC-1155 badges for the validated contributions (points) earned at one
/// trainer. The token id of a badge is its level, the number of points it marks: 1, 10, 100 or
/// 1,000. An account holds at most one badge of each level, minted by the trainer in the refund
/// that takes the account's points to that level; no badge can ever be transferred or burnt.
/// @dev NOTE: every `safeTransferFrom` and `safeBatchTransferFrom` reverts with
/// `BadgesNotTransferable`, whoever calls it. Approvals can still be set, but they allow nothing.
interface IContributorBadges is IERC1155 {
    /// @notice Thrown when anyone tries to transfer badges: they stay with the account that earned them.
    /// @param from The holder named in the transfer.
    /// @param to The recipient named in the transfer.
    error BadgesNotTransferable(address from, address to);

    /// @notice Thrown when an account other than the trainer tries to mint a badge.
    /// @param caller The account that called `mint`.
    /// @param trainer The trainer, the only account allowed to mint.
    error CallerNotTrainer(address caller, address trainer);

    /// @notice Thrown when asked to mint a badge of a level that does not exist.
    /// @param level The level asked for (levels are 1, 10, 100 and 1,000).
    error BadgeLevelUnknown(uint256 level);

    /// @notice Thrown when asked to mint a badge the account already holds.
    /// @param account The account.
    /// @param level The badge's level.
    error BadgeAlreadyHeld(address account, uint256 level);

    /// @notice The trainer whose points the badges mark; the only account that may mint, set once at deployment.
    function trainer() external view returns (address);

    /// @notice Mints the badge of `level` to `account`; only the trainer may, once per account and level.
    /// @dev Emits `TransferSingle(trainer, 0, account, level, 1)`. No `onERC1155Received` call is made
    /// (see `ContributorBadges`).
    /// @param account The account that reached `level` points.
    /// @param level The badge's level: 1, 10, 100 or 1,000.
    function mint(address account, uint256 level) external;

    /// @notice The levels of the badges `account` holds, in increasing order.
    /// @param account The account.
    /// @return levels A subset of (1, 10, 100, 1,000), increasing.
    function badgesOf(address account) external view returns (uint256[] memory levels);

    /// @notice Every badge level, in increasing order: 1, 10, 100, 1,000.
    /// @return levels The levels, which are also the badges' token ids.
    function badgeLevels() external pure returns (uint256[] memory levels);
}
