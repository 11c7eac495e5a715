"""Deal-ledger analyses at 10^3 to 10^6 rows: dealgraph's commands against networkx on the same seeded ledgers.

    python -m pip install -e '.[bench]'
    python benchmarks/ledger.py                         # 1e3 .. 1e6 rows, timeout 300 s per run (networkx 120 s)
    python benchmarks/ledger.py --sizes 1e3,1e4 --timeout 60

For every size it writes a seeded synthetic deal ledger (``dealgraph generate --deals``:
entities = rows / 10, Zipf-like skew, every kind of row the public record has; Parquet)
and times each command as a user runs it, in its own process (wall time from process
start to exit, peak resident memory from ``wait4``), the compiled-code cache warm:
``validate``, ``loops``, ``circularity``, ``round-trips``, ``dependency``, ``stress`` (the
largest payer fails), ``summary`` and ``report``.

networkx runs where it has the same computation, reading the same file and building its
graph inside its timed process (the headline network: live rows with a stated amount,
summed per ordered pair):

- strongly connected components (``nx.strongly_connected_components``) against
  ``dealgraph core`` (which finds them and measures the money inside);
- the maximum circulation (``nx.network_simplex`` on the min-cost circulation with cost -1
  per dollar, amounts in thousands) against ``dealgraph circularity`` (which also gives the
  "could be" bound, BFF and the cycling index): the totals are compared;
- the 1,000 loops of up to 6 entities carrying the most money (``nx.simple_cycles`` with
  ``length_bound=6``, every loop enumerated and ranked by its smallest stated hop) against
  ``dealgraph loops --limit 1000 --rank money``: the throughputs are compared;
- a random-walk ranking (``nx.pagerank``, weighted) beside ``dealgraph round-trips``: both
  are Markov chains on the same weighted graph, not the same figure.

A peer run that passes the timeout is reported as "> limit" and not run on larger sizes.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cycles import run  # noqa: E402  (the same timing of a whole process)

LARGEST = """
import json, sys
import dealgraph as dg
from dealgraph.analyses.flows import flows
f = flows(dg.read_ledger(sys.argv[1]), "headline")
print(json.dumps([f.n, f.entities[int(f.paid.argmax())]]))
"""

PRELUDE = """
import json, sys, time
import numpy as np
import networkx as nx
import dealgraph as dg
from dealgraph.analyses.flows import flows
lg = dg.read_ledger(sys.argv[1])
f = flows(lg, "headline")
on = f.amount > 0
G = nx.DiGraph()
G.add_nodes_from(range(f.n))
G.add_weighted_edges_from(zip(f.src[on].tolist(), f.dst[on].tolist(), f.amount[on].tolist()))
"""

PEERS = {
    "scc": """
        comps = [c for c in nx.strongly_connected_components(G) if len(c) > 1]
        out = {"components": len(comps), "largest": max(map(len, comps), default=0)}
    """,
    "circulation": """
        H = nx.DiGraph()
        for a, b, w in G.edges(data="weight"):
            H.add_edge(a, b, capacity=int(round(w / 1e3)), weight=-1)
        cost, flow = nx.network_simplex(H)
        out = {"circular": -cost * 1e3}
    """,
    "loops": """
        # every relation, a hop with no stated amount bounding nothing (as dealgraph's throughput)
        stated = np.diff(f.row_ptr) > f.n_unknown
        L = nx.DiGraph()
        L.add_weighted_edges_from(zip(f.src.tolist(), f.dst.tolist(), np.where(stated, f.amount, np.inf).tolist()))
        best = []
        for c in nx.simple_cycles(L, length_bound=6):
            low = min(L[a][b]["weight"] for a, b in zip(c, c[1:] + c[:1]))
            if len(c) > 1 and low < np.inf:
                best.append(low)
        best.sort(reverse=True)
        out = {"throughputs": best[:1000]}
    """,
    "pagerank": """
        pr = nx.pagerank(G, weight="weight")
        out = {"nodes": len(pr)}
    """,
}

COMMANDS = {
    "validate": ["validate"],
    "loops": ["loops", "--limit", "1000", "--rank", "money"],
    "core": ["core"],
    "circularity": ["circularity"],
    "round-trips": ["round-trips"],
    "dependency": ["dependency"],
    "stress": ["stress"],
    "summary": ["summary"],
    "report": ["report"],
}
PEER_OF = {"core": "scc", "circularity": "circulation", "loops": "loops", "round-trips": "pagerank"}


def dealgraph_cmd(path: Path, name: str, tmp: Path, largest: str) -> list[str]:
    args = [sys.executable, "-m", "dealgraph", *COMMANDS[name], str(path)]
    if name == "stress":
        args += ["--fail", largest]
    if name == "report":
        args += ["-o", str(tmp / "report.html"), "--force"]
    return [*args, "--json"] if name in PEER_OF else args  # JSON where a peer's figure is compared; else the text a person reads


def peer_cmd(task: str, path: Path) -> list[str]:
    code = PRELUDE + "t = time.perf_counter()\n" + textwrap.dedent(PEERS[task]) + "print(json.dumps(out))\n"
    return [sys.executable, "-c", code, str(path)]


def _compare(name: str, ours: dict, theirs: dict) -> str:
    """Whether a peer's figure agrees with dealgraph's, where they compute the same thing."""
    try:
        mine = ours["out"]["result"]
        peer = theirs["out"]
    except (KeyError, TypeError):
        return ""
    if name == "circularity":
        circ = next(b["circular"] for b in mine["bases"] if b["basis"] == "headline")
        return "yes" if abs(circ - peer["circular"]) <= 1e-6 * max(1.0, circ) + 1e3 * 1e3 else f"no: {peer['circular']:.6g}"
    if name == "loops":
        ranked = sorted((lp["throughput"] for lp in mine["loops"] if lp["throughput"] is not None), reverse=True)
        want = peer["throughputs"][: len(ranked)]
        return "yes (throughputs)" if len(ranked) == len(want) and all(abs(a - b) <= 1e-6 * b for a, b in zip(ranked, want)) else "no"
    if name == "core":
        return f"{peer['components']} components, largest {peer['largest']}"
    return "not the same figure"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6", help="rows, comma-separated")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per dealgraph run")
    ap.add_argument("--peer-timeout", type=float, default=120.0, help="seconds per networkx run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", default=",".join(COMMANDS), help="dealgraph commands to time")
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    names = [c for c in args.commands.split(",") if c]
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB,"
          f" Python {platform.python_version()}, {platform.platform()}")
    print(f"# seeded synthetic deal ledgers (seed {args.seed}, entities = rows / 10); timeout {args.timeout:.0f} s "
          f"(networkx {args.peer_timeout:.0f} s); whole processes")
    print("| rows | entities | command | tool | wall s | peak MiB | agrees |")
    print("|---:|---:|---|---|---:|---:|---|")
    given_up: set[str] = set()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for size in sizes:
            path = tmp / f"deals{size}.parquet"
            # made and read in other processes: a child forked from a large parent would report the parent's peak memory
            subprocess.run([sys.executable, "-m", "dealgraph", "generate", str(path), "--deals", "--rows", str(size), "--seed",
                            str(args.seed), "--json"], check=True, capture_output=True)
            n, largest = json.loads(subprocess.run([sys.executable, "-c", LARGEST, str(path)], check=True, capture_output=True,
                                                   text=True).stdout)
            if size == sizes[0]:
                for name in names:  # warm the compiled-code cache
                    run(dealgraph_cmd(path, name, tmp, largest), args.timeout)
            for name in names:
                ours = run(dealgraph_cmd(path, name, tmp, largest), args.timeout)
                rows = [("dealgraph", ours, "")]
                peer = PEER_OF.get(name)
                if peer:
                    if peer in given_up:
                        rows.append((f"networkx ({peer})", {"skipped": True}, ""))
                    else:
                        theirs = run(peer_cmd(peer, path), args.peer_timeout)
                        if theirs.get("timeout"):
                            given_up.add(peer)
                        rows.append((f"networkx ({peer})", theirs, _compare(name, ours, theirs)))
                for tool, res, agree in rows:
                    if res.get("timeout"):
                        wall, mem = f"> {args.timeout if tool == 'dealgraph' else args.peer_timeout:.0f}", ""
                    elif res.get("skipped"):
                        wall, mem = "> limit (timed out on a smaller ledger)", ""
                    elif "error" in res:
                        wall, mem = res["error"], ""
                    else:
                        wall, mem = f"{res['wall']:.2f}", f"{res['rss_mib']:.0f}"
                    print(f"| {size:,} | {n:,} | {name} | {tool} | {wall} | {mem} | {agree} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
