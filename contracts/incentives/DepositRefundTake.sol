// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {CollaborativeTrainer} from "../CollaborativeTrainer.sol";
import {IDepositRefundTake} from "../interfaces/IDepositRefundTake.sol";
import {IIncentiveMechanism} from "../interfaces/IIncentiveMechanism.sol";

/// @title DepositRefundTake
/// @notice Self-assessment incentive module of a `CollaborativeTrainer` (SPEC.md, "Deposit-Refund-Take").
/// @dev Deposit required: `costWeight * 3600 / max(1, isqrt(now - lastUpdateTime))` wei,
/// rounded down. Refund: by the author, from `addedTime + refundWait` on, if the model predicts
/// the label; pays what is left and counts one good contribution. Report: by another account
/// with good contributions, from `addedTime + refundWait` on, if the model disagrees; takes
/// `initialDeposit * good[reporter] / totalGood` (or all that is left when that rounds to 0 or
/// exceeds it), once per account. From `addedTime + ownerClaimWait` the owner, and from
/// `addedTime + anyoneClaimWait` anyone, takes all that is left without a model check.
abstract contract DepositRefundTake is CollaborativeTrainer, IDepositRefundTake {
    /// @dev Seconds in the deposit formula's reference interval (one hour).
    uint256 private constant _DEPOSIT_TIME_SCALE = 3600;
    /// @dev Deposits are stored in 96 bits, so `costWeight * 3600` must fit them.
    uint256 private constant _MAX_COST_WEIGHT = type(uint96).max / _DEPOSIT_TIME_SCALE;

    /// @inheritdoc IDepositRefundTake
    uint256 public immutable costWeight;
    /// @inheritdoc IDepositRefundTake
    uint256 public immutable refundWait;
    /// @inheritdoc IDepositRefundTake
    uint256 public immutable ownerClaimWait;
    /// @inheritdoc IDepositRefundTake
    uint256 public immutable anyoneClaimWait;

    mapping(address account => uint256) private _goodContributions;

    /// @param costWeight_ Wei per contribution at one contribution an hour, 1 to `type(uint96).max / 3600`.
    /// @param refundWait_ Seconds before a refund or a report.
    /// @param ownerClaimWait_ Seconds before the owner takes what is left; at least `refundWait_`.
    /// @param anyoneClaimWait_ Seconds before anyone takes what is left; at least `ownerClaimWait_`.
    constructor(uint256 costWeight_, uint256 refundWait_, uint256 ownerClaimWait_, uint256 anyoneClaimWait_) {
        if (costWeight_ == 0 || costWeight_ > _MAX_COST_WEIGHT) {
            revert CostWeightOutOfRange(costWeight_, _MAX_COST_WEIGHT);
        }
        if (refundWait_ > ownerClaimWait_ || ownerClaimWait_ > anyoneClaimWait_) {
            revert WaitsOutOfOrder(refundWait_, ownerClaimWait_, anyoneClaimWait_);
        }
        costWeight = costWeight_;
        refundWait = refundWait_;
        ownerClaimWait = ownerClaimWait_;
        anyoneClaimWait = anyoneClaimWait_;
    }

    /// @inheritdoc IIncentiveMechanism
    function depositRequired() external view returns (uint256) {
        return _depositRequired(_state.lastUpdateTime);
    }

    /// @inheritdoc IIncentiveMechanism
    function goodContributions(address account) external view returns (uint256) {
        return _goodContributions[account];
    }

    function _acceptDeposit(TrainerState memory s, uint256 sent) internal override returns (uint256 deposit) {
        deposit = _depositRequired(s.lastUpdateTime);
        if (sent < deposit) revert DepositTooLow(deposit, sent);
        // Cast is exact until the year 36812 (2^40 seconds).
        s.lastUpdateTime = uint40(block.timestamp);
    }

    function _authorizeRefund(TrainerState memory s, Claim memory claim, bytes calldata features)
        internal
        override
        returns (uint256 amount)
    {
        _requireWaited(claim, refundWait);
        uint256 prediction = _predict(s, features);
        if (prediction != claim.label) revert ModelDisagrees(claim.id, prediction, claim.label);
        // Cannot overflow: each refund settles a distinct record, so a count of good contributions
        // (an account's or the total) stays at most contributionCount, below 2^48.
        unchecked {
            ++_goodContributions[claim.contributor];
            ++s.totalGoodContributions;
        }
        return claim.depositLeft;
    }

    function _authorizeReport(TrainerState memory s, Claim memory claim, bytes calldata features)
        internal
        view
        override
        returns (uint256 amount, bool settles)
    {
        // Cannot underflow: addedTime is a past block timestamp, proved by the record's commitment.
        uint256 age;
        unchecked {
            age = block.timestamp - claim.addedTime;
        }
        if (age >= anyoneClaimWait || (age >= ownerClaimWait && msg.sender == owner())) {
            return (claim.depositLeft, true);
        }
        _requireWaited(claim, refundWait);
        if (msg.sender == claim.contributor) revert ReporterIsContributor(claim.id);
        uint256 prediction = _predict(s, features);
        if (prediction == claim.label) revert ModelAgrees(claim.id, claim.label);
        uint256 good = _goodContributions[msg.sender];
        if (good == 0) revert ReporterHasNoGoodContributions(msg.sender);
        // Cannot overflow or divide by zero: the product is below 2^96 * 2^48, and
        // totalGoodContributions >= good > 0.
        unchecked {
            amount = claim.initialDeposit * good / s.totalGoodContributions;
        }
        if (amount == 0 || amount > claim.depositLeft) amount = claim.depositLeft;
        return (amount, false);
    }

    /// @dev `costWeight * 3600 / max(1, isqrt(now - last))`, rounded down.
    function _depositRequired(uint256 last) private view returns (uint256) {
        // Cannot underflow: `last` is a past block's timestamp; cannot overflow: the constructor
        // bounds costWeight * 3600 below 2^96; the divisor is at least 1.
        unchecked {
            uint256 divisor = Math.sqrt(block.timestamp - last);
            return costWeight * _DEPOSIT_TIME_SCALE / (divisor == 0 ? 1 : divisor);
        }
    }

    /// @dev Reverts with `ClaimTooEarly` until `wait` seconds have passed since the contribution.
    function _requireWaited(Claim memory claim, uint256 wait) private view {
        uint256 claimableAt = claim.addedTime + wait;
        if (block.timestamp < claimableAt) revert ClaimTooEarly(claim.id, claimableAt, block.timestamp);
    }
}
