"""`ape run benchmark`: gas per operation of SparsePerceptronDRT at 20 and 80 features present,
mean and range over random feature sets (prints figures, asserts nothing)."""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from collabml.chain.benchmark import format_rows, measure


@click.command(cls=ConnectedProviderCommand)
@click.option("--features", "feature_count", default=1000, show_default=True, help="Model feature count.")
@click.option("--present", multiple=True, type=int, default=(20, 80), show_default=True, help="Features present.")
@click.option("--samples", default=16, show_default=True, help="Random feature sets per case.")
@click.option("--first-refunds", default=4, show_default=True, help="Authors' first refunds measured per size.")
@click.option("--seed", default=0, show_default=True)
def cli(feature_count, present, samples, first_refunds, seed):
    owner, honest, dishonest = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]

    def fresh_accounts(count):
        fresh = [accounts.test_accounts.generate_test_account() for _ in range(count)]
        for account in fresh:
            owner.transfer(account, 10**18)
        return fresh

    deployed, rows = measure(
        project, chain, owner, honest, dishonest, feature_count=feature_count, sizes=present,
        samples=samples, first_refunds=first_refunds, fresh_accounts=fresh_accounts, seed=seed,
    )
    click.echo(f"SparsePerceptronDRT, {feature_count} features")
    for line in format_rows(deployed, rows):
        click.echo(line)
