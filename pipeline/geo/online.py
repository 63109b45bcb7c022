"""Optional online / self-hosted geocoders (Nominatim, Photon, any geopy service) behind one interface.

Constructors only store settings: no network, no files, so building a geocoder from config is
safe at DAG parse time. Every answer (including "nothing found") is cached on disk by backend and
query, rate limiting wraps the geopy call instead of subclassing it, and a failed lookup raises
``GeocoderError`` which ``refine_mentions`` turns into a fallback to the offline answer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pipeline.errors import ConfigError, GeocoderError, GeocoderTimeout
from pipeline.models import PlaceMention

USER_AGENT = "conflict-events-pipeline/0.1"


@dataclass(frozen=True, slots=True)
class GeoAnswer:
    """One geocoder answer, reduced to what the pipeline stores."""

    latitude: float
    longitude: float
    name: str
    source: str  # backend name


class Geocoder(Protocol):
    name: str

    def geocode(self, query: str) -> GeoAnswer | None:
        """The best answer for ``query``, None when the backend knows nothing; raises GeocoderError."""


class AnswerCache:
    """Persistent (backend, query) -> answer store in one sqlite file; opened lazily, thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.execute("CREATE TABLE IF NOT EXISTS answers (backend TEXT, query TEXT, answer TEXT, PRIMARY KEY (backend, query))")
            self._conn = conn
        return self._conn

    def get(self, backend: str, query: str) -> tuple[bool, GeoAnswer | None]:
        """(hit, answer); a hit with None answer means the backend already said "not found"."""
        with self._lock:
            row = self._db().execute("SELECT answer FROM answers WHERE backend = ? AND query = ?", (backend, query)).fetchone()
        if row is None:
            return False, None
        data = json.loads(row[0])
        return True, (GeoAnswer(**data) if data else None)

    def put(self, backend: str, query: str, answer: GeoAnswer | None) -> None:
        payload = json.dumps(None if answer is None else {"latitude": answer.latitude, "longitude": answer.longitude, "name": answer.name, "source": answer.source})
        with self._lock:
            db = self._db()
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (backend, query, payload))
            db.commit()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class OfflineGeocoder:
    """The compiled gazetteer answering single queries (the fallback for every online backend)."""

    name = "offline"

    def __init__(self, *, gazetteer_path: Path | None = None) -> None:
        self._path = gazetteer_path

    def geocode(self, query: str) -> GeoAnswer | None:
        from pipeline.geo.gazetteer import load_gazetteer
        from pipeline.geo.normalize import norm_key

        gaz = load_gazetteer(self._path)
        cands = gaz.lookup(norm_key(query))
        if not cands:
            return None
        # Most populous reading, primary names before alternates: the context-free best guess.
        entry = max(cands, key=lambda ek: (-ek[1], int(gaz.pop[ek[0]]), -int(gaz.gid[ek[0]])))[0]
        return GeoAnswer(float(gaz.lat[entry]), float(gaz.lon[entry]), gaz.names[entry], self.name)


