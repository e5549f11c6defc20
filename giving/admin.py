"""The staff's screens of giving: recurring gifts with their runs, and checkouts.
Read-only: gifts are the donors' own to change; money moved through donations."""

from django.contrib import admin

from giving.models import Checkout, RecurringDonation, RecurringRun


class _ReadOnly(admin.ModelAdmin):
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RecurringRunInline(admin.TabularInline):
    model = RecurringRun
    fields = ("run_on", "status", "donation", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-run_on",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecurringDonation)
class RecurringDonationAdmin(_ReadOnly):
    list_display = (
        "donor",
        "campaign",
        "amount",
        "frequency",
        "designation",
        "status",
        "next_run_on",
        "failures_in_a_row",
    )
    list_filter = ("status", "frequency", "designation")
    search_fields = ("donor__email", "donor__name", "campaign__name")
    list_select_related = ("donor", "campaign")
    date_hierarchy = "created_at"
    inlines = [RecurringRunInline]


@admin.register(RecurringRun)
class RecurringRunAdmin(_ReadOnly):
    list_display = ("run_on", "gift", "status", "donation", "error")
    list_filter = ("status", "run_on")
    search_fields = ("gift__donor__email", "gift__campaign__name", "error")
    list_select_related = ("gift", "donation")


@admin.register(Checkout)
class CheckoutAdmin(_ReadOnly):
    list_display = ("created_at", "donor", "campaign", "amount", "status", "top_up", "donation")
    list_filter = ("status", "designation")
    search_fields = ("donor__email", "campaign__name", "top_up__provider_reference")
    list_select_related = ("donor", "campaign", "top_up", "donation")
