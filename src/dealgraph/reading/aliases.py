"""Entity names: one canonical name per company, whatever the spelling.

The built-in table knows the companies of the AI deal web in English and
Chinese, Simplified and Traditional (微软 and 微軟 = Microsoft, 英伟达, 英偉達 and 輝達 =
NVIDIA, ...). Users extend it with a CSV or TOML file (``alias,name`` rows, or a
``[aliases]`` table) or a dict. Matching ignores case, width (full-width letters),
repeated spaces and invisible characters (``dealgraph.reading.cells.clean_text``).

Both readers name entities with ``entity_names``: spellings that differ only by case,
width, spaces, control or format characters (zero-width spaces, direction marks) are one
entity, shown as first spelled (or as the alias table names it), and the merges are
reported in a note. Entity names have one order everywhere (``sort_names``): by
lower-cased name, then by the name itself, so the deal ledger and transaction files
number entities alike.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from .._errors import shorten
from .cells import clean_text, clean_texts
from .tables import Problems, read_table

__all__ = ["AliasTable", "EntityNames", "entity_names", "sort_names"]

_NOTED = 10  # merged entities listed in a note


def _key(name: str) -> str:
    return clean_text(name).casefold()


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
        """The canonical name of ``name`` (itself, cleaned by ``clean_text``, if unknown)."""
        return self.canonical.get(_key(name), clean_text(name))

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


@dataclass(frozen=True)
class EntityNames:
    """The entity of each spelling of a source or target.

    Attributes
    ----------
    spellings : polars.DataFrame
        ``spelling`` (a cell as read, stripped) and ``name`` (its entity; null when nothing
        is left of the spelling once cleaned), one row per distinct spelling.
    note : str or None
        The spellings read as another spelling of the same name, for the user.
    """

    spellings: pl.DataFrame
    note: str | None


def entity_names(source: pl.Series, target: pl.Series, aliases: AliasTable | None = None) -> EntityNames:
    """The entity names of a ledger's sources and targets (cells as text, stripped, null when empty; one per row).

    Each spelling is cleaned (``clean_texts``: NFKC, no control or format characters, one
    space) and resolved through ``aliases`` when given; names that then differ only by case
    are one entity, named as first spelled (in row order, a row's source before its target).

    Notes
    -----
    Vectorised over the distinct spellings (Python runs once per distinct spelling only for the
    alias table); the rows are scanned again only when two spellings merge, for the first one.

    Examples
    --------
    >>> names = entity_names(pl.Series(["acme", "Ｏｐｅｎ\\u200bAI"]), pl.Series(["ACME", "\\u200b"]))
    >>> dict(names.spellings.sort("spelling").iter_rows())
    {'ACME': 'acme', 'acme': 'acme', '\\u200b': None, 'Ｏｐｅｎ\\u200bAI': 'OpenAI'}
    >>> names.note
    "Entity names merged: 'ACME' read as 'acme'; 'Ｏｐｅｎ\\\\u200bAI' read as 'OpenAI'"
    """
    table = pl.DataFrame({"spelling": pl.concat([source, target]).drop_nulls().unique()}).with_columns(
        clean=clean_texts(pl.col("spelling")))
    table = table.with_columns(clean=pl.when(pl.col("clean") != "").then("clean"))
    if aliases is not None:
        resolved = {c: aliases.resolve(c) for c in table["clean"].drop_nulls().unique().to_list()}
        table = table.with_columns(name=pl.col("clean").replace_strict(resolved, default=None, return_dtype=pl.String))
    else:
        table = table.with_columns(name=pl.col("clean"))
    table = table.with_columns(key=pl.col("name").str.to_lowercase())
    clash = table.filter(pl.col("name").n_unique().over("key") > 1)
    if clash.height:
        rank = _first_seen(source, target, clash["spelling"]).to_frame("spelling").with_row_index("rank")
        first = clash.join(rank, on="spelling").sort("rank").group_by("key", maintain_order=True).agg(first=pl.first("name"))
        table = table.join(first, on="key", how="left").with_columns(name=pl.coalesce("first", "name"))
    merged = table.filter((pl.col("spelling") != pl.col("name")) & (pl.col("clean").str.to_lowercase() == pl.col("key")))
    return EntityNames(table.select("spelling", "name"), _merge_note(merged))


def _first_seen(source: pl.Series, target: pl.Series, spellings: pl.Series) -> pl.Series:
    """``spellings`` in the order the rows first name them (a row's source before its target)."""
    rows = pl.DataFrame({"s": source, "t": target}).filter(pl.col("s").is_in(spellings.implode()) | pl.col("t").is_in(spellings.implode()))
    seen = rows.select(pl.concat_list("s", "t").explode()).to_series()
    return seen.filter(seen.is_in(spellings.implode())).unique(maintain_order=True)


def _merge_note(merged: pl.DataFrame) -> str | None:
    """'Entity names merged: 'openai', 'ＯｐｅｎＡＩ' read as 'OpenAI'; ...' for the spellings read as another, at most ``_NOTED`` names."""
    if not merged.height:
        return None
    groups = merged.group_by("name").agg(pl.col("spelling").sort()).sort(pl.col("name").str.to_lowercase(), "name")
    parts = [f"{', '.join(repr(shorten(s, 40)) for s in spellings)} read as {shorten(name, 40)!r}"
             for name, spellings in groups.head(_NOTED).iter_rows()]
    more = f"; and {groups.height - _NOTED} more entities" if groups.height > _NOTED else ""
    return "Entity names merged: " + "; ".join(parts) + more
