"""`ape run benchmark`: gas per operation of SparsePerceptronDRT at 20 and 80 features present."""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from collabml.chain.benchmark import format_rows, measure


@click.command(cls=ConnectedProviderCommand)
@click.option("--features", "feature_count", default=1000, show_default=True, help="Model feature count.")
@click.option("--present", multiple=True, type=int, default=(20, 80), show_default=True, help="Features present.")
def cli(feature_count, present):
    owner, honest, dishonest = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]
    deployed, rows = measure(project, chain, owner, honest, dishonest, feature_count=feature_count, sizes=present)
    click.echo(f"SparsePerceptronDRT, {feature_count} features")
    for line in format_rows(deployed, rows):
        click.echo(line)
