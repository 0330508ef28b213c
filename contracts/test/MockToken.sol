// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockToken
/// @notice An ERC-20 anyone can mint, for the prediction market's token tests. Test use only.
/// @dev With a nonzero `fee` (in basis points) every transfer burns that share of the amount, so
/// the recipient gets less than was sent: the market must refuse such tokens by name.
contract MockToken is ERC20 {
    /// @notice The share of every transfer burnt, in basis points (0 = a standard token).
    uint256 public fee;

    constructor() ERC20("Mock Token", "MOCK") {}

    /// @notice Mints `amount` to `to`.
    /// @param to The recipient.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the share of each transfer that is burnt.
    /// @param fee_ The fee in basis points, at most 10,000.
    function setFee(uint256 fee_) external {
        fee = fee_;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 burnt = from == address(0) || to == address(0) ? 0 : value * fee / 10_000;
        if (burnt != 0) super._update(from, address(0), burnt);
        super._update(from, to, value - burnt);
    }
}
