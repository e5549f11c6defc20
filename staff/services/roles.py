"""Giving and taking staff roles."""

from collections.abc import Sequence

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from staff.errors import ConflictOfInterest
from staff.permissions import require_perm
from staff.roles import ROLE_NAMES
from staff.services.audit import audit_record


def user_roles_set(*, user: User, roles: Sequence[str], by: User) -> User:
    """Make `user`'s roles exactly `roles` (other groups are left alone).

    Any role makes them staff; no role takes staff status away (a superuser
    stays staff). `by` needs staff.roles_manage and cannot change their own
    roles (403 conflict_of_interest); an unknown role is 400. Audited with the
    roles and staff status before and after."""
    require_perm(by, "staff.roles_manage")
    wanted = sorted(set(roles))
    unknown = [name for name in wanted if name not in ROLE_NAMES]
    if unknown:
        raise ValidationError(
            {"roles": [f"Unknown role(s): {', '.join(unknown)}. Roles: {', '.join(ROLE_NAMES)}."]}
        )
    if user.pk == by.pk:
        raise ConflictOfInterest(_("You cannot change your own roles."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
        was_staff = user.is_staff
        role_groups = list(Group.objects.filter(name__in=ROLE_NAMES))
        user.groups.remove(*[g for g in role_groups if g.name not in wanted])
        user.groups.add(*[g for g in role_groups if g.name in wanted])
        user.is_staff = bool(wanted) or user.is_superuser
        if user.is_staff != was_staff:
            user.save(update_fields=["is_staff"])
        changes = {}
        if before != wanted:
            changes["roles"] = [before, wanted]
        if was_staff != user.is_staff:
            changes["is_staff"] = [was_staff, user.is_staff]
        audit_record(actor=by, action="roles.set", subject=user, changes=changes)
    # Django caches permissions on the instance; the next check must see the new roles.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user
