"""The minimum-cost flow solver behind the maximum circulation, in this process or a child one.

OR-Tools keeps the interpreter lock while it solves, which takes seconds on a million arcs:
a thread waiting for it stops every other thread. A large problem is therefore solved in a
child process (this module run as a script, the arrays in on stdin and the flows out on
stdout): the calling thread waits on a pipe, other threads go on, and two solves run on
two cores. No ``multiprocessing``: it would import the caller's main script again.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np

from .._errors import MatrixError

APART = 200_000  # arcs from which a problem is solved in a child process (starting one takes about half a second)


def min_cost_flows(tails: np.ndarray, heads: np.ndarray, capacities: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """The flow on each arc of a minimum-cost circulation (int64 capacities and costs; zero supplies everywhere)."""
    arrays = (tails.astype(np.int32, copy=False), heads.astype(np.int32, copy=False), capacities.astype(np.int64, copy=False),
              costs.astype(np.int64, copy=False))
    if len(tails) < APART:
        return _solve(*arrays)
    sent = io.BytesIO()
    for a in arrays:
        np.save(sent, a, allow_pickle=False)
    # where this dealgraph is imported from, last on the child's path (whatever the caller did to its own sys.path)
    start = f"import sys, runpy; sys.path.append({str(Path(__file__).resolve().parents[2])!r}); runpy.run_module({__name__!r}, run_name='__main__')"
    try:
        # -P: the working directory is not put on the child's path (a numpy.py there must not be imported)
        done = subprocess.run([sys.executable, "-P", "-c", start], input=sent.getvalue(), capture_output=True, check=False)
    except OSError:  # no interpreter to start (an embedded or frozen Python): solve here
        return _solve(*arrays)
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise MatrixError(f"the minimum-cost circulation solver stopped (exit {done.returncode}): {said[-1] if said else 'no message'}")
    return np.load(io.BytesIO(done.stdout), allow_pickle=False)


def _solve(tails: np.ndarray, heads: np.ndarray, capacities: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """The flows, solved in this process (int32 arc ends, int64 capacities and costs)."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    solver = SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    status = solver.solve()
    if status != solver.OPTIMAL:  # pragma: no cover - a circulation in range always has an optimum (no flow is feasible)
        raise MatrixError(f"the minimum-cost circulation solver stopped with {status.name}")
    return np.asarray(solver.flows(np.arange(len(tails))), dtype=np.int64)


def _main() -> None:
    given = io.BytesIO(sys.stdin.buffer.read())
    arrays = [np.load(given, allow_pickle=False) for _ in range(4)]
    answer = io.BytesIO()
    np.save(answer, _solve(*arrays), allow_pickle=False)
    sys.stdout.buffer.write(answer.getvalue())


if __name__ == "__main__":
    _main()
