"""Deploy and drive a ``PredictionMarket`` (SPEC.md §12).

The sponsor's side (:func:`split_test_set`, :func:`deploy_market`, :meth:`MarketClient.open`,
``draw``, ``reveal_drawn``, ``reveal_rest``; :func:`launch_market` does them all on a local chain),
the contributors' (``contribute``, ``withdraw``) and anyone's (``advance``, ``run_to_end``,
``settle_unrevealed``; ``sync`` rebuilds what ``advance`` needs from the logs). :func:`mirror_of`
builds the Python mirror of a market just launched. :func:`measure_market_gas` returns gas figures
for the spec and the benchmark script (it prints nothing, asserts nothing), and
:class:`ReplayCostModel` turns them into the number of transactions a market's replay takes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from collabml.chain.deploy import DEFAULT_CHUNK_WORDS, load_model
from collabml.encoding import pack_indices
from collabml.fixedpoint import ONE
from collabml.incentives.prediction_market import (
    MarketConfig,
    Phase,
    TestExample,
    contribution_preimage,
    pack_piece,
    piece_commitment,
    unpack_piece,
)
from collabml.models.perceptron import SparsePerceptron32

ZERO_ADDRESS = "0x" + "00" * 20
BLOCK_GAS_LIMIT = 30_000_000


@dataclass(frozen=True)
class CommittedTestSet:
    """A test set cut into pieces, with the salts the sponsor keeps secret until each reveal."""

    pieces: tuple[bytes, ...]
    salts: tuple[bytes, ...]

    @property
    def commitments(self) -> tuple[bytes, ...]:
        return tuple(piece_commitment(s, p) for s, p in zip(self.salts, self.pieces))

    def scored(self, drawn: int) -> tuple[list[bytes], list[bytes]]:
        """(salts, pieces) of every piece but the drawn one, in index order (what ``revealPieces`` takes)."""
        keep = [i for i in range(len(self.pieces)) if i != drawn]
        return [self.salts[i] for i in keep], [self.pieces[i] for i in keep]


def split_test_set(
    examples: Sequence[TestExample], piece_count: int, *, rng: np.random.Generator | None = None
) -> CommittedTestSet:
    """Cut ``examples`` (``(features, label)`` pairs) into ``piece_count`` consecutive pieces of
    near-equal size, each with a fresh 32-byte salt (``os.urandom`` unless ``rng`` is given)."""
    if piece_count < 2:
        raise ValueError("a market needs at least 2 pieces: one revealed at once, the rest scored")
    bounds = [len(examples) * i // piece_count for i in range(piece_count + 1)]
    pieces = tuple(pack_piece(examples[bounds[i] : bounds[i + 1]]) for i in range(piece_count))
    salts = tuple((rng.bytes(32) if rng is not None else os.urandom(32)) for _ in range(piece_count))
    return CommittedTestSet(pieces, salts)


def constructor_args(model: SparsePerceptron32, config: MarketConfig) -> tuple:
    """``PredictionMarket``'s constructor arguments for the initial ``model`` and ``config``."""
    return (
        config.sponsor,
        config.token or ZERO_ADDRESS,
        config.unit,
        model.feature_count,
        model.learning_rate,
        model.intercept,
        config.test_example_limit,
        config.min_stake,
        config.participation_length,
        config.reveal_window,
    )


def deploy_market(
    project,
    sponsor,
    model: SparsePerceptron32,
    config: MarketConfig,
    *,
    load: bool = True,
    chunk_words: int = DEFAULT_CHUNK_WORDS,
):
    """Deploy a ``PredictionMarket`` from ``sponsor`` and (unless ``load=False``) load ``model``'s
    words in chunks (resumable: :func:`collabml.chain.deploy.load_model`). Returns the contract."""
    contract = sponsor.deploy(project.PredictionMarket, *constructor_args(model, config))
    if load:
        load_model(contract, sponsor, model, chunk_words=chunk_words)
    return contract


def cyclic_preimages(preimages: Sequence[bytes], cursor: int, steps: int) -> list[bytes]:
    """The preimages ``advance`` takes for ``steps`` steps from ``cursor``: ids in order, wrapping
    after the last one (passes and sweeps follow each other)."""
    if not preimages:
        return []
    return [preimages[(cursor + j) % len(preimages)] for j in range(steps)]


