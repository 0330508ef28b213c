"""The runners: agents acting over simulated time on the bit-exact mirrors.

Every transaction goes through a mirror (:class:`~collabml.trainer.TrainerMirror` with
:class:`~collabml.incentives.drt.DepositRefundTake` or :class:`~collabml.incentives.points.Points`;
:class:`~collabml.incentives.prediction_market.PredictionMarket`), which raises the contract's
error wherever the contract would revert, so what a run shows is what the contracts would do with
the same transactions at the same timestamps. Gas is not simulated: wallets move only by the
deposits, stakes, refunds, takes and payouts.

After every transaction the runner checks that the wallets plus what the trainer or market holds
equal the money at the start (:class:`ConservationError` otherwise).

- :func:`run_drt` / :func:`run_points`: agents contribute at random times (the deposit the trainer
  asks at that second, or nothing under Points); every ``check_interval`` each agent, in a random
  order, claims by its :class:`~collabml.sim.agents.ClaimPolicy`.
- :func:`run_market`: the sponsor loads the initial model, opens with the bounty and its
  committed test pieces; the drawn piece is revealed; agents stake on contributions for ``days``;
  the sponsor reveals the rest; ``advance`` replays in transactions of ``advance_steps`` steps
  (one a block) to the end; everyone owed withdraws.
- :func:`run`: the runner for a scenario's mechanism, preparing its data unless given.
"""

from __future__ import annotations

import time as wallclock
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from collabml import errors
from collabml.incentives.drt import DepositRefundTake
from collabml.incentives.points import Points
from collabml.incentives.prediction_market import (
    MAX_CONTRIBUTION_FEATURES,
    MarketConfig,
    Phase,
    PredictionMarket,
    contribution_preimage,
    pack_piece,
    piece_commitment,
)
from collabml.models.perceptron import SparsePerceptron
from collabml.sim.agents import Agent, address_of
from collabml.sim.clock import BLOCK_TIME, EventQueue, SimClock
from collabml.sim.datasets import SimData, load_sim_data
from collabml.sim.records import (
    AgentRecord,
    ContributorRecord,
    EventRecord,
    ModelRecord,
    PassRecord,
    SimulationResult,
)
from collabml.sim.scenarios import DRTScenario, MarketScenario, PointsScenario, Scenario, ScenarioError
from collabml.sim.units import WEI_PER_UNIT, to_units
from collabml.trainer import Contribution, TrainerMirror

OWNER = address_of("owner")
"""The trainer's owner: deploys it and never acts (its owner-wait claims are not simulated)."""
SPONSOR = address_of("sponsor")
"""The market's sponsor; it also sends the ``advance`` transactions."""
LOAD_CHUNK_WORDS = 800
"""Model words per ``loadModel`` chunk (SPEC.md §3: below 19M gas)."""

# event priorities at the same second
_CONTRIBUTE, _CLAIMS, _SAMPLE = 0, 1, 2


class ConservationError(AssertionError):
    """Money appeared or vanished during a run: a bug in the simulation or a mirror. Report it with
    the scenario (``scenario.to_json()``) and the seed; the message says where it happened."""


class ClaimFailed(AssertionError):
    """A mirror refused a claim the agent's policy judged valid from the free ``predict``: the
    policy and the mirror disagree on a rule. Report it with the scenario and seed."""


# ---- shared pieces ----------------------------------------------------------------------------


def predict_rows(model: Any, matrix, rows: Sequence[Sequence[int]]) -> np.ndarray:
    """The model's predictions for ``rows`` (also given as the binary CSR ``matrix``): the mirror's
    vectorised ``predict_matrix`` when it has one (the same integers), else ``predict`` per row."""
    batch = getattr(model, "predict_matrix", None)
    if batch is not None:
        return np.asarray(batch(matrix), dtype=np.int64)
    return np.array([model.predict(r) for r in rows], dtype=np.int64)


