from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def sandbox_gateway_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from accounts.payments import get_gateway

    try:
        gateway = get_gateway()
    except ImportError as exc:
        return [
            checks.Error(
                f"PAYMENT_GATEWAY={settings.PAYMENT_GATEWAY!r} cannot be loaded: {exc}",
                id="accounts.E001",
            )
        ]
    if gateway.is_sandbox and not settings.DEBUG:
        return [
            checks.Warning(
                "The sandbox payment gateway approves every top-up without taking any money.",
                hint="Set PAYMENT_GATEWAY to your payment provider's gateway in production.",
                id="accounts.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def stripe_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """PAYMENT_GATEWAY=stripe cannot take a card without its API key, nor trust a
    webhook without the endpoint's signing secret."""
    if settings.PAYMENT_GATEWAY not in ("stripe", "accounts.payments_stripe.StripeGateway"):
        return []
    errors = []
    key = settings.STRIPE_SECRET_KEY
    if not key:
        errors.append(
            checks.Error(
                "PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY.",
                hint="The secret key (sk_live_... or a restricted rk_live_...) from Stripe's "
                "dashboard.",
                id="accounts.E002",
            )
        )
    elif not key.startswith(("sk_", "rk_")):
        errors.append(
            checks.Error(
                "STRIPE_SECRET_KEY is not a Stripe secret key (sk_... or rk_...).",
                hint="A publishable key (pk_...) cannot create payments.",
                id="accounts.E003",
            )
        )
    if not settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
        errors.append(
            checks.Error(
                "PAYMENT_GATEWAY=stripe needs STRIPE_WEBHOOK_SECRET (whsec_...).",
                hint="The signing secret of the webhook endpoint "
                "/api/v1/wallet/top-ups/webhooks/stripe in Stripe's dashboard.",
                id="accounts.E004",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def stripe_return_url_public(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """After 3-D Secure Stripe sends the payer to STRIPE_RETURN_URL: left at its
    development default, payers would land on their own machine."""
    from urllib.parse import urlsplit

    if settings.PAYMENT_GATEWAY not in ("stripe", "accounts.payments_stripe.StripeGateway"):
        return []
    url = urlsplit(settings.STRIPE_RETURN_URL)
    if url.scheme != "https" or url.hostname in ("localhost", "127.0.0.1", None):
        return [
            checks.Warning(
                "STRIPE_RETURN_URL is not an https address of this site.",
                hint="Set it to https://<your host>/wallet/.",
                id="accounts.W002",
            )
        ]
    return []
