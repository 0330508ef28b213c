// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MulticlassPerceptronBase} from "./SparseMulticlassPerceptron.sol";

/// @title DenseMulticlassPerceptron
/// @notice Multi-class Perceptron over dense fixed-point features (`featureCount` big-endian
/// `int32` values, scale ONE), `int32` fixed-point weights feature-major, eight lanes to a model
/// word (model module of a `CollaborativeTrainer`).
/// @dev `score_k = intercept_k * ONE + sum_f w_fk * x_f` (scale ONE^2), exact, no division. On a
/// wrong prediction `p` for label `t`: `w_ft += learningRate * x_f / ONE` and
/// `w_fp -= learningRate * x_f / ONE` (the quotient truncated toward zero, as `sdiv`), the
/// class-`t` intercept gains `learningRate` and class `p`'s loses it, all saturating.
/// NOTE: feature values are bounded by `|x| <= 100 * ONE` (`FeatureValueOutOfRange`). A feature
/// whose value is 0 adds nothing and its weights are not read. Every other feature's weight words
/// are read on each call, so the model is capped at 16,384 weight lanes (`featureCount *
/// lanesPerFeature`, 2,048 words): 1,638 features at 10 classes, 8,192 at 2.
abstract contract DenseMulticlassPerceptron is MulticlassPerceptronBase {
    /// @dev Largest number of weight lanes: 2,048 weight words, as the dense binary Perceptron.
    uint256 internal constant _MAX_LANES = 16_384;
    /// @dev Largest magnitude of a feature value: 100 in real units.
    int256 internal constant _MAX_FEATURE_VALUE = 100_000_000;
    int256 private constant _ONE = 1_000_000;

    /// @dev The feature count is at most `16,384 / lanesPerFeature`.
    function _maxLanes() internal pure override returns (uint256) {
        return _MAX_LANES;
    }

    /// @dev `intercept_k * ONE + sum_f w_fk * x_f` for every class; validates the features in the
    /// same pass: `FeaturesMalformed` unless there are exactly `featureCount` values, then
    /// `FeatureValueOutOfRange` for the first value out of bounds.
    function _scores(bytes calldata features) internal view override returns (int256[] memory s) {
        uint256 featureCount_ = _featureCount;
        uint256 length = features.length;
        // Cannot overflow: featureCount_ <= 8,192.
        if (length != featureCount_ * 4) revert FeaturesMalformed(length);
        s = _interceptScores(_ONE);
        uint256 classes = _classes;
        uint256 lanes = _lanes;
        uint256 weightsBase = _weightsBase;
        bool failed;
        uint256 position;
        int256 value;
        assembly ("memory-safe") {
            let scoresPtr := add(s, 0x20)
            let ptr := features.offset
            let loadedWord := not(0)
            let word := 0
            for { let f := 0 } lt(f, featureCount_) {
                f := add(f, 1)
                ptr := add(ptr, 4)
            } {
                let x := signextend(3, shr(224, calldataload(ptr)))
                // |x| <= B  <=>  x + B in [0, 2B] as an unsigned number.
                if gt(add(x, _MAX_FEATURE_VALUE), 200000000) {
                    failed := 1
                    position := f
                    value := x
                    break
                }
                if x {
                    // Cannot overflow: f < 2^14 and lanes <= 256.
                    let g := mul(f, lanes)
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
                            // Cannot overflow: at most 8,192 products below 2^58, and an
                            // intercept term below 2^83.
                            mstore(p, add(mload(p), mul(signextend(3, shr(shift, word)), x)))
                        }
                        g := add(g, sub(wordEnd, k))
                        k := wordEnd
                    }
                }
            }
        }
        if (failed) revert FeatureValueOutOfRange(position, value, -_MAX_FEATURE_VALUE, _MAX_FEATURE_VALUE);
    }

    /// @dev For every feature, lane `up` gains and lane `down` loses `learningRate * x_f / ONE`
    /// (truncated toward zero), saturating at the int32 bounds; features whose step is 0 are
    /// skipped. Lanes are visited in increasing order, so each weight word is read and written once.
    function _stepWeights(bytes calldata features, uint256 up, uint256 down) internal override {
        uint256 featureCount_ = _featureCount;
        uint256 lanes = _lanes;
        uint256 weightsBase = _weightsBase;
        int256 rate = _learningRate;
        (uint256 low, uint256 high) = up < down ? (up, down) : (down, up);
        // The sign of the low lane's step: +1 if it is the class that moves towards the example.
        int256 lowSign = up < down ? int256(1) : -1;
        assembly ("memory-safe") {
            // Lane `lane` of `word` plus `delta`, clamped to the int32 range, put back in `word`.
            // Cannot overflow: |weight| < 2^31 and |delta| <= 2^31 * 100.
            function addToLane(word, lane, delta) -> updated {
                let shift := shl(5, lane)
                let w := add(signextend(3, shr(shift, word)), delta)
                if sgt(w, 0x7fffffff) { w := 0x7fffffff }
                if slt(w, not(0x7fffffff)) { w := not(0x7fffffff) } // -2^31
                updated := or(and(word, not(shl(shift, 0xffffffff))), shl(shift, and(w, 0xffffffff)))
            }
            let ptr := features.offset
            let slot := 0 // the weight word held in `word`; 0 is never a weight slot
            let word := 0
            for { let f := 0 } lt(f, featureCount_) {
                f := add(f, 1)
                ptr := add(ptr, 4)
            } {
                // Cannot overflow: |rate * x| <= 2^31 * 10^8 < 2^58; sdiv truncates toward zero.
                let delta := mul(sdiv(mul(rate, signextend(3, shr(224, calldataload(ptr)))), _ONE), lowSign)
                if delta {
                    // Cannot overflow: f < 2^14 and lanes <= 256.
                    let g := mul(f, lanes)
                    for { let i := 0 } lt(i, 2) { i := add(i, 1) } {
                        let lane := add(g, low)
                        if i {
                            lane := add(g, high)
                            delta := sub(0, delta)
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
            }
            if slot { sstore(slot, word) }
        }
    }
}
