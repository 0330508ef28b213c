// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "./IClassifier.sol";
import {IDataHandler} from "./IDataHandler.sol";
import {IIncentiveMechanism} from "./IIncentiveMechanism.sol";

/// @title ICollaborativeTrainer
/// @notice The entry point of a Sharing Updatable Model: anyone predicts for free and anyone can
/// improve the model by adding a labelled example. Each contribution passes the incentive
/// mechanism (price, acceptance), the data handler (record) and the model (update), in that order.
/// @dev The trainer alone holds funds. Value above the required deposit is returned in the same call.
interface ICollaborativeTrainer is IClassifier, IDataHandler, IIncentiveMechanism {
    /// @notice Thrown when sending ether to an account fails; nothing has changed.
    /// @param to The account that could not be paid.
    /// @param amount The amount, in wei.
    error PaymentFailed(address to, uint256 amount);

    /// @notice Thrown when a relayed contribution's signature is used after its deadline.
    /// @param deadline The last timestamp the signature was valid at.
    /// @param nowTime The current block timestamp.
    error SignatureExpired(uint256 deadline, uint256 nowTime);

    /// @notice Thrown when a relayed contribution is not signed by the contributor it names
    /// (an EOA's ECDSA signature, or an ERC-1271 contract wallet's approval).
    /// @param contributor The contributor named in the call.
    error InvalidSignature(address contributor);

    /// @notice Emitted when a contribution has been accepted, recorded and learned from.
    /// @param id The contribution's id (0, 1, 2, ...).
    /// @param contributor The account that sent it.
    /// @param label The label given.
    /// @param addedTime The block timestamp at which it was added.
    /// @param deposit The deposit held for it, in wei.
    /// @param features The packed feature indices, as sent: the data set can be rebuilt from these.
    event ContributionAdded(
        uint256 indexed id,
        address indexed contributor,
        uint8 label,
        uint64 addedTime,
        uint96 deposit,
        bytes features
    );

    /// @notice Emitted when a contributor has been refunded because the model agrees with them.
    /// @param id The contribution's id.
    /// @param contributor The contributor, who was paid.
    /// @param amount The amount paid back, in wei.
    event DepositRefunded(uint256 indexed id, address indexed contributor, uint256 amount);

    /// @notice Emitted when a reporter has taken (part of) a contribution's deposit.
    /// @param id The contribution's id.
    /// @param reporter The account that took, and was paid.
    /// @param amount The amount taken, in wei.
    /// @param depositLeft What is left of the deposit after this take.
    event DepositTaken(uint256 indexed id, address indexed reporter, uint256 amount, uint256 depositLeft);

    /// @notice Adds a labelled example: pays the deposit, records the contribution, updates the model.
    /// @dev Value above `depositRequired()` is sent back to the caller in the same call.
    /// @param features The packed, strictly increasing feature indices.
    /// @param label The example's class.
    /// @return id The contribution's id, needed to claim later (also in `ContributionAdded`).
    function addData(bytes calldata features, uint8 label) external payable returns (uint256 id);

    /// @notice Adds a labelled example signed by `contributor` (EIP-712 typed data
    /// `Contribution(address contributor,bytes features,uint8 label,uint256 nonce,uint256 deadline)`,
    /// domain `collabml` version `1`), sent and paid for by anyone: a relayer, a game, a third party.
    /// @dev The caller pays the deposit and gets the change; the record, any refund and the good-data
    /// count belong to `contributor`. The nonce must be `nonces(contributor)` (OpenZeppelin
    /// `InvalidAccountNonce` otherwise), so a signature is used at most once.
    /// @param contributor The account that signed the contribution and owns it.
    /// @param features The packed features, as signed.
    /// @param label The label, as signed.
    /// @param nonce The contributor's current nonce, as signed.
    /// @param deadline The last timestamp at which the signature may be used, as signed.
    /// @param signature The contributor's signature (65 bytes for an EOA, anything for ERC-1271).
    /// @return id The contribution's id.
    function addDataFor(
        address contributor,
        bytes calldata features,
        uint8 label,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external payable returns (uint256 id);

    /// @notice The EIP-712 digest a contributor signs for `addDataFor`.
    function contributionDigest(
        address contributor,
        bytes calldata features,
        uint8 label,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The next nonce `account` must sign a relayed contribution with.
    function nonces(address account) external view returns (uint256);

    /// @notice Claims back the deposit of one's own contribution after the refund wait, if the
    /// model now agrees with its label; counts it as good data.
    /// @param id The contribution's id.
    /// @param features The features it was added with.
    /// @param label The label it was added with.
    /// @param addedTime The timestamp it was added at.
    /// @param deposit The deposit it was added with.
    /// @return amount The amount paid back, in wei.
    function refund(uint256 id, bytes calldata features, uint8 label, uint64 addedTime, uint96 deposit)
        external
        returns (uint256 amount);

    /// @notice Takes (a share of) the deposit of someone else's contribution that the model
    /// disagrees with, or what is left of any deposit after the long waits.
    /// @param id The contribution's id.
    /// @param contributor The account that added it.
    /// @param features The features it was added with.
    /// @param label The label it was added with.
    /// @param addedTime The timestamp it was added at.
    /// @param deposit The deposit it was added with.
    /// @return amount The amount taken, in wei.
    function report(
        uint256 id,
        address contributor,
        bytes calldata features,
        uint8 label,
        uint64 addedTime,
        uint96 deposit
    ) external returns (uint256 amount);
}
