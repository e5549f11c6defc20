"""Zakat data: metal price snapshots, zakat records, payments with receipts, hawl dates.

The arithmetic lives in zakat.calculation and every write in zakat.services; the
models hold the data and the invariants the database can enforce."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2}


class MetalPriceQuerySet(models.QuerySet):
    def newest_first(self) -> "MetalPriceQuerySet":
        return self.order_by("-as_of", "-created_at")


class MetalPrice(models.Model):
    """A snapshot of gold and silver prices per gram. The newest `as_of` is in force;
    snapshots are never edited, so records that point at one stay explainable."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        FEED = "feed", _("Price feed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    currency = models.CharField(max_length=3)
    gold_price_per_gram = models.DecimalField(**MONEY)
    silver_price_per_gram = models.DecimalField(**MONEY)
    as_of = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MetalPriceQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gold_price_per_gram__gt=0) & Q(silver_price_per_gram__gt=0),
                name="zakat_metalprice_positive",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["manual", "feed"]), name="zakat_metalprice_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Gold {self.gold_price_per_gram}/g, silver {self.silver_price_per_gram}/g "
            f"{self.currency} ({self.as_of:%Y-%m-%d %H:%M})"
        )


class ZakatRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ZakatRecordQuerySet":
        """Staff see every record; everyone else only their own."""
        from staff.permissions import staff_reads

        if staff_reads(user):
            return self
        return self.filter(payer=user)

    def owned_by(self, user) -> "ZakatRecordQuerySet":
        return self.filter(payer=user)


class ZakatRecord(models.Model):
    """A saved calculation, and what was paid against it.

    `price_snapshot` is the metal price snapshot in force when the figures were
    computed (or last recomputed), kept so an old record can always be explained."""

    class PaymentStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class NisabStandard(models.TextChoices):
        GOLD = "gold", _("Gold (85 g)")
        SILVER = "silver", _("Silver (595 g)")
        STATED = "stated", _("Stated by the payer")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="zakat_records"
    )
    payer_reference = models.CharField(
        max_length=50,
        help_text="The payer_id given by the caller (5 to 50 characters).",
    )
    wealth_amount = models.DecimalField(**MONEY)
    nisab_threshold = models.DecimalField(**MONEY)
    zakat_amount = models.DecimalField(**MONEY)
    is_obligated = models.BooleanField()
    nisab_standard = models.CharField(
        max_length=10, choices=NisabStandard.choices, default=NisabStandard.STATED
    )
    breakdown = models.JSONField(
        default=list, blank=True, help_text="The itemized lines, when saved from the calculator."
    )
    price_snapshot = models.ForeignKey(
        MetalPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    payment_status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    calculation_date = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ZakatRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wealth_amount__gt=0) & Q(nisab_threshold__gt=0),
                name="zakat_record_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(zakat_amount__gte=0), name="zakat_record_zakat_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(is_obligated=True) | Q(zakat_amount=0),
                name="zakat_record_nothing_due_below_nisab",
            ),
            models.CheckConstraint(
                condition=Q(payment_status__in=["pending", "completed", "failed"]),
                name="zakat_record_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(nisab_standard__in=["gold", "silver", "stated"]),
                name="zakat_record_standard_valid",
            ),
        ]
        indexes = [models.Index(fields=["payer", "-created_at"])]

    def __str__(self) -> str:
        return f"Zakat {self.zakat_amount} for {self.payer_reference} ({self.payment_status})"

    @property
    def is_pending(self) -> bool:
        return self.payment_status == self.PaymentStatus.PENDING


