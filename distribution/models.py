"""Zakat distribution: cases of people in need, their documents and the
disbursements paid to them from the zakat funds.

Zakat is owed to eight categories of recipients (Qur'an 9:60). A case is
submitted by the person (or entered by a zakat officer for someone without an
account), approved under one of the eight categories with an approved amount
(or rejected with a reason the applicant sees), and paid in one or more
disbursements, each asked for by an officer and approved by a second person
(four-eyes). The database keeps 0 <= disbursed <= approved.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY, LedgerTransaction
from distribution.storage import private_storage

NAME_MAX_LENGTH = 200
NEED_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000
REFERENCE_MAX_LENGTH = 200
HOUSEHOLD_MAX = 50


class AsnafCategory(models.TextChoices):
    """The eight categories of zakat recipients, in the order of Qur'an 9:60."""

    FUQARA = "fuqara", _("Al-fuqara (the poor)")
    MASAKIN = "masakin", _("Al-masakin (the needy)")
    AMILIN = "amilin", _("Al-amilin (those who collect and administer zakat)")
    MUALLAFAH = "muallafah", _("Al-mu'allafatu qulubuhum (those whose hearts are reconciled)")
    RIQAB = "riqab", _("Fi al-riqab (freeing those in bondage)")
    GHARIMIN = "gharimin", _("Al-gharimin (those overwhelmed by debt)")
    FI_SABILILLAH = "fi_sabilillah", _("Fi sabilillah (in the cause of God)")
    IBN_SABIL = "ibn_sabil", _("Ibn al-sabil (the stranded traveller)")


class ZakatCaseQuerySet(models.QuerySet):
    def for_applicant(self, user) -> "ZakatCaseQuerySet":
        return self.filter(applicant=user)


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DISBURSED = "disbursed", _("Disbursed")
    CLOSED = "closed", _("Closed")


class ZakatCase(models.Model):
    Status = CaseStatus
    Category = AsnafCategory

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="zakat_cases",
        help_text="Null when a zakat officer entered the case for someone without an account.",
    )
    beneficiary_name = models.CharField(max_length=NAME_MAX_LENGTH)
    household_size = models.PositiveSmallIntegerField()
    monthly_income = models.DecimalField(**MONEY)
    need_description = models.TextField(max_length=NEED_MAX_LENGTH)
    amount_requested = models.DecimalField(**MONEY)
    # Null (not "") until approved: the API contract shows null for "no category yet".
    asnaf_category = models.CharField(  # noqa: DJ001
        max_length=20, choices=AsnafCategory.choices, null=True, blank=True
    )
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    disbursed_amount = models.DecimalField(**MONEY, default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    rejection_reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    decision_note = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The officer who entered the case for someone else.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ZakatCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(household_size__gte=1, household_size__lte=HOUSEHOLD_MAX),
                name="distribution_case_household_size",
            ),
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0), name="distribution_case_income_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0), name="distribution_case_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0),
                name="distribution_case_approved_positive",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_amount__gte=0)
                & (
                    Q(approved_amount__isnull=True, disbursed_amount=0)
                    | Q(disbursed_amount__lte=F("approved_amount"))
                ),
                name="distribution_case_disbursed_within_approved",
            ),
            models.CheckConstraint(
                condition=Q(asnaf_category__isnull=True)
                | Q(asnaf_category__in=AsnafCategory.values),
                name="distribution_case_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "rejected"])
                | Q(asnaf_category__isnull=False, approved_amount__isnull=False),
                name="distribution_case_approved_has_category",
            ),
            models.CheckConstraint(
                condition=~Q(status="disbursed") | Q(disbursed_amount=F("approved_amount")),
                name="distribution_case_disbursed_means_fully_paid",
            ),
            models.CheckConstraint(
                condition=Q(applicant__isnull=False) | ~Q(beneficiary_name=""),
                name="distribution_case_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Zakat case of {self.beneficiary_name} ({self.status})"

    @property
    def remaining_amount(self):
        if self.approved_amount is None:
            return None
        return self.approved_amount - self.disbursed_amount


class ZakatCaseDocument(models.Model):
    """A supporting document (PDF, JPEG or PNG, checked by content), kept in private
    storage and served only to the applicant and zakat staff."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", _("PDF")
        JPEG = "image/jpeg", _("JPEG image")
        PNG = "image/png", _("PNG image")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(ZakatCase, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(storage=private_storage, upload_to="zakat_cases/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50, choices=ContentType.choices)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DisbursementMethod(models.TextChoices):
    WALLET = "wallet", _("To the applicant's wallet")
    EXTERNAL = "external", _("Paid outside the platform")


class DisbursementSource(models.TextChoices):
    ZAKAT = "zakat", _("Zakat fund")
    FITR = "fitr", _("Zakat al-fitr fund")
    CAMPAIGN = "campaign", _("Zakat given to a campaign")


class ZakatDisbursement(models.Model):
    """One payment from a zakat fund to a case: the ledger transaction that moved it,
    and what it was paid under (the case's category when paid)."""

    Method = DisbursementMethod
    Source = DisbursementSource

    # A case whose disbursements are legitimate outflows (ledger_verify).
    PAID_CASE_STATUSES = ("approved", "disbursed", "closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(ZakatCase, on_delete=models.PROTECT, related_name="disbursements")
    amount = models.DecimalField(**MONEY)
    category = models.CharField(max_length=20, choices=AsnafCategory.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ZAKAT)
    campaign_id = models.UUIDField(null=True, blank=True)
    external_reference = models.CharField(max_length=REFERENCE_MAX_LENGTH, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="zakat_disbursement"
    )
    hijri_year = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="distribution_disbursement_positive"
            ),
            models.CheckConstraint(
                condition=~Q(source="campaign") | Q(campaign_id__isnull=False),
                name="distribution_disbursement_campaign_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.case.beneficiary_name} ({self.category})"
