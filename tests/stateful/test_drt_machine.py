"""Stateful fuzzing of a `SparsePerceptronDRT` against its Python mirror (`TrainerMirror`).

Rules: addData, addDataFor (relayed, EIP-712 signed; stale nonces and expired deadlines
included), refund, report, and the passing of time. Every rule runs on the mirror first and then on the chain, at the same block timestamp:
either both succeed with the same result, or the chain reverts with the very custom error
(name and arguments) the mirror raised. Invariants (SPEC.md, "Invariants"):

- the trainer's balance equals the sum of the deposits left in open records;
- nobody claims twice: settled records stay settled, and each reporter's claims are recorded;
- the chain's weights, intercept, counters and good-contribution counts equal the mirror's.

The default run is about 200 rule calls (`helpers.run_machine`); `-m fuzzing` runs at least 10,000
and checks that every branch of the mechanism was reached.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from helpers import SMALL_FEATURES, DrtParams, random_model, reverts_with, run_machine
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from collabml.chain.client import TrainerClient, contribution_from_event
from collabml.encoding import pack_indices
from collabml.errors import ContractRuleError
from collabml.trainer import TrainerMirror

PARAMS = DrtParams(cost_weight=10**9, refund_wait=3_600, owner_claim_wait=5 * 3_600, anyone_claim_wait=10 * 3_600)

feature_sets = st.lists(st.integers(0, SMALL_FEATURES - 1), max_size=10, unique=True).map(sorted)
waits = st.one_of(
    st.sampled_from(
        [0, 1, PARAMS.refund_wait - 1, PARAMS.refund_wait, PARAMS.owner_claim_wait, PARAMS.anyone_claim_wait]
    ),
    st.integers(1, 2 * PARAMS.anyone_claim_wait),
)
aims = st.sampled_from(["any", "agrees", "disagrees"])


@pytest.fixture(scope="module")
def machine_trainer(create_trainer):
    return create_trainer(random_model(SMALL_FEATURES, seed=7), PARAMS)


@pytest.fixture(scope="module")
def drt_machine(machine_trainer, chain, owner, contributor, reporter, attacker, anyone):
    """The state machine class and its outcome counter, bound to the module's trainer (each
    example restores a snapshot)."""
    trainer = machine_trainer
    client = TrainerClient(trainer)
    actors = [contributor, reporter, attacker, anyone, owner]
    model = random_model(SMALL_FEATURES, seed=7)
    outcomes: Counter[str] = Counter()

    class DrtMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.mirror = TrainerMirror.deployed_at(
                model.copy(), PARAMS.mechanism(), owner.address, int(trainer.lastUpdateTime())
            )
            self.now = chain.blocks.head.timestamp
            self.contributions = []
            self.reports: list[tuple] = []

        def teardown(self):
            chain.restore(self.snapshot)

        def _next_time(self) -> int:
            """Pin the next block's timestamp so the mirror computes at the same instant."""
            self.now += 1
            chain.pending_timestamp = self.now
            return self.now

        def _expect(self, mirror_call, chain_call, rule_name: str | None = None):
            """Run on both; the same error, or both succeed (returns the mirror's result and receipt).
            Outcomes are counted under `rule_name` (default: the calling rule's name), so the test
            can check the machine reached the paths that pay."""
            rule_name = rule_name or sys._getframe(1).f_code.co_name
            try:
                expected = mirror_call()
            except ContractRuleError as err:
                outcomes[f"{rule_name}: {err.name}"] += 1
                with reverts_with(trainer, err.name, *err.args):
                    chain_call()
                return None, None
            outcomes[f"{rule_name}: ok"] += 1
            return expected, chain_call()

        @rule(actor=st.integers(0, 3), features=feature_sets, label=st.integers(0, 1), extra=st.sampled_from([-1, 0, 1, 10**15]))
        def add_data(self, actor, features, label, extra):
            account = actors[actor]
            now = self._next_time()
            value = max(0, self.mirror.deposit_required(now) + extra)
            expected, receipt = self._expect(
                lambda: self.mirror.add_data(account.address, features, label, value, now),
                lambda: trainer.addData(pack_indices(features), label, sender=account, value=value),
            )
            if receipt is not None:
                contribution, _change = expected
                event = [e for e in receipt.events if e.event_name == "ContributionAdded"][0]
                assert contribution_from_event(event) == contribution
                self.contributions.append(contribution)

        @rule(
            relayer=st.integers(0, 4),
            author=st.integers(0, 3),
            features=feature_sets,
            label=st.integers(0, 1),
            nonce_shift=st.sampled_from([0, 0, 0, -1, 1]),
            expired=st.booleans(),
        )
        def add_data_for(self, relayer, author, features, label, nonce_shift, expired):
            """A relayed contribution: signed by `author`, sent and paid by `relayer`; sometimes
            with a stale or future nonce (a replay) or after its deadline."""
            contributor = actors[author]
            now = self._next_time()
            deadline = now - 1 if expired else now + 3_600
            nonce = max(0, self.mirror.nonces.get(contributor.address, 0) + nonce_shift)
            _, signature = client.sign_contribution(contributor, features, label, deadline, nonce=nonce)
            value = self.mirror.deposit_required(now)
            expected, receipt = self._expect(
                lambda: self.mirror.add_data_for(
                    contributor.address, features, label, value, now,
                    nonce=nonce, deadline=deadline, signed_by_contributor=True,
                ),
                lambda: trainer.addDataFor(
                    contributor, pack_indices(features), label, nonce, deadline, signature,
                    sender=actors[relayer], value=value,
                ),
            )
            if receipt is not None:
                self.contributions.append(expected[0])

        def _aim(self, pick: int, aim: str):
            """The contribution a claim is about. `any`: one of all the contributions ever added,
            settled or not. `agrees` / `disagrees`: an open one the model now agrees / disagrees
            with, after waiting until it can be claimed (a contributor who comes back later);
            falls back to `any` when there is none."""
            if aim != "any":
                wanted = aim == "agrees"
                open_ones = [
                    c for c in self.contributions
                    if c.id in self.mirror.records and (self.mirror.model.predict(c.features) == c.label) == wanted
                ]
                if open_ones:
                    c = open_ones[pick % len(open_ones)]
                    self.now = max(self.now, c.added_time + PARAMS.refund_wait - 1)
                    return c
            return self.contributions[pick % len(self.contributions)]

        @precondition(lambda self: self.contributions)
        @rule(pick=st.integers(0, 10**6), aim=aims, own=st.booleans(), actor=st.integers(0, 4))
        def refund(self, pick, aim, own, actor):
            c = self._aim(pick, aim)
            account = next(a for a in actors if a.address == c.contributor) if own else actors[actor]
            now = self._next_time()
            expected, receipt = self._expect(
                lambda: self.mirror.refund(account.address, c, now),
                lambda: trainer.refund(c.id, c.packed_features, c.label, c.added_time, c.deposit, sender=account),
            )
            if receipt is not None:
                assert receipt.return_value == expected

        @precondition(lambda self: self.contributions)
        @rule(pick=st.integers(0, 10**6), aim=aims, actor=st.integers(0, 4), good_reporter=st.booleans())
        def report(self, pick, aim, actor, good_reporter):
            """`good_reporter`: sent by an account with good contributions other than the author
            (when there is one), else by `actor`."""
            c = self._aim(pick, aim)
            account = actors[actor]
            if good_reporter:
                good = [a for a in actors if a.address != c.contributor and self.mirror.mechanism.good(a.address)]
                account = good[actor % len(good)] if good else account
            if self._report(c, account, "report"):
                self.reports.append((c, account))

        @precondition(lambda self: self.reports)
        @rule(pick=st.integers(0, 10**6))
        def report_again(self, pick):
            """The same reporter on a record it already took from: `AlreadyClaimed` while the
            record is open, `ContributionSettled` once it is not, and nothing moves."""
            c, account = self.reports[pick % len(self.reports)]
            self._report(c, account, "report_again")

        def _report(self, c, account, rule_name: str) -> bool:
            """`report` on `c` by `account`, on the mirror and the chain; True if it took."""
            now = self._next_time()
            expected, receipt = self._expect(
                lambda: self.mirror.report(account.address, c, now),
                lambda: trainer.report(
                    c.id, c.contributor, c.packed_features, c.label, c.added_time, c.deposit, sender=account
                ),
                rule_name,
            )
            if receipt is not None:
                assert receipt.return_value == expected
            return receipt is not None

        @rule(seconds=waits)
        def wait(self, seconds):
            self.now += seconds

        @invariant()
        def balance_is_sum_of_deposits_left(self):
            assert trainer.balance == self.mirror.balance == self.mirror.unclaimed_deposits()

        @invariant()
        def records_and_claims_match(self):
            for c in self.contributions[-4:]:
                assert tuple(trainer.records(c.id)) == self.mirror.record(c.id)
            for id, account in list(self.mirror.claimed)[-4:]:
                assert trainer.hasClaimed(id, account)

        @invariant()
        def model_matches(self):
            assert list(trainer.modelWords(0, self.mirror.model.word_count)) == self.mirror.model.packed_words()
            assert trainer.intercept() == self.mirror.model.intercept

        @invariant()
        def counters_match(self):
            state = self.mirror.state
            assert trainer.contributionCount() == state.contribution_count
            assert trainer.lastUpdateTime() == state.last_update_time
            assert trainer.totalGoodContributions() == state.total_good_contributions
            for account in actors[:3]:
                assert trainer.goodContributions(account) == self.mirror.mechanism.good(account.address)
                assert trainer.nonces(account) == self.mirror.nonces.get(account.address, 0)

        @invariant()
        def count_step(self):
            outcomes["steps"] += 1

    return DrtMachine, outcomes


REACHED = {"add_data: ok", "add_data_for: ok", "refund: ok", "report: ok", "refund: ModelDisagrees"}
"""Paths every run must reach: contributions (direct and relayed), refunds, reports, a disagreement."""


def test_drt_machine(drt_machine):
    machine, outcomes = drt_machine
    run_machine(machine, outcomes, required=REACHED)
    assert REACHED <= set(outcomes), f"the machine never reached {REACHED - set(outcomes)}: {dict(outcomes)}"


@pytest.mark.fuzzing
def test_drt_machine__fuzzing(drt_machine):
    """At least `FUZZING_STEPS` steps; every branch of the mechanism must be reached."""
    machine, outcomes = drt_machine
    run_machine(machine, outcomes, fuzzing=True)
    reached = REACHED | {
        "add_data: DepositTooLow",
        "add_data_for: InvalidAccountNonce",
        "add_data_for: SignatureExpired",
        "refund: ClaimTooEarly",
        "refund: ContributionSettled",
        "report: ModelAgrees",
        "report_again: AlreadyClaimed",
        "report: ReporterIsContributor",
        "report: ReporterHasNoGoodContributions",
    }
    assert reached <= set(outcomes), f"the machine never reached {reached - set(outcomes)}: {dict(outcomes)}"
