// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "./IClassifier.sol";

/// @title ISparsePerceptron
/// @notice A binary Perceptron over sparse binary features, in integer fixed point.
/// @dev Weights are `int32` fixed-point numbers (scale `ONE = 1e6`, see SPEC.md), eight to a
/// storage word: weight `i` is lane `i % 8` (bits `32 * (i % 8)` up) of word `i / 8`.
/// Prediction: `score = intercept + sum of weights of present features`; class 1 iff `score > 0`.
/// Update: when the prediction differs from the label, every present weight and the intercept
/// move by `+learningRate` (label 1) or `-learningRate` (label 0), saturating at their type's bounds.
interface ISparsePerceptron is IClassifier {
    /// @notice Thrown when a weight chunk does not start where loading stopped.
    /// @param expected The first word the next chunk must start at (`loadedWords()`).
    /// @param given The first word of the chunk sent.
    error WeightChunkOutOfOrder(uint256 expected, uint256 given);

    /// @notice Thrown when a weight chunk would write past the last weight word.
    /// @param end The word after the chunk's last one.
    /// @param wordCount The number of weight words.
    error WeightChunkTooLong(uint256 end, uint256 wordCount);

    /// @notice Thrown when the learning rate is zero, negative or does not fit a weight.
    /// @param learningRate The learning rate requested.
    error LearningRateOutOfRange(int256 learningRate);

    /// @notice Emitted when a chunk of packed weights has been stored.
    /// @param firstWord The first word written.
    /// @param wordCount The number of words written.
    /// @param loadedWords The number of words loaded so far; loading is complete at `weightWordCount()`.
    event WeightsLoaded(uint256 firstWord, uint256 wordCount, uint256 loadedWords);

    /// @notice Stores the next chunk of packed initial weights. Only the owner, only before the
    /// model is ready; chunks must come in order, so an interrupted load resumes at `loadedWords()`.
    /// @param firstWord The index of the first word in `words`; must equal `loadedWords()`.
    /// @param words Packed weights, eight `int32` lanes per word.
    function loadWeights(uint256 firstWord, uint256[] calldata words) external;

    /// @notice The number of weight words stored so far.
    function loadedWords() external view returns (uint256);

    /// @notice The number of weight words the model needs: `ceil(featureCount() / 8)`.
    function weightWordCount() external view returns (uint256);

    /// @notice Packed weight words `start .. start + count - 1`, for reading the model off chain.
    /// @param start The first word.
    /// @param count How many words.
    /// @return words The packed words, eight `int32` weights each.
    function weightWords(uint256 start, uint256 count) external view returns (uint256[] memory words);

    /// @notice The intercept (bias), fixed point.
    function intercept() external view returns (int256);

    /// @notice The step of each weight on an update, fixed point.
    function learningRate() external view returns (int256);
}
