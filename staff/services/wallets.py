"""Wallet adjustments through four-eyes (kind `wallet_adjustment`)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import User
from accounts.services import wallet_adjust
from staff.approvals import register_kind
from staff.errors import ConflictOfInterest
from staff.permissions import require_perm
from staff.roles import checker_perm
from staff.services.approvals import ApprovalOutcome, approval_request

KIND = "wallet_adjustment"


def wallet_adjustment_max() -> Decimal:
    """The largest adjustment either way (WALLET_ADJUSTMENT_MAX): a typo of a
    few zeros must not mint money, however many people approve it."""
    return money.quantize(settings.WALLET_ADJUSTMENT_MAX)


def wallet_adjustment_request(
    *, user: User, amount: Decimal, reason: str, by: User
) -> ApprovalOutcome:
    """Ask for `amount` (signed: positive credits) to be added to `user`'s wallet.

    `by` needs staff.wallet_adjustment_request and may not adjust their own
    wallet (403 conflict_of_interest). The amount is whole cents, not zero and
    at most WALLET_ADJUSTMENT_MAX either way (400); a reason is required. With
    four-eyes (the default) this stores a pending approval a finance colleague
    approves; without, the adjustment is posted now and the outcome carries
    the ledger transaction."""
    require_perm(by, "staff.wallet_adjustment_request")
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": ["Enter an amount like -25.00 or 100.00."]}) from None
    if not amount.is_finite() or amount == 0 or amount != money.quantize(amount):
        raise ValidationError({"amount": ["Enter a non-zero amount in whole cents."]})
    limit = wallet_adjustment_max()
    if abs(amount) > limit:
        raise ValidationError(
            {"amount": [f"An adjustment is at most {limit} either way (WALLET_ADJUSTMENT_MAX)."]}
        )
    if user.pk == by.pk:
        raise ConflictOfInterest(_("You cannot adjust your own wallet."))
    return approval_request(
        kind=KIND,
        requested_by=by,
        subject=user,
        amount=amount,
        params={},
        reason=reason,
    )


def _execute(approval: Any, *, by: User):
    """Post the adjustment as requested. The ledger names the requester (who
    decided the amount); the audit trail names both."""
    return wallet_adjust(
        user=User.objects.get(pk=approval.subject_id),
        amount=approval.amount,
        reason=approval.reason,
        by=approval.requested_by,
    )


def _owner(approval: Any) -> list[str]:
    return [approval.subject_id]


def register() -> None:
    register_kind(KIND, execute=_execute, checker_perm=checker_perm(KIND), subject_of=_owner)
