"""collabml.trainer.TrainerMirror: a whole `SparsePerceptronDRT` in Python, off chain.

Known values of the record commitment (computed independently over the `abi.encodePacked`
layout), single-call rules of `DataHandler` and `CollaborativeTrainer`, and a Hypothesis
stateful machine over add_data / refund / report / time passing. The machine predicts every
outcome from its own bookkeeping and checks the money and record invariants after each step.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from eth_abi.packed import encode_packed
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from helpers import DAY, SMALL_FEATURES, DrtParams, random_model
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from collabml import errors
from collabml.encoding import pack_indices
from collabml.incentives.drt import MAX_COST_WEIGHT
from collabml.trainer import Contribution, TrainerMirror, commitment

OWNER, CONTRIBUTOR, REPORTER, ATTACKER, ANYONE = (
    to_checksum_address("0x" + byte * 20) for byte in ("0a", "c1", "4e", "a7", "99")
)
ACTORS = (OWNER, CONTRIBUTOR, REPORTER, ATTACKER, ANYONE)
DEPLOYED = 1_700_000_000
PARAMS = DrtParams(cost_weight=10**9, refund_wait=3_600, owner_claim_wait=5 * 3_600, anyone_claim_wait=10 * 3_600)
DEPOSIT_MASK = (1 << 96) - 1


def expected_commitment(contributor: str, added_time: int, label: int, deposit: int, features: bytes) -> int:
    """`DataHandler._commitment`, from its definition: keccak of address(20) ++ uint64(8) ++ uint8(1)
    ++ uint96(12) ++ features, top 160 bits, lowest bit set, shifted into the high bits."""
    packed = (
        int(contributor, 16).to_bytes(20, "big")
        + added_time.to_bytes(8, "big")
        + label.to_bytes(1, "big")
        + deposit.to_bytes(12, "big")
        + features
    )
    assert len(packed) == 41 + len(features)
    return ((int.from_bytes(keccak(packed), "big") >> 96) | 1) << 96


def fresh_mirror(params: DrtParams = PARAMS, seed: int = 0) -> TrainerMirror:
    return TrainerMirror.deployed_at(random_model(SMALL_FEATURES, seed), params.mechanism(), OWNER, DEPLOYED)


# -- commitment: known values -------------------------------------------------------------------


COMMITMENT_CASES = [
    (CONTRIBUTOR, DEPLOYED, 1, 3_600_000_000_000, (1, 258)),
    (OWNER, 0, 0, 0, ()),
    (ANYONE, 2**64 - 1, 255, 2**96 - 1, (0, 65_535)),
    ("0x" + "00" * 20, 1, 1, 1, tuple(range(100))),
    (to_checksum_address("0x" + "ff" * 20), 12_345, 0, 987_654_321, (7,)),
]


# (Not named `contributor`: that is a conftest fixture.)
@pytest.mark.parametrize(("account", "added_time", "label", "deposit", "features"), COMMITMENT_CASES)
def test_commitment__matches_abi_encode_packed_keccak(account, added_time, label, deposit, features):
    contributor = account
    packed_features = pack_indices(features)
    expected = expected_commitment(contributor, added_time, label, deposit, packed_features)
    # The same layout from eth_abi's own encodePacked.
    layout = encode_packed(
        ["address", "uint64", "uint8", "uint96", "bytes"], [contributor, added_time, label, deposit, packed_features]
    )
    assert expected == ((int.from_bytes(keccak(layout), "big") >> 96) | 1) << 96
    assert commitment(contributor, added_time, label, deposit, packed_features) == expected
    assert commitment(contributor.lower(), added_time, label, deposit, packed_features) == expected
    assert expected & DEPOSIT_MASK == 0
    assert expected >> 96 & 1 == 1
    assert expected < 2**256


def test_commitment__known_literal():
    # keccak256(abi.encodePacked(address(0), uint64(0), uint8(0), uint96(0), "")) is keccak of 41 zero bytes.
    digest = int.from_bytes(keccak(bytes(41)), "big")
    assert commitment("0x" + "00" * 20, 0, 0, 0, b"") == ((digest >> 96) | 1) << 96
    assert keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


@pytest.mark.parametrize(
    "change",
    [
        {"contributor": REPORTER},
        {"added_time": DEPLOYED + 1},
        {"label": 0},
        {"deposit": 3_600_000_000_001},
        {"features": (1, 259)},
        {"features": (1,)},
    ],
)
def test_commitment__any_field_changes_it(change):
    base = {"contributor": CONTRIBUTOR, "added_time": DEPLOYED, "label": 1, "deposit": 3_600_000_000_000}
    changed = {**base, "features": (1, 258), **change}
    features = pack_indices(changed.pop("features"))
    assert commitment(**changed, features=features) != commitment(**base, features=pack_indices((1, 258)))


# -- single calls ---------------------------------------------------------------------------------


def test_add_data__stores_record_and_returns_change():
    mirror = fresh_mirror()
    now = DEPLOYED + 3_600
    required = mirror.deposit_required(now)
    assert required == PARAMS.cost_weight * 60
    c, change = mirror.add_data(CONTRIBUTOR, (1, 2, 3), 1, required + 5, now)
    assert (c.id, c.contributor, c.label, c.added_time, c.deposit) == (0, CONTRIBUTOR, 1, now, required)
    assert c.features == (1, 2, 3)
    assert change == 5
    assert mirror.balance == required
    word_commitment = expected_commitment(CONTRIBUTOR, now, 1, required, pack_indices((1, 2, 3)))
    assert mirror.record(0) == (required, word_commitment >> 96)
    assert mirror.records[0] == expected_commitment(CONTRIBUTOR, now, 1, required, c.packed_features) | required
    assert (mirror.state.contribution_count, mirror.state.last_update_time) == (1, now)
    assert mirror.record(1) == (0, 0)


@pytest.mark.parametrize(
    ("features", "label", "short", "error", "args"),
    [
        ((1, 2), 2, 0, errors.LabelOutOfRange, (2, 2)),
        ((2, 1), 2, 1, errors.LabelOutOfRange, (2, 2)),  # label first
        ((2, 1), 1, 1, errors.DepositTooLow, None),  # then the deposit
        ((2, 1), 1, 0, errors.FeaturesNotSorted, (1, 2, 1)),  # then the features, in _train
        ((1, SMALL_FEATURES), 0, 0, errors.FeatureOutOfRange, (SMALL_FEATURES, SMALL_FEATURES)),
    ],
)
def test_add_data__errors_in_contract_order_change_nothing(features, label, short, error, args):
    mirror = fresh_mirror()
    now = DEPLOYED + 100
    required = mirror.deposit_required(now)
    before = (dataclasses.replace(mirror.state), dict(mirror.records), mirror.balance, mirror.model.weights.tolist())
    with pytest.raises(error) as info:
        mirror.add_data(CONTRIBUTOR, features, label, required - short, now)
    assert info.value.args == (args if args is not None else (required, required - short))
    assert (mirror.state, mirror.records, mirror.balance, mirror.model.weights.tolist()) == before


def test_refund_and_report__unknown_or_settled_ids():
    mirror = fresh_mirror()
    c, _ = mirror.add_data(CONTRIBUTOR, (1,), 1, 10**30, DEPLOYED + 10)
    ghost = dataclasses.replace(c, id=1)
    with pytest.raises(errors.ContributionNotFound) as info:
        mirror.refund(CONTRIBUTOR, ghost, DEPLOYED + DAY)
    assert info.value.args == (1, 1)
    with pytest.raises(errors.ContributionNotFound):
        mirror.report(REPORTER, ghost, DEPLOYED + DAY)
    # Settle it by the anyone-takes-all branch; every later claim finds it settled.
    assert mirror.report(ANYONE, c, c.added_time + PARAMS.anyone_claim_wait) == c.deposit
    later = DEPLOYED + 30 * DAY
    for call in (lambda: mirror.refund(CONTRIBUTOR, c, later), lambda: mirror.report(OWNER, c, later)):
        with pytest.raises(errors.ContributionSettled) as info:
            call()
        assert info.value.args == (0,)


@pytest.mark.parametrize(
    "change",
    [{"label": 0}, {"deposit": 1}, {"added_time": DEPLOYED + 11}, {"features": (2,)}, {"contributor": REPORTER}],
)
def test_refund_and_report__forged_data_mismatches(change):
    mirror = fresh_mirror()
    c, _ = mirror.add_data(CONTRIBUTOR, (1,), 1, 10**30, DEPLOYED + 10)
    forged = dataclasses.replace(c, **change)
    with pytest.raises(errors.ContributionMismatch) as info:
        mirror.report(OWNER, forged, DEPLOYED + 30 * DAY)
    assert info.value.args == (0,)
    if "contributor" not in change:  # refund proves the sender's own data, not the event's contributor
        with pytest.raises(errors.ContributionMismatch):
            mirror.refund(CONTRIBUTOR, forged, DEPLOYED + 30 * DAY)
    with pytest.raises(errors.ContributionMismatch):
        mirror.refund(REPORTER, c, DEPLOYED + 30 * DAY)


def test_add_data__zero_deposit_record_is_open_and_settles_for_nothing():
    mirror = fresh_mirror(DrtParams(cost_weight=1, refund_wait=0, owner_claim_wait=0, anyone_claim_wait=0))
    now = DEPLOYED + 3_601**2
    assert mirror.deposit_required(now) == 0
    c, change = mirror.add_data(CONTRIBUTOR, (3,), 1, 7, now)
    assert (c.deposit, change, mirror.balance) == (0, 7, 0)
    # The lowest commitment bit keeps the record word non-zero: open, with nothing in it.
    assert mirror.records[0] == expected_commitment(CONTRIBUTOR, now, 1, 0, pack_indices((3,))) != 0
    assert mirror.record(0)[0] == 0
    assert mirror.report(REPORTER, c, now) == 0
    with pytest.raises(errors.ContributionSettled):
        mirror.refund(CONTRIBUTOR, c, now)


def test_report__partial_share_then_already_claimed_then_refund_of_the_rest():
    mirror = fresh_mirror()
    # A feature scored above 2 * learning rate: one update toward 0 cannot flip its prediction.
    features = next((i,) for i in range(SMALL_FEATURES) if mirror.model.score((i,)) > 2 * mirror.model.learning_rate)
    # The reporter and one other account each earn a good contribution (a label the model predicts),
    # so the reporter's share of a bad deposit is one half.
    g, _ = mirror.add_data(REPORTER, features, 1, 10**30, DEPLOYED + 1)
    h, _ = mirror.add_data(ANYONE, features, 1, 10**30, DEPLOYED + 2)
    assert mirror.refund(REPORTER, g, g.added_time + PARAMS.refund_wait) == g.deposit
    assert mirror.refund(ANYONE, h, h.added_time + PARAMS.refund_wait) == h.deposit
    assert (mirror.balance, mirror.state.total_good_contributions) == (0, 2)
    # A contribution the model disagrees with, even after training on it.
    now = DEPLOYED + 3 * 3_600
    bad, _ = mirror.add_data(CONTRIBUTOR, features, 0, 10**30, now)
    assert mirror.model.predict(bad.features) == 1
    taken = mirror.report(REPORTER, bad, now + PARAMS.refund_wait)
    assert taken == bad.deposit // 2
    assert mirror.record(bad.id)[0] == bad.deposit - taken
    assert mirror.claimed == {(bad.id, REPORTER)}
    with pytest.raises(errors.AlreadyClaimed) as info:
        mirror.report(REPORTER, bad, now + PARAMS.anyone_claim_wait)
    assert info.value.args == (bad.id, REPORTER)
    assert mirror.report(ANYONE, bad, now + PARAMS.anyone_claim_wait) == bad.deposit - taken
    assert mirror.record(bad.id) == (0, 0)
    assert mirror.balance == 0


# -- the stateful machine -----------------------------------------------------------------------------


# Mostly the first two weight words, so contributions overlap and later ones overturn earlier ones.
feature_sets = st.lists(
    st.one_of(st.integers(0, 15), st.integers(0, SMALL_FEATURES - 1)), max_size=6, unique=True
).map(lambda f: tuple(sorted(f)))
bad_feature_sets = st.lists(st.integers(0, SMALL_FEATURES + 3), min_size=2, max_size=5).map(tuple).filter(
    lambda f: any(b <= a for a, b in zip(f, f[1:])) or max(f) >= SMALL_FEATURES
)


class TrainerMirrorMachine(RuleBasedStateMachine):
    """Runs every call on the mirror and predicts its outcome from independent bookkeeping."""

    contributions = Bundle("contributions")

    @initialize(
        cost_weight=st.sampled_from([1, 10**9, MAX_COST_WEIGHT]),
        seed=st.integers(0, 3),
        validators=st.lists(st.sampled_from(ACTORS), max_size=3),
    )
    def deploy(self, cost_weight, seed, validators):
        self.params = dataclasses.replace(PARAMS, cost_weight=cost_weight)
        self.mirror = fresh_mirror(self.params, seed)
        self.now = DEPLOYED
        self.last_update = DEPLOYED
        self.count = 0
        self.left: dict[int, int] = {}  # open id -> deposit left
        self.initial: dict[int, int] = {}
        self.data: dict[int, Contribution] = {}
        self.settled: set[int] = set()
        self.good: dict[str, int] = {}
        self.claimed: set[tuple[int, str]] = set()
        self.paid: dict[tuple[int, str], int] = {}
        self.deposited = 0
        self.paid_out = 0
        # Bootstrap: each validator adds data the model already predicts and gets it refunded, so
        # some accounts start with good contributions and can report (a long path to find by chance).
        seeded = []
        for i, account in enumerate(validators):
            features = (16 + i,)
            seeded.append(self._add(account, features, self.mirror.model.predict(features), 0))
            self.now += 1
        self.now += self.params.refund_wait
        for c in seeded:
            self.refund(c, True, None)

    # ---- helpers ----
    def _pay(self, id: int, account: str, amount: int) -> None:
        assert (id, account) not in self.paid, f"{account} paid twice from contribution {id}"
        self.paid[(id, account)] = amount
        self.paid_out += amount

    def _settle(self, id: int) -> None:
        del self.left[id]
        self.settled.add(id)

    def _expect_error(self, call, error, *args) -> None:
        with pytest.raises(error) as info:
            call()
        assert type(info.value) is error
        if args:
            assert info.value.args == args

    def _expected_claim_error(self, c: Contribution, contributor: str):
        """`_openClaim`: None if the record is open and the data matches."""
        if c.id >= self.count:
            return errors.ContributionNotFound, (c.id, self.count)
        if c.id in self.settled:
            return errors.ContributionSettled, (c.id,)
        real = self.data[c.id]
        if (contributor, c.added_time, c.label, c.deposit, c.features) != (
            real.contributor,
            real.added_time,
            real.label,
            real.deposit,
            real.features,
        ):
            return errors.ContributionMismatch, (c.id,)
        return None

    # ---- time ----
    @rule(
        seconds=st.one_of(
            st.sampled_from([0, 1, 59, 600, 3_600, 3_600, 3_601**2]),  # 3601^2: deposits of cost weight 1 round to 0
            st.integers(0, PARAMS.refund_wait),
        )
    )
    def pass_time(self, seconds):
        self.now += seconds

    @rule(
        c=contributions,
        wait=st.sampled_from(["refund_wait", "owner_claim_wait", "anyone_claim_wait"]),
        delta=st.integers(-1, 1),
    )
    def pass_time_to_boundary(self, c, wait, delta):
        self.now = max(self.now, c.added_time + getattr(self.params, wait) + delta)

    # ---- add_data ----
    @rule(
        target=contributions,
        sender=st.sampled_from(ACTORS),
        features=st.one_of(feature_sets, feature_sets, feature_sets, feature_sets, bad_feature_sets),
        label=st.sampled_from([0, 1] * 4 + [2]),
        extra=st.sampled_from([-1, 0, 0, 1, 10**15]),
    )
    def add_data(self, sender, features, label, extra):
        return self._add(sender, features, label, extra)

    @rule(target=contributions, c=contributions, sender=st.sampled_from(ACTORS), times=st.integers(1, 3))
    def add_contradictions(self, c, sender, times):
        """`c`'s features with the other label: trains the model away from `c`, so it can be reported."""
        added = [self._add(sender, c.features, 1 - c.label, 0) for _ in range(times)]
        return multiple(*(a for a in added if isinstance(a, Contribution)))

    def _add(self, sender, features, label, extra):
        mirror = self.mirror
        required = self.params.cost_weight * 3_600 // max(1, math.isqrt(self.now - self.last_update))
        assert mirror.deposit_required(self.now) == required
        value = max(0, required + extra)
        call = lambda: mirror.add_data(sender, features, label, value, self.now)  # noqa: E731

        def snapshot():
            return dataclasses.replace(mirror.state), dict(mirror.records), mirror.balance, mirror.model.weights.tolist()

        before = snapshot()
        bad_features = _contract_feature_error(features)
        if label > 1:
            self._expect_error(call, errors.LabelOutOfRange, label, 2)
        elif value < required:
            self._expect_error(call, errors.DepositTooLow, required, value)
        elif bad_features is not None:
            self._expect_error(call, *bad_features)
        else:
            c, change = call()
            assert (c.id, c.contributor, c.label, c.added_time, c.deposit, c.features) == (
                self.count,
                sender,
                label,
                self.now,
                required,
                features,
            )
            assert change == value - required
            self.count += 1
            self.last_update = self.now
            self.left[c.id] = self.initial[c.id] = required
            self.data[c.id] = c
            self.deposited += required
            return c
        assert snapshot() == before, "a reverted call changed the mirror"
        return multiple()

    # ---- refund ----
    @rule(
        c=contributions,
        by_contributor=st.sampled_from([True, True, True, False]),
        forge=st.sampled_from([None] * 6 + ["label", "deposit"]),
    )
    def refund(self, c, by_contributor, forge):
        sender = c.contributor if by_contributor else ACTORS[(ACTORS.index(c.contributor) + 1) % len(ACTORS)]
        if forge == "label":
            c = dataclasses.replace(c, label=1 - c.label)
        elif forge == "deposit":
            c = dataclasses.replace(c, deposit=c.deposit + 1)
        call = lambda: self.mirror.refund(sender, c, self.now)  # noqa: E731
        claim_error = self._expected_claim_error(c, sender)
        claimable_at = c.added_time + self.params.refund_wait
        if claim_error is not None:
            self._expect_error(call, claim_error[0], *claim_error[1])
        elif self.now < claimable_at:
            self._expect_error(call, errors.ClaimTooEarly, c.id, claimable_at, self.now)
        elif (prediction := self.mirror.model.predict(c.features)) != c.label:
            self._expect_error(call, errors.ModelDisagrees, c.id, prediction, c.label)
        else:
            left = self.left[c.id]
            assert call() == left
            self._pay(c.id, sender, left)
            self._settle(c.id)
            self.good[sender] = self.good.get(sender, 0) + 1

    # ---- report ----
    @rule(
        c=contributions,
        reporter=st.sampled_from(ACTORS),
        forge=st.sampled_from([None] * 4 + ["features", "unknown"]),
    )
    def report(self, c, reporter, forge):
        self._report(c, reporter, forge)

    @precondition(lambda self: self.good)
    @rule(c=contributions, data=st.data())
    def report_by_good_reporter(self, c, data):
        """Reporters with good contributions are rare by chance; they take shares of bad deposits."""
        self._report(c, data.draw(st.sampled_from(sorted(self.good)), label="reporter"), None)

    def _bad_data(self) -> list[Contribution]:
        """Open contributions in the good-data window that the model now gets wrong."""
        return [
            c
            for id, c in sorted(self.data.items())
            if id in self.left
            and self.params.refund_wait <= self.now - c.added_time < self.params.owner_claim_wait
            and self.mirror.model.predict(c.features) != c.label
        ]

    @precondition(lambda self: self.good and self._bad_data())
    @rule(data=st.data())
    def report_bad_data(self, data):
        """The share path needs an open, disagreed-with contribution in its window and a validated
        reporter: too rare a meeting to leave to chance."""
        c = data.draw(st.sampled_from(self._bad_data()), label="bad contribution")
        self._report(c, data.draw(st.sampled_from(sorted(self.good)), label="reporter"), None)

    def _report(self, c, reporter, forge):
        if forge == "features":
            c = dataclasses.replace(c, features=tuple(sorted(set(c.features) ^ {0})))
        elif forge == "unknown":
            c = dataclasses.replace(c, id=self.count + c.id % 3)
        call = lambda: self.mirror.report(reporter, c, self.now)  # noqa: E731
        claim_error = self._expected_claim_error(c, c.contributor)
        if claim_error is not None:
            self._expect_error(call, claim_error[0], *claim_error[1])
            return
        if (c.id, reporter) in self.claimed:
            self._expect_error(call, errors.AlreadyClaimed, c.id, reporter)
            return
        left, age = self.left[c.id], self.now - c.added_time
        claimable_at = c.added_time + self.params.refund_wait
        good, total = self.good.get(reporter, 0), sum(self.good.values())
        if age >= self.params.anyone_claim_wait or (age >= self.params.owner_claim_wait and reporter == OWNER):
            amount, settles = left, True
        elif self.now < claimable_at:
            return self._expect_error(call, errors.ClaimTooEarly, c.id, claimable_at, self.now)
        elif reporter == c.contributor:
            return self._expect_error(call, errors.ReporterIsContributor, c.id)
        elif self.mirror.model.predict(c.features) == c.label:
            return self._expect_error(call, errors.ModelAgrees, c.id, c.label)
        elif good == 0:
            return self._expect_error(call, errors.ReporterHasNoGoodContributions, reporter)
        else:
            amount = self.initial[c.id] * good // total
            amount = left if amount == 0 or amount > left else amount
            settles = False
        assert call() == amount
        self._pay(c.id, reporter, amount)
        if settles or left == amount:
            self._settle(c.id)
        else:
            self.left[c.id] = left - amount
            self.claimed.add((c.id, reporter))

    # ---- invariants ----
    @invariant()
    def balance_is_the_deposits_left(self):
        mirror = self.mirror
        assert mirror.balance == sum(self.left.values()) == mirror.unclaimed_deposits()
        assert mirror.balance == sum(mirror.record(id)[0] for id in range(self.count))

    @invariant()
    def no_funds_lost_or_created(self):
        assert self.paid_out + self.mirror.balance == self.deposited

    @invariant()
    def records_match_their_data(self):
        assert set(self.mirror.records) == set(self.left)
        for id, word in self.mirror.records.items():
            c = self.data[id]
            assert word & DEPOSIT_MASK == self.left[id] <= self.initial[id]
            assert word & ~DEPOSIT_MASK == expected_commitment(
                c.contributor, c.added_time, c.label, c.deposit, pack_indices(c.features)
            )

    @invariant()
    def settled_records_stay_settled(self):
        for id in self.settled:
            c = self.data[id]
            assert self.mirror.record(id) == (0, 0)
            self._expect_error(lambda: self.mirror.refund(c.contributor, c, self.now), errors.ContributionSettled, id)
            self._expect_error(lambda: self.mirror.report(OWNER, c, self.now), errors.ContributionSettled, id)

    @invariant()
    def counters_and_claims_match(self):
        state = self.mirror.state
        assert state.contribution_count == self.count
        assert state.last_update_time == self.last_update
        assert state.total_good_contributions == sum(self.good.values())
        assert {a: n for a, n in self.mirror.mechanism.good_contributions.items() if n} == self.good
        assert self.mirror.claimed == self.claimed
        assert all(id not in self.settled or (id, a) in self.paid for id, a in self.claimed)


