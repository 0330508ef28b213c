"""`collabml`: the command line for contributors to a deployed ``SparsePerceptronDRT``.

``collabml encode`` is pure. The other commands connect to a chain through Ape; each is a thin
wrapper over a ``do_*`` function that takes a connected contract (and account), so tests and
scripts call those directly. Ape, numpy and scikit-learn are imported only inside the commands
that need them: ``collabml --help`` and ``collabml encode`` never import Ape.

Contract errors are printed by name with their arguments and the hint of the same-named class in
:mod:`collabml.errors`.
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # pragma: no cover
    from collabml.encoding import HashingTextEncoder, TextEncoder
    from collabml.trainer import Contribution

    Encoder = TextEncoder | HashingTextEncoder

DEFAULT_NETWORK = "ethereum:local:foundry"
DEFAULT_ANVIL_URI = "http://127.0.0.1:8545"
DATASET_BLOCK_STEP = 10_000
"""Blocks per ``eth_getLogs`` range when rebuilding the data set (one progress-bar step)."""
DATASET_COLUMNS = ("id", "contributor", "label", "addedTime", "deposit", "indices")
TEST_ACCOUNT_PREFIX = "TEST::"
WEI_PER_ETH = 10**18

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


# ---- results (what the commands print) -------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    label: int
    indices: tuple[int, ...]
    score: int | None = None
    """The integer score (intercept plus the present weights, in weight units), known only when
    predicted off chain."""


@dataclass(frozen=True)
class Contributed:
    contribution: Contribution
    sent: int
    gas: int
    txn_hash: str
    claimable_at: int
    """When the contributor may ask for a refund: ``addedTime + refundWait``."""


@dataclass(frozen=True)
class Claimed:
    contribution: Contribution
    amount: int
    deposit_left: int
    gas: int
    txn_hash: str


@dataclass(frozen=True)
class TrainerStatus:
    address: str
    feature_count: int
    model_ready: bool
    loaded_words: int
    model_word_count: int
    deposit_required: int
    contribution_count: int
    total_good_contributions: int
    balance: int
    refund_wait: int
    owner_claim_wait: int
    anyone_claim_wait: int
    account: str | None = None
    good_contributions: int | None = None


# ---- pure helpers ---------------------------------------------------------------------


def format_wei(wei: int) -> str:
    return f"{wei:,} wei ({wei / WEI_PER_ETH:.6f} ETH)"


def format_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_duration(seconds: int) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours or days else []
    parts += [f"{minutes}m", f"{seconds}s"] if not days else [f"{minutes}m"]
    return " ".join(parts)


def read_text(text: str) -> str:
    """``text`` itself, or standard input when it is ``-``."""
    return click.get_text_stream("stdin").read() if text == "-" else text


def load_encoder(vocab: str | os.PathLike[str] | None, hashing: int | None) -> Encoder:
    """The encoder the model was trained with: a saved ``TextEncoder`` or ``HashingTextEncoder``
    (``vocab``), or a ``HashingTextEncoder(hashing)``. Raises ``click.UsageError`` saying what to pass."""
    from collabml.encoding import EncodingError, HashingTextEncoder, TextEncoder

    if (vocab is None) == (hashing is None):
        raise click.UsageError(
            "pass exactly one of --vocab PATH (the encoder JSON saved with TextEncoder.save) "
            "or --hashing N (a HashingTextEncoder with N features)"
        )
    if hashing is not None:
        try:
            return HashingTextEncoder(hashing)
        except EncodingError as error:
            raise click.BadParameter(str(error), param_hint="'--hashing'") from error
    path = pathlib.Path(vocab).expanduser()
    if not path.is_file():
        raise click.BadParameter(
            f"{path} does not exist: pass the encoder JSON the model was trained with "
            "(written by TextEncoder.save), or --hashing N for a hashing model",
            param_hint="'--vocab'",
        )
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        kind = payload.get("format") if isinstance(payload, dict) else None
        loader = HashingTextEncoder if kind == HashingTextEncoder.FORMAT else TextEncoder
        return loader.load(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, EncodingError, KeyError, TypeError) as error:
        raise click.BadParameter(
            f"{path} is not a saved encoder ({error}); save one with TextEncoder.save(path)",
            param_hint="'--vocab'",
        ) from error


def encode_text(encoder: Encoder, text: str) -> tuple[tuple[int, ...], bytes]:
    """The sorted feature indices of ``text`` and their packed on-chain bytes."""
    from collabml.encoding import pack_indices

    indices = encoder.encode(text)
    return indices, pack_indices(indices)


def parse_label(value: str) -> int:
    """A binary label: ``0``/``1`` (also ``neg``/``pos``, ``negative``/``positive``)."""
    names = {"0": 0, "1": 1, "neg": 0, "pos": 1, "negative": 0, "positive": 1}
    label = names.get(value.strip().lower())
    if label is None:
        raise click.BadParameter(
            f"{value!r} is not a label of this binary model: use 0 (negative) or 1 (positive)",
            param_hint="'LABEL'",
        )
    return label


_UNITS = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
_AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$")


def parse_wei(value: str) -> int:
    """An amount in wei: ``1000``, ``'500 gwei'``, ``'0.01 ether'`` (whole wei only)."""
    from decimal import Decimal

    match = _AMOUNT.match(value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS | {"": 1}:
        raise click.BadParameter(
            f"{value!r} is not an amount: write wei (1000) or a number and a unit ('500 gwei', '0.01 ether')",
            param_hint="'--value'",
        )
    wei = Decimal(match.group(1)) * _UNITS.get(unit, 1)
    if wei != wei.to_integral_value():
        raise click.BadParameter(f"{value!r} is not a whole number of wei", param_hint="'--value'")
    return int(wei)


def check_address(value: str | None) -> str | None:
    if value is None:
        return None
    if not _ADDRESS.match(value):
        raise click.BadParameter(
            f"{value!r} is not an address: pass the trainer's 0x-prefixed 40-hex-digit address "
            "(printed by `ape run deploy`)",
            param_hint="'--address'",
        )
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def dataset_rows(contributions: Sequence[Contribution]) -> Iterator[tuple[Any, ...]]:
    for c in contributions:
        yield (c.id, c.contributor, c.label, c.added_time, c.deposit, " ".join(str(i) for i in c.features))


def write_dataset(contributions: Sequence[Contribution], handle: IO[str]) -> None:
    """The data set as CSV: ``id,contributor,label,addedTime,deposit,indices`` (indices space-separated)."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(DATASET_COLUMNS)
    writer.writerows(dataset_rows(contributions))


