"""Mirror of ``contracts/incentives/PredictionMarket.sol`` (SPEC.md §12).

A pure state machine: every external function of the contract is a method here, taking the
block's ``now`` (and block number where the contract reads it), checking exactly what the contract
checks in the same order and raising the same errors (``collabml.errors``), and changing the same
state with the same integer arithmetic. Like a transaction, a call that raises changes nothing.
``PredictionMarket.state`` equals the contract's ``marketState()``, ``record(id)`` its
``contribution(id)``, ``payout(a)`` its ``payout(a)``, ``model.packed_words()`` its
``marketModelWords``, and ``held()`` its balance (ether or token). How the contract computes the
replay (stamped scratch words, an in-memory inverted index of the test set) is its own business:
the mirror replays with :class:`~collabml.models.perceptron.SparsePerceptron32` and counts the test
examples it gets right, which must give the same integers.

Formats (shared with the contract):

- a test piece is packed bytes, each example ``uint8 label | uint16 n | n * uint16 index``
  (big-endian, indices strictly increasing): :func:`pack_piece` / :func:`unpack_piece`;
- a piece's commitment is ``keccak256(salt ++ piece)`` (:func:`piece_commitment`);
- a contribution's preimage is ``contributor (20 bytes) ++ uint8 label ++ uint64 stake ++ features``
  (:func:`contribution_preimage`); its record keeps ``keccak256(preimage) >> 97`` (:func:`record_commitment`).
"""

from __future__ import annotations

import copy
import functools
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from enum import IntEnum

import numpy as np
from eth_hash.auto import keccak

from collabml import errors
from collabml.encoding import pack_indices
from collabml.models.perceptron import SparsePerceptron32, validate_features

MAX_PIECE_COUNT = 1024
"""Most test pieces a market commits to."""
MAX_TEST_EXAMPLE_LIMIT = 1 << 20
"""Largest declared test set size: keeps every score within ``int32`` (|score| <= examples)."""
MAX_UNIT = 2**96 - 1
"""Largest unit, in base units: a balance (< 2^64 units) times the unit stays below 2^160."""
MAX_STAKE = 2**62
"""Largest stake, in units."""
MAX_ROUND_UNITS = 2**62
"""``rounds * testExampleLimit`` is at most this: what the rounds can add to one balance."""
MAX_DURATION = 2**32 - 1
"""Longest participation length or reveal window, in seconds (about 136 years)."""
MAX_CONTRIBUTIONS = 2**32 - 1
"""Most contributions a market takes (ids fit 32 bits)."""
MAX_CONTRIBUTION_FEATURES = 512
"""Most features a contribution may have: bounds what one replay step reads and writes."""
PREIMAGE_HEADER = 29
"""Bytes of a preimage before its features: contributor (20), label (1), stake (8)."""
DRAW_WINDOW = 256
"""Blocks for which ``blockhash`` of the draw block stays available."""
NO_NEGATIVE = 2**64 - 1
"""``minRounds`` while no score of the pass is negative."""
RECORD_SHIFT = 97
"""A record keeps the top 159 bits of ``keccak256(preimage)``: ``digest >> 97``."""
CLASS_COUNT = 2


class Phase(IntEnum):
    """``IPredictionMarket.Phase``, in declaration order."""

    LOADING = 0
    COMMITTED = 1
    OPEN = 2
    REPLAYING = 3
    PAYING_OUT = 4
    REFUNDING = 5
    FINISHED = 6


# ---- formats -------------------------------------------------------------------------------


TestExample = tuple[tuple[int, ...], int]
"""A test example: its sorted feature indices and its label."""


