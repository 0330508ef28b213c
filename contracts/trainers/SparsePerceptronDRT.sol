// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {DepositRefundTake} from "../incentives/DepositRefundTake.sol";
import {SparsePerceptron} from "../models/SparsePerceptron.sol";

/// @title SparsePerceptronDRT
/// @notice A Sharing Updatable Model: a sparse binary Perceptron trained by anyone under the
/// Deposit-Refund-Take self-assessment mechanism. Deploy, then `loadModel` in chunks.
contract SparsePerceptronDRT is SparsePerceptron, DepositRefundTake {
    /// @param owner_ The account that loads the weights and may take deposits after `ownerClaimWait`.
    /// @param featureCount_ The number of features (1 to 65,536).
    /// @param learningRate_ The weight step on an update, in weight units (1 to 32,767; 1 for a model converted from scikit-learn).
    /// @param intercept_ The initial intercept, in weight units.
    /// @param costWeight_ Deposit scale in wei (see `depositRequired`).
    /// @param refundWait_ Seconds before a refund or a report.
    /// @param ownerClaimWait_ Seconds before the owner takes what is left.
    /// @param anyoneClaimWait_ Seconds before anyone takes what is left.
    constructor(
        address owner_,
        uint256 featureCount_,
        int256 learningRate_,
        int64 intercept_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 ownerClaimWait_,
        uint256 anyoneClaimWait_
    )
        CollaborativeTrainer(owner_)
        SparsePerceptron(featureCount_, learningRate_, intercept_)
        DepositRefundTake(costWeight_, refundWait_, ownerClaimWait_, anyoneClaimWait_)
    {}
}
