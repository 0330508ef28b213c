"""Deploy ``<Model>Points`` trainers (the gamified mechanism) and load their models in chunks."""

from __future__ import annotations

from collabml.chain.deploy import DEFAULT_CHUNK_WORDS, DeployResult, load_model
from collabml.incentives.points import Points


def deploy_points_trainer(
    project,
    owner,
    model,
    mechanism: Points,
    *,
    badge_uri: str = "",
    contract_name: str | None = None,
    chunk_words: int = DEFAULT_CHUNK_WORDS,
    show_progress: bool = False,
) -> DeployResult:
    """Deploy ``<model.CONTRACT>Points`` owned by ``owner`` (which deploys its ``ContributorBadges``)
    and load the mirror ``model`` into it, resumably (``collabml.chain.deploy.load_model``).

    Every Points trainer's constructor takes ``(owner, *model.constructor_args(), refundWait,
    badgeUri)``. ``contract_name`` picks another contract with that constructor (a test harness).
    ``deploy_gas`` includes the badge contract's deployment.
    """
    container = getattr(project, contract_name or f"{model.CONTRACT}Points")
    contract = owner.deploy(
        container, owner.address, *model.constructor_args(), mechanism.refund_wait, badge_uri
    )
    deploy_gas = contract.creation_metadata.receipt.gas_used
    load_gas = load_model(contract, owner, model, chunk_words=chunk_words, show_progress=show_progress)
    return DeployResult(contract, deploy_gas, load_gas)


def badges_of_trainer(project, trainer):
    """The trainer's ``ContributorBadges`` contract, as an Ape contract instance."""
    return project.ContributorBadges.at(trainer.badges())