@dataclass
class MarketClient:
    """Thin wrapper over a deployed ``PredictionMarket`` (an Ape contract instance). It remembers the
    preimages of the contributions it sent or read from the logs (:meth:`sync`), and the scored
    pieces once revealed, which is all ``advance`` needs."""

    contract: object
    preimages: list[bytes] = field(default_factory=list)
    scored_pieces: list[bytes] = field(default_factory=list)

    # ---- reads ----
    def state(self) -> tuple:
        """``marketState()`` as a plain tuple (field order of ``IPredictionMarket.MarketState``)."""
        raw = self.contract.marketState()
        values = list(raw.values()) if hasattr(raw, "values") else list(raw)
        values[0] = Phase(int(values[0]))
        values[-1] = bytes(values[-1])
        return tuple(int(v) if not isinstance(v, (bytes, Phase)) else v for v in values)

    @property
    def phase(self) -> Phase:
        return self.state()[0]

    def sync(self) -> None:
        """Rebuild the preimages and scored pieces from the logs (for a client that did not send them)."""
        added = sorted(
            self.contract.ContributionAdded.query("*").itertuples(), key=lambda e: int(e.event_arguments["id"])
        )
        self.preimages = [
            contribution_preimage(
                e.event_arguments["contributor"],
                int(e.event_arguments["label"]),
                int(e.event_arguments["stake"]),
                bytes(e.event_arguments["features"]),
            )
            for e in added
        ]
        drawn = self.state()[10]
        revealed = {
            int(e.event_arguments["index"]): bytes(e.event_arguments["piece"])
            for e in self.contract.PieceRevealed.query("*").itertuples()
        }
        self.scored_pieces = [revealed[i] for i in sorted(revealed) if i != drawn]

    # ---- the sponsor ----
    def open(self, sponsor, rounds: int, commitments: Sequence[bytes]):
        """``open(rounds, commitments)`` paying the bounty (ether; for a token market approve it first)."""
        bounty = rounds * int(self.contract.testExampleLimit()) * int(self.contract.unit())
        value = bounty if self.contract.token() == ZERO_ADDRESS else 0
        return self.contract.open(rounds, [bytes(c) for c in commitments], sender=sponsor, value=value)

    def draw(self, account):
        return self.contract.drawPiece(sender=account)

    def reveal_drawn(self, sponsor, test_set: CommittedTestSet):
        index = int(self.contract.marketState().drawnPiece)
        return self.contract.revealDrawnPiece(test_set.salts[index], test_set.pieces[index], sender=sponsor)

    def reveal_rest(self, sponsor, test_set: CommittedTestSet, per_call: int | None = None) -> list:
        """``revealPieces`` for every scored piece, ``per_call`` at a time (all at once by default)."""
        drawn = int(self.contract.marketState().drawnPiece)
        salts, pieces = test_set.scored(drawn)
        per_call = per_call or len(pieces)
        receipts = [
            self.contract.revealPieces(salts[i : i + per_call], pieces[i : i + per_call], sender=sponsor)
            for i in range(0, len(pieces), per_call)
        ]
        self.scored_pieces = list(pieces)
        return receipts

    # ---- contributors ----
    def contribute(self, account, features: Sequence[int], label: int, stake: int):
        """``contribute`` with ``stake`` units (ether sent for an ether market). Returns (id, receipt)."""
        packed = pack_indices(features)
        value = stake * int(self.contract.unit()) if self.contract.token() == ZERO_ADDRESS else 0
        receipt = self.contract.contribute(packed, label, stake, sender=account, value=value)
        event = next(e for e in receipt.events if e.event_name == "ContributionAdded")
        self.preimages.append(contribution_preimage(account.address, label, stake, packed))
        return int(event.id), receipt

    def withdraw(self, account):
        return self.contract.withdraw(sender=account)

    # ---- anyone ----
    def settle_unrevealed(self, account):
        return self.contract.settleUnrevealed(sender=account)

    def advance(self, account, max_steps: int, **tx):
        """One ``advance`` call of at most ``max_steps`` steps, with the data it needs."""
        state = self.state()
        phase, cursor = state[0], state[3]
        pieces = self.scored_pieces if phase == Phase.REPLAYING else []
        return self.contract.advance(
            max_steps, pieces, cyclic_preimages(self.preimages, cursor, max_steps), sender=account, **tx
        )

    def run_to_end(self, account, steps_per_call: int = 50, max_calls: int = 10_000) -> list:
        """``advance`` until the market has finished; returns the receipts."""
        receipts = []
        while self.phase in (Phase.REPLAYING, Phase.PAYING_OUT, Phase.REFUNDING):
            if len(receipts) >= max_calls:
                raise RuntimeError(f"the market did not finish within {max_calls} advance calls")
            receipts.append(self.advance(account, steps_per_call))
        return receipts


