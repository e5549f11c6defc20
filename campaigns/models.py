"""Campaigns and the donations people make to them.

Money never lives here: a donation is a ledger transaction from the donor's
wallet into the campaign's fund account (accounts.services). `current_amount`
and `donor_count` are counters kept by campaigns.services in the same database
transaction as the ledger posting, under a lock on the campaign row.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import MONEY

NAME_MIN_LENGTH = 5
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
MESSAGE_MAX_LENGTH = 500
ANONYMOUS = "Anonymous"
UPDATE_TITLE_MAX_LENGTH = 200
UPDATE_BODY_MAX_LENGTH = 10_000


class CampaignQuerySet(models.QuerySet):
    def active(self) -> "CampaignQuerySet":
        return self.filter(status=Campaign.Status.ACTIVE)

    def open_or_draft(self) -> "CampaignQuerySet":
        """What the campaigns page lists by default: completed and cancelled
        campaigns no longer take gifts, so they are shown only when asked for."""
        return self.filter(status__in=[Campaign.Status.ACTIVE, Campaign.Status.DRAFT])

    def visible_to(self, user) -> "CampaignQuerySet":
        """Drafts are seen by their organizer and staff only (staff who owe the
        second factor see what everyone sees)."""
        from staff.permissions import staff_reads

        if user is not None and staff_reads(user):
            return self
        public = ~models.Q(status=Campaign.Status.DRAFT)
        if user is not None and user.is_authenticated:
            return self.filter(public | models.Q(organizer=user))
        return self.filter(public)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    target_amount = models.DecimalField(**MONEY)
    current_amount = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    donor_count = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    start_date = models.DateField()
    end_date = models.DateField()
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_campaigns"
    )
    zakat_eligible = models.BooleanField(
        default=False,
        help_text="Whether donors may give zakat to it (held apart from its sadaqah and "
        "spent only on zakat recipients). Only staff with staff.campaign_manage set it.",
    )
    # Re-encoded by campaigns.images (never the uploaded bytes): the cover and a
    # small thumbnail for the lists. Public files under MEDIA_ROOT.
    cover = models.ImageField(upload_to="campaigns/covers/", blank=True, editable=False)
    cover_thumbnail = models.ImageField(upload_to="campaigns/covers/", blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_amount__gt=0), name="campaigns_target_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(current_amount__gte=0), name="campaigns_current_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="campaigns_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "completed", "cancelled"]),
                name="campaigns_status_valid",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("name"), NAME_MIN_LENGTH),
                name="campaigns_name_min_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="campaigns_description_max_length",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return self.name

    @property
    def fund_key(self) -> str:
        return f"campaign:{self.pk}"

    @property
    def zakat_fund_key(self) -> str:
        """The key of campaign_zakat_account(): where zakat given to it is held."""
        return f"campaign_zakat:{self.pk}"

    @property
    def progress_percentage(self) -> Decimal:
        """current / target * 100, to two places (half up); may pass 100."""
        if not self.target_amount:
            return money.ZERO
        return money.quantize(Decimal(self.current_amount) * 100 / Decimal(self.target_amount))

    @property
    def progress_bar_value(self) -> Decimal:
        """The amount a <progress max=target> shows: capped at the target."""
        return min(self.current_amount, self.target_amount)

    @property
    def days_left(self) -> int:
        return max(0, (self.end_date - timezone.localdate()).days)

    def is_open_on(self, day) -> bool:
        return self.status == self.Status.ACTIVE and self.start_date <= day <= self.end_date

    @property
    def cover_url(self) -> str | None:
        return self.cover.url if self._has_file("cover") else None

    @property
    def cover_thumbnail_url(self) -> str | None:
        return self.cover_thumbnail.url if self._has_file("cover_thumbnail") else None

    def _has_file(self, name: str) -> bool:
        """`bool(self.<name>)` without the FieldFile Django builds on first access
        (an object per row of a list, most of them for an empty name)."""
        value = self.__dict__.get(name, self)
        if value is self:  # deferred: let Django load it
            value = getattr(self, name)
        return bool(value)


class CampaignUpdate(models.Model):
    """News an organizer posts on their campaign; its donors are e-mailed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(max_length=UPDATE_TITLE_MAX_LENGTH)
    body = models.TextField(max_length=UPDATE_BODY_MAX_LENGTH)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("title"), 1),
                name="campaigns_update_title_present",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), UPDATE_BODY_MAX_LENGTH),
                name="campaigns_update_body_max_length",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Donation(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        REFUNDED = "refunded", _("Refunded")

    class Designation(models.TextChoices):
        SADAQAH = "sadaqah", _("Sadaqah")
        ZAKAT = "zakat", _("Zakat")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="donations")
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="donations"
    )
    amount = models.DecimalField(**MONEY)
    # Stored as typed; every page and the websocket escape it when shown.
    message = models.CharField(max_length=MESSAGE_MAX_LENGTH, blank=True)
    is_anonymous = models.BooleanField(default=False)
    designation = models.CharField(
        max_length=10, choices=Designation.choices, default=Designation.SADAQAH, db_index=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    ledger_transaction = models.OneToOneField(
        "accounts.LedgerTransaction", on_delete=models.PROTECT, related_name="donation"
    )
    refund_transaction = models.OneToOneField(
        "accounts.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunded_donation",
    )
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The donation's own gap-free receipt series (DN-000001...). Issued after the
    # donation commits (campaigns.services.donation_receipts_issue, under the lock of
    # DonationReceiptCounter), so no donation waits on one counter row: empty until
    # then, a moment at most (the receipt task, the receipt page and the PDF issue it).
    receipt_number = models.PositiveIntegerField(unique=True, null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="campaigns_donation_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["completed", "refunded"]),
                name="campaigns_donation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(designation__in=["sadaqah", "zakat"]),
                name="campaigns_donation_designation_valid",
            ),
            # Refunded exactly when a reversing transaction is recorded.
            models.CheckConstraint(
                condition=(
                    models.Q(status="refunded", refund_transaction__isnull=False)
                    | models.Q(status="completed", refund_transaction__isnull=True)
                ),
                name="campaigns_donation_refund_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at", "-id"]),
            models.Index(fields=["donor", "-created_at", "-id"]),
            models.Index(fields=["campaign", "donor", "status"]),
            # The few donations still waiting for a receipt number or e-mail.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(receipt_number__isnull=True),
                name="campaigns_donation_unnumbered",
            ),
            models.Index(
                fields=["receipt_number"],
                condition=models.Q(receipt_sent_at__isnull=True),
                name="campaigns_donation_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.campaign_id} ({self.status})"

    def donor_name_for(self, viewer) -> str:
        """The donor's name as `viewer` may see it: anonymous donations say
        "Anonymous" to everyone except the donor themself and staff."""
        if not self.is_anonymous:
            return self.donor.name
        from staff.permissions import staff_reads

        may_see = viewer is not None and viewer.is_authenticated
        if may_see and (staff_reads(viewer) or viewer.pk == self.donor_id):
            return self.donor.name
        return ANONYMOUS

    @property
    def public_donor_name(self) -> str:
        return ANONYMOUS if self.is_anonymous else self.donor.name

    @property
    def receipt_label(self) -> str:
        """DN-000042; empty while the number is not issued yet (the places that show
        one issue it first: campaigns.services.donation_receipt_number)."""
        if self.receipt_number is None:
            return ""
        return f"DN-{self.receipt_number:06d}"


class DonationReceiptCounter(models.Model):
    """The last donation receipt number issued. Locked while numbers are given to
    committed donations in the order they were made, so numbers are unique and
    gap-free (a rolled-back donation never had one)."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
