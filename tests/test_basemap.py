"""The report map's country outlines: the kept, pre-simplified copy beside the gazetteer.

A world map used to re-read and simplify the 1:10m shapefile on every run (about two seconds); the
kept copy must draw the same countries, no further than a quarter pixel from a full-detail drawing,
and must be rebuilt rather than trusted when it is stale or damaged.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest
import shapely

from pipeline.report import basemap
from pipeline.report.basemap import CACHE_NAME, Extent, country_outlines, load_countries

WORLD = Extent(-180.0, -60.0, 180.0, 80.0)
LEVANT = Extent(34.0, 31.0, 39.0, 37.0)
MIDDLE_EAST = Extent(30.0, 25.0, 50.0, 40.0)


@pytest.fixture(scope="module")
def parsed() -> basemap.Countries:
    return basemap.parse_shapefile(basemap.shapes_path())


class CacheDir(type(Path())):
    """A folder that also counts how often the shapefile was parsed for it."""

    calls: list[Path]


@pytest.fixture
def cache_dir(tmp_path: Path, parsed, monkeypatch) -> CacheDir:
    """An empty cache folder; parsing is counted (and served from the module's one parse)."""
    folder = CacheDir(tmp_path)
    folder.calls = []

    def counted(path):
        folder.calls.append(path)
        return parsed

    monkeypatch.setattr(basemap, "parse_shapefile", counted)
    monkeypatch.setattr(basemap, "_LOADED", {})
    return folder


def _full_detail(extent: Extent, tolerance: float, parsed) -> dict[str, object]:
    """What the map drew before the cache: the full shapefile, clipped, simplified once."""
    shapes = parsed.shapes(0.0)
    out = {}
    for i, geometry in enumerate(shapes):
        clipped = shapely.clip_by_rect(geometry, extent.west, extent.south, extent.east, extent.north)
        if not clipped.is_empty:
            simple = clipped.simplify(tolerance, preserve_topology=True)
            if not simple.is_empty:
                out[parsed.names[i]] = simple
    return out


def test_first_use_writes_the_cache_and_later_processes_read_it(cache_dir: Path):
    first = country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    assert (cache_dir / CACHE_NAME).is_file()
    assert len(cache_dir.calls) == 1
    basemap._LOADED.clear()  # as a new process would
    again = country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    assert len(cache_dir.calls) == 1, "a current cache must not be rebuilt"
    assert [(i, n, g.wkb) for i, n, g in first] == [(i, n, g.wkb) for i, n, g in again]
    assert {"Syria", "Lebanon", "Israel", "Jordan"} <= {n for _, n, _ in first}


# A world map (drawn from the coarsest copy) and a regional one (from a finer copy).
@pytest.mark.parametrize(("extent", "tolerance"), [(WORLD, 0.3), (MIDDLE_EAST, 0.02)])
def test_outlines_stay_within_a_quarter_pixel_of_a_full_detail_drawing(cache_dir: Path, parsed, extent, tolerance):
    assert 0.0 < basemap.Countries.level_for(tolerance) <= tolerance / 4
    drawn = {name: g for _, name, g in country_outlines(extent, tolerance, cache_dir=cache_dir)}
    full = _full_detail(extent, tolerance, parsed)
    assert set(drawn) == set(full)
    # Each drawing is within `tolerance` of the original; the kept copy adds at most a quarter of it.
    worst = max(drawn[n].hausdorff_distance(full[n]) for n in full)
    assert worst <= 2.25 * tolerance
    assert sum(shapely.get_num_coordinates(g) for g in drawn.values()) <= 1.1 * sum(
        shapely.get_num_coordinates(g) for g in full.values())


def test_a_zoomed_map_draws_from_the_full_detail_shapes(cache_dir: Path, parsed):
    tolerance = 0.001
    assert basemap.Countries.level_for(tolerance) == 0.0
    drawn = {name: g for _, name, g in country_outlines(LEVANT, tolerance, cache_dir=cache_dir)}
    full = _full_detail(LEVANT, tolerance, parsed)
    assert {n: g.wkb for n, g in drawn.items()} == {n: g.wkb for n, g in full.items()}


def test_a_cache_of_another_shapefile_or_layout_is_rebuilt(cache_dir: Path):
    country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    target = cache_dir / CACHE_NAME
    raw = pickle.loads(target.read_bytes())
    raw["fingerprint"] = "0:(0.0,):stale"
    target.write_bytes(pickle.dumps(raw))
    basemap._LOADED.clear()
    country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    assert len(cache_dir.calls) == 2
    assert pickle.loads(target.read_bytes())["fingerprint"] == basemap._fingerprint(basemap.shapes_path())


def test_a_damaged_cache_is_rebuilt_with_a_warning(cache_dir: Path, caplog):
    (cache_dir / CACHE_NAME).write_bytes(b"\x80\x05not a pickle")
    with caplog.at_level(logging.WARNING, logger="pipeline.report.basemap"):
        outlines = country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    assert outlines and len(cache_dir.calls) == 1
    assert "unreadable country outlines cache" in caplog.text
    basemap._LOADED.clear()
    country_outlines(LEVANT, 0.01, cache_dir=cache_dir)
    assert len(cache_dir.calls) == 1


def test_a_folder_that_cannot_be_written_still_draws_the_map(cache_dir: Path, caplog):
    # A file where the folder should be: mkdir fails as on a read-only install (even for root).
    blocker = cache_dir / "blocker"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING, logger="pipeline.report.basemap"):
        assert country_outlines(LEVANT, 0.01, cache_dir=blocker / "build")
    assert "cannot keep the country outlines" in caplog.text
    assert len(cache_dir.calls) == 1
