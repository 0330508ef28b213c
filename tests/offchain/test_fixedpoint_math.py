"""`collabml.fixedpoint_math.ln`, the mirror of `FixedPointMath.ln`: its constants, known values,
its rounding against 120-digit decimal logarithms, and its errors.

The contract computes the same integers (checked on chain through `NaiveBayes.scores`, whose scores
are sums of these logarithms, in tests/property/test_naive_bayes_differential.py).
"""

from __future__ import annotations

import random
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabml import errors
from collabml.fixedpoint_math import LN2_Q, LN_ONE, MAX_LN_EXPONENT, ONE_Q, REDUCTIONS, ln

UINT256_MAX = 2**256 - 1


def exact_ln(x: int, exponent: int = 0) -> Decimal:
    """ln(x * 2^exponent) * 1e18 to 120 significant digits."""
    with localcontext() as context:
        context.prec = 120
        return (Decimal(x).ln() + exponent * Decimal(2).ln()) * LN_ONE


def floor_ln(x: int, exponent: int = 0) -> int:
    with localcontext() as context:
        context.prec = 120
        return int(exact_ln(x, exponent).to_integral_value(rounding=ROUND_FLOOR))


# ---- constants ----
def test_constants__derived_from_their_definitions():
    with localcontext() as context:
        context.prec = 120
        ln2 = Decimal(2).ln()
        assert LN2_Q == int((ln2 * ONE_Q).to_integral_value(rounding=ROUND_HALF_EVEN))
        for j, (c, r, step) in enumerate(REDUCTIONS, start=1):
            root = Decimal(2) ** (Decimal(1) / 2**j)
            assert c == int((root * ONE_Q).to_integral_value(rounding=ROUND_CEILING))
            assert r == -(-(1 << 254) // c)
            assert step == int((ln2 / 2**j * ONE_Q).to_integral_value(rounding=ROUND_HALF_EVEN))
            assert c * r >= 1 << 254  # a reduction never takes t below one


# ---- known values (floor(ln(y) * 1e18), from the decimal expansions) ----
@pytest.mark.parametrize(
    "x, exponent, expected",
    [
        (1, 0, 0),
        (2, 0, 693_147_180_559_945_309),  # ln 2 = 0.693147180559945309417...
        (3, 0, 1_098_612_288_668_109_691),  # ln 3 = 1.098612288668109691395...
        (10, 0, 2_302_585_092_994_045_684),  # ln 10 = 2.302585092994045684017...
        (1_000_000, 0, 13_815_510_557_964_274_104),  # ln 1e6 = 13.815510557964274104107...
        (1, -1, -693_147_180_559_945_310),  # ln(1/2) = -0.693147180559945309417...: the floor
        (1, 1, 693_147_180_559_945_309),
        (3, -2, -287_682_072_451_780_928),  # ln(3/4) = -0.287682072451780927439...
        (2**255, 0, 176_752_531_042_786_053_901),
        (UINT256_MAX, 0, 177_445_678_223_345_999_210),
        (1, MAX_LN_EXPONENT, 12_786_308_645_202_655_659_788_630_699_742_451_794),  # 2^64 ln 2
        (1, -MAX_LN_EXPONENT, -12_786_308_645_202_655_659_788_630_699_742_451_795),
    ],
)
def test_ln__known_values(x, exponent, expected):
    assert expected == floor_ln(x, exponent)
    assert ln(x, exponent) == expected


def test_ln__exact_floor_on_every_bit_length():
    """60 random integers of each length 1 to 256 bits: every result is the exact floor."""
    rng = random.Random(1)
    mismatches = []
    for bits in range(1, 257):
        for _ in range(60):
            x = rng.getrandbits(bits) | (1 << (bits - 1))
            if ln(x) != floor_ln(x):
                mismatches.append(x)
    assert mismatches == []


@settings(max_examples=500)
@given(x=st.integers(1, UINT256_MAX), exponent=st.integers(-MAX_LN_EXPONENT, MAX_LN_EXPONENT))
def test_ln__within_one_unit_of_the_floor(x, exponent):
    assert abs(ln(x, exponent) - floor_ln(x, exponent)) <= 1


@settings(max_examples=500)
@given(x=st.integers(1, 2**200), shift=st.integers(0, 55))
def test_ln__exponent_equals_shifting_the_mantissa(x, shift):
    """Scaling by 2^e gives the same integers as shifting x left (the normalised mantissa is the same)."""
    assert ln(x, shift) == ln(x << shift)


@settings(max_examples=500)
@given(x=st.integers(1, UINT256_MAX - 1))
def test_ln__monotonic(x):
    assert ln(x) <= ln(x + 1)


def test_ln__one_below_and_at_each_reduction_threshold():
    """Values of t just below and at each C_j take the two branches; both stay exact."""
    for c, _, _ in REDUCTIONS:
        for t in (c - 1, c, c + 1):
            assert ln(t, -127) == floor_ln(t, -127)


# ---- errors ----
def test_ln__of_zero():
    with pytest.raises(errors.LnOfZero):
        ln(0)


@pytest.mark.parametrize("exponent", [MAX_LN_EXPONENT + 1, -MAX_LN_EXPONENT - 1])
def test_ln__exponent_out_of_range(exponent):
    with pytest.raises(errors.LnExponentOutOfRange) as raised:
        ln(1, exponent)
    assert raised.value.args == (exponent,)


@pytest.mark.parametrize("x", [-1, 2**256])
def test_ln__not_a_uint256(x):
    with pytest.raises(ValueError):
        ln(x)
