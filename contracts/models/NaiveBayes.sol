// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {INaiveBayes} from "../interfaces/INaiveBayes.sol";
import {FixedPointMath} from "../libraries/FixedPointMath.sol";
import {ChunkedModel} from "./ChunkedModel.sol";

/// @title NaiveBayes
/// @notice Multinomial Naive Bayes over feature counts, 2 to 32 classes, scored in log space
/// (model module of a `CollaborativeTrainer`; maths in `INaiveBayes`, SPEC.md "Naive Bayes").
/// @dev Model words: the counts `n_ci` are `uint16` lanes, sixteen to a word (lane `k` in bits
/// `16k .. 16k + 15`), feature-major so one read serves every class of a feature: `(feature i,
/// class c)` is lane `l = i * K + c` (`K` classes), i.e. lane `l % 16` of word `l / 16`;
/// `ceil(V * K / 16)` words, padding lanes zero. Two classes: eight features a word, the pair of a
/// feature in bits `32 (i % 8)` up of word `i / 8`.
/// Class blocks: 59 bits a class, `D_c` in bits 0-26 and `N_c` in bits 27-58. Classes 0 and 1 live
/// in the trainer's hot word (`TrainerState.model`: class 0's block in bits 0-58, class 1's in bits
/// 59-117, bit 118 zero, bit 119 set once every model word is loaded), read and written with the
/// trainer's counters, so a two-class call touches no storage word of the model's own but the
/// count words. Classes 2 to 31 live in header words (storage), four a word: class `c` in word
/// `(c - 2) / 4` at bit `64 * ((c - 2) % 4)`. The number of words loaded is a storage word of its
/// own, touched only by `loadModel` (and read by the views and by `ModelNotLoaded`).
/// Scoring: per class, `D_c * prod_i f_ci^x_i` with `f_ci = n_ci * ONE + alpha` is kept as a
/// mantissa `m < 2^192` and a power-of-two exponent `e >= 0`, by Horner's rule over the bits of the
/// counts: from the highest bit `top` of any count down to bit 0, square `m` (for bits below `top`:
/// its top 128 bits, squared), multiply by `D_c` at bit 0, and multiply by `f_ci` for each feature
/// whose count has the bit, shifting `m` right by 64 (`e += 64`) whenever it reaches 2^192. Binary
/// data (every count 1) is one product after another from `m = D_c`; two classes take an unrolled
/// path for it, with the mantissas on the stack. The score is
/// `FixedPointMath.ln(m, e) - |x| * FixedPointMath.ln(N_c * ONE + alpha * V)`.
/// NOTE: rounding. Every shift truncates toward zero and keeps at least 128 significant bits, losing
/// less than 2^-127 of the number; a squaring doubles the relative error so far. The product is short
/// by less than `(|x| + 1) * 2^-125` of itself, and each logarithm rounds down to 1e-18: a score is
/// within `|x| + 2` units of 1e-18 of the exact real score (tests/offchain/test_naive_bayes_mirror.py
/// checks it against 120-digit logarithms); the mirror reproduces every truncation, so chain and
/// mirror agree exactly.
/// NOTE: bounds. `V <= 65,536`; `1 <= alpha <= 1e12` (1e-6 to 1e6); `n_ci <= 2^16 - 1`
/// (`CountOverflow`), so `N_c <= 65,536 * (2^16 - 1) < 2^32` fills at most its 32 bits;
/// `D_c <= 2^27 - 1` (`DocumentCountOverflow`), its 27 bits; a feature's count in one contribution
/// is 1 to 65,535 (`FeatureValueOutOfRange` for 0).
/// Gas: a prediction reads each present feature's word(s) once and takes two logarithms per class
/// (counts above 1 add, per class, a squaring per bit of the largest and a product per set bit); an
/// update reads and writes one word per present feature (the label's lane), and for a label above 1
/// one header word, never the whole model. The hot loops check each pair's order and count as they
/// go but the range only of the last (largest) index. In a prediction a failed check stops the loop
/// and `_revertFirstBadPair` rescans for the error of the first bad pair; an update adds every pair
/// (two classes: four a pass) and, if one was bad, takes them all back out and names the first
/// (`_revertCountError`).
abstract contract NaiveBayes is ChunkedModel, INaiveBayes {
    /// @dev Largest feature count: indices are `uint16`.
    uint256 internal constant _MAX_FEATURE_COUNT = 1 << 16;
    /// @dev Largest class count: two in the hot word and thirty in the eight header words.
    uint256 internal constant _MAX_CLASS_COUNT = 32;
    /// @dev Largest smoothing, fixed point: 1e6. Keeps `n * ONE + alpha < 2^53`.
    uint256 internal constant _MAX_ALPHA = 1e12;
    /// @dev Largest per-class feature count: a `uint16` lane.
    uint256 internal constant _MAX_COUNT = type(uint16).max;
    /// @dev Largest document count of a class: its 27-bit field.
    uint256 internal constant _MAX_DOCUMENT_COUNT = (1 << 27) - 1;
    /// @dev Largest count of one feature in one contribution: a `uint16`.
    int256 private constant _MAX_VALUE = 65_535;

    uint256 private constant _ONE = 1e6;
    uint256 private constant _LANES_PER_WORD = 16;
    uint256 private constant _LANE_BITS = 16;
    uint256 private constant _LANE_MASK = 0xffff;
    /// @dev A mantissa above this is shifted right by 64 bits.
    uint256 private constant _MANTISSA_MAX = (1 << 192) - 1;
    /// @dev A class block: `D_c` in its low 27 bits, then `N_c` in 32 bits.
    uint256 private constant _DOC_BITS = 27;
    uint256 private constant _DOC_MASK = (1 << 27) - 1;
    uint256 private constant _TOTAL_MASK = (1 << 32) - 1;
    uint256 private constant _BLOCK_MASK = (1 << 59) - 1;
    /// @dev Class 1's block in `TrainerState.model` (class 0's is at bit 0).
    uint256 private constant _BLOCK_BITS = 59;
    /// @dev `TrainerState.model`'s top bit: set once every model word is loaded.
    uint256 private constant _READY = 1 << 119;
    /// @dev The spacing of the four class blocks of a header word.
    uint256 private constant _HEADER_BLOCK_BITS = 64;

    uint256 private immutable _featureCount;
    uint256 private immutable _classes;
    uint256 private immutable _alpha;
    /// @dev `alpha * V`, the smoothing of a class's total.
    uint256 private immutable _alphaTotal;

    /// @dev The blocks of classes 2 to 31, four a word.
    uint256[8] private _header;
    /// @dev The number of model words loaded (the hot word holds only whether that is all of them).
    uint256 private _loadedWords;

    /// @param featureCount_ The number of features `V`, 1 to 65,536.
    /// @param alpha_ The smoothing, fixed point (scale 1e6), 1 to 1e12.
    /// @param documentCounts_ Each class's document count `D_c`, at most `2^27 - 1` (the model words
    /// hold the counts `n_ci`); its length is the class count, 2 to 32.
    constructor(uint256 featureCount_, uint256 alpha_, uint256[] memory documentCounts_)
        ChunkedModel(_wordCountFor(featureCount_, documentCounts_.length))
    {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        uint256 classes = documentCounts_.length;
        if (classes < 2 || classes > _MAX_CLASS_COUNT) revert ClassCountOutOfRange(classes, _MAX_CLASS_COUNT);
        if (alpha_ == 0 || alpha_ > _MAX_ALPHA) revert AlphaOutOfRange(alpha_, _MAX_ALPHA);
        _featureCount = featureCount_;
        _classes = classes;
        _alpha = alpha_;
        _alphaTotal = alpha_ * featureCount_;
        for (uint256 c; c < classes; ++c) {
            uint256 documents = documentCounts_[c];
            if (documents > _MAX_DOCUMENT_COUNT) revert DocumentCountOverflow(c, documents, _MAX_DOCUMENT_COUNT);
            if (c >= 2) _header[(c - 2) >> 2] |= documents << _headerShift(c);
        }
        // Cast is exact: two 27-bit counts at bits 0 and 59; nothing is loaded yet.
        _state.model = uint120(documentCounts_[0] | (documentCounts_[1] << _BLOCK_BITS));
    }

    /// @inheritdoc IClassifier
    function featureCount() external view returns (uint256) {
        return _featureCount;
    }

    /// @inheritdoc IClassifier
    function modelReady() external view returns (bool) {
        return _state.model >= _READY;
    }

    /// @inheritdoc INaiveBayes
    function alpha() external view returns (uint256) {
        return _alpha;
    }

    /// @inheritdoc INaiveBayes
    function documentCount(uint256 label) external view returns (uint256) {
        return _classBlock(label) & _DOC_MASK;
    }

    /// @inheritdoc INaiveBayes
    function classTotal(uint256 label) external view returns (uint256) {
        return _classBlock(label) >> _DOC_BITS;
    }

    /// @inheritdoc INaiveBayes
    function count(uint256 label, uint256 feature) external view returns (uint256) {
        if (label >= _classes) revert LabelOutOfRange(label, _classes);
        if (feature >= _featureCount) revert FeatureOutOfRange(feature, _featureCount);
        uint256 lane = feature * _classes + label;
        return (_loadWord(lane / _LANES_PER_WORD) >> (_LANE_BITS * (lane % _LANES_PER_WORD))) & _LANE_MASK;
    }

    /// @inheritdoc INaiveBayes
    function scores(bytes calldata features) external view returns (int256[] memory result) {
        uint256 model = _readyModel(_state.model);
        if (_classes == 2) {
            (bool binary, int256 score0, int256 score1) = _binaryScoresOfTwo(features, model);
            if (binary) {
                result = new int256[](2);
                (result[0], result[1]) = (score0, score1);
                return result;
            }
        }
        return _scores(features, model);
    }

    /// @inheritdoc INaiveBayes
    function maxCount() external pure returns (uint256) {
        return _MAX_COUNT;
    }

    /// @inheritdoc INaiveBayes
    function maxDocumentCount() external pure returns (uint256) {
        return _MAX_DOCUMENT_COUNT;
    }

    function _loadedWordCount() internal view override returns (uint256) {
        return _loadedWords;
    }

    /// @dev Called by `loadModel` after it stored words `loadedWords .. loaded - 1`: checks the
    /// padding lanes of the last word (`ModelWordMalformed`), adds each word's lanes to its classes'
    /// totals, so `N_c` is always computed from the counts, never trusted, and sets the hot word's
    /// ready bit with the last word.
    function _setLoadedWordCount(uint256 loaded) internal override {
        uint256 classes = _classes;
        uint256 from = _loadedWords;
        uint256[] memory totals = new uint256[](classes);
        uint256 lastWord = _modelWordCount - 1;
        // The lanes of the last word that hold counts, 1 to 16; shifting a word by 256 gives 0.
        uint256 usedLanes = _featureCount * classes - lastWord * _LANES_PER_WORD;
        uint256 badWord;
        uint256 badIndex = type(uint256).max;
        // Cannot overflow: word indices are below 2^17, and a class's total sums at most 65,536
        // lanes of 16 bits, below 2^32.
        assembly ("memory-safe") {
            let c := mod(shl(4, from), classes)
            let totalsPtr := add(totals, 0x20)
            for { let i := from } lt(i, loaded) { i := add(i, 1) } {
                let word := sload(add(_WORDS_BASE, i))
                if and(eq(i, lastWord), iszero(iszero(shr(shl(4, usedLanes), word)))) {
                    badIndex := i
                    badWord := word
                    break
                }
                for { let lane := 0 } lt(lane, _LANES_PER_WORD) { lane := add(lane, 1) } {
                    let p := add(totalsPtr, shl(5, c))
                    mstore(p, add(mload(p), and(shr(shl(4, lane), word), _LANE_MASK)))
                    c := add(c, 1)
                    if eq(c, classes) { c := 0 }
                }
            }
        }
        if (badIndex != type(uint256).max) revert ModelWordMalformed(badIndex, badWord);
        // Cannot overflow: N_c stays the sum of at most 65,536 loaded lanes, at most
        // 65,536 * (2^16 - 1) < 2^32, so it never carries out of its 32-bit field.
        unchecked {
            for (uint256 c = 2; c < classes; ++c) {
                if (totals[c] != 0) _header[(c - 2) >> 2] += totals[c] << (_headerShift(c) + _DOC_BITS);
            }
            uint256 model = _state.model + (totals[0] << _DOC_BITS) + (totals[1] << (_BLOCK_BITS + _DOC_BITS));
            if (loaded == _modelWordCount) model |= _READY;
            // Cast is exact: the blocks end at bit 117 and the ready bit is bit 119.
            _state.model = uint120(model);
        }
        _loadedWords = loaded;
    }

    function _classCount() internal view override returns (uint256) {
        return _classes;
    }

    /// @dev The view path (`predict`): reads the hot word itself.
    function _predict(bytes calldata features) internal view override returns (uint256) {
        return _predict(_state, features);
    }

    function _predict(TrainerState memory s, bytes calldata features) internal view override returns (uint256 label) {
        uint256 model = _readyModel(s.model);
        if (_classes == 2) {
            (bool binary, int256 score0, int256 score1) = _binaryScoresOfTwo(features, model);
            if (binary) return score1 > score0 ? 1 : 0;
        }
        int256[] memory classScores = _scores(features, model);
        int256 best = type(int256).min;
        for (uint256 c; c < classScores.length; ++c) {
            if (classScores[c] > best) {
                best = classScores[c];
                label = c;
            }
        }
    }

    /// @dev Not called by the trainer (which passes its hot state); kept as the plain hook's meaning.
    function _train(bytes calldata features, uint256 label) internal override {
        TrainerState memory s = _loadState();
        _train(s, features, label);
        _storeState(s);
    }

    function _train(TrainerState memory s, bytes calldata features, uint256 label) internal override {
        uint256 model = s.model;
        if (model < _READY) revert ModelNotLoaded(_loadedWords, _modelWordCount);
        uint256 total = _addCounts(features, label);
        if (label < 2) {
            // Cannot overflow: label is 0 or 1.
            uint256 shift;
            unchecked {
                shift = label * _BLOCK_BITS;
            }
            if ((model >> shift) & _DOC_MASK == _MAX_DOCUMENT_COUNT) {
                revert DocumentCountOverflow(label, _MAX_DOCUMENT_COUNT + 1, _MAX_DOCUMENT_COUNT);
            }
            // Cannot overflow, and the cast is exact: as in `_addDocument`, the blocks stay within
            // their bits.
            unchecked {
                s.model = uint120(model + ((1 | (total << _DOC_BITS)) << shift));
            }
        } else {
            uint256 h = (label - 2) >> 2; // below 8: the trainer checked label < K <= 32
            uint256 slot;
            assembly ("memory-safe") {
                slot := add(_header.slot, h)
            }
            uint256 word = _addDocument(_sload(slot), _headerShift(label), label, total);
            assembly ("memory-safe") {
                sstore(slot, word)
            }
        }
    }

    /// @dev `word` with one more document and `total` more counts in class `label`'s block at bit
    /// `shift`, or `DocumentCountOverflow` if the class is full.
    function _addDocument(uint256 word, uint256 shift, uint256 label, uint256 total) private pure returns (uint256) {
        if ((word >> shift) & _DOC_MASK == _MAX_DOCUMENT_COUNT) {
            revert DocumentCountOverflow(label, _MAX_DOCUMENT_COUNT + 1, _MAX_DOCUMENT_COUNT);
        }
        // Cannot overflow: D_c < 2^27 - 1 gains 1; N_c + total is the sum of the class's counts, each
        // checked below 2^16, over at most 65,536 features: below 2^32, within its field.
        unchecked {
            return word + ((1 | (total << _DOC_BITS)) << shift);
        }
    }

    /// @dev The storage word at `slot`.
    function _sload(uint256 slot) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(slot)
        }
    }

    /// @dev `model` (the hot word's field), or `ModelNotLoaded` while model words are missing.
    function _readyModel(uint256 model) private view returns (uint256) {
        if (model < _READY) revert ModelNotLoaded(_loadedWords, _modelWordCount);
        return model;
    }

    /// @dev Class `label`'s block (`D_c`, then `N_c`), or `LabelOutOfRange`.
    function _classBlock(uint256 label) private view returns (uint256) {
        if (label >= _classes) revert LabelOutOfRange(label, _classes);
        if (label < 2) return (_state.model >> (label * _BLOCK_BITS)) & _BLOCK_MASK;
        return (_header[(label - 2) >> 2] >> _headerShift(label)) & _BLOCK_MASK;
    }

    /// @dev The bit offset of class `c`'s block (`c >= 2`) in its header word.
    function _headerShift(uint256 c) private pure returns (uint256) {
        // Cannot overflow or underflow: 2 <= c < 32.
        unchecked {
            return _HEADER_BLOCK_BITS * ((c - 2) & 3);
        }
    }

    /// @dev The number of model words for `featureCount_` features and `classes` classes (0 when out
    /// of range: the constructor then reverts by name).
    function _wordCountFor(uint256 featureCount_, uint256 classes) private pure returns (uint256) {
        if (featureCount_ > _MAX_FEATURE_COUNT || classes > _MAX_CLASS_COUNT) return 0;
        return (featureCount_ * classes + _LANES_PER_WORD - 1) / _LANES_PER_WORD;
    }

    /// @dev Every class's score (see `INaiveBayes.scores`), for any class count and any counts;
    /// validates the features. `model` is the hot word's field (classes 0 and 1).
    function _scores(bytes calldata features, uint256 model) private view returns (int256[] memory result) {
        uint256 classes = _classes;
        // Mantissas in words 0 .. K - 1, exponents in K .. 2K - 1, document counts in 2K .. 3K - 1.
        uint256[] memory state = new uint256[](3 * classes);
        uint256[] memory totals = new uint256[](classes);
        uint256 headerWord;
        for (uint256 c; c < classes; ++c) {
            uint256 block_;
            if (c < 2) {
                block_ = (model >> (c * _BLOCK_BITS)) & _BLOCK_MASK;
            } else {
                if ((c - 2) & 3 == 0) headerWord = _header[(c - 2) >> 2];
                block_ = (headerWord >> _headerShift(c)) & _BLOCK_MASK;
            }
            totals[c] = block_ >> _DOC_BITS;
            state[c] = state[2 * classes + c] = block_ & _DOC_MASK;
        }
        (uint256[] memory factors, uint256 total, uint256 bits) = _factors(features);
        _multiply(features, factors, state, bits);
        result = new int256[](classes);
        for (uint256 c; c < classes; ++c) {
            // Cast is exact: the exponent is below 2^38.
            result[c] = _score(state[c], int256(state[classes + c]), total, totals[c]);
        }
    }

    /// @dev The scores of a two-class model on binary data (every count 1; `binary` false and nothing
    /// else returned as soon as a count is above 1): `_scores` with the mantissas on the stack and the
    /// exponents in scratch memory (they change rarely). Both lanes of feature `i` are bits
    /// `32 (i % 8)` up of word `i / 8`: one read a feature (no cache of the last word: a repeated word
    /// is a warm read, 100 gas, cheaper on average than testing every feature for it).
    function _binaryScoresOfTwo(bytes calldata features, uint256 model)
        private
        view
        returns (bool binary, int256 score0, int256 score1)
    {
        if (features.length & 3 != 0) revert FeaturesMalformed(features.length);
        int256 e0;
        int256 e1;
        bool bad;
        uint256 total;
        uint256 m0 = model & _DOC_MASK;
        uint256 m1 = (model >> _BLOCK_BITS) & _DOC_MASK;
        // A block, so its variables leave the stack before the calls below.
        {
            uint256 limit = _featureCount << 16;
            uint256 alpha_ = _alpha;
            // Cannot overflow: see each comment.
            assembly ("memory-safe") {
                mstore(0x00, 0) // e0
                mstore(0x20, 0) // e1
                let ptr := features.offset
                let end := add(ptr, features.length)
                let prev := 0 // the previous pair with its count bits set: a pair must be above it
                let last := 0
                binary := 1
                if lt(ptr, end) {
                    for {} 1 {} {
                        last := shr(224, calldataload(ptr)) // index << 16 | count
                        let x := and(last, 0xffff)
                        if gt(x, 1) {
                            binary := 0
                            break
                        }
                        // An index out of range reads a word past the model, and then reverts.
                        let lanes := shr(and(shr(11, last), 0xe0), sload(add(_WORDS_BASE, shr(19, last))))
                        // f = n * ONE + alpha < 2^16 * 1e6 + 1e12 < 2^41, m < 2^192: products below 2^233.
                        m0 := mul(m0, add(mul(and(lanes, 0xffff), _ONE), alpha_))
                        m1 := mul(m1, add(mul(and(shr(16, lanes), 0xffff), _ONE), alpha_))
                        if gt(m0, _MANTISSA_MAX) {
                            m0 := shr(64, m0)
                            mstore(0x00, add(mload(0x00), 64))
                        }
                        if gt(m1, _MANTISSA_MAX) {
                            m1 := shr(64, m1)
                            mstore(0x20, add(mload(0x20), 64))
                        }
                        total := add(total, x) // below 2^32: at most 65,536 increasing indices
                        ptr := add(ptr, 4)
                        // Go on while pairs remain and this one is above the previous one, its count not 0.
                        let good := mul(gt(last, prev), x)
                        if iszero(mul(good, lt(ptr, end))) {
                            bad := iszero(good)
                            break
                        }
                        prev := or(last, 0xffff)
                    }
                }
                // A pair failed, or the last (largest) index is out of range.
                bad := and(binary, or(bad, iszero(lt(last, limit))))
                e0 := mload(0x00)
                e1 := mload(0x20)
            }
        }
        if (bad) {
            _revertFirstBadPair(features, features.length >> 2);
            assert(false); // unreachable: a pair is bad
        }
        if (!binary) return (false, 0, 0);
        score0 = _score(m0, e0, total, (model >> _DOC_BITS) & _TOTAL_MASK);
        score1 = _score(m1, e1, total, (model >> (_BLOCK_BITS + _DOC_BITS)) & _TOTAL_MASK);
    }

    /// @dev `ln(m * 2^e) - |x| * ln(N_c * ONE + alpha * V)`, or `type(int256).min` for a class
    /// without documents (`m == 0`).
    function _score(uint256 m, int256 e, uint256 total, uint256 classTotal_) private view returns (int256) {
        if (m == 0) return type(int256).min;
        // Cannot overflow: total < 2^32 and the logarithm of N_c * ONE + alpha * V < 2^58 is below
        // 2^66 (N_c * ONE < 2^52, alpha * V < 2^57); the logarithm of the mantissa is below 2^100.
        unchecked {
            return FixedPointMath.ln(m, e) - int256(total) * FixedPointMath.ln(classTotal_ * _ONE + _alphaTotal);
        }
    }

    /// @dev Validates the features (SPEC.md §1, counts format) and reads the factors
    /// `f_ci = n_ci * ONE + alpha` of the present ones, pair-major (`factors[p * K + c]`); returns them,
    /// `|x|` and the OR of the counts. A feature's lanes are consecutive, so its words are read once,
    /// and sorted features sharing a word read it once.
    function _factors(bytes calldata features)
        private
        view
        returns (uint256[] memory factors, uint256 total, uint256 bits)
    {
        if (features.length & 3 != 0) revert FeaturesMalformed(features.length);
        factors = new uint256[]((features.length >> 2) * _classes);
        // classes (bits 0-7), featureCount (8-31), alpha (32 up): one stack slot for three immutables.
        uint256 shape = _classes | (_featureCount << 8) | (_alpha << 32);
        bool bad;
        // Cannot overflow: lanes are below 2^21, |x| below 2^32, factors below 2^41.
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, features.length)
            let prev := 0 // the previous pair with its count bits set: a pair must be above it
            let last := 0
            let loadedWord := not(0)
            let word := 0
            let fPtr := add(factors, 0x20)
            let classes := and(shape, 0xff)
            let rowBytes := shl(5, classes)
            let alpha_ := shr(32, shape)
            for {} lt(ptr, end) { ptr := add(ptr, 4) } {
                last := shr(224, calldataload(ptr)) // index << 16 | count
                {
                    let x := and(last, 0xffff)
                    // Stop at a pair not above the previous one, or with a count of 0.
                    if iszero(mul(gt(last, prev), x)) {
                        bad := 1
                        break
                    }
                    total := add(total, x) // below 2^32: at most 65,536 increasing indices
                    bits := or(bits, x)
                }
                prev := or(last, 0xffff)
                // An index out of range reads words past the model, and then reverts.
                let lane := mul(shr(16, last), classes)
                for { let rowEnd := add(fPtr, rowBytes) } lt(fPtr, rowEnd) { fPtr := add(fPtr, 0x20) } {
                    if iszero(eq(shr(4, lane), loadedWord)) {
                        loadedWord := shr(4, lane)
                        word := sload(add(_WORDS_BASE, loadedWord))
                    }
                    mstore(fPtr, add(mul(and(shr(shl(4, and(lane, 15)), word), _LANE_MASK), _ONE), alpha_))
                    lane := add(lane, 1)
                }
            }
            // A pair failed, or the last (largest) index is out of range.
            bad := or(bad, iszero(lt(last, shl(16, and(shr(8, shape), 0xffffff)))))
        }
        if (bad) {
            _revertFirstBadPair(features, features.length >> 2);
            assert(false); // unreachable: a pair is bad
        }
    }

    /// @dev Multiplies each class's `state[c] * 2^state[K + c]` (`state[c] = state[2K + c] = D_c`,
    /// exponent 0, on entry) by `prod_i f_ci^x_i` over the (validated) features: Horner's rule over
    /// the bits of the counts, from the highest bit `top` of `bits` (their OR) down. With `top > 0`
    /// the mantissa starts at 1; each bit `b` below `top` first squares it (shifted right to 128 bits
    /// first if it has more, then the product shifted right by 64 if at least 2^192); at bit 0 it is
    /// multiplied by `D_c`; at every bit `b` it is multiplied by `f_ci` of each feature with bit `b` of
    /// `x_i` set, in order, shifting the mantissa right by 64 (exponent + 64) whenever it reaches
    /// 2^192. Binary data (`top == 0`) is thus `D_c * prod_i f_ci`, one product after another.
    function _multiply(bytes calldata features, uint256[] memory factors, uint256[] memory state, uint256 bits)
        private
        pure
    {
        uint256 classes = state.length / 3;
        // Cannot overflow: mantissas stay below 2^192 between steps (products below 2^256); the numbers
        // only truncate, so m * 2^e never exceeds the exact product, below 2^(27 + 41 |x|) with
        // |x| < 2^32: exponents stay below 2^38 (the logarithm takes up to 2^64).
        assembly ("memory-safe") {
            // floor(log2 v) for 0 < v < 2^256, branchless.
            function msb(v) -> r {
                r := shl(7, lt(0xffffffffffffffffffffffffffffffff, v))
                r := or(r, shl(6, lt(0xffffffffffffffff, shr(r, v))))
                r := or(r, shl(5, lt(0xffffffff, shr(r, v))))
                r := or(r, shl(4, lt(0xffff, shr(r, v))))
                r := or(r, shl(3, lt(0xff, shr(r, v))))
                r := or(r, shl(2, lt(0xf, shr(r, v))))
                r := or(r, shl(1, lt(0x3, shr(r, v))))
                r := or(r, lt(0x1, shr(r, v)))
            }
            let end := add(features.offset, features.length)
            let eOffset := shl(5, classes) // exponents sit this many bytes after their mantissas
            let mStart := add(state, 0x20)
            let mEnd := add(mStart, eOffset) // also where the exponents start
            let list := mload(0x40)
            let top := 0
            if bits { top := msb(bits) } // below 16
            if top {
                for { let mSlot := mStart } lt(mSlot, mEnd) { mSlot := add(mSlot, 0x20) } { mstore(mSlot, 1) }
            }
            for { let b := top } 1 { b := sub(b, 1) } {
                if lt(b, top) {
                    for { let mSlot := mStart } lt(mSlot, mEnd) { mSlot := add(mSlot, 0x20) } {
                        let m := mload(mSlot)
                        let eSlot := add(mSlot, eOffset)
                        let e := mload(eSlot)
                        if gt(m, 0xffffffffffffffffffffffffffffffff) {
                            let shift := sub(msb(m), 127) // 1 to 64: keep the top 128 bits
                            m := shr(shift, m)
                            e := add(e, shift)
                        }
                        m := mul(m, m) // below 2^256
                        e := add(e, e)
                        if gt(m, _MANTISSA_MAX) {
                            m := shr(64, m)
                            e := add(e, 64)
                        }
                        mstore(mSlot, m)
                        mstore(eSlot, e)
                    }
                }
                // At bit 0, times D_c (below 2^27).
                if and(iszero(b), iszero(iszero(top))) {
                    for { let mSlot := mStart } lt(mSlot, mEnd) { mSlot := add(mSlot, 0x20) } {
                        let m := mul(mload(mSlot), mload(add(mSlot, shl(1, eOffset))))
                        if gt(m, _MANTISSA_MAX) {
                            m := shr(64, m)
                            let eSlot := add(mSlot, eOffset)
                            mstore(eSlot, add(mload(eSlot), 64))
                        }
                        mstore(mSlot, m)
                    }
                }
                // The factor rows of the features whose count has bit b, listed in free memory (not
                // allocated: it is scratch for this block).
                let listEnd := list
                let row := add(factors, 0x20)
                for { let p := features.offset } lt(p, end) { p := add(p, 4) } {
                    if and(shr(add(224, b), calldataload(p)), 1) {
                        mstore(listEnd, row)
                        listEnd := add(listEnd, 0x20)
                    }
                    row := add(row, eOffset)
                }
                // Each class's mantissa times those factors, in order, on the stack.
                if gt(listEnd, list) {
                    for { let c := 0 } lt(c, eOffset) { c := add(c, 0x20) } {
                        let m := mload(add(mStart, c))
                        let e := mload(add(mEnd, c))
                        for { let q := list } lt(q, listEnd) { q := add(q, 0x20) } {
                            m := mul(m, mload(add(mload(q), c))) // f < 2^41: below 2^233
                            if gt(m, _MANTISSA_MAX) {
                                m := shr(64, m)
                                e := add(e, 64)
                            }
                        }
                        mstore(add(mStart, c), m)
                        mstore(add(mEnd, c), e)
                    }
                }
                if iszero(b) { break }
            }
        }
    }

    /// @dev Reverts with the error of the first bad pair among the first `pairs` (a helper of the
    /// hot loops, which check order and count as they go and the range once, at the end):
    /// `FeaturesNotSorted`, `FeatureOutOfRange`, then `FeatureValueOutOfRange` for a zero count.
    /// Returns if those pairs are all good.
    function _revertFirstBadPair(bytes calldata features, uint256 pairs) private view {
        uint256 featureCount_ = _featureCount;
        uint256 next; // the smallest index allowed next: the previous one plus one
        for (uint256 position; position < pairs; ++position) {
            uint256 pair = uint32(bytes4(features[position * 4:position * 4 + 4]));
            uint256 index = pair >> 16;
            if (index < next) revert FeaturesNotSorted(position, next - 1, index);
            if (index >= featureCount_) revert FeatureOutOfRange(index, featureCount_);
            if (pair & 0xffff == 0) revert FeatureValueOutOfRange(position, 0, 1, _MAX_VALUE);
            next = index + 1;
        }
    }

    /// @dev Adds the present features' counts to class `label`'s lanes, validating the features in
    /// the same pass; returns `|x|`. Each pair reads and writes its word (no cache of the last word:
    /// sorted features sharing a word pay a warm read and write, 200 gas, cheaper on average than
    /// testing every feature for it). The loop never stops early: it adds every pair, noting whether
    /// each was good (above the previous pair, a count of 1 or more, its lane's new count below
    /// 2^16), and tests the last index against `V` once. If anything failed, `_revertCountError`
    /// takes every pair back out (word additions modulo 2^256 undo exactly, carries included) and
    /// names the first bad pair from the restored counts, so the error is that of the checks in order.
    function _addCounts(bytes calldata features, uint256 label) private returns (uint256 total) {
        uint256 length = features.length;
        if (length & 3 != 0) revert FeaturesMalformed(length);
        uint256 classes = _classes;
        uint256 featureCount_ = _featureCount;
        bool good = true;
        // Cannot overflow: lanes are below 2^21, and |x| below 2^16 times the number of pairs.
        assembly ("memory-safe") {
            // Each pass adds pair (index << 16 | count x) to its label's lane, at bit `shift` of word
            // `slot` (an index out of range writes a word past the model, and then reverts). The pair
            // is good if above `prev` (the previous pair with its count bits set), x is not 0 and the
            // lane did not wrap: the new lane, (old + x) mod 2^16, is at least x iff old + x < 2^16,
            // so x - 1 < new lane (x - 1 wraps for x = 0; nothing carries into the lane from below).
            let ptr := features.offset
            let end := add(ptr, length)
            let prev := 0
            switch classes
            case 2 {
                // Feature i's lanes are bits 32 (i % 8) up of word i / 8; the label's 16 bits further.
                let labelShift := shl(4, label)
                // Four pairs a pass while four are left (the passes are the same but for the offset),
                // then one a pass.
                for {} iszero(gt(add(ptr, 16), end)) { ptr := add(ptr, 16) } {
                    {
                        let pair := shr(224, calldataload(ptr))
                        let x := and(pair, 0xffff)
                        let slot := add(_WORDS_BASE, shr(19, pair))
                        let shift := add(and(shr(11, pair), 0xe0), labelShift)
                        let word := add(sload(slot), shl(shift, x))
                        sstore(slot, word)
                        total := add(total, x)
                        good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                        prev := or(pair, 0xffff)
                    }
                    {
                        let pair := shr(224, calldataload(add(ptr, 4)))
                        let x := and(pair, 0xffff)
                        let slot := add(_WORDS_BASE, shr(19, pair))
                        let shift := add(and(shr(11, pair), 0xe0), labelShift)
                        let word := add(sload(slot), shl(shift, x))
                        sstore(slot, word)
                        total := add(total, x)
                        good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                        prev := or(pair, 0xffff)
                    }
                    {
                        let pair := shr(224, calldataload(add(ptr, 8)))
                        let x := and(pair, 0xffff)
                        let slot := add(_WORDS_BASE, shr(19, pair))
                        let shift := add(and(shr(11, pair), 0xe0), labelShift)
                        let word := add(sload(slot), shl(shift, x))
                        sstore(slot, word)
                        total := add(total, x)
                        good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                        prev := or(pair, 0xffff)
                    }
                    {
                        let pair := shr(224, calldataload(add(ptr, 12)))
                        let x := and(pair, 0xffff)
                        let slot := add(_WORDS_BASE, shr(19, pair))
                        let shift := add(and(shr(11, pair), 0xe0), labelShift)
                        let word := add(sload(slot), shl(shift, x))
                        sstore(slot, word)
                        total := add(total, x)
                        good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                        prev := or(pair, 0xffff)
                    }
                }
                for {} lt(ptr, end) { ptr := add(ptr, 4) } {
                    {
                        let pair := shr(224, calldataload(ptr))
                        let x := and(pair, 0xffff)
                        let slot := add(_WORDS_BASE, shr(19, pair))
                        let shift := add(and(shr(11, pair), 0xe0), labelShift)
                        let word := add(sload(slot), shl(shift, x))
                        sstore(slot, word)
                        total := add(total, x)
                        good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                        prev := or(pair, 0xffff)
                    }
                }
            }
            default {
                for {} lt(ptr, end) { ptr := add(ptr, 4) } {
                    let pair := shr(224, calldataload(ptr))
                    let x := and(pair, 0xffff)
                    let lane := add(mul(shr(16, pair), classes), label)
                    let slot := add(_WORDS_BASE, shr(4, lane))
                    let shift := shl(4, and(lane, 15))
                    let word := add(sload(slot), shl(shift, x))
                    sstore(slot, word)
                    total := add(total, x)
                    good := and(good, and(gt(pair, prev), lt(sub(x, 1), and(shr(shift, word), 0xffff))))
                    prev := or(pair, 0xffff)
                }
            }
            // The last (largest, if the order holds) index against V: `prev` holds it (0 without pairs).
            good := and(good, lt(shr(16, prev), featureCount_))
        }
        if (!good) _revertCountError(features, label);
    }

    /// @dev Takes `_addCounts`' additions back out of the count words, then reverts with the error of
    /// the first bad pair, its checks in order: `FeaturesNotSorted`, `FeatureOutOfRange`,
    /// `FeatureValueOutOfRange` for a zero count, then `CountOverflow` against the restored count.
    function _revertCountError(bytes calldata features, uint256 label) private {
        uint256 classes = _classes;
        uint256 pairs = features.length >> 2;
        for (uint256 p; p < pairs; ++p) {
            uint256 pair = uint32(bytes4(features[p * 4:p * 4 + 4]));
            uint256 lane = (pair >> 16) * classes + label;
            uint256 wordIndex = lane / _LANES_PER_WORD;
            uint256 added = (pair & _LANE_MASK) << (_LANE_BITS * (lane % _LANES_PER_WORD));
            // Wraps exactly as the addition did: the word holds it, modulo 2^256.
            unchecked {
                _storeWord(wordIndex, _loadWord(wordIndex) - added);
            }
        }
        uint256 featureCount_ = _featureCount;
        uint256 next; // the smallest index allowed next: the previous one plus one
        for (uint256 p; p < pairs; ++p) {
            uint256 pair = uint32(bytes4(features[p * 4:p * 4 + 4]));
            uint256 index = pair >> 16;
            uint256 x = pair & _LANE_MASK;
            if (index < next) revert FeaturesNotSorted(p, next - 1, index);
            if (index >= featureCount_) revert FeatureOutOfRange(index, featureCount_);
            if (x == 0) revert FeatureValueOutOfRange(p, 0, 1, _MAX_VALUE);
            uint256 lane = index * classes + label;
            uint256 word = _loadWord(lane / _LANES_PER_WORD);
            uint256 newCount = ((word >> (_LANE_BITS * (lane % _LANES_PER_WORD))) & _LANE_MASK) + x;
            if (newCount > _MAX_COUNT) revert CountOverflow(label, index, newCount, _MAX_COUNT);
            next = index + 1;
        }
        assert(false); // unreachable: a pair is bad
    }
}
