// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title ISparsePerceptron
/// @notice A binary Perceptron over sparse binary features, in integer fixed point.
/// @dev Model words: weights are `int32` fixed-point numbers (scale `ONE = 1e6`, see SPEC.md),
/// eight to a word: weight `i` is lane `i % 8` (bits `32 * (i % 8)` up) of model word `i / 8`.
/// Prediction: `score = intercept + sum of weights of present features`; class 1 iff `score > 0`.
/// Update: when the prediction differs from the label, every present weight and the intercept
/// move by `+learningRate` (label 1) or `-learningRate` (label 0), saturating at their type's bounds.
interface ISparsePerceptron is IChunkedModel {
    /// @notice Thrown when the learning rate is zero, negative or does not fit a weight.
    /// @param learningRate The learning rate requested.
    error LearningRateOutOfRange(int256 learningRate);

    /// @notice The intercept (bias), fixed point.
    function intercept() external view returns (int256);

    /// @notice The step of each weight on an update, fixed point.
    function learningRate() external view returns (int256);
}
