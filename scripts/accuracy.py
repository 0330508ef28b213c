"""`ape run accuracy`: every model's test accuracy measured through its deployed contract.

Each model is fitted with float scikit-learn off chain, converted (`from_sklearn`), deployed in
its DRT trainer and loaded in chunks on the connected (by default a fresh local Anvil) chain; then
every test example is classified by the contract's `predict` (batched view calls) and compared
with float scikit-learn's and the bit-exact mirror's predictions. Exits with status 1 if the
contract and the mirror disagree on any example.
"""

import sys
import time
from contextlib import nullcontext

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand
from ape.logging import LogLevel, logger
from tqdm import tqdm

from collabml.accuracy import (
    DATA_SETS,
    MODELS,
    UnknownModelError,
    build_cases,
    format_markdown,
    format_table,
    select,
    write_rows,
)
from collabml.chain.accuracy import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, measure_case

KNOWN_MODELS = sorted({m for ms in MODELS.values() for m in ms})


def quiet_deployments():
    """Hide Ape's INFO lines of each deployment and chunk (they break the progress bars), unless
    the verbosity was changed with -v."""
    return logger.at_level(LogLevel.WARNING) if logger.level == LogLevel.INFO else nullcontext()


@click.command(cls=ConnectedProviderCommand)
@click.option(
    "--data", "data_sets", multiple=True, type=click.Choice(DATA_SETS), help="Data set (repeat; default: all)."
)
@click.option("--model", "models", multiple=True, type=click.Choice(KNOWN_MODELS), help="Model (repeat; default: all).")
@click.option("--test-size", type=click.IntRange(min=1), default=None, help="Only the first N test examples.")
@click.option("--data-dir", default=None, help="Data directory (default: COLLABML_DATA_DIR or ./data).")
@click.option("--max-features", default=1000, show_default=True, help="IMDB vocabulary size.")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, help="eth_calls per JSON-RPC batch.")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, help="JSON-RPC batches in flight.")
@click.option("--out", "outputs", multiple=True, help="Write the results to this .json or .csv file (repeat for both).")
@click.option("--markdown", is_flag=True, help="Also print the table in Markdown (the README's).")
def cli(data_sets, models, test_size, data_dir, max_features, batch_size, workers, outputs, markdown):
    for out in outputs:
        if not out.endswith((".json", ".csv")):
            raise click.BadParameter(f"{out}: name the file *.json or *.csv", param_hint="--out")
    try:
        pairs = select(data_sets, models)
    except UnknownModelError as error:
        raise click.UsageError(str(error)) from error
    owner = accounts.test_accounts[0]
    started = time.perf_counter()
    project.load_contracts()  # compile now (if needed), not inside the first model's time
    rows = []
    for case in build_cases(pairs, data_dir=data_dir, max_features=max_features, test_size=test_size):

        def progress_bar(total: int, desc: str = f"{case.model_name} on {case.data_set}, on chain"):
            return tqdm(total=total, desc=desc, unit="predict", leave=False)

        with quiet_deployments():
            row = measure_case(project, owner, case, batch_size=batch_size, workers=workers, progress=progress_bar)
        rows.append(row)
        click.echo(
            f"{row.data_set} / {row.model}: {row.seconds:.1f} s "
            f"(on-chain predict {row.predict_seconds:.1f} s for {row.test_size:,}; deploy {row.deploy_gas:,} gas)"
        )
    wall = time.perf_counter() - started
    click.echo("")
    for line in format_table(rows):
        click.echo(line)
    if markdown:
        click.echo("")
        for line in format_markdown(rows):
            click.echo(line)
    click.echo(f"\nwall time {wall:.1f} s")
    metadata = {"test_size": test_size, "max_features": max_features, "wall_seconds": round(wall, 3)}
    for out in outputs:
        click.echo(f"wrote {write_rows(rows, out, metadata)}")

    outside = [r for r in rows if not r.within_tolerance]
    for r in outside:
        diff = r.contract_accuracy - r.sklearn_accuracy
        click.echo(f"NOTE: {r.model} on {r.data_set} is {diff:+.4f} from float scikit-learn (target: within 0.01)")
    broken = [r for r in rows if not r.mirror_agrees]
    if broken:
        for r in broken:
            click.secho(
                f"ERROR: the contract and the mirror disagree on {r.test_size - r.contract_equals_mirror} of "
                f"{r.test_size} test examples of {r.model} on {r.data_set} (first: {r.mirror_disagreements[:10]}): "
                "the contract and its mirror have diverged; run the model's differential tests (tests/property)",
                err=True,
                fg="red",
                bold=True,
            )
        sys.exit(1)
