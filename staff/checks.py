from django.conf import settings
from django.core import checks

from staff.roles import APPROVAL_KINDS


@checks.register(checks.Tags.security)
def four_eyes_kinds_known(app_configs, **kwargs) -> list[checks.CheckMessage]:
    unknown = [kind for kind in settings.FOUR_EYES if kind not in APPROVAL_KINDS]
    if unknown:
        return [
            checks.Error(
                f"FOUR_EYES names unknown approval kinds: {', '.join(unknown)}",
                hint=f"The kinds are: {', '.join(APPROVAL_KINDS)}.",
                id="staff.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def four_eyes_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.FOUR_EYES:
        return [
            checks.Warning(
                "FOUR_EYES is empty: one person alone can move money out "
                "(adjustments, disbursements, write-offs, payouts).",
                hint="Leave FOUR_EYES unset (every kind) or list the kinds that need "
                "a second person.",
                id="staff.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def staff_mfa_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.STAFF_MFA != "required" and not settings.DEBUG:
        return [
            checks.Warning(
                f"STAFF_MFA={settings.STAFF_MFA!r}: staff can approve payouts, disbursements "
                "and adjustments with a password alone.",
                hint="Leave STAFF_MFA unset (required) in production; 'optional' is for "
                "development and demos.",
                id="staff.W002",
            )
        ]
    return []
