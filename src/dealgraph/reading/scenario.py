"""Stress scenarios: who fails to pay, whose reported revenue falls, which deals lapse.

A scenario file is TOML::

    name = "OpenAI pays half, LOIs lapse"

    [[fail]]                 # an entity pays only a fraction of its commitments
    entity = "OpenAI"
    pay = 0.5                # 0 = pays nothing, 1 = pays everything

    [[demand]]               # a group's reported revenue falls
    entities = ["Microsoft", "Amazon"]
    fall = 0.2               # by 20%

    [lapse]                  # deals that lapse (are removed) in the scenario
    status = ["loi", "rumored"]
    kind = []
    ids = ["seed-08"]

Every part is optional; parts combine.
"""

from __future__ import annotations

import difflib
import reprlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import ScenarioError
from .ledger import KINDS, STATUSES, Ledger

__all__ = ["Scenario", "read_scenario"]


@dataclass(frozen=True)
class Scenario:
    """A stress scenario on a ledger (entity names as the ledger spells them)."""

    name: str = "scenario"
    fail: tuple[tuple[str, float], ...] = ()
    demand: tuple[tuple[tuple[str, ...], float], ...] = ()
    lapse_status: tuple[str, ...] = ()
    lapse_kind: tuple[str, ...] = ()
    lapse_ids: tuple[str, ...] = ()
    origin: str = field(default="command line", compare=False)

    def describe(self) -> str:
        parts = [f"{e} pays {100 * p:.0f}% of its commitments" for e, p in self.fail]
        parts += [f"reported revenue of {', '.join(g)} falls {100 * x:.0f}%" for g, x in self.demand]
        lapsed = [*(f"status {s}" for s in self.lapse_status), *(f"kind {k}" for k in self.lapse_kind),
                  *(f"deal {i}" for i in self.lapse_ids)]
        if lapsed:
            parts.append("deals lapse: " + ", ".join(lapsed))
        return "; ".join(parts) or "no shock"

    def resolved(self, ledger: Ledger) -> Scenario:
        """The same scenario with every name checked against the ledger (canonical spelling).

        Raises ``ScenarioError`` naming the key and the closest known names.
        """
        def entity(name: str, key: str) -> str:
            canon = ledger.aliases.resolve(name)
            if canon in ledger.entities:
                return canon
            close = difflib.get_close_matches(canon, ledger.entities, n=3, cutoff=0.4)
            hint = f"; closest known names: {', '.join(close)}" if close else f"; known names: {', '.join(ledger.entities)}"
            raise ScenarioError(f"{self.origin}: {key}: unknown entity {reprlib.repr(name)}{hint}")

        known = ledger.table["id"]
        for i in self.lapse_ids:
            if not (known == i).any():
                close = difflib.get_close_matches(i, known.sort().to_list(), n=3, cutoff=0.4)
                raise ScenarioError(f"{self.origin}: lapse.ids: unknown deal id {reprlib.repr(i)}"
                                    + (f"; closest: {', '.join(close)}" if close else ""))
        return Scenario(
            name=self.name,
            fail=tuple((entity(e, f"fail[{k}].entity"), p) for k, (e, p) in enumerate(self.fail)),
            demand=tuple((tuple(entity(e, f"demand[{k}].entities") for e in g), x) for k, (g, x) in enumerate(self.demand)),
            lapse_status=self.lapse_status, lapse_kind=self.lapse_kind, lapse_ids=self.lapse_ids, origin=self.origin,
        )


def _fraction(value: Any, key: str, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ScenarioError(f"{origin}: {key}: expected a number from 0 to 1, got {reprlib.repr(value)}")
    return float(value)


def _choices(value: Any, key: str, allowed: tuple[str, ...], origin: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{origin}: {key}: expected a list of strings, got {reprlib.repr(value)}")
    for v in value:
        if allowed and v not in allowed:
            close = difflib.get_close_matches(v, allowed, n=3, cutoff=0.4)
            raise ScenarioError(f"{origin}: {key}: unknown value {reprlib.repr(v)}; expected one of {', '.join(allowed)}"
                                + (f" (closest: {', '.join(close)})" if close else ""))
    return tuple(value)


def read_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """A scenario from a TOML file or a dict of the same shape (see the module docstring).

    >>> read_scenario({"fail": [{"entity": "OpenAI", "pay": 0.5}]}).describe()
    'OpenAI pays 50% of its commitments'
    """
    if isinstance(source, dict):
        return _from_mapping(source, "scenario")
    path = Path(source)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file: {exc.strerror}") from None
    return _from_mapping(doc, str(path), default_name=path.stem)


def _from_mapping(doc: dict[str, Any], origin: str, default_name: str = "scenario") -> Scenario:
    known = {"name", "fail", "demand", "lapse"}
    for key in doc:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            raise ScenarioError(f"{origin}: unknown key {reprlib.repr(key)}" + (f"; did you mean {close[0]!r}?" if close else "")
                                + f" (known keys: {', '.join(sorted(known))})")
    fails, demands = [], []
    for key, what in (("fail", "[[fail]] tables with entity and pay"), ("demand", "[[demand]] tables with entities and fall")):
        if not isinstance(doc.get(key, []), list):
            raise ScenarioError(f"{origin}: {key}: expected {what}, got {reprlib.repr(doc[key])}")
    for k, item in enumerate(doc.get("fail", [])):
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            raise ScenarioError(f"{origin}: fail[{k}].entity: expected an entity name")
        extra = set(item) - {"entity", "pay"}
        if extra:
            raise ScenarioError(f"{origin}: fail[{k}]: unknown key {reprlib.repr(sorted(extra)[0])} (known keys: entity, pay)")
        fails.append((item["entity"], _fraction(item.get("pay", 0.0), f"fail[{k}].pay", origin)))
    for k, item in enumerate(doc.get("demand", [])):
        if not isinstance(item, dict):
            raise ScenarioError(f"{origin}: demand[{k}]: expected a table with entities and fall")
        extra = set(item) - {"entities", "fall"}
        if extra:
            raise ScenarioError(f"{origin}: demand[{k}]: unknown key {reprlib.repr(sorted(extra)[0])} (known keys: entities, fall)")
        group = _choices(item.get("entities"), f"demand[{k}].entities", (), origin)
        demands.append((group, _fraction(item.get("fall"), f"demand[{k}].fall", origin)))
    lapse = doc.get("lapse", {})
    if not isinstance(lapse, dict):
        raise ScenarioError(f"{origin}: lapse: expected a table with status, kind or ids")
    extra = set(lapse) - {"status", "kind", "ids"}
    if extra:
        raise ScenarioError(f"{origin}: lapse: unknown key {reprlib.repr(sorted(extra)[0])} (known keys: status, kind, ids)")
    return Scenario(
        name=str(doc.get("name", default_name)),
        fail=tuple(fails),
        demand=tuple(demands),
        lapse_status=_choices(lapse.get("status", []), "lapse.status", STATUSES, origin),
        lapse_kind=_choices(lapse.get("kind", []), "lapse.kind", KINDS, origin),
        lapse_ids=_choices(lapse.get("ids", []), "lapse.ids", (), origin),
        origin=origin,
    )
