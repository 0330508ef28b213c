// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {INearestCentroid} from "../interfaces/INearestCentroid.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title SparseNearestCentroid
/// @notice Nearest Centroid over sparse binary features, 2 to 256 classes, exact integer
/// arithmetic (model module of a `CollaborativeTrainer`; maths in `INearestCentroid`).
/// @dev Model words (SPEC.md, "Nearest Centroid"): the sums `S_ci` (the number of class `c`'s
/// examples that have feature `i`) are `uint24` lanes, ten to a word (bits `24 * lane` up; the top
/// 16 bits are zero), feature-major so one read serves every class of a feature: with `K` classes,
/// a group of `G = max(1, 10 / K)` consecutive features takes `W = ceil(K / 10)` words, and
/// `(feature i, class c)` is slot `s = (i % G) * K + c` of group `i / G`, i.e. lane `s % 10` of
/// word `(i / G) * W + s / 10`. Two classes: five features a word; ten classes: one.
/// Header (storage, not model words): `ceil(K / 2)` words; word `h` holds classes `2h` and `2h + 1`
/// in bits `24 + 88 * (c % 2)` up as `n_c` (24 bits) then `Q_c` (64 bits); bits 0-23 of word 0
/// hold the number of model words loaded. Two classes: one word, read once per call.
/// NOTE: bounds. `featureCount <= 65,536`; `n_c <= 2^24 - 1` (`ExampleCountOverflow`);
/// `0 <= S_ci <= n_c` (checked on loading, kept by every update), so
/// `Q_c <= 65,536 * (2^24 - 1)^2 < 2^64`, and every intermediate of the prediction is below
/// `2^113` (see `_nearest`).
/// Prediction reads the word of each present feature once (sorted features of one group are
/// adjacent); an update reads and writes the label's word of each present feature once and
/// one header word, never the whole model.
abstract contract SparseNearestCentroid is ChunkedModel, INearestCentroid {
    /// @dev Largest feature count: indices are `uint16`.
    uint256 internal constant _MAX_FEATURE_COUNT = 1 << 16;
    /// @dev Largest class count: labels are `uint8`.
    uint256 internal constant _MAX_CLASS_COUNT = 256;
    /// @dev Largest example count of a class: a `uint24` lane holds any sum `S_ci <= n_c`.
    uint256 internal constant _MAX_EXAMPLE_COUNT = (1 << 24) - 1;

    uint256 private constant _LANES_PER_WORD = 10;
    uint256 private constant _LANE_BITS = 24;
    uint256 private constant _LANE_MASK = (1 << 24) - 1;
    uint256 private constant _LOADED_MASK = (1 << 24) - 1;
    uint256 private constant _CLASS_OFFSET = 24; // first class block of a header word
    uint256 private constant _CLASS_BITS = 88; // n_c (24 bits), then Q_c (64 bits)
    uint256 private constant _CLASS_MASK = (1 << 88) - 1;
    uint256 private constant _COUNT_MASK = (1 << 24) - 1;
    uint256 private constant _COUNT_BITS = 24;
    uint256 private constant _NORM_MASK = (1 << 64) - 1;
    /// @dev Lanes 0, 2, 4, 6 and 8 of a word, each moved to a 48-bit accumulator lane.
    uint256 private constant _EVEN_LANES = 0x000000ffffff000000ffffff000000ffffff000000ffffff000000ffffff;
    uint256 private constant _ACC_MASK = (1 << 48) - 1;

    uint256 private immutable _featureCount;
    uint256 private immutable _classes;
    uint256 private immutable _featuresPerGroup;
    uint256 private immutable _wordsPerGroup;

    /// @dev Class counts and norms, two classes a word; word 0 also holds the loaded word count.
    uint256[128] private _header;

    /// @param featureCount_ The number of features, 1 to 65,536.
    /// @param exampleCounts_ Each class's example count `n_c` (the model words hold the sums);
    /// its length is the class count, 2 to 256.
    constructor(uint256 featureCount_, uint256[] memory exampleCounts_)
        ChunkedModel(_sparseWordCount(featureCount_, exampleCounts_.length))
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        uint256 classes = exampleCounts_.length;
        if (classes < 2 || classes > _MAX_CLASS_COUNT) revert ClassCountOutOfRange(classes, _MAX_CLASS_COUNT);
        _featureCount = featureCount_;
        _classes = classes;
        _featuresPerGroup = classes <= _LANES_PER_WORD ? _LANES_PER_WORD / classes : 1;
        _wordsPerGroup = (classes + _LANES_PER_WORD - 1) / _LANES_PER_WORD;
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
    function featureSum(uint256 label, uint256 feature) external view returns (int256) {
        if (label >= _classes) revert LabelOutOfRange(label, _classes);
        if (feature >= _featureCount) revert FeatureOutOfRange(feature, _featureCount);
        uint256 group = feature / _featuresPerGroup;
        uint256 slot = (feature % _featuresPerGroup) * _classes + label;
        uint256 word = _loadWord(group * _wordsPerGroup + slot / _LANES_PER_WORD);
        // Cast is exact: a lane is 24 bits.
        return int256((word >> (_LANE_BITS * (slot % _LANES_PER_WORD))) & _LANE_MASK);
    }

    /// @inheritdoc INearestCentroid
    function maxExampleCount() external pure returns (uint256) {
        return _MAX_EXAMPLE_COUNT;
    }

    /// @inheritdoc INearestCentroid
    function featureValueBound() external pure returns (int256) {
        return 1;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _header[0] & _LOADED_MASK;
    }

    /// @dev Called by `loadModel` after it stored words `loadedWords .. loaded - 1`: checks each of
    /// them (`ModelWordMalformed`, `FeatureSumOutOfRange`, in word then lane order) and adds the
    /// squares of their sums to each class's `Q_c`, so `Q_c` is always computed, never trusted.
    function _setLoadedWordCount(uint256 loaded) internal override {
        uint256 classes = _classes;
        uint256[] memory counts = new uint256[](classes);
        uint256[] memory norms = new uint256[](classes);
        for (uint256 c; c < classes; ++c) {
            counts[c] = (_header[c >> 1] >> _classShift(c)) & _COUNT_MASK;
        }
        for (uint256 i = _header[0] & _LOADED_MASK; i < loaded; ++i) {
            _checkWord(i, counts, norms);
        }
        // Cannot overflow: each norm is at most 65,536 * (2^24 - 1)^2 < 2^64 in total (every sum
        // was checked against its count, at most 2^24 - 1), so it fits the block's 64-bit field.
        unchecked {
            for (uint256 c; c < classes; ++c) {
                if (norms[c] != 0) _header[c >> 1] += norms[c] << (_classShift(c) + _COUNT_BITS);
            }
        }
        _header[0] = (_header[0] & ~_LOADED_MASK) | loaded;
    }

    function _classCount() internal view override returns (uint256) {
        return _classes;
    }

    function _predict(bytes calldata features) internal view override returns (uint256) {
        uint256 header0 = _readyHeader();
        (uint256[] memory sums, uint256 present) = _classSums(features);
        return _nearest(header0, sums, present);
    }

    function _train(bytes calldata features, uint256 label) internal override {
        uint256 header0 = _readyHeader();
        uint256 h = label >> 1;
        uint256 headerWord = h == 0 ? header0 : _header[h];
        uint256 shift = _classShift(label);
        uint256 block_ = (headerWord >> shift) & _CLASS_MASK;
        uint256 count = block_ & _COUNT_MASK;
        if (count == _MAX_EXAMPLE_COUNT) revert ExampleCountOverflow(label, count + 1, _MAX_EXAMPLE_COUNT);
        uint256 normIncrease = _addExample(features, label);
        // Cannot overflow: count < 2^24 - 1, and the new norm is the sum of the squares of the new
        // sums, each at most the new count, so below 65,536 * (2^24 - 1)^2 < 2^64: the block's
        // fields only grow within their widths (normIncrease < 2^41).
        unchecked {
            block_ += 1 + (normIncrease << _COUNT_BITS);
        }
        _header[h] = (headerWord & ~(_CLASS_MASK << shift)) | (block_ << shift);
    }

    /// @dev Checks loaded model word `i` (`ModelWordMalformed`, then `FeatureSumOutOfRange` lane by
    /// lane) and adds the squares of its sums to `norms`.
    function _checkWord(uint256 i, uint256[] memory counts, uint256[] memory norms) private view {
        uint256 classes = _classes;
        uint256 word = _loadWord(i);
        uint256 feature;
        uint256 c;
        uint256 lanes;
        // Cannot overflow: word indices are below 2^24, a group's slots below 2,560, features
        // below 2^16.
        unchecked {
            uint256 firstSlot = (i % _wordsPerGroup) * _LANES_PER_WORD;
            feature = (i / _wordsPerGroup) * _featuresPerGroup;
            lanes = _featureCount - feature;
            if (lanes > _featuresPerGroup) lanes = _featuresPerGroup;
            // At least one lane: a word's first slot is always below (features here) * classes.
            lanes = lanes * classes - firstSlot;
            if (lanes > _LANES_PER_WORD) lanes = _LANES_PER_WORD;
            feature += firstSlot / classes;
            c = firstSlot % classes;
        }
        if (word >> (_LANE_BITS * lanes) != 0) revert ModelWordMalformed(i, word);
        uint256 bad = _LANES_PER_WORD; // the first lane above its count, if any
        assembly ("memory-safe") {
            for { let lane := 0 } lt(lane, lanes) { lane := add(lane, 1) } {
                let sum := and(shr(mul(24, lane), word), 0xffffff)
                let offset := add(0x20, shl(5, c)) // c < classes: in both arrays
                if gt(sum, mload(add(counts, offset))) {
                    bad := lane
                    break
                }
                // Cannot overflow: the sum of at most 65,536 squares of sums below 2^24.
                mstore(add(norms, offset), add(mload(add(norms, offset)), mul(sum, sum)))
                c := add(c, 1)
                if eq(c, classes) {
                    c := 0
                    feature := add(feature, 1)
                }
            }
        }
        if (bad != _LANES_PER_WORD) {
            _revertSumOutOfRange(feature, c, (word >> (_LANE_BITS * bad)) & _LANE_MASK, counts[c]);
        }
    }

    /// @dev Reverts with `FeatureSumOutOfRange` (a helper, to keep `_checkWord`'s stack shallow).
    function _revertSumOutOfRange(uint256 feature, uint256 c, uint256 sum, uint256 count) private pure {
        // Casts are exact: both are below 2^24.
        revert FeatureSumOutOfRange(feature, c, int256(sum), 0, int256(count));
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

    /// @dev `<x, S_c>` for every class (the sum of `S_ci` over the present features) and the number
    /// of present features `||x||^2`; validates the features (SPEC.md §1) in the same pass.
    /// A feature's sums are consecutive lanes of its group's words; per word of a group, two
    /// accumulators add them all at once, one the even lanes and one the odd lanes, each lane
    /// `48` bits apart, so the sums of up to 65,536 features (< 2^40) never carry into a neighbour.
    function _classSums(bytes calldata features) private view returns (uint256[] memory sums, uint256 present) {
        if (features.length & 1 != 0) revert FeaturesMalformed(features.length);
        uint256 shape = _shape();
        uint256[] memory acc = new uint256[](2 * _wordsPerGroup);
        uint256 next; // the smallest index allowed next: the previous one plus one
        uint256 index;
        assembly ("memory-safe") {
            for { present := features.offset } lt(present, add(features.offset, features.length)) {
                present := add(present, 2)
            } {
                index := shr(240, calldataload(present))
                if or(lt(index, next), iszero(lt(index, shr(128, shape)))) { break }
                next := add(index, 1)
                // Small numbers: index < 2^16, a group's slots < 2,560, word indices < 2^24.
                let wordIndex := div(index, and(shape, 0xffffffff)) // the group
                let shift :=
                    mul(mul(sub(index, mul(wordIndex, and(shape, 0xffffffff))), and(shr(64, shape), 0xffffffff)), 24)
                let words := and(shr(32, shape), 0xffffffff)
                wordIndex := mul(wordIndex, words)
                let accPtr := add(acc, 0x20)
                for {} words { words := sub(words, 1) } {
                    // In bounds: index < featureCount, so wordIndex < _modelWordCount. The mask keeps
                    // this feature's lanes (all ten when a feature has words of its own).
                    let lanes :=
                        and(shr(shift, sload(add(_WORDS_BASE, wordIndex))), sub(shl(and(shr(96, shape), 0xffff), 1), 1))
                    // Cannot overflow: each 48-bit accumulator lane sums at most 65,536 lanes < 2^24.
                    mstore(accPtr, add(mload(accPtr), and(lanes, _EVEN_LANES)))
                    mstore(add(accPtr, 0x20), add(mload(add(accPtr, 0x20)), and(shr(24, lanes), _EVEN_LANES)))
                    accPtr := add(accPtr, 0x40)
                    wordIndex := add(wordIndex, 1)
                }
            }
            present := shr(1, sub(present, features.offset))
        }
        if (present != features.length >> 1) {
            if (index < next) revert FeaturesNotSorted(present, next - 1, index);
            revert FeatureOutOfRange(index, _featureCount);
        }
        uint256 classes = _classes;
        sums = new uint256[](classes);
        for (uint256 c; c < classes; ++c) {
            // Class c is lane c % 10 of the group's word c / 10: accumulator 2 * (c / 10) + lane % 2,
            // at bit 48 * (lane / 2).
            uint256 lane = c % _LANES_PER_WORD;
            sums[c] = (acc[2 * (c / _LANES_PER_WORD) + (lane & 1)] >> (48 * (lane >> 1))) & _ACC_MASK;
        }
    }

    /// @dev Adds the example to class `label`'s sums (one to `S_label,i` for each present `i`) and
    /// returns the increase of `Q_label`, `sum of (2 * S_label,i + 1)` over the old sums; validates
    /// the features in the same pass (any revert undoes the writes). Sorted features sharing a
    /// word are adjacent, so each word is read and written once.
    function _addExample(bytes calldata features, uint256 label) private returns (uint256 normIncrease) {
        if (features.length & 1 != 0) revert FeaturesMalformed(features.length);
        uint256 featureCount_ = _featureCount;
        uint256 shape = _shape();
        uint256 position;
        uint256 next;
        uint256 index;
        assembly ("memory-safe") {
            let ptr := features.offset
            let current := not(0)
            let word := 0
            for {} lt(ptr, add(features.offset, features.length)) { ptr := add(ptr, 2) } {
                index := shr(240, calldataload(ptr))
                if or(lt(index, next), iszero(lt(index, featureCount_))) { break }
                next := add(index, 1)
                let perGroup := and(shape, 0xffffffff)
                let wordIndex := div(index, perGroup) // the group
                let shift := add(mul(sub(index, mul(wordIndex, perGroup)), and(shr(64, shape), 0xffffffff)), label) // the slot
                wordIndex := add(mul(wordIndex, and(shr(32, shape), 0xffffffff)), div(shift, 10))
                if iszero(eq(wordIndex, current)) {
                    if iszero(eq(current, not(0))) { sstore(add(_WORDS_BASE, current), word) }
                    current := wordIndex
                    word := sload(add(_WORDS_BASE, wordIndex))
                }
                shift := mul(mod(shift, 10), 24)
                // Cannot overflow: the sum is at most the class's count, below 2^24 - 1 (checked by
                // the caller), so adding one stays inside the lane; normIncrease < 65,536 * 2^25.
                normIncrease := add(normIncrease, add(shl(1, and(shr(shift, word), 0xffffff)), 1))
                word := add(word, shl(shift, 1))
            }
            position := shr(1, sub(ptr, features.offset))
            // The last word, unless a feature failed (the call reverts below).
            if and(eq(ptr, add(features.offset, features.length)), iszero(eq(current, not(0)))) {
                sstore(add(_WORDS_BASE, current), word)
            }
        }
        if (position != features.length >> 1) {
            if (index < next) revert FeaturesNotSorted(position, next - 1, index);
            revert FeatureOutOfRange(index, featureCount_);
        }
    }

    /// @dev Features per group, words per group, classes, the bits of a feature's lanes in one word
    /// and the feature count, packed in one stack slot (bits 0, 32, 64, 96 and 128 up) for the
    /// assembly loops, which would otherwise run out of stack.
    function _shape() private view returns (uint256) {
        uint256 laneBits = _classes < _LANES_PER_WORD ? _classes * _LANE_BITS : _LANES_PER_WORD * _LANE_BITS;
        return _featuresPerGroup | (_wordsPerGroup << 32) | (_classes << 64) | (laneBits << 96) | (_featureCount << 128);
    }

    /// @dev The class whose centroid is nearest: `argmin_c D_c / n_c^2` over classes with examples,
    /// `D_c = n_c^2 * present + Q_c - 2 * n_c * sums[c]`, compared exactly by cross-multiplication;
    /// ties to the lowest class, 0 when no class has examples.
    function _nearest(uint256 header0, uint256[] memory sums, uint256 present) private view returns (uint256 best) {
        uint256 classes = _classes;
        uint256 bestDistance;
        uint256 bestCountSquared; // 0 until a class with examples is found
        uint256 headerWord = header0;
        // Cannot overflow or underflow: n_c < 2^24, present <= 2^16, Q_c < 2^64 and
        // sums[c] <= present * n_c, so n_c^2 * present + Q_c < 2^65 and 2 * n_c * sums[c] < 2^65;
        // the difference is D_c = sum over present i of (n_c - S_ci)^2 plus sum over absent i of
        // S_ci^2 >= 0 because Q_c = sum_i S_ci^2 exactly; each product below is under 2^65 * 2^48.
        unchecked {
            for (uint256 c; c < classes; ++c) {
                if (c & 1 == 0 && c != 0) headerWord = _header[c >> 1];
                uint256 block_ = headerWord >> _classShift(c);
                uint256 count = block_ & _COUNT_MASK;
                if (count == 0) continue;
                uint256 countSquared = count * count;
                uint256 distance =
                    countSquared * present + ((block_ >> _COUNT_BITS) & _NORM_MASK) - 2 * count * sums[c];
                if (bestCountSquared == 0 || distance * bestCountSquared < bestDistance * countSquared) {
                    best = c;
                    bestDistance = distance;
                    bestCountSquared = countSquared;
                }
            }
        }
    }
}

/// @dev The number of model words of a sparse Nearest Centroid (0 for a class count the
/// constructor rejects): `ceil(featureCount / G) * W` with `G = max(1, 10 / K)`, `W = ceil(K / 10)`.
function _sparseWordCount(uint256 featureCount_, uint256 classes) pure returns (uint256) {
    if (classes < 2 || classes > 256 || featureCount_ > 1 << 16) return 0;
    uint256 perGroup = classes <= 10 ? 10 / classes : 1;
    return (featureCount_ + perGroup - 1) / perGroup * ((classes + 9) / 10);
}
