"""collabml.incentives.drt: the mirror of contracts/incentives/DepositRefundTake.sol, off chain.

The deposit formula as a known-value table and a monotonicity property, the constructor's
bounds, and every branch of refund and report with its boundaries exact to the second.
"""

from __future__ import annotations

import math

import pytest
from helpers import DAY, DrtParams
from hypothesis import given, settings
from hypothesis import strategies as st

from collabml import errors
from collabml.incentives.drt import (
    DEPOSIT_TIME_SCALE,
    MAX_COST_WEIGHT,
    Claim,
    DepositRefundTake,
    TrainerState,
)

PARAMS = DrtParams()  # cost 10**12 wei, refund after 1 day, owner after 7, anyone after 14
OWNER = "0x" + "0a" * 20
CONTRIBUTOR = "0x" + "c0" * 20
REPORTER = "0x" + "4e" * 20
OTHER = "0x" + "77" * 20
ADDED = 1_700_000_000
ID = 3


def claim(initial: int = 1_000, left: int | None = None, label: int = 1, added: int = ADDED) -> Claim:
    return Claim(ID, CONTRIBUTOR, added, label, initial, initial if left is None else left)


def never_called():
    raise AssertionError("the model was consulted, but the contract decides before predicting")


def predicts(label: int):
    return lambda: label


def mechanism_with_good(good: dict[str, int], params: DrtParams = PARAMS) -> tuple[DepositRefundTake, TrainerState]:
    mechanism = params.mechanism()
    mechanism.good_contributions.update(good)
    state = TrainerState(contribution_count=10, last_update_time=ADDED, total_good_contributions=sum(good.values()))
    return mechanism, state


# -- deposit_required -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dt", "deposit"),
    [
        (0, 3_600_000_000_000_000),  # isqrt 0 -> divisor 1
        (1, 3_600_000_000_000_000),
        (2, 3_600_000_000_000_000),
        (3, 3_600_000_000_000_000),
        (4, 1_800_000_000_000_000),
        (8, 1_800_000_000_000_000),
        (9, 1_200_000_000_000_000),
        (3_600, 60_000_000_000_000),  # one an hour: 60 * costWeight
        (86_400, 12_286_689_419_795),  # isqrt 293, rounded down
        (10**12, 3_600_000_000),
    ],
)
@pytest.mark.parametrize("last", [0, ADDED])
def test_deposit_required__known_values(dt, deposit, last):
    assert PARAMS.mechanism().deposit_required(last, last + dt) == deposit
    assert deposit == PARAMS.cost_weight * 3_600 // max(1, math.isqrt(dt))


