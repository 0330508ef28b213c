"""Gas per operation of a `SparsePerceptronDRT`, by number of features present.

Prints figures; asserts nothing (tests assert behaviour, benchmarks measure). Each scenario
is planned with the mirror, so the chain does exactly what is measured: an `addData` the
model agrees with, one that makes it update, a refund, and a report by a good contributor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_sparse_perceptron_drt
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DAY = 86_400


@dataclass(frozen=True)
class GasRow:
    features_present: int
    add_agrees: int
    add_updates: int
    refund: int
    report: int


def _features_where(model: SparsePerceptron, rng, count: int, predicate) -> tuple[int, ...]:
    for _ in range(100_000):
        features = tuple(sorted(rng.choice(model.feature_count, size=count, replace=False).tolist()))
        if predicate(features):
            return features
    raise RuntimeError(f"no feature set of size {count} fits; try another seed")


def measure(project, chain, owner, honest, dishonest, *, feature_count=1000, sizes=(20, 80), seed=0):
    rng = np.random.default_rng(seed)
    model = SparsePerceptron(rng.integers(-20, 21, size=feature_count), 0, 1)
    mechanism = DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)
    deployed = deploy_sparse_perceptron_drt(project, owner, model, mechanism)
    client = TrainerClient(deployed.contract)
    rows = []
    for size in sizes:
        mirror = client.read_model()
        # An honest example the model agrees with and keeps agreeing with.
        good_f = _features_where(mirror, rng, size, lambda f: mirror.predict(f) == 1)
        mirror.update(good_f, 1)
        # A dishonest example: the model predicts 1, the label says 0; one update must not flip it.
        def bad_fits(f):
            if mirror.predict(f) != 1:
                return False
            trial = mirror.copy()
            trial.update(f, 0)
            return trial.predict(f) == 1 and trial.predict(good_f) == 1
        bad_f = _features_where(mirror, rng, size, bad_fits)
        good, r_agree = client.contribute(honest, good_f, 1)
        bad, r_update = client.contribute(dishonest, bad_f, 0)
        chain.pending_timestamp = chain.pending_timestamp + DAY
        chain.mine()
        r_refund = client.refund(honest, good)
        r_report = client.report(honest, bad)
        rows.append(GasRow(size, r_agree.gas_used, r_update.gas_used, r_refund.gas_used, r_report.gas_used))
    return deployed, rows


def format_rows(deployed, rows) -> list[str]:
    lines = [
        f"deploy: contract {deployed.deploy_gas:,} + weights {sum(deployed.load_gas):,} "
        f"({len(deployed.load_gas)} chunk(s)) = {deployed.total_gas:,} gas",
        f"{'features':>8} {'addData agrees':>15} {'addData updates':>16} {'refund':>9} {'report':>9}",
    ]
    for r in rows:
        lines.append(
            f"{r.features_present:>8} {r.add_agrees:>15,} {r.add_updates:>16,} {r.refund:>9,} {r.report:>9,}"
        )
    return lines
