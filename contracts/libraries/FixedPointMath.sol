// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FixedPointMath
/// @notice The natural logarithm in fixed point, `ln(x * 2^e)` for an integer `x >= 1`, scaled by
/// `LN_ONE = 1e18` and rounded down. Mirrored bit for bit by `collabml.fixedpoint_math`.
/// @dev Algorithm (all unsigned Q127 arithmetic, i.e. `t` stands for `t / 2^127`, every product
/// truncated toward zero):
/// 1. `k = floor(log2 x)`; `t = x` moved to `[2^127, 2^128)` (left shift, exact, or right shift,
///    truncated), so `x = t * 2^(k - 127)` up to the bits shifted out.
/// 2. Four range reductions: for `j = 1..4`, if `t >= C_j` (`2^(1/2^j)` rounded up) then
///    `t := t * R_j >> 127` (`R_j = ceil(2^254 / C_j)`, so `t` never drops below one) and the result
///    gains `ln(2) / 2^j`. Now `1 <= t < 2^(1/16) (1.0443)`.
/// 3. `ln t = 2 atanh(s)` with `s = (t - 1) / (t + 1) < 0.0217`, summed as
///    `2 * (s + s^3/3 + s^5/5 + ... + s^11/11)` (the first term left out is below 2^-74).
/// 4. `result = ((k + e) * ln2 + reductions + series) * 1e18 >> 127` (an arithmetic shift: the
///    floor, also for negative results).
/// NOTE: rounding. Every step rounds down by at most 2^-127 (relative), so before the final floor
/// the value is within about 2^-120 of `ln(x * 2^e)`: the result is `floor(ln(x * 2^e) * 1e18)`
/// except when that real number lies within ~1e-18 of an integer, where it may be one unit off.
/// 15,360 random inputs of 1 to 256 bits all give the exact floor (tests/offchain/test_fixedpoint_math.py).
/// Gas: about 450 (OpenZeppelin's branchless `Math.log2` plus ~30 opcodes a step).
library FixedPointMath {
    /// @notice Thrown when the logarithm of zero is asked for.
    error LnOfZero();

    /// @notice Thrown when the power-of-two exponent is beyond `MAX_LN_EXPONENT` in magnitude
    /// (the bound within which the Q127 sums cannot overflow).
    /// @param exponent The exponent received.
    error LnExponentOutOfRange(int256 exponent);

    /// @notice The scale of a logarithm: `ln(y)` is returned as `floor(ln(y) * LN_ONE)`.
    uint256 internal constant LN_ONE = 1e18;
    /// @notice The largest magnitude of the power-of-two exponent `e` of `ln(x, e)`.
    int256 internal constant MAX_LN_EXPONENT = 1 << 64;

    uint256 private constant _Q = 127;
    uint256 private constant _ONE_Q = 1 << 127;
    /// @dev ln(2) in Q127, rounded to nearest.
    uint256 private constant _LN2 = 0x58b90bfbe8e7bcd5e4f1d9cc01f97b58;
    /// @dev C_j = ceil(2^(1/2^j) * 2^127); R_j = ceil(2^254 / C_j); L_j = round(ln(2) / 2^j * 2^127).
    uint256 private constant _C1 = 0xb504f333f9de6484597d89b3754abea0;
    uint256 private constant _R1 = 0x5a827999fcef32422cbec4d9baa55f50;
    uint256 private constant _L1 = 0x2c5c85fdf473de6af278ece600fcbdac;
    uint256 private constant _C2 = 0x9837f0518db8a96f46ad23182e42f6f7;
    uint256 private constant _R2 = 0x6ba27e656b4eb57a1cd345dcc8169fef;
    uint256 private constant _L2 = 0x162e42fefa39ef35793c7673007e5ed6;
    uint256 private constant _C3 = 0x8b95c1e3ea8bd6e6fbe4628758a53c91;
    uint256 private constant _R3 = 0x75606373ee921c976816bad9b8372a7d;
    uint256 private constant _L3 = 0xb17217f7d1cf79abc9e3b39803f2f6b;
    uint256 private constant _C4 = 0x85aac367cc487b14c5c95b8c2154c1b3;
    uint256 private constant _R4 = 0x7a92be8a924366163dce863d76cc07e1;
    uint256 private constant _L4 = 0x58b90bfbe8e7bcd5e4f1d9cc01f97b5;

    /// @notice `floor(ln(x) * 1e18)` (see the rounding note), for `x >= 1`; reverts with `LnOfZero` for 0.
    /// @param x The argument, an integer.
    /// @return The logarithm, scale `LN_ONE`, at least 0 and below 177.5e18.
    function ln(uint256 x) internal pure returns (int256) {
        return ln(x, 0);
    }

    /// @notice `floor(ln(x * 2^exponent) * 1e18)` (see the rounding note), for `x >= 1` and
    /// `|exponent| <= MAX_LN_EXPONENT`: the logarithm of a number kept as a mantissa and a
    /// power-of-two exponent, e.g. a product that does not fit 256 bits.
    /// @param x The mantissa, an integer; `LnOfZero` if 0.
    /// @param exponent The power of two it is multiplied by; `LnExponentOutOfRange` beyond the bound.
    /// @return result The logarithm, scale `LN_ONE`.
    function ln(uint256 x, int256 exponent) internal pure returns (int256 result) {
        if (x == 0) revert LnOfZero();
        if (exponent > MAX_LN_EXPONENT || exponent < -MAX_LN_EXPONENT) revert LnExponentOutOfRange(exponent);
        uint256 k = Math.log2(x);
        // Cannot overflow: t < 2^128 and every R_j < 2^127, so each product is below 2^255; the
        // reduced t is below 1.05 * 2^127, so (t - 2^127) << 127 < 2^250 and s^2 < 2^248; terms
        // only shrink. |k + exponent| <= 2^64 + 255, so the signed sum is below 2^193 in magnitude
        // and its product with 1e18 below 2^253: `mul` and `add` are exact in two's complement.
        assembly ("memory-safe") {
            let t := 0
            switch gt(k, _Q)
            case 0 { t := shl(sub(_Q, k), x) }
            default { t := shr(sub(k, _Q), x) }
            let acc := mul(add(k, exponent), _LN2)
            if iszero(lt(t, _C1)) {
                t := shr(_Q, mul(t, _R1))
                acc := add(acc, _L1)
            }
            if iszero(lt(t, _C2)) {
                t := shr(_Q, mul(t, _R2))
                acc := add(acc, _L2)
            }
            if iszero(lt(t, _C3)) {
                t := shr(_Q, mul(t, _R3))
                acc := add(acc, _L3)
            }
            if iszero(lt(t, _C4)) {
                t := shr(_Q, mul(t, _R4))
                acc := add(acc, _L4)
            }
            // t >= 2^127 here (R_j rounds up), so the numerator is not negative.
            let s := div(shl(_Q, sub(t, _ONE_Q)), add(t, _ONE_Q))
            let s2 := shr(_Q, mul(s, s))
            let term := s
            let series := s
            term := shr(_Q, mul(term, s2))
            series := add(series, div(term, 3))
            term := shr(_Q, mul(term, s2))
            series := add(series, div(term, 5))
            term := shr(_Q, mul(term, s2))
            series := add(series, div(term, 7))
            term := shr(_Q, mul(term, s2))
            series := add(series, div(term, 9))
            term := shr(_Q, mul(term, s2))
            series := add(series, div(term, 11))
            acc := add(acc, shl(1, series))
            result := sar(_Q, mul(acc, LN_ONE))
        }
    }
}
