"""collabml.incentives.points: the Points mechanism and its badges in Python, off chain.

Known-value tables of points and badges (computed by hand from SPEC "Points": one point per
refund, a badge at exactly 1, 10, 100 and 1,000 points), single-call rules in the contract's
order, the badge ledger's rules, and Hypothesis properties over long random histories run through
the whole `TrainerMirror` (the trainer never holds ether, points count refunds, badges are the
levels reached, no record earns twice).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from collabml import errors
from collabml.incentives.drt import Claim, TrainerState
from collabml.incentives.points import (
    BADGE_LEVELS,
    MAX_REFUND_WAIT,
    TRAINER,
    ContributorBadges,
    PointAward,
    Points,
    is_badge_level,
)
from collabml.models.perceptron import SparsePerceptron
from collabml.trainer import TrainerMirror

OWNER, ALICE, BOB, CAROL = (to_checksum_address("0x" + byte * 20) for byte in ("0a", "a1", "b0", "c4"))
DEPLOYED = 1_700_000_000
WAIT = 3_600
FEATURES = 16


def agreeable_model() -> SparsePerceptron:
    """Predicts 1 for every feature set, and still does after any number of label-0 updates
    (a huge intercept, a tiny learning rate): label 1 always earns a point, label 0 never."""
    return SparsePerceptron(np.zeros(FEATURES, dtype=np.int64), intercept=10**15, learning_rate=1)


def fresh_trainer(refund_wait: int = WAIT) -> TrainerMirror:
    return TrainerMirror.deployed_at(agreeable_model(), Points(refund_wait), OWNER, DEPLOYED)


def claim(id: int = 0, contributor: str = ALICE, added_time: int = DEPLOYED, label: int = 1) -> Claim:
    return Claim(id, contributor, added_time, label, 0, 0)


# -- badge levels: known values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "level"),
    [(0, False), (1, True), (2, False), (9, False), (10, True), (11, False), (99, False), (100, True),
     (101, False), (999, False), (1_000, True), (1_001, False), (10_000, False), (2**256 - 1, False)],
)
def test_is_badge_level__table(points, level):
    assert is_badge_level(points) is level


def test_refunds__points_and_badges_table():
    """1,001 refunds by one author: the badge of level L is minted by refund number L, once."""
    trainer = fresh_trainer()
    now = DEPLOYED
    minted: list[tuple[int, int]] = []
    for n in range(1, 1_002):
        contribution, change = trainer.add_data(ALICE, (n % FEATURES,), 1, 0, now)
        assert change == 0
        now += WAIT
        assert trainer.refund(ALICE, contribution, now) == 0
        award = trainer.mechanism.awards[-1]
        assert award == PointAward(contribution.id, ALICE, n, n if n in (1, 10, 100, 1_000) else None)
        if award.badge is not None:
            minted.append((n, award.badge))
        if n in (1, 9, 10, 99, 100, 999, 1_000, 1_001):
            expected = {1: [1], 9: [1], 10: [1, 10], 99: [1, 10], 100: [1, 10, 100], 999: [1, 10, 100]}
            assert trainer.mechanism.badges_of(ALICE) == expected.get(n, [1, 10, 100, 1_000])
    assert minted == [(1, 1), (10, 10), (100, 100), (1_000, 1_000)]
    assert trainer.mechanism.good(ALICE) == trainer.state.total_good_contributions == 1_001
    assert [trainer.mechanism.badges.balance_of(ALICE, level) for level in BADGE_LEVELS] == [1, 1, 1, 1]
    assert trainer.balance == 0


def test_refunds__badges_are_per_author():
    trainer = fresh_trainer()
    now = DEPLOYED
    for author, count in ((ALICE, 10), (BOB, 3), (CAROL, 0)):
        for _ in range(count):
            c, _ = trainer.add_data(author, (1,), 1, 0, now)
            trainer.refund(author, c, now + WAIT)
    mechanism = trainer.mechanism
    assert [mechanism.points_of(a) for a in (ALICE, BOB, CAROL)] == [10, 3, 0]
    assert [mechanism.badges_of(a) for a in (ALICE, BOB, CAROL)] == [[1, 10], [1], []]
    assert trainer.state.total_good_contributions == 13


# -- constructor ---------------------------------------------------------------------------------


@pytest.mark.parametrize("refund_wait", [0, 1, WAIT, MAX_REFUND_WAIT])
def test_points__refund_wait_in_range(refund_wait):
    assert Points(refund_wait).refund_wait == refund_wait


@pytest.mark.parametrize("refund_wait", [MAX_REFUND_WAIT + 1, 2**256 - 1, -1])
def test_points__refund_wait_out_of_range(refund_wait):
    with pytest.raises(errors.RefundWaitOutOfRange) as raised:
        Points(refund_wait)
    assert raised.value.args == (refund_wait, 2**64 - 1)


# -- accept_deposit ------------------------------------------------------------------------------


def test_accept_deposit__free_and_moves_last_update_time():
    state = TrainerState(3, DEPLOYED, 2)
    assert Points(WAIT).deposit_required(DEPLOYED, DEPLOYED) == 0
    assert Points(WAIT).accept_deposit(state, 0, DEPLOYED + 5) == 0
    assert state == TrainerState(3, DEPLOYED + 5, 2)


@pytest.mark.parametrize("sent", [1, 10**18, 2**256 - 1])
def test_accept_deposit__value_not_accepted(sent):
    state = TrainerState(0, DEPLOYED, 0)
    with pytest.raises(errors.ValueNotAccepted) as raised:
        Points(WAIT).accept_deposit(state, sent, DEPLOYED + 1)
    assert raised.value.args == (sent,)
    assert state.last_update_time == DEPLOYED


def test_add_data__value_refused_before_features_checked():
    """`ValueNotAccepted` comes from the mechanism, before the model validates the features."""
    trainer = fresh_trainer()
    with pytest.raises(errors.ValueNotAccepted):
        trainer.add_data(ALICE, (5, 5), 1, 1, DEPLOYED)
    with pytest.raises(errors.LabelOutOfRange):
        trainer.add_data(ALICE, (1,), 2, 1, DEPLOYED)  # the trainer checks the label first
    assert trainer.state == TrainerState(0, DEPLOYED, 0)


# -- authorize_refund ----------------------------------------------------------------------------


def test_authorize_refund__one_second_early():
    points, state = Points(WAIT), TrainerState(1, DEPLOYED, 0)
    with pytest.raises(errors.ClaimTooEarly) as raised:
        points.authorize_refund(state, claim(), DEPLOYED + WAIT - 1, lambda: 1)
    assert raised.value.args == (0, DEPLOYED + WAIT, DEPLOYED + WAIT - 1)
    assert points.good(ALICE) == state.total_good_contributions == 0


def test_authorize_refund__early_checked_before_model():
    def predict() -> int:
        raise AssertionError("the model is not consulted before the wait")

    with pytest.raises(errors.ClaimTooEarly):
        Points(WAIT).authorize_refund(TrainerState(), claim(), DEPLOYED, predict)


def test_authorize_refund__model_disagrees():
    points, state = Points(WAIT), TrainerState(1, DEPLOYED, 0)
    with pytest.raises(errors.ModelDisagrees) as raised:
        points.authorize_refund(state, claim(id=7, label=1), DEPLOYED + WAIT, lambda: 0)
    assert raised.value.args == (7, 0, 1)
    assert points.awards == [] and points.badges_of(ALICE) == []


def test_authorize_refund__at_refund_wait_awards_point_and_first_badge():
    points, state = Points(WAIT), TrainerState(1, DEPLOYED, 4)
    assert points.authorize_refund(state, claim(id=3), DEPLOYED + WAIT, lambda: 1) == 0
    assert points.good(ALICE) == 1 and state.total_good_contributions == 5
    assert points.awards == [PointAward(3, ALICE, 1, 1)]
    assert points.badges_of(ALICE) == [1]


def test_authorize_refund__zero_wait():
    points = Points(0)
    assert points.authorize_refund(TrainerState(), claim(), DEPLOYED, lambda: 1) == 0
    assert points.good(ALICE) == 1


# -- authorize_report and the record checks before it --------------------------------------------


def test_authorize_report__always_moves_nothing():
    with pytest.raises(errors.ReportsMoveNothing) as raised:
        Points(WAIT).authorize_report(TrainerState(), claim(), DEPLOYED + 10**9, OWNER, OWNER, lambda: 0)
    assert raised.value.args == ()


def test_report__record_checks_first():
    trainer = fresh_trainer()
    c, _ = trainer.add_data(ALICE, (1, 2), 0, 0, DEPLOYED)
    later = DEPLOYED + 100 * WAIT
    with pytest.raises(errors.ReportsMoveNothing):
        trainer.report(BOB, c, later)
    with pytest.raises(errors.ContributionNotFound) as raised:
        trainer.report(BOB, dataclasses.replace(c, id=1), later)
    assert raised.value.args == (1, 1)
    with pytest.raises(errors.ContributionMismatch):
        trainer.report(BOB, dataclasses.replace(c, label=1), later)
    good, _ = trainer.add_data(BOB, (3,), 1, 0, later)
    trainer.refund(BOB, good, later + WAIT)
    with pytest.raises(errors.ContributionSettled):
        trainer.report(ALICE, good, later + WAIT)
    assert trainer.balance == 0 and trainer.claimed == set()


def test_refund__twice_is_settled():
    trainer = fresh_trainer()
    c, _ = trainer.add_data(ALICE, (1,), 1, 0, DEPLOYED)
    trainer.refund(ALICE, c, DEPLOYED + WAIT)
    with pytest.raises(errors.ContributionSettled) as raised:
        trainer.refund(ALICE, c, DEPLOYED + WAIT + 1)
    assert raised.value.args == (0,)
    assert trainer.mechanism.good(ALICE) == 1


def test_refund__by_another_account_mismatches():
    trainer = fresh_trainer()
    c, _ = trainer.add_data(ALICE, (1,), 1, 0, DEPLOYED)
    with pytest.raises(errors.ContributionMismatch):
        trainer.refund(BOB, c, DEPLOYED + WAIT)
    assert trainer.mechanism.good(BOB) == 0


# -- the badge ledger ----------------------------------------------------------------------------


def test_badges__mint_rules_in_order():
    badges = ContributorBadges(TRAINER)
    with pytest.raises(errors.CallerNotTrainer) as raised:
        badges.mint(ALICE, ALICE, 7)  # not the trainer comes before the unknown level
    assert raised.value.args == (ALICE, TRAINER)
    for level in (0, 2, 11, 1_001):
        with pytest.raises(errors.BadgeLevelUnknown) as raised:
            badges.mint(TRAINER, ALICE, level)
        assert raised.value.args == (level,)
    badges.mint(TRAINER, ALICE, 10)
    with pytest.raises(errors.BadgeAlreadyHeld) as raised:
        badges.mint(TRAINER, ALICE, 10)
    assert raised.value.args == (ALICE, 10)
    assert badges.badges_of(ALICE) == [10] and badges.balance_of(ALICE, 10) == 1
    assert badges.balance_of(BOB, 10) == 0


def test_badges__never_transferable():
    with pytest.raises(errors.BadgesNotTransferable) as raised:
        ContributorBadges.transfer(ALICE, BOB)
    assert raised.value.args == (ALICE, BOB)


# -- properties over random histories ------------------------------------------------------------

ACTORS = (ALICE, BOB, CAROL)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 2), st.integers(0, 1), st.sampled_from([0, 0, 0, 1])),
        st.tuples(st.just("refund"), st.integers(0, 10**6), st.booleans(), st.integers(0, 2)),
        st.tuples(st.just("report"), st.integers(0, 10**6), st.integers(0, 2)),
        st.tuples(st.just("wait"), st.sampled_from([0, 1, WAIT - 1, WAIT, 10 * WAIT])),
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(history=steps)
def test_history__points_count_refunds_and_badges_are_levels_reached(history):
    trainer = fresh_trainer()
    now = DEPLOYED
    added, refunded = [], {}
    for step in history:
        now += 1
        kind = step[0]
        if kind == "add":
            _, actor, label, value = step
            try:
                c, change = trainer.add_data(ACTORS[actor], (actor, 8 + label), label, value, now)
            except errors.ValueNotAccepted as err:
                assert value != 0 and err.args == (value,)
                continue
            assert value == 0 and change == 0 and c.deposit == 0
            assert trainer.state.last_update_time == now
            added.append(c)
        elif kind == "refund" and added:
            _, pick, own, actor = step
            c = added[pick % len(added)]
            sender = c.contributor if own else ACTORS[actor]
            try:
                assert trainer.refund(sender, c, now) == 0
            except errors.ContributionSettled:
                assert c.id in refunded
            except errors.ContributionMismatch:
                assert sender != c.contributor and c.id not in refunded
            except errors.ClaimTooEarly as err:
                assert err.args == (c.id, c.added_time + WAIT, now) and c.id not in refunded
            except errors.ModelDisagrees:
                assert c.label == 0 and c.id not in refunded
            else:
                assert sender == c.contributor and c.label == 1 and now >= c.added_time + WAIT
                assert c.id not in refunded
                refunded[c.id] = c.contributor
        elif kind == "report" and added:
            _, pick, actor = step
            c = added[pick % len(added)]
            with pytest.raises((errors.ReportsMoveNothing, errors.ContributionSettled)):
                trainer.report(ACTORS[actor], c, now)
        elif kind == "wait":
            now += step[1]

    mechanism = trainer.mechanism
    assert trainer.balance == 0 and trainer.unclaimed_deposits() == 0
    assert [a.id for a in mechanism.awards] == list(refunded)  # one award per refunded record, in order
    for account in ACTORS:
        points = sum(1 for author in refunded.values() if author == account)
        assert mechanism.good(account) == points
        assert mechanism.badges_of(account) == [level for level in BADGE_LEVELS if level <= points]
    assert trainer.state.total_good_contributions == len(refunded) == sum(map(mechanism.good, ACTORS))
    for c in added:
        assert (trainer.record(c.id) == (0, 0)) == (c.id in refunded)
    badges_minted = [(a.contributor, a.badge) for a in mechanism.awards if a.badge is not None]
    assert len(badges_minted) == len(set(badges_minted))


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, 2_000), refunds=st.integers(0, 60))
def test_badges__levels_held_are_levels_reached_from_any_start(start, refunds):
    """From any number of points (as the test harness sets them), each level between the start
    (exclusive) and the end (inclusive) is minted by the refund that reaches it."""
    points = Points(0)
    points.points[ALICE] = start
    state = TrainerState(0, DEPLOYED, start)
    for id in range(refunds):
        points.authorize_refund(state, claim(id=id, added_time=DEPLOYED), DEPLOYED, lambda: 1)
    assert points.good(ALICE) == start + refunds == state.total_good_contributions
    assert points.badges_of(ALICE) == [level for level in BADGE_LEVELS if start < level <= start + refunds]
