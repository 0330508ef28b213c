// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IClassifier
/// @notice A classifier whose state lives on chain: free predictions, and updates through the trainer.
/// @dev Features are passed as packed bytes: each present feature is its index as a big-endian
/// `uint16` (2 bytes), strictly increasing, each below `featureCount()`. Binary models read the
/// presence of an index as the value 1. `collabml.encoding.pack_indices` builds this encoding.
interface IClassifier {
    /// @notice Thrown when the feature bytes have an odd length (each index takes 2 bytes).
    /// @param length The length of the bytes received.
    error FeaturesMalformed(uint256 length);

    /// @notice Thrown when feature indices are not strictly increasing (unsorted or repeated).
    /// @param position The position of the offending index in the list (0-based).
    /// @param previous The index before it.
    /// @param index The offending index.
    error FeaturesNotSorted(uint256 position, uint256 previous, uint256 index);

    /// @notice Thrown when a feature index is not below the model's feature count.
    /// @param index The offending index.
    /// @param featureCount The number of features the model has.
    error FeatureOutOfRange(uint256 index, uint256 featureCount);

    /// @notice Thrown when a feature's value (a count, or a dense fixed-point value) is outside the
    /// bounds within which the model's arithmetic cannot overflow (SPEC.md, per model).
    /// @param position The position of the offending value in the list (0-based).
    /// @param value The offending value.
    /// @param low The smallest value allowed.
    /// @param high The largest value allowed.
    error FeatureValueOutOfRange(uint256 position, int256 value, int256 low, int256 high);

    /// @notice Thrown when a label is not one of the model's classes.
    /// @param label The label received.
    /// @param classCount The number of classes; valid labels are `0 .. classCount - 1`.
    error LabelOutOfRange(uint256 label, uint256 classCount);

    /// @notice Thrown when the model is used before all of its state has been loaded.
    /// @param loaded The number of storage words loaded so far.
    /// @param total The number of storage words the model needs.
    error ModelNotLoaded(uint256 loaded, uint256 total);

    /// @notice Thrown when a model is built with a feature count it cannot hold.
    /// @param featureCount The feature count requested.
    /// @param maxFeatureCount The largest feature count allowed.
    error FeatureCountOutOfRange(uint256 featureCount, uint256 maxFeatureCount);

    /// @notice The class the model predicts for a set of present features.
    /// @dev Reverts with `ModelNotLoaded` until the model is fully loaded.
    /// @param features The packed, strictly increasing feature indices.
    /// @return label The predicted class.
    function predict(bytes calldata features) external view returns (uint8 label);

    /// @notice The number of features; valid indices are `0 .. featureCount() - 1`.
    function featureCount() external view returns (uint256);

    /// @notice The number of classes; valid labels are `0 .. classCount() - 1`.
    function classCount() external view returns (uint256);

    /// @notice Whether all of the model's state has been loaded, so that it can predict and learn.
    function modelReady() external view returns (bool);
}
