"""The ledger: the only code that moves money.

Every other app calls `ledger_post` (or one of the wallet services built on it);
nothing else writes balances or entries. Also here: the system accounts
(`ledger_account`, the outside world, the zakat fund), wallets, reversals,
staff adjustments and `ledger_verify`, which checks every invariant against the
rows themselves.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts import money
from accounts.models import MEMO_MAX_LENGTH, LedgerAccount, LedgerEntry, LedgerTransaction, User
from config.errors import ConflictOfInterest, DomainError, NotAllowed
from staff.permissions import user_can

logger = logging.getLogger(__name__)


class LedgerError(DomainError):
    code = "ledger_error"
    default_message = "The ledger refused this movement."


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 402
    default_message = "Your wallet balance is too low for this payment."
    # The fields beside error/message in its API body, as the docs show them.
    example_extra: ClassVar[dict] = {"available_amount": "20.00", "required_amount": "50.00"}


class AlreadyReversed(DomainError):
    code = "already_reversed"
    default_message = "This transaction has already been reversed."


class NotReversible(LedgerError):
    code = "not_reversible"
    default_message = (
        "This transaction belongs to a record of its own (a donation, a payment, a loan "
        "or a contract); undo it from that record, not in the ledger."
    )


# Only these may be reversed on their own. Every other kind belongs to a record of
# another app (a donation, a zakat payment, a loan or a contract) that keeps its
# own totals; reversing its money alone would leave the record saying otherwise, so
# only the service that owns the record reverses it (campaigns' donation_refund).
DIRECTLY_REVERSIBLE_KINDS = (LedgerTransaction.Kind.TOP_UP, LedgerTransaction.Kind.ADJUSTMENT)


@dataclass(frozen=True)
class Leg:
    """One side of a movement: `amount` is added to `account` (negative takes out)."""

    account: LedgerAccount
    amount: Decimal


def ledger_account(kind: str, key: str, name: str) -> LedgerAccount:
    """The system account under `key` (a fund, a receivable, income...), made on
    first use. Every app finds its accounts through this one function."""
    account, _ = LedgerAccount.objects.get_or_create(
        key=key, defaults={"kind": kind, "name": name, "currency": money.currency()}
    )
    return account


def external_account() -> LedgerAccount:
    """The outside world: where top-ups come from and payouts go."""
    return ledger_account(LedgerAccount.Kind.EXTERNAL, "external", "Outside world")


def zakat_fund_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.ZAKAT_FUND, "zakat_fund", "Zakat fund")


def fitr_fund_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.FITR_FUND, "fitr_fund", "Zakat al-fitr fund")


def campaign_zakat_account(campaign_id, title: str) -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.CAMPAIGN_ZAKAT_FUND,
        f"campaign_zakat:{campaign_id}",
        f"Zakat for campaign: {title}"[:200],
    )


def wallet_key(user: User) -> str:
    """The ledger key of a user's wallet (kind wallet, one per user)."""
    return f"wallet:{user.pk}"


def wallet_get_or_create(*, user: User) -> LedgerAccount:
    account = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.WALLET, owner=user).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                kind=LedgerAccount.Kind.WALLET,
                key=wallet_key(user),
                name=f"Wallet of {user.email}",
                owner=user,
                currency=money.currency(),
            )
    except IntegrityError:  # created by a concurrent request a moment ago
        return LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=user)


