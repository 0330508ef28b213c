"""collabml.sim: the simulation engine on the mirrors (no chain, no Ape).

Behaviour, not figures: money is conserved at every record and the market ends holding nothing;
a run is a function of its seed; the runners follow the mirrors' rules (deposits priced by the
mechanism, claims only when the rules allow them, a flooder losing its deposits to honest
reporters, an adversary losing its stake in the market, points only for validated records).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from collabml.fixedpoint import isqrt
from collabml.incentives.points import BADGE_LEVELS
from collabml.sim import (
    DataSpec,
    DRTScenario,
    MarketScenario,
    PointsScenario,
    Population,
    load_sim_data,
    run,
    run_drt,
    run_market,
    run_points,
)
from collabml.sim.agents import Flooder, Honest, LabelFlipper, PopulationError, address_of
from collabml.sim.clock import DAY, HOUR, START_TIME, ClockError, EventQueue, SimClock
from collabml.sim.datasets import SimDataError
from collabml.sim.runner import market_model_class, split_pieces
from collabml.sim.scenarios import ScenarioError
from collabml.sim.units import WEI_PER_UNIT, to_units

SPEC = DataSpec(name="synthetic", max_features=60, initial_size=200)
FLOOD = Population(honest=3, flooders=1, honest_rate=6, flooder_rate=12)


@pytest.fixture(scope="module")
def data():
    return load_sim_data(SPEC, 0)


@pytest.fixture(scope="module")
def drt_result(data):
    return run_drt(DRTScenario(data=SPEC, population=FLOOD, days=5), data, progress=False)


@pytest.fixture(scope="module")
def points_result(data):
    return run_points(PointsScenario(data=SPEC, population=FLOOD, days=5), data, progress=False)


@pytest.fixture(scope="module")
def market_result(data):
    population = Population(honest=3, flippers=1, flooders=1, honest_rate=6, flipper_rate=6, flooder_rate=12)
    return run_market(MarketScenario(data=SPEC, population=population, days=3, market_test_size=200), data,
                      progress=False)


def finals(result) -> dict:
    return {r.agent: r for r in result.final_agents()}


# ---- clock ----
def test_queue__orders_by_time_then_priority_then_scheduling():
    queue = EventQueue(SimClock())
    queue.schedule(START_TIME + 5, "late")
    queue.schedule(START_TIME + 1, "sample", priority=2)
    queue.schedule(START_TIME + 1, "contribute-a", priority=0)
    queue.schedule(START_TIME + 1, "contribute-b", priority=0)

    kinds = [queue.pop().kind for _ in range(4)]

    assert kinds == ["contribute-a", "contribute-b", "sample", "late"]
    assert queue.clock.now == START_TIME + 5
    assert queue.clock.day == pytest.approx(5 / DAY)


def test_clock__refuses_to_run_backwards():
    clock = SimClock()
    clock.advance_to(START_TIME + HOUR)

    with pytest.raises(ClockError, match="cannot move the clock back"):
        clock.advance_to(START_TIME)
    with pytest.raises(ClockError, match="at or after now"):
        EventQueue(clock).schedule(START_TIME, "contribute")


def test_clock__blocks_every_twelve_seconds():
    clock = SimClock(start_block=10)
    clock.advance_to(START_TIME + 25)
    assert clock.block == 12


# ---- agents ----
def test_population__shards_are_disjoint_and_cover_the_pool():
    agents = Population(honest=2, flippers=1, flooders=1).build(101, np.random.SeedSequence(0))

    rows = np.concatenate([a.rows for a in agents])
    assert sorted(rows.tolist()) == list(range(101))
    assert [type(a) for a in agents] == [Honest, Honest, LabelFlipper, Flooder]
    assert [a.name for a in agents] == ["honest-1", "honest-2", "flipper-1", "flooder-1"]
    assert len({a.address for a in agents}) == 4
    assert agents[0].address == address_of("honest-1") and len(agents[0].address) == 42


def test_agents__labels_by_kind():
    honest, flipper, flooder = Population(honest=1, flippers=1, flooders=1).build(9, np.random.SeedSequence(1))

    assert [honest.label(y) for y in (0, 1)] == [0, 1]
    assert [flipper.label(y) for y in (0, 1)] == [1, 0]
    assert [flooder.label(y) for y in (0, 1)] == [1, 0]
    assert Population(honest=1, flippers=0, flooders=0, mistake_rate=1.0).build(
        3, np.random.SeedSequence(0)
    )[0].label(1) == 0


def test_agents__cycle_through_their_shard():
    (agent,) = Population(honest=1, flooders=0).build(3, np.random.SeedSequence(0))

    assert [agent.next_row() for _ in range(6)] == agent.rows.tolist() * 2


def test_population__refuses_more_agents_than_examples():
    with pytest.raises(PopulationError, match="use fewer agents"):
        Population(honest=5, flooders=0).build(4, np.random.SeedSequence(0))
    with pytest.raises(PopulationError, match="at least one agent"):
        Population(honest=0, flooders=0)


# ---- scenarios and data ----
def test_scenarios__check_their_settings():
    with pytest.raises(ScenarioError, match="refund_wait <= owner_claim_wait"):
        DRTScenario(refund_wait=2 * DAY, owner_claim_wait=DAY)
    with pytest.raises(ScenarioError, match="below min_stake"):
        MarketScenario(stake=1, min_stake=5)
    with pytest.raises(ScenarioError, match="at least 2 pieces"):
        MarketScenario(pieces=1)
    with pytest.raises(SimDataError, match="choose one of"):
        DataSpec(name="mnist")


def test_scenario__to_json_names_the_mechanism():
    text = MarketScenario(data=SPEC).to_json()

    assert '"mechanism": "market"' in text and '"name": "synthetic"' in text


def test_data__initial_model_converts_exactly(data):
    """The initial Perceptron is fitted on the dense matrix: each mirror predicts as scikit-learn."""
    from collabml.models.perceptron import SparsePerceptron

    sklearn = data.initial_classifier.predict(data.test_matrix.toarray())
    for cls in (SparsePerceptron, market_model_class()):
        model = cls.from_sklearn(data.initial_classifier)
        assert [model.predict(f) for f in data.test] == sklearn.tolist()


def test_data__seed_shuffles_and_sizes(data):
    assert len(data.pool) == SPEC.synthetic_train - SPEC.initial_size
    assert len(data.test) == SPEC.synthetic_test
    assert all(list(f) == sorted(set(f)) for f in data.pool)
    assert load_sim_data(SPEC, 0).pool == data.pool
    assert load_sim_data(SPEC, 1).pool != data.pool


def test_split_pieces__consecutive_near_equal():
    pieces = split_pieces(list(range(11)), 3)

    assert pieces == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10]]


# ---- conservation ----
def test_drt__money_is_conserved_at_every_record(drt_result):
    r = drt_result
    for m in r.model:
        wallets = sum(a.balance_wei for a in r.agents if a.time == m.time)
        assert wallets + m.holder_wei == r.total_wei
    assert r.held_at_end_wei == r.model[-1].holder_wei


def test_drt__every_deposit_is_accounted_for(drt_result):
    """Per contribution: deposit = refunded + taken + what the trainer still holds of it."""
    r = drt_result
    paid = defaultdict(int)
    deposits = {}
    for e in r.events:
        if e.action == "contribute":
            deposits[e.contribution] = e.amount_wei
        elif e.action in ("refund", "report", "take"):
            paid[e.contribution] += e.amount_wei
    assert all(paid[i] <= deposits[i] for i in paid)
    assert sum(deposits.values()) - sum(paid.values()) == r.held_at_end_wei


def test_market__conserves_money_and_ends_holding_nothing(market_result):
    r = market_result
    for m in r.model:
        wallets = sum(a.balance_wei for a in r.agents if a.time == m.time)
        assert wallets + m.holder_wei == r.total_wei
    assert r.held_at_end_wei == 0
    assert r.model[-1].holder_wei == 0
    bounty = sum(e.amount_wei for e in r.events_of("open"))
    stakes = sum(e.amount_wei for e in r.events_of("contribute"))
    assert sum(e.amount_wei for e in r.events_of("withdraw")) == bounty + stakes


def test_points__wallets_never_move(points_result):
    assert all(r.balance_wei == 10_000 * WEI_PER_UNIT for r in points_result.agents)
    assert all(m.holder_wei == 0 for m in points_result.model)


# ---- determinism ----
@pytest.mark.parametrize("scenario", [
    DRTScenario(data=SPEC, population=FLOOD, days=2),
    PointsScenario(data=SPEC, population=FLOOD, days=2),
    MarketScenario(data=SPEC, population=FLOOD, days=1, market_test_size=100),
], ids=["drt", "points", "market"])
def test_run__is_a_function_of_its_seed(data, scenario):
    first, again = run(scenario, data, progress=False), run(scenario, data, progress=False)
    other = run(replace(scenario, seed=1), data, progress=False)

    assert first.events == again.events
    assert first.agents == again.agents
    assert first.model == again.model
    assert first.passes == again.passes
    assert first.events != other.events


# ---- the mirrors' rules ----
def test_drt__deposits_are_the_mechanisms_price(drt_result):
    """Each deposit is costWeight * 3600 // max(1, isqrt(now - lastUpdate)) at its second (SPEC §5)."""
    cost_weight = drt_result.scenario.cost_weight
    last = START_TIME
    for e in drt_result.events_of("contribute"):
        assert e.amount_wei == cost_weight * 3600 // (isqrt(e.time - last) or 1)
        last = e.time


