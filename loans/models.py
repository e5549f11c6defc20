"""Qard hasan loans, murabaha contracts and their installments.

Qard hasan is interest-free: the borrower repays exactly the principal, so a
loan has no interest, fee or markup field, and the database keeps
0 <= repaid <= principal. A murabaha is a sale at disclosed cost plus a fixed
markup: sale_price = cost_price + markup_amount, fixed at acceptance, never
grown by lateness. Status changes and money movements happen only in
loans.services; nothing here writes anything on save.
"""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.money import ZERO

MONEY = {"max_digits": 18, "decimal_places": 2}
# Amounts are whole cents, so allowing half a cent in the constraints that do
# arithmetic changes nothing on PostgreSQL (exact numerics), while it absorbs
# SQLite's float arithmetic in CHECK constraints (0.10 + 0.20 is
# 0.30000000000000004 there, which refused a correct offer or write-off).
HALF_CENT = Decimal("0.005")
MAX_MONTHS = 60
# Keeps cost + markup well inside the 18-digit money columns.
MURABAHA_MAX_PRICE = Decimal("10000000.00")
PURPOSE_MAX_LENGTH = 500
REJECTION_REASON_MAX_LENGTH = 500
ASSET_MAX_LENGTH = 300
SUPPLIER_MAX_LENGTH = 200
INVOICE_MAX_LENGTH = 100
# A late-payment charity undertaking is a pledge to give to charity, not a
# penalty the institution earns (AAOIFI SS 3); the cap keeps it a pledge, not a
# burden that would make lateness a second price.
LATE_CHARITY_MAX_PERCENT = Decimal("10.00")
OFFER_DEFAULT_DAYS = 7


def late_installment_q(*, prefix: str = "installments__", today: date | None = None) -> Q:
    """Installments paid, or still unpaid, after their due date."""
    today = today or timezone.localdate()
    return Q(
        **{f"{prefix}paid_amount__lt": F(f"{prefix}amount"), f"{prefix}due_date__lt": today}
    ) | Q(**{f"{prefix}paid_at__date__gt": F(f"{prefix}due_date")})


def _days_past_due(oldest_unpaid_due: date | None, today: date | None = None) -> int:
    today = today or timezone.localdate()
    if oldest_unpaid_due is None or oldest_unpaid_due >= today:
        return 0
    return (today - oldest_unpaid_due).days


class _Financing(models.Model):
    """What a loan and a contract share: installments and days past due."""

    class Meta:
        abstract = True

    @property
    def days_past_due(self) -> int:
        """Days since the oldest unpaid installment fell due (0 when none is late).

        Selectors annotate `oldest_unpaid_due` so lists need no query per row."""
        if hasattr(self, "oldest_unpaid_due"):
            oldest = self.oldest_unpaid_due
        else:
            oldest = (
                self.installments.filter(paid_amount__lt=F("amount"))
                .order_by("number")
                .values_list("due_date", flat=True)
                .first()
            )
        return _days_past_due(oldest)


