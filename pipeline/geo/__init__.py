"""Offline toponym recognition and resolution, plus optional online geocoders (see ``online``).

Importing this package loads nothing heavy; the gazetteer is read on the first ``load_gazetteer``.
"""

from pipeline.geo.gazetteer import Gazetteer, load_gazetteer
from pipeline.geo.lexicon import demonym_country
from pipeline.geo.online import make_geocoder, refine_mentions
from pipeline.geo.resolve import find_places

__all__ = ["Gazetteer", "demonym_country", "find_places", "load_gazetteer", "make_geocoder", "refine_mentions"]
