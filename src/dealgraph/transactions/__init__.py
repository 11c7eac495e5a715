"""Transactions at scale: ledgers of millions of rows as integer arrays and compiled searches.

Lives here: reading a transaction file into edge arrays (``ingest``), the numba kernels
(``kernels``), cycle search with its result values (counts, listings; ``cycles``),
per-row and per-account features (``features``), seeded synthetic ledgers
(``synth``) and the same cycle counts, listings (``spark``) and features (``spark_features``) on
Apache Spark (pyspark is an optional extra, imported only there).

May import: ``dealgraph.reading`` (cells and tables: one way to parse a value) and the
top-level shared modules; never the analyses (which use its cycle search), the web or the
command line.
"""
