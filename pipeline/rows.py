"""Turn records (Article, Analysis, Rejected) into rows of the contract tables."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from pipeline.dedupe import signature
from pipeline.ingest import Rejected
from pipeline.models import Article
from pipeline.process import Analysis
from pipeline.text_ids import stable_id


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(timezone.utc) if value else None


def article_row(article: Article, *, run_id: str, ingested_at: datetime) -> dict:
    offset = article.published_at.utcoffset() if article.published_at else None
    return {
        "article_id": article.article_id,
        "source_id": article.source_id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "published_at": _utc(article.published_at),
        "published_at_source": article.published_at_source,
        "published_utc_offset_minutes": int(offset.total_seconds() // 60) if offset is not None else None,
        "dateline": article.dateline,
        "text": article.text,
        "language": article.language,
        "input_path": article.input_path,
        "input_sha256": article.input_sha256,
        "record_index": article.record_index,
        "ingested_at": ingested_at,
        "run_id": run_id,
        "text_signature": signature(article.text),
    }


def article_from_row(row: dict) -> Article:
    """Rebuild the Article an ingest row came from (the publication time in its own UTC offset)."""
    from datetime import timedelta

    published = row["published_at"]
    if published is not None and row.get("published_utc_offset_minutes") is not None:
        published = published.astimezone(timezone(timedelta(minutes=row["published_utc_offset_minutes"])))
    text = row["text"]
    dateline = row.get("dateline")
    start = text.find(dateline) if dateline else -1
    return Article(
        article_id=row["article_id"],
        source_id=row["source_id"],
        text=text,
        title=row.get("title"),
        source=row.get("source"),
        url=row.get("url"),
        published_at=published,
        published_at_source=row["published_at_source"],
        dateline=dateline,
        dateline_start=start if start >= 0 else None,
        dateline_end=start + len(dateline) if start >= 0 and dateline else None,
        language=row.get("language"),
        input_path=row.get("input_path"),
        input_sha256=row.get("input_sha256"),
        record_index=row.get("record_index"),
    )


def rejected_row(item: Rejected, *, stage: str, run_id: str, now: datetime) -> dict:
    return {
        "quarantine_id": stable_id(stage, item.input_path, item.record_index, item.reason),
        "stage": stage,
        "reason": item.reason,
        "detail": item.detail or None,
        "input_path": item.input_path,
        "record_index": item.record_index,
        "source_id": item.source_id,
        "article_id": None,
        "table_name": None,
        "row_id": None,
        "row_json": None,
        "is_input_record": True,
        "quarantined_at": now,
        "run_id": run_id,
    }


def analysis_rows(article: Article, analysis: Analysis, provenance: dict) -> dict[str, list[dict]]:
    """Rows for events, casualties, place_mentions and date_mentions of one article."""
    base = {"article_id": article.article_id, "source_id": article.source_id}
    event_ids = [
        stable_id(article.article_id, e.event_type, e.start, e.end) for e in analysis.extraction.events
    ]
    events = []
    for event, event_id in zip(analysis.extraction.events, event_ids, strict=True):
        loc = event.location
        events.append(
            {
                "event_id": event_id,
                **base,
                "event_type": event.event_type,
                "sub_event_type": event.sub_event_type,
                "stance": event.stance,
                "event_date": event.event_date,
                "event_date_end": event.event_date_end,
                "date_precision": event.date_precision,
                "date_text": event.date_text,
                "date_source": event.date_source,
                "actor1": event.actor1,
                "actor2": event.actor2,
                "location_name": loc.name if loc else None,
                "location_text": loc.text if loc else None,
                "admin1": loc.admin1 if loc else None,
                "country_code": loc.country_code if loc else None,
                "latitude": loc.latitude if loc else None,
                "longitude": loc.longitude if loc else None,
                "geonames_id": loc.geonames_id if loc else None,
                "geo_precision": loc.geo_precision if loc else None,
                "fatalities": event.fatalities,
                "fatalities_high": event.fatalities_high,
                "injured": event.injured,
                "injured_high": event.injured_high,
                "modality": event.modality,
                "claimed_by": event.claimed_by,
                "evidence": event.evidence,
                "char_start": event.start,
                "char_end": event.end,
                "confidence": float(event.confidence),
                "rule": event.rule,
                **provenance,
            }
        )
    casualties = [
        {
            "casualty_id": stable_id(article.article_id, "casualty", c.kind, c.start, c.end),
            **base,
            "event_id": event_ids[c.event_index] if c.event_index is not None else None,
            "kind": c.kind,
            "count_low": c.count_low,
            "count_high": c.count_high,
            "qualifier": c.qualifier,
            "victim_group": c.victim_group,
            "vague_term": c.vague_term,
            "is_fraction": c.is_fraction,
            "is_running_total": c.is_running_total,
            "date": c.date,
            "text": c.text,
            "char_start": c.start,
            "char_end": c.end,
            "rule": c.rule,
            **provenance,
        }
        for c in analysis.extraction.casualties
    ]
    places = [
        {
            "mention_id": stable_id(article.article_id, "place", p.start, p.end),
            **base,
            "char_start": p.start,
            "char_end": p.end,
            "text": p.text,
            "name": p.name,
            "geonames_id": p.geonames_id,
            "feature": p.feature,
            "country_code": p.country_code,
            "admin1": p.admin1,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "geo_precision": p.geo_precision,
            "qualifier": p.qualifier,
            "rule": p.rule,
            **provenance,
        }
        for p in analysis.places
    ]
    dates = [
        {
            "mention_id": stable_id(article.article_id, "date", d.start, d.end),
            **base,
            "char_start": d.start,
            "char_end": d.end,
            "text": d.text,
            "value": d.value,
            "value_end": d.value_end,
            "precision": d.precision,
            "kind": d.kind,
            "anchor": d.anchor,
            "rule": d.rule,
            **provenance,
        }
        for d in analysis.dates
    ]
    return {"events": events, "casualties": casualties, "place_mentions": places, "date_mentions": dates}


def row_json(row: dict) -> str:
    return json.dumps(row, default=str, ensure_ascii=False)
