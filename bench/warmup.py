"""Analysis cost per block of articles in a fresh process (run as a child of bench.run, pinned to one core).

A worker's caches (recognised name runs, gazetteer look-ups, lexicon views, lazily built rule parts) are
empty when it starts: its first thousand articles cost more than later ones. This measures that, so a run's
cost per article can be predicted from its size: start-up (loading the gazetteer and the lexicons, timed on
one short text) apart, then CPU per block of ``--block`` articles, in corpus order.

    python -m bench.warmup --corpus bench/corpora/10000 --result out.json
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from bench.corpora import read_manifest

# A short text that loads everything an article needs (dates, places, events), timed as start-up.
PRIMER = "Three civilians were killed in an airstrike on Aleppo on Saturday, officials said."


def read_articles(corpus: Path) -> list[tuple[str, datetime | None]]:
    manifest = read_manifest(corpus) or {}
    out = []
    for name in manifest.get("files", []):
        with (corpus / name).open(encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                published = doc.get("published_at")
                out.append((doc["text"], datetime.fromisoformat(published) if published else None))
    return out


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
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--block", type=int, default=1000)
    args = parser.parse_args(argv)
    result = time_blocks(read_articles(args.corpus), args.block)
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
