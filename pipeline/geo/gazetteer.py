"""The compiled offline gazetteer: loading it and looking names up."""

from __future__ import annotations

import pickle
import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import GazetteerError
from pipeline.geo.codes import ADMIN1, ADMIN2, CITY, COUNTRY, FEATURES, REGION

__all__ = ["ADMIN1", "ADMIN2", "CITY", "COUNTRY", "REGION", "Facts", "Gazetteer", "Place", "load_gazetteer"]


class Place(NamedTuple):
    """An entry's fields as a resolved mention carries them (see ``resolve._to_mention``)."""

    name: str
    geonames_id: int
    feature: str
    country_code: str | None  # None for continents and oceans
    admin1: str | None  # the admin1's name
    latitude: float  # rounded to 5 places
    longitude: float
    population: int
    # A district whose seat the index does not know: a mention of it stands at its province's
    # centre (precision 3) until something better is found.
    seatless: bool


class Facts(NamedTuple):
    """What the resolver asks of one entry, read out of the parallel arrays in one go."""

    feat: int
    country: str
    a1: int  # admin1 entry, -1 when none
    pop: int
    lat: float
    lon: float


@dataclass(frozen=True, slots=True, repr=False)
class Gazetteer:
    """Read-only name index over GeoNames places; entries are ints into parallel arrays."""

    version: str
    path: Path
    # The two big string sequences are tuples, not lists: a tuple of strings drops out of the
    # garbage collector's view, a list stays in it and each full collection would walk its 1.3M
    # items (~70 ms, several times while the caches fill up on fresh articles).
    _keys: tuple[str, ...]  # sorted
    _offsets: array
    _post_entry: array
    _post_kind: array
    names: tuple[str, ...]
    gid: array
    lat: array
    lon: array
    pop: array
    feat: array
    cc_idx: array
    cc_codes: list[str]
    a1: array
    admin2_has_seat: frozenset[int]
    _admin1_town: dict[int, int]  # admin1 GeoNames id -> its largest town's entry
    # Memo of recent lookups: news repeats the same capitalised words, and a dict hit is ~30x
    # cheaper than a bisect over 560k keys (kept instead of a full dict to keep loading fast).
    _memo: dict[str, tuple[tuple[int, int], ...]]
    # Memo of ``has_prefix``: a run's first words repeat far more than its n-grams.
    _prefixes: dict[str, bool]
    # Memo of ``facts``: resolution reads the same few thousand entries' fields over and over,
    # and one dict hit replaces several array reads (kept lazy: a tuple per entry for all 286k
    # would cost ~70 MB and load time).
    _facts: dict[int, Facts]
    # Memo of ``place``: the same few thousand entries are resolved to over and over.
    _places: dict[int, Place]

    def lookup(self, key: str) -> list[tuple[int, int]]:
        """(entry, kind) pairs for a folded name key (see ``normalize.norm_key``); empty when unknown."""
        hit = self._memo.get(key)
        if hit is None:
            slot = bisect_left(self._keys, key)
            if slot == len(self._keys) or self._keys[slot] != key:
                hit = ()
            else:
                lo, hi = self._offsets[slot], self._offsets[slot + 1]
                hit = tuple(zip(self._post_entry[lo:hi], self._post_kind[lo:hi]))
            _keep(self._memo, key, hit, _MEMO_MAX)
        return list(hit)

    def has_prefix(self, prefix: str) -> bool:
        """True when some key starts with ``prefix`` (lets a caller skip looking up longer n-grams)."""
        got = self._prefixes.get(prefix)
        if got is None:
            keys = self._keys
            slot = bisect_left(keys, prefix)
            got = slot < len(keys) and keys[slot].startswith(prefix)
            _keep(self._prefixes, prefix, got, _MEMO_MAX)
        return got

    def facts(self, entry: int) -> Facts:
        """Feature code, country, admin1 entry, population and point of ``entry``."""
        got = self._facts.get(entry)
        if got is None:
            got = _keep(self._facts, entry, Facts(
                int(self.feat[entry]),
                self.cc_codes[int(self.cc_idx[entry])],
                int(self.a1[entry]),
                int(self.pop[entry]),
                float(self.lat[entry]),
                float(self.lon[entry]),
            ), _FACTS_MAX)
        return got

    def place(self, entry: int) -> Place:
        """What a mention resolved to ``entry`` says about the place."""
        got = self._places.get(entry)
        if got is None:
            f = self.facts(entry)
            got = _keep(self._places, entry, Place(
                self.names[entry],
                int(self.gid[entry]),
                FEATURES[f.feat],
                f.country or None,
                self.names[f.a1] if f.a1 >= 0 else None,
                round(f.lat, 5),
                round(f.lon, 5),
                f.pop,
                f.feat == ADMIN2 and entry not in self.admin2_has_seat,
            ), _FACTS_MAX)
        return got

    def __contains__(self, key: str) -> bool:
        return bool(self.lookup(key))

    def country(self, entry: int) -> str:
        return self.cc_codes[int(self.cc_idx[entry])]

    def feature(self, entry: int) -> str:
        return FEATURES[int(self.feat[entry])]

    def admin1_name(self, entry: int) -> str | None:
        a1 = int(self.a1[entry])
        return self.names[a1] if a1 >= 0 else None

    def admin1_town(self, geonames_id: int | None) -> int | None:
        """The entry of the largest town of the admin1 with this GeoNames id, if known."""
        return self._admin1_town.get(geonames_id) if geonames_id is not None else None

    def __repr__(self) -> str:
        return f"Gazetteer(version={self.version!r}, path={str(self.path)!r}, entries={len(self.names)})"

    def __len__(self) -> int:
        return len(self.names)


