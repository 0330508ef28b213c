"""Tidy records of a run (one row per observation, one column per variable), their CSV form and
the summary table.

- :class:`AgentRecord`: each agent (and the market's sponsor) at each sample time: its wallet in
  wei and in units, and its tallies.
- :class:`ModelRecord`: the model at each sample time: test accuracy, contributions, what the
  trainer or market holds.
- :class:`EventRecord`: every transaction the agents sent, with the wei it moved.
- :class:`PassRecord` (market): each replay pass: accuracy on the scored set, rounds paid, drops.
- :class:`ContributorRecord` (market): what each agent staked and was paid.
"""

from __future__ import annotations

import csv
import os
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field, fields
from typing import Any

from collabml.sim.units import to_units


@dataclass(frozen=True)
class AgentRecord:
    time: int
    """``block.timestamp`` (seconds)."""
    day: float
    """Days since the start."""
    agent: str
    kind: str
    balance_wei: int
    balance: float
    """The wallet in simulation units (``balance_wei / WEI_PER_UNIT``)."""
    contributions: int
    skipped: int
    refunds: int
    reports: int
    taken: int
    """Takes by others from this agent's contributions."""
    points: int
    badges: int
    """Badges held (Points): levels 1, 10, 100, 1,000 reached."""
    spent_wei: int
    """Deposits (DRT) or stakes (market) paid so far."""
    dropped: int
    """Contributions dropped by the market's replay."""


@dataclass(frozen=True)
class ModelRecord:
    time: int
    day: float
    accuracy: float
    correct: int
    test_size: int
    contributions: int
    open_records: int
    holder_wei: int
    """What the trainer (or market) holds: the agents' money not in their wallets."""
    good_contributions: int
    """``totalGoodContributions`` (DRT, Points); 0 for the market."""


@dataclass(frozen=True)
class EventRecord:
    time: int
    day: float
    agent: str
    action: str
    """contribute, skip, refund, point, report, take, open, reveal, advance, withdraw."""
    contribution: int
    """The contribution's id, or -1."""
    amount_wei: int
    """Wei that left the agent's wallet (contribute) or reached it (refund, report, take, withdraw)."""
    detail: str = ""


@dataclass(frozen=True)
class PassRecord:
    pass_number: int
    """0 is the initial model; 1, 2, ... the replay's passes."""
    correct: int
    scored: int
    accuracy: float
    rounds: int
    """Rounds this pass paid (0 for the initial model)."""
    rounds_left: int
    dropped: int
    """Contributions dropped during this pass."""
    live: int
    """Contributions still live at the end of the pass."""
    pot_wei: int
    """The sponsor's pot after the pass."""


@dataclass(frozen=True)
class ContributorRecord:
    agent: str
    kind: str
    contributions: int
    dropped: int
    staked_wei: int
    staked: float
    payout_wei: int
    payout: float
    net_wei: int
    net: float


