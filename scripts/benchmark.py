"""`ape run benchmark`: gas per operation of every model (or those named with --model), a table
each, beside the original implementation's figures (issue 3, 1,000 features) with the ratio and
the issue's bar; then which bars pass and the wall time per model. Prints figures, asserts nothing.

Sparse models: mean [min-max] over --samples random feature sets a case at --present features
present of --features; dense models: one scene a shape (every feature is sent). Each model runs
on a fresh Anvil when this run started its own.
"""

import time
from contextlib import nullcontext

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from ape.logging import LogLevel, logger

from collabml.benchmark import ALL, MODEL_NAMES, check_bars, format_bar_summary, format_seconds, format_table, select_models
from collabml.chain.benchmark import BenchmarkAccounts, BenchmarkSettings, run_model


def restart_anvil():
    """A fresh Anvil for the next model, when this run started its own: ape-foundry runs Anvil with
    --steps-tracing, which keeps every step of every transaction, and every model in one Anvil
    grows it past 20 GB."""
    provider = chain.provider
    if provider.network.is_local and getattr(provider, "process", None) is not None:
        provider.disconnect()
        provider.connect()


def quiet_transactions():
    """Hide Ape's INFO line of each transaction, unless the verbosity was changed with -v."""
    return logger.at_level(LogLevel.WARNING) if logger.level == LogLevel.INFO else nullcontext()


@click.command(cls=ConnectedProviderCommand)
@click.option(
    "--model", "models", multiple=True, type=click.Choice([*MODEL_NAMES, ALL]), help="Model to measure (repeat; default: all)."
)
@click.option("--features", "feature_count", default=1000, show_default=True, help="Sparse models' feature count.")
@click.option("--present", multiple=True, type=int, default=(20, 80), show_default=True, help="Features present (sparse models).")
@click.option("--samples", default=16, show_default=True, help="Random feature sets (or seeds) per case of a sparse model.")
@click.option("--first-refunds", default=4, show_default=True, help="Authors' first refunds measured per size (sparse Perceptron).")
@click.option("--seed", default=0, show_default=True)
def cli(models, feature_count, present, samples, first_refunds, seed):
    owner, honest, dishonest = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]

    def fresh_accounts(count):
        fresh = [accounts.test_accounts.generate_test_account() for _ in range(count)]
        for account in fresh:
            owner.transfer(account, 10**18)
        return fresh

    people = BenchmarkAccounts(owner, honest, dishonest, accounts.test_accounts, fresh_accounts)
    settings = BenchmarkSettings(feature_count, tuple(present), samples, first_refunds, seed)
    project.load_contracts()  # compile now (if needed), not inside the first model's time
    tables, timings = [], []
    for k, name in enumerate(select_models(models)):
        click.echo(f"== {name}", err=True)
        if k:
            restart_anvil()
        started = time.perf_counter()
        with quiet_transactions():
            measured = run_model(name, project, chain, people, settings)
        timings.append((name, time.perf_counter() - started))
        for table in measured:
            click.echo("")
            for line in format_table(table):
                click.echo(line)
        click.echo(f"({name}: {timings[-1][1]:.1f} s)")
        tables += measured
    click.echo("")
    for line in format_bar_summary(check_bars(tables)):
        click.echo(line)
    for line in format_seconds(timings):
        click.echo(line)
