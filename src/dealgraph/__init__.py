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
    "AliasTable": ".reading.aliases",
    "ParsedAmount": ".reading.cells",
    "parse_amount": ".reading.cells",
    "BasisCircularity": ".analyses.circularity",
    "CircularityResult": ".analyses.circularity",
    "circularity": ".analyses.circularity",
    "bff_decomposition": ".matrix.circulation",
    "decompose_circulation": ".matrix.circulation",
    "max_circulation": ".matrix.circulation",
    "ClearingResult": ".matrix.contagion",
    "DebtRankResult": ".matrix.contagion",
    "FurfineResult": ".matrix.contagion",
    "clearing_vector": ".matrix.contagion",
    "debtrank": ".matrix.contagion",
    "furfine": ".matrix.contagion",
    "CoreResult": ".analyses.core",
    "circular_core": ".analyses.core",
    "DependencyResult": ".analyses.dependency",
    "dependency": ".analyses.dependency",
    "hhi": ".analyses.dependency",
    "Buffers": ".reading.entities",
    "EntityTable": ".reading.entities",
    "read_entities": ".reading.entities",
    "DealgraphError": "._errors",
    "LedgerError": "._errors",
    "LimitError": "._errors",
    "Problem": "._errors",
    "ScenarioError": "._errors",
    "Flows": ".analyses.flows",
    "flows": ".analyses.flows",
    "DATASETS": ".reading.ledger",
    "Ledger": ".reading.ledger",
    "read_dataset": ".reading.ledger",
    "read_ledger": ".reading.ledger",
    "seed_ledger": ".reading.ledger",
    "Hop": ".analyses.loops",
    "Loop": ".analyses.loops",
    "LoopsResult": ".analyses.loops",
    "find_loops": ".analyses.loops",
    "render_report": ".web.report",
    "report_data": ".web.report",
    "without_deals": ".web.report",
    "RoundTripsResult": ".analyses.round_trips",
    "round_trips": ".analyses.round_trips",
    "Scenario": ".reading.scenario",
    "read_scenario": ".reading.scenario",
    "MODELS": ".analyses.stress",
    "StressResult": ".analyses.stress",
    "stress": ".analyses.stress",
    "Summary": ".analyses.summary",
    "summary": ".analyses.summary",
    "FUNGIBILITY": ".matrix.tracing",
    "balance": ".matrix.tracing",
    "cycling_index": ".matrix.tracing",
    "return_shares": ".matrix.tracing",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dealgraph' has no attribute {name!r}")


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from ._errors import DealgraphError, LedgerError, LimitError, Problem, ScenarioError
    from .analyses.circularity import BasisCircularity, CircularityResult, circularity
    from .analyses.core import CoreResult, circular_core
    from .analyses.dependency import DependencyResult, dependency, hhi
    from .analyses.flows import Flows, flows
    from .analyses.loops import Hop, Loop, LoopsResult, find_loops
    from .analyses.round_trips import RoundTripsResult, round_trips
    from .analyses.stress import MODELS, StressResult, stress
    from .analyses.summary import Summary, summary
    from .matrix.circulation import bff_decomposition, decompose_circulation, max_circulation
    from .matrix.contagion import ClearingResult, DebtRankResult, FurfineResult, clearing_vector, debtrank, furfine
    from .matrix.tracing import FUNGIBILITY, balance, cycling_index, return_shares
    from .reading.aliases import AliasTable
    from .reading.cells import ParsedAmount, parse_amount
    from .reading.entities import Buffers, EntityTable, read_entities
    from .reading.ledger import DATASETS, Ledger, read_dataset, read_ledger, seed_ledger
    from .reading.scenario import Scenario, read_scenario
    from .web.report import render_report, report_data, without_deals

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
