"""The staff's screens for campaigns and donations. Money is read-only here:
lifecycle moves and refunds are actions that call campaigns.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from campaigns import services
from campaigns.models import Campaign, CampaignUpdate, Donation
from config.csv_export import csv_response
from config.errors import DomainError
from staff.admin_mixins import RolePermissionsMixin
from staff.permissions import user_can

CSV_HEADER = [
    "donation_id",
    "created_at",
    "campaign",
    "donor_name",
    "donor_email",
    "is_anonymous",
    "amount",
    "status",
    "refunded_at",
    "message",
]


def donations_csv(queryset, filename: str) -> HttpResponse:
    rows = (
        (
            d.pk,
            d.created_at.isoformat(),
            d.campaign.name,
            d.donor.name,
            d.donor.email,
            d.is_anonymous,
            d.amount,
            d.status,
            d.refunded_at.isoformat() if d.refunded_at else "",
            d.message,
        )
        for d in queryset.select_related("donor", "campaign").order_by("created_at", "id")
    )
    return csv_response(filename, CSV_HEADER, rows)


def _run_each(modeladmin, request, queryset, action, done: str) -> None:
    ok, failed = 0, []
    for obj in queryset:
        try:
            action(obj)
        except (DomainError, ValidationError) as exc:
            failed.append(f"{obj}: {getattr(exc, 'message', exc)}")
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}.", messages.SUCCESS)
    for line in failed:
        modeladmin.message_user(request, line, messages.ERROR)


class DonationInline(admin.TabularInline):
    model = Donation
    fields = ("created_at", "donor", "amount", "is_anonymous", "status", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at",)
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CampaignAdminForm(forms.ModelForm):
    new_cover = forms.FileField(
        required=False,
        label="New cover image",
        help_text="JPEG, PNG or WebP, up to 5 MB; re-encoded and stripped of metadata.",
    )

    class Meta:
        model = Campaign
        fields = (
            "name",
            "description",
            "target_amount",
            "start_date",
            "end_date",
            "zakat_eligible",
        )

    def clean_new_cover(self):
        # Checked here so a bad file is an error beside the field, not a 500;
        # campaign_cover_set checks it again when it stores it.
        from campaigns.images import process_cover

        upload = self.cleaned_data.get("new_cover")
        if upload:
            try:
                process_cover(upload)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["image"]) from exc
            upload.seek(0)
        return upload


@admin.register(Campaign)
class CampaignAdmin(RolePermissionsMixin, admin.ModelAdmin):
    form = CampaignAdminForm
    # Key columns first and short (lists at 1366 px): progress before dates and people.
    list_display = (
        "name",
        "status",
        "progress",
        "current_amount",
        "target_amount",
        "donor_count",
        "ends",
        "organizer_email",
        "zakat_eligible",
    )
    list_filter = ("status", "zakat_eligible", "start_date", "end_date")
    search_fields = ("name", "description", "organizer__email", "organizer__name")
    list_select_related = ("organizer",)
    date_hierarchy = "start_date"
    readonly_fields = (
        "id",
        "status",
        "organizer",
        "current_amount",
        "donor_count",
        "progress",
        "cover_preview",
        "created_at",
        "updated_at",
    )
    fields = (
        "id",
        "name",
        "description",
        "target_amount",
        "start_date",
        "end_date",
        "zakat_eligible",
        "status",
        "organizer",
        "current_amount",
        "donor_count",
        "progress",
        "cover_preview",
        "new_cover",
        "created_at",
        "updated_at",
    )
    inlines = [DonationInline]
    actions = ["activate", "complete", "cancel", "export_donations"]

    def get_fields(self, request, obj=None):
        # A new campaign's organizer is the staff member adding it, and nobody
        # decides whether their own campaign takes zakat.
        fields = super().get_fields(request, obj)
        hidden_when_new = ("zakat_eligible", "new_cover", "cover_preview")
        return [f for f in fields if f not in hidden_when_new] if obj is None else fields

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and obj.organizer_id == request.user.pk:
            return (*readonly, "zakat_eligible")
        return readonly

    @admin.display(description="Cover")
    def cover_preview(self, obj: Campaign) -> str:
        if not obj.cover_thumbnail_url:
            return "-"
        return format_html('<img src="{}" alt="" width="240">', obj.cover_thumbnail_url)

    @admin.display(description="Progress")
    def progress(self, obj: Campaign) -> str:
        return f"{obj.progress_percentage}%"

    @admin.display(description="ends", ordering="end_date")
    def ends(self, obj: Campaign) -> str:
        return obj.end_date.strftime("%-d %b %y")

    @admin.display(description="organizer", ordering="organizer__email")
    def organizer_email(self, obj: Campaign) -> str:
        return obj.organizer.email

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only drafts go, through the service (the API and pages); money stays on record.
        return False

    # No AuditedAdminMixin: the edit goes through campaign_update, which records
    # it ("campaign.updated", before/after) when a staff member changes someone
    # else's or a live campaign; the mixin would record the same edit twice.
    def save_model(self, request, obj, form, change) -> None:
        data = {f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS if f in form.cleaned_data}
        if "zakat_eligible" in form.cleaned_data:  # the service takes it from staff only
            data["zakat_eligible"] = form.cleaned_data["zakat_eligible"]
        if change:
            services.campaign_update(campaign=obj, by=request.user, **data)
        else:
            created = services.campaign_create(organizer=request.user, **data)
            obj.pk = created.pk
        if form.cleaned_data.get("new_cover"):
            services.campaign_cover_set(
                campaign=obj, by=request.user, image=form.cleaned_data["new_cover"]
            )

    @admin.action(description="Activate the selected drafts", permissions=["campaign_manage"])
    def activate(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda c: services.campaign_activate(campaign=c, by=request.user),
            "Activated",
        )

    @admin.action(
        description="Complete the selected active campaigns", permissions=["campaign_manage"]
    )
    def complete(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda c: services.campaign_complete(campaign=c, by=request.user),
            "Completed",
        )

    @admin.action(description="Cancel the selected campaigns", permissions=["campaign_manage"])
    def cancel(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda c: services.campaign_cancel(campaign=c, by=request.user),
            "Cancelled",
        )

    @admin.action(description="Export the selected campaigns' donations (CSV)")
    def export_donations(self, request, queryset):
        donations = Donation.objects.filter(campaign__in=queryset)
        return donations_csv(donations, f"donations-{timezone.localdate():%Y-%m-%d}.csv")


@admin.register(Donation)
class DonationAdmin(RolePermissionsMixin, admin.ModelAdmin):
    # One line a person reads ("40.00 from Amina to Winter blankets"), then the rest.
    list_display = (
        "gift",
        "amount",
        "status",
        "designation",
        "donor_email",
        "given",
        "is_anonymous",
    )
    list_filter = ("status", "designation", "is_anonymous", "campaign", "created_at")
    search_fields = ("id", "donor__email", "donor__name", "campaign__name")
    list_select_related = ("campaign", "donor")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "campaign",
        "donor",
        "amount",
        "message",
        "is_anonymous",
        "designation",
        "status",
        "ledger_transaction",
        "refund_transaction",
        "refunded_at",
        "refunded_by",
        "created_at",
    )
    actions = ["refund", "export_csv"]

    @admin.display(description="donation", ordering="-created_at")
    def gift(self, obj: Donation) -> str:
        donor = (obj.donor.name or obj.donor.email).split()[0]
        return f"{obj.amount} from {donor} to {obj.campaign.name}"

    @admin.display(description="donor", ordering="donor__email")
    def donor_email(self, obj: Donation) -> str:
        return obj.donor.email

    @admin.display(description="given", ordering="created_at")
    def given(self, obj: Donation) -> str:
        return timezone.localtime(obj.created_at).strftime("%-d %b %y %H:%M")

    def has_add_permission(self, request) -> bool:
        return False  # donations are made from a wallet, by the donor

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description="Refund the selected donations to the donors' wallets",
        permissions=["donation_refund"],
    )
    def refund(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda d: services.donation_refund(
                donation=d, by=request.user, reason="Refunded by staff in the admin"
            ),
            "Refunded",
        )

    @admin.action(description="Export the selected donations (CSV)")
    def export_csv(self, request, queryset):
        return donations_csv(queryset, f"donations-{timezone.localdate():%Y-%m-%d}.csv")


class CampaignUpdateAdminForm(forms.ModelForm):
    class Meta:
        model = CampaignUpdate
        fields = ("campaign", "title", "body")


@admin.register(CampaignUpdate)
class CampaignUpdateAdmin(RolePermissionsMixin, admin.ModelAdmin):
    """Updates are posted through campaign_update_create (the donors are e-mailed,
    staff posting on someone else's campaign are audited); they are not edited."""

    form = CampaignUpdateAdminForm
    list_display = ("created_at", "campaign", "title", "author")
    list_filter = ("created_at",)
    search_fields = ("title", "body", "campaign__name", "author__email")
    list_select_related = ("campaign", "author")
    autocomplete_fields = ("campaign",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("campaign", "title", "body", "author", "created_at")
        return ()

    def has_add_permission(self, request) -> bool:
        return user_can(request.user, "staff.campaign_manage")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        created = services.campaign_update_create(
            campaign=form.cleaned_data["campaign"],
            by=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        obj.pk = created.pk
