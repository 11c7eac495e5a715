"""Cycle search: dealgraph against networkx, python-igraph and snapml on the same seeded graphs.

    python -m pip install -e '.[bench]'
    python benchmarks/cycles.py                       # 1e4 .. 1e7 edges, timeout 300 s per peer run
    python benchmarks/cycles.py --sizes 1e4,1e5 --timeout 60

For every size it writes a seeded synthetic ledger (``dg.synthetic_transactions``,
Parquet) and times, each in its own process (wall time, peak resident memory
from ``wait4``), for hop bounds 3 and 5 and for temporal cycles with a one-day
window:

- dealgraph: the whole command as a user runs it (process start, reading the
  file, compiled-code cache warm): ``dealgraph loops FILE --count-only ...``, with
  both cores and again with one (``NUMBA_NUM_THREADS=1``), the ratio in "agrees";
- networkx: ``simple_cycles(G, length_bound=k)`` on the simple DiGraph;
- igraph: ``Graph.simple_cycles(min=2, max=k)`` on the simple graph;
- snapml: ``GraphFeaturePreprocessor`` with ``lc-cycle`` (length k, a time
  window covering everything, on the simple edge list) or ``temp-cycle``
  (window one day, on every row in time order).

Peers read the same file with ``dg.read_edges`` and build their graph inside
their timed process too (the simple graph: distinct ordered pairs, no
self-loops). A peer that passes the timeout is reported as "> limit" and not
run on larger sizes. Counts are
compared where the definitions match: networkx and igraph count hop-bounded
simple cycles exactly as dealgraph does; snapml's lc-cycle histogram sums to
(2L - 1) times the number of cycles of L edges under ``fit_transform``
(checked on a triangle and against the exact counts), so the table shows that
sum divided by 2L - 1. snapml's temp-cycle histogram credits cycles to edges
as a stream with a sliding window and is not a cycle count; its derived
figure is shown and marked as not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

WINDOW = 86_400

PEER_CODE = {
    "networkx": """
        import networkx as nx
        G = nx.DiGraph(); G.add_nodes_from(range(n)); G.add_edges_from(zip(s.tolist(), d.tolist()))
        counts = {}
        t = time.perf_counter()
        for c in nx.simple_cycles(G, length_bound=k):
            counts[len(c)] = counts.get(len(c), 0) + 1
    """,
    "igraph": """
        import igraph as ig
        G = ig.Graph(n=n, edges=np.column_stack([s, d]).tolist(), directed=True)
        t = time.perf_counter()
        counts = {}
        for c in G.simple_cycles(min=2, max=k):
            counts[len(c)] = counts.get(len(c), 0) + 1
    """,
    "snapml": """
        from snapml import GraphFeaturePreprocessor
        bins = list(range(2, k + 2))
        base = {"num_threads": os.cpu_count(), "vertex_stats": False, "fan": False, "degree": False, "scatter-gather": False,
                "temp-cycle": False, "lc-cycle": False}
        if temporal:
            keep = src != dst
            order = np.argsort(ts[keep], kind="stable")
            X = np.column_stack([np.arange(keep.sum()), src[keep][order], dst[keep][order], ts[keep][order]]).astype(np.float64)
            params = dict(base, **{"time_window": WINDOW, "temp-cycle": True, "temp-cycle_tw": WINDOW, "temp-cycle_bins": bins})
        else:
            X = np.column_stack([np.arange(len(s)), s, d, np.zeros(len(s))]).astype(np.float64)
            big = 10**9
            params = dict(base, **{"time_window": big, "lc-cycle": True, "lc-cycle_tw": big, "lc-cycle_len": k, "lc-cycle_bins": bins})
        gp = GraphFeaturePreprocessor()
        gp.set_params(params)
        t = time.perf_counter()
        out = gp.fit_transform(X)
        hist = out[:, 4:4 + k - 1].sum(axis=0)
        counts = {L: int(round(hist[L - 2] / (2 * L - 1))) for L in range(2, k + 1)}
    """,
}

PRELUDE = """
import json, os, resource, sys, time
import numpy as np
import dealgraph as dg
WINDOW = {window}
path, k, temporal = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
e = dg.read_edges(path)
src, dst, ts, n = e.src, e.dst, e.ts, e.n
pairs = np.unique(src[src != dst] * n + dst[src != dst])  # the simple graph: one edge per ordered pair, no self-loops
s, d = pairs // n, pairs % n
"""

EPILOGUE = """
seconds = time.perf_counter() - t
print(json.dumps({"counts": {str(L): int(c) for L, c in sorted(counts.items())}, "search_seconds": seconds}))
"""


def run(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run ``cmd`` (with ``env`` added to the environment); wall time, peak RSS (MiB) of that process, its stdout (parsed
    when JSON), or a timeout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"timeout": True}
            time.sleep(0.02)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        return {"error": f"exit {os.waitstatus_to_exitcode(status)}"}
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "out": json.loads(text) if text.lstrip().startswith("{") else text}


def dealgraph_cmd(path: Path, task: str) -> list[str]:
    exe = [sys.executable, "-m", "dealgraph", "loops", str(path), "--count-only", "--json"]
    if task == "temporal":
        return [*exe, "--temporal", "--window", "1d", "--max-length", "10"]
    return [*exe, "--max-length", task[1:]]


def peer_cmd(peer: str, path: Path, task: str) -> list[str]:
    code = PRELUDE.format(window=WINDOW) + textwrap.dedent(PEER_CODE[peer]) + EPILOGUE
    k = 10 if task == "temporal" else int(task[1:])
    return [sys.executable, "-c", code, str(path), str(k), "1" if task == "temporal" else "0"]


def counts_of(result: dict, task: str) -> dict[str, int] | None:
    if "out" not in result:
        return None
    out = result["out"]
    return out["result"]["counts"] if "result" in out else out["counts"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e4,1e5,1e6,1e7", help="edge counts, comma-separated")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per peer run")
    ap.add_argument("--peers", default="networkx,igraph,snapml")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    tasks = ["k3", "k5", "temporal"]
    import dealgraph as dg

    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB,"
          f" Python {platform.python_version()}, {platform.platform()}")
    print(f"# seeded synthetic ledgers (seed {args.seed}): accounts = edges / 10, Zipf-like skew 0.5, 10 days; timeout {args.timeout:.0f} s")
    print("| edges | task | tool | wall s | peak MiB | cycles | agrees |")
    print("|---:|---|---|---:|---:|---:|---|")
    given_up: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"g{size}.parquet"
            dg.synthetic_transactions(size, seed=args.seed, cycles={3: 5, 5: 5})[0].write_parquet(path)
            for task in tasks:
                if size == sizes[0]:
                    run(dealgraph_cmd(path, task), args.timeout)  # warm the compiled-code cache
                ours = run(dealgraph_cmd(path, task), 3600)
                ref = counts_of(ours, task)
                one = run(dealgraph_cmd(path, task), 3600, env={"NUMBA_NUM_THREADS": "1"})  # the same on one core
                speedup = f"2 threads: {one['wall'] / ours['wall']:.2f}x the speed of 1" if "wall" in one and "wall" in ours else ""
                rows = [("dealgraph", ours, ""), ("dealgraph, 1 thread", one, speedup)]
                for peer in peers:
                    if task == "temporal" and peer != "snapml":
                        continue  # no temporal cycle search in networkx or igraph
                    if (peer, task) in given_up:
                        rows.append((peer, {"skipped": True}, ""))
                        continue
                    res = run(peer_cmd(peer, path, task), args.timeout)
                    if res.get("timeout"):
                        given_up.add((peer, task))
                    got = counts_of(res, task)
                    if got is None:
                        agree = ""
                    elif peer == "snapml" and task == "temporal":
                        agree = "not comparable (streaming histogram)"
                    else:
                        agree = "yes" if got == ref else f"no: {got}"
                    if "wall" in res and "wall" in ours:
                        agree += f"; dealgraph {res['wall'] / ours['wall']:.1f}x faster"
                    rows.append((peer, res, agree))
                for tool, res, agree in rows:
                    if res.get("timeout"):
                        wall, mem, total = f"> {args.timeout:.0f}", "", ""
                    elif res.get("skipped"):
                        wall, mem, total = "> limit (timed out on a smaller graph)", "", ""
                    elif "error" in res:
                        wall, mem, total = res["error"], "", ""
                    else:
                        c = counts_of(res, task) or {}
                        wall, mem, total = f"{res['wall']:.2f}", f"{res['rss_mib']:.0f}", f"{sum(c.values()):,}"
                    label = {"k3": "hop bound 3", "k5": "hop bound 5", "temporal": "temporal, 1 day"}[task]
                    print(f"| {size:,} | {label} | {tool} | {wall} | {mem} | {total} | {agree} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
