// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {INearestCentroid} from "../interfaces/INearestCentroid.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title DenseNearestCentroid
/// @notice Nearest Centroid over dense fixed-point features (scale `ONE = 1e6`, each value in
/// `[-ONE, ONE]`), 2 to 256 classes, exact integer arithmetic (model module of a
/// `CollaborativeTrainer`; maths in `INearestCentroid`).
/// @dev Features: exactly `featureCount` big-endian `int32` values (`collabml.encoding.pack_dense`).
/// Model words (SPEC.md, "Nearest Centroid"): the sums `S_ci` (fixed point) are two's-complement
/// 42-bit lanes, six to a word (bits `42 * lane` up; the top 4 bits are zero), class-major, since
/// every feature is present and an update writes only the label's words: with
/// `P = ceil(featureCount / 6)` words a class, `(feature i, class c)` is lane `i % 6` of word
/// `c * P + i / 6`.
/// Header (storage, not model words): `ceil(K / 2)` words; word `h` holds classes `2h` and `2h + 1`
/// in bits `24 + 116 * (c % 2)` up as `n_c` (22 bits) then `Q_c` (94 bits, scale ONE^2); bits 0-23
/// of word 0 hold the number of model words loaded.
/// NOTE: bounds. `featureCount <= 4,096` (an update writes `ceil(featureCount / 6)` words, a
/// prediction reads `classCount` times as many); `|x_i| <= ONE` (`FeatureValueOutOfRange`);
/// `n_c <= 2,199,023 = (2^41 - 1) / ONE` (`ExampleCountOverflow`); `|S_ci| <= n_c * ONE < 2^41`
/// (checked on loading, kept by every update), so `Q_c <= 4,096 * (2^41 - 1)^2 < 2^94`, and every
/// intermediate of the prediction is below `2^139` in magnitude (see `_predict`).
abstract contract DenseNearestCentroid is ChunkedModel, INearestCentroid {
    /// @dev Largest feature count (a gas ceiling, see NOTE above; it also bounds Q_c to 94 bits).
    uint256 internal constant _MAX_FEATURE_COUNT = 4096;
    /// @dev Largest class count: labels are `uint8`.
    uint256 internal constant _MAX_CLASS_COUNT = 256;
    /// @dev The fixed-point scale, and the largest magnitude of a feature value.
    int256 internal constant _ONE = 1_000_000;
    /// @dev Largest example count of a class: `n_c * ONE` fits a 42-bit signed lane.
    uint256 internal constant _MAX_EXAMPLE_COUNT = 2_199_023; // floor((2^41 - 1) / ONE)

    uint256 private constant _LANES_PER_WORD = 6;
    uint256 private constant _LANE_BITS = 42;
    uint256 private constant _LANE_MASK = (1 << 42) - 1;
    uint256 private constant _LOADED_MASK = (1 << 24) - 1;
    uint256 private constant _CLASS_OFFSET = 24; // first class block of a header word
    uint256 private constant _CLASS_BITS = 116; // n_c (22 bits), then Q_c (94 bits)
    uint256 private constant _CLASS_MASK = (1 << 116) - 1;
    uint256 private constant _COUNT_MASK = (1 << 22) - 1;
    uint256 private constant _COUNT_BITS = 22;
    uint256 private constant _NORM_MASK = (1 << 94) - 1;

    uint256 private immutable _featureCount;
    uint256 private immutable _classes;
    uint256 private immutable _wordsPerClass;

    /// @dev Class counts and norms, two classes a word; word 0 also holds the loaded word count.
    uint256[128] private _header;

    /// @param featureCount_ The number of features, 1 to 4,096.
    /// @param exampleCounts_ Each class's example count `n_c` (the model words hold the sums);
    /// its length is the class count, 2 to 256.
    constructor(uint256 featureCount_, uint256[] memory exampleCounts_)
        ChunkedModel(_denseWordCount(featureCount_, exampleCounts_.length))
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        uint256 classes = exampleCounts_.length;
        if (classes < 2 || classes > _MAX_CLASS_COUNT) revert ClassCountOutOfRange(classes, _MAX_CLASS_COUNT);
        _featureCount = featureCount_;
        _classes = classes;
        _wordsPerClass = (featureCount_ + _LANES_PER_WORD - 1) / _LANES_PER_WORD;
        for (uint256 c; c < classes; ++c) {
            uint256 count = exampleCounts_[c];
            if (count > _MAX_EXAMPLE_COUNT) revert ExampleCountOverflow(c, count, _MAX_EXAMPLE_COUNT);
            _header[c >> 1] |= count << _classShift(c);
        }
    }

    /// @inheritdoc IClassifier
    function featureCount() external view returns (uint256) {
        return _featureCount;
    }

    /// @inheritdoc IClassifier
    function modelReady() external view returns (bool) {
        return _header[0] & _LOADED_MASK == _modelWordCount;
    }

    /// @inheritdoc INearestCentroid
    function exampleCount(uint256 label) external view returns (uint256) {
        return _classBlock(label) & _COUNT_MASK;
    }

    /// @inheritdoc INearestCentroid
    function sumSquaredNorm(uint256 label) external view returns (uint256) {
        return (_classBlock(label) >> _COUNT_BITS) & _NORM_MASK;
    }

    /// @inheritdoc INearestCentroid
    function featureSum(uint256 label, uint256 feature) external view returns (int256 sum) {
        if (label >= _classes) revert LabelOutOfRange(label, _classes);
        if (feature >= _featureCount) revert FeatureOutOfRange(feature, _featureCount);
        uint256 word = _loadWord(label * _wordsPerClass + feature / _LANES_PER_WORD);
        uint256 up = 214 - _LANE_BITS * (feature % _LANES_PER_WORD);
        assembly ("memory-safe") {
            // The lane moved to the top bits, then shifted back with its sign.
            sum := sar(214, shl(up, word))
        }
    }

    /// @inheritdoc INearestCentroid
    function maxExampleCount() external pure returns (uint256) {
        return _MAX_EXAMPLE_COUNT;
    }

    /// @inheritdoc INearestCentroid
    function featureValueBound() external pure returns (int256) {
        return _ONE;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _header[0] & _LOADED_MASK;
    }

    /// @dev Called by `loadModel` after it stored words `loadedWords .. loaded - 1`: checks each of
    /// them (`ModelWordMalformed`, `FeatureSumOutOfRange`, in word then lane order) and adds the
    /// squares of their sums to each class's `Q_c`, so `Q_c` is always computed, never trusted.
    function _setLoadedWordCount(uint256 loaded) internal override {
        uint256 classes = _classes;
        uint256 wordsPerClass = _wordsPerClass;
        uint256 featureCount_ = _featureCount;
        uint256[] memory norms = new uint256[](classes);
        // Cannot overflow: word indices are below 2^24, features below 2^12, each checked sum
        // |s| <= n_c * ONE < 2^41, so s^2 < 2^82 and each norm is below 4,096 * 2^82 = 2^94.
        unchecked {
            for (uint256 i = _header[0] & _LOADED_MASK; i < loaded; ++i) {
                uint256 word = _loadWord(i);
                uint256 c = i / wordsPerClass;
                uint256 firstFeature = (i % wordsPerClass) * _LANES_PER_WORD;
                uint256 lanes = featureCount_ - firstFeature;
                if (lanes > _LANES_PER_WORD) lanes = _LANES_PER_WORD;
                if (word >> (_LANE_BITS * lanes) != 0) revert ModelWordMalformed(i, word);
                // Cast is exact: the count is below 2^22.
                int256 bound = int256((_header[c >> 1] >> _classShift(c)) & _COUNT_MASK) * _ONE;
                uint256 norm;
                uint256 bad = _LANES_PER_WORD; // the first lane beyond the bound, if any
                assembly ("memory-safe") {
                    for { let lane := 0 } lt(lane, lanes) { lane := add(lane, 1) } {
                        // The lane moved to the top bits, then shifted back with its sign.
                        let sum := sar(214, shl(sub(214, mul(42, lane)), word))
                        if or(sgt(sum, bound), slt(sum, sub(0, bound))) {
                            bad := lane
                            break
                        }
                        // Cannot overflow: at most six squares below 2^82.
                        norm := add(norm, mul(sum, sum))
                    }
                }
                if (bad != _LANES_PER_WORD) {
                    int256 sum;
                    uint256 up = 214 - _LANE_BITS * bad;
                    assembly ("memory-safe") {
                        sum := sar(214, shl(up, word))
                    }
                    revert FeatureSumOutOfRange(firstFeature + bad, c, sum, -bound, bound);
                }
                norms[c] += norm;
            }
            for (uint256 c; c < classes; ++c) {
                if (norms[c] != 0) _header[c >> 1] += norms[c] << (_classShift(c) + _COUNT_BITS);
            }
        }
        _header[0] = (_header[0] & ~_LOADED_MASK) | loaded;
    }

    function _classCount() internal view override returns (uint256) {
        return _classes;
    }

    function _predict(bytes calldata features) internal view override returns (uint256 best) {
        uint256 header0 = _readyHeader();
        uint256 norm = _validate(features);
        uint256 classes = _classes;
        uint256 bestDistance;
        uint256 bestCountSquared; // 0 until a class with examples is found
        uint256 headerWord = header0;
        for (uint256 c; c < classes; ++c) {
            if (c & 1 == 0 && c != 0) headerWord = _header[c >> 1];
            uint256 block_ = headerWord >> _classShift(c);
            uint256 count = block_ & _COUNT_MASK;
            if (count == 0) continue;
            int256 dot = _dot(features, c);
            uint256 countSquared;
            uint256 distance;
            // Cannot overflow or underflow: n_c * ONE < 2^41 (so n_c^2 < 2^43), ||x||^2 <= 4,096 *
            // ONE^2 < 2^52, |<x, S_c>| <= 4,096 * ONE * 2^41 < 2^73 and Q_c < 2^94, so each term is
            // below 2^96 in magnitude; the result is D_c = sum_i (n_c * x_i - S_ci)^2 >= 0 because
            // Q_c = sum_i S_ci^2 exactly, and |n_c * x_i - S_ci| < 2^42, so D_c < 4,096 * 2^84 = 2^96;
            // the cross-products below are under 2^96 * 2^43.
            unchecked {
                countSquared = count * count;
                distance = uint256(
                    int256(countSquared * norm + ((block_ >> _COUNT_BITS) & _NORM_MASK)) - 2 * int256(count) * dot
                );
                if (bestCountSquared == 0 || distance * bestCountSquared < bestDistance * countSquared) {
                    best = c;
                    bestDistance = distance;
                    bestCountSquared = countSquared;
                }
            }
        }
    }

    function _train(bytes calldata features, uint256 label) internal override {
        uint256 header0 = _readyHeader();
        uint256 h = label >> 1;
        uint256 headerWord = h == 0 ? header0 : _header[h];
        uint256 shift = _classShift(label);
        uint256 block_ = (headerWord >> shift) & _CLASS_MASK;
        uint256 count = block_ & _COUNT_MASK;
        if (count == _MAX_EXAMPLE_COUNT) revert ExampleCountOverflow(label, count + 1, _MAX_EXAMPLE_COUNT);
        _validate(features);
        int256 normChange = _addExample(features, label);
        // Cannot overflow: count < _MAX_EXAMPLE_COUNT; the new norm Q_c + normChange is the sum of
        // the squares of the new sums (each |S| <= (n_c + 1) * ONE < 2^41), so 0 <= it < 2^94 and
        // the block's fields stay within their widths.
        unchecked {
            uint256 norm = uint256(int256((block_ >> _COUNT_BITS) & _NORM_MASK) + normChange);
            block_ = (count + 1) | (norm << _COUNT_BITS);
        }
        _header[h] = (headerWord & ~(_CLASS_MASK << shift)) | (block_ << shift);
    }

    /// @dev Header word 0, or `ModelNotLoaded` while model words are missing.
    function _readyHeader() private view returns (uint256 header0) {
        header0 = _header[0];
        uint256 loaded = header0 & _LOADED_MASK;
        if (loaded != _modelWordCount) revert ModelNotLoaded(loaded, _modelWordCount);
    }

    /// @dev Class `label`'s header block (count, then norm), or `LabelOutOfRange`.
    function _classBlock(uint256 label) private view returns (uint256) {
        if (label >= _classes) revert LabelOutOfRange(label, _classes);
        return (_header[label >> 1] >> _classShift(label)) & _CLASS_MASK;
    }

    /// @dev The bit offset of class `c`'s block in its header word.
    function _classShift(uint256 c) private pure returns (uint256) {
        return _CLASS_OFFSET + _CLASS_BITS * (c & 1);
    }

    /// @dev `||x||^2` (scale ONE^2); reverts with `FeaturesMalformed` unless there are exactly
    /// `featureCount` values, then `FeatureValueOutOfRange` for the first value outside `[-ONE, ONE]`.
    function _validate(bytes calldata features) private view returns (uint256 norm) {
        uint256 length = features.length;
        if (length != _featureCount * 4) revert FeaturesMalformed(length);
        uint256 failed; // 1 + the position of the first value out of range, or 0
        int256 value;
        assembly ("memory-safe") {
            let start := features.offset
            let end := add(start, length)
            for { let ptr := start } lt(ptr, end) { ptr := add(ptr, 4) } {
                value := signextend(3, shr(224, calldataload(ptr)))
                if or(sgt(value, 1000000), slt(value, sub(0, 1000000))) {
                    failed := add(shr(2, sub(ptr, start)), 1)
                    break
                }
                // Cannot overflow: at most 4,096 squares of at most ONE^2.
                norm := add(norm, mul(value, value))
            }
        }
        if (failed != 0) revert FeatureValueOutOfRange(failed - 1, value, -_ONE, _ONE);
    }

    /// @dev `<x, S_c>` (scale ONE^2) over class `c`'s words; the features were validated. A full
    /// word's six lanes are unrolled.
    function _dot(bytes calldata features, uint256 c) private view returns (int256 dot) {
        uint256 firstSlot = _WORDS_BASE + c * _wordsPerClass;
        // Cannot overflow: |x| <= ONE and |S| < 2^41, at most 4,096 terms, so |dot| < 2^73.
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, features.length)
            let slot := firstSlot
            for { let fullEnd := sub(end, mod(features.length, 24)) } lt(ptr, fullEnd) {
                ptr := add(ptr, 24)
                slot := add(slot, 1)
            } {
                let word := sload(slot)
                // Lane k of the word is moved to the top bits (shl(214 - 42k)), then back with its sign.
                dot := add(dot, mul(signextend(3, shr(224, calldataload(ptr))), sar(214, shl(214, word))))
                dot := add(dot, mul(signextend(3, shr(224, calldataload(add(ptr, 4)))), sar(214, shl(172, word))))
                dot := add(dot, mul(signextend(3, shr(224, calldataload(add(ptr, 8)))), sar(214, shl(130, word))))
                dot := add(dot, mul(signextend(3, shr(224, calldataload(add(ptr, 12)))), sar(214, shl(88, word))))
                dot := add(dot, mul(signextend(3, shr(224, calldataload(add(ptr, 16)))), sar(214, shl(46, word))))
                dot := add(dot, mul(signextend(3, shr(224, calldataload(add(ptr, 20)))), sar(214, shl(4, word))))
            }
            if lt(ptr, end) {
                let word := sload(slot)
                for { let up := 214 } lt(ptr, end) { up := sub(up, 42) } {
                    dot := add(dot, mul(signextend(3, shr(224, calldataload(ptr))), sar(214, shl(up, word))))
                    ptr := add(ptr, 4)
                }
            }
        }
    }

    /// @dev Adds `x` to class `label`'s sums and returns the change of `Q_label`,
    /// `sum_i (2 * S_label,i * x_i + x_i^2)` over the old sums. Reads and writes each of the
    /// label's words once; the features were validated.
    function _addExample(bytes calldata features, uint256 label) private returns (int256 change) {
        uint256 firstSlot = _WORDS_BASE + label * _wordsPerClass;
        // Cannot overflow: |S| <= n * ONE and |x| <= ONE, so a new sum is at most (n + 1) * ONE < 2^41
        // in magnitude (n < max, checked by the caller) and fits its lane; each change term
        // |2 * S * x + x^2| < 2^63, at most 4,096 of them. Lanes are rebuilt from zero: the unused
        // lanes and bits of a word are zero (checked on loading) and stay so.
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, features.length)
            let slot := firstSlot
            for { let fullEnd := sub(end, mod(features.length, 24)) } lt(ptr, fullEnd) {
                ptr := add(ptr, 24)
                slot := add(slot, 1)
            } {
                let word := sload(slot)
                let x := signextend(3, shr(224, calldataload(ptr)))
                let sum := sar(214, shl(214, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                let updated := and(add(sum, x), 0x3ffffffffff)
                x := signextend(3, shr(224, calldataload(add(ptr, 4))))
                sum := sar(214, shl(172, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                updated := or(updated, shl(42, and(add(sum, x), 0x3ffffffffff)))
                x := signextend(3, shr(224, calldataload(add(ptr, 8))))
                sum := sar(214, shl(130, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                updated := or(updated, shl(84, and(add(sum, x), 0x3ffffffffff)))
                x := signextend(3, shr(224, calldataload(add(ptr, 12))))
                sum := sar(214, shl(88, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                updated := or(updated, shl(126, and(add(sum, x), 0x3ffffffffff)))
                x := signextend(3, shr(224, calldataload(add(ptr, 16))))
                sum := sar(214, shl(46, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                updated := or(updated, shl(168, and(add(sum, x), 0x3ffffffffff)))
                x := signextend(3, shr(224, calldataload(add(ptr, 20))))
                sum := sar(214, shl(4, word))
                change := add(change, mul(add(shl(1, sum), x), x))
                sstore(slot, or(updated, shl(210, and(add(sum, x), 0x3ffffffffff))))
            }
            if lt(ptr, end) {
                let word := sload(slot)
                let updated := 0
                for { let shift := 0 } lt(ptr, end) { shift := add(shift, 42) } {
                    let x := signextend(3, shr(224, calldataload(ptr)))
                    let sum := sar(214, shl(sub(214, shift), word))
                    change := add(change, mul(add(shl(1, sum), x), x))
                    updated := or(updated, shl(shift, and(add(sum, x), 0x3ffffffffff)))
                    ptr := add(ptr, 4)
                }
                sstore(slot, updated)
            }
        }
    }
}

/// @dev The number of model words of a dense Nearest Centroid (0 for a shape the constructor
/// rejects): `classCount * ceil(featureCount / 6)`.
function _denseWordCount(uint256 featureCount_, uint256 classes) pure returns (uint256) {
    if (classes < 2 || classes > 256 || featureCount_ > 4096) return 0;
    return classes * ((featureCount_ + 5) / 6);
}
