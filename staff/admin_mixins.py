"""Admin edits in the audit trail.

Add `AuditedAdminMixin` first in a ModelAdmin's bases and every save and
delete made through that admin writes an audit event in the same transaction:

    @admin.register(Campaign)
    class CampaignAdmin(AuditedAdminMixin, admin.ModelAdmin):
        ...

An edit records the changed form fields as {"field": [before, after]}; an
addition the fields given; a deletion the object's name. (A full model history
library would duplicate this for the few screens where staff edit rows by hand;
money never moves through these forms, and the services audit their own actions.)
"""

from typing import Any

from django.db import transaction

from staff.permissions import user_can
from staff.roles import PERMISSIONS
from staff.services.audit import audit_record


def _value(obj: Any, name: str) -> Any:
    value = getattr(obj, name, None)
    if hasattr(value, "all") and callable(value.all):  # a many-to-many manager
        return sorted(str(item.pk) for item in value.all())
    return value


class AuditedAdminMixin:
    def _audited_fields(self, form) -> list[str]:
        return [name for name in form.changed_data if name not in ("password",)]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The "before" values are read before the form writes onto the instance; kept
        # on the request, as one ModelAdmin instance serves every thread.
        request._audit_before = {}
        if object_id is not None and request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is not None:
                form_class = self.get_form(request, obj)
                request._audit_before = {
                    name: _value(obj, name) for name in form_class.base_fields if hasattr(obj, name)
                }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            before = getattr(request, "_audit_before", {})
            changes = {
                name: [before.get(name), _value(obj, name)] if change else _value(obj, name)
                for name in self._audited_fields(form)
            }
            audit_record(
                actor=request.user,
                action="admin.change" if change else "admin.add",
                subject=obj,
                changes=changes,
            )

    def save_related(self, request, form, formsets, change) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj) -> None:
        subject_type, subject_id, name = obj._meta.label_lower, obj.pk, str(obj)
        with transaction.atomic():
            super().delete_model(request, obj)
            audit_record(
                actor=request.user,
                action="admin.delete",
                subject_type=subject_type,
                subject_id=subject_id,
                changes={"object": name},
            )

    def delete_queryset(self, request, queryset) -> None:
        rows = [(obj._meta.label_lower, obj.pk, str(obj)) for obj in queryset]
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            for subject_type, subject_id, name in rows:
                audit_record(
                    actor=request.user,
                    action="admin.delete",
                    subject_type=subject_type,
                    subject_id=subject_id,
                    changes={"object": name},
                )


class RolePermissionsMixin:
    """Admin actions gated by a staff permission of a role, by name:

        @admin.action(description="Approve", permissions=["loan_decide"])

    Django calls `has_loan_decide_permission(request)`, answered here by
    `user_can(user, "staff.loan_decide")`; the action is hidden from, and
    refused to, anyone without it. The service checks again."""

    def __getattr__(self, name: str):
        if name.startswith("has_") and name.endswith("_permission"):
            codename = name[len("has_") : -len("_permission")]
            if codename in PERMISSIONS:
                return lambda request, obj=None: user_can(request.user, f"staff.{codename}")
        raise AttributeError(name)
