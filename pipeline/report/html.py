"""The run report as one self-contained HTML page: inline CSS and SVG, no URL to fetch."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from pipeline.report import data as rd
from pipeline.report.basemap import ATTRIBUTION
from pipeline.report.svg import TYPE_COLOURS, colour_of, map_svg, timeline, timeline_svg, type_bars_svg

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 24px auto;
       max-width: 1000px; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em;
       border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 100px; }
.card b { display: block; font-size: 1.5em; }
.card.bad { border-color: #d62728; background: #fdecea; } .card.good { border-color: #2ca02c; background: #eef8ec; }
table { border-collapse: collapse; margin: 6px 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #eee; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
.legend span { display: inline-block; margin-right: 14px; white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px;
       vertical-align: middle; border: 1.5px solid; }
svg text { font-size: 11px; fill: #333; }
svg.map, svg.chart { max-width: 100%; height: auto; }
svg.map .country { fill: #f4f1e8; stroke: #8c8c8c; stroke-width: 0.7; }
svg.map .graticule line { stroke: #ffffff; stroke-width: 0.6; }
svg.map .graticule text { fill: #5b7a91; font-size: 10px; }
svg.map .event { stroke-width: 1.6; }
svg.map .label { font-size: 12px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.empty, .note { color: #666; font-size: 0.9em; }
summary { cursor: pointer; color: #444; }
code { background: #f4f4f4; padding: 0 3px; }
"""


def _cell(value, numeric: bool = False) -> str:
    text = "" if value is None else str(value)
    return f'<td class="n">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def _table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(), empty: str = "None.") -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(_cell(v, i in numeric) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _card(label: str, value, css: str = "") -> str:
    return f'<div class="card {css}"><b>{escape(str(value))}</b>{escape(label)}</div>'


def _legend(kinds: list[str]) -> str:
    items = [f'<span><i class="dot" style="background:{colour_of(k)};border-color:{colour_of(k)}"></i>{escape(k)}</span>'
             for k in [*TYPE_COLOURS, *sorted(set(kinds) - set(TYPE_COLOURS))] if k in kinds]
    items.append('<span><i class="dot" style="background:#fff;border-color:#555"></i>hollow: denied or hypothetical</span>')
    return f'<p class="legend">{"".join(items)}</p>'


def _validation(data: rd.ReportData) -> str:
    run = data.run
    success = run.get("validation_success")
    verdict = "passed" if success else "not recorded" if success is None else "FAILED"
    parts = [f"<p>Great Expectations validation <b>{verdict}</b>; results in "
             f"<code>{escape(str(run.get('validation_path') or '(none)'))}</code>.</p>"]
    summary = data.validation_summary
    if summary is None:
        parts.append('<p class="note">No summary.json for this run.</p>')
        return "".join(parts)
    if "unreadable" in summary:
        parts.append(f'<p class="note">{escape(data.validation_summary_path or "")}: {escape(summary["unreadable"])}</p>')
        return "".join(parts)
    rows = [
        [name, t.get("rows"), t.get("expectations"), t.get("failed_rows"),
         ", ".join(str(x) for x in t.get("failed_expectations") or []) or "none"]
        for name, t in (summary.get("tables") or {}).items()
    ]
    parts.append(_table(["table", "rows", "expectations", "failed rows", "failed expectations"], rows, {1, 2, 3}))
    problems = summary.get("problems") or []
    parts.append("<p>Problems: " + (escape("; ".join(str(p) for p in problems)) if problems else "none") +
                 f'. Quarantined rows: {escape(str(summary.get("quarantined_rows", 0)))}.</p>')
    parts.append(f'<p class="note">From <code>{escape(data.validation_summary_path or "")}</code>.</p>')
    return "".join(parts)


def _duration(run: dict) -> str:
    start, end = run.get("started_at"), run.get("finished_at")
    if not (start and end):
        return "?"
    return f"{(end - start).total_seconds():.0f} s"


