// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title IDensePerceptron
/// @notice A binary Perceptron over dense fixed-point features, in integer arithmetic.
/// @dev Features (unlike IClassifier's default encoding): every feature's value, in feature
/// order, as a big-endian two's-complement `int32` fixed-point number (scale `ONE = 1e6`), exactly
/// `featureCount()` of them (`collabml.encoding.pack_dense`). Each value must lie in
/// `[-featureValueBound(), featureValueBound()]` (100 in real units).
/// Model words: weights are `int32` fixed point, eight to a word: weight `i` is lane `i % 8`
/// (bits `32 * (i % 8)` up) of model word `i / 8`.
/// Prediction: `score = intercept * ONE + sum_i weight_i * x_i`, exact in `int256` (scale ONE^2,
/// no division, hence no rounding); class 1 iff `score > 0`.
/// Update: when the prediction differs from the label, with `s = +1` for label 1 and `s = -1`
/// for label 0, `weight_i += s * (learningRate * x_i / ONE)` (the quotient truncated toward zero)
/// and `intercept += s * learningRate`, each saturating at its type's bounds.
interface IDensePerceptron is IChunkedModel {
    /// @notice Thrown when the learning rate is zero, negative or does not fit a weight.
    /// @param learningRate The learning rate requested.
    error LearningRateOutOfRange(int256 learningRate);

    /// @notice The intercept (bias), fixed point (scale ONE).
    function intercept() external view returns (int256);

    /// @notice The learning rate, fixed point (scale ONE).
    function learningRate() external view returns (int256);

    /// @notice The largest magnitude of a feature value, fixed point: `100 * ONE`.
    function featureValueBound() external pure returns (int256);

    /// @notice The exact score of a feature vector, `intercept * ONE + sum_i weight_i * x_i`
    /// (scale ONE^2); `predict` is 1 iff it is positive.
    /// @dev Reverts like `predict` (`ModelNotLoaded`, `FeaturesMalformed`, `FeatureValueOutOfRange`).
    /// @param features The packed `int32` values, `featureCount()` of them.
    /// @return The score.
    function score(bytes calldata features) external view returns (int256);
}
