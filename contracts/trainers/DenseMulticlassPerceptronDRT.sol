// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {DepositRefundTake} from "../incentives/DepositRefundTake.sol";
import {DenseMulticlassPerceptron} from "../models/DenseMulticlassPerceptron.sol";
import {MulticlassPerceptronBase} from "../models/SparseMulticlassPerceptron.sol";

/// @title DenseMulticlassPerceptronDRT
/// @notice A Sharing Updatable Model: a multi-class Perceptron over dense fixed-point features, trained by
/// anyone under the Deposit-Refund-Take self-assessment mechanism. Deploy, then `loadModel` in
/// chunks (intercept words first, then the weights).
contract DenseMulticlassPerceptronDRT is DenseMulticlassPerceptron, DepositRefundTake {
    /// @param owner_ The account that loads the model and may take deposits after `ownerClaimWait`.
    /// @param featureCount_ The number of features (1 to 16,384 / lanesPerFeature).
    /// @param classCount_ The number of classes (2 to 256).
    /// @param learningRate_ The learning rate, fixed point (scale 1e6).
    /// @param costWeight_ Deposit scale in wei (see `depositRequired`).
    /// @param refundWait_ Seconds before a refund or a report.
    /// @param ownerClaimWait_ Seconds before the owner takes what is left.
    /// @param anyoneClaimWait_ Seconds before anyone takes what is left.
    constructor(
        address owner_,
        uint256 featureCount_,
        uint256 classCount_,
        int256 learningRate_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 ownerClaimWait_,
        uint256 anyoneClaimWait_
    )
        CollaborativeTrainer(owner_)
        MulticlassPerceptronBase(featureCount_, classCount_, learningRate_)
        DepositRefundTake(costWeight_, refundWait_, ownerClaimWait_, anyoneClaimWait_)
    {}
}
