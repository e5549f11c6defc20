"""One error envelope for the whole API.

Every 4xx/5xx under /api/ is `{"error", "message", "request_id"}`, validation
errors add `details`, and domain errors may add their own fields. Unexpected
exceptions become a JSON 500 that says nothing about the code behind it.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from config.errors import DomainError
from config.logging import request_id_var

logger = logging.getLogger("ose.api")

_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "validation_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "token_invalid"),
    (InvalidToken, "token_invalid"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def error_body(code: str, message: Any, **extra: Any) -> dict[str, Any]:
    # `message` may be a lazy translation (a domain error's default message): it
    # is rendered here, in the request's language (Accept-Language, through
    # LocaleMiddleware). The `error` code is never translated.
    return {"error": code, "message": str(message), "request_id": request_id_var.get(), **extra}


def error_json(status_code: int, code: str, message: str) -> JsonResponse:
    """The envelope for errors raised outside DRF (Django's 404/500 handlers)."""
    return JsonResponse(error_body(code, message), status=status_code)


def _details(detail: Any) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field": ["message", ...]}."""
    flat: dict[str, list[str]] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, item in enumerate(value):
                walk(item, f"{prefix}.{index}" if prefix else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk(detail, "")
    return flat


def _code_for(exc: exceptions.APIException) -> str:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return str(exc.default_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, **exc.extra), status=exc.status)

    if isinstance(exc, TokenError):
        exc = InvalidToken(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", _("The request body is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        return Response(
            error_body("bad_request", _("The request was refused.")),
            status=status.HTTP_400_BAD_REQUEST,
        )

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in API view", exc_info=exc)
        return Response(
            error_body("internal_error", _("Something went wrong on our side. Please try again.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, round(wait)))

    code = _code_for(exc)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(code, _("The request is not valid."), details=_details(exc.detail))
    elif isinstance(exc, exceptions.Throttled):
        body = error_body(code, _("Too many requests. Please slow down and retry later."))
    else:
        detail = exc.detail
        if isinstance(detail, dict):  # simplejwt packs its message in a dict
            detail = detail.get("detail", exc.default_detail)
        body = error_body(code, str(detail))
    return Response(body, status=exc.status_code, headers=headers)
