"""Plots of a run, each a PNG with the CSV of exactly its data beside it (same name, ``.csv``).

Drawn with matplotlib's Agg canvas on a :class:`~matplotlib.figure.Figure` of its own (no pyplot,
no global state, no display needed).

- DRT: ``drt_balances`` (each agent's wallet over time), ``drt_accuracy`` (test accuracy over time);
- Points: ``points_points`` (each agent's points over time, badges marked), ``points_accuracy``;
- market: ``market_stakes`` (staked vs paid out, per contributor), ``market_accuracy`` (accuracy on
  the scored test set after each replay pass, and the rounds each pass paid), ``market_balances``.

:func:`write_outputs` writes a result's plots and, beside them, its full tidy records
(``<mechanism>_agents.csv``, ``_model.csv``, ``_events.csv``; the market's passes and contributors
are the data of its plots) and its scenario (``<mechanism>_scenario.json``).
"""

from __future__ import annotations

import os
import pathlib

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from collabml.sim.records import (
    AgentRecord,
    ContributorRecord,
    EventRecord,
    ModelRecord,
    PassRecord,
    SimulationResult,
    write_records,
    write_table,
)

HONEST_COLOURS = ("tab:blue", "tab:green", "tab:cyan", "tab:olive", "tab:gray", "navy", "teal", "darkgreen")
ATTACKER_COLOURS = ("tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "darkred", "gold", "magenta")
DPI = 120


def _style(agents: list[tuple[str, str]]) -> dict[str, dict]:
    """A colour and line style per agent: blues and greens for honest agents, reds for attackers."""
    styles: dict[str, dict] = {}
    honest = attackers = 0
    for name, kind in agents:
        if kind == "honest":
            styles[name] = {"color": HONEST_COLOURS[honest % len(HONEST_COLOURS)], "linestyle": "-"}
            honest += 1
        elif kind == "sponsor":
            styles[name] = {"color": "black", "linestyle": ":"}
        else:
            styles[name] = {"color": ATTACKER_COLOURS[attackers % len(ATTACKER_COLOURS)], "linestyle": "--"}
            attackers += 1
    return styles


def _agents_in_order(records: list[AgentRecord], *, sponsor: bool = False) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for r in records:
        if r.kind != "sponsor" or sponsor:
            seen.setdefault(r.agent, r.kind)
    return list(seen.items())


def _save(fig: Figure, path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)
    return path


def _title(result: SimulationResult, what: str) -> str:
    return f"{what} ({result.mechanism}, seed {result.scenario.seed})"


def plot_balances(result: SimulationResult, out_dir: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
    """Each agent's wallet (units) over simulated days."""
    out = pathlib.Path(out_dir) / f"{result.mechanism}_balances"
    agents = _agents_in_order(result.agents)
    styles = _style(agents)
    records = [r for r in result.agents if r.kind != "sponsor"]
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    for name, kind in agents:
        mine = [r for r in records if r.agent == name]
        ax.plot([r.day for r in mine], [r.balance for r in mine], label=f"{name}", **styles[name])
    ax.set_xlabel("day")
    ax.set_ylabel("wallet (units; 1 unit = 10^12 wei)")
    ax.set_title(_title(result, "agents' balances"))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    png = _save(fig, out.with_suffix(".png"))
    csv = write_table(
        out.with_suffix(".csv"),
        ["time", "day", "agent", "kind", "balance_wei", "balance"],
        [(r.time, r.day, r.agent, r.kind, r.balance_wei, r.balance) for r in records],
    )
    return png, csv


def plot_accuracy(result: SimulationResult, out_dir: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
    """The model's test accuracy over simulated days, with the contributions received."""
    out = pathlib.Path(out_dir) / f"{result.mechanism}_accuracy"
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    days = [m.day for m in result.model]
    ax.plot(days, [m.accuracy for m in result.model], color="black", label="test accuracy")
    ax.set_xlabel("day")
    ax.set_ylabel(f"test accuracy ({result.model[0].test_size:,} examples)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    twin = ax.twinx()
    twin.plot(days, [m.contributions for m in result.model], color="tab:gray", linestyle=":", label="contributions")
    twin.set_ylabel("contributions received")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="lower left", fontsize="small")
    ax.set_title(_title(result, "model accuracy"))
    fig.tight_layout()
    png = _save(fig, out.with_suffix(".png"))
    csv = write_table(
        out.with_suffix(".csv"),
        ["time", "day", "accuracy", "correct", "test_size", "contributions"],
        [(m.time, m.day, m.accuracy, m.correct, m.test_size, m.contributions) for m in result.model],
    )
    return png, csv


def plot_points(result: SimulationResult, out_dir: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
    """Each agent's points over simulated days (log scale), a marker where a badge was minted."""
    out = pathlib.Path(out_dir) / f"{result.mechanism}_points"
    agents = _agents_in_order(result.agents)
    styles = _style(agents)
    badges = [e for e in result.events if e.action == "point" and e.detail.startswith("badge")]
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    for name, _kind in agents:
        mine = [r for r in result.agents if r.agent == name]
        ax.step([r.day for r in mine], [r.points for r in mine], where="post", label=name, **styles[name])
        minted = [e for e in badges if e.agent == name]
        ax.scatter([e.day for e in minted], [int(e.detail.split()[1]) for e in minted], marker="*", s=90,
                   color=styles[name]["color"], edgecolor="black", zorder=3)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("day")
    ax.set_ylabel("points (stars: badges 1, 10, 100, 1,000)")
    ax.set_title(_title(result, "points and badges"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    png = _save(fig, out.with_suffix(".png"))
    rows = [(r.time, r.day, r.agent, r.kind, r.points, r.badges, "") for r in result.agents]
    rows += [(e.time, e.day, e.agent, "", int(e.detail.split()[1]), "", e.detail) for e in badges]
    csv = write_table(out.with_suffix(".csv"), ["time", "day", "agent", "kind", "points", "badges", "minted"], rows)
    return png, csv


def plot_stakes(result: SimulationResult, out_dir: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
    """What each contributor staked and was paid out by the market (units)."""
    out = pathlib.Path(out_dir) / f"{result.mechanism}_stakes"
    rows = result.contributors
    styles = _style([(c.agent, c.kind) for c in rows])
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = list(range(len(rows)))
    width = 0.38
    ax.bar([i - width / 2 for i in x], [c.staked for c in rows], width, color="lightgray", edgecolor="black",
           label="staked")
    ax.bar([i + width / 2 for i in x], [c.payout for c in rows], width, color=[styles[c.agent]["color"] for c in rows],
           edgecolor="black", label="paid out")
    for i, c in enumerate(rows):
        ax.annotate(f"{c.net:+,.0f}", (i + width / 2, c.payout), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, [f"{c.agent}\n({c.contributions} contrib., {c.dropped} dropped)" for c in rows], fontsize="small")
    ax.set_ylabel("units (1 unit = 10^12 wei)")
    ax.set_title(_title(result, "stake vs payout per contributor"))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    png = _save(fig, out.with_suffix(".png"))
    return png, write_records(out.with_suffix(".csv"), rows, ContributorRecord)


def plot_passes(result: SimulationResult, out_dir: str | os.PathLike[str]) -> tuple[pathlib.Path, pathlib.Path]:
    """Accuracy on the market's scored test set after each replay pass (0: the initial model)."""
    out = pathlib.Path(out_dir) / f"{result.mechanism}_accuracy"
    passes = result.passes
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    ax.plot([p.pass_number for p in passes], [p.accuracy for p in passes], marker="o", color="black",
            label="accuracy after the pass")
    ax.axhline(passes[0].accuracy, color="tab:gray", linestyle=":", label="initial model")
    ax.set_xlabel("replay pass")
    ax.set_ylabel(f"accuracy on the scored test set ({passes[0].scored} examples)")
    ax.grid(alpha=0.3)
    twin = ax.twinx()
    bars = twin.bar([p.pass_number for p in passes], [p.rounds for p in passes], color="tab:blue", alpha=0.25,
                    label="rounds paid")
    twin.set_ylabel("rounds paid in the pass")
    ax.set_zorder(twin.get_zorder() + 1)  # the accuracy line above the bars
    ax.patch.set_visible(False)
    handles = [*ax.get_lines(), bars]
    ax.legend(handles, [h.get_label() for h in handles], loc="best", fontsize="small")
    ax.set_title(_title(result, "accuracy per replay pass"))
    fig.tight_layout()
    png = _save(fig, out.with_suffix(".png"))
    return png, write_records(out.with_suffix(".csv"), passes, PassRecord)


PLOTS = {
    "drt": (plot_balances, plot_accuracy),
    "points": (plot_points, plot_accuracy),
    "market": (plot_stakes, plot_passes, plot_balances),
}


def write_outputs(result: SimulationResult, out_dir: str | os.PathLike[str]) -> list[pathlib.Path]:
    """Every plot of ``result``'s mechanism (PNG + CSV), its tidy records and its scenario, in ``out_dir``."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[pathlib.Path] = []
    for plot in PLOTS[result.mechanism]:
        written += plot(result, out)
    m = result.mechanism
    written.append(write_records(out / f"{m}_agents.csv", result.agents, AgentRecord))
    written.append(write_records(out / f"{m}_model.csv", result.model, ModelRecord))
    written.append(write_records(out / f"{m}_events.csv", result.events, EventRecord))
    scenario = out / f"{m}_scenario.json"
    scenario.write_text(result.scenario.to_json() + "\n", encoding="utf-8")
    written.append(scenario)
    return written
