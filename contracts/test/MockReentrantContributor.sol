// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title MockReentrantContributor
/// @notice A contributor contract whose `receive` calls back into the trainer (`addData`, `refund` or
/// `report`) while the trainer pays it change, a refund or a taken deposit. Test use only.
/// @dev In `bubble` mode `receive` reverts with the re-entrant call's revert data, so the trainer's
/// payment fails (`PaymentFailed`); otherwise it keeps the payment and stores that revert data in
/// `lastReentryError` for the test to read. The re-entrant call uses the claim set by `setReentry`.
contract MockReentrantContributor {
    /// @notice Which trainer function `receive` calls.
    enum Reentry {
        None,
        AddData,
        Refund,
        Report
    }

    /// @notice The trainer this contract contributes to.
    ICollaborativeTrainer public immutable trainer;

    /// @notice The trainer function `receive` calls.
    Reentry public reentry;
    /// @notice Whether `receive` refuses the payment when the re-entrant call reverts.
    bool public bubble;
    /// @notice The number of re-entrant calls attempted (and kept, so only in non-bubble mode).
    uint256 public reentryAttempts;
    /// @notice Whether a re-entrant call ever succeeded (it never should).
    bool public reentrySucceeded;
    /// @notice The revert data of the last re-entrant call (non-bubble mode).
    bytes public lastReentryError;

    uint256 private _id;
    address private _contributor;
    bytes private _features;
    uint8 private _label;
    uint64 private _addedTime;
    uint96 private _deposit;

    /// @param trainer_ The trainer to contribute to.
    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
    }

    /// @notice Calls back into the trainer as configured, then keeps or refuses the payment.
    receive() external payable {
        if (reentry == Reentry.None) return;
        (bool ok, bytes memory data) = _reenter(msg.value);
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(data, 0x20), mload(data))
            }
        }
        ++reentryAttempts;
        if (ok) reentrySucceeded = true;
        lastReentryError = data;
    }

    /// @notice Chooses the call `receive` makes and the claim it makes it with.
    /// @param reentry_ The trainer function to call back (`None`: just accept payments).
    /// @param bubble_ Whether to refuse the payment when the call back reverts.
    /// @param id The claim's contribution id (for `Refund` and `Report`).
    /// @param contributor The claim's contributor (for `Report`).
    /// @param features The claim's features (also sent by `AddData`).
    /// @param label The claim's label (also sent by `AddData`).
    /// @param addedTime The claim's time.
    /// @param deposit The claim's deposit.
    function setReentry(
        Reentry reentry_,
        bool bubble_,
        uint256 id,
        address contributor,
        bytes calldata features,
        uint8 label,
        uint64 addedTime,
        uint96 deposit
    ) external {
        reentry = reentry_;
        bubble = bubble_;
        _id = id;
        _contributor = contributor;
        _features = features;
        _label = label;
        _addedTime = addedTime;
        _deposit = deposit;
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

    /// @dev The configured call back into the trainer, sending `value` along with `addData`.
    function _reenter(uint256 value) private returns (bool ok, bytes memory data) {
        if (reentry == Reentry.AddData) {
            return address(trainer).call{value: value}(
                abi.encodeCall(ICollaborativeTrainer.addData, (_features, _label))
            );
        }
        if (reentry == Reentry.Refund) {
            return address(trainer).call(
                abi.encodeCall(ICollaborativeTrainer.refund, (_id, _features, _label, _addedTime, _deposit))
            );
        }
        return address(trainer).call(
            abi.encodeCall(
                ICollaborativeTrainer.report, (_id, _contributor, _features, _label, _addedTime, _deposit)
            )
        );
    }
}
