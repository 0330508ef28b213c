"""collabml.data: the data directory, the loaders, and download_imdb against a fake archive."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import pathlib
import random
import tarfile
import urllib.error

import numpy as np
import pytest

import collabml.data as data_module
from collabml.data import (
    DATA_DIR_ENV,
    IMDB_COLUMNS,
    IMDB_FULL_FILENAME,
    IMDB_SUBSET_FILENAME,
    SENTENCE_FILES,
    SENTENCES_DIRNAME,
    DataFormatError,
    DataNotFoundError,
    DownloadError,
    LabelledTexts,
    data_dir,
    download_imdb,
    load_imdb,
    load_sentiment_sentences,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def require_data(relative: str) -> pathlib.Path:
    """The data file, or skip the test saying how to provide it."""
    path = data_dir() / relative
    if not path.is_file():
        pytest.skip(
            f"{relative} is not in the data directory {data_dir()}: run `make setup` "
            f"(links ../shared/data) or set {DATA_DIR_ENV}"
        )
    return path


# -- data_dir ----------------------------------------------------------------------------


def test_data_dir__explicit_path_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert data_dir(str(tmp_path)) == tmp_path


def test_data_dir__env_var_before_repository(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_dir() == tmp_path


def test_data_dir__repository_data_folder_by_default(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert data_dir() == REPO_ROOT / "data"


def test_data_dir__falls_back_to_cwd_data_outside_a_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(data_module, "__file__", str(tmp_path / "site-packages" / "collabml" / "data.py"))
    assert data_dir() == pathlib.Path("data")


def test_data_dir__empty_env_var_is_ignored(monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, "")
    assert data_dir() == REPO_ROOT / "data"


# -- missing files -----------------------------------------------------------------------


def test_load_imdb__missing_file_says_where_and_what_to_do(tmp_path):
    with pytest.raises(DataNotFoundError) as caught:
        load_imdb("train", tmp_path)
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert IMDB_SUBSET_FILENAME in message
    assert str(tmp_path) in message
    assert "passed as data_dir" in message
    assert "make setup" in message and "tools/setup.sh" in message
    assert DATA_DIR_ENV in message
    assert "download_imdb" in message


def test_load_sentiment_sentences__missing_file_names_it(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError, match="yelp_labelled.txt") as caught:
        load_sentiment_sentences("yelp")
    assert f"from ${DATA_DIR_ENV}" in str(caught.value)
    assert caught.value.missing == tmp_path / SENTENCES_DIRNAME / "yelp_labelled.txt"


def test_load_imdb__rejects_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_imdb("validation", tmp_path)


def test_load_sentiment_sentences__rejects_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="amazon"):
        load_sentiment_sentences("twitter", tmp_path)


# -- LabelledTexts -----------------------------------------------------------------------


def test_labelled_texts__len_head_and_read_only_labels():
    texts = LabelledTexts(["a", "b", "c"], [1, 0, 1])
    assert len(texts) == 3
    assert texts.labels.dtype == np.int64
    head = texts.head(2)
    assert head.texts == ["a", "b"] and head.labels.tolist() == [1, 0]
    assert texts.head(10) == texts
    with pytest.raises(ValueError):
        texts.labels[0] = 0


@pytest.mark.parametrize(
    ("texts", "labels", "match"),
    [(["a"], [1, 0], "1 texts but 2 labels"), (["a", "b"], [0, 2], "0 or 1")],
)
def test_labelled_texts__rejects_bad_labels(texts, labels, match):
    with pytest.raises(ValueError, match=match):
        LabelledTexts(texts, labels)


# -- the shared data sets ----------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "test"])
def test_load_imdb__counts_per_split_and_label(split):
    require_data(IMDB_SUBSET_FILENAME)
    reviews = load_imdb(split)
    assert len(reviews) == 2_500
    assert int(reviews.labels.sum()) == 1_250
    assert len(set(reviews.texts)) == 2_500


def test_load_imdb__texts_are_verbatim_in_file_order():
    require_data(IMDB_SUBSET_FILENAME)
    train = load_imdb("train")
    assert train.texts[0].startswith("Bromwell High is a cartoon comedy.")
    assert train.labels[:3].tolist() == [1, 1, 0]  # train/pos/0_9, train/pos/5_10, train/neg/10_2
    assert any("<br />" in text for text in train.texts)


def test_load_imdb__limit_keeps_the_first_rows():
    require_data(IMDB_SUBSET_FILENAME)
    full = load_imdb("test")
    assert load_imdb("test", limit=7) == full.head(7)
    assert len(load_imdb("test", limit=0)) == 0


@pytest.mark.parametrize("source", sorted(SENTENCE_FILES))
def test_load_sentiment_sentences__counts(source):
    require_data(f"{SENTENCES_DIRNAME}/{SENTENCE_FILES[source]}")
    sentences = load_sentiment_sentences(source)
    assert len(sentences) == 1_000
    assert int(sentences.labels.sum()) == 500
    assert all("\n" not in text for text in sentences.texts)


def test_load_sentiment_sentences__keeps_u0085_inside_imdb_sentences():
    require_data(f"{SENTENCES_DIRNAME}/imdb_labelled.txt")
    sentences = load_sentiment_sentences("imdb")
    assert any("\x85" in text for text in sentences.texts)


# -- download_imdb against a fake aclImdb_v1.tar.gz --------------------------------------

FAKE_FILES = {
    "aclImdb/README": "not a review",
    "aclImdb/imdb.vocab": "the\nand\n",
    "aclImdb/train/pos/0_9.txt": "A fine film.<br /><br />Loved it.",
    "aclImdb/train/pos/3_10.txt": "Best movie of the year, \"really\", with commas",
    "aclImdb/train/pos/7_8.txt": "Caf\u00e9 scenes were great",
    "aclImdb/train/neg/0_3.txt": "Dull and slow.",
    "aclImdb/train/neg/5_1.txt": "Awful.\r\nTruly awful.",
    "aclImdb/train/neg/9_2.txt": "Dull and slow.",  # exact duplicate of train/neg/0_3
    "aclImdb/train/unsup/0_0.txt": "unlabelled, must be skipped",
    "aclImdb/test/pos/2_7.txt": "Pretty good",
    "aclImdb/test/pos/11_10.txt": "A masterpiece",
    "aclImdb/test/neg/1_4.txt": "Not for me",
    "aclImdb/test/neg/4_2.txt": "Boring",
    "aclImdb/train/urls_pos.txt": "http://www.imdb.com/title/tt0453418/usercomments\n",
}


@pytest.fixture
def fake_archive(tmp_path) -> pathlib.Path:
    """A small aclImdb_v1.tar.gz: labelled train/test reviews plus files download_imdb skips."""
    path = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for folder in ("aclImdb", "aclImdb/train", "aclImdb/train/pos"):
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, text in FAKE_FILES.items():
            payload = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def read_rows(path: pathlib.Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_download_imdb__writes_the_shared_subset_format(fake_archive, tmp_path):
    digest = hashlib.sha256(fake_archive.read_bytes()).hexdigest()
    out = download_imdb(tmp_path / "out", archive_path=fake_archive, sha256=digest, progress=False)

    assert out == tmp_path / "out" / IMDB_FULL_FILENAME
    with gzip.open(out, "rb") as handle:
        assert handle.readline() == b"split,label,rating,review_id,source_path,text\n"
    rows = read_rows(out)
    assert [(r["split"], r["review_id"], r["label"]) for r in rows] == [
        ("train", "0", "0"),
        ("train", "0", "1"),
        ("train", "3", "1"),
        ("train", "5", "0"),
        ("train", "7", "1"),
        ("train", "9", "0"),
        ("test", "1", "0"),
        ("test", "2", "1"),
        ("test", "4", "0"),
        ("test", "11", "1"),
    ]
    for row in rows:
        name = f"aclImdb/{row['source_path']}"
        assert row["text"] == FAKE_FILES[name].replace("\r\n", "\n")  # as open(name).read()
        folder = "pos" if row["label"] == "1" else "neg"
        assert row["source_path"] == f"{row['split']}/{folder}/{row['review_id']}_{row['rating']}.txt"

    train = load_imdb("train", tmp_path / "out", filename=IMDB_FULL_FILENAME)
    assert train.texts[0] == "Dull and slow."
    assert train.labels.tolist() == [0, 1, 1, 0, 1, 0]
    assert load_imdb("test", tmp_path / "out", filename=IMDB_FULL_FILENAME).labels.tolist() == [0, 1, 0, 1]


def test_download_imdb__same_archive_gives_the_same_bytes(fake_archive, tmp_path):
    first = download_imdb(tmp_path / "a", archive_path=fake_archive, progress=False).read_bytes()
    second = download_imdb(tmp_path / "b", archive_path=fake_archive, progress=False).read_bytes()
    assert first == second
    assert first[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0


def test_download_imdb__per_split_shuffles_each_group_and_skips_duplicates(fake_archive, tmp_path):
    out = download_imdb(tmp_path, archive_path=fake_archive, per_split=2, seed=7, progress=False)
    assert out.name == "imdb_maas2011_per2.csv.gz"
    rows = read_rows(out)

    expected: set[str] = set()
    seen: set[str] = set()
    for split in ("train", "test"):
        for folder in ("neg", "pos"):
            group = sorted(
                (n for n in FAKE_FILES if n.startswith(f"aclImdb/{split}/{folder}/")),
                key=lambda n: int(n.rsplit("/", 1)[1].split("_")[0]),
            )
            random.Random(7).shuffle(group)
            kept = 0
            for name in group:
                if kept < 2 and FAKE_FILES[name] not in seen:
                    seen.add(FAKE_FILES[name])
                    expected.add(name.removeprefix("aclImdb/"))
                    kept += 1
    assert {r["source_path"] for r in rows} == expected
    assert len(rows) == 8
    assert len({r["text"] for r in rows}) == 8
    assert rows == sorted(rows, key=lambda r: (r["split"] != "train", int(r["review_id"]), r["label"]))


def test_download_imdb__per_split_beyond_the_distinct_texts_fails(fake_archive, tmp_path):
    # train/neg holds three files but only two distinct texts.
    with pytest.raises(DataFormatError, match="only 2 distinct texts"):
        download_imdb(tmp_path, archive_path=fake_archive, per_split=3, progress=False)
    assert list(tmp_path.glob("*.csv.gz")) == []


def test_download_imdb__checksum_mismatch_writes_nothing(fake_archive, tmp_path):
    out_dir = tmp_path / "out"
    with pytest.raises(DownloadError, match="SHA-256"):
        download_imdb(out_dir, archive_path=fake_archive, sha256="0" * 64, progress=False)
    assert list(out_dir.iterdir()) == []


def test_download_imdb__interrupted_write_leaves_no_file(fake_archive, tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(data_module.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        download_imdb(tmp_path / "out", archive_path=fake_archive, progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_download_imdb__missing_archive_path(tmp_path):
    with pytest.raises(DataNotFoundError, match="aclImdb_v1.tar.gz"):
        download_imdb(tmp_path, archive_path=tmp_path / "aclImdb_v1.tar.gz", progress=False)


def test_download_imdb__not_a_tar_gz(tmp_path):
    bogus = tmp_path / "aclImdb_v1.tar.gz"
    bogus.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DataFormatError, match="not a readable tar.gz"):
        download_imdb(tmp_path / "out", archive_path=bogus, progress=False)


class FakeResponse(io.BytesIO):
    """What urllib.request.urlopen returns, as far as download_imdb uses it."""

    def __init__(self, payload: bytes) -> None:
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def test_download_imdb__streams_from_the_url(fake_archive, tmp_path, monkeypatch):
    requested: list[str] = []

    def fake_urlopen(url, timeout):
        requested.append(url)
        return FakeResponse(fake_archive.read_bytes())

    monkeypatch.setattr(data_module.urllib.request, "urlopen", fake_urlopen)
    digest = hashlib.sha256(fake_archive.read_bytes()).hexdigest()
    out = download_imdb(tmp_path / "out", "https://example.invalid/aclImdb_v1.tar.gz", sha256=digest, progress=False)
    assert requested == ["https://example.invalid/aclImdb_v1.tar.gz"]
    assert len(read_rows(out)) == 10


def test_download_imdb__network_error_suggests_archive_path(tmp_path, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(data_module.urllib.request, "urlopen", offline)
    with pytest.raises(DownloadError, match="archive_path"):
        download_imdb(tmp_path, progress=False)


def test_download_imdb__output_has_the_shared_subset_columns():
    path = require_data(IMDB_SUBSET_FILENAME)
    with gzip.open(path, "rb") as handle:
        assert handle.readline() == (",".join(IMDB_COLUMNS) + "\n").encode()
