"""Staff screens for zakat distribution: the cases queue (submitted first), documents
inline (downloaded through the protected view), approve / reject / request a
disbursement as actions calling the same services as the API, and the fund's
figures (balance, this Hijri year, overdue zakat) above the list."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts import money
from accounts.money import CENT
from config.errors import DomainError
from distribution import selectors, services
from distribution.models import (
    REASON_MAX_LENGTH,
    AsnafCategory,
    ZakatCase,
    ZakatCaseDocument,
    ZakatDisbursement,
)
from staff.admin_mixins import Decision, DecisionButtonsMixin, RolePermissionsMixin

_MONEY = {"max_digits": 18, "decimal_places": 2}


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DocumentInline(_ReadOnlyInline):
    model = ZakatCaseDocument
    fields = ("download", "content_type", "size", "created_at")
    readonly_fields = fields

    @admin.display(description="document")
    def download(self, obj: ZakatCaseDocument) -> str:
        url = reverse("distribution:document", args=[obj.case_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class DisbursementInline(_ReadOnlyInline):
    model = ZakatDisbursement
    fk_name = "case"
    fields = ("created_at", "amount", "category", "method", "source", "requested_by", "approved_by")
    readonly_fields = fields


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("7", "Under a week"), ("30", "Under a month"), ("old", "Over a month")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        now = timezone.now()
        if value == "old":
            return queryset.filter(created_at__lt=now - timedelta(days=30))
        if value in ("7", "30"):
            return queryset.filter(created_at__gte=now - timedelta(days=int(value)))
        return queryset


class ApproveForm(forms.Form):
    asnaf_category = forms.ChoiceField(label="Category", choices=AsnafCategory.choices)
    approved_amount = forms.DecimalField(min_value=CENT, **_MONEY)
    note = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, widget=forms.Textarea)


class DisburseForm(forms.Form):
    amount = forms.DecimalField(
        min_value=CENT, **_MONEY, required=False, help_text="Empty: what remains of each case."
    )
    method = forms.ChoiceField(choices=ZakatDisbursement.Method.choices)
    source = forms.ChoiceField(choices=ZakatDisbursement.Source.choices)
    campaign_id = forms.UUIDField(required=False)
    reference = forms.CharField(max_length=200, required=False)


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)]))


@admin.register(ZakatCase)
class ZakatCaseAdmin(DecisionButtonsMixin, RolePermissionsMixin, admin.ModelAdmin):
    # Key columns first and short (lists at 1366 px): who, status, how much.
    list_display = (
        "beneficiary_name",
        "status",
        "amount_requested",
        "asnaf_category",
        "approved_amount",
        "disbursed_amount",
        "household_size",
        "applicant_email",
        "submitted",
    )
    decision_perm = "zakat_case_decide"
    decision_subject = "case"
    decisions = (
        Decision("approve", "Approve", services.zakat_case_approve, ApproveForm, ("submitted",)),
        Decision("reject", "Reject", services.zakat_case_reject, RejectForm, ("submitted",)),
    )
    list_filter = ("status", "asnaf_category", AgeFilter)
    search_fields = ("beneficiary_name", "applicant__email", "applicant__name", "need_description")
    list_select_related = ("applicant",)
    readonly_fields = [field.name for field in ZakatCase._meta.fields]
    inlines = [DocumentInline, DisbursementInline]
    actions = ["approve", "reject", "request_disbursement"]
    list_per_page = 50
    change_list_template = "admin/distribution/zakatcase/change_list.html"

    @admin.display(description="applicant", ordering="applicant__email")
    def applicant_email(self, obj: ZakatCase) -> str:
        return obj.applicant.email if obj.applicant_id else "-"

    @admin.display(description="submitted", ordering="created_at")
    def submitted(self, obj: ZakatCase) -> str:
        return timezone.localtime(obj.created_at).strftime("%-d %b %y")

    def get_queryset(self, request):
        # The queue: submitted first, then approved (to pay), then the rest.
        order = Case(
            When(status=ZakatCase.Status.SUBMITTED, then=Value(0)),
            When(status=ZakatCase.Status.APPROVED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(queue=order).order_by("queue", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # cases come through the service (the pages and the API)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        figures = selectors.zakat_fund_figures()
        return super().changelist_view(
            request,
            extra_context={
                **(extra_context or {}),
                "fund": figures,
                "currency": money.currency(),
            },
        )

    def _form_page(self, request, queryset, form, *, action: str, title: str, button: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "cases": queryset,
            "form": form,
            "opts": self.model._meta,
            "action": action,
            "button": button,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/distribution/zakatcase/action_form.html", context)

    def _each(self, request, queryset, move, done: str, **kwargs) -> None:
        ok = 0
        for case in queryset:
            try:
                outcome = move(case=case, by=request.user, **kwargs)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{case}: {_message(exc)}", messages.ERROR)
                continue
            ok += 1
            if getattr(outcome, "pending", False):
                done = "Requested; a second person approves"
        if ok:
            self.message_user(request, f"{done}: {ok}.", messages.SUCCESS)

    @admin.action(description="Approve under a category…", permissions=["zakat_case_decide"])
    def approve(self, request, queryset):
        form = ApproveForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(
                request, queryset, services.zakat_case_approve, "Approved", **form.cleaned_data
            )
            return None
        return self._form_page(
            request, queryset, form, action="approve", title="Approve", button="Approve"
        )

    @admin.action(description="Reject with a reason…", permissions=["zakat_case_decide"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(
                request, queryset, services.zakat_case_reject, "Rejected", **form.cleaned_data
            )
            return None
        return self._form_page(
            request, queryset, form, action="reject", title="Reject", button="Reject"
        )

    @admin.action(
        description="Request a disbursement (a second person approves)…",
        permissions=["zakat_disbursement_request"],
    )
    def request_disbursement(self, request, queryset):
        form = DisburseForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = dict(form.cleaned_data)
            amount = data.pop("amount")
            for case in queryset:
                self._each(
                    request,
                    [case],
                    services.zakat_disbursement_request,
                    "Paid",
                    amount=amount or case.remaining_amount or 0,
                    **data,
                )
            return None
        return self._form_page(
            request,
            queryset,
            form,
            action="request_disbursement",
            title="Request a zakat disbursement",
            button="Request",
        )


@admin.register(ZakatDisbursement)
class ZakatDisbursementAdmin(admin.ModelAdmin):
    list_display = ("created_at", "case", "amount", "category", "method", "source", "hijri_year")
    list_filter = ("category", "method", "source", "hijri_year")
    search_fields = ("case__beneficiary_name", "external_reference")
    list_select_related = ("case",)
    readonly_fields = [field.name for field in ZakatDisbursement._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
