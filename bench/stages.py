"""Per-stage timings of one corpus, in one process pinned to one core (run as a child of bench.run).

The stages are the very functions ``conflict-events run`` and the DAG call (pipeline.stages), timed one
by one: ingest, analyse (dates + places + events), validate (merge, dedupe, Great Expectations),
write (publish). The analysis is then split into its three parts by calling resolve_dates,
find_places and extract_events directly on a sample of the same articles.

    python -m bench.stages --corpus bench/corpora/1000 --work bench/work/stages-1000 --result out.json
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

from bench.corpora import read_manifest


def _rate(n: int, nbytes: int, seconds: float, cpu: float | None = None) -> dict:
    return {
        "seconds": round(seconds, 4),
        **({"cpu_seconds": round(cpu, 4), "articles_per_cpu_s": round(n / cpu, 2) if cpu > 0 else None}
           if cpu is not None else {}),
        "articles_per_s": round(n / seconds, 2) if seconds > 0 else None,
        "mb_per_s": round(nbytes / 1e6 / seconds, 3) if seconds > 0 else None,
    }


def time_stages(corpus: Path, work: Path) -> tuple[dict, Path]:
    """Run plan, ingest, analyse, validate and publish on ``corpus``; returns timings and the run folder
    (kept, with ``keep_staging``, so the split can reread the ingested articles)."""
    from pipeline import stages
    from pipeline.settings import load_settings

    manifest = read_manifest(corpus) or {}
    files = [str(corpus / name) for name in manifest["files"]]
    settings = load_settings(environ={})  # packaged defaults: the user's environment must not tune the bench
    shutil.rmtree(work, ignore_errors=True)
    out = work / "warehouse"
    t: dict[str, float] = {}
    c: dict[str, float] = {}

    def timed(name, call, *a, **kw):
        # Wall and CPU time: other jobs on a shared machine inflate the first much more than the second.
        w0, c0 = time.perf_counter(), time.process_time()
        value = call(*a, **kw)
        t[name] = t.get(name, 0.0) + time.perf_counter() - w0
        c[name] = c.get(name, 0.0) + time.process_time() - c0
        return value

    plan = timed("plan", stages.plan_run, files, out, settings, batch="bench", run_id="bench-stages")
    for chunk_no in range(plan.chunk_count):
        timed("ingest", stages.ingest_chunk, plan.run_dir, chunk_no, settings)
        timed("analyse", stages.analyse_chunk, plan.run_dir, chunk_no, settings)
    outcome = timed("validate", stages.validate_run, plan.run_dir, settings)
    row = timed("write", stages.publish_run, plan.run_dir, keep_staging=True)
    n, nbytes = manifest["size"], manifest["text_bytes"]
    result = {name: _rate(n, nbytes, secs, c[name]) for name, secs in t.items()}
    result["ingest"]["mb_per_s_input_files"] = round(manifest["file_bytes"] / 1e6 / t["ingest"], 3)
    result["total"] = _rate(n, nbytes, sum(t.values()), sum(c.values()))
    result["chunks"] = plan.chunk_count
    result["counts"] = {k: row[k] for k in ("articles", "duplicates", "quarantined", "events", "casualties",
                                             "place_mentions", "date_mentions")}
    result["validation_success"] = outcome.get("success")
    return result, Path(plan.run_dir)


def time_split(run_dir: Path, sample: int) -> dict:
    """Dates, places and events timed apart on up to ``sample`` staged articles, spread evenly."""
    from pipeline import storage
    from pipeline.dates import resolve_dates
    from pipeline.extract import extract_events
    from pipeline.geo import find_places, load_gazetteer
    from pipeline.rows import article_from_row

    articles = []
    for path in sorted((run_dir / "chunks").glob("*/articles.parquet")):
        articles += [article_from_row(r) for r in storage.read_parquet("articles", path).to_pylist()]
    step = max(1, len(articles) // sample) if sample else 1
    articles = articles[::step][: sample or None]
    gazetteer = load_gazetteer()
    t = {"dates": 0.0, "geocode": 0.0, "extract": 0.0}
    clock = time.perf_counter  # the split is short and pinned; wall time is what the stage table uses
    for a in articles:
        s = clock()
        dates = resolve_dates(a.text, a.published_at)
        t["dates"] += clock() - s
        s = clock()
        places = find_places(a.text, gazetteer, dateline=a.dateline,
                             dateline_span=(a.dateline_start, a.dateline_end) if a.dateline_start is not None else None)
        t["geocode"] += clock() - s
        s = clock()
        extract_events(a.text, published=a.published_at.date() if a.published_at else None, dates=dates, places=places)
        t["extract"] += clock() - s
    n, nbytes = len(articles), sum(len(a.text.encode("utf-8")) for a in articles)
    out = {name: _rate(n, nbytes, secs) for name, secs in t.items()}
    # The "extract-with-dates": events need resolved dates, so the two are one step for a user.
    out["extract_with_dates"] = _rate(n, nbytes, t["dates"] + t["extract"])
    out["dates_geocode_extract"] = _rate(n, nbytes, sum(t.values()))
    out["sample_articles"] = n
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--split-sample", type=int, default=2000, help="articles for the dates/geocode/extract split (0: all)")
    args = parser.parse_args(argv)
    stages_result, run_dir = time_stages(args.corpus, args.work)
    split = time_split(run_dir, args.split_sample)
    result = {
        "stages": stages_result,
        "split": split,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    shutil.rmtree(args.work, ignore_errors=True)  # 100k warehouses are large: keep only the numbers
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
