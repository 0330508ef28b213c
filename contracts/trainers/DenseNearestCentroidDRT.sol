// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {DepositRefundTake} from "../incentives/DepositRefundTake.sol";
import {DenseNearestCentroid} from "../models/DenseNearestCentroid.sol";

/// @title DenseNearestCentroidDRT
/// @notice A Sharing Updatable Model: a Nearest Centroid classifier over dense fixed-point features,
/// trained by anyone under the Deposit-Refund-Take self-assessment mechanism. Deploy with each
/// class's example count, then `loadModel` the feature sums in chunks.
contract DenseNearestCentroidDRT is DenseNearestCentroid, DepositRefundTake {
    /// @param owner_ The account that loads the model and may take deposits after `ownerClaimWait`.
    /// @param featureCount_ The number of features (1 to 4,096).
    /// @param exampleCounts_ Each class's example count (2 to 256 classes, each count at most 2,199,023).
    /// @param costWeight_ Deposit scale in wei (see `depositRequired`).
    /// @param refundWait_ Seconds before a refund or a report.
    /// @param ownerClaimWait_ Seconds before the owner takes what is left.
    /// @param anyoneClaimWait_ Seconds before anyone takes what is left.
    constructor(
        address owner_,
        uint256 featureCount_,
        uint256[] memory exampleCounts_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 ownerClaimWait_,
        uint256 anyoneClaimWait_
    )
        CollaborativeTrainer(owner_)
        DenseNearestCentroid(featureCount_, exampleCounts_)
        DepositRefundTake(costWeight_, refundWait_, ownerClaimWait_, anyoneClaimWait_)
    {}
}
