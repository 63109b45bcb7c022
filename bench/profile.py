"""Where the per-article analysis spends its time: one sampling profile (pyinstrument) of
``analyse_text`` over articles of a corpus, folded into the top functions by own and total time."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from bench.corpora import corpus_files


def _articles(root: Path, size: int, limit: int) -> list[dict]:
    out = []
    for path in corpus_files(root, size):
        with path.open(encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.strip()]
        if len(out) >= limit:
            break
    return out[:limit]


def _is_python(frame) -> bool:
    return bool(frame.file_path) and not frame.file_path.startswith("<")


def _walk(frame, caller: str, path: tuple[str, ...], own: dict, total: dict, builtin: dict) -> None:
    """Own time of every Python function, with time spent in C (regex matching, list building) and
    pyinstrument's "[self]" leaves charged to the Python function that called it: that is the
    function someone optimising would change."""
    if frame.function.startswith("["):
        return  # a "[self]" leaf: already in its parent's total_self_time
    if not _is_python(frame):
        own[caller] += frame.total_self_time
        builtin[frame.function] += frame.total_self_time
        for child in frame.children:
            _walk(child, caller, path, own, total, builtin)
        return
    key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    own[key] += frame.total_self_time
    if key not in path:  # recursion: count a function's total once per call path
        total[key] += frame.time
    for child in frame.children:
        _walk(child, key, path + (key,), own, total, builtin)


def profile_analysis(root: Path, size: int, limit: int, html_out: Path | None = None, top: int = 15) -> dict:
    """Top functions by own time and by total time, as shares of the profiled analysis."""
    from pyinstrument import Profiler

    from pipeline.geo import load_gazetteer
    from pipeline.ingest.textfile import parse_timestamp
    from pipeline.process import analyse_text

    docs = _articles(root, size, limit)
    gazetteer = load_gazetteer()
    inputs = [(d["text"], parse_timestamp(d["published_at"])) for d in docs]
    analyse_text(*inputs[0], gazetteer)  # warm-up: first-call imports are not the steady state
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for text, published in inputs:
        analyse_text(text, published, gazetteer)
    session = profiler.stop()
    root_frame = session.root_frame()
    own: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    builtin: dict[str, float] = defaultdict(float)
    _walk(root_frame, "(profiler root)", (), own, total, builtin)
    whole = root_frame.time or 1.0
    if html_out is not None:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(profiler.output_html(), encoding="utf-8")

    def ranked(table: dict[str, float], only_pipeline: bool) -> list[dict]:
        rows = [(k, v) for k, v in table.items() if not only_pipeline or "pipeline/" in k]
        rows.sort(key=lambda kv: kv[1], reverse=True)
        return [{"function": k, "share": round(v / whole, 4)} for k, v in rows[:top]]

    return {
        "articles": len(inputs),
        "seconds": round(whole, 3),
        "articles_per_s_under_profiler": round(len(inputs) / whole, 1),
        "top_own_time": ranked(own, False),
        "top_builtin_time": ranked(builtin, False)[:5],
        "top_total_time_pipeline": ranked(total, True),
    }
