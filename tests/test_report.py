"""`conflict-events report`: one self-contained HTML page per run, with an offline map.

The warehouse is a few literal rows: events in three countries far apart, so a dot drawn in the
wrong place lands in the wrong country outline.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipeline import storage
from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.report import default_destination, write_report
from pipeline.report.svg import choose_granularity, fit_extent

WHEN = datetime(2024, 3, 20, 12, 0, tzinfo=timezone.utc)
CHROMIUM = Path("/usr/bin/chromium")
# (event id, type, modality, place, admin1, country, lat, lon, date, killed)
EVENTS = [
    ("e1", "airstrike", "asserted", "Aleppo", "Aleppo", "SY", 36.2021, 37.1343, date(2024, 3, 17), 4),
    ("e2", "airstrike", "asserted", "Aleppo", "Aleppo", "SY", 36.2021, 37.1343, date(2024, 3, 18), 2),
    ("e3", "shelling", "claimed", "Sanaa", "Amanat Al Asimah", "YE", 15.3547, 44.2066, date(2024, 3, 18), 1),
    ("e4", "armed_clash", "asserted", "Kyiv", "Kyiv City", "UA", 50.4501, 30.5234, date(2024, 3, 19), None),
    ("e5", "shelling", "denied", "Kyiv", "Kyiv City", "UA", 50.4501, 30.5234, date(2024, 3, 19), 9),
    ("e6", "ceasefire_statement", "asserted", None, None, None, None, None, date(2024, 3, 19), None),
]


def event_row(event_id, kind, modality, place, admin1, country, lat, lon, day, killed, run_id="run-1") -> dict:
    return {
        "event_id": event_id, "article_id": "a1", "source_id": "a1.txt", "event_type": kind,
        "modality": modality, "location_name": place, "admin1": admin1, "country_code": country,
        "latitude": lat, "longitude": lon, "event_date": day, "fatalities": killed, "evidence": "evidence",
        "char_start": 0, "char_end": 8, "confidence": 0.9, "rule": "test", "extractor_version": "test",
        "run_id": run_id,
    }


def run_row(run_id: str, batch: str, finished: datetime, validation_path: str | None = None) -> dict:
    return {
        "run_id": run_id, "batch": batch, "started_at": finished, "finished_at": finished,
        "inputs_json": "[]", "input_files": 3, "records_seen": 4, "articles": 1, "duplicates": 1,
        "quarantined": 2, "events": 6, "casualties": 1, "place_mentions": 0, "date_mentions": 0,
        "validation_success": False, "validation_path": validation_path, "extractor_version": "test",
        "settings_json": "{}",
    }


def publish(out: Path, batch: str, run_id: str, **tables: list[dict]) -> None:
    for name, rows in tables.items():
        storage.replace_partition(out, name, batch, storage.to_table(name, rows), run_id)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    out = tmp_path / "warehouse"
    validation = out / "_validation" / "run-1"
    validation.mkdir(parents=True)
    (validation / "summary.json").write_text(json.dumps({
        "run_id": "run-1", "success": False, "quarantined_rows": 1,
        "problems": ["events: share of rows failing above the limit"],
        "tables": {"events": {"rows": 6, "failed_rows": 1, "expectations": 20,
                              "failed_expectations": ["expect_column_values_to_be_between"]}},
    }), encoding="utf-8")
    quarantine = [
        {"quarantine_id": f"q{i}", "stage": "ingest", "reason": reason, "detail": detail,
         "is_input_record": True, "quarantined_at": WHEN, "run_id": "run-1"}
        for i, (reason, detail) in enumerate([("invalid_utf8", "byte 0xff at 12"),
                                              ("invalid_utf8: second file", "byte 0xfe at 3"),
                                              ("future_published_at", "2031-01-01")])
    ]
    casualties = [{
        "casualty_id": "k1", "article_id": "a1", "source_id": "a1.txt", "event_id": "e1", "kind": "killed",
        "count_low": 4, "qualifier": "exact", "victim_group": "civilians", "is_fraction": False,
        "is_running_total": False, "text": "four civilians", "char_start": 0, "char_end": 14, "rule": "test",
        "extractor_version": "test", "run_id": "run-1",
    }]
    duplicates = [{
        "duplicate_id": "d1", "article_id": "a9", "source_id": "a9.txt", "kind": "near", "similarity": 0.93,
        "kept_article_id": "a1", "kept_source_id": "a1.txt", "detected_at": WHEN, "run_id": "run-1",
    }]
    publish(out, "b1", "run-1", events=[event_row(*e) for e in EVENTS], quarantine=quarantine,
            casualties=casualties, duplicates=duplicates,
            runs=[run_row("run-1", "b1", WHEN, str(validation))])
    return out


@pytest.fixture
def page(warehouse: Path, tmp_path: Path) -> str:
    return write_report(warehouse, "run-1", None, tmp_path / "report.html").read_text(encoding="utf-8")


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start)
    return page[start:end if end > 0 else None]


def test_page_references_nothing_remote(page: str):
    # No src/href/url()/@import that a browser would fetch; the page holds no URL at all.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, re.I)
    assert not re.search(r"url\(|@import|<link|<script", page, re.I)
    assert "http://" not in page and "https://" not in page


def test_page_has_counts_by_type(page: str):
    types = section(page, "types")
    # shelling: 2 events, 1 counted (the denial is not); airstrike 2 of 2.
    assert re.search(r"<td>shelling</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td>", types)
    assert re.search(r"<td>airstrike</td><td class=\"n\">2</td><td class=\"n\">2</td>", types)


def test_page_has_counts_by_day(page: str):
    days = section(page, "days")
    assert "Events by day" in page
    assert re.search(r"<td>2024-03-19</td><td class=\"n\">3</td>", days)
    assert re.search(r"<td>2024-03-17</td><td class=\"n\">1</td>", days)


def test_casualties_count_only_asserted_and_claimed_events(page: str):
    # 4 + 2 + 1; the denied shelling's 9 is not added.
    assert "<b>7</b> killed" in section(page, "casualties")
    assert re.search(r"<td>killed</td><td>civilians</td><td class=\"n\">1</td><td class=\"n\">4</td>", page)


def test_top_places_rank_by_events(page: str):
    places = section(page, "places")
    assert places.index("Aleppo") < places.index("Sanaa")
    assert re.search(r"<td>Kyiv</td><td>Kyiv City</td><td>UA</td><td class=\"n\">2</td><td class=\"n\">0</td>", places)


def test_validation_outcome_and_summary_are_shown(page: str):
    validation = section(page, "validation")
    assert "<b>FAILED</b>" in validation
    assert "expect_column_values_to_be_between" in validation
    assert "share of rows failing above the limit" in validation


def test_quarantine_reasons_are_grouped_without_their_detail(page: str):
    quarantine = section(page, "quarantine")
    assert re.search(r"<td>ingest</td><td>invalid_utf8</td><td class=\"n\">2</td>", quarantine)
    assert re.search(r"<td>future_published_at</td><td class=\"n\">1</td>", quarantine)
    assert "Duplicates kept out: 1 (near 1)" in quarantine


def _circles(page: str) -> list[tuple[float, float, str, str]]:
    return [(float(x), float(y), fill, title) for x, y, fill, title in re.findall(
        r'<circle class="event"[^>]* cx="([\d.]+)" cy="([\d.]+)" r="5" fill="([^"]+)"[^>]*><title>([^<]*)</title>', page)]


def _country(page: str, name: str):
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    match = re.search(rf'<path class="country" d="([^"]+)"><title>{name}</title></path>', page)
    assert match, f"{name} is not drawn"
    rings = [[tuple(map(float, pt.split())) for pt in ring.strip("MZ").split("L")]
             for ring in re.findall(r"M[^Z]+Z", match.group(1))]
    return unary_union([Polygon(r).buffer(0) for r in rings if len(r) >= 3])


def test_map_draws_each_located_event_inside_its_country(page: str):
    from shapely.geometry import Point

    circles = _circles(page)
    assert len(circles) == 5  # the ceasefire statement has no coordinates
    countries = {"Aleppo": "Syria", "Sanaa": "Yemen", "Kyiv": "Ukraine"}
    for x, y, _, title in circles:
        place = re.search(r" at (\w+),", title).group(1)
        # Dots at one place are fanned out by at most 16 px around it.
        assert _country(page, countries[place]).buffer(16).contains(Point(x, y)), title


def test_map_draws_denied_events_hollow(page: str):
    fills = {title.split(" at ")[0]: fill for _, _, fill, title in _circles(page)}
    assert fills["shelling (denied)"] == "#ffffff"
    assert fills["shelling (claimed)"] != "#ffffff"


def test_extent_fits_the_events_with_a_margin():
    extent = fit_extent([(37.1, 36.2), (44.2, 15.4)])
    assert extent.west < 37.1 and extent.east > 44.2 and extent.south < 15.4 and extent.north > 36.2


def test_no_located_events_gives_a_world_map(warehouse: Path, tmp_path: Path):
    publish(warehouse, "b2", "run-2", events=[event_row(*EVENTS[5], run_id="run-2")],
            runs=[run_row("run-2", "b2", datetime(2024, 3, 21, tzinfo=timezone.utc))])
    page = write_report(warehouse, None, "b2", tmp_path / "r2.html").read_text(encoding="utf-8")
    assert "0 of 1 events have coordinates" in page and "<title>Brazil</title>" in page


def test_timeline_gets_coarser_as_dates_spread():
    assert choose_granularity([date(2024, 3, 1), date(2024, 3, 20)]) == "day"
    assert choose_granularity([date(2024, 1, 1), date(2024, 9, 1)]) == "week"
    assert choose_granularity([date(2021, 1, 1), date(2024, 9, 1)]) == "month"


def test_default_destination_is_under_the_warehouse(warehouse: Path):
    path = write_report(warehouse, "run-1", None, None)
    assert path == default_destination(warehouse, "run-1") == warehouse / "_reports" / "run-1.html"
    assert path.is_file()


def test_latest_run_of_a_batch_is_the_default(warehouse: Path, tmp_path: Path):
    assert "run run-1" in write_report(warehouse, None, "b1", tmp_path / "r.html").read_text(encoding="utf-8")


def test_unknown_run_says_which_runs_exist(warehouse: Path, tmp_path: Path):
    with pytest.raises(PipelineError, match=r"no published run 'run-9'.*run-1 \(batch b1\)"):
        write_report(warehouse, "run-9", None, tmp_path / "r.html")


def test_cli_writes_the_report_and_prints_its_path(warehouse: Path, tmp_path: Path, capsys):
    dest = tmp_path / "cli.html"
    assert main(["report", "--out", str(warehouse), "--run", "run-1", "--output", str(dest)]) == 0
    assert capsys.readouterr().out.strip() == str(dest)
    assert dest.stat().st_size > 10_000


def _screenshot(html: Path, png: Path, profile: Path) -> None:
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=1200,1600", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def _near(image, colour: str, tolerance: int = 24):
    """Mask of the pixels within ``tolerance`` of ``colour`` on every channel."""
    import numpy as np

    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return (np.abs(image.astype(np.int16) - target) <= tolerance).all(axis=2)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed: run `make browser` "
                    "(apt-get install chromium) to run the screenshot test")
def test_screenshot_in_chromium_shows_the_map_and_charts(warehouse: Path, tmp_path: Path):
    from PIL import Image

    html = write_report(warehouse, "run-1", None, tmp_path / "report.html")
    png = tmp_path / "shot.png"
    _screenshot(html, png, tmp_path / "profile")
    import numpy as np

    image = np.asarray(Image.open(png).convert("RGB"))
    # The map is the block of sea colour; find it, then look for the event dots inside it.
    ys, xs = np.nonzero(_near(image, "#dcebf5", 6))
    assert len(xs) > 30_000, "the map's sea did not render"
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    assert right - left > 600 and bottom - top > 250
    region = image[top:bottom, left:right]
    assert _near(region, "#f4f1e8", 6).mean() > 0.1, "no country shapes drawn"
    for colour in ("#d62728", "#ff7f0e", "#1f77b4"):  # airstrike, shelling, armed_clash dots
        assert _near(region, colour).sum() > 20, f"no {colour} event dots on the map"
    # The charts below the map: the ceasefire statement's green bar is drawn somewhere on the page.
    assert _near(image[bottom:], "#2ca02c").sum() > 50, "no chart bars below the map"


def test_events_are_listed_with_their_details(page: str):
    events = section(page, "events")
    assert events.count("<tr>") == 1 + len(EVENTS)  # header + one row each
    assert "<td>shelling</td><td>denied</td><td>Kyiv</td>" in events


def test_large_runs_group_the_map_dots_by_place_and_type(warehouse: Path, tmp_path: Path, monkeypatch):
    # Past the limit one circle per event would make pages of tens of MB: one dot per place, type and
    # counted-or-not instead, sized by its count, with the count in its tooltip and the label.
    from pipeline.report import data as rd

    monkeypatch.setattr(rd, "MAP_EVENT_LIMIT", 2)
    page = write_report(warehouse, "run-1", None, tmp_path / "big.html").read_text(encoding="utf-8")
    circles = re.findall(r'<circle class="event"[^>]* data-n="(\d+)"[^>]* r="([\d.]+)"[^>]*><title>([^<]*)</title>', page)
    assert len(circles) == 4  # the two Aleppo airstrikes share one dot
    aleppo = [c for c in circles if "Aleppo" in c[2]]
    assert aleppo == [("2", "7", "2 airstrike events (counted) at Aleppo, 2024-03-17 to 2024-03-18; 36.200, 37.130")]
    assert "events of one type at one place share a dot" in page
    assert "Aleppo (2)</text>" in page
    # Counts elsewhere on the page do not depend on how the map draws them.
    assert "<b>7</b> killed" in section(page, "casualties")
