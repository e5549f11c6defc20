"""Schema pieces every app's API documents its errors with."""

from django.utils import translation
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from config.errors import DomainError

ErrorOut = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(help_text="A stable machine-readable code."),
        "message": serializers.CharField(help_text="What went wrong, for humans."),
        "request_id": serializers.CharField(help_text="Quote it when you contact us."),
        "details": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Validation errors only: the messages for each field.",
        ),
    },
)

_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("validation_error", "The request is not valid."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    402: ("insufficient_funds", "Your wallet balance is too low for this payment."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    409: ("idempotency_conflict", "This Idempotency-Key was used with a different request."),
    413: ("request_too_large", "The request body is too large."),
    429: ("throttled", "Too many requests. Please slow down and retry later."),
    503: ("prices_unavailable", "No metal prices are known yet."),
}


# Messages for codes that share a status with the defaults above.
_MESSAGES: dict[str, str] = {
    "invalid_credentials": "The email address or password is incorrect.",
    "token_invalid": "The token is invalid or has expired.",
    "payment_unavailable": "The payment provider is not answering. Nothing was charged.",
    "invalid_transition": "That change of status is not allowed.",
}


REQUEST_ID_EXAMPLE = "3d0f6c5e-8e0b-4a5e-9d43-1c2b"

ErrorSpec = int | type[DomainError]


def _example_body(code: str, message: str, extra: dict | None = None) -> dict:
    body = {"error": code, "message": message, "request_id": REQUEST_ID_EXAMPLE}
    if code == "validation_error":
        body["details"] = {"amount": ["Ensure this value is greater than or equal to 0.01."]}
    return {**body, **(extra or {})}


def error_responses(*specs: ErrorSpec, **overrides: str) -> dict[int, OpenApiResponse]:
    """Documented error answers for an operation, each with an example body.

    A spec is an HTTP status (its generic code, e.g. 404 `not_found`) or a
    DomainError class, whose code, status and message are read from the class
    itself, so the documentation cannot drift from what the service raises.
    Several specs with one status become one response with an example each.
    `overrides` maps "e400" style keys to another generic code for that status."""
    grouped: dict[int, list[tuple[str, str, dict | None]]] = {}
    for spec in specs:
        if isinstance(spec, int):
            code, message = _DEFAULTS[spec]
            if f"e{spec}" in overrides:
                code = overrides[f"e{spec}"]
                message = _MESSAGES.get(code, message)
            status_code, extra = spec, None
        else:
            # The schema documents the English text (the message itself is
            # translated per request by Accept-Language).
            with translation.override("en"):
                message = str(spec.default_message)
            code, status_code = spec.code, spec.status
            extra = getattr(spec, "example_extra", None)
        entries = grouped.setdefault(status_code, [])
        if all(code != known for known, _, _ in entries):
            entries.append((code, message, extra))
    responses = {}
    for status_code in sorted(grouped):
        entries = grouped[status_code]
        responses[status_code] = OpenApiResponse(
            response=ErrorOut,
            description=" / ".join(message for _, message, _ in entries)
            if len(entries) == 1
            else " / ".join(f"`{code}`" for code, _, _ in entries),
            examples=[
                OpenApiExample(
                    code,
                    value=_example_body(code, message, extra),
                    response_only=True,
                    status_codes=[str(status_code)],
                )
                for code, message, extra in entries
            ],
        )
    return responses
