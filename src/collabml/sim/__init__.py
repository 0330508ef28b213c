"""Economic simulations of honest and malicious contributors, run on the bit-exact mirrors.

Agents with wallets add data over simulated time to a trainer (Deposit-Refund-Take or Points) or
stake on contributions to a prediction market; every transaction goes through the mirror of the
contract (``collabml.trainer.TrainerMirror``, ``collabml.incentives``), so what a run shows is
what the contracts would do. No chain, no Ape.

- :mod:`~collabml.sim.clock`: simulated time and the event queue;
- :mod:`~collabml.sim.agents`: honest agents, label flippers, flooders and their claim policy;
- :mod:`~collabml.sim.scenarios`: :class:`DRTScenario`, :class:`PointsScenario`, :class:`MarketScenario`;
- :mod:`~collabml.sim.datasets`: IMDB (default), the UCI sentences or a synthetic problem;
- :mod:`~collabml.sim.runner`: :func:`run` (and ``run_drt``, ``run_points``, ``run_market``);
- :mod:`~collabml.sim.records`: the tidy records of a result, CSV, the summary table;
- :mod:`~collabml.sim.plots`: PNG plots, each with the CSV of its data beside it.

Money is wei throughout; one simulation unit is ``WEI_PER_UNIT = 10**12`` wei (a micro-ether).
A run is a pure function of its scenario (and seed).
"""

from collabml.sim.agents import ClaimPolicy, Population
from collabml.sim.datasets import DataSpec, SimData, load_sim_data
from collabml.sim.records import SimulationResult
from collabml.sim.runner import ConservationError, run, run_drt, run_market, run_points
from collabml.sim.scenarios import DRTScenario, MarketScenario, PointsScenario, Scenario
from collabml.sim.units import WEI_PER_UNIT

__all__ = [
    "WEI_PER_UNIT",
    "ClaimPolicy",
    "ConservationError",
    "DRTScenario",
    "DataSpec",
    "MarketScenario",
    "PointsScenario",
    "Population",
    "Scenario",
    "SimData",
    "SimulationResult",
    "load_sim_data",
    "run",
    "run_drt",
    "run_market",
    "run_points",
]