def launch_market(
    project, sponsor, drawer, model: SparsePerceptron32, config: MarketConfig, test_set: CommittedTestSet, rounds: int
) -> MarketClient:
    """Deploy, load, open with ``rounds`` rounds, draw (from ``drawer``, two blocks later) and reveal
    the drawn piece: returns the client of a market open for contributions. Local chains only
    (it mines the blocks the draw waits for)."""
    from ape import chain

    contract = deploy_market(project, sponsor, model, config)
    client = MarketClient(contract)
    client.open(sponsor, rounds, config.piece_commitments)
    chain.mine(1)
    client.draw(drawer)
    client.reveal_drawn(sponsor, test_set)
    return client


def mirror_of(client: MarketClient, model: SparsePerceptron32, config: MarketConfig, test_set: CommittedTestSet):
    """The mirror (:class:`collabml.incentives.prediction_market.PredictionMarket`) of a market that
    :func:`launch_market` has just opened: replays open, draw and the first reveal with the chain's
    times, blocks and the draw block's hash, and checks it agrees with ``marketState()``."""
    from ape import chain

    from collabml.incentives.prediction_market import PredictionMarket

    state = client.contract.marketState()
    open_block = int(state.openBlock)
    mirror = PredictionMarket.create(
        config, model.feature_count, model.learning_rate, model.intercept, model.weights, loaded=True
    )
    rounds = int(client.contract.marketState().roundsLeft)
    mirror.open(
        config.sponsor, rounds, 0 if config.token else rounds * mirror.bounty_per_round, int(state.openTime), open_block
    )
    draw_hash = bytes(chain.provider.get_block(open_block + 1).hash)
    drawn = mirror.draw_piece(open_block + 2, draw_hash)
    revealed_at = int(state.participationEnd) - config.participation_length
    mirror.reveal_drawn_piece(test_set.salts[drawn], test_set.pieces[drawn], revealed_at)
    if mirror.state.as_tuple() != client.state():
        raise AssertionError(f"the mirror does not match the chain: {mirror.state} != {client.state()}")
    return mirror


# ---- gas ----------------------------------------------------------------------------------


def random_examples(
    rng: np.random.Generator, count: int, feature_count: int, present: int
) -> list[tuple[tuple[int, ...], int]]:
    """``count`` examples of ``present`` distinct random features and a random label."""
    out = []
    for _ in range(count):
        features = tuple(sorted(int(i) for i in rng.choice(feature_count, size=present, replace=False)))
        out.append((features, int(rng.integers(0, 2))))
    return out


