"""The tables of ``ape run benchmark``, without a chain: measured gas per operation and case, the
original implementation's figures beside them, the ratio, and the issue's bars.

:mod:`collabml.chain.benchmark` measures each model and builds its :class:`Table`; this module
holds what needs no chain: :class:`Spread` (mean and range of a case's samples), the originals'
figures from issue 3 (:data:`ORIGINALS`, at 1,000 features), the bars (deploy at most a fifth of
the original, ``addData`` / refund / report at most half), the text tables and the summary of
which bars pass. A ratio is our mean over the original's figure (the lower end where the issue
gives a range, so the check is the strict one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MODEL_NAMES = (
    "sparse-perceptron",
    "naive-bayes",
    "nearest-centroid",
    "dense-perceptron",
    "multiclass-perceptron",
    "market",
)
"""What ``ape run benchmark --model`` measures, in the order it prints them."""

ALL = "all"

DEPLOY_BAR = 1 / 5
"""Issue 3: a deployment at most a fifth of the original's gas."""
CALL_BAR = 1 / 2
"""Issue 3: ``addData``, refund and report at most half of the original's gas."""

ORIGINAL_FEATURE_COUNT = 1_000
"""The originals' figures are at 1,000 features (the dense Perceptron's at 400 dimensions)."""


class UnknownBenchmarkError(ValueError):
    """A model name the benchmark does not know; the message lists the known ones."""


def select_models(chosen: Iterable[str] = ()) -> list[str]:
    """The models to measure, in :data:`MODEL_NAMES` order, each once; none chosen or ``all``:
    every model."""
    chosen = list(chosen)
    unknown = sorted(set(chosen) - set(MODEL_NAMES) - {ALL})
    if unknown:
        raise UnknownBenchmarkError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_NAMES)}, all")
    if not chosen or ALL in chosen:
        return list(MODEL_NAMES)
    return [name for name in MODEL_NAMES if name in chosen]


@dataclass(frozen=True)
class Spread:
    """Mean and range of one case's samples."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def low(self) -> float:
        return float(min(self.values))

    @property
    def high(self) -> float:
        return float(max(self.values))

    def format(self, digits: int = 0) -> str:
        """``mean [min-max]``, or the one value when every sample is the same."""
        if self.low == self.high:
            return f"{self.mean:,.{digits}f}"
        return f"{self.mean:,.{digits}f} [{self.low:,.{digits}f}-{self.high:,.{digits}f}]"


def spread(values: Iterable[float]) -> Spread:
    return Spread(tuple(values))


def short_gas(gas: float) -> str:
    """Gas in the issue's short form: ``30.3M``, ``1.48M``, ``259k``, ``8.5k``, ``950``."""
    if gas >= 10_000_000:
        return f"{gas / 1e6:.1f}M"
    if gas >= 1_000_000:
        return f"{gas / 1e6:.2f}M"
    if gas >= 10_000:
        return f"{gas / 1e3:.0f}k"
    if gas >= 1_000:
        return f"{gas / 1e3:.1f}k"
    return f"{gas:.0f}"


@dataclass(frozen=True)
class Original:
    """A figure of the original implementation (issue 3); ``high`` when it gives a range."""

    low: float
    high: float | None = None
    approximate: bool = False
    """The issue's figure is an estimate (``~``)."""
    borrowed: bool = False
    """Not this model's own figure: the original sparse Perceptron's (the issue gives no other)."""

    def format(self) -> str:
        text = short_gas(self.low) if self.high is None else f"{short_gas(self.low)}-{short_gas(self.high)}"
        return ("~" if self.approximate else "") + text + ("*" if self.borrowed else "")


BORROWED_NOTE = "* the original sparse Perceptron's refund / report (issue 3 gives no other model's)"

ORIGINALS: dict[str, dict[str, dict[int | None, Original]]] = {
    "sparse-perceptron": {
        "deploy": {None: Original(30.3e6)},
        "add_agrees": {20: Original(259e3), 80: Original(481e3, approximate=True)},
        "add_updates": {20: Original(311e3), 80: Original(731e3, approximate=True)},
        "refund": {20: Original(221e3)},
        "report": {20: Original(186e3)},
    },
    "naive-bayes": {
        "deploy": {None: Original(56.8e6)},
        "add_data": {20: Original(309e3, 330e3)},
        "refund": {20: Original(221e3, borrowed=True)},
        "report": {20: Original(186e3, borrowed=True)},
    },
    "nearest-centroid": {
        "deploy": {None: Original(58.1e6)},
        "add_data": {20: Original(332e3, 352e3)},
        "refund": {20: Original(221e3, borrowed=True)},
        "report": {20: Original(186e3, borrowed=True)},
    },
    "dense-perceptron": {
        "add_data": {400: Original(1.48e6, 2.03e6)},
    },
}
"""``ORIGINALS[model][operation][features present]`` (``None``: any, for deployments); the
dense Perceptron's key is its dimension. The 80-feature sparse Perceptron figures are the
README's estimates."""


def original(model: str, operation: str, present: int | None, feature_count: int) -> Original | None:
    """The original's figure for this case, if the issue gives one (only at 1,000 features; the
    dense Perceptron's at its 400 dimensions, whatever ``feature_count``)."""
    figures = ORIGINALS.get(model, {}).get(operation, {})
    if model != "dense-perceptron" and feature_count != ORIGINAL_FEATURE_COUNT:
        return None
    return figures.get(present)


