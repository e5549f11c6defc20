"""DRF's output formatting of decimals, dates and datetimes, without a field object.

Lean output serializers (`CampaignOut.to_representation`) build each row as
one dict. Calling DRF's field instances for the values still cost, per value,
a copy of the decimal context, a power of ten, a settings lookup and the
current time zone: most of a row's time on a list of 100. These functions give
the same strings (tests/config/test_formatting.py holds them equal to DRF's
fields over many values) with that work done once:

- decimals: DRF's `DecimalField(max_digits, decimal_places)`: quantized in a
  context of `max_digits` digits, rounding half even (DRF's default context),
  written without exponent; the same InvalidOperation when a value does not fit;
- dates: ISO 8601 (DRF's DATE_FORMAT), None for None;
- datetimes: in the current time zone, ISO 8601 with `Z` for UTC (DRF's
  DATETIME_FORMAT), None for None; a naive one goes to DRF's field itself.

Only for the project's settings (ISO 8601 formats, COERCE_DECIMAL_TO_STRING):
`tests/config/test_formatting.py` fails if those change.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from django.utils import timezone
from rest_framework.fields import DateTimeField

_TRAPS = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
_contexts: dict[int, decimal.Context] = {}
_exponents: dict[int, Decimal] = {}


def _context(max_digits: int) -> decimal.Context:
    context = _contexts.get(max_digits)
    if context is None:
        context = _contexts[max_digits] = decimal.Context(
            prec=max_digits, rounding=decimal.ROUND_HALF_EVEN, traps=_TRAPS
        )
    return context


def _exponent(places: int) -> Decimal:
    exponent = _exponents.get(places)
    if exponent is None:
        exponent = _exponents[places] = Decimal(".1") ** places
    return exponent


def decimal_string(value: Decimal | None, max_digits: int = 18, decimal_places: int = 2) -> str:
    """`DecimalField(max_digits=..., decimal_places=...).to_representation(value)`."""
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value).strip())
    return f"{value.quantize(_exponent(decimal_places), context=_context(max_digits)):f}"


def money(value: Decimal | None) -> str:
    """An amount as the API writes money: `DecimalField(max_digits=18, decimal_places=2)`."""
    if value.__class__ is Decimal:
        return f"{value.quantize(_CENT, context=_MONEY_CONTEXT):f}"
    return decimal_string(value)


def date(value: dt.date | None) -> str | None:
    """`DateField().to_representation(value)`."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    return value.isoformat()


def datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    """`DateTimeField().to_representation(value)`; `tz` (the current time zone,
    `timezone.get_current_timezone()`) may be passed in by a caller formatting many."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    if tz is None:
        tz = timezone.get_current_timezone()
    if value.utcoffset() is None:  # naive: DRF makes it aware (and checks it exists)
        return _DATETIME.to_representation(value)
    text = value.astimezone(tz).isoformat()
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


_CENT = _exponent(2)
_MONEY_CONTEXT = _context(18)
_DATETIME = DateTimeField()
