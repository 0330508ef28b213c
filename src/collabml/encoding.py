"""Text and numbers to the features the contracts take, identical off chain and on chain.

A text becomes the sorted, unique indices of the features it contains (binary
bag of words). On chain those indices travel as *packed bytes*: each index a
big-endian ``uint16``, strictly increasing, so ``[1, 258]`` is ``0x0001_0102``.

- :func:`pack_indices` / :func:`unpack_indices`: the on-chain byte format of binary features.
- :func:`pack_counts` / :func:`unpack_counts`: (index, count) pairs, for multinomial models.
- :func:`pack_dense` / :func:`unpack_dense`: every feature's int32 fixed-point value, for dense models.
- :class:`TextEncoder`: a fixed vocabulary, chosen exactly as scikit-learn's
  ``CountVectorizer(max_features=..., binary=True)`` chooses it.
- :class:`HashingTextEncoder`: no vocabulary; the index is a hash of the token,
  as scikit-learn's ``HashingVectorizer(alternate_sign=False, binary=True, norm=None)``.
- :class:`DenseEncoder`: numeric vectors to fixed-point integers in ``[0, ONE]``.

Both text encoders share one tokenizer (:class:`TokenizerSettings`): replace
``<br />`` (also ``<br/>``, ``<br>``, any case) with a space, lowercase, then take
the tokens of ``(?u)\\b\\w\\w+\\b``, scikit-learn's default ``token_pattern``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import pathlib
import re
import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from collabml.fixedpoint import ONE, to_fixed

MAX_FEATURE_COUNT = 65_536
"""Feature indices are ``uint16`` on chain: at most 2**16 features, indices ``0 .. 65_535``."""

INDEX_BYTES = 2
"""Bytes per packed feature index."""

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
"""scikit-learn's default ``token_pattern``: runs of two or more word characters."""

_HTML_BREAK = re.compile(r"(?i)<br\s*/?>")

PathLike = str | os.PathLike[str]
Ties = Literal["sklearn", "alphabetical"]


class EncodingError(ValueError):
    """Features or an encoder file are not in the form the contracts expect; the message says how to fix it."""


# -- packed bytes -----------------------------------------------------------------------


def validate_indices(indices: Iterable[int], feature_count: int = MAX_FEATURE_COUNT) -> tuple[int, ...]:
    """``indices`` as a tuple of ints, after checking they are ints in ``[0, feature_count)``
    and strictly increasing (sorted, no duplicates); raises :class:`EncodingError` otherwise."""
    out: list[int] = []
    previous = -1
    for position, index in enumerate(indices):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise EncodingError(
                f"feature index at position {position} is {index!r} ({type(index).__name__}), not an int; "
                "pass integer indices"
            )
        value = int(index)
        if not 0 <= value < feature_count:
            raise EncodingError(
                f"feature index {value} at position {position} is outside [0, {feature_count}); "
                f"use at most {feature_count:,} features"
            )
        if value <= previous:
            raise EncodingError(
                f"feature indices must be strictly increasing: {value} at position {position} follows "
                f"{previous}; pass sorted(set(indices))"
            )
        out.append(value)
        previous = value
    return tuple(out)


def pack_indices(indices: Iterable[int]) -> bytes:
    """The on-chain form of a feature set: each index a big-endian ``uint16``, in order.

    ``indices`` must be ints in ``[0, 65536)``, strictly increasing; otherwise
    :class:`EncodingError`. ``pack_indices([1, 258]) == b"\\x00\\x01\\x01\\x02"``.
    """
    values = validate_indices(indices)
    return struct.pack(f">{len(values)}H", *values)


def unpack_indices(data: bytes | bytearray | memoryview, *, strict: bool = True) -> tuple[int, ...]:
    """Inverse of :func:`pack_indices`.

    Rejects an odd number of bytes; with ``strict`` (the default) also indices that are
    not strictly increasing, as the contracts do. ``strict=False`` decodes them anyway,
    for inspecting bad input.
    """
    raw = bytes(data)
    if len(raw) % INDEX_BYTES:
        raise EncodingError(
            f"packed features have {len(raw)} bytes, an odd number; each index is {INDEX_BYTES} bytes "
            "(big-endian uint16): make them with pack_indices"
        )
    values: tuple[int, ...] = struct.unpack(f">{len(raw) // INDEX_BYTES}H", raw)
    return validate_indices(values) if strict else values


COUNT_PAIR_BYTES = 4
"""Bytes per (index, count) pair in the counts format: two big-endian ``uint16``."""

