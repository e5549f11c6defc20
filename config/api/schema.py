"""Schema pieces every app's API documents its errors with."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

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


def error_responses(*statuses: int, **overrides: str) -> dict[int, OpenApiResponse]:
    """Documented error answers for an operation, each with an example body.

    `overrides` maps "e400" style keys to another code for that status."""
    responses = {}
    for status_code in statuses:
        code, message = _DEFAULTS[status_code]
        if f"e{status_code}" in overrides:
            code = overrides[f"e{status_code}"]
            message = _MESSAGES.get(code, message)
        example = {"error": code, "message": message, "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b"}
        if status_code == 400 and code == "validation_error":
            example["details"] = {"amount": ["Ensure this value is greater than or equal to 0.01."]}
        responses[status_code] = OpenApiResponse(
            response=ErrorOut,
            description=message,
            examples=[
                OpenApiExample(
                    code, value=example, response_only=True, status_codes=[str(status_code)]
                )
            ],
        )
    return responses
