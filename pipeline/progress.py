"""Progress of a long run for people: what is done, how fast, how long to go.

``format_progress`` is pure (a snapshot in, one line out); ``ProgressLine`` decides when and how to
write it: rewritten in place on a terminal, else a plain line every ``interval`` seconds so that logs
of a nohup or CI run stay short.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run is. ``phase`` is "analyse" while chunks are worked on, then "validate", "publish"."""

    phase: str
    files_done: int
    files_total: int
    articles_done: int
    elapsed_s: float


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_progress(p: Progress) -> str:
    """One line: files done/total, articles, articles/s and the ETA of the chunk work.

    The ETA extrapolates by files (the only total known before reading them) and covers the analysis
    only: validation and publishing follow and are shown as their own phase.
    """
    rate = p.articles_done / p.elapsed_s if p.elapsed_s > 0 else 0.0
    line = (f"{p.phase}: files {p.files_done}/{p.files_total}  articles {p.articles_done:,}  "
            f"{rate:.0f} articles/s  elapsed {_duration(p.elapsed_s)}")
    if p.phase == "analyse":
        if 0 < p.files_done < p.files_total:
            eta = p.elapsed_s / p.files_done * (p.files_total - p.files_done)
            line += f"  eta {_duration(eta)}"
        elif p.files_done == 0:
            line += "  eta ?"
    return line


class ProgressLine:
    """A callable taking ``Progress``: a single updating line on a TTY, else one line per ``interval``."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 10.0, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval
        self._last_write = float("-inf")
        self._last_phase = ""
        self._width = 0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        line = format_progress(p)
        if self.tty:
            # Padding blanks the tail of a longer previous line; \r rewrites in place.
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        elif p.phase != self._last_phase or now - self._last_write >= self.interval:
            self.stream.write(line + "\n")
            self._last_write = now
        else:
            return
        self._last_phase = p.phase
        self.stream.flush()

    def close(self) -> None:
        """End the updating line so that what is printed next starts on its own line."""
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0