@dataclass
class Evaluator:
    """Predictions of a model on fixed rows. They are cached for the model object last asked about:
    the trainer mirror replaces its model object on every contribution and claims never change it.
    The market's replay updates its model in place, so the market asks with ``fresh=True``."""

    rows: list[tuple[int, ...]]
    matrix: Any
    labels: np.ndarray
    _model: Any = None
    _predictions: np.ndarray | None = None

    @classmethod
    def of(cls, rows: Sequence[tuple[int, ...]], labels: np.ndarray, feature_count: int) -> Evaluator:
        from collabml.sim.datasets import _matrix

        return cls(list(rows), _matrix(rows, feature_count), np.asarray(labels, dtype=np.int64))

    def predictions(self, model: Any, *, fresh: bool = False) -> np.ndarray:
        if fresh or model is not self._model or self._predictions is None:
            self._predictions = predict_rows(model, self.matrix, self.rows)
            self._model = model
        return self._predictions

    def correct(self, model: Any, *, fresh: bool = False) -> int:
        return int((self.predictions(model, fresh=fresh) == self.labels).sum())

    def accuracy(self, model: Any, *, fresh: bool = False) -> float:
        return self.correct(model, fresh=fresh) / len(self.labels) if len(self.labels) else 0.0


def _progress(total_days: float, desc: str, enabled: bool | None):
    """A tqdm bar over simulated days on stderr; ``enabled=None`` shows it only on a terminal."""
    from tqdm import tqdm

    disable = None if enabled is None else not enabled
    return tqdm(total=round(total_days, 3), desc=desc, unit="day", disable=disable, leave=False,
                bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} simulated days [{elapsed}]")


def _schedule_contribution(queue: EventQueue, agent: Agent, end: int) -> None:
    """The agent's next contribution, if it falls before ``end`` (contributions stop there)."""
    when = queue.clock.now + agent.next_gap()
    if when < end:
        queue.schedule(when, "contribute", agent, priority=_CONTRIBUTE)


@dataclass
class _Open:
    contribution: Contribution
    agent: Agent
    row: int


# ---- trainers: Deposit-Refund-Take and Points -------------------------------------------------


