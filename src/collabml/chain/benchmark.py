"""The measurements of ``ape run benchmark``: every model's gas, as tables.

Prints figures; asserts nothing (tests assert behaviour, benchmarks measure). :func:`run_model`
measures one model (a name of :data:`collabml.benchmark.MODEL_NAMES`) through its bench module
(:mod:`bench_naive_bayes`, :mod:`bench_nearest_centroid`, :mod:`bench_perceptrons`,
:func:`collabml.chain.market.measure_market_gas`, or :func:`measure` here) and returns its
:class:`collabml.benchmark.Table` s; the ``*_tables`` functions build them from the modules'
figures (no chain needed). Sparse models are measured on ``samples`` random feature sets a case
(the gas depends on which storage words the features fall in) and reported as mean and range;
dense ones send every feature, so one scene a shape.

:func:`measure` is the sparse Perceptron's (`SparsePerceptronDRT`, by number of features
present). Each scene is planned with the mirror, so the chain does exactly what is measured: an
`addData` the model agrees with (honest), one that makes it update (dishonest), a day later the
honest refund, and the honest report of the dishonest contribution. The reporter holds all the
good data, so it takes the whole deposit and settles the record. One scene before the measured
ones gives the honest account its first good contribution; the first refund of an author (its
good count goes from zero to one, a new storage slot) is measured separately, on fresh accounts.
Every contribution pays exactly its deposit (no change is sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from collabml.benchmark import (
    BORROWED_NOTE,
    CALL_BAR,
    DEPLOY_BAR,
    MODEL_NAMES,
    Row,
    Spread,
    Table,
    original,
    spread,
)
from collabml.chain.client import TrainerClient
from collabml.chain.deploy import DeployResult, deploy_sparse_perceptron_drt
from collabml.incentives.drt import DepositRefundTake
from collabml.models.perceptron import SparsePerceptron

DAY = 86_400


@dataclass(frozen=True)
class GasRow:
    features_present: int
    words_touched: Spread
    """Distinct weight words of the updating contributions' features."""
    add_agrees: Spread
    add_updates: Spread
    refund: Spread
    """Refunds by an author who already has good contributions."""
    report: Spread
    first_refund: Spread | None = None
    """Refunds that are their author's first (the good count's slot goes from zero to one)."""


def _features_where(
    model: SparsePerceptron, rng, count: int, predicate: Callable, attempts: int = 100_000
) -> tuple[int, ...] | None:
    for _ in range(attempts):
        features = tuple(sorted(rng.choice(model.feature_count, size=count, replace=False).tolist()))
        if predicate(features):
            return features
    return None


def _next_block(chain) -> int:
    """Fixes the next block's timestamp (one second on), so the deposit is known exactly."""
    now = int(chain.blocks.head.timestamp) + 1
    chain.pending_timestamp = now
    return now


def _contribute(client: TrainerClient, mechanism: DepositRefundTake, chain, account, features, label: int):
    return client.contribute_exact(chain, account, features, label, mechanism)


def _wait(chain, seconds: int) -> None:
    chain.pending_timestamp = int(chain.blocks.head.timestamp) + seconds
    chain.mine()


def _plan_scene(mirror: SparsePerceptron, rng, size: int):
    """An honest example the model predicts 1 for and a dishonest one (label 0) whose update
    leaves both predicting 1, so the refund and the report both go through. (An honest example
    barely above 0 may admit no dishonest one: then another honest example is drawn.)"""
    for _ in range(1_000):
        good = _features_where(mirror, rng, size, lambda f: mirror.predict(f) == 1)
        if good is None:
            break

        def bad_fits(f):
            if mirror.predict(f) != 1:
                return False
            trial = mirror.copy()
            trial.update(f, 0)
            return trial.predict(f) == 1 and trial.predict(good) == 1

        bad = _features_where(mirror, rng, size, bad_fits, attempts=2_000)
        if bad is not None:
            return good, bad
    raise RuntimeError(f"no scene of {size} features fits this model; try another seed")