class ZakatPayment(models.Model):
    """The zakat of one record paid from the payer's wallet into the zakat fund.
    One payment per record (unique), one gap-free receipt number per payment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.OneToOneField(ZakatRecord, on_delete=models.PROTECT, related_name="payment")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="zakat_payments"
    )
    amount = models.DecimalField(**MONEY)
    receipt_number = models.PositiveIntegerField(unique=True)
    ledger_transaction = models.OneToOneField(
        "accounts.LedgerTransaction", on_delete=models.PROTECT, related_name="zakat_payment"
    )
    paid_at = models.DateTimeField(default=timezone.now)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paid_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="zakat_payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.receipt_label}: {self.amount}"

    @property
    def receipt_label(self) -> str:
        return f"ZK-{self.receipt_number:06d}"


class ReceiptCounter(models.Model):
    """The last receipt number issued. Locked with select_for_update and bumped in
    the same transaction as the payment, so numbers are unique and gap-free
    (a rolled-back payment rolls its number back too)."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class HawlDate(models.Model):
    """The date a person's wealth first reached the nisab; zakat is due one Hijri
    year later (the same Hijri day, zakat.calculation.hawl_next_due).

    `reminder_sent_for` is the due date the last reminder e-mail was about: one
    reminder per due date, claimed by a conditional update."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hawl"
    )
    started_on = models.DateField()
    updated_at = models.DateTimeField(default=timezone.now)
    reminder_sent_for = models.DateField(
        null=True, blank=True, help_text="The due date the last reminder e-mail was about."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_sent_for__isnull=True)
                | Q(reminder_sent_for__gt=models.F("started_on")),
                name="zakat_hawl_reminder_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Hawl of {self.user} from {self.started_on}"

    @property
    def next_due(self):
        from zakat.calculation import hawl_next_due

        return hawl_next_due(self.started_on)

    @property
    def start_hijri(self) -> str:
        from zakat.dates import hijri_iso

        return hijri_iso(self.started_on)

    @property
    def next_due_hijri(self) -> str:
        from zakat.dates import hijri_iso

        return hijri_iso(self.next_due)


# --- Zakat al-fitr ----------------------------------------------------------------------

HIJRI_YEAR_MIN = 1343  # the Umm al-Qura table's range (hijridate)
HIJRI_YEAR_MAX = 1500
FITR_PEOPLE_MAX = 50


class FitrRate(models.Model):
    """The amount of zakat al-fitr per person for one Hijri year, set by staff
    (the local price of a sa' of staple food). One per year, by the database."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hijri_year = models.PositiveIntegerField(unique=True)
    amount_per_person = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-hijri_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_per_person__gt=0), name="zakat_fitrrate_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(hijri_year__gte=HIJRI_YEAR_MIN) & Q(hijri_year__lte=HIJRI_YEAR_MAX),
                name="zakat_fitrrate_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Zakat al-fitr {self.hijri_year} AH: {self.amount_per_person} {self.currency}"


class FitrPaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FitrPaymentQuerySet":
        """Staff see every payment; everyone else only their own."""
        from staff.permissions import staff_reads

        if staff_reads(user):
            return self
        return self.filter(payer=user)


class FitrPayment(models.Model):
    """Zakat al-fitr for `people` members of a household, paid from the payer's
    wallet into the fitr fund, with its own gap-free receipt numbers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fitr_payments"
    )
    hijri_year = models.PositiveIntegerField()
    people = models.PositiveSmallIntegerField()
    amount_per_person = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    receipt_number = models.PositiveIntegerField(unique=True)
    ledger_transaction = models.OneToOneField(
        "accounts.LedgerTransaction", on_delete=models.PROTECT, related_name="fitr_payment"
    )
    paid_at = models.DateTimeField(default=timezone.now)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    objects = FitrPaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="zakat_fitr_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_per_person__gt=0), name="zakat_fitr_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(people__gte=1) & Q(people__lte=FITR_PEOPLE_MAX),
                name="zakat_fitr_people_in_range",
            ),
        ]
        indexes = [models.Index(fields=["payer", "-paid_at", "-id"])]

    def __str__(self) -> str:
        return f"Fitr receipt {self.receipt_label}: {self.amount}"

    @property
    def receipt_label(self) -> str:
        return f"ZF-{self.receipt_number:06d}"
