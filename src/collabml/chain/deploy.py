"""Deploy trainers and load their models in chunks that fit a block, resumably."""

from __future__ import annotations

from dataclasses import dataclass

from collabml.fixedpoint import INT64_MAX, INT64_MIN
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DEFAULT_CHUNK_WORDS = 800
"""Model words per ``loadModel`` transaction: ~23k gas each when new, so ~18.6M gas a chunk,
well below a 30M block."""


@dataclass(frozen=True)
class DeployResult:
    contract: object
    deploy_gas: int
    load_gas: list[int]

    @property
    def total_gas(self) -> int:
        return self.deploy_gas + sum(self.load_gas)


def deploy_drt_trainer(
    project,
    owner,
    model,
    mechanism: DepositRefundTake,
    *,
    chunk_words: int = DEFAULT_CHUNK_WORDS,
    show_progress: bool = False,
) -> DeployResult:
    """Deploy ``<model.CONTRACT>DRT`` owned by ``owner`` and load the mirror ``model`` into it.

    Every DRT trainer's constructor takes ``(owner, *model.constructor_args(), costWeight,
    refundWait, ownerClaimWait, anyoneClaimWait)``.
    """
    container = getattr(project, f"{model.CONTRACT}DRT")
    contract = owner.deploy(
        container,
        owner.address,
        *model.constructor_args(),
        mechanism.cost_weight,
        mechanism.refund_wait,
        mechanism.owner_claim_wait,
        mechanism.anyone_claim_wait,
    )
    deploy_gas = contract.creation_metadata.receipt.gas_used
    load_gas = load_model(contract, owner, model, chunk_words=chunk_words, show_progress=show_progress)
    return DeployResult(contract, deploy_gas, load_gas)


def deploy_sparse_perceptron_drt(
    project, owner, model: SparsePerceptron, mechanism: DepositRefundTake, **options
) -> DeployResult:
    """Deploy a ``SparsePerceptronDRT`` and load ``model`` into it."""
    if not INT64_MIN <= model.intercept <= INT64_MAX:
        raise ValueError("the intercept must fit int64")
    return deploy_drt_trainer(project, owner, model, mechanism, **options)


def load_model(
    contract, owner, model, *, chunk_words: int = DEFAULT_CHUNK_WORDS, show_progress: bool = False
) -> list[int]:
    """Send the model's words (``model.packed_words()``, any mirror) in chunks, starting where the
    contract's loading stopped, so an interrupted deployment resumes by calling this again.
    Returns the gas of each chunk."""
    if chunk_words <= 0:
        raise ValueError("chunk_words must be positive")
    words = model.packed_words()
    if int(contract.modelWordCount()) != len(words):
        raise ValueError(
            f"the contract holds {contract.modelWordCount()} model words but the model has {len(words)}: "
            "deploy with the model's shape (feature and class counts)"
        )
    start = int(contract.loadedWords())
    gas: list[int] = []
    steps = range(start, len(words), chunk_words)
    if show_progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc="loading model", unit="chunk")
    for first in steps:
        receipt = contract.loadModel(first, words[first : first + chunk_words], sender=owner)
        gas.append(receipt.gas_used)
    return gas
