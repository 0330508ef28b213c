"""Integer arithmetic exactly as the contracts do it.

Everything here mirrors a line of Solidity; the chain tests compare the two.

- ``ONE``: the one fixed-point scale of every model (``contracts/libraries/FixedPoint.sol``).
- ``evm_div`` / ``evm_mod``: signed division truncated toward zero, as the EVM's
  ``sdiv``/``smod`` (Python's ``//`` floors instead).
- ``isqrt``: floor of the square root, as OpenZeppelin ``Math.sqrt`` rounds down.
- ``pack_int32`` / ``unpack_int32``: eight two's-complement int32 lanes per
  256-bit storage word, lane ``i`` in bits ``32*i .. 32*i+31``.
- ``pack_int16`` / ``unpack_int16``: sixteen int16 lanes per word, lane ``i`` in bits
  ``16*i .. 16*i+15`` (the sparse Perceptron's integer weights, SPEC.md §3).
- ``pack_lanes`` / ``unpack_lanes``: the same for any lane width that divides 256.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

ONE = 1_000_000
"""Fixed-point scale: the real number x is stored as the integer round(x * ONE)."""

INT16_MIN = -(2**15)
INT16_MAX = 2**15 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT256_MAX = 2**256 - 1
LANES_PER_WORD = 8
LANE_BITS = 32
INT16_LANES_PER_WORD = 16


class FixedPointError(ValueError):
    """A value does not fit the fixed-point format the contracts use."""


def evm_div(a: int, b: int) -> int:
    """Solidity's ``a / b`` on signed integers: truncates toward zero; ``b == 0`` reverts."""
    if b == 0:
        raise ZeroDivisionError("division by zero reverts on chain (Panic 0x12)")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def evm_mod(a: int, b: int) -> int:
    """Solidity's ``a % b`` on signed integers: the sign follows ``a``."""
    return a - evm_div(a, b) * b


def isqrt(n: int) -> int:
    """Floor of the square root of ``n >= 0`` (OpenZeppelin ``Math.sqrt``, rounding down)."""
    if n < 0:
        raise ValueError("isqrt of a negative number")
    return math.isqrt(n)


def saturate(value: int, low: int, high: int) -> int:
    """Clamp ``value`` into ``[low, high]``, as the contracts do for weights that would overflow."""
    return low if value < low else high if value > high else value


def to_fixed(x: float) -> int:
    """The fixed-point integer nearest to ``x * ONE`` (ties to even, as Python's ``round``)."""
    if not math.isfinite(x):
        raise FixedPointError(f"{x!r} is not a finite number; only finite values have a fixed-point form")
    return int(round(x * ONE))


def from_fixed(v: int) -> float:
    """The real number a fixed-point integer stands for."""
    return v / ONE


def to_int32(x: int) -> int:
    """Check that ``x`` fits an int32 lane; raises with what to do if not."""
    if not INT32_MIN <= x <= INT32_MAX:
        raise FixedPointError(
            f"{x} does not fit int32 [{INT32_MIN}, {INT32_MAX}]: scale the model's weights down "
            f"(they are stored as round(w * {ONE}))"
        )
    return x


def pack_lanes(values: Sequence[int], bits: int) -> list[int]:
    """Pack signed ``bits``-wide values into 256-bit words, ``256 // bits`` to a word: value ``i``
    is lane ``i % lanes`` (bits ``bits * lane`` up, two's complement) of word ``i // lanes``.

    The last word is padded with zero lanes. Raises :class:`FixedPointError` for a value that
    does not fit the lane.
    """
    if bits <= 0 or 256 % bits:
        raise ValueError(f"lane width {bits} does not divide 256")
    lanes, mask = 256 // bits, (1 << bits) - 1
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    words: list[int] = []
    for start in range(0, len(values), lanes):
        word = 0
        for lane, v in enumerate(values[start : start + lanes]):
            v = int(v)
            if not low <= v <= high:
                raise FixedPointError(f"{v} does not fit int{bits} [{low}, {high}]: scale the values down")
            word |= (v & mask) << (bits * lane)
        words.append(word)
    return words


def unpack_lanes(words: Iterable[int], bits: int, count: int | None = None) -> list[int]:
    """Inverse of :func:`pack_lanes`; ``count`` drops the padding lanes of the last word."""
    if bits <= 0 or 256 % bits:
        raise ValueError(f"lane width {bits} does not divide 256")
    lanes, mask, sign = 256 // bits, (1 << bits) - 1, 1 << (bits - 1)
    out: list[int] = []
    for word in words:
        if not 0 <= word <= UINT256_MAX:
            raise FixedPointError(f"{word} is not a 256-bit word")
        for lane in range(lanes):
            raw = (word >> (bits * lane)) & mask
            out.append(raw - (1 << bits) if raw >= sign else raw)
    return out if count is None else out[:count]


def pack_int32(values: Sequence[int]) -> list[int]:
    """Pack int32 values into 256-bit words, eight to a word, lane ``i % 8`` of word ``i // 8``.

    The last word is padded with zero lanes. Equivalent to the contracts' packing.
    """
    for v in values:
        to_int32(int(v))  # the fixed-point message: say how the weights are scaled
    return pack_lanes(values, LANE_BITS)


def unpack_int32(words: Iterable[int], count: int | None = None) -> list[int]:
    """Inverse of :func:`pack_int32`; ``count`` drops the padding lanes of the last word."""
    return unpack_lanes(words, LANE_BITS, count)


def pack_int16(values: Sequence[int]) -> list[int]:
    """Pack int16 values sixteen to a word, lane ``i % 16`` (bits ``16 * (i % 16)`` up) of word
    ``i // 16``, as ``SparsePerceptron.sol`` stores its weights. The last word is zero-padded."""
    return pack_lanes(values, 16)


def unpack_int16(words: Iterable[int], count: int | None = None) -> list[int]:
    """Inverse of :func:`pack_int16`; ``count`` drops the padding lanes of the last word."""
    return unpack_lanes(words, 16, count)
