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
