"""Plain records passed between the stages.

The extraction functions are pure: they take an article's text plus what earlier stages
found and return these records with offsets into that text. The batch layer adds the
ids (article_id, event_id, run_id) and turns them into table rows (see ``schemas``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime

EVENT_TYPES = (
    "airstrike",
    "shelling",
    "armed_clash",
    "explosive_attack",
    "attack_on_civilians",
    "ceasefire_statement",
)
VIOLENT_TYPES = EVENT_TYPES[:5]
STANCES = ("agreement", "violation", "support", "rejection", "call", "other")
MODALITIES = ("asserted", "claimed", "denied", "hypothetical")
DATE_PRECISIONS = ("day", "week", "month", "year")
QUALIFIERS = ("exact", "at_least", "about", "at_most", "range", "vague")
CASUALTY_KINDS = ("killed", "injured")
# 1 the place itself, 2 near it or part of it, 3 only a region (coordinates are the region's).
GEO_PRECISIONS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Article:
    """One ingested article. ``published_at`` is timezone-aware or None when unknown."""

    article_id: str
    source_id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    published_at_source: str = "missing"  # record | header | html_meta | missing
    dateline: str | None = None  # e.g. "MOSCOW/BEIRUT"
    dateline_start: int | None = None
    dateline_end: int | None = None
    language: str | None = None
    input_path: str | None = None
    input_sha256: str | None = None
    record_index: int | None = None  # line number for JSONL, 0 for single-document files


@dataclass(frozen=True, slots=True)
class DateMention:
    """A time expression resolved against the article's publication date.

    ``value`` is ISO: YYYY-MM-DD, or YYYY-MM / YYYY / YYYY-Www when coarser.
    ``value_end`` is set for intervals ("since Thursday" has start only, kind interval_start).
    """

    start: int
    end: int
    text: str
    value: str
    precision: str  # day | week | month | year
    anchor: date | None
    rule: str  # which resolver produced it, e.g. "fast:weekday", "dateparser"
    value_end: str | None = None
    kind: str = "point"  # point | interval | interval_start | publication

    def first_day(self) -> date | None:
        """The first calendar day the mention covers, or None when not resolvable to one."""
        from pipeline.dates_util import first_day_of

        return first_day_of(self.value)

    def last_day(self) -> date | None:
        from pipeline.dates_util import last_day_of

        return last_day_of(self.value_end or self.value)


@dataclass(frozen=True, slots=True, init=False)
class PlaceMention:
    """A toponym found in the text and, when possible, resolved to a gazetteer entry."""

    start: int
    end: int
    text: str
    name: str | None = None  # the gazetteer's name for the resolved place
    geonames_id: int | None = None
    feature: str | None = None  # city | admin1 | admin2 | country | region
    country_code: str | None = None
    admin1: str | None = None  # admin1 name, e.g. "Aleppo"
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    population: int | None = None
    rule: str = "gazetteer"
    qualifier: str | None = None  # near | outskirts | eastern | ... when the text hedges

    def __init__(
        self,
        start: int,
        end: int,
        text: str,
        name: str | None = None,
        geonames_id: int | None = None,
        feature: str | None = None,
        country_code: str | None = None,
        admin1: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        geo_precision: int | None = None,
        population: int | None = None,
        rule: str = "gazetteer",
        qualifier: str | None = None,
    ) -> None:
        # What dataclass would write, but faster: its frozen __init__ sets each field through
        # object.__setattr__, which looks the slot up by name; calling the slots' own setters
        # skips that (~1.5x faster, and geo resolution builds ~10 of these per article).
        # tests/test_models.py checks that this agrees with the generated one.
        (set_start, set_end, set_text, set_name, set_geonames_id, set_feature, set_country_code, set_admin1,
         set_latitude, set_longitude, set_geo_precision, set_population, set_rule, set_qualifier) = _PLACE_SETTERS
        set_start(self, start)
        set_end(self, end)
        set_text(self, text)
        set_name(self, name)
        set_geonames_id(self, geonames_id)
        set_feature(self, feature)
        set_country_code(self, country_code)
        set_admin1(self, admin1)
        set_latitude(self, latitude)
        set_longitude(self, longitude)
        set_geo_precision(self, geo_precision)
        set_population(self, population)
        set_rule(self, rule)
        set_qualifier(self, qualifier)


# The setters of PlaceMention's slots, in field order (the slots exist once dataclass has made the class).
_PLACE_SETTERS = tuple(getattr(PlaceMention, f.name).__set__ for f in fields(PlaceMention))


@dataclass(slots=True)
class Casualty:
    """One casualty count stated in the text."""

    kind: str  # killed | injured
    count_low: int | None
    count_high: int | None
    qualifier: str  # exact | at_least | about | at_most | range | vague
    victim_group: str  # civilians | children | women | fighters | soldiers | police | unspecified
    start: int
    end: int
    text: str
    rule: str
    date: date | None = None
    event_index: int | None = None  # index into the article's events list when linked
    is_fraction: bool = False  # "about half of the casualties": not a count of its own
    is_running_total: bool = False  # "the death toll rose to 30"
    vague_term: str | None = None  # "dozens", "several", ... as written


@dataclass(slots=True)
class Event:
    """One extracted event with evidence offsets into the article text."""

    event_type: str
    start: int  # evidence span
    end: int
    evidence: str
    rule: str
    sub_event_type: str | None = None
    stance: str | None = None
    event_date: date | None = None
    event_date_end: date | None = None
    date_precision: str | None = None
    date_text: str | None = None
    date_source: str | None = None  # own_phrase | governing_phrase | publication | none
    actor1: str | None = None
    actor2: str | None = None
    location: PlaceMention | None = None
    fatalities: int | None = None
    fatalities_high: int | None = None
    injured: int | None = None
    injured_high: int | None = None
    modality: str = "asserted"
    claimed_by: str | None = None
    confidence: float = 0.5
    sentence_start: int | None = None
    sentence_end: int | None = None
    merged_spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Extraction:
    """Everything the extractor found in one article."""

    events: list[Event] = field(default_factory=list)
    casualties: list[Casualty] = field(default_factory=list)
