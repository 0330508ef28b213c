"""`ape run market`: a sponsor's prediction market on IMDB, from commitment to withdrawals.

Local and fork networks only (the scene travels in time to the end of participation).
"""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from collabml.chain.market_demo import MarketDemo, MarketDemoSettings


@click.command(cls=ConnectedProviderCommand)
@click.option("--test-examples", default=MarketDemoSettings.test_examples, show_default=True, help="Size of the secret test set.")
@click.option("--contributions-each", default=MarketDemoSettings.contributions_each, show_default=True, help="Contributions per contributor.")
@click.option("--steps-per-call", default=MarketDemoSettings.steps_per_call, show_default=True, help="Steps per advance call.")
@click.option("--data-dir", default=None, help="Data directory (default: COLLABML_DATA_DIR or ./data).")
def cli(network, test_examples, contributions_each, steps_per_call, data_dir):
    if not (network.is_local or network.name.endswith("-fork")):
        raise click.UsageError("the demonstration travels in time: run it on a local or fork network")
    settings = MarketDemoSettings(
        test_examples=test_examples,
        contributions_each=contributions_each,
        steps_per_call=steps_per_call,
        data_dir=data_dir,
    )
    sponsor, *others = accounts.test_accounts[5:10]
    demo = MarketDemo(project, chain, sponsor, others[:3], others[3], settings, echo=click.echo)
    gas = demo.run()
    click.echo("Gas:")
    for name, value in gas.items():
        click.echo(f"  {name:<24} {value:>12,}")
