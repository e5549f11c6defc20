"""Staff screens for financing: approvals queue (pending first), every transition
as an action calling the same services as the API, schedules inline, CSV export."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render
from django.utils import timezone

from accounts.money import CENT, ZERO
from config.csv_export import csv_response
from config.errors import DomainError
from loans import selectors, services
from loans.models import (
    INVOICE_MAX_LENGTH,
    LATE_CHARITY_MAX_PERCENT,
    MAX_MONTHS,
    MONEY,
    MURABAHA_MAX_PRICE,
    REJECTION_REASON_MAX_LENGTH,
    SUPPLIER_MAX_LENGTH,
    Installment,
    Loan,
    MurabahaContract,
    Payment,
)
from staff.admin_mixins import Decision, DecisionButtonsMixin, RolePermissionsMixin


class InstallmentInline(admin.TabularInline):
    model = Installment
    fields = ("number", "due_date", "amount", "paid_amount", "status", "paid_at", "reminded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(InstallmentInline):
    model = Payment
    fields = ("created_at", "amount", "source", "recorded_by", "ledger_transaction")
    readonly_fields = fields


class DaysPastDueFilter(admin.SimpleListFilter):
    title = "days past due"
    parameter_name = "past_due"

    def lookups(self, request, model_admin):
        return [
            ("0", "On time"),
            ("late", "Any days late"),
            ("1", "1-30 days"),
            ("31", "31-90 days"),
            ("91", "Over 90 days"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        today = timezone.localdate()
        ranges = {"0": (None, 0), "1": (1, 30), "31": (31, 90), "91": (91, None)}
        low, high = ranges.get(value, (None, None))
        if value == "0":
            return queryset.exclude(oldest_unpaid_due__lt=today)
        if value == "late":
            return queryset.filter(oldest_unpaid_due__lt=today)
        qs = queryset.filter(oldest_unpaid_due__lte=today - timedelta(days=low))
        if high is not None:
            qs = qs.filter(oldest_unpaid_due__gte=today - timedelta(days=high))
        return qs


def _run(modeladmin, request, queryset, move, done: str, **kwargs) -> None:
    ok = 0
    for obj in queryset:
        try:
            move(by=request.user, **{modeladmin.service_arg: obj}, **kwargs)
            ok += 1
        except (DomainError, ValidationError) as exc:
            message = getattr(exc, "message", None) or "; ".join(exc.messages)
            modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}.", messages.SUCCESS)


def _request(modeladmin, request, queryset, ask, what: str, **kwargs) -> None:
    """Ask for a four-eyes move on each selected row: a request waits for a second
    person (the approvals queue); with the kind left out of FOUR_EYES it is done now."""
    asked = done = 0
    for obj in queryset:
        try:
            outcome = ask(by=request.user, **{modeladmin.service_arg: obj}, **kwargs)
        except (DomainError, ValidationError) as exc:
            message = getattr(exc, "message", None) or "; ".join(exc.messages)
            modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
            continue
        if outcome.pending:
            asked += 1
        else:
            done += 1
    if asked:
        modeladmin.message_user(
            request, f"{what} requested; a second person approves: {asked}.", messages.SUCCESS
        )
    if done:
        modeladmin.message_user(request, f"{what} done: {done}.", messages.SUCCESS)


def _one_purchase(modeladmin, request, queryset, data: dict) -> None:
    """One invoice is one asset's purchase: recorded for one contract at a time."""
    if queryset.count() != 1:
        modeladmin.message_user(
            request, "Record one purchase at a time: select one contract.", messages.ERROR
        )
        return
    _request(modeladmin, request, queryset, services.murabaha_acquire_request, "Purchase", **data)


class _FinancingAdmin(RolePermissionsMixin, admin.ModelAdmin):
    list_per_page = 50
    inlines = [InstallmentInline, PaymentInline]

    def has_add_permission(self, request) -> bool:
        return False  # applications come from the borrower, through the service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="days late", ordering="oldest_unpaid_due")
    def days_past_due(self, obj) -> int:
        return obj.days_past_due

    @admin.display(description="applied", ordering="created_at")
    def applied(self, obj) -> str:
        return short_date(obj.created_at)


def short_date(value) -> str:
    """ "3 Dec 26": a date that fits a narrow column (lists at 1366 px)."""
    if value is None:
        return "-"
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return value.strftime("%-d %b %y")


class ConfirmForm(forms.Form):
    """No fields: the button itself is the decision (the service checks the rest)."""


class LoanRejectForm(forms.Form):
    reason = forms.CharField(max_length=REJECTION_REASON_MAX_LENGTH, widget=forms.Textarea)


