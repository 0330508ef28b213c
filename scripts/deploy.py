"""`ape run deploy`: deploy SUM (Deposit-Refund-Take + sparse Perceptron) and demonstrate it.

Default: a local Anvil started for the run. `--network` and `--account` work as in any Ape
script; on a network other than a local or fork one, `--account` is required and the scene's
time travel is skipped.
"""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, account_option

from collabml.chain.demo import Demo, DemoSettings


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--train-size", default=DemoSettings.train_size, show_default=True, help="Training reviews for the initial model.")
@click.option("--data-dir", default=None, help="Data directory (default: COLLABML_DATA_DIR or ./data).")
def cli(network, account, train_size, data_dir):
    is_local = network.is_local or network.name.endswith("-fork")
    if account is None:
        if not is_local:
            raise click.UsageError(f"--account is required on {network.name}")
        account = accounts.test_accounts[0]
    if not is_local:
        raise click.UsageError(
            "the demonstration travels in time; deploy to a live network with collabml's deploy API instead"
        )
    honest, dishonest = accounts.test_accounts[1], accounts.test_accounts[2]
    settings = DemoSettings(train_size=train_size, data_dir=data_dir)
    click.echo(f"Network: {network.choice}")
    Demo(project, chain, account, honest, dishonest, settings, echo=click.echo).run()
