"""`collabml` chain commands, through the functions they wrap (`collabml.cli.do_*`), on the test Anvil.

The commands themselves only connect, look the trainer up and print; the work is tested here on the
module's `trainer` (64 features: the encoder's words are w00 .. w63, word `wNN` is feature NN).
"""

from __future__ import annotations

import csv

import click
import pytest
from helpers import DAY, SMALL_FEATURES, pick_features

from collabml import cli
from collabml.encoding import TextEncoder, pack_indices
from collabml.models.perceptron import SparsePerceptron

WORDS = [f"w{i:02d}" for i in range(SMALL_FEATURES)]


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(WORDS)


def text_of(features) -> str:
    return "A review: " + " ".join(WORDS[i] for i in reversed(features)) + "!"


def pick_stubborn(model: SparsePerceptron, label: int, start: int = 0, size: int = 4) -> tuple[int, ...]:
    """A window the model gets wrong even after learning from it once: reportable after the wait."""
    for first in range(start, model.feature_count - size + 1):
        features = tuple(range(first, first + size))
        learned = model.copy()
        if model.predict(features) != label and learned.update(features, label) and learned.predict(features) != label:
            return features
    raise AssertionError("no window stays disputed; use another model seed")


def fees(chain, *txn_hashes: str) -> int:
    return sum(chain.get_receipt(h).total_fees_paid for h in txn_hashes)


# ---- predict ----
def test_predict__onchain_and_offchain_equal_the_mirror(trainer, encoder, small_model):
    for label in (0, 1):
        features = pick_features(small_model, label, agree=True)
        text = text_of(features)

        onchain = cli.do_predict(trainer, encoder, text)
        offchain = cli.do_predict(trainer, encoder, text, offchain=True)

        assert onchain == cli.Prediction(label, features)
        assert offchain == cli.Prediction(label, features, small_model.score(features))
        assert cli.format_prediction(offchain)[1].startswith(f"score: {small_model.score(features)} (")


def test_predict__encoder_of_another_size(trainer):
    with pytest.raises(click.ClickException, match="the encoder has 3 features but the model .* has 64"):
        cli.do_predict(trainer, TextEncoder(["bad", "good", "movie"]), "good movie")


# ---- contribute, refund ----
def test_contribute__then_refund_after_the_wait(trainer, encoder, small_model, contributor, drt_params, travel, chain):
    features = pick_features(small_model, 1, agree=True)
    required = int(trainer.depositRequired())
    before = contributor.balance

    added = cli.do_contribute(trainer, contributor, text_of(features), 1, encoder)

    c = added.contribution
    assert (c.id, c.contributor, c.label, c.features) == (0, contributor.address, 1, features)
    assert c.deposit <= added.sent == required
    assert added.gas > 0
    assert added.claimable_at == c.added_time + drt_params.refund_wait
    assert trainer.contributionCount() == 1
    assert trainer.balance == c.deposit
    lines = cli.format_contributed(added)
    assert lines[0] == "contribution id: 0"
    assert f"  features    0x{pack_indices(features).hex()} (indices {' '.join(map(str, features))})" in lines

    travel(DAY)
    refunded = cli.do_refund(trainer, contributor, c.id)

    assert refunded.contribution == c
    assert refunded.amount == c.deposit
    assert trainer.balance == 0
    assert trainer.goodContributions(contributor) == 1
    assert trainer.records(c.id) == (0, 0)
    assert contributor.balance == before - fees(chain, added.txn_hash, refunded.txn_hash)
    assert cli.format_claimed(refunded, "refunded")[0] == f"refunded {cli.format_wei(c.deposit)} from contribution 0"


def test_contribute__excess_value_returned(trainer, encoder, small_model, contributor):
    features = pick_features(small_model, 0, agree=True)
    sent = 3 * int(trainer.depositRequired())

    added = cli.do_contribute(trainer, contributor, text_of(features), 0, encoder, value=sent)

    assert added.sent == sent
    assert trainer.balance == added.contribution.deposit < sent


