"""Idempotency-Key for money-moving POSTs, as one decorator.

Same user + same key + same body within 24 hours: the first response is
replayed, status and body byte for byte, and nothing happens twice. Same key
with another body: 409 idempotency_conflict. Two concurrent requests with one
key: the second waits on the first's unique-key insert (a row lock on
PostgreSQL, the write lock on SQLite) and then replays its answer, because the
record is written in the same database transaction as the effect.
"""

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from config.errors import DomainError
from config.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        "Any unique string (a UUID is ideal), up to 255 printable ASCII characters. "
        "Retrying with the same key and body within 24 hours replays the first "
        "answer and moves no money again; the same key with a different body is "
        "409 idempotency_conflict."
    ),
)


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    status = 409
    default_message = _("This Idempotency-Key was already used with a different request.")


class InvalidIdempotencyKey(DomainError):
    code = "validation_error"
    default_message = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status,
        content_type="application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler):
    """Decorate an APIView's `post`. Without the header the request runs as usual."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not _KEY.match(key):
            raise InvalidIdempotencyKey()
        fingerprint = _fingerprint(request)

        with transaction.atomic():
            IdempotencyRecord.objects.filter(
                user=request.user, key=key, created_at__lt=timezone.now() - TTL
            ).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                # Someone got here first with this key; by now their transaction
                # has committed (the insert waited for it), so replay or refuse.
                record = IdempotencyRecord.objects.get(user=request.user, key=key)
                if record.fingerprint != fingerprint:
                    raise IdempotencyConflict() from None
                return _replay(record)

            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)
            if response.status_code >= 500:
                # Nothing is remembered for a failure on our side: a retry runs again.
                transaction.set_rollback(True)
                return response
            if isinstance(response, Response):
                response = view.finalize_response(request, response, *args, **kwargs)
                response.render()
            record.response_status = response.status_code
            record.response_body = response.content
            record.save(update_fields=["response_status", "response_body"])
            return response

    return wrapper


def idempotency_purge(*, older_than: timedelta = TTL) -> int:
    """Delete keys past their 24 hours. Returns how many went."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
