"""Mirror of ``contracts/libraries/FixedPointMath.sol``: the fixed-point natural logarithm.

``ln(x, exponent)`` is ``floor(ln(x * 2**exponent) * LN_ONE)`` (``LN_ONE = 1e18``) computed with
exactly the contract's integer steps, so it returns the contract's value bit for bit:

1. ``k = floor(log2 x)``; ``t = x`` moved to ``[2**127, 2**128)`` (Q127, i.e. ``t / 2**127``).
2. four range reductions by ``2**(1/2**j)``, ``j = 1..4`` (constants rounded so ``t`` stays >= 1);
3. ``ln t = 2 * (s + s**3/3 + ... + s**11/11)`` with ``s = (t - 1) / (t + 1)``;
4. ``((k + exponent) * ln2 + reductions + series) * 1e18 >> 127`` (floor).

Every product and quotient truncates toward zero as the EVM does (all operands are non-negative;
the final shift is arithmetic, a floor, like Python's ``>>``). The result equals the exact floor
except when ``ln(x * 2**exponent) * 1e18`` lies within ~1e-18 of an integer.
"""

from __future__ import annotations

from collabml import errors

LN_ONE = 10**18
"""Scale of a logarithm: ``ln(y)`` is represented as ``floor(ln(y) * LN_ONE)``."""

MAX_LN_EXPONENT = 1 << 64
"""The largest magnitude of ``exponent`` in :func:`ln`."""

Q = 127
ONE_Q = 1 << Q

LN2_Q = 0x58B90BFBE8E7BCD5E4F1D9CC01F97B58
"""``round(ln(2) * 2**127)``."""

REDUCTIONS: tuple[tuple[int, int, int], ...] = (
    (0xB504F333F9DE6484597D89B3754ABEA0, 0x5A827999FCEF32422CBEC4D9BAA55F50, 0x2C5C85FDF473DE6AF278ECE600FCBDAC),
    (0x9837F0518DB8A96F46AD23182E42F6F7, 0x6BA27E656B4EB57A1CD345DCC8169FEF, 0x162E42FEFA39EF35793C7673007E5ED6),
    (0x8B95C1E3EA8BD6E6FBE4628758A53C91, 0x75606373EE921C976816BAD9B8372A7D, 0xB17217F7D1CF79ABC9E3B39803F2F6B),
    (0x85AAC367CC487B14C5C95B8C2154C1B3, 0x7A92BE8A924366163DCE863D76CC07E1, 0x58B90BFBE8E7BCD5E4F1D9CC01F97B5),
)
"""``(C_j, R_j, L_j)`` for ``j = 1..4``: ``C_j = ceil(2**(1/2**j) * 2**127)``,
``R_j = ceil(2**254 / C_j)``, ``L_j = round(ln(2) / 2**j * 2**127)``."""

SERIES_DIVISORS = (3, 5, 7, 9, 11)


def log2_floor(x: int) -> int:
    """``floor(log2 x)`` for ``x >= 1`` (OpenZeppelin ``Math.log2``)."""
    return x.bit_length() - 1


def ln(x: int, exponent: int = 0) -> int:
    """``floor(ln(x * 2**exponent) * 1e18)`` exactly as ``FixedPointMath.ln(x, exponent)`` computes it.

    Raises :class:`collabml.errors.LnOfZero` for ``x == 0`` and
    :class:`collabml.errors.LnExponentOutOfRange` for ``|exponent| > MAX_LN_EXPONENT``.
    """
    if x < 0 or x >= 1 << 256:
        raise ValueError(f"{x} is not a uint256")
    if x == 0:
        raise errors.LnOfZero()
    if not -MAX_LN_EXPONENT <= exponent <= MAX_LN_EXPONENT:
        raise errors.LnExponentOutOfRange(exponent)
    k = log2_floor(x)
    t = x << (Q - k) if k <= Q else x >> (k - Q)
    acc = (k + exponent) * LN2_Q
    for c, r, step in REDUCTIONS:
        if t >= c:
            t = (t * r) >> Q
            acc += step
    s = ((t - ONE_Q) << Q) // (t + ONE_Q)
    s2 = (s * s) >> Q
    term = series = s
    for divisor in SERIES_DIVISORS:
        term = (term * s2) >> Q
        series += term // divisor
    acc += series << 1
    return (acc * LN_ONE) >> Q
