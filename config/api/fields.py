"""Serializer fields shared by every app's API."""

import re
from decimal import Decimal
from typing import ClassVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_PLAIN_AMOUNT = re.compile(r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$", "example": "100.00"},
            {"type": "number", "example": 100.0},
        ],
        "description": "An amount with at most two decimal places, as a string or a number.",
    }
)
class MoneyField(serializers.DecimalField):
    """A money amount: a plain decimal with at most two places.

    Accepts a JSON string or number. Refuses booleans, NaN, Infinity, exponent
    notation ("1e3"), more than two places and values beyond 18 digits, each
    with a message that says what to send instead.
    """

    default_error_messages = {
        "invalid": "Enter an amount like 1500.00: digits, optionally a point and two decimals.",
    }
    # What a well-formed value looks like; a subclass for another quantity (grams)
    # changes this and its defaults below, the checks stay the same.
    plain: ClassVar[re.Pattern] = _PLAIN_AMOUNT

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, Decimal)):
            self.fail("invalid")
        text = str(data).strip()
        if not self.plain.match(text):
            if re.match(rf"^-?[0-9]+\.[0-9]{{{self.decimal_places + 1},}}$", text):
                self.fail("max_decimal_places", max_decimal_places=self.decimal_places)
            if re.match(rf"^-?[0-9]{{{self.max_digits - self.decimal_places + 1},}}", text):
                self.fail("max_digits", max_digits=self.max_digits)
            self.fail("invalid")
        return super().to_internal_value(text)