def ledger_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    reference: str,
    memo: str = "",
    created_by: User | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction.

    The legs must sum to exactly zero, each be a non-zero amount in cents, and
    touch each account once. The touched accounts are locked in primary-key
    order, so two postings over the same accounts queue instead of
    deadlocking; a leg that would take a wallet or fund below zero refuses the
    whole transaction with InsufficientFunds. Entries and the cached balances
    are written in the same database transaction, or not at all.

    Inside a caller's transaction this adds no savepoint of its own (two round
    trips saved on every posting, measured in docs/benchmarks.md). A refusal
    (InsufficientFunds) is raised before anything is written and outside the
    block, so the caller's transaction stays usable; a database error while
    writing still aborts the caller's transaction, as it would anyway on
    PostgreSQL."""
    if len(legs) < 2:
        raise LedgerError("A transaction needs at least two legs.")
    amounts = [Decimal(leg.amount) for leg in legs]
    if any(a != money.quantize(a) for a in amounts):
        raise LedgerError("Amounts must be whole cents.")
    if any(a == 0 for a in amounts):
        raise LedgerError("A leg cannot be zero.")
    if sum(amounts, Decimal(0)) != 0:
        raise LedgerError("The legs of a transaction must sum to zero.")
    account_ids = [leg.account.pk for leg in legs]
    if len(set(account_ids)) != len(account_ids):
        raise LedgerError("Each account may appear only once in a transaction.")
    if len({leg.account.currency for leg in legs}) != 1:
        raise LedgerError("All legs must be in one currency.")
    if len(memo) > MEMO_MAX_LENGTH:
        raise LedgerError(f"A memo is at most {MEMO_MAX_LENGTH} characters.")

    with transaction.atomic(savepoint=False):
        locked = {
            account.pk: account
            for account in LedgerAccount.objects.select_for_update()
            .filter(pk__in=account_ids)
            .order_by("pk")
        }
        new_balances: dict = {}
        refusal: InsufficientFunds | None = None
        for leg, amount in zip(legs, amounts, strict=True):
            account = locked[leg.account.pk]
            after = account.balance + amount
            if after < 0 and not account.may_go_negative:
                refusal = InsufficientFunds(
                    available_amount=str(money.quantize(account.balance)),
                    required_amount=str(money.quantize(-amount)),
                )
                break
            new_balances[account.pk] = after
        if refusal is None:
            txn = _ledger_write(
                kind=kind,
                legs=legs,
                amounts=amounts,
                new_balances=new_balances,
                locked=locked,
                reference=reference,
                memo=memo,
                created_by=created_by,
                reverses=reverses,
            )
    if refusal is not None:
        raise refusal
    return txn


def _ledger_write(
    *,
    kind: str,
    legs: Sequence[Leg],
    amounts: list[Decimal],
    new_balances: dict,
    locked: dict,
    reference: str,
    memo: str,
    created_by: User | None,
    reverses: LedgerTransaction | None,
) -> LedgerTransaction:
    """The writes of ledger_post, inside its transaction, the accounts locked."""
    now = timezone.now()
    txn = LedgerTransaction.objects.create(
        kind=kind,
        reference=reference[:200],
        memo=memo,
        created_by=created_by,
        reverses=reverses,
        created_at=now,
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn,
            account_id=leg.account.pk,
            amount=amount,
            balance_after=new_balances[leg.account.pk],
            created_at=now,
        )
        for leg, amount in zip(legs, amounts, strict=True)
    )
    # Every movement of money leaves one audit event naming who moved it, in the
    # same transaction (imported here: the staff app builds on accounts).
    from staff.services.audit import audit_record

    audit_record(
        actor=created_by,
        action=f"ledger.{kind}",
        subject=txn,
        changes={
            "legs": {
                locked[leg.account.pk].key: amount
                for leg, amount in zip(legs, amounts, strict=True)
            },
            **({"reverses": reverses.pk} if reverses is not None else {}),
        },
        reason=memo,
    )
    for account_id, balance in new_balances.items():
        LedgerAccount.objects.filter(pk=account_id).update(balance=balance)
        locked[account_id].balance = balance
        for leg in legs:  # callers' instances see the new balance too
            if leg.account.pk == account_id:
                leg.account.balance = balance
    return txn


def ledger_reverse(
    *,
    original: LedgerTransaction,
    reason: str,
    by: User | None = None,
    by_record_owner: bool = False,
) -> LedgerTransaction:
    """Undo a transaction with a new one of opposite legs. Entries are never
    edited or deleted; a transaction can be reversed once, and a reversal that
    would overdraw a wallet (the money was already spent) is refused.

    Only top-ups and adjustments may be reversed here alone (NotReversible for
    the rest); `by_record_owner` is for the service that owns the record a
    transaction belongs to and updates that record in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why this transaction is reversed."]})
    if len(reason) > MEMO_MAX_LENGTH:
        raise ValidationError({"reason": [f"Keep the reason to {MEMO_MAX_LENGTH} characters."]})
    with transaction.atomic():
        original = LedgerTransaction.objects.select_for_update().get(pk=original.pk)
        if original.reverses_id is not None:
            raise LedgerError("A reversal cannot itself be reversed; post a new transaction.")
        if not by_record_owner and original.kind not in DIRECTLY_REVERSIBLE_KINDS:
            raise NotReversible()
        if not by_record_owner and by is not None:
            if not user_can(by, "staff.ledger_reverse"):
                raise NotAllowed("Only staff holding staff.ledger_reverse may reverse postings.")
            if original.entries.filter(account__owner=by).exists():
                raise ConflictOfInterest("You cannot reverse a posting on your own wallet.")
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed()
        legs = [
            Leg(entry.account, -entry.amount)
            for entry in original.entries.select_related("account")
        ]
        try:
            return ledger_post(
                kind=original.kind,
                legs=legs,
                reference=f"Reversal of {original.reference}",
                memo=reason,
                created_by=by,
                reverses=original,
            )
        except IntegrityError:  # a concurrent reversal won the one-to-one
            raise AlreadyReversed() from None


