"""Build hook: fetch the pinned charting library from the npm registry into the package.

The report inlines ECharts; the repository does not carry it. At build time (wheel or
editable install) this hook downloads the version pinned in
``src/dealgraph/web/vendor.json``, checks the registry's sha512 integrity, and writes the
minified script and its licence files into ``src/dealgraph/_vendor/``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = Path(__file__).parent / "src" / "dealgraph"


def fetch_vendor(out: Path = PACKAGE / "_vendor") -> None:
    pins = json.loads((PACKAGE / "web" / "vendor.json").read_text())
    out.mkdir(exist_ok=True)
    for name, pin in pins.items():
        stamp = out / f"{name}.version"
        if stamp.exists() and stamp.read_text() == pin["integrity"] and all((out / f).exists() for f in pin["files"].values()):
            continue
        with urllib.request.urlopen(pin["tarball"], timeout=120) as response:
            blob = response.read()
        algo, _, expected = pin["integrity"].partition("-")
        actual = base64.b64encode(hashlib.new(algo, blob).digest()).decode()
        if actual != expected:
            raise RuntimeError(f"{name} {pin['version']}: integrity mismatch for {pin['tarball']}")
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for member, target in pin["files"].items():
                data = tar.extractfile(member)
                if data is None:
                    raise RuntimeError(f"{name} {pin['version']}: {member} missing from the tarball")
                (out / target).write_bytes(data.read())
        stamp.write_text(pin["integrity"])


class VendorHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        fetch_vendor()


if __name__ == "__main__":
    fetch_vendor()