# ---- chain: connection, contract, account, errors -------------------------------------


def repository_root() -> pathlib.Path:
    """The Ape project holding the contracts: the checkout this package lives in, else the cwd."""
    for candidate in (pathlib.Path(__file__).resolve().parents[2], pathlib.Path.cwd()):
        if (candidate / "ape-config.yaml").is_file() and (candidate / "contracts").is_dir():
            return candidate
    raise click.ClickException(
        "cannot find the collabml contracts: install collabml from a checkout of its repository "
        "(pip install -e .) or run this command in the repository root (the folder with ape-config.yaml)"
    )


def trainer_at(address: str):
    """The ``SparsePerceptronDRT`` at ``address`` on the connected chain, typed by the repository's
    compiled contract (whatever the working directory)."""
    from ape import Project, networks

    code = networks.provider.get_code(address)
    if not code:
        network = networks.provider.network_choice
        raise click.ClickException(
            f"no contract at {address} on {network}: check the address, and that --network reaches the "
            f"chain it was deployed on (an Anvil you started: --network ethereum:local:foundry with "
            f"APE_FOUNDRY_HOST=http://HOST:PORT, or --network ethereum:local:http://HOST:PORT)"
        )
    container = Project(repository_root()).SparsePerceptronDRT
    return container.at(address, fetch_from_explorer=False, detect_proxy=False)


def is_local_network(network) -> bool:
    return bool(network.is_local) or network.name.endswith("-fork")


def resolve_account(alias: str, *, signer: bool = True):
    """``TEST::N`` (the N-th test account, local networks only), a keyfile account's alias, or
    (``signer=False``, for reading) a plain address."""
    from ape import accounts, networks

    if alias.upper().startswith(TEST_ACCOUNT_PREFIX):
        number = alias[len(TEST_ACCOUNT_PREFIX) :]
        if not number.isdigit():
            raise click.BadParameter(
                f"{alias!r}: write TEST::N with N a number, e.g. TEST::0", param_hint="'--account'"
            )
        if not is_local_network(networks.provider.network):
            raise click.BadParameter(
                f"test accounts exist only on local and fork networks, not {networks.provider.network.name}: "
                "use a keyfile account (ape accounts import ALIAS)",
                param_hint="'--account'",
            )
        return accounts.test_accounts[int(number)]
    if not signer and _ADDRESS.match(alias):
        return check_address(alias)
    try:
        return accounts.load(alias)
    except KeyError as error:
        raise click.BadParameter(
            f"no account named {alias!r}: list them with `ape accounts list`, add one with "
            "`ape accounts import ALIAS`, or use TEST::N on a local network",
            param_hint="'--account'",
        ) from error


def resolve_network(network_choice: str) -> tuple[str, dict[str, Any] | None]:
    """The network choice and provider settings to connect with. On the local network the node is
    an already running Anvil, reached through ape-foundry (never a new, empty chain):
    ``<ecosystem>:local:foundry`` at ``$APE_FOUNDRY_HOST`` or ``http://127.0.0.1:8545``, and
    ``<ecosystem>:local:http://HOST:PORT`` at that address (Ape's generic node provider would sign
    for chain id 1337 there, which Anvil refuses)."""
    from ape import networks

    parts = network_choice.split(":")
    if len(parts) > 3:  # ecosystem:network:http://...
        uri = ":".join(parts[2:])
        if parts[1] == "local" and uri.startswith("http"):
            ecosystem_name = parts[0] or networks.default_ecosystem_name
            return f"{ecosystem_name}:local:foundry", {"host": uri, "manage_process": False}
        return network_choice, None
    try:
        ecosystem = networks.get_ecosystem(parts[0] or networks.default_ecosystem_name)
        network = ecosystem.get_network(parts[1] if len(parts) > 1 and parts[1] else ecosystem.default_network_name)
        provider = parts[2] if len(parts) > 2 and parts[2] else network.default_provider_name
    except Exception:  # noqa: BLE001 - parse_network_choice reports bad choices itself
        return network_choice, None
    if network.name == "local" and provider == "foundry":
        return network_choice, {"host": os.environ.get("APE_FOUNDRY_HOST", DEFAULT_ANVIL_URI), "manage_process": False}
    return network_choice, None