class Loan(_Financing):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ACTIVE = "active", _("Active")
        FULLY_REPAID = "fully_repaid", _("Fully repaid")
        DEFAULTED = "defaulted", _("Defaulted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans"
    )
    principal_amount = models.DecimalField(
        **MONEY, help_text="What is lent and exactly what is repaid: no interest, no fee."
    )
    repaid_amount = models.DecimalField(**MONEY, default=ZERO)
    written_off_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="The remainder written off when marked defaulted."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    purpose = models.CharField(max_length=PURPOSE_MAX_LENGTH)
    repayment_months = models.PositiveSmallIntegerField()
    disbursement_date = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member who approved or rejected it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=REJECTION_REASON_MAX_LENGTH, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal_amount__gt=0), name="loans_loan_principal_positive"
            ),
            models.CheckConstraint(
                condition=Q(repaid_amount__gte=0, repaid_amount__lte=F("principal_amount")),
                name="loans_loan_repaid_within_principal",
            ),
            models.CheckConstraint(
                condition=Q(written_off_amount__gte=0)
                & Q(written_off_amount__lte=F("principal_amount") - F("repaid_amount") + HALF_CENT),
                name="loans_loan_write_off_within_remainder",
            ),
            models.CheckConstraint(
                condition=Q(repayment_months__gte=1, repayment_months__lte=MAX_MONTHS),
                name="loans_loan_months_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "approved",
                        "rejected",
                        "active",
                        "fully_repaid",
                        "defaulted",
                    ]
                ),
                name="loans_loan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"])
                | Q(disbursement_date__isnull=False),
                name="loans_loan_disbursed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="fully_repaid") | Q(repaid_amount=F("principal_amount")),
                name="loans_loan_fully_repaid_is_repaid",
            ),
            models.CheckConstraint(condition=~Q(purpose=""), name="loans_loan_purpose_not_empty"),
        ]
        indexes = [models.Index(fields=["borrower", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"Qard hasan {self.principal_amount} for {self.borrower.email} ({self.status})"

    @property
    def remaining_balance(self) -> Decimal:
        return self.principal_amount - self.repaid_amount

    @property
    def total_owed(self) -> Decimal:
        return self.principal_amount

    @property
    def paid_so_far(self) -> Decimal:
        return self.repaid_amount

    @property
    def ledger_key(self) -> str:
        return f"loan:{self.pk}"


class MurabahaContract(_Financing):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ASSET_ACQUIRED = "asset_acquired", _("Asset acquired")
        OFFERED = "offered", _("Offered")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        DEFAULTED = "defaulted", _("Defaulted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="murabaha_contracts"
    )
    asset_description = models.CharField(max_length=ASSET_MAX_LENGTH)
    cost_price = models.DecimalField(
        **MONEY,
        help_text="What the institution paid for the asset: the customer's estimate until "
        "the purchase, then the actual cost on the supplier's invoice.",
    )
    estimated_cost = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="The customer's estimate, as requested."
    )
    supplier_name = models.CharField(max_length=SUPPLIER_MAX_LENGTH, blank=True)
    supplier_email = models.EmailField(blank=True)
    invoice_reference = models.CharField(max_length=INVOICE_MAX_LENGTH, blank=True)
    possession_date = models.DateField(
        null=True, blank=True, help_text="When the institution took possession of the asset."
    )
    markup_amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="The disclosed, fixed profit; set by the offer."
    )
    sale_price = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="cost + markup; never changes once accepted."
    )
    down_payment = models.DecimalField(**MONEY, default=ZERO)
    installments_count = models.PositiveSmallIntegerField()
    paid_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="Paid towards the installments (down payment excluded)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    acquired_at = models.DateTimeField(null=True, blank=True)
    acquired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offer_valid_until = models.DateField(
        null=True, blank=True, help_text="The last day the customer may accept the offer."
    )
    late_charity_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text="Late-payment charity undertaking agreed at the offer: this percent of "
        "each overdue installment goes to charity, never to income.",
    )
    profit_recognized = models.DecimalField(
        **MONEY, default=ZERO, help_text="Markup recognised as income, pro rata to payments."
    )
    rebate_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="Discretionary rebates (ibra') granted."
    )
    written_off_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="What is still written off after a default."
    )
    profit_written_off = models.DecimalField(
        **MONEY, default=ZERO, help_text="Deferred markup reversed at default, not recovered."
    )
    charity_paid = models.DecimalField(
        **MONEY, default=ZERO, help_text="Paid under the late-payment charity undertaking."
    )
    acceptance_date = models.DateField(null=True, blank=True)
    defaulted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_price__gt=0), name="loans_murabaha_cost_positive"
            ),
            models.CheckConstraint(
                condition=Q(down_payment__gte=0, down_payment__lt=F("cost_price")),
                name="loans_murabaha_down_payment_below_cost",
            ),
            models.CheckConstraint(
                condition=Q(markup_amount__isnull=True, sale_price__isnull=True)
                | Q(
                    markup_amount__gte=0,
                    sale_price__gt=F("cost_price") + F("markup_amount") - HALF_CENT,
                    sale_price__lt=F("cost_price") + F("markup_amount") + HALF_CENT,
                ),
                name="loans_murabaha_sale_is_cost_plus_markup",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0)
                & (
                    Q(sale_price__isnull=True, paid_amount=0)
                    | Q(
                        paid_amount__lte=F("sale_price")
                        - F("down_payment")
                        - F("rebate_amount")
                        + HALF_CENT
                    )
                ),
                name="loans_murabaha_paid_within_financed",
            ),
            # recognised + rebated + written off never exceed the markup: the rest is
            # the deferred profit, so recognised + deferred (+ rebated + written off)
            # is the markup, always (FAS 28).
            models.CheckConstraint(
                condition=Q(
                    profit_recognized__gte=0,
                    rebate_amount__gte=0,
                    profit_written_off__gte=0,
                    written_off_amount__gte=0,
                    charity_paid__gte=0,
                )
                & (
                    Q(
                        markup_amount__isnull=True,
                        profit_recognized=0,
                        rebate_amount=0,
                        profit_written_off=0,
                        written_off_amount=0,
                    )
                    | Q(
                        profit_recognized__lte=F("markup_amount")
                        - F("rebate_amount")
                        - F("profit_written_off")
                        + HALF_CENT
                    )
                ),
                name="loans_murabaha_profit_within_markup",
            ),
            models.CheckConstraint(
                condition=Q(markup_amount__isnull=True)
                | Q(
                    written_off_amount__lte=F("sale_price")
                    - F("down_payment")
                    - F("paid_amount")
                    - F("rebate_amount")
                    + HALF_CENT
                ),
                name="loans_murabaha_write_off_within_remainder",
            ),
            models.CheckConstraint(
                condition=Q(
                    late_charity_percent__gte=0,
                    late_charity_percent__lte=LATE_CHARITY_MAX_PERCENT,
                ),
                name="loans_murabaha_late_charity_percent_range",
            ),
            # A murabaha sells only what the institution bought and holds: the
            # purchase's supplier, invoice and date of possession are on record.
            models.CheckConstraint(
                condition=Q(status__in=["requested", "cancelled"], acquired_at__isnull=True)
                | Q(possession_date__isnull=False)
                & ~Q(supplier_name="")
                & ~Q(invoice_reference=""),
                name="loans_murabaha_acquired_has_purchase",
            ),
            models.CheckConstraint(
                condition=Q(installments_count__gte=1, installments_count__lte=MAX_MONTHS),
                name="loans_murabaha_installments_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "asset_acquired",
                        "offered",
                        "active",
                        "completed",
                        "cancelled",
                        "defaulted",
                    ]
                ),
                name="loans_murabaha_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["offered", "active", "completed", "defaulted"])
                | Q(sale_price__isnull=False, acquired_at__isnull=False),
                name="loans_murabaha_offered_is_owned_and_priced",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["active", "completed", "defaulted"])
                | Q(acceptance_date__isnull=False),
                name="loans_murabaha_active_has_acceptance_date",
            ),
            models.CheckConstraint(
                condition=~Q(asset_description=""), name="loans_murabaha_asset_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"Murabaha: {self.asset_description} for {self.customer.email} ({self.status})"

    @property
    def financed_amount(self) -> Decimal | None:
        """What the installments cover: sale price less the down payment."""
        if self.sale_price is None:
            return None
        return self.sale_price - self.down_payment

    @property
    def remaining_balance(self) -> Decimal:
        """Still owed on the installments (a rebate lowers it, lateness never raises
        it). Before an offer the price is not known, so what would be financed at
        cost is shown."""
        if self.sale_price is None:
            return self.cost_price - self.down_payment
        return self.sale_price - self.down_payment - self.paid_amount - self.rebate_amount

    @property
    def profit_deferred(self) -> Decimal:
        """Markup booked at acceptance and not yet earned (nor rebated, nor written
        off). Before acceptance nothing is booked: zero."""
        if self.markup_amount is None or self.acceptance_date is None:
            return ZERO
        return (
            self.markup_amount
            - self.profit_recognized
            - self.rebate_amount
            - self.profit_written_off
        )

    @property
    def charity_pledge_due(self) -> Decimal:
        """What the late-payment charity undertaking asks for now: the agreed percent
        of every installment paid or still unpaid after its due date, less what was
        given. Selectors annotate `late_installments_total` (no query per row)."""
        if not self.late_charity_percent:
            return ZERO
        if hasattr(self, "late_installments_total"):
            late = self.late_installments_total or ZERO
        else:
            late = (
                self.installments.filter(late_installment_q(prefix="")).aggregate(
                    total=models.Sum("amount")
                )["total"]
                or ZERO
            )
        pledged = money.quantize(money.quantize(late) * self.late_charity_percent / 100)
        return max(pledged - self.charity_paid, ZERO)

    @property
    def total_owed(self) -> Decimal:
        return self.financed_amount or (self.cost_price - self.down_payment)

    @property
    def paid_so_far(self) -> Decimal:
        return self.paid_amount

    @property
    def ledger_key(self) -> str:
        return f"murabaha:{self.pk}"


class Installment(models.Model):
    """One month's share of a loan or a contract (exactly one of the two)."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    id = models.BigAutoField(primary_key=True)
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="installments"
    )
    contract = models.ForeignKey(
        MurabahaContract,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="installments",
    )
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY, default=ZERO)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DUE)
    paid_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the overdue reminder went out (once only)."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(loan__isnull=False, contract__isnull=True)
                | Q(loan__isnull=True, contract__isnull=False),
                name="loans_installment_one_parent",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_installment_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("amount")),
                name="loans_installment_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_amount=F("amount")),
                name="loans_installment_paid_is_full",
            ),
            models.UniqueConstraint(
                fields=["loan", "number"], name="loans_installment_loan_number"
            ),
            models.UniqueConstraint(
                fields=["contract", "number"], name="loans_installment_contract_number"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"#{self.number} due {self.due_date}: {self.amount}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.paid_amount


class Payment(models.Model):
    """A repayment of a loan or an installment payment of a contract, as posted."""

    class Source(models.TextChoices):
        WALLET = "wallet", _("Borrower's wallet")
        EXTERNAL = "external", _("Cash received by staff")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    contract = models.ForeignKey(
        MurabahaContract, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(**MONEY)
    source = models.CharField(max_length=16, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ledger_transaction = models.OneToOneField(
        "accounts.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(loan__isnull=False, contract__isnull=True)
                | Q(loan__isnull=True, contract__isnull=False),
                name="loans_payment_one_parent",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.amount} ({self.source})"
