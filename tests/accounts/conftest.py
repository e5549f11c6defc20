import pytest

from tests.stripe_fixtures import stripe_standin_settings


@pytest.fixture
def stripe_api(settings):
    """PAYMENT_GATEWAY=stripe, the SDK pointed at a local stand-in of Stripe's API."""
    with stripe_standin_settings(settings) as api:
        yield api
