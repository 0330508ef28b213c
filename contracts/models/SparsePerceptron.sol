// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {ISparsePerceptron} from "../interfaces/ISparsePerceptron.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title SparsePerceptron
/// @notice Binary Perceptron over sparse binary features, `int16` integer weights packed sixteen
/// to a model word (model module of a `CollaborativeTrainer`).
/// @dev Weights and intercept are integers in units of a step (SPEC.md, "Sparse Perceptron"): a
/// Perceptron over binary features decides by the sign of `b + sum w[i]`, which no positive scale
/// changes, so no fixed-point scale is needed. The intercept and the loading progress live in the
/// trainer's hot word (`TrainerState.model`: intercept in bits 0-63, loaded words in bits 64-95),
/// read and written with the rest of it, once per call.
/// NOTE: weights saturate at the `int16` bounds and the intercept at the `int64` bounds instead of
/// overflowing. Features are read straight from calldata, two bytes each; since they are sorted,
/// features that share a weight word are adjacent, and each word is read (and on an update
/// written) once: the scoring pass keeps the words it read in memory for the update pass.
abstract contract SparsePerceptron is ChunkedModel, ISparsePerceptron {
    /// @dev Largest feature count: indices are `uint16`.
    uint256 internal constant _MAX_FEATURE_COUNT = 1 << 16;
    uint256 private constant _LANES_PER_WORD = 16;
    int256 private constant _INT16_MAX = type(int16).max;
    int256 private constant _INT64_MIN = type(int64).min;
    int256 private constant _INT64_MAX = type(int64).max;
    /// @dev `TrainerState.model`: the intercept's two's complement in the low 64 bits, then the
    /// number of loaded words.
    uint256 private constant _INTERCEPT_MASK = type(uint64).max;
    uint256 private constant _LOADED_SHIFT = 64;

    uint256 private immutable _featureCount;
    int256 private immutable _learningRate;

    /// @param featureCount_ The number of features, 1 to 65,536.
    /// @param learningRate_ The step of a weight on an update, in weight units, 1 to `type(int16).max`.
    /// @param intercept_ The initial intercept, in weight units.
    constructor(uint256 featureCount_, int256 learningRate_, int64 intercept_)
        ChunkedModel((featureCount_ + _LANES_PER_WORD - 1) / _LANES_PER_WORD)
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        if (learningRate_ <= 0 || learningRate_ > _INT16_MAX) revert LearningRateOutOfRange(learningRate_);
        _featureCount = featureCount_;
        _learningRate = learningRate_;
        // Cast is exact: a uint64 holds the int64's two's complement; nothing is loaded yet.
        _state.model = uint120(uint64(intercept_));
    }

    /// @inheritdoc ISparsePerceptron
    function intercept() external view returns (int256) {
        return _intercept(_state.model);
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
        return _loadedWordCount() == _modelWordCount;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _state.model >> _LOADED_SHIFT;
    }

    function _setLoadedWordCount(uint256 loaded) internal override {
        // Cast is exact: loaded <= _modelWordCount <= 4,096, and the intercept keeps its 64 bits.
        _state.model = uint120((_state.model & _INTERCEPT_MASK) | (loaded << _LOADED_SHIFT));
    }

    function _classCount() internal pure override returns (uint256) {
        return 2;
    }

    /// @dev The view path (`predict`): reads the hot word itself.
    function _predict(bytes calldata features) internal view override returns (uint256) {
        return _predict(_state, features);
    }

    function _predict(TrainerState memory s, bytes calldata features) internal view override returns (uint256) {
        (int256 score,) = _score(features, _readyIntercept(s));
        return score > 0 ? 1 : 0;
    }

    /// @dev Not called by the trainer (which passes its hot state); kept as the plain hook's meaning.
    function _train(bytes calldata features, uint256 label) internal override {
        TrainerState memory s = _state;
        _train(s, features, label);
        _state = s;
    }

    function _train(TrainerState memory s, bytes calldata features, uint256 label) internal override {
        int256 b = _readyIntercept(s);
        (int256 score, uint256 words) = _score(features, b);
        if ((score > 0 ? 1 : 0) == label) return;
        int256 step = label == 1 ? _learningRate : -_learningRate;
        _stepWeights(features, step, words);
        // Casts are exact: the clamped intercept fits int64, its two's complement a uint64.
        s.model = uint120((s.model & ~_INTERCEPT_MASK) | uint64(int64(_clamp(b + step, _INT64_MIN, _INT64_MAX))));
    }

    /// @dev The intercept, or `ModelNotLoaded` while weights are missing.
    function _readyIntercept(TrainerState memory s) private view returns (int256) {
        uint256 loaded = s.model >> _LOADED_SHIFT;
        if (loaded != _modelWordCount) revert ModelNotLoaded(loaded, _modelWordCount);
        return _intercept(s.model);
    }

    /// @dev The intercept held in the low 64 bits of `model`.
    function _intercept(uint256 model) private pure returns (int256) {
        // Cast is exact: the low 64 bits are an int64's two's complement.
        return int64(uint64(model & _INTERCEPT_MASK));
    }

    /// @dev `start + sum of the weights of the present features`; validates the features
    /// (SPEC.md §1, same errors in the same order). Sorted features that share a weight word are
    /// adjacent, so each word is read once; the words read are copied, in order, to newly
    /// allocated memory at `words` for `_stepWeights`. The loop checks only that indices increase:
    /// then only the last can be out of range unless an earlier one is, which is checked after it.
    function _score(bytes calldata features, int256 start) private view returns (int256 score, uint256 words) {
        uint256 length = features.length;
        if (length & 1 != 0) revert FeaturesMalformed(length);
        uint256 featureCount_ = _featureCount;
        uint256 position; // of the first index that does not increase, or the count of indices
        uint256 previous; // the index before `position`, or 2^256 - 1 (-1) if there is none
        uint256 index;
        assembly ("memory-safe") {
            words := mload(0x40)
            let cached := words
            let ptr := features.offset
            let end := add(ptr, length)
            let loadedWord := not(0)
            let word := 0
            previous := not(0)
            score := start
            for {} lt(ptr, end) { ptr := add(ptr, 2) } {
                index := shr(240, calldataload(ptr))
                // Signed, so the first index is above the initial -1.
                if iszero(sgt(index, previous)) { break }
                previous := index
                let wordIndex := shr(4, index)
                if xor(wordIndex, loadedWord) {
                    loadedWord := wordIndex
                    // Past the model only if an index is out of range, which reverts below.
                    word := sload(add(_WORDS_BASE, wordIndex))
                    mstore(cached, word)
                    cached := add(cached, 0x20)
                }
                // Cannot overflow: at most 65,536 int16 terms and an int64 start.
                score := add(score, signextend(1, shr(shl(4, and(index, 15)), word)))
            }
            position := shr(1, sub(ptr, features.offset))
            mstore(0x40, cached)
        }
        // The indices before `position` increase, so if any is out of range, `previous` is.
        if (previous != type(uint256).max && previous >= featureCount_) {
            revert FeatureOutOfRange(_firstIndexFrom(features, featureCount_), featureCount_);
        }
        if (position != length >> 1) revert FeaturesNotSorted(position, previous, index);
    }

    /// @dev The first feature index that is at least `bound` (one is known to exist).
    function _firstIndexFrom(bytes calldata features, uint256 bound) private pure returns (uint256 index) {
        for (uint256 p;; p += 2) {
            index = uint16(bytes2(features[p:p + 2]));
            if (index >= bound) return index;
        }
    }

    /// @dev Adds `step` to the weight of every present feature, saturating at the int16 bounds.
    /// The features were validated by `_score`, so every index is in range and sorted: the
    /// features of one word are adjacent, and each word is taken from `words` (its copy, in
    /// the order `_score` read them) and written once.
    function _stepWeights(bytes calldata features, int256 step, uint256 words) private {
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, features.length)
            // The one bound a step of this sign can cross: int16 max going up, int16 min going down.
            let bound := 0x7fff
            if slt(step, 0) { bound := not(0x7fff) }
            for {} lt(ptr, end) { words := add(words, 0x20) } {
                let index := shr(240, calldataload(ptr))
                let wordIndex := shr(4, index)
                let word := mload(words)
                for {} 1 {} {
                    let shift := shl(4, and(index, 15))
                    let old := signextend(1, shr(shift, word))
                    // Cannot overflow: |old| <= 2^15 and 0 < |step| < 2^15.
                    let weight := add(old, step)
                    // Outside int16 iff weight + 2^15 is not below 2^16 (a negative sum wraps high).
                    if gt(add(weight, 0x8000), 0xffff) { weight := bound }
                    // Flips the lane's bits where its old and new low 16 bits differ.
                    word := xor(word, shl(shift, and(xor(old, weight), 0xffff)))
                    ptr := add(ptr, 2)
                    if iszero(lt(ptr, end)) { break }
                    index := shr(240, calldataload(ptr))
                    if xor(shr(4, index), wordIndex) { break }
                }
                sstore(add(_WORDS_BASE, wordIndex), word)
            }
        }
    }

    function _clamp(int256 value, int256 low, int256 high) private pure returns (int256) {
        return value < low ? low : value > high ? high : value;
    }
}