def test_contribute__deposit_too_low_prints_name_and_hint(trainer, encoder, contributor):
    required = int(trainer.depositRequired())

    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            cli.do_contribute(trainer, contributor, text_of((1, 2)), 1, encoder, value=1)

    message = raised.value.format_message()
    assert message.startswith(f"the contract reverted with DepositTooLow(required={required}, sent=1)")
    assert "hint: send at least depositRequired(); the excess is returned in the same call" in message
    assert trainer.contributionCount() == 0


def test_refund__too_early_prints_name_hint_and_time(trainer, encoder, small_model, contributor, drt_params):
    added = cli.do_contribute(trainer, contributor, text_of(pick_features(small_model, 1, agree=True)), 1, encoder)
    claimable_at = added.contribution.added_time + drt_params.refund_wait

    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            cli.do_refund(trainer, contributor, added.contribution.id)

    message = raised.value.format_message()
    assert f"ClaimTooEarly(id=0, claimableAt={claimable_at}, nowTime=" in message
    assert "hint: wait until the claimableAt timestamp" in message
    assert f"claimable at {cli.format_time(claimable_at)}, in " in message
    assert trainer.balance == added.contribution.deposit


def test_refund__by_someone_else(trainer, encoder, contributor, reporter):
    cli.do_contribute(trainer, contributor, text_of((5,)), 1, encoder)

    with pytest.raises(click.UsageError, match=f"added by {contributor.address}, not {reporter.address}"):
        cli.do_refund(trainer, reporter, 0)


@pytest.mark.parametrize("contribution_id", [0, 7])
def test_refund__unknown_id(trainer, contributor, contribution_id):
    with pytest.raises(click.BadParameter, match=f"contribution {contribution_id} does not exist"):
        cli.do_refund(trainer, contributor, contribution_id)


# ---- report ----
def test_report__takes_a_disputed_deposit(trainer, encoder, small_model, contributor, reporter, travel):
    model = small_model.copy()
    bad_features = pick_stubborn(model, 0)
    bad = cli.do_contribute(trainer, contributor, text_of(bad_features), 0, encoder).contribution
    model.update(bad_features, 0)
    good_features = pick_features(model, 1, agree=True, start=bad_features[-1] + 1)
    good = cli.do_contribute(trainer, reporter, text_of(good_features), 1, encoder).contribution
    travel(DAY)
    cli.do_refund(trainer, reporter, good.id)

    taken = cli.do_report(trainer, reporter, bad.id)

    assert taken.contribution == bad
    assert taken.amount == bad.deposit  # the reporter holds every good contribution
    assert taken.deposit_left == 0
    assert trainer.records(bad.id)[0] == 0
    assert trainer.balance == 0
    assert cli.format_claimed(taken, "took")[:2] == [
        f"took {cli.format_wei(bad.deposit)} from contribution {bad.id}",
        f"deposit left: {cli.format_wei(0)}",
    ]


def test_report__without_good_contributions_prints_name_and_hint(
    trainer, encoder, small_model, contributor, reporter, travel
):
    bad_features = pick_stubborn(small_model, 0)
    bad = cli.do_contribute(trainer, contributor, text_of(bad_features), 0, encoder).contribution
    travel(DAY)

    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            cli.do_report(trainer, reporter, bad.id)

    message = raised.value.format_message()
    assert f"ReporterHasNoGoodContributions(reporter={reporter.address})" in message
    assert "hint: only accounts with refunded (validated) contributions may report" in message


