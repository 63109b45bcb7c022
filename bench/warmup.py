"""Analysis cost per block of articles in a fresh process, and on text never seen (children of bench.run,
pinned to one core).

A worker's caches (recognised name runs, gazetteer look-ups, lexicon views, lazily built rule parts) are
empty when it starts: its first thousand articles cost more than later ones. This measures that, so a run's
cost per article can be predicted from its size: start-up (loading the gazetteer and the lexicons, timed on
one short text) apart, then CPU per block of ``--block`` articles, in corpus order.

The bench corpora recombine thirds of 1,204 real articles, so their sentences and names recur far more
than in a day of news, and caches keyed on text serve them again: the steady state of a large corpus is
flattering. ``--unseen`` measures the other case: a process warmed on other gold sets (LGL, ACLED notes,
TempEval) analyses the 1,204 source articles once, never seen, then a second time.

    python -m bench.warmup --corpus bench/corpora/10000 --result out.json
    python -m bench.warmup --unseen --result out.json
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from bench.corpora import SOURCES, read_manifest

# A short text that loads everything an article needs (dates, places, events), timed as start-up.
PRIMER = "Three civilians were killed in an airstrike on Aleppo on Saturday, officials said."


WARM_SETS = ("lgl.jsonl", "acled-notes-2020.jsonl", "tempeval3-tbaq.jsonl")


def read_jsonl(paths: list[Path]) -> list[tuple[str, datetime | None]]:
    out = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                published = doc.get("published_at")
                out.append((doc["text"], datetime.fromisoformat(published) if published else None))
    return out


def read_articles(corpus: Path) -> list[tuple[str, datetime | None]]:
    manifest = read_manifest(corpus) or {}
    return read_jsonl([corpus / name for name in manifest.get("files", [])])


def time_unseen(warm: list[tuple[str, datetime | None]], articles: list[tuple[str, datetime | None]]) -> dict:
    """CPU per article on ``articles`` after warming on ``warm``: a first pass (never seen), a second (seen)."""
    from pipeline.geo import load_gazetteer
    from pipeline.process import analyse_text

    gazetteer = load_gazetteer()
    for text, published in warm:
        analyse_text(text, published, gazetteer)
    passes = []
    for _ in range(2):
        started = time.process_time()
        for text, published in articles:
            analyse_text(text, published, gazetteer)
        passes.append(time.process_time() - started)
    n = len(articles)
    return {"warm_docs": len(warm), "articles": n, "mean_chars": round(sum(len(t) for t, _ in articles) / max(n, 1)),
            "unseen_ms_per_article": round(passes[0] / n * 1000, 3), "seen_ms_per_article": round(passes[1] / n * 1000, 3),
            "unseen_articles_per_cpu_s": round(n / passes[0], 1)}


def time_blocks(articles: list[tuple[str, datetime | None]], block: int) -> dict:
    """Start-up and CPU seconds per block; imports happen before the clock starts."""
    from pipeline.geo import load_gazetteer
    from pipeline.process import analyse_text

    clock = time.process_time
    started = clock()
    gazetteer = load_gazetteer()
    analyse_text(PRIMER, None, gazetteer)
    startup = clock() - started
    blocks = []
    for first in range(0, len(articles) - block + 1, block):
        started = clock()
        for text, published in articles[first : first + block]:
            analyse_text(text, published, gazetteer)
        blocks.append(round(clock() - started, 3))
    return {"block": block, "startup_cpu_s": round(startup, 3), "block_cpu_s": blocks,
            "first_vs_last": round(blocks[0] / blocks[-1], 3) if len(blocks) > 1 and blocks[-1] > 0 else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="corpus folder for the per-block warm-up")
    parser.add_argument("--unseen", action="store_true", help="time never-seen source articles instead")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--block", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.unseen:
        warm = read_jsonl([SOURCES[0].parent / name for name in WARM_SETS])
        result = time_unseen(warm, read_jsonl(list(SOURCES)))
    elif args.corpus:
        result = time_blocks(read_articles(args.corpus), args.block)
    else:
        parser.error("give --corpus or --unseen")
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
