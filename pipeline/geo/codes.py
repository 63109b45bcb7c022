"""Small integer codes stored in the compiled index (shared by the builder and the readers)."""

FEATURES = ("city", "admin1", "admin2", "country", "region")
CITY, ADMIN1, ADMIN2, COUNTRY, REGION = range(5)
# How a name reached the index; the resolver trusts them in this order.
KIND_PRIMARY, KIND_ALTERNATE, KIND_STRIPPED, KIND_ABBREV, KIND_VARIANT = range(5)
# KIND_VARIANT keys are spelling skeletons (normalize.variant_key), looked up only when nothing
# else matches.
