"""collabml.fixedpoint: the EVM's signed division, isqrt, int32 and int16 lane packing, fixed-point scale.

Known-value tables first, then Hypothesis properties checked against independent references
(``struct`` for the lane layout, exact integer arithmetic for division and square roots).
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabml.fixedpoint import (
    INT16_LANES_PER_WORD,
    INT16_MAX,
    INT16_MIN,
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    LANES_PER_WORD,
    ONE,
    UINT256_MAX,
    FixedPointError,
    evm_div,
    evm_mod,
    from_fixed,
    isqrt,
    pack_int16,
    pack_int32,
    pack_lanes,
    saturate,
    to_fixed,
    to_int32,
    unpack_int16,
    unpack_int32,
    unpack_lanes,
)

INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1

int256s = st.integers(INT256_MIN, INT256_MAX)
nonzero_int256s = int256s.filter(lambda b: b != 0)
int32s = st.integers(INT32_MIN, INT32_MAX)
words = st.integers(0, UINT256_MAX)


# -- evm_div / evm_mod ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "quotient", "remainder"),
    [
        (7, 2, 3, 1),
        (-7, 2, -3, -1),
        (7, -2, -3, 1),
        (-7, -2, 3, -1),
        (6, 3, 2, 0),
        (-6, 3, -2, 0),
        (1, 2, 0, 1),
        (-1, 2, 0, -1),
        (1, -2, 0, 1),
        (0, -5, 0, 0),
        (0, 5, 0, 0),
        (-3 * ONE, ONE, -3, 0),
        (-(ONE + 1), ONE, -1, -1),
        (INT256_MIN, 1, INT256_MIN, 0),
        (INT256_MIN, 2, -(2**254), 0),
        (INT256_MAX, -1, -INT256_MAX, 0),
        (INT256_MIN + 1, INT256_MAX, -1, 0),
    ],
)
def test_evm_div_and_mod__known_values(a, b, quotient, remainder):
    assert evm_div(a, b) == quotient
    assert evm_mod(a, b) == remainder


def test_evm_div__differs_from_python_floor_division_on_negative_quotients():
    assert (-7 // 2, evm_div(-7, 2)) == (-4, -3)
    assert (7 // -2, evm_div(7, -2)) == (-4, -3)
    assert (-7 % 2, evm_mod(-7, 2)) == (1, -1)


@pytest.mark.parametrize("a", [0, 1, -1, INT256_MAX, INT256_MIN])
def test_evm_div_and_mod__zero_divisor_raises(a):
    with pytest.raises(ZeroDivisionError):
        evm_div(a, 0)
    with pytest.raises(ZeroDivisionError):
        evm_mod(a, 0)


@settings(max_examples=800)
@given(a=int256s, b=nonzero_int256s)
def test_evm_div_and_mod__truncate_toward_zero(a, b):
    q, r = evm_div(a, b), evm_mod(a, b)
    assert a == q * b + r
    assert abs(r) < abs(b)
    assert r == 0 or (r > 0) == (a > 0), "the remainder's sign follows the dividend"
    assert abs(q) == abs(a) // abs(b), "the quotient's magnitude is the floor of the magnitudes"
    assert q == 0 or (q > 0) == ((a > 0) == (b > 0))


@settings(max_examples=800)
@given(a=st.integers(-(10**30), 10**30), b=st.integers(-(10**6), 10**6).filter(bool))
def test_evm_div__equals_truncated_exact_quotient(a, b):
    # math.trunc of the exact Fraction is an independent definition of "toward zero".
    assert evm_div(a, b) == math.trunc(Fraction(a, b))


# -- isqrt ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "root"),
    [
        (0, 0),
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 2),
        (8, 2),
        (9, 3),
        (3_600, 60),
        (3_599, 59),
        (86_400, 293),
        (10**12, 10**6),
        (10**12 - 1, 10**6 - 1),
        (2**256 - 1, 2**128 - 1),
        (2**256, 2**128),
    ],
)
def test_isqrt__known_values(n, root):
    assert isqrt(n) == root


def test_isqrt__negative_raises():
    with pytest.raises(ValueError):
        isqrt(-1)


@settings(max_examples=800)
@given(n=st.one_of(st.integers(0, 2**256), st.integers(0, 10**6), st.integers(1, 2**128).map(lambda r: r * r - 1)))
def test_isqrt__is_floor_of_square_root(n):
    r = isqrt(n)
    assert r >= 0
    assert r * r <= n < (r + 1) * (r + 1)


@settings(max_examples=500)
@given(r=st.integers(0, 2**128))
def test_isqrt__exact_on_perfect_squares_and_neighbours(r):
    assert isqrt(r * r) == r
    assert isqrt(r * r + 2 * r) == r  # (r + 1)^2 - 1
    if r > 0:
        assert isqrt(r * r - 1) == r - 1


# -- pack_int32 / unpack_int32 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "packed"),
    [
        ([], []),
        ([0], [0]),
        ([1], [1]),
        ([-1], [0xFFFF_FFFF]),
        ([1, -1], [1 | (0xFFFF_FFFF << 32)]),
        ([INT32_MIN], [0x8000_0000]),
        ([INT32_MAX], [0x7FFF_FFFF]),
        ([0] * 7 + [-1], [0xFFFF_FFFF << 224]),
        ([0] * 7 + [INT32_MIN], [0x8000_0000 << 224]),
        ([-1] * 8, [UINT256_MAX]),
        (list(range(8)), [sum(i << (32 * i) for i in range(8))]),
        (list(range(9)), [sum(i << (32 * i) for i in range(8)), 8]),
        ([-1] * 9, [UINT256_MAX, 0xFFFF_FFFF]),
        ([0] * 16 + [-2], [0, 0, 0xFFFF_FFFE]),
    ],
)
def test_pack_int32__known_lane_layout(values, packed):
    assert pack_int32(values) == packed
    assert unpack_int32(packed, len(values)) == values


@pytest.mark.parametrize("count", [1, 7, 8, 9, 15, 16, 17])
def test_pack_int32__pads_last_word_with_zero_lanes(count):
    words_ = pack_int32([-1] * count)
    assert len(words_) == (count + LANES_PER_WORD - 1) // LANES_PER_WORD
    unpacked = unpack_int32(words_)
    assert len(unpacked) == LANES_PER_WORD * len(words_)
    assert unpacked[:count] == [-1] * count
    assert unpacked[count:] == [0] * (len(unpacked) - count)


@pytest.mark.parametrize("bad", [INT32_MAX + 1, INT32_MIN - 1, 2**32, -(2**32), 2**255, INT64_MIN])
def test_pack_int32__out_of_range_raises(bad):
    with pytest.raises(FixedPointError):
        pack_int32([0, bad])
    with pytest.raises(FixedPointError):
        to_int32(bad)


@pytest.mark.parametrize("bad", [-1, UINT256_MAX + 1, 2**300])
def test_unpack_int32__word_outside_uint256_raises(bad):
    with pytest.raises(FixedPointError):
        unpack_int32([0, bad])


@settings(max_examples=500)
@given(values=st.lists(int32s, max_size=40))
def test_pack_int32__round_trips(values):
    packed = pack_int32(values)
    assert all(0 <= w <= UINT256_MAX for w in packed)
    assert unpack_int32(packed, len(values)) == values


@settings(max_examples=500)
@given(values=st.lists(int32s, max_size=40))
def test_pack_int32__matches_little_endian_struct_layout(values):
    # Lane i in bits 32*i .. 32*i+31 is bytes 4*i .. 4*i+3 of the word written little-endian.
    padded = values + [0] * (-len(values) % LANES_PER_WORD)
    expected = [
        int.from_bytes(struct.pack("<8i", *padded[i : i + LANES_PER_WORD]), "little")
        for i in range(0, len(padded), LANES_PER_WORD)
    ]
    assert pack_int32(values) == expected


@settings(max_examples=500)
@given(ws=st.lists(words, max_size=6))
def test_unpack_int32__round_trips_any_word(ws):
    lanes = unpack_int32(ws)
    assert lanes == [v for w in ws for v in struct.unpack("<8i", w.to_bytes(32, "little"))]
    assert pack_int32(lanes) == ws


# -- pack_int16 / unpack_int16 (the sparse Perceptron's weights) and pack_lanes -----------

int16s = st.integers(INT16_MIN, INT16_MAX)


@pytest.mark.parametrize(
    ("values", "packed"),
    [
        ([], []),
        ([1], [1]),
        ([-1], [0xFFFF]),
        ([1, -1], [1 | (0xFFFF << 16)]),
        ([INT16_MIN], [0x8000]),
        ([INT16_MAX], [0x7FFF]),
        ([0] * 15 + [-1], [0xFFFF << 240]),
        ([0] * 15 + [INT16_MIN], [0x8000 << 240]),
        ([-1] * 16, [UINT256_MAX]),
        (list(range(16)), [sum(i << (16 * i) for i in range(16))]),
        (list(range(17)), [sum(i << (16 * i) for i in range(16)), 16]),
        ([0] * 32 + [-2], [0, 0, 0xFFFE]),
    ],
)
def test_pack_int16__known_lane_layout(values, packed):
    assert pack_int16(values) == packed
    assert unpack_int16(packed, len(values)) == values


@pytest.mark.parametrize("count", [1, 15, 16, 17, 31, 32, 33])
def test_pack_int16__pads_last_word_with_zero_lanes(count):
    words_ = pack_int16([-1] * count)
    assert len(words_) == (count + INT16_LANES_PER_WORD - 1) // INT16_LANES_PER_WORD
    unpacked = unpack_int16(words_)
    assert unpacked[:count] == [-1] * count
    assert unpacked[count:] == [0] * (len(unpacked) - count)


@pytest.mark.parametrize("bad", [INT16_MAX + 1, INT16_MIN - 1, 2**16, INT32_MAX])
def test_pack_int16__out_of_range_raises(bad):
    with pytest.raises(FixedPointError, match="int16"):
        pack_int16([0, bad])


@settings(max_examples=500)
@given(values=st.lists(int16s, max_size=60))
def test_pack_int16__matches_little_endian_struct_layout(values):
    padded = values + [0] * (-len(values) % INT16_LANES_PER_WORD)
    expected = [int.from_bytes(struct.pack("<16h", *padded[i : i + 16]), "little") for i in range(0, len(padded), 16)]
    assert pack_int16(values) == expected
    assert unpack_int16(expected, len(values)) == values


@settings(max_examples=500)
@given(ws=st.lists(words, max_size=6))
def test_unpack_int16__round_trips_any_word(ws):
    lanes = unpack_int16(ws)
    assert lanes == [v for w in ws for v in struct.unpack("<16h", w.to_bytes(32, "little"))]
    assert pack_int16(lanes) == ws


@pytest.mark.parametrize("bits", [0, 3, 24, 512])
def test_pack_lanes__width_must_divide_256(bits):
    with pytest.raises(ValueError, match="divide 256"):
        pack_lanes([0], bits)
    with pytest.raises(ValueError, match="divide 256"):
        unpack_lanes([0], bits)


@settings(max_examples=200)
@given(values=st.lists(int32s, max_size=20))
def test_pack_lanes__32_bits_is_pack_int32(values):
    assert pack_lanes(values, 32) == pack_int32(values)
    assert unpack_lanes(pack_int32(values), 32, len(values)) == values


# -- to_fixed / from_fixed / saturate -----------------------------------------------------


@pytest.mark.parametrize(
    ("x", "fixed"),
    [
        (0.0, 0),
        (-0.0, 0),
        (1.0, ONE),
        (-1.0, -ONE),
        (1.5, 1_500_000),
        (0.25, 250_000),
        (-2.75, -2_750_000),
        (1e-6, 1),
        (-1e-6, -1),
        (0.4e-6, 0),
        (0.6e-6, 1),
        (2_147.483647, INT32_MAX),
        (-2_147.483648, INT32_MIN),
    ],
)
def test_to_fixed__known_values(x, fixed):
    assert to_fixed(x) == fixed
    assert from_fixed(fixed) == pytest.approx(x, abs=0.5e-6)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_to_fixed__non_finite_raises(x):
    with pytest.raises(FixedPointError):
        to_fixed(x)


def test_from_fixed__known_values():
    assert from_fixed(ONE) == 1.0
    assert from_fixed(-1_500_000) == -1.5
    assert from_fixed(1) == 1e-6
    assert from_fixed(0) == 0.0


@settings(max_examples=800)
@given(v=st.integers(-(2**40), 2**40))
def test_to_fixed__inverts_from_fixed(v):
    assert to_fixed(from_fixed(v)) == v


@settings(max_examples=500)
@given(x=st.floats(-1e6, 1e6, allow_nan=False))
def test_to_fixed__is_nearest_integer(x):
    assert abs(to_fixed(x) - x * ONE) <= 0.5


@pytest.mark.parametrize(
    ("value", "low", "high", "clamped"),
    [
        (5, 0, 10, 5),
        (-1, 0, 10, 0),
        (11, 0, 10, 10),
        (0, 0, 10, 0),
        (10, 0, 10, 10),
        (INT32_MAX + 1, INT32_MIN, INT32_MAX, INT32_MAX),
        (INT32_MIN - 1, INT32_MIN, INT32_MAX, INT32_MIN),
        (INT64_MAX + ONE, INT64_MIN, INT64_MAX, INT64_MAX),
        (INT64_MIN - ONE, INT64_MIN, INT64_MAX, INT64_MIN),
    ],
)
def test_saturate__known_values(value, low, high, clamped):
    assert saturate(value, low, high) == clamped


@settings(max_examples=500)
@given(value=st.integers(-(2**70), 2**70), bounds=st.tuples(int32s, int32s).map(sorted))
def test_saturate__clamps_into_bounds(value, bounds):
    low, high = bounds
    out = saturate(value, low, high)
    assert low <= out <= high
    assert out == min(max(value, low), high)
    assert (out == value) == (low <= value <= high)
