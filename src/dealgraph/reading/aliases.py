"""Entity names: one canonical name per company, whatever the spelling.

The built-in table knows the companies of the AI deal web in English and
Chinese (微软 = Microsoft, 英伟达 = NVIDIA, ...). Users extend it with a CSV
or TOML file (``alias,name`` rows, or a ``[aliases]`` table) or a dict.
Matching ignores case, width (full-width letters) and repeated spaces.

Entity names have one order everywhere (``sort_names``): by lower-cased name, then
by the name itself, so the deal ledger and transaction files number entities alike.
"""

from __future__ import annotations

import csv
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from .tables import Problems, read_table

__all__ = ["AliasTable", "sort_names"]


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class AliasTable:
    """Maps spellings to canonical entity names, and names to Chinese names.

    Examples
    --------
    >>> t = AliasTable.builtin()
    >>> t.resolve("微软"), t.resolve("nvidia"), t.resolve("Some Fund")
    ('Microsoft', 'NVIDIA', 'Some Fund')
    >>> t.display("Microsoft", "zh")
    '微软'
    >>> t.extend({"MS": "Microsoft"}).resolve("ms")
    'Microsoft'
    """

    canonical: Mapping[str, str] = field(default_factory=dict)  # key -> name
    chinese: Mapping[str, str] = field(default_factory=dict)  # name -> name in Chinese

    @classmethod
    def builtin(cls) -> AliasTable:
        """The table shipped with dealgraph (``dealgraph/data/aliases.csv``)."""
        data = resources.files("dealgraph") / "data"
        with (data / "entities.csv").open(encoding="utf-8") as f:
            entities = list(csv.DictReader(f))
        with (data / "aliases.csv").open(encoding="utf-8") as f:
            aliases = list(csv.DictReader(f))
        canonical = {_key(e["name"]): e["name"] for e in entities}
        chinese = {e["name"]: e["name_zh"] for e in entities}
        for a in aliases:
            canonical[_key(a["alias"])] = a["name"]
        return cls(canonical, chinese)

    def extend(self, aliases: Mapping[str, str] | Iterable[tuple[str, str]]) -> AliasTable:
        """A new table with ``alias -> name`` pairs added (they win over built-ins)."""
        pairs = aliases.items() if isinstance(aliases, Mapping) else aliases
        canonical = dict(self.canonical)
        for alias, name in pairs:
            canonical[_key(name)] = canonical.get(_key(name), name)
            canonical[_key(alias)] = canonical[_key(name)]
        return AliasTable(canonical, self.chinese)

    def extend_from_file(self, path: str | Path) -> AliasTable:
        """Add the aliases of a CSV (columns ``alias``, ``name``) or TOML file.

        A TOML file holds a table ``[aliases]`` of ``"alias" = "name"`` pairs; any other
        file is read by ``dealgraph.reading.tables.read_table``. Raises ``LedgerError``
        with every problem found (up to 50).
        """
        path = Path(path)
        problems = Problems(str(path), ("alias", "name"))
        pairs: list[tuple[str, str]] = []
        try:
            if path.suffix.lower() == ".toml":
                table = tomllib.loads(path.read_text(encoding="utf-8")).get("aliases")
                if not isinstance(table, dict):
                    problems.add(None, "aliases", None, "expected a table [aliases] of \"alias\" = \"name\" pairs")
                else:
                    for alias, name in table.items():
                        if not isinstance(name, str) or not name.strip():
                            problems.add(None, f"aliases.{alias}", repr(name), "expected a non-empty name")
                        else:
                            pairs.append((alias, name))
            else:
                frame = read_table(path, str(path))
                missing = {"alias", "name"} - set(frame.columns)
                for col in sorted(missing):
                    problems.add(None, col, None, "missing column (an alias file has columns alias,name)")
                if not missing:
                    for i, rec in enumerate(frame.select(pl.col("alias", "name").cast(pl.String)).iter_rows(named=True), start=1):
                        alias, name = (rec["alias"] or "").strip(), (rec["name"] or "").strip()
                        for col, value in (("alias", alias), ("name", name)):
                            if not value:
                                problems.add(i, col, rec[col] or "", "empty value")
                        if alias and name:
                            pairs.append((rec["alias"], rec["name"]))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.add(None, None, None, f"cannot read alias file: {exc}")
        problems.raise_if_any()
        return self.extend(pairs)

    def resolve(self, name: str) -> str:
        """The canonical name of ``name`` (itself, tidied, if unknown)."""
        return self.canonical.get(_key(name), " ".join(name.split()))

    def display(self, name: str, lang: str = "en") -> str:
        """``name`` in English (as is) or in Chinese where the table knows it."""
        return self.chinese.get(name, name) if lang == "zh" else name


def sort_names(names: pl.Series) -> pl.Series:
    """Entity names in dealgraph's one order: by lower-cased name, then by the name itself.

    An entity's integer id is its position in this order, in the deal ledger and in
    transaction files alike (so loops start from the same entity on both paths).

    >>> sort_names(pl.Series(["b", "C", "a", "B"])).to_list()
    ['a', 'B', 'b', 'C']
    """
    return names.to_frame("name").sort(pl.col("name").str.to_lowercase(), pl.col("name")).to_series().alias(names.name)