@admin.register(Loan)
class LoanAdmin(DecisionButtonsMixin, _FinancingAdmin):
    service_arg = "loan"
    # Key columns first and short: a loan officer reads status and lateness at a glance.
    list_display = (
        "borrower_email",
        "status",
        "days_past_due",
        "principal_amount",
        "repaid_amount",
        "repayment_months",
        "applied",
    )
    list_display_links = ("borrower_email",)
    decision_perm = "loan_decide"
    decision_subject = "loan"
    decisions = (
        Decision("approve", "Approve", services.loan_approve, ConfirmForm, ("pending",)),
        Decision("reject", "Reject", services.loan_reject, LoanRejectForm, ("pending", "approved")),
    )
    list_filter = ("status", DaysPastDueFilter, "created_at")
    search_fields = ("borrower__email", "borrower__name", "purpose")
    list_select_related = ("borrower",)
    readonly_fields = (
        "id",
        "borrower",
        "principal_amount",
        "repaid_amount",
        "written_off_amount",
        "status",
        "purpose",
        "repayment_months",
        "disbursement_date",
        "decided_by",
        "decided_at",
        "rejection_reason",
        "disbursed_by",
        "closed_at",
        "created_at",
    )
    actions = ["approve", "reject", "disburse", "mark_defaulted", "reschedule", "export_csv"]

    @admin.display(description="borrower", ordering="borrower__email")
    def borrower_email(self, obj: Loan) -> str:
        return obj.borrower.email

    def get_queryset(self, request):
        # The approvals queue: pending first, then newest.
        return (
            selectors.with_oldest_unpaid(Loan.objects.select_related("borrower"))
            .annotate(
                queue=Case(
                    When(status="pending", then=Value(0)), default=1, output_field=IntegerField()
                )
            )
            .order_by("queue", "-created_at")
        )

    @admin.action(description="Approve the selected applications", permissions=["loan_decide"])
    def approve(self, request, queryset):
        _run(self, request, queryset, services.loan_approve, "Approved")

    @admin.action(description="Reject the selected applications…", permissions=["loan_decide"])
    def reject(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=RejectForm,
            action="reject",
            title="Reject: tell the applicants why",
            intro="The applicant reads the reason on their loan's page.",
            apply=lambda data: _run(
                self, request, queryset, services.loan_reject, "Rejected", reason=data["reason"]
            ),
        )

    @admin.action(
        description="Request disbursement of the selected loans (a second person approves)",
        permissions=["loan_disburse"],
    )
    def disburse(self, request, queryset):
        _request(self, request, queryset, services.loan_disburse_request, "Disbursement")

    @admin.action(
        description="Request the write-off of the selected loans (a second person approves)",
        permissions=["loan_mark_defaulted"],
    )
    def mark_defaulted(self, request, queryset):
        _request(self, request, queryset, services.loan_mark_defaulted_request, "Write-off")

    @admin.action(description="Reschedule (respite)…", permissions=["loan_decide"])
    def reschedule(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=RescheduleForm,
            action="reschedule",
            title="Reschedule: spread what remains again",
            intro="Nothing is ever added to what is owed (Qur'an 2:280).",
            apply=lambda data: _run(
                self,
                request,
                queryset,
                services.loan_reschedule,
                "Rescheduled",
                repayment_months=data["count"],
            ),
        )

    @admin.action(description="Export the selected loans as CSV")
    def export_csv(self, request, queryset):
        return csv_response(
            "loans.csv",
            [
                "id",
                "borrower",
                "principal",
                "repaid",
                "remaining",
                "status",
                "months",
                "disbursed",
                "days_past_due",
            ],
            (
                [
                    loan.pk,
                    loan.borrower.email,
                    loan.principal_amount,
                    loan.repaid_amount,
                    loan.remaining_balance,
                    loan.status,
                    loan.repayment_months,
                    loan.disbursement_date or "",
                    loan.days_past_due,
                ]
                for loan in queryset.select_related("borrower")
            ),
        )


class OfferForm(forms.Form):
    markup_amount = forms.DecimalField(
        min_value=ZERO,
        max_value=MURABAHA_MAX_PRICE,
        **MONEY,
        help_text="The fixed, disclosed profit. Sale price = cost + markup.",
    )
    valid_until = forms.DateField(
        required=False, help_text="The offer's last day (empty: 7 days from today)."
    )
    late_charity_percent = forms.DecimalField(
        required=False,
        min_value=ZERO,
        max_value=LATE_CHARITY_MAX_PERCENT,
        max_digits=5,
        decimal_places=2,
        help_text="Optional late-payment charity undertaking: percent of each overdue "
        "installment the customer pledges to charity (never the institution's income).",
    )


class AcquireForm(forms.Form):
    supplier_name = forms.CharField(
        max_length=SUPPLIER_MAX_LENGTH, help_text="A third party: never the customer."
    )
    supplier_email = forms.EmailField(required=False)
    actual_cost = forms.DecimalField(
        min_value=CENT,
        max_value=MURABAHA_MAX_PRICE,
        **MONEY,
        help_text="The invoice's cost: the offer is made on it.",
    )
    invoice_reference = forms.CharField(max_length=INVOICE_MAX_LENGTH)
    possession_date = forms.DateField(help_text="When the institution took possession.")


class RebateForm(forms.Form):
    amount = forms.DecimalField(
        min_value=CENT, **MONEY, help_text="At most the contract's deferred profit."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=REJECTION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the applicant.",
    )