def wallet_adjust(*, user: User, amount: Decimal, reason: str, by: User) -> LedgerTransaction:
    """A staff correction of a wallet, with a required reason (positive credits).

    At most WALLET_ADJUSTMENT_MAX either way, and never of one's own wallet
    (403 conflict_of_interest). Staff ask for one through the four-eyes
    mechanism (staff.services.wallet_adjustment_request), which runs this once
    a second person approves."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the wallet is adjusted."]})
    if len(reason) > MEMO_MAX_LENGTH:
        raise ValidationError({"reason": [f"Keep the reason to {MEMO_MAX_LENGTH} characters."]})
    limit = money.quantize(settings.WALLET_ADJUSTMENT_MAX)
    amount = money.parse_cents(
        amount,
        field="amount",
        signed=True,
        maximum=limit,
        message=f"Enter a non-zero amount in whole cents, at most {limit} either way.",
    )
    if by is not None and by.pk == user.pk:
        raise ConflictOfInterest("You cannot adjust your own wallet.")
    # One transaction with the posting: a refused or failed adjustment leaves no
    # new, empty wallet behind.
    with transaction.atomic():
        wallet = wallet_get_or_create(user=user)
        return ledger_post(
            kind=LedgerTransaction.Kind.ADJUSTMENT,
            legs=[Leg(wallet, amount), Leg(external_account(), -amount)],
            reference=f"Adjustment by staff: {reason}"[:200],
            memo=reason,
            created_by=by,
        )


# --- Verification ----------------------------------------------------------------------


@dataclass
class LedgerReport:
    accounts: int = 0
    transactions: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)


def ledger_verify() -> LedgerReport:
    """Check every invariant of the ledger against the rows themselves.

    Reads account by account, so it runs in memory proportional to the largest
    account's history, not the whole ledger."""
    report = LedgerReport()
    report.transactions = LedgerTransaction.objects.count()
    report.entries = LedgerEntry.objects.count()

    # Entries are whole cents, so a real imbalance is at least a cent. Compare with
    # half a cent, not zero: SQLite sums decimals as floats, and three balanced legs
    # (a murabaha sale) can sum to 1e-13 there.
    half_cent = money.CENT / 2
    unbalanced = (
        LedgerEntry.objects.values("transaction_id")
        .annotate(total=Sum("amount"), legs=Count("id"))
        .filter(Q(legs__lt=2) | Q(total__gte=half_cent) | Q(total__lte=-half_cent))
    )
    for row in unbalanced:
        report.problems.append(
            f"transaction {row['transaction_id']} has {row['legs']} leg(s) "
            f"summing to {money.quantize(row['total'])}"
        )
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    report.problems += [f"transaction {pk} has no entries" for pk in empty]
    zero = LedgerEntry.objects.filter(amount=0).values_list("pk", flat=True)
    report.problems += [f"entry {pk} has a zero amount" for pk in zero]

    for account in LedgerAccount.objects.order_by("key").iterator():
        report.accounts += 1
        running = Decimal(0)
        for entry_id, amount, after in (
            account.entries.order_by("id").values_list("id", "amount", "balance_after").iterator()
        ):
            running += amount
            if after != running:
                report.problems.append(
                    f"{account.key}: entry {entry_id} says balance_after {after}, "
                    f"the entries up to it sum to {running}"
                )
                running = after  # report each break once, not every entry after it
        total = money.quantize(account.entries.aggregate(total=Sum("amount"))["total"] or 0)
        if account.balance != total:
            report.problems.append(
                f"{account.key}: cached balance {account.balance} but its entries sum to {total}"
            )
        if not account.may_go_negative and total < 0:
            report.problems.append(
                f"{account.key}: {account.get_kind_display()} is negative ({total})"
            )
    return report
