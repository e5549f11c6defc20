"""The API's JSON renderer writes the bytes DRF's renderer writes, whichever path
(orjson, or DRF's own json.dumps) writes them."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.utils.functional import lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from config.api import renderers
from config.api.renderers import JSONRenderer


class _Reference(DRFJSONRenderer):
    """DRF's renderer with the project's encoder: what the API wrote before orjson."""

    encoder_class = renderers.JSONEncoder


def _both(data, media_type="application/json", context=None):
    ours = JSONRenderer().render(data, media_type, context)
    reference = _Reference().render(data, media_type, context)
    return ours, reference


text = st.text(
    st.characters(codec="utf-8")
    | st.sampled_from(["\u2028", "\u2029", "\x00", "\x1f", "\x7f", '"', "\\", "/", "é", "😀"])
)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | text
plain = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=30,
)


@given(plain)
def test_plain_bodies_are_written_as_drf_writes_them(data):
    ours, reference = _both(data)
    assert ours == reference


@given(plain)
def test_plain_bodies_go_through_orjson(data):
    # The fast path is taken whenever it can be (else this module is for nothing).
    assert renderers._plain(data)


@pytest.mark.parametrize(
    "data",
    [
        {"amount": Decimal("10.10"), "big": Decimal("12345678901234567.89")},
        {"at": dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC), "on": dt.date(2026, 1, 2)},
        {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        {"ratio": 0.1, "tiny": 1e-05, "huge": 1e16},
        {"lazy": lazy(lambda: "Anonymous", str)()},
        {1: "int key", "nested": [{"deep": [Decimal("1.5")]}]},
        {"beyond 64 bits": 2**64},
        ReturnDict({"items": ReturnList([{"a": "b"}], serializer=None)}, serializer=None),
        ("a", "tuple", 1),
        [],
        {},
        "",
    ],
)
def test_other_bodies_too(data):
    ours, reference = _both(data)
    assert ours == reference


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_floats_are_refused_as_before(value):
    with pytest.raises(ValueError, match="JSON compliant"):
        JSONRenderer().render({"x": value}, "application/json")


def test_a_lone_surrogate_fails_as_before():
    with pytest.raises(UnicodeEncodeError):
        _Reference().render({"x": "\ud800"}, "application/json")
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"x": "\ud800"}, "application/json")


@pytest.mark.parametrize(
    ("media_type", "context"),
    [
        ("application/json; indent=4", None),
        ("application/json; indent=0", None),
        ("application/json", {"indent": 2}),
        ("application/json", {"indent": 0}),
        (None, None),
    ],
)
def test_indenting_as_drf(media_type, context):
    data = {"items": [{"name": "a\u2028b", "n": 1}], "has_more": False}
    ours, reference = _both(data, media_type, context)
    assert ours == reference


def test_none_renders_nothing():
    assert JSONRenderer().render(None) == b""


def test_the_api_writes_json_that_reads_back():
    body = {"message": "زكاة \u2028 ok", "n": 3, "items": [None, True]}
    assert json.loads(JSONRenderer().render(body)) == body
