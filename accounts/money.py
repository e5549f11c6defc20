"""Money helpers used by every app: one quantize rule, one zero, one currency."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one rounding rule wherever money is stored or shown."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def currency() -> str:
    return settings.PLATFORM_CURRENCY