_UNDECODED_ERROR = re.compile(r"custom error (?:0x)?([0-9a-fA-F]{8}):? ?(.*)", re.S)


def _undecoded_custom_error(error) -> tuple[Any, dict[str, Any] | None] | None:
    """(ABI, arguments or ``None``) of a custom error that Ape left as Anvil's text
    ``custom error 0x<selector>: <data>``, as it does for reverting view calls. Anvil writes the data
    as text when it is valid UTF-8 and as hex otherwise; arguments are ``None`` when it was cut short."""
    from eth_abi import decode
    from eth_hash.auto import keccak
    from eth_utils import to_checksum_address

    match = _UNDECODED_ERROR.search(str(getattr(error, "revert_message", None) or error))
    contract_type = getattr(error, "contract_type", None)
    if match is None or contract_type is None:
        return None
    selector = bytes.fromhex(match.group(1))
    abi = next((e for e in contract_type.errors if keccak(e.selector.encode())[:4] == selector), None)
    if abi is None:
        return None
    payload = match.group(2)
    candidates = [payload.encode("utf-8")]
    if re.fullmatch(r"(0x)?[0-9a-fA-F]*", payload) and len(payload) % 2 == 0:
        candidates.insert(0, bytes.fromhex(payload.removeprefix("0x")))
    types = [i.canonical_type for i in abi.inputs]
    for data in candidates:
        try:
            values = decode(types, data, strict=True)
        except Exception:  # noqa: BLE001 - not this encoding; try the next
            continue
        values = [to_checksum_address(v) if t == "address" else v for t, v in zip(types, values)]
        return abi, dict(zip((i.name for i in abi.inputs), values))
    return abi, None


def describe_revert(error) -> str:
    """A contract error as ``Name(arg=value, ...)`` plus the hint of ``collabml.errors.Name``."""
    from collabml import errors

    abi = getattr(error, "abi", None)
    inputs: dict[str, Any] | None = dict(getattr(error, "inputs", {}) or {})
    if getattr(abi, "name", None) is None:
        undecoded = _undecoded_custom_error(error)
        if undecoded is None:
            message = getattr(error, "revert_message", None) or str(error)
            return f"the contract reverted: {message}"
        abi, inputs = undecoded
    name = abi.name
    ordered = [i.name for i in abi.inputs]
    if inputs is None:
        text = f"the contract reverted with {name}(...)"
        values: list[Any] = []
    else:
        values = [inputs.get(key) for key in ordered]
        text = f"the contract reverted with {name}({', '.join(f'{k}={v}' for k, v in zip(ordered, values))})"
    mirror = getattr(errors, name, None)
    if isinstance(mirror, type) and issubclass(mirror, errors.ContractRuleError) and mirror.hint:
        text += f"\n  hint: {mirror.hint}"
    if name == "ClaimTooEarly" and len(values) == 3:
        _, claimable_at, now = (int(v) for v in values)
        text += f"\n  claimable at {format_time(claimable_at)}, in {format_duration(claimable_at - now)}"
    return text


@contextmanager
def chain_errors() -> Iterator[None]:
    """Ape errors as ``click.ClickException``: reverts by name and hint, the rest by message."""
    from ape.exceptions import ApeException, ContractLogicError

    try:
        yield
    except ContractLogicError as error:
        raise click.ClickException(describe_revert(error)) from error
    except ApeException as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error


@contextmanager
def connected(network_choice: str) -> Iterator[Any]:
    """Connect to ``network_choice`` for the block; yields the provider."""
    from ape import networks
    from ape.exceptions import ApeException

    with ExitStack() as stack:
        try:
            choice, settings = resolve_network(network_choice)
            provider = stack.enter_context(networks.parse_network_choice(choice, provider_settings=settings))
        except (ApeException, ValueError) as error:
            raise click.ClickException(
                f"cannot connect to {network_choice}: {error}\n"
                "  list the networks with `ape networks list`; on the local network start Anvil first "
                "(`anvil`, at http://127.0.0.1:8545) or say where it runs: "
                "--network ethereum:local:http://HOST:PORT or APE_FOUNDRY_HOST=http://HOST:PORT"
            ) from error
        stack.enter_context(chain_errors())
        yield provider


@contextmanager
def trainer_session(network_choice: str, address: str) -> Iterator[Any]:
    """Connected, with the trainer at ``address``; Ape errors become ``click.ClickException``."""
    with connected(network_choice):
        yield trainer_at(address)