def test_drt__claims_only_when_the_rules_allow(drt_result):
    r = drt_result
    wait = r.scenario.refund_wait
    added = {e.contribution: (e.time, e.agent) for e in r.events_of("contribute")}
    first_refund: dict[str, int] = {}
    for e in r.events:
        if e.action == "refund":
            first_refund.setdefault(e.agent, e.time)
            assert added[e.contribution][1] == e.agent
        if e.action in ("refund", "report"):
            assert e.time - added[e.contribution][0] >= wait
        if e.action == "report":
            assert added[e.contribution][1] != e.agent
            assert first_refund[e.agent] <= e.time  # reporters need good contributions
    assert not r.events_of("take")  # nothing reaches the 60-day anyone-wait in 5 days


def test_drt__a_passive_flooder_loses_its_deposits_to_honest_reporters(data):
    population = replace(FLOOD, attackers_claim=False)
    r = run_drt(DRTScenario(data=SPEC, population=population, days=5), data, progress=False)
    final = finals(r)

    taken = [e for e in r.events_of("report") if e.detail == "from flooder-1"]
    assert taken and all(e.agent.startswith("honest") and e.amount_wei > 0 for e in taken)
    flooder = final["flooder-1"]
    assert flooder.balance_wei < 10_000 * WEI_PER_UNIT
    assert flooder.refunds == 0
    honest_net = sum(a.balance_wei - 10_000 * WEI_PER_UNIT for a in final.values() if a.kind == "honest")
    assert honest_net > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_drt__a_claiming_flooder_loses_more_than_any_honest_agent(data, seed):
    r = run_drt(DRTScenario(data=SPEC, population=FLOOD, days=5, seed=seed), data, progress=False)
    final = finals(r)

    flooder = final.pop("flooder-1")
    assert flooder.taken > 0
    assert flooder.balance_wei < min(a.balance_wei for a in final.values())


