// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {IDensePerceptron} from "../interfaces/IDensePerceptron.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title DensePerceptron
/// @notice Binary Perceptron over dense fixed-point features, `int32` fixed-point weights packed
/// eight to a model word (model module of a `CollaborativeTrainer`).
/// @dev The score `intercept * ONE + sum_i w_i * x_i` is exact (scale ONE^2, no division); an
/// update moves `w_i` by `learningRate * x_i / ONE`, truncated toward zero like `sdiv`
/// (SPEC.md, "Dense Perceptron"). Eight features' values are one 32-byte calldata word, read
/// with one `calldataload` next to the one `sload` of their eight weights; a calldata word of
/// eight zero values is skipped without reading its weights.
/// NOTE: feature values are bounded by `|x| <= 100 * ONE` (`FeatureValueOutOfRange`); weights
/// saturate at the `int32` bounds and the intercept at the `int64` bounds instead of
/// overflowing. NOTE: every feature is sent and every weight word read on each call: about 3.6k
/// gas per 8 non-zero features to predict (cold read, calldata, event) and 4.6k more to update,
/// so the feature count is capped at 16,384 (an update then costs about 17M gas, within a
/// 30M-gas block).
abstract contract DensePerceptron is ChunkedModel, IDensePerceptron {
    /// @dev Largest feature count: an update of 2,048 weight words costs about 17M gas.
    uint256 internal constant _MAX_FEATURE_COUNT = 16_384;
    /// @dev Largest magnitude of a feature value: 100 in real units.
    int256 internal constant _MAX_FEATURE_VALUE = 100_000_000;
    uint256 private constant _LANES_PER_WORD = 8;
    int256 private constant _ONE = 1_000_000;
    int256 private constant _INT32_MAX = type(int32).max;
    int256 private constant _INT64_MIN = type(int64).min;
    int256 private constant _INT64_MAX = type(int64).max;
    uint256 private constant _NO_FAILURE = type(uint256).max;

    uint256 private immutable _featureCount;
    int256 private immutable _learningRate;
    /// @dev Keeps the values of the last weight word's real features in a calldata word (all of
    /// it when `featureCount % 8 == 0`): the lanes past the last feature are then zero.
    uint256 private immutable _lastWordMask;

    /// @dev Intercept and loading progress share one word, read once per call.
    struct PerceptronState {
        int64 intercept;
        uint32 loadedWords;
    }

    PerceptronState private _perceptron;

    /// @param featureCount_ The number of features, 1 to 16,384.
    /// @param learningRate_ The learning rate, fixed point, 1 to `type(int32).max`.
    /// @param intercept_ The initial intercept, fixed point.
    constructor(uint256 featureCount_, int256 learningRate_, int64 intercept_)
        ChunkedModel(_wordCount(featureCount_))
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        if (learningRate_ <= 0 || learningRate_ > _INT32_MAX) revert LearningRateOutOfRange(learningRate_);
        _featureCount = featureCount_;
        _learningRate = learningRate_;
        uint256 lastLanes = featureCount_ % _LANES_PER_WORD;
        _lastWordMask = lastLanes == 0 ? type(uint256).max : ~(type(uint256).max >> (32 * lastLanes));
        _perceptron.intercept = intercept_;
    }

    /// @inheritdoc IDensePerceptron
    function intercept() external view returns (int256) {
        return _perceptron.intercept;
    }

    /// @inheritdoc IDensePerceptron
    function learningRate() external view returns (int256) {
        return _learningRate;
    }

    /// @inheritdoc IDensePerceptron
    function featureValueBound() external pure returns (int256) {
        return _MAX_FEATURE_VALUE;
    }

    /// @inheritdoc IDensePerceptron
    function score(bytes calldata features) external view returns (int256) {
        return _score(features, _readyState().intercept);
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
        // Cast is exact: loaded <= _modelWordCount <= 2,048.
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

    /// @dev `start * ONE + sum_i w_i * x_i`, exact; validates the features in the same pass:
    /// `FeaturesMalformed` unless there are exactly `featureCount` values, then
    /// `FeatureValueOutOfRange` for the first value outside `[-100 * ONE, 100 * ONE]`.
    function _score(bytes calldata features, int256 start) private view returns (int256 s) {
        uint256 featureCount_ = _featureCount;
        uint256 length = features.length;
        // Cannot overflow: featureCount_ <= 16,384.
        if (length != featureCount_ * 4) revert FeaturesMalformed(length);
        uint256 lastWordMask = _lastWordMask;
        uint256 failedWord = _NO_FAILURE;
        assembly ("memory-safe") {
            // The sum of the eight products `weight lane j of word * value j of data` (value j is
            // the big-endian int32 at bytes 4j .. 4j+3), and whether a value is out of bounds.
            // Cannot overflow: |product| < 2^31 * 2^27, and eight of them fit easily.
            function dot8(word, data) -> t, bad {
                let x := signextend(3, shr(224, data))
                // |x| <= B  <=>  x + B in [0, 2B] as an unsigned number.
                bad := gt(add(x, 100000000), 200000000)
                t := mul(signextend(3, word), x)
                x := signextend(3, shr(192, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(32, word)), x))
                x := signextend(3, shr(160, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(64, word)), x))
                x := signextend(3, shr(128, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(96, word)), x))
                x := signextend(3, shr(96, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(128, word)), x))
                x := signextend(3, shr(64, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(160, word)), x))
                x := signextend(3, shr(32, data))
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(192, word)), x))
                x := signextend(3, data)
                bad := or(bad, gt(add(x, 100000000), 200000000))
                t := add(t, mul(signextend(3, shr(224, word)), x))
            }
            let ptr := features.offset
            let lastSlot := add(_WORDS_BASE, shr(3, sub(featureCount_, 1)))
            // Cannot overflow: |start| < 2^63 and ONE < 2^20.
            s := mul(start, _ONE)
            for { let slot := _WORDS_BASE } 1 { slot := add(slot, 1) } {
                let data := calldataload(ptr)
                if eq(slot, lastSlot) { data := and(data, lastWordMask) }
                // Eight zero values add nothing: their weights need not be read.
                if data {
                    let t, bad := dot8(sload(slot), data)
                    if bad {
                        failedWord := sub(slot, _WORDS_BASE)
                        break
                    }
                    // Cannot overflow: at most 2,048 terms below 2^61 and |s| < 2^83.
                    s := add(s, t)
                }
                if eq(slot, lastSlot) { break }
                ptr := add(ptr, 32)
            }
        }
        if (failedWord != _NO_FAILURE) _revertValueOutOfRange(features, failedWord);
    }

    /// @dev Adds `step * x_i / ONE` (truncated toward zero) to every weight, saturating at the
    /// int32 bounds. The features were validated by `_score`. Each weight word is read and
    /// written once; a word whose eight values are zero is left alone.
    function _stepWeights(bytes calldata features, int256 step) private {
        uint256 lastSlot;
        uint256 lastWordMask = _lastWordMask;
        // Cannot underflow: featureCount >= 1; cannot overflow: the base is below 2^256 - 2^11.
        unchecked {
            lastSlot = _WORDS_BASE + (_featureCount - 1) / _LANES_PER_WORD;
        }
        assembly ("memory-safe") {
            // Lane `shift / 32` of `word` plus `rate * x / ONE` (sdiv truncates toward zero),
            // clamped to the int32 range, as the lane's 32 bits. Cannot overflow:
            // |rate * x| <= 2^31 * 10^8 < 2^58, and |weight| + 2^38 is far below 2^255.
            function lane(word, shift, x, rate) -> bits {
                let w := add(signextend(3, shr(shift, word)), sdiv(mul(rate, x), 1000000))
                if sgt(w, 0x7fffffff) { w := 0x7fffffff }
                if slt(w, not(0x7fffffff)) { w := not(0x7fffffff) } // -2^31
                bits := shl(shift, and(w, 0xffffffff))
            }
            let ptr := features.offset
            for { let slot := _WORDS_BASE } 1 { slot := add(slot, 1) } {
                let data := calldataload(ptr)
                // Lanes past the last feature get x = 0, so they keep their bits.
                if eq(slot, lastSlot) { data := and(data, lastWordMask) }
                if data {
                    let word := sload(slot)
                    let updated := lane(word, 0, signextend(3, shr(224, data)), step)
                    updated := or(updated, lane(word, 32, signextend(3, shr(192, data)), step))
                    updated := or(updated, lane(word, 64, signextend(3, shr(160, data)), step))
                    updated := or(updated, lane(word, 96, signextend(3, shr(128, data)), step))
                    updated := or(updated, lane(word, 128, signextend(3, shr(96, data)), step))
                    updated := or(updated, lane(word, 160, signextend(3, shr(64, data)), step))
                    updated := or(updated, lane(word, 192, signextend(3, shr(32, data)), step))
                    updated := or(updated, lane(word, 224, signextend(3, data), step))
                    if iszero(eq(updated, word)) { sstore(slot, updated) }
                }
                if eq(slot, lastSlot) { break }
                ptr := add(ptr, 32)
            }
        }
    }

    /// @dev Reverts with `FeatureValueOutOfRange` for the first value out of bounds in calldata
    /// word `wordIndex` of the features (`_score` found one there, and none before it).
    function _revertValueOutOfRange(bytes calldata features, uint256 wordIndex) private pure {
        for (uint256 position = wordIndex * _LANES_PER_WORD;; ++position) {
            int256 value;
            assembly ("memory-safe") {
                value := signextend(3, shr(224, calldataload(add(features.offset, shl(2, position)))))
            }
            if (value < -_MAX_FEATURE_VALUE || value > _MAX_FEATURE_VALUE) {
                revert FeatureValueOutOfRange(position, value, -_MAX_FEATURE_VALUE, _MAX_FEATURE_VALUE);
            }
        }
    }

    /// @dev `ceil(featureCount / 8)` weight words; 0 for a feature count out of range (the
    /// constructor then reverts with the named error, not an overflow panic).
    function _wordCount(uint256 featureCount_) private pure returns (uint256) {
        if (featureCount_ > _MAX_FEATURE_COUNT) return 0;
        return (featureCount_ + _LANES_PER_WORD - 1) / _LANES_PER_WORD;
    }

    function _clamp(int256 value, int256 low, int256 high) private pure returns (int256) {
        return value < low ? low : value > high ? high : value;
    }
}
