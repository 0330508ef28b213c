"""collabml.encoding: packed indices, the text encoders against scikit-learn, DenseEncoder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer
from sklearn.linear_model import Perceptron
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import NearestCentroid

from collabml.data import DATA_DIR_ENV, IMDB_SUBSET_FILENAME, LabelledTexts, data_dir, load_imdb
from collabml.encoding import (
    MAX_FEATURE_COUNT,
    DenseEncoder,
    EncodingError,
    HashingTextEncoder,
    TextEncoder,
    TokenizerSettings,
    pack_indices,
    unpack_indices,
    validate_indices,
)
from collabml.fixedpoint import ONE

DEFAULT_SETTINGS = TokenizerSettings()

sorted_indices = st.lists(st.integers(0, MAX_FEATURE_COUNT - 1), unique=True, max_size=300).map(sorted)


@pytest.fixture(scope="module")
def imdb_train() -> LabelledTexts:
    if not (data_dir() / IMDB_SUBSET_FILENAME).is_file():
        pytest.skip(f"{IMDB_SUBSET_FILENAME} is not in {data_dir()}: run `make setup` or set {DATA_DIR_ENV}")
    return load_imdb("train")


@pytest.fixture(scope="module")
def imdb_test(imdb_train) -> LabelledTexts:
    return load_imdb("test")


# -- pack_indices / unpack_indices -------------------------------------------------------


@pytest.mark.parametrize(
    ("indices", "packed"),
    [
        ([], b""),
        ([0], b"\x00\x00"),
        ([1, 258], b"\x00\x01\x01\x02"),
        ([255, 256], b"\x00\xff\x01\x00"),
        ([65_535], b"\xff\xff"),
        ([0, 1, 65_534, 65_535], b"\x00\x00\x00\x01\xff\xfe\xff\xff"),
    ],
)
def test_pack_indices__known_values(indices, packed):
    assert pack_indices(indices) == packed
    assert unpack_indices(packed) == tuple(indices)


def test_pack_indices__accepts_numpy_integers():
    assert pack_indices(np.array([3, 70], dtype=np.int64)) == b"\x00\x03\x00\x46"
    assert pack_indices(np.array([3, 70], dtype=np.uint16)) == b"\x00\x03\x00\x46"


@given(sorted_indices)
def test_pack_indices__round_trip(indices):
    packed = pack_indices(indices)
    assert len(packed) == 2 * len(indices)
    assert unpack_indices(packed) == tuple(indices)
    assert unpack_indices(bytearray(packed)) == tuple(indices)


@given(st.binary(max_size=200).filter(lambda b: len(b) % 2 == 0))
def test_unpack_indices__repacks_to_the_same_bytes_when_increasing(data):
    values = unpack_indices(data, strict=False)
    if all(a < b for a, b in zip(values, values[1:])):
        assert pack_indices(unpack_indices(data)) == data
    else:
        with pytest.raises(EncodingError, match="strictly increasing"):
            unpack_indices(data)


@given(st.lists(st.integers(0, MAX_FEATURE_COUNT - 1), min_size=2, unique=True).filter(lambda v: v != sorted(v)))
def test_pack_indices__rejects_unsorted(indices):
    with pytest.raises(EncodingError, match="strictly increasing"):
        pack_indices(indices)


@given(sorted_indices.filter(bool), st.data())
def test_pack_indices__rejects_duplicates(indices, data):
    position = data.draw(st.integers(0, len(indices) - 1))
    with_duplicate = sorted(indices + [indices[position]])
    with pytest.raises(EncodingError, match="strictly increasing"):
        pack_indices(with_duplicate)


@given(sorted_indices, st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_FEATURE_COUNT)))
def test_pack_indices__rejects_out_of_range(indices, bad):
    candidate = sorted(indices + [bad])
    with pytest.raises(EncodingError, match=r"outside \[0, 65536\)"):
        pack_indices(candidate)


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_pack_indices__rejects_non_integers(bad):
    with pytest.raises(EncodingError, match="not an int"):
        pack_indices([0, bad])


@given(st.binary(max_size=99).filter(lambda b: len(b) % 2 == 1))
def test_unpack_indices__rejects_odd_length(data):
    with pytest.raises(EncodingError, match="odd number"):
        unpack_indices(data)


def test_unpack_indices__non_strict_decodes_bad_order():
    assert unpack_indices(b"\x00\x02\x00\x01\x00\x01", strict=False) == (2, 1, 1)


def test_validate_indices__checks_against_the_feature_count():
    assert validate_indices([0, 999], 1000) == (0, 999)
    with pytest.raises(EncodingError, match=r"outside \[0, 1000\)"):
        validate_indices([1000], 1000)


# -- TextEncoder -------------------------------------------------------------------------


def test_tokenizer__strips_html_breaks_and_lowercases():
    text = "Great<br />MOVIE<br/>a<BR>plot<br >x it's"
    assert DEFAULT_SETTINGS.tokenize(text) == ["great", "movie", "plot", "it"]
    assert TokenizerSettings(strip_html_breaks=False).tokenize("a<br />b") == ["br"]


def test_text_encoder__encode_is_sorted_unique_and_binary():
    encoder = TextEncoder(["bad", "film", "good", "movie"])
    assert encoder.encode("Good good MOVIE, not a bad film!") == (0, 1, 2, 3)
    assert encoder.encode("movie<br />good unknownword") == (2, 3)
    assert encoder.encode("") == ()
    assert encoder.encode_counts("good movie GOOD good") == {2: 3, 3: 1}
    assert list(encoder.encode_counts("movie bad movie")) == [0, 3]
    assert encoder.encode_many(["bad", "film bad"]) == [(0,), (0, 1)]


def test_text_encoder__rejects_unsorted_or_empty_vocabulary():
    with pytest.raises(EncodingError, match="sorted and unique"):
        TextEncoder(["b", "a"])
    with pytest.raises(EncodingError, match="sorted and unique"):
        TextEncoder(["a", "a"])
    with pytest.raises(EncodingError, match="empty"):
        TextEncoder([])
    with pytest.raises(EncodingError, match="max_features"):
        TextEncoder.fit(["some text"], max_features=MAX_FEATURE_COUNT + 1)


def test_text_encoder__to_matrix_takes_texts_or_indices():
    encoder = TextEncoder(["bad", "film", "good", "movie"])
    from_texts = encoder.to_matrix(["good film", "", "bad bad movie"])
    from_indices = encoder.to_matrix([(1, 2), (), (0, 3)])
    expected = np.array([[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1]])
    assert np.array_equal(from_texts.toarray(), expected)
    assert np.array_equal(from_indices.toarray(), expected)
    with pytest.raises(EncodingError, match=r"outside \[0, 4\)"):
        encoder.to_matrix([(1, 4)])
    with pytest.raises(EncodingError, match="strictly increasing"):
        encoder.to_matrix([(2, 1)])


def test_text_encoder__matches_count_vectorizer_on_imdb(imdb_train, imdb_test):
    encoder = TextEncoder.fit(imdb_train.texts, max_features=1000, ties="sklearn")
    vectorizer = CountVectorizer(max_features=1000, binary=True, preprocessor=DEFAULT_SETTINGS.preprocess)
    expected_train = vectorizer.fit_transform(imdb_train.texts)

    assert encoder.vocabulary == {word: int(i) for word, i in vectorizer.vocabulary_.items()}
    assert encoder.words == list(vectorizer.get_feature_names_out())
    assert (encoder.to_matrix(encoder.encode_many(imdb_train.texts)) != expected_train).nnz == 0
    assert (encoder.to_matrix(encoder.encode_many(imdb_test.texts)) != vectorizer.transform(imdb_test.texts)).nnz == 0
    assert "br" not in encoder.vocabulary


def test_text_encoder__imdb_cut_off_falls_inside_a_tie(imdb_train):
    """The 1,000th and 1,001st words share a document frequency, so tie-breaking decides the vocabulary."""
    everything = TextEncoder.fit(imdb_train.texts, max_features=None)
    document_frequency = np.asarray(everything.to_matrix(imdb_train.texts).sum(axis=0)).ravel()
    ranked = np.sort(document_frequency)[::-1]
    assert ranked[999] == ranked[1000]
    sklearn_like = TextEncoder.fit(imdb_train.texts, 1000, ties="sklearn")
    alphabetical = TextEncoder.fit(imdb_train.texts, 1000, ties="alphabetical")
    tied = {w for w, df in zip(everything.words, document_frequency) if df == ranked[999]}
    chosen = sorted(tied & set(alphabetical.words))
    assert chosen == sorted(tied)[: len(chosen)]
    assert set(sklearn_like.words) - tied == set(alphabetical.words) - tied


corpus_words = st.sampled_from(["ab", "cd", "ef", "gh", "ij", "kl", "mn", "op", "qr", "st", "uv", "wx"])
corpora = st.lists(st.lists(corpus_words, max_size=8).map(" ".join), min_size=1, max_size=30).filter(
    lambda texts: any(texts)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora, st.integers(1, 12))
def test_text_encoder__ties_match_count_vectorizer(texts, max_features):
    vectorizer = CountVectorizer(max_features=max_features, binary=True, preprocessor=DEFAULT_SETTINGS.preprocess)
    vectorizer.fit(texts)
    encoder = TextEncoder.fit(texts, max_features=max_features, ties="sklearn")
    assert encoder.words == list(vectorizer.get_feature_names_out())


def test_text_encoder__many_equal_frequencies_match_count_vectorizer():
    words = [f"w{i:03d}" for i in range(300)]
    texts = [" ".join(words[i : i + 7]) for i in range(0, 300, 3)]  # most words in 2 or 3 texts
    for max_features in (1, 17, 100, 150, 299):
        vectorizer = CountVectorizer(max_features=max_features, binary=True).fit(texts)
        assert TextEncoder.fit(texts, max_features, ties="sklearn").words == list(vectorizer.get_feature_names_out())


def test_text_encoder__alphabetical_ties_keep_the_first_words():
    texts = ["zeta alpha", "mid beta", "omega gamma"]
    assert TextEncoder.fit(texts, max_features=3, ties="alphabetical").words == ["alpha", "beta", "gamma"]
    assert TextEncoder.fit(texts + ["zeta"], max_features=1, ties="alphabetical").words == ["zeta"]


def test_text_encoder__save_load_gives_identical_indices(tmp_path):
    texts = ["The film was good<br />really good", "A bad, bad movie", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 film"]
    encoder = TextEncoder.fit(texts, max_features=5)
    path = tmp_path / "vocabulary.json"
    encoder.save(path)

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == "collabml.TextEncoder" and saved["version"] == 1
    assert saved["tokenizer"] == {"lowercase": True, "token_pattern": r"(?u)\b\w\w+\b", "strip_html_breaks": True}
    loaded = TextEncoder.load(path)
    assert loaded == encoder
    assert loaded.encode_many(texts) == encoder.encode_many(texts)


def test_text_encoder__load_keeps_custom_tokenizer(tmp_path):
    custom = TokenizerSettings(lowercase=False, token_pattern=r"(?u)\b\w+\b", strip_html_breaks=False)
    encoder = TextEncoder.fit(["A b br", "a B"], max_features=None, settings=custom)
    encoder.save(tmp_path / "e.json")
    loaded = TextEncoder.load(tmp_path / "e.json")
    assert loaded.settings == custom
    assert loaded.words == ["A", "B", "a", "b", "br"]
    assert loaded.encode("a<br>A") == (0, 2, 4)


def test_text_encoder__load_rejects_other_versions(tmp_path):
    path = tmp_path / "e.json"
    TextEncoder(["a1", "b2"]).save(path)
    payload = json.loads(path.read_text())
    payload["version"] = 99
    path.write_text(json.dumps(payload))
    with pytest.raises(EncodingError, match="version 99.*re-fit"):
        TextEncoder.load(path)
    with pytest.raises(EncodingError, match="not a saved collabml.HashingTextEncoder"):
        HashingTextEncoder.load(path)


def test_text_encoder__encodings_pack_for_the_chain(imdb_train):
    encoder = TextEncoder.fit(imdb_train.texts, 1000)
    for indices in encoder.encode_many(imdb_train.texts[:200]):
        assert unpack_indices(pack_indices(indices)) == indices


# -- HashingTextEncoder ------------------------------------------------------------------


def test_hashing_encoder__known_values_use_the_signed_hash():
    encoder = HashingTextEncoder(1000)
    # murmurhash3_32("movie", seed=0) is negative: abs() gives 746; the unsigned hash would give 550.
    assert encoder.index("movie") == 746
    assert encoder.index("hello") == 351
    assert encoder.encode("Movie hello<br />MOVIE") == (351, 746)
    assert encoder.encode_counts("movie hello movie") == {351: 1, 746: 2}


def test_hashing_encoder__matches_hashing_vectorizer(imdb_train):
    texts = imdb_train.texts[:1000]
    for n_features in (1000, 2**16):
        encoder = HashingTextEncoder(n_features)
        vectorizer = HashingVectorizer(
            n_features=n_features,
            alternate_sign=False,
            binary=True,
            norm=None,
            preprocessor=DEFAULT_SETTINGS.preprocess,
        )
        assert (encoder.to_matrix(encoder.encode_many(texts)) != vectorizer.transform(texts)).nnz == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=10).map(" ".join))
def test_hashing_encoder__matches_hashing_vectorizer_on_any_text(text):
    encoder = HashingTextEncoder(97)
    vectorizer = HashingVectorizer(
        n_features=97, alternate_sign=False, binary=True, norm=None, preprocessor=DEFAULT_SETTINGS.preprocess
    )
    assert encoder.encode(text) == tuple(vectorizer.transform([text]).indices.tolist())


def test_hashing_encoder__rejects_feature_counts_beyond_uint16():
    with pytest.raises(EncodingError, match="uint16"):
        HashingTextEncoder(MAX_FEATURE_COUNT + 1)
    with pytest.raises(EncodingError, match="uint16"):
        HashingTextEncoder(0)


def test_hashing_encoder__save_load(tmp_path):
    encoder = HashingTextEncoder(4096, TokenizerSettings(lowercase=False))
    encoder.save(tmp_path / "h.json")
    loaded = HashingTextEncoder.load(tmp_path / "h.json")
    assert loaded == encoder
    assert loaded.encode("Some Text here") == encoder.encode("Some Text here")


# -- DenseEncoder ------------------------------------------------------------------------


def test_dense_encoder__known_values():
    encoder = DenseEncoder.fit([[0.0, 10.0, 5.0], [2.0, 30.0, 5.0]])
    assert encoder.minimums == (0.0, 10.0, 5.0) and encoder.maximums == (2.0, 30.0, 5.0)
    assert encoder.encode([1.0, 20.0, 5.0]) == [ONE // 2, ONE // 2, 0]
    assert encoder.encode([0.0, 30.0, 9.0]) == [0, ONE, 0]
    assert encoder.encode([0.5, 15.0, 5.0]) == [250_000, 250_000, 0]
    assert encoder.encode([-3.0, 31.0, -1.0]) == [0, ONE, 0]  # clipped to the fitted range


def test_dense_encoder__breast_cancer_rows_land_in_zero_to_one():
    X = load_breast_cancer().data
    encoder = DenseEncoder.fit(X)
    encoded = np.array(encoder.encode_many(X))
    assert encoded.shape == (569, 30)
    assert encoded.min(axis=0).tolist() == [0] * 30
    assert encoded.max(axis=0).tolist() == [ONE] * 30
    expected = np.rint((X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0)) * ONE).astype(np.int64)
    assert np.array_equal(encoded, expected)


@given(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=20),
    st.floats(-2e6, 2e6),
    st.floats(-2e6, 2e6),
)
def test_dense_encoder__in_range_and_monotone(column, a, b):
    encoder = DenseEncoder.fit(np.array(column).reshape(-1, 1))
    low, high = sorted((a, b))
    (encoded_low,), (encoded_high,) = encoder.encode([low]), encoder.encode([high])
    assert 0 <= encoded_low <= encoded_high <= ONE


def test_dense_encoder__rejects_non_finite_and_wrong_length():
    encoder = DenseEncoder.fit([[0.0, 1.0], [1.0, 2.0]])
    with pytest.raises(EncodingError, match="not finite"):
        encoder.encode([float("nan"), 1.0])
    with pytest.raises(EncodingError, match="not finite"):
        encoder.encode([float("inf"), 1.0])
    with pytest.raises(EncodingError, match="expected 2 values"):
        encoder.encode([0.5])
    with pytest.raises(EncodingError, match="NaN or infinity"):
        DenseEncoder.fit([[0.0], [float("nan")]])
    with pytest.raises(EncodingError, match="2-D"):
        DenseEncoder.fit([1.0, 2.0])


def test_dense_encoder__save_load_round_trips_floats_exactly(tmp_path):
    encoder = DenseEncoder.fit([[0.1, -1e-300, 3.0], [0.30000000000000004, 7.25, 1e300]])
    encoder.save(tmp_path / "d.json")
    loaded = DenseEncoder.load(tmp_path / "d.json")
    assert loaded == encoder
    assert loaded.encode([0.2, 1.0, 5e299]) == encoder.encode([0.2, 1.0, 5e299])


# -- accuracy of float scikit-learn models on these features ---------------------------

REFERENCE_ACCURACY = {"MultinomialNB": 0.832, "Perceptron": 0.778, "NearestCentroid": 0.725}
"""data/README.md: trained on train, tested on test, 1,000 most frequent words, binary."""


def accuracies(encoder: TextEncoder, train: LabelledTexts, test: LabelledTexts) -> dict[str, float]:
    X_train, X_test = encoder.to_matrix(train.texts), encoder.to_matrix(test.texts)
    models = {"MultinomialNB": MultinomialNB(), "Perceptron": Perceptron(), "NearestCentroid": NearestCentroid()}
    return {name: model.fit(X_train, train.labels).score(X_test, test.labels) for name, model in models.items()}


def test_accuracy__float_models_on_the_encoded_imdb_subset(imdb_train, imdb_test):
    """scikit-learn defaults (Perceptron's random_state is 0) on the encoder's features.

    ties="alphabetical" makes the vocabulary the same on every machine; with
    ties="sklearn" Perceptron moves by about 0.01 with the CPU's argsort.
    """
    encoder = TextEncoder.fit(imdb_train.texts, 1000, ties="alphabetical")
    measured = accuracies(encoder, imdb_train, imdb_test)
    assert measured == pytest.approx(REFERENCE_ACCURACY, abs=0.005)


def test_accuracy__reference_numbers_come_from_plain_count_vectorizer_tokens(imdb_train, imdb_test):
    """The README figures to three decimals: default CountVectorizer tokens ("<br />" kept as
    "br"), the 1,000 words in the most texts with ties broken alphabetically, default models."""
    raw_tokens = TokenizerSettings(strip_html_breaks=False)
    encoder = TextEncoder.fit(imdb_train.texts, 1000, ties="alphabetical", settings=raw_tokens)
    measured = accuracies(encoder, imdb_train, imdb_test)
    assert {name: round(value, 3) for name, value in measured.items()} == REFERENCE_ACCURACY
