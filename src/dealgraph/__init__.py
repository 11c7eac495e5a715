"""dealgraph: find the money that goes round.

A ledger row is money (or equity value) moving from ``source`` to ``target``.
Matrix-level functions take ``W[i, j]`` = the amount that i pays j.

>>> import dealgraph as dg
>>> lg = dg.read_ledger()          # the built-in ledger of the seed article
>>> dg.find_loops(lg).find("Anthropic", "Microsoft", "NVIDIA").unknown_hops
('Microsoft -> NVIDIA',)
"""

from typing import TYPE_CHECKING

# Names load their module on first use, so the command line starts without importing every analysis.
_WHERE = {
    "AliasTable": "._aliases",
    "ParsedAmount": "._amounts",
    "parse_amount": "._amounts",
    "BasisCircularity": "._circularity",
    "CircularityResult": "._circularity",
    "circularity": "._circularity",
    "bff_decomposition": "._circulation",
    "decompose_circulation": "._circulation",
    "max_circulation": "._circulation",
    "ClearingResult": "._contagion",
    "DebtRankResult": "._contagion",
    "FurfineResult": "._contagion",
    "clearing_vector": "._contagion",
    "debtrank": "._contagion",
    "furfine": "._contagion",
    "CoreResult": "._core",
    "circular_core": "._core",
    "DependencyResult": "._dependency",
    "dependency": "._dependency",
    "hhi": "._dependency",
    "Buffers": "._entities",
    "EntityTable": "._entities",
    "read_entities": "._entities",
    "DealgraphError": "._errors",
    "LedgerError": "._errors",
    "LimitError": "._errors",
    "Problem": "._errors",
    "ScenarioError": "._errors",
    "Flows": "._flows",
    "flows": "._flows",
    "DATASETS": "._ledger",
    "Ledger": "._ledger",
    "read_dataset": "._ledger",
    "read_ledger": "._ledger",
    "seed_ledger": "._ledger",
    "Hop": "._loops",
    "Loop": "._loops",
    "LoopsResult": "._loops",
    "find_loops": "._loops",
    "render_report": "._report",
    "report_data": "._report",
    "without_deals": "._report",
    "RoundTripsResult": "._round_trips",
    "round_trips": "._round_trips",
    "Scenario": "._scenario",
    "read_scenario": "._scenario",
    "MODELS": "._stress",
    "StressResult": "._stress",
    "stress": "._stress",
    "Summary": "._summary",
    "summary": "._summary",
    "FUNGIBILITY": "._tracing",
    "balance": "._tracing",
    "cycling_index": "._tracing",
    "return_shares": "._tracing",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dealgraph' has no attribute {name!r}")


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
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
