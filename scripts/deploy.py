"""`ape run deploy`: deploy SUM (Deposit-Refund-Take + sparse Perceptron) and demonstrate it,
then run a sponsor's prediction market (`--no-market` to skip it; `ape run market` runs it alone).

Default: a local Anvil started for the run. `--network` and `--account` work as in any Ape
script; on a network other than a local or fork one, `--account` is required and the scene's
time travel is skipped.
"""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, account_option

from collabml.chain.demo import Demo, DemoSettings
from collabml.chain.market_demo import MarketDemo, MarketDemoSettings


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--train-size", default=DemoSettings.train_size, show_default=True, help="Training reviews for the initial model.")
@click.option("--data-dir", default=None, help="Data directory (default: COLLABML_DATA_DIR or ./data).")
@click.option("--market/--no-market", default=True, show_default=True, help="End with the prediction market.")
def cli(network, account, train_size, data_dir, market):
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
    if market:
        click.echo("")
        sponsor, *others = accounts.test_accounts[5:10]
        gas = MarketDemo(
            project, chain, sponsor, others[:3], others[3], MarketDemoSettings(data_dir=data_dir), echo=click.echo
        ).run()
        click.echo("Prediction market gas:")
        for name, value in gas.items():
            click.echo(f"  {name:<28} {value:>12,}")
