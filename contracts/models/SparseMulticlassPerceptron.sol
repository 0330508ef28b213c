// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {IMulticlassPerceptron} from "../interfaces/IMulticlassPerceptron.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title MulticlassPerceptronBase
/// @notice What the sparse and dense multi-class Perceptrons share: the model-word layout
/// (intercept words, then feature-major weight lanes), loading, the argmax prediction and the
/// classic multi-class update (SPEC.md §8, "Multi-class Perceptrons").
/// @dev A variant supplies `_scores` (reads and validates its feature encoding) and `_stepWeights`.
/// NOTE: weights saturate at the `int32` bounds and intercepts at the `int64` bounds instead of
/// overflowing. Gas grows with the class count: every class's lane of every present feature is
/// read.
abstract contract MulticlassPerceptronBase is ChunkedModel, IMulticlassPerceptron {
    /// @dev Largest class count: labels are `uint8`.
    uint256 internal constant _MAX_CLASS_COUNT = 256;
    /// @dev Largest feature count: indices are `uint16`.
    uint256 internal constant _MAX_FEATURE_COUNT = 1 << 16;
    uint256 internal constant _WEIGHTS_PER_WORD = 8;
    uint256 internal constant _INTERCEPTS_PER_WORD = 4;
    int256 internal constant _INT32_MAX = type(int32).max;

    uint256 internal immutable _featureCount;
    uint256 internal immutable _classes;
    /// @dev Weight lanes per feature: `classCount` rounded up to 2, 4 or 8 below 8 classes, else itself.
    uint256 internal immutable _lanes;
    /// @dev The first weight word's slot: intercept words come first.
    uint256 internal immutable _weightsBase;
    int256 internal immutable _learningRate;

    /// @dev The model's header word: loading progress (the intercepts are model words).
    uint32 private _loadedWords;

    /// @param featureCount_ The number of features, 1 to `min(65,536, maxLanes / lanesPerFeature)`.
    /// @param classCount_ The number of classes, 2 to 256.
    /// @param learningRate_ The learning rate, fixed point, 1 to `type(int32).max`.
    /// @dev Deployable trainers call this constructor directly (the variants add none), which keeps
    /// the constructor chain's stack shallow.
    constructor(uint256 featureCount_, uint256 classCount_, int256 learningRate_)
        ChunkedModel(_wordCount(featureCount_, classCount_))
    {
        _checkParameters(featureCount_, classCount_, learningRate_, _maxLanes());
        _featureCount = featureCount_;
        _classes = classCount_;
        _lanes = _lanesFor(classCount_);
        _weightsBase = _WORDS_BASE + _interceptWordCount(classCount_);
        _learningRate = learningRate_;
    }

    /// @inheritdoc IMulticlassPerceptron
    function intercepts() external view returns (int256[] memory) {
        _requireLoaded();
        return _interceptScores(1);
    }

    /// @inheritdoc IMulticlassPerceptron
    function learningRate() external view returns (int256) {
        return _learningRate;
    }

    /// @inheritdoc IMulticlassPerceptron
    function lanesPerFeature() external view returns (uint256) {
        return _lanes;
    }

    /// @inheritdoc IMulticlassPerceptron
    function scores(bytes calldata features) external view returns (int256[] memory) {
        _requireLoaded();
        return _scores(features);
    }

    /// @inheritdoc IClassifier
    function featureCount() external view returns (uint256) {
        return _featureCount;
    }

    /// @inheritdoc IClassifier
    function modelReady() external view returns (bool) {
        return _loadedWords == _modelWordCount;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _loadedWords;
    }

    function _setLoadedWordCount(uint256 loaded) internal override {
        // Cast is exact: loaded <= _modelWordCount <= 64 + 65,536 * 256 / 8 < 2^32.
        _loadedWords = uint32(loaded);
    }

    function _classCount() internal view override returns (uint256) {
        return _classes;
    }

    function _predict(bytes calldata features) internal view override returns (uint256) {
        _requireLoaded();
        return _argmax(_scores(features));
    }

    function _train(bytes calldata features, uint256 label) internal override {
        _requireLoaded();
        uint256 prediction = _argmax(_scores(features));
        if (prediction == label) return;
        _stepWeights(features, label, prediction);
        _stepIntercepts(label, prediction);
    }

    /// @dev The largest number of weight lanes (`featureCount * lanesPerFeature`) the variant
    /// accepts (its gas ceiling), or `type(uint256).max` for none.
    function _maxLanes() internal pure virtual returns (uint256);

    /// @dev Every class's score (validating the features); the model is loaded.
    function _scores(bytes calldata features) internal view virtual returns (int256[] memory);

    /// @dev Steps class `up`'s weights towards the example and class `down`'s away from it
    /// (`up != down`); the features were validated by `_scores`.
    function _stepWeights(bytes calldata features, uint256 up, uint256 down) internal virtual;

    /// @dev `ModelNotLoaded` while model words are missing.
    function _requireLoaded() internal view {
        uint256 loaded = _loadedWords;
        if (loaded != _modelWordCount) revert ModelNotLoaded(loaded, _modelWordCount);
    }

    /// @dev A new scores array holding `intercept_k * scale` for every class `k`.
    function _interceptScores(int256 scale) internal view returns (int256[] memory s) {
        uint256 classes = _classes;
        s = new int256[](classes);
        assembly ("memory-safe") {
            let ptr := add(s, 0x20)
            let word := 0
            for { let k := 0 } lt(k, classes) { k := add(k, 1) } {
                let lane := and(k, 3)
                if iszero(lane) { word := sload(add(_WORDS_BASE, shr(2, k))) }
                // Cannot overflow: |intercept| < 2^63 and the scale is 1 or ONE < 2^20.
                mstore(add(ptr, shl(5, k)), mul(signextend(7, shr(shl(6, lane), word)), scale))
            }
        }
    }

    /// @dev `intercept[up] += learningRate` and `intercept[down] -= learningRate`, saturating at
    /// the int64 bounds.
    function _stepIntercepts(uint256 up, uint256 down) internal {
        int256 rate = _learningRate;
        assembly ("memory-safe") {
            function step(k, delta) {
                let slot := add(_WORDS_BASE, shr(2, k))
                let word := sload(slot)
                let shift := shl(6, and(k, 3))
                // Cannot overflow: |intercept| < 2^63 and |delta| < 2^31.
                let b := add(signextend(7, shr(shift, word)), delta)
                if sgt(b, 0x7fffffffffffffff) { b := 0x7fffffffffffffff }
                if slt(b, not(0x7fffffffffffffff)) { b := not(0x7fffffffffffffff) } // -2^63
                let mask := shl(shift, 0xffffffffffffffff)
                sstore(slot, or(and(word, not(mask)), and(shl(shift, b), mask)))
            }
            step(up, rate)
            step(down, sub(0, rate))
        }
    }

    /// @dev The first class of the highest score (ties to the lowest class, as numpy's argmax).
    function _argmax(int256[] memory s) internal pure returns (uint256 best) {
        int256 top = s[0];
        for (uint256 k = 1; k < s.length; ++k) {
            if (s[k] > top) {
                top = s[k];
                best = k;
            }
        }
    }

    /// @dev The constructor's checks, in order: class count, feature count (whose bound depends on
    /// the lanes per feature), learning rate.
    function _checkParameters(uint256 featureCount_, uint256 classCount_, int256 learningRate_, uint256 maxLanes)
        private
        pure
    {
        if (classCount_ < 2 || classCount_ > _MAX_CLASS_COUNT) {
            revert ClassCountOutOfRange(classCount_, _MAX_CLASS_COUNT);
        }
        uint256 maxFeatureCount = maxLanes / _lanesFor(classCount_);
        if (maxFeatureCount > _MAX_FEATURE_COUNT) maxFeatureCount = _MAX_FEATURE_COUNT;
        if (featureCount_ == 0 || featureCount_ > maxFeatureCount) {
            revert FeatureCountOutOfRange(featureCount_, maxFeatureCount);
        }
        if (learningRate_ <= 0 || learningRate_ > _INT32_MAX) revert LearningRateOutOfRange(learningRate_);
    }

    /// @dev Weight lanes per feature: a power of two (2, 4, 8) below 8 classes, so a feature's
    /// lanes never straddle a word; `classCount` itself from 8 classes on.
    function _lanesFor(uint256 classCount_) private pure returns (uint256) {
        if (classCount_ >= 8) return classCount_;
        if (classCount_ > 4) return 8;
        if (classCount_ > 2) return 4;
        return 2;
    }

    /// @dev Intercept words: four `int64` to a word.
    function _interceptWordCount(uint256 classCount_) private pure returns (uint256) {
        return (classCount_ + _INTERCEPTS_PER_WORD - 1) / _INTERCEPTS_PER_WORD;
    }

    /// @dev Model words: intercept words, then `ceil(featureCount * lanes / 8)` weight words; 0
    /// for counts out of range (the constructor then reverts with the named error).
    function _wordCount(uint256 featureCount_, uint256 classCount_) private pure returns (uint256) {
        if (featureCount_ > _MAX_FEATURE_COUNT || classCount_ > _MAX_CLASS_COUNT || classCount_ == 0) return 0;
        return _interceptWordCount(classCount_)
            + (featureCount_ * _lanesFor(classCount_) + _WEIGHTS_PER_WORD - 1) / _WEIGHTS_PER_WORD;
    }
}

