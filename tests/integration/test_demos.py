"""The demonstrations (`ape run deploy`, `ape run market`) on small settings, through the chain.

They assert what a user relies on: the scene runs to its end and settles; in the market, what the
parties withdrew is what they paid in, each party's withdrawal is what left its account, the
market ends holding nothing and its Python mirror ends in the same state (the demo raises if not).
"""

from __future__ import annotations

import pytest

from collabml.chain.demo import Demo, DemoSettings
from collabml.chain.market_demo import MarketDemo, MarketDemoSettings
from collabml.data import DataNotFoundError


@pytest.fixture
def quiet():
    lines: list[str] = []
    return lines.append, lines


def _run_or_skip(demo):
    try:
        return demo.run()
    except DataNotFoundError as missing:
        pytest.skip(str(missing))


def test_deploy_demo__scene_runs_and_settles(project, chain, owner, contributor, reporter, quiet, tmp_path):
    echo, lines = quiet
    settings = DemoSettings(train_size=300, vocabulary_path=str(tmp_path / "vocabulary.json"))
    gas = _run_or_skip(Demo(project, chain, owner, contributor, reporter, settings, echo=echo))
    assert {"addData (model agrees)", "addData (model updates)", "refund", "report"} <= set(gas)
    assert any("agrees with the local mirror on 100/100" in line for line in lines)
    assert any(line.endswith("unclaimed deposits: none") for line in lines)


def test_market_demo__every_wei_accounted_for(project, chain, accounts, quiet):
    echo, lines = quiet
    sponsor, honest, adversary = accounts[5], [accounts[6], accounts[7]], accounts[8]
    settings = MarketDemoSettings(initial_train_size=100, test_examples=24, contributions_each=2, stake=24, rounds=3)
    demo = MarketDemo(project, chain, sponsor, honest, adversary, settings, echo=echo)
    gas = _run_or_skip(demo)
    assert {"contribute", "revealPieces", "advance (largest call)", "withdraw"} <= set(gas)
    assert set(demo.ledger) == {"honest 1", "honest 2", "adversary", "sponsor"}
    paid_in = sum(amount for amount, _ in demo.ledger.values())
    paid_out = sum(amount for _, amount in demo.ledger.values())
    assert paid_in == settings.unit * (settings.rounds * settings.test_examples + 3 * 2 * settings.stake)
    assert paid_out == paid_in
    assert lines[-1].startswith("  the market holds nothing")
