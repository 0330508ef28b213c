"""Scenarios: everything a run depends on, as frozen dataclasses (a run is a pure function of its
scenario). Times are seconds, money is wei (see :mod:`collabml.sim.units` for the unit), market
stakes are units.

The defaults are the README's default runs: three honest agents and one flooder on IMDB for 30
days (DRT, Points), or a week of participation (the market).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from collabml.sim.agents import Population
from collabml.sim.clock import DAY, HOUR
from collabml.sim.datasets import DataSpec
from collabml.sim.units import WEI_PER_UNIT


class ScenarioError(ValueError):
    """A scenario's settings do not make a runnable simulation; the message says which to change."""


@dataclass(frozen=True)
class Scenario:
    """What every mechanism's run shares."""

    data: DataSpec = field(default_factory=DataSpec)
    population: Population = field(default_factory=Population)
    days: float = 30.0
    """How long the agents contribute (the market: the participation length)."""
    seed: int = 0
    check_interval: int = HOUR
    """Seconds between claims rounds, when every agent refunds and reports what it can."""
    sample_interval: int = 6 * HOUR
    """Seconds between the records (balances, accuracy) the plots show."""

    mechanism: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise ScenarioError("days must be positive")
        if self.check_interval <= 0 or self.sample_interval <= 0:
            raise ScenarioError("check_interval and sample_interval are positive numbers of seconds")

    @property
    def duration(self) -> int:
        """``days`` in whole seconds."""
        return int(round(self.days * DAY))

    def to_dict(self) -> dict[str, Any]:
        return {"mechanism": self.mechanism, **asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


@dataclass(frozen=True)
class DRTScenario(Scenario):
    """Deposit-Refund-Take (SPEC.md §5): the trainer's constructor parameters."""

    cost_weight: int = 1 * WEI_PER_UNIT
    """``costWeight`` in wei: one contribution an hour costs this much (default one unit)."""
    refund_wait: int = 1 * DAY
    owner_claim_wait: int = 30 * DAY
    anyone_claim_wait: int = 60 * DAY

    mechanism: ClassVar[str] = "drt"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.refund_wait <= self.owner_claim_wait <= self.anyone_claim_wait:
            raise ScenarioError("the waits must satisfy 0 <= refund_wait <= owner_claim_wait <= anyone_claim_wait")


@dataclass(frozen=True)
class PointsScenario(Scenario):
    """Points (SPEC.md §11): no deposits; a refund the model agrees with earns a point."""

    refund_wait: int = 1 * DAY

    mechanism: ClassVar[str] = "points"


@dataclass(frozen=True)
class MarketScenario(Scenario):
    """The prediction market (SPEC.md §12). ``days`` is the participation length."""

    days: float = 7.0
    market_test_size: int = 250
    """The sponsor's test set (its first examples of the test split); the rest is held out."""
    pieces: int = 5
    """Pieces the test set is committed in; one, drawn at random, is revealed first and not scored."""
    rounds: int = 400
    """The bounty in rounds: ``rounds * market_test_size`` units."""
    stake: int | None = None
    """Units staked on each contribution (default: ``min_stake``)."""
    min_stake: int | None = None
    """``minStake`` in units (default: ``market_test_size``, which SPEC §12.5 recommends)."""
    reveal_window: int = 1 * DAY
    advance_steps: int = 200
    """``maxSteps`` of each ``advance`` transaction."""
    sponsor_balance: int | None = None
    """The sponsor's wallet in wei (default: exactly the bounty)."""

    mechanism: ClassVar[str] = "market"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pieces < 2:
            raise ScenarioError("a market needs at least 2 pieces (one revealed first, the rest scored)")
        if self.market_test_size < self.pieces:
            raise ScenarioError("market_test_size must be at least the number of pieces")
        if self.rounds < 1 or self.advance_steps < 1:
            raise ScenarioError("rounds and advance_steps must be at least 1")
        if self.effective_stake < self.effective_min_stake:
            raise ScenarioError(f"stake {self.effective_stake} is below min_stake {self.effective_min_stake}")

    @property
    def effective_min_stake(self) -> int:
        return self.market_test_size if self.min_stake is None else self.min_stake

    @property
    def effective_stake(self) -> int:
        return self.effective_min_stake if self.stake is None else self.stake

    @property
    def bounty_wei(self) -> int:
        return self.rounds * self.market_test_size * WEI_PER_UNIT