_MEMO_MAX = 200_000
_FACTS_MAX = 50_000


def _keep(memo: dict, key, value, cap: int):
    """Store ``value`` in a bounded memo (emptied when full: the hot keys come back at once) and return it."""
    if len(memo) >= cap:
        memo.clear()
    memo[key] = value
    return value
_CACHE: dict[Path, Gazetteer] = {}
_LOCK = threading.Lock()


FORMAT = 7  # must equal build.FORMAT; kept here so reading never imports the builder
INDEX_NAME = "gazetteer.pkl"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "build" / INDEX_NAME


def _read(path: Path) -> Gazetteer:
    try:
        with path.open("rb") as fh:
            raw = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError) as err:
        raise GazetteerError(f"cannot read gazetteer index {path}: {err}") from err
    if raw.get("format") != FORMAT:
        raise GazetteerError(f"gazetteer index {path} has format {raw.get('format')}, expected {FORMAT}")
    # Each blob is popped so that it is freed once split, before the tuple copy: the peak memory
    # then holds the list and the tuple, not the blob too.
    keys = tuple(raw.pop("keys_blob").split("\n"))
    names = tuple(raw.pop("names_blob").split("\n"))
    return Gazetteer(
        version=raw["version"],
        path=path,
        _keys=keys,
        _offsets=raw["offsets"],
        _post_entry=raw["post_entry"],
        _post_kind=raw["post_kind"],
        names=names,
        gid=raw["gid"],
        lat=raw["lat"],
        lon=raw["lon"],
        pop=raw["pop"],
        feat=raw["feat"],
        cc_idx=raw["cc"],
        cc_codes=raw["cc_codes"],
        a1=raw["a1"],
        admin2_has_seat=frozenset(raw["admin2_has_seat"]),
        _admin1_town={raw["gid"][a1]: town for a1, town in raw.get("admin1_town", {}).items()},
        _memo={},
        _prefixes={},
        _facts={},
        _places={},
    )


def loaded_gazetteer() -> Gazetteer | None:
    """The gazetteer this process loaded last, or None (never loads or builds one)."""
    with _LOCK:
        return next(reversed(_CACHE.values()), None)


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load the compiled index (building it first when the default one is missing or outdated).

    Cached per process and path. An explicit ``path`` that does not exist is an error rather than
    a silent build somewhere unexpected.
    """
    target = (path or DEFAULT_PATH).resolve()
    with _LOCK:
        cached = _CACHE.get(target)
        if cached is not None:
            return cached
        if not target.exists():
            if path is not None and target.name != INDEX_NAME:
                raise GazetteerError(f"gazetteer index not found: {target}")
            from pipeline.geo.build import build_index

            build_index(target.parent)
        try:
            gaz = _read(target)
        except GazetteerError:
            if path is not None:
                raise
            # A build from an older layout: rebuild once rather than fail every worker.
            from pipeline.geo.build import build_index

            build_index(target.parent)
            gaz = _read(target)
        _CACHE[target] = gaz
        return gaz
