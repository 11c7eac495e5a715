"""Files every layer writes: one way to write an output so that nothing the user had is half-overwritten."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to; it replaces ``path`` when the block succeeds and is removed when it fails.

    A reader never sees a half-written file, and a failed write leaves an existing file as it was.
    A target that exists and is not a regular file (``/dev/null``, a pipe, a terminal) is
    written in place: replacing it would put a file where the device was.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("a\\n")
    >>> out.read_text(), [p.name for p in out.parent.iterdir()]
    ('a\\n', ['t.csv'])
    """
    target = Path(path)
    if target.exists() and not target.is_file():
        yield target
        return
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
