"""Reading the news: articles in English and Chinese become candidate ledger rows for a person to review.

Lives here: an article's text, lines, sentences and date (``article``), the words deals are
read by (``lexicon``, over ``dealgraph/data/news.toml``), what a sentence mentions: entities,
amounts, capacities, dates (``mentions``), who pays whom in a sentence (``rules``), the verb
``extract_rows`` and its result (``extract``), merging reviewed rows into a ledger file
(``merge``), and an optional model at a user-given OpenAI-compatible endpoint whose rows pass the
same checks (``llm``, off by default).

Rules over the alias table and the ledger's own cell parsers, offline: Traditional Chinese is
converted to Simplified with OpenCC for matching and relative dates are read with dateparser. No
model is downloaded. (jieba's part-of-speech tags were tried for unknown Chinese organisations:
no row of the 240 in the benchmark changed and reading took 1.5 s longer, so they are not used.)

May import: the top-level shared modules and the reading layer; never the analyses, the
matrix maths, transactions, the web or the command line.
"""
