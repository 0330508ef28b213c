// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title MockRejectingContributor
/// @notice A contributor contract that refuses every ether transfer, so the trainer's payments to it
/// (change, refunds, taken deposits) fail with `PaymentFailed`. Test use only.
/// @dev Forwards `addData`, `refund` and `report` to the trainer as `msg.sender`; reverts bubble up.
contract MockRejectingContributor {
    /// @notice Thrown by `receive`: this contract accepts no ether.
    /// @param amount The value that was refused, in wei.
    error EtherRejected(uint256 amount);

    /// @notice The trainer this contract contributes to.
    ICollaborativeTrainer public immutable trainer;

    /// @param trainer_ The trainer to contribute to.
    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
    }

    /// @notice Refuses the payment.
    receive() external payable {
        revert EtherRejected(msg.value);
    }

    /// @notice `trainer.addData` with all the value sent.
    function addData(bytes calldata features, uint8 label) external payable returns (uint256 id) {
        return trainer.addData{value: msg.value}(features, label);
    }

    /// @notice `trainer.refund` of this contract's contribution.
    function refund(uint256 id, bytes calldata features, uint8 label, uint64 addedTime, uint96 deposit)
        external
        returns (uint256 amount)
    {
        return trainer.refund(id, features, label, addedTime, deposit);
    }

    /// @notice `trainer.report` with this contract as the reporter.
    function report(
        uint256 id,
        address contributor,
        bytes calldata features,
        uint8 label,
        uint64 addedTime,
        uint96 deposit
    ) external returns (uint256 amount) {
        return trainer.report(id, contributor, features, label, addedTime, deposit);
    }
}
