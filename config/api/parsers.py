"""JSON parsing that keeps numbers exact and fails cleanly on hostile input."""

import codecs
import json
from decimal import Decimal

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed")


class JSONParser(parsers.JSONParser):
    """Decimals, never floats: a JSON number like 10.10 arrives as Decimal('10.10'),
    so money is exact from the first byte. NaN and Infinity are refused, and
    absurdly deep nesting is a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            return json.load(decoded, parse_float=Decimal, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