def words_touched(features: Sequence[int], lanes: int = SparsePerceptron.lanes_per_word()) -> int:
    return len({i // lanes for i in features})


def measure(
    project,
    chain,
    owner,
    honest,
    dishonest,
    *,
    feature_count: int = 1000,
    sizes: Sequence[int] = (20, 80),
    samples: int = 16,
    first_refunds: int = 4,
    fresh_accounts: Callable[[int], list] | None = None,
    seed: int = 0,
) -> tuple[DeployResult, list[GasRow]]:
    """Deploy a random 1,000-feature model (weights uniform in [-20, 20] steps, learning rate 1)
    and measure `samples` scenes per size. `fresh_accounts(n)` returns `n` funded accounts that
    have never contributed, for the first-refund figures (skipped when it is None)."""
    rng = np.random.default_rng(seed)
    model = SparsePerceptron(rng.integers(-20, 21, size=feature_count), 0, 1)
    mechanism = DepositRefundTake(10**12, DAY, 30 * DAY, 60 * DAY)
    deployed = deploy_sparse_perceptron_drt(project, owner, model, mechanism)
    client = TrainerClient(deployed.contract)

    def scene(size: int):
        mirror = client.read_model()
        good_f, bad_f = _plan_scene(mirror, rng, size)
        good, r_agree = _contribute(client, mechanism, chain, honest, good_f, 1)
        bad, r_update = _contribute(client, mechanism, chain, dishonest, bad_f, 0)
        _wait(chain, DAY)
        _next_block(chain)
        r_refund = client.refund(honest, good)
        _next_block(chain)
        r_report = client.report(honest, bad)
        return words_touched(bad_f), r_agree.gas_used, r_update.gas_used, r_refund.gas_used, r_report.gas_used

    scene(min(sizes))  # the honest account's first refund and good contribution: not measured
    rows = []
    for size in sizes:
        measured = list(zip(*(scene(size) for _ in range(samples))))
        rows.append(GasRow(size, *(Spread(tuple(column)) for column in measured)))

    if fresh_accounts is not None and first_refunds > 0:
        authors = fresh_accounts(first_refunds * len(sizes))
        for k, size in enumerate(sizes):
            claims = []
            for author in authors[k * first_refunds : (k + 1) * first_refunds]:
                mirror = client.read_model()
                features = _features_where(mirror, rng, size, lambda f: mirror.predict(f) == 1)
                if features is None:
                    raise RuntimeError(f"the model predicts 1 on no set of {size} features; try another seed")
                claims.append((author, _contribute(client, mechanism, chain, author, features, 1)[0]))
            _wait(chain, DAY)
            gas = []
            for author, c in claims:
                _next_block(chain)
                gas.append(client.refund(author, c).gas_used)
            rows[k] = GasRow(**{**vars(rows[k]), "first_refund": Spread(tuple(gas))})
    return deployed, rows




# ---- every model: settings, runners and tables ----


@dataclass(frozen=True)
class BenchmarkAccounts:
    owner: object
    honest: object
    dishonest: object
    every: Sequence
    """The test accounts (the market takes its sponsor and contributor from the first two)."""
    fresh: Callable[[int], list] | None = None
    """``fresh(n)``: ``n`` funded accounts that never contributed (authors' first refunds)."""


@dataclass(frozen=True)
class BenchmarkSettings:
    feature_count: int = 1_000
    """Features of the sparse models' headline shape (the originals' figures are at 1,000)."""
    sizes: tuple[int, ...] = (20, 80)
    """Features present, for the sparse models."""
    samples: int = 16
    """Random feature sets a case: scenes on one deployment (sparse Perceptron), or seeds, each a
    deployment and its scenes (Naive Bayes, Nearest Centroid; the sparse multi-class Perceptron
    a quarter as many, each of its seeds deploying three models)."""
    first_refunds: int = 4
    seed: int = 0


MARKET_SHAPES = ((40, 20), (100, 20), (200, 20), (100, 5), (100, 10))
"""(test examples, features each) of the market runs the replay's cost model is fitted on: 30,
75 and 150 scored examples of 20 features, and 75 of 5 and of 10 (a quarter is the drawn piece)."""

MARKET_TRANSACTIONS = (2, 10, 100)
MARKET_CONTRIBUTIONS = (100, 1_000, 10_000)


def _present(sizes: Sequence[int]) -> tuple[str, ...]:
    return tuple(f"{size} present" for size in sizes)


def _deploy_split(shape: str, contract: float, words: float, word_count: int) -> str:
    return f"deploy {shape}: contract {contract:,.0f} + {word_count:,} words {words:,.0f}"


def _row(operation: str, cells, model: str | None = None, key: str | None = None, keys=(), feature_count=0, bar=CALL_BAR):
    """A row of cells; with ``model`` and ``key``, the originals' figures for the columns' ``keys``
    (features present, ``None`` for a deployment) and the bar."""
    if model is None or key is None:
        return Row(operation, tuple(cells))
    originals = tuple(original(model, key, k, feature_count) for k in keys)
    return Row(operation, tuple(cells), originals, bar if any(originals) else None)


def _deploy_row(operation: str, gas: Spread, columns: int, model: str, feature_count: int) -> Row:
    figure = original(model, "deploy", None, feature_count)
    return Row(operation, (gas, *([None] * (columns - 1))), (figure,), DEPLOY_BAR if figure else None)


def sparse_perceptron_tables(deployed: DeployResult, rows: Sequence[GasRow], feature_count: int) -> list[Table]:
    sizes = [r.features_present for r in rows]
    model = "sparse-perceptron"

    def row(operation, key, pick):
        return _row(operation, [pick(r) for r in rows], model, key, sizes, feature_count)

    words = -(-feature_count // SparsePerceptron.lanes_per_word())
    samples = len(rows[0].add_agrees.values) if rows else 0
    table_rows = [
        _deploy_row(f"deploy (contract + {words} weight words)", spread([deployed.total_gas]), len(rows), model, feature_count),
        row("addData, model agrees", "add_agrees", lambda r: r.add_agrees),
        row("addData, model updates", "add_updates", lambda r: r.add_updates),
        row("refund", "refund", lambda r: r.refund),
        row("refund, the author's first", "refund", lambda r: r.first_refund),
        row("report (takes all)", "report", lambda r: r.report),
    ]
    notes = [
        f"deploy: contract {deployed.deploy_gas:,} + weights {sum(deployed.load_gas):,} in {len(deployed.load_gas)} chunk(s)",
        "updates touch " + ", ".join(f"{r.words_touched.format(1)} weight words at {r.features_present}" for r in rows),
        f"mean [min-max] over {samples} random feature sets on one deployment; refunds by an author who already "
        "has a good contribution; authors' first refunds on fresh accounts"
        + (f" ({len(rows[0].first_refund.values)} a size)" if rows and rows[0].first_refund else ""),
    ]
    return [
        Table(
            f"SparsePerceptronDRT, {feature_count:,} features, weights within +-20 steps",
            _present(sizes),
            tuple(table_rows),
            tuple(notes),
        )
    ]


def naive_bayes_tables(scenes: Sequence[tuple[DeployResult, Sequence]], add_data: dict[int, list[int]], feature_count: int) -> list[Table]:
    """``scenes``: :func:`bench_naive_bayes.measure` results, one a seed; ``add_data``:
    :func:`bench_naive_bayes.measure_add_data`'s."""
    sizes = [r.features_present for r in scenes[0][1]]
    model = "naive-bayes"

    def column(k, field):
        return spread(getattr(rows[k], field) for _, rows in scenes)

    classes = scenes[0][1][0].class_count if scenes[0][1] else 2
    sets = len(next(iter(add_data.values()), []))
    table_rows = [
        _deploy_row("deploy (contract + count words)", spread(d.total_gas for d, _ in scenes), len(sizes), model, feature_count),
        _row("addData (always learns)", [spread(add_data[s]) for s in sizes], model, "add_data", sizes, feature_count),
        _row("refund", [column(k, "refund") for k in range(len(sizes))], model, "refund", sizes, feature_count),
        _row("report", [column(k, "report") for k in range(len(sizes))], model, "report", sizes, feature_count),
    ]
    notes = [
        f"addData: {sets} random binary feature sets and labels a size on one trained-like model; deploy, refund and "
        f"report: {len(scenes)} seeds of bench_naive_bayes.measure (a model and its planned scene each)",
        BORROWED_NOTE,
    ]
    return [Table(f"NaiveBayesDRT, {feature_count:,} features, {classes} classes", _present(sizes), tuple(table_rows), tuple(notes))]


_NC_FIELDS = (
    ("addData, honest", "add_honest"),
    ("addData, dishonest", "add_dishonest"),
    ("refund", "refund"),
    ("report", "report"),
)


def _nc_rows(reports: Sequence) -> list[Row]:
    """addData, refund and report rows of Nearest Centroid reports (one a seed), no originals."""
    n = len(reports[0].rows)
    return [
        Row(operation, tuple(spread(getattr(r.rows[k], field) for r in reports) for k in range(n)))
        for operation, field in _NC_FIELDS
    ]


def nearest_centroid_tables(reports: Sequence, sparse_shapes: Sequence, dense_shapes: Sequence) -> list[Table]:
    """``reports``: :func:`bench_nearest_centroid.measure_sparse` at the headline shape, one a
    seed; ``sparse_shapes`` / ``dense_shapes``: one report each of the other shapes."""
    head = reports[0]
    sizes = [r.features_present for r in head.rows]
    model, fc = "nearest-centroid", head.feature_count
    rows = [
        _deploy_row(f"deploy (contract + {head.word_count} words)", spread(r.deploy_total for r in reports), len(sizes), model, fc),
    ]
    for row, key in zip(_nc_rows(reports), ("add_data", "add_data", "refund", "report")):
        rows.append(_row(row.operation, row.cells, model, key, sizes, fc))
    tables = [
        Table(
            f"SparseNearestCentroidDRT, {fc:,} features, {head.class_count} classes",
            _present(sizes),
            tuple(rows),
            (
                _deploy_split(
                    "(means)",
                    spread(r.deploy_contract for r in reports).mean,
                    spread(r.deploy_words for r in reports).mean,
                    head.word_count,
                ),
                f"{len(reports)} seeds of bench_nearest_centroid.measure_sparse (a model fitted on 2,500 synthetic "
                "examples and its planned scene each); every addData updates the model",
                BORROWED_NOTE,
            ),
        )
    ]
    if sparse_shapes:
        rows = []
        for r in sparse_shapes:
            rows.append(Row(f"{r.feature_count:,} features, {r.class_count} classes"))
            rows.append(Row(f"deploy (contract + {r.word_count:,} words)", (spread([r.deploy_total]),)))
            rows += _nc_rows([r])
        tables.append(
            Table(
                "SparseNearestCentroidDRT, other shapes (one scene each)",
                _present([x.features_present for x in sparse_shapes[0].rows]),
                tuple(rows),
                tuple(
                    _deploy_split(f"{r.feature_count:,} x {r.class_count}", r.deploy_contract, r.deploy_words, r.word_count)
                    for r in sparse_shapes
                ),
            )
        )
    if dense_shapes:
        columns = tuple(f"{r.feature_count} x {r.class_count}" for r in dense_shapes)
        rows = [Row("deploy (contract + words)", tuple(spread([r.deploy_total]) for r in dense_shapes))]
        rows += [
            Row(operation, tuple(spread([getattr(r.rows[0], field)]) for r in dense_shapes))
            for operation, field in _NC_FIELDS
        ]
        tables.append(
            Table(
                "DenseNearestCentroidDRT, features x classes, every feature sent (one scene each)",
                columns,
                tuple(rows),
                (
                    "64 x 10: scikit-learn's digits (the first 1,200 images); the others synthetic",
                    *(
                        _deploy_split(f"{r.feature_count} x {r.class_count}", r.deploy_contract, r.deploy_words, r.word_count)
                        for r in dense_shapes
                    ),
                ),
            )
        )
    return tables


def dense_perceptron_tables(deploys: Sequence, calls: Sequence) -> list[Table]:
    """:func:`bench_perceptrons.measure_dense`'s figures."""
    dimensions = sorted({c.features for c in calls} | {d.feature_count for d in deploys})
    by_call = {c.features: c for c in calls}
    by_deploy = {d.feature_count: d for d in deploys}
    model = "dense-perceptron"

    def row(operation, field, key=None):
        cells = [spread([getattr(by_call[n], field)]) if n in by_call else None for n in dimensions]
        return _row(operation, cells, model, key, dimensions, 0)

    rows = [
        Row("deploy (contract + words)", tuple(spread([by_deploy[n].total]) if n in by_deploy else None for n in dimensions)),
        row("addData, model agrees", "add_agrees", "add_data"),
        row("addData, model updates", "add_updates", "add_data"),
        row("refund", "refund"),
        row("report", "report"),
    ]
    return [
        Table(
            "DensePerceptronDRT, by dimension, every feature non-zero (one scene each)",
            tuple(f"{n:,} features" for n in dimensions),
            tuple(rows),
            (
                "the original: 1.48M-2.03M an addData at 400 dimensions (the ratio is to 1.48M)",
                *(_deploy_split(f"{d.feature_count:,} features", d.contract, d.words, d.word_count) for d in deploys),
            ),
        )
    ]


def multiclass_perceptron_tables(
    sparse_deploys: Sequence,
    sparse_calls: Sequence,
    dense_deploys: Sequence,
    dense_calls: Sequence,
    seeds: int,
    feature_count: int = 1_000,
) -> list[Table]:
    """:func:`bench_perceptrons.measure_sparse_multiclass` (calls of every seed) and
    :func:`bench_perceptrons.measure_dense_multiclass` figures; the original had no multi-class
    model."""
    sizes = sorted({c.features for c in sparse_calls})
    classes = sorted({c.class_count for c in sparse_calls})
    rows = [
        Row(f"deploy, {d.feature_count:,} features, K = {d.class_count} ({d.word_count:,} words)", (spread([d.total]),))
        for d in sparse_deploys
    ]
    fields = (("addData, model agrees", "add_agrees"), ("addData, model updates", "add_updates"), ("refund", "refund"), ("report", "report"))
    for k in classes:
        rows.append(Row(f"K = {k}"))
        for operation, field in fields:
            cells = [spread(getattr(c, field) for c in sparse_calls if c.class_count == k and c.features == s) for s in sizes]
            rows.append(Row(operation, tuple(cells)))
    tables = [
        Table(
            f"SparseMulticlassPerceptronDRT, {feature_count:,} features, K classes",
            _present(sizes),
            tuple(rows),
            (
                f"calls: {seeds} seed(s) of bench_perceptrons.measure_sparse_multiclass (a model and its scene each)",
                *(
                    _deploy_split(f"{d.feature_count:,} x {d.class_count}", d.contract, d.words, d.word_count)
                    for d in sparse_deploys
                ),
            ),
        )
    ]
    shapes = [(c.features, c.class_count) for c in dense_calls]
    by_deploy = {(d.feature_count, d.class_count): d for d in dense_deploys}
    by_call = {(c.features, c.class_count): c for c in dense_calls}
    rows = [Row("deploy (contract + words)", tuple(spread([by_deploy[s].total]) for s in shapes))]
    rows += [Row(operation, tuple(spread([getattr(by_call[s], field)]) for s in shapes)) for operation, field in fields]
    tables.append(
        Table(
            "DenseMulticlassPerceptronDRT, features x classes, every feature non-zero (one scene each)",
            tuple(f"{n} x {k}" for n, k in shapes),
            tuple(rows),
            tuple(_deploy_split(f"{d.feature_count} x {d.class_count}", d.contract, d.words, d.word_count) for d in dense_deploys),
        )
    )
    return tables


def market_tables(runs: Sequence[dict], fitted) -> list[Table]:
    """:func:`collabml.chain.market.measure_market_gas` results and the
    :class:`~collabml.chain.market.ReplayCostModel` fitted on them."""
    columns = tuple(f"N = {r['scored_examples']} x {r['test_features_present']}" for r in runs)
    fields = (
        ("deploy", "deploy"),
        ("load the weights", "load"),
        ("open", "open"),
        ("drawPiece", "draw"),
        ("revealDrawnPiece", "reveal_drawn"),
        ("revealPieces (the rest)", "reveal_rest"),
        ("contribute (median)", "contribute"),
        ("replay: model agrees", "per_agree"),
        ("replay: model updates", "per_update"),
        ("replay call, fixed (updates)", "call_base_update"),
        ("payout: a contribution", "per_payout"),
        ("payout call, fixed", "call_base_payout"),
        ("withdraw", "withdraw"),
    )
    rows = tuple(Row(operation, tuple(spread([r[field]]) for r in runs)) for operation, field in fields)
    first = runs[0]
    measured = Table(
        f"PredictionMarket, {first['feature_count']:,} features, contributions of {first['contribution_features_present']} "
        "(no original on chain)",
        columns,
        rows,
        (
            "N x f: scored test examples x features each; per-step figures are the difference of two advance calls "
            "from one snapshot",
        ),
    )
    notes = (
        f"replay of a contribution that changes the model: {fitted.per_visit:,.0f} + {fitted.per_update_extra:,.0f} "
        f"+ {fitted.per_example:,.0f} * N + {fitted.per_touched:,.0f} * touched",
        f"replay call overhead: {fitted.call_fixed:,.0f} + {fitted.per_entry_call:,.0f} * entries + "
        f"{fitted.per_word_read:,.0f} * words read + {fitted.per_word_first_write:,.0f} (first pass; "
        f"{fitted.per_word_write:,.0f} later) * words changed (per-word terms not fitted)",
        f"payout: {fitted.per_payout - 17_100:,.0f} a contribution (+17,100 a new payee), call {fitted.call_fixed_payout:,.0f}",
    )
    grid = []
    for passes in (1, 3):
        grid.append(Row(f"{passes} pass{'es' if passes > 1 else ''} (half the contributions update)"))
        for t in MARKET_TRANSACTIONS:
            cells = []
            for c in MARKET_CONTRIBUTIONS:
                n = fitted.largest_test_set(t, c, features_present=20, feature_count=1_000, passes=passes)
                cells.append(f"{n:,}" if n else "-")
            grid.append(Row(f"T = {t}", tuple(cells)))
    largest = Table(
        f"PredictionMarket: most scored examples (20 features) whose replay and payout fit T transactions of "
        f"{fitted.block_gas / 1e6:.0f}M gas (the cost model fitted on the runs above)",
        tuple(f"C = {c:,}" for c in MARKET_CONTRIBUTIONS),
        tuple(grid),
        notes,
    )
    return [measured, largest]


def run_model(name: str, project, chain, accounts: BenchmarkAccounts, settings: BenchmarkSettings = BenchmarkSettings()) -> list[Table]:
    """Measure one model of :data:`collabml.benchmark.MODEL_NAMES` on the connected chain."""
    a, s = accounts, settings
    fc, sizes = s.feature_count, tuple(s.sizes)
    people = (a.owner, a.honest, a.dishonest)
    if name == "sparse-perceptron":
        deployed, rows = measure(
            project, chain, *people, feature_count=fc, sizes=sizes, samples=s.samples,
            first_refunds=s.first_refunds, fresh_accounts=a.fresh, seed=s.seed,
        )
        return sparse_perceptron_tables(deployed, rows, fc)
    if name == "naive-bayes":
        from collabml.chain import bench_naive_bayes as nb

        scenes = [nb.measure(project, chain, *people, feature_count=fc, sizes=sizes, seed=s.seed + k) for k in range(s.samples)]
        add_data = nb.measure_add_data(project, chain, a.owner, a.honest, feature_count=fc, sizes=sizes, sets=s.samples, seed=s.seed)
        return naive_bayes_tables(scenes, add_data, fc)
    if name == "nearest-centroid":
        from collabml.chain import bench_nearest_centroid as nc

        reports = [nc.measure_sparse(project, chain, *people, feature_count=fc, sizes=sizes, seed=s.seed + k) for k in range(s.samples)]
        sparse_shapes = [
            nc.measure_sparse(project, chain, *people, feature_count=10_000, sizes=sizes, seed=s.seed),
            nc.measure_sparse(project, chain, *people, feature_count=fc, class_count=10, sizes=sizes, seed=s.seed),
        ]
        train, _ = nc.digits_fixed_point()
        dense_shapes = [
            nc.measure_dense(project, chain, *people, feature_count=64, class_count=10, data=train, seed=s.seed),
            nc.measure_dense(project, chain, *people, feature_count=400, class_count=2, seed=s.seed),
            nc.measure_dense(project, chain, *people, feature_count=400, class_count=10, seed=s.seed),
        ]
        return nearest_centroid_tables(reports, sparse_shapes, dense_shapes)
    if name == "dense-perceptron":
        from collabml.chain import bench_perceptrons as bp

        return dense_perceptron_tables(*bp.measure_dense(project, chain, *people, seed=s.seed))
    if name == "multiclass-perceptron":
        from collabml.chain import bench_perceptrons as bp

        sparse_deploys, sparse_calls = [], []
        seeds = max(1, s.samples // 4)  # each seed deploys three models (K = 10 alone loads 1,253 words)
        for k in range(seeds):
            deploys, calls = bp.measure_sparse_multiclass(
                project, chain, *people, feature_count=fc, sizes=sizes, seed=s.seed + k,
                deploy_feature_counts=(1_000, 10_000) if k == 0 else (),
            )
            sparse_deploys += deploys
            sparse_calls += calls
        dense_deploys, dense_calls = bp.measure_dense_multiclass(project, chain, *people, seed=s.seed)
        return multiclass_perceptron_tables(sparse_deploys, sparse_calls, dense_deploys, dense_calls, seeds, fc)
    if name == "market":
        from collabml.chain.market import ReplayCostModel, measure_market_gas

        runs = [
            measure_market_gas(project, a.every, test_examples=n, test_features_present=f, seed=s.seed)
            for n, f in MARKET_SHAPES
        ]
        return market_tables(runs, ReplayCostModel.fit(runs))
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
