// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentiveMechanism} from "./IIncentiveMechanism.sol";

/// @title IDepositRefundTake
/// @notice Self-assessment: contributors deposit, get the deposit back if the model agrees with
/// them after a wait, and lose it to contributors with good data if it does not (SPEC.md).
interface IDepositRefundTake is IIncentiveMechanism {
    /// @notice Thrown when the waits are not ordered `refundWait <= ownerClaimWait <= anyoneClaimWait`.
    error WaitsOutOfOrder(uint256 refundWait, uint256 ownerClaimWait, uint256 anyoneClaimWait);

    /// @notice Thrown when the cost weight is zero or so large that a deposit could overflow 96 bits.
    /// @param costWeight The cost weight requested.
    /// @param maxCostWeight The largest cost weight allowed.
    error CostWeightOutOfRange(uint256 costWeight, uint256 maxCostWeight);

    /// @notice Wei per contribution when one contribution an hour comes in (see `depositRequired`).
    function costWeight() external view returns (uint256);

    /// @notice Seconds after a contribution before its author may ask for a refund, or others report it.
    function refundWait() external view returns (uint256);

    /// @notice Seconds after a contribution before the owner may take what is left of its deposit.
    function ownerClaimWait() external view returns (uint256);

    /// @notice Seconds after a contribution before anyone may take what is left of its deposit.
    function anyoneClaimWait() external view returns (uint256);
}
