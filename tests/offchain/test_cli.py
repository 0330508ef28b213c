"""The `collabml` command line without a chain: `encode`, every `--help`, and input errors that
are caught before any connection (so these never import Ape)."""

from __future__ import annotations

import io
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from collabml import cli
from collabml.cli import main
from collabml.encoding import HashingTextEncoder, TextEncoder, pack_indices
from collabml.trainer import Contribution

COMMANDS = ["encode", "predict", "contribute", "refund", "report", "status", "dataset"]
TRAINER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.fixture
def vocab(tmp_path) -> str:
    path = tmp_path / "vocab.json"
    TextEncoder(["bad", "good", "movie"]).save(path)
    return str(path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# ---- encode ----
def test_encode__vocabulary(runner, vocab):
    result = runner.invoke(main, ["encode", "A GOOD movie.<br />Not bad, not good!", "--vocab", vocab])

    assert result.exit_code == 0, result.output
    assert result.output == "indices: 0 1 2\npacked:  0x000000010002\n"


def test_encode__hashing(runner):
    text = "a good movie"
    indices = HashingTextEncoder(16).encode(text)

    result = runner.invoke(main, ["encode", text, "--hashing", "16"])

    assert result.exit_code == 0, result.output
    assert result.output == f"indices: {' '.join(map(str, indices))}\npacked:  0x{pack_indices(indices).hex()}\n"


def test_encode__saved_hashing_encoder_as_vocab(runner, tmp_path):
    path = tmp_path / "hashing.json"
    HashingTextEncoder(1000).save(path)
    indices = HashingTextEncoder(1000).encode("good movie")

    result = runner.invoke(main, ["encode", "good movie", "--vocab", str(path)])

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"indices: {' '.join(map(str, indices))}\n")


def test_encode__standard_input(runner, vocab):
    result = runner.invoke(main, ["encode", "-", "--vocab", vocab], input="bad movie\n")

    assert result.exit_code == 0, result.output
    assert result.output == "indices: 0 2\npacked:  0x00000002\n"


def test_encode__no_known_word(runner, vocab):
    result = runner.invoke(main, ["encode", "nothing here", "--vocab", vocab])

    assert result.exit_code == 0
    assert "indices: \npacked:  0x\n" in result.output
    assert "no word of TEXT is a feature of this encoder" in result.output


