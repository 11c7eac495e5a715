"""The Spark engine against the local one: the same command, whole processes, on this machine.

    python -m pip install -e '.[spark]'          # pyspark; Java 17+ must be installed
    python benchmarks/spark.py                   # 10^6 rows
    python benchmarks/spark.py --sizes 1e6,1e7

For each size it writes a seeded synthetic ledger (``dealgraph generate``, ten days, planted
cycles) as Parquet and times ``dealgraph loops FILE --count-only`` for temporal cycles (up to 5
entities, one-day window) and hop-bounded cycles (up to 3 entities), and ``dealgraph features FILE
-o OUT`` (cycles up to 4 entities, one-day window): the local engine (both cores), and ``--engine
spark`` with ``--spark-master local[1]`` and ``local[2]``. Wall time and the peak resident memory
of the command's own Python process come from ``wait4`` (the JVM Spark starts beside it is not
counted). "agrees" compares the counts (features: each column's sum) with the local engine's;
"total" is the cycles counted (features: the sum of every per-row column).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str]) -> tuple[float, float, dict]:
    """Wall seconds, peak MiB (largest process of the tree) and the JSON result of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        return wall, usage.ru_maxrss / 1024, {}
    return wall, usage.ru_maxrss / 1024, json.loads(out)["result"]


def slabs(path: Path, cores: int) -> int:
    """How many time slabs the Spark engine cuts the ledger into (as ``spark_count_cycles`` does by default)."""
    import math

    import polars as pl

    ts = pl.scan_parquet(path).select(pl.col("timestamp").min().alias("lo"), pl.col("timestamp").max().alias("hi")).collect()
    span = int(ts["hi"][0]) - int(ts["lo"][0]) + 1
    width = max(86_400, math.ceil(span / (4 * cores)))
    return span // width + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e6", help="Row counts, comma-separated (e.g. 1e6,1e7).")
    args = parser.parse_args()
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print("| rows | cycles | engine | slabs | wall s | peak MiB | total | agrees |")
    print("|---:|---|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(float(s)) for s in args.sizes.split(",")):
            path = Path(folder) / f"t{size}.parquet"
            subprocess.run([sys.executable, "-m", "dealgraph", "generate", str(path), "--rows", str(size), "--seed", "1",
                            "--cycles", "3:10,4:10,5:10"], check=True, capture_output=True)
            loops = [sys.executable, "-m", "dealgraph", "loops", str(path), "--count-only", "--json"]
            features = [sys.executable, "-m", "dealgraph", "features", str(path), "--max-length", "4", "--json", "--force", "-o"]
            for mode, base, key in (("temporal k<=5, 1d", [*loops, "--temporal", "--max-length", "5"], "counts"),
                                    ("hop-bounded k<=3", [*loops, "--max-length", "3"], "counts"),
                                    ("features k<=4, 1d", features, "sums")):
                out = [str(Path(folder) / "features.parquet")] if key == "sums" else []
                wall, peak, local = timed([*base, *out])
                print(f"| {size:,} | {mode} | local (2 threads) | | {wall:.1f} | {peak:.0f} | {sum(local.get(key, {}).values()):,} | |",
                      flush=True)
                for cores in (1, 2):
                    out = [str(Path(folder) / "features")] if key == "sums" else []
                    wall, peak, remote = timed([*base, *out, "--engine", "spark", "--spark-master", f"local[{cores}]"])
                    agrees = "yes" if remote and remote[key] == local.get(key) else "NO"
                    shown = slabs(path, cores) if "1d" in mode else ""
                    print(f"| {size:,} | {mode} | spark local[{cores}] | {shown} | {wall:.1f} | {peak:.0f} | "
                          f"{sum(remote.get(key, {}).values()):,} | {agrees} |", flush=True)


if __name__ == "__main__":
    main()
