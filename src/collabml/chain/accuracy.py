"""Accuracy measured through the contracts: each case's model (:mod:`collabml.accuracy`) is
deployed in its Deposit-Refund-Take trainer and loaded in chunks, then every test example is sent
to the contract's ``predict`` (a view call), beside the mirror's and float scikit-learn's
predictions of the same example.

The view calls go out as JSON-RPC batches of ``eth_call`` (``batch_size`` calls a request,
``workers`` requests in flight) through the web3 of Ape's provider: 2,500 predictions take about
a second on a local Anvil, where one Ape contract call each takes tens of seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from collabml.accuracy import AccuracyCase, AccuracyRow, accuracy_row
from collabml.chain.deploy import deploy_drt_trainer
from collabml.incentives.drt import DepositRefundTake

DAY = 86_400
DEFAULT_BATCH_SIZE = 100
DEFAULT_WORKERS = 2


class OnChainPredictionError(RuntimeError):
    """The node answered a ``predict`` view call with an error (a revert, or a failed request)."""

    def __init__(self, index: int, error: object) -> None:
        self.index = index
        self.error = error
        super().__init__(
            f"on-chain predict of test example {index} failed: {error}; "
            "check the features with the mirror's predict, which raises the contract's error"
        )


def _mechanism() -> DepositRefundTake:
    return DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)


def predict_on_chain(
    contract,
    packed_features: Sequence[bytes],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """The contract's ``predict(bytes)`` of each packed feature vector, at the latest block.

    Sends JSON-RPC batches of ``eth_call`` through the provider's web3 (its HTTP and IPC providers
    batch); a provider that cannot batch gets one Ape call each. ``progress(n)`` is called as ``n``
    more predictions arrive. Raises :class:`OnChainPredictionError` for any call the node refuses.
    """
    if batch_size <= 0 or workers <= 0:
        raise ValueError("batch_size and workers must be positive")
    try:
        return _predict_batched(contract, packed_features, batch_size, workers, progress)
    except NotImplementedError:  # web3's BaseProvider.make_batch_request
        out = []
        for packed in packed_features:
            out.append(int(contract.predict(packed)))
            if progress:
                progress(1)
        return np.array(out, dtype=np.int64)


def _predict_batched(contract, packed_features, batch_size, workers, progress) -> np.ndarray:
    (abi,) = contract.predict.abis
    ecosystem = contract.provider.network.ecosystem
    web3_provider = contract.provider.web3.provider
    selector = ecosystem.get_method_selector(abi)
    address = str(contract.address)
    calls = [
        ("eth_call", [{"to": address, "data": "0x" + (selector + ecosystem.encode_calldata(abi, p)).hex()}, "latest"])
        for p in packed_features
    ]

    def send(start: int) -> list[int]:
        batch = calls[start : start + batch_size]
        responses = web3_provider.make_batch_request(batch)
        if not isinstance(responses, list) or len(responses) != len(batch):  # the node refused the batch
            error = responses.get("error", responses) if isinstance(responses, dict) else responses
            raise OnChainPredictionError(start, error)
        labels = []
        for offset, response in enumerate(responses):
            if response.get("error") is not None or "result" not in response:
                raise OnChainPredictionError(start + offset, response.get("error", response))
            returned = bytes.fromhex(response["result"].removeprefix("0x"))
            if not returned:  # no code at the address: Ape would decode this as label 0
                raise OnChainPredictionError(start + offset, f"empty return data from {address}")
            (label,) = ecosystem.decode_returndata(abi, returned)
            labels.append(int(label))
        if progress:
            progress(len(labels))
        return labels

    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = list(pool.map(send, range(0, len(calls), batch_size)))
    return np.array([label for batch in batches for label in batch], dtype=np.int64)


def measure_case(
    project,
    owner,
    case: AccuracyCase,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[int], Any] | None = None,
) -> AccuracyRow:
    """Deploy ``case.model`` in its ``<Model>DRT`` trainer (owned by ``owner``, loaded in chunks),
    predict every test example on chain and with the mirror, and compare both with the labels and
    with float scikit-learn. ``progress(total)``, if given, makes a progress bar for the on-chain
    predictions once the model is loaded (e.g. ``lambda total: tqdm(total=total)``: anything with
    ``update(n)`` and ``close()``)."""
    start = time.perf_counter()
    deployed = deploy_drt_trainer(project, owner, case.model, _mechanism())
    packed = [case.model.pack(f) for f in case.features]
    predict_start = time.perf_counter()
    bar = progress(len(packed)) if progress else None
    try:
        on_chain = predict_on_chain(
            deployed.contract, packed, batch_size=batch_size, workers=workers, progress=bar.update if bar else None
        )
    finally:
        if bar:
            bar.close()
    predict_seconds = time.perf_counter() - predict_start
    mirror = [case.model.predict(f) for f in case.features]
    return accuracy_row(
        case,
        on_chain,
        mirror,
        deploy_gas=deployed.total_gas,
        seconds=case.prepare_seconds + time.perf_counter() - start,
        predict_seconds=predict_seconds,
    )