def pack_piece(examples: Iterable[tuple[Sequence[int], int]]) -> bytes:
    """A test piece as the contract reads it: per example ``uint8 label | uint16 n | n * uint16``."""
    out = bytearray()
    for features, label in examples:
        if label not in (0, 1):
            raise ValueError(f"labels are 0 or 1, got {label!r}")
        packed = pack_indices(features)
        if len(packed) // 2 > 0xFFFF:
            raise ValueError("a test example has at most 65,535 features")
        out += struct.pack(">BH", label, len(packed) // 2) + packed
    return bytes(out)


def parse_piece(piece: bytes, index: int, feature_count: int) -> list[TestExample]:
    """The examples of a packed piece, checked as the contract checks a revealed piece; raises
    ``TestPieceMalformed(index, offset)`` at the first fault, with the contract's offset."""
    examples: list[TestExample] = []
    offset, end = 0, len(piece)
    while offset < end:
        header = offset
        if offset + 3 > end or piece[offset] > 1:
            raise errors.TestPieceMalformed(index, header)
        label = piece[offset]
        n = int.from_bytes(piece[offset + 1 : offset + 3], "big")
        offset += 3
        if offset + 2 * n > end:
            raise errors.TestPieceMalformed(index, header)
        features = []
        previous = -1
        for _ in range(n):
            value = int.from_bytes(piece[offset : offset + 2], "big")
            if value <= previous or value >= feature_count:
                raise errors.TestPieceMalformed(index, offset)
            features.append(value)
            previous = value
            offset += 2
        examples.append((tuple(features), label))
    return examples


def unpack_piece(piece: bytes, feature_count: int = 1 << 16) -> list[TestExample]:
    """Inverse of :func:`pack_piece`."""
    return parse_piece(piece, 0, feature_count)


def piece_commitment(salt: bytes, piece: bytes) -> bytes:
    """``keccak256(abi.encodePacked(bytes32 salt, bytes piece))``."""
    if len(salt) != 32:
        raise ValueError("a salt is 32 bytes")
    return keccak(bytes(salt) + bytes(piece))


def scored_set_hash(pieces: Iterable[bytes]) -> bytes:
    """The hash chain of scored pieces, in index order: ``h = keccak256(abi.encode(h, keccak256(piece)))``."""
    h = bytes(32)
    for piece in pieces:
        h = keccak(h + keccak(bytes(piece)))
    return h


def _address_bytes(address: str) -> bytes:
    raw = bytes.fromhex(address[2:] if address[:2] in ("0x", "0X") else address)
    if len(raw) != 20:
        raise ValueError(f"{address!r} is not a 20-byte address")
    return raw


def contribution_preimage(contributor: str, label: int, stake: int, features: bytes | Sequence[int]) -> bytes:
    """``abi.encodePacked(address contributor, uint8 label, uint64 stake, bytes features)``."""
    packed = bytes(features) if isinstance(features, (bytes, bytearray)) else pack_indices(features)
    return _address_bytes(contributor) + bytes([label]) + stake.to_bytes(8, "big") + packed


def record_commitment(preimage: bytes) -> int:
    """What a record keeps of its preimage: the top 159 bits of its keccak256."""
    return int.from_bytes(keccak(bytes(preimage)), "big") >> RECORD_SHIFT


def _key(address: str) -> str:
    return address.lower()


_SHARED = frozenset({"config", "initial", "_matrix", "_labels"})
"""Attributes an atomic call need not copy: never changed in place, only replaced."""


def _atomic(method: Callable) -> Callable:
    """Make a mirror method all-or-nothing, as a transaction is: on a contract error the market is
    restored to its state before the call, then the error is raised."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        saved = {k: (v if k in _SHARED else copy.deepcopy(v)) for k, v in self.__dict__.items()}
        try:
            return method(self, *args, **kwargs)
        except errors.ContractRuleError:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


# ---- state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketConfig:
    """The constructor's arguments besides the model, and the commitments ``open`` takes."""

    sponsor: str
    piece_commitments: tuple[bytes, ...]
    test_example_limit: int
    min_stake: int
    participation_length: int
    reveal_window: int
    unit: int = 1
    token: str | None = None
    """The ERC-20 staked and paid; ``None`` for ether."""

    @property
    def piece_count(self) -> int:
        return len(self.piece_commitments)


@dataclass
class Record:
    """``contribution(id)``: all zero once a sweep has credited it. ``stake`` is not stored on chain
    (it is in the preimage) and not part of :meth:`as_tuple`."""

    commitment: int = 0
    dropped: bool = False
    balance: int = 0
    score: int = 0
    stake: int = 0

    def as_tuple(self) -> tuple[int, bool, int, int]:
        return (self.commitment, self.dropped, self.balance, self.score)


@dataclass
class MarketState:
    """``IPredictionMarket.MarketState``, field for field."""

    phase: Phase = Phase.LOADING
    contribution_count: int = 0
    pass_number: int = 0
    cursor: int = 0
    correct_initial: int = 0
    correct_before: int = 0
    min_rounds: int = NO_NEGATIVE
    rounds_left: int = 0
    pending_rounds: int = 0
    intercept: int = 0
    drawn_piece: int = 0
    next_piece: int = 0
    revealed_examples: int = 0
    scored_examples: int = 0
    total_stake: int = 0
    sponsor_pot: int = 0
    open_time: int = 0
    open_block: int = 0
    participation_end: int = 0
    reveal_deadline: int = 0
    last_progress: int = 0
    scored_set_hash: bytes = bytes(32)

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass
class Payout:
    amount: int = 0
    withdrawn: bool = False


@dataclass
class AdvanceResult:
    """What one ``advance`` call did, for tests: steps and the events' contents."""

    steps: int = 0
    dropped: list[tuple[int, int]] = field(default_factory=list)
    settled: list[tuple[int, str, int]] = field(default_factory=list)
    passes: list[tuple[int, int, int, int]] = field(default_factory=list)
    finished: int | None = None


@dataclass
class PredictionMarket:
    """The market computed in Python. Build it with :meth:`create` (the constructor's checks)."""

    config: MarketConfig
    initial: SparsePerceptron32
    model: SparsePerceptron32 = field(init=False)
    """The market's current model: the initial one, then the replayed one."""
    state: MarketState = field(init=False)
    loaded_words: int = 0
    initial_words: list[int] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    payouts: dict[str, Payout] = field(default_factory=dict)
    scored_pieces: list[bytes] = field(default_factory=list)
    scored: list[TestExample] = field(default_factory=list)
    bounty: int = 0
    """The bounty paid at ``open``, in base units."""
    _matrix: np.ndarray | None = field(default=None, init=False, repr=False)
    _labels: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.model = self.initial.copy()
        self.state = MarketState(intercept=self.initial.intercept)

    # ---- construction ----
    @classmethod
    def create(
        cls,
        config: MarketConfig,
        feature_count: int,
        learning_rate: int,
        intercept: int,
        weights: Sequence[int] | None = None,
        *,
        loaded: bool = False,
    ) -> PredictionMarket:
        """The constructor: the model's checks, then the market's, in the contract's order.
        ``weights`` are the initial weights the sponsor will load (zeros if ``None``); with
        ``loaded`` the model counts as loaded already."""
        if not 1 <= feature_count <= 1 << 16:
            raise errors.FeatureCountOutOfRange(feature_count, 1 << 16)
        if not 0 < learning_rate <= 2**31 - 1:
            raise errors.LearningRateOutOfRange(learning_rate)
        if not 0 < config.unit <= MAX_UNIT:
            raise errors.UnitOutOfRange(config.unit, MAX_UNIT)
        if not 0 < config.test_example_limit <= MAX_TEST_EXAMPLE_LIMIT:
            raise errors.TestExampleLimitOutOfRange(config.test_example_limit, MAX_TEST_EXAMPLE_LIMIT)
        if not 0 < config.min_stake <= MAX_STAKE:
            raise errors.MinStakeOutOfRange(config.min_stake, MAX_STAKE)
        if not (0 < config.participation_length <= MAX_DURATION and 0 < config.reveal_window <= MAX_DURATION):
            raise errors.DurationOutOfRange(config.participation_length, config.reveal_window, MAX_DURATION)
        w = np.zeros(feature_count, dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
        market = cls(config, SparsePerceptron32(w, intercept, learning_rate))
        if loaded:
            market.loaded_words = market.initial.word_count
            market.initial_words = market.initial.packed_words()
        return market

    @property
    def word_count(self) -> int:
        return self.initial.word_count

    @property
    def bounty_per_round(self) -> int:
        """What one round can cost the sponsor at most, in base units."""
        return self.config.test_example_limit * self.config.unit

    @property
    def max_rounds(self) -> int:
        return MAX_ROUND_UNITS // self.config.test_example_limit

    # ---- the sponsor ----
    @_atomic
    def load_model(self, sender: str, first_word: int, words: Sequence[int]) -> None:
        """``loadModel``: the sponsor stores the next chunk of initial model words."""
        if _key(sender) != _key(self.config.sponsor):
            raise errors.CallerNotSponsor(sender)
        if first_word != self.loaded_words:
            raise errors.ModelChunkOutOfOrder(self.loaded_words, first_word)
        end = first_word + len(words)
        if end > self.word_count:
            raise errors.ModelChunkTooLong(end, self.word_count)
        self.initial_words[first_word:end] = [int(w) for w in words]
        self.loaded_words = end
        if end == self.word_count:
            self.initial = SparsePerceptron32.from_words(
                self.initial_words, self.initial.feature_count, self.initial.intercept, self.initial.learning_rate
            )
            self.model = self.initial.copy()

    @_atomic
    def open(self, sender: str, rounds: int, value: int, now: int, block_number: int) -> int:
        """``open(rounds, config.piece_commitments)``: returns the bounty in base units."""
        s = self.state
        if _key(sender) != _key(self.config.sponsor):
            raise errors.CallerNotSponsor(sender)
        if s.phase != Phase.LOADING:
            raise errors.WrongPhase(s.phase)
        if self.loaded_words != self.word_count:
            raise errors.ModelNotLoaded(self.loaded_words, self.word_count)
        if not 2 <= self.config.piece_count <= MAX_PIECE_COUNT:
            raise errors.PieceCountOutOfRange(self.config.piece_count, MAX_PIECE_COUNT)
        if not 0 < rounds <= self.max_rounds:
            raise errors.RoundsOutOfRange(rounds, self.max_rounds)
        bounty = rounds * self.bounty_per_round
        self._check_value(bounty, value)
        s.phase = Phase.COMMITTED
        s.drawn_piece = self.config.piece_count
        s.rounds_left = rounds
        s.sponsor_pot = bounty
        self.bounty = bounty
        s.open_time = now
        s.open_block = block_number
        return bounty

    @_atomic
    def draw_piece(self, block_number: int, draw_block_hash: bytes) -> int:
        """``drawPiece()`` in block ``block_number``; ``draw_block_hash`` is the hash of block ``openBlock + 1``."""
        s = self.state
        if s.phase != Phase.COMMITTED:
            raise errors.WrongPhase(s.phase)
        if s.drawn_piece != self.config.piece_count:
            raise errors.PieceAlreadyDrawn(s.drawn_piece)
        if block_number < s.open_block + 2:
            raise errors.DrawTooEarly(s.open_block + 2, block_number)
        if block_number > s.open_block + 1 + DRAW_WINDOW:
            raise errors.DrawExpired(s.open_block + 1 + DRAW_WINDOW, block_number)
        s.drawn_piece = int.from_bytes(bytes(draw_block_hash), "big") % self.config.piece_count
        return s.drawn_piece

    @_atomic
    def reveal_drawn_piece(self, salt: bytes, piece: bytes, now: int) -> int:
        """``revealDrawnPiece``: returns the number of examples in the piece."""
        s = self.state
        if s.phase != Phase.COMMITTED:
            raise errors.WrongPhase(s.phase)
        index = s.drawn_piece
        if index == self.config.piece_count:
            raise errors.PieceNotDrawn()
        deadline = s.open_time + self.config.reveal_window
        if now >= deadline:
            raise errors.RevealDeadlinePassed(deadline, now)
        examples = self._check_piece(index, salt, piece)
        s.revealed_examples = len(examples)
        s.phase = Phase.OPEN
        s.participation_end = now + self.config.participation_length
        s.reveal_deadline = s.participation_end + self.config.reveal_window
        s.next_piece = 1 if index == 0 else 0
        return len(examples)

    @_atomic
    def reveal_pieces(self, salts: Sequence[bytes], pieces: Sequence[bytes], now: int) -> list[tuple[int, int, int]]:
        """``revealPieces``: returns ``(index, examples, correctInitial)`` of each piece revealed."""
        s = self.state
        if s.phase != Phase.OPEN:
            raise errors.WrongPhase(s.phase)
        if now < s.participation_end:
            raise errors.ParticipationNotEnded(s.participation_end, now)
        if now >= s.reveal_deadline:
            raise errors.RevealDeadlinePassed(s.reveal_deadline, now)
        if len(salts) != len(pieces):
            raise errors.RevealLengthMismatch(len(salts), len(pieces))
        revealed = []
        for salt, piece in zip(salts, pieces):
            index = s.next_piece
            if index >= self.config.piece_count:
                raise errors.PieceIndexOutOfRange(index, self.config.piece_count)
            examples = self._check_piece(index, salt, piece)
            correct = sum(1 for features, label in examples if self.initial.predict(features) == label)
            s.revealed_examples += len(examples)
            s.scored_examples += len(examples)
            s.correct_initial += correct
            s.scored_set_hash = keccak(s.scored_set_hash + keccak(bytes(piece)))
            self.scored_pieces.append(bytes(piece))
            self.scored.extend(examples)
            revealed.append((index, len(examples), correct))
            index += 1
            if index == s.drawn_piece:
                index += 1
            s.next_piece = index
        if revealed and s.next_piece == self.config.piece_count:
            self._start_replay(now)
        return revealed

    @_atomic
    def settle_unrevealed(self, now: int) -> None:
        """``settleUnrevealed()``: after a reveal deadline, or a replay stalled for ``reveal_window``."""
        s = self.state
        if s.phase == Phase.COMMITTED:
            deadline = s.open_time + self.config.reveal_window
        elif s.phase == Phase.OPEN:
            deadline = s.reveal_deadline
        elif s.phase == Phase.REPLAYING:
            deadline = s.last_progress + self.config.reveal_window
        else:
            raise errors.WrongPhase(s.phase)
        if now < deadline:
            raise errors.RevealDeadlineNotPassed(deadline, now)
        if s.contribution_count == 0:
            self._finish()
        else:
            s.phase = Phase.REFUNDING
            s.cursor = 0
            s.sponsor_pot = self.bounty

    # ---- contributors ----
    @_atomic
    def contribute(
        self, sender: str, features: bytes | Sequence[int], label: int, stake: int, value: int, now: int
    ) -> int:
        """``contribute(features, label, stake)`` with ``value`` wei: returns the id."""
        s = self.state
        if s.phase != Phase.OPEN:
            raise errors.WrongPhase(s.phase)
        if now >= s.participation_end:
            raise errors.ParticipationEnded(s.participation_end, now)
        if label >= CLASS_COUNT:
            raise errors.LabelOutOfRange(label, CLASS_COUNT)
        if stake < self.config.min_stake:
            raise errors.StakeTooLow(self.config.min_stake, stake)
        if stake > MAX_STAKE:
            raise errors.StakeTooHigh(MAX_STAKE, stake)
        self._check_value(stake * self.config.unit, value)
        if s.contribution_count == MAX_CONTRIBUTIONS:
            raise errors.TooManyContributions(MAX_CONTRIBUTIONS)
        packed = self._check_features(features)
        if len(packed) > 2 * MAX_CONTRIBUTION_FEATURES:
            raise errors.TooManyFeatures(len(packed) // 2, MAX_CONTRIBUTION_FEATURES)
        id = s.contribution_count
        s.contribution_count += 1
        s.total_stake += stake
        commitment = record_commitment(contribution_preimage(sender, label, stake, packed))
        self.records.append(Record(commitment, False, stake, 0, stake))
        return id

    # ---- anyone ----
    @_atomic
    def advance(self, max_steps: int, pieces: Sequence[bytes], preimages: Sequence[bytes], now: int) -> AdvanceResult:
        """``advance(maxSteps, pieces, preimages)`` at time ``now``."""
        s = self.state
        if s.phase not in (Phase.REPLAYING, Phase.PAYING_OUT, Phase.REFUNDING):
            raise errors.WrongPhase(s.phase)
        if s.phase == Phase.REPLAYING:
            given = scored_set_hash(pieces)
            if given != s.scored_set_hash:
                raise errors.TestSetMismatch(s.scored_set_hash, given)
        result = AdvanceResult()
        while result.steps < max_steps and s.phase != Phase.FINISHED:
            id = s.cursor
            if result.steps >= len(preimages):
                raise errors.ContributionDataMissing(id)
            preimage = bytes(preimages[result.steps])
            if s.phase == Phase.REPLAYING:
                self._replay_step(id, preimage, result)
            elif s.phase == Phase.PAYING_OUT:
                self._pay_step(id, preimage, result)
            else:
                self._refund_step(id, preimage, result)
            result.steps += 1
            s.cursor += 1
            if s.cursor == s.contribution_count:
                self._end_round(result)
        if result.steps:
            s.last_progress = now
        return result

    @_atomic
    def withdraw(self, sender: str) -> int:
        """``withdraw()``: returns the base units paid."""
        if self.state.phase != Phase.FINISHED:
            raise errors.WrongPhase(self.state.phase)
        payout = self.payouts.get(_key(sender), Payout())
        if payout.withdrawn:
            raise errors.AlreadyWithdrawn(sender)
        if payout.amount == 0:
            raise errors.NothingToWithdraw(sender)
        amount = payout.amount
        self.payouts[_key(sender)] = Payout(0, True)
        return amount

    # ---- views ----
    def record(self, id: int) -> Record:
        return self.records[id]

    def payout(self, account: str) -> Payout:
        return self.payouts.get(_key(account), Payout())

    def predict(self, features: Sequence[int]) -> int:
        return self.model.predict(features)

    def effective_balance(self, id: int) -> int:
        """A contribution's balance with the pending rounds it is still due, in units (its stake
        while refunding: the refund undoes the replay)."""
        r, s = self.records[id], self.state
        if s.phase == Phase.REFUNDING:
            return r.stake
        pending_applies = (
            not r.dropped and s.phase in (Phase.REPLAYING, Phase.PAYING_OUT) and id >= s.cursor and r.commitment != 0
        )
        return r.balance + (r.score * s.pending_rounds if pending_applies else 0)

    def held(self) -> int:
        """What the market owes and so must hold, in base units: unwithdrawn payouts, the sponsor's
        pot and every balance not yet credited (stakes before the replay)."""
        owed = sum(p.amount for p in self.payouts.values())
        balances = sum(self.effective_balance(i) for i in range(len(self.records)) if self.records[i].commitment)
        return owed + self.state.sponsor_pot + balances * self.config.unit

    def correct_count(self, model: SparsePerceptron32 | None = None) -> int:
        """How many scored test examples ``model`` (default: the current one) gets right."""
        model = model or self.model
        if not self.scored:
            return 0
        if self._matrix is None:
            self._matrix = np.zeros((len(self.scored), model.feature_count), dtype=np.int64)
            for row, (features, _) in enumerate(self.scored):
                self._matrix[row, list(features)] = 1
            self._labels = np.array([label for _, label in self.scored], dtype=np.int64)
        return int((model.predict_matrix(self._matrix) == self._labels).sum())

    # ---- internals, in the contract's order ----
    def _check_value(self, amount: int, value: int) -> None:
        expected = amount if self.config.token is None else 0
        if value != expected:
            raise errors.ValueMismatch(expected, value)

    def _check_features(self, features: bytes | Sequence[int]) -> bytes:
        if isinstance(features, (bytes, bytearray)):
            raw = bytes(features)
            if len(raw) % 2:
                raise errors.FeaturesMalformed(len(raw))
            indices = struct.unpack(f">{len(raw) // 2}H", raw)
        else:
            indices = tuple(int(i) for i in features)
            if any(not 0 <= i < 1 << 16 for i in indices):
                raise ValueError("feature indices are uint16")
            raw = struct.pack(f">{len(indices)}H", *indices)
        validate_features(indices, self.initial.feature_count)
        return raw

    def _check_piece(self, index: int, salt: bytes, piece: bytes) -> list[TestExample]:
        if piece_commitment(salt, piece) != bytes(self.config.piece_commitments[index]):
            raise errors.PieceMismatch(index)
        examples = parse_piece(bytes(piece), index, self.initial.feature_count)
        total = self.state.revealed_examples + len(examples)
        if total > self.config.test_example_limit:
            raise errors.TestSetTooLarge(total, self.config.test_example_limit)
        return examples

    def _start_replay(self, now: int) -> None:
        s = self.state
        if s.contribution_count == 0:
            self._finish()
            return
        s.phase = Phase.REPLAYING
        s.last_progress = now
        s.pass_number = 1
        s.cursor = 0
        s.correct_before = s.correct_initial
        s.min_rounds = NO_NEGATIVE

    def _finish(self) -> int:
        """Credits the sponsor's pot; withdrawals open. Returns the amount credited."""
        s = self.state
        amount = s.sponsor_pot
        s.sponsor_pot = 0
        if amount:
            self._credit(self.config.sponsor, amount)
        s.phase = Phase.FINISHED
        return amount

    def _credit(self, account: str, amount: int) -> None:
        p = self.payouts.setdefault(_key(account), Payout())
        p.amount += amount

    def _open_record(self, id: int, preimage: bytes) -> Record:
        r = self.records[id]
        if record_commitment(preimage) != r.commitment:
            raise errors.ContributionMismatch(id)
        return r

    def _replay_step(self, id: int, preimage: bytes, result: AdvanceResult) -> None:
        s = self.state
        r = self.records[id]
        if r.dropped:
            return
        self._open_record(id, preimage)
        balance = r.balance + r.score * s.pending_rounds
        if r.score < 0 and balance < -r.score:
            r.dropped, r.balance = True, balance
            result.dropped.append((id, balance))
            return
        label = preimage[20]
        features = struct.unpack(f">{(len(preimage) - PREIMAGE_HEADER) // 2}H", preimage[PREIMAGE_HEADER:])
        score = 0
        if self.model.predict(features) != label:
            self.model.update(features, label)
            s.intercept = self.model.intercept
            after = self.correct_count()
            score = after - s.correct_before
            s.correct_before = after
        if score < 0:
            s.min_rounds = min(s.min_rounds, balance // -score)
        r.balance, r.score = balance, score

    def _pay_step(self, id: int, preimage: bytes, result: AdvanceResult) -> None:
        s = self.state
        r = self._open_record(id, preimage)
        balance = r.balance if r.dropped else r.balance + r.score * s.pending_rounds
        self._settle(id, preimage, balance * self.config.unit, result)

    def _refund_step(self, id: int, preimage: bytes, result: AdvanceResult) -> None:
        s = self.state
        self._open_record(id, preimage)
        stake = int.from_bytes(preimage[21:PREIMAGE_HEADER], "big")
        share = self.bounty * stake // s.total_stake
        s.sponsor_pot -= share
        self._settle(id, preimage, stake * self.config.unit + share, result)

    def _settle(self, id: int, preimage: bytes, amount: int, result: AdvanceResult) -> None:
        contributor = "0x" + preimage[:20].hex()
        self.records[id] = Record()
        if amount:
            self._credit(contributor, amount)
        result.settled.append((id, contributor, amount))

    def _end_round(self, result: AdvanceResult) -> None:
        s = self.state
        s.cursor = 0
        if s.phase != Phase.REPLAYING:
            result.finished = self._finish()
            return
        negative = s.min_rounds != NO_NEGATIVE
        rounds = min(s.min_rounds, s.rounds_left) if negative else s.rounds_left
        s.sponsor_pot -= (s.correct_before - s.correct_initial) * rounds * self.config.unit
        s.rounds_left -= rounds
        s.pending_rounds = rounds
        result.passes.append((s.pass_number, s.correct_before, rounds, s.rounds_left))
        if not negative or s.rounds_left == 0:
            s.phase = Phase.PAYING_OUT
        else:
            s.pass_number += 1
            s.correct_before = s.correct_initial
            s.min_rounds = NO_NEGATIVE
            self.model = self.initial.copy()
            s.intercept = self.model.intercept
