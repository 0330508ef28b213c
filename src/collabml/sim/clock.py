"""Simulated time: a clock in whole seconds (``block.timestamp``) and a queue of timed events.

Events at the same second run in the order of their ``priority`` (contributions before claims
before measurements), then in the order they were scheduled, so a run is reproducible event for
event whatever the platform.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

MINUTE = 60
HOUR = 3_600
DAY = 86_400
START_TIME = 1_700_000_000
"""When every simulation starts (2023-11-14 22:13:20 UTC): a realistic ``block.timestamp``."""
BLOCK_TIME = 12
"""Seconds per simulated block (the prediction market reads block numbers)."""


class ClockError(ValueError):
    """Simulated time was asked to run backwards; schedule events at or after ``clock.now``."""


@dataclass
class SimClock:
    """The simulation's ``block.timestamp`` and block number, moving forward only."""

    start: int = START_TIME
    now: int = field(default=-1)
    start_block: int = 1

    def __post_init__(self) -> None:
        if self.now < 0:
            self.now = self.start

    def advance_to(self, time: int) -> None:
        if time < self.now:
            raise ClockError(f"cannot move the clock back from {self.now} to {time}: schedule events at or after now")
        self.now = int(time)

    @property
    def elapsed(self) -> int:
        """Seconds since the start."""
        return self.now - self.start

    @property
    def day(self) -> float:
        """Days since the start (what the plots show)."""
        return self.elapsed / DAY

    @property
    def block(self) -> int:
        """The block holding a transaction sent now: one block every :data:`BLOCK_TIME` seconds."""
        return self.start_block + self.elapsed // BLOCK_TIME


@dataclass(order=True, frozen=True)
class Event:
    time: int
    priority: int
    sequence: int
    kind: str = field(compare=False)
    payload: Any = field(default=None, compare=False)


@dataclass
class EventQueue:
    """Timed events, popped in (time, priority, scheduling order); :meth:`pop` moves the clock."""

    clock: SimClock
    _heap: list[Event] = field(default_factory=list)
    _counter: itertools.count = field(default_factory=itertools.count)

    def schedule(self, time: int, kind: str, payload: Any = None, *, priority: int = 0) -> None:
        if time < self.clock.now:
            raise ClockError(f"event {kind!r} at {time} is before now ({self.clock.now}): schedule it at or after now")
        heapq.heappush(self._heap, Event(int(time), priority, next(self._counter), kind, payload))

    def __len__(self) -> int:
        return len(self._heap)

    def pop(self) -> Event:
        event = heapq.heappop(self._heap)
        self.clock.advance_to(event.time)
        return event
