"""``conflict-events query``: SQL over the published warehouse with DuckDB.

Every table of ``pipeline.schemas.TABLES`` becomes a view over its hive partitions, so a filter on
``batch`` reads only that partition's files. A table that has no files yet is still a view, empty
and typed from the contract, so a query written today keeps working on a fresh warehouse.
``events_analyst`` is the view analysts should start from (see ``ANALYST_VIEW_COMMENT``).

duckdb is imported inside the functions: the CLI imports this module on every start.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

DEFAULT_WAREHOUSE = Path("data/warehouse")
PARTITION_COLUMN = "batch"  # pipeline.schemas.PARTITION_COLUMN, named here so importing this stays light
FORMATS = ("table", "csv", "json", "parquet")
ANALYST_VIEW = "events_analyst"
ANALYST_VIEW_COMMENT = (
    "Events an analyst should count: denied and hypothetical events are left out (modality is "
    "asserted or claimed), and so are events whose article is not in articles (a duplicate article "
    "kept out of the run: quarantine reason duplicate_article or a duplicates row). An event id "
    "published by more than one batch is kept once, from its latest run. For everything, use events."
)
# Left out of the analyst view: the text says it did not happen, or that it might.
EXCLUDED_MODALITIES = ("denied", "hypothetical")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def partition_glob(out: Path | str, table: str) -> str:
    """Files of every published partition; ``batch=*`` skips the dot-folders of a publish in progress."""
    from pipeline import fs as wfs

    return wfs.join(out, table, f"{PARTITION_COLUMN}=*", "*.parquet")


def has_partitions(out: Path | str, table: str, storage_options: dict | None = None) -> bool:
    from pipeline import fs as wfs

    if wfs.is_remote(out):
        from pipeline.remote import Warehouse, partition_files, storage_errors

        with storage_errors(str(out)):
            return bool(partition_files(Warehouse(str(out), storage_options=storage_options), table))
    return any((wfs.local_path(out) / table).glob(f"{PARTITION_COLUMN}=*/*.parquet"))


def _attach_remote(con: duckdb.DuckDBPyConnection, out: str, storage_options: dict | None) -> None:
    """Let DuckDB read the warehouse's URLs through its fsspec filesystem (no DuckDB extension: none
    may be downloaded at run time, so autoloading one, e.g. httpfs for s3://, is switched off)."""
    from pipeline.remote import Warehouse, storage_errors

    wh = Warehouse(out, storage_options=storage_options)
    with storage_errors(out):
        found = wh.exists(wh.root)
    if not found:
        raise PipelineError(f"no warehouse at {wh.url}: run `conflict-events run --out {wh.url} ...` first")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.register_filesystem(wh.fs)


def _typed_empty_sql(con: duckdb.DuckDBPyConnection, empty: pa.Table) -> str:
    """A zero-row SELECT with the contract's columns and DuckDB types, plus ``batch``."""
    relation = con.from_arrow(empty)
    columns = [
        f"CAST(NULL AS {kind}) AS \"{name}\"" for name, kind in zip(relation.columns, relation.types)
    ]
    if PARTITION_COLUMN not in relation.columns:  # runs names its batch itself
        columns.append(f"CAST(NULL AS VARCHAR) AS {PARTITION_COLUMN}")
    return f"(SELECT {', '.join(columns)} WHERE false)"


def _table_view_sql(out: Path, table: str, typed_empty: str) -> str:
    # union_by_name: partitions written before a column was added still read, with nulls in it.
    # The typed empty relation is unioned in by name so every contract column exists even then.
    # batch is read as text: a batch named like a date must not turn the column into DATE.
    scan = (
        f"read_parquet({_sql_literal(partition_glob(out, table))}, hive_partitioning = true, "
        f"union_by_name = true, hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"
    )
    return f"SELECT * FROM {scan} UNION ALL BY NAME SELECT * FROM {typed_empty}"


def _analyst_view_sql() -> str:
    excluded = ", ".join(_sql_literal(m) for m in EXCLUDED_MODALITIES)
    # Duplicate articles never reach articles (their events, if any, point at an article id that
    # is not there), so requiring the article in the same batch leaves them out. A semi-join, not a
    # join: it cannot multiply events when an article appears in two batches.
    return f"""
        SELECT e.*
        FROM events AS e
        LEFT JOIN runs AS r ON r.run_id = e.run_id
        WHERE e.modality NOT IN ({excluded})
          AND EXISTS (
              SELECT 1 FROM articles AS a
              WHERE a.article_id = e.article_id AND a.{PARTITION_COLUMN} = e.{PARTITION_COLUMN}
          )
        QUALIFY row_number() OVER (
            PARTITION BY e.event_id ORDER BY r.finished_at DESC NULLS LAST, e.run_id DESC
        ) = 1
    """


