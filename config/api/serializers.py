"""Input serializers that hold requests to the JSON types the schema promises.

DRF coerces liberally ("5" into an integer field, 0 into a string field, "true"
into a boolean). The schema says otherwise, integrators code against the
schema, and a coerced value is how odd input slips past validation, so request
bodies are checked against each field's JSON type before DRF sees them.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from config.validators import MULTILINE_FIELD_NAMES, multi_line, single_line

_STRING_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.DurationField,
    serializers.UUIDField,
)


def _accepts(field: serializers.Field, value: Any) -> tuple[bool, str]:
    """Whether `value`'s JSON type fits `field`, and the type to name if not."""
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool), "true or false"
    if isinstance(value, bool):
        return False, "not a boolean"
    if isinstance(field, serializers.DecimalField):  # money: a string or a number
        return isinstance(value, (str, int, Decimal)), "a string or a number"
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, int), "an integer"
    if isinstance(field, serializers.FloatField):
        return isinstance(value, (int, Decimal)), "a number"
    if isinstance(field, serializers.MultipleChoiceField | serializers.ListField):
        return isinstance(value, list), "a list"
    if isinstance(field, serializers.ChoiceField) and any(
        not isinstance(choice, str) for choice in field.choices
    ):
        return True, ""
    if isinstance(field, _STRING_FIELDS):
        return isinstance(value, str), "a string"
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return isinstance(value, Mapping), "an object"
    if isinstance(field, serializers.ListSerializer):
        return isinstance(value, list), "a list"
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return isinstance(value, (str, int)), "an id"
    return True, ""


def _refuse_control_characters(field: serializers.Field, name: str) -> None:
    if isinstance(field, serializers.ListField) and field.child is not None:
        _refuse_control_characters(field.child, name)
    elif isinstance(field, serializers.CharField) and not field.read_only:
        rule = multi_line if name in MULTILINE_FIELD_NAMES else single_line
        if rule not in field.validators:
            field.validators = [*field.validators, rule]


class StrictTypesMixin:
    def get_fields(self):
        # Text refuses control characters (config.validators): single-line by
        # default, multi-line for the names in MULTILINE_FIELD_NAMES.
        fields = super().get_fields()
        for name, field in fields.items():
            _refuse_control_characters(field, name)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors: dict[str, list[str]] = {}
            for field in self._writable_fields:
                if field.field_name not in data:
                    continue
                value = data[field.field_name]
                if value is None:
                    continue  # allow_null decides
                ok, expected = _accepts(field, value)
                if not ok:
                    errors[field.field_name] = [f"Must be {expected}."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class InputSerializer(StrictTypesMixin, serializers.Serializer):
    """Base for request bodies: shape and JSON types only; rules live in services."""


class InputModelSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """The same for the few inputs that mirror a model."""
