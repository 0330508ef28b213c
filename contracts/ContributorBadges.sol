// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

import {IContributorBadges} from "./interfaces/IContributorBadges.sol";

/// @dev Whether `points` is a badge level: 1, 10, 100 or 1,000 (SPEC.md, "Points").
function isBadgeLevel(uint256 points) pure returns (bool) {
    return points == 1 || points == 10 || points == 100 || points == 1_000;
}

/// @title ContributorBadges
/// @notice Non-transferable ERC-1155 badges for validated contributions to one trainer; token id =
/// badge level = points reached (1, 10, 100, 1,000). Deployed by the trainer, which alone mints.
/// @dev NOTE: minting makes no `onERC1155Received` call to a contract recipient, a deliberate
/// departure from ERC-1155's safe-transfer rules: a badge can never move, so the check would protect
/// no token from being stuck, while calling the author in the middle of a refund would hand control
/// to arbitrary code before the trainer has written its state (read-only reentrancy through its
/// views) and would let a contract author that is not a receiver block its own refunds for ever.
/// The `TransferSingle` event is emitted as for any mint.
contract ContributorBadges is ERC1155, IContributorBadges {
    uint256 private constant _LEVEL_COUNT = 4;

    /// @inheritdoc IContributorBadges
    address public immutable trainer;

    /// @param uri_ The ERC-1155 metadata URI of every badge, with `{id}` for the level (may be empty).
    /// @dev The deployer becomes the trainer: a trainer deploys its badges in its constructor.
    constructor(string memory uri_) ERC1155(uri_) {
        trainer = msg.sender;
    }

    /// @inheritdoc IContributorBadges
    function mint(address account, uint256 level) external {
        if (msg.sender != trainer) revert CallerNotTrainer(msg.sender, trainer);
        if (!isBadgeLevel(level)) revert BadgeLevelUnknown(level);
        if (account == address(0)) revert ERC1155InvalidReceiver(address(0));
        if (balanceOf(account, level) != 0) revert BadgeAlreadyHeld(account, level);
        uint256[] memory ids = new uint256[](1);
        uint256[] memory values = new uint256[](1);
        ids[0] = level;
        values[0] = 1;
        // `_update`, not `_mint`: no acceptance call to the recipient (see the contract's NOTE).
        _update(address(0), account, ids, values);
    }

    /// @notice Always reverts: badges are not transferable.
    /// @dev Kept `nonpayable` as in IERC1155 (wallets read the mutability from the ABI), though it
    /// reads no state.
    function safeTransferFrom(address from, address to, uint256, uint256, bytes memory)
        public
        override(ERC1155, IERC1155)
    {
        revert BadgesNotTransferable(from, to);
    }

    /// @notice Always reverts: badges are not transferable.
    function safeBatchTransferFrom(address from, address to, uint256[] memory, uint256[] memory, bytes memory)
        public
        override(ERC1155, IERC1155)
    {
        revert BadgesNotTransferable(from, to);
    }

    /// @inheritdoc IContributorBadges
    function badgesOf(address account) external view returns (uint256[] memory levels) {
        uint256[_LEVEL_COUNT] memory all = _levels();
        levels = new uint256[](_LEVEL_COUNT);
        uint256 held;
        for (uint256 i; i < _LEVEL_COUNT; ++i) {
            if (balanceOf(account, all[i]) != 0) levels[held++] = all[i];
        }
        // Shrink the array to the badges held; `held <= _LEVEL_COUNT`, the length allocated.
        assembly ("memory-safe") {
            mstore(levels, held)
        }
    }

    /// @inheritdoc IContributorBadges
    function badgeLevels() external pure returns (uint256[] memory levels) {
        uint256[_LEVEL_COUNT] memory all = _levels();
        levels = new uint256[](_LEVEL_COUNT);
        for (uint256 i; i < _LEVEL_COUNT; ++i) {
            levels[i] = all[i];
        }
    }

    /// @dev Refuses every movement between two accounts (defence in depth: only `mint` reaches it).
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) revert BadgesNotTransferable(from, to);
        super._update(from, to, ids, values);
    }

    function _levels() private pure returns (uint256[_LEVEL_COUNT] memory) {
        return [uint256(1), 10, 100, 1_000];
    }
}