# ---- status ----
def test_status(trainer, encoder, small_model, contributor, drt_params, travel):
    added = cli.do_contribute(trainer, contributor, text_of(pick_features(small_model, 1, agree=True)), 1, encoder)
    travel(DAY)
    cli.do_refund(trainer, contributor, added.contribution.id)
    cli.do_contribute(trainer, contributor, text_of((9, 10)), 1, encoder)

    status = cli.do_status(trainer, contributor)

    assert status == cli.TrainerStatus(
        address=trainer.address,
        feature_count=SMALL_FEATURES,
        model_ready=True,
        loaded_words=small_model.word_count,
        model_word_count=small_model.word_count,
        deposit_required=int(trainer.depositRequired()),
        contribution_count=2,
        total_good_contributions=1,
        balance=int(trainer.balance),
        refund_wait=drt_params.refund_wait,
        owner_claim_wait=drt_params.owner_claim_wait,
        anyone_claim_wait=drt_params.anyone_claim_wait,
        account=contributor.address,
        good_contributions=1,
    )
    assert status.balance > 0
    lines = cli.format_status(status)
    assert "modelReady:               yes" in lines
    assert f"goodContributions of {contributor.address}: 1" in lines
    assert cli.do_status(trainer).good_contributions is None


def test_status__model_not_loaded(create_trainer, small_model):
    unloaded = create_trainer(small_model, load=False)

    status = cli.do_status(unloaded)

    assert not status.model_ready
    assert f"modelReady:               no (0/{small_model.word_count} model words loaded)" in cli.format_status(status)


# ---- dataset ----
def test_dataset__csv_from_the_logs(trainer, encoder, contributor, reporter, tmp_path, chain):
    first = cli.do_contribute(trainer, contributor, text_of((3, 4, 5, 6)), 1, encoder).contribution
    chain.mine(5)
    second = cli.do_contribute(trainer, reporter, "no known word", 0, encoder).contribution
    out = tmp_path / "dataset.csv"

    contributions = cli.do_dataset(trainer, out, step=2, progress=False)  # several log ranges

    assert contributions == [first, second]
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["id", "contributor", "label", "addedTime", "deposit", "indices"],
        ["0", contributor.address, "1", str(first.added_time), str(first.deposit), "3 4 5 6"],
        ["1", reporter.address, "0", str(second.added_time), str(second.deposit), ""],
    ]


def test_dataset__progress_bar_over_several_ranges(trainer, encoder, contributor, tmp_path, capsys):
    cli.do_contribute(trainer, contributor, text_of((1,)), 1, encoder)

    cli.do_dataset(trainer, tmp_path / "dataset.csv", step=1, progress=True)

    assert "reading logs" in capsys.readouterr().err


def test_dataset__from_block_after_the_contributions(trainer, encoder, contributor, tmp_path, chain):
    cli.do_contribute(trainer, contributor, text_of((1,)), 1, encoder)
    out = tmp_path / "dataset.csv"

    assert cli.do_dataset(trainer, out, from_block=chain.blocks.height + 1, progress=False) == []
    assert out.read_text() == "id,contributor,label,addedTime,deposit,indices\n"


# ---- lookups ----
def test_trainer_at__typed_by_the_repository_project(trainer):
    found = cli.trainer_at(trainer.address)

    assert found.address == trainer.address
    assert found.contract_type.name == "SparsePerceptronDRT"
    assert found.featureCount() == SMALL_FEATURES


def test_trainer_at__no_code(anyone):
    with pytest.raises(click.ClickException, match=f"no contract at {anyone.address}"):
        cli.trainer_at(anyone.address)


def test_resolve_account__test_accounts_and_addresses(accounts, contributor):
    assert cli.resolve_account("TEST::1") == accounts[1] == contributor
    assert cli.resolve_account(contributor.address.lower(), signer=False) == contributor.address
    with pytest.raises(click.BadParameter, match="no account named 'nobody'"):
        cli.resolve_account("nobody")
    with pytest.raises(click.BadParameter, match="TEST::N with N a number"):
        cli.resolve_account("TEST::x")


def anvil_at(host: str) -> dict:
    return {"host": host, "manage_process": False}


