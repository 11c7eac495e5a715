"""Reading the news: precision and recall of ``dealgraph extract`` on the test articles, against a baseline.

    python benchmarks/extract.py                 # the table: each set of articles, per language and overall
    python benchmarks/extract.py --misses        # also every row missed and every row proposed in error

Three sets of short articles in English, Simplified and Traditional Chinese, each written for
the tests from public deals of the record, with distractors (valuations, totals, denials, share
moves, capital spending, vague amounts), and the rows a careful analyst would enter from each in
its ``expected.csv``. Each set was written by someone who had not seen the rules, before any rule
was tuned on it:

- ``tests/data/articles`` (24 articles): the rules were then tuned on it;
- ``tests/data/articles-2`` (12 articles): measured once as written (precision 0.56, recall 0.40), then tuned on;
- ``tests/data/articles-3`` (15 articles): measured once as written (0.61, 0.45), then tuned on;
- ``tests/data/articles-4`` (15 articles): measured once as written (0.71, 0.56), then tuned on;
- ``tests/data/articles-5`` (15 articles): held out, measured only with the final rules; its
  figures are the ones to expect on new text.

A proposed row matches an expected one of the same article when both name the same source and
target (through the alias table) and their amounts are within 1% (both unknown: their capacities
within 1%). Precision = matched / proposed, recall = matched / expected; for the matched rows the
share whose kind, cap, status and capacity also agree is shown.

The baseline is the rule a hurried reader applies: every amount or capacity in a sentence with two
entities is a flow from the first named to the second (no verbs, no distractors). No other
offline extractor of deal flows exists to compare with; general-purpose ones (spaCy, Stanza) need
model downloads and give entities, not who pays whom.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "tests" / "data" / "articles"
SETS = {"tuned": ARTICLES, **{f"tuned {n}": ROOT / "tests" / "data" / f"articles-{n}" for n in (2, 3, 4)},
        "held out": ROOT / "tests" / "data" / "articles-5"}


def _number(cell: str) -> float | None:
    return float(cell) if cell not in ("", None) else None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0.01)


def expected_rows(folder: Path = ARTICLES) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    with (folder / "expected.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows[r["article"]].append({**r, "amount": _number(r["amount"]), "gw": _number(r["gw"])})
    return rows


def match(proposed: list[dict], expected: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Pairs of (proposed, expected) rows that are the same deal, the proposed rows left over and the expected ones missed."""
    left = list(expected)
    pairs, wrong = [], []
    for p in proposed:
        hit = next((e for e in left if (e["source"], e["target"]) == (p["source"], p["target"]) and _close(e["amount"], p["amount"])
                    and (e["amount"] is not None or _close(e["gw"], p["gw"]))), None)
        if hit is None:
            wrong.append(p)
        else:
            left.remove(hit)
            pairs.append((p, hit))
    return pairs, wrong, left


def baseline(path: Path) -> list[dict]:
    """The hurried reader: first entity named pays the second, for every amount or capacity of a sentence."""
    from dealgraph.news.article import read_article
    from dealgraph.news.extract import _record_names
    from dealgraph.news.mentions import Names, capacities, money
    from dealgraph.reading.aliases import AliasTable

    names = Names(AliasTable.builtin(), _record_names())
    out = []
    for s in read_article(path).sentences():
        ents = [e for e in names.find(s.plain, s.zh) if e.known]
        parties = list(dict.fromkeys(e.value for e in ents))
        if len(parties) < 2:
            continue
        for m in money(s.plain, s.zh):
            out.append({"source": parties[0], "target": parties[1], "amount": m.value, "gw": None})
        for c in capacities(s.plain):
            out.append({"source": parties[0], "target": parties[1], "amount": None, "gw": c.value})
    return out


def _language(name: str) -> str:
    return {"en": "English", "zhs": "Simplified Chinese", "zht": "Traditional Chinese"}[name.rstrip("0123456789")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="List every missed and every wrong row.")
    parser.add_argument("--folder", type=Path, action="append", help="A folder of articles with expected.csv (default: the three sets).")
    args = parser.parse_args()
    from dealgraph.news.extract import extract_rows

    sets = {str(f): f for f in args.folder} if args.folder else SETS
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])  # proposed, expected, matched, kind, cap, status, gw
    seconds = 0.0
    misses: list[str] = []
    n_articles = n_expected = 0
    for label, folder in sets.items():
        expected = expected_rows(folder)
        articles = sorted(folder.glob("*.txt"))
        n_articles += len(articles)
        n_expected += sum(len(v) for v in expected.values())
        for path in articles:
            seconds += _one(path, label, expected, counts, misses, extract_rows)
    print(f"{n_articles} articles, {n_expected} expected rows; dealgraph extract read them in {seconds:.2f} s "
          f"(in process, after imports; python {sys.version.split()[0]})\n")
    print("| set | method | articles | proposed | expected | matched | precision | recall | kind | cap | status | gw |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {label: i for i, label in enumerate(sets)}
    for (label, method, language), (p, e, m, kind, cap, status, gw) in sorted(
            counts.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] != "dealgraph extract", kv[0][2] == "all", kv[0][2])):
        shares = [f"{x / m:.2f}" if m else "-" for x in (kind, cap, status, gw)] if method == "dealgraph extract" else [""] * 4
        print(f"| {label} | {method} | {language} | {p} | {e} | {m} | {m / p if p else 0:.2f} | {m / e if e else 0:.2f} | "
              + " | ".join(shares) + " |")
    if args.misses:
        print("\n" + "\n".join(misses))


def _one(path: Path, label: str, expected: dict[str, list[dict]], counts, misses: list[str], extract_rows) -> float:
    """Count one article's rows, ours and the baseline's; the seconds ours took."""
    name, language = path.stem, _language(path.stem)
    started = time.perf_counter()
    ours = extract_rows([path]).rows.to_dicts()
    seconds = time.perf_counter() - started
    for method, proposed in (("dealgraph extract", ours), ("baseline", baseline(path))):
        pairs, wrong, missed = match(proposed, expected[name])
        for key in ((label, method, language), (label, method, "all")):
            c = counts[key]
            c[0] += len(proposed)
            c[1] += len(expected[name])
            c[2] += len(pairs)
            if method == "dealgraph extract":
                c[3] += sum(p["kind"] == e["kind"] for p, e in pairs)
                c[4] += sum(p["cap"] == e["cap"] for p, e in pairs)
                c[5] += sum(p["status"] == e["status"] for p, e in pairs)
                c[6] += sum(_close(p["gw"], e["gw"]) for p, e in pairs)
        if method == "dealgraph extract":
            misses += [f"{name} missed  line {e['line']}: {e['source']} -> {e['target']} {e['amount']} gw={e['gw']} ({e['note']})" for e in missed]
            misses += [f"{name} wrong   line {p['line']}: {p['source']} -> {p['target']} {p['amount']} gw={p['gw']}" for p in wrong]
    return seconds


if __name__ == "__main__":
    main()
