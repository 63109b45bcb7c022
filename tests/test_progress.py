"""The progress line of ``conflict-events run``: what it says, and when it is written."""

from __future__ import annotations

import io

from pipeline.progress import Progress, ProgressLine, format_progress


def test_line_has_files_articles_rate_and_eta():
    # Half the files in 50 s: the other half should take as long again.
    line = format_progress(Progress("analyse", 50, 100, 5000, 50.0))
    assert line == "analyse: files 50/100  articles 5,000  100 articles/s  elapsed 0:50  eta 0:50"


def test_eta_is_unknown_before_the_first_chunk_and_absent_after_the_last():
    assert format_progress(Progress("analyse", 0, 10, 0, 0.0)).endswith("eta ?")
    assert "eta" not in format_progress(Progress("analyse", 10, 10, 900, 30.0))


def test_later_phases_show_no_eta_and_long_runs_show_hours():
    line = format_progress(Progress("validate", 10, 10, 100_000, 3725.0))
    assert "eta" not in line and "elapsed 1:02:05" in line


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_lines_are_throttled_but_each_phase_shows(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("pipeline.progress.time.monotonic", clock)
    out = io.StringIO()
    line = ProgressLine(out, interval=10.0, tty=False)
    line(Progress("analyse", 0, 4, 0, 0.0))
    clock.now = 3.0
    line(Progress("analyse", 1, 4, 10, 3.0))  # too soon: dropped
    clock.now = 11.0
    line(Progress("analyse", 2, 4, 20, 11.0))
    clock.now = 12.0
    line(Progress("validate", 4, 4, 40, 12.0))  # a new phase always shows
    line.close()
    written = out.getvalue().splitlines()
    assert [w.split(":")[0] for w in written] == ["analyse", "analyse", "validate"]
    assert "files 2/4" in written[1] and "\r" not in out.getvalue()


def test_on_a_terminal_one_line_is_rewritten_and_closed_with_a_newline():
    out = io.StringIO()
    line = ProgressLine(out, tty=True)
    line(Progress("analyse", 0, 2, 0, 0.0))
    line(Progress("analyse", 2, 2, 20, 1.0))
    line.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.count("\n") == 1 and text.endswith("\n")
