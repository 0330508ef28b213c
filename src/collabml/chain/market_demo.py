"""The prediction-market demonstration (`ape run market`, and the last scene of `ape run deploy`).

A sponsor wants a better IMDB sentiment model. It trains a weak Perceptron on a few reviews,
commits a secret test set of held-out reviews in pieces, pays a bounty and opens a
`PredictionMarket`. Honest contributors stake on reviews with their true labels; an adversary
stakes on reviews the model already gets right, with flipped labels (each forces a harmful update). After participation the sponsor reveals the test set, anyone
advances the replay in bounded batches, and everyone withdraws what the market owes them. The same
market runs in the Python mirror, which must end with the same payouts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Perceptron

from collabml.chain.market import BLOCK_GAS_LIMIT, launch_market, mirror_of, split_test_set
from collabml.data import load_imdb
from collabml.encoding import TextEncoder
from collabml.incentives.prediction_market import MAX_CONTRIBUTION_FEATURES, MarketConfig, Phase
from collabml.models.perceptron import SparsePerceptron32

DAY = 86_400


@dataclass(frozen=True)
class MarketDemoSettings:
    initial_train_size: int = 200
    """Reviews the sponsor's initial model is trained on (few: there must be room to improve)."""
    max_features: int = 1000
    test_examples: int = 160
    pieces: int = 4
    max_test_words: int = 60
    """Test reviews are drawn among those with at most this many vocabulary words: the replay
    indexes every scored (review, word) entry in each call (SPEC.md §12.11), so short reviews keep
    the demonstration's calls small."""
    max_contribution_words: int = 100
    honest: int = 3
    contributions_each: int = 8
    rounds: int = 20
    unit: int = 10**13
    """Wei per unit of stake and reward (0.00001 ETH)."""
    stake: int = 160
    """Units staked per contribution; at least the test set's size, so any score can be paid."""
    participation_length: int = DAY
    reveal_window: int = DAY
    steps_per_call: int = 32
    data_dir: str | None = None
    seed: int = 0


def _eth(wei: int) -> str:
    return f"{wei / 10**18:.6f} ETH"