def test_points__a_point_per_refunded_record_and_badges_at_levels(points_result):
    r = points_result
    final = finals(r)
    per_agent = defaultdict(int)
    for e in r.events_of("point"):
        per_agent[e.agent] += 1
    for name, record in final.items():
        assert record.points == record.refunds == per_agent[name]
        assert record.badges == sum(1 for level in BADGE_LEVELS if level <= record.points)
    assert not r.events_of("report")
    ids = [e.contribution for e in r.events_of("point")]
    assert len(ids) == len(set(ids))


def test_market__adversaries_lose_stake_and_honest_contributors_gain(market_result):
    by_agent = {c.agent: c for c in market_result.contributors}

    assert by_agent["flipper-1"].net_wei < 0
    assert by_agent["flooder-1"].net_wei < 0
    assert by_agent["flooder-1"].dropped > 0
    assert sum(c.net_wei for c in market_result.contributors if c.kind == "honest") > 0


def test_market__passes_and_the_final_model(market_result):
    r = market_result
    passes = r.passes
    assert passes[0].pass_number == 0 and passes[0].rounds == 0
    assert [p.pass_number for p in passes] == list(range(len(passes)))
    assert sum(p.rounds for p in passes) == r.scenario.rounds
    assert passes[-1].rounds_left == 0  # the replay pays every round
    assert sum(p.dropped for p in passes) == sum(c.dropped for c in r.contributors)
    assert r.model[-1].correct == passes[-1].correct  # the final model is the last pass's
    assert r.model[-1].accuracy == r.accuracy_end


def test_market__stakes_are_whole_units(market_result):
    stake = market_result.scenario.effective_stake
    assert all(e.amount_wei == stake * WEI_PER_UNIT for e in market_result.events_of("contribute"))
    assert to_units(stake * WEI_PER_UNIT) == stake