def measure_market_gas(
    project,
    accounts,
    *,
    feature_count: int = 1_000,
    test_examples: int = 100,
    test_features_present: int = 20,
    contribution_features_present: int = 20,
    contribution_feature_range: int = 64,
    batch: tuple[int, int] = (2, 6),
    piece_count: int = 4,
    seed: int = 0,
) -> dict:
    """Run one ether market on the connected local chain (restored afterwards) and return gas.

    The initial model is random. The first ``2 * batch[1]`` contributions change the model when
    replayed (their label is the opposite of the replayed model's prediction), the next ``2 *
    batch[1]`` agree with it. Two ``advance`` calls of ``batch[0]`` and ``batch[1]`` steps, both
    from the same state (a snapshot), over each kind give the marginal gas of a step,
    ``per_update`` and ``per_agree``, and the fixed gas of a call, ``call_base_update`` and
    ``call_base_agree`` (what a call costs beyond its steps: the test set's calldata and hash, the
    state, the first, cold reads of the model words, the write-back of the words changed and, for
    updates, the in-memory index of the test set). The same for the payout sweep: ``per_payout``
    and ``call_base_payout``. The contributions' features are drawn from the first
    ``contribution_feature_range`` features, so that the marginal figures are those of a warm cache
    (a long call reads each model word cold once, whatever its contributions). Also: deploy, load,
    open, draw, reveal_drawn, reveal_rest, contribute (median), withdraw, and the shape:
    ``scored_examples``, ``scored_entries`` (their feature entries) and ``touched`` (the scored
    entries of the features of one contribution: what an update moves). Needs two accounts and a
    chain whose time can be set."""
    from ape import chain

    rng = np.random.default_rng(seed)
    sponsor, contributor = accounts[0], accounts[1]
    weights = rng.integers(-3 * ONE, 3 * ONE + 1, size=feature_count, dtype=np.int64)
    model = SparsePerceptron32(weights, intercept=0, learning_rate=ONE)
    test = random_examples(rng, test_examples, feature_count, test_features_present)
    test_set = split_test_set(test, piece_count, rng=rng)
    config = MarketConfig(
        sponsor=sponsor.address,
        piece_commitments=test_set.commitments,
        test_example_limit=test_examples,
        min_stake=test_examples,
        participation_length=3_600,
        reveal_window=3_600,
        unit=10**9,
    )
    small, large = batch

    def marginal(kind: str) -> None:
        # Both calls start from the same state (a snapshot), so their difference is the steps'.
        start = chain.snapshot()
        gas_small = client.advance(contributor, small).gas_used
        chain.restore(start)  # a restored snapshot is used up: take it again
        start = chain.snapshot()
        gas_large = client.advance(contributor, large).gas_used
        chain.restore(start)
        per_step = (gas_large - gas_small) / (large - small)
        figures[f"per_{kind}"] = round(per_step)
        figures[f"call_base_{kind}"] = round(gas_small - small * per_step)

    snapshot = chain.snapshot()
    try:
        contract = sponsor.deploy(project.PredictionMarket, *constructor_args(model, config))
        figures: dict = {"deploy": contract.creation_metadata.receipt.gas_used}
        figures["load"] = sum(load_model(contract, sponsor, model))
        client = MarketClient(contract)
        figures["open"] = client.open(sponsor, 10, config.piece_commitments).gas_used
        chain.mine(1)
        figures["draw"] = client.draw(contributor).gas_used
        figures["reveal_drawn"] = client.reveal_drawn(sponsor, test_set).gas_used
        replay = model.copy()
        contribute_gas = []
        for i in range(4 * large):
            features = tuple(
                sorted(
                    int(f) for f in rng.choice(contribution_feature_range, contribution_features_present, replace=False)
                )
            )
            prediction = replay.predict(features)
            label = 1 - prediction if i < 2 * large else prediction
            replay.update(features, label)
            _, receipt = client.contribute(contributor, features, label, stake=10 * test_examples)
            contribute_gas.append(receipt.gas_used)
        figures["contribute"] = int(np.median(contribute_gas))
        chain.pending_timestamp = int(contract.marketState().participationEnd)
        figures["reveal_rest"] = sum(r.gas_used for r in client.reveal_rest(sponsor, test_set))
        drawn = int(contract.marketState().drawnPiece)
        for kind in ("update", "agree"):
            marginal(kind)
            client.advance(contributor, 2 * large)  # on to the contributions of the other kind
        while client.phase == Phase.REPLAYING:
            client.advance(contributor, 4 * large)
        marginal("payout")
        client.run_to_end(contributor, steps_per_call=4 * large)
        payee = max((sponsor, contributor), key=lambda a: int(contract.payout(a)[0]))
        figures["withdraw"] = client.withdraw(payee).gas_used
    finally:
        chain.restore(snapshot)
    scored = [example for i, piece in enumerate(test_set.pieces) if i != drawn for example in unpack_piece(piece)]
    entries = sum(len(features) for features, _ in scored)
    figures.update(
        feature_count=feature_count,
        test_examples=test_examples,
        test_features_present=test_features_present,
        contribution_features_present=contribution_features_present,
        scored_examples=len(scored),
        scored_entries=entries,
        model_words=(feature_count + 7) // 8,
        contribution_words=(contribution_feature_range + 7) // 8,
        touched=contribution_features_present * entries / feature_count,
    )
    return figures


