// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChunkedModel} from "./IChunkedModel.sol";

/// @title INearestCentroid
/// @notice A Nearest Centroid classifier (scikit-learn's `NearestCentroid`, Euclidean metric) in
/// exact integer arithmetic: each class `c` keeps the per-feature sums `S_c` of its examples and
/// their number `n_c`; its centroid is `mu_c = S_c / n_c`, and the prediction is the class of the
/// nearest centroid, `argmin_c ||x - mu_c||^2`, ties to the lowest class.
/// @dev Without any division: with `Q_c = sum_i S_ci^2` kept per class,
/// `D_c = n_c^2 * ||x - mu_c||^2 = n_c^2 * ||x||^2 - 2 * n_c * <x, S_c> + Q_c` is an exact integer,
/// and classes compare by cross-multiplication, `D_a / n_a^2 < D_b / n_b^2` iff
/// `D_a * n_b^2 < D_b * n_a^2`: exact rational arithmetic, no rounding anywhere. A class without
/// examples has no centroid and is never predicted; with no examples at all the prediction is 0.
/// Learning from `(x, label)` adds `x` to `S_label`, one to `n_label`, and
/// `sum_i (2 * S_label,i * x_i + x_i^2)` to `Q_label` (over the present features only, for
/// sparse models), so an update costs the features it touches, not the model's dimension.
/// Sparse models take IClassifier's packed `uint16` indices (binary features, value 1); dense
/// models take every feature's `int32` fixed-point value (scale `ONE = 1e6`,
/// `collabml.encoding.pack_dense`), each within `[-featureValueBound(), featureValueBound()]`.
/// The model words hold the sums `S` (layout per model, SPEC.md "Nearest Centroid"); the
/// constructor takes the counts `n_c`, and `loadModel` computes `Q_c` from the words it stores
/// and checks every sum against its class's count, so `Q_c == sum_i S_ci^2` and
/// `|S_ci| <= n_c * featureValueBound()` hold at all times and nothing can overflow.
interface INearestCentroid is IChunkedModel {
    /// @notice Thrown when a model is built with fewer than 2 or more than `maxClassCount` classes.
    /// @param classCount The class count requested (the length of the example counts).
    /// @param maxClassCount The largest class count allowed.
    error ClassCountOutOfRange(uint256 classCount, uint256 maxClassCount);

    /// @notice Thrown when a class would hold more examples than the model's bounds allow: at
    /// construction, a count above the maximum; in `addData`, an example for a full class.
    /// @param label The class.
    /// @param count The count it would have.
    /// @param maxCount The largest count allowed (`maxExampleCount()`).
    error ExampleCountOverflow(uint256 label, uint256 count, uint256 maxCount);

    /// @notice Thrown when a loaded model word holds a feature sum that the class's example count
    /// cannot produce (`|S_ci| > n_c * featureValueBound()`, or below 0 for binary features).
    /// @param feature The feature of the sum.
    /// @param label The class of the sum.
    /// @param sum The sum found in the word.
    /// @param low The smallest sum allowed.
    /// @param high The largest sum allowed.
    error FeatureSumOutOfRange(uint256 feature, uint256 label, int256 sum, int256 low, int256 high);

    /// @notice Thrown when a loaded model word has bits set outside its lanes (padding lanes past
    /// the last feature or class, or the unused top bits).
    /// @param wordIndex The index of the word in the model.
    /// @param word The word.
    error ModelWordMalformed(uint256 wordIndex, uint256 word);

    /// @notice The number of examples class `label` has learned from, `n_label`.
    /// @dev Reverts with `LabelOutOfRange` for a label that is not a class.
    /// @param label The class.
    /// @return The count.
    function exampleCount(uint256 label) external view returns (uint256);

    /// @notice The squared Euclidean norm of class `label`'s feature sums, `Q_label = sum_i S_label,i^2`
    /// (the sums of the words loaded so far, while loading).
    /// @dev Reverts with `LabelOutOfRange` for a label that is not a class.
    /// @param label The class.
    /// @return The norm (sparse: integer units; dense: scale ONE^2).
    function sumSquaredNorm(uint256 label) external view returns (uint256);

    /// @notice The sum of feature `feature` over class `label`'s examples, `S_label,feature`.
    /// @dev Reverts with `LabelOutOfRange` or `FeatureOutOfRange`.
    /// @param label The class.
    /// @param feature The feature.
    /// @return The sum (sparse: the number of the class's examples with the feature; dense: fixed point).
    function featureSum(uint256 label, uint256 feature) external view returns (int256);

    /// @notice The largest example count a class can reach (`ExampleCountOverflow` beyond it).
    function maxExampleCount() external pure returns (uint256);

    /// @notice The largest magnitude of a feature value: 1 for sparse binary models (a present
    /// feature counts 1, not fixed point), `ONE` for dense fixed-point models (values in `[-ONE, ONE]`).
    function featureValueBound() external pure returns (int256);
}
