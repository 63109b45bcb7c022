"""The stages of a run, each a function of paths: the CLI calls them in a row, the DAG one per task.

A run works in ``OUT/_staging/<run_id>/``: the plan, then one folder per chunk of inputs, then the
validated tables. Only ``publish_run`` touches the published tables, replacing the run's partition
whole. Every stage overwrites its own outputs, so retrying a task or rerunning a run is safe.
"""

from __future__ import annotations

import json
import logging
import shutil
import traceback
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline import fs as wfs
from pipeline import storage
from pipeline.dedupe import DuplicateIndex, Known
from pipeline.errors import InputError, PipelineError
from pipeline.ingest import InputFile, discover_inputs, read_input
from pipeline.ingest.read import display_path
from pipeline.rows import analysis_rows, article_from_row, article_row, rejected_row, row_json
from pipeline.schemas import PARTITION_COLUMN, TABLES
from pipeline.settings import Settings
from pipeline.text_ids import stable_id
from pipeline.version import extractor_version

log = logging.getLogger(__name__)

CHUNK_TABLES = ("articles", "quarantine")
ANALYSIS_TABLES = ("events", "casualties", "place_mentions", "date_mentions")
# Languages the extraction rules are written for; None is a text too short to tell, read as English.
EXTRACT_LANGUAGES = frozenset({"en", None})
_BATCH_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True, slots=True)
class RunPlan:
    run_id: str
    batch: str
    out: str
    run_dir: str
    started_at: str
    inputs: list[dict]
    chunks: list[list[int]]
    settings: dict

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def check_batch_name(batch: str) -> str:
    """Partition names become folder names: keep them to a safe alphabet."""
    if not batch or not set(batch) <= _BATCH_SAFE or batch.startswith("."):
        raise InputError(f"batch name {batch!r} must use letters, digits, '-', '_' or '.' only")
    return batch


def default_batch(paths: list[str]) -> str:
    """The same inputs give the same partition, so a rerun replaces instead of duplicating."""
    resolved = sorted(str(Path(p).resolve()) for p in paths)
    return "adhoc-" + stable_id(*resolved)[:12]


def new_run_id() -> str:
    return f"run-{_now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def run_dir_for(out: Path | str, run_id: str, staging_dir: str = "") -> Path:
    return wfs.default_staging(out, staging_dir) / run_id  # always local: see fs.default_staging


