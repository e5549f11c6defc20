"""JSON rendering that never turns money into a float."""

from decimal import Decimal

from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder


class JSONEncoder(DRFJSONEncoder):
    def default(self, obj):
        # DRF's encoder would write float(obj); a Decimal that reaches the
        # renderer unserialized must still come out exact.
        if isinstance(obj, Decimal):
            return str(obj)
        return super().default(obj)


class JSONRenderer(DRFJSONRenderer):
    encoder_class = JSONEncoder
