"""Read one input file into Article records; anything unusable becomes a Rejected entry with a reason."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipeline.errors import RecordRejected
from pipeline.ingest.discover import InputFile
from pipeline.ingest.language import detect_language
from pipeline.ingest.textfile import find_dateline, parse_plain_article, parse_timestamp
from pipeline.models import Article
from pipeline.settings import Settings
from pipeline.text_ids import article_id_for


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input (or one record of it) that could not become an article."""

    input_path: str
    record_index: int | None
    reason: str
    detail: str
    source_id: str | None = None


@dataclass(slots=True)
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    input_sha256: str | None = None
    input_bytes: int = 0
    records_seen: int = 0


def display_path(path: str) -> str:
    """``path`` as valid UTF-8 for the tables: bytes that are not UTF-8 in a file name (kept by Python
    as lone surrogates, which Parquet cannot store) are shown as ``\\xNN`` escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _read_bytes(item: InputFile, limit: int) -> bytes:
    """The file's bytes (decompressed), never more than ``limit``: a gzip bomb stops at the limit."""
    try:
        if not item.compressed and (size := os.stat(item.path).st_size) > limit:
            # Said from the size alone: an oversized file is never read into memory.
            raise RecordRejected("too_large", f"{size} bytes on disk, more than max_input_bytes={limit}")
        if item.compressed:
            with gzip.open(item.path, "rb") as fh:
                data = fh.read(limit + 1)
        else:
            with open(item.path, "rb") as fh:
                data = fh.read(limit + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise RecordRejected("corrupt_gzip", str(err)) from err
    except OSError as err:
        raise RecordRejected("unreadable_file", str(err)) from err
    if len(data) > limit:
        raise RecordRejected("too_large", f"more than max_input_bytes={limit} bytes after decompression")
    return data


def _decode(data: bytes) -> str:
    if not data.strip():
        raise RecordRejected("empty_file")
    head = data[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or controls > len(head) * 0.05:
        raise RecordRejected("binary_content", f"{controls} control bytes in the first {len(head)}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RecordRejected("invalid_utf8", f"byte {err.start}: {err.reason}") from err
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _finish(
    item: InputFile,
    digest: str,
    record_index: int | None,
    *,
    text: str,
    source_id: str,
    settings: Settings,
    now: datetime,
    **fields: Any,
) -> Article:
    if len(text.strip()) < settings.min_text_chars:
        raise RecordRejected("text_too_short", f"{len(text.strip())} characters")
    published = fields.get("published_at")
    if published is not None and published > now.replace(microsecond=0) + _ONE_DAY:
        raise RecordRejected("future_published_at", published.isoformat())
    return Article(
        article_id=article_id_for(text),
        source_id=source_id,
        text=text,
        language=detect_language(text),
        input_path=display_path(item.path),
        input_sha256=digest,
        record_index=record_index,
        **fields,
    )


_ONE_DAY = timedelta(days=1)


def _from_record(
    item: InputFile, digest: str, index: int, record: Any, settings: Settings, now: datetime
) -> Article:
    if not isinstance(record, dict):
        raise RecordRejected("not_an_object", type(record).__name__)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RecordRejected("missing_text")
    raw_id = record.get("doc_id", record.get("id"))
    source_id = str(raw_id) if raw_id not in (None, "") else f"{Path(display_path(item.path)).name}#{index}"
    published, status = None, "missing"
    if record.get("published_at"):
        published = parse_timestamp(str(record["published_at"]))
        status = "record" if published else "unparsable"
    title = record.get("title") if isinstance(record.get("title"), str) else None
    dateline = find_dateline(text)
    return _finish(
        item,
        digest,
        index,
        text=text.replace("\r\n", "\n"),
        source_id=source_id,
        settings=settings,
        now=now,
        title=title,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        source=record.get("source") if isinstance(record.get("source"), str) else None,
        published_at=published,
        published_at_source=status,
        dateline=dateline[0] if dateline else None,
        dateline_start=dateline[1][0] if dateline else None,
        dateline_end=dateline[1][1] if dateline else None,
    )


def _records(item: InputFile, text: str) -> list[tuple[int, Any] | tuple[int, RecordRejected]]:
    """(index, record) pairs; a line that does not parse becomes (index, RecordRejected)."""
    if item.format == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise RecordRejected("invalid_json", f"line {err.lineno}: {err.msg}") from err
        except RecursionError as err:  # "[[[[..." thousands deep: Python's parser gives up
            raise RecordRejected("invalid_json", "nested too deeply") from err
        return list(enumerate(data if isinstance(data, list) else [data]))
    out: list[tuple[int, Any]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append((lineno, json.loads(line)))
        except json.JSONDecodeError as err:
            out.append((lineno, RecordRejected("invalid_json", f"line {lineno}: {err.msg}")))
        except RecursionError:
            out.append((lineno, RecordRejected("invalid_json", f"line {lineno}: nested too deeply")))
    return out


def _from_html(item: InputFile, digest: str, html: str, settings: Settings, now: datetime) -> Article:
    from pipeline.ingest.html import extract_html

    page = extract_html(html)
    dateline = find_dateline(page.text)
    return _finish(
        item,
        digest,
        0,
        text=page.text,
        source_id=Path(display_path(item.path)).name,
        settings=settings,
        now=now,
        title=page.title,
        url=page.url,
        source=page.sitename,
        published_at=page.published_at,
        published_at_source="html_meta" if page.published_at else "missing",
        dateline=dateline[0] if dateline else None,
        dateline_start=dateline[1][0] if dateline else None,
        dateline_end=dateline[1][1] if dateline else None,
    )


def _from_text(item: InputFile, digest: str, text: str, settings: Settings, now: datetime) -> Article:
    parsed = parse_plain_article(text)
    return _finish(
        item,
        digest,
        0,
        text=text,
        source_id=Path(display_path(item.path)).name,
        settings=settings,
        now=now,
        title=parsed.title,
        published_at=parsed.published_at,
        published_at_source=parsed.published_status,
        dateline=parsed.dateline,
        dateline_start=parsed.dateline_span[0] if parsed.dateline_span else None,
        dateline_end=parsed.dateline_span[1] if parsed.dateline_span else None,
    )


def _source_id(record: Any) -> str | None:
    if isinstance(record, dict):
        raw = record.get("doc_id", record.get("id"))
        return str(raw) if raw is not None else None
    return None


def read_input(item: InputFile, settings: Settings, *, now: datetime | None = None) -> IngestResult:
    """Read ``item``; never raises for bad content — problems become ``rejected`` entries."""
    now = now or datetime.now(timezone.utc)
    result = IngestResult()
    shown = display_path(item.path)
    if item.format is None:
        # Never opened, so never parsed: a feed.xml with entity bombs is as harmless as a .docx.
        result.records_seen = 1
        result.rejected.append(Rejected(shown, None, "unsupported_format", Path(shown).suffix or "no suffix"))
        return result
    try:
        data = _read_bytes(item, settings.max_input_bytes)
        result.input_sha256 = hashlib.sha256(data).hexdigest()
        result.input_bytes = len(data)
        text = _decode(data)
        if item.format in ("json", "jsonl"):
            records = _records(item, text)
        else:
            records = [(0, text)]
    except RecordRejected as err:
        result.records_seen = 1
        result.rejected.append(Rejected(shown, None, err.reason, err.detail))
        return result
    digest = result.input_sha256 or ""
    for index, record in records:
        result.records_seen += 1
        try:
            if isinstance(record, RecordRejected):
                raise record
            if item.format in ("json", "jsonl"):
                article = _from_record(item, digest, index, record, settings, now)
            elif item.format == "html":
                article = _from_html(item, digest, record, settings, now)
            else:
                article = _from_text(item, digest, record, settings, now)
        except RecordRejected as err:
            result.rejected.append(Rejected(shown, index, err.reason, err.detail, _source_id(record)))
            continue
        except Exception as err:  # noqa: BLE001
            # A parser bug on one odd record must not sink the batch; it is recorded instead.
            detail = f"{type(err).__name__}: {err}"[:500]
            result.rejected.append(Rejected(shown, index, "reader_error", detail, _source_id(record)))
            continue
        result.articles.append(article)
    return result
