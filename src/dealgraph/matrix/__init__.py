"""Matrix mathematics: money on an n x n matrix, with no notion of a ledger.

Lives here: circulations (maximum circulation, its cycle decomposition, Balanced Flow
Forwarding; ``circulation``), proportional tracing and Finn's cycling index
(``tracing``), hitting probabilities by certified iteration (``hitting``), and contagion (clearing vectors, Furfine, DebtRank; ``contagion``).
Orientation everywhere: ``W[i, j]`` is the amount i pays j. Bad matrices raise
``dealgraph.MatrixError`` (a ``DealgraphError`` and a ``ValueError``).

Everything works on sparse matrices or edge arrays (memory linear in the edges); the compiled
loops (hitting probabilities, the cycle decomposition) are in ``_kernels``, imported only
when an input needs them, and the minimum-cost flow behind the circulation in ``_mincost``
(a large problem solved in a child process, so other threads go on).

May import: ``dealgraph._errors``, ``dealgraph._work`` (progress and the time limit), numpy, scipy,
numba and OR-Tools; nothing else of dealgraph.
"""
