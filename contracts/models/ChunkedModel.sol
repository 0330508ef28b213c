// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {IChunkedModel} from "../interfaces/IChunkedModel.sol";

/// @title ChunkedModel
/// @notice Base of every model module: a run of `modelWordCount` storage words, loaded by the
/// owner in ordered chunks before first use (SPEC.md §3, "Loading").
/// @dev Word `i` lives at slot `_WORDS_BASE + i` (a namespaced base, so the run never meets
/// another variable). A model keeps the loading progress where its calls read it anyway, through
/// `_loadedWordCount` / `_setLoadedWordCount`: next to its hot scalars (the sparse Perceptron's
/// intercept in the trainer's hot word, the Nearest Centroids' header word), or, when those fill
/// the hot word (Naive Bayes), as a ready bit there and the count in a word of its own that only
/// loading touches, so no call pays a read of its own for the readiness check.
abstract contract ChunkedModel is CollaborativeTrainer, IChunkedModel {
    /// @dev keccak256("collabml.ChunkedModel.words") - 1, as in ERC-7201 namespaces.
    uint256 internal constant _WORDS_BASE = 0xe1b57eaa2f6d7b7bb520f775f913b27b7621eb6106eb6687c5c798415cc8d636;

    uint256 internal immutable _modelWordCount;

    /// @param modelWordCount_ The number of model words (at least 1).
    constructor(uint256 modelWordCount_) {
        _modelWordCount = modelWordCount_;
    }

    /// @inheritdoc IChunkedModel
    function loadModel(uint256 firstWord, uint256[] calldata words) external onlyOwner {
        uint256 loaded = _loadedWordCount();
        if (firstWord != loaded) revert ModelChunkOutOfOrder(loaded, firstWord);
        uint256 end = firstWord + words.length;
        if (end > _modelWordCount) revert ModelChunkTooLong(end, _modelWordCount);
        for (uint256 i; i < words.length; ++i) {
            _storeWord(firstWord + i, words[i]);
        }
        _setLoadedWordCount(end);
        emit ModelChunkLoaded(firstWord, words.length, end);
    }

    /// @inheritdoc IChunkedModel
    function modelWords(uint256 start, uint256 count) external view returns (uint256[] memory words) {
        uint256 end;
        // A wrapped sum is caught by `end < start`.
        unchecked {
            end = start + count;
        }
        if (end < start || end > _modelWordCount) revert ModelChunkTooLong(end, _modelWordCount);
        words = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            words[i] = _loadWord(start + i);
        }
    }

    /// @inheritdoc IChunkedModel
    function loadedWords() external view returns (uint256) {
        return _loadedWordCount();
    }

    /// @inheritdoc IChunkedModel
    function modelWordCount() external view returns (uint256) {
        return _modelWordCount;
    }

    /// @dev The default for models that keep nothing in `TrainerState.model`: the plain hook.
    function _predict(TrainerState memory, bytes calldata features) internal view virtual override returns (uint256) {
        return _predict(features);
    }

    /// @dev The default for models that keep nothing in `TrainerState.model`: the plain hook.
    function _train(TrainerState memory, bytes calldata features, uint256 label) internal virtual override {
        _train(features, label);
    }

    /// @dev The number of words loaded so far, from the model's header word.
    function _loadedWordCount() internal view virtual returns (uint256);

    /// @dev Records loading progress in the model's header word.
    function _setLoadedWordCount(uint256 loaded) internal virtual;

    /// @dev Model word `i` (no bounds check: callers keep `i < _modelWordCount`).
    function _loadWord(uint256 i) internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(add(_WORDS_BASE, i))
        }
    }

    /// @dev Stores model word `i` (no bounds check: callers keep `i < _modelWordCount`).
    function _storeWord(uint256 i, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(add(_WORDS_BASE, i), word)
        }
    }
}
