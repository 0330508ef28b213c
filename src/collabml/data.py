"""The data directory and loaders for the real sentiment data sets.

Nothing here is committed to git: ``data/`` holds symlinks that ``tools/setup.sh``
makes to ``../shared/data``, or files that :func:`download_imdb` writes.

- :func:`data_dir`: where the data sets are (argument, ``COLLABML_DATA_DIR``,
  the repository's ``data/``, then ``./data``).
- :func:`load_imdb`: the IMDB reviews of Maas et al. (2011) as CSV.gz, the
  shared 5,000-review subset by default.
- :func:`load_sentiment_sentences`: the UCI "Sentiment Labelled Sentences"
  (Kotzias et al., 2015), 1,000 sentences per source.
- :func:`download_imdb`: fetch the official ``aclImdb_v1.tar.gz`` and write it
  in the same CSV.gz format as the shared subset.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import pathlib
import random
import re
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from tqdm import tqdm

DATA_DIR_ENV = "COLLABML_DATA_DIR"
"""Environment variable naming the data directory, used when no path is passed."""

IMDB_SUBSET_FILENAME = "imdb_maas2011_subset5k.csv.gz"
"""The shared 5,000-review subset: 2,500 train + 2,500 test, 1,250 per label and split."""

IMDB_FULL_FILENAME = "imdb_maas2011_full.csv.gz"
"""What :func:`download_imdb` writes without ``per_split``: all 50,000 labelled reviews."""

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
"""The official archive of the Large Movie Review Dataset v1.0 (84,125,825 bytes)."""

IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
"""SHA-256 of ``aclImdb_v1.tar.gz`` as published by TensorFlow Datasets and others."""

IMDB_COLUMNS = ("split", "label", "rating", "review_id", "source_path", "text")
IMDB_SPLITS = ("train", "test")

SENTENCES_DIRNAME = "sentiment_labelled_sentences"
SENTENCE_FILES = {
    "imdb": "imdb_labelled.txt",
    "amazon": "amazon_cells_labelled.txt",
    "yelp": "yelp_labelled.txt",
}
"""Source name -> file inside ``sentiment_labelled_sentences/``."""

_REVIEW_MEMBER = re.compile(r"^(?:\./)?aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_SPLIT_ORDER = {split: i for i, split in enumerate(IMDB_SPLITS)}
_CHUNK = 1 << 20


class DataNotFoundError(FileNotFoundError):
    """A data file is missing; the message says which, where we looked, and how to get it."""

    def __init__(self, missing: pathlib.Path, directory: pathlib.Path, chosen_by: str, remedy: str = "") -> None:
        self.missing = missing
        self.directory = directory
        message = (
            f"{missing.name} not found: looked for {missing} in the data directory {directory} "
            f"({chosen_by}). To fix it: run `make setup` (tools/setup.sh links the files of "
            f"../shared/data into data/ when that folder exists), or set {DATA_DIR_ENV} to a "
            f"folder that holds {missing.name}, or pass data_dir=..."
        )
        if remedy:
            message += f", or {remedy}"
        super().__init__(message + ".")


class DataFormatError(ValueError):
    """A data file or archive does not have the expected layout; the message says what to do."""


class DownloadError(RuntimeError):
    """Fetching or verifying a download failed; the message says what to do instead."""


@dataclass(frozen=True, eq=False)
class LabelledTexts:
    """Texts with binary labels (0 = negative, 1 = positive), in file order.

    ``labels`` is a read-only ``int64`` array of the same length as ``texts``.
    """

    texts: list[str]
    labels: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        labels = np.array(self.labels, dtype=np.int64).reshape(-1)
        if len(labels) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(labels)} labels; pass one label per text")
        if not np.isin(labels, (0, 1)).all():
            raise ValueError("labels must be 0 or 1; map other classes to binary before building LabelledTexts")
        labels.flags.writeable = False
        object.__setattr__(self, "texts", list(self.texts))
        object.__setattr__(self, "labels", labels)

    def __len__(self) -> int:
        return len(self.texts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelledTexts):
            return NotImplemented
        return self.texts == other.texts and np.array_equal(self.labels, other.labels)

    def __repr__(self) -> str:
        positives = int(self.labels.sum())
        return f"LabelledTexts({len(self)} texts, {positives} positive, {len(self) - positives} negative)"

    def head(self, n: int) -> LabelledTexts:
        """The first ``n`` rows (all of them if ``n >= len(self)``)."""
        if n < 0:
            raise ValueError(f"head(n) needs n >= 0, got {n}")
        return LabelledTexts(self.texts[:n], self.labels[:n])


def _resolve_data_dir(path: str | os.PathLike[str] | None) -> tuple[pathlib.Path, str]:
    """The data directory and a phrase saying how it was chosen (for error messages)."""
    if path is not None:
        return pathlib.Path(path).expanduser(), "passed as data_dir"
    from_env = os.environ.get(DATA_DIR_ENV, "")
    if from_env:
        return pathlib.Path(from_env).expanduser(), f"from ${DATA_DIR_ENV}"
    # src/collabml/data.py -> the repository root; only an editable/source checkout has one.
    root = pathlib.Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root / "data", "the repository's data/ folder"
    return pathlib.Path("data"), f"./data, since {DATA_DIR_ENV} is unset and there is no repository data/ folder"


def data_dir(path: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """The data directory: ``path`` if given, else ``$COLLABML_DATA_DIR``, else the
    repository's ``data/`` folder (``src/collabml/../../data``), else ``./data``.

    The directory is not required to exist; the loaders say so when a file is missing.
    """
    return _resolve_data_dir(path)[0]


def _require(relative: str, path: str | os.PathLike[str] | None, remedy: str = "") -> pathlib.Path:
    directory, chosen_by = _resolve_data_dir(path)
    target = directory / relative
    if not target.is_file():
        raise DataNotFoundError(target, directory, chosen_by, remedy)
    return target


def load_imdb(
    split: str,
    data_dir: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    *,
    filename: str = IMDB_SUBSET_FILENAME,
) -> LabelledTexts:
    """The IMDB reviews of one split (``"train"`` or ``"test"``), in file order.

    Reads ``filename`` (default: the shared 5,000-review subset; pass
    :data:`IMDB_FULL_FILENAME` for a copy made by :func:`download_imdb`) from the
    data directory. Texts are verbatim, ``<br />`` tags included. ``limit`` keeps
    the first ``limit`` rows of the split; the file is sorted by review id, so
    they are not balanced by label.
    """
    if split not in IMDB_SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or >= 0, got {limit}")
    path = _require(
        filename,
        data_dir,
        remedy=(
            "make a full copy with collabml.data.download_imdb(data_dir(), sha256=IMDB_SHA256) and "
            f"load it with filename={IMDB_FULL_FILENAME!r}"
        ),
    )
    texts: list[str] = []
    labels: list[int] = []
    for row in _read_imdb_rows(path):
        if limit is not None and len(texts) >= limit:
            break
        if row["split"] == split:
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return LabelledTexts(texts, np.array(labels, dtype=np.int64))


def _read_imdb_rows(path: pathlib.Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != IMDB_COLUMNS:
            raise DataFormatError(
                f"{path} has columns {reader.fieldnames}, expected {list(IMDB_COLUMNS)}; "
                "re-create it with collabml.data.download_imdb or re-link the shared copy"
            )
        yield from reader


def load_sentiment_sentences(source: str, data_dir: str | os.PathLike[str] | None = None) -> LabelledTexts:
    """The 1,000 labelled sentences of one source: ``"imdb"``, ``"amazon"`` or ``"yelp"``.

    Lines are split on ``'\\n'`` only (``imdb_labelled.txt`` contains U+0085, which
    ``str.splitlines`` would treat as a line break), each line on its last tab.
    """
    if source not in SENTENCE_FILES:
        raise ValueError(f"source must be one of {sorted(SENTENCE_FILES)}, got {source!r}")
    path = _require(f"{SENTENCES_DIRNAME}/{SENTENCE_FILES[source]}", data_dir)
    lines = path.read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file ends with '\n'
    texts: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(lines, start=1):
        text, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1"):
            raise DataFormatError(
                f"{path}:{number} is not 'sentence<TAB>0|1': {line[:80]!r}; re-link the shared copy"
            )
        texts.append(text)
        labels.append(int(label))
    return LabelledTexts(texts, np.array(labels, dtype=np.int64))


# -- download ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Review:
    split: str
    label: int
    rating: int
    review_id: int
    source_path: str
    text: str

    def sort_key(self) -> tuple[int, int, int]:
        # The shared subset's order: split (train first), review id, then neg before pos.
        return (_SPLIT_ORDER[self.split], self.review_id, self.label)


class _HashingReader(io.RawIOBase):
    """A read-only stream that hashes what passes through and advances a progress bar."""

    def __init__(self, source: BinaryIO, progress: tqdm) -> None:
        super().__init__()
        self._source = source
        self._progress = progress
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        self._progress.update(n)
        return n

    def drain(self) -> None:
        """Read (and hash) whatever the tar reader left, e.g. the archive's zero padding."""
        while self.read(_CHUNK):
            pass


