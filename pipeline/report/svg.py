"""Inline SVG for the report: the event map and two bar charts. Pure functions of rows to markup.

The map is an equirectangular projection with its standard parallel at the middle of the extent,
which keeps shapes honest at the scale of a country or a region, and makes the check "is this dot
where the town is" a matter of reading the graticule.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from pipeline.report.basemap import Extent, country_outlines

TYPE_COLOURS = {
    "airstrike": "#d62728",
    "shelling": "#ff7f0e",
    "armed_clash": "#1f77b4",
    "explosive_attack": "#9467bd",
    "attack_on_civilians": "#8c564b",
    "ceasefire_statement": "#2ca02c",
}
OTHER_COLOUR = "#7f7f7f"
MAP_WIDTH = 960
MAP_HEIGHTS = (420, 640)  # the extent is widened or heightened to fit between these
WORLD = Extent(-180.0, -60.0, 180.0, 80.0)
LAT_LIMIT = 85.0


def colour_of(event_type: str) -> str:
    return TYPE_COLOURS.get(event_type, OTHER_COLOUR)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Projection:
    extent: Extent
    width: int

    @property
    def cos0(self) -> float:
        return math.cos(math.radians((self.extent.south + self.extent.north) / 2))

    @property
    def scale(self) -> float:
        """Pixels per degree of latitude."""
        return self.width / ((self.extent.east - self.extent.west) * self.cos0)

    @property
    def height(self) -> int:
        return round((self.extent.north - self.extent.south) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.extent.west) * self.cos0 * self.scale, (self.extent.north - lat) * self.scale


def fit_extent(points: list[tuple[float, float]], width: int = MAP_WIDTH) -> Extent:
    """A lon/lat box around ``points`` (lon, lat) with a margin, shaped to fit the map's size."""
    if not points:
        return WORLD
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    lon_pad = max((max(lons) - min(lons)) * 0.12, 2.5)
    lat_pad = max((max(lats) - min(lats)) * 0.12, 2.0)
    west, east = max(min(lons) - lon_pad, -180.0), min(max(lons) + lon_pad, 180.0)
    south, north = max(min(lats) - lat_pad, -LAT_LIMIT), min(max(lats) + lat_pad, LAT_LIMIT)
    cos0 = math.cos(math.radians((south + north) / 2))
    widest, narrowest = width / MAP_HEIGHTS[0], width / MAP_HEIGHTS[1]
    ratio = (east - west) * cos0 / (north - south)
    if ratio < narrowest:  # too tall: widen
        grow = ((north - south) * narrowest / cos0 - (east - west)) / 2
        west, east = _spread(west, east, grow, -180.0, 180.0)
    elif ratio > widest:  # too wide: heighten
        grow = ((east - west) * cos0 / widest - (north - south)) / 2
        south, north = _spread(south, north, grow, -LAT_LIMIT, LAT_LIMIT)
    return Extent(west, south, east, north)


def _spread(low: float, high: float, grow: float, floor: float, ceiling: float) -> tuple[float, float]:
    """Widen [low, high] by ``grow`` on each side, shifting it back inside [floor, ceiling]."""
    low, high = low - grow, high + grow
    if low < floor:
        high, low = min(high + floor - low, ceiling), floor
    if high > ceiling:
        low, high = max(low - (high - ceiling), floor), ceiling
    return low, high


def _path(geometry, projection: Projection) -> str:
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = [projection.xy(x, y) for x, y in ring.coords]
            if len(coords) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in coords) + "Z")
    return "".join(parts)


def _graticule_step(span: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60):
        if span / step <= 8:
            return float(step)
    return 90.0


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{_num(abs(value))}°{positive if value >= 0 else negative}"


def _spots(dots: list[dict]) -> list[tuple[float, float, list[dict]]]:
    """Dots grouped by place (to about a kilometre), so stacked dots can be fanned out."""
    groups: dict[tuple[float, float], list[dict]] = defaultdict(list)
    for d in dots:
        groups[(round(d["lon"], 2), round(d["lat"], 2))].append(d)
    return [(lon, lat, group) for (lon, lat), group in sorted(groups.items())]


def dot_radius(n: int) -> float:
    """5 px for one event; a grouped dot grows with the log of its count, up to 14 px."""
    return 5.0 if n <= 1 else min(5.0 + 2.0 * math.log2(n), 14.0)


