from decimal import Decimal

from django import forms
from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from config.csv_export import csv_response
from staff.permissions import user_can
from zakat import selectors, services
from zakat.models import (
    HIJRI_YEAR_MAX,
    HIJRI_YEAR_MIN,
    FitrPayment,
    FitrRate,
    HawlDate,
    MetalPrice,
    ReceiptCounter,
    ZakatPayment,
    ZakatRecord,
)


class MetalPriceAddForm(forms.ModelForm):
    gold_price_per_gram = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=services.MAX_PRICE_PER_GRAM, decimal_places=2
    )
    silver_price_per_gram = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=services.MAX_PRICE_PER_GRAM, decimal_places=2
    )

    class Meta:
        model = MetalPrice
        fields = ["gold_price_per_gram", "silver_price_per_gram"]


@admin.register(MetalPrice)
class MetalPriceAdmin(admin.ModelAdmin):
    """Price history. Staff add a snapshot here through the same service as the API;
    snapshots are never edited (records point at them) or deleted."""

    form = MetalPriceAddForm
    list_display = (
        "as_of",
        "gold_price_per_gram",
        "silver_price_per_gram",
        "currency",
        "source",
        "created_by",
    )
    list_filter = ("source", "currency", "as_of")
    search_fields = ("created_by__email",)
    list_select_related = ("created_by",)
    date_hierarchy = "as_of"
    readonly_fields = ("id", "currency", "as_of", "source", "created_by", "created_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["gold_price_per_gram", "silver_price_per_gram"]
        return ["id", "gold_price_per_gram", "silver_price_per_gram", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("gold_price_per_gram", "silver_price_per_gram", *self.readonly_fields)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # No AuditedAdminMixin: metal_price_create records the entry itself
    # ("metal_price.entered"); so do the record deletions below ("zakat_record.deleted").
    def save_model(self, request, obj, form, change) -> None:
        created = services.metal_price_create(
            gold_price_per_gram=form.cleaned_data["gold_price_per_gram"],
            silver_price_per_gram=form.cleaned_data["silver_price_per_gram"],
            created_by=request.user,
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})


class PaymentInline(admin.StackedInline):
    model = ZakatPayment
    fields = ("receipt_number", "amount", "paid_at", "ledger_transaction", "receipt_sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ZakatRecord)
class ZakatRecordAdmin(admin.ModelAdmin):
    """Records are computed by the services; staff read them, filter them and export
    them. Money and computed fields are read-only; deletion only while pending."""

    list_display = (
        "payer_reference",
        "payer",
        "wealth_amount",
        "zakat_amount",
        "is_obligated",
        "payment_status",
        "nisab_standard",
        "calculation_date",
    )
    list_filter = ("payment_status", "nisab_standard", "is_obligated", "calculation_date")
    search_fields = ("payer_reference", "payer__email", "payer__name")
    list_select_related = ("payer", "price_snapshot")
    date_hierarchy = "calculation_date"
    actions = ["export_csv"]
    inlines = [PaymentInline]
    fieldsets = (
        ("Payer", {"fields": ("id", "payer", "payer_reference")}),
        (
            "Financial details",
            {
                "fields": (
                    "wealth_amount",
                    "nisab_standard",
                    "nisab_threshold",
                    "zakat_amount",
                    "is_obligated",
                    "price_snapshot",
                    "breakdown",
                    "calculation_date",
                )
            },
        ),
        ("Status", {"fields": ("payment_status", "created_at", "updated_at")}),
    )
    readonly_fields = (
        "id",
        "payer",
        "payer_reference",
        "wealth_amount",
        "nisab_standard",
        "nisab_threshold",
        "zakat_amount",
        "is_obligated",
        "price_snapshot",
        "breakdown",
        "calculation_date",
        "payment_status",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.is_pending

    def delete_model(self, request, obj) -> None:
        services.zakat_record_delete(record=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for record in queryset.filter(payment_status=ZakatRecord.PaymentStatus.PENDING):
            services.zakat_record_delete(record=record, by=request.user)

    @admin.action(description="Export the selected records as CSV")
    def export_csv(self, request, queryset):
        rows = (
            [
                str(r.pk),
                r.payer_reference,
                r.payer.email,
                r.wealth_amount,
                r.nisab_standard,
                r.nisab_threshold,
                r.zakat_amount,
                r.is_obligated,
                r.payment_status,
                r.calculation_date.isoformat(),
            ]
            for r in queryset.select_related("payer").order_by("-calculation_date")
        )
        return csv_response(
            "zakat-records.csv",
            [
                "id",
                "payer_id",
                "payer_email",
                "wealth_amount",
                "nisab_standard",
                "nisab_threshold",
                "zakat_amount",
                "is_obligated",
                "payment_status",
                "calculation_date",
            ],
            rows,
        )


@admin.register(ZakatPayment)
class ZakatPaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "payer", "amount", "paid_at", "receipt_sent_at")
    list_filter = ("paid_at",)
    search_fields = ("receipt_number", "payer__email", "record__payer_reference")
    list_select_related = ("payer",)
    date_hierarchy = "paid_at"
    readonly_fields = (
        "id",
        "receipt_number",
        "record",
        "payer",
        "amount",
        "ledger_transaction",
        "paid_at",
        "receipt_sent_at",
    )
    actions = ["export_csv"]

    @admin.action(description="Export the selected payments as CSV")
    def export_csv(self, request, queryset):
        rows = (
            [p.receipt_label, p.payer.email, p.amount, p.paid_at.isoformat(), str(p.record_id)]
            for p in queryset.select_related("payer").order_by("receipt_number")
        )
        return csv_response(
            "zakat-payments.csv", ["receipt", "payer_email", "amount", "paid_at", "record_id"], rows
        )


@admin.register(HawlDate)
class HawlDateAdmin(ReadOnlyAdmin):
    list_display = ("user", "started_on", "next_due", "reminder_sent_for", "updated_at")
    list_filter = ("started_on", "reminder_sent_for")
    search_fields = ("user__email", "user__name")
    list_select_related = ("user",)
    readonly_fields = ("user", "started_on", "next_due", "reminder_sent_for", "updated_at")


@admin.register(ReceiptCounter)
class ReceiptCounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")


class FitrRateForm(forms.ModelForm):
    hijri_year = forms.IntegerField(min_value=HIJRI_YEAR_MIN, max_value=HIJRI_YEAR_MAX)
    amount_per_person = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=services.MAX_FITR_RATE, decimal_places=2
    )

    class Meta:
        model = FitrRate
        fields = ["hijri_year", "amount_per_person"]

    def clean_hijri_year(self) -> int:
        year = self.cleaned_data["hijri_year"]
        current = selectors.fitr_current_year()
        if self.instance._state.adding and year < current:
            raise forms.ValidationError(f"Enter this Hijri year ({current}) or a later one.")
        return year


@admin.register(FitrRate)
class FitrRateAdmin(admin.ModelAdmin):
    """Zakat al-fitr per person, one row per Hijri year. Staff holding
    staff.set_fitr_rate add and correct them through the same service as the API,
    which records the audit event; a rate is never deleted (payments name its year)."""

    form = FitrRateForm
    list_display = ("hijri_year", "amount_per_person", "currency", "set_by", "updated_at")
    list_filter = ("currency",)
    search_fields = ("hijri_year", "set_by__email")
    list_select_related = ("set_by",)
    readonly_fields = ("id", "currency", "set_by", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ("hijri_year", *self.readonly_fields)

    def has_add_permission(self, request) -> bool:
        return user_can(request.user, "staff.set_fitr_rate")

    def has_change_permission(self, request, obj=None) -> bool:
        return user_can(request.user, "staff.set_fitr_rate")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        saved = services.fitr_rate_set(
            hijri_year=obj.hijri_year,
            amount_per_person=form.cleaned_data["amount_per_person"],
            by=request.user,
            replace=change,
        )
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})


@admin.register(FitrPayment)
class FitrPaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "payer", "hijri_year", "people", "amount", "paid_at")
    list_filter = ("hijri_year", "paid_at")
    search_fields = ("receipt_number", "payer__email", "payer__name")
    list_select_related = ("payer",)
    date_hierarchy = "paid_at"
    readonly_fields = (
        "id",
        "receipt_number",
        "payer",
        "hijri_year",
        "people",
        "amount_per_person",
        "amount",
        "ledger_transaction",
        "paid_at",
        "receipt_sent_at",
    )
