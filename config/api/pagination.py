"""Cursor pagination with the contract's envelope and strict `limit` rules.

Cursors are stable under inserts and never need a COUNT query. They are signed:
a client can pass one back but cannot forge or edit one, so a cursor never
reaches the database with a position we did not write.
"""

from django.core import signing
from rest_framework import exceptions, pagination
from rest_framework.pagination import Cursor
from rest_framework.response import Response

_CURSOR_SALT = "ose.api.cursor"

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class CursorPagination(pagination.CursorPagination):
    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    cursor_query_param = "cursor"
    ordering = ("-created_at", "-id")

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {"limit": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def encode_cursor(self, cursor: Cursor) -> str:
        # The token alone, not DRF's link around it: the envelope carries
        # `next_cursor`, and a URL built only to be parsed apart again (as this
        # did) cost a list page more than signing the token.
        return signing.dumps(
            [cursor.offset, int(cursor.reverse), cursor.position], salt=_CURSOR_SALT, compress=True
        )

    def decode_cursor(self, request) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None
        try:
            offset, reverse, position = signing.loads(token, salt=_CURSOR_SALT)
            if not (isinstance(offset, int) and 0 <= offset <= self.offset_cutoff):
                raise ValueError(offset)
        except (signing.BadSignature, ValueError, TypeError):
            raise exceptions.ValidationError({"cursor": ["This cursor is not valid."]}) from None
        return Cursor(offset=offset, reverse=bool(reverse), position=position)

    def get_next_cursor(self) -> str | None:
        # DRF's get_next_link() decides whether there is a next page and where it
        # starts; with encode_cursor above it returns that page's token.
        return self.get_next_link() or None

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"items": data, "next_cursor": self.get_next_cursor(), "has_more": self.has_next}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["items", "next_cursor", "has_more"],
            "properties": {
                "items": schema,
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Pass as `cursor` to fetch the next page; null on the last.",
                    "example": None,
                },
                "has_more": {"type": "boolean", "example": False},
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque `next_cursor` of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
        ]
