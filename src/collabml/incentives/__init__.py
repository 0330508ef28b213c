"""Bit-exact mirrors of the incentive mechanisms: pure state machines, no chain."""

from collabml.incentives.drt import DepositRefundTake

__all__ = ["DepositRefundTake"]
