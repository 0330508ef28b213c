"""`collabml simulate` on tiny scenarios (click's CliRunner, no chain), the default IMDB data path,
and a check that a simulation never imports Ape (or pyplot)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from collabml.cli import main
from collabml.data import DataNotFoundError, load_imdb

EXPECTED = {
    "drt": ["drt_balances", "drt_accuracy"],
    "points": ["points_points", "points_accuracy"],
    "market": ["market_stakes", "market_accuracy", "market_balances"],
}
TINY_ARGS = [
    "--data", "synthetic", "--max-features", "40", "--initial-size", "100", "--honest", "2", "--malicious", "1",
    "--no-progress",
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(mix_stderr=False)


# ---- the command line ----
@pytest.mark.parametrize("command, extra", [
    ("drt", ["--days", "2"]),
    ("points", ["--days", "2"]),
    ("market", ["--days", "1", "--market-test-size", "100"]),
])
def test_simulate__tiny_scenario(runner, tmp_path, command, extra):
    out = tmp_path / "sim"

    result = runner.invoke(main, ["simulate", command, *TINY_ARGS, *extra, "--out", str(out)])

    assert result.exit_code == 0, result.output + result.stderr
    assert "data: synthetic" in result.output
    for name in ("honest-1", "honest-2", "flooder-1"):
        assert name in result.output
    assert "at the start" in result.output and "at the end" in result.output
    for stem in EXPECTED[command]:
        assert (out / f"{stem}.png").is_file() and (out / f"{stem}.csv").is_file()
    scenario = json.loads((out / f"{command}_scenario.json").read_text())
    assert scenario["population"]["flooders"] == 1 and scenario["population"]["honest"] == 2


def test_simulate__attack_flip_builds_flippers(runner, tmp_path):
    result = runner.invoke(main, ["simulate", "drt", *TINY_ARGS, "--attack", "flip", "--days", "1",
                                  "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output + result.stderr
    assert "flipper-1" in result.output
    population = json.loads((tmp_path / "drt_scenario.json").read_text())["population"]
    assert (population["flippers"], population["flooders"], population["flipper_rate"]) == (1, 0, 4.0)


def test_simulate__amounts_take_units(runner, tmp_path):
    result = runner.invoke(main, ["simulate", "drt", *TINY_ARGS, "--days", "1", "--balance", "0.02 ether",
                                  "--cost-weight", "500 gwei", "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output + result.stderr
    scenario = json.loads((tmp_path / "drt_scenario.json").read_text())
    assert scenario["population"]["start_balance"] == 2 * 10**16
    assert scenario["cost_weight"] == 500 * 10**9


def test_simulate__bad_amount_names_the_option(runner, tmp_path):
    result = runner.invoke(main, ["simulate", "drt", *TINY_ARGS, "--balance", "lots", "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "--balance" in result.stderr and "is not an amount" in result.stderr


def test_simulate__inconsistent_scenario_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["simulate", "market", *TINY_ARGS, "--stake", "1", "--min-stake", "5",
                                  "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "below min_stake" in result.stderr


def test_simulate__help_lists_the_mechanisms(runner):
    result = runner.invoke(main, ["simulate", "--help"])

    assert result.exit_code == 0
    assert all(name in result.output for name in ("drt", "points", "market"))


def test_simulate__imdb_default_data(runner, tmp_path):
    """The default data path: IMDB, 1,000 words, the initial Perceptron on part of the train split."""
    try:
        load_imdb("test", limit=1)
    except DataNotFoundError as error:
        pytest.skip(f"IMDB subset not linked: {error}")

    result = runner.invoke(main, ["simulate", "drt", "--days", "1", "--test-size", "200", "--no-progress",
                                  "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output + result.stderr
    assert "IMDB subset: 1,000 most frequent words" in result.output
    assert (tmp_path / "drt_balances.png").is_file()


def test_simulation__never_imports_ape_or_pyplot(tmp_path):
    code = f"""
import sys
from collabml.sim import DataSpec, DRTScenario, MarketScenario, Population, load_sim_data, run
from collabml.sim.plots import write_outputs
spec = DataSpec(name="synthetic", max_features=40, initial_size=100, synthetic_train=300, synthetic_test=100)
data = load_sim_data(spec, 0)
write_outputs(run(DRTScenario(data=spec, days=1), data, progress=False), {str(tmp_path)!r})
run(MarketScenario(data=spec, days=1, market_test_size=60), data, progress=False)
print(sorted(m for m in sys.modules if m == "ape" or m.startswith(("ape.", "ape_")) or m == "matplotlib.pyplot"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