def _reviews_in(archive: tarfile.TarFile) -> Iterator[_Review]:
    """The labelled reviews of an ``aclImdb`` tar stream; ``unsup`` and other files are skipped."""
    for member in archive:
        match = _REVIEW_MEMBER.match(member.name)
        if match is None or not member.isfile():
            continue
        split, folder, review_id, rating = match.group(1), match.group(2), int(match.group(3)), int(match.group(4))
        label = 1 if folder == "pos" else 0
        if not (rating >= 7 if label == 1 else rating <= 4):
            raise DataFormatError(
                f"{member.name}: rating {rating} does not fit folder {folder!r} (pos >= 7, neg <= 4); "
                "is this the official aclImdb_v1.tar.gz?"
            )
        handle = archive.extractfile(member)
        assert handle is not None  # a regular file always has a stream
        # Decode like open(path).read(): UTF-8 with universal newlines.
        text = handle.read().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        source_path = f"{split}/{folder}/{review_id}_{rating}.txt"
        yield _Review(split, label, rating, review_id, source_path, text)


def _select(reviews: Sequence[_Review], per_split: int | None, seed: int) -> list[_Review]:
    """All reviews, or ``per_split`` distinct texts per (split, label), sorted like the shared subset.

    For each group, in the order (train, 0), (train, 1), (test, 0), (test, 1), the reviews
    sorted by id are shuffled with a fresh ``random.Random(seed)`` and the first
    ``per_split`` whose text was not kept before (in any group) are kept.
    """
    if per_split is None:
        return sorted(reviews, key=_Review.sort_key)
    kept: list[_Review] = []
    seen: set[str] = set()
    for split in IMDB_SPLITS:
        for label in (0, 1):
            group = sorted((r for r in reviews if r.split == split and r.label == label), key=_Review.sort_key)
            random.Random(seed).shuffle(group)
            chosen = 0
            for review in group:
                if chosen == per_split:
                    break
                if review.text in seen:
                    continue
                seen.add(review.text)
                kept.append(review)
                chosen += 1
            if chosen < per_split:
                raise DataFormatError(
                    f"per_split={per_split} but ({split}, label {label}) has only {chosen} distinct texts; "
                    "ask for fewer or pass per_split=None to keep everything"
                )
    return sorted(kept, key=_Review.sort_key)


