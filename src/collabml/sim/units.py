"""The simulation's money unit, and the one factor that maps it to wei.

One **unit** is a micro-ether: ``WEI_PER_UNIT = 10**12`` wei (0.000001 ETH, a "szabo"). Every
amount the mirrors move is an exact integer of wei; the records carry it in wei and, for the
plots, in units (``wei / WEI_PER_UNIT``). The prediction market's ``unit`` (its stakes and
balances) is this same unit, so a stake of 250 units is ``250 * 10**12`` wei.
"""

from __future__ import annotations

WEI_PER_UNIT = 10**12
"""Wei per simulation unit (one micro-ether)."""


def to_units(wei: int) -> float:
    """``wei`` in simulation units, for display (the exact amount stays in wei)."""
    return wei / WEI_PER_UNIT


def units_to_wei(units: int | float) -> int:
    """Whole wei for ``units`` (rounded to the nearest wei)."""
    return int(round(units * WEI_PER_UNIT))