@pytest.mark.parametrize(
    ("choice", "resolved", "settings"),
    [
        ("ethereum:local:foundry", "ethereum:local:foundry", anvil_at("http://127.0.0.1:8545")),
        ("ethereum:local:http://10.0.0.2:8600", "ethereum:local:foundry", anvil_at("http://10.0.0.2:8600")),
        ("ethereum:mainnet-fork:foundry", "ethereum:mainnet-fork:foundry", None),
        ("ethereum:sepolia:https://rpc.example", "ethereum:sepolia:https://rpc.example", None),
        ("ethereum:nonet:foundry", "ethereum:nonet:foundry", None),
    ],
)
def test_resolve_network__local_means_a_running_anvil(monkeypatch, choice, resolved, settings):
    monkeypatch.delenv("APE_FOUNDRY_HOST", raising=False)

    assert cli.resolve_network(choice) == (resolved, settings)


def test_resolve_network__foundry_host_from_the_environment(monkeypatch):
    monkeypatch.setenv("APE_FOUNDRY_HOST", "http://127.0.0.1:8555")

    assert cli.resolve_network("ethereum:local:foundry")[1] == anvil_at("http://127.0.0.1:8555")


def test_chain_errors__view_call_revert(trainer):
    """Ape leaves a view call's custom error as Anvil's text; the name, arguments and hint are recovered."""
    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            trainer.predict(b"\x00\x05\x00\x01")

    message = raised.value.format_message()
    assert message.startswith("the contract reverted with FeaturesNotSorted(position=1, previous=5, index=1)")
    assert "hint: send feature indices sorted ascending, each once" in message


def test_chain_errors__view_call_revert_with_data_that_is_not_text(trainer):
    """Anvil writes such revert data as hex rather than text."""
    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            trainer.predict(b"\xff\xff")

    message = raised.value.format_message()
    assert message.startswith("the contract reverted with FeatureOutOfRange(index=65535, featureCount=64)")
    assert "hint: every feature index must be below the model's feature count" in message


def test_chain_errors__view_call_on_an_unloaded_model(create_trainer, small_model, encoder):
    unloaded = create_trainer(small_model, load=False)

    with pytest.raises(click.ClickException) as raised:
        with cli.chain_errors():
            cli.do_predict(unloaded, encoder, text_of((1, 2)))

    message = raised.value.format_message()
    assert message.startswith(f"the contract reverted with ModelNotLoaded(loaded=0, total={small_model.word_count})")
    assert "hint: the owner must finish loadModel" in message


# ---- the commands end to end, over RPC to the test Anvil ----
def test_commands__end_to_end(trainer, small_model, contributor, networks, tmp_path):
    from click.testing import CliRunner

    vocab = tmp_path / "vocab.json"
    TextEncoder(WORDS).save(vocab)
    features = pick_features(small_model, 1, agree=True)
    common = ["--address", trainer.address, "--network", f"ethereum:local:{networks.provider.uri}"]
    runner = CliRunner()

    predicted = runner.invoke(cli.main, ["predict", text_of(features), "--vocab", str(vocab), *common, "--offchain"])
    sender = ["--account", "TEST::1"]
    added = runner.invoke(
        cli.main, ["contribute", text_of(features), "1", "--vocab", str(vocab), *common, *sender, "--value", "1 eth"]
    )
    status = runner.invoke(cli.main, ["status", *common, "--account", contributor.address])
    early = runner.invoke(cli.main, ["refund", "0", *common, *sender])

    assert predicted.exit_code == 0, predicted.output
    assert predicted.output.startswith(f"label: 1\nscore: {small_model.score(features)} (")
    assert added.exit_code == 0, added.output
    assert "contribution id: 0\n" in added.output
    assert trainer.contributionCount() == 1
    assert status.exit_code == 0, status.output
    assert "contributionCount:        1\n" in status.output
    assert f"goodContributions of {contributor.address}: 0\n" in status.output
    assert early.exit_code == 1
    assert "Error: the contract reverted with ClaimTooEarly(id=0" in early.output
    assert "hint: wait until the claimableAt timestamp" in early.output
