"""The explorer under load: latency of every /api view with concurrent clients, and of what-ifs.

    python benchmarks/explorer.py                       # ai-deals, 10 clients, 50 requests per view each
    python benchmarks/explorer.py --clients 20 --requests 20

Starts ``dealgraph serve --dataset ai-deals`` on 127.0.0.1 (a free port), waits until it
answers, then:

- **views**: each view is asked once (``first``: the wait of the first visitor, while the
  server computes its views in the background from the start), then the page itself (the
  last of the warm-up), then ``clients`` threads
  each ask every ``/api`` view ``requests`` times (views in a different order per client),
  and the table gives each view's p50 and p99 over all those answers;
- **what-ifs**: one client switches off a different deal each time (so nothing is kept)
  and asks ``/api/summary`` and ``/api/report`` (POST, the page's own request) for it:
  p50 and p99 over the built-in record's deals.

Wall times are measured by the client around each HTTP request (local loopback).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np

VIEWS = ("/api/loops", "/api/circularity", "/api/round-trips", "/api/dependency", "/api/stress?fail=OpenAI",
         "/api/summary", "/api/ledger")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    import httpx

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--requests", type=int, default=50, help="requests per view per client")
    ap.add_argument("--what-ifs", type=int, default=40, help="deals switched off, one at a time")
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "dealgraph", "serve", "--dataset", "ai-deals", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(base + "/api/ledger", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        first: dict[str, float] = {}
        for v in VIEWS:  # the first answer to each view (computed, unless the server's warm-up got there first)
            t = time.perf_counter()
            httpx.get(base + v, timeout=120).raise_for_status()
            first[v] = time.perf_counter() - t
        httpx.post(base + "/api/report", json={}, headers={"Origin": base}, timeout=120).raise_for_status()  # the warm-up is over
        latencies: dict[str, list[float]] = {v: [] for v in VIEWS}
        lock = threading.Lock()

        def client(k: int) -> None:
            order = VIEWS[k % len(VIEWS):] + VIEWS[:k % len(VIEWS)]
            with httpx.Client(base_url=base, timeout=120) as c:
                for _ in range(args.requests):
                    for v in order:
                        t = time.perf_counter()
                        c.get(v).raise_for_status()
                        with lock:
                            latencies[v].append(time.perf_counter() - t)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        ids = re.findall(r'"id": ?"([^"]+)"', httpx.get(base + "/api/ledger", timeout=60).text)[: args.what_ifs]
        what_if: dict[str, list[float]] = {"GET /api/summary": [], "POST /api/report": []}
        with httpx.Client(base_url=base, timeout=120, headers={"Origin": base}) as c:
            for i, deal in enumerate(ids):
                t = time.perf_counter()
                c.get("/api/summary", params={"disabled": deal}).raise_for_status()
                what_if["GET /api/summary"].append(time.perf_counter() - t)
                other = ids[(i + len(ids) // 2) % len(ids)]  # another deal, so the report is not the kept one
                t = time.perf_counter()
                c.post("/api/report", json={"disabled": [deal, other]}).raise_for_status()
                what_if["POST /api/report"].append(time.perf_counter() - t)
    finally:
        server.terminate()
        server.wait()

    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"# dealgraph serve --dataset ai-deals; {args.clients} concurrent clients x {args.requests} requests per view")
    print("| request | first ms | answers | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, xs in [*latencies.items(), *(("what-if " + k, v) for k, v in what_if.items())]:
        a = np.array(xs) * 1000
        once = f"{1000 * first[name]:.0f}" if name in first else ""
        print(f"| {name} | {once} | {len(a)} | {np.percentile(a, 50):.1f} | {np.percentile(a, 99):.1f} | {a.max():.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
