// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title ISparsePerceptron
/// @notice A binary Perceptron over sparse binary features, in integers.
/// @dev Prediction: `score = intercept + sum of weights of present features`; class 1 iff `score > 0`.
/// Update: when the prediction differs from the label, every present weight and the intercept
/// move by `+learningRate` (label 1) or `-learningRate` (label 0), saturating at their type's bounds.
/// Weights, intercept and learning rate are integers in one unit, and the model words pack the
/// weights in lanes: weight `i` is lane `i % L` (bits `(256 / L) * (i % L)` up, two's complement)
/// of model word `i / L`. Two implementations (SPEC.md): the trainers' `SparsePerceptron` counts in
/// steps (no scale: the sign of the score does not depend on one) with `int16` weights, `L = 16`;
/// the `PredictionMarket`'s model is fixed point (scale `ONE = 1e6`) with `int32` weights, `L = 8`.
/// Intercepts are `int64`.
interface ISparsePerceptron is IChunkedModel {
    /// @notice Thrown when the learning rate is zero, negative or does not fit a weight.
    /// @param learningRate The learning rate requested.
    error LearningRateOutOfRange(int256 learningRate);

    /// @notice The intercept (bias), in the weights' unit.
    function intercept() external view returns (int256);

    /// @notice The step of each weight and of the intercept on an update, in the weights' unit.
    function learningRate() external view returns (int256);
}
