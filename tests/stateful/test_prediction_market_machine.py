"""Stateful fuzzing of a `PredictionMarket` (ether and ERC-20) against its Python mirror.

Rules: open, mine blocks, draw, reveal the drawn piece (right or wrong), contribute (stakes and
values at and beyond their bounds, bad features), wait, reveal the other pieces (in chunks, right
or wrong), settle an unrevealed market or a stalled replay, advance (with the right data, a missing
preimage, a wrong preimage or the wrong test set), withdraw. Every rule runs on the mirror first and then on the
chain at the same timestamp and block: either both succeed with the same events, or the chain
reverts with exactly the custom error (name and arguments) the mirror raised. Invariants:

- the market's balance (ether or token) equals the sum of what it still owes (`held()`);
- nobody is paid twice: each account withdraws at most once, exactly what the mirror owes it;
- the chain's state, records, payouts and model words equal the mirror's.

The default run is about 200 rule calls (`helpers.run_machine`); `-m fuzzing` runs at least 10,000.
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest
from helpers import random_market_model, reverts_with, run_machine
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from collabml.chain.market import (
    MarketClient,
    cyclic_preimages,
    deploy_market,
    random_examples,
    split_test_set,
)
from collabml.encoding import pack_indices
from collabml.errors import ContractRuleError
from collabml.incentives.prediction_market import (
    MAX_STAKE,
    MarketConfig,
    Phase,
    PredictionMarket,
    contribution_preimage,
)

FEATURES = 12
LIMIT = 8
PIECES = 3
MIN_STAKE = 2
UNIT = 10**9
LENGTH = 600
WINDOW = 900
FUNDS = 10**30

feature_sets = st.lists(st.integers(0, FEATURES - 1), max_size=4, unique=True).map(sorted)
waits = st.sampled_from([1, 10, 60, 300])


@pytest.fixture(scope="module")
def parts(owner):
    rng = np.random.default_rng(17)
    model = random_market_model(FEATURES, seed=23, scale=2)
    test_set = split_test_set(random_examples(rng, LIMIT, FEATURES, 3), PIECES, rng=rng)
    config = MarketConfig(owner.address, test_set.commitments, LIMIT, MIN_STAKE, LENGTH, WINDOW, unit=UNIT)
    return model, config, test_set


@pytest.fixture(scope="module")
def token(project, owner, contributor, reporter, attacker, anyone):
    token = owner.deploy(project.MockToken)
    for account in (owner, contributor, reporter, attacker, anyone):
        token.mint(account, FUNDS, sender=account)
    return token


@pytest.fixture(scope="module")
def markets(project, owner, parts, token, contributor, reporter, attacker, anyone):
    """A loaded, unopened market per asset: ether and the mock token (allowances given)."""
    model, config, _ = parts
    ether = deploy_market(project, owner, model, config)
    token_config = MarketConfig(**{**config.__dict__, "token": token.address})
    tokens = deploy_market(project, owner, model, token_config)
    for account in (owner, contributor, reporter, attacker, anyone):
        token.approve(tokens, 2**256 - 1, sender=account)
    return {"ether": (ether, config), "token": (tokens, token_config)}


def run_market_machine(markets, parts, token, chain, actors, owner, *, fuzzing: bool, required: set[str]):
    model, _, test_set = parts
    outcomes: Counter[str] = Counter()

    class MarketMachine(RuleBasedStateMachine):
        @initialize(
            asset=st.sampled_from(["ether", "token"]),
            start=st.sampled_from(["loading", "open", "replay", "replay", "replay"]),
            contributions=st.lists(
                st.tuples(st.integers(0, 3), feature_sets, st.integers(0, 1), st.integers(MIN_STAKE, 9)), max_size=7
            ),
        )
        def start(self, asset, start, contributions):
            """A fresh market of `asset`, taken (in lockstep with the mirror) to the start of
            participation with `contributions` made, or on to the replay, or left unopened."""
            outcomes["examples"] += 1
            self.snapshot = chain.snapshot()
            self.contract, self.config = markets[asset]
            self.asset = asset
            self.client = MarketClient(self.contract)
            self.mirror = PredictionMarket.create(
                self.config, model.feature_count, model.learning_rate, model.intercept, model.weights, loaded=True
            )
            self.now = chain.blocks.head.timestamp
            self.withdrawals: Counter[str] = Counter()
            self.changed = True
            if start == "loading":
                return
            self.open(rounds=3, sponsor=True, value_delta=0)
            self.mine_blocks(1)
            self.draw(actor=4)
            self.reveal_drawn(right=True, timing="now")
            for actor, features, label, stake in contributions:
                self.contribute(actor, features, label, stake, value_delta=0, unsorted=False, timing="now")
            if start == "replay":
                self.reveal_rest(chunk=PIECES, right=True, timing="end")

        def teardown(self):
            chain.restore(self.snapshot)

        # ---- plumbing ----
        def _next(self, at: int | None = None) -> tuple[int, int]:
            """Pin the next block's timestamp (to `at` if that is still ahead); returns the timestamp
            and block number of the next transaction."""
            self.now = max(self.now, chain.blocks.head.timestamp) + 1
            if at is not None:
                self.now = max(self.now, at)
            chain.pending_timestamp = self.now
            return self.now, chain.blocks.height + 1

        def _boundary(self, timing: str) -> int | None:
            """A time at or next to the current phase's deadlines, to test them to the second."""
            s = self.mirror.state
            deadline = {
                Phase.OPEN: s.reveal_deadline,
                Phase.REPLAYING: s.last_progress + WINDOW,
            }.get(s.phase, s.open_time + WINDOW)
            return {
                "now": None,
                "end - 1": s.participation_end - 1,
                "end": s.participation_end,
                "deadline - 1": deadline - 1,
                "deadline": deadline,
            }[timing]

        def _expect(self, mirror_call, chain_call):
            """Run on both: the same error, or both succeed (returns the mirror's result and receipt)."""
            name = sys._getframe(1).f_code.co_name
            try:
                expected = mirror_call()
            except ContractRuleError as err:
                outcomes[f"{name}: {err.name}"] += 1
                with reverts_with(self.contract, err.name, *err.args):
                    chain_call()
                return None, None
            outcomes[f"{name}: ok"] += 1
            self.changed = True
            return expected, chain_call()

        def _value(self, amount: int) -> int:
            return amount if self.asset == "ether" else 0

        def _balance(self) -> int:
            return self.contract.balance if self.asset == "ether" else token.balanceOf(self.contract)

        # ---- the sponsor ----
        @precondition(lambda self: self.mirror.state.phase == Phase.LOADING)
        @rule(
            rounds=st.sampled_from([0, 1, 3, 7]),
            sponsor=st.sampled_from([True, True, True, False]),
            value_delta=st.sampled_from([0, 0, 0, 1]),
        )
        def open(self, rounds, sponsor, value_delta):
            sender = owner if sponsor else actors[0]
            value = self._value(rounds * LIMIT * UNIT) + value_delta
            now, block = self._next()
            self._expect(
                lambda: self.mirror.open(sender.address, rounds, value, now, block),
                lambda: self.contract.open(rounds, list(self.config.piece_commitments), sender=sender, value=value),
            )

        @precondition(lambda self: self.mirror.state.phase == Phase.COMMITTED)
        @rule(blocks=st.sampled_from([1, 1, 2, 260]))
        def mine_blocks(self, blocks):
            outcomes["mine_blocks"] += 1
            chain.pending_timestamp = self.now + 1  # else Anvil's clock, which a restored snapshot does not rewind
            chain.mine(blocks)
            self.now = chain.blocks.head.timestamp
            self.changed = True

        @precondition(lambda self: self.mirror.state.phase == Phase.COMMITTED)
        @rule(actor=st.integers(0, 4))
        def draw(self, actor):
            _, block = self._next()
            anchor = self.mirror.state.open_block + 1
            draw_hash = bytes(chain.provider.get_block(anchor).hash) if chain.blocks.height >= anchor else bytes(32)
            self._expect(
                lambda: self.mirror.draw_piece(block, draw_hash), lambda: self.contract.drawPiece(sender=actors[actor])
            )

        @precondition(lambda self: self.mirror.state.phase == Phase.COMMITTED)
        @rule(
            right=st.sampled_from([True, True, True, False]),
            timing=st.sampled_from(["now"] * 4 + ["deadline - 1", "deadline"]),
        )
        def reveal_drawn(self, right, timing):
            index = self.mirror.state.drawn_piece % PIECES
            salt = test_set.salts[index] if right else bytes(32)
            now, _ = self._next(self._boundary(timing))
            self._expect(
                lambda: self.mirror.reveal_drawn_piece(salt, test_set.pieces[index], now),
                lambda: self.contract.revealDrawnPiece(salt, test_set.pieces[index], sender=owner),
            )

        @precondition(lambda self: self.mirror.state.phase == Phase.OPEN)
        @rule(
            chunk=st.integers(1, PIECES),
            right=st.sampled_from([True, True, True, False]),
            timing=st.sampled_from(["now", "now", "end - 1", "end", "end", "deadline - 1", "deadline"]),
        )
        def reveal_rest(self, chunk, right, timing):
            s = self.mirror.state
            salts, pieces = test_set.scored(s.drawn_piece)
            done = len(self.mirror.scored_pieces)
            salts, pieces = list(salts[done : done + chunk]), list(pieces[done : done + chunk])
            if not right and salts:
                salts[-1] = bytes(32)
            now, _ = self._next(self._boundary(timing))
            self._expect(
                lambda: self.mirror.reveal_pieces(salts, pieces, now),
                lambda: self.contract.revealPieces(salts, pieces, sender=owner),
            )

        @precondition(lambda self: self.mirror.state.phase in (Phase.COMMITTED, Phase.OPEN, Phase.REPLAYING))
        @rule(actor=st.integers(0, 4), timing=st.sampled_from(["now", "deadline - 1", "deadline"]))
        def settle_unrevealed(self, actor, timing):
            now, _ = self._next(self._boundary(timing))
            self._expect(
                lambda: self.mirror.settle_unrevealed(now), lambda: self.contract.settleUnrevealed(sender=actors[actor])
            )

        # ---- contributors ----
        @precondition(lambda self: self.mirror.state.phase == Phase.OPEN)
        @rule(
            actor=st.integers(0, 3),
            features=feature_sets,
            label=st.sampled_from([0, 1, 1, 0, 2]),
            stake=st.sampled_from([MIN_STAKE - 1, MIN_STAKE, MIN_STAKE + 1, 5, 9, MAX_STAKE + 1]),
            value_delta=st.sampled_from([0, 0, 0, 0, -1, 1]),
            unsorted=st.sampled_from([False] * 9 + [True]),
            timing=st.sampled_from(["now"] * 8 + ["end - 1", "end"]),
        )
        def contribute(self, actor, features, label, stake, value_delta, unsorted, timing):
            account = actors[actor]
            packed = pack_indices(features)
            if unsorted and len(features) > 1:
                packed = packed[2:4] + packed[0:2] + packed[4:]
            value = max(0, self._value(stake * UNIT) + value_delta) if stake <= MAX_STAKE else 0
            now, _ = self._next(self._boundary(timing))
            expected, receipt = self._expect(
                lambda: self.mirror.contribute(account.address, packed, label, stake, value, now),
                lambda: self.contract.contribute(packed, label, stake, sender=account, value=value),
            )
            if receipt is not None:
                assert receipt.return_value == expected
                self.client.preimages.append(contribution_preimage(account.address, label, stake, packed))

        @precondition(lambda self: self.mirror.state.phase in (Phase.COMMITTED, Phase.OPEN, Phase.REPLAYING))
        @rule(seconds=waits)
        def wait(self, seconds):
            outcomes["wait"] += 1
            self.now += seconds

        # ---- anyone ----
        @precondition(lambda self: self.mirror.state.phase in (Phase.REPLAYING, Phase.PAYING_OUT, Phase.REFUNDING))
        @rule(
            actor=st.integers(0, 4),
            steps=st.integers(1, 8),
            fault=st.sampled_from(["none"] * 6 + ["missing", "preimage", "pieces"]),
        )
        def advance(self, actor, steps, fault):
            s = self.mirror.state
            pieces = list(self.mirror.scored_pieces) if s.phase == Phase.REPLAYING else []
            preimages = cyclic_preimages(self.client.preimages, s.cursor, steps)
            if fault == "missing":
                preimages = preimages[:-1]
            elif fault == "preimage":
                preimages[-1] = contribution_preimage(owner.address, 1, MIN_STAKE, b"")
            elif fault == "pieces" and pieces:
                pieces = pieces[::-1] if len(pieces) > 1 else []
            now, _ = self._next()
            expected, receipt = self._expect(
                lambda: self.mirror.advance(steps, pieces, preimages, now),
                lambda: self.contract.advance(steps, pieces, preimages, sender=actors[actor]),
            )
            if receipt is not None:
                events = receipt.events
                assert [(e.id, e.balance) for e in events if e.event_name == "ContributionDropped"] == expected.dropped
                assert [
                    (e.passNumber, e.correct, e.rounds, e.roundsLeft) for e in events if e.event_name == "PassCompleted"
                ] == expected.passes
                assert [
                    (e.id, e.contributor.lower(), e.amount) for e in events if e.event_name == "ContributionSettled"
                ] == [(i, a.lower(), amount) for i, a, amount in expected.settled]
                assert receipt.return_value == expected.steps

        @precondition(lambda self: self.mirror.state.phase == Phase.FINISHED)
        @rule(actor=st.integers(0, 4))
        def withdraw(self, actor):
            account = actors[actor]
            before = self._balance()
            self._next()
            expected, receipt = self._expect(
                lambda: self.mirror.withdraw(account.address), lambda: self.contract.withdraw(sender=account)
            )
            if receipt is not None:
                assert receipt.return_value == expected
                assert before - self._balance() == expected
                self.withdrawals[account.address] += 1

        # ---- invariants ----
        # A step whose transactions all reverted (as asserted) changed nothing: the checks run after
        # every step that changed the chain.
        @invariant()
        def count_step(self):
            outcomes["steps"] += 1

        @precondition(lambda self: self.changed)
        @invariant()
        def balance_is_what_is_owed(self):
            assert self._balance() == self.mirror.held()

        @precondition(lambda self: self.changed)
        @invariant()
        def nobody_is_paid_twice(self):
            for account in actors:
                amount, withdrawn = self.contract.payout(account)
                assert (amount, withdrawn) == (
                    self.mirror.payout(account.address).amount,
                    self.mirror.payout(account.address).withdrawn,
                )
                assert self.withdrawals[account.address] == (1 if withdrawn else 0)

        @precondition(lambda self: self.changed)
        @invariant()
        def state_matches(self):
            assert self.client.state() == self.mirror.state.as_tuple()

        @precondition(lambda self: self.changed)
        @invariant()
        def records_and_model_match(self):
            for id in range(len(self.mirror.records))[-5:]:
                assert tuple(self.contract.contribution(id)) == self.mirror.record(id).as_tuple()
            assert list(self.contract.marketModelWords(0, 2)) == self.mirror.model.packed_words()
            self.changed = False

    # Short examples: a finished market leaves only `withdraw` to call, so long ones mostly repeat it.
    run_machine(MarketMachine, outcomes, fuzzing=fuzzing, steps_per_example=25, required=required)
    assert required <= set(outcomes), f"the machine never reached {required - set(outcomes)}: {dict(outcomes)}"
    return outcomes


@pytest.fixture
def actors(owner, contributor, reporter, attacker, anyone):
    return [contributor, reporter, attacker, anyone, owner]


def test_prediction_market_machine(markets, parts, token, chain, actors, owner):
    run_market_machine(
        markets,
        parts,
        token,
        chain,
        actors,
        owner,
        fuzzing=False,
        required={"contribute: ok", "advance: ok", "reveal_rest: ok"},
    )


@pytest.mark.fuzzing
def test_prediction_market_machine__fuzzing(markets, parts, token, chain, actors, owner):
    run_market_machine(
        markets,
        parts,
        token,
        chain,
        actors,
        owner,
        fuzzing=True,
        required={
            "open: ok",
            "draw: ok",
            "reveal_drawn: ok",
            "contribute: ok",
            "reveal_rest: ok",
            "advance: ok",
            "withdraw: ok",
            "settle_unrevealed: ok",
            "contribute: StakeTooLow",
            "reveal_rest: PieceMismatch",
            "advance: ContributionDataMissing",
            "advance: TestSetMismatch",
            "withdraw: AlreadyWithdrawn",
        },
    )