DENSE_VALUE_BYTES = 4
"""Bytes per value in the dense format: a big-endian two's-complement ``int32``."""

MAX_COUNT = 2**16 - 1


def pack_counts(pairs: Iterable[tuple[int, int]]) -> bytes:
    """The on-chain *counts* format (multinomial models): each present feature as a big-endian
    ``uint16`` index followed by a big-endian ``uint16`` count, indices strictly increasing,
    counts ``1 .. 65_535``. ``pack_counts([(1, 2), (258, 1)]) == b"\x00\x01\x00\x02\x01\x02\x00\x01"``."""
    pairs = list(pairs)
    validate_indices(index for index, _ in pairs)
    out = bytearray()
    for position, (index, count) in enumerate(pairs):
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or not 1 <= int(count) <= MAX_COUNT:
            raise EncodingError(
                f"count {count!r} at position {position} is not an int in [1, {MAX_COUNT}]; leave absent features out"
            )
        out += struct.pack(">HH", int(index), int(count))
    return bytes(out)


def unpack_counts(data: bytes | bytearray | memoryview) -> tuple[tuple[int, int], ...]:
    """Inverse of :func:`pack_counts`."""
    raw = bytes(data)
    if len(raw) % COUNT_PAIR_BYTES:
        raise EncodingError(
            f"packed counts have {len(raw)} bytes, not a multiple of {COUNT_PAIR_BYTES}: make them with pack_counts"
        )
    pairs = tuple(struct.iter_unpack(">HH", raw))
    validate_indices(index for index, _ in pairs)
    if any(count == 0 for _, count in pairs):
        raise EncodingError("a count is 0; leave absent features out")
    return pairs


def pack_dense(values: Sequence[int]) -> bytes:
    """The on-chain *dense* format: every feature's fixed-point value (``collabml.fixedpoint.ONE``
    scale) as a big-endian two's-complement ``int32``, in feature order."""
    out = bytearray()
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not -(2**31) <= int(value) < 2**31:
            raise EncodingError(f"value {value!r} at position {position} is not an int32 fixed-point number")
        out += struct.pack(">i", int(value))
    return bytes(out)


def unpack_dense(data: bytes | bytearray | memoryview) -> tuple[int, ...]:
    """Inverse of :func:`pack_dense`."""
    raw = bytes(data)
    if len(raw) % DENSE_VALUE_BYTES:
        raise EncodingError(f"dense features have {len(raw)} bytes, not a multiple of {DENSE_VALUE_BYTES}")
    return struct.unpack(f">{len(raw) // DENSE_VALUE_BYTES}i", raw)


# -- tokenizer --------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenizerSettings:
    """How a text becomes tokens; saved with every encoder so indices never drift.

    ``preprocess`` replaces HTML line breaks with a space (if ``strip_html_breaks``)
    and lowercases (if ``lowercase``); ``tokenize`` then takes the matches of
    ``token_pattern``, like scikit-learn's default analyzer with
    ``preprocessor=settings.preprocess``.
    """

    lowercase: bool = True
    token_pattern: str = TOKEN_PATTERN
    strip_html_breaks: bool = True
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise EncodingError(f"token_pattern {self.token_pattern!r} has more than one group; use at most one")
        object.__setattr__(self, "_pattern", pattern)

    def preprocess(self, text: str) -> str:
        """The text the tokenizer sees (pass this as ``CountVectorizer(preprocessor=...)``)."""
        if self.strip_html_breaks:
            text = _HTML_BREAK.sub(" ", text)
        return text.lower() if self.lowercase else text

    def tokenize(self, text: str) -> list[str]:
        """The tokens of ``text`` in order, repeats included."""
        return self._pattern.findall(self.preprocess(text))

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenizerSettings:
        expected = {"lowercase", "token_pattern", "strip_html_breaks"}
        if set(data) != expected:
            raise EncodingError(f"tokenizer settings have keys {sorted(data)}, expected {sorted(expected)}")
        return cls(**data)


def _write_json(path: PathLike, payload: dict[str, Any]) -> None:
    target = pathlib.Path(path)
    target.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _read_json(path: PathLike, kind: str, version: int) -> dict[str, Any]:
    payload = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if not isinstance(payload, dict) or payload.get("format") != kind:
        raise EncodingError(f"{path} is not a saved {kind}; load it with the class that saved it")
    if payload.get("version") != version:
        raise EncodingError(
            f"{path} is {kind} format version {payload.get('version')!r}, this code reads version {version}; "
            "re-fit the encoder and save it again"
        )
    return payload


