"""The `ape run deploy` demonstration: deploy SUM on a chain, load an IMDB model, play a scene.

The scene's examples are chosen with the Python mirror, which computes exactly what the chain
will, so the scene behaves the same on every run and every chain.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Perceptron

from collabml.chain.client import TrainerClient
from collabml.chain.deploy import deploy_sparse_perceptron_drt
from collabml.data import load_imdb
from collabml.encoding import TextEncoder
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DAY = 86_400
GWEI = 10**9


@dataclass(frozen=True)
class DemoSettings:
    train_size: int = 1000
    max_features: int = 1000
    scene_features: int = 20
    agreement_sample: int = 100
    cost_weight: int = 1_000 * GWEI
    refund_wait: int = 1 * DAY
    owner_claim_wait: int = 30 * DAY
    anyone_claim_wait: int = 60 * DAY
    data_dir: str | None = None
    vocabulary_path: str = "out/imdb-vocabulary.json"


def _eth(wei: int) -> str:
    return f"{wei / 10**18:.6f} ETH"


class Demo:
    """Runs the demonstration against connected accounts; ``echo`` prints each line."""

    def __init__(self, project, chain, owner, honest, dishonest, settings: DemoSettings, echo=print):
        self.project, self.chain = project, chain
        self.owner, self.honest, self.dishonest = owner, honest, dishonest
        self.s = settings
        self.echo = echo
        self.gas: dict[str, int] = {}

    # ---- off chain ----
    def train_initial_model(self):
        s = self.s
        train = load_imdb("train", s.data_dir)
        test = load_imdb("test", s.data_dir)
        encoder = TextEncoder.fit(train.texts, max_features=s.max_features)
        pathlib.Path(s.vocabulary_path).parent.mkdir(parents=True, exist_ok=True)
        encoder.save(s.vocabulary_path)
        train_rows = encoder.encode_many(train.texts)
        test_rows = encoder.encode_many(test.texts)
        X_train = encoder.to_matrix(train_rows)
        X_test = encoder.to_matrix(test_rows)
        # Binary features: scikit-learn's weights are whole numbers of eta0 steps, so the conversion to
        # integer steps is exact (its sparse-input intercept, in hundredths of a step, is rounded up,
        # which changes no prediction).
        clf = Perceptron(eta0=1.0, random_state=0)
        clf.fit(X_train[: s.train_size], train.labels[: s.train_size])
        model = SparsePerceptron.from_sklearn(clf)
        float_accuracy = float((clf.predict(X_test) == test.labels).mean())
        self.echo(
            f"Initial model: Perceptron on {s.train_size} of {len(train)} IMDB training reviews, "
            f"{encoder.feature_count} words (vocabulary saved to {s.vocabulary_path} for `collabml --vocab`); "
            f"float scikit-learn test accuracy {float_accuracy:.4f}"
        )
        return encoder, model, train, train_rows, test, test_rows, X_test

    # ---- on chain ----
    def run(self) -> dict[str, int]:
        s = self.s
        encoder, model, train, train_rows, test, test_rows, X_test = self.train_initial_model()
        mechanism = DepositRefundTake(s.cost_weight, s.refund_wait, s.owner_claim_wait, s.anyone_claim_wait)
        result = deploy_sparse_perceptron_drt(self.project, self.owner, model, mechanism, show_progress=False)
        trainer = result.contract
        client = TrainerClient(trainer)
        self.gas["deploy (contract)"] = result.deploy_gas
        self.gas["deploy (weights)"] = sum(result.load_gas)
        self.gas["deploy (total)"] = result.total_gas
        self.echo(f"SparsePerceptronDRT deployed at {trainer.address} by {self.owner.address}")
        self.echo(
            f"  gas: contract {result.deploy_gas:,}, weights {sum(result.load_gas):,} "
            f"in {len(result.load_gas)} chunk(s), total {result.total_gas:,}"
        )

        onchain_model = client.read_model()
        if not np.array_equal(onchain_model.weights, model.weights) or onchain_model.intercept != model.intercept:
            raise RuntimeError("the weights read back from the contract differ from the ones loaded")
        accuracy = float((onchain_model.predict_matrix(X_test) == test.labels).mean())
        self.echo(f"Test accuracy of the on-chain model (predicted off chain from its weights): {accuracy:.4f}")
        sample = range(min(s.agreement_sample, len(test_rows)))
        agree = sum(client.predict(test_rows[i]) == onchain_model.predict(test_rows[i]) for i in sample)
        self.echo(f"On-chain predict() agrees with the local mirror on {agree}/{len(sample)} test reviews")
        if agree != len(sample):
            raise RuntimeError("on-chain and off-chain predictions differ")

        self._scene(client, onchain_model, train, train_rows)
        self.echo(f"Gas with {s.scene_features} features present:")
        for name, gas in self.gas.items():
            self.echo(f"  {name:<28} {gas:>12,}")
        return self.gas

    def _pick_scene(self, model: SparsePerceptron, train, train_rows):
        """An honest example the model already gets right and keeps right, and a dishonest one
        (label flipped) that makes the model update but still disagree afterwards."""
        s = self.s
        excerpt = {
            i: train_rows[i][: s.scene_features]
            for i in range(s.train_size, len(train_rows))
            if len(train_rows[i]) >= s.scene_features
        }
        for honest, features in excerpt.items():
            if model.predict(features) != train.labels[honest]:
                continue
            for bad, bad_features in excerpt.items():
                if bad == honest or model.predict(bad_features) != train.labels[bad]:
                    continue
                trial = model.copy()
                trial.update(features, int(train.labels[honest]))
                bad_label = 1 - int(train.labels[bad])
                if (
                    trial.update(bad_features, bad_label)
                    and trial.predict(bad_features) != bad_label
                    and trial.predict(features) == train.labels[honest]
                ):
                    return (honest, features), (bad, bad_features)
        raise RuntimeError("no review fits the scene; use a larger data set")

    def _scene(self, client: TrainerClient, model: SparsePerceptron, train, train_rows) -> None:
        s, chain, echo = self.s, self.chain, self.echo
        (honest_i, honest_features), (bad_i, bad_features) = self._pick_scene(model, train, train_rows)
        trainer = client.contract
        start = {a.address: a.balance for a in (self.honest, self.dishonest)}
        echo("Scene:")

        required = int(trainer.depositRequired())
        good, receipt = client.contribute(self.honest, honest_features, int(train.labels[honest_i]), value=required * 2)
        self.gas["addData (model agrees)"] = receipt.gas_used
        echo(
            f"  honest    {self.honest.address} adds review #{honest_i} ({s.scene_features} of its words) with its true label {good.label}: "
            f"deposit {_eth(good.deposit)} (sent {_eth(required * 2)}, change returned), model agrees"
        )
        bad_label = 1 - int(train.labels[bad_i])
        bad, receipt = client.contribute(self.dishonest, bad_features, bad_label)
        self.gas["addData (model updates)"] = receipt.gas_used
        echo(
            f"  dishonest {self.dishonest.address} adds review #{bad_i} ({s.scene_features} of its words) with the wrong label {bad.label}: "
            f"deposit {_eth(bad.deposit)}, the model updates"
        )
        echo(f"  trainer holds {_eth(trainer.balance)}; next deposit would be {_eth(int(trainer.depositRequired()))}")

        chain.pending_timestamp = chain.pending_timestamp + s.refund_wait
        chain.mine()
        echo(f"  ... {s.refund_wait // 3600} hours later (the refund wait) ...")

        receipt = client.refund(self.honest, good)
        self.gas["refund"] = receipt.gas_used
        echo(f"  honest refunds: the model predicts {client.predict(good.features)} = label, {_eth(good.deposit)} back")
        receipt = client.report(self.honest, bad)
        self.gas["report"] = receipt.gas_used
        taken = [e for e in receipt.events if e.event_name == "DepositTaken"][0]
        echo(
            f"  honest reports the dishonest review: the model predicts {client.predict(bad.features)} != {bad.label}, "
            f"takes {_eth(int(taken.amount))}"
        )
        for name, account in (("honest", self.honest), ("dishonest", self.dishonest)):
            delta = account.balance - start[account.address]
            echo(f"  {name:<9} balance change {'+' if delta >= 0 else ''}{_eth(delta)}, gas fees included")
        echo(f"  trainer holds {_eth(trainer.balance)}; unclaimed deposits: none")
