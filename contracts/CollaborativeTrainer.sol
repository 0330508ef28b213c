// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {DataHandler} from "./DataHandler.sol";
import {IClassifier} from "./interfaces/IClassifier.sol";
import {ICollaborativeTrainer} from "./interfaces/ICollaborativeTrainer.sol";
import {IDataHandler} from "./interfaces/IDataHandler.sol";
import {IIncentiveMechanism} from "./interfaces/IIncentiveMechanism.sol";

/// @title CollaborativeTrainer
/// @notice Orchestrates a contribution: mechanism (price, acceptance), data handler (record),
/// model (update). The only entry point and the only holder of funds.
/// @dev A deployable trainer inherits this contract, one model module (which implements the
/// model hooks `_predict`, `_train`, `_classCount`) and one incentive module (which implements
/// `_acceptDeposit`, `_authorizeRefund`, `_authorizeReport`). The parts live in one contract so
/// the feature bytes are never re-encoded for a call between contracts, and the hot state below
/// is read and written once per call. A deployed trainer's parts never change.
/// The trainer and the mechanisms call the model through the `TrainerState`-taking overloads of
/// `_predict` and `_train`, with the hot state already in memory. `ChunkedModel` forwards them to
/// the plain hooks, so a model need not know about them; one whose per-call scalars fit
/// `TrainerState.model` (the sparse Perceptron's intercept and loading progress) overrides them.
abstract contract CollaborativeTrainer is
    ICollaborativeTrainer,
    DataHandler,
    Ownable,
    ReentrancyGuardTransient,
    EIP712,
    Nonces
{
    bytes32 private constant _CONTRIBUTION_TYPEHASH = keccak256(
        "Contribution(address contributor,bytes features,uint8 label,uint256 nonce,uint256 deadline)"
    );

    /// @dev Hot state, one storage word that is never zero after construction (so no call pays
    /// for a zero-to-nonzero write). Loaded into memory once per call and written back once.
    /// `model` belongs to the model module (zero unless it uses it), so a model's hot scalars cost
    /// no storage access of their own.
    /// NOTE: 48-bit counts cannot fill (2^48 contributions would take 5.9e18 gas); 40-bit
    /// timestamps last until the year 36812.
    struct TrainerState {
        uint48 contributionCount;
        uint40 lastUpdateTime;
        uint48 totalGoodContributions;
        uint120 model;
    }

    /// @dev What a claim is about: the record, as proved by its commitment.
    struct Claim {
        uint256 id;
        address contributor;
        uint256 addedTime;
        uint256 label;
        uint256 initialDeposit;
        uint256 depositLeft;
    }

    TrainerState internal _state;

    constructor(address initialOwner) Ownable(initialOwner) EIP712("collabml", "1") {
        // Cast is exact until the year 36812.
        _state.lastUpdateTime = uint40(block.timestamp);
    }

    /// @inheritdoc ICollaborativeTrainer
    function addData(bytes calldata features, uint8 label) external payable nonReentrant returns (uint256 id) {
        return _addData(msg.sender, features, label);
    }

    /// @inheritdoc ICollaborativeTrainer
    function addDataFor(
        address contributor,
        bytes calldata features,
        uint8 label,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external payable nonReentrant returns (uint256 id) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        bytes32 digest = _contributionDigest(contributor, features, label, nonce, deadline);
        if (!SignatureChecker.isValidSignatureNow(contributor, digest, signature)) {
            revert InvalidSignature(contributor);
        }
        _useCheckedNonce(contributor, nonce);
        return _addData(contributor, features, label);
    }

    /// @inheritdoc ICollaborativeTrainer
    function contributionDigest(
        address contributor,
        bytes calldata features,
        uint8 label,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _contributionDigest(contributor, features, label, nonce, deadline);
    }

    /// @inheritdoc ICollaborativeTrainer
    function nonces(address account) public view override(ICollaborativeTrainer, Nonces) returns (uint256) {
        return super.nonces(account);
    }

    /// @inheritdoc ICollaborativeTrainer
    function refund(uint256 id, bytes calldata features, uint8 label, uint64 addedTime, uint96 deposit)
        external
        nonReentrant
        returns (uint256 amount)
    {
        TrainerState memory s = _loadState();
        Claim memory claim = _openClaim(id, msg.sender, label, addedTime, deposit, features, s.contributionCount);
        amount = _authorizeRefund(s, claim, features);
        _storeState(s);
        _settleRecord(id);
        emit DepositRefunded(id, msg.sender, amount);
        if (amount != 0) _pay(msg.sender, amount);
    }

    /// @inheritdoc ICollaborativeTrainer
    function report(
        uint256 id,
        address contributor,
        bytes calldata features,
        uint8 label,
        uint64 addedTime,
        uint96 deposit
    ) external nonReentrant returns (uint256 amount) {
        TrainerState memory s = _loadState();
        Claim memory claim = _openClaim(id, contributor, label, addedTime, deposit, features, s.contributionCount);
        if (_hasClaimed(id, msg.sender)) revert AlreadyClaimed(id, msg.sender);
        bool settles;
        (amount, settles) = _authorizeReport(s, claim, features);
        // Cannot underflow: the mechanism never grants more than is left.
        uint256 depositLeft;
        unchecked {
            depositLeft = claim.depositLeft - amount;
        }
        if (settles || depositLeft == 0) {
            depositLeft = 0;
            _settleRecord(id);
        } else {
            _recordClaim(id, depositLeft, msg.sender);
        }
        emit DepositTaken(id, msg.sender, amount, depositLeft);
        if (amount != 0) _pay(msg.sender, amount);
    }

    /// @inheritdoc IClassifier
    function predict(bytes calldata features) external view returns (uint8 label) {
        // Cast is exact: models have at most 256 classes.
        return uint8(_predict(features));
    }

    /// @inheritdoc IClassifier
    function classCount() external view returns (uint256) {
        return _classCount();
    }

    /// @inheritdoc IDataHandler
    function contributionCount() external view returns (uint256) {
        return _state.contributionCount;
    }

    /// @inheritdoc IIncentiveMechanism
    function lastUpdateTime() external view returns (uint256) {
        return _state.lastUpdateTime;
    }

    /// @inheritdoc IIncentiveMechanism
    function totalGoodContributions() external view returns (uint256) {
        return _state.totalGoodContributions;
    }

    /// @dev Mechanism, record, model, in that order, for `contributor`; `msg.sender` pays and gets the change.
    function _addData(address contributor, bytes calldata features, uint8 label) private returns (uint256 id) {
        uint256 classes = _classCount();
        if (label >= classes) revert LabelOutOfRange(label, classes);
        TrainerState memory s = _loadState();
        uint256 deposit = _acceptDeposit(s, msg.value);
        id = s.contributionCount;
        // Cannot overflow: 2^48 contributions would cost more than 2^48 * 21,000 = 5.9e18 gas.
        unchecked {
            s.contributionCount = uint48(id + 1);
        }
        _storeRecord(id, deposit, _commitment(contributor, block.timestamp, label, deposit, features));
        _train(s, features, label);
        _storeState(s);
        // Casts are exact: timestamps fit 64 bits and the mechanism bounds deposits to 96 bits.
        emit ContributionAdded(id, contributor, label, uint64(block.timestamp), uint96(deposit), features);
        // Cannot underflow: the mechanism never keeps more than was sent.
        unchecked {
            if (msg.value > deposit) _pay(msg.sender, msg.value - deposit);
        }
    }

    /// @dev The EIP-712 digest of a relayed contribution; `bytes` are hashed, as EIP-712 encodes them.
    function _contributionDigest(
        address contributor,
        bytes calldata features,
        uint8 label,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(_CONTRIBUTION_TYPEHASH, contributor, keccak256(features), label, nonce, deadline))
        );
    }

    /// @dev The claim on open record `id`, whose commitment must match the data sent.
    function _openClaim(
        uint256 id,
        address contributor,
        uint256 label,
        uint256 addedTime,
        uint256 deposit,
        bytes calldata features,
        uint256 contributionCount_
    ) private view returns (Claim memory claim) {
        claim.id = id;
        claim.contributor = contributor;
        claim.addedTime = addedTime;
        claim.label = label;
        claim.initialDeposit = deposit;
        claim.depositLeft =
            _openRecord(id, contributionCount_, _commitment(contributor, addedTime, label, deposit, features));
    }

    /// @dev `_state` in memory, from one read of its word. Solidity packs the fields from bit 0 in
    /// declaration order: `contributionCount` (bits 0-47), `lastUpdateTime` (48-87),
    /// `totalGoodContributions` (88-135), `model` (136-255).
    function _loadState() internal view returns (TrainerState memory s) {
        assembly ("memory-safe") {
            let word := sload(_state.slot)
            mstore(s, and(word, 0xffffffffffff))
            mstore(add(s, 0x20), and(shr(48, word), 0xffffffffff))
            mstore(add(s, 0x40), and(shr(88, word), 0xffffffffffff))
            mstore(add(s, 0x60), shr(136, word))
        }
    }

    /// @dev Writes `s` back to `_state` in one write, without reading the word again. Solidity
    /// cleans a value's unused high bits when it writes it to memory, so each field fits its bits.
    function _storeState(TrainerState memory s) internal {
        assembly ("memory-safe") {
            let word := or(mload(s), shl(48, mload(add(s, 0x20))))
            sstore(_state.slot, or(word, or(shl(88, mload(add(s, 0x40))), shl(136, mload(add(s, 0x60))))))
        }
    }

    /// @dev Sends `amount` wei to `to`, forwarding all gas (the caller is protected by `nonReentrant`
    /// and every state change is done before); reverts with `PaymentFailed` if `to` refuses it.
    function _pay(address to, uint256 amount) internal {
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }

    // ---- Model hooks ----

    /// @dev The model's prediction; validates the features and reverts if the model is not loaded.
    function _predict(bytes calldata features) internal view virtual returns (uint256 label);

    /// @dev Learns from one example (features validated here too); reverts if not loaded.
    function _train(bytes calldata features, uint256 label) internal virtual;

    /// @dev The number of classes.
    function _classCount() internal view virtual returns (uint256);

    /// @dev `_predict` with the hot state `s` in memory (the mechanisms' claims call this).
    /// `ChunkedModel`'s default ignores `s`; a model with scalars in `s.model` reads them there.
    function _predict(TrainerState memory s, bytes calldata features) internal view virtual returns (uint256 label);

    /// @dev `_train` with the hot state `s` in memory (`addData` calls this, then writes `s` back
    /// once). `ChunkedModel`'s default ignores `s`; a model with scalars in `s.model` updates them there.
    function _train(TrainerState memory s, bytes calldata features, uint256 label) internal virtual;

    // ---- Incentive mechanism hooks ----

    /// @dev Prices and accepts a contribution sent with `sent` wei, updating `s` in memory;
    /// returns the deposit to keep (at most `sent`, at most 2^96 - 1) or reverts.
    function _acceptDeposit(TrainerState memory s, uint256 sent) internal virtual returns (uint256 deposit);

    /// @dev Decides a refund claimed by `claim.contributor`, updating `s` in memory; returns the
    /// amount to pay (at most `claim.depositLeft`) or reverts. The record is settled after it.
    function _authorizeRefund(TrainerState memory s, Claim memory claim, bytes calldata features)
        internal
        virtual
        returns (uint256 amount);

    /// @dev Decides a report by `msg.sender`, updating `s` in memory; returns the amount to pay
    /// (at most `claim.depositLeft`) and whether the record is settled by it, or reverts.
    function _authorizeReport(TrainerState memory s, Claim memory claim, bytes calldata features)
        internal
        virtual
        returns (uint256 amount, bool settles);
}