def _write_csv_gz(rows: Iterable[_Review], target: pathlib.Path) -> None:
    """Write ``rows`` to ``target`` via a temporary file in the same folder and an atomic rename."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw:
            # mtime=0 and no file name in the header: the same rows give the same bytes.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as packed:
                with io.TextIOWrapper(packed, encoding="utf-8", newline="") as text:
                    writer = csv.writer(text, lineterminator="\n")
                    writer.writerow(IMDB_COLUMNS)
                    for r in rows:
                        writer.writerow((r.split, r.label, r.rating, r.review_id, r.source_path, r.text))
        os.replace(temporary, target)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def download_imdb(
    dest_dir: str | os.PathLike[str],
    url: str = IMDB_URL,
    *,
    archive_path: str | os.PathLike[str] | None = None,
    per_split: int | None = None,
    seed: int = 2011,
    sha256: str | None = None,
    filename: str | None = None,
    progress: bool = True,
) -> pathlib.Path:
    """Fetch the Large Movie Review Dataset and write it as CSV.gz; returns the file's path.

    Streams ``aclImdb_v1.tar.gz`` from ``url`` (or reads an already downloaded
    ``archive_path``) without unpacking it to disk, and writes the labelled
    ``train``/``test`` reviews (``unsup`` is skipped) in the format of the shared
    subset: columns ``split,label,rating,review_id,source_path,text``, label 1 for
    ``pos`` (rating >= 7) and 0 for ``neg`` (rating <= 4), rows sorted by split
    (train first), review id, then label.

    Args:
        dest_dir: folder to write into (created if missing), usually :func:`data_dir`.
        url: where to download the archive from; ignored when ``archive_path`` is given.
        archive_path: a local copy of the archive, e.g. fetched with ``curl -O``.
        per_split: keep only this many distinct texts per (split, label), chosen by
            shuffling each group with ``random.Random(seed)`` as the shared subset was.
            ``None`` keeps all 50,000 reviews, exact duplicates included.
        seed: the shuffle seed for ``per_split``.
        sha256: the archive's expected SHA-256 (e.g. :data:`IMDB_SHA256`); checked
            before anything is written.
        filename: output file name; default :data:`IMDB_FULL_FILENAME`, or
            ``imdb_maas2011_per{per_split}.csv.gz`` with ``per_split``.
        progress: show a tqdm progress bar of the bytes read.

    The output goes to a temporary file that is renamed into place at the end, so an
    interrupted run never leaves a partial CSV behind. Read it with
    ``load_imdb(split, dest_dir, filename=...)``.
    """
    if per_split is not None and per_split <= 0:
        raise ValueError(f"per_split must be None or a positive count, got {per_split}")
    dest = pathlib.Path(dest_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    if filename is None:
        filename = IMDB_FULL_FILENAME if per_split is None else f"imdb_maas2011_per{per_split}.csv.gz"
    target = dest / filename

    source: BinaryIO
    if archive_path is not None:
        archive = pathlib.Path(archive_path).expanduser()
        if not archive.is_file():
            raise DataNotFoundError(
                archive, archive.parent, "passed as archive_path", f"download it from {IMDB_URL} first"
            )
        source, total, label = open(archive, "rb"), archive.stat().st_size, archive.name
    else:
        try:
            response = urllib.request.urlopen(url, timeout=60)  # noqa: S310 (an https URL we chose)
        except OSError as error:  # includes urllib.error.URLError
            raise DownloadError(
                f"could not download {url}: {error}. Fetch the archive another way "
                f"(browser, curl -O) and pass archive_path=..."
            ) from error
        length = response.headers.get("Content-Length")
        source, total, label = response, int(length) if length else None, url.rsplit("/", 1)[-1]

    try:
        with source, tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress) as bar:
            reader = _HashingReader(source, bar)
            try:
                with tarfile.open(fileobj=io.BufferedReader(reader, _CHUNK), mode="r|gz") as tar:
                    reviews = list(_reviews_in(tar))
            except (tarfile.TarError, EOFError, gzip.BadGzipFile) as error:
                raise DataFormatError(
                    f"{label} is not a readable tar.gz ({error}); delete it and download {IMDB_URL} again"
                ) from error
            reader.drain()
    except OSError as error:  # includes urllib.error.URLError and socket timeouts
        raise DownloadError(f"reading {label} failed: {error}; run download_imdb again") from error

    digest = reader.digest.hexdigest()
    if sha256 is not None and digest != sha256.lower():
        raise DownloadError(
            f"{label} has SHA-256 {digest}, expected {sha256}: the download is truncated or not the "
            "official archive; delete it and download again (nothing was written)"
        )
    if not reviews:
        raise DataFormatError(
            f"{label} holds no aclImdb/(train|test)/(pos|neg)/<id>_<rating>.txt files; "
            f"is it {IMDB_URL.rsplit('/', 1)[-1]}?"
        )
    _write_csv_gz(_select(reviews, per_split, seed), target)
    return target
