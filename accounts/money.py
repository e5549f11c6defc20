"""Money helpers used by every app: one quantize rule, one zero, one currency,
one check of an amount handed to a service (`parse_cents`)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one rounding rule wherever money is stored or shown."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def currency() -> str:
    return settings.PLATFORM_CURRENCY


def parse_cents(
    value: object,
    *,
    field: str,
    allow_zero: bool = False,
    signed: bool = False,
    maximum: Decimal | None = None,
    message: str | None = None,
) -> Decimal:
    """An amount of money in whole cents, or a field error naming `field`.

    The one check every service makes on an amount it is handed (the API's
    MoneyField already refuses most of these; services check again because the
    pages, the admin and the shell call them too). Positive by default;
    `allow_zero` admits 0, `signed` admits negatives (never 0 unless
    `allow_zero`), `maximum` caps the absolute value. `message` replaces the
    default wording where a form has its own."""
    try:
        amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: [message or "Enter an amount like 150.00."]}) from None
    try:
        whole_cents = amount.is_finite() and amount == quantize(amount)
    except InvalidOperation:  # too many digits to quantize: out of any range we take
        whole_cents = False
    if not whole_cents:
        raise ValidationError({field: [message or "Enter an amount in whole cents, like 150.00."]})
    if amount == 0 and not allow_zero:
        default = "Enter an amount other than zero." if signed else "Must be more than zero."
        raise ValidationError({field: [message or default]})
    if amount < 0 and not signed:
        raise ValidationError(
            {
                field: [
                    message
                    or ("Must be zero or more." if allow_zero else "Must be more than zero.")
                ]
            }
        )
    if maximum is not None and abs(amount) > maximum:
        raise ValidationError({field: [message or f"Enter an amount of at most {maximum}."]})
    return amount
