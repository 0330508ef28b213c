// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title IMulticlassPerceptron
/// @notice A multi-class Perceptron: one linear scorer per class, predicting the class of the
/// highest score, in integer fixed-point arithmetic (scale `ONE = 1e6`).
/// @dev Features: sparse binary models take IClassifier's packed `uint16` indices; dense models
/// take every feature's `int32` fixed-point value (`collabml.encoding.pack_dense`), each in
/// `[-100 * ONE, 100 * ONE]`.
/// Model words: first `ceil(classCount / 4)` intercept words, `int64` intercept `k` in lane `k % 4`
/// (bits `64 * (k % 4)` up) of word `k / 4`; then the weights, feature-major: weight (feature
/// `f`, class `k`) is `int32` lane `g % 8` of weight word `g / 8`, with `g = f * lanesPerFeature()
/// + k`. `lanesPerFeature()` is `classCount` rounded up to a power of two below 8 classes (so a
/// feature's weights never straddle a word and one read serves every class) and `classCount`
/// itself from 8 on (lanes `classCount .. lanesPerFeature - 1` of a feature are padding).
/// Prediction: `argmax_k score_k`, ties to the lowest class (as numpy's argmax); sparse
/// `score_k = intercept_k + sum of present features' weights` (scale ONE), dense
/// `score_k = intercept_k * ONE + sum_f weight_fk * x_f` (scale ONE^2), both exact in `int256`.
/// Update (the classic multi-class Perceptron): when the prediction `p` differs from the label
/// `t`, class `t` steps towards the example and class `p` away from it: sparse, `+-learningRate`
/// on each present feature's weight; dense, `+-(learningRate * x_f / ONE)` (truncated toward
/// zero) on every feature's weight; the two intercepts `+-learningRate`. Weights saturate at the
/// `int32` bounds, intercepts at the `int64` bounds. Other classes never change.
interface IMulticlassPerceptron is IChunkedModel {
    /// @notice Thrown when a model is built with fewer than 2 or more than 256 classes.
    /// @param classCount The class count requested.
    /// @param maxClassCount The largest class count allowed.
    error ClassCountOutOfRange(uint256 classCount, uint256 maxClassCount);

    /// @notice Thrown when the learning rate is zero, negative or does not fit a weight.
    /// @param learningRate The learning rate requested.
    error LearningRateOutOfRange(int256 learningRate);

    /// @notice Every class's intercept (bias), fixed point (scale ONE).
    /// @dev Reverts with `ModelNotLoaded` until the model is fully loaded (intercepts are model words).
    function intercepts() external view returns (int256[] memory);

    /// @notice The learning rate, fixed point (scale ONE).
    function learningRate() external view returns (int256);

    /// @notice Weight lanes per feature in the model words (see the layout above).
    function lanesPerFeature() external view returns (uint256);

    /// @notice Every class's exact score for a set of features; `predict` is the first class of
    /// the highest score.
    /// @dev Reverts like `predict`.
    /// @param features The features, in the model's encoding.
    /// @return The scores, one per class.
    function scores(bytes calldata features) external view returns (int256[] memory);
}