Cell = Spread | str | None


@dataclass(frozen=True)
class Row:
    """One operation: a cell per column of its table, and the original's figure for the columns
    that have one. A row without cells is a heading."""

    operation: str
    cells: tuple[Cell, ...] = ()
    originals: tuple[Original | None, ...] = ()
    bar: float | None = None

    def ratios(self) -> tuple[float | None, ...]:
        """Our mean over the original's (lower) figure, per column; None where either is missing."""
        out = []
        for k, cell in enumerate(self.cells):
            figure = self.originals[k] if k < len(self.originals) else None
            out.append(cell.mean / figure.low if isinstance(cell, Spread) and figure is not None else None)
        return tuple(out)


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell if isinstance(cell, str) else cell.format()


def _percent(ratio: float, digits: int = 1) -> str:
    return f"{100 * ratio:.{digits}f}%"


def _comparison(row: Row) -> tuple[str, str, str]:
    """The original, ratio and bar cells of a row: one entry per column that has an original."""
    pairs = [(o, r) for o, r in zip(row.originals, row.ratios()) if o is not None and r is not None]
    if not pairs:
        return "", "", ""
    originals = " / ".join(o.format() for o, _ in pairs)
    ratios = " / ".join(_percent(r) for _, r in pairs)
    if row.bar is None:
        return originals, ratios, ""
    verdict = "ok" if all(r <= row.bar for _, r in pairs) else "MISS"
    return originals, ratios, f"<={_percent(row.bar, 0)} {verdict}"


def format_table(table: Table) -> list[str]:
    """The table as aligned text lines: title, header, one line a row (headings flush left, the
    measured columns right-aligned), notes. The original, ratio and bar columns only when a row
    has an original."""
    n = len(table.columns)
    body: list[list[str] | str] = []
    for row in table.rows:
        if row.cells:
            cells = [_cell_text(row.cells[k]) if k < len(row.cells) else "" for k in range(n)]
            body.append([f"  {row.operation}", *cells, *_comparison(row)])
        else:
            body.append(row.operation)
    compared = any(any(cells[1 + n :]) for cells in body if isinstance(cells, list))
    header = ["operation", *table.columns, *(("original", "ours/orig", "bar") if compared else ())]
    width = len(header)
    grid = [header] + [cells[:width] for cells in body if isinstance(cells, list)]
    widths = [max(len(cells[k]) for cells in grid) for k in range(width)]

    def join(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:{'>' if 0 < k <= n else '<'}{widths[k]}}" for k, c in enumerate(cells[:width])).rstrip()

    head = join(header)
    lines = [table.title, head, "-" * len(head)]
    lines += [join(cells) if isinstance(cells, list) else cells for cells in body]
    return lines + list(table.notes)


@dataclass(frozen=True)
class BarCheck:
    """One operation and case measured against the original's figure."""

    table: str
    operation: str
    column: str
    ratio: float
    """Our mean over the original's (lower) figure."""
    worst: float
    """Our dearest sample over the original's (lower) figure."""
    bar: float
    original: Original

    @property
    def passed(self) -> bool:
        return self.ratio <= self.bar


def check_bars(tables: Iterable[Table]) -> list[BarCheck]:
    """Every cell that has an original and a bar, in table order."""
    checks = []
    for table in tables:
        for row in table.rows:
            if row.bar is None:
                continue
            for k, ratio in enumerate(row.ratios()):
                if ratio is None:
                    continue
                cell, figure = row.cells[k], row.originals[k]
                checks.append(
                    BarCheck(
                        table.title,
                        row.operation,
                        table.columns[k],
                        ratio,
                        cell.high / figure.low,
                        row.bar,
                        figure,
                    )
                )
    return checks


def format_bar_summary(checks: Sequence[BarCheck]) -> list[str]:
    """One line for the count, then one line for each miss, and for each pass whose dearest
    sample is above the bar."""
    passed = sum(c.passed for c in checks)
    lines = [
        f"bars: {passed} of {len(checks)} pass (deploy <= {_percent(DEPLOY_BAR, 0)}, addData / refund / report "
        f"<= {_percent(CALL_BAR, 0)} of the original; our mean over the original's lower figure)"
    ]
    for c in checks:
        where = f"{c.table} / {c.operation} / {c.column}"
        against = f"of {short_gas(c.original.low)}"
        if c.original.high is not None:
            against += f" ({_percent(c.ratio * c.original.low / c.original.high)} of the range's top, {short_gas(c.original.high)})"
        if c.original.borrowed:
            against += ", the original sparse Perceptron's figure"
        if not c.passed:
            lines.append(f"  MISS {where}: {_percent(c.ratio)} {against} > {_percent(c.bar, 0)}")
        elif c.worst > c.bar:
            lines.append(f"  note {where}: mean {_percent(c.ratio)} {against}, dearest sample {_percent(c.worst)}")
    return lines


def format_seconds(timings: Sequence[tuple[str, float]]) -> list[str]:
    """Wall time per model and in all."""
    lines = [f"  {name:<22} {seconds:7.1f} s" for name, seconds in timings]
    return ["wall time:", *lines, f"  {'total':<22} {sum(s for _, s in timings):7.1f} s"]
