// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {DepositRefundTake} from "../incentives/DepositRefundTake.sol";
import {NaiveBayes} from "../models/NaiveBayes.sol";

/// @title NaiveBayesDRT
/// @notice A Sharing Updatable Model: a Multinomial Naive Bayes classifier over feature counts,
/// trained by anyone under the Deposit-Refund-Take self-assessment mechanism. Deploy with the
/// smoothing and each class's document count, then `loadModel` the per-class feature counts in chunks.
contract NaiveBayesDRT is NaiveBayes, DepositRefundTake {
    /// @param owner_ The account that loads the model and may take deposits after `ownerClaimWait`.
    /// @param featureCount_ The number of features (1 to 65,536).
    /// @param alpha_ The smoothing, fixed point (scale 1e6), 1 to 1e12.
    /// @param documentCounts_ Each class's document count (2 to 32 classes, each at most 2^64 - 1).
    /// @param costWeight_ Deposit scale in wei (see `depositRequired`).
    /// @param refundWait_ Seconds before a refund or a report.
    /// @param ownerClaimWait_ Seconds before the owner takes what is left.
    /// @param anyoneClaimWait_ Seconds before anyone takes what is left.
    constructor(
        address owner_,
        uint256 featureCount_,
        uint256 alpha_,
        uint256[] memory documentCounts_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 ownerClaimWait_,
        uint256 anyoneClaimWait_
    )
        CollaborativeTrainer(owner_)
        NaiveBayes(featureCount_, alpha_, documentCounts_)
        DepositRefundTake(costWeight_, refundWait_, ownerClaimWait_, anyoneClaimWait_)
    {}
}
