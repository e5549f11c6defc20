"""Staff screens: the approvals queue, the audit trail and role management.

Every button calls the same services as the API; what each person may see or
do is decided by their role's permissions (staff/roles.py), never by is_staff."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import MEMO_MAX_LENGTH, User
from config.csv_export import csv_response
from config.errors import DomainError
from staff import selectors, services
from staff.approvals import kind_get
from staff.models import REASON_MAX_LENGTH, Approval, AuditEvent, StaffMember
from staff.permissions import user_can
from staff.roles import ROLE_NAMES, ROLES_BY_NAME


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)]))


class _ReadOnly(admin.ModelAdmin):
    """Rows written only by the services: viewing is the only admin permission."""

    view_perm = "staff.staff_read"

    def has_view_permission(self, request, obj=None) -> bool:
        return user_can(request.user, self.view_perm)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Approvals -------------------------------------------------------------------------


class RequestedByMeFilter(admin.SimpleListFilter):
    title = "requested by"
    parameter_name = "requested_by"

    def lookups(self, request, model_admin):
        return [("me", "Me"), ("others", "Others")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(requested_by=request.user)
        if self.value() == "others":
            return queryset.exclude(requested_by=request.user)
        return queryset


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=MEMO_MAX_LENGTH, required=True
    )


class WalletAdjustmentForm(forms.Form):
    email = forms.EmailField(label="Wallet of (email)")
    amount = forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        help_text="Positive credits the wallet, negative debits it.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MEMO_MAX_LENGTH,
        help_text="Required. Kept with the approval and the ledger transaction.",
    )


@admin.register(Approval)
class ApprovalAdmin(_ReadOnly):
    list_display = (
        "requested_at",
        "kind",
        "status",
        "amount",
        "currency",
        "subject_type",
        "subject_id",
        "requested_by",
        "decided_by",
    )
    list_filter = ("status", "kind", RequestedByMeFilter, "requested_at")
    search_fields = ("=id", "subject_id", "requested_by__email", "reason")
    list_select_related = ("requested_by", "decided_by")
    date_hierarchy = "requested_at"
    readonly_fields = (
        "id",
        "kind",
        "status",
        "amount",
        "currency",
        "subject_type",
        "subject_id",
        "params",
        "requested_by",
        "requested_at",
        "reason",
        "decided_by",
        "decided_at",
        "decision_reason",
    )
    change_form_template = "admin/staff/approval/change_form.html"
    change_list_template = "admin/staff/approval/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:approval_id>/approve/",
                wrap(require_POST(self.approve_view)),
                name="staff_approval_approve",
            ),
            path(
                "<uuid:approval_id>/reject/",
                wrap(require_POST(self.reject_view)),
                name="staff_approval_reject",
            ),
            path(
                "wallet-adjustment/",
                wrap(self.wallet_adjustment_view),
                name="staff_approval_wallet_adjustment",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_request_adjustment": user_can(request.user, "staff.wallet_adjustment_request"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        approval = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if approval is not None and approval.is_pending:
            mine = approval.requested_by_id == request.user.pk
            checker = user_can(request.user, kind_get(approval.kind).checker_perm)
            extra.update(
                may_approve=checker and not mine,
                may_reject=checker or mine,
                withdrawing=mine,
                reject_form=RejectForm(),
            )
        return super().change_view(request, object_id, form_url, extra)

    def _back(self, approval_id):
        return redirect("admin:staff_approval_change", approval_id)

    def approve_view(self, request, approval_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        approval = get_object_or_404(Approval, pk=approval_id)
        try:
            services.approval_approve(approval=approval, by=request.user)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, f"Not approved: {_message(exc)}", messages.ERROR)
        else:
            self.message_user(request, "Approved and executed.", messages.SUCCESS)
        return self._back(approval_id)

    def reject_view(self, request, approval_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        approval = get_object_or_404(Approval, pk=approval_id)
        form = RejectForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Say why it is rejected.", messages.ERROR)
            return self._back(approval_id)
        try:
            services.approval_reject(
                approval=approval, by=request.user, reason=form.cleaned_data["reason"]
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, f"Not rejected: {_message(exc)}", messages.ERROR)
        else:
            self.message_user(request, "Rejected; nothing was done.", messages.SUCCESS)
        return self._back(approval_id)

    def wallet_adjustment_view(self, request):
        if not user_can(request.user, "staff.wallet_adjustment_request"):
            raise PermissionDenied
        form = WalletAdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = User.objects.filter(email__iexact=form.cleaned_data["email"].strip()).first()
            if user is None:
                form.add_error("email", "No account has this email address.")
            else:
                try:
                    outcome = services.wallet_adjustment_request(
                        user=user,
                        amount=Decimal(form.cleaned_data["amount"]),
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                    )
                except ValidationError as exc:
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    if outcome.pending:
                        self.message_user(
                            request,
                            "Requested; it happens when a finance colleague approves it.",
                            messages.SUCCESS,
                        )
                        return self._back(outcome.approval.pk)
                    self.message_user(request, f"Adjusted the wallet of {user.email}.")
                    return redirect("admin:staff_approval_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Request a wallet adjustment",
            "form": form,
            "opts": self.model._meta,
            "limit": services.wallet_adjustment_max(),
        }
        return render(request, "admin/staff/approval/wallet_adjustment.html", context)


# --- Audit trail -----------------------------------------------------------------------

AUDIT_CSV_HEADER = [
    "at",
    "actor_email",
    "action",
    "subject_type",
    "subject_id",
    "request_id",
    "client_address",
    "changes",
    "reason",
]


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnly):
    view_perm = "staff.audit_read"
    list_display = (
        "at",
        "action",
        "actor",
        "subject_type",
        "subject_id",
        "request_id",
        "client_address",
    )
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "at")
    search_fields = ("action", "subject_id", "actor__email", "request_id", "reason")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    readonly_fields = (
        "id",
        "at",
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "request_id",
        "client_address",
        "changes",
        "reason",
    )
    actions = ["export_csv"]

    @admin.action(description="Export the selected events as CSV")
    def export_csv(self, request, queryset):
        import json

        from django.core.serializers.json import DjangoJSONEncoder

        rows = (
            [
                event.at.isoformat(),
                event.actor.email if event.actor else "",
                event.action,
                event.subject_type,
                event.subject_id,
                event.request_id,
                event.client_address or "",
                json.dumps(event.changes, cls=DjangoJSONEncoder, sort_keys=True),
                event.reason,
            ]
            for event in queryset.select_related("actor").order_by("-at", "-id").iterator()
        )
        return csv_response(f"audit-{timezone.localdate():%Y-%m-%d}.csv", AUDIT_CSV_HEADER, rows)


# --- Roles -----------------------------------------------------------------------------


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {ROLES_BY_NAME[name].description}") for name in ROLE_NAMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Any role makes the person staff; none takes staff status away.",
    )


class MfaResetForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the loss of the authenticator was confirmed. Another administrator "
        "approves; the person then sets up a new one.",
    )


@admin.register(StaffMember)
class StaffMemberAdmin(_ReadOnly):
    """Who holds which role. Changing roles goes through the service (audited)."""

    list_display = ("email", "name", "is_active", "is_staff", "roles")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    fields = ("email", "name", "is_active", "is_staff", "is_superuser", "roles", "last_login")
    readonly_fields = fields
    change_form_template = "admin/staff/staffmember/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, obj) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all() if g.name in ROLE_NAMES)) or "-"

    def get_urls(self):
        return [
            path(
                "<uuid:user_id>/roles/",
                self.admin_site.admin_view(require_POST(self.roles_view)),
                name="staff_staffmember_roles",
            ),
            path(
                "<uuid:user_id>/mfa-reset/",
                self.admin_site.admin_view(require_POST(self.mfa_reset_view)),
                name="staff_staffmember_mfa_reset",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and user_can(request.user, "staff.roles_manage"):
            extra["roles_form"] = RolesForm(initial={"roles": selectors.user_role_names(user=obj)})
            extra["roles_url"] = reverse("admin:staff_staffmember_roles", args=[obj.pk])
        if obj is not None and user_can(request.user, "staff.mfa_reset_request"):
            extra["mfa_reset_form"] = MfaResetForm()
            extra["mfa_reset_url"] = reverse("admin:staff_staffmember_mfa_reset", args=[obj.pk])
        return super().change_view(request, object_id, form_url, extra)

    def mfa_reset_view(self, request, user_id):
        """Ask for the reset of someone's second factor (four-eyes, kind mfa_reset)."""
        if not user_can(request.user, "staff.mfa_reset_request"):
            raise PermissionDenied
        target = get_object_or_404(User, pk=user_id)
        form = MfaResetForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Say how the loss was confirmed.", messages.ERROR)
            return redirect("admin:staff_staffmember_change", user_id)
        try:
            outcome = services.mfa_reset_request(
                user=target, reason=form.cleaned_data["reason"], by=request.user
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, f"Not requested: {_message(exc)}", messages.ERROR)
        else:
            done = (
                "Requested; it happens when another administrator approves it."
                if outcome.pending
                else f"The second factor of {target.email} is reset."
            )
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:staff_staffmember_change", user_id)

    def roles_view(self, request, user_id):
        if not user_can(request.user, "staff.roles_manage"):
            raise PermissionDenied
        target = get_object_or_404(User, pk=user_id)
        form = RolesForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Choose roles from the list.", messages.ERROR)
        else:
            try:
                services.user_roles_set(
                    user=target, roles=form.cleaned_data["roles"], by=request.user
                )
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"Roles not changed: {_message(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"Roles of {target.email} saved.", messages.SUCCESS)
        return redirect("admin:staff_staffmember_change", user_id)
