"""Plain helpers shared by the test layers (importable: `pythonpath = ["tests"]`)."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from collabml.fixedpoint import ONE
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron, SparsePerceptron32

DAY = 86_400
SMALL_FEATURES = 64
"""Feature count of the unit tests' model: 4 weight words of 16 int16 lanes, so features often share words."""


@dataclass(frozen=True)
class DrtParams:
    cost_weight: int = 10**12
    refund_wait: int = 1 * DAY
    owner_claim_wait: int = 7 * DAY
    anyone_claim_wait: int = 14 * DAY

    def mechanism(self) -> DepositRefundTake:
        return DepositRefundTake(self.cost_weight, self.refund_wait, self.owner_claim_wait, self.anyone_claim_wait)


def random_model(feature_count: int, seed: int = 0, scale: int = 300, learning_rate: int = 100) -> SparsePerceptron:
    """Weights and intercept spread uniformly over [-scale, scale] (integers in weight units), so
    predictions come out both ways; the default step is a third of the spread."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-scale, scale + 1, size=feature_count, dtype=np.int64)
    return SparsePerceptron(weights, intercept=int(rng.integers(-scale, scale + 1)), learning_rate=learning_rate)


def random_market_model(feature_count: int, seed: int = 0, scale: int = 3 * ONE) -> SparsePerceptron32:
    """`random_model` for the prediction market, whose Perceptron keeps int32 fixed-point weights:
    weights and intercept uniform over [-scale, scale], learning rate `ONE`."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-scale, scale + 1, size=feature_count, dtype=np.int64)
    return SparsePerceptron32(weights, intercept=int(rng.integers(-scale, scale + 1)), learning_rate=ONE)


def pick_features(model: SparsePerceptron, label: int, *, agree: bool, size: int = 4, start: int = 0):
    """The first window of `size` consecutive features (from `start`) on which the model's
    prediction agrees (or not) with `label`."""
    for first in range(start, model.feature_count - size + 1):
        features = tuple(range(first, first + size))
        if (model.predict(features) == label) == agree:
            return features
    raise AssertionError("no window fits; use another model seed")


def error_data(contract, name: str, *args) -> bytes:
    """The ABI-encoded revert data of custom error `name` of `contract` (instance or container)."""
    from eth_abi import encode
    from eth_hash.auto import keccak

    abi = next(e for e in contract.contract_type.errors if e.name == name)
    args = tuple(getattr(a, "address", a) for a in args)  # accounts and contracts stand for their address
    return keccak(abi.selector.encode())[:4] + encode([i.canonical_type for i in abi.inputs], args)


_ANVIL_TEXT_ERROR = re.compile(r"custom error (?:0x)?([0-9a-fA-F]{8}):? ?(.*)", re.S)


def _revert_data(contract, error) -> bytes | None:
    """The revert data behind an Ape exception, however Ape presented it: a decoded custom error
    of `contract`, raw hex data (a constructor's revert, or one bubbled up through a mock), or
    Anvil's text `custom error 0x<selector>: <hex data>` (a reverting view call)."""
    from ape.exceptions import CustomError
    from hexbytes import HexBytes

    if isinstance(error, CustomError):
        abi = next((e for e in contract.contract_type.errors if e.name == type(error).__name__), None)
        if abi is None:
            return None
        return error_data(contract, abi.name, *(error.inputs[i.name] for i in abi.inputs))
    message = str(getattr(error, "revert_message", "") or "")
    if re.fullmatch(r"0x[0-9a-fA-F]*", message):
        return bytes(HexBytes(message))
    match = _ANVIL_TEXT_ERROR.search(message)
    if match and re.fullmatch(r"(0x)?[0-9a-fA-F]*", match.group(2)):
        return bytes.fromhex(match.group(1)) + bytes.fromhex(match.group(2).removeprefix("0x"))
    return None


@contextmanager
def reverts_with(contract, name: str, *args) -> Iterator[None]:
    """The block must revert with custom error `name` of `contract` and exactly these arguments
    (in ABI order). Strict whatever form Ape gives the revert in (see `_revert_data`)."""
    import ape

    expected = error_data(contract, name, *args)
    with ape.reverts() as revert:
        yield
    actual = _revert_data(contract, revert.value)
    assert actual == expected, f"expected {name}{args} (0x{expected.hex()}), got {revert.value!r}"


# ---- stateful machines (chain against mirror) ----
MACHINE_EXAMPLES, MACHINE_STEPS = 8, 25
"""The default run of every state machine: 8 examples of up to 25 steps, about 200 rule calls."""
FUZZING_STEPS = int(os.environ.get("COLLABML_FUZZING_STEPS", "10000"))
"""The `fuzzing` run of every state machine: at least this many rule calls (10,000 unless
`COLLABML_FUZZING_STEPS` says otherwise)."""
_MACHINE_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def run_machine(
    machine: type[RuleBasedStateMachine],
    outcomes: Counter,
    *,
    fuzzing: bool = False,
    steps_per_example: int = 50,
    required: frozenset[str] | set[str] = frozenset(),
    extra_rounds: int = 3,
) -> int:
    """Run a state machine whose `@invariant` counts every step in `outcomes["steps"]`.

    Default: `MACHINE_EXAMPLES` examples of up to `MACHINE_STEPS` steps. With `fuzzing`: batches
    of 50 examples of up to `steps_per_example` steps, each batch drawn afresh, until
    `FUZZING_STEPS` steps ran. A default run that has not reached every outcome in `required`
    draws up to `extra_rounds` more rounds of fresh examples (a path that only a rare draw
    reaches then costs time, not a flaky failure; one that is never reached still fails the
    caller's check). Returns the number of steps run (the count includes the check after each
    initialisation)."""
    start = outcomes["steps"]
    if not fuzzing:
        for attempt in range(1 + extra_rounds):
            run_state_machine_as_test(
                machine,
                settings=settings(
                    max_examples=MACHINE_EXAMPLES,
                    stateful_step_count=MACHINE_STEPS,
                    deadline=None,
                    suppress_health_check=_MACHINE_HEALTH,
                    **({} if attempt == 0 else {"derandomize": False, "database": None}),
                ),
            )
            if set(required) <= set(outcomes):
                break
    else:
        while outcomes["steps"] - start < FUZZING_STEPS:
            run_state_machine_as_test(
                machine,
                settings=settings(
                    max_examples=50,
                    stateful_step_count=steps_per_example,
                    deadline=None,
                    derandomize=False,
                    database=None,
                    suppress_health_check=_MACHINE_HEALTH,
                ),
            )
            print(f"{machine.__name__}: {outcomes['steps'] - start:,} of {FUZZING_STEPS:,} steps", flush=True)
    steps = outcomes["steps"] - start
    print(f"{machine.__name__}: {steps:,} steps; outcomes {dict(sorted(outcomes.items()))}")
    return steps