class RescheduleForm(forms.Form):
    count = forms.IntegerField(
        label="New installments",
        min_value=1,
        max_value=MAX_MONTHS,
        help_text="What remains is spread over them; nothing is added.",
    )


def _form_action(
    modeladmin, request, queryset, *, form_class, action: str, title: str, intro: str, apply
):
    """An admin action that needs a form: shown first, applied on "apply" (one row
    at a time through `apply(obj, cleaned_data)`, which calls a service)."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        apply(form.cleaned_data)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "objects": queryset,
        "form": form,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return render(request, "admin/loans/action_form.html", context)


@admin.register(MurabahaContract)
class MurabahaContractAdmin(_FinancingAdmin):
    service_arg = "contract"
    list_display = (
        "created_at",
        "customer",
        "asset_description",
        "supplier_name",
        "cost_price",
        "markup_amount",
        "sale_price",
        "paid_amount",
        "profit_recognized",
        "status",
        "days_past_due",
    )
    list_filter = ("status", DaysPastDueFilter, "possession_date", "created_at")
    search_fields = (
        "customer__email",
        "customer__name",
        "asset_description",
        "supplier_name",
        "invoice_reference",
    )
    list_select_related = ("customer",)
    readonly_fields = tuple(f.name for f in MurabahaContract._meta.fields)
    actions = [
        "acquire",
        "offer",
        "cancel",
        "rebate",
        "reschedule",
        "mark_defaulted",
        "export_csv",
    ]

    def get_queryset(self, request):
        return (
            selectors.with_oldest_unpaid(MurabahaContract.objects.select_related("customer"))
            .annotate(
                queue=Case(
                    When(status__in=["requested", "asset_acquired"], then=Value(0)),
                    default=1,
                    output_field=IntegerField(),
                )
            )
            .order_by("queue", "-created_at")
        )

    @admin.action(
        description="Record the purchase of the asset… (a second person approves)",
        permissions=["murabaha_acquire"],
    )
    def acquire(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=AcquireForm,
            action="acquire",
            title="Record the purchase of the asset",
            intro="The institution buys the asset from a third party and holds it before "
            "it offers it (AAOIFI SS 8). The offer is made on the invoice's actual cost. "
            "A supplier who is the customer is refused (a sale back: 'inah).",
            apply=lambda data: _one_purchase(self, request, queryset, data),
        )

    @admin.action(
        description="Grant a rebate (ibra')… (a second person approves)",
        permissions=["loan_rebate"],
    )
    def rebate(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=RebateForm,
            action="rebate",
            title="Grant an early-settlement rebate (ibra')",
            intro="Discretionary, never promised in the contract; at most the deferred "
            "profit. It lowers what the customer owes, never income.",
            apply=lambda data: _request(
                self, request, queryset, services.murabaha_rebate_request, "Rebate", **data
            ),
        )

    @admin.action(description="Reschedule (respite)…", permissions=["loan_decide"])
    def reschedule(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=RescheduleForm,
            action="reschedule",
            title="Reschedule: spread what remains again",
            intro="Nothing is ever added to what is owed (Qur'an 2:280).",
            apply=lambda data: _run(
                self,
                request,
                queryset,
                services.murabaha_reschedule,
                "Rescheduled",
                installments_count=data["count"],
            ),
        )

    @admin.action(
        description="Mark defaulted and write off (a second person approves)",
        permissions=["loan_mark_defaulted"],
    )
    def mark_defaulted(self, request, queryset):
        _request(self, request, queryset, services.murabaha_mark_defaulted_request, "Write-off")

    @admin.action(description="Offer at cost + markup…", permissions=["murabaha_offer"])
    def offer(self, request, queryset):
        form = OfferForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            _run(
                self,
                request,
                queryset,
                services.murabaha_offer,
                "Offered",
                markup_amount=form.cleaned_data["markup_amount"],
                valid_until=form.cleaned_data["valid_until"],
                late_charity_percent=form.cleaned_data["late_charity_percent"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Offer at cost plus markup",
            "contracts": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/loans/offer.html", context)

    @admin.action(
        description="Cancel the selected contracts (before acceptance)", permissions=["loan_decide"]
    )
    def cancel(self, request, queryset):
        _run(self, request, queryset, services.murabaha_cancel, "Cancelled")

    @admin.action(description="Export the selected contracts as CSV")
    def export_csv(self, request, queryset):
        return csv_response(
            "murabaha.csv",
            [
                "id",
                "customer",
                "asset",
                "cost",
                "markup",
                "sale",
                "down",
                "paid",
                "remaining",
                "status",
                "days_past_due",
            ],
            (
                [
                    c.pk,
                    c.customer.email,
                    c.asset_description,
                    c.cost_price,
                    c.markup_amount if c.markup_amount is not None else "",
                    c.sale_price or "",
                    c.down_payment,
                    c.paid_amount,
                    c.remaining_balance,
                    c.status,
                    c.days_past_due,
                ]
                for c in queryset
            ),
        )