class GeopyGeocoder:
    """Any geopy geocoder by service name, pointed at ``url`` (scheme + host[:port]), cached and rate limited."""

    def __init__(
        self,
        *,
        service: str,
        url: str | None = None,
        cache_dir: Path | None = None,
        timeout: float = 10.0,
        min_delay: float = 1.0,
        max_retries: int = 0,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.name = service
        self.url = url
        self.timeout = timeout
        self.min_delay = min_delay
        self.max_retries = max_retries
        self.user_agent = user_agent
        self.cache = AnswerCache(cache_dir / "geocode-cache.sqlite") if cache_dir else None
        self._call = None  # the rate-limited geopy call, made on first use
        self._lock = threading.Lock()

    def _client(self):
        if self._call is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import get_geocoder_for_service

            try:
                cls = get_geocoder_for_service(self.name)
            except Exception as err:  # geopy raises GeocoderNotFound, a plain ValueError subclass
                raise ConfigError(f"unknown geocoder service {self.name!r}") from err
            kwargs: dict = {"timeout": self.timeout, "user_agent": self.user_agent}
            if self.url:
                parts = urlsplit(self.url)
                if not parts.scheme or not parts.netloc:
                    raise ConfigError(f"geocoder url needs a scheme and host: {self.url!r}")
                kwargs.update(domain=parts.netloc + parts.path.rstrip("/"), scheme=parts.scheme)
            client = cls(**kwargs)
            # Wrap, not subclass: the limiter spaces calls; errors reach us (swallow_exceptions=False).
            self._call = RateLimiter(
                client.geocode, min_delay_seconds=self.min_delay, max_retries=self.max_retries, error_wait_seconds=self.min_delay, swallow_exceptions=False
            )
        return self._call

    def geocode(self, query: str) -> GeoAnswer | None:
        if self.cache is not None:
            hit, answer = self.cache.get(self.name, query)
            if hit:
                return answer
        from geopy import exc

        with self._lock:
            call = self._client()
            try:
                loc = call(query, exactly_one=True)
            except exc.GeocoderTimedOut as err:
                raise GeocoderTimeout(f"{self.name} timed out on {query!r}") from err
            except (exc.GeopyError, OSError, ValueError) as err:
                # The requests adapter reports a read timeout as GeocoderUnavailable; keep it a timeout.
                if _caused_by_timeout(err):
                    raise GeocoderTimeout(f"{self.name} timed out on {query!r}") from err
                raise GeocoderError(f"{self.name} failed on {query!r}: {err}") from err
        answer = None if loc is None else GeoAnswer(float(loc.latitude), float(loc.longitude), str(loc.address), self.name)
        if self.cache is not None:
            self.cache.put(self.name, query, answer)
        return answer


def _caused_by_timeout(err: BaseException) -> bool:
    seen = 0
    cur: BaseException | None = err
    while cur is not None and seen < 10:
        if isinstance(cur, TimeoutError) or type(cur).__name__ in ("ReadTimeout", "ReadTimeoutError", "ConnectTimeout", "Timeout"):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return "timed out" in str(err).lower()


def _nominatim(**kw) -> GeopyGeocoder:
    return GeopyGeocoder(service="nominatim", **kw)


def _photon(**kw) -> GeopyGeocoder:
    return GeopyGeocoder(service="photon", **kw)


REGISTRY = {"offline": OfflineGeocoder, "nominatim": _nominatim, "photon": _photon}


def make_geocoder(name: str, *, url: str | None = None, cache_dir: Path | None = None, timeout: float = 10.0, min_delay: float = 1.0) -> Geocoder:
    """A geocoder from a config string: "offline", "nominatim", "photon", or any geopy service name."""
    key = name.strip().lower()
    if key == "offline":
        return OfflineGeocoder()
    factory = REGISTRY.get(key)
    if factory is not None:
        return factory(url=url, cache_dir=cache_dir, timeout=timeout, min_delay=min_delay)
    from geopy.geocoders import SERVICE_TO_GEOCODER

    if key not in SERVICE_TO_GEOCODER:
        raise ConfigError(f"unknown geocoder {name!r}; known: offline, {', '.join(sorted(SERVICE_TO_GEOCODER))}")
    return GeopyGeocoder(service=key, url=url, cache_dir=cache_dir, timeout=timeout, min_delay=min_delay)


def _query_for(m: PlaceMention) -> str:
    parts = [m.name or m.text]
    if m.feature == "city" and m.admin1 and m.admin1 != m.name:
        parts.append(m.admin1)
    if m.country_code and m.feature != "country":
        parts.append(m.country_code)
    return ", ".join(parts)


def refine_mentions(mentions: list[PlaceMention], geocoder: Geocoder) -> list[PlaceMention]:
    """Ask ``geocoder`` for each mention's coordinates; a failure keeps the offline answer.

    Returns new records (inputs are not mutated). ``rule`` says where the coordinates came from:
    "online:<backend>", or the offline rule plus ":online_failed" / ":online_empty".
    """
    out = []
    for m in mentions:
        if isinstance(geocoder, OfflineGeocoder):
            out.append(m)
            continue
        try:
            answer = geocoder.geocode(_query_for(m))
        except GeocoderError:
            out.append(replace(m, rule=f"{m.rule}:online_failed"))
            continue
        if answer is None:
            out.append(replace(m, rule=f"{m.rule}:online_empty"))
            continue
        out.append(replace(m, latitude=round(answer.latitude, 5), longitude=round(answer.longitude, 5), rule=f"online:{answer.source}"))
    return out
