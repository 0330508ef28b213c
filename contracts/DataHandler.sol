// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDataHandler} from "./interfaces/IDataHandler.sol";

/// @title DataHandler
/// @notice Records of contributions, one storage word each.
/// @dev A record word is `commitment << 96 | depositLeft`, where the commitment is the top 160 bits
/// of `keccak256(abi.encodePacked(contributor, uint64 addedTime, uint8 label, uint96 deposit, features))`
/// with its lowest bit forced to 1, so an open record is never the zero word.
/// NOTE: 160 bits of commitment resist a second preimage (forging other features for a
/// record) at a cost of about 2^159 hashes.
abstract contract DataHandler is IDataHandler {
    uint256 private constant _DEPOSIT_BITS = 96;
    uint256 private constant _DEPOSIT_MASK = (1 << _DEPOSIT_BITS) - 1;

    mapping(uint256 id => uint256 word) private _records;
    mapping(uint256 id => mapping(address account => bool)) private _claimed;

    /// @inheritdoc IDataHandler
    function records(uint256 id) external view returns (uint256 depositLeft, uint256 commitment) {
        uint256 word = _records[id];
        return (word & _DEPOSIT_MASK, word >> _DEPOSIT_BITS);
    }

    /// @inheritdoc IDataHandler
    function hasClaimed(uint256 id, address account) external view returns (bool) {
        return _claimed[id][account];
    }

    /// @dev The commitment to a contribution's data, already shifted into the record's high bits.
    function _commitment(
        address contributor,
        uint256 addedTime,
        uint256 label,
        uint256 deposit,
        bytes calldata features
    ) internal pure returns (uint256) {
        // `keccak256(abi.encodePacked(contributor, uint64(addedTime), uint8(label), uint96(deposit),
        // features))`, packed in scratch memory past the free pointer: the address in bytes 0-19, the
        // time in 20-27, the label in 28, the deposit in 29-40, the features from 41. Each field is
        // shifted to the top of its word, which truncates it as the casts do (they are exact:
        // addedTime, label and deposit come from uint64, uint8 and uint96 values); each write
        // zeroes the bytes after its field, which the next one overwrites.
        bytes32 digest;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(96, contributor))
            mstore(add(m, 20), shl(192, addedTime))
            mstore(add(m, 28), shl(248, label))
            mstore(add(m, 29), shl(160, deposit))
            calldatacopy(add(m, 41), features.offset, features.length)
            digest := keccak256(m, add(41, features.length))
        }
        return ((uint256(digest) >> _DEPOSIT_BITS) | 1) << _DEPOSIT_BITS;
    }

    /// @dev Stores a new record; `deposit` fits 96 bits (the mechanism bounds it).
    function _storeRecord(uint256 id, uint256 deposit, uint256 commitment) internal {
        _records[id] = commitment | deposit;
    }

    /// @dev Returns the deposit left of an open record whose commitment matches; reverts otherwise.
    function _openRecord(uint256 id, uint256 contributionCount_, uint256 commitment)
        internal
        view
        returns (uint256 depositLeft)
    {
        uint256 word = _records[id];
        if (word == 0) {
            if (id < contributionCount_) revert ContributionSettled(id);
            revert ContributionNotFound(id, contributionCount_);
        }
        if (word & ~_DEPOSIT_MASK != commitment) revert ContributionMismatch(id);
        return word & _DEPOSIT_MASK;
    }

    /// @dev Lowers an open record's deposit to `depositLeft` and marks `claimant` as having claimed.
    function _recordClaim(uint256 id, uint256 depositLeft, address claimant) internal {
        _records[id] = (_records[id] & ~_DEPOSIT_MASK) | depositLeft;
        _claimed[id][claimant] = true;
    }

    /// @dev Whether `account` already claimed from record `id`.
    function _hasClaimed(uint256 id, address account) internal view returns (bool) {
        return _claimed[id][account];
    }

    /// @dev Deletes a fully settled record (refunds storage gas); later claims get `ContributionSettled`.
    function _settleRecord(uint256 id) internal {
        delete _records[id];
    }
}
