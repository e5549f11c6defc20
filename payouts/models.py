"""Payouts: the way money leaves the platform.

A PayoutAccount is a person's bank account, its IBAN encrypted at rest
(payouts/crypto.py) and shown only masked. A Payout is money on its way out
through the payout provider: a wallet withdrawal (`source=wallet`) or a
campaign payout (`source=campaign`). From the moment it is asked the money sits
in the `payouts_in_transit_fund` ledger account; it leaves for the outside
world when the provider pays, and goes back where it came from, once, when the
provider fails it or finance rejects it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY, LedgerTransaction
from payouts import iban

HOLDER_NAME_MAX_LENGTH = 140
PAYEE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000


class PayoutAccountQuerySet(models.QuerySet):
    def active(self) -> "PayoutAccountQuerySet":
        return self.filter(deleted_at__isnull=True)


class PayoutAccount(models.Model):
    """A bank account someone may be paid to. Never holds the IBAN in clear:
    `iban_encrypted` is a Fernet token, `iban_hash` a keyed hash for uniqueness,
    `iban_country` + `iban_last4` all that is ever shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_accounts"
    )
    holder_name = models.CharField(max_length=HOLDER_NAME_MAX_LENGTH)
    iban_encrypted = models.TextField(editable=False)
    iban_hash = models.CharField(max_length=64, editable=False)
    iban_country = models.CharField(max_length=2, editable=False)
    iban_last4 = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Removed by its owner; kept for the payouts made to it."
    )

    objects = PayoutAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "iban_hash"],
                condition=models.Q(deleted_at__isnull=True),
                name="payouts_payoutaccount_one_iban_per_owner",
            ),
            models.CheckConstraint(
                condition=~models.Q(holder_name=""), name="payouts_payoutaccount_holder_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.iban_masked}"

    @property
    def iban_masked(self) -> str:
        return iban.mask(self.iban_country, self.iban_last4)


class PayoutBatch(models.Model):
    """One ISO 20022 pain.001 credit-transfer file handed to the bank
    (PAYOUT_GATEWAY=bankfile). The file names every payee's IBAN in clear, so
    it is kept only encrypted, like the accounts it was made from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message_id = models.CharField(max_length=35, unique=True, help_text="The file's MsgId.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when made by the export command.",
    )
    payout_count = models.PositiveIntegerField()
    total = models.DecimalField(**MONEY)
    document_encrypted = models.TextField(editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gt=0, payout_count__gt=0),
                name="payouts_payoutbatch_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"Bank file {self.message_id} ({self.payout_count} payouts, {self.total})"


class Payout(models.Model):
    class Source(models.TextChoices):
        WALLET = "wallet", _("Wallet withdrawal")
        CAMPAIGN = "campaign", _("Campaign payout")

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")

    # The money of these is in the in-transit account (ledger_verify checks it).
    IN_TRANSIT = (Status.PENDING_APPROVAL, Status.PROCESSING)
    SETTLED = (Status.PAID, Status.FAILED, Status.REJECTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=16, choices=Source.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawals",
        help_text="Whose wallet the money leaves (withdrawals).",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        help_text="Whose fund the money leaves (campaign payouts).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    payout_account = models.ForeignKey(
        PayoutAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    payee_name = models.CharField(max_length=PAYEE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=20, choices=Status.choices)
    approval_id = models.UUIDField(null=True, blank=True, help_text="The four-eyes request.")
    gateway = models.CharField(max_length=100, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    hold_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="payout_hold"
    )
    settle_transaction = models.OneToOneField(
        LedgerTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_settlement",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    batch = models.ForeignKey(
        PayoutBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        help_text="The bank file it was sent in (PAYOUT_GATEWAY=bankfile).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payouts_payout_amount_positive"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(source="wallet", owner__isnull=False, campaign__isnull=True)
                    | models.Q(source="campaign", campaign__isnull=False, owner__isnull=True)
                ),
                name="payouts_payout_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending_approval", "processing"])
                | models.Q(settle_transaction__isnull=False, settled_at__isnull=False),
                name="payouts_payout_settled_is_posted",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending_approval", "processing", "paid", "failed", "rejected"]
                ),
                name="payouts_payout_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount} to {self.payee_name} ({self.status})"

    @property
    def is_in_transit(self) -> bool:
        return self.status in self.IN_TRANSIT

    @property
    def iban_masked(self) -> str:
        return self.payout_account.iban_masked if self.payout_account_id else ""