# ---- chain: the commands' work, on a connected contract --------------------------------


def check_encoder(contract, encoder: Encoder) -> None:
    feature_count = int(contract.featureCount())
    if encoder.feature_count != feature_count:
        raise click.ClickException(
            f"the encoder has {encoder.feature_count:,} features but the model at {contract.address} has "
            f"{feature_count:,}: use the encoder the model was trained with"
        )


def do_predict(contract, encoder: Encoder, text: str, *, offchain: bool = False) -> Prediction:
    """The model's label for ``text``: a view call, or (``offchain``) the mirror of the weights read once."""
    from collabml.chain.client import TrainerClient

    check_encoder(contract, encoder)
    indices, _ = encode_text(encoder, text)
    client = TrainerClient(contract)
    if not offchain:
        return Prediction(client.predict(indices), indices)
    model = client.read_model()
    return Prediction(model.predict(indices), indices, model.score(indices))


def do_contribute(contract, account, text: str, label: int, encoder: Encoder, value: int | None = None) -> Contributed:
    """``addData`` of ``text`` with ``label``; ``value`` defaults to ``depositRequired()``."""
    from collabml.chain.client import TrainerClient

    check_encoder(contract, encoder)
    indices, _ = encode_text(encoder, text)
    if value is None:
        value = int(contract.depositRequired())
    contribution, receipt = TrainerClient(contract).contribute(account, indices, label, value=value)
    claimable_at = contribution.added_time + int(contract.refundWait())
    return Contributed(contribution, value, int(receipt.gas_used), str(receipt.txn_hash), claimable_at)


def find_contribution(contract, contribution_id: int, *, from_block: int = 0) -> Contribution:
    """Contribution ``contribution_id`` as its ``ContributionAdded`` log tells it."""
    from ape import chain

    from collabml.chain.client import contribution_from_event

    count = int(contract.contributionCount())
    if not 0 <= contribution_id < count:
        raise click.BadParameter(
            f"contribution {contribution_id} does not exist: this trainer has ids 0 to {count - 1}"
            if count
            else f"contribution {contribution_id} does not exist: this trainer has no contributions yet",
            param_hint="'ID'",
        )
    logs = contract.ContributionAdded.range(
        from_block, chain.blocks.height + 1, search_topics={"id": contribution_id}
    )
    for log in logs:
        return contribution_from_event(log)
    raise click.ClickException(
        f"no ContributionAdded log for contribution {contribution_id} from block {from_block} on: "
        "lower --from-block (to the trainer's deployment block), or use an RPC node that keeps old logs"
    )


def _claimed(receipt, event_name: str, contribution: Contribution) -> Claimed:
    event = next(e for e in receipt.events if e.event_name == event_name)
    left = int(getattr(event, "depositLeft", 0))
    return Claimed(contribution, int(event.amount), left, int(receipt.gas_used), str(receipt.txn_hash))


def do_refund(contract, account, contribution_id: int, *, from_block: int = 0) -> Claimed:
    """``refund`` of one's own contribution, its data read from the logs."""
    from collabml.chain.client import TrainerClient

    contribution = find_contribution(contract, contribution_id, from_block=from_block)
    if contribution.contributor.lower() != account.address.lower():
        raise click.UsageError(
            f"contribution {contribution_id} was added by {contribution.contributor}, not {account.address}: "
            "only its contributor can ask for a refund (others can `collabml report` it)"
        )
    receipt = TrainerClient(contract).refund(account, contribution)
    return _claimed(receipt, "DepositRefunded", contribution)


def do_report(contract, account, contribution_id: int, *, from_block: int = 0) -> Claimed:
    """``report`` of a contribution the model disagrees with (or any, after the long waits)."""
    from collabml.chain.client import TrainerClient

    contribution = find_contribution(contract, contribution_id, from_block=from_block)
    receipt = TrainerClient(contract).report(account, contribution)
    return _claimed(receipt, "DepositTaken", contribution)


def do_status(contract, account: Any = None) -> TrainerStatus:
    """The trainer's public state, and ``account``'s good contributions (an account or address)."""
    address = None if account is None else str(getattr(account, "address", account))
    return TrainerStatus(
        address=str(contract.address),
        feature_count=int(contract.featureCount()),
        model_ready=bool(contract.modelReady()),
        loaded_words=int(contract.loadedWords()),
        model_word_count=int(contract.modelWordCount()),
        deposit_required=int(contract.depositRequired()),
        contribution_count=int(contract.contributionCount()),
        total_good_contributions=int(contract.totalGoodContributions()),
        balance=int(contract.balance),
        refund_wait=int(contract.refundWait()),
        owner_claim_wait=int(contract.ownerClaimWait()),
        anyone_claim_wait=int(contract.anyoneClaimWait()),
        account=address,
        good_contributions=None if address is None else int(contract.goodContributions(address)),
    )