def connect(out: Path | str, *, storage_options: dict | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per warehouse table plus ``events_analyst``; ``out`` is a
    folder or an fsspec URL (``s3://bucket/prefix``), read through fsspec with ``storage_options``."""
    import duckdb

    from pipeline import fs as wfs
    from pipeline.schemas import TABLES

    remote = wfs.is_remote(out)
    out = wfs.url(out) if remote else wfs.local_path(out)
    if not remote and not out.is_dir():
        raise PipelineError(
            f"no warehouse at {out}: run `make demo` or `conflict-events run --out {out} ...` first"
        )
    con = duckdb.connect(":memory:")
    if remote:
        _attach_remote(con, out, storage_options)
    for table, schema in TABLES.items():
        typed_empty = _typed_empty_sql(con, schema.empty_table())
        if has_partitions(out, table, storage_options):
            body = _table_view_sql(out, table, typed_empty)
        else:
            body = typed_empty
        con.execute(f"CREATE VIEW {table} AS {body}")
        con.execute(
            f"COMMENT ON VIEW {table} IS "
            + _sql_literal(f"The {table} table, all batches (filter on batch to read one partition)")
        )
    con.execute(f"CREATE VIEW {ANALYST_VIEW} AS {_analyst_view_sql()}")
    con.execute(f"COMMENT ON VIEW {ANALYST_VIEW} IS {_sql_literal(ANALYST_VIEW_COMMENT)}")
    return con


def run_query(out: Path | str, sql: str, *, storage_options: dict | None = None) -> pa.Table | None:
    """The result of ``sql`` over the warehouse as Arrow; None for a statement that returns no rows."""
    import duckdb

    con = connect(out, storage_options=storage_options)
    try:
        relation = con.sql(sql)
        return None if relation is None else relation.to_arrow_table()
    except duckdb.Error as err:
        raise PipelineError(f"query failed: {str(err).splitlines()[0]}") from err
    finally:
        con.close()


def _json_value(value: Any) -> Any:
    """JSON for what json cannot write: DuckDB's sums are decimals, blobs are bytes, dates are dates."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def format_table(result: pa.Table, max_rows: int = 200) -> str:
    """DuckDB's own box rendering, which reads well in a terminal (at most ``max_rows`` rows)."""
    import io
    from contextlib import redirect_stdout

    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.register("result", result)
        relation = con.sql("SELECT * FROM result")
        if max_rows <= 0:
            return str(relation).rstrip("\n")
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            relation.show(max_rows=max_rows, max_width=_terminal_width())
        return buffer.getvalue().rstrip("\n")
    finally:
        con.close()


def _terminal_width() -> int:
    import shutil

    return max(80, shutil.get_terminal_size((160, 24)).columns)


def write_result(result: pa.Table, fmt: str, output: Path | None, max_rows: int = 200) -> None:
    """Print or save a result: a readable table, CSV, a JSON array of objects, or Parquet (file only)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        if output is None:
            raise PipelineError("--format parquet needs --output FILE")
        output.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(result, output, compression="zstd")
        return
    if fmt == "csv":
        sink = output.open("wb") if output else sys.stdout.buffer
        try:
            pacsv.write_csv(result, sink)
        finally:
            if output:
                sink.close()
            else:
                sys.stdout.buffer.flush()
        return
    if fmt == "json":
        text = json.dumps(result.to_pylist(), default=_json_value, ensure_ascii=False, indent=1)
    else:
        text = format_table(result, max_rows)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def _format_for(args: argparse.Namespace) -> str:
    """--format wins; otherwise --output's suffix (.csv/.json/.parquet) decides; else a table."""
    if args.format:
        return args.format
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix in ("csv", "json", "parquet"):
            return suffix
    return "table"


def cmd_query(args: argparse.Namespace) -> int:
    if args.file:
        sql = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    elif args.sql:
        sql = args.sql
    else:
        raise PipelineError("give the SQL as an argument or with --file FILE (- for stdin)")
    from pipeline.settings import load_settings

    result = run_query(args.out, sql, storage_options=load_settings().storage_options)
    if result is None:
        return 0
    write_result(result, _format_for(args), Path(args.output) if args.output else None, args.max_rows)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``query`` to the ``conflict-events`` command."""
    q = subparsers.add_parser(
        "query",
        help="run SQL (DuckDB) over the warehouse",
        description="Run DuckDB SQL over the warehouse. Every table is a view of the same name over all "
        f"its batches (filter on batch to read one partition). {ANALYST_VIEW}: {ANALYST_VIEW_COMMENT}",
    )
    q.add_argument("sql", nargs="?", help="the SQL (or use --file)")
    q.add_argument("--file", metavar="FILE", help="read the SQL from FILE (- for stdin)")
    q.add_argument("--out", default=str(DEFAULT_WAREHOUSE), metavar="DIR",
                   help=f"warehouse folder or URL such as s3://bucket/prefix (default {DEFAULT_WAREHOUSE})")
    q.add_argument("--format", choices=FORMATS,
                   help="table (default), csv, json, or parquet (needs --output); default from --output's suffix")
    q.add_argument("--output", metavar="FILE", help="write the result here instead of printing it")
    q.add_argument("--max-rows", type=int, default=200, metavar="N",
                   help="rows shown by the table format (default 200; 0 = DuckDB's default)")
    q.set_defaults(func=cmd_query)
