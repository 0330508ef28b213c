// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IIncentiveMechanism
/// @notice Decides what a contribution costs and who may claim what from it, and when.
/// @dev The mechanism never sends money: the trainer, the only holder of funds, pays what it allows.
interface IIncentiveMechanism {
    /// @notice Thrown when a contribution is sent with less than the required deposit.
    /// @param required The deposit required now, in wei.
    /// @param sent The value sent, in wei.
    error DepositTooLow(uint256 required, uint256 sent);

    /// @notice Thrown when a claim comes before its wait has passed.
    /// @param id The contribution's id.
    /// @param claimableAt The first timestamp at which the claim is allowed.
    /// @param nowTime The current block timestamp.
    error ClaimTooEarly(uint256 id, uint256 claimableAt, uint256 nowTime);

    /// @notice Thrown when a contributor asks for a refund that the current model does not support.
    /// @param id The contribution's id.
    /// @param prediction The model's current prediction for the contribution's features.
    /// @param label The contribution's label.
    error ModelDisagrees(uint256 id, uint256 prediction, uint256 label);

    /// @notice Thrown when a contribution is reported as bad while the current model agrees with it.
    /// @param id The contribution's id.
    /// @param label The contribution's label, which the model predicts too.
    error ModelAgrees(uint256 id, uint256 label);

    /// @notice Thrown when a contributor reports their own contribution before the final wait.
    /// @param id The contribution's id.
    error ReporterIsContributor(uint256 id);

    /// @notice Thrown when a reporter has no validated contributions to weight a reward by.
    /// @param reporter The reporter.
    error ReporterHasNoGoodContributions(address reporter);

    /// @notice The deposit a contribution requires if sent now, in wei.
    function depositRequired() external view returns (uint256);

    /// @notice The number of `account`'s contributions that passed the refund test.
    function goodContributions(address account) external view returns (uint256);

    /// @notice The number of contributions of all accounts that passed the refund test.
    function totalGoodContributions() external view returns (uint256);

    /// @notice The timestamp of the last accepted contribution (or of deployment).
    function lastUpdateTime() external view returns (uint256);
}