def fetch_contributions(
    contract, *, from_block: int = 0, step: int = DATASET_BLOCK_STEP, progress: bool = True
) -> list[Contribution]:
    """Every contribution, from the ``ContributionAdded`` logs in ranges of ``step`` blocks
    (a progress bar on stderr when there is more than one range)."""
    from ape import chain
    from tqdm import tqdm

    from collabml.chain.client import contribution_from_event

    stop = chain.blocks.height + 1
    starts = range(from_block, stop, step)
    contributions: list[Contribution] = []
    bar = tqdm(starts, desc="reading logs", unit="range", file=sys.stderr, disable=not progress or len(starts) < 2)
    for first in bar:
        logs = contract.ContributionAdded.range(first, min(first + step, stop))
        contributions.extend(contribution_from_event(log) for log in logs)
    return sorted(contributions, key=lambda c: c.id)


def do_dataset(
    contract, out: str | os.PathLike[str], *, from_block: int = 0, step: int = DATASET_BLOCK_STEP, progress: bool = True
) -> list[Contribution]:
    """Rebuild the public data set from the logs into the CSV ``out`` (``-``: standard output)."""
    contributions = fetch_contributions(contract, from_block=from_block, step=step, progress=progress)
    with click.open_file(os.fspath(out), "w", encoding="utf-8", atomic=os.fspath(out) != "-") as handle:
        write_dataset(contributions, handle)
    return contributions


# ---- output -----------------------------------------------------------------------------


def format_prediction(p: Prediction) -> list[str]:
    lines = [f"label: {p.label}"]
    if p.score is not None:
        lines.append(f"score: {p.score} (weight units; label 1 iff the score is positive)")
    return lines


def format_contributed(r: Contributed) -> list[str]:
    c = r.contribution
    change = r.sent - c.deposit
    returned = f" (sent {format_wei(r.sent)}, {change:,} wei returned)" if change else ""
    return [
        f"contribution id: {c.id}",
        f"deposit:     {format_wei(c.deposit)}{returned}",
        f"gas:         {r.gas:,}",
        f"transaction: {r.txn_hash}",
        "data for claims (also in the ContributionAdded log):",
        f"  contributor {c.contributor}",
        f"  label       {c.label}",
        f"  addedTime   {c.added_time} ({format_time(c.added_time)})",
        f"  deposit     {c.deposit}",
        f"  features    0x{c.packed_features.hex()} (indices {' '.join(map(str, c.features)) or 'none'})",
        f"refund from {format_time(r.claimable_at)} if the model then predicts {c.label}: collabml refund {c.id} ...",
    ]


def format_claimed(r: Claimed, verb: str) -> list[str]:
    lines = [f"{verb} {format_wei(r.amount)} from contribution {r.contribution.id}"]
    if verb == "took":
        lines.append(f"deposit left: {format_wei(r.deposit_left)}")
    lines += [f"gas:         {r.gas:,}", f"transaction: {r.txn_hash}"]
    return lines


def format_status(s: TrainerStatus) -> list[str]:
    ready = "yes" if s.model_ready else f"no ({s.loaded_words}/{s.model_word_count} model words loaded)"
    lines = [
        f"trainer:                  {s.address}",
        f"featureCount:             {s.feature_count:,}",
        f"modelReady:               {ready}",
        f"depositRequired:          {format_wei(s.deposit_required)}",
        f"contributionCount:        {s.contribution_count:,}",
        f"totalGoodContributions:   {s.total_good_contributions:,}",
        f"balance:                  {format_wei(s.balance)}",
        f"waits (refund/owner/any): {format_duration(s.refund_wait)} / {format_duration(s.owner_claim_wait)} / "
        f"{format_duration(s.anyone_claim_wait)}",
    ]
    if s.account is not None:
        lines.append(f"goodContributions of {s.account}: {s.good_contributions:,}")
    return lines


def _echo(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)


# ---- the command line -------------------------------------------------------------------


def _address_callback(ctx, param, value):
    return check_address(value)


def _label_callback(ctx, param, value):
    return parse_label(value)


def _value_callback(ctx, param, value):
    return None if value is None else parse_wei(value)


def _text_argument(f):
    return click.argument("text")(f)


def _encoder_options(f):
    f = click.option(
        "--hashing",
        type=click.IntRange(1, 65_536),
        metavar="N",
        help="Use a HashingTextEncoder with N features instead of a vocabulary.",
    )(f)
    return click.option(
        "--vocab",
        type=click.Path(dir_okay=False),
        metavar="PATH",
        help="The encoder JSON the model was trained with (TextEncoder.save / HashingTextEncoder.save).",
    )(f)


def _address_option(f):
    return click.option(
        "--address",
        required=True,
        envvar="COLLABML_TRAINER",
        show_envvar=True,
        callback=_address_callback,
        metavar="ADDR",
        help="The deployed SparsePerceptronDRT.",
    )(f)


def _network_option(f):
    return click.option(
        "--network",
        default=DEFAULT_NETWORK,
        envvar="COLLABML_NETWORK",
        show_default=True,
        show_envvar=True,
        help="Ape network choice (see `ape networks list`). ethereum:local:foundry connects to the running "
        "Anvil at $APE_FOUNDRY_HOST or http://127.0.0.1:8545 and never starts a new chain; "
        "ethereum:local:http://HOST:PORT to the Anvil at that address.",
    )(f)


