"""The tables of `ape run benchmark` without a chain: model selection, spreads, the originals'
figures, ratios and bars, the text tables, and each model's table built from its bench module's
figures (made up here; the script measures them on Anvil)."""

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
from collabml.chain.bench_nearest_centroid import GasReport
from collabml.chain.bench_nearest_centroid import GasRow as CentroidRow
from collabml.chain.bench_naive_bayes import NaiveBayesGasRow
from collabml.chain.bench_perceptrons import CallGas, DeployGas
from collabml.chain.benchmark import (
    GasRow,
    dense_perceptron_tables,
    market_tables,
    multiclass_perceptron_tables,
    naive_bayes_tables,
    nearest_centroid_tables,
    sparse_perceptron_tables,
)
from collabml.chain.deploy import DeployResult
from collabml.chain.market import ReplayCostModel


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


# ---- each model's table from its module's figures ----
def test_sparse_perceptron_tables__originals_at_20_and_80():
    rows = [
        GasRow(20, spread([17]), spread([97_000]), spread([150_000]), spread([86_000]), spread([83_000]), spread([106_000])),
        GasRow(80, spread([46]), spread([170_000]), spread([330_000]), spread([158_000]), spread([159_000])),
    ]
    (table,) = sparse_perceptron_tables(DeployResult(None, 3_000_000, [1_476_661]), rows, 1_000)
    deploy, agrees, updates, refund, first, report = table.rows
    assert deploy.cells[0].values == (4_476_661,) and deploy.bar == DEPLOY_BAR
    assert agrees.ratios() == (pytest.approx(97 / 259), pytest.approx(170 / 481))
    assert updates.originals[1] == Original(731e3, approximate=True)
    assert refund.ratios() == (pytest.approx(86 / 221), None)
    assert first.cells[1] is None and report.ratios()[0] == pytest.approx(83 / 186)


def test_sparse_perceptron_tables__other_feature_count__nothing_compared():
    rows = [GasRow(20, spread([17]), *(spread([1]),) * 4)]
    (table,) = sparse_perceptron_tables(DeployResult(None, 1, [1]), rows, 10_000)
    assert check_bars([table]) == []


def test_naive_bayes_tables__seeds_pooled_and_borrowed_originals():
    scenes = [
        (DeployResult(None, 4_000_000, [3_000_000]), [NaiveBayesGasRow(2, 20, 1, 110_000, 90_000)]),
        (DeployResult(None, 4_000_000, [3_200_000]), [NaiveBayesGasRow(2, 20, 1, 120_000, 100_000)]),
    ]
    (table,) = naive_bayes_tables(scenes, {20: [150_000, 170_000]}, 1_000)
    deploy, add, refund, report = table.rows
    assert deploy.cells[0].values == (7_000_000, 7_200_000)
    assert add.ratios() == (pytest.approx(160 / 309),)
    assert refund.cells[0].values == (110_000, 120_000) and refund.originals[0].borrowed
    assert report.cells[0].mean == 95_000


def test_nearest_centroid_tables__headline_and_other_shapes():
    def report(contract, n, k, words, present, gas):
        return GasReport(contract, n, k, 3_600_000, 5_000_000, words, [CentroidRow(p, gas, gas, gas, gas) for p in present])

    reports = [report("SparseNearestCentroidDRT", 1_000, 2, 200, (20, 80), g) for g in (160_000, 170_000)]
    sparse = [report("SparseNearestCentroidDRT", 10_000, 2, 2_000, (20, 80), 1)]
    dense = [report("DenseNearestCentroidDRT", 64, 10, 110, (64,), 2), report("DenseNearestCentroidDRT", 400, 2, 134, (400,), 3)]
    head, others, dense_table = nearest_centroid_tables(reports, sparse, dense)
    assert head.rows[1].operation == "addData, honest" and head.rows[1].ratios()[0] == pytest.approx(165 / 332)
    assert head.rows[3].originals[0] == Original(221e3, borrowed=True)
    assert [r.operation for r in others.rows[:2]] == ["10,000 features, 2 classes", "deploy (contract + 2,000 words)"]
    assert dense_table.columns == ("64 x 10", "400 x 2")
    assert dense_table.rows[0].cells[1].values == (8_600_000,)


def test_dense_perceptron_tables__dimension_columns_original_at_400():
    deploys = [DeployGas(1_000, 2, 3_000_000, 2_900_000, 125)]
    calls = [CallGas(30, 2, 1, 2, 3, 4), CallGas(400, 2, 240_000, 470_000, 234_000, 214_000)]
    (table,) = dense_perceptron_tables(deploys, calls)
    assert table.columns == ("30 features", "400 features", "1,000 features")
    deploy, agrees, updates, refund, _ = table.rows
    assert deploy.cells == (None, None, spread([5_900_000]))
    assert agrees.ratios() == (None, pytest.approx(240 / 1_480), None)
    assert updates.ratios()[1] == pytest.approx(470 / 1_480)
    assert refund.bar is None


def test_multiclass_perceptron_tables__classes_as_headings_seeds_pooled():
    calls = [CallGas(s, k, g, g, g, g) for g in (100, 300) for k in (2, 10) for s in (20, 80)]
    dense = [CallGas(64, 10, 5, 6, 7, 8)]
    sparse_table, dense_table = multiclass_perceptron_tables(
        [DeployGas(1_000, 10, 1, 2, 1_253)], calls, [DeployGas(64, 10, 3, 4, 83)], dense, seeds=2
    )
    operations = [r.operation for r in sparse_table.rows]
    assert operations[:2] == ["deploy, 1,000 features, K = 10 (1,253 words)", "K = 2"]
    assert sparse_table.rows[2].cells == (spread([100, 300]), spread([100, 300]))
    assert dense_table.columns == ("64 x 10",) and dense_table.rows[0].cells == (spread([7]),)
    assert check_bars([sparse_table, dense_table]) == []


def test_market_tables__runs_as_columns_and_the_cost_model_s_largest_markets():
    run = {
        "deploy": 5_345_215, "load": 2_876_180, "open": 1, "draw": 1, "reveal_drawn": 1, "reveal_rest": 1,
        "contribute": 58_661, "per_agree": 8_495, "per_update": 38_741, "call_base_update": 1, "per_payout": 6_566,
        "call_base_payout": 62_084, "withdraw": 37_818, "scored_examples": 75, "test_features_present": 20,
        "feature_count": 1_000, "contribution_features_present": 20,
    }
    measured, largest = market_tables([run], ReplayCostModel())
    assert measured.columns == ("N = 75 x 20",)
    assert measured.rows[0].cells == (spread([5_345_215]),)
    assert largest.columns == ("C = 100", "C = 1,000", "C = 10,000")
    one_pass = [(r.operation, r.cells) for r in largest.rows[1:4]]
    # README: 1,966 and 1,102 in 10 transactions, 2,107 and 1,980 in 100
    assert one_pass == [("T = 2", ("1,162", "101", "-")), ("T = 10", ("1,966", "1,102", "-")), ("T = 100", ("2,107", "1,980", "1,115"))]
    assert largest.rows[4].operation.startswith("3 passes")