class TrainerRun:
    """One run of agents against a :class:`TrainerMirror` (DRT or Points)."""

    def __init__(self, scenario: DRTScenario | PointsScenario, data: SimData, progress: bool | None = None):
        self.scenario, self.data, self.progress = scenario, data, progress
        self.points = isinstance(scenario, PointsScenario)
        seeds = np.random.SeedSequence(scenario.seed).spawn(2)
        self.agents = scenario.population.build(len(data.pool), seeds[0])
        self.claims_rng = np.random.default_rng(seeds[1])
        self.clock = SimClock()
        self.queue = EventQueue(self.clock)
        model = SparsePerceptron.from_sklearn(data.initial_classifier)
        if self.points:
            mechanism: Any = Points(scenario.refund_wait)
            self.anyone_wait = None
        else:
            mechanism = DepositRefundTake(
                scenario.cost_weight, scenario.refund_wait, scenario.owner_claim_wait, scenario.anyone_claim_wait
            )
            self.anyone_wait = scenario.anyone_claim_wait
        self.trainer = TrainerMirror.deployed_at(model, mechanism, OWNER, self.clock.now)
        self.open: dict[int, _Open] = {}
        self.pool_eval = Evaluator.of(data.pool, data.pool_labels, data.feature_count)
        self.test_eval = Evaluator.of(data.test, data.test_labels, data.feature_count)
        self.total = self._money()
        self.result = SimulationResult(scenario.mechanism, scenario, data.description, self.total)
        self.result.start_wallets = {a.name: a.wallet for a in self.agents}

    # ---- money ----
    def _money(self) -> int:
        return sum(a.wallet for a in self.agents) + self.trainer.balance

    def _check(self, where: str) -> None:
        money = self._money()
        if money != self.total:
            raise ConservationError(
                f"after {where} at t={self.clock.now}: wallets + trainer = {money} wei, but the run started "
                f"with {self.total} wei ({money - self.total:+} wei)"
            )

    def _event(self, agent: str, action: str, contribution: int = -1, amount: int = 0, detail: str = "") -> None:
        clock = self.clock
        self.result.events.append(EventRecord(clock.now, clock.day, agent, action, contribution, amount, detail))

    # ---- the run ----
    def run(self) -> SimulationResult:
        started = wallclock.perf_counter()
        s, now = self.scenario, self.clock.now
        end = now + s.duration
        for agent in self.agents:
            self._schedule_contribution(agent, end)
        for t in range(now + s.check_interval, end + 1, s.check_interval):
            self.queue.schedule(t, "claims", priority=_CLAIMS)
        samples = list(range(now, end + 1, s.sample_interval))
        if samples[-1] != end:
            samples.append(end)
        for t in samples:
            self.queue.schedule(t, "sample", priority=_SAMPLE)
        with _progress(s.days, f"simulate {s.mechanism}", self.progress) as bar:
            while self.queue:
                event = self.queue.pop()
                if event.kind == "contribute":
                    self._contribute(event.payload)
                    self._schedule_contribution(event.payload, end)
                elif event.kind == "claims":
                    self._claims()
                else:
                    self._sample()
                    bar.update(round(self.clock.day - bar.n, 3))
        self.result.held_at_end_wei = self.trainer.balance
        self.result.wall_seconds = wallclock.perf_counter() - started
        return self.result

    def _schedule_contribution(self, agent: Agent, end: int) -> None:
        _schedule_contribution(self.queue, agent, end)

    def _contribute(self, agent: Agent) -> None:
        now = self.clock.now
        row = agent.next_row()
        features, label = self.data.pool[row], agent.label(int(self.data.pool_labels[row]))
        price = self.trainer.deposit_required(now)
        if agent.wallet < price:
            agent.skipped += 1
            self._event(agent.name, "skip", -1, 0, f"deposit {price} wei > wallet {agent.wallet} wei")
            return
        contribution, change = self.trainer.add_data(agent.address, features, label, price, now)
        agent.wallet -= price - change
        agent.spent_wei += contribution.deposit
        agent.contributions += 1
        self.open[contribution.id] = _Open(contribution, agent, row)
        self._event(agent.name, "contribute", contribution.id, contribution.deposit, f"label {label}")
        self._check("a contribution")

    def _claims(self) -> None:
        now = self.clock.now
        predictions = self.pool_eval.predictions(self.trainer.model)
        refund_wait = self.scenario.refund_wait
        for index in self.claims_rng.permutation(len(self.agents)):
            agent = self.agents[int(index)]
            policy = agent.policy
            for id in list(self.open):
                entry = self.open.get(id)
                if entry is None:
                    continue
                c = entry.contribution
                age = now - c.added_time
                if age < refund_wait:
                    break  # ids are in time order: every later record is younger
                agrees = int(predictions[entry.row]) == c.label
                expired = self.anyone_wait is not None and age >= self.anyone_wait
                if entry.agent is agent and policy.refund_own and agrees:
                    self._refund(agent, entry)
                elif self.points:
                    continue  # Points: reports move nothing, so nobody sends one
                elif (c.id, agent.address) in self.trainer.claimed:
                    continue
                elif expired and policy.take_expired:
                    self._take(agent, entry, "take")
                elif (
                    entry.agent is not agent
                    and policy.report_others
                    and not agrees
                    and self.trainer.mechanism.good(agent.address) > 0
                ):
                    self._take(agent, entry, "report")

    def _refund(self, agent: Agent, entry: _Open) -> None:
        c = entry.contribution
        try:
            amount = self.trainer.refund(agent.address, c, self.clock.now)
        except errors.ContractRuleError as error:
            raise ClaimFailed(f"{agent.name}'s refund of {c.id} failed: {error}") from error
        del self.open[c.id]
        agent.wallet += amount
        agent.refunds += 1
        agent.refunded_wei += amount
        detail = ""
        if self.points and self.trainer.mechanism.awards[-1].badge is not None:
            detail = f"badge {self.trainer.mechanism.awards[-1].badge}"
        self._event(agent.name, "point" if self.points else "refund", c.id, amount, detail)
        self._check("a refund")

    def _take(self, agent: Agent, entry: _Open, action: str) -> None:
        c = entry.contribution
        try:
            amount = self.trainer.report(agent.address, c, self.clock.now)
        except errors.ContractRuleError as error:
            raise ClaimFailed(f"{agent.name}'s {action} of {c.id} failed: {error}") from error
        if c.id not in self.trainer.records:
            del self.open[c.id]
        agent.wallet += amount
        agent.reports += 1
        agent.reported_wei += amount
        if entry.agent is not agent:
            entry.agent.taken += 1
            entry.agent.lost_wei += amount
        self._event(agent.name, action, c.id, amount, f"from {entry.agent.name}")
        self._check(f"a {action}")

    def _sample(self) -> None:
        now, day = self.clock.now, self.clock.day
        mechanism = self.trainer.mechanism
        for a in self.agents:
            points = mechanism.points_of(a.address) if self.points else 0
            badges = len(mechanism.badges_of(a.address)) if self.points else 0
            self.result.agents.append(AgentRecord(
                now, day, a.name, a.kind, a.wallet, to_units(a.wallet), a.contributions, a.skipped, a.refunds,
                a.reports, a.taken, points, badges, a.spent_wei, 0,
            ))
        correct = self.test_eval.correct(self.trainer.model)
        self.result.model.append(ModelRecord(
            now, day, correct / len(self.data.test_labels), correct, len(self.data.test_labels),
            self.trainer.state.contribution_count, len(self.open), self.trainer.balance,
            self.trainer.state.total_good_contributions,
        ))


