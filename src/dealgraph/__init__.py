"""dealgraph: find the money that goes round.

A ledger row is money (or equity value) moving from ``source`` to ``target``.
Matrix-level functions take ``W[i, j]`` = the amount that i pays j.

>>> import dealgraph as dg
>>> lg = dg.read_ledger()          # the built-in ledger of the seed article
>>> dg.find_loops(lg).find("Anthropic", "Microsoft", "NVIDIA").unknown_hops
('Microsoft -> NVIDIA',)
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# The public namespace, by the module each name lives in: the one table __all__ and lazy loading come from.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "._errors": ("CellError", "DealgraphError", "LedgerError", "LimitError", "MatrixError", "Problem", "ScenarioError",
                  "TimeLimitError"),
    "._work": ("watch",),
    ".reading.cells": ("ParsedAmount", "parse_amount"),
    ".reading.aliases": ("AliasTable",),
    ".reading.ledger": ("DATASETS", "Ledger", "read_dataset", "read_ledger", "seed_ledger"),
    ".reading.entities": ("Buffers", "EntityTable", "read_entities"),
    ".reading.scenario": ("Scenario", "read_scenario"),
    ".reading.synth": ("synthetic_deals",),
    ".matrix.circulation": ("bff_decomposition", "decompose_circulation", "max_circulation"),
    ".matrix.tracing": ("FUNGIBILITY", "balance", "cycling_index", "return_shares"),
    ".matrix.contagion": ("ClearingResult", "DebtRankResult", "FurfineResult", "clearing_vector", "debtrank", "furfine"),
    ".transactions.ingest": ("EdgeList", "read_edges"),
    ".transactions.cycles": ("CycleCounts", "CycleListing", "CycleSearch", "count_cycles", "list_cycles", "write_cycles"),
    ".transactions.features": ("Features", "transaction_features"),
    ".transactions.synth": ("synthetic_transactions",),
    ".analyses.flows": ("Flows", "flows"),
    ".analyses.loops": ("Hop", "Loop", "LoopsResult", "find_loops"),
    ".analyses.circularity": ("BasisCircularity", "CircularityResult", "circularity"),
    ".analyses.round_trips": ("RoundTripsResult", "round_trips"),
    ".analyses.core": ("CoreResult", "circular_core"),
    ".analyses.dependency": ("DependencyResult", "dependency", "hhi"),
    ".analyses.flags": ("FlagsResult", "circular_deal_flags"),
    ".analyses.history": ("DiffResult", "diff", "known_by"),
    ".analyses.stress": ("MODELS", "StressResult", "stress"),
    ".analyses.summary": ("Summary", "summary"),
    ".news.article": ("Article", "read_article"),
    ".news.extract": ("Extraction", "extract_rows"),
    ".news.merge": ("Merge", "merge_rows"),
    ".web.report": ("article_story", "report_data", "without_deals"),
    ".web.render": ("render_report",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Load a public name's module on first use, so the command line starts without importing every analysis."""
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dealgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly (a test keeps this in step with _EXPORTS)
    from ._errors import CellError, DealgraphError, LedgerError, LimitError, MatrixError, Problem, ScenarioError, TimeLimitError
    from ._work import watch
    from .analyses.circularity import BasisCircularity, CircularityResult, circularity
    from .analyses.core import CoreResult, circular_core
    from .analyses.dependency import DependencyResult, dependency, hhi
    from .analyses.flags import FlagsResult, circular_deal_flags
    from .analyses.flows import Flows, flows
    from .analyses.history import DiffResult, diff, known_by
    from .analyses.loops import Hop, Loop, LoopsResult, find_loops
    from .analyses.round_trips import RoundTripsResult, round_trips
    from .analyses.stress import MODELS, StressResult, stress
    from .analyses.summary import Summary, summary
    from .matrix.circulation import bff_decomposition, decompose_circulation, max_circulation
    from .matrix.contagion import ClearingResult, DebtRankResult, FurfineResult, clearing_vector, debtrank, furfine
    from .matrix.tracing import FUNGIBILITY, balance, cycling_index, return_shares
    from .news.article import Article, read_article
    from .news.extract import Extraction, extract_rows
    from .news.merge import Merge, merge_rows
    from .reading.aliases import AliasTable
    from .reading.cells import ParsedAmount, parse_amount
    from .reading.entities import Buffers, EntityTable, read_entities
    from .reading.ledger import DATASETS, Ledger, read_dataset, read_ledger, seed_ledger
    from .reading.scenario import Scenario, read_scenario
    from .reading.synth import synthetic_deals
    from .transactions.cycles import CycleCounts, CycleListing, CycleSearch, count_cycles, list_cycles, write_cycles
    from .transactions.features import Features, transaction_features
    from .transactions.ingest import EdgeList, read_edges
    from .transactions.synth import synthetic_transactions
    from .web.render import render_report
    from .web.report import article_story, report_data, without_deals
