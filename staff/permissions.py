"""The one permission check of staff work, for services, the API and the admin.

    user_can(user, "staff.wallet_adjustment_request")
    permission_classes = [HasPerm("staff.audit_read")]

A staff action needs the permission its role carries (staff/roles.py) on an
active staff account; `is_staff` alone allows nothing. Superusers hold every
permission (Django's `has_perm`).

It is also the one gate of the second factor (STAFF_MFA, README "Security"): a
staff member holding a role (or a superuser) who signed in on the web without
a verified code acts as nobody's staff. The web layer marks every user it
authenticates with `is_verified()` (django-otp's middleware for sessions,
accounts.authentication for tokens); `HasPerm` answers such a user 403
`mfa_required`, the admin site sends them to the code page, and `user_can`
refuses them, so the owned routes where a service checks the permission (staff
editing a record, recording a repayment, reading everyone's rows) refuse too.
A user object that never went through the web layer (the shell, the services'
tests, a background task) has no `is_verified` and is not asked: services are
not where sign-in is decided.
"""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from config.errors import NotAllowed

# The roles whose holders must give a second factor under STAFF_MFA=required: every
# role that requests or approves money movements, the administrator who gives
# roles, and the auditor who reads the trail. A superuser counts as holding them.
MFA_ROLES: tuple[str, ...] = (
    "administrator",
    "finance",
    "zakat_officer",
    "loan_officer",
    "campaign_manager",
    "auditor",
)


class MfaRequired(NotAllowed):
    code = "mfa_required"
    status = 403
    default_message = _(
        "Staff actions need a second factor: sign in with your authenticator code "
        "(enrol one at /accounts/mfa/ first)."
    )


def mfa_applies(user: Any) -> bool:
    """Must this user give a second factor before acting as staff?"""
    if settings.STAFF_MFA != "required":
        return False
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_mfa_role_cache", None)
    if cached is None:
        cached = user.groups.filter(name__in=MFA_ROLES).exists()
        user._mfa_role_cache = cached
    return cached


def mfa_missing(user: Any, *, strict: bool = False) -> bool:
    """True when `user` must give a second factor and has not.

    `strict` (the web gates) treats a user with no `is_verified` as unverified;
    otherwise (services) such a user is not a web sign-in and is not asked."""
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None and not strict:
        return False
    if is_verified is not None and is_verified():
        return False
    return mfa_applies(user)


def _holds(user: Any, perm: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(perm)
    )


def user_can(user: Any, perm: str) -> bool:
    return _holds(user, perm) and not mfa_missing(user)


def staff_reads(user: Any) -> bool:
    """May `user` read other people's things as staff (records, loans, donations,
    drafts)? Staff whose role carries `staff.staff_read` (every role does), not
    `is_staff` alone; one who still owes the second factor reads only their own,
    like everyone else."""
    return user_can(user, "staff.staff_read")


def require_perm(user: Any, perm: str) -> None:
    """For services: raise NotAllowed (403 permission_denied) without the permission."""
    if not user_can(user, perm):
        raise NotAllowed()


_classes: dict[tuple[str, ...], type[BasePermission]] = {}


def HasPerm(*perms: str) -> type[BasePermission]:
    """A DRF permission class allowing a signed-in user holding any of `perms`.

    Anonymous callers get 401 (DRF asks them to authenticate), everyone else
    without the permission 403, and a holder whose session or token lacks the
    second factor 403 `mfa_required`."""
    key = tuple(perms)
    if key not in _classes:

        class _HasPerm(BasePermission):
            required = key
            message = "You do not have permission to perform this action."

            def has_permission(self, request, view) -> bool:
                if not any(_holds(request.user, perm) for perm in self.required):
                    return False
                if mfa_missing(request.user, strict=True):
                    raise MfaRequired()
                return True

        _HasPerm.__name__ = _HasPerm.__qualname__ = "HasPerm_" + "_or_".join(
            perm.replace(".", "_") for perm in key
        )
        _classes[key] = _HasPerm
    return _classes[key]