def _data(scenario: Scenario, data: SimData | None) -> SimData:
    return load_sim_data(scenario.data, scenario.seed) if data is None else data


def run_drt(scenario: DRTScenario, data: SimData | None = None, *, progress: bool | None = None) -> SimulationResult:
    """Agents against a ``SparsePerceptronDRT`` mirror (SPEC.md §5)."""
    return TrainerRun(scenario, _data(scenario, data), progress).run()


def run_points(
    scenario: PointsScenario, data: SimData | None = None, *, progress: bool | None = None
) -> SimulationResult:
    """Agents against a ``SparsePerceptronPoints`` mirror (SPEC.md §11)."""
    return TrainerRun(scenario, _data(scenario, data), progress).run()


# ---- the prediction market ----------------------------------------------------------------------


def market_model_class() -> type:
    """The model class the market mirror replays with (its ``initial`` field's type)."""
    return typing.get_type_hints(PredictionMarket)["initial"]


def split_pieces(examples: Sequence[tuple[tuple[int, ...], int]], count: int) -> list[list]:
    """``examples`` cut into ``count`` consecutive pieces of near-equal size."""
    bounds = [len(examples) * i // count for i in range(count + 1)]
    return [list(examples[bounds[i] : bounds[i + 1]]) for i in range(count)]


class MarketRun:
    """One run of a :class:`PredictionMarket` mirror from deployment to the last withdrawal."""

    def __init__(self, scenario: MarketScenario, data: SimData, progress: bool | None = None):
        self.scenario, self.data, self.progress = scenario, data, progress
        n = scenario.market_test_size
        if n > len(data.test):
            raise ScenarioError(
                f"market_test_size {n} is more than the {len(data.test)} test examples: lower it or raise test_size"
            )
        seeds = np.random.SeedSequence(scenario.seed).spawn(2)
        self.agents = scenario.population.build(len(data.pool), seeds[0])
        self.sponsor_rng = np.random.default_rng(seeds[1])
        self.clock = SimClock()
        self.queue = EventQueue(self.clock)
        test = [(tuple(data.test[i]), int(data.test_labels[i])) for i in range(n)]
        self.examples = split_pieces(test, scenario.pieces)
        self.pieces = [pack_piece(p) for p in self.examples]
        self.salts = [self.sponsor_rng.bytes(32) for _ in self.pieces]
        self.config = MarketConfig(
            sponsor=SPONSOR,
            piece_commitments=tuple(piece_commitment(s, p) for s, p in zip(self.salts, self.pieces)),
            test_example_limit=n,
            min_stake=scenario.effective_min_stake,
            participation_length=scenario.duration,
            reveal_window=scenario.reveal_window,
            unit=WEI_PER_UNIT,
        )
        self.initial = market_model_class().from_sklearn(data.initial_classifier)
        self.market = PredictionMarket.create(self.config, *self.initial.constructor_args())
        self.sponsor_wallet = scenario.bounty_wei if scenario.sponsor_balance is None else scenario.sponsor_balance
        self.preimages: list[bytes] = []
        self.owner_of: list[Agent] = []
        self.heldout = (
            Evaluator.of(data.test[n:], data.test_labels[n:], data.feature_count) if len(data.test) > n else None
        )
        self.scored_eval: Evaluator | None = None
        self.total = self._money()
        self.result = SimulationResult(scenario.mechanism, scenario, data.description, self.total)
        self.result.start_wallets = {a.name: a.wallet for a in self.agents} | {"sponsor": self.sponsor_wallet}

    # ---- money ----
    def _money(self) -> int:
        return sum(a.wallet for a in self.agents) + self.sponsor_wallet + self.market.held()

    def _check(self, where: str) -> None:
        money = self._money()
        if money != self.total:
            raise ConservationError(
                f"after {where} at t={self.clock.now}: wallets + market = {money} wei, but the run started "
                f"with {self.total} wei ({money - self.total:+} wei)"
            )

    def _event(self, agent: str, action: str, contribution: int = -1, amount: int = 0, detail: str = "") -> None:
        clock = self.clock
        self.result.events.append(EventRecord(clock.now, clock.day, agent, action, contribution, amount, detail))

    def _next_block(self) -> None:
        self.clock.advance_to(self.clock.now + BLOCK_TIME)

    # ---- the run ----
    def run(self) -> SimulationResult:
        started = wallclock.perf_counter()
        s = self.scenario
        with _progress(s.days, "simulate market", self.progress) as bar:
            self._launch()
            participation_end = self.market.state.participation_end
            now = self.clock.now
            for agent in self.agents:
                _schedule_contribution(self.queue, agent, participation_end)
            for t in range(now, participation_end, s.sample_interval):
                self.queue.schedule(t, "sample", priority=_SAMPLE)
            while self.queue:
                event = self.queue.pop()
                if event.kind == "contribute":
                    self._contribute(event.payload)
                    _schedule_contribution(self.queue, event.payload, participation_end)
                else:
                    self._sample()
                    bar.update(round(self.clock.day - bar.n, 3))
            self.clock.advance_to(participation_end)
            self._reveal()
            self._replay()
            self._withdraw()
            self._sample()
            bar.update(max(0.0, round(s.days - bar.n, 3)))
        self.result.held_at_end_wei = self.market.held()
        self.result.contributors = self._contributors()
        if self.heldout is not None:
            self.result.heldout_accuracy = (
                self.heldout.accuracy(self.initial, fresh=True), self.heldout.accuracy(self.market.model, fresh=True)
            )
        self.result.wall_seconds = wallclock.perf_counter() - started
        return self.result

    def _launch(self) -> None:
        """Load the model, open with the bounty, draw, reveal the drawn piece."""
        m, s = self.market, self.scenario
        words = self.initial.packed_words()
        for first in range(0, len(words), LOAD_CHUNK_WORDS):
            m.load_model(SPONSOR, first, words[first : first + LOAD_CHUNK_WORDS])
            self._next_block()
        bounty = m.bounty_per_round * s.rounds
        if self.sponsor_wallet < bounty:
            raise ScenarioError(
                f"the sponsor's wallet ({self.sponsor_wallet} wei) cannot pay the bounty ({bounty} wei): "
                "raise sponsor_balance or lower rounds"
            )
        m.open(SPONSOR, s.rounds, bounty, self.clock.now, self.clock.block)
        self.sponsor_wallet -= bounty
        self._event("sponsor", "open", -1, bounty, f"{s.rounds} rounds, {s.pieces} pieces")
        self._check("open")
        self._next_block()
        self._next_block()
        drawn = m.draw_piece(self.clock.block, self.sponsor_rng.bytes(32))  # the hash of block openBlock + 1
        self._next_block()
        m.reveal_drawn_piece(self.salts[drawn], self.pieces[drawn], self.clock.now)
        self._event("sponsor", "reveal", -1, 0, f"drawn piece {drawn}")
        scored = [e for i, p in enumerate(self.examples) if i != drawn for e in p]
        labels = np.array([y for _, y in scored], dtype=np.int64)
        self.scored_eval = Evaluator.of([f for f, _ in scored], labels, self.data.feature_count)

    def _contribute(self, agent: Agent) -> None:
        s, now = self.scenario, self.clock.now
        row = agent.next_row()
        features, label = self.data.pool[row], agent.label(int(self.data.pool_labels[row]))
        stake = s.effective_stake
        value = stake * self.config.unit
        if len(features) > MAX_CONTRIBUTION_FEATURES:
            agent.skipped += 1
            self._event(agent.name, "skip", -1, 0, f"{len(features)} features > {MAX_CONTRIBUTION_FEATURES}")
            return
        if agent.wallet < value:
            agent.skipped += 1
            self._event(agent.name, "skip", -1, 0, f"stake {value} wei > wallet {agent.wallet} wei")
            return
        id = self.market.contribute(agent.address, features, label, stake, value, now)
        agent.wallet -= value
        agent.spent_wei += value
        agent.contributions += 1
        self.preimages.append(contribution_preimage(agent.address, label, stake, features))
        self.owner_of.append(agent)
        self._event(agent.name, "contribute", id, value, f"label {label}, stake {stake}")
        self._check("a contribution")

    def _reveal(self) -> None:
        drawn = self.market.state.drawn_piece
        keep = [i for i in range(len(self.pieces)) if i != drawn]
        self.market.reveal_pieces([self.salts[i] for i in keep], [self.pieces[i] for i in keep], self.clock.now)
        self._event("sponsor", "reveal", -1, 0, f"pieces {keep}")
        st = self.market.state
        self.result.passes.append(PassRecord(
            0, st.correct_initial, st.scored_examples, st.correct_initial / st.scored_examples if st.scored_examples
            else 0.0, 0, st.rounds_left, 0, st.contribution_count, st.sponsor_pot,
        ))

    def _replay(self) -> None:
        """``advance`` one transaction a block until the market finishes; a replay call never crosses
        a pass boundary, so each pass's drops are known."""
        m, s = self.market, self.scenario
        dropped_total = 0
        dropped_pass = 0
        calls = 0
        while m.state.phase in (Phase.REPLAYING, Phase.PAYING_OUT):
            st = m.state
            replaying = st.phase == Phase.REPLAYING
            steps = min(s.advance_steps, st.contribution_count - st.cursor) if replaying else s.advance_steps
            preimages = [self.preimages[(st.cursor + j) % len(self.preimages)] for j in range(steps)]
            self._next_block()
            result = m.advance(steps, m.scored_pieces if replaying else [], preimages, self.clock.now)
            calls += 1
            dropped_pass += len(result.dropped)
            for id, _balance in result.dropped:
                self.owner_of[id].dropped += 1
            for pass_number, correct, rounds, rounds_left in result.passes:
                dropped_total += dropped_pass
                self.result.passes.append(PassRecord(
                    pass_number, correct, m.state.scored_examples, correct / m.state.scored_examples, rounds,
                    rounds_left, dropped_pass, m.state.contribution_count - dropped_total, m.state.sponsor_pot,
                ))
                dropped_pass = 0
            for id, _contributor, amount in result.settled:
                self.owner_of[id].payout_wei += amount
            self._check("advance")
        self._event("sponsor", "advance", -1, 0, f"{calls} advance transactions of at most {s.advance_steps} steps")

    def _withdraw(self) -> None:
        m = self.market
        if m.state.phase != Phase.FINISHED:
            raise ScenarioError(f"the market did not finish (phase {m.state.phase.name}); report the scenario")
        self._next_block()
        for agent in self.agents:
            if m.payout(agent.address).amount:
                amount = m.withdraw(agent.address)
                agent.wallet += amount
                self._event(agent.name, "withdraw", -1, amount)
                self._check("a withdrawal")
        if m.payout(SPONSOR).amount:
            amount = m.withdraw(SPONSOR)
            self.sponsor_wallet += amount
            self._event("sponsor", "withdraw", -1, amount)
            self._check("the sponsor's withdrawal")

    def _sample(self) -> None:
        now, day = self.clock.now, self.clock.day
        rows = [(a.name, a.kind, a.wallet, a) for a in self.agents]
        rows.append(("sponsor", "sponsor", self.sponsor_wallet, None))
        for name, kind, wallet, a in rows:
            self.result.agents.append(AgentRecord(
                now, day, name, kind, wallet, to_units(wallet), a.contributions if a else 0, a.skipped if a else 0,
                0, 0, 0, 0, 0, a.spent_wei if a else self.market.bounty,
                a.dropped if a else 0,
            ))
        assert self.scored_eval is not None
        correct = self.scored_eval.correct(self.market.model, fresh=True)
        st = self.market.state
        self.result.model.append(ModelRecord(
            now, day, correct / len(self.scored_eval.labels), correct, len(self.scored_eval.labels),
            st.contribution_count, st.contribution_count if st.phase != Phase.FINISHED else 0, self.market.held(), 0,
        ))

    def _contributors(self) -> list[ContributorRecord]:
        out = []
        for a in self.agents:
            payout = a.payout_wei
            out.append(ContributorRecord(
                a.name, a.kind, a.contributions, a.dropped, a.spent_wei, to_units(a.spent_wei),
                payout, to_units(payout), payout - a.spent_wei, to_units(payout - a.spent_wei),
            ))
        return out


def run_market(
    scenario: MarketScenario, data: SimData | None = None, *, progress: bool | None = None
) -> SimulationResult:
    """Agents staking in a ``PredictionMarket`` mirror (SPEC.md §12), from deployment to withdrawals."""
    return MarketRun(scenario, _data(scenario, data), progress).run()


RUNNERS = {"drt": run_drt, "points": run_points, "market": run_market}


def run(scenario: Scenario, data: SimData | None = None, *, progress: bool | None = None) -> SimulationResult:
    """Run ``scenario`` with its mechanism's runner (``data`` prepared from ``scenario.data`` if not given)."""
    try:
        runner = RUNNERS[scenario.mechanism]
    except KeyError:
        raise ScenarioError(
            f"{type(scenario).__name__} names no mechanism: use DRTScenario, PointsScenario or MarketScenario"
        ) from None
    return runner(scenario, data, progress=progress)
