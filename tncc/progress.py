"""Progress reporting for long-running work (a big order search, a long
emulation, a benchmark sweep).

:class:`Progress` draws one status line on standard error, and only when
standard error is a terminal: a command whose output goes to a file or a pipe
stays quiet, so scripts and logs never see carriage returns.  Work that ends
within ``delay`` seconds draws nothing, so quick commands look the same with
or without it.

Typical use::

    from tncc.progress import Progress

    with Progress(total=len(configs), description="compare") as bar:
        for cfg in configs:
            bar.set_description(f"compare {cfg}")
            run(cfg)
            bar.update(1)

Callers never need to check whether a terminal is attached; everything is a
cheap no-op when the bar is disabled.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Callable, Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")

_BAR_WIDTH = 24


def _fmt_seconds(seconds: float) -> str:
    """``4.2s`` below a minute, ``3m07s`` above: short enough for one line."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


class Progress:
    """A context manager that shows how far some work has got.

    ``total`` is the number of units of work (``None`` when unknown: the line
    then shows a count and the elapsed time but no bar).  ``stream`` defaults
    to ``sys.stderr`` *at the time the bar is created*.  ``enabled`` defaults
    to ``stream.isatty()``.  The line is redrawn at most every
    ``min_interval`` seconds and not before ``delay`` seconds have passed.
    With ``live`` a background thread also redraws (so the elapsed time
    moves during one long step).  ``clock`` is injectable for tests.

    Contract: nothing is ever written when disabled; when enabled, every
    drawing starts with ``\\r`` and the line is erased on exit, so the
    terminal is left as it was found.
    """

    def __init__(
        self,
        total: int | None = None,
        description: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        delay: float = 1.0,
        min_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        live: bool = False,
    ) -> None:
        if total is not None and total < 0:
            raise ValueError(f"total must be non-negative, got {total}")
        self.total = total
        self.description = description
        self.count = 0
        self._stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self._stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self._delay = delay
        self._min_interval = min_interval
        self._clock = clock
        self._start = clock()
        self._last_draw: float | None = None
        self._drawn_width = 0
        self._closed = False
        # Drawing happens from the caller and, with ``live``, from a ticker
        # thread that keeps the elapsed time moving during one long step.
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if live and self.enabled:
            self._ticker = threading.Thread(target=self._tick, name="tncc-progress", daemon=True)
            self._ticker.start()

    # -- the public surface ----------------------------------------------------
    def update(self, n: int = 1) -> None:
        """Record ``n`` more units of work done and redraw if it is time to."""
        self.count += n
        self._maybe_draw()

    def set_description(self, description: str) -> None:
        """Change the text shown before the bar (e.g. the item being worked on)."""
        self.description = description
        self._maybe_draw()

    def set_total(self, total: int | None) -> None:
        """Change the total once it becomes known."""
        self.total = total
        self._maybe_draw()

    def close(self) -> None:
        """Stop the ticker and erase the line (if one was drawn).  Idempotent."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self.enabled and self._drawn_width:
                self._write("\r" + " " * self._drawn_width + "\r")
                self._drawn_width = 0

    def _tick(self) -> None:
        while not self._stop.wait(max(self._min_interval, 0.05)):
            self._maybe_draw()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- drawing ---------------------------------------------------------------
    def line(self) -> str:
        """The status line as it would be drawn now (without ``\\r``)."""
        elapsed = self._clock() - self._start
        parts = [self.description] if self.description else []
        if self.total:
            frac = min(1.0, self.count / self.total)
            filled = int(round(frac * _BAR_WIDTH))
            parts.append("[" + "#" * filled + "." * (_BAR_WIDTH - filled) + "]")
            parts.append(f"{self.count}/{self.total}")
            parts.append(f"{100 * frac:3.0f}%")
            if 0 < self.count < self.total:
                eta = elapsed * (self.total - self.count) / self.count
                parts.append(f"{_fmt_seconds(elapsed)} (eta {_fmt_seconds(eta)})")
            else:
                parts.append(_fmt_seconds(elapsed))
        else:
            parts.append(str(self.count))
            parts.append(_fmt_seconds(elapsed))
        return " ".join(parts)

    def _maybe_draw(self) -> None:
        with self._lock:
            self._draw_locked()

    def _draw_locked(self) -> None:
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._last_draw is not None and now - self._last_draw < self._min_interval:
            return
        self._last_draw = now
        text = self.line()
        # Pad with spaces so a shorter line fully covers the previous one.
        pad = max(0, self._drawn_width - len(text))
        self._write("\r" + text + " " * pad)
        self._drawn_width = len(text)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            # A closed or broken terminal must never turn into a failed command.
            self.enabled = False


def track(items: Iterable[T], total: int | None = None, description: str = "", **kwargs: object) -> Iterator[T]:
    """Iterate over ``items`` with a :class:`Progress` line (``total`` defaults
    to ``len(items)`` when it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(total=total, description=description, **kwargs) as bar:  # type: ignore[arg-type]
        for item in items:
            yield item
            bar.update(1)
