"""Reading: everything that turns files and cells into validated inputs.

Lives here: the parsers of single cells (amounts, dates, timestamps, capacities,
windows; ``cells``), the one reader of tabular files with its problem cap
(``tables``), entity names (``aliases``), the deal ledger and the built-in datasets
(``ledger``), when a deal's money moves (``terms``), entity facts (``entities``), stress
scenarios (``scenario``), the exported record with its data dictionary (``record``) and seeded
synthetic deal ledgers for measuring and testing (``synth``).

May import: the top-level shared modules (``dealgraph._errors``, ``dealgraph._results``, ``dealgraph._work``)
and third-party libraries; never the analyses, the matrix maths, transactions, the web
or the command line.
"""
