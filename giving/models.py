"""Giving: recurring gifts, paying a donation by card at checkout.

A RecurringDonation gives the same amount to one campaign on a rhythm; each day
it falls due the daily task makes one RecurringRun (at most one per gift and day,
by a unique constraint) and, when it succeeds, one ordinary donation through
campaigns' donation service. A Checkout is a donation waiting for a card payment:
it rides on a wallet top-up, and the donation is made in the same transaction as
the top-up's credit once the payment succeeds.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY

ERROR_MAX_LENGTH = 500
# Failed runs in a row after which a gift pauses itself.
FAILURES_BEFORE_PAUSE = 3


class Designation(models.TextChoices):
    SADAQAH = "sadaqah", _("Sadaqah")
    ZAKAT = "zakat", _("Zakat")


class RecurringDonationQuerySet(models.QuerySet):
    def due(self, day) -> "RecurringDonationQuerySet":
        return self.filter(status=RecurringDonation.Status.ACTIVE, next_run_on__lte=day)


class RecurringDonation(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        LAST_TEN_NIGHTS = "last_ten_nights", _("The last ten nights of Ramadan")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recurring_donations"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="recurring_donations"
    )
    amount = models.DecimalField(**MONEY)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    designation = models.CharField(
        max_length=10, choices=Designation.choices, default=Designation.SADAQAH
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    next_run_on = models.DateField(null=True, blank=True, db_index=True)
    failures_in_a_row = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RecurringDonationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="giving_recurring_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(frequency__in=["daily", "weekly", "monthly", "last_ten_nights"]),
                name="giving_recurring_frequency_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "paused", "cancelled"]),
                name="giving_recurring_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(designation__in=["sadaqah", "zakat"]),
                name="giving_recurring_designation_valid",
            ),
        ]
        indexes = [models.Index(fields=["donor", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.frequency} to {self.campaign_id} ({self.status})"


class RecurringRun(models.Model):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    gift = models.ForeignKey(RecurringDonation, on_delete=models.PROTECT, related_name="runs")
    run_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    donation = models.OneToOneField(
        "campaigns.Donation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recurring_run",
    )
    error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-run_on", "-created_at"]
        constraints = [
            # The task may run twice (a retry, two schedulers): one run per gift and day.
            models.UniqueConstraint(fields=["gift", "run_on"], name="giving_run_once_per_day"),
            models.CheckConstraint(
                condition=(
                    models.Q(status="succeeded", donation__isnull=False)
                    | models.Q(status="failed", donation__isnull=True)
                ),
                name="giving_run_donation_iff_succeeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gift_id} on {self.run_on}: {self.status}"


class Checkout(models.Model):
    """A donation paid by card: the intent, carried by a wallet top-up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="checkouts"
    )
    amount = models.DecimalField(**MONEY)
    designation = models.CharField(
        max_length=10, choices=Designation.choices, default=Designation.SADAQAH
    )
    message = models.CharField(max_length=500, blank=True)
    is_anonymous = models.BooleanField(default=False)
    top_up = models.OneToOneField(
        "accounts.TopUp", on_delete=models.PROTECT, related_name="checkout"
    )
    donation = models.OneToOneField(
        "campaigns.Donation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkout",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="giving_checkout_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(donation__isnull=False),
                name="giving_checkout_completed_has_donation",
            ),
        ]

    def __str__(self) -> str:
        return f"Checkout {self.amount} to {self.campaign_id} ({self.status})"
