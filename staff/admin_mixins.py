"""Admin edits in the audit trail.

Add `AuditedAdminMixin` first in a ModelAdmin's bases and every save and
delete made through that admin writes an audit event in the same transaction:

    @admin.register(User)
    class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
        ...

An edit records the changed form fields as {"field": [before, after]}; an
addition the fields given; a deletion the object's name. Passwords never enter
the trail. An admin whose save_model/delete_model call a service that records
its own event (campaigns, metal prices, zakat records) needs no mixin: it would
record the one edit twice. (A full model history
library would duplicate this for the few screens where staff edit rows by hand;
money never moves through these forms, and the services audit their own actions.)
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction

from staff.permissions import user_can
from staff.roles import PERMISSIONS
from staff.services.audit import audit_record


def _value(obj: Any, name: str) -> Any:
    value = getattr(obj, name, None)
    if hasattr(value, "all") and callable(value.all):  # a many-to-many manager
        return sorted(str(item.pk) for item in value.all())
    return value


def _is_many_to_many(obj: Any, name: str) -> bool:
    try:
        return obj._meta.get_field(name).many_to_many
    except FieldDoesNotExist:
        return False


class AuditedAdminMixin:
    def _audited_fields(self, form) -> list[str]:
        # Secrets stay out of the trail, hashed or not (a user's password, the
        # creation form's password1/password2 and usable_password).
        return [name for name in form.changed_data if "password" not in name]

    def _after(self, obj: Any, form, name: str) -> Any:
        # Many-to-many values are saved after save_model (in save_related): the
        # form holds what they become.
        if _is_many_to_many(obj, name) and name in form.cleaned_data:
            return sorted(str(item.pk) for item in form.cleaned_data[name] or [])
        return _value(obj, name)

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            # The "before" values are the row as stored: the form has already
            # written onto `obj` (the change page and list_editable alike).
            stored = type(obj)._base_manager.filter(pk=obj.pk).first() if change else None
            fields = self._audited_fields(form)
            before = {name: _value(stored, name) for name in fields} if stored else {}
            super().save_model(request, obj, form, change)
            changes = {
                name: [before.get(name), self._after(obj, form, name)]
                if change
                else self._after(obj, form, name)
                for name in fields
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


# --- Approve / Reject on a change page ---------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One button of a change page: its URL part, its label, the service it calls
    (with the object, `by` and the form's fields), the form asking for those fields,
    and the statuses of the object in which it is offered."""

    name: str
    label: str
    service: Callable
    form: type
    statuses: tuple[str, ...]


class DecisionButtonsMixin:
    """Approve and Reject buttons on a change page (not only in the actions menu),
    each opening a small form (the reason) and calling the same service as the API.

    The buttons show only to holders of `decision_perm` and only in a status where
    the move is allowed; the service checks again (who, which status, conflicts)."""

    decision_perm: str = ""
    decision_subject: str = ""
    decisions: tuple[Decision, ...] = ()
    change_form_template = "admin/decision_change_form.html"

    def get_urls(self):
        from django.urls import path

        info = (self.opts.app_label, self.opts.model_name)
        extra = [
            path(
                f"<path:object_id>/{decision.name}/",
                self.admin_site.admin_view(self._decision_view_for(decision)),
                name="{}_{}_{}".format(*info, decision.name),
            )
            for decision in self.decisions
        ]
        return extra + super().get_urls()

    def _decision_url(self, obj: Any, decision: Decision) -> str:
        from django.urls import reverse

        info = (self.opts.app_label, self.opts.model_name)
        return reverse(
            "admin:{}_{}_{}".format(*info, decision.name),
            args=[obj.pk],
            current_app=self.admin_site.name,
        )

    def _decision_view_for(self, decision: Decision):
        def view(request, object_id):
            return self.decision_view(request, object_id, decision)

        return view

    def decision_view(self, request, object_id, decision: Decision):
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.http import Http404
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse
        from django.urls import reverse

        from config.errors import DomainError

        if not user_can(request.user, f"staff.{self.decision_perm}"):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        form = decision.form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                decision.service(
                    **{self.decision_subject: obj}, by=request.user, **form.cleaned_data
                )
            except (DomainError, ValidationError) as exc:
                message = getattr(exc, "message", None) or "; ".join(exc.messages)
                self.message_user(request, f"{obj}: {message}", messages.ERROR)
            else:
                self.message_user(request, f"{decision.label}: {obj}.", messages.SUCCESS)
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{decision.label}: {obj}",
            "opts": self.opts,
            "original": obj,
            "form": form,
            "decision": decision,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/decision_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        buttons = []
        if user_can(request.user, f"staff.{self.decision_perm}"):
            obj = self.get_object(request, object_id)
            if obj is not None:
                buttons = [
                    (decision.label, self._decision_url(obj, decision))
                    for decision in self.decisions
                    if obj.status in decision.statuses
                ]
        return super().change_view(
            request,
            object_id,
            form_url,
            extra_context={**(extra_context or {}), "decision_buttons": buttons},
        )
