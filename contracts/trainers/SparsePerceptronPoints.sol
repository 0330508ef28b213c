// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {Points} from "../incentives/Points.sol";
import {SparsePerceptron} from "../models/SparsePerceptron.sol";

/// @title SparsePerceptronPoints
/// @notice A Sharing Updatable Model: a sparse binary Perceptron trained by anyone for free, each
/// contribution the model keeps agreeing with earning its author a point, and points earning
/// non-transferable badges. Deploy (which deploys the badges too), then `loadModel` in chunks.
contract SparsePerceptronPoints is SparsePerceptron, Points {
    /// @param owner_ The account that loads the weights.
    /// @param featureCount_ The number of features (1 to 65,536).
    /// @param learningRate_ The weight step on an update, in weight units (1 to 32,767; 1 for a model converted from scikit-learn).
    /// @param intercept_ The initial intercept, in weight units.
    /// @param refundWait_ Seconds before a contribution's point can be claimed.
    /// @param badgeUri_ The badges' ERC-1155 metadata URI (`{id}` is the level), may be empty.
    constructor(
        address owner_,
        uint256 featureCount_,
        int256 learningRate_,
        int64 intercept_,
        uint256 refundWait_,
        string memory badgeUri_
    )
        CollaborativeTrainer(owner_)
        SparsePerceptron(featureCount_, learningRate_, intercept_)
        Points(refundWait_, badgeUri_)
    {}
}
