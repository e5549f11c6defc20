"""The staff's payout screens: masked bank accounts, payouts with their state, manual
settlement of a payout the provider confirmed out of band, CSV export and the
settlement-report upload (reconciliation). Nothing here shows an IBAN in clear."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts import money
from config.csv_export import csv_response
from config.errors import DomainError
from payouts import selectors, services
from payouts.bankfile import STATEMENT_MAX_BYTES
from payouts.models import Payout, PayoutAccount, PayoutBatch
from payouts.reconciliation import reconcile
from staff.admin_mixins import RolePermissionsMixin
from staff.permissions import user_can

REPORT_MAX_BYTES = 5 * 1024 * 1024


class _ReadOnly(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RemovedFilter(admin.SimpleListFilter):
    title = "removed"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", "In use"), ("yes", "Removed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(PayoutAccount)
class PayoutAccountAdmin(_ReadOnly):
    list_display = ("holder_name", "iban_masked", "owner", "created_at", "deleted_at")
    list_filter = (RemovedFilter, "iban_country")
    search_fields = ("holder_name", "owner__email", "owner__name")
    list_select_related = ("owner",)
    fields = ("id", "owner", "holder_name", "iban_masked", "created_at", "deleted_at")
    readonly_fields = fields

    @admin.display(description="IBAN")
    def iban_masked(self, obj: PayoutAccount) -> str:
        return obj.iban_masked


class ReportForm(forms.Form):
    report = forms.FileField(
        label="Settlement report (CSV)",
        help_text="Columns: reference, amount, status (paid or failed), optionally date.",
    )


@admin.register(Payout)
class PayoutAdmin(RolePermissionsMixin, _ReadOnly):
    list_display = (
        "id",
        "source",
        "payee_name",
        "amount",
        "status",
        "iban",
        "gateway",
        "created_at",
        "settled_at",
    )
    list_filter = ("status", "source", "gateway")
    search_fields = ("payee_name", "owner__email", "provider_reference", "campaign__name")
    list_select_related = ("payout_account", "owner", "campaign")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "source",
        "owner",
        "campaign",
        "requested_by",
        "payee_name",
        "description",
        "iban",
        "amount",
        "status",
        "approval_id",
        "gateway",
        "provider_reference",
        "batch",
        "hold_transaction",
        "settle_transaction",
        "created_at",
        "sent_at",
        "settled_at",
        "failure_reason",
    )
    readonly_fields = fields
    actions = ["settle_paid", "settle_failed", "export_bank_file", "export_csv"]
    change_list_template = "admin/payouts/payout/change_list.html"

    @admin.display(description="IBAN")
    def iban(self, obj: Payout) -> str:
        return obj.iban_masked

    def _settle(self, request, queryset, *, paid: bool) -> None:
        done = 0
        for payout in queryset:
            try:
                services.payout_settle(
                    payout=payout,
                    paid=paid,
                    failure_reason="" if paid else "failed, recorded by finance",
                    by=request.user,
                )
                done += 1
            except (DomainError, ValidationError) as exc:
                message = getattr(exc, "message", None) or "; ".join(exc.messages)
                self.message_user(request, f"{payout.pk}: {message}", messages.ERROR)
        if done:
            self.message_user(request, f"Settled: {done}.", messages.SUCCESS)

    @admin.action(
        description="Settle as paid (the provider confirmed it)",
        permissions=["approve_withdrawal"],
    )
    def settle_paid(self, request, queryset):
        self._settle(request, queryset, paid=True)

    @admin.action(
        description="Settle as failed (the money goes back)", permissions=["approve_withdrawal"]
    )
    def settle_failed(self, request, queryset):
        self._settle(request, queryset, paid=False)

    @admin.action(
        description="Send the selected payouts in a new bank file (pain.001)",
        permissions=["approve_withdrawal"],
    )
    def export_bank_file(self, request, queryset):
        try:
            batch = services.payout_batch_export(
                by=request.user, payout_ids=list(queryset.values_list("pk", flat=True))
            )
        except services.NothingToExport:
            self.message_user(
                request, "None of the selected payouts waits for a bank file.", messages.INFO
            )
            return None
        except (DomainError, ValidationError) as exc:
            message = getattr(exc, "message", None) or "; ".join(exc.messages)
            self.message_user(request, message, messages.ERROR)
            return None
        self.message_user(
            request,
            f"Bank file {batch.message_id}: {batch.payout_count} payouts, {batch.total}. "
            "Download it from Bank files.",
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Export the selected payouts as CSV")
    def export_csv(self, request, queryset):
        return csv_response(
            "payouts.csv",
            [
                "id",
                "source",
                "payee",
                "iban",
                "amount",
                "status",
                "reference",
                "created",
                "settled",
            ],
            (
                [
                    p.pk,
                    p.source,
                    p.payee_name,
                    p.iban_masked,
                    p.amount,
                    p.status,
                    p.provider_reference,
                    p.created_at.isoformat(),
                    p.settled_at.isoformat() if p.settled_at else "",
                ]
                for p in queryset.select_related("payout_account")
            ),
        )

    def get_urls(self):
        return [
            path(
                "reconcile/",
                self.admin_site.admin_view(self.reconcile_view),
                name="payouts_payout_reconcile",
            ),
            *super().get_urls(),
        ]

    def reconcile_view(self, request):
        """Upload a provider's settlement report and see how it compares (writes nothing)."""
        if not user_can(request.user, "staff.approve_withdrawal"):
            raise PermissionDenied
        form = ReportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["report"]
            if upload.size > REPORT_MAX_BYTES:
                form.add_error("report", "The report is larger than 5 MB.")
            else:
                try:
                    report = reconcile(upload.read().decode("utf-8-sig"))
                except UnicodeDecodeError:
                    form.add_error("report", "The report must be a UTF-8 CSV file.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Reconcile payouts",
            "opts": self.model._meta,
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/payouts/reconcile.html", context)


class StatementForm(forms.Form):
    statement = forms.FileField(
        label="Bank statement (camt.054 or camt.053 XML)",
        help_text="Booked transfers are marked paid, returned ones failed (their money goes "
        "back). Importing a statement twice changes nothing.",
    )


@admin.register(PayoutBatch)
class PayoutBatchAdmin(_ReadOnly):
    """The pain.001 files made for the bank (PAYOUT_GATEWAY=bankfile): export the
    waiting payouts, download a file (audited: it names IBANs in clear), import the
    bank's statement. Finance's (staff.approve_withdrawal)."""

    list_display = ("message_id", "created_at", "created_by", "payout_count", "total", "file")
    list_select_related = ("created_by",)
    search_fields = ("message_id",)
    date_hierarchy = "created_at"
    fields = ("id", "message_id", "created_at", "created_by", "payout_count", "total")
    readonly_fields = fields
    change_list_template = "admin/payouts/payoutbatch/change_list.html"

    @admin.display(description="File")
    def file(self, obj: PayoutBatch) -> str:
        url = reverse("admin:payouts_payoutbatch_download", args=[obj.pk])
        return format_html('<a href="{}">pain.001 XML</a>', url)

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="payouts_payoutbatch_export",
            ),
            path(
                "<uuid:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="payouts_payoutbatch_download",
            ),
            path(
                "statement/",
                self.admin_site.admin_view(self.statement_view),
                name="payouts_payoutbatch_statement",
            ),
            *super().get_urls(),
        ]

    def _finance_only(self, request) -> None:
        if not user_can(request.user, "staff.approve_withdrawal"):
            raise PermissionDenied

    def export_view(self, request):
        """GET: what is waiting; POST: put it all in one new file."""
        self._finance_only(request)
        changelist = reverse("admin:payouts_payoutbatch_changelist")
        if request.method == "POST":
            try:
                batch = services.payout_batch_export(by=request.user)
            except services.NothingToExport as exc:
                self.message_user(request, exc.message, messages.INFO)
                return HttpResponseRedirect(changelist)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(changelist)
            self.message_user(
                request,
                f"Bank file {batch.message_id}: {batch.payout_count} payouts, {batch.total}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(changelist)
        waiting = services.payouts_awaiting_bank_file()
        context = {
            **self.admin_site.each_context(request),
            "title": "Export a bank file",
            "opts": self.model._meta,
            "count": waiting.count(),
            "total": money.quantize(waiting.aggregate(total=Sum("amount"))["total"] or 0),
        }
        return TemplateResponse(request, "admin/payouts/payoutbatch/export.html", context)

    def download_view(self, request, pk):
        batch = selectors.payout_batch_get_for(user=request.user, pk=pk)
        document = services.payout_batch_document(batch=batch, by=request.user)
        response = HttpResponse(document, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
        response["Cache-Control"] = "no-store"
        return response

    def statement_view(self, request):
        self._finance_only(request)
        form = StatementForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["statement"]
            if upload.size > STATEMENT_MAX_BYTES:
                form.add_error("statement", "The statement is larger than 10 MB.")
            else:
                try:
                    report = services.bank_statement_import(document=upload.read(), by=request.user)
                except ValidationError as exc:
                    form.add_error("statement", "; ".join(exc.messages))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a bank statement",
            "opts": self.model._meta,
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/payouts/payoutbatch/statement.html", context)