def map_svg(dots: list[dict], events: int, labels: int = 8) -> str:
    """The dots coloured by type over the country outlines; hollow dots are not counted.

    ``dots`` come from ``pipeline.report.data``: one per event, or one per place, type and
    counted-or-not with its count ``n`` in large runs."""
    spots = _spots(dots)
    projection = Projection(fit_extent([(lon, lat) for lon, lat, _ in spots]), MAP_WIDTH)
    extent, height = projection.extent, projection.height
    tolerance = 0.8 / projection.scale  # under a pixel
    parts = [
        f'<svg class="map" viewBox="0 0 {MAP_WIDTH} {height}" width="{MAP_WIDTH}" height="{height}" '
        f'role="img" aria-label="Map of {events} events">',
        f'<rect width="{MAP_WIDTH}" height="{height}" fill="#dcebf5"/>',
    ]
    for iso, name, geometry in country_outlines(extent, tolerance):
        parts.append(f'<path class="country" d="{_path(geometry, projection)}"><title>{escape(name)}</title></path>')
    step = _graticule_step(extent.east - extent.west)
    parts.append('<g class="graticule">')
    lon = math.ceil(extent.west / step) * step
    while lon <= extent.east:
        x, _ = projection.xy(lon, extent.north)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}"/>'
                     f'<text x="{x + 3:.1f}" y="{height - 5}">{_degrees(lon, "E", "W")}</text>')
        lon += step
    lat = math.ceil(extent.south / step) * step
    while lat <= extent.north:
        _, y = projection.xy(extent.west, lat)
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{MAP_WIDTH}" y2="{y:.1f}"/>'
                     f'<text x="3" y="{y - 3:.1f}">{_degrees(lat, "N", "S")}</text>')
        lat += step
    parts.append("</g>")
    label_spots = sorted(spots, key=lambda s: -sum(d["n"] for d in s[2]))[:labels]
    for lon, lat, group in spots:
        cx, cy = projection.xy(lon, lat)
        ring = 0.0 if len(group) == 1 else min(3.0 + 1.6 * len(group), 16.0)
        for i, d in enumerate(group):
            angle = 2 * math.pi * i / len(group)
            x, y = cx + ring * math.cos(angle), cy + ring * math.sin(angle)
            colour = colour_of(d["event_type"])
            fill = colour if d["counted"] else "#ffffff"
            parts.append(f'<circle class="event" data-type="{escape(d["event_type"])}" data-n="{d["n"]}" '
                         f'cx="{x:.1f}" cy="{y:.1f}" r="{_num(dot_radius(d["n"]))}" fill="{fill}" '
                         f'stroke="{colour}"><title>{escape(d["tip"])}</title></circle>')
    for lon, lat, group in label_spots:
        name = next((d["location_name"] for d in group if d["location_name"]), None)
        if name:
            x, y = projection.xy(lon, lat)
            parts.append(f'<text class="label" x="{x + 9:.1f}" y="{y - 8:.1f}">{escape(name)} '
                         f'({sum(d["n"] for d in group)})</text>')
    parts.append("</svg>")
    return "".join(parts)


def type_bars_svg(counts: list[tuple[str, int, int]], width: int = 520) -> str:
    """Horizontal bars, one per event type: all events, the counted part solid."""
    if not counts:
        return '<p class="empty">No events.</p>'
    row, label_w = 26, 170
    top = max(n for _, n, _ in counts)
    height = row * len(counts) + 6
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="Events by type">']
    for i, (kind, total, counted) in enumerate(counts):
        y = 3 + i * row
        bar = (width - label_w - 50) * total / top
        solid = (width - label_w - 50) * counted / top
        colour = colour_of(kind)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(kind)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="18" fill="none" stroke="{colour}"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{solid:.1f}" height="18" fill="{colour}">'
            f'<title>{escape(kind)}: {total} events, {counted} counted</title></rect>'
            f'<text x="{label_w + bar + 6:.1f}" y="{y + 16}">{total}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def period_of(day: date, granularity: str) -> date:
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next_period(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    if granularity == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def choose_granularity(days: list[date]) -> str:
    """Days for a nightly batch; coarser as the dates spread, so the chart keeps at most ~60 bars."""
    span = (max(days) - min(days)).days if days else 0
    if span <= 62:
        return "day"
    if span <= 366:
        return "week"
    if span <= 5 * 366:
        return "month"
    return "year"


def timeline(by_day: list[tuple[date, str, int]]) -> tuple[str, list[tuple[date, Counter]]]:
    """(granularity, [(period start, counts by type)]) over every period from the first to the last,
    from (event_date, event type, events) counts."""
    days = [day for day, _, _ in by_day if day is not None]
    if not days:
        return "day", []
    granularity = choose_granularity([min(days), max(days)])
    bins: dict[date, Counter] = defaultdict(Counter)
    for day, kind, n in by_day:
        if day is not None:
            bins[period_of(day, granularity)][kind] += n
    start, last = period_of(min(days), granularity), period_of(max(days), granularity)
    periods = []
    while start <= last:
        periods.append((start, bins.get(start, Counter())))
        start = _next_period(start, granularity)
    return granularity, periods


def _period_label(start: date, granularity: str) -> str:
    return {"day": start.isoformat(), "week": f"week of {start.isoformat()}",
            "month": start.strftime("%Y-%m"), "year": str(start.year)}[granularity]


def timeline_svg(granularity: str, periods: list[tuple[date, Counter]], width: int = 960) -> str:
    """Stacked bars per period, coloured by event type."""
    if not periods:
        return '<p class="empty">No dated events.</p>'
    height, left, bottom, top_pad = 240, 36, 40, 12
    top = max(sum(c.values()) for _, c in periods) or 1
    slot = (width - left - 8) / len(periods)
    bar = max(min(slot * 0.8, 40), 1.0)
    usable = height - bottom - top_pad
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="Events by {granularity}">']
    for tick in sorted({0, top // 2, top}):
        y = height - bottom - usable * tick / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    label_every = max(1, math.ceil(len(periods) / 12))
    for i, (start, counts) in enumerate(periods):
        x = left + i * slot + (slot - bar) / 2
        y = height - bottom
        for kind in sorted(counts, key=lambda k: list(TYPE_COLOURS).index(k) if k in TYPE_COLOURS else 99):
            h = usable * counts[kind] / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour_of(kind)}">'
                         f'<title>{_period_label(start, granularity)}: {counts[kind]} {escape(kind)}</title></rect>')
        if i % label_every == 0:
            label = start.isoformat() if granularity in ("day", "week") else _period_label(start, granularity)
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)