# ---- help ----
def test_help__group(runner):
    result = runner.invoke(main, ["--help"])

    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_help__command(runner, command):
    result = runner.invoke(main, [command, "--help"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {command} [OPTIONS]")


def test_help__and_encode_do_not_import_ape(tmp_path):
    vocab = tmp_path / "vocab.json"
    TextEncoder(["bad", "good"]).save(vocab)
    script = f"""
import sys
from click.testing import CliRunner
from collabml.cli import main
for args in [["--help"], *[[c, "--help"] for c in {COMMANDS!r}], ["encode", "good", "--vocab", {str(vocab)!r}]]:
    assert CliRunner().invoke(main, args).exit_code == 0, args
print(sorted(m for m in sys.modules if m == "ape" or m.startswith("ape.") or m.startswith("ape_")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---- input errors, reported before connecting ----
def test_encode__missing_vocab(runner, tmp_path):
    missing = tmp_path / "nope.json"

    result = runner.invoke(main, ["encode", "good", "--vocab", str(missing)])

    assert result.exit_code == 2
    assert f"Invalid value for '--vocab': {missing} does not exist" in result.output
    assert "TextEncoder.save" in result.output and "--hashing N" in result.output


def test_encode__not_an_encoder_file(runner, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"words": ["a"]}')

    result = runner.invoke(main, ["encode", "good", "--vocab", str(path)])

    assert result.exit_code == 2
    assert f"{path} is not a saved encoder" in result.output


@pytest.mark.parametrize("options", [[], ["--vocab", "v.json", "--hashing", "8"]])
def test_encode__needs_exactly_one_encoder(runner, options):
    result = runner.invoke(main, ["encode", "good", *options])

    assert result.exit_code == 2
    assert "pass exactly one of --vocab PATH" in result.output


def test_encode__hashing_out_of_range(runner):
    result = runner.invoke(main, ["encode", "good", "--hashing", "70000"])

    assert result.exit_code == 2
    assert "Invalid value for '--hashing'" in result.output


@pytest.mark.parametrize("label", ["2", "1.0", "maybe"])
def test_contribute__bad_label(runner, vocab, label):
    result = runner.invoke(
        main, ["contribute", "good movie", label, "--vocab", vocab, "--address", TRAINER, "--account", "TEST::1"]
    )

    assert result.exit_code == 2
    assert f"Invalid value for 'LABEL': {label!r} is not a label of this binary model" in result.output
    assert "use 0 (negative) or 1 (positive)" in result.output


def test_contribute__bad_value(runner, vocab):
    args = ["contribute", "good", "1", "--vocab", vocab, "--address", TRAINER, "--account", "TEST::1"]

    result = runner.invoke(main, [*args, "--value", "1 dollar"])

    assert result.exit_code == 2
    assert "Invalid value for '--value': '1 dollar' is not an amount: write wei (1000) or a number" in result.output


def test_contribute__missing_vocab(runner, tmp_path):
    result = runner.invoke(
        main,
        ["contribute", "good", "1", "--vocab", str(tmp_path / "nope.json"), "--address", TRAINER, "--account", "a"],
    )

    assert result.exit_code == 2
    assert "does not exist: pass the encoder JSON the model was trained with" in result.output


def test_contribute__needs_an_account(runner, vocab):
    result = runner.invoke(main, ["contribute", "good", "1", "--vocab", vocab, "--address", TRAINER])

    assert result.exit_code == 2
    assert "Missing option '--account'" in result.output


@pytest.mark.parametrize("address", ["0x1234", "trainer", TRAINER + "00"])
def test_predict__bad_address(runner, vocab, address):
    result = runner.invoke(main, ["predict", "good", "--vocab", vocab, "--address", address])

    assert result.exit_code == 2
    assert f"{address!r} is not an address: pass the trainer's 0x-prefixed 40-hex-digit address" in result.output


def test_status__address_from_the_environment_is_checked(runner):
    result = runner.invoke(main, ["status"], env={"COLLABML_TRAINER": "0xnothex"})

    assert result.exit_code == 2
    assert "'0xnothex' is not an address" in result.output


def test_refund__negative_id(runner):
    result = runner.invoke(main, ["refund", "-3", "--address", TRAINER, "--account", "a"])

    assert result.exit_code == 2


# ---- pure helpers ----
@pytest.mark.parametrize(("text", "label"), [("0", 0), ("1", 1), (" pos ", 1), ("Negative", 0)])
def test_parse_label(text, label):
    assert cli.parse_label(text) == label


@pytest.mark.parametrize(
    ("text", "wei"),
    [("1000", 1000), ("0", 0), ("500 gwei", 500 * 10**9), ("0.01 ether", 10**16), (" 1.5ETH ", 15 * 10**17)],
)
def test_parse_wei(text, wei):
    assert cli.parse_wei(text) == wei


@pytest.mark.parametrize("text", ["", "-1", "1e18", "0.5 wei", "1.2.3 ether", "ether"])
def test_parse_wei__not_an_amount(text):
    with pytest.raises(click.BadParameter):
        cli.parse_wei(text)


def test_check_address__checksums():
    assert cli.check_address(TRAINER.lower()) == TRAINER


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0m 0s"), (59, "0m 59s"), (86_399, "23h 59m 59s"), (86_400, "1d 0h 0m"), (-5, "0m 0s")]
)
def test_format_duration(seconds, text):
    assert cli.format_duration(seconds) == text


def test_format_wei():
    assert cli.format_wei(3_600_000_000_000_000) == "3,600,000,000,000,000 wei (0.003600 ETH)"


def test_write_dataset():
    rows = [
        Contribution(0, TRAINER, 1, 1_700_000_000, 3_600, (3, 4, 5)),
        Contribution(1, TRAINER, 0, 1_700_000_100, 1_800, ()),
    ]
    handle = io.StringIO()

    cli.write_dataset(rows, handle)

    assert handle.getvalue() == (
        "id,contributor,label,addedTime,deposit,indices\n"
        f"0,{TRAINER},1,1700000000,3600,3 4 5\n"
        f"1,{TRAINER},0,1700000100,1800,\n"
    )


def test_load_encoder__usage_errors_are_click_errors(vocab):
    assert cli.load_encoder(vocab, None) == TextEncoder(["bad", "good", "movie"])
    with pytest.raises(click.UsageError):
        cli.load_encoder(None, None)
