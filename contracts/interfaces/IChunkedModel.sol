// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "./IClassifier.sol";

/// @title IChunkedModel
/// @notice A classifier whose state is a run of storage words loaded by the owner in chunks
/// that each fit a block, before first use.
/// @dev What each word holds is the model's own layout (SPEC.md, per model); the Python mirrors
/// produce the words (`packed_words()`) and read them back (`from_words()`).
interface IChunkedModel is IClassifier {
    /// @notice Thrown when a chunk does not start where loading stopped.
    /// @param expected The first word the next chunk must start at (`loadedWords()`).
    /// @param given The first word of the chunk sent.
    error ModelChunkOutOfOrder(uint256 expected, uint256 given);

    /// @notice Thrown when a chunk, or a read, would go past the last model word.
    /// @param end The word after the chunk's last one.
    /// @param wordCount The number of model words.
    error ModelChunkTooLong(uint256 end, uint256 wordCount);

    /// @notice Emitted when a chunk of model words has been stored.
    /// @param firstWord The first word written.
    /// @param wordCount The number of words written.
    /// @param loadedWords The number of words loaded so far; the model is ready at `modelWordCount()`.
    event ModelChunkLoaded(uint256 firstWord, uint256 wordCount, uint256 loadedWords);

    /// @notice Stores the next chunk of the model's initial state. Only the owner; chunks come in
    /// order and never past the last word, so an interrupted load resumes at `loadedWords()` and a
    /// complete model cannot be changed this way.
    /// @param firstWord The index of the first word in `words`; must equal `loadedWords()`.
    /// @param words The model words, in the model's layout.
    function loadModel(uint256 firstWord, uint256[] calldata words) external;

    /// @notice The number of model words stored so far.
    function loadedWords() external view returns (uint256);

    /// @notice The number of model words the model needs.
    function modelWordCount() external view returns (uint256);

    /// @notice Model words `start .. start + count - 1`, for reading the model off chain.
    /// @param start The first word.
    /// @param count How many words.
    /// @return words The words.
    function modelWords(uint256 start, uint256 count) external view returns (uint256[] memory words);
}
