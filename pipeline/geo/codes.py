"""Small integer codes stored in the compiled index (shared by the builder and the readers)."""

FEATURES = ("city", "admin1", "admin2", "country", "region")
CITY, ADMIN1, ADMIN2, COUNTRY, REGION = range(5)
# How a name reached the index; the resolver trusts them in this order.
KIND_PRIMARY, KIND_ALTERNATE, KIND_STRIPPED, KIND_ABBREV = range(4)
