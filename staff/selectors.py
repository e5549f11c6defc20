"""Reads of approvals, audit events and roles, shared by the API and the admin."""

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from config.errors import NotAllowed, NotFound
from staff.models import Approval, AuditEvent
from staff.permissions import user_can
from staff.roles import ROLE_NAMES


def approval_list(
    *, user: User, status: str | None = None, kind: str | None = None
) -> QuerySet[Approval]:
    """Every approval for staff who read staff lists, newest first; none for others."""
    qs = Approval.objects.select_related("requested_by", "decided_by")
    if not user_can(user, "staff.staff_read"):
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-requested_at", "-id")


def approval_get_for(*, user: User, pk: Any, lock: bool = False) -> Approval:
    """One approval: 404 when it does not exist, 403 without staff.staff_read."""
    qs = Approval.objects.select_related("requested_by", "decided_by")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        approval = qs.filter(pk=pk).first()
    except (ValueError, ValidationError):
        approval = None
    if approval is None:
        raise NotFound()
    if not user_can(user, "staff.staff_read"):
        raise NotAllowed()
    return approval


def audit_event_list(
    *,
    user: User,
    actor: Any = None,
    action: str | None = None,
    subject_id: str | None = None,
) -> QuerySet[AuditEvent]:
    """The trail, newest first, for holders of staff.audit_read (auditors, administrators)."""
    qs = AuditEvent.objects.select_related("actor")
    if not user_can(user, "staff.audit_read"):
        return qs.none()
    if actor:
        qs = qs.filter(actor_id=actor)
    if action:
        qs = qs.filter(action=action)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    return qs.order_by("-at", "-id")


def role_list() -> QuerySet[Group]:
    """The six role groups with their permissions, in the table's order by name."""
    return (
        Group.objects.filter(name__in=ROLE_NAMES)
        .prefetch_related(
            Prefetch(
                "permissions",
                queryset=Group.permissions.rel.model.objects.select_related(
                    "content_type"
                ).order_by("content_type__app_label", "codename"),
            )
        )
        .order_by("name")
    )


def user_role_names(*, user: User) -> list[str]:
    """The roles a person holds (the names of their role groups), sorted."""
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


def user_roles_get_for(*, user: User, pk: Any) -> User:
    """The person whose roles `user` manages: 403 without staff.roles_manage, 404 unknown."""
    if not user_can(user, "staff.roles_manage"):
        raise NotAllowed()
    try:
        target = User.objects.filter(pk=pk).first()
    except (ValueError, ValidationError):
        target = None
    if target is None:
        raise NotFound()
    return target


def mfa_reset_subject_get_for(*, user: User, pk: Any) -> User:
    """The person whose second factor `user` asks to reset: 403 without
    staff.mfa_reset_request, 404 unknown."""
    if not user_can(user, "staff.mfa_reset_request"):
        raise NotAllowed()
    target = User.objects.filter(pk=pk).first()
    if target is None:
        raise NotFound()
    return target