@pytest.mark.parametrize(
    ("cost", "dt", "deposit"),
    [
        (1, 0, 3_600),
        (1, 3_600**2, 1),
        (1, 3_601**2 - 1, 1),
        (1, 3_601**2, 0),  # a long-idle trainer with a tiny cost weight asks for nothing
        (MAX_COST_WEIGHT, 0, MAX_COST_WEIGHT * 3_600),
        (MAX_COST_WEIGHT, 7, MAX_COST_WEIGHT * 3_600 // 2),
    ],
)
def test_deposit_required__edge_cost_weights(cost, dt, deposit):
    assert DepositRefundTake(cost, 0, 0, 0).deposit_required(0, dt) == deposit


def test_deposit_required__fits_96_bits():
    assert DEPOSIT_TIME_SCALE == 3_600
    assert MAX_COST_WEIGHT == 22_007_822_920_628_982_664_873_319 == (2**96 - 1) // 3_600
    assert DepositRefundTake(MAX_COST_WEIGHT, 0, 0, 0).deposit_required(0, 0) < 2**96


@settings(max_examples=1_000)
@given(
    cost=st.integers(1, MAX_COST_WEIGHT),
    dts=st.tuples(st.integers(0, 2**64), st.integers(0, 2**64)).map(sorted),
    last=st.integers(0, 2**40),
)
def test_deposit_required__non_increasing_in_elapsed_time(cost, dts, last):
    mechanism = DepositRefundTake(cost, 0, 0, 0)
    early, late = (mechanism.deposit_required(last, last + dt) for dt in dts)
    assert early >= late >= 0
    assert early <= cost * 3_600
    assert early == cost * 3_600 // max(1, math.isqrt(dts[0]))


# -- constructor ----------------------------------------------------------------------------


@pytest.mark.parametrize("cost", [0, -1, MAX_COST_WEIGHT + 1, 2**96])
def test_init__cost_weight_out_of_range_raises(cost):
    with pytest.raises(errors.CostWeightOutOfRange) as info:
        DepositRefundTake(cost, 0, 0, 0)
    assert info.value.args == (cost, MAX_COST_WEIGHT)


@pytest.mark.parametrize("cost", [1, 10**12, MAX_COST_WEIGHT])
def test_init__cost_weight_in_range_accepted(cost):
    assert DepositRefundTake(cost, 0, 0, 0).cost_weight == cost


@pytest.mark.parametrize(
    "waits",
    [(2, 1, 3), (1, 3, 2), (3, 2, 1), (DAY + 1, DAY, 14 * DAY), (0, 7 * DAY, 7 * DAY - 1), (1, 0, 0)],
)
def test_init__waits_out_of_order_raises(waits):
    with pytest.raises(errors.WaitsOutOfOrder) as info:
        DepositRefundTake(10**12, *waits)
    assert info.value.args == waits


@pytest.mark.parametrize("waits", [(0, 0, 0), (1, 1, 1), (1, 2, 3), (DAY, 7 * DAY, 14 * DAY), (5, 5, 6)])
def test_init__ordered_waits_accepted(waits):
    mechanism = DepositRefundTake(10**12, *waits)
    assert (mechanism.refund_wait, mechanism.owner_claim_wait, mechanism.anyone_claim_wait) == waits


def test_init__cost_checked_before_waits():
    with pytest.raises(errors.CostWeightOutOfRange):
        DepositRefundTake(0, 3, 2, 1)


# -- accept_deposit ----------------------------------------------------------------------------


@pytest.mark.parametrize("short", [1, 10**12, 3_600_000_000_000_000])
def test_accept_deposit__too_low_raises_and_keeps_last_update(short):
    mechanism, state = PARAMS.mechanism(), TrainerState(last_update_time=ADDED)
    now = ADDED + 3_600
    required = 60_000_000_000_000
    sent = max(0, required - short)
    with pytest.raises(errors.DepositTooLow) as info:
        mechanism.accept_deposit(state, sent, now)
    assert info.value.args == (required, sent)
    assert state == TrainerState(last_update_time=ADDED)


@pytest.mark.parametrize("extra", [0, 1, 10**18])
def test_accept_deposit__enough_keeps_required_and_moves_last_update(extra):
    mechanism, state = PARAMS.mechanism(), TrainerState(contribution_count=4, last_update_time=ADDED)
    now = ADDED + 3_600
    assert mechanism.accept_deposit(state, 60_000_000_000_000 + extra, now) == 60_000_000_000_000
    assert state == TrainerState(contribution_count=4, last_update_time=now)


def test_accept_deposit__second_in_same_second_pays_full_price():
    mechanism, state = PARAMS.mechanism(), TrainerState(last_update_time=ADDED)
    now = ADDED + 86_400
    assert mechanism.accept_deposit(state, 10**30, now) == 12_286_689_419_795
    with pytest.raises(errors.DepositTooLow) as info:
        mechanism.accept_deposit(state, 12_286_689_419_795, now)
    assert info.value.args == (3_600_000_000_000_000, 12_286_689_419_795)
    assert state.last_update_time == now


@settings(max_examples=1_000)
@given(last=st.integers(0, 2**40), dt=st.integers(0, 10**9), sent=st.integers(0, 10**19))
def test_accept_deposit__moves_last_update_only_on_success(last, dt, sent):
    mechanism, state = PARAMS.mechanism(), TrainerState(last_update_time=last)
    required = mechanism.deposit_required(last, last + dt)
    if sent < required:
        with pytest.raises(errors.DepositTooLow) as info:
            mechanism.accept_deposit(state, sent, last + dt)
        assert info.value.args == (required, sent)
        assert state.last_update_time == last
    else:
        assert mechanism.accept_deposit(state, sent, last + dt) == required
        assert state.last_update_time == last + dt


# -- authorize_refund -------------------------------------------------------------------------


def test_authorize_refund__one_second_early_raises_without_predicting():
    mechanism, state = mechanism_with_good({})
    now = ADDED + PARAMS.refund_wait - 1
    with pytest.raises(errors.ClaimTooEarly) as info:
        mechanism.authorize_refund(state, claim(), now, never_called)
    assert info.value.args == (ID, ADDED + PARAMS.refund_wait, now)
    assert (mechanism.good_contributions, state.total_good_contributions) == ({}, 0)


@pytest.mark.parametrize("waited", [PARAMS.refund_wait, PARAMS.refund_wait + 1, PARAMS.anyone_claim_wait * 10])
def test_authorize_refund__on_time_pays_what_is_left_and_counts_good(waited):
    mechanism, state = mechanism_with_good({REPORTER: 2})
    amount = mechanism.authorize_refund(state, claim(initial=1_000, left=400), ADDED + waited, predicts(1))
    assert amount == 400
    assert mechanism.good(CONTRIBUTOR) == 1
    assert mechanism.good(REPORTER) == 2
    assert state.total_good_contributions == 3


@pytest.mark.parametrize(("label", "prediction"), [(1, 0), (0, 1)])
def test_authorize_refund__model_disagrees_raises(label, prediction):
    mechanism, state = mechanism_with_good({CONTRIBUTOR: 1})
    with pytest.raises(errors.ModelDisagrees) as info:
        mechanism.authorize_refund(state, claim(label=label), ADDED + PARAMS.refund_wait, predicts(prediction))
    assert info.value.args == (ID, prediction, label)
    assert mechanism.good(CONTRIBUTOR) == 1
    assert state.total_good_contributions == 1


def test_authorize_refund__zero_wait_allows_same_second():
    mechanism, state = DepositRefundTake(1, 0, 0, 0), TrainerState()
    assert mechanism.authorize_refund(state, claim(), ADDED, predicts(1)) == 1_000


# -- authorize_report: the three branches -------------------------------------------------------


# (Not named `reporter`: that is a conftest fixture.)
@pytest.mark.parametrize("taker", [OTHER, CONTRIBUTOR, OWNER, REPORTER])
@pytest.mark.parametrize("late", [0, 1, 10 * DAY])
def test_authorize_report__anyone_after_anyone_wait_takes_the_rest(taker, late):
    mechanism, state = mechanism_with_good({REPORTER: 1})
    now = ADDED + PARAMS.anyone_claim_wait + late
    result = mechanism.authorize_report(state, claim(initial=1_000, left=250), now, taker, OWNER, never_called)
    assert result == (250, True)


def test_authorize_report__one_second_before_anyone_wait_checks_the_model():
    mechanism, state = mechanism_with_good({})
    now = ADDED + PARAMS.anyone_claim_wait - 1
    with pytest.raises(errors.ModelAgrees) as info:
        mechanism.authorize_report(state, claim(label=1), now, OTHER, OWNER, predicts(1))
    assert info.value.args == (ID, 1)
    with pytest.raises(errors.ReporterIsContributor):
        mechanism.authorize_report(state, claim(), now, CONTRIBUTOR, OWNER, never_called)


@pytest.mark.parametrize("late", [0, 1, DAY])
def test_authorize_report__owner_after_owner_wait_takes_the_rest(late):
    mechanism, state = mechanism_with_good({})
    now = ADDED + PARAMS.owner_claim_wait + late
    assert mechanism.authorize_report(state, claim(left=999), now, OWNER, OWNER, never_called) == (999, True)


def test_authorize_report__owner_one_second_before_owner_wait_needs_good_contributions():
    mechanism, state = mechanism_with_good({REPORTER: 1})
    now = ADDED + PARAMS.owner_claim_wait - 1
    with pytest.raises(errors.ReporterHasNoGoodContributions) as info:
        mechanism.authorize_report(state, claim(label=1), now, OWNER, OWNER, predicts(0))
    assert info.value.args == (OWNER,)


def test_authorize_report__non_owner_at_owner_wait_gets_only_a_share():
    mechanism, state = mechanism_with_good({REPORTER: 1, OTHER: 3})
    now = ADDED + PARAMS.owner_claim_wait
    assert mechanism.authorize_report(state, claim(initial=1_000), now, REPORTER, OWNER, predicts(0)) == (250, False)


def test_authorize_report__owner_is_compared_by_address():
    mechanism, state = mechanism_with_good({})
    now = ADDED + PARAMS.owner_claim_wait
    assert mechanism.authorize_report(state, claim(), now, OWNER, OWNER, never_called) == (1_000, True)
    with pytest.raises(errors.ReporterHasNoGoodContributions):
        mechanism.authorize_report(state, claim(), now, OTHER, OWNER, predicts(0))


# -- authorize_report: the good-data path, its errors and their order ------------------------------


def test_authorize_report__one_second_before_refund_wait_raises():
    mechanism, state = mechanism_with_good({REPORTER: 1})
    now = ADDED + PARAMS.refund_wait - 1
    with pytest.raises(errors.ClaimTooEarly) as info:
        mechanism.authorize_report(state, claim(), now, REPORTER, OWNER, never_called)
    assert info.value.args == (ID, ADDED + PARAMS.refund_wait, now)
    # The owner too: the owner's wait has not passed either.
    with pytest.raises(errors.ClaimTooEarly):
        mechanism.authorize_report(state, claim(), now, OWNER, OWNER, never_called)


def test_authorize_report__at_refund_wait_takes_a_share():
    mechanism, state = mechanism_with_good({REPORTER: 1, OTHER: 1})
    now = ADDED + PARAMS.refund_wait
    assert mechanism.authorize_report(state, claim(initial=1_001), now, REPORTER, OWNER, predicts(0)) == (500, False)


def test_authorize_report__errors_in_contract_order():
    # Every rule broken at once: too early, own contribution, model agrees, no good contributions.
    mechanism, state = mechanism_with_good({REPORTER: 1})
    early, on_time = ADDED + PARAMS.refund_wait - 1, ADDED + PARAMS.refund_wait
    with pytest.raises(errors.ClaimTooEarly):
        mechanism.authorize_report(state, claim(label=1), early, CONTRIBUTOR, OWNER, never_called)
    with pytest.raises(errors.ReporterIsContributor) as info:
        mechanism.authorize_report(state, claim(label=1), on_time, CONTRIBUTOR, OWNER, never_called)
    assert info.value.args == (ID,)
    with pytest.raises(errors.ModelAgrees) as info:
        mechanism.authorize_report(state, claim(label=1), on_time, OTHER, OWNER, predicts(1))
    assert info.value.args == (ID, 1)
    with pytest.raises(errors.ReporterHasNoGoodContributions) as info:
        mechanism.authorize_report(state, claim(label=1), on_time, OTHER, OWNER, predicts(0))
    assert info.value.args == (OTHER,)


def test_authorize_report__contributor_with_good_contributions_still_cannot_report():
    mechanism, state = mechanism_with_good({CONTRIBUTOR: 5})
    with pytest.raises(errors.ReporterIsContributor):
        mechanism.authorize_report(state, claim(), ADDED + PARAMS.refund_wait, CONTRIBUTOR, OWNER, never_called)


@pytest.mark.parametrize(
    ("initial", "left", "good", "total", "amount"),
    [
        (1_000, 1_000, 1, 3, 333),  # initial * good // total, rounded down
        (1_000, 1_000, 2, 3, 666),
        (1_000, 1_000, 3, 3, 1_000),  # the whole deposit, exactly what is left
        (1_000, 500, 1, 2, 500),  # exactly what is left: not more, so kept
        (1_000, 400, 1, 2, 400),  # more than is left: the rest
        (1_000, 1, 1, 2, 1),
        (2, 2, 1, 3, 2),  # rounds to 0: the rest
        (2, 1, 1, 3, 1),
        (0, 0, 1, 1, 0),  # a zero deposit: nothing to take
        (10**20, 10**20, 1, 10**6, 10**14),
        (2**96 - 1, 2**96 - 1, 2**64 - 2, 2**64 - 1, (2**96 - 1) * (2**64 - 2) // (2**64 - 1)),
    ],
)
def test_authorize_report__share_of_initial_deposit(initial, left, good, total, amount):
    mechanism, state = mechanism_with_good({REPORTER: good, OTHER: total - good})
    result = mechanism.authorize_report(
        state, claim(initial=initial, left=left), ADDED + PARAMS.refund_wait, REPORTER, OWNER, predicts(0)
    )
    assert result == (amount, False)


def test_authorize_report__changes_no_state():
    mechanism, state = mechanism_with_good({REPORTER: 2, OTHER: 1})
    before = (dict(mechanism.good_contributions), TrainerState(**vars(state)))
    mechanism.authorize_report(state, claim(), ADDED + PARAMS.refund_wait, REPORTER, OWNER, predicts(0))
    mechanism.authorize_report(state, claim(), ADDED + PARAMS.anyone_claim_wait, REPORTER, OWNER, never_called)
    assert (mechanism.good_contributions, state) == before


# -- authorize_report against a transcription of the contract ---------------------------------------


def reference_report(params: DrtParams, c: Claim, now: int, reporter: str, prediction: int, good: int, total: int):
    """`_authorizeReport` and `_requireWaited`, line by line; errors as (name, *args)."""
    age = now - c.added_time
    if age >= params.anyone_claim_wait or (age >= params.owner_claim_wait and reporter == OWNER):
        return (c.deposit_left, True)
    if now < c.added_time + params.refund_wait:
        return ("ClaimTooEarly", c.id, c.added_time + params.refund_wait, now)
    if reporter == c.contributor:
        return ("ReporterIsContributor", c.id)
    if prediction == c.label:
        return ("ModelAgrees", c.id, c.label)
    if good == 0:
        return ("ReporterHasNoGoodContributions", reporter)
    amount = c.initial_deposit * good // total
    return (c.deposit_left if amount == 0 or amount > c.deposit_left else amount, False)


waits = st.tuples(*[st.sampled_from([0, 1, 60, DAY, 7 * DAY, 14 * DAY])] * 3).map(sorted)


@st.composite
def report_cases(draw):
    refund_wait, owner_wait, anyone_wait = draw(waits)
    params = DrtParams(draw(st.integers(1, MAX_COST_WEIGHT)), refund_wait, owner_wait, anyone_wait)
    initial = draw(st.integers(0, 2**96 - 1))
    left = draw(st.integers(0, initial))
    boundary = draw(st.sampled_from([0, refund_wait, owner_wait, anyone_wait]))
    age = max(0, boundary + draw(st.integers(-2, 2))) if draw(st.booleans()) else draw(st.integers(0, 30 * DAY))
    reporter = draw(st.sampled_from([OWNER, CONTRIBUTOR, REPORTER, OTHER]))
    good = draw(st.integers(0, 2**64 - 1))
    others = draw(st.integers(0 if good else 1, 2**64 - 1 - good))
    c = Claim(draw(st.integers(0, 2**64)), CONTRIBUTOR, ADDED, draw(st.integers(0, 1)), initial, left)
    return params, c, ADDED + age, reporter, draw(st.integers(0, 1)), good, good + others


def _check_report(case):
    params, c, now, reporter, prediction, good, total = case
    mechanism = params.mechanism()
    mechanism.good_contributions.update({reporter: good, "0x" + "ee" * 20: total - good})
    state = TrainerState(last_update_time=ADDED, total_good_contributions=total)
    expected = reference_report(params, c, now, reporter, prediction, good, total)
    try:
        result = mechanism.authorize_report(state, c, now, reporter, OWNER, predicts(prediction))
    except errors.ContractRuleError as err:
        result = (err.name, *err.args)
    assert result == expected
    if isinstance(result[0], int):
        assert 0 <= result[0] <= c.deposit_left
        assert result[0] > 0 or c.deposit_left == 0, "a successful report takes something unless nothing is left"


@settings(max_examples=600)
@given(case=report_cases())
def test_authorize_report__matches_contract_transcription(case):
    _check_report(case)


@pytest.mark.fuzzing
@settings(max_examples=10_000)
@given(case=report_cases())
def test_authorize_report__matches_contract_transcription_long_run(case):
    _check_report(case)
