"""Staff screens for financing: approvals queue (pending first), every transition
as an action calling the same services as the API, schedules inline, CSV export."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render
from django.utils import timezone

from accounts.money import ZERO
from config.csv_export import csv_response
from config.errors import DomainError
from loans import selectors, services
from loans.models import MONEY, MURABAHA_MAX_PRICE, Installment, Loan, MurabahaContract, Payment
from staff.admin_mixins import RolePermissionsMixin


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
        return [("0", "On time"), ("1", "1-30 days"), ("31", "31-90 days"), ("91", "Over 90 days")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        today = timezone.localdate()
        ranges = {"0": (None, 0), "1": (1, 30), "31": (31, 90), "91": (91, None)}
        low, high = ranges.get(value, (None, None))
        if value == "0":
            return queryset.exclude(oldest_unpaid_due__lt=today)
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


def _request(modeladmin, request, queryset, ask, what: str) -> None:
    """Ask for a four-eyes move on each selected row: a request waits for a second
    person (the approvals queue); with the kind left out of FOUR_EYES it is done now."""
    asked = done = 0
    for obj in queryset:
        try:
            outcome = ask(by=request.user, **{modeladmin.service_arg: obj})
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


class _FinancingAdmin(RolePermissionsMixin, admin.ModelAdmin):
    list_per_page = 50
    inlines = [InstallmentInline, PaymentInline]

    def has_add_permission(self, request) -> bool:
        return False  # applications come from the borrower, through the service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="days past due")
    def days_past_due(self, obj) -> int:
        return obj.days_past_due


@admin.register(Loan)
class LoanAdmin(_FinancingAdmin):
    service_arg = "loan"
    list_display = (
        "created_at",
        "borrower",
        "principal_amount",
        "repaid_amount",
        "status",
        "repayment_months",
        "disbursement_date",
        "days_past_due",
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
    actions = ["approve", "reject", "disburse", "mark_defaulted", "export_csv"]

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

    @admin.action(description="Reject the selected applications", permissions=["loan_decide"])
    def reject(self, request, queryset):
        _run(self, request, queryset, services.loan_reject, "Rejected")

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


@admin.register(MurabahaContract)
class MurabahaContractAdmin(_FinancingAdmin):
    service_arg = "contract"
    list_display = (
        "created_at",
        "customer",
        "asset_description",
        "cost_price",
        "markup_amount",
        "sale_price",
        "paid_amount",
        "status",
        "days_past_due",
    )
    list_filter = ("status", DaysPastDueFilter, "created_at")
    search_fields = ("customer__email", "customer__name", "asset_description")
    list_select_related = ("customer",)
    readonly_fields = tuple(f.name for f in MurabahaContract._meta.fields)
    actions = ["acquire", "offer", "cancel", "export_csv"]

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
        description="Request the purchase of the asset (a second person approves)",
        permissions=["murabaha_acquire"],
    )
    def acquire(self, request, queryset):
        _request(self, request, queryset, services.murabaha_acquire_request, "Purchase")

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
