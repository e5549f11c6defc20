"""The one permission check of staff work, for services, the API and the admin.

    user_can(user, "staff.wallet_adjustment_request")
    permission_classes = [HasPerm("staff.audit_read")]

A staff action needs the permission its role carries (staff/roles.py) on an
active staff account; `is_staff` alone allows nothing. Superusers hold every
permission (Django's `has_perm`).
"""

from typing import Any

from rest_framework.permissions import BasePermission

from config.errors import NotAllowed


def user_can(user: Any, perm: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(perm)
    )


def reads_as_staff(user: Any) -> bool:
    """May `user` read other people's records (zakat records, donations, loans,
    drafts)? Staff with a role that carries `staff.staff_read`, not `is_staff` alone."""
    return user_can(user, "staff.staff_read")


def require_perm(user: Any, perm: str) -> None:
    """For services: raise NotAllowed (403 permission_denied) without the permission."""
    if not user_can(user, perm):
        raise NotAllowed()


_classes: dict[tuple[str, ...], type[BasePermission]] = {}


def HasPerm(*perms: str) -> type[BasePermission]:
    """A DRF permission class allowing a signed-in user holding any of `perms`.

    Anonymous callers get 401 (DRF asks them to authenticate), everyone else
    without the permission 403."""
    key = tuple(perms)
    if key not in _classes:

        class _HasPerm(BasePermission):
            required = key
            message = "You do not have permission to perform this action."

            def has_permission(self, request, view) -> bool:
                return any(user_can(request.user, perm) for perm in self.required)

        _HasPerm.__name__ = _HasPerm.__qualname__ = "HasPerm_" + "_or_".join(
            perm.replace(".", "_") for perm in key
        )
        _classes[key] = _HasPerm
    return _classes[key]
