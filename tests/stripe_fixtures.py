"""Stripe pointed at the local stand-in of its API (tests/accounts/stripe_standin.py),
shared by every test that pays through the Stripe gateway: wallet top-ups
(tests/accounts) and pay-at-checkout (tests/giving)."""

from collections.abc import Iterator
from contextlib import contextmanager

from tests.accounts import stripe_standin as standin


@contextmanager
def stripe_standin_settings(settings) -> Iterator[standin.StripeStandIn]:
    """PAYMENT_GATEWAY=stripe, the SDK pointed at a running stand-in of Stripe's API
    and webhooks signed with the stand-in's endpoint secret."""
    with standin.StripeStandIn() as api:
        settings.PAYMENT_GATEWAY = "stripe"
        settings.STRIPE_SECRET_KEY = standin.SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = standin.WEBHOOK_SECRET
        settings.STRIPE_API_BASE = api.base
        settings.STRIPE_RETURN_URL = "https://ose.example/wallet/"
        yield api