class _TokenEncoder:
    """What both text encoders share: a tokenizer, a feature count, and batch helpers."""

    settings: TokenizerSettings

    @property
    def feature_count(self) -> int:
        raise NotImplementedError

    def _indices(self, tokens: Iterable[str]) -> Iterable[int]:
        raise NotImplementedError

    def encode(self, text: str) -> tuple[int, ...]:
        """The sorted, unique feature indices of ``text`` (binary bag of words)."""
        return tuple(sorted(set(self._indices(self.settings.tokenize(text)))))

    def encode_counts(self, text: str) -> dict[int, int]:
        """How often each feature occurs in ``text``, keys in increasing order."""
        counts = Counter(self._indices(self.settings.tokenize(text)))
        return {index: counts[index] for index in sorted(counts)}

    def encode_many(self, texts: Iterable[str]) -> list[tuple[int, ...]]:
        """:meth:`encode` of each text."""
        return [self.encode(text) for text in texts]

    def to_matrix(self, rows: Iterable[str | Sequence[int]], dtype: Any = np.int64) -> sp.csr_matrix:
        """A binary ``len(rows) x feature_count`` CSR matrix for scikit-learn.

        Each row is a text (encoded here) or a sorted tuple of feature indices,
        e.g. from :meth:`encode_many`.
        """
        indptr = [0]
        columns: list[int] = []
        for row in rows:
            if isinstance(row, str):
                columns.extend(self.encode(row))
            else:
                columns.extend(validate_indices(row, self.feature_count))
            indptr.append(len(columns))
        return sp.csr_matrix(
            (np.ones(len(columns), dtype=dtype), np.array(columns, dtype=np.int64), np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, self.feature_count),
        )


# -- vocabulary encoder -----------------------------------------------------------------


