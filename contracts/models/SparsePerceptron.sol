// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {ISparsePerceptron} from "../interfaces/ISparsePerceptron.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title SparsePerceptron
/// @notice Binary Perceptron over sparse binary features, `int32` fixed-point weights packed
/// eight to a model word (model module of a `CollaborativeTrainer`).
/// @dev NOTE: weights saturate at the `int32` bounds and the intercept at the `int64` bounds
/// instead of overflowing (SPEC.md, "Sparse Perceptron"). Features are read straight from
/// calldata, two bytes each; since they are sorted, features that share a weight word are
/// adjacent and each word is read (and on an update written) once.
abstract contract SparsePerceptron is ChunkedModel, ISparsePerceptron {
    /// @dev Largest feature count: indices are `uint16`.
    uint256 internal constant _MAX_FEATURE_COUNT = 1 << 16;
    uint256 private constant _LANES_PER_WORD = 8;
    int256 private constant _INT32_MAX = type(int32).max;
    int256 private constant _INT64_MIN = type(int64).min;
    int256 private constant _INT64_MAX = type(int64).max;

    uint256 private immutable _featureCount;
    int256 private immutable _learningRate;

    /// @dev Intercept and loading progress share one word, read once per call.
    struct PerceptronState {
        int64 intercept;
        uint32 loadedWords;
    }

    PerceptronState private _perceptron;

    /// @param featureCount_ The number of features, 1 to 65,536.
    /// @param learningRate_ The step of a weight on an update, fixed point, 1 to `type(int32).max`.
    /// @param intercept_ The initial intercept, fixed point.
    constructor(uint256 featureCount_, int256 learningRate_, int64 intercept_)
        ChunkedModel((featureCount_ + _LANES_PER_WORD - 1) / _LANES_PER_WORD)
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        if (learningRate_ <= 0 || learningRate_ > _INT32_MAX) revert LearningRateOutOfRange(learningRate_);
        _featureCount = featureCount_;
        _learningRate = learningRate_;
        _perceptron.intercept = intercept_;
    }

    /// @inheritdoc ISparsePerceptron
    function intercept() external view returns (int256) {
        return _perceptron.intercept;
    }

    /// @inheritdoc ISparsePerceptron
    function learningRate() external view returns (int256) {
        return _learningRate;
    }

    /// @inheritdoc IClassifier
    function featureCount() external view returns (uint256) {
        return _featureCount;
    }

    /// @inheritdoc IClassifier
    function modelReady() external view returns (bool) {
        return _perceptron.loadedWords == _modelWordCount;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _perceptron.loadedWords;
    }

    function _setLoadedWordCount(uint256 loaded) internal override {
        // Cast is exact: loaded <= _modelWordCount <= 8,192.
        _perceptron.loadedWords = uint32(loaded);
    }

    function _classCount() internal pure override returns (uint256) {
        return 2;
    }

    function _predict(bytes calldata features) internal view override returns (uint256) {
        return _score(features, _readyState().intercept) > 0 ? 1 : 0;
    }

    function _train(bytes calldata features, uint256 label) internal override {
        PerceptronState memory p = _readyState();
        uint256 prediction = _score(features, p.intercept) > 0 ? 1 : 0;
        if (prediction == label) return;
        int256 step = label == 1 ? _learningRate : -_learningRate;
        _stepWeights(features, step);
        _perceptron.intercept = int64(_clamp(p.intercept + step, _INT64_MIN, _INT64_MAX));
    }

    /// @dev The model state, or `ModelNotLoaded` while weights are missing.
    function _readyState() private view returns (PerceptronState memory p) {
        p = _perceptron;
        if (p.loadedWords != _modelWordCount) revert ModelNotLoaded(p.loadedWords, _modelWordCount);
    }

    /// @dev `start + sum of the weights of the present features`; validates the features
    /// (SPEC.md §1) in the same pass. Sorted features that share a weight word are adjacent,
    /// so each word is read once.
    function _score(bytes calldata features, int256 start) private view returns (int256 score) {
        uint256 length = features.length;
        if (length & 1 != 0) revert FeaturesMalformed(length);
        uint256 featureCount_ = _featureCount;
        uint256 failure; // 0: none, 1: not sorted, 2: out of range
        uint256 position;
        uint256 next; // the smallest index allowed next: the previous one plus one
        uint256 index;
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, length)
            let loadedWord := not(0)
            let word := 0
            score := start
            for {} lt(ptr, end) { ptr := add(ptr, 2) } {
                index := shr(240, calldataload(ptr))
                if lt(index, next) {
                    failure := 1
                    break
                }
                if iszero(lt(index, featureCount_)) {
                    failure := 2
                    break
                }
                next := add(index, 1)
                let wordIndex := shr(3, index)
                if iszero(eq(wordIndex, loadedWord)) {
                    loadedWord := wordIndex
                    // In bounds: index < featureCount_, so wordIndex < _modelWordCount.
                    word := sload(add(_WORDS_BASE, wordIndex))
                }
                // Cannot overflow: at most 32,768 int32 terms and an int64 start.
                score := add(score, signextend(3, shr(shl(5, and(index, 7)), word)))
            }
            position := shr(1, sub(ptr, features.offset))
        }
        if (failure == 1) revert FeaturesNotSorted(position, next - 1, index);
        if (failure == 2) revert FeatureOutOfRange(index, featureCount_);
    }

    /// @dev Adds `step` to the weight of every present feature, saturating at the int32 bounds.
    /// The features were validated by `_score`, so every index is in range and sorted: the
    /// features of one word are adjacent, and each word is read and written once.
    function _stepWeights(bytes calldata features, int256 step) private {
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, features.length)
            let int32Max := 0x7fffffff
            let int32Min := not(0x7fffffff) // -2^31
            for {} lt(ptr, end) {} {
                let index := shr(240, calldataload(ptr))
                let wordIndex := shr(3, index)
                let slot := add(_WORDS_BASE, wordIndex)
                let word := sload(slot)
                for {} 1 {} {
                    let shift := shl(5, and(index, 7))
                    // Cannot overflow: |weight| < 2^31 and 0 < |step| < 2^31.
                    let weight := add(signextend(3, shr(shift, word)), step)
                    if sgt(weight, int32Max) { weight := int32Max }
                    if slt(weight, int32Min) { weight := int32Min }
                    word := or(and(word, not(shl(shift, 0xffffffff))), shl(shift, and(weight, 0xffffffff)))
                    ptr := add(ptr, 2)
                    if iszero(lt(ptr, end)) { break }
                    index := shr(240, calldataload(ptr))
                    if iszero(eq(shr(3, index), wordIndex)) { break }
                }
                sstore(slot, word)
            }
        }
    }

    function _clamp(int256 value, int256 low, int256 high) private pure returns (int256) {
        return value < low ? low : value > high ? high : value;
    }
}
