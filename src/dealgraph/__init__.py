"""dealgraph: find the money that goes round.

A ledger row is money (or equity value) moving from ``source`` to ``target``.
Matrix-level functions take ``W[i, j]`` = the amount that i pays j.

>>> import dealgraph as dg
>>> lg = dg.read_ledger()          # the built-in ledger of the seed article
>>> dg.find_loops(lg).find("Anthropic", "Microsoft", "NVIDIA").unknown_hops
('Microsoft -> NVIDIA',)
"""

from ._aliases import AliasTable
from ._amounts import ParsedAmount, parse_amount
from ._circularity import BasisCircularity, CircularityResult, circularity
from ._circulation import bff_decomposition, decompose_circulation, max_circulation
from ._contagion import ClearingResult, DebtRankResult, FurfineResult, clearing_vector, debtrank, furfine
from ._core import CoreResult, circular_core
from ._dependency import DependencyResult, dependency, hhi
from ._entities import Buffers, EntityTable, read_entities
from ._errors import DealgraphError, LedgerError, LimitError, Problem, ScenarioError
from ._flows import Flows, flows
from ._ledger import DATASETS, Ledger, read_dataset, read_ledger, seed_ledger
from ._loops import Hop, Loop, LoopsResult, find_loops
from ._report import render_report, report_data, without_deals
from ._round_trips import RoundTripsResult, round_trips
from ._scenario import Scenario, read_scenario
from ._stress import MODELS, StressResult, stress
from ._summary import Summary, summary
from ._tracing import FUNGIBILITY, balance, cycling_index, return_shares

__version__ = "0.1.0"

__all__ = [
    "DATASETS",
    "read_dataset",
    "render_report",
    "report_data",
    "without_deals",
    "FUNGIBILITY",
    "MODELS",
    "Buffers",
    "DependencyResult",
    "EntityTable",
    "Scenario",
    "StressResult",
    "dependency",
    "hhi",
    "read_entities",
    "read_scenario",
    "stress",
    "AliasTable",
    "BasisCircularity",
    "CircularityResult",
    "ClearingResult",
    "DebtRankResult",
    "FurfineResult",
    "CoreResult",
    "DealgraphError",
    "Flows",
    "Hop",
    "Ledger",
    "LedgerError",
    "LimitError",
    "Loop",
    "LoopsResult",
    "ParsedAmount",
    "Problem",
    "RoundTripsResult",
    "ScenarioError",
    "Summary",
    "balance",
    "bff_decomposition",
    "circular_core",
    "circularity",
    "clearing_vector",
    "debtrank",
    "furfine",
    "cycling_index",
    "decompose_circulation",
    "find_loops",
    "flows",
    "max_circulation",
    "parse_amount",
    "read_ledger",
    "return_shares",
    "round_trips",
    "seed_ledger",
    "summary",
]