def _contract_feature_error(features):
    """`SparsePerceptron._score`'s checks, transcribed."""
    nxt = 0
    for offset, index in enumerate(features):
        if index < nxt:
            return errors.FeaturesNotSorted, offset, nxt - 1, index
        if index >= SMALL_FEATURES:
            return errors.FeatureOutOfRange, index, SMALL_FEATURES
        nxt = index + 1
    return None


def test_trainer_mirror__stateful_invariants():
    run_state_machine_as_test(
        TrainerMirrorMachine, settings=settings(max_examples=200, stateful_step_count=50, deadline=None)
    )


def test_contribution__packed_features_are_the_models_encoding():
    """A claim must repeat the features exactly as sent: for a counts model (Naive Bayes) that is
    its ``(index, count)`` pairs, not the binary indices' encoding."""
    from collabml.encoding import pack_counts
    from collabml.models.naive_bayes import NaiveBayes

    mirror = TrainerMirror.deployed_at(NaiveBayes.zeros(SMALL_FEATURES), PARAMS.mechanism(), OWNER, DEPLOYED)
    now = DEPLOYED + 3_600
    pairs = ((2, 3), (7, 1))
    c, _ = mirror.add_data(CONTRIBUTOR, pairs, 1, mirror.deposit_required(now), now)
    assert c.packed_features == pack_counts(pairs) != pack_indices((2, 7))
    assert mirror.records[0] == expected_commitment(CONTRIBUTOR, now, 1, c.deposit, pack_counts(pairs)) | c.deposit
    assert mirror.refund(CONTRIBUTOR, dataclasses.replace(c, packed=None), now + PARAMS.refund_wait) == c.deposit