/// @title SparseMulticlassPerceptron
/// @notice Multi-class Perceptron over sparse binary features (packed `uint16` indices), `int32`
/// fixed-point weights feature-major, eight lanes to a model word (model module of a
/// `CollaborativeTrainer`).
/// @dev `score_k = intercept_k + sum of present features' class-k weights` (scale ONE), exact.
/// On a wrong prediction `p` for label `t`, every present feature's class-`t` weight and the
/// class-`t` intercept gain `learningRate`, class `p`'s lose it (saturating). Features are read
/// straight from calldata; a feature's weights are adjacent lanes, so below 8 classes one read
/// serves all classes of a feature (and of its word's neighbours, which sorted features reach
/// in order).
abstract contract SparseMulticlassPerceptron is MulticlassPerceptronBase {
    /// @dev No lane ceiling: only the present features' weights are read.
    function _maxLanes() internal pure override returns (uint256) {
        return type(uint256).max;
    }

    /// @dev Intercepts plus the weights of the present features, validated as SPEC.md §1 in the
    /// same pass. Sorted features visit weight words in increasing order, so each is read once.
    function _scores(bytes calldata features) internal view override returns (int256[] memory s) {
        uint256 length = features.length;
        if (length & 1 != 0) revert FeaturesMalformed(length);
        s = _interceptScores(1);
        uint256 featureCount_ = _featureCount;
        uint256 classes = _classes;
        uint256 lanes = _lanes;
        uint256 weightsBase = _weightsBase;
        uint256 failure; // 0: none, 1: not sorted, 2: out of range
        uint256 position;
        uint256 next; // the smallest index allowed next: the previous one plus one
        uint256 index;
        assembly ("memory-safe") {
            let scoresPtr := add(s, 0x20)
            let ptr := features.offset
            let end := add(ptr, length)
            let loadedWord := not(0)
            let word := 0
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
                // Cannot overflow: index < 2^16 and lanes <= 256. In bounds: g < featureCount * lanes.
                let g := mul(index, lanes)
                let k := 0
                for {} lt(k, classes) {} {
                    let wordIndex := shr(3, g)
                    if iszero(eq(wordIndex, loadedWord)) {
                        loadedWord := wordIndex
                        word := sload(add(weightsBase, wordIndex))
                    }
                    // The classes whose lanes are in this word: up to lane 7, or the last class.
                    let wordEnd := add(k, sub(8, and(g, 7)))
                    if gt(wordEnd, classes) { wordEnd := classes }
                    let p := add(scoresPtr, shl(5, k))
                    let pEnd := add(scoresPtr, shl(5, wordEnd))
                    for { let shift := shl(5, and(g, 7)) } lt(p, pEnd) {
                        p := add(p, 0x20)
                        shift := add(shift, 32)
                    } {
                        // Cannot overflow: at most 65,536 int32 terms and an int64 intercept.
                        mstore(p, add(mload(p), signextend(3, shr(shift, word))))
                    }
                    g := add(g, sub(wordEnd, k))
                    k := wordEnd
                }
            }
            position := shr(1, sub(ptr, features.offset))
        }
        if (failure == 1) revert FeaturesNotSorted(position, next - 1, index);
        if (failure == 2) revert FeatureOutOfRange(index, featureCount_);
    }

    /// @dev For every present feature, lane `up` gains `learningRate` and lane `down` loses it,
    /// saturating at the int32 bounds. Lanes are visited in increasing order (per feature the
    /// lower class first), so each weight word is read once and written once.
    function _stepWeights(bytes calldata features, uint256 up, uint256 down) internal override {
        uint256 lanes = _lanes;
        uint256 weightsBase = _weightsBase;
        int256 rate = _learningRate;
        (uint256 low, uint256 high) = up < down ? (up, down) : (down, up);
        (int256 lowStep, int256 highStep) = up < down ? (rate, -rate) : (-rate, rate);
        assembly ("memory-safe") {
            // Lane `lane` of `word` plus `delta`, clamped to the int32 range, put back in `word`.
            // Cannot overflow: |weight| < 2^31 and |delta| < 2^31.
            function addToLane(word, lane, delta) -> updated {
                let shift := shl(5, lane)
                let w := add(signextend(3, shr(shift, word)), delta)
                if sgt(w, 0x7fffffff) { w := 0x7fffffff }
                if slt(w, not(0x7fffffff)) { w := not(0x7fffffff) } // -2^31
                updated := or(and(word, not(shl(shift, 0xffffffff))), shl(shift, and(w, 0xffffffff)))
            }
            let ptr := features.offset
            let end := add(ptr, features.length)
            let slot := 0 // the weight word held in `word`; 0 is never a weight slot
            let word := 0
            for {} lt(ptr, end) { ptr := add(ptr, 2) } {
                // Cannot overflow: index < 2^16 and lanes <= 256.
                let g := mul(shr(240, calldataload(ptr)), lanes)
                for { let i := 0 } lt(i, 2) { i := add(i, 1) } {
                    let lane := add(g, low)
                    let delta := lowStep
                    if i {
                        lane := add(g, high)
                        delta := highStep
                    }
                    let laneSlot := add(weightsBase, shr(3, lane))
                    if iszero(eq(laneSlot, slot)) {
                        if slot { sstore(slot, word) }
                        slot := laneSlot
                        word := sload(slot)
                    }
                    word := addToLane(word, and(lane, 7), delta)
                }
            }
            if slot { sstore(slot, word) }
        }
    }
}
