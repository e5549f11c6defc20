"""Resetting a staff member's lost second factor through four-eyes (kind `mfa_reset`).

A reset hands a staff account back to whoever knows its password, so one
administrator asks and another approves; nobody resets their own (403
conflict_of_interest). The reset removes the authenticator and the recovery
codes (accounts.services.mfa); the person enrols again at their next sign-in.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.mfa import mfa_devices_reset
from staff.approvals import register_kind
from staff.errors import ConflictOfInterest
from staff.permissions import require_perm
from staff.roles import checker_perm
from staff.services.approvals import ApprovalOutcome, approval_request

KIND = "mfa_reset"


def mfa_reset_request(*, user: User, reason: str, by: User) -> ApprovalOutcome:
    """Ask for `user`'s authenticator and recovery codes to be removed.

    `by` needs staff.mfa_reset_request; a reason is required (say how the loss
    was confirmed). With four-eyes (the default) another administrator approves."""
    require_perm(by, "staff.mfa_reset_request")
    if user.pk == by.pk:
        raise ConflictOfInterest(_("You cannot reset your own second factor."))
    return approval_request(
        kind=KIND, requested_by=by, subject=user, params={"email": user.email}, reason=reason
    )


def _execute(approval: Any, *, by: User) -> int:
    return mfa_devices_reset(
        user=User.objects.get(pk=approval.subject_id), by=by, approval_id=approval.pk
    )


def _owner(approval: Any) -> list[str]:
    return [approval.subject_id]


def _describe(approval: Any) -> str:
    return f"Reset the second factor of {approval.params.get('email', approval.subject_id)}"


def register() -> None:
    register_kind(
        KIND,
        execute=_execute,
        checker_perm=checker_perm(KIND),
        subject_of=_owner,
        describe=_describe,
    )
