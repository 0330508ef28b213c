// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {SparsePerceptronPoints} from "../trainers/SparsePerceptronPoints.sol";

/// @title SparsePerceptronPointsHarness
/// @notice `SparsePerceptronPoints` with a setter for an account's points, so tests reach the
/// badge levels 100 and 1,000 without hundreds of refunds. Test use only.
contract SparsePerceptronPointsHarness is SparsePerceptronPoints {
    constructor(
        address owner_,
        uint256 featureCount_,
        int256 learningRate_,
        int64 intercept_,
        uint256 refundWait_,
        string memory badgeUri_
    ) SparsePerceptronPoints(owner_, featureCount_, learningRate_, intercept_, refundWait_, badgeUri_) {}

    /// @notice Sets `account`'s points (no badge is minted) and moves the total by the difference,
    /// so `totalGoodContributions` stays the sum of every account's points.
    function setPoints(address account, uint256 points) external {
        uint256 total = _state.totalGoodContributions - _points[account] + points;
        _state.totalGoodContributions = SafeCast.toUint48(total);
        _points[account] = points;
    }
}
