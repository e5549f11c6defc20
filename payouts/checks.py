from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def payout_gateway_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from payouts.gateways import get_payout_gateway

    try:
        gateway = get_payout_gateway()
    except ImportError as exc:
        return [
            checks.Error(
                f"PAYOUT_GATEWAY={settings.PAYOUT_GATEWAY!r} cannot be loaded: {exc}",
                id="payouts.E001",
            )
        ]
    if gateway.is_sandbox and not settings.DEBUG:
        return [
            checks.Warning(
                "The sandbox payout gateway marks every payout paid without sending money.",
                hint="Set PAYOUT_GATEWAY to your payout provider's gateway in production.",
                id="payouts.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def field_encryption_key_set(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from payouts.crypto import keys_valid

    if not settings.FIELD_ENCRYPTION_KEY and not settings.DEBUG:
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEY must be set when DEBUG is off: bank details would be "
                "encrypted with a key derived from SECRET_KEY.",
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`.",
                id="payouts.E002",
            )
        ]
    problem = keys_valid()
    if problem:
        return [
            checks.Error(
                f"FIELD_ENCRYPTION_KEY holds a key that is not a Fernet key: {problem}",
                id="payouts.E003",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def bankfile_debtor_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """PAYOUT_GATEWAY=bankfile pays from the institution's own account: without it
    no pain.001 file can be made and every payout would wait forever."""
    if settings.PAYOUT_GATEWAY not in ("bankfile", "payouts.bankfile.BankFileGateway"):
        return []
    from payouts.bankfile import debtor_problems

    return [
        checks.Error(problem, hint="README, Payouts by bank file.", id="payouts.E004")
        for problem in debtor_problems()
    ]
