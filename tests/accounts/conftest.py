import pytest

from tests.accounts import stripe_standin as standin


@pytest.fixture
def stripe_api(settings):
    """PAYMENT_GATEWAY=stripe, the SDK pointed at a local stand-in of Stripe's API."""
    with standin.StripeStandIn() as api:
        settings.PAYMENT_GATEWAY = "stripe"
        settings.STRIPE_SECRET_KEY = standin.SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = standin.WEBHOOK_SECRET
        settings.STRIPE_API_BASE = api.base
        settings.STRIPE_RETURN_URL = "https://ose.example/wallet/"
        yield api
