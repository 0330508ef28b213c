// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title INaiveBayes
/// @notice A Multinomial Naive Bayes classifier (scikit-learn's `MultinomialNB`, `fit_prior=True`,
/// additive smoothing `alpha`) over feature counts, 2 to 32 classes, in integer arithmetic.
/// @dev Features travel in the counts format (`collabml.encoding.pack_counts`): each present
/// feature is a big-endian `uint16` index followed by a big-endian `uint16` count `x_i >= 1`,
/// indices strictly increasing; binary data is counts of 1. Each class `c` keeps its document
/// count `D_c`, per-feature counts `n_ci` and their total `N_c = sum_i n_ci`. The prediction is
/// `argmax_c [ln D_c + sum_i x_i ln(n_ci + alpha) - |x| ln(N_c + alpha V)]` (`|x| = sum_i x_i`,
/// `V = featureCount()`), ties to the lowest class, classes with `D_c = 0` never predicted (0 when
/// every class has none). Scores are computed in log space, never as products of probabilities, so
/// long inputs cannot underflow: `D_c * prod_i (n_ci ONE + alpha)^x_i` is kept as a 256-bit
/// mantissa and a power-of-two exponent (truncated to its top 128+ bits when it grows), and one
/// fixed-point logarithm of it and one of `N_c ONE + alpha V` per class give the score (scale
/// 1e18; the `ln ONE` terms cancel since `sum_i x_i = |x|`). Learning is generative and happens on
/// every contribution, whatever the prediction: `D_label += 1`, `n_label,i += x_i`, `N_label += |x|`.
/// The model words hold the counts `n_ci` (layout in SPEC.md, "Naive Bayes"); the constructor takes
/// `alpha` and the document counts, and `loadModel` computes each `N_c` from the words it stores,
/// so `N_c == sum_i n_ci` always holds.
interface INaiveBayes is IChunkedModel {
    /// @notice Thrown when a model is built with fewer than 2 or more than 32 classes.
    /// @param classCount The class count requested (the length of the document counts).
    /// @param maxClassCount The largest class count allowed.
    error ClassCountOutOfRange(uint256 classCount, uint256 maxClassCount);

    /// @notice Thrown when the smoothing `alpha` is 0 or above `maxAlpha` (fixed point, scale 1e6).
    /// @param alpha The alpha requested.
    /// @param maxAlpha The largest alpha allowed.
    error AlphaOutOfRange(uint256 alpha, uint256 maxAlpha);

    /// @notice Thrown when a class's document count would exceed `maxDocumentCount()`: at
    /// construction, a count above it; in `addData`, a document for a full class.
    /// @param label The class.
    /// @param count The count it would have.
    /// @param maxCount The largest count allowed.
    error DocumentCountOverflow(uint256 label, uint256 count, uint256 maxCount);

    /// @notice Thrown when `addData` would raise a per-class feature count `n_label,feature` above
    /// `maxCount()` (it fits a 16-bit lane).
    /// @param label The class.
    /// @param feature The feature.
    /// @param count The count it would have.
    /// @param maxCount The largest count allowed.
    error CountOverflow(uint256 label, uint256 feature, uint256 count, uint256 maxCount);

    /// @notice Thrown when a loaded model word has bits set in padding lanes (past the last
    /// (feature, class) lane of the model).
    /// @param wordIndex The index of the word in the model.
    /// @param word The word.
    error ModelWordMalformed(uint256 wordIndex, uint256 word);

    /// @notice The smoothing `alpha`, fixed point (scale `ONE = 1e6`).
    function alpha() external view returns (uint256);

    /// @notice The number of documents (contributions) class `label` has learned from, `D_label`.
    /// @dev Reverts with `LabelOutOfRange` for a label that is not a class.
    /// @param label The class.
    /// @return The count.
    function documentCount(uint256 label) external view returns (uint256);

    /// @notice The total of class `label`'s feature counts, `N_label = sum_i n_label,i` (of the words
    /// loaded so far, while loading).
    /// @dev Reverts with `LabelOutOfRange` for a label that is not a class.
    /// @param label The class.
    /// @return The total.
    function classTotal(uint256 label) external view returns (uint256);

    /// @notice The count of feature `feature` in class `label`, `n_label,feature`.
    /// @dev Reverts with `LabelOutOfRange` or `FeatureOutOfRange`.
    /// @param label The class.
    /// @param feature The feature.
    /// @return The count.
    function count(uint256 label, uint256 feature) external view returns (uint256);

    /// @notice Each class's score, `floor`-rounded fixed point (scale 1e18) of
    /// `ln D_c + sum_i x_i ln(n_ci + alpha) - |x| ln(N_c + alpha V)`: scikit-learn's joint log
    /// likelihood plus `ln(sum_c D_c)`. A class without documents scores `type(int256).min`.
    /// @dev Validates the features as `predict` does; reverts with `ModelNotLoaded` until loaded.
    /// @param features The packed (index, count) pairs.
    /// @return The scores, one per class.
    function scores(bytes calldata features) external view returns (int256[] memory);

    /// @notice The largest per-class feature count, `2^16 - 1` (`CountOverflow` beyond it).
    function maxCount() external pure returns (uint256);

    /// @notice The largest document count of a class, `2^27 - 1` (`DocumentCountOverflow` beyond it).
    function maxDocumentCount() external pure returns (uint256);
}
