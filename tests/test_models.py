"""PlaceMention's hand-written __init__ (faster than the generated one) behaves as dataclass's would."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from pipeline.models import PlaceMention


def _generated():
    """PlaceMention as dataclass alone would make it, from the same fields."""
    specs = [(f.name, f.type, dataclasses.field(default=f.default) if f.default is not dataclasses.MISSING else dataclasses.field())
             for f in dataclasses.fields(PlaceMention)]
    return dataclasses.make_dataclass("PlaceMention", specs, frozen=True, slots=True)


def test_init_signature_is_the_generated_one():
    assert inspect.signature(PlaceMention.__init__).parameters == inspect.signature(_generated().__init__).parameters


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((1, 5, "Alep"), {}),
        ((1, 5, "Aleppo"), {"name": "Aleppo", "geonames_id": 170063, "feature": "city", "country_code": "SY", "admin1": "Aleppo",
                            "latitude": 36.2, "longitude": 37.16, "geo_precision": 1, "population": 1000000, "rule": "x", "qualifier": "near"}),
        ((1, 5, "Aleppo", "Aleppo", 170063, "city", "SY", "Aleppo", 36.2, 37.16, 1, 1000000, "x", "near"), {}),
        ((), {"start": 0, "end": 3, "text": "Ali", "rule": "unresolved:admin_word"}),
    ],
)
def test_fields_equality_hash_and_repr_are_the_generated_ones(args, kwargs):
    ref = _generated()(*args, **kwargs)
    pm = PlaceMention(*args, **kwargs)
    assert dataclasses.astuple(pm) == dataclasses.astuple(ref)
    assert repr(pm) == repr(ref)
    assert hash(pm) == hash(ref)
    assert pm == PlaceMention(*args, **kwargs) and pm != dataclasses.replace(pm, end=pm.end + 1)
    assert pickle.loads(pickle.dumps(pm)) == pm
    with pytest.raises(dataclasses.FrozenInstanceError):
        pm.start = 2  # type: ignore[misc]


def test_missing_or_unknown_arguments_fail_as_before():
    with pytest.raises(TypeError):
        PlaceMention(1, 5)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PlaceMention(1, 5, "x", colour="red")  # type: ignore[call-arg]
