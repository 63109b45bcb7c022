"""HTML pages: main text and metadata with trafilatura (no network: we hand it the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pipeline.errors import RecordRejected
from pipeline.ingest.textfile import parse_timestamp

# Only the page's own publication metadata counts: trafilatura's date finder also guesses from dates
# in the body ("in November 2022"), which would anchor every relative date wrongly.
_TIME_ELEMENT = re.compile(r"<time[^>]+datetime=[\"']([^\"']+)[\"']", re.IGNORECASE)
_META_TIME = re.compile(
    r"<meta[^>]+(?:property|name|itemprop)=[\"'](?:article:published_time|datePublished|pubdate|date)[\"'][^>]*>",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"content=[\"']([^\"']+)[\"']", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    text: str
    title: str | None
    published_at: datetime | None
    url: str | None
    sitename: str | None


def extract_html(html: str) -> HtmlPage:
    """Main text and metadata of ``html``; RecordRejected when the page has no article text."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, date_extraction_params={"extensive_search": False, "original_date": True}, include_comments=False, include_tables=False, favor_precision=True
    )
    if doc is None or not (doc.text or "").strip():
        raise RecordRejected("no_main_text", "the page holds navigation or boilerplate only")
    published = None
    if meta := _META_TIME.search(html):
        if content := _CONTENT.search(meta.group(0)):
            published = parse_timestamp(content.group(1))
    if published is None and (element := _TIME_ELEMENT.search(html)):
        published = parse_timestamp(element.group(1))
    return HtmlPage(
        text=doc.text.strip(),
        title=doc.title,
        published_at=published,
        url=doc.url,
        sitename=doc.sitename,
    )