class MarketDemo:
    """Runs the market scene with a sponsor, honest contributors and an adversary (Ape accounts)."""

    def __init__(self, project, chain, sponsor, honest: list, adversary, settings: MarketDemoSettings, echo=print):
        self.project, self.chain = project, chain
        self.sponsor, self.honest, self.adversary = sponsor, list(honest), adversary
        self.s = settings
        self.echo = echo
        self.gas: dict[str, int] = {}
        self.ledger: dict[str, tuple[int, int]] = {}
        """Wei each party paid into the market and withdrew from it, by name ("sponsor" included)."""

    def _data(self):
        s = self.s
        train = load_imdb("train", s.data_dir)
        test = load_imdb("test", s.data_dir)
        encoder = TextEncoder.fit(train.texts, max_features=s.max_features)
        rng = np.random.default_rng(s.seed)
        order = rng.permutation(len(train))
        train_rows = encoder.encode_many(train.texts)
        test_rows = encoder.encode_many(test.texts)
        initial = order[: s.initial_train_size]
        clf = Perceptron(eta0=1.0, random_state=0)
        clf.fit(encoder.to_matrix([train_rows[i] for i in initial]), train.labels[initial])
        model = SparsePerceptron32.from_sklearn(clf)
        most = min(s.max_contribution_words, MAX_CONTRIBUTION_FEATURES)
        pool = [i for i in order[s.initial_train_size :] if 0 < len(train_rows[i]) <= most]
        short = [i for i in range(len(test)) if 0 < len(test_rows[i]) <= s.max_test_words]
        picks = rng.choice(short, size=s.test_examples, replace=False)
        examples = [(test_rows[i], int(test.labels[i])) for i in picks]
        return model, examples, [(train_rows[i], int(train.labels[i])) for i in pool]

    def run(self) -> dict[str, int]:
        s, echo, chain = self.s, self.echo, self.chain
        model, examples, pool = self._data()
        test_set = split_test_set(examples, s.pieces, rng=np.random.default_rng(s.seed + 1))
        config = MarketConfig(
            self.sponsor.address,
            test_set.commitments,
            s.test_examples,
            s.stake,
            s.participation_length,
            s.reveal_window,
            unit=s.unit,
        )
        client = launch_market(self.project, self.sponsor, self.honest[0], model, config, test_set, s.rounds)
        market = client.contract
        mirror = mirror_of(client, model, config, test_set)
        bounty = int(market.marketState().sponsorPot)
        drawn = int(market.marketState().drawnPiece)
        echo(
            f"PredictionMarket at {market.address}: sponsor {self.sponsor.address} commits {s.pieces} pieces of "
            f"{s.test_examples} held-out reviews and pays a bounty of {_eth(bounty)} ({s.rounds} rounds)"
        )
        echo(
            f"  piece {drawn} drawn from the block hash after `open` and revealed at once "
            f"(proves the test set exists; not scored); initial model: Perceptron on {s.initial_train_size} reviews"
        )

        people = [(f"honest {k + 1}", account, False) for k, account in enumerate(self.honest)]
        people.append(("adversary", self.adversary, True))
        start = {account.address: account.balance for _, account, _ in people}
        start[self.sponsor.address] = self.sponsor.balance
        owners: dict[int, str] = {}
        examples_left = iter(pool)
        for _ in range(s.contributions_each):
            for name, account, flips in people:
                features, label = next(examples_left)
                while flips and model.predict(features) != label:
                    features, label = next(examples_left)
                if flips:
                    label = 1 - label
                now = self._tick()
                mirror.contribute(account.address, features, label, s.stake, s.stake * s.unit, now)
                id, receipt = client.contribute(account, features, label, s.stake)
                owners[id] = name
                self.gas.setdefault("contribute", receipt.gas_used)
        echo(
            f"  {len(owners)} contributions staking {_eth(s.stake * s.unit)} each: "
            f"{len(self.honest)} honest contributors, and an adversary who flips the labels of reviews the model gets right"
        )

        end = max(int(market.marketState().participationEnd), chain.blocks.head.timestamp + 1)
        chain.pending_timestamp = end
        salts, pieces = test_set.scored(drawn)
        mirror.reveal_pieces(salts, pieces, end)
        receipts = client.reveal_rest(self.sponsor, test_set)
        self.gas["revealPieces"] = sum(r.gas_used for r in receipts)
        state = market.marketState()
        echo(
            f"  participation over; the sponsor reveals the other pieces: {int(state.scoredExamples)} scored reviews, "
            f"the initial model gets {int(state.correctInitial)} right"
        )

        calls = []
        while client.phase in (Phase.REPLAYING, Phase.PAYING_OUT):
            now = self._tick()
            mirror.advance(
                s.steps_per_call, client.scored_pieces if client.phase == Phase.REPLAYING else [],
                self._preimages(client, s.steps_per_call), now,
            )
            # An explicit limit skips gas estimation, which Anvil does by re-running the call a
            # couple of dozen times (each fully traced): minutes for a replay call on a busy machine.
            calls.append(client.advance(self.honest[-1], s.steps_per_call, gas=BLOCK_GAS_LIMIT))
        self.gas["advance (largest call)"] = max(r.gas_used for r in calls)
        self.gas["advance (all calls)"] = sum(r.gas_used for r in calls)
        passes = [e for r in calls for e in r.events if e.event_name == "PassCompleted"]
        dropped = [e for r in calls for e in r.events if e.event_name == "ContributionDropped"]
        settled = [e for r in calls for e in r.events if e.event_name == "ContributionSettled"]
        echo(
            f"  the replay ran in {len(calls)} advance calls of at most {s.steps_per_call} steps: {len(passes)} pass(es), "
            f"{len(dropped)} contribution(s) dropped when their stake ran out"
        )
        for p in passes:
            echo(
                f"    pass {int(p.passNumber)}: {int(p.correct)} of {int(state.scoredExamples)} right after the replay, "
                f"{int(p.rounds)} round(s) paid, {int(p.roundsLeft)} left"
            )
        by_person: dict[str, int] = {}
        for e in settled:
            by_person[owners[int(e.id)]] = by_person.get(owners[int(e.id)], 0) + int(e.amount)
        by_person["sponsor"] = int(market.payout(self.sponsor).amount)

        withdrawn: dict[str, int] = {}
        for name, account in [(n, a) for n, a, _ in people] + [("sponsor", self.sponsor)]:
            if not int(market.payout(account).amount):
                continue
            self._tick()
            expected = mirror.withdraw(account.address)
            receipt = client.withdraw(account)
            self.gas["withdraw"] = receipt.gas_used
            withdrawn[name] = next(int(e.amount) for e in receipt.events if e.event_name == "Withdrawn")
            if withdrawn[name] != expected or withdrawn[name] != by_person[name]:
                raise RuntimeError(f"{name} withdrew {withdrawn[name]} wei; credited {by_person[name]}, mirror {expected}")
        staked = s.stake * s.unit * s.contributions_each
        for name, _, _ in people:
            paid = withdrawn.get(name, 0)
            self.ledger[name] = (staked, paid)
            echo(
                f"  {name:<10} staked {_eth(staked)}, withdrew {_eth(paid)} ({'+' if paid >= staked else ''}"
                f"{_eth(paid - staked)})"
            )
        self.ledger["sponsor"] = (bounty, withdrawn.get("sponsor", 0))
        echo(f"  sponsor    paid {_eth(bounty)}, withdrew {_eth(withdrawn.get('sponsor', 0))} (what the rounds left)")
        if market.balance != 0 or mirror.held() != 0:
            raise RuntimeError(f"the market still holds {market.balance} wei after every withdrawal")
        if mirror.state.as_tuple() != client.state():
            raise RuntimeError("the Python mirror of the market disagrees with the chain")
        echo("  the market holds nothing; the Python mirror ended in the same state with the same payouts")
        return self.gas

    def _tick(self) -> int:
        """Pin the next block's timestamp one second after the last block; the mirror computes at it."""
        now = self.chain.blocks.head.timestamp + 1
        self.chain.pending_timestamp = now
        return now

    @staticmethod
    def _preimages(client, steps: int) -> list[bytes]:
        from collabml.chain.market import cyclic_preimages

        return cyclic_preimages(client.preimages, client.state()[3], steps)
