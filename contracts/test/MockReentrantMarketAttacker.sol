// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPredictionMarket} from "../interfaces/IPredictionMarket.sol";

/// @title MockReentrantMarketAttacker
/// @notice A contributor (or sponsor) contract whose `receive` calls back into the prediction market
/// while the market pays it, trying to be paid twice. Test use only.
/// @dev In `bubble` mode `receive` reverts with the re-entrant call's revert data, so the market's
/// payment fails (`PaymentFailed`); otherwise it keeps the payment and stores that revert data in
/// `lastReentryError`. The re-entrant call is `withdraw()` again, or `advance` with the stored
/// arguments, or `settleUnrevealed()`.
contract MockReentrantMarketAttacker {
    /// @notice Which market function `receive` calls.
    enum Reentry {
        None,
        Withdraw,
        Advance,
        SettleUnrevealed
    }

    /// @notice The market attacked.
    IPredictionMarket public immutable market;

    /// @notice The market function `receive` calls.
    Reentry public reentry;
    /// @notice Whether `receive` refuses the payment when the re-entrant call reverts.
    bool public bubble;
    /// @notice The number of re-entrant calls made (and kept, so only in non-bubble mode).
    uint256 public reentryAttempts;
    /// @notice Whether a re-entrant call ever succeeded (it never should).
    bool public reentrySucceeded;
    /// @notice The revert data of the last re-entrant call (non-bubble mode).
    bytes public lastReentryError;
    /// @notice The wei received in total.
    uint256 public received;

    bytes[] private _pieces;
    bytes[] private _preimages;

    /// @param market_ The market to attack.
    constructor(IPredictionMarket market_) {
        market = market_;
    }

    /// @notice Calls back into the market as configured, then keeps or refuses the payment.
    receive() external payable {
        received += msg.value;
        if (reentry == Reentry.None) return;
        (bool ok, bytes memory data) = _reenter();
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(data, 0x20), mload(data))
            }
        }
        ++reentryAttempts;
        if (ok) reentrySucceeded = true;
        lastReentryError = data;
    }

    /// @notice Chooses the call `receive` makes.
    /// @param reentry_ The market function to call back (`None`: just accept payments).
    /// @param bubble_ Whether to refuse the payment when the call back reverts.
    /// @param pieces The test pieces `advance` is called with.
    /// @param preimages The preimages `advance` is called with.
    function setReentry(Reentry reentry_, bool bubble_, bytes[] calldata pieces, bytes[] calldata preimages)
        external
    {
        reentry = reentry_;
        bubble = bubble_;
        delete _pieces;
        delete _preimages;
        for (uint256 i; i < pieces.length; ++i) {
            _pieces.push(pieces[i]);
        }
        for (uint256 i; i < preimages.length; ++i) {
            _preimages.push(preimages[i]);
        }
    }

    /// @notice `market.contribute` with all the value sent.
    function contribute(bytes calldata features, uint8 label, uint256 stake) external payable returns (uint256) {
        return market.contribute{value: msg.value}(features, label, stake);
    }

    /// @notice `market.withdraw()` as this contract.
    function withdraw() external returns (uint256) {
        return market.withdraw();
    }

    /// @dev The configured call back into the market.
    function _reenter() private returns (bool ok, bytes memory data) {
        if (reentry == Reentry.Withdraw) {
            return address(market).call(abi.encodeCall(IPredictionMarket.withdraw, ()));
        }
        if (reentry == Reentry.Advance) {
            return address(market).call(abi.encodeCall(IPredictionMarket.advance, (1, _pieces, _preimages)));
        }
        return address(market).call(abi.encodeCall(IPredictionMarket.settleUnrevealed, ()));
    }
}
