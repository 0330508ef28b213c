"""Gas per operation of a `SparsePerceptronDRT`, by number of features present.

Prints figures; asserts nothing (tests assert behaviour, benchmarks measure). Gas depends on
which weight words the random features fall in (each distinct word is a cold read, and on an
update a rewrite), so every case is measured on `samples` random feature sets and reported as
mean and range. Each scene is planned with the mirror, so the chain does exactly what is
measured: an `addData` the model agrees with (honest), one that makes it update (dishonest),
a day later the honest refund, and the honest report of the dishonest contribution. The
reporter holds all the good data, so it takes the whole deposit and settles the record. One
scene before the measured ones gives the honest account its first good contribution; the first
refund of an author (its good count goes from zero to one, a new storage slot) is measured
separately, on fresh accounts. Every contribution pays exactly its deposit (no change is sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DeployResult, deploy_sparse_perceptron_drt
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DAY = 86_400


@dataclass(frozen=True)
class Spread:
    """Mean and range of one case's samples."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def low(self) -> float:
        return float(min(self.values))

    @property
    def high(self) -> float:
        return float(max(self.values))

    def format(self, digits: int = 0) -> str:
        return f"{self.mean:,.{digits}f} [{self.low:,.{digits}f}-{self.high:,.{digits}f}]"


@dataclass(frozen=True)
class GasRow:
    features_present: int
    words_touched: Spread
    """Distinct weight words of the updating contributions' features."""
    add_agrees: Spread
    add_updates: Spread
    refund: Spread
    """Refunds by an author who already has good contributions."""
    report: Spread
    first_refund: Spread | None = None
    """Refunds that are their author's first (the good count's slot goes from zero to one)."""


def _features_where(
    model: SparsePerceptron, rng, count: int, predicate: Callable, attempts: int = 100_000
) -> tuple[int, ...] | None:
    for _ in range(attempts):
        features = tuple(sorted(rng.choice(model.feature_count, size=count, replace=False).tolist()))
        if predicate(features):
            return features
    return None


def _next_block(chain) -> int:
    """Fixes the next block's timestamp (one second on), so the deposit is known exactly."""
    now = int(chain.blocks.head.timestamp) + 1
    chain.pending_timestamp = now
    return now


def contribute_exact(client: TrainerClient, mechanism: DepositRefundTake, chain, account, features, label: int):
    """``client.contribute`` in a block one second after the last, sending exactly the deposit the
    mechanism's mirror prices for that second: no change is sent back, so a benchmark measures the
    contribution, not how long the planning before it took (a wall-clock gap can lower the deposit
    between ``depositRequired()`` and the block, and the refund of the difference costs ~7k gas)."""
    now = _next_block(chain)
    value = mechanism.deposit_required(int(client.contract.lastUpdateTime()), now)
    return client.contribute(account, features, label, value=value)


def _wait(chain, seconds: int) -> None:
    chain.pending_timestamp = int(chain.blocks.head.timestamp) + seconds
    chain.mine()


def _plan_scene(mirror: SparsePerceptron, rng, size: int):
    """An honest example the model predicts 1 for and a dishonest one (label 0) whose update
    leaves both predicting 1, so the refund and the report both go through. (An honest example
    barely above 0 may admit no dishonest one: then another honest example is drawn.)"""
    for _ in range(1_000):
        good = _features_where(mirror, rng, size, lambda f: mirror.predict(f) == 1)
        if good is None:
            break

        def bad_fits(f):
            if mirror.predict(f) != 1:
                return False
            trial = mirror.copy()
            trial.update(f, 0)
            return trial.predict(f) == 1 and trial.predict(good) == 1

        bad = _features_where(mirror, rng, size, bad_fits, attempts=2_000)
        if bad is not None:
            return good, bad
    raise RuntimeError(f"no scene of {size} features fits this model; try another seed")


def words_touched(features: Sequence[int], lanes: int = SparsePerceptron.lanes_per_word()) -> int:
    return len({i // lanes for i in features})


def measure(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    feature_count: int = 1000,
    sizes: Sequence[int] = (20, 80),
    samples: int = 16,
    first_refunds: int = 4,
    fresh_accounts: Callable[[int], list] | None = None,
    seed: int = 0,
) -> tuple[DeployResult, list[GasRow]]:
    """Deploy a random 1,000-feature model (weights uniform in [-20, 20] steps, learning rate 1)
    and measure `samples` scenes per size. `fresh_accounts(n)` returns `n` funded accounts that
    have never contributed, for the first-refund figures (skipped when it is None)."""
    rng = np.random.default_rng(seed)
    model = SparsePerceptron(rng.integers(-20, 21, size=feature_count), 0, 1)
    mechanism = DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)
    deployed = deploy_sparse_perceptron_drt(project, owner, model, mechanism)
    client = TrainerClient(deployed.contract)

    def scene(size: int):
        mirror = client.read_model()
        good_f, bad_f = _plan_scene(mirror, rng, size)
        good, r_agree = contribute_exact(client, mechanism, chain, honest, good_f, 1)
        bad, r_update = contribute_exact(client, mechanism, chain, dishonest, bad_f, 0)
        _wait(chain, DAY)
        _next_block(chain)
        r_refund = client.refund(honest, good)
        _next_block(chain)
        r_report = client.report(honest, bad)
        return words_touched(bad_f), r_agree.gas_used, r_update.gas_used, r_refund.gas_used, r_report.gas_used

    scene(min(sizes))  # the honest account's first refund and good contribution: not measured
    rows = []
    for size in sizes:
        measured = list(zip(*(scene(size) for _ in range(samples))))
        rows.append(GasRow(size, *(Spread(tuple(column)) for column in measured)))

    if fresh_accounts is not None and first_refunds > 0:
        authors = fresh_accounts(first_refunds * len(sizes))
        for k, size in enumerate(sizes):
            claims = []
            for author in authors[k * first_refunds : (k + 1) * first_refunds]:
                mirror = client.read_model()
                features = _features_where(mirror, rng, size, lambda f: mirror.predict(f) == 1)
                if features is None:
                    raise RuntimeError(f"the model predicts 1 on no set of {size} features; try another seed")
                claims.append((author, contribute_exact(client, mechanism, chain, author, features, 1)[0]))
            _wait(chain, DAY)
            gas = []
            for author, c in claims:
                _next_block(chain)
                gas.append(client.refund(author, c).gas_used)
            rows[k] = GasRow(**{**vars(rows[k]), "first_refund": Spread(tuple(gas))})
    return deployed, rows


def format_rows(deployed: DeployResult, rows: Sequence[GasRow]) -> list[str]:
    samples = len(rows[0].add_agrees.values) if rows else 0
    lines = [
        f"deploy: contract {deployed.deploy_gas:,} + weights {sum(deployed.load_gas):,} "
        f"({len(deployed.load_gas)} chunk(s)) = {deployed.total_gas:,} gas",
        f"gas per call, mean [min-max] over {samples} random feature sets each:",
    ]
    for r in rows:
        lines.append(f"  {r.features_present} features present (updates touch {r.words_touched.format(1)} weight words)")
        lines.append(f"    addData, model agrees   {r.add_agrees.format()}")
        lines.append(f"    addData, model updates  {r.add_updates.format()}")
        lines.append(f"    refund                  {r.refund.format()}")
        if r.first_refund is not None:
            lines.append(
                f"    refund, author's first  {r.first_refund.format()}  ({len(r.first_refund.values)} samples)"
            )
        lines.append(f"    report (takes all)      {r.report.format()}")
    return lines