class TextEncoder(_TokenEncoder):
    """Binary bag of words over a fixed vocabulary; index = position in the sorted vocabulary.

    :meth:`fit` picks the vocabulary exactly as scikit-learn's
    ``CountVectorizer(max_features=n, binary=True, preprocessor=settings.preprocess)``
    does: the ``n`` words in the most documents, then sorted, so ``words[i]`` is
    the word of index ``i`` as in ``vocabulary_``. :meth:`save` and :meth:`load`
    keep the vocabulary and tokenizer so the indices never change.

    NOTE: scikit-learn breaks ties in document frequency at the cut-off with
    numpy's unstable ``argsort``, whose order depends on the CPU (numpy uses
    AVX-512 sorting where available) and the numpy version. ``ties="sklearn"``
    reproduces it bit for bit on the same machine; ``ties="alphabetical"`` keeps the
    alphabetically first of equally frequent words, the same everywhere. Either
    way, save the fitted encoder rather than fitting again elsewhere.
    """

    FORMAT = "collabml.TextEncoder"
    VERSION = 1

    def __init__(self, words: Sequence[str], settings: TokenizerSettings | None = None) -> None:
        """An encoder over ``words``, which must be strictly increasing (sorted, unique)."""
        words = list(words)
        if not words:
            raise EncodingError("the vocabulary is empty; fit on texts with at least one token")
        if len(words) > MAX_FEATURE_COUNT:
            raise EncodingError(
                f"{len(words):,} words do not fit uint16 feature indices; use max_features <= {MAX_FEATURE_COUNT:,}"
            )
        for position, (a, b) in enumerate(zip(words, words[1:]), start=1):
            if not a < b:
                raise EncodingError(
                    f"vocabulary must be sorted and unique: {b!r} at position {position} follows {a!r}; "
                    "pass sorted(set(words))"
                )
        self.settings = settings if settings is not None else TokenizerSettings()
        self._words = words
        self._index = {word: i for i, word in enumerate(words)}

    @classmethod
    def fit(
        cls,
        texts: Iterable[str],
        max_features: int | None = 1000,
        *,
        ties: Ties = "alphabetical",
        settings: TokenizerSettings | None = None,
    ) -> TextEncoder:
        """The ``max_features`` words found in the most texts (all words if ``None``).

        ``ties`` decides between words in equally many texts at the cut-off:
        ``"alphabetical"`` (the default) the same on every machine, ``"sklearn"`` as
        ``CountVectorizer`` does on this machine.
        """
        settings = settings if settings is not None else TokenizerSettings()
        if max_features is not None and not 0 < max_features <= MAX_FEATURE_COUNT:
            raise EncodingError(f"max_features must be in [1, {MAX_FEATURE_COUNT:,}] or None, got {max_features}")
        if ties not in ("sklearn", "alphabetical"):
            raise EncodingError(f"ties must be 'sklearn' or 'alphabetical', got {ties!r}")
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update(set(settings.tokenize(text)))
        words = sorted(document_frequency)
        if max_features is not None and len(words) > max_features:
            # CountVectorizer._limit_features: the same int64 array in the same order, the same argsort.
            frequencies = np.fromiter((document_frequency[w] for w in words), dtype=np.int64, count=len(words))
            order = (-frequencies).argsort() if ties == "sklearn" else (-frequencies).argsort(kind="stable")
            words = [words[i] for i in np.sort(order[:max_features])]
        return cls(words, settings)

    @property
    def feature_count(self) -> int:
        """The number of features: the vocabulary size."""
        return len(self._words)

    @property
    def words(self) -> list[str]:
        """The vocabulary in index order (a copy)."""
        return list(self._words)

    @property
    def vocabulary(self) -> dict[str, int]:
        """Word -> index, like ``CountVectorizer.vocabulary_`` (a copy)."""
        return dict(self._index)

    def _indices(self, tokens: Iterable[str]) -> Iterable[int]:
        index = self._index
        return (index[token] for token in tokens if token in index)

    def save(self, path: PathLike) -> None:
        """Write the vocabulary and tokenizer settings as JSON."""
        _write_json(
            path,
            {
                "format": self.FORMAT,
                "version": self.VERSION,
                "tokenizer": self.settings.to_json(),
                "words": self._words,
            },
        )

    @classmethod
    def load(cls, path: PathLike) -> TextEncoder:
        """An encoder saved by :meth:`save`; gives the same indices as the one saved."""
        payload = _read_json(path, cls.FORMAT, cls.VERSION)
        return cls(payload["words"], TokenizerSettings.from_json(payload["tokenizer"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextEncoder):
            return NotImplemented
        return self._words == other._words and self.settings == other.settings

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TextEncoder({self.feature_count} words, {self.settings})"


# -- hashing encoder --------------------------------------------------------------------


class HashingTextEncoder(_TokenEncoder):
    """Binary bag of words without a vocabulary: a token's index is a hash of it.

    ``index(token) = abs(murmurhash3_32(token, seed=0)) % n_features`` with the
    *signed* 32-bit MurmurHash3 of the token's UTF-8 bytes
    (``sklearn.utils.murmurhash3_32``), the same for every token wherever it
    occurs. That is exactly scikit-learn's
    ``HashingVectorizer(n_features=n, alternate_sign=False, binary=True, norm=None)``
    with ``preprocessor=settings.preprocess``.

    NOTE: ``murmurhash3_32(token, positive=True) % n`` (the unsigned hash) gives
    different indices for about half the tokens and does not match scikit-learn.
    Distinct tokens may share an index (a collision); a text's features are still
    unique and sorted.
    """

    FORMAT = "collabml.HashingTextEncoder"
    VERSION = 1
    SEED = 0

    def __init__(self, n_features: int = 1000, settings: TokenizerSettings | None = None) -> None:
        if isinstance(n_features, bool) or not isinstance(n_features, numbers.Integral):
            raise EncodingError(f"n_features must be an int, got {n_features!r}")
        if not 0 < n_features <= MAX_FEATURE_COUNT:
            raise EncodingError(f"n_features must be in [1, {MAX_FEATURE_COUNT:,}] (uint16 indices), got {n_features}")
        self.n_features = int(n_features)
        self.settings = settings if settings is not None else TokenizerSettings()

    @property
    def feature_count(self) -> int:
        """The number of features: ``n_features``."""
        return self.n_features

    def index(self, token: str) -> int:
        """The feature index of one token."""
        return abs(murmurhash3_32(token, seed=self.SEED)) % self.n_features

    def _indices(self, tokens: Iterable[str]) -> Iterable[int]:
        return (self.index(token) for token in tokens)

    def save(self, path: PathLike) -> None:
        """Write ``n_features`` and the tokenizer settings as JSON."""
        _write_json(
            path,
            {
                "format": self.FORMAT,
                "version": self.VERSION,
                "hash": "abs(murmurhash3_32(utf8(token), seed=0, signed)) % n_features",
                "n_features": self.n_features,
                "tokenizer": self.settings.to_json(),
            },
        )

    @classmethod
    def load(cls, path: PathLike) -> HashingTextEncoder:
        """An encoder saved by :meth:`save`."""
        payload = _read_json(path, cls.FORMAT, cls.VERSION)
        return cls(payload["n_features"], TokenizerSettings.from_json(payload["tokenizer"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashingTextEncoder):
            return NotImplemented
        return self.n_features == other.n_features and self.settings == other.settings

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HashingTextEncoder(n_features={self.n_features}, {self.settings})"


# -- numeric vectors --------------------------------------------------------------------


@dataclass(frozen=True)
class DenseEncoder:
    """Numeric vectors to fixed-point integers by per-feature min-max scaling to ``[0, 1]``.

    ``encode(x)[j] == round((x[j] - minimums[j]) / (maximums[j] - minimums[j]) * ONE)``
    in float64, ties to even (:func:`collabml.fixedpoint.to_fixed`), clipped to
    ``[0, ONE]`` for values outside the fitted range. Min-max (not mean/std) keeps
    every encoded feature non-negative and bounded by ``ONE``, which bounds the
    products the contracts compute. A feature constant in the fitted data encodes as 0.
    The float64 arithmetic is IEEE-exact, so the result is the same on every machine.
    """

    minimums: tuple[float, ...]
    maximums: tuple[float, ...]

    FORMAT = "collabml.DenseEncoder"
    VERSION = 1

    def __post_init__(self) -> None:
        if len(self.minimums) != len(self.maximums) or not self.minimums:
            raise EncodingError(
                "minimums and maximums must be non-empty and of equal length; build with DenseEncoder.fit"
            )
        if len(self.minimums) > MAX_FEATURE_COUNT:
            raise EncodingError(f"{len(self.minimums):,} features exceed the {MAX_FEATURE_COUNT:,} the contracts index")
        for j, (low, high) in enumerate(zip(self.minimums, self.maximums)):
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise EncodingError(f"feature {j} has range [{low}, {high}]; it must be finite with min <= max")
        object.__setattr__(self, "minimums", tuple(float(v) for v in self.minimums))
        object.__setattr__(self, "maximums", tuple(float(v) for v in self.maximums))

    @classmethod
    def fit(cls, X: Any) -> DenseEncoder:
        """Learn each feature's minimum and maximum from the rows of ``X`` (n_samples x n_features)."""
        data = np.asarray(X, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] == 0:
            raise EncodingError(f"fit needs a non-empty 2-D array (n_samples, n_features), got shape {data.shape}")
        if not np.isfinite(data).all():
            raise EncodingError("fit data contains NaN or infinity; impute or drop those values first")
        return cls(tuple(data.min(axis=0).tolist()), tuple(data.max(axis=0).tolist()))

    @property
    def feature_count(self) -> int:
        return len(self.minimums)

    def encode(self, x: Sequence[float] | np.ndarray) -> list[int]:
        """One vector as fixed-point integers in ``[0, ONE]``."""
        values = np.asarray(x, dtype=np.float64).reshape(-1).tolist()
        if len(values) != self.feature_count:
            raise EncodingError(
                f"expected {self.feature_count} values, got {len(values)}; pass one value per fitted feature"
            )
        out: list[int] = []
        for j, (value, low, high) in enumerate(zip(values, self.minimums, self.maximums)):
            if not math.isfinite(value):
                raise EncodingError(f"value {value!r} of feature {j} is not finite; impute it before encoding")
            scaled = (value - low) / (high - low) if high > low else 0.0
            out.append(to_fixed(min(max(scaled, 0.0), 1.0)))
        return out

    def encode_many(self, X: Iterable[Sequence[float]] | np.ndarray) -> list[list[int]]:
        """:meth:`encode` of each row."""
        return [self.encode(row) for row in X]

    def save(self, path: PathLike) -> None:
        """Write the fitted ranges as JSON (floats round-trip exactly)."""
        _write_json(
            path,
            {
                "format": self.FORMAT,
                "version": self.VERSION,
                "scale": ONE,
                "minimums": list(self.minimums),
                "maximums": list(self.maximums),
            },
        )

    @classmethod
    def load(cls, path: PathLike) -> DenseEncoder:
        """An encoder saved by :meth:`save`."""
        payload = _read_json(path, cls.FORMAT, cls.VERSION)
        if payload.get("scale") != ONE:
            raise EncodingError(
                f"{path} was saved for fixed-point scale {payload.get('scale')}, this code uses {ONE}; re-fit it"
            )
        return cls(tuple(payload["minimums"]), tuple(payload["maximums"]))