@dataclass(frozen=True)
class ReplayCostModel:
    """The gas of the replay, linear in the market's shape (SPEC.md §12, "Gas").

    - a call that replays and changes the model: ``call_fixed + per_entry_call * entries`` (the
      test set's calldata and hash, its in-memory index and scores; ``entries`` = scored feature
      entries), plus ``per_word_read * words`` for the model words it reads cold and
      ``per_word_write * words`` (or ``per_word_first_write`` in the first pass) for those it changes;
    - each contribution visited: ``per_visit``; each one that changes the model, also
      ``per_update_extra + per_example * scored + per_touched * touched`` (re-count the examples
      right; move the scores of the examples with its features);
    - the payout sweep: ``call_fixed_payout + per_payout`` a contribution.

    The defaults are measured on Anvil (1,000 features, 20 present per example and contribution);
    :meth:`fit` derives them from :func:`measure_market_gas` figures."""

    call_fixed: float = 384_202
    per_entry_call: float = 612
    per_word_read: float = 2_400
    per_word_write: float = 5_500
    per_word_first_write: float = 25_000
    per_visit: float = 8_495
    per_update_extra: float = 14_769
    per_example: float = 88
    per_touched: float = 226
    call_fixed_payout: float = 62_084
    per_payout: float = 23_666
    """Measured 6,566 when the contributors repeat; each new payee adds a new storage slot (+17,100)."""
    block_gas: int = BLOCK_GAS_LIMIT

    @classmethod
    def fit(cls, runs: Sequence[dict], **fixed) -> ReplayCostModel:
        """Least-squares fit of the linear terms to several :func:`measure_market_gas` results
        (different test set shapes); the per-word terms keep their defaults unless given."""
        a = np.array([[1, r["scored_examples"], r["touched"]] for r in runs], dtype=float)
        update = np.array([r["per_update"] - r["per_agree"] for r in runs], dtype=float)
        extra, per_example, per_touched = np.linalg.lstsq(a, update, rcond=None)[0]
        b = np.array([[1, r["scored_entries"]] for r in runs], dtype=float)
        defaults = cls(**fixed)
        # A measured call also read every model word cold and wrote the contributions' words.
        words = np.array(
            [
                r["model_words"] * defaults.per_word_read + r["contribution_words"] * defaults.per_word_first_write
                for r in runs
            ]
        )
        base = np.array([r["call_base_update"] for r in runs], dtype=float) - words
        call_fixed, per_entry_call = np.linalg.lstsq(b, base, rcond=None)[0]
        return cls(
            call_fixed=float(call_fixed),
            per_entry_call=float(per_entry_call),
            per_visit=float(np.mean([r["per_agree"] for r in runs])),
            per_update_extra=float(extra),
            per_example=float(per_example),
            per_touched=float(per_touched),
            call_fixed_payout=float(np.mean([r["call_base_payout"] for r in runs])),
            per_payout=float(np.mean([r["per_payout"] for r in runs])) + 17_100,
            **fixed,
        )

    def call_overhead(self, entries: int, words: int, first_pass: bool = True) -> float:
        """The fixed gas of a replay call that reads and changes `words` model words."""
        write = self.per_word_first_write if first_pass else self.per_word_write
        return self.call_fixed + self.per_entry_call * entries + (self.per_word_read + write) * words

    def update_gas(self, scored: int, touched: float) -> float:
        """The gas of replaying one contribution that changes the model."""
        return self.per_visit + self.per_update_extra + self.per_example * scored + self.per_touched * touched

    def transactions(
        self,
        *,
        scored: int,
        features_present: int,
        feature_count: int,
        contributions: int,
        update_share: float = 0.5,
        passes: int = 1,
        contribution_features: int = 20,
    ) -> int:
        """How many transactions of ``block_gas`` the replay (``passes`` passes over every
        contribution, the first one writing fresh scratch slots) and the payout take, each call
        as long as it can be and paying a replay call's overhead (an upper bound); 0 if not even
        one update fits a call."""
        entries = scored * features_present
        words = (feature_count + 7) // 8
        touched = contribution_features * entries / feature_count
        average = self.per_visit + update_share * (self.update_gas(scored, touched) - self.per_visit)
        total = 0
        for p in range(passes):
            room = self.block_gas - self.call_overhead(entries, words, first_pass=p == 0)
            if room < self.update_gas(scored, touched):
                return 0
            total += math.ceil(contributions * average / room)
        room = self.block_gas - self.call_fixed_payout
        return total + math.ceil(contributions * self.per_payout / room)

    def largest_test_set(self, transactions: int, contributions: int, **shape) -> int:
        """The most scored examples a market of ``contributions`` contributions can have for its
        replay and payout to fit ``transactions`` transactions (``shape``: as :meth:`transactions`)."""
        low, high = 0, 1 << 20
        while low < high:
            middle = (low + high + 1) // 2
            needed = self.transactions(scored=middle, contributions=contributions, **shape)
            if 0 < needed <= transactions:
                low = middle
            else:
                high = middle - 1
        return low
