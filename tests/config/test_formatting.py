"""config.api.formatting writes what DRF's fields write, value for value."""

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.settings import api_settings

from config.api import formatting

MONEY = serializers.DecimalField(max_digits=18, decimal_places=2)
PERCENT = serializers.DecimalField(max_digits=20, decimal_places=2)
GRAMS = serializers.DecimalField(max_digits=12, decimal_places=3)
DATE = serializers.DateField()
DATETIME = serializers.DateTimeField()

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.decimals(
    min_value=Decimal("-99999999999999.99"), max_value=Decimal("99999999999999.99"), places=2
)


def test_the_settings_it_copies_are_the_projects():
    assert api_settings.COERCE_DECIMAL_TO_STRING is True
    assert api_settings.DATE_FORMAT.lower() == "iso-8601"
    assert api_settings.DATETIME_FORMAT.lower() == "iso-8601"


def _same(fast, drf, value):
    try:
        expected = drf(value)
    except (InvalidOperation, serializers.ValidationError) as exc:
        with pytest.raises(type(exc)):
            fast(value)
        return
    assert fast(value) == expected


@given(decimals)
def test_money_as_drfs_decimal_field(value):
    _same(formatting.money, MONEY.to_representation, value)
    _same(lambda v: formatting.decimal_string(v, 18, 2), MONEY.to_representation, value)


@given(decimals)
def test_other_decimals_as_drfs_decimal_field(value):
    _same(lambda v: formatting.decimal_string(v, 20, 2), PERCENT.to_representation, value)
    _same(lambda v: formatting.decimal_string(v, 12, 3), GRAMS.to_representation, value)


@pytest.mark.parametrize(
    "value", [None, 0, 7, "12.345", 12.5, Decimal("0.005"), Decimal("0.015"), Decimal("-0.00")]
)
def test_money_edges_as_drfs(value):
    assert formatting.money(value) == MONEY.to_representation(value)


@given(st.none() | st.dates())
def test_dates_as_drfs_date_field(value):
    assert formatting.date(value) == DATE.to_representation(value)


# Bounds for hypothesis: naive on purpose (it adds the zones), a day inside the
# years a datetime can hold in any zone.
EARLIEST = dt.datetime(1900, 1, 2)  # noqa: DTZ001
LATEST = dt.datetime(9999, 12, 30)  # noqa: DTZ001

zones = st.sampled_from(
    [dt.UTC, zoneinfo.ZoneInfo("Asia/Riyadh"), zoneinfo.ZoneInfo("Europe/London")]
)


@given(st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=zones))
def test_aware_datetimes_as_drfs_datetime_field(value):
    assert formatting.datetime(value) == DATETIME.to_representation(value)
    assert formatting.datetime(value, timezone.get_current_timezone()) == (
        DATETIME.to_representation(value)
    )


@given(st.datetimes(min_value=EARLIEST, max_value=LATEST))
def test_naive_datetimes_as_drfs_datetime_field(value):
    assert formatting.datetime(value) == DATETIME.to_representation(value)


def test_datetimes_in_another_current_zone_as_drfs():
    value = dt.datetime(2026, 3, 1, 12, 30, 15, 120000, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Riyadh")):
        assert formatting.datetime(value) == DATETIME.to_representation(value)
        assert formatting.datetime(value) == "2026-03-01T15:30:15.120000+03:00"
    assert formatting.datetime(value) == "2026-03-01T12:30:15.120000Z"
    assert formatting.datetime(None) is None
    assert formatting.datetime("as given") == DATETIME.to_representation("as given")
