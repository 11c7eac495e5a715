"""Matrix mathematics: money on an n x n matrix, with no notion of a ledger.

Lives here: circulations (maximum circulation, its cycle decomposition, Balanced Flow
Forwarding; ``circulation``), proportional tracing and Finn's cycling index
(``tracing``), and contagion (clearing vectors, Furfine, DebtRank; ``contagion``).
Orientation everywhere: ``W[i, j]`` is the amount i pays j. Bad matrices raise
``dealgraph.MatrixError`` (a ``DealgraphError`` and a ``ValueError``).

May import: ``dealgraph._errors``, numpy and scipy; nothing else of dealgraph.
"""
