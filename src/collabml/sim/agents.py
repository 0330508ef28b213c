"""The simulated contributors: who they are, what they send, and how they claim.

Every agent owns a disjoint shard of the pool (shuffled by the seed) and contributes its examples
in turn (cycling when it runs out) at random times: the gaps are exponential with mean
``1 / rate`` days (a Poisson process). What label it sends is its kind:

- :class:`Honest`: the true label (wrong with probability ``mistake_rate``);
- :class:`LabelFlipper`: the opposite of the true label, at an ordinary rate;
- :class:`Flooder`: the opposite label too, at a high rate, to drown the model in bad data.

How an agent claims under a trainer is its :class:`ClaimPolicy`. With the default policy (every
kind uses it: an attacker claims whatever the rules let it) an agent, at each claims round,
refunds its own contributions once the refund wait has passed and the model agrees with them,
reports others' contributions the model disputes (SPEC.md §5: it needs good contributions of its
own and takes ``deposit * good / totalGood`` once per record), and takes what is left of any
record past the anyone-wait. It decides with the model's free ``predict``, exactly the test the
contract applies, so its claims do not fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from eth_hash.auto import keccak

from collabml.sim.clock import DAY
from collabml.sim.units import WEI_PER_UNIT


class PopulationError(ValueError):
    """The agent mix cannot be built as asked; the message says which setting to change."""


@dataclass(frozen=True)
class ClaimPolicy:
    """What an agent claims under a trainer (Deposit-Refund-Take or Points)."""

    refund_own: bool = True
    """Refund (DRT) or claim the point of (Points) its own contributions the model agrees with."""
    report_others: bool = True
    """Report others' contributions the model disputes (DRT only; Points reports move nothing)."""
    take_expired: bool = True
    """Take what is left of any record older than the anyone-wait (DRT; its own included, as allowed)."""


HONEST_POLICY = ClaimPolicy()
PASSIVE_POLICY = ClaimPolicy(False, False, False)


def address_of(name: str) -> str:
    """A deterministic, lowercase address for an agent's name: the last 20 bytes of its keccak."""
    return "0x" + keccak(name.encode()).hex()[-40:]


@dataclass
class Agent:
    """A contributor with a wallet (wei), a shard of the pool and a claim policy."""

    name: str
    rate_per_day: float
    rows: np.ndarray
    wallet: int
    policy: ClaimPolicy = HONEST_POLICY
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0), repr=False)
    address: str = ""
    start_wallet: int = field(init=False)
    position: int = 0
    # ---- tallies ----
    contributions: int = 0
    skipped: int = 0
    """Contributions not sent because the wallet could not pay the deposit or stake."""
    refunds: int = 0
    reports: int = 0
    """Reports (takes) this agent made that moved something."""
    taken: int = 0
    """Takes by others from this agent's contributions."""
    spent_wei: int = 0
    """Deposits paid (DRT) or stakes (market)."""
    refunded_wei: int = 0
    reported_wei: int = 0
    """Taken from others' deposits."""
    lost_wei: int = 0
    """Taken from this agent's deposits by others."""
    dropped: int = 0
    """Contributions the market's replay dropped."""
    payout_wei: int = 0
    """What the market credited this agent (withdrawn at the end)."""

    kind: ClassVar[str] = "agent"
    flips_labels: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.address:
            self.address = address_of(self.name)
        self.start_wallet = self.wallet
        if self.rate_per_day <= 0:
            raise PopulationError(f"{self.name}: a contribution rate must be positive (contributions per day)")
        if len(self.rows) == 0:
            raise PopulationError(f"{self.name} has no examples: the pool is smaller than the number of agents")

    @property
    def honest(self) -> bool:
        return not self.flips_labels

    def next_gap(self) -> int:
        """Seconds until the next contribution: exponential with mean ``1 / rate`` days, at least 1."""
        return max(1, int(round(self.rng.exponential(DAY / self.rate_per_day))))

    def next_row(self) -> int:
        """The pool row of the next example (its shard in order, then again)."""
        row = int(self.rows[self.position % len(self.rows)])
        self.position += 1
        return row

    def label(self, true_label: int) -> int:
        """The label this agent sends for an example whose true label is ``true_label``."""
        return int(true_label)


@dataclass
class Honest(Agent):
    mistake_rate: float = 0.0

    kind: ClassVar[str] = "honest"

    def label(self, true_label: int) -> int:
        if self.mistake_rate and self.rng.random() < self.mistake_rate:
            return 1 - int(true_label)
        return int(true_label)


@dataclass
class LabelFlipper(Agent):
    kind: ClassVar[str] = "flipper"
    flips_labels: ClassVar[bool] = True

    def label(self, true_label: int) -> int:
        return 1 - int(true_label)


@dataclass
class Flooder(LabelFlipper):
    kind: ClassVar[str] = "flooder"


KINDS: dict[str, type[Agent]] = {"honest": Honest, "flipper": LabelFlipper, "flooder": Flooder}


@dataclass(frozen=True)
class Population:
    """The agent mix, their rates (contributions per day each) and their starting wallets (wei)."""

    honest: int = 3
    flippers: int = 0
    flooders: int = 1
    honest_rate: float = 4.0
    flipper_rate: float = 4.0
    flooder_rate: float = 24.0
    mistake_rate: float = 0.0
    """An honest agent's chance of sending a wrong label by mistake."""
    start_balance: int = 10_000 * WEI_PER_UNIT
    """Each agent's wallet at the start, in wei (default 10,000 units = 0.01 ETH)."""
    attackers_claim: bool = True
    """Attackers refund, report and take by the same policy as honest agents (else they never claim)."""

    def __post_init__(self) -> None:
        if min(self.honest, self.flippers, self.flooders) < 0 or self.size == 0:
            raise PopulationError("agent counts must be >= 0 and at least one agent must take part")
        if not 0 <= self.mistake_rate <= 1:
            raise PopulationError("mistake_rate is a probability: 0 to 1")
        if self.start_balance < 0:
            raise PopulationError("start_balance is a wallet in wei: >= 0")

    @property
    def size(self) -> int:
        return self.honest + self.flippers + self.flooders

    def build(self, pool_size: int, seed_sequence: np.random.SeedSequence) -> list[Agent]:
        """The agents, each with its own random stream and a disjoint shard of ``pool_size`` rows."""
        if pool_size < self.size:
            raise PopulationError(f"{self.size} agents but only {pool_size} pool examples: use fewer agents")
        streams = seed_sequence.spawn(self.size + 1)
        shards = np.array_split(np.random.default_rng(streams[0]).permutation(pool_size), self.size)
        attacker_policy = HONEST_POLICY if self.attackers_claim else PASSIVE_POLICY
        plan = (
            [("honest", i, self.honest_rate) for i in range(1, self.honest + 1)]
            + [("flipper", i, self.flipper_rate) for i in range(1, self.flippers + 1)]
            + [("flooder", i, self.flooder_rate) for i in range(1, self.flooders + 1)]
        )
        agents: list[Agent] = []
        for (kind, number, rate), shard, stream in zip(plan, shards, streams[1:]):
            common = dict(
                name=f"{kind}-{number}", rate_per_day=rate, rows=shard, wallet=self.start_balance,
                rng=np.random.default_rng(stream),
            )
            if kind == "honest":
                agents.append(Honest(**common, policy=HONEST_POLICY, mistake_rate=self.mistake_rate))
            else:
                agents.append(KINDS[kind](**common, policy=attacker_policy))
        return agents
