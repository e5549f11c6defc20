import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest reason kept with a ledger transaction (admin forms and the API cap it too).
MEMO_MAX_LENGTH = 1000


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address is case-insensitive for us: one person, one account,
        # however they type it.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email=self.normalize_email(username))

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the platform. The email address is the login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(
        default=True,
        help_text="Unticking this signs the person out everywhere, API tokens included.",
    )
    is_staff = models.BooleanField(
        default=False, help_text="Staff may sign in to the admin and manage records."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(email=""), name="accounts_user_email_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


# --- The double-entry ledger ------------------------------------------------------
#
# Every movement of money is one LedgerTransaction whose LedgerEntries sum to
# zero. An entry's amount is signed from its account's point of view: positive
# means the account holds more afterwards. A balance is the sum of its entries;
# `LedgerAccount.balance` caches it, is written only by accounts.services
# together with the entries under a row lock, and `ledger_verify` rebuilds it.

MONEY = {"max_digits": 18, "decimal_places": 2}


class LedgerAccountKind(models.TextChoices):
    WALLET = "wallet", _("User wallet")
    CAMPAIGN_FUND = "campaign_fund", _("Campaign fund")
    ZAKAT_FUND = "zakat_fund", _("Zakat fund")
    LOAN_RECEIVABLE = "loan_receivable", _("Loan receivable")
    MURABAHA_RECEIVABLE = "murabaha_receivable", _("Murabaha receivable")
    MURABAHA_INVENTORY = "murabaha_inventory", _("Murabaha assets held for sale")
    INCOME = "income", _("Institution income")
    # Murabaha markup not yet earned: income only as installments are paid (FAS 28).
    MURABAHA_DEFERRED_PROFIT = "murabaha_deferred_profit", _("Murabaha deferred profit")
    # Late-payment charity undertakings (AAOIFI SS 3): never income, only given away.
    CHARITY_FUND = "charity_fund", _("Charity fund (late-payment undertakings)")
    WRITE_OFF = "write_off", _("Written-off debts")
    EXTERNAL = "external", _("Outside world")
    FITR_FUND = "fitr_fund", _("Zakat al-fitr fund")
    CAMPAIGN_ZAKAT_FUND = "campaign_zakat_fund", _("Campaign zakat fund")
    # Money on its way out through the payout provider (payouts/): held here from the
    # moment a withdrawal or campaign payout is asked until the provider settles it.
    PAYOUTS_IN_TRANSIT_FUND = "payouts_in_transit_fund", _("Payouts in transit")


# The accounts that hold zakat (paid zakat, zakat al-fitr, zakat given to
# campaigns). Zakat belongs to the eight categories of recipients (Qur'an 9:60):
# money leaves these accounts only as a zakat disbursement to an approved case
# (ledger_post refuses anything else; ledger_verify flags any other outflow).
ZAKAT_FUND_KINDS = ("zakat_fund", "fitr_fund", "campaign_zakat_fund")


# Accounts that hold real money for someone can never be overdrawn: wallets and
# every fund (a kind named `*_fund`). The outside world and receivables run
# negative by design: a receivable's negative balance is what is still owed to
# the institution. A new fund is one line in LedgerAccountKind (plus the
# migration that rewrites the constraint below, which reads this tuple).
NON_NEGATIVE_KINDS: tuple[str, ...] = tuple(
    kind.value
    for kind in LedgerAccountKind
    if kind == LedgerAccountKind.WALLET or kind.value.endswith("_fund")
)


class LedgerAccount(models.Model):
    Kind = LedgerAccountKind
    NON_NEGATIVE_KINDS = NON_NEGATIVE_KINDS

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(
        max_length=100, unique=True, help_text="Stable name, e.g. wallet:<user id> or zakat_fund."
    )
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3)
    balance = models.DecimalField(**MONEY, default=0)
    head_hash = models.BinaryField(
        default=b"",
        editable=False,
        help_text="The hash of this account's newest entry: the head of its chain (docs/ledger.md).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=NON_NEGATIVE_KINDS) | models.Q(balance__gte=0),
                name="accounts_ledgeraccount_not_overdrawn",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(kind="wallet"),
                name="accounts_one_wallet_per_user",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="wallet") | models.Q(owner__isnull=False),
                name="accounts_wallet_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_go_negative(self) -> bool:
        return self.kind not in self.NON_NEGATIVE_KINDS


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        DONATION = "donation", _("Donation")
        ZAKAT_PAYMENT = "zakat_payment", _("Zakat payment")
        LOAN_DISBURSEMENT = "loan_disbursement", _("Loan disbursement")
        LOAN_REPAYMENT = "loan_repayment", _("Loan repayment")
        MURABAHA_PAYMENT = "murabaha_payment", _("Murabaha payment")
        ADJUSTMENT = "adjustment", _("Adjustment")
        WRITE_OFF = "write_off", _("Write-off")
        ZAKAT_DISBURSEMENT = "zakat_disbursement", _("Zakat disbursement")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        PAYOUT = "payout", _("Payout")
        PAYOUT_RETURN = "payout_return", _("Payout returned")
        FITR_PAYMENT = "fitr_payment", _("Zakat al-fitr payment")
        # Between the parts of one campaign's fund (campaigns.services): same fund.
        FUND_TRANSFER = "fund_transfer", _("Transfer within a fund")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reference = models.CharField(max_length=200, help_text="What this was, for people.")
    memo = models.TextField(
        blank=True,
        max_length=MEMO_MAX_LENGTH,
        help_text="The reason, for adjustments and reversals.",
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The transaction this one undoes (at most one reversal each).",
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    chain_hash = models.BinaryField(
        null=True,
        editable=False,
        help_text="SHA-256 over the chain hashes of its entries, in account order.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("memo"), MEMO_MAX_LENGTH),
                name="accounts_ledgertransaction_memo_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"


class LedgerEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    # Indexed with the id below: an account's entries in chain order.
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    chain_hash = models.BinaryField(
        null=True,
        editable=False,
        help_text="SHA-256 of the account's previous chain hash and this entry (docs/ledger.md).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="accounts_ledgerentry_amount_not_zero"
            ),
            models.UniqueConstraint(
                fields=["transaction", "account"], name="accounts_ledgerentry_one_leg_per_account"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"]),
            models.Index(fields=["account", "id"], name="accounts_entry_account_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"


class LedgerChainCheckpoint(models.Model):
    """Where the last clean `ledger_verify` left one account's chain: the next
    verification with `incremental=True` starts here instead of at the first entry."""

    account = models.OneToOneField(
        LedgerAccount, primary_key=True, on_delete=models.PROTECT, related_name="checkpoint"
    )
    last_entry_id = models.BigIntegerField()
    head_hash = models.BinaryField()
    balance = models.DecimalField(**MONEY)
    verified_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.account} verified to entry {self.last_entry_id}"


class TopUp(models.Model):
    """Money coming into a wallet from outside through a payment gateway."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="top_ups")
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway = models.CharField(max_length=100)
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    redirect_url = models.URLField(max_length=2000, blank=True)
    payment_method = models.CharField(
        max_length=200,
        blank=True,
        help_text="The provider's token of the payer's card (e.g. Stripe's pm_...), when given.",
    )
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="top_up"
    )
    refunded_amount = models.DecimalField(
        **{**MONEY, "default": 0},
        help_text="How much has gone back to the card, as the provider last reported it.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="accounts_topup_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="succeeded")
                | models.Q(ledger_transaction__isnull=False),
                name="accounts_topup_succeeded_is_posted",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0)
                & models.Q(refunded_amount__lte=models.F("amount")),
                name="accounts_topup_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Top-up {self.amount} for {self.user} ({self.status})"


class ProviderEvent(models.Model):
    """A payment provider's webhook event, kept by its id so it takes effect once:
    providers deliver the same event again (retries, replays) and the row's
    unique key turns the second delivery into a no-op in the same transaction."""

    gateway = models.CharField(max_length=100)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    top_up = models.ForeignKey(
        TopUp, null=True, blank=True, on_delete=models.PROTECT, related_name="provider_events"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"], name="accounts_providerevent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id}"


class RecoveryCode(models.Model):
    """One single-use recovery code of a person's second factor.

    Stored hashed with Django's password hashers (Argon2 in production), never in
    plain text: django-otp's own static tokens are plain, and a copy of the
    database must not sign anyone in. Ten are issued at enrolment and shown once;
    a used code keeps its row (used_at) so the status page can count what is left."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"
