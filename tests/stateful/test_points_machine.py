"""Stateful fuzzing of a `SparsePerceptronPoints` against its Python mirror (`TrainerMirror` with
`collabml.incentives.points.Points`).

Every rule runs on the mirror first and then on the chain, at the same block timestamp: either
both succeed with the same result and the same events (`PointAwarded`, the badge's
`TransferSingle`, `DepositRefunded`), or the chain reverts with the very custom error the mirror
raised. Invariants (SPEC "Points"):

- the trainer holds no ether, ever (and neither does the mirror);
- every account's points, and the total, equal the mirror's;
- every account's badges (`balanceOf` of each level, `badgesOf`) equal the mirror's;
- no record earns twice: one `PointAwarded` per refunded record, and refunded records stay settled;
- the model and counters equal the mirror's.

The default run is about 200 rule calls (`helpers.run_machine`); `-m fuzzing` runs at least 10,000.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import pytest
from helpers import SMALL_FEATURES, random_model, reverts_with, run_machine
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from collabml.chain.client import contribution_from_event
from collabml.chain.deploy_points import deploy_points_trainer
from collabml.encoding import pack_indices
from collabml.errors import ContractRuleError
from collabml.incentives.points import BADGE_LEVELS, Points
from collabml.trainer import TrainerMirror

REFUND_WAIT = 4
"""Seconds: every call moves the clock by one, so refunds fall both before and after the wait."""
MODEL_SEED = 7
ZERO_ADDRESS = "0x" + "00" * 20

feature_sets = st.lists(st.integers(0, SMALL_FEATURES - 1), max_size=10, unique=True).map(sorted)
picks = st.one_of(st.just(-1), st.integers(0, 10**6))
"""A contribution by position: often the latest (-1), so claims also come before the wait."""
waits = st.one_of(st.sampled_from([0, 1, REFUND_WAIT - 1, REFUND_WAIT]), st.integers(1, 1_000_000))


@pytest.fixture(scope="module")
def machine_trainer(project, owner):
    model = random_model(SMALL_FEATURES, seed=MODEL_SEED)
    return deploy_points_trainer(project, owner, model, Points(REFUND_WAIT)).contract


@pytest.fixture(scope="module")
def machine_badges(project, machine_trainer):
    return project.ContributorBadges.at(machine_trainer.badges())


@pytest.fixture(scope="module")
def points_machine(machine_trainer, machine_badges, chain, owner, contributor, reporter, attacker):
    """The state machine class, bound to the module's trainer (each example restores a snapshot)."""
    trainer, badges = machine_trainer, machine_badges
    actors = [contributor, reporter, attacker, owner]
    model = random_model(SMALL_FEATURES, seed=MODEL_SEED)

    class PointsMachine(RuleBasedStateMachine):
        outcomes: ClassVar[Counter[str]] = Counter()
        """Outcomes of the rules over the whole run, so the test can check the paths it reached."""

        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.mirror = TrainerMirror.deployed_at(
                model.copy(), Points(REFUND_WAIT), owner.address, int(trainer.lastUpdateTime())
            )
            self.now = chain.blocks.head.timestamp
            self.contributions = []
            self.chain_awards: list[int] = []

        def teardown(self):
            try:
                if hasattr(self, "mirror"):
                    for account in actors:
                        self._check_views(account)
                    for c in self.contributions:
                        assert tuple(trainer.records(c.id)) == self.mirror.record(c.id)
            finally:
                chain.restore(self.snapshot)

        def _next_time(self) -> int:
            """Pin the next block's timestamp so the mirror computes at the same instant."""
            self.now += 1
            chain.pending_timestamp = self.now
            return self.now

        def _expect(self, name, mirror_call, chain_call):
            """Run on both; the same error, or both succeed (returns the mirror's result and receipt)."""
            try:
                expected = mirror_call()
            except ContractRuleError as err:
                self.outcomes[f"{name}: {err.name}"] += 1
                with reverts_with(trainer, err.name, *err.args):
                    chain_call()
                return None, None
            self.outcomes[f"{name}: ok"] += 1
            return expected, chain_call()

        @rule(
            actor=st.sampled_from([0, 0, 0, 1, 2]),
            features=feature_sets,
            label=st.sampled_from(["model", "model", 0, 1]),
            value=st.sampled_from([0, 0, 0, 0, 1, 10**15]),
        )
        def add_data(self, actor, features, label, value):
            """Mostly one author, mostly honest (the label the model predicts, so it earns a point)."""
            account = actors[actor]
            if label == "model":
                label = self.mirror.model.predict(features)
            now = self._next_time()
            expected, receipt = self._expect(
                "add_data",
                lambda: self.mirror.add_data(account.address, features, label, value, now),
                lambda: trainer.addData(pack_indices(features), label, sender=account, value=value),
            )
            if receipt is not None:
                contribution, change = expected
                assert change == 0
                added = next(e for e in receipt.events if e.event_name == "ContributionAdded")
                assert contribution_from_event(added) == contribution
                self.contributions.append(contribution)

        @precondition(lambda self: self.contributions)
        @rule(pick=picks, own=st.sampled_from([True, True, True, False]), actor=st.integers(0, 3))
        def refund(self, pick, own, actor):
            c = self.contributions[pick % len(self.contributions)]
            account = next(a for a in actors if a.address == c.contributor) if own else actors[actor]
            now = self._next_time()
            expected, receipt = self._expect(
                "refund",
                lambda: self.mirror.refund(account.address, c, now),
                lambda: trainer.refund(c.id, c.packed_features, c.label, c.added_time, c.deposit, sender=account),
            )
            if receipt is None:
                return
            assert receipt.return_value == expected == 0
            award = self.mirror.mechanism.awards[-1]
            assert (award.id, award.contributor) == (c.id, account.address)
            events = [trainer.PointAwarded(id=c.id, contributor=account, points=award.points)]
            if award.badge is not None:
                self.outcomes[f"badge {award.badge} minted"] += 1
                events.append(
                    badges.TransferSingle(operator=trainer, **{"from": ZERO_ADDRESS}, to=account, id=award.badge, value=1)
                )
            events.append(trainer.DepositRefunded(id=c.id, contributor=account, amount=0))
            assert receipt.events == events
            self.chain_awards.append(c.id)
            self._check_views(account)

        @precondition(lambda self: self.contributions)
        @rule(pick=picks, actor=st.integers(0, 3))
        def report(self, pick, actor):
            c = self.contributions[pick % len(self.contributions)]
            account = actors[actor]
            now = self._next_time()
            self._expect(
                "report",
                lambda: self.mirror.report(account.address, c, now),
                lambda: trainer.report(
                    c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=account
                ),
            )

        @rule(seconds=waits)
        def wait(self, seconds):
            self.now += seconds

        @invariant()
        def holds_no_ether(self):
            assert trainer.balance == self.mirror.balance == 0

        @invariant()
        def points_match(self):
            mechanism = self.mirror.mechanism
            assert trainer.totalGoodContributions() == self.mirror.state.total_good_contributions
            for account in actors[:3]:
                assert trainer.goodContributions(account) == mechanism.good(account.address)

        @invariant()
        def badges_match(self):
            """Every level of every contributor, in one call (`badgesOf` is compared after each
            refund and at the end of each run)."""
            balances = self.mirror.mechanism.badges
            owners = [a for a in actors[:3] for _ in BADGE_LEVELS]
            levels = list(BADGE_LEVELS) * 3
            assert badges.balanceOfBatch(owners, levels) == [
                balances.balance_of(a.address, level) for a, level in zip(owners, levels)
            ]

        @invariant()
        def no_record_earns_twice(self):
            awarded = [a.id for a in self.mirror.mechanism.awards]
            assert self.chain_awards == awarded and len(set(awarded)) == len(awarded)
            for id in awarded[-2:]:
                assert tuple(trainer.records(id)) == (0, 0) == self.mirror.record(id)

        @invariant()
        def model_and_counters_match(self):
            assert list(trainer.modelWords(0, self.mirror.model.word_count)) == self.mirror.model.packed_words()
            assert trainer.intercept() == self.mirror.model.intercept
            assert trainer.contributionCount() == self.mirror.state.contribution_count
            assert trainer.lastUpdateTime() == self.mirror.state.last_update_time
            for c in self.contributions[-2:]:
                assert tuple(trainer.records(c.id)) == self.mirror.record(c.id)

        @invariant()
        def count_step(self):
            self.outcomes["steps"] += 1

        def _check_views(self, account):
            mechanism = self.mirror.mechanism
            assert trainer.pointsOf(account) == mechanism.points_of(account.address)
            assert list(trainer.badgesOf(account)) == mechanism.badges_of(account.address)

    return PointsMachine


REACHED = {
    "add_data: ok",
    "add_data: ValueNotAccepted",
    "refund: ok",
    "refund: ClaimTooEarly",
    "report: ReportsMoveNothing",
    "badge 1 minted",
}
"""Paths every run must reach: free and refused contributions, points, early claims, reports, a badge."""


def test_points_machine(points_machine):
    points_machine.outcomes.clear()
    run_machine(points_machine, points_machine.outcomes, required=REACHED)
    outcomes = points_machine.outcomes
    assert REACHED <= set(outcomes), f"the machine never reached {REACHED - set(outcomes)}: {dict(outcomes)}"


@pytest.mark.fuzzing
def test_points_machine__fuzzing(points_machine):
    """At least `FUZZING_STEPS` steps. (Higher badge levels need ten refunds by one author in one
    example, which a run of this length rarely makes: `test_badge_levels.py` covers them.)"""
    points_machine.outcomes.clear()
    run_machine(points_machine, points_machine.outcomes, fuzzing=True)
    outcomes = points_machine.outcomes
    reached = REACHED | {"refund: ModelDisagrees", "refund: ContributionSettled", "report: ContributionSettled"}
    assert reached <= set(outcomes), f"never reached: {dict(outcomes)}"
