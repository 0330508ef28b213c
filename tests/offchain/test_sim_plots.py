"""collabml.sim's outputs: every plot a PNG with the CSV of exactly its data beside it, the tidy
records, the scenario JSON and the summary table (no chain, no pyplot)."""

from __future__ import annotations

import csv
import json

import pytest

from collabml.sim import DataSpec, DRTScenario, MarketScenario, PointsScenario, Population, load_sim_data, run
from collabml.sim.plots import write_outputs

SPEC = DataSpec(name="synthetic", max_features=40, initial_size=100, synthetic_train=500, synthetic_test=150)
TINY = Population(honest=2, flooders=1, honest_rate=6, flooder_rate=12)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED = {
    "drt": ["drt_balances", "drt_accuracy"],
    "points": ["points_points", "points_accuracy"],
    "market": ["market_stakes", "market_accuracy", "market_balances"],
}


@pytest.fixture(scope="module")
def data():
    return load_sim_data(SPEC, 0)


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("scenario", [
    DRTScenario(data=SPEC, population=TINY, days=2),
    PointsScenario(data=SPEC, population=TINY, days=2),
    MarketScenario(data=SPEC, population=TINY, days=1, market_test_size=100),
], ids=["drt", "points", "market"])
def test_write_outputs__each_plot_has_its_csv(tmp_path, data, scenario):
    result = run(scenario, data, progress=False)

    written = write_outputs(result, tmp_path / "sim")

    names = {p.name for p in written}
    for stem in EXPECTED[scenario.mechanism]:
        png, table = tmp_path / "sim" / f"{stem}.png", tmp_path / "sim" / f"{stem}.csv"
        assert {png.name, table.name} <= names
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert read_csv(table), f"{table.name} has no rows"
    m = scenario.mechanism
    assert len(read_csv(tmp_path / "sim" / f"{m}_agents.csv")) == len(result.agents)
    assert len(read_csv(tmp_path / "sim" / f"{m}_model.csv")) == len(result.model)
    assert len(read_csv(tmp_path / "sim" / f"{m}_events.csv")) == len(result.events)
    assert json.loads((tmp_path / "sim" / f"{m}_scenario.json").read_text())["mechanism"] == m


def test_balances_csv__is_the_plotted_data(tmp_path, data):
    result = run(DRTScenario(data=SPEC, population=TINY, days=2), data, progress=False)
    write_outputs(result, tmp_path)

    rows = read_csv(tmp_path / "drt_balances.csv")

    assert list(rows[0]) == ["time", "day", "agent", "kind", "balance_wei", "balance"]
    assert len(rows) == len(result.agents)
    last = {r["agent"]: r for r in rows}
    assert {k: int(v["balance_wei"]) for k, v in last.items()} == {a.agent: a.balance_wei for a in result.final_agents()}
    assert all(float(r["balance"]) == pytest.approx(int(r["balance_wei"]) / 10**12) for r in rows)


def test_market_csvs__stakes_and_passes(tmp_path, data):
    result = run(MarketScenario(data=SPEC, population=TINY, days=1, market_test_size=100), data, progress=False)
    write_outputs(result, tmp_path)

    stakes = read_csv(tmp_path / "market_stakes.csv")
    passes = read_csv(tmp_path / "market_accuracy.csv")

    assert [r["agent"] for r in stakes] == ["honest-1", "honest-2", "flooder-1"]
    assert all(int(r["net_wei"]) == int(r["payout_wei"]) - int(r["staked_wei"]) for r in stakes)
    assert [int(r["pass_number"]) for r in passes] == list(range(len(result.passes)))


def test_summary__one_line_per_agent_and_accuracy(data):
    result = run(DRTScenario(data=SPEC, population=TINY, days=2), data, progress=False)

    lines = result.summary_lines()

    assert lines[0].split()[:4] == ["agent", "kind", "start", "final"]
    assert [line.split()[0] for line in lines[2:5]] == ["honest-1", "honest-2", "flooder-1"]
    assert "at the start" in lines[5] and "at the end" in lines[5]


def test_points_csv__marks_each_badge_minted(tmp_path, data):
    result = run(PointsScenario(data=SPEC, population=TINY, days=2), data, progress=False)
    write_outputs(result, tmp_path)

    rows = read_csv(tmp_path / "points_points.csv")

    minted = {(r["agent"], r["minted"]) for r in rows if r["minted"]}
    for agent in result.final_agents():
        levels = {f"badge {level}" for level in (1, 10, 100, 1_000) if level <= agent.points}
        assert {m for a, m in minted if a == agent.agent} == levels