def _account_option(required: bool, help_text: str):
    def decorate(f):
        return click.option("--account", required=required, metavar="ALIAS", help=help_text)(f)

    return decorate


_SIGNER_HELP = (
    "The sender: an Ape keyfile account alias (`ape accounts list`; the passphrase is asked, or read from "
    "APE_ACCOUNTS_<alias>_PASSPHRASE), or TEST::N for the N-th test account on a local network."
)


def _from_block_option(f):
    return click.option(
        "--from-block",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="First block to search for ContributionAdded logs (the trainer's deployment block is enough).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="collabml")
def main() -> None:
    """Contribute to, claim from and query a Sharing Updatable Model (SparsePerceptronDRT).

    Texts become features with the encoder the model was trained with (--vocab PATH or
    --hashing N). Chain commands take the trainer's --address and an Ape --network.
    """


@main.command()
@_text_argument
@_encoder_options
def encode(text: str, vocab: str | None, hashing: int | None) -> None:
    """Print the sorted feature indices of TEXT and their packed bytes (no chain).

    TEXT '-' reads standard input.
    """
    encoder = load_encoder(vocab, hashing)
    indices, packed = encode_text(encoder, read_text(text))
    click.echo(f"indices: {' '.join(map(str, indices))}")
    click.echo(f"packed:  0x{packed.hex()}")
    if not indices:
        click.echo("note: no word of TEXT is a feature of this encoder", err=True)


@main.command()
@_text_argument
@_encoder_options
@_address_option
@_network_option
@click.option(
    "--offchain",
    is_flag=True,
    help="Read the weights once and predict locally with the bit-exact mirror; also prints the score.",
)
def predict(text: str, vocab, hashing, address: str, network: str, offchain: bool) -> None:
    """Predict the label of TEXT: a free view call, or --offchain from the weights."""
    encoder = load_encoder(vocab, hashing)
    text = read_text(text)
    with trainer_session(network, address) as contract:
        result = do_predict(contract, encoder, text, offchain=offchain)
    _echo(format_prediction(result))


@main.command()
@_text_argument
@click.argument("label", callback=_label_callback)
@_encoder_options
@_address_option
@_network_option
@_account_option(True, _SIGNER_HELP)
@click.option(
    "--value",
    metavar="WEI",
    callback=_value_callback,
    help="Value to send, in wei or with a unit ('0.01 ether', '500 gwei'); default depositRequired() now. "
    "The excess is returned in the same call.",
)
def contribute(
    text: str, label: int, vocab, hashing, address: str, network: str, account: str, value: int | None
) -> None:
    """Add TEXT with LABEL (0 or 1) to the model, paying the deposit (addData).

    Prints the contribution's id and the data needed to claim later.
    """
    encoder = load_encoder(vocab, hashing)
    text = read_text(text)
    with trainer_session(network, address) as contract:
        result = do_contribute(contract, resolve_account(account), text, label, encoder, value)
    _echo(format_contributed(result))


@main.command()
@click.argument("contribution_id", metavar="ID", type=click.IntRange(min=0))
@_address_option
@_network_option
@_account_option(True, _SIGNER_HELP)
@_from_block_option
def refund(contribution_id: int, address: str, network: str, account: str, from_block: int) -> None:
    """Take back the deposit of your contribution ID once the refund wait has passed, if the model agrees."""
    with trainer_session(network, address) as contract:
        result = do_refund(contract, resolve_account(account), contribution_id, from_block=from_block)
    _echo(format_claimed(result, "refunded"))


@main.command()
@click.argument("contribution_id", metavar="ID", type=click.IntRange(min=0))
@_address_option
@_network_option
@_account_option(True, _SIGNER_HELP)
@_from_block_option
def report(contribution_id: int, address: str, network: str, account: str, from_block: int) -> None:
    """Take (a share of) the deposit of contribution ID, which the model disagrees with.

    Needs good (refunded) contributions of your own, and the refund wait to have passed.
    """
    with trainer_session(network, address) as contract:
        result = do_report(contract, resolve_account(account), contribution_id, from_block=from_block)
    _echo(format_claimed(result, "took"))


@main.command()
@_address_option
@_network_option
@_account_option(False, "Also show the good contributions of this account (alias, TEST::N or 0x address).")
def status(address: str, network: str, account: str | None) -> None:
    """Show the trainer's state: features, readiness, deposit, contributions, balance."""
    with trainer_session(network, address) as contract:
        who = None if account is None else resolve_account(account, signer=False)
        result = do_status(contract, who)
    _echo(format_status(result))


@main.command()
@_address_option
@_network_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE.csv",
    help="Where to write the CSV ('-': standard output).",
)
@_from_block_option
def dataset(address: str, network: str, out: str, from_block: int) -> None:
    """Rebuild the public data set from the ContributionAdded logs as CSV.

    Columns: id, contributor, label, addedTime, deposit, indices (space-separated).
    """
    with trainer_session(network, address) as contract:
        contributions = do_dataset(contract, out, from_block=from_block)
    if out != "-":
        click.echo(f"wrote {len(contributions):,} contributions to {out}")