@dataclass
class SimulationResult:
    """Everything a run produced. ``total_wei`` is the money in the system (wallets and the
    trainer or market), which the runner checked after every transaction."""

    mechanism: str
    scenario: Any
    data_description: str
    total_wei: int
    agents: list[AgentRecord] = field(default_factory=list)
    model: list[ModelRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    passes: list[PassRecord] = field(default_factory=list)
    contributors: list[ContributorRecord] = field(default_factory=list)
    start_wallets: dict[str, int] = field(default_factory=dict)
    """Each agent's (and the sponsor's) wallet before the first transaction, in wei."""
    held_at_end_wei: int = 0
    """What the trainer or market still holds at the end (the market: 0 once everyone withdrew)."""
    heldout_accuracy: tuple[float, float] | None = None
    """(initial, final) accuracy on the test examples the market did not score (market only)."""
    wall_seconds: float = 0.0

    # ---- views ----
    def final_agents(self) -> list[AgentRecord]:
        """Each agent's last record, in agent order."""
        last: dict[str, AgentRecord] = {}
        for r in self.agents:
            last[r.agent] = r
        return list(last.values())

    def first_agents(self) -> list[AgentRecord]:
        first: dict[str, AgentRecord] = {}
        for r in self.agents:
            first.setdefault(r.agent, r)
        return list(first.values())

    @property
    def accuracy_start(self) -> float:
        return self.passes[0].accuracy if self.passes else self.model[0].accuracy

    @property
    def accuracy_end(self) -> float:
        return self.passes[-1].accuracy if self.passes else self.model[-1].accuracy

    def events_of(self, action: str) -> list[EventRecord]:
        return [e for e in self.events if e.action == action]

    def wallet_total_at(self, time: int) -> int:
        """Sum of the wallets in the records at ``time``."""
        return sum(r.balance_wei for r in self.agents if r.time == time)

    # ---- output ----
    def summary_lines(self) -> list[str]:
        """The table the command prints: each agent's final wallet and tallies, accuracy start/end."""
        first = {r.agent: r.balance for r in self.first_agents()}
        start = {name: to_units(wei) for name, wei in self.start_wallets.items()} or first
        headers = ["agent", "kind", "start", "final", "net", "contrib", "skipped"]
        if self.mechanism == "drt":
            headers += ["refunds", "reports", "taken"]
        elif self.mechanism == "points":
            headers += ["points", "badges"]
        else:
            headers += ["staked", "payout", "dropped"]
        paid = {c.agent: c for c in self.contributors}
        rows = []
        for r in self.final_agents():
            s = start.get(r.agent, first[r.agent])
            row = [r.agent, r.kind, _fmt(s), _fmt(r.balance), _fmt(r.balance - s, sign=True),
                   str(r.contributions), str(r.skipped)]
            if self.mechanism == "drt":
                row += [str(r.refunds), str(r.reports), str(r.taken)]
            elif self.mechanism == "points":
                row += [str(r.points), str(r.badges)]
            else:
                c = paid.get(r.agent)
                row += [_fmt(c.staked), _fmt(c.payout), str(c.dropped)] if c else ["-", "-", "-"]
            rows.append(row)
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        align = ["<", "<"] + [">"] * (len(headers) - 2)
        line = lambda cells: "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths))  # noqa: E731
        out = [line(headers), line(["-" * w for w in widths])] + [line(row) for row in rows]
        scored = "scored test set" if self.passes else "test set"
        out.append(f"balances in units (1 unit = 10^12 wei); accuracy on the {scored}: "
                   f"{self.accuracy_start:.4f} at the start, {self.accuracy_end:.4f} at the end")
        if self.heldout_accuracy is not None:
            a, b = self.heldout_accuracy
            out.append(f"held-out accuracy (test examples the market did not score): {a:.4f} -> {b:.4f}")
        if self.mechanism == "market":
            passes = len(self.passes) - 1
            out.append(f"{passes} replay passes; the market holds {self.held_at_end_wei:,} wei at the end")
        else:
            held = to_units(self.held_at_end_wei)
            out.append(f"the trainer holds {held:,.1f} units of unclaimed deposits at the end")
        return out


def _fmt(units: float, *, sign: bool = False) -> str:
    return f"{units:+,.1f}" if sign else f"{units:,.1f}"


def write_records(
    path: str | os.PathLike[str], records: Sequence[Any], record_type: type | None = None
) -> pathlib.Path:
    """Write dataclass ``records`` as CSV, a header of their field names (``record_type``'s when empty)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = record_type or (type(records[0]) if records else None)
    if kind is None:
        raise ValueError("pass record_type to write an empty table")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f.name for f in fields(kind)])
        writer.writerows(_row(r) for r in records)
    return path


def _row(record: Any) -> Iterable[Any]:
    return [f"{v:.6f}" if isinstance(v, float) else v for v in astuple(record)]


def write_table(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> pathlib.Path:
    """Write a plain CSV table (the plots' data when it is not one record type)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([f"{v:.6f}" if isinstance(v, float) else v for v in row] for row in rows)
    return path
