"""collabml.accuracy: the cases `ape run accuracy` deploys, the comparison of predictions, the table
and the JSON / CSV files, off chain (the chain half is tests/integration/test_accuracy_pipeline.py)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from collabml.accuracy import (
    MODELS,
    AccuracyCase,
    UnknownModelError,
    accuracy_row,
    build_cases,
    format_markdown,
    format_table,
    select,
    write_rows,
)
from collabml.models.perceptron import SparsePerceptron


def _case(labels, sklearn) -> AccuracyCase:
    return AccuracyCase(
        "toy", "binary, 3 words", SparsePerceptron.zeros(3), [()] * len(labels), np.array(labels), np.array(sklearn), 10
    )


# ---- selection ----
def test_select__no_choice__every_model_of_every_data_set_in_table_order():
    assert select() == [(d, m) for d, models in MODELS.items() for m in models]


def test_select__model_filter__keeps_that_model_on_each_data_set():
    assert select(models=["NaiveBayes"]) == [("imdb", "NaiveBayes"), ("digits", "NaiveBayes")]
    assert select(["digits"], ["NaiveBayes", "DenseNearestCentroid"]) == [
        ("digits", "NaiveBayes"),
        ("digits", "DenseNearestCentroid"),
    ]


@pytest.mark.parametrize(
    "data_sets, models, message",
    [
        (["mnist"], [], "unknown data set 'mnist'"),
        ([], ["SVM"], "unknown model 'SVM'"),
        (["breast-cancer"], ["NaiveBayes"], "no model"),
    ],
)
def test_select__unknown_or_empty_choice__raises_naming_the_choices(data_sets, models, message):
    with pytest.raises(UnknownModelError, match=message):
        select(data_sets, models)


# ---- comparison ----
def test_accuracy_row__counts_agreements_and_lists_disagreements():
    case = _case(labels=[0, 1, 1, 0], sklearn=[0, 1, 0, 0])
    row = accuracy_row(case, contract_predictions=[0, 1, 1, 1], mirror_predictions=[0, 1, 1, 0])
    assert (row.contract_accuracy, row.mirror_accuracy, row.sklearn_accuracy) == (0.75, 1.0, 0.75)
    assert (row.contract_equals_sklearn, row.contract_equals_mirror) == (2, 3)
    assert row.mirror_disagreements == [3] and row.sklearn_disagreements == [2, 3]
    assert not row.mirror_agrees and row.within_tolerance


def test_accuracy_row__more_than_one_point_from_sklearn__not_within_tolerance():
    labels = [1] * 100
    row = accuracy_row(_case(labels, sklearn=labels), [0, 0] + labels[2:], [0, 0] + labels[2:])
    assert row.contract_accuracy == 0.98 and row.mirror_agrees and not row.within_tolerance
    assert "+0.0000" not in format_table([row])[2] and format_table([row])[2].count(" !") == 1


def test_accuracy_row__missing_predictions__raises():
    with pytest.raises(ValueError, match="predict every test example"):
        accuracy_row(_case([0, 1], [0, 1]), [0], [0, 1])


# ---- output ----
def test_write_rows__json_and_csv_hold_every_row(tmp_path):
    rows = [accuracy_row(_case([0, 1], [0, 1]), [0, 1], [0, 1], deploy_gas=7, seconds=1.5)]
    payload = json.loads(write_rows(rows, tmp_path / "out" / "a.json", {"test_size": None}).read_text())
    assert payload["metadata"] == {"test_size": None}
    assert payload["rows"][0]["contract_equals_mirror"] == 2 and payload["rows"][0]["mirror_disagreements"] == []
    with write_rows(rows, tmp_path / "a.csv").open() as f:
        (line,) = list(csv.DictReader(f))
    assert line["model"] == "SparsePerceptron" and line["deploy_gas"] == "7" and line["within_tolerance"] == "True"
    with pytest.raises(ValueError, match=r"\*.json or \*.csv"):
        write_rows(rows, tmp_path / "a.txt")


def test_format__table_and_markdown_have_a_line_per_row():
    rows = [accuracy_row(_case([0, 1], [0, 1]), [0, 1], [0, 1]), accuracy_row(_case([1], [1]), [1], [1])]
    assert len(format_table(rows)) == 2 + len(rows)
    assert len(format_markdown(rows)) == 2 + len(rows)
    assert format_markdown(rows)[2] == "| toy | SparsePerceptron | binary, 3 words | 2 | 1.0000 | 1.0000 | 1.0000 | 2 | 2 |"


# ---- the cases (data sets bundled with scikit-learn; IMDB is measured on chain) ----
@pytest.mark.parametrize("pair", [p for p in select() if p[0] != "imdb"], ids="-".join)
def test_build_cases__mirror_predicts_as_float_sklearn(pair):
    (case,) = build_cases([pair], test_size=150)
    assert case.model_name == pair[1] and case.test_size == len(case.labels) == 150
    mirror = np.array([case.model.predict(f) for f in case.features])
    assert (mirror == case.sklearn_predictions).mean() >= 0.99
    assert len(case.model.pack(case.features[0])) > 0
