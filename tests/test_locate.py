"""Choosing an event's place among the article's resolved mentions, on tiny literal mentions."""

from __future__ import annotations

from pipeline.extract.locate import choose_place
from pipeline.models import PlaceMention


def _city(text, start, lat, lon, cc, admin1, pop=1000):
    return PlaceMention(start=start, end=start + len(text), text=text, name=text, feature="city", country_code=cc,
                        admin1=admin1, latitude=lat, longitude=lon, geo_precision=1, population=pop)


def _admin1(text, start, lat, lon, cc):
    return PlaceMention(start=start, end=start + len(text), text=text, name=text, feature="admin1", country_code=cc,
                        admin1=text, latitude=lat, longitude=lon, geo_precision=3)


def test_container_loses_to_the_place_it_contains():
    # "In Celaya, Guanajuato, a man was found dead": the state capital after the comma only
    # says where Celaya is; it sits nearer the trigger but is not the event's place.
    text = "In Celaya, Guanajuato, a man was found dead."
    ps = [_city("Celaya", 3, 20.52, -100.81, "MX", "Guanajuato", 340000),
          _city("Guanajuato", 11, 21.02, -101.26, "MX", "Guanajuato", 170000)]
    assert choose_place(ps, (0, len(text)), text.index("found"), 0).text == "Celaya"


def test_reading_far_from_a_confirmed_place_loses():
    # "Bom Jardim" the neighbourhood is read as a town 220 km away; the confirmed "Fortaleza,
    # Ceara" must win although the neighbourhood is nearer the trigger.
    text = "In Fortaleza, Ceara, a man was shot dead in Bom Jardim neighborhood."
    ps = [_city("Fortaleza", 3, -3.72, -38.54, "BR", "Ceara", 2400000),
          _admin1("Ceara", 14, -5.0, -39.5, "BR"),
          _city("Bom Jardim", 44, -5.52, -38.10, "BR", "Ceara", 5000)]
    assert choose_place(ps, (0, len(text)), text.index("shot"), 0).text == "Fortaleza"


def test_village_read_outside_its_written_province_yields_to_the_province():
    # "near Pisky, Donetsk": the gazetteer's only Pisky lies in Poltava, 400 km off; the oblast
    # written after it is the better guess.
    text = "Rebels fired at positions near Pisky, Donetsk."
    ps = [_city("Pisky", 31, 50.1, 32.9, "UA", "Poltava Oblast", 2000),
          _admin1("Donetsk", 38, 48.0, 37.8, "UA")]
    assert choose_place(ps, (0, len(text)), text.index("fired"), 0).text == "Donetsk"


def test_country_outlier_loses_to_the_article_majority():
    # "Korogo" read as Korhogo (Ivory Coast) among Congolese places.
    text = "FARDC attacked Korogo, near Berunda (Mahagi, Ituri)."
    ps = [_city("Korogo", 15, 9.45, -5.63, "CI", "Savanes", 280000),
          _city("Mahagi", 37, 2.30, 30.99, "CD", "Ituri", 10000),
          _admin1("Ituri", 45, 1.5, 29.5, "CD")]
    assert choose_place(ps, (0, len(text)), text.index("attacked"), 0).text == "Mahagi"


def test_later_sentence_takes_the_town_not_the_state_written_after_it():
    # "In Itaborai, Rio de Janeiro, police were shot at. A shoot-out broke out.": the second
    # sentence's event has no place of its own; it is in Itaborai, not in the city of Rio.
    text = "In Itaborai, Rio de Janeiro, police were shot at. A shoot-out broke out."
    ps = [_city("Itaborai", 3, -22.74, -42.86, "BR", "Rio de Janeiro", 200000),
          _city("Rio de Janeiro", 13, -22.91, -43.18, "BR", "Rio de Janeiro", 6000000)]
    second = text.index("A shoot-out")
    assert choose_place(ps, (second, len(text)), text.index("shoot-out"), 0).text == "Itaborai"


def _country(text, start, lat, lon, cc):
    return PlaceMention(start=start, end=start + len(text), text=text, name=text, feature="country", country_code=cc,
                        latitude=lat, longitude=lon, geo_precision=3)


