"""Synthetic corpora of 1k, 10k, 100k articles built from real article bodies, deterministically.

Why not plain copies: the pipeline keeps a story once (exact and near duplicates go to
``duplicates``), so 100k copies of 1,204 bodies would validate and write ~1.2k articles. Each
synthetic article is instead the first third of one real article (headline, dateline, lead), the
middle third of a second and the last third of a third, cut at sentence ends. Two synthetic articles
share at most one third, far below the 0.8 near-duplicate threshold, and every sentence is real news.

Article ``k`` depends only on ``k`` and the seed, so the 1k corpus is a prefix of the 10k one: the
sizes differ in volume, never in content mix.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SOURCES = (
    Path("/work/shared/eval/dev/fakes.jsonl"),
    Path("/work/shared/eval/dev/gvdb-dev.jsonl"),
)
# Bump when the generated text changes, so stale corpora are rebuilt instead of silently reused.
GENERATOR_VERSION = "1"
SEED = 20160927
# Many small files, as a daily inbox would have; it also keeps every file far below max_input_bytes.
ARTICLES_PER_FILE = 100
_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z\"“‘'(])")
# Publication offsets seen in the source sets (Syria, US, Europe, India): the anchor day depends on them.
_OFFSETS = (0, 3, 2, -5, -7, 5.5, 1)
_FIRST_DAY = datetime(2012, 1, 1)
_DAYS = (datetime(2024, 12, 31) - _FIRST_DAY).days


@dataclass(frozen=True, slots=True)
class Source:
    doc_id: str
    title: str | None
    sentences: tuple[str, ...]


def read_sources(paths: tuple[Path, ...] = SOURCES) -> list[Source]:
    """The real articles, split into sentences, in file order."""
    out = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                doc = json.loads(line)
                sentences = tuple(s for s in _SENTENCE_END.split(doc["text"].strip()) if s)
                if sentences:
                    out.append(Source(doc["doc_id"], doc.get("title"), sentences))
    return out


def _third(sentences: tuple[str, ...], part: int) -> list[str]:
    n = len(sentences)
    lo, hi = n * part // 3, n * (part + 1) // 3
    # Short articles: give every part at least one sentence (parts may then overlap, harmlessly).
    if hi <= lo:
        lo, hi = min(lo, n - 1), min(lo, n - 1) + 1
    return list(sentences[lo:hi])


def make_article(k: int, sources: list[Source], seed: int = SEED) -> dict:
    """Synthetic article ``k``: a JSONL record of the shape ``conflict-events run`` reads."""
    rng = random.Random(f"{seed}:{k}")  # per-article stream: article k is the same in every corpus size
    a, b, c = (sources[rng.randrange(len(sources))] for _ in range(3))
    text = " ".join(_third(a.sentences, 0) + _third(b.sentences, 1) + _third(c.sentences, 2))
    offset = rng.choice(_OFFSETS)
    local = _FIRST_DAY + timedelta(days=rng.randrange(_DAYS), minutes=rng.randrange(24 * 60))
    published = local.replace(tzinfo=timezone(timedelta(hours=offset)))
    return {
        "doc_id": f"bench-{k:06d}",
        "set": "bench",
        "published_at": published.isoformat(),
        "title": a.title,
        "text": text,
        "source": "bench",
        "labels": {"from": [a.doc_id, b.doc_id, c.doc_id]},
    }


def corpus_dir(root: Path, size: int) -> Path:
    return root / f"{size}"


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_corpus(root: Path, size: int, *, seed: int = SEED, sources: list[Source] | None = None) -> dict:
    """Build ``root/<size>/part-*.jsonl`` unless a complete corpus of the same recipe is there; returns
    its manifest. The manifest is written last, so an interrupted build is redone, not reused."""
    folder = corpus_dir(root, size)
    manifest = read_manifest(folder)
    if manifest and manifest.get("generator_version") == GENERATOR_VERSION and manifest.get("seed") == seed:
        return manifest
    sources = sources if sources is not None else read_sources()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("part-*.jsonl"):
        stale.unlink()
    files, text_bytes, file_bytes = [], 0, 0
    for first in range(0, size, ARTICLES_PER_FILE):
        records = [make_article(k, sources, seed) for k in range(first, min(first + ARTICLES_PER_FILE, size))]
        path = folder / f"part-{first // ARTICLES_PER_FILE:05d}.jsonl"
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        path.write_bytes(data)
        files.append(path.name)
        file_bytes += len(data)
        text_bytes += sum(len(r["text"].encode("utf-8")) for r in records)
    manifest = {
        "size": size,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "articles_per_file": ARTICLES_PER_FILE,
        "files": files,
        "file_bytes": file_bytes,
        "text_bytes": text_bytes,
        "sources": [str(p) for p in SOURCES],
        "source_articles": len(sources),
    }
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")  # atomic: a half-built corpus never looks complete
    return manifest


def corpus_files(root: Path, size: int) -> list[Path]:
    folder = corpus_dir(root, size)
    return [folder / name for name in (read_manifest(folder) or {}).get("files", [])]
