// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDataHandler
/// @notice One storage word per contribution: the deposit left and a commitment to the rest.
/// @dev A record packs `depositLeft` (low 96 bits) and a 160-bit commitment to
/// `(contributor, addedTime, label, initialDeposit, features)` (high bits). The features themselves
/// are only in the `ContributionAdded` event, so anyone can rebuild the data set from the logs;
/// a claim resends them and the commitment proves them. A record that is fully settled is deleted.
interface IDataHandler {
    /// @notice Thrown when no contribution with this id was ever added.
    /// @param id The id asked for.
    /// @param contributionCount The number of contributions so far (valid ids are below it).
    error ContributionNotFound(uint256 id, uint256 contributionCount);

    /// @notice Thrown when a contribution has been fully settled: refunded, or its deposit all taken.
    /// @param id The contribution's id.
    error ContributionSettled(uint256 id);

    /// @notice Thrown when the contributor, time, label, deposit or features sent with a claim are
    /// not those the contribution was recorded with.
    /// @param id The contribution's id.
    error ContributionMismatch(uint256 id);

    /// @notice Thrown when an account claims from the same contribution a second time.
    /// @param id The contribution's id.
    /// @param claimant The account that already claimed.
    error AlreadyClaimed(uint256 id, address claimant);

    /// @notice The stored record of a contribution; both are zero once it is settled.
    /// @param id The contribution's id.
    /// @return depositLeft The part of the deposit still held, in wei.
    /// @return commitment The 160-bit commitment to the contribution's data.
    function records(uint256 id) external view returns (uint256 depositLeft, uint256 commitment);

    /// @notice Whether `account` has taken a share of contribution `id`'s deposit by a report.
    function hasClaimed(uint256 id, address account) external view returns (bool);

    /// @notice The number of contributions ever added; the next id.
    function contributionCount() external view returns (uint256);
}
