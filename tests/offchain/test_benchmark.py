"""The tables of `ape run benchmark` without a chain: model selection, spreads, the originals'
figures, ratios and bars, the text tables."""

from __future__ import annotations

import pytest

from collabml.benchmark import (
    CALL_BAR,
    DEPLOY_BAR,
    MODEL_NAMES,
    Original,
    Row,
    Spread,
    Table,
    UnknownBenchmarkError,
    check_bars,
    format_bar_summary,
    format_seconds,
    format_table,
    original,
    select_models,
    short_gas,
    spread,
)


# ---- selection ----
def test_select_models__none_or_all__every_model_in_print_order():
    assert select_models() == list(MODEL_NAMES)
    assert select_models(["market", "all"]) == list(MODEL_NAMES)


def test_select_models__some__each_once_in_print_order():
    assert select_models(["market", "naive-bayes", "market"]) == ["naive-bayes", "market"]


def test_select_models__unknown__raises_with_the_known_names():
    with pytest.raises(UnknownBenchmarkError, match="perceptron.*choose from sparse-perceptron"):
        select_models(["perceptron"])


# ---- figures ----
def test_spread__samples__mean_and_range():
    assert spread([1_000, 3_000, 2_000]).format() == "2,000 [1,000-3,000]"
    assert Spread((17.0, 18.0)).format(1) == "17.5 [17.0-18.0]"


def test_spread__equal_samples__one_value():
    assert spread([4_476_661]).format() == "4,476,661"
    assert spread([5, 5]).format() == "5"


@pytest.mark.parametrize(
    "gas, text",
    [(30_300_000, "30.3M"), (1_480_000, "1.48M"), (259_000, "259k"), (8_495, "8.5k"), (950, "950")],
)
def test_short_gas__the_issue_s_spelling(gas, text):
    assert short_gas(gas) == text


def test_original_format__range_estimate_borrowed():
    assert Original(309e3, 330e3).format() == "309k-330k"
    assert Original(481e3, approximate=True).format() == "~481k"
    assert Original(221e3, borrowed=True).format() == "221k*"


def test_original__only_at_the_originals_shape():
    assert original("sparse-perceptron", "deploy", None, 1_000) == Original(30.3e6)
    assert original("sparse-perceptron", "add_updates", 80, 1_000) == Original(731e3, approximate=True)
    assert original("sparse-perceptron", "refund", 80, 1_000) is None
    assert original("sparse-perceptron", "add_agrees", 20, 10_000) is None
    assert original("dense-perceptron", "add_data", 400, 0) == Original(1.48e6, 2.03e6)
    assert original("multiclass-perceptron", "add_data", 20, 1_000) is None


# ---- ratios and bars ----
def _table() -> Table:
    return Table(
        "Model",
        ("20 present", "80 present"),
        (
            Row("a heading"),
            Row("deploy", (spread([6_000_000]), None), (Original(30e6),), DEPLOY_BAR),
            Row("addData", (spread([100, 140]), spread([500])), (Original(300, 400), Original(900)), CALL_BAR),
            Row("refund", (spread([200]), spread([300]))),
        ),
        ("a note",),
    )


def test_row_ratios__mean_over_the_original_s_lower_figure():
    assert _table().rows[2].ratios() == (pytest.approx(0.4), pytest.approx(500 / 900))
    assert _table().rows[3].ratios() == (None, None)


def test_check_bars__each_compared_cell__pass_or_miss():
    checks = check_bars([_table()])
    assert [(c.operation, c.column, c.passed) for c in checks] == [
        ("deploy", "20 present", True),  # exactly a fifth passes
        ("addData", "20 present", True),
        ("addData", "80 present", False),
    ]
    assert checks[1].worst == pytest.approx(140 / 300)


def test_format_bar_summary__misses_and_dear_samples_listed():
    table = Table(
        "M", ("20 present",), (Row("addData", (spread([100, 200]),), (Original(300, 330),), CALL_BAR),)
    )
    lines = format_bar_summary(check_bars([_table(), table]))
    assert lines[0].startswith("bars: 3 of 4 pass")
    assert lines[1] == "  MISS Model / addData / 80 present: 55.6% of 900 > 50%"
    assert lines[2] == "  note M / addData / 20 present: mean 50.0% of 300 (45.5% of the range's top, 330), dearest sample 66.7%"


def test_format_bar_summary__borrowed_original_said():
    table = Table("NB", ("20 present",), (Row("refund", (spread([120_000]),), (Original(221e3, borrowed=True),), CALL_BAR),))
    assert format_bar_summary(check_bars([table]))[1].endswith("the original sparse Perceptron's figure > 50%")


# ---- text ----
def test_format_table__aligned_columns_headings_and_notes():
    lines = format_table(_table())
    assert lines[0] == "Model"
    assert lines[1].split() == ["operation", "20", "present", "80", "present", "original", "ours/orig", "bar"]
    assert set(lines[2]) == {"-"} and len(lines[2]) == len(lines[1])
    assert lines[3] == "a heading"
    assert lines[4].split() == ["deploy", "6,000,000", "30.0M", "20.0%", "<=20%", "ok"]
    assert lines[5].split() == ["addData", "120", "[100-140]", "500", "300-400", "/", "900", "40.0%", "/", "55.6%", "<=50%", "MISS"]
    assert lines[-1] == "a note"
    # the measured columns end where their headers end
    end = lines[1].index("80 present") + len("80 present")
    assert lines[4][:end].endswith("6,000,000" + " " * (end - lines[4].index("6,000,000") - 9))
    assert lines[5][:end].endswith("500")


def test_format_table__no_originals__no_comparison_columns():
    table = Table("T", ("64 x 10",), (Row("refund", (spread([366_232]),)),))
    assert format_table(table)[1:] == ["operation  64 x 10", "------------------", "  refund   366,232"]


def test_format_seconds__each_and_total():
    assert format_seconds([("market", 100.0), ("naive-bayes", 20.25)]) == [
        "wall time:",
        "  market                   100.0 s",
        "  naive-bayes               20.2 s",
        "  total                    120.2 s",
    ]