def test_province_beats_its_country_when_the_village_is_unknown():
    # Invented note: the village before the comma is unknown, so only the country and the
    # district are left; the district is the finer guess although the country is nearer.
    text = "Troops of Ruritania shelled the posts of Borduria near Zelnik, Karvan."
    ps = [_country("Ruritania", 10, 40.0, 44.0, "AM"), _country("Borduria", 41, 40.5, 47.5, "AZ"),
          _admin1("Karvan", 63, 40.9, 45.6, "AZ")]
    assert choose_place(ps, (0, len(text)), text.index("shelled"), 0).text == "Karvan"


def test_earlier_province_beats_earlier_country():
    text = "Fighting went on in Karvan, Borduria. Two soldiers were wounded."
    ps = [_admin1("Karvan", 20, 40.9, 45.6, "AZ"), _country("Borduria", 28, 40.5, 47.5, "AZ")]
    s2 = text.index("Two")
    assert choose_place(ps, (s2, len(text)), text.index("wounded"), 0).text == "Karvan"


def _admin2(text, start, lat, lon, cc, admin1):
    return PlaceMention(start=start, end=start + len(text), text=text, name=text, feature="admin2", country_code=cc,
                        admin1=admin1, latitude=lat, longitude=lon, geo_precision=2)


def test_town_beats_the_district_in_its_sentence():
    # The district (a GeoNames admin2 with a seat, precision 2) sits nearer the trigger, but the
    # town is the finer place.
    text = "In Kestrel Bay, gunmen of Orla district wounded a guard."
    ps = [_city("Kestrel Bay", 3, 30.2, 74.1, "IN", "Punjab", 80000),
          _admin2("Orla district", 26, 30.3, 76.4, "IN", "Punjab")]
    assert choose_place(ps, (0, len(text)), text.index("wounded"), 0).text == "Kestrel Bay"


def test_town_read_abroad_loses_to_the_province_written_with_it():
    # "Valdora" has a bigger namesake abroad; the province after it says which country the
    # note is about, so the province (the best reading left) places the event.
    text = "On 3 May, police were shot at in Valdora, Sangre Alta."
    ps = [_city("Valdora", 33, 39.47, -0.38, "ES", "Valencia", 800000),
          _admin1("Sangre Alta", 42, 10.59, -61.13, "TT")]
    got = choose_place(ps, (0, len(text)), text.index("shot"), 0)
    assert got.country_code == "TT"


def test_event_only_in_a_province_stands_at_its_largest_town():
    from pipeline.geo import load_gazetteer
    from pipeline.geo.normalize import norm_key

    gaz = load_gazetteer()
    [balkh] = [e for e, _ in gaz.lookup(norm_key("Balkh")) if gaz.feature(e) == "admin1"]
    text = "Militants attacked a checkpoint in Balkh province."
    p = PlaceMention(start=35, end=49, text="Balkh province", name="Balkh", geonames_id=int(gaz.gid[balkh]), feature="admin1",
                     country_code="AF", admin1="Balkh", latitude=36.5, longitude=66.9, geo_precision=3)
    got = choose_place([p], (0, len(text)), text.index("attacked"), 0)
    assert abs(got.latitude - 36.71) < 0.1 and abs(got.longitude - 67.11) < 0.1  # Mazar-e Sharif
    assert got.geo_precision == 3 and got.rule.endswith(":admin1_town")


def test_village_far_from_the_town_written_after_it_is_a_namesake():
    # "in Barangay Lumot, Tarbay": the gazetteer's only Lumot lies 300 km from Tarbay.
    text = "A farmer was shot dead in Barangay Lumot, Tarbay on Sunday."
    ps = [_city("Lumot", 35, 7.0, 122.0, "PH", "Zamboanga", 3000),
          _city("Tarbay", 42, 7.0, 124.7, "PH", "Soccsksargen", 60000)]
    assert choose_place(ps, (0, len(text)), text.index("shot"), 0).text == "Tarbay"