# ---- simulations (no chain) -------------------------------------------------------------

DEFAULT_SIM_OUT = "out/sim"
ATTACKS = {"flood": "flooders", "flip": "flippers"}
"""``--attack`` -> the Population field the ``--malicious`` agents fill."""
DEFAULT_ATTACK_RATE = {"flood": 24.0, "flip": 4.0}


def _amount_callback(ctx, param, value):
    """An amount in wei or with a unit, reported against this option when malformed."""
    if value is None:
        return None
    try:
        return parse_wei(value)
    except click.BadParameter as error:
        raise click.BadParameter(error.message, ctx=ctx, param=param) from error


def _days(value: float) -> int:
    from collabml.sim.clock import DAY

    return int(round(value * DAY))


def _sim_options(f):
    """The options every ``collabml simulate`` command shares (agents, data, time, output)."""
    options = [
        click.option("--honest", type=click.IntRange(min=0), default=3, show_default=True, help="Honest agents."),
        click.option("--malicious", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Malicious agents, of the --attack kind."),
        click.option("--attack", type=click.Choice(sorted(ATTACKS)), default="flood", show_default=True,
                     help="flood: flipped labels at a high rate; flip: flipped labels at the honest rate."),
        click.option("--honest-rate", type=click.FloatRange(min=0, min_open=True), default=4.0, show_default=True,
                     help="Contributions a day of each honest agent (Poisson)."),
        click.option("--malicious-rate", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Contributions a day of each malicious agent [default: 24 to flood, 4 to flip]."),
        click.option("--mistake-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="An honest agent's chance of a wrong label."),
        click.option("--attackers-claim/--attackers-passive", default=True, show_default=True,
                     help="Whether malicious agents refund and report by the same policy as honest ones."),
        click.option("--balance", "balance", default="0.01 ether", show_default=True, callback=_amount_callback,
                     metavar="AMOUNT", help="Each agent's starting wallet: wei, or with a unit ('0.01 ether')."),
        click.option("--days", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Days the agents contribute [default: 30; market: 7, its participation length]."),
        click.option("--seed", type=int, default=0, show_default=True, help="The run is a function of its seed."),
        click.option("--data", "data_name", type=click.Choice(["imdb", "sentences", "synthetic"]), default="imdb",
                     show_default=True, help="Examples: the IMDB subset, the UCI sentences, or a generated problem."),
        click.option("--data-dir", default=None, metavar="DIR",
                     help="Data directory (default: COLLABML_DATA_DIR or data/)."),
        click.option("--max-features", type=click.IntRange(4, 65_536), default=1_000, show_default=True,
                     help="Vocabulary size (feature count for --data synthetic)."),
        click.option("--initial-size", type=click.IntRange(min=2), default=500, show_default=True,
                     help="Training examples the initial scikit-learn Perceptron is fitted on."),
        click.option("--test-size", type=click.IntRange(min=1), default=None,
                     help="Test examples measuring the model [default: the whole test split]."),
        click.option("--check-hours", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
                     help="Hours between claims rounds (every agent refunds and reports what it can)."),
        click.option("--sample-hours", type=click.FloatRange(min=0, min_open=True), default=6.0, show_default=True,
                     help="Hours between the records the plots show."),
        click.option("--out", "out_dir", default=DEFAULT_SIM_OUT, show_default=True, type=click.Path(file_okay=False),
                     help="Directory for the PNG plots, their CSV data, the records and the scenario JSON."),
        click.option("--progress/--no-progress", default=None,
                     help="Show a progress bar on stderr [default: when stderr is a terminal]."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def build_common(o: dict[str, Any], default_days: float) -> dict[str, Any]:
    """The ``Scenario`` fields of the shared options ``o`` (the click parameters)."""
    from collabml.sim import DataSpec, Population

    counts = {"flooders": 0, "flippers": 0, ATTACKS[o["attack"]]: o["malicious"]}
    rate = o["malicious_rate"] or DEFAULT_ATTACK_RATE[o["attack"]]
    population = Population(
        honest=o["honest"], **counts, honest_rate=o["honest_rate"], flipper_rate=rate, flooder_rate=rate,
        mistake_rate=o["mistake_rate"], start_balance=o["balance"], attackers_claim=o["attackers_claim"],
    )
    data = DataSpec(
        name=o["data_name"], max_features=o["max_features"], initial_size=o["initial_size"],
        test_size=o["test_size"], data_dir=o["data_dir"],
    )
    return dict(
        data=data, population=population, days=o["days"] or default_days, seed=o["seed"],
        check_interval=max(1, int(round(o["check_hours"] * 3_600))),
        sample_interval=max(1, int(round(o["sample_hours"] * 3_600))),
    )


def do_simulate(scenario, out_dir: str | os.PathLike[str], *, progress: bool | None = None, echo=click.echo):
    """Prepare the data, run ``scenario``, write its plots and records to ``out_dir``, print the summary.
    Returns the :class:`~collabml.sim.SimulationResult`."""
    from collabml.sim import load_sim_data, run
    from collabml.sim.datasets import SimDataError
    from collabml.sim.plots import write_outputs
    from collabml.sim.scenarios import ScenarioError

    try:
        data = load_sim_data(scenario.data, scenario.seed)
        echo(f"data: {data.description}")
        result = run(scenario, data, progress=progress)
    except (ScenarioError, SimDataError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    except FileNotFoundError as error:  # collabml.data.DataNotFoundError says how to get the files
        raise click.ClickException(f"{error}\n  or run on generated data: --data synthetic") from error
    echo("")
    for line in result.summary_lines():
        echo(line)
    written = write_outputs(result, out_dir)
    echo(f"\nwrote {len(written)} files to {out_dir}: {', '.join(p.name for p in written)}")
    echo(f"simulated in {result.wall_seconds:.1f} s")
    return result


def _build_scenario(kind: str, **fields):
    from collabml.sim import DRTScenario, MarketScenario, PointsScenario
    from collabml.sim.agents import PopulationError
    from collabml.sim.datasets import SimDataError
    from collabml.sim.scenarios import ScenarioError

    cls = {"drt": DRTScenario, "points": PointsScenario, "market": MarketScenario}[kind]
    try:
        return cls(**fields)
    except (ScenarioError, PopulationError, SimDataError) as error:
        raise click.UsageError(str(error)) from error


@main.group()
def simulate() -> None:
    """Economic simulations of honest and malicious contributors (no chain).

    Agents with wallets contribute over simulated time; every transaction goes through the
    bit-exact mirror of the contract, so the plots show what the contracts would do. Writes PNG
    plots, each with its CSV data beside it, to --out. Balances are in units: 1 unit = 10^12 wei.
    """


@simulate.command("drt")
@_sim_options
@click.option("--cost-weight", default="1000 gwei", show_default=True, callback=_amount_callback, metavar="AMOUNT",
              help="costWeight: the deposit of one contribution an hour (wei, or with a unit).")
@click.option("--refund-wait-days", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="refundWait: when authors may refund and others report.")
@click.option("--owner-wait-days", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="ownerClaimWait (the owner does not act in the simulation).")
@click.option("--anyone-wait-days", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="anyoneClaimWait: after it anyone takes what is left of a deposit.")
def simulate_drt(cost_weight, refund_wait_days, owner_wait_days, anyone_wait_days, out_dir, progress, **options):
    """Deposit-Refund-Take: balances of every agent and the model's accuracy over time.

    Agents pay the deposit the trainer asks; honest ones refund their contributions after the
    wait and report others' that the model disputes.
    """
    scenario = _build_scenario(
        "drt", **build_common(options, 30.0), cost_weight=cost_weight, refund_wait=_days(refund_wait_days),
        owner_claim_wait=_days(owner_wait_days), anyone_claim_wait=_days(anyone_wait_days),
    )
    do_simulate(scenario, out_dir, progress=progress)


@simulate.command("points")
@_sim_options
@click.option("--refund-wait-days", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="refundWait: when an author may claim the point of a contribution the model agrees with.")
def simulate_points(refund_wait_days, out_dir, progress, **options):
    """Points: no deposits; points and badges of every agent and the model's accuracy over time."""
    scenario = _build_scenario("points", **build_common(options, 30.0), refund_wait=_days(refund_wait_days))
    do_simulate(scenario, out_dir, progress=progress)


@simulate.command("market")
@_sim_options
@click.option("--market-test-size", type=click.IntRange(min=2), default=250, show_default=True,
              help="The sponsor's test set (the first examples of the test split).")
@click.option("--pieces", type=click.IntRange(2, 1_024), default=5, show_default=True,
              help="Pieces the test set is committed in (one drawn and revealed first).")
@click.option("--rounds", type=click.IntRange(min=1), default=400, show_default=True,
              help="The bounty in rounds: rounds * market-test-size units.")
@click.option("--stake", type=click.IntRange(min=1), default=None,
              help="Units staked per contribution [default: min-stake].")
@click.option("--min-stake", type=click.IntRange(min=1), default=None,
              help="minStake in units [default: market-test-size].")
@click.option("--reveal-window-days", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@click.option("--advance-steps", type=click.IntRange(min=1), default=200, show_default=True,
              help="maxSteps of each advance transaction.")
def simulate_market(market_test_size, pieces, rounds, stake, min_stake, reveal_window_days, advance_steps,
                    out_dir, progress, **options):
    """Prediction market: stake vs payout per contributor and accuracy per replay pass.

    The sponsor commits its test set and pays the bounty; agents stake on contributions for
    --days; the sponsor reveals; the replay runs to the end with advance; everyone withdraws.
    """
    scenario = _build_scenario(
        "market", **build_common(options, 7.0), market_test_size=market_test_size, pieces=pieces, rounds=rounds,
        stake=stake, min_stake=min_stake, reveal_window=_days(reveal_window_days), advance_steps=advance_steps,
    )
    do_simulate(scenario, out_dir, progress=progress)


if __name__ == "__main__":  # pragma: no cover
    main()
