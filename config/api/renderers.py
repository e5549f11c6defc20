"""JSON rendering that never turns money into a float, written by orjson when it
gives the very same bytes.

Output serializers hand the renderer strings (money already formatted, dates
already ISO 8601), integers, booleans and None, in dicts and lists. For such a
body orjson writes exactly what DRF's renderer writes (compact separators,
UTF-8 not escaped, control characters escaped the same way; U+2028 and U+2029
escaped afterwards, as DRF does) in a tenth of the time. Anything else in the
body (a float, a Decimal, a datetime, a lazy string, an enum member, a number
past 64 bits, text orjson refuses) or an `indent` asked for in the Accept
header sends the whole body down DRF's own path instead, so what a client
receives never depends on which path wrote it (tests/config/test_renderers.py).
"""

from decimal import Decimal

import orjson
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

_PLAIN = frozenset({str, int, bool, type(None)})


class JSONEncoder(DRFJSONEncoder):
    def default(self, obj):
        # DRF's encoder would write float(obj); a Decimal that reaches the
        # renderer unserialized must still come out exact.
        if isinstance(obj, Decimal):
            return str(obj)
        return super().default(obj)


def _plain(value) -> bool:
    """Whether `value` is dicts and lists (or tuples) of str, int, bool and None only."""
    if isinstance(value, dict):
        values = value.values()
    elif isinstance(value, list | tuple):
        values = value
    else:
        return type(value) in _PLAIN
    if _PLAIN.issuperset(map(type, values)):  # a row of scalars: one pass in C
        return True
    return all(_plain(v) for v in values if type(v) not in _PLAIN)


class JSONRenderer(DRFJSONRenderer):
    encoder_class = JSONEncoder

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if (
            data is not None
            and (not accepted_media_type or "indent" not in accepted_media_type)
            and not (renderer_context and renderer_context.get("indent") is not None)
            and _plain(data)
        ):
            try:
                ret = orjson.dumps(data)
            except orjson.JSONEncodeError:
                pass  # past 64 bits, a lone surrogate: DRF's path says what it says
            else:
                if b"\xe2\x80" in ret:  # DRF escapes U+2028 and U+2029 (JavaScript)
                    ret = ret.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                        b"\xe2\x80\xa9", b"\\u2029"
                    )
                return ret
        return super().render(data, accepted_media_type, renderer_context)
