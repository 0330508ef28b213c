"""Accuracy measured through the contracts: every test example is sent to the deployed model's
`predict` (a view call), and compared with float scikit-learn on the same features."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_drt_trainer
from collabml.incentives.drt import DepositRefundTake

DAY = 86_400


@dataclass(frozen=True)
class AccuracyRow:
    data_set: str
    model: str
    contract_accuracy: float
    mirror_accuracy: float
    sklearn_accuracy: float
    examples: int
    agree_with_mirror: int

    def line(self) -> str:
        return (
            f"{self.data_set:<22} {self.model:<26} {self.contract_accuracy:>9.4f} {self.sklearn_accuracy:>9.4f} "
            f"{self.contract_accuracy - self.sklearn_accuracy:>+7.4f}  {self.agree_with_mirror}/{self.examples}"
        )


HEADER = f"{'data set':<22} {'model':<26} {'contract':>9} {'sklearn':>9} {'diff':>7}  contract == mirror"


def through_contract(
    project,
    owner,
    data_set: str,
    model,
    rows: Sequence,
    labels: np.ndarray,
    sklearn_accuracy: float,
    *,
    progress: Callable | None = None,
) -> AccuracyRow:
    """Deploy `model` (a mirror) in its DRT trainer, predict every row on chain, and compare."""
    mechanism = DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)
    contract = deploy_drt_trainer(project, owner, model, mechanism).contract
    client = TrainerClient(contract, mirror=type(model))
    iterator = progress(rows) if progress else rows
    on_chain = np.array([client.predict(r) for r in iterator])
    mirror = np.array([model.predict(r) for r in rows])
    labels = np.asarray(labels)
    return AccuracyRow(
        data_set,
        type(model).__name__,
        float((on_chain == labels).mean()),
        float((mirror == labels).mean()),
        sklearn_accuracy,
        len(rows),
        int((on_chain == mirror).sum()),
    )