def render_report(data: rd.ReportData, generated_at: datetime | None = None) -> str:
    """The whole page for one run."""
    run = data.run
    generated_at = generated_at or datetime.now(timezone.utc)
    by_type = data.by_type
    totals = data.totals
    granularity, periods = timeline(data.by_day)
    duplicates = sum(data.duplicates.values()) or run.get("duplicates") or 0
    validation_ok = run.get("validation_success")
    cards = "".join([
        _card("articles", run.get("articles")),
        _card("events", data.event_count),
        _card("events counted", data.counted_count),
        _card("killed (low)", totals["killed"]),
        _card("injured (low)", totals["injured"]),
        _card("duplicates", duplicates),
        _card("quarantined", data.quarantine_count),
        _card("validation", "passed" if validation_ok else "FAILED" if validation_ok is False else "?",
              "good" if validation_ok else "bad"),
    ])
    meta = _table(["", ""], [
        ["run", run.get("run_id")], ["batch", run.get("batch")],
        ["started", run.get("started_at")], ["finished", run.get("finished_at")], ["duration", _duration(run)],
        ["inputs", f"{run.get('input_files')} files, {run.get('records_seen')} records"],
        ["extractor", run.get("extractor_version")], ["gazetteer", run.get("gazetteer_version")],
    ])
    type_rows = [[k, n, c, n - c] for k, n, c in by_type]
    period_rows = [[str(start), sum(c.values()), ", ".join(f"{k} {v}" for k, v in c.most_common())]
                   for start, c in periods if c]
    places = [[p["name"], p["admin1"], p["country_code"], p["events"], p["killed"]] for p in data.top_places]
    mentions = [[name, n] for name, n in data.place_mentions]
    groups = [list(r) for r in data.casualty_groups]
    quarantine = [list(r) for r in data.quarantine]
    dup_kinds = data.duplicates
    listed = [[e["event_date"], e["event_type"], e["modality"], e["location_name"], e["country_code"],
               e["fatalities"], e["actor1"], e["event_id"]] for e in data.listed]
    undated = data.undated_count
    grouping = (" Past " + str(rd.MAP_EVENT_LIMIT) + " located events, events of one type at one place share "
                "a dot sized by their count." if data.grouped_dots else "")
    title = f"Conflict events: run {run.get('run_id')}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">Batch <b>{escape(str(run.get('batch')))}</b>, generated {generated_at:%Y-%m-%d %H:%M} UTC.
"Counted" events are asserted or claimed; denied and hypothetical ones are listed but not counted,
as in the <code>events_analyst</code> view.</p>
<div class="cards" id="summary">{cards}</div>
{meta}

<h2 id="map">Map of events</h2>
<p class="note">{data.located_count} of {data.event_count} events have coordinates. Dots at the same place are fanned out
around it; hover a dot for its details.{grouping}</p>
{map_svg(data.dots, data.event_count)}
{_legend([kind for kind, _, _ in by_type])}
<p class="note">Country outlines: {escape(ATTRIBUTION)}.</p>

<h2 id="types">Events by type</h2>
{type_bars_svg(by_type)}
{_table(["event type", "events", "counted", "denied or hypothetical"], type_rows, {1, 2, 3}, "No events.")}

<h2 id="days">Events by {granularity}</h2>
<p class="note">By <code>event_date</code>{f"; {undated} undated events are not shown" if undated else ""}.</p>
{timeline_svg(granularity, periods)}
{_table([granularity, "events", "by type"], period_rows, {1}, "No dated events.")}

<h2 id="casualties">Casualties</h2>
<p>Over counted events: <b>{totals['killed']}</b> killed (up to {totals['killed_high']}),
<b>{totals['injured']}</b> injured (up to {totals['injured_high']}), in {totals['events_with_toll']} events with a toll.</p>
{_table(["kind", "victim group", "counts in the text", "sum of low ends"], groups, {2, 3},
        "No casualty counts in the text.")}
<p class="note">Counts in the text leave out shares ("half of the dead") and running totals.</p>

<h2 id="places">Top places</h2>
{_table(["event location", "admin1", "country", "events", "killed"], places, {3, 4}, "No located events.")}
{_table(["place mentioned", "mentions"], mentions, {1}, "No resolved place mentions.")}

<h2 id="events">Events</h2>
<details><summary>{len(listed)} of {data.event_count} events, by date</summary>
{_table(["date", "type", "modality", "place", "country", "killed", "actor", "event_id"], listed, {5}, "No events.")}
</details>

<h2 id="validation">Validation</h2>
{_validation(data)}

<h2 id="quarantine">Quarantine and duplicates</h2>
{_table(["stage", "reason", "rows", "example"], quarantine, {2}, "Nothing quarantined.")}
<p>Duplicates kept out: {duplicates}{" (" + ", ".join(f"{k} {v}" for k, v in sorted(dup_kinds.items())) + ")" if dup_kinds else ""}.</p>
</body></html>
"""