def load_plan(run_dir: str | Path) -> RunPlan:
    path = Path(run_dir) / "plan.json"
    try:
        return RunPlan(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as err:
        raise PipelineError(f"cannot read the run plan {path}: {err}") from err


def plan_run(
    paths: list[str],
    out: str | Path,
    settings: Settings,
    *,
    batch: str | None = None,
    run_id: str | None = None,
    min_chunks: int = 1,
) -> RunPlan:
    """Discover the inputs and write the run plan; returns it. Raises InputError for missing paths.

    ``min_chunks`` splits the files finer than ``batch_size`` when there are enough of them, so that
    a pool of workers has work for each (the chunking never changes what a run publishes)."""
    out = wfs.url(out) if wfs.is_remote(out) else wfs.local_path(out)
    run_id = check_batch_name(run_id or new_run_id())
    batch = check_batch_name(batch or default_batch(paths))
    files = discover_inputs(paths)
    size = max(1, min(settings.batch_size, -(-len(files) // max(1, min_chunks))))
    chunks = [list(range(i, min(i + size, len(files)))) for i in range(0, len(files), size)]
    run_dir = run_dir_for(out, run_id, settings.staging_dir)
    shutil.rmtree(run_dir, ignore_errors=True)  # a retried plan starts clean
    run_dir.mkdir(parents=True)
    plan = RunPlan(
        run_id=run_id,
        batch=batch,
        out=str(out),
        run_dir=str(run_dir),
        started_at=_now().isoformat(),
        inputs=[asdict(f) for f in files],
        chunks=chunks,
        settings=asdict(settings),
    )
    (run_dir / "plan.json").write_text(json.dumps(asdict(plan), indent=1), encoding="utf-8")
    return plan


def _chunk_dir(plan: RunPlan, chunk_no: int) -> Path:
    return Path(plan.run_dir) / "chunks" / f"{chunk_no:05d}"


def ingest_chunk(run_dir: str | Path, chunk_no: int, settings: Settings) -> str:
    """Read one chunk of input files into staged ``articles`` and ``quarantine`` tables."""
    plan = load_plan(run_dir)
    folder = _chunk_dir(plan, chunk_no)
    now = _now()
    articles, quarantine, inputs = [], [], []
    for index in plan.chunks[chunk_no]:
        item = InputFile(**plan.inputs[index])
        result = read_input(item, settings, now=now)
        inputs.append(
            {"path": display_path(item.path), "sha256": result.input_sha256, "bytes": result.input_bytes,
             "records": result.records_seen, "articles": len(result.articles), "rejected": len(result.rejected)}
        )
        articles += [article_row(a, run_id=plan.run_id, ingested_at=now) for a in result.articles]
        quarantine += [rejected_row(r, stage="ingest", run_id=plan.run_id, now=now) for r in result.rejected]
    storage.write_parquet_atomic(storage.to_table("articles", articles), folder / "articles.parquet")
    storage.write_parquet_atomic(storage.to_table("quarantine", quarantine), folder / "quarantine.parquet")
    (folder / "inputs.json").write_text(json.dumps(inputs, indent=1), encoding="utf-8")
    log.info("chunk %s: %d articles, %d quarantined", chunk_no, len(articles), len(quarantine))
    storage.crash_point(f"ingest:{chunk_no}")
    return str(folder)


def analyse_chunk(run_dir: str | Path, chunk_no: int, settings: Settings) -> str:
    """Dates, places and events for every article of one chunk; an article that breaks the extractor
    is quarantined with the error instead of sinking the chunk."""
    from pipeline.geo import load_gazetteer
    from pipeline.process import analyse_text

    plan = load_plan(run_dir)
    folder = _chunk_dir(plan, chunk_no)
    gazetteer = load_gazetteer()
    _settle_heap()
    provenance = {
        "extractor_version": extractor_version(),
        "gazetteer_version": gazetteer.version,
        "run_id": plan.run_id,
    }
    out: dict[str, list[dict]] = {name: [] for name in ANALYSIS_TABLES}
    failed = []
    now = _now()
    for row in storage.read_parquet("articles", folder / "articles.parquet").to_pylist():
        article = article_from_row(row)
        if article.language not in EXTRACT_LANGUAGES:
            # The rules and lexicons are English: on other languages they find nothing or, worse,
            # English-looking noise. The article is kept; the quarantine row says why it has no events.
            failed.append(_extract_quarantine(article, "unsupported_language", f"language {article.language}",
                                              plan.run_id, now))
            continue
        try:
            analysis = analyse_text(
                article.text,
                article.published_at,
                gazetteer,
                dateline=article.dateline,
                dateline_span=(article.dateline_start, article.dateline_end)
                if article.dateline_start is not None
                else None,
            )
            rows = analysis_rows(article, analysis, provenance)
        except Exception as err:  # noqa: BLE001 - one bad article must not sink the chunk; it is recorded
            detail = f"{type(err).__name__}: {err} | {traceback.format_exc(limit=3)[-500:]}"
            failed.append(_extract_quarantine(article, "extractor_error", detail, plan.run_id, now))
            continue
        for name in ANALYSIS_TABLES:
            out[name] += rows[name]
    for name in ANALYSIS_TABLES:
        storage.write_parquet_atomic(storage.to_table(name, out[name]), folder / f"{name}.parquet")
    storage.write_parquet_atomic(storage.to_table("quarantine", failed), folder / "extract_quarantine.parquet")
    storage.crash_point(f"analyse:{chunk_no}")
    return str(folder)


_heap_settled = False


def _settle_heap() -> None:
    """Load the extraction lexicons too, then move everything loaded so far out of the cyclic garbage
    collector's sight (``gc.freeze``), once per process. The gazetteer and lexicons are over a million
    long-lived objects; every full collection re-walked them while a fresh worker's caches filled
    (~7% of its first 1,000 articles' CPU). They live as long as the process anyway."""
    global _heap_settled
    if _heap_settled:
        return
    import gc

    from pipeline.extract.lexicon import default_lexicon

    default_lexicon()
    gc.collect()  # what is already garbage is freed now, not frozen with the rest
    gc.freeze()
    _heap_settled = True


def _extract_quarantine(article, reason: str, detail: str, run_id: str, now: datetime) -> dict:
    return {
        "quarantine_id": stable_id("extract", article.article_id),
        "stage": "extract",
        "reason": reason,
        "detail": detail,
        "input_path": article.input_path,
        "record_index": article.record_index,
        "source_id": article.source_id,
        "article_id": article.article_id,
        "table_name": "articles",
        "row_id": article.article_id,
        "row_json": None,
        "is_input_record": False,  # the article itself is kept, without events
        "quarantined_at": now,
        "run_id": run_id,
    }


def _concat(name: str, paths: list[Path]) -> pa.Table:
    tables = [storage.read_parquet(name, p) for p in paths if p.exists()]
    return pa.concat_tables(tables) if tables else TABLES[name].empty_table()


def _stored_articles(out: Path | str, batch: str, storage_options: dict | None = None) -> list[Known]:
    """Articles already published in other batches (this batch is about to be replaced)."""
    import pyarrow.parquet as pq

    if wfs.is_remote(out):
        from pipeline.remote import Warehouse, partition_files

        wh = Warehouse(str(out), storage_options=storage_options)
        return [Known(r["article_id"], r["source_id"], r["text_signature"] or b"", other)
                for other, part in partition_files(wh, "articles") if other != batch
                for r in wh.read_parquet(part, ["article_id", "source_id", "text_signature"]).to_pylist()]
    out = Path(out)
    known = []
    folder = out / "articles"
    if not folder.is_dir():
        return known
    for part in sorted(folder.glob(f"{PARTITION_COLUMN}=*/*.parquet")):
        other = part.parent.name.split("=", 1)[1]
        if other == batch:
            continue
        columns = pq.read_table(part, columns=["article_id", "source_id", "text_signature"]).to_pylist()
        known += [Known(r["article_id"], r["source_id"], r["text_signature"] or b"", other) for r in columns]
    return known


# What the duplicate loop reads of an article: a few short columns, never the text (most of its bytes).
_DEDUPE_COLUMNS = ["article_id", "source_id", "input_path", "record_index", "text_signature"]


def _concat_columns(name: str, paths: list[Path], columns: list[str]) -> pa.Table:
    import pyarrow.parquet as pq

    schema = TABLES[name]
    tables = [pq.read_table(p, columns=columns, schema=schema) for p in paths if p.exists()]
    if not tables:
        return pa.schema([schema.field(c) for c in columns]).empty_table()
    return pa.concat_tables(tables)


def merge_chunks(plan: RunPlan, settings: Settings) -> Path:
    """All chunks' staged tables, each story kept once, written to ``<run_dir>/merged/`` (returned):
    exact and near duplicates, within the run or of an article already in the warehouse, go to
    ``duplicates`` (with what was kept instead). Each table is written and freed before the next is
    read, so at most one table's rows are in memory."""
    folders = [_chunk_dir(plan, n) for n in range(plan.chunk_count)]
    merged = Path(plan.run_dir) / "merged"
    shutil.rmtree(merged, ignore_errors=True)  # a retried merge starts clean
    articles = _concat_columns("articles", [f / "articles.parquet" for f in folders], _DEDUPE_COLUMNS).to_pylist()
    index = DuplicateIndex(settings.near_duplicate_threshold)
    for known in _stored_articles(plan.out, plan.batch, plan.settings.get("storage_options")):
        index.add(known)
    kept: list[int] = []
    duplicates = []
    now = _now()
    for position, row in enumerate(articles):
        sig = row["text_signature"] or b""
        match = index.match(row["article_id"], sig)
        if match is None:
            index.add(Known(row["article_id"], row["source_id"], sig))
            kept.append(position)
            continue
        duplicates.append(
            {
                "duplicate_id": stable_id("duplicate", row["input_path"], row["record_index"], row["article_id"]),
                "article_id": row["article_id"],
                "source_id": row["source_id"],
                "input_path": row["input_path"],
                "record_index": row["record_index"],
                "kind": match.kind,
                "similarity": round(match.similarity, 4),
                "kept_article_id": match.kept.article_id,
                "kept_source_id": match.kept.source_id,
                "kept_batch": match.kept.batch,
                "detected_at": now,
                "run_id": plan.run_id,
            }
        )
    kept_ids = {articles[i]["article_id"] for i in kept}
    del articles, index
    storage.write_parquet_atomic(storage.to_table("duplicates", duplicates), merged / "duplicates.parquet")
    del duplicates
    # The full rows (with the text) only now that the duplicate index is gone, taken by position.
    table = _concat("articles", [f / "articles.parquet" for f in folders])
    storage.write_parquet_atomic(table.take(pa.array(kept, pa.int64())), merged / "articles.parquet")
    del table, kept
    _merge_quarantine(folders, kept_ids, merged / "quarantine.parquet")
    # Derived rows of a duplicate belong to the kept copy (or repeat it exactly): keep each once.
    kept_array = pa.array(sorted(kept_ids), pa.string())
    for name in ANALYSIS_TABLES:
        table = _concat(name, [f / f"{name}.parquet" for f in folders])
        table = table.filter(pc.is_in(table.column("article_id"), value_set=kept_array))
        storage.write_parquet_atomic(_unique(table, name), merged / f"{name}.parquet")
        del table
    return merged


def _merge_quarantine(folders: list[Path], kept_ids: set[str], path: Path) -> None:
    """Ingest's quarantine, then the extract stage's notes on kept articles (no events: extractor
    error, language): derived rows of a duplicate belong to the kept copy, so each is kept once."""
    quarantine = _concat("quarantine", [f / "quarantine.parquet" for f in folders]).to_pylist()
    noted: set[str] = set()
    for note in _concat("quarantine", [f / "extract_quarantine.parquet" for f in folders]).to_pylist():
        if note["article_id"] in kept_ids and note["quarantine_id"] not in noted:
            noted.add(note["quarantine_id"])
            quarantine.append(note)
    storage.write_parquet_atomic(storage.to_table("quarantine", quarantine), path)


def _unique(table: pa.Table, name: str) -> pa.Table:
    from pipeline.schemas import ROW_KEYS

    key = ROW_KEYS[name]
    seen: set[str] = set()
    keep = []
    for i, value in enumerate(table.column(key).to_pylist()):
        if value not in seen:
            seen.add(value)
            keep.append(i)
    return table.take(keep) if len(keep) != table.num_rows else table


def validate_run(run_dir: str | Path, settings: Settings) -> dict:
    """Merge the chunks, run the Great Expectations suites, move failing rows to quarantine and
    stage the tables to publish. Raises ValidationFailed for batch-level failures."""
    from pipeline.errors import ValidationFailed
    from pipeline.validate import validate_staged

    plan = load_plan(run_dir)
    merged = merge_chunks(plan, settings)
    records_seen = sum(_chunk_inputs(plan, "records"))
    report_dir = Path(plan.out) / "_validation" / plan.run_id
    if wfs.is_remote(plan.out):  # kept in the local staging folder; publish_run uploads it
        report_dir = Path(plan.run_dir) / "_validation" / plan.run_id
    staged = Path(plan.run_dir) / "validated"
    # Tables are staged as they pass, so a previous attempt's files (and its validation.json, which
    # publish_run reads as "validated") must not survive into this one.
    shutil.rmtree(staged, ignore_errors=True)

    def store(name: str, table: pa.Table) -> None:
        storage.write_parquet_atomic(table, staged / f"{name}.parquet")

    try:
        outcome = validate_staged(
            lambda name: storage.read_parquet(name, merged / f"{name}.parquet"), store,
            settings=settings, run_id=plan.run_id, report_dir=report_dir, records_seen=records_seen,
        )
    except ValidationFailed:
        shutil.rmtree(staged, ignore_errors=True)  # a failed batch leaves nothing that looks publishable
        raise
    shutil.rmtree(merged, ignore_errors=True)
    storage.crash_point("validate")
    (staged / "validation.json").write_text(json.dumps(outcome, indent=1, default=str), encoding="utf-8")
    return outcome


def _chunk_inputs(plan: RunPlan, key: str) -> list:
    values = []
    for n in range(plan.chunk_count):
        path = _chunk_dir(plan, n) / "inputs.json"
        if path.exists():
            values += [entry[key] for entry in json.loads(path.read_text(encoding="utf-8"))]
    return values


def _staged_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


def _staged_values(path: Path, column: str) -> list:
    """The distinct values of one column of a staged table, read alone (not the whole table)."""
    import pyarrow.parquet as pq

    if not path.exists():
        return []
    return pc.unique(pq.read_table(path, columns=[column]).column(column)).to_pylist()


def _runs_row(plan: RunPlan, staged: Path, outcome: dict) -> dict:
    """The run's summary row, from the staged tables' metadata and the few columns it needs."""
    inputs = []
    for n in range(plan.chunk_count):
        path = _chunk_dir(plan, n) / "inputs.json"
        if path.exists():
            inputs += json.loads(path.read_text(encoding="utf-8"))
    rows = {name: _staged_rows(staged / f"{name}.parquet") for name in TABLES if name != "runs"}
    gazetteers = {v for v in _staged_values(staged / "place_mentions.parquet", "gazetteer_version") if v}
    if not gazetteers:
        gazetteers = {v for v in _staged_values(staged / "events.parquet", "gazetteer_version") if v}
    quarantine = storage.read_parquet("quarantine", staged / "quarantine.parquet")
    records_quarantined = sum(bool(v) for v in quarantine.column("is_input_record").to_pylist())
    return {
        "run_id": plan.run_id,
        "batch": plan.batch,
        "started_at": datetime.fromisoformat(plan.started_at),
        "finished_at": _now(),
        "inputs_json": json.dumps(inputs),
        "input_files": len(inputs),
        "records_seen": sum(i["records"] for i in inputs),
        "articles": rows["articles"],
        "duplicates": rows["duplicates"],
        "quarantined": rows["quarantine"],
        "records_quarantined": records_quarantined,
        "events": rows["events"],
        "casualties": rows["casualties"],
        "place_mentions": rows["place_mentions"],
        "date_mentions": rows["date_mentions"],
        "validation_success": outcome.get("success"),
        "validation_path": outcome.get("report_dir"),
        "extractor_version": extractor_version(),
        "gazetteer_version": ",".join(sorted(gazetteers)) or None,
        "settings_json": json.dumps({**plan.settings, "storage_options": wfs.redact_options(
            plan.settings.get("storage_options") or {})}, sort_keys=True),
    }


def publish_run(run_dir: str | Path, *, keep_staging: bool = False) -> dict:
    """Replace the run's partition of every table with the validated tables, under the partition lock."""
    plan = load_plan(run_dir)
    staged = Path(plan.run_dir) / "validated"
    outcome = json.loads((staged / "validation.json").read_text(encoding="utf-8"))
    out = plan.out if wfs.is_remote(plan.out) else Path(plan.out)
    options = plan.settings.get("storage_options") or {}
    if wfs.is_remote(out) and outcome.get("report_dir"):  # validation results go beside the tables
        outcome["report_dir"] = storage.upload_folder(out, outcome["report_dir"], "_validation", plan.run_id,
                                                      storage_options=options)
    run_row = _runs_row(plan, staged, outcome)
    # Read one at a time as the publish writes them: together they were the run's peak memory.
    tables = storage.LazyTables(
        {**{name: staged / f"{name}.parquet" for name in TABLES if name != "runs"},
         "runs": storage.to_table("runs", [run_row])}
    )
    with storage.partition_lock(out, plan.batch, plan.run_id, storage_options=options):
        storage.publish_partitions(out, plan.batch, tables, plan.run_id, storage_options=options)
    if not keep_staging:
        shutil.rmtree(plan.run_dir, ignore_errors=True)
    return {**run_row, "out": str(out), PARTITION_COLUMN: plan.batch}
