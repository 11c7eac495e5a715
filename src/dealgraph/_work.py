"""Long work: the steps an analysis reports and the time limit it honours.

The library never prints. An analysis names what it is doing with ``step("...")`` and, in
a loop that can run long, says how far it is with ``tick(done, total)``; whoever runs it
listens with ``watch(report, seconds=...)`` (the command line draws a progress line on
stderr from it). Outside a ``watch`` these cost nothing and there is no limit.

The limit is checked between pieces of work, never inside one, so a run ends a little
after it (the piece that has started finishes). A search that can stop early stops when
``out_of_time()`` and says in its result what it left out (loops found so far, entities
not traced, BFF not computed, failures not tried). A step whose answer cannot be partial
is a ``step(name, whole=True)``: past the limit it does not start but raises
``TimeLimitError`` naming it.

Threads started by an analysis run their work under ``carried(fn)`` so they report to
the same listener and keep the same limit; ``two_at_a_time`` runs a function over a stream
of inputs that way on two threads.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ._errors import TimeLimitError

__all__ = ["carried", "out_of_time", "step", "stopped", "tick", "two_at_a_time", "watch"]

Report = Callable[[str, int | None, int | None], None]  # (step, done, total); done and total None: a step begins


@dataclass
class _Watch:
    report: Report | None
    seconds: float | None
    deadline: float | None
    step: str = "starting"


_current: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("dealgraph_work", default=None)


@contextlib.contextmanager
def watch(report: Report | None = None, *, seconds: float | None = None) -> Iterator[None]:
    """Run the work inside with ``report`` told of every step and tick, stopping at about ``seconds`` (None: no limit).

    >>> seen = []
    >>> with watch(lambda name, done, total: seen.append(name)):
    ...     with step("counting"):
    ...         pass
    >>> seen
    ['counting']
    """
    token = _current.set(_Watch(report, seconds, None if seconds is None else time.perf_counter() + seconds))
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def step(name: str, *, whole: bool = False) -> Iterator[None]:
    """A named piece of work (reported as it begins); the step before it is current again after it.

    ``whole``: its answer cannot be partial, so past the time limit it does not start
    (``TimeLimitError`` naming it).
    """
    w = _current.get()
    if w is None:
        yield
        return
    if whole and out_of_time():
        raise TimeLimitError(f"stopped at the time limit of {w.seconds:g} s before {name}: this step cannot give a partial answer; "
                             "give more time (--time-limit) or a smaller ledger (--year, or fewer rows)")
    before, w.step = w.step, name
    if w.report is not None:
        w.report(name, None, None)
    try:
        yield
    finally:
        w.step = before


def tick(done: int, total: int) -> None:
    """How far the current step is."""
    w = _current.get()
    if w is not None and w.report is not None:
        w.report(w.step, done, total)


def out_of_time() -> bool:
    """Whether the time limit has passed (never, outside a ``watch`` with ``seconds``)."""
    w = _current.get()
    return w is not None and w.deadline is not None and time.perf_counter() >= w.deadline


def stopped(what: str) -> str:
    """The note a search adds when the time limit cut it short."""
    w = _current.get()
    return f"Stopped at the time limit ({w.seconds:g} s): {what}." if w is not None and w.seconds is not None else what


def carried(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` to run in another thread under this thread's listener and limit (one call per thread started)."""
    context = contextvars.copy_context()
    return lambda *args, **kwargs: context.run(fn, *args, **kwargs)


def two_at_a_time(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
    """``fn(item)`` for each item on two threads, under this thread's listener and limit, the answers in order.

    Two items are taken ahead of the answers, no more (a stream of large views stays two
    views large). Worth it where ``fn`` spends its time without the interpreter lock: the
    compiled loop search, or a solver in a child process.

    >>> list(two_at_a_time(lambda x: x * x, range(5)))
    [0, 1, 4, 9, 16]
    """
    with ThreadPoolExecutor(2) as pool:
        ahead: deque[Future] = deque()
        for item in items:
            ahead.append(pool.submit(carried(fn), item))
            if len(ahead) == 2:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
